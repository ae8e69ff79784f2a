#pragma once

#include "protocol/caption_file.hpp"
#include "protocol/ingest.hpp"
#include "protocol/journal.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace minuted::daemon {

/// How a recorded transcript is played as a live feed.
struct replay_options {
    double words_per_minute = 180; ///< a real stenographer's pace
    double speed = 1;              ///< multiple of that pace
    bool as_fast_as_acked = false; ///< --speed max: frames as fast as the window allows
    bool corrections = false;      ///< inject typos that are erased and retyped
    std::uint32_t seed = 1;        ///< for the typos, so a replay is reproducible
    bool keep_open = false;        ///< end without a close frame: the session stays live
    std::string token;             ///< --token: the receiver's publish token, if it wants one
    std::string ca_file;           ///< --ca-file: CAs for a wss:// receiver's certificate
};

/// Reads a replay speed: "max" (as fast as acknowledged) or a positive multiple of real time.
/// Throws std::invalid_argument naming `option` otherwise.
void set_speed(replay_options& options, std::string_view value, std::string_view option);

/// One frame of a replay: its seq is its index + 1.
struct replay_frame {
    protocol::ingest_kind kind = protocol::ingest_kind::text;
    std::string text;
    std::size_t count = 0; ///< erase
    double at_seconds = 0; ///< when it is due after the replay starts
    std::string lang = {}; ///< text: the language to send with it, if the recording named one
};

/// Cuts a transcript into frames as a stenographer types it: a word (with the spaces and line
/// breaks after it) per frame, paced by `options`; with corrections, some words are first
/// mistyped, then erased (by an erase message or by backspace characters) and retyped. Ends
/// with a close frame. Pure and deterministic.
std::vector<replay_frame> make_replay_frames(std::string_view transcript,
                                             replay_options const& options);

/// A recorded meeting (a journal, a transcript file) as a replay: the open message's title and
/// agenda, and the frames.
struct journal_replay {
    std::string title;
    std::vector<protocol::agenda_item> agenda;
    std::vector<replay_frame> frames;
};

/// A transcript file as a live caption source sends it: the title for its open, and its text.
struct live_transcript {
    std::string title;
    std::string text;
};

/// A live session reads every line it is sent as captions, so a transcript file's header
/// (title, date, provider: the lines before the speech, read as `minuted summarise` reads
/// them) is not sent as text: its title goes in the open message, and its lines are sent as
/// blank lines, so line numbers in the minutes are the file's. Pure.
live_transcript as_live_captions(std::string_view transcript);

/// `as_live_captions(transcript)`, its text typed as by `make_replay_frames`: what
/// `minuted replay FILE` sends. Pure and deterministic.
journal_replay make_transcript_replay(std::string_view transcript, replay_options const& options);

/// A caption file (WebVTT, SRT, TTML/EBU-TT; see protocol/caption_file.hpp) as a replay at its
/// recorded pace: a text frame per cue, its CART line (`>> Name: text` where the speaker
/// changes) due at the cue's start, counted from the first cue's, divided by `speed`; then a
/// close frame (none with `keep_open`) when the last cue ends. `file` must have no error. Pure.
journal_replay make_caption_replay(protocol::caption_file const& file,
                                   replay_options const& options);

/// Turns a session's journal records (protocol/journal.hpp) into a replay of it: each `text`
/// record (with a seq or raw) becomes a text frame and each `erase` an erase frame, numbered
/// anew from 1; the first `end` becomes a close frame (none with `keep_open`) and nothing after
/// it is played. A frame is due (its `at_ms` - the first caption's) / 1000 / `speed` seconds
/// after the start, never before the frame ahead of it, so the meeting plays at its recorded
/// pace at speed 1. The title and agenda are the last `open` record's before the first
/// caption; `session` and `epoch` records are skipped. A journal whose session read its text
/// as a file (written before live sessions read live captions: its `session` record has no
/// `source`) is played as a live source sends that file: the header its session found is
/// sent as blank lines, and its title, if it gives one, is the open's. Pure.
journal_replay make_journal_replay(std::span<protocol::journal_record const> records,
                                   replay_options const& options);

/// The JSON ingest message of `frame` with `seq`.
std::string frame_json(replay_frame const& frame, protocol::seq_number seq);

} // namespace minuted::daemon

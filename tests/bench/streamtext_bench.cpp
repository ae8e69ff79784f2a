// The lag a StreamText feed adds, and how fast it catches up after an outage of the service.
// Starts the minuted binary built here with a streamtext [[feed]] polling a loopback server
// that follows StreamText's caption API (tests/support/streamtext_server), poll_interval 1s.
//   lag:     text appended to the event, until GET /api/sessions/{id} shows it (20 samples)
//   outage:  the server refuses connections for OUTAGE seconds while text is added twice a
//            second; from its return until the session holds all of it, every word once.
// usage: minuted_streamtext_bench [OUTAGE_SECONDS (default 60)]

#include "tests/support/clients.hpp"
#include "tests/support/daemon_process.hpp"
#include "tests/support/streamtext_server.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace minuted::testing;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

std::string session_text(unsigned short port) {
    auto const res = http_get(port, "/api/sessions/st");
    if (res.status != 200)
        return {};
    auto const state = boost::json::parse(res.body).as_object();
    std::string text;
    for (auto const* list : {"utterances", "pending"})
        for (auto const& u : state.at(list).as_array())
            text += std::string(u.as_object().at("text").as_string()) + "\n";
    return text;
}

double ms(clock_type::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

// Waits until the session holds `word`; when it first did (polled every 5 ms).
clock_type::time_point seen(unsigned short port, std::string const& word) {
    auto const until = clock_type::now() + 120s;
    while (clock_type::now() < until) {
        if (session_text(port).find(word) != std::string::npos)
            return clock_type::now();
        std::this_thread::sleep_for(5ms);
    }
    std::fprintf(stderr, "%s never arrived\n", word.c_str());
    std::exit(1);
}

} // namespace

int main(int argc, char** argv) {
    int const outage = argc > 1 ? std::atoi(argv[1]) : 60;
    streamtext_server server;
    daemon_process d({.config = "[[feed]]\nkind = \"streamtext\"\nsession = \"st\"\n"
                                "event = \"TEST\"\npoll_interval = \"1s\"\nurl = \"" +
                                server.url() + "\"\n"});
    int next = 0;
    std::string said;
    auto say = [&] {
        auto const word = "w" + std::to_string(100000 + next++);
        server.append(word + " ");
        said += word + " ";
        return word;
    };
    seen(d.port(), say());

    std::vector<double> lags;
    for (int i = 0; i < 20; ++i) {
        // At a random phase of the poll cycle.
        std::this_thread::sleep_for(std::chrono::milliseconds(137 + (i * 371) % 1000));
        auto const word = say();
        auto const at = clock_type::now();
        lags.push_back(ms(seen(d.port(), word) - at));
    }
    std::sort(lags.begin(), lags.end());
    std::printf("lag, poll_interval 1s, 20 samples: median %.0f ms, max %.0f ms\n", lags[10],
                lags.back());

    server.set(streamtext_server::behaviour::refusing);
    auto const down_until = clock_type::now() + std::chrono::seconds(outage);
    while (clock_type::now() < down_until) {
        say();
        std::this_thread::sleep_for(500ms);
    }
    auto const last = say();
    server.set(streamtext_server::behaviour::normal);
    auto const back = clock_type::now();
    auto const caught_up = seen(d.port(), last);
    auto const text = session_text(d.port());
    int lost = 0, repeated = 0;
    for (int i = 0; i < next; ++i) {
        auto const word = "w" + std::to_string(100000 + i);
        auto const at = text.find(word);
        lost += at == std::string::npos;
        repeated += at != std::string::npos && text.find(word, at + 1) != std::string::npos;
    }
    std::printf("outage of %d s (%d words said meanwhile): caught up %.0f ms after the service "
                "returned; %d of %d words lost, %d repeated\n",
                outage, outage * 2 + 1, ms(caught_up - back), lost, next, repeated);
    return lost == 0 && repeated == 0 ? 0 : 1;
}

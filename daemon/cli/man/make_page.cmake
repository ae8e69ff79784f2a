# cmake -DBINARY=minuted -DTEMPLATE=page.in -DOUTPUT=page -DVERSION=x.y.z -P make_page.cmake
#
# Fills a man page template: @SYNOPSIS@, @COMMANDS@ and @CONFIG@ with what the built binary
# prints for `--print-man-page PART`, @VERSION@ with the project version and @DATE@ with the
# day of SOURCE_DATE_EPOCH (left empty without it: a page must not change with the clock).
cmake_minimum_required(VERSION 3.25) # no @VAR@ expansion in arguments (CMP0053)
file(READ ${TEMPLATE} page)
foreach(part SYNOPSIS COMMANDS CONFIG)
    if(page MATCHES "@${part}@")
        string(TOLOWER ${part} name)
        execute_process(COMMAND ${BINARY} --print-man-page ${name}
                        OUTPUT_VARIABLE text RESULT_VARIABLE result)
        if(NOT result EQUAL 0)
            message(FATAL_ERROR "${BINARY} --print-man-page ${name} failed: ${result}")
        endif()
        string(REGEX REPLACE "\n$" "" text "${text}")
        string(REPLACE "@${part}@" "${text}" page "${page}")
    endif()
endforeach()
set(date "")
if(DEFINED ENV{SOURCE_DATE_EPOCH})
    string(TIMESTAMP date "%Y-%m-%d" UTC)
endif()
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@DATE@" "${date}" page "${page}")
file(WRITE ${OUTPUT} "${page}")

# web_assets.cmake - turn the web files (uPlot from npm, our renderer from
# web/src/) into C byte arrays for the HTML report and the dashboard.
#
#   cmake -DWEB=<source>/web -DNPM=<npm or NPM-NOTFOUND> -DOUT=<build>/web_assets.c
#         "-DASSETS=name=relpath|name=relpath|..." -P web_assets.cmake
#
# uPlot is never copied into the repository: web/package-lock.json pins it,
# and `npm ci` installs exactly that into web/node_modules when it is
# missing or was installed from another lockfile (a stamp holds the
# lockfile's hash). Byte arrays rather than string literals: no escaping to
# get wrong, and no compiler limit on a literal's length. file(READ HEX)
# does what xxd would, without needing xxd.

cmake_minimum_required(VERSION 3.25)
foreach(v WEB OUT ASSETS)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "web_assets.cmake: -D${v}=... is required")
  endif()
endforeach()

# Two build trees may build at once (make test builds two): npm ci in one
# must not delete node_modules under the other's feet.
file(LOCK "${WEB}/node_modules.lock" GUARD PROCESS TIMEOUT 900)   # (GUARD FILE crashes cmake 3.25 in -P mode)

file(SHA256 "${WEB}/package-lock.json" lock_hash)
set(stamp "${WEB}/node_modules/.surge-lockfile-sha256")
set(installed "")
if(EXISTS "${stamp}")
  file(READ "${stamp}" installed)
endif()
if(NOT installed STREQUAL lock_hash)
  if(NOT NPM)
    message(FATAL_ERROR "web/node_modules is missing or stale and npm was not found: "
                        "run scripts/deps.sh (it installs nodejs and npm), then build again")
  endif()
  message(STATUS "npm ci --prefix ${WEB} (from web/package-lock.json)")
  execute_process(COMMAND "${NPM}" ci --prefix "${WEB}" --no-audit --no-fund
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "npm ci --prefix ${WEB} failed (${rc}): the npm registry must be reachable once")
  endif()
  file(WRITE "${stamp}" "${lock_hash}")
endif()

string(REPLACE "|" ";" assets "${ASSETS}")
set(body "")
foreach(a IN LISTS assets)
  string(REGEX MATCH "^([a-z_0-9]+)=(.+)$" m "${a}")
  if(NOT m)
    message(FATAL_ERROR "web_assets.cmake: bad asset '${a}' (expected name=relpath)")
  endif()
  set(name "${CMAKE_MATCH_1}")
  set(path "${WEB}/${CMAKE_MATCH_2}")
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "web_assets.cmake: ${path} is missing")
  endif()

  # The files go inline into <script>, <style> and a /* */ comment: a
  # sequence that would end the element early (or enter the HTML parser's
  # escaped-script states) must fail the build, not break a page.
  file(READ "${path}" text)
  string(TOLOWER "${text}" lower)
  set(forbidden "")
  if(name MATCHES "_js$")
    set(forbidden "</script" "<!--")
  elseif(name MATCHES "_css$")
    set(forbidden "</style")
  elseif(name MATCHES "_license$")
    set(forbidden "*/" "</script")
  endif()
  foreach(f IN LISTS forbidden)
    string(FIND "${lower}" "${f}" at)
    if(NOT at EQUAL -1)
      message(FATAL_ERROR "web_assets.cmake: ${path} holds '${f}', which would break the page it is inlined into")
    endif()
  endforeach()

  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR len "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "((0x..,){20})" "\\1\n    " bytes "${bytes}")
  # A NUL after the data (not counted in len) lets C treat it as a string too.
  string(APPEND body
    "static const unsigned char ${name}_bytes[] = {\n    ${bytes}0x00\n};\n"
    "const web_asset web_${name} = { ${name}_bytes, ${len} };\n\n")
endforeach()

set(text "/* Generated from web/ by cmake/web_assets.cmake: do not edit. */\n#include \"out/web_assets.h\"\n\n${body}")
file(WRITE "${OUT}" "${text}")

#!/bin/sh
# atspace: ISC licence, see README.md.
#
# "make check-asan": copies the sources into build/asan/src, builds them
# there with CC and the sanitizer flags given (clang, ASan + UBSan), and
# runs "make check" in that copy, so every unit and integration case
# runs against a sanitized service, tools and unit tests while ./ and
# build/ stay as they are. A sanitizer report fails the case it shows
# up in: UBSan aborts (-fno-sanitize-recover), ASan exits non-zero.
#
#   sh tests/fuzz/asan.sh CC "FLAGS"

cd "$(dirname "$0")/../.." || exit 1
cc=${1:-clang}
flags=${2:--fsanitize=address,undefined -fno-sanitize-recover=all -g -O1}
: "${ATSPACE_SHARED:=$(cd .. && pwd)/shared}"
export ATSPACE_SHARED
dst=build/asan/src
mkdir -p "$dst"
# The whole tree but build output, state and git.
rm -rf "${dst:?}"
mkdir -p "$dst"
for d in *; do
	case $d in
	build|state|atspace-fcgi|atspacectl)
		continue ;;
	esac
	cp -R "$d" "$dst/"
done
# leak checks: the supervisor and workers exit through paths that keep
# libcurl's and OpenSSL's globals, which LeakSanitizer would report;
# make valgrind is the leak check. Everything else aborts the process.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS
# A sanitized worker is several times slower: a shorter kill run keeps
# the suite inside run.py's watchdog.
: "${ATSPACE_CRASH_SECONDS:=8}"
export ATSPACE_CRASH_SECONDS
# Through the environment: "CFLAGS += ..." in the Makefile still adds
# the warnings and include paths, which a command-line CFLAGS would drop.
CC=$cc CFLAGS=$flags LDFLAGS=$flags exec make -C "$dst" -j2 check

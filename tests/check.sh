#!/bin/sh
# README's test command: installs what is missing (as root), builds,
# and runs every test (make check). Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh deploy/install-deps.sh
# Fuzz smoke runs and the sanitizer run of the whole suite need clang
# with libFuzzer and the sanitizer runtimes (install-deps.sh has them).
if command -v clang >/dev/null 2>&1; then
	ATSPACE_FUZZ_SMOKE=1
	ATSPACE_ASAN=1
	export ATSPACE_FUZZ_SMOKE ATSPACE_ASAN
fi
exec make -j2 check

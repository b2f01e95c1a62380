#!/bin/sh
# README's test command: installs what is missing (as root), builds,
# and runs every test (make check). Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh deploy/install-deps.sh
# Fuzz smoke runs need clang with libFuzzer (install-deps.sh has it).
if command -v clang >/dev/null 2>&1; then
	ATSPACE_FUZZ_SMOKE=1
	export ATSPACE_FUZZ_SMOKE
fi
exec make -j2 check

#!/bin/sh
# README's test command: installs what is missing (as root), builds,
# and runs every test (make check). Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh deploy/install-deps.sh
exec make -j2 check

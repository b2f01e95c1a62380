#!/bin/sh
# Installs the Debian 12 packages atspace needs to build, run, test and
# benchmark (wrk, for make bench), when they are missing and we are root.
# Used by deploy/run-local.sh, tests/check.sh and .ci/run, so the list
# lives in one place.
set -eu
pkgs="gcc make pkg-config libc6-dev libfcgi-dev libjson-c-dev
 libsqlite3-dev libjwt-dev libsecp256k1-dev libcurl4-openssl-dev
 libssl-dev nginx spawn-fcgi lighttpd python3 sqlite3 curl
 clang libclang-rt-14-dev wrk"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "atspace: missing Debian packages:$missing" >&2
	echo "atspace: run as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "atspace: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2

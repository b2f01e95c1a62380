#!/bin/sh
# atspace: ISC licence, see README.md.
#
# Runs atspace locally behind nginx, in the foreground, from a fresh
# clone: installs missing Debian packages (as root), builds, writes an
# nginx configuration into the state directory from
# deploy/nginx-local.conf.in, starts atspace-fcgi on a Unix socket and
# nginx on 127.0.0.1:$ATSPACE_HTTP_PORT. SIGINT or SIGTERM stops nginx,
# then the service, and exits with the service's status (0 on a clean
# stop). If either dies on its own, the other is stopped and the exit
# status is 1.
#
# Variables (all optional):
#   ATSPACE_HTTP_PORT    loopback port for nginx (8080)
#   ATSPACE_STATE_DIR    socket, database, nginx files and logs (./state)
#   ATSPACE_SERVICE_DID  the service DID (did:web:localhost)
#   ATSPACE_PLC_URL      the PLC directory (https://plc.directory)
# Other ATSPACE_<KEY> settings reach the service unchanged; the socket
# is always the one in the state directory, since nginx is pointed at
# it. The service's log goes to this script's stderr.

set -eu

cd "$(dirname "$0")/.."

say()
{
	echo "run-local: $*" >&2
}

# Packages: the shared installer knows the list; as a plain user it
# only reports what is missing, and the build will say if it matters.
if [ -f deploy/install-deps.sh ]; then
	sh deploy/install-deps.sh ||
	    say "continuing; the build may fail without those packages"
fi

${MAKE:-make} all >&2

port=${ATSPACE_HTTP_PORT:-8080}
state=${ATSPACE_STATE_DIR:-./state}
mkdir -p "$state"
state=$(cd "$state" && pwd)
chmod 755 "$state"
socket=$state/atspace.sock

nginx=$(command -v nginx 2>/dev/null || true)
for d in /usr/sbin /sbin; do
	[ -n "$nginx" ] && break
	[ -x "$d/nginx" ] && nginx=$d/nginx
done
[ -n "$nginx" ] || { say "nginx not found"; exit 1; }

# sed with '|' as the delimiter: paths hold '/', not '|'.
case $state in *'|'*|*'&'*) say "state dir may not contain | or &"; exit 1;;
esac
sed -e "s|@PORT@|$port|g" -e "s|@STATE@|$state|g" \
    -e "s|@SOCKET@|$socket|g" deploy/nginx-local.conf.in >"$state/nginx.conf"

globals='daemon off;'
allow_root=${ATSPACE_ALLOW_ROOT:-no}
if [ "$(id -u)" -eq 0 ]; then
	# Workers as nobody could not reach a socket under /root.
	globals='daemon off; user root;'
	allow_root=yes
fi

"$nginx" -t -q -p "$state/" -e "$state/nginx-error.log" \
    -c "$state/nginx.conf" -g "$globals" || {
	say "nginx rejected $state/nginx.conf"
	exit 1
}

svc=
web=
nap=

# Stops whatever is running: nginx first so no request arrives at a
# stopping service, then the service, which finishes what it has.
stop()
{
	trap '' INT TERM
	[ -z "$nap" ] || kill "$nap" 2>/dev/null || true
	if [ -n "$web" ]; then
		kill -TERM "$web" 2>/dev/null || true
		wait "$web" 2>/dev/null || true
	fi
	rc=0
	if [ -n "$svc" ]; then
		kill -TERM "$svc" 2>/dev/null || true
		wait "$svc" || rc=$?
	fi
	exit "${1:-$rc}"
}
trap 'stop' INT TERM

# A socket left by a killed run must not pass for the new one: the
# service removes it itself, and we wait for a file newer than this.
: >"$state/.starting"
ATSPACE_SERVICE_DID=${ATSPACE_SERVICE_DID:-did:web:localhost} \
ATSPACE_PLC_URL=${ATSPACE_PLC_URL:-https://plc.directory} \
ATSPACE_DB_PATH=${ATSPACE_DB_PATH:-$state/atspace.sqlite} \
ATSPACE_SOCKET=$socket \
ATSPACE_ALLOW_ROOT=$allow_root \
    ./atspace-fcgi </dev/null &
svc=$!

# The service makes its socket before anything slow; nginx may start
# then, as connections wait in the backlog until workers accept.
tries=0
until [ -S "$socket" ] && [ "$socket" -nt "$state/.starting" ]; do
	if ! kill -0 "$svc" 2>/dev/null; then
		rc=0
		wait "$svc" || rc=$?
		svc=
		say "atspace-fcgi exited with status $rc before listening"
		exit 1
	fi
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || { say "no socket after 10 s"; stop 1; }
	sleep 0.1
done

"$nginx" -p "$state/" -e "$state/nginx-error.log" -c "$state/nginx.conf" \
    -g "$globals" </dev/null &
web=$!

say "serving http://127.0.0.1:$port/xrpc/ (state in $state);" \
    "Ctrl-C stops"

# Sleep in the background so a trapped signal interrupts wait at once.
while kill -0 "$svc" 2>/dev/null && kill -0 "$web" 2>/dev/null; do
	sleep 1 &
	nap=$!
	wait "$nap" || true
	nap=
done
kill -0 "$svc" 2>/dev/null || say "atspace-fcgi exited on its own"
kill -0 "$web" 2>/dev/null || say "nginx exited on its own"
stop 1

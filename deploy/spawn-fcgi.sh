#!/bin/sh
# atspace: ISC licence, see README.md.
#
# Starts atspace-fcgi under spawn-fcgi, for systems without systemd.
# spawn-fcgi creates the Unix socket (owned by the web server's group,
# mode 0660), drops to the atspace user and runs atspace-fcgi with the
# listening socket on descriptor 0; leave "socket" unset in the
# configuration so atspace uses it. atspace forks its own workers
# (the "workers" key), so spawn-fcgi starts one process (no -F).
# -n keeps spawn-fcgi in the foreground under a process supervisor;
# drop it to let spawn-fcgi return once the service is started.
#
# Create the user and directory first, for example:
#   useradd --system --home-dir /var/lib/atspace atspace
#   install -d -o atspace -g atspace -m 0750 /var/lib/atspace
#   install -d -m 0755 /run/atspace

set -eu

: "${ATSPACE_BIN:=/usr/local/bin/atspace-fcgi}"
: "${ATSPACE_CONF:=/etc/atspace/atspace.conf}"
: "${ATSPACE_SOCK:=/run/atspace/atspace.sock}"

exec spawn-fcgi -n -s "$ATSPACE_SOCK" -M 0660 -U root -G www-data \
    -u atspace -g atspace -- "$ATSPACE_BIN" -c "$ATSPACE_CONF"

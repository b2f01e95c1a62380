# atspace: ISC licence, see README.md.
"""
atspace-fcgi started the way deploy/spawn-fcgi.sh starts it: spawn-fcgi
makes the socket and runs the service with it on descriptor 0 ("socket"
unset), nginx in front; then the refusal to run as root.

  spawn-1   spawn-fcgi starts it; the web request set passes; SIGTERM
            stops it with status 0
  root-1    as root without allow_root it refuses, exit 1, saying why
"""

import os
import subprocess
import time

import harness
from harness import Fail, Skip, expect
from test_lighttpd import request_set


def find_spawn_fcgi():
    for d in os.environ.get("PATH", "").split(":") + ["/usr/bin"]:
        p = os.path.join(d, "spawn-fcgi")
        if os.access(p, os.X_OK):
            return p
    return None


class SpawnService(harness.Service):
    """harness.Service, but the socket comes from spawn-fcgi -n, which
    binds it and then executes the service in its own process."""

    def start(self):
        env = dict(os.environ)
        env.pop("ATSPACE_SOCKET", None)
        env.update({
            "ATSPACE_SERVICE_DID": harness.SERVICE_DID,
            "ATSPACE_PLC_URL": self.plc.url,
            "ATSPACE_DB_PATH": self.db_path,
            "ATSPACE_WORKERS": "2",
            "ATSPACE_ALLOW_ROOT": "yes",
        })
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [find_spawn_fcgi(), "-n", "-s", self.socket, "-M", "0660",
                 "--", harness.SERVICE_BIN], env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                cwd=self.state)
        deadline = time.time() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None or time.time() > deadline:
                raise Fail("no socket from spawn-fcgi: " + self.log_tail())
            time.sleep(0.02)
        self._start_nginx()
        deadline = time.time() + 10
        while True:
            try:
                if self.client.request("GET", "/xrpc/_health").status == 200:
                    return
            except OSError:
                pass
            if time.time() > deadline:
                raise Fail("no answer through spawn-fcgi: " +
                           self.log_tail())
            time.sleep(0.05)


def run(w):
    svc = None
    try:
        with w.case("spawn-1.1", "spawn-fcgi starts atspace-fcgi on fd 0"):
            if find_spawn_fcgi() is None:
                raise Skip("spawn-fcgi is not installed (apt-get install "
                           "spawn-fcgi)")
            svc = SpawnService(w.plc, w.base, "spawn")
            svc.start()
            expect("socket=stdin" in svc.log_text(),
                   "the service did not take descriptor 0: " +
                   svc.log_tail(3))
        if svc is not None and svc.alive():
            request_set(w, svc, "spawn-1.2")
            with w.case("spawn-1.3", "SIGTERM: exit 0"):
                rc, secs = svc.stop()
                expect(rc == 0, "exit status %s after %.1f s" % (rc, secs))
    finally:
        if svc is not None:
            svc.stop()

    with w.case("root-1.1", "as root, allow_root unset: refused, exit 1"):
        if os.geteuid() != 0:
            raise Skip("not running as root; the refusal needs root")
        env = dict(os.environ, ATSPACE_SERVICE_DID=harness.SERVICE_DID,
                   ATSPACE_DB_PATH=os.path.join(w.base, "root.sqlite"),
                   ATSPACE_SOCKET=os.path.join(w.base, "root.sock"))
        env.pop("ATSPACE_ALLOW_ROOT", None)
        p = subprocess.run([harness.SERVICE_BIN], env=env, timeout=10,
                           stdin=subprocess.DEVNULL, capture_output=True,
                           text=True)
        expect(p.returncode == 1, "exit status %d" % p.returncode)
        expect("refusing to run as root" in p.stderr, "said %r" % p.stderr)
        expect(not os.path.exists(env["ATSPACE_DB_PATH"]),
               "it created the database before refusing")

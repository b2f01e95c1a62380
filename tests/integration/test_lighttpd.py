# atspace: ISC licence, see README.md.
"""
One request set through each web server atspace ships a configuration
for: nginx (the run's main service, deploy/nginx-local.conf.in) and
lighttpd (deploy/lighttpd.conf, adapted with the same substitutions a
user makes: the socket path, a port, a document root). Both front the
same service socket, so the database is shared and the answers must be
the same. test_spawnfcgi reuses request_set() for spawn-fcgi.

  web-1   the request set through nginx
  web-2   lighttpd starts from deploy/lighttpd.conf
  web-3   the request set through lighttpd
  web-4   lighttpd: /xrpc/_metrics from loopback only, _health public
"""

import os
import shutil
import signal
import subprocess
import time

import harness
from harness import Client, Fail, Skip, expect, expect_error, expect_ok

LIGHTTPD_CONF = os.path.join(harness.ROOT, "deploy", "lighttpd.conf")
COLL = "com.example.web.note"


def request_set(w, svc, group):
    """create space, add member, put, get, list, an error: the calls
    every front end must carry unchanged (auth header, body, query,
    status lines, content types, X-Request-Id)."""
    owner, member = w.identity(), w.identity()
    state = {}
    P = "rsvp.atmo.space."

    with w.case(group + ".1", "createSpace answers the space"):
        r = w.xrpc(P + "createSpace", owner, body={}, svc=svc)
        state["uri"] = expect_ok(r)["space"]["uri"]
        expect(r.headers.get("x-request-id"), "no X-Request-Id header")
    uri = state.get("uri")
    if uri is None:
        return
    with w.case(group + ".2", "addMember"):
        w.add_member(owner, uri, member.did, svc=svc)
    with w.case(group + ".3", "putRecord by the member"):
        r = w.put(member, uri, COLL, {"$type": COLL, "text": "hi"},
                  rkey="one", svc=svc)
        j = expect_ok(r)
        expect(j.get("rkey") == "one", "rkey %r" % j.get("rkey"))
    with w.case(group + ".4", "getRecord by the owner"):
        r = w.get(owner, uri, COLL, member.did, "one", svc=svc)
        state["cid"] = expect_ok(r).get("record", {}).get("cid")
        expect(state["cid"], "no cid in " + r.describe())
    with w.case(group + ".5", "listRecords holds the record, same CID"):
        r = w.xrpc(P + "listRecords", owner, svc=svc, query={
            "spaceUri": uri, "collection": COLL})
        recs = expect_ok(r).get("records", [])
        expect(len(recs) == 1, "want 1 record, got %d" % len(recs))
        expect(recs[0].get("cid") == state.get("cid"), "cid %r, get said "
               "%r" % (recs[0].get("cid"), state.get("cid")))
    with w.case(group + ".6", "a stranger's getRecord is 403 in JSON"):
        r = w.get(w.identity(), uri, COLL, member.did, "one", svc=svc)
        expect_error(r, 403, "Forbidden")
    with w.case(group + ".7", "no token: 401 AuthenticationRequired"):
        r = w.xrpc(P + "getRecord", None, svc=svc, query={
            "spaceUri": uri, "collection": COLL, "author": member.did,
            "rkey": "one"})
        expect_error(r, 401, "AuthenticationRequired")


def find_lighttpd():
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin"]:
        p = os.path.join(d, "lighttpd")
        if os.access(p, os.X_OK):
            return p
    return None


class Front:
    """A web server in front of an existing service's socket; quacks
    enough like harness.Service for World.xrpc(svc=...)."""

    def __init__(self, svc, name):
        self.svc = svc
        self.db_path = svc.db_path
        self.state = os.path.join(os.path.dirname(svc.state), name)
        os.makedirs(os.path.join(self.state, "www"))
        self.port = harness.free_port()
        self.client = Client(self.port)
        self.proc = None

    def start_lighttpd(self):
        with open(LIGHTTPD_CONF) as f:
            text = f.read()
        expect("/run/atspace/atspace.sock" in text,
               "deploy/lighttpd.conf no longer names the socket")
        text = text.replace("/run/atspace/atspace.sock", self.svc.socket)
        conf = os.path.join(self.state, "lighttpd.conf")
        with open(conf, "w") as f:
            f.write('server.document-root = "%s/www"\n'
                    'server.bind = "127.0.0.1"\n'
                    'server.port = %d\n'
                    'server.errorlog = "%s/lighttpd-error.log"\n'
                    'server.upload-dirs = ( "%s" )\n' % (
                        self.state, self.port, self.state, self.state))
            f.write(text)
        err = open(os.path.join(self.state, "lighttpd.out"), "wb")
        self.proc = subprocess.Popen([find_lighttpd(), "-D", "-f", conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=err, stderr=err)
        deadline = time.time() + 5
        while True:
            if self.proc.poll() is not None:
                raise Fail("lighttpd exited %d: %s" % (
                    self.proc.returncode, self.log()))
            try:
                r = self.client.request("GET", "/xrpc/_health")
                if r.status == 200:
                    return
            except OSError:
                pass
            if time.time() > deadline:
                raise Fail("lighttpd did not answer in 5 s: " + self.log())
            time.sleep(0.05)

    def log(self):
        out = []
        for n in ("lighttpd.out", "lighttpd-error.log"):
            try:
                with open(os.path.join(self.state, n), "rb") as f:
                    out.append(f.read().decode("utf-8", "replace")[-600:])
            except OSError:
                pass
        return " | ".join(out).strip()

    def stop(self):
        self.client.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def from_other_address(port, path):
    """GET path from 127.0.0.2, which loopback-only rules must refuse;
    Linux routes all of 127/8 to lo, so this needs no set-up."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5,
                                   source_address=("127.0.0.2", 0))
    try:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def run(w):
    request_set(w, w.svc, "web-1")
    front = None
    try:
        with w.case("web-2.1", "lighttpd starts from deploy/lighttpd.conf"):
            if find_lighttpd() is None:
                raise Skip("lighttpd is not installed (apt-get install "
                           "lighttpd); web-3 and web-4 not run")
            front = Front(w.svc, "lighttpd")
            front.start_lighttpd()
        if front is None or front.proc is None or \
                front.proc.poll() is not None:
            return
        request_set(w, front, "web-3")
        with w.case("web-4.1", "lighttpd: _metrics answers on loopback"):
            r = front.client.request("GET", "/xrpc/_metrics")
            expect(r.status == 200 and b"atspace_requests_total" in r.body,
                   "got " + r.describe())
        with w.case("web-4.2", "lighttpd: _metrics refused from "
                    "127.0.0.2"):
            st = from_other_address(front.port, "/xrpc/_metrics")
            expect(st == 403, "status %d" % st)
        with w.case("web-4.3", "lighttpd: _health answers from 127.0.0.2"):
            st = from_other_address(front.port, "/xrpc/_health")
            expect(st == 200, "status %d" % st)
    finally:
        if front is not None:
            front.stop()
            shutil.rmtree(front.state, ignore_errors=True)

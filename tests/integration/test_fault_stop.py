# atspace: ISC licence, see README.md.
"""
Graceful stop (issue 6): SIGTERM to the supervisor of a private service
while LOAD_THREADS connections write through nginx and one request is
in flight in a worker (its issuer's DID document takes SLOW s to come
from the PLC). The in-flight request must complete with 200, the
process must exit 0, every acknowledged write must be in the database,
and nginx must never have seen a worker drop a request it had accepted
(its error log says "upstream prematurely closed" or "reset by peer";
"connect() failed" after the stop is a request never accepted).

  stop-2   SIGTERM under load: the in-flight request's answer, exit
           status, acknowledged writes (2.1); nginx's view of the
           upstream (2.2)
"""

import json
import os
import signal
import sqlite3
import threading
import time
import urllib.parse

import harness
from harness import Client, PlcReply, expect

PUT = "rsvp.atmo.space.putRecord"
CREATE = "rsvp.atmo.space.createSpace"
COLL = "com.example.stop"
LOAD_THREADS = 4
SLOW = 1.0
DROPPED = ("prematurely closed", "reset by peer", "broken pipe")


def writer(svc, uri, token, i, stop, acked, errors):
    client = Client(svc.port, timeout=20)
    n = 0
    while not stop.is_set():
        n += 1
        rkey = "s%d-%d" % (i, n)
        body = json.dumps({"spaceUri": uri, "collection": COLL,
                           "rkey": rkey, "record": {"n": n}}).encode()
        try:
            r = client.request("POST", "/xrpc/" + PUT, body, {
                "Content-Type": "application/json",
                "Authorization": "Bearer " + token})
        except OSError as e:
            errors.append("%s: %s" % (rkey, e))
            time.sleep(0.05)
            continue
        if r.status == 200:
            acked.append(rkey)
        elif r.status != 502:
            errors.append("%s: %s" % (rkey, r.describe()))
    client.close()


def rows(svc):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(
        svc.db_path), uri=True, timeout=10)
    try:
        return {r[0] for r in con.execute(
            "SELECT rkey FROM record WHERE collection = ?", (COLL,))}
    finally:
        con.close()


def run(w):
    svc = harness.Service(w.plc, w.base, "stop")
    try:
        scenario(w, svc)
    finally:
        svc.stop()


def scenario(w, svc):
    with w.case("stop-2.1", "SIGTERM under a %d-connection load with a "
                "request in flight: it completes, exit 0, acknowledged "
                "writes kept, no accepted request dropped" %
                LOAD_THREADS):
        svc.start()
        owner = w.identity()
        uri = w.create_space(owner, svc=svc)["uri"]
        token = owner.token(PUT)
        slow = w.identity(publish=False)
        w.plc.publish(slow.did, PlcReply(doc=slow.doc(), delay=SLOW))
        slow_token = slow.token(CREATE)
        stop = threading.Event()
        acked, errors, inflight = [], [], []
        threads = [threading.Thread(target=writer, daemon=True, args=(
            svc, uri, token, i, stop, acked, errors))
            for i in range(LOAD_THREADS)]
        for t in threads:
            t.start()
        time.sleep(1.0)

        def slow_call():
            c = Client(svc.port, timeout=20)
            try:
                inflight.append(c.request("POST", "/xrpc/" + CREATE,
                                          b"{}", {
                    "Content-Type": "application/json",
                    "Authorization": "Bearer " + slow_token}))
            except OSError as e:
                inflight.append(e)
        st = threading.Thread(target=slow_call, daemon=True)
        st.start()
        # Well inside the PLC's delay: the request is in a worker.
        time.sleep(SLOW / 3)
        t0 = time.time()
        svc.proc.send_signal(signal.SIGTERM)
        try:
            rc = svc.proc.wait(15)
        except Exception:
            rc = "still running after 15 s"
        secs = time.time() - t0
        stop.set()
        st.join(10)
        for t in threads:
            t.join(10)
        print("stop: exit %s after %.1f s; %d writes acknowledged, %d "
              "errors other than 502" % (rc, secs, len(acked),
                                          len(errors)), flush=True)
        expect(rc == 0, "exit status %s" % rc)
        expect(inflight and not isinstance(inflight[0], Exception) and
               inflight[0].status == 200,
               "the in-flight request got %s" % (
                   inflight[0].describe() if inflight and
                   not isinstance(inflight[0], Exception) else inflight))
        expect(not errors, "%d errors, e.g. %s" % (len(errors),
                                                   errors[:3]))
        missing = set(acked) - rows(svc)
        expect(not missing, "%d acknowledged writes missing: %s" % (
            len(missing), sorted(missing)[:3]))
        expect(len(acked) > 20, "only %d writes before the stop" %
               len(acked))
    with w.case("stop-2.2", "no request nginx passed on a kept-alive "
                "connection was dropped by a stopping worker"):
        with open(os.path.join(svc.state, "nginx-error.log"), "rb") as f:
            log = f.read().decode("utf-8", "replace")
        dropped = [l for l in log.splitlines()
                   if any(d in l for d in DROPPED)]
        # fcgi/worker.c's worker_linger: a stopping worker serves what
        # nginx already sent and closes each connection after a reply.
        expect(not dropped, "%d requests reset unread by stopping "
               "workers: %s" % (len(dropped), dropped[0][:160]
                                if dropped else ""))

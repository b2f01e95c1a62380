# atspace: ISC licence, see README.md.
"""
Concurrent writers: 8 threads, each a member with its own keep-alive
connection, write 50 records each without rkey (so every worker makes
TIDs at once), then every acknowledged record is read back.

  concurrency-1   every write answered 200 (no 5xx, no SQLITE_BUSY),
                  400 distinct TIDs, every record read back exactly,
                  nothing about busy or locked databases in the log, one
                  access line per write from more than one worker
"""

import random
import re
import threading
import time

from harness import TID_RE, Client, expect, same

PUT = "rsvp.atmo.space.putRecord"
COLL = "com.example.load"
THREADS = 8
EACH = 50
# The access line core/xrpc.c logs: "pid=N ... nsid=... caller=DID".
ACCESS_RE = re.compile(r"pid=(\d+) .*nsid=rsvp\.atmo\.space\.putRecord "
                       r".*caller=(\S+)")


def writer(w, who, uri, tokens, out):
    c = Client(w.svc.port)
    try:
        for i, tok in enumerate(tokens):
            rec = {"thread": who.did, "i": i,
                   "text": "w%d \u00e9\u260e %s" % (i, random.random()),
                   "n": random.randint(-2 ** 63, 2 ** 63 - 1)}
            body = {"spaceUri": uri, "collection": COLL, "record": rec}
            try:
                r = w.xrpc(PUT, body=body, token=tok, client=c)
            except Exception as e:
                out.append((who, rec, None, "%s: %s" % (type(e).__name__,
                                                        e)))
                continue
            out.append((who, rec, r, None))
    finally:
        c.close()


def run(w):
    members = [w.identity() for _ in range(THREADS)]
    owner, uri = w.space_with(*members)
    # Minted before the clock starts: mintjwt is not what is measured.
    tokens = [[m.token(PUT) for _ in range(EACH)] for m in members]
    out = []
    threads = [threading.Thread(target=writer, args=(w, m, uri, t, out))
               for m, t in zip(members, tokens)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    secs = time.time() - t0
    acked = [(who, rec, r.json["rkey"]) for who, rec, r, e in out
             if r is not None and r.status == 200 and
             isinstance(r.json, dict) and isinstance(r.json.get("rkey"),
                                                       str)]

    with w.case("concurrency-1.1", "%d x %d concurrent putRecords all "
                "answered 200" % (THREADS, EACH)):
        expect(len(out) == THREADS * EACH, "%d of %d answered (threads "
               "hung?)" % (len(out), THREADS * EACH))
        bad = [(e or r.describe()) for _, _, r, e in out
               if e or r.status != 200]
        expect(not bad, "%d failed, e.g. %s" % (len(bad), bad[:3]))
        print("# concurrency: %d writes in %.2f s (%.0f/s)" % (
            len(out), secs, len(out) / max(secs, 1e-6)))
    with w.case("concurrency-1.2", "every acknowledged rkey is a TID, all "
                "distinct"):
        keys = [k for _, _, k in acked]
        expect(keys, "nothing acknowledged")
        notid = [k for k in keys if not TID_RE.match(k)]
        expect(not notid, "not TIDs: %s" % notid[:3])
        expect(len(set(keys)) == len(keys), "%d distinct of %d" % (
            len(set(keys)), len(keys)))
    with w.case("concurrency-1.3", "every acknowledged record reads back "
                "exactly"):
        expect(acked, "nothing acknowledged")
        wrong = []
        for who, rec, rkey in acked:
            r = w.get(owner, uri, COLL, who.did, rkey)
            got = r.json.get("record", {}).get("record") \
                if r.status == 200 and isinstance(r.json, dict) else None
            if not same(got, rec):
                wrong.append("%s: %s" % (rkey, r.describe()))
        expect(not wrong, "%d of %d wrong, e.g. %s" % (
            len(wrong), len(acked), wrong[:2]))
    log = w.svc.log_text()
    with w.case("concurrency-1.4", "the log mentions no busy or locked "
                "database"):
        low = log.lower()
        for word in ("sqlite_busy", "database is locked", "sqlite_locked"):
            expect(word not in low, "log mentions %r" % word)
    with w.case("concurrency-1.5", "one access line per write, and the "
                "writes spread over more than one worker"):
        dids = {m.did for m in members}
        pids = [m.group(1) for m in ACCESS_RE.finditer(log)
                if m.group(2) in dids]
        expect(len(pids) == THREADS * EACH, "%d access lines for %d "
               "writes" % (len(pids), THREADS * EACH))
        expect(len(set(pids)) > 1, "all served by pid %s" % pids[:1])

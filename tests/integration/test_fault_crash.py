# atspace: ISC licence, see README.md.
"""
Crash safety (issue 6): a private service (CRASH_WORKERS workers behind
its own nginx) takes putRecord from LOAD_THREADS keep-alive connections
while a killer SIGKILLs a random worker every KILL_EVERY seconds for
CRASH_SECONDS (ATSPACE_CRASH_SECONDS overrides; the sanitizer build uses
a shorter run). Every write has its own rkey and a body of random
length, so a torn write cannot look like a whole one.

A worker younger than the supervisor's quick-death threshold (1 s,
fcgi/pool.c POOL_QUICK_MS) is spared: killing it would put its slot into
the respawn backoff (up to 10 s), which tests the backoff, not recovery.

Only a 200 naming the rkey counts as acknowledged; a 502 or 5xx from
nginx, or a reset, is a request that died with its worker: it may or may
not have been committed, but if present it must be whole.

  crash-1   the load and the killing ran: writes acknowledged, workers
            killed (both printed with the load held and writes lost)
  crash-2   afterwards: every acknowledged write present with exactly
            the content sent, no row that was never sent or differs from
            what was sent, PRAGMA integrity_check ok
  crash-3   the supervisor replaced every killed worker and the service
            answers reads and writes
"""

import json
import os
import random
import signal
import sqlite3
import threading
import time
import urllib.parse

import harness
from harness import Client, expect, expect_ok

PUT = "rsvp.atmo.space.putRecord"
GET = "rsvp.atmo.space.getRecord"
COLL = "com.example.crash"
CRASH_WORKERS = 6
LOAD_THREADS = 6
KILL_EVERY = 0.2
SPARE_YOUNGER = 1.1
CRASH_SECONDS = float(os.environ.get("ATSPACE_CRASH_SECONDS", "20"))


def children(pid):
    """The pids of pid's children, from /proc."""
    out = set()
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out.update(int(x) for x in f.read().split())
        except OSError:
            pass
    return out


def age(pid):
    """Seconds since pid started; None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            start = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as f:
            up = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return up - start / os.sysconf("SC_CLK_TCK")


class Load:
    """LOAD_THREADS writers; sent[rkey] = (record, acknowledged)."""

    def __init__(self, svc, uri, writers):
        self.svc, self.uri, self.writers = svc, uri, writers
        self.sent = {}
        self.died = self.other = 0
        self.others = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i,),
                                         daemon=True)
                        for i in range(LOAD_THREADS)]

    def run(self, i):
        who, token = self.writers[i % len(self.writers)]
        client = Client(self.svc.port, timeout=20)
        rnd = random.Random(i)
        n = 0
        while not self.stop.is_set():
            n += 1
            rkey = "t%d-%d" % (i, n)
            rec = {"$type": COLL, "n": n, "by": who.did,
                   "pad": "".join(rnd.choice("abcdefgh") for _ in
                                  range(rnd.randrange(0, 3000)))}
            body = json.dumps({"spaceUri": self.uri, "collection": COLL,
                               "rkey": rkey, "record": rec}).encode()
            with self.lock:
                self.sent[(who.did, rkey)] = [rec, False]
            try:
                r = client.request("POST", "/xrpc/" + PUT, body, {
                    "Content-Type": "application/json",
                    "Authorization": "Bearer " + token})
            except OSError:
                with self.lock:
                    self.died += 1
                continue
            with self.lock:
                if r.status == 200 and isinstance(r.json, dict) and \
                        r.json.get("rkey") == rkey:
                    self.sent[(who.did, rkey)][1] = True
                elif r.status >= 500:
                    self.died += 1
                else:
                    self.other += 1
                    self.others.append(r.describe())
        client.close()

    def acked(self):
        with self.lock:
            return sum(1 for v in self.sent.values() if v[1])


def kill_loop(svc, seconds):
    """SIGKILLs a random worker of svc every KILL_EVERY s; returns the
    set of pids killed and how many ticks found only young workers."""
    killed, spared = set(), 0
    rnd = random.Random(6)
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(KILL_EVERY)
        pids = [p for p in children(svc.proc.pid)
                if p not in killed and (age(p) or 0) >= SPARE_YOUNGER]
        if not pids:
            spared += 1
            continue
        p = rnd.choice(pids)
        try:
            os.kill(p, signal.SIGKILL)
            killed.add(p)
        except ProcessLookupError:
            pass
    return killed, spared


def check_rows(svc, load):
    """Compares the record table with what was sent; returns (lost,
    bad, stray, integrity)."""
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(
        svc.db_path), uri=True, timeout=10)
    try:
        rows = {(a, k): b for a, k, b in con.execute(
            "SELECT author_did, rkey, body FROM record WHERE "
            "collection = ?", (COLL,))}
        integrity = con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()
    lost, bad, stray = [], [], []
    for key, (rec, ack) in load.sent.items():
        body = rows.get(key)
        if body is None:
            if ack:
                lost.append(key)
            continue
        try:
            same = harness.same(json.loads(body), rec)
        except ValueError:
            same = False
        if not same:
            bad.append(key)
    for key in rows:
        if key not in load.sent:
            stray.append(key)
    return lost, bad, stray, integrity


def run(w):
    svc = harness.Service(w.plc, w.base, "crash", env={
        "ATSPACE_WORKERS": str(CRASH_WORKERS)})
    try:
        scenario(w, svc)
    finally:
        svc.stop()


def scenario(w, svc):
    load = None
    with w.case("crash-1.1", "%d workers under a %d-connection putRecord "
                "load, SIGKILL every %.1f s for %.0f s" % (
                    CRASH_WORKERS, LOAD_THREADS, KILL_EVERY,
                    CRASH_SECONDS)):
        svc.start()
        owner = w.identity()
        uri = w.create_space(owner, svc=svc)["uri"]
        writers = [owner]
        for _ in range(2):
            m = w.identity()
            w.add_member(owner, uri, m.did, svc=svc)
            writers.append(m)
        writers = [(x, x.token(PUT)) for x in writers]
        load = Load(svc, uri, writers)
        # Workers must be old enough to kill from the first tick on.
        time.sleep(SPARE_YOUNGER)
        t0 = time.time()
        for t in load.threads:
            t.start()
        killed, spared = kill_loop(svc, CRASH_SECONDS)
        load.stop.set()
        for t in load.threads:
            t.join(30)
        secs = time.time() - t0
        acked = load.acked()
        print("crash: load held %.0f acknowledged writes/s over %.1f s "
              "(%d connections); workers killed %d (%d ticks spared "
              "young workers); writes sent %d, acknowledged %d, died "
              "with a worker %d" % (acked / secs, secs, LOAD_THREADS,
                                    len(killed), spared, len(load.sent),
                                    acked, load.died), flush=True)
        expect(len(killed) >= CRASH_SECONDS / KILL_EVERY / 3,
               "only %d workers killed" % len(killed))
        expect(acked >= 100, "only %d writes acknowledged" % acked)
        expect(load.other == 0, "%d answers neither 200 nor 5xx: %s" % (
            load.other, load.others[:3]))
    if load is None or not load.sent:
        return
    with w.case("crash-2.1", "every acknowledged write is present with "
                "the content sent; no torn or stray row; "
                "integrity_check ok"):
        lost, bad, stray, integrity = check_rows(svc, load)
        print("crash: writes lost %d, rows differing from what was sent "
              "%d, stray rows %d" % (len(lost), len(bad), len(stray)),
              flush=True)
        expect(not lost, "%d acknowledged writes lost, e.g. %s" % (
            len(lost), lost[:3]))
        expect(not bad, "%d rows differ from what was sent, e.g. %s" % (
            len(bad), bad[:3]))
        expect(not stray, "%d rows nobody sent: %s" % (len(stray),
                                                       stray[:3]))
        expect(integrity == [("ok",)], "integrity_check: %s" % integrity)
    with w.case("crash-3.1", "the supervisor replaced every killed worker "
                "and the service answers"):
        deadline = time.time() + 5
        while True:
            now = children(svc.proc.pid)
            if len(now) == CRASH_WORKERS:
                break
            expect(time.time() < deadline, "%d workers, want %d" % (
                len(now), CRASH_WORKERS))
            time.sleep(0.1)
        expect(svc.alive(), "the supervisor is gone")
        who, token = load.writers[0]
        r = w.xrpc(PUT, svc=svc, token=token, body={
            "spaceUri": load.uri, "collection": COLL, "rkey": "after",
            "record": {"$type": COLL, "n": 0}})
        expect_ok(r)
        r = w.xrpc(GET, svc=svc, token=who.token(GET), query={
            "spaceUri": load.uri, "collection": COLL, "author": who.did,
            "rkey": "after"})
        expect_ok(r)

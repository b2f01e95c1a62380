# atspace: ISC licence, see README.md.
"""
Storage faults (issue 6), on a private service whose busy timeout is
BUSY_MS and whose database sits on a small tmpfs of its own (mounting
needs root; without it those cases skip and say so):

  storage-1  the filesystem fills up: writes answer 503
             NotEnoughResources with a message saying so, never 500;
             reads keep working; integrity_check ok; once space is
             freed writes succeed again
  storage-2  another process holds the write lock (sqlite3 BEGIN
             IMMEDIATE) past the busy timeout: a write waits about
             BUSY_MS, then 503 ServiceUnavailable; reads go on; queued
             writers on other workers share that timeout (2.2); after
             the lock goes, writes succeed, no worker stuck

A database made read-only under a running service cannot be staged:
the workers keep their read-write descriptors (chmod changes nothing
for them, a remount read-only fails with EBUSY while they are open).
"""

import os
import re
import sqlite3
import subprocess
import threading
import time
import urllib.parse

import harness
from harness import expect, expect_error, expect_ok

PUT = "rsvp.atmo.space.putRecord"
GET = "rsvp.atmo.space.getRecord"
COLL = "com.example.storage"
BUSY_MS = 1000
FS_SIZE = "8m"


def mount_tmpfs(path):
    """Mounts a FS_SIZE tmpfs on path; returns None or why not."""
    if os.geteuid() != 0:
        return "not root: cannot mount a tmpfs to fill"
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + FS_SIZE,
                        "tmpfs", path], capture_output=True, text=True)
    if p.returncode != 0:
        return "mount -t tmpfs failed: " + p.stderr.strip()
    return None


def fill(path):
    """Writes a file until the filesystem is full; returns its path."""
    filler = os.path.join(path, "filler")
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            try:
                while os.write(fd, b"\0" * size) > 0:
                    pass
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def integrity(db_path):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(db_path),
                          uri=True, timeout=10)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


class Bench:
    def __init__(self, w, svc):
        self.w, self.svc = w, svc
        self.owner = w.identity()
        self.uri = w.create_space(self.owner, svc=svc)["uri"]
        self.put_tok = self.owner.token(PUT)
        self.get_tok = self.owner.token(GET)
        self.n = 0
        expect_ok(self.put("seed", 10))

    def put(self, rkey, size, client=None):
        return self.w.xrpc(PUT, svc=self.svc, token=self.put_tok,
                           client=client, body={
            "spaceUri": self.uri, "collection": COLL, "rkey": rkey,
            "record": {"pad": "p" * size}})

    def get(self, rkey):
        return self.w.xrpc(GET, svc=self.svc, token=self.get_tok, query={
            "spaceUri": self.uri, "collection": COLL,
            "author": self.owner.did, "rkey": rkey})


def full_disk(w, b, fsdir, why):
    with w.case("storage-1.1", "writes on a full filesystem answer 503 "
                "NotEnoughResources, never 500, and write nothing"):
        if why:
            raise harness.Skip(why)
        filler = fill(fsdir)
        seen = []
        with w.unchanged(svc=b.svc):
            for i in range(8):
                r = b.put("full%d" % i, 200000)
                seen.append(r.status)
                expect(r.status in (503,), "write %d: %s" % (
                    i, r.describe()))
                expect_error(r, 503, "NotEnoughResources")
                expect("space" in r.json["message"],
                       "message %r" % r.json["message"])
    if why:
        return
    with w.case("storage-1.2", "reads keep working on the full "
                "filesystem; integrity_check ok"):
        for _ in range(6):
            expect_ok(b.get("seed"))
        expect(integrity(b.svc.db_path) == [("ok",)], "integrity_check")
    with w.case("storage-1.3", "once space is freed, writes succeed "
                "again and read back whole"):
        os.unlink(filler)
        for i in range(4):
            expect_ok(b.put("freed%d" % i, 200000))
        r = expect_ok(b.get("freed3"))
        expect(r["record"]["record"]["pad"] == "p" * 200000, "content")
        expect(integrity(b.svc.db_path) == [("ok",)], "integrity_check")


def locked_writes(b, n):
    """n concurrent writes while another process holds the write lock;
    returns [(response, seconds)] and the seconds a read took."""
    con = sqlite3.connect(b.svc.db_path, timeout=10, isolation_level=None)
    results = []
    try:
        con.execute("BEGIN IMMEDIATE")

        def one(i):
            c = harness.Client(b.svc.port)
            t0 = time.time()
            r = b.put("locked%d-%d" % (n, i), 10, client=c)
            results.append((r, time.time() - t0))
            c.close()
        ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
        for t in ts:
            t.start()
        t0 = time.time()
        expect_ok(b.get("seed"))
        read_secs = time.time() - t0
        for t in ts:
            t.join(BUSY_MS / 1000.0 * 10 + 5)
    finally:
        con.execute("ROLLBACK")
        con.close()
    expect(len(results) == n, "a write never answered")
    for r, _ in results:
        expect_error(r, 503, "ServiceUnavailable")
    return results, read_secs


def held_lock(w, b):
    busy = BUSY_MS / 1000.0
    with w.case("storage-2.1", "a write lock held by another process: "
                "a write waits about the busy timeout (%d ms), then 503 "
                "ServiceUnavailable; reads go on meanwhile" % BUSY_MS):
        results, read_secs = locked_writes(b, 1)
        secs = results[0][1]
        expect(busy * 0.8 <= secs <= busy * 2, "answered after %.2f s" %
               secs)
        expect(read_secs < busy, "a read took %.2f s" % read_secs)
    with w.case("storage-2.2", "three writes queued behind the lock: "
                "the first on each worker answers within the timeout"):
        results, _ = locked_writes(b, 3)
        log = b.svc.log_text()
        by_pid = {}
        for r, secs in results:
            rid = r.headers.get("x-request-id", "")
            m = re.search(r"pid=(\d+) req=%s " % re.escape(rid), log)
            expect(rid and m, "no log line for request id %r" % rid)
            by_pid.setdefault(m.group(1), []).append(secs)
        # Writers queued on other workers share one timeout (core/db.c
        # takes the queue wait off the busy timeout); before that, the
        # k-th writer in the queue answered after k timeouts.
        for pid, secs in sorted(by_pid.items()):
            secs.sort()
            expect(secs[0] < busy * 1.5, "worker %s answered its first "
                   "queued write after %.1f s (busy timeout %.1f s)" % (
                       pid, secs[0], busy))
        # A worker serves its connections one request at a time, so a
        # write nginx hands to a worker that is already waiting waits
        # after it (README Caveats); shown, not judged.
        print("storage: answers by worker: %s" % "; ".join(
            "%s: %s s" % (pid, ", ".join("%.1f" % x for x in secs))
            for pid, secs in sorted(by_pid.items())), flush=True)
    with w.case("storage-2.3", "after the lock goes, writes succeed on "
                "every worker"):
        for i in range(6):
            t0 = time.time()
            expect_ok(b.put("unlocked%d" % i, 10))
            expect(time.time() - t0 < 1.0, "a write took %.2f s" % (
                time.time() - t0))


def run(w):
    fsdir = os.path.join(w.base, "storage-fs")
    os.makedirs(fsdir)
    why = mount_tmpfs(fsdir)
    db = os.path.join(fsdir, "atspace.sqlite")
    svc = harness.Service(w.plc, w.base, "storage", env={
        "ATSPACE_DB_PATH": db, "ATSPACE_BUSY_TIMEOUT_MS": str(BUSY_MS)})
    svc.db_path = db
    try:
        svc.start()
        b = Bench(w, svc)
        held_lock(w, b)
        full_disk(w, b, fsdir, why)
    finally:
        svc.stop()
        if why is None:
            subprocess.run(["umount", fsdir], capture_output=True)

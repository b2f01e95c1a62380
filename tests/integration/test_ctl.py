# atspace: ISC licence, see README.md.
"""
atspacectl against the run's live service and database: what it shows
matches what XRPC wrote, what it writes XRPC sees, and it is safe while
the workers serve.

  ctl-1   usage: --help, exit 2 on bad usage, 3 on not found
  ctl-2   spaces, space, members, records (text and --json)
  ctl-3   add-member, remove-member, create-space, delete-record, seen
          through XRPC
  ctl-4   export, import (refused without --force), round trip with CIDs
  ctl-5   backup during writes, check, restore into a new file
  ctl-6   did-cache list and purge; checkpoint, vacuum; check on a
          damaged copy fails
"""

import json
import os
import shutil
import sqlite3
import subprocess
import threading

import harness
from harness import expect, expect_error, expect_ok

CTL = os.path.join(harness.ROOT, "atspacectl")
COLL = "com.example.ctl.note"


def ctl(w, *args, db=None, stdin=None):
    env = dict(os.environ, ATSPACE_DB_PATH=db or w.svc.db_path)
    p = subprocess.run([CTL] + list(args), env=env, input=stdin,
                       capture_output=True, text=True, timeout=30)
    return p


def js(p):
    expect(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
    return json.loads(p.stdout)


def run(w):
    global CTL
    CTL = shutil.copy2(CTL, os.path.join(w.base, "atspacectl"))
    owner, member = w.identity(), w.identity()
    uri = w.create_space(owner)["uri"]
    w.add_member(owner, uri, member.did)
    for i in range(3):
        expect_ok(w.put(member, uri, COLL, {"n": i}, rkey="r%d" % i))
    expect_ok(w.put(owner, uri, COLL + "x", {"o": 1}, rkey="o1"))

    with w.case("ctl-1.1", "--help and a command's --help exit 0"):
        for a in (["--help"], ["records", "--help"]):
            p = ctl(w, *a)
            expect(p.returncode == 0 and "usage:" in p.stdout,
                   "%s: exit %d" % (a, p.returncode))
    with w.case("ctl-1.2", "bad usage exits 2"):
        for a in (["nope"], ["space"], ["space", "not-a-uri"],
                  ["add-member", uri, "not-a-did"], ["spaces", "--bogus"],
                  ["records", uri, "--collection", "no"]):
            p = ctl(w, *a)
            expect(p.returncode == 2, "%s: exit %d" % (a, p.returncode))
    with w.case("ctl-1.3", "an unknown space or record exits 3"):
        other = "at://%s/rsvp.atmo.event.space/none" % owner.did
        for a in (["space", other], ["members", other],
                  ["delete-record", uri, COLL, member.did, "nope"],
                  ["remove-member", uri, w.identity().did]):
            p = ctl(w, *a)
            expect(p.returncode == 3, "%s: exit %d %s" % (
                a, p.returncode, p.stderr))

    with w.case("ctl-2.1", "spaces --json lists the space with counts"):
        rows = [s for s in js(ctl(w, "spaces", "--json"))
                if s["uri"] == uri]
        expect(len(rows) == 1, "space not listed")
        expect(rows[0]["members"] == 2 and rows[0]["records"] == 4,
               "counts %r" % rows[0])
    with w.case("ctl-2.2", "space (text) names owner and collections"):
        p = ctl(w, "space", uri)
        expect(p.returncode == 0 and ("owner: " + owner.did) in p.stdout
               and ("collection: %s records=3" % COLL) in p.stdout,
               p.stdout)
    with w.case("ctl-2.3", "members --json: owner first, flagged"):
        m = js(ctl(w, "members", uri, "--json"))
        expect([x["did"] for x in m] == [owner.did, member.did] and
               m[0]["owner"] and not m[1]["owner"], "members %r" % m)
    with w.case("ctl-2.4", "records --collection --author, with CIDs that "
                "getRecord agrees with"):
        recs = js(ctl(w, "records", uri, "--collection", COLL, "--author",
                      member.did, "--json"))
        expect(sorted(r["rkey"] for r in recs) == ["r0", "r1", "r2"],
               "rkeys %r" % [r["rkey"] for r in recs])
        got = expect_ok(w.get(owner, uri, COLL, member.did, "r1"))
        want = [r["cid"] for r in recs if r["rkey"] == "r1"]
        expect(want == [got["record"]["cid"]], "cid %r vs %r" % (
            want, got["record"]["cid"]))

    with w.case("ctl-3.1", "add-member: the new member may read"):
        new = w.identity()
        expect(ctl(w, "add-member", uri, new.did).returncode == 0, "exit")
        expect_ok(w.get(new, uri, COLL, member.did, "r0"))
        expect(ctl(w, "remove-member", uri, new.did).returncode == 0,
               "remove-member failed")
        expect_error(w.get(new, uri, COLL, member.did, "r0"), 403)
    with w.case("ctl-3.2", "remove-member refuses the owner"):
        p = ctl(w, "remove-member", uri, owner.did)
        expect(p.returncode == 1, "exit %d" % p.returncode)
    with w.case("ctl-3.3", "delete-record: getRecord says 404"):
        p = ctl(w, "delete-record", uri, COLL, member.did, "r2")
        expect(p.returncode == 0, p.stderr)
        expect_error(w.get(owner, uri, COLL, member.did, "r2"), 404)
    with w.case("ctl-3.4", "create-space for a DID: its owner can write"):
        boss = w.identity()
        p = js(ctl(w, "create-space", boss.did, "--key", "made-by-ctl",
                   "--json"))
        expect(p["uri"] == "at://%s/rsvp.atmo.event.space/made-by-ctl" %
               boss.did, "uri %r" % p)
        expect_ok(w.put(boss, p["uri"], COLL, {"k": 1}))
        p = ctl(w, "create-space", boss.did, "--key", "made-by-ctl")
        expect(p.returncode == 1, "second create exit %d" % p.returncode)

    dump = {}
    with w.case("ctl-4.1", "export: space, members, records with CIDs"):
        p = ctl(w, "export", uri)
        expect(p.returncode == 0, p.stderr)
        lines = [json.loads(l) for l in p.stdout.splitlines()]
        kinds = [l["kind"] for l in lines]
        expect(kinds == ["space", "member", "member", "record", "record",
                         "record"], "kinds %r" % kinds)
        expect(all(l.get("cid", "").startswith("bafyrei")
                   for l in lines if l["kind"] == "record"), "CIDs")
        dump["text"] = p.stdout
    with w.case("ctl-4.2", "import over the live space needs --force"):
        p = ctl(w, "import", stdin=dump.get("text", ""))
        expect(p.returncode == 1 and "--force" in p.stderr,
               "exit %d %s" % (p.returncode, p.stderr))
    with w.case("ctl-4.3", "delete-space, import: XRPC reads the same "
                "records and CIDs back"):
        before = expect_ok(w.get(owner, uri, COLL, member.did, "r0"))
        expect(ctl(w, "delete-space", uri).returncode == 0, "delete")
        expect_error(w.get(owner, uri, COLL, member.did, "r0"), 404)
        p = ctl(w, "import", stdin=dump.get("text", ""))
        expect(p.returncode == 0, p.stderr)
        after = expect_ok(w.get(owner, uri, COLL, member.did, "r0"))
        harness.expect_same(after["record"]["record"],
                            before["record"]["record"], "record")
        expect(after["record"]["cid"] == before["record"]["cid"], "cid")
        p = ctl(w, "import", "--force", stdin=dump.get("text", ""))
        expect(p.returncode == 0, "--force import: " + p.stderr)
    with w.case("ctl-4.4", "import refuses a record whose CID is wrong"):
        bad = dump.get("text", "").replace('"cid":"bafyrei',
                                           '"cid":"bafyreiaa', 1)
        p = ctl(w, "import", "--force", stdin=bad)
        expect(p.returncode == 1 and "cid" in p.stderr, "exit %d %s" % (
            p.returncode, p.stderr))
        expect_ok(w.get(owner, uri, COLL, member.did, "r0"))

    backup = os.path.join(w.base, "backup.sqlite")
    with w.case("ctl-5.1", "backup while a client keeps writing"):
        stop = threading.Event()
        errors = []

        def writer():
            cl = harness.Client(w.svc.port)
            i = 0
            while not stop.is_set():
                r = w.put(member, uri, COLL, {"w": i}, client=cl)
                if r.status != 200:
                    errors.append(r.describe())
                i += 1
            cl.close()
        t = threading.Thread(target=writer)
        t.start()
        try:
            p = ctl(w, "backup", backup)
        finally:
            stop.set()
            t.join()
        expect(p.returncode == 0, p.stderr)
        expect(not errors, "writes failed during backup: %s" % errors[:2])
        con = sqlite3.connect(backup)
        ok, = con.execute("PRAGMA integrity_check").fetchone()
        con.close()
        expect(ok == "ok", "backup integrity: " + ok)
        p = ctl(w, "backup", backup)
        expect(p.returncode == 1, "overwrote without --force")
    with w.case("ctl-5.2", "check passes on the live database"):
        p = ctl(w, "check")
        expect(p.returncode == 0 and "FAIL" not in p.stdout, p.stdout)
    with w.case("ctl-5.3", "restore the backup into a new file: same "
                "spaces"):
        new = os.path.join(w.base, "restored.sqlite")
        p = ctl(w, "restore", backup, db=new)
        expect(p.returncode == 0, p.stderr)
        a = {s["uri"] for s in js(ctl(w, "spaces", "--json", db=backup))}
        b = {s["uri"] for s in js(ctl(w, "spaces", "--json", db=new))}
        expect(uri in b and a == b, "restored spaces differ")
        p = ctl(w, "restore", backup, db=new)
        expect(p.returncode == 1, "restore over spaces without --force")
        expect(ctl(w, "check", db=new).returncode == 0, "check restored")

    with w.case("ctl-6.1", "did-cache lists the caller, purge drops it"):
        lst = js(ctl(w, "did-cache", "list", "--json"))
        expect(member.did in [x["did"] for x in lst], "not cached")
        expect(ctl(w, "did-cache", "purge", member.did).returncode == 0,
               "purge")
        p = ctl(w, "did-cache", "purge", member.did)
        expect(p.returncode == 3, "second purge exit %d" % p.returncode)
        expect(ctl(w, "did-cache", "purge").returncode == 2,
               "purge without DID or --all")
        n = js(ctl(w, "did-cache", "purge", "--all", "--json"))["purged"]
        expect(n >= 1, "purge --all purged %d" % n)
        expect_ok(w.get(member, uri, COLL, member.did, "r0"))
    with w.case("ctl-6.2", "checkpoint and vacuum succeed while serving"):
        for a in (["checkpoint"], ["vacuum"]):
            p = ctl(w, *a)
            expect(p.returncode == 0, "%s: %s" % (a, p.stderr))
        expect_ok(w.get(member, uri, COLL, member.did, "r0"))
    with w.case("ctl-6.3", "check fails on a damaged copy"):
        bad = os.path.join(w.base, "damaged.sqlite")
        shutil.copy(backup, bad)
        con = sqlite3.connect(bad)
        root, = con.execute("SELECT rootpage FROM sqlite_master WHERE "
                            "name = 'record'").fetchone()
        ps, = con.execute("PRAGMA page_size").fetchone()
        con.close()
        with open(bad, "r+b") as f:
            f.seek((root - 1) * ps)
            f.write(b"\xff" * 32)
        p = ctl(w, "check", db=bad)
        expect(p.returncode == 1 and "FAIL integrity" in p.stdout,
               "exit %d %s" % (p.returncode, p.stdout))

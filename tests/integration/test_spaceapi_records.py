# atspace: ISC licence, see README.md.
"""
Records beyond put and get: rsvp.atmo.space.listRecords, deleteRecord,
and putRecord's swapRecord compare-and-swap.

  listrecords-1   recordView shape, newest write first (an overwrite
                  moves a record to the front), byUser, collections apart,
                  the same views as getRecord
  listrecords-2   1,000 records of one millisecond (inserted in SQLite)
                  plus three written over HTTP: limit 7, 9 (byUser), 200
                  and the default each return every row exactly once in
                  (createdAt, id) descending order; the last page has no
                  cursor
  listrecords-3   writes between pages (new records, deletes of them,
                  overwrites of rows already seen, same-millisecond rows
                  in SQLite): no existing row repeats or vanishes
  listrecords-4   limit, cursor, byUser, collection: 400 naming each
  deleterecord-1  own records only: the caller's row goes, anyone else's
                  under that rkey stays (owner included); absent is ok
  deleterecord-2  a stranger gets the same 403 whether the record exists
                  or not; malformed input is 400 naming the field
  swaprecord-1    swapRecord null: only when absent; a CID: only when
                  the author's current record has it; else 409
                  InvalidSwap and nothing written; fresh TIDs too
  swaprecord-2    malformed swapRecord is 400 before auth; 403 and 404
                  come before 409
  swaprecord-3    eight concurrent writers with the same swapRecord:
                  exactly one wins
"""

import threading
import time

from harness import Client, expect, expect_error, expect_ok, expect_same
from spaceapi_util import (ADD, CREATE, DELETE_RECORD, GET, LIST_RECORDS,
                           PUT, call, cid_for, db_insert_records, db_rows,
                           db_space_id, expect_okay, fresh_did, ok,
                           page_all, unknown_space)

VIEW_KEYS = {"spaceUri", "collection", "authorDid", "rkey", "cid",
             "record", "createdAt"}


def put(w, who, uri, coll, rkey, rec, **extra):
    body = dict({"spaceUri": uri, "collection": coll, "record": rec},
                **extra)
    if rkey is not None:
        body["rkey"] = rkey
    return call(w, PUT, who, body=body)


def get(w, who, uri, coll, author, rkey):
    return call(w, GET, who, query={"spaceUri": uri, "collection": coll,
                                    "author": author, "rkey": rkey})


def listing(w, who, uri, coll, **q):
    return ok(w, LIST_RECORDS, who, query=dict(spaceUri=uri,
                                               collection=coll, **q))


def keys(j):
    return [(r["authorDid"][-6:], r["rkey"]) for r in j["records"]]


def db_order(w, sid, coll, author=None):
    """(authorDid, rkey) as listRecords must return them."""
    sql = ("SELECT author_did, rkey FROM record WHERE space_id = ? AND "
           "collection = ?")
    args = [sid, coll]
    if author is not None:
        sql += " AND author_did = ?"
        args.append(author)
    return db_rows(w, sql + " ORDER BY created_at DESC, id DESC", args)


def first_diff(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return "position %d: %r, want %r" % (i, a, b)
    return "lengths %d, want %d" % (len(got), len(want))


def listrecords_basic(w):
    m = w.identity()
    owner = w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))
    coll = "com.example.lr"
    acks = {}
    for who, rkey in ((owner, "r1"), (m, "r2"), (owner, "r3")):
        acks[rkey] = expect_ok(put(w, who, uri, coll, rkey, {"k": rkey}))
        time.sleep(0.002)
    o6, m6 = owner.did[-6:], m.did[-6:]

    with w.case("listrecords-1.1", "newest write first"):
        got = keys(listing(w, m, uri, coll))
        expect(got == [(o6, "r3"), (m6, "r2"), (o6, "r1")], "order %r" %
               got)
    with w.case("listrecords-1.2", "recordView: exactly the lexicon keys, "
                "at:// spaceUri, CID of the DAG-CBOR"):
        for v in listing(w, owner, uri, coll)["records"]:
            expect(set(v) == VIEW_KEYS, "keys %r" % sorted(v))
            expect(v["spaceUri"] == uri, "spaceUri %r" % v["spaceUri"])
            expect(v["collection"] == coll, "collection %r" %
                   v["collection"])
            expect(v["cid"] == cid_for(v["record"]), "cid %r, want %s" % (
                v["cid"], cid_for(v["record"])))
            expect(v["createdAt"] == acks[v["rkey"]]["createdAt"],
                   "createdAt %r, putRecord said %r" % (
                       v["createdAt"], acks[v["rkey"]]["createdAt"]))
    with w.case("listrecords-1.3", "each view equals getRecord's"):
        for v in listing(w, owner, uri, coll)["records"]:
            g = expect_ok(get(w, m, uri, coll, v["authorDid"], v["rkey"]))
            expect_same(v, g["record"], "view of " + v["rkey"])
    with w.case("listrecords-1.4", "an overwrite moves the record to the "
                "front, with its new body"):
        time.sleep(0.002)
        expect_ok(put(w, owner, uri, coll, "r1", {"k": "again"}))
        j = listing(w, m, uri, coll)
        expect(keys(j) == [(o6, "r1"), (o6, "r3"), (m6, "r2")], "order %r" %
               keys(j))
        expect_same(j["records"][0]["record"], {"k": "again"}, "body")
    with w.case("listrecords-1.5", "byUser: only that author's records"):
        expect(keys(listing(w, m, uri, coll, byUser=owner.did)) ==
               [(o6, "r1"), (o6, "r3")], "owner's")
        expect(keys(listing(w, m, uri, coll, byUser=m.did)) ==
               [(m6, "r2")], "member's")
        expect_same(listing(w, m, uri, coll, byUser=fresh_did()),
                    {"records": []}, "nobody's")
    with w.case("listrecords-1.6", "another collection is empty, no "
                "cursor"):
        expect_same(listing(w, m, uri, coll + "x"), {"records": []},
                    "listRecords")


def listrecords_paging(w):
    owner, m = w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))
    sid = db_space_id(w, uri)
    coll = "com.example.same"
    t = int(time.time() * 1000) - 60000
    db_insert_records(w, sid, coll, [
        ((owner.did, m.did)[i % 2], "b%04d" % i, '{"i":%d}' % i, t)
        for i in range(1000)])
    for i in range(3):
        expect_ok(put(w, m, uri, coll, "h%d" % i, {"h": i}))
    want = db_order(w, sid, coll)
    expect(len(want) == 1003, "%d rows in SQLite" % len(want))

    def walk(limit, who=owner, **q):
        got, pages = page_all(w, LIST_RECORDS, who, dict(
            spaceUri=uri, collection=coll, **q), "records", limit)
        return [(r["authorDid"], r["rkey"]) for r in got], pages

    with w.case("listrecords-2.1", "limit 7 over 1,003 rows (1,000 in one "
                "ms): each once, in order"):
        got, pages = walk(7)
        expect(len(got) == len(set(got)), "%d repeats" % (
            len(got) - len(set(got))))
        expect(got == want, "order: " + first_diff(got, want))
        expect(pages == 144, "%d pages, want 144" % pages)
    with w.case("listrecords-2.2", "byUser with limit 9: the member's 503, "
                "each once, in order"):
        got, _ = walk(9, who=m, byUser=m.did)
        mine = db_order(w, sid, coll, m.did)
        expect(len(mine) == 503, "%d rows of the member" % len(mine))
        expect(got == mine, "order: " + first_diff(got, mine))
    with w.case("listrecords-2.3", "limit 200: six pages, every row"):
        got, pages = walk(200)
        expect(got == want and pages == 6, "%d pages, %s" % (
            pages, first_diff(got, want)))
    with w.case("listrecords-2.4", "no limit: 50 and a cursor; following "
                "it continues in order"):
        j = listing(w, owner, uri, coll)
        expect(len(j["records"]) == 50 and "cursor" in j,
               "%d records, cursor %r" % (len(j["records"]),
                                          j.get("cursor")))
        k = listing(w, owner, uri, coll, cursor=j["cursor"])
        got = [(r["authorDid"], r["rkey"]) for r in
               j["records"] + k["records"]]
        expect(got == want[:100], "order: " + first_diff(got, want[:100]))
    with w.case("listrecords-2.5", "a page that ends exactly at the last "
                "row has no cursor"):
        got, pages = walk(59)		# 1003 = 17 * 59
        expect(pages == 17 and len(got) == 1003, "%d pages, %d rows" % (
            pages, len(got)))


def listrecords_interleaved(w):
    owner, m = w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))
    sid = db_space_id(w, uri)
    coll = "com.example.mix"
    t = int(time.time() * 1000) - 60000
    # Three clusters of 20 rows, each cluster within one millisecond.
    db_insert_records(w, sid, coll, [
        (m.did, "p%02d" % i, "{}", t + 1000 * (i // 20)) for i in range(60)])
    existing = set(db_order(w, sid, coll))
    seen_log = []
    fresh = []

    def between(i):
        seen = seen_log[-1] if seen_log else []
        k = "new%d" % i
        fresh.append(k)
        expect_ok(put(w, owner, uri, coll, k, {"n": i}))
        if i % 2 == 0 and len(fresh) > 1:
            expect_okay(call(w, DELETE_RECORD, owner, body={
                "spaceUri": uri, "collection": coll, "rkey": fresh[-2]}))
        if seen:
            # An overwrite of a row already returned moves it ahead of
            # the cursor: it must not come back.
            expect_ok(put(w, m, uri, coll, seen[0], {"again": i}))
        db_insert_records(w, sid, coll, [
            (owner.did, "same%d" % i, "{}", t + 1000 * (i % 3))])

    with w.case("listrecords-3.1", "writes between pages: every existing "
                "row exactly once, no repeats"):
        items, cursor, pages = [], None, 0
        while True:
            q = {"spaceUri": uri, "collection": coll, "limit": "5"}
            if cursor:
                q["cursor"] = cursor
            j = ok(w, LIST_RECORDS, owner, query=q)
            page = [(r["authorDid"], r["rkey"]) for r in j["records"]]
            items.extend(page)
            seen_log.append([k for a, k in page if a == m.did])
            pages += 1
            cursor = j.get("cursor")
            if cursor is None or pages > 100:
                break
            between(pages)
        got = items
        dup = sorted({x for x in got if got.count(x) > 1})
        expect(not dup, "repeated: %r" % dup[:5])
        lost = existing - set(got)
        expect(not lost, "vanished: %r" % sorted(lost)[:5])
        expect(cursor is None, "more than 100 pages")


def listrecords_errors(w):
    owner = w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    q = {"spaceUri": uri, "collection": "com.example.err"}
    bad = [("limit", "0"), ("limit", "201"), ("limit", "x"), ("limit", ""),
           ("limit", "+5"), ("limit", " 5"),
           ("cursor", "abc"), ("cursor", "1"), ("cursor", "1."),
           ("cursor", ".1"), ("cursor", "1.2.3"), ("cursor", "1.-2"),
           ("cursor", "1.did:plc:abc"), ("cursor", "00.1"), ("cursor", ""),
           ("cursor", "18446744073709551616.1"),
           ("byUser", "notadid"), ("byUser", ""),
           ("collection", "notnsid"), ("collection", "")]
    for i, (k, v) in enumerate(bad, 1):
        with w.case("listrecords-4.%d" % i, "%s=%r is 400 naming %s" % (
                k, v, k)):
            r = call(w, LIST_RECORDS, owner, query=dict(q, **{k: v}))
            expect_error(r, 400, "InvalidRequest")
            expect(k in r.json["message"], "message %r" %
                   r.json["message"])
    n = len(bad)
    with w.case("listrecords-4.%d" % (n + 1), "collection missing is 400 "
                "naming it"):
        r = call(w, LIST_RECORDS, owner, query={"spaceUri": uri})
        expect_error(r, 400, "InvalidRequest")
        expect("collection" in r.json["message"], "message %r" %
               r.json["message"])
    with w.case("listrecords-4.%d" % (n + 2), "a cursor for another "
                "collection is still a cursor: 200"):
        r = call(w, LIST_RECORDS, owner, query=dict(q, cursor="5.5"))
        expect_same(expect_ok(r), {"records": []}, "answer")


def deleterecord(w):
    owner, m, stranger = w.identity(), w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))
    sid = db_space_id(w, uri)
    coll = "com.example.del"
    for who, rkey in ((m, "mine"), (owner, "theirs"), (owner, "both"),
                      (m, "both"), (m, "m2")):
        expect_ok(put(w, who, uri, coll, rkey, {"r": rkey}))
    expect_ok(put(w, m, uri, coll + "x", "mine", {"r": "other coll"}))

    def delete(who, rkey, c=coll, u=uri):
        return call(w, DELETE_RECORD, who, body={
            "spaceUri": u, "collection": c, "rkey": rkey})

    def have(author, rkey, c=coll):
        return db_rows(w, "SELECT count(*) FROM record WHERE space_id = ?"
                       " AND collection = ? AND author_did = ? AND rkey = ?",
                       (sid, c, author.did, rkey))[0][0] == 1

    with w.case("deleterecord-1.1", "a member deletes its own record: ok, "
                "then 404 and unlisted"):
        expect_okay(delete(m, "mine"))
        expect_error(get(w, owner, uri, coll, m.did, "mine"), 404,
                     "NotFound")
        expect(("mine" not in [r["rkey"] for r in listing(
            w, owner, uri, coll)["records"]]), "still listed")
        expect(not have(m, "mine"), "row still in SQLite")
    with w.case("deleterecord-1.2", "the same rkey in another collection "
                "stays"):
        expect(have(m, "mine", coll + "x"), "gone")
    with w.case("deleterecord-1.3", "deleting it again is ok and writes "
                "nothing"):
        with w.unchanged():
            expect_okay(delete(m, "mine"))
    with w.case("deleterecord-1.4", "a member deleting the owner's rkey "
                "deletes nothing"):
        with w.unchanged():
            expect_okay(delete(m, "theirs"))
        expect_ok(get(w, m, uri, coll, owner.did, "theirs"))
    with w.case("deleterecord-1.5", "the owner deleting a member's rkey "
                "deletes nothing"):
        with w.unchanged():
            expect_okay(delete(owner, "m2"))
        expect_ok(get(w, owner, uri, coll, m.did, "m2"))
    with w.case("deleterecord-1.6", "an rkey both wrote: only the "
                "caller's goes"):
        expect_okay(delete(m, "both"))
        expect(not have(m, "both") and have(owner, "both"),
               "member's %s, owner's %s" % (have(m, "both"),
                                            have(owner, "both")))
    with w.case("deleterecord-1.7", "a collection never written is ok"):
        with w.unchanged():
            expect_okay(delete(m, "x", c="com.example.never"))

    with w.case("deleterecord-2.1", "a stranger: the same 403 for an "
                "existing and an absent rkey, nothing deleted"):
        with w.unchanged():
            a = delete(stranger, "theirs")
            b = delete(stranger, "no-such-rkey")
        expect_error(a, 403, "Forbidden")
        expect(a.status == b.status and a.body == b.body,
               "answers differ: %s / %s" % (a.describe(), b.describe()))
    with w.case("deleterecord-2.2", "an unknown space is 404"):
        expect_error(delete(m, "m2", u=unknown_space(owner.did)), 404,
                     "NotFound")
    bad = [("rkey", ".."), ("rkey", "a/b"), ("rkey", ""), ("rkey", 7),
           ("collection", "nope"), ("collection", None),
           ("spaceUri", "at://did:plc:abc")]
    for i, (k, v) in enumerate(bad, 3):
        with w.case("deleterecord-2.%d" % i, "%s=%r is 400 naming %s" % (
                k, v, k)):
            body = {"spaceUri": uri, "collection": coll, "rkey": "m2"}
            body[k] = v
            with w.unchanged():
                r = call(w, DELETE_RECORD, m, body=body)
            expect_error(r, 400, "InvalidRequest")
            expect(k in r.json["message"], "message %r" %
                   r.json["message"])
    for i, k in enumerate(("spaceUri", "collection", "rkey"), 3 + len(bad)):
        with w.case("deleterecord-2.%d" % i, "%s missing is 400 naming it" %
                    k):
            body = {"spaceUri": uri, "collection": coll, "rkey": "m2"}
            del body[k]
            r = call(w, DELETE_RECORD, m, body=body)
            expect_error(r, 400, "InvalidRequest")
            expect(k in r.json["message"], "message %r" %
                   r.json["message"])


def current_cid(w, who, uri, coll, rkey):
    return expect_ok(get(w, who, uri, coll, who.did, rkey))["record"]["cid"]


def swaprecord(w):
    owner, m, stranger = w.identity(), w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))
    coll = "com.example.swap"
    v1, v2 = {"v": 1}, {"v": 2}
    c = {}

    with w.case("swaprecord-1.1", "swapRecord null with no record: "
                "written"):
        expect_ok(put(w, owner, uri, coll, "s", v1, swapRecord=None))
        c[1] = current_cid(w, owner, uri, coll, "s")
        expect(c[1] == cid_for(v1), "cid %r, want %s" % (c[1], cid_for(v1)))
    with w.case("swaprecord-1.2", "swapRecord null when it exists: 409 "
                "InvalidSwap, unchanged"):
        with w.unchanged():
            expect_error(put(w, owner, uri, coll, "s", v2, swapRecord=None),
                         409, "InvalidSwap")
    with w.case("swaprecord-1.3", "swapRecord the current CID: written, "
                "new CID"):
        expect_ok(put(w, owner, uri, coll, "s", v2, swapRecord=c.get(1)))
        c[2] = current_cid(w, owner, uri, coll, "s")
        expect(c[2] == cid_for(v2) and c[2] != c.get(1), "cid %r" % c[2])
    with w.case("swaprecord-1.4", "swapRecord a stale CID: 409, "
                "unchanged"):
        with w.unchanged():
            expect_error(put(w, owner, uri, coll, "s", v1,
                             swapRecord=c.get(1)), 409, "InvalidSwap")
    with w.case("swaprecord-1.5", "the same body again with its own CID: "
                "written, CID unchanged"):
        expect_ok(put(w, owner, uri, coll, "s", v2, swapRecord=c.get(2)))
        expect(current_cid(w, owner, uri, coll, "s") == c.get(2), "cid")
    with w.case("swaprecord-1.6", "a CID for an absent rkey: 409"):
        with w.unchanged():
            expect_error(put(w, owner, uri, coll, "absent", v1,
                             swapRecord=c.get(2)), 409, "InvalidSwap")
    with w.case("swaprecord-1.7", "another author's CID under the same "
                "rkey: 409 (the caller has none)"):
        with w.unchanged():
            expect_error(put(w, m, uri, coll, "s", v1,
                             swapRecord=c.get(2)), 409, "InvalidSwap")
    with w.case("swaprecord-1.8", "null for that author's absent record "
                "is written, the owner's untouched"):
        expect_ok(put(w, m, uri, coll, "s", v1, swapRecord=None))
        expect(current_cid(w, owner, uri, coll, "s") == c.get(2),
               "owner's record changed")
    with w.case("swaprecord-1.9", "no rkey, swapRecord null: a fresh TID "
                "is written"):
        j = expect_ok(put(w, owner, uri, coll, None, v1, swapRecord=None))
        expect(current_cid(w, owner, uri, coll, j["rkey"]) == cid_for(v1),
               "cid")
    with w.case("swaprecord-1.10", "no rkey, swapRecord a CID: 409 (a "
                "fresh key has no record)"):
        with w.unchanged():
            expect_error(put(w, owner, uri, coll, None, v1,
                             swapRecord=c.get(2)), 409, "InvalidSwap")
    with w.case("swaprecord-1.11", "swapRecord absent: no condition"):
        expect_ok(put(w, owner, uri, coll, "s", {"v": 3}))

    good = c.get(2) or cid_for(v2)
    bad = ["notacid", "", 12, True, {"$link": good}, [good], good[:-4],
           "b" + good[1:].upper(), good + "a", "Qm" + good[2:]]
    for i, v in enumerate(bad, 1):
        with w.case("swaprecord-2.%d" % i, "swapRecord %r is 400 naming "
                    "it" % (v if not isinstance(v, str) or len(v) < 20
                            else v[:12] + "..."), ):
            with w.unchanged():
                r = put(w, owner, uri, coll, "s", v1, swapRecord=v)
            expect_error(r, 400, "InvalidRequest")
            expect("swapRecord" in r.json["message"], "message %r" %
                   r.json["message"])
    n = len(bad)
    with w.case("swaprecord-2.%d" % (n + 1), "a malformed swapRecord "
                "without a token is 400, not 401"):
        r = w.xrpc(PUT, body={"spaceUri": uri, "collection": coll,
                              "rkey": "s", "record": v1,
                              "swapRecord": "notacid"})
        expect_error(r, 400, "InvalidRequest")
    with w.case("swaprecord-2.%d" % (n + 2), "a stranger with a stale CID "
                "is 403, not 409"):
        with w.unchanged():
            expect_error(put(w, stranger, uri, coll, "s", v1,
                             swapRecord=c.get(1)), 403, "Forbidden")
    with w.case("swaprecord-2.%d" % (n + 3), "an unknown space with a "
                "stale CID is 404, not 409"):
        expect_error(put(w, owner, unknown_space(owner.did), coll, "s",
                         v1, swapRecord=c.get(1)), 404, "NotFound")

    with w.case("swaprecord-3.1", "eight concurrent swaps from one CID: "
                "one 200, seven 409"):
        base = current_cid(w, owner, uri, coll, "s")
        statuses = []
        lock = threading.Lock()
        start = threading.Barrier(8)

        def writer(i):
            cl = Client(w.svc.port)
            try:
                tok = owner.token(PUT)
                start.wait()
                r = w.xrpc(PUT, token=tok, client=cl, body={
                    "spaceUri": uri, "collection": coll, "rkey": "s",
                    "record": {"w": i}, "swapRecord": base})
                with lock:
                    statuses.append((r.status, r.error))
            finally:
                cl.close()
        ts = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(20)
        wins = [s for s in statuses if s[0] == 200]
        losses = [s for s in statuses if s == (409, "InvalidSwap")]
        expect(len(wins) == 1 and len(losses) == 7,
               "answers %r" % sorted(statuses))
        now = expect_ok(get(w, owner, uri, coll, owner.did, "s"))["record"]
        expect(now["cid"] == cid_for(now["record"]) and now["cid"] != base,
               "record %r" % now)


def run(w):
    listrecords_basic(w)
    listrecords_paging(w)
    listrecords_interleaved(w)
    listrecords_errors(w)
    deleterecord(w)
    swaprecord(w)

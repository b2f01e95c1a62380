# atspace: ISC licence, see README.md.
"""
rsvp.atmo.space.putRecord: write a record into a space as the token's
issuer (lexicons/rsvp/atmo/space/putRecord.json). Every rejected write
is checked against the database, read-only: no table may change.

  putrecord-1   success: fresh TID rkey, given rkey, authorDid from the
                token only, $type equal to the collection, the ats://
                alias of a space URI
  putrecord-2   upsert: the same space, collection, author and rkey
                replace; another author or collection is another record
  putrecord-3   TIDs: fifty fresh keys, each a TID, all distinct
  putrecord-4   404 NotFound for an unknown space, 403 Forbidden for a
                stranger
  putrecord-5   400 InvalidRequest for each malformed field
  putrecord-6   records that round-trip exactly (tests/fixtures/
                records-valid.json, where "or400" marks a record the
                service may refuse instead; then the interop data-model
                fixtures, whose CIDs must match when one is returned;
                a fixture with a blob ref is 400 naming the CID, since
                no such blob was uploaded to the space)
  putrecord-7   records outside the atproto data model are 400
                (tests/fixtures/records-invalid.json, nesting depth, then
                the interop data-model-invalid list)
"""

import json
import time

from harness import (TID_RE, Skip, db_count, expect, expect_error,
                     expect_ok, expect_same, fixture, shared_json)
from spaceapi_util import blob_links

PUT = "rsvp.atmo.space.putRecord"
COLL = "com.example.put"
NO_SHARED = "no atproto-interop in the shared dir (set ATSPACE_SHARED)"


def expect_ack(r, who):
    """A putRecord answer: {rkey, authorDid, createdAt (ms)}."""
    j = expect_ok(r)
    expect(isinstance(j.get("rkey"), str), "rkey %r" % j.get("rkey"))
    expect(j.get("authorDid") == who.did, "authorDid %r, want %s" % (
        j.get("authorDid"), who.did))
    c = j.get("createdAt")
    expect(isinstance(c, int) and not isinstance(c, bool) and
           abs(c - time.time() * 1000) < 300000,
           "createdAt %r is not milliseconds of now" % c)
    return j


def read_back(w, who, uri, coll, author, rkey):
    j = expect_ok(w.get(who, uri, coll, author, rkey))
    expect(isinstance(j.get("record"), dict), "no record view: %s" % j)
    return j["record"]


def raw_body(uri, coll, raw):
    """A body whose record is given as JSON text or bytes, unparsed."""
    if isinstance(raw, str):
        raw = raw.encode()
    return (b'{"spaceUri": ' + json.dumps(uri).encode() +
            b', "collection": ' + json.dumps(coll).encode() +
            b', "record": ' + raw + b'}')


def run(w):
    member = w.identity()
    owner, uri = w.space_with(member)
    stranger = w.identity()
    success(w, owner, member, uri)
    upsert(w, owner, member, uri)
    tids(w, owner, uri)
    access(w, owner, stranger, uri)
    malformed(w, owner, uri)
    round_trip(w, owner, uri)
    data_model(w, owner, uri)


def success(w, owner, member, uri):
    with w.case("putrecord-1.1", "no rkey: a fresh TID, authorDid and "
                "createdAt; readable"):
        j = expect_ack(w.put(owner, uri, COLL, {"text": "one"}), owner)
        expect(TID_RE.match(j["rkey"]), "rkey %r is not a TID" % j["rkey"])
        rec = read_back(w, owner, uri, COLL, owner.did, j["rkey"])
        expect_same(rec.get("record"), {"text": "one"}, "record")
    with w.case("putrecord-1.2", "a given rkey is used"):
        j = expect_ack(w.put(owner, uri, COLL, {"t": 2}, rkey="self"),
                       owner)
        expect(j["rkey"] == "self", "rkey %r" % j["rkey"])
    with w.case("putrecord-1.3", "a member writes as itself"):
        j = expect_ack(w.put(member, uri, COLL, {"t": 3}, rkey="m"), member)
        rec = read_back(w, owner, uri, COLL, member.did, "m")
        expect(rec.get("authorDid") == member.did, "authorDid %r" %
               rec.get("authorDid"))
    with w.case("putrecord-1.4", "authorDid in the body is never the "
                "author"):
        body = {"spaceUri": uri, "collection": COLL, "rkey": "spoof",
                "record": {"t": 4}, "authorDid": owner.did,
                "author": owner.did}
        r = w.xrpc(PUT, member, body=body)
        if r.status == 200:
            expect_ack(r, member)
            g = w.get(owner, uri, COLL, owner.did, "spoof")
            expect_error(g, 404, "NotFound")
        else:
            expect_error(r, 400, "InvalidRequest")
    with w.case("putrecord-1.5", "$type equal to the collection is "
                "accepted and kept"):
        rec = {"$type": COLL, "t": 5}
        expect_ack(w.put(owner, uri, COLL, rec, rkey="typed"), owner)
        got = read_back(w, owner, uri, COLL, owner.did, "typed")
        expect_same(got.get("record"), rec, "record")
    with w.case("putrecord-1.6", "written through the ats:// alias, read "
                "through at://"):
        alias = "ats://" + uri[len("at://"):]
        expect_ack(w.put(owner, alias, COLL, {"t": 6}, rkey="alias"), owner)
        got = read_back(w, owner, uri, COLL, owner.did, "alias")
        expect_same(got.get("record"), {"t": 6}, "record")
    with w.case("putrecord-1.7", "rkeys of every allowed character class "
                "are accepted"):
        for rk in ("a", "A-Z_z.0~9:x", "3jzfcijpj2z2a", "x" * 512):
            j = expect_ack(w.put(owner, uri, COLL, {"k": rk}, rkey=rk),
                           owner)
            expect(j["rkey"] == rk, "rkey %r for %r" % (j["rkey"], rk))


def upsert(w, owner, member, uri):
    with w.case("putrecord-2.1", "the same key again replaces: one row, "
                "new content"):
        expect_ack(w.put(owner, uri, COLL, {"v": 1}, rkey="up"), owner)
        before = db_count(w.svc.db_path, "record")
        j = expect_ack(w.put(owner, uri, COLL, {"v": 2, "x": "y"},
                             rkey="up"), owner)
        expect(j["rkey"] == "up", "rkey %r" % j["rkey"])
        after = db_count(w.svc.db_path, "record")
        expect(before == after, "record rows %d -> %d" % (before, after))
        got = read_back(w, owner, uri, COLL, owner.did, "up")
        expect_same(got.get("record"), {"v": 2, "x": "y"}, "record")
    with w.case("putrecord-2.2", "another author with the same key is "
                "another record"):
        expect_ack(w.put(member, uri, COLL, {"v": "m"}, rkey="up"), member)
        a = read_back(w, owner, uri, COLL, owner.did, "up")
        b = read_back(w, owner, uri, COLL, member.did, "up")
        expect_same(a.get("record"), {"v": 2, "x": "y"}, "owner's record")
        expect_same(b.get("record"), {"v": "m"}, "member's record")
    with w.case("putrecord-2.3", "another collection with the same key is "
                "another record"):
        expect_ack(w.put(owner, uri, COLL + "two", {"v": "c"}, rkey="up"),
                   owner)
        a = read_back(w, owner, uri, COLL, owner.did, "up")
        expect_same(a.get("record"), {"v": 2, "x": "y"}, "first collection")
    with w.case("putrecord-2.4", "the same key in another space is another "
                "record"):
        _, uri2 = w.space_with(owner)
        expect_ack(w.put(owner, uri2, COLL, {"v": "s"}, rkey="up"), owner)
        a = read_back(w, owner, uri, COLL, owner.did, "up")
        expect_same(a.get("record"), {"v": 2, "x": "y"}, "first space")


def tids(w, owner, uri):
    with w.case("putrecord-3.1", "fifty writes without rkey: fifty "
                "distinct TIDs"):
        keys = []
        for i in range(50):
            j = expect_ack(w.put(owner, uri, COLL, {"i": i}), owner)
            expect(TID_RE.match(j["rkey"]), "rkey %r is not a TID" %
                   j["rkey"])
            keys.append(j["rkey"])
        expect(len(set(keys)) == 50, "%d distinct of 50" % len(set(keys)))


def access(w, owner, stranger, uri):
    with w.case("putrecord-4.1", "an unknown space is 404 NotFound"):
        with w.unchanged():
            r = w.put(owner, uri + "x", COLL, {"a": 1}, rkey="nf")
            expect_error(r, 404, "NotFound")
    with w.case("putrecord-4.2", "a space under another owner's DID is "
                "404"):
        with w.unchanged():
            r = w.put(stranger, uri.replace(owner.did, stranger.did), COLL,
                      {"a": 1}, rkey="nf")
            expect_error(r, 404, "NotFound")
    with w.case("putrecord-4.3", "a stranger is 403 Forbidden"):
        with w.unchanged():
            r = w.put(stranger, uri, COLL, {"a": 1}, rkey="nf")
            expect_error(r, 403, "Forbidden")
        expect_error(w.get(owner, uri, COLL, stranger.did, "nf"), 404,
                     "NotFound")


def malformed(w, owner, uri):
    did = owner.did
    good = {"spaceUri": uri, "collection": COLL, "record": {"a": 1}}

    def without(k):
        return {x: v for x, v in good.items() if x != k}

    def withv(k, v):
        d = dict(good)
        d[k] = v
        return d

    bad = [
        (without("spaceUri"), "missing spaceUri"),
        (without("collection"), "missing collection"),
        (without("record"), "missing record"),
        (withv("spaceUri", "https://example.com/" + did), "spaceUri https"),
        (withv("spaceUri", "at://" + did), "spaceUri with no type or key"),
        (withv("spaceUri", "at://%s/com.example.s" % did),
         "spaceUri with no key"),
        (withv("spaceUri", "at://alice.test/com.example.s/k"),
         "spaceUri with a handle authority"),
        (withv("spaceUri", "at://%s/not-nsid/k" % did),
         "spaceUri whose type is not an NSID"),
        (withv("spaceUri", "at://%s/com.example.s/a b" % did),
         "spaceUri whose key has a space"),
        (withv("spaceUri", uri + "/extra"), "spaceUri with a fourth "
         "segment"),
        (withv("spaceUri", uri + "#frag"), "spaceUri with a fragment"),
        (withv("spaceUri", ""), "empty spaceUri"),
        (withv("spaceUri", 5), "spaceUri that is a number"),
        (withv("collection", "notnsid"), "collection without dots"),
        (withv("collection", "com.example"), "collection of two segments"),
        (withv("collection", "com.example.x-y"), "collection name with a "
         "hyphen"),
        (withv("collection", ""), "empty collection"),
        (withv("collection", ["com.example.x"]), "collection that is an "
         "array"),
        (withv("rkey", ""), "empty rkey"),
        (withv("rkey", "."), "rkey \".\""),
        (withv("rkey", ".."), "rkey \"..\""),
        (withv("rkey", "a/b"), "rkey with a slash"),
        (withv("rkey", "a b"), "rkey with a space"),
        (withv("rkey", "x" * 513), "rkey of 513 characters"),
        (withv("rkey", "\u00e9"), "rkey with non-ASCII"),
        (withv("rkey", 12), "rkey that is a number"),
        (withv("rkey", None), "rkey null"),
    ]
    for i, (body, what) in enumerate(bad, 1):
        with w.case("putrecord-5.%d" % i, what + " is 400"):
            with w.unchanged():
                expect_error(w.xrpc(PUT, owner, body=body), 400,
                             "InvalidRequest")


def round_trip(w, owner, uri):
    cases = fixture("records-valid.json")
    for i, c in enumerate(cases, 1):
        rec = json.loads(json.dumps(c["record"]).replace("@LONG@",
                                                         "L" * 10000))
        with w.case("putrecord-6.%d" % i, c["note"] + ": read back "
                    "exactly"):
            data = json.dumps(rec, ensure_ascii=not c.get("utf8"))
            body = raw_body(uri, COLL, data.encode("utf-8"))
            r = w.xrpc(PUT, owner, body=body)
            if c.get("or400") and r.status == 400:
                # A documented refusal is fine; a shortened string
                # is not.
                expect_error(r, 400, "InvalidRequest")
                continue
            rk = expect_ack(r, owner)["rkey"]
            got = read_back(w, owner, uri, COLL, owner.did, rk)
            expect_same(got.get("record"), rec, "record")
    n = len(cases)
    fx = shared_json("atproto-interop/data-model/data-model-fixtures.json")
    with w.case("putrecord-6.%d" % (n + 1), "interop data-model fixtures "
                "read back exactly (CIDs checked when returned)"):
        if fx is None:
            raise Skip(NO_SHARED)
        for f in fx:
            links = blob_links(f["json"])
            if links:
                refused_blob_ref(w, owner, uri, f["json"], links)
                continue
            rk = expect_ack(w.put(owner, uri, COLL, f["json"]),
                            owner)["rkey"]
            got = read_back(w, owner, uri, COLL, owner.did, rk)
            expect_same(got.get("record"), f["json"], "record")
            if "cid" in got:
                expect(got["cid"] == f["cid"], "cid %r, want %s" % (
                    got["cid"], f["cid"]))


def refused_blob_ref(w, owner, uri, rec, links):
    """A fixture with blob refs names blobs never uploaded to this
    space (issue 4): putRecord refuses it, 400 naming the first such
    CID, and writes nothing."""
    with w.unchanged():
        r = w.put(owner, uri, COLL, rec)
    expect_error(r, 400, "InvalidRequest")
    msg = r.json["message"]
    expect(links[0] in msg, "message %r does not name the blob %s" % (
        msg, links[0]))


def data_model(w, owner, uri):
    cases = fixture("records-invalid.json")
    for i, c in enumerate(cases, 1):
        raw = bytes.fromhex(c["hex"]) if "hex" in c else c["raw"]
        with w.case("putrecord-7.%d" % i, c["note"] + " is 400"):
            with w.unchanged():
                r = w.xrpc(PUT, owner, body=raw_body(uri, COLL, raw))
                expect_error(r, 400, "InvalidRequest")
    n = len(cases)
    with w.case("putrecord-7.%d" % (n + 1), "a record nested 500 deep is "
                "400"):
        with w.unchanged():
            raw = '{"a":' * 500 + "1" + "}" * 500
            r = w.xrpc(PUT, owner, body=raw_body(uri, COLL, raw))
            expect_error(r, 400, "InvalidRequest")
    with w.case("putrecord-7.%d" % (n + 2), "arrays nested 500 deep are "
                "400"):
        with w.unchanged():
            raw = '{"a":' + "[" * 500 + "]" * 500 + "}"
            r = w.xrpc(PUT, owner, body=raw_body(uri, COLL, raw))
            expect_error(r, 400, "InvalidRequest")
    inv = shared_json("atproto-interop/data-model/data-model-invalid.json")
    with w.case("putrecord-7.%d" % (n + 3), "interop data-model-invalid "
                "records are 400"):
        if inv is None:
            raise Skip(NO_SHARED)
        for v in inv:
            with w.unchanged():
                r = w.put(owner, uri, COLL, v["json"])
                try:
                    expect_error(r, 400, "InvalidRequest")
                except Exception as e:
                    raise type(e)("%s: %s" % (v["note"], e))

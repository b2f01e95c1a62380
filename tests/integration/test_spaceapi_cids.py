# atspace: ISC licence, see README.md.
"""
recordView.cid: the CIDv1 (dag-cbor codec, sha-256, base32) of the
record's DAG-CBOR encoding, computed on write and stored.

  cid-1   the interop fixtures (atproto-interop/data-model/
          data-model-fixtures.json in the shared dir): each "json" put
          as a record; getRecord, listRecords and the stored row all
          carry the fixture's "cid". First, spaceapi_util's encoder
          must agree with the fixtures, since cid-2 trusts it. A
          fixture with a blob ref names a blob this space never had:
          400 naming its CID (issue 4), nothing stored
  cid-2   records built here: key order of the input does not matter,
          DAG-CBOR's length-first key order, integer head sizes, strings
          and nesting; each CID equal to spaceapi_util.cid_for
  cid-3   an overwrite with new content changes the CID, with the same
          content keeps it
  cid-4   a bare {"$link"} or {"$bytes"} is not a record: its DAG-CBOR is
          a CID or a byte string, not a map (data-model-invalid.json:
          "top-level not an object"); putRecord refuses them
"""

import base64

from harness import (NSID_RE, Skip, expect, expect_error, expect_ok,
                     shared_json)
from spaceapi_util import (CREATE, GET, LIST_RECORDS, NO_SHARED, PUT,
                           blob_links, call, cid_for, dagcbor, db_rows,
                           db_space_id, ok)

FIXTURES = "atproto-interop/data-model/data-model-fixtures.json"
COLL = "com.example.cid"


def put(w, who, uri, coll, rkey, rec):
    return expect_ok(call(w, PUT, who, body={
        "spaceUri": uri, "collection": coll, "rkey": rkey, "record": rec}))


def view(w, who, uri, coll, rkey):
    return ok(w, GET, who, query={"spaceUri": uri, "collection": coll,
                                  "author": who.did, "rkey": rkey})["record"]


def collection_for(rec):
    """The collection a record may be written to, or None (skip)."""
    t = rec.get("$type") if isinstance(rec, dict) else None
    if t is None:
        return COLL
    if isinstance(t, str) and NSID_RE.match(t):
        return t
    return None


def refused(w, owner, uri, coll, rkey, rec, cid):
    """A fixture whose blob ref names a blob never uploaded to this
    space: putRecord is 400 naming that CID (issue 4), and no record,
    hence no CID, is stored."""
    with w.unchanged():
        r = call(w, PUT, owner, body={"spaceUri": uri, "collection": coll,
                                      "rkey": rkey, "record": rec})
    expect_error(r, 400, "InvalidRequest")
    expect(cid in r.json["message"], "message %r does not name the blob "
           "%s" % (r.json["message"], cid))


def fixtures(w, owner, uri, sid):
    fx = shared_json(FIXTURES)
    with w.case("cid-1.1", "the test's own DAG-CBOR encoder agrees with "
                "every fixture"):
        if fx is None:
            raise Skip(NO_SHARED)
        for i, f in enumerate(fx):
            s = f["cbor_base64"]
            want = base64.b64decode(s + "=" * (-len(s) % 4))
            expect(dagcbor(f["json"]) == want, "fixture %d: bytes differ" %
                   i)
            expect(cid_for(f["json"]) == f["cid"], "fixture %d: cid" % i)
    for i, f in enumerate(fx or [], 2):
        what = ("a blob ref not uploaded here is 400 naming the CID"
                if blob_links(f["json"]) else
                "getRecord, listRecords and the row carry its cid")
        with w.case("cid-1.%d" % i, "fixture %d: %s" % (i - 2, what)):
            coll = collection_for(f["json"])
            if coll is None:
                raise Skip("its $type %r is not an NSID, so no collection "
                           "can accept it" % f["json"].get("$type"))
            rkey = "fx%d" % (i - 2)
            links = blob_links(f["json"])
            if links:
                refused(w, owner, uri, coll, rkey, f["json"], links[0])
                continue
            put(w, owner, uri, coll, rkey, f["json"])
            v = view(w, owner, uri, coll, rkey)
            expect(v.get("cid") == f["cid"], "getRecord cid %r, want %s" %
                   (v.get("cid"), f["cid"]))
            lr = ok(w, LIST_RECORDS, owner, query={
                "spaceUri": uri, "collection": coll, "limit": "200"})
            got = [r.get("cid") for r in lr["records"] if r["rkey"] == rkey]
            expect(got == [f["cid"]], "listRecords cid %r" % got)
            row = db_rows(w, "SELECT cid FROM record WHERE space_id = ? AND"
                          " collection = ? AND rkey = ?", (sid, coll, rkey))
            expect(row == [(f["cid"],)], "stored %r" % row)
    if fx is not None and not fx:
        with w.case("cid-1.2", "the fixture file lists cases"):
            expect(False, FIXTURES + " is empty")


BUILT = [
    ("keys given out of order", {"b": 1, "a": 2, "c": {"z": 0, "y": 1}}),
    ("length-first key order", {"aaa": 1, "b": 2, "cc": 3, "a": 4,
                                "ab": 5}),
    ("integer heads", {"n": [0, 23, 24, 255, 256, 65535, 65536,
                             4294967295, 4294967296, 9007199254740991]}),
    ("negative integers", {"n": [-1, -24, -25, -256, -257, -65537,
                                 -4294967297, -9007199254740991]}),
    ("strings: empty, long, non-ASCII", {"e": "", "l": "x" * 300,
                                         "u": "h\u00e9 \u2603 \U0001f600"}),
    ("booleans, null, empty containers", {"t": True, "f": False,
                                          "z": None, "o": {}, "a": []}),
    ("nesting", {"a": [{"b": [{"c": [1, [2, [3]]]}]}]}),
    ("a $type equal to the collection", {"$type": COLL, "text": "hi"}),
    ("keys differing only in bytes", {"\u00e9": 1, "e\u0301": 2, "z": 3}),
]


def built(w, owner, uri):
    for i, (what, rec) in enumerate(BUILT, 1):
        with w.case("cid-2.%d" % i, what + ": the CID of its DAG-CBOR"):
            rkey = "b%d" % i
            put(w, owner, uri, COLL, rkey, rec)
            got = view(w, owner, uri, COLL, rkey).get("cid")
            expect(got == cid_for(rec), "cid %r, want %s" % (
                got, cid_for(rec)))
    with w.case("cid-2.%d" % (len(BUILT) + 1), "the same map in two key "
                "orders: one CID"):
        put(w, owner, uri, COLL, "o1", {"x": 1, "y": [1, 2], "zz": "s"})
        put(w, owner, uri, COLL, "o2", {"zz": "s", "y": [1, 2], "x": 1})
        a = view(w, owner, uri, COLL, "o1").get("cid")
        b = view(w, owner, uri, COLL, "o2").get("cid")
        expect(a == b and a is not None, "cids %r and %r" % (a, b))


def overwrite(w, owner, uri):
    with w.case("cid-3.1", "an overwrite with new content: a new CID"):
        put(w, owner, uri, COLL, "ow", {"v": 1})
        a = view(w, owner, uri, COLL, "ow")["cid"]
        put(w, owner, uri, COLL, "ow", {"v": 2})
        b = view(w, owner, uri, COLL, "ow")["cid"]
        expect(a != b and b == cid_for({"v": 2}), "cids %r, %r" % (a, b))
    with w.case("cid-3.2", "an overwrite with the same content: the same "
                "CID"):
        put(w, owner, uri, COLL, "ow", {"v": 2})
        c = view(w, owner, uri, COLL, "ow")["cid"]
        expect(c == cid_for({"v": 2}), "cid %r" % c)


def bare(w, owner, uri):
    link = cid_for({"a": 1})
    for i, rec in enumerate(({"$link": link}, {"$bytes": "AAAA"}), 1):
        with w.case("cid-4.%d" % i, "a bare %s as the record is 400" %
                    list(rec)[0]):
            with w.unchanged():
                r = call(w, PUT, owner, body={
                    "spaceUri": uri, "collection": COLL, "rkey": "bare",
                    "record": rec})
            expect_error(r, 400, "InvalidRequest")


def run(w):
    owner = w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    sid = db_space_id(w, uri)
    fixtures(w, owner, uri, sid)
    built(w, owner, uri)
    overwrite(w, owner, uri)
    bare(w, owner, uri)

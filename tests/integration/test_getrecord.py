# atspace: ISC licence, see README.md.
"""
rsvp.atmo.space.getRecord: read one record by space, collection, author
and rkey (lexicons/rsvp/atmo/space/getRecord.json, recordView in
defs.json); owner or member only.

  getrecord-1   success: the full recordView for the owner and for a
                member, query strings escaped or not, the ats:// alias
  getrecord-2   404 NotFound when absent, 403 Forbidden for a stranger,
                401 without a token or with another method's token
  getrecord-3   400 InvalidRequest for a repeated, missing or malformed
                parameter
"""

import time

from harness import expect, expect_error, expect_ok, expect_same

GET = "rsvp.atmo.space.getRecord"
COLL = "com.example.get"


def run(w):
    member = w.identity()
    owner, uri = w.space_with(member)
    stranger = w.identity()
    rec = {"$type": COLL, "title": "t\u00e9", "n": 7, "tags": ["a", "b"]}
    put = expect_ok(w.put(member, uri, COLL, rec, rkey="r1"))
    q = {"spaceUri": uri, "collection": COLL, "author": member.did,
         "rkey": "r1"}

    with w.case("getrecord-1.1", "the owner reads a member's record: the "
                "full recordView"):
        v = expect_ok(w.xrpc(GET, owner, query=q)).get("record")
        expect(isinstance(v, dict), "no record view")
        expect(v.get("spaceUri") == uri, "spaceUri %r" % v.get("spaceUri"))
        expect(v.get("collection") == COLL, "collection %r" %
               v.get("collection"))
        expect(v.get("authorDid") == member.did, "authorDid %r" %
               v.get("authorDid"))
        expect(v.get("rkey") == "r1", "rkey %r" % v.get("rkey"))
        expect_same(v.get("record"), rec, "record")
        c = v.get("createdAt")
        expect(isinstance(c, int) and not isinstance(c, bool) and
               abs(c - time.time() * 1000) < 300000,
               "createdAt %r is not milliseconds of now" % c)
        expect(c == put.get("createdAt"), "createdAt %r, putRecord said "
               "%r" % (c, put.get("createdAt")))
        expect("cid" not in v or isinstance(v["cid"], str),
               "cid %r" % v.get("cid"))
    with w.case("getrecord-1.2", "the member reads it too"):
        v = expect_ok(w.xrpc(GET, member, query=q))["record"]
        expect_same(v.get("record"), rec, "record")
    with w.case("getrecord-1.3", "an unescaped query string works"):
        raw = "spaceUri=%s&collection=%s&author=%s&rkey=r1" % (
            uri, COLL, member.did)
        v = expect_ok(w.xrpc(GET, owner, query=raw))["record"]
        expect_same(v.get("record"), rec, "record")
    with w.case("getrecord-1.4", "the ats:// alias finds the same record"):
        a = dict(q, spaceUri="ats://" + uri[len("at://"):])
        v = expect_ok(w.xrpc(GET, owner, query=a))["record"]
        expect_same(v.get("record"), rec, "record")
    with w.case("getrecord-1.5", "an unknown extra parameter is ignored"):
        v = expect_ok(w.xrpc(GET, owner, query=dict(q, extra="1")))
        expect_same(v["record"].get("record"), rec, "record")

    with w.case("getrecord-2.1", "another rkey is 404"):
        expect_error(w.xrpc(GET, owner, query=dict(q, rkey="r2")), 404,
                     "NotFound")
    with w.case("getrecord-2.2", "another author is 404"):
        expect_error(w.xrpc(GET, owner, query=dict(q, author=owner.did)),
                     404, "NotFound")
    with w.case("getrecord-2.3", "another collection is 404"):
        r = w.xrpc(GET, owner, query=dict(q, collection=COLL + "x"))
        expect_error(r, 404, "NotFound")
    with w.case("getrecord-2.4", "an unknown space is 404"):
        expect_error(w.xrpc(GET, owner, query=dict(q, spaceUri=uri + "x")),
                     404, "NotFound")
    with w.case("getrecord-2.5", "a stranger is 403"):
        expect_error(w.xrpc(GET, stranger, query=q), 403, "Forbidden")
    with w.case("getrecord-2.6", "no token is 401 AuthenticationRequired"):
        expect_error(w.xrpc(GET, query=q), 401, "AuthenticationRequired")
    with w.case("getrecord-2.7", "a putRecord token is "
                "BadJwtLexiconMethod"):
        r = w.xrpc(GET, owner, query=q, lxm="rsvp.atmo.space.putRecord")
        expect_error(r, 401, "BadJwtLexiconMethod")

    for i, k in enumerate(("spaceUri", "collection", "author", "rkey"), 1):
        with w.case("getrecord-3.%d" % i, "%s given twice is 400" % k):
            pairs = list(q.items()) + [(k, q[k])]
            expect_error(w.xrpc(GET, owner, query=pairs), 400,
                         "InvalidRequest")
    for i, k in enumerate(("spaceUri", "collection", "author", "rkey"), 5):
        with w.case("getrecord-3.%d" % i, "%s missing is 400" % k):
            r = w.xrpc(GET, owner, query={x: v for x, v in q.items()
                                          if x != k})
            expect_error(r, 400, "InvalidRequest")
    bad = [
        ("author", "notadid"), ("author", ""),
        ("collection", "notnsid"), ("collection", ""),
        ("spaceUri", "https://example.com/x"), ("spaceUri", ""),
        ("rkey", ".."), ("rkey", ""),
    ]
    for i, (k, v) in enumerate(bad, 9):
        with w.case("getrecord-3.%d" % i, "%s=%r is 400" % (k, v)):
            expect_error(w.xrpc(GET, owner, query=dict(q, **{k: v})), 400,
                         "InvalidRequest")
    with w.case("getrecord-3.17", "a bad percent escape is 400"):
        raw = "spaceUri=%s&collection=%s&author=%s&rkey=r%%zz" % (
            uri, COLL, member.did)
        expect_error(w.xrpc(GET, owner, query=raw), 400, "InvalidRequest")

# atspace: ISC licence, see README.md.
"""
Rules that hold for every method of the space API (issue 3): each
string parameter is checked by its lexicon format before any lookup,
400 InvalidRequest naming the parameter; a repeated query parameter is
400; the check order is validate, authenticate (401), find the space
(404), authorize (403); a stranger learns nothing about records; the
ats:// alias addresses the same space everywhere a space URI is taken,
and views always say at://. Issue 4's methods follow the same rules:
uploadBlob takes spaceUri in the query beside its raw body, and the
integer fields of invite.create take no strings.

  rules-1   SPEC covers every routed NSID (core/xrpc.c)
  rules-2   each parameter x each malformed value: 400 naming it,
            nothing written; JSON values that are not strings too
  rules-3   each required parameter missing: 400 naming it
  rules-4   each query parameter given twice: 400
  rules-5   redeem's token: a malformed one is the one 400 InvalidInvite
            answer an unknown token gets (issue 4), not a format error
  order-1   malformed input without a token, or with a garbage token,
            is 400; good input without a token is 401, and so is an
            unknown space without a token or with a garbage one; an
            unknown space is 404 for a stranger
  order-2   a stranger gets byte-identical 403s whether the record (or
            the collection, or the blob) exists or not
  alias-1   every method taking a space URI, given the ats:// form,
            acts on the same space; views say at://
"""

import os
import re

from harness import expect, expect_error, expect_ok, expect_same
from spaceapi_util import (ADD, COLL, CREATE, DELETE_RECORD, DELETE_SPACE,
                           GET, GET_BLOB, GET_SPACE, INVITE_CREATE,
                           INVITE_LIST, INVITE_REDEEM, INVITE_REVOKE,
                           LEAVE, LIST_BLOBS, LIST_MEMBERS, LIST_RECORDS,
                           LIST_SPACES, PUT, REMOVE, UPLOAD_BLOB, WHOAMI,
                           Cast, Scene, alias, call, cid_raw, expect_okay,
                           fresh_did, ok, routed_nsids, unique,
                           unknown_space)

BAD = {
    "space": ["https://example.com/x", "at://did:plc:abc",
              "at://did:plc:abc/com.example.x",
              "at://notadid/com.example.x/k",
              "at://did:plc:abc/notnsid/k",
              "at://did:plc:abc/com.example.x/..",
              "at://did:plc:abc/com.example.x/k/extra",
              "at://did:plc:abc/com.example.x/k/",
              "at://did:plc:abc/com.example.x/k?q=1",
              "at://did:plc:abc/com.example.x/k#f",
              "ats:/did:plc:abc/com.example.x/k", ""],
    "did": ["notadid", "did:plc:", "DID:plc:abc", "did:plc:abc/x",
            "did:plc:ab?c", "did:Plc:abc", ""],
    "nsid": ["notnsid", "com.example.", "com..example.x", "com.example.x-y",
             "com.exa mple.x", ""],
    "rkey": ["..", ".", "a/b", "a b", "a?b", "x" * 513, ""],
    "aturi": ["notaturi", "at://", "https://example.com/x"],
    "scope": ["admin", "Owner", ""],
    "limit": ["0", "201", "x", "-1", ""],
    "cursor": ["x", "1.", "1.2.3"],
    "mcursor": ["x", "1.2", "1.notadid"],
    "cid": ["bafy-not", "x", "b", "B" + "A" * 58, ""],
    "bool": ["yes", "1", "True", "TRUE", ""],
    "kind": ["admin", "Join", "join ", ""],
    "access": ["member", "owner", ""],
    "note": ["x" * 501],
    "hash": ["xyz", "0" * 63, "0" * 65, "A" * 64, "g" * 64, ""],
    "token": ["not a token", "A" * 42, "A" * 44, "A" * 42 + "=", ""],
    # JSON integers: any JSON value, strings included. No floats: the
    # body is refused before any field is read (not in the data model),
    # so that answer cannot name a parameter.
    "count": [0, -3, "2", True, None, [1], {}],
    "future": [1000, -1, "tomorrow", True, None, {}],
}
NOT_STRINGS = [12, None, True, ["x"], {"a": "b"}]
INTEGERS = ("count", "future")
# Formats whose malformed strings get another error than InvalidRequest:
# redeem answers every bad token alike, so a guess learns nothing.
ERROR = {"token": "InvalidInvite"}
BLOB = b"\x89PNG\r\n\x1a\n" + os.urandom(32)


def q_space(sc):
    return {"spaceUri": sc.uri}


def q_record(sc):
    return {"spaceUri": sc.uri, "collection": COLL,
            "author": sc.cast.member.did, "rkey": "m"}


# nsid -> (method, valid input for a Scene, [(name, format, required)]).
SPEC = {
    CREATE: ("POST", lambda sc: {}, [
        ("type", "nsid", False), ("key", "rkey", False),
        ("appPolicyRef", "aturi", False)]),
    GET_SPACE: ("GET", lambda sc: {"uri": sc.uri}, [
        ("uri", "space", True)]),
    LIST_SPACES: ("GET", lambda sc: {}, [
        ("scope", "scope", False), ("type", "nsid", False),
        ("owner", "did", False), ("limit", "limit", False),
        ("cursor", "cursor", False)]),
    DELETE_SPACE: ("POST", q_space, [("spaceUri", "space", True)]),
    ADD: ("POST", lambda sc: dict(q_space(sc), did=fresh_did()), [
        ("spaceUri", "space", True), ("did", "did", True)]),
    REMOVE: ("POST", lambda sc: dict(q_space(sc), did=sc.cast.member.did), [
        ("spaceUri", "space", True), ("did", "did", True)]),
    LEAVE: ("POST", q_space, [("spaceUri", "space", True)]),
    LIST_MEMBERS: ("GET", q_space, [
        ("spaceUri", "space", True), ("limit", "limit", False),
        ("cursor", "mcursor", False)]),
    WHOAMI: ("GET", q_space, [("spaceUri", "space", True)]),
    PUT: ("POST", lambda sc: {"spaceUri": sc.uri, "collection": COLL,
                              "rkey": "v", "record": {"a": 1}}, [
        ("spaceUri", "space", True), ("collection", "nsid", True),
        ("rkey", "rkey", False)]),
    GET: ("GET", q_record, [
        ("spaceUri", "space", True), ("collection", "nsid", True),
        ("author", "did", True), ("rkey", "rkey", True)]),
    LIST_RECORDS: ("GET", lambda sc: {"spaceUri": sc.uri,
                                      "collection": COLL}, [
        ("spaceUri", "space", True), ("collection", "nsid", True),
        ("byUser", "did", False), ("limit", "limit", False),
        ("cursor", "cursor", False)]),
    DELETE_RECORD: ("POST", lambda sc: {"spaceUri": sc.uri,
                                        "collection": COLL, "rkey": "o"}, [
        ("spaceUri", "space", True), ("collection", "nsid", True),
        ("rkey", "rkey", True)]),
    UPLOAD_BLOB: ("UPLOAD", q_space, [("spaceUri", "space", True)]),
    GET_BLOB: ("GET", lambda sc: {"spaceUri": sc.uri, "cid": sc.cid}, [
        ("spaceUri", "space", True), ("cid", "cid", True)]),
    LIST_BLOBS: ("GET", q_space, [
        ("spaceUri", "space", True), ("byUser", "did", False),
        ("limit", "limit", False), ("cursor", "cursor", False)]),
    INVITE_CREATE: ("POST", q_space, [
        ("spaceUri", "space", True), ("kind", "kind", False),
        ("accessLevel", "access", False), ("expiresAt", "future", False),
        ("maxUses", "count", False), ("note", "note", False)]),
    INVITE_LIST: ("GET", q_space, [
        ("spaceUri", "space", True), ("includeRevoked", "bool", False),
        ("limit", "limit", False), ("cursor", "cursor", False)]),
    # tokenHash first: the invite, not spaceUri, decides whose it is, so
    # an unknown spaceUri is no 404 (order-1 asks that only of a first
    # parameter naming the space).
    INVITE_REVOKE: ("POST", lambda sc: {"tokenHash": sc.hash,
                                        "spaceUri": sc.uri}, [
        ("tokenHash", "hash", True), ("spaceUri", "space", False)]),
    INVITE_REDEEM: ("POST", lambda sc: {"token": sc.token}, [
        ("token", "token", True)]),
}


def send(w, nsid, who, inp, **kw):
    """inp as the method takes it: query, JSON body, or, for uploadBlob,
    the query beside a raw body."""
    method = SPEC[nsid][0]
    if method == "GET":
        return call(w, nsid, who, query=inp, **kw)
    if method == "UPLOAD":
        return call(w, nsid, who, body=BLOB, query=inp, ctype="image/png",
                    **kw)
    return call(w, nsid, who, body=inp, **kw)


def expect_answer(nsid, r):
    """A 200: JSON, except getBlob's bytes."""
    if nsid == GET_BLOB:
        expect(r.status == 200 and r.body == BLOB, r.describe())
    else:
        expect_ok(r)


def expect_names(r, name):
    expect_error(r, 400, "InvalidRequest")
    msg = r.json["message"]
    expect(re.search(r"(^|[^A-Za-z])%s([^A-Za-z]|$)" % re.escape(name), msg),
           "message %r does not name %s" % (msg, name))


def short(v):
    return v if not isinstance(v, str) or len(v) <= 40 else v[:20] + "..."


def formats(w, sc):
    owner = sc.cast.owner
    with w.case("rules-1.1", "SPEC has every routed NSID, and only "
                "those"):
        routed = set(routed_nsids())
        expect(routed == set(SPEC), "missing %s, extra %s" % (
            sorted(routed - set(SPEC)), sorted(set(SPEC) - routed)))
    i = 0
    for nsid, (method, build, params) in SPEC.items():
        short_name = nsid.rsplit(".", 1)[1]
        for name, fmt, _ in params:
            values = list(BAD[fmt])
            if method == "POST" and fmt not in INTEGERS:
                values += NOT_STRINGS
            for v in values:
                if fmt in ERROR and isinstance(v, str):
                    continue  # rules-5
                i += 1
                with w.case("rules-2.%d" % i, "%s %s=%r: 400 naming %s" % (
                        short_name, name, short(v), name)):
                    inp = dict(build(sc), **{name: v})
                    with w.unchanged():
                        expect_names(send(w, nsid, owner, inp), name)
    i = 0
    for nsid, (method, build, params) in SPEC.items():
        for name, _, required in params:
            if not required:
                continue
            i += 1
            with w.case("rules-3.%d" % i, "%s without %s: 400 naming it" % (
                    nsid.rsplit(".", 1)[1], name)):
                inp = build(sc)
                del inp[name]
                with w.unchanged():
                    expect_names(send(w, nsid, owner, inp), name)
    i = 0
    for nsid, (method, build, params) in SPEC.items():
        if method not in ("GET", "UPLOAD"):
            continue
        inp = build(sc)
        cursor = "5.did:plc:aaaa" if nsid == LIST_MEMBERS else "5.5"
        extra = {"limit": "5", "cursor": cursor, "scope": "member",
                 "type": COLL, "owner": owner.did, "byUser": owner.did,
                 "includeRevoked": "true"}
        for name, _, _ in params:
            i += 1
            with w.case("rules-4.%d" % i, "%s with %s twice: 400" % (
                    nsid.rsplit(".", 1)[1], name)):
                once = dict(inp)
                once.setdefault(name, extra.get(name))
                # Once is fine, so twice is what is refused.
                expect_answer(nsid, send(w, nsid, owner, once))
                pairs = list(once.items()) + [(name, once[name])]
                expect_error(send(w, nsid, owner, pairs), 400,
                             "InvalidRequest")
    tokens(w, sc)


def tokens(w, sc):
    """rules-5: the answer to a well-formed token nobody issued is the
    answer to every malformed one."""
    for i, v in enumerate(BAD["token"], 1):
        with w.case("rules-5.%d" % i, "redeem token=%r: the 400 "
                    "InvalidInvite of an unknown token" % short(v)):
            unknown = call(w, INVITE_REDEEM, sc.cast.stranger,
                           body={"token": "A" * 43})
            expect_error(unknown, 400, "InvalidInvite")
            with w.unchanged():
                r = call(w, INVITE_REDEEM, sc.cast.stranger,
                         body={"token": v})
            expect_error(r, 400, "InvalidInvite")
            expect(r.body == unknown.body, "answers differ: %s / %s" % (
                r.describe(), unknown.describe()))


def order(w, sc):
    stranger = sc.cast.stranger
    i = 0
    for nsid, (method, build, params) in SPEC.items():
        short_name = nsid.rsplit(".", 1)[1]
        name, fmt, _ = params[0]
        bad = dict(build(sc), **{name: BAD[fmt][0]})
        for desc, kw in (("no token", {}),
                         ("a garbage token", {"token": "x.y.z"})):
            i += 1
            with w.case("order-1.%d" % i, "%s: malformed %s with %s is "
                        "400" % (short_name, name, desc)):
                with w.unchanged():
                    expect_error(send(w, nsid, None, bad, **kw), 400,
                                 ERROR.get(fmt, "InvalidRequest"))
        i += 1
        with w.case("order-1.%d" % i, "%s: good input without a token is "
                    "401" % short_name):
            with w.unchanged():
                r = send(w, nsid, None, build(sc))
                expect_error(r, 401, "AuthenticationRequired")
        if name not in ("spaceUri", "uri"):
            continue
        lost = dict(build(sc), **{name: unknown_space(sc.cast.owner.did)})
        i += 1
        with w.case("order-1.%d" % i, "%s: an unknown space without a "
                    "token is 401" % short_name):
            expect_error(send(w, nsid, None, lost), 401,
                         "AuthenticationRequired")
        i += 1
        with w.case("order-1.%d" % i, "%s: an unknown space with a "
                    "garbage token is 401" % short_name):
            r = send(w, nsid, None, lost, token="x.y.z")
            expect_error(r, 401)
        i += 1
        with w.case("order-1.%d" % i, "%s: an unknown space for a "
                    "stranger is 404" % short_name):
            with w.unchanged():
                expect_error(send(w, nsid, stranger, lost), 404, "NotFound")

    pairs = [
        ("getRecord of an existing and an absent rkey", GET, q_record(sc),
         dict(q_record(sc), rkey="nope")),
        ("getRecord of an existing and an absent author", GET,
         q_record(sc), dict(q_record(sc), author=fresh_did())),
        ("listRecords of a written and an empty collection", LIST_RECORDS,
         {"spaceUri": sc.uri, "collection": COLL},
         {"spaceUri": sc.uri, "collection": "com.example.empty"}),
        ("deleteRecord of an existing and an absent rkey", DELETE_RECORD,
         {"spaceUri": sc.uri, "collection": COLL, "rkey": "m"},
         {"spaceUri": sc.uri, "collection": COLL, "rkey": "nope"}),
        ("getBlob of an uploaded and an absent CID", GET_BLOB,
         {"spaceUri": sc.uri, "cid": sc.cid},
         {"spaceUri": sc.uri, "cid": cid_raw(b"absent")}),
    ]
    for j, (what, nsid, a, b) in enumerate(pairs, 1):
        for k, who in enumerate((stranger, sc.cast.removed)):
            with w.case("order-2.%d" % (2 * j - 1 + k), "%s: %s gets the "
                        "same 403" % (what, ("a stranger",
                                             "a removed member")[k])):
                with w.unchanged():
                    ra = send(w, nsid, who, a)
                    rb = send(w, nsid, who, b)
                expect_error(ra, 403, "Forbidden")
                expect(ra.status == rb.status and ra.body == rb.body,
                       "answers differ: %s / %s" % (ra.describe(),
                                                    rb.describe()))


def aliases(w, cast):
    sc = Scene(w, cast)
    owner, member = cast.owner, cast.member
    a = alias(sc.uri)
    n = [0]

    def case(desc):
        n[0] += 1
        return w.case("alias-1.%d" % n[0], desc)

    with case("getSpace by ats://: the same space, uri at://"):
        v = ok(w, GET_SPACE, owner, query={"uri": a})["space"]
        expect_same(v, sc.view, "view")
    with case("whoami by ats://"):
        expect_same(ok(w, WHOAMI, member, query={"spaceUri": a}),
                    {"isOwner": False, "isMember": True}, "whoami")
    with case("listMembers by ats://"):
        dids = {m["did"] for m in ok(w, LIST_MEMBERS, owner, query={
            "spaceUri": a})["members"]}
        expect(dids == {owner.did, member.did}, "members %r" % dids)
    d = fresh_did()
    with case("addMember by ats://, seen by at://"):
        expect_okay(call(w, ADD, owner, body={"spaceUri": a, "did": d}))
        dids = {m["did"] for m in ok(w, LIST_MEMBERS, owner, query={
            "spaceUri": sc.uri})["members"]}
        expect(d in dids, "not added")
    with case("removeMember by ats://"):
        expect_okay(call(w, REMOVE, owner, body={"spaceUri": a, "did": d}))
        dids = {m["did"] for m in ok(w, LIST_MEMBERS, owner, query={
            "spaceUri": sc.uri})["members"]}
        expect(d not in dids, "not removed")
    with case("putRecord by ats://, read by at://"):
        ok(w, PUT, member, body={"spaceUri": a, "collection": COLL,
                                 "rkey": "al", "record": {"x": 1}})
        v = ok(w, GET, owner, query={"spaceUri": sc.uri, "collection": COLL,
                                     "author": member.did, "rkey": "al"})
        expect_same(v["record"]["record"], {"x": 1}, "record")
    with case("getRecord by ats://: spaceUri at://"):
        v = ok(w, GET, owner, query={"spaceUri": a, "collection": COLL,
                                     "author": member.did, "rkey": "al"})
        expect(v["record"]["spaceUri"] == sc.uri, "spaceUri %r" %
               v["record"]["spaceUri"])
    with case("listRecords by ats://: every spaceUri at://"):
        recs = ok(w, LIST_RECORDS, member, query={
            "spaceUri": a, "collection": COLL})["records"]
        expect(len(recs) == 4, "%d records" % len(recs))
        expect({r["spaceUri"] for r in recs} == {sc.uri}, "spaceUris %r" %
               {r["spaceUri"] for r in recs})
    with case("deleteRecord by ats://, gone by at://"):
        expect_okay(call(w, DELETE_RECORD, member, body={
            "spaceUri": a, "collection": COLL, "rkey": "al"}))
        expect_error(call(w, GET, owner, query={
            "spaceUri": sc.uri, "collection": COLL, "author": member.did,
            "rkey": "al"}), 404, "NotFound")
    with case("listSpaces: the space under its at:// uri"):
        got = [s["uri"] for s in ok(w, LIST_SPACES, member, query={
            "limit": "200"})["spaces"]]
        expect(sc.uri in got and a not in got, "uris %r" % got[:3])
    with case("an unknown space by ats:// is 404, not 400"):
        expect_error(call(w, WHOAMI, owner, query={
            "spaceUri": alias(unknown_space(owner.did))}), 404, "NotFound")
    with case("uploadBlob by ats://, read by at://"):
        data = b"GIF89a" + os.urandom(16)
        j = ok(w, UPLOAD_BLOB, member, body=data, query={"spaceUri": a},
               ctype="image/gif")
        cid = j["blob"]["ref"]["$link"]
        expect_same(cid, cid_raw(data), "cid")
        r = call(w, GET_BLOB, owner, query={"spaceUri": sc.uri,
                                            "cid": cid})
        expect(r.status == 200 and r.body == data, r.describe())
    with case("getBlob by ats://"):
        r = call(w, GET_BLOB, member, query={"spaceUri": a, "cid": cid})
        expect(r.status == 200 and r.body == data, r.describe())
    with case("listBlobs by ats://"):
        got = [b["cid"] for b in ok(w, LIST_BLOBS, owner, query={
            "spaceUri": a})["blobs"]]
        expect(got == [cid], "blobs %r" % got)
    with case("invite.create by ats://: the inviteView says at://"):
        j = ok(w, INVITE_CREATE, owner, body={"spaceUri": a})
        expect_same(j["invite"]["spaceUri"], sc.uri, "spaceUri")
        h = j["invite"]["tokenHash"]
    with case("invite.list by ats://: spaceUri at://"):
        got = [(v["tokenHash"], v["spaceUri"]) for v in ok(
            w, INVITE_LIST, owner, query={"spaceUri": a})["invites"]]
        expect(got == [(h, sc.uri)], "invites %r" % got)
    with case("invite.revoke with an ats:// spaceUri: the same space"):
        expect_okay(call(w, INVITE_REVOKE, owner, body={
            "spaceUri": a, "tokenHash": h}))
        got = [v.get("revokedAt") for v in ok(w, INVITE_LIST, owner, query={
            "spaceUri": sc.uri, "includeRevoked": "true"})["invites"]]
        expect(len(got) == 1 and got[0], "revokedAt %r" % got)
    with case("leaveSpace by ats://"):
        expect_okay(call(w, LEAVE, member, body={"spaceUri": a}))
        expect_same(ok(w, WHOAMI, member, query={"spaceUri": sc.uri}),
                    {"isOwner": False, "isMember": False}, "whoami")
    with case("deleteSpace by ats://, gone by at://"):
        expect_okay(call(w, DELETE_SPACE, owner, body={"spaceUri": a}))
        expect_error(call(w, GET_SPACE, owner, query={"uri": sc.uri}), 404,
                     "NotFound")
    with case("createSpace then an ats:// uri of it at once"):
        uri = ok(w, CREATE, owner, body={"key": unique("al")})["space"][
            "uri"]
        expect_ok(call(w, GET_SPACE, owner, query={"uri": alias(uri)}))


def run(w):
    cast = Cast(w)
    sc = Scene(w, cast)
    # What getBlob, revoke and redeem name in their valid input.
    sc.cid = ok(w, UPLOAD_BLOB, cast.owner, body=BLOB, query={
        "spaceUri": sc.uri}, ctype="image/png")["blob"]["ref"]["$link"]
    j = ok(w, INVITE_CREATE, cast.owner, body={"spaceUri": sc.uri})
    sc.token, sc.hash = j["token"], j["invite"]["tokenHash"]
    formats(w, sc)
    order(w, sc)
    aliases(w, cast)

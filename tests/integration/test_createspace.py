# atspace: ISC licence, see README.md.
"""
rsvp.atmo.space.createSpace: a space at://<owner>/<type>/<key> owned by
the token's issuer (lexicons/rsvp/atmo/space/createSpace.json, the
spaceView in defs.json).

  createspace-1   success: defaults (type an NSID, key a TID), given
                  type and key, app policy echoed, same key for another
                  owner, the owner may write at once
  createspace-2   409 AlreadyExists for an existing space
  createspace-3   400 InvalidRequest for a bad type, key or field type
"""

import time

from harness import (NSID_RE, SERVICE_DID, TID_RE, expect, expect_error,
                     expect_ok, expect_same)

CREATE = "rsvp.atmo.space.createSpace"


def check_view(sp, owner):
    """The spaceView fields every answer carries."""
    for k in ("uri", "ownerDid", "type", "key", "serviceDid", "createdAt"):
        expect(k in sp, "space lacks %s: %s" % (k, sp))
    expect(sp["ownerDid"] == owner.did, "ownerDid %r" % sp["ownerDid"])
    expect(sp["serviceDid"] == SERVICE_DID, "serviceDid %r" %
           sp["serviceDid"])
    expect(sp["uri"] == "at://%s/%s/%s" % (owner.did, sp["type"], sp["key"]),
           "uri %r" % sp["uri"])
    expect(isinstance(sp["createdAt"], int) and not isinstance(
        sp["createdAt"], bool), "createdAt %r" % sp["createdAt"])
    expect(abs(sp["createdAt"] - time.time() * 1000) < 300000,
           "createdAt %d is not milliseconds of now" % sp["createdAt"])


def run(w):
    owner = w.identity()
    made = {}

    with w.case("createspace-1.1", "empty body: NSID type, TID key, full "
                "spaceView"):
        sp = expect_ok(w.xrpc(CREATE, owner, body={}))["space"]
        check_view(sp, owner)
        expect(NSID_RE.match(sp["type"]), "type %r" % sp["type"])
        expect(TID_RE.match(sp["key"]), "key %r is not a TID" % sp["key"])
        made["default"] = sp
    with w.case("createspace-1.2", "two default spaces get distinct keys"):
        sp = expect_ok(w.xrpc(CREATE, owner, body={}))["space"]
        expect(sp["key"] != made.get("default", {}).get("key"),
               "key %r repeated" % sp["key"])
    with w.case("createspace-1.3", "given type and key are used as given"):
        sp = expect_ok(w.xrpc(CREATE, owner, body={
            "type": "com.example.test.space", "key": "party-2026"}))["space"]
        check_view(sp, owner)
        expect(sp["type"] == "com.example.test.space", "type %r" %
               sp["type"])
        expect(sp["key"] == "party-2026", "key %r" % sp["key"])
    with w.case("createspace-1.4", "appPolicyRef and appPolicy are "
                "echoed"):
        pol = {"mode": "deny", "apps": ["did:web:app.example.com"]}
        ref = "at://%s/com.example.policy/self" % owner.did
        sp = expect_ok(w.xrpc(CREATE, owner, body={
            "key": "with-policy", "appPolicyRef": ref,
            "appPolicy": pol}))["space"]
        check_view(sp, owner)
        expect(sp.get("appPolicyRef") == ref, "appPolicyRef %r" %
               sp.get("appPolicyRef"))
        expect_same(sp.get("appPolicy"), pol, "appPolicy")
    with w.case("createspace-1.5", "the same type and key for another "
                "owner is another space"):
        other = w.identity()
        sp = expect_ok(w.xrpc(CREATE, other, body={
            "type": "com.example.test.space", "key": "party-2026"}))["space"]
        check_view(sp, other)
    with w.case("createspace-1.6", "the owner may write and read at once"):
        sp = expect_ok(w.xrpc(CREATE, owner, body={"key": "own"}))["space"]
        expect_ok(w.put(owner, sp["uri"], "com.example.x", {"a": 1},
                        rkey="r1"))
        expect_ok(w.get(owner, sp["uri"], "com.example.x", owner.did, "r1"))
    with w.case("createspace-1.7", "a single-character key is accepted"):
        sp = expect_ok(w.xrpc(CREATE, owner, body={"key": "k"}))["space"]
        expect(sp["key"] == "k", "key %r" % sp["key"])

    with w.case("createspace-2.1", "an existing space is 409 AlreadyExists, "
                "nothing written"):
        with w.unchanged():
            r = w.xrpc(CREATE, owner, body={
                "type": "com.example.test.space", "key": "party-2026"})
            expect_error(r, 409, "AlreadyExists")
    with w.case("createspace-2.2", "the default-typed space again is 409"):
        d = made.get("default")
        expect(d is not None, "createspace-1.1 made no space")
        with w.unchanged():
            r = w.xrpc(CREATE, owner, body={"type": d["type"],
                                            "key": d["key"]})
            expect_error(r, 409, "AlreadyExists")

    bad = [
        ("type", "notannsid", "type without dots"),
        ("type", "com.example", "type with two segments"),
        ("type", "com.example.bad-name", "type whose name has a hyphen"),
        ("type", "com..example.x", "type with an empty segment"),
        ("type", "", "empty type"),
        ("type", 42, "type that is a number"),
        ("key", "a/b", "key with a slash"),
        ("key", ".", "key \".\""),
        ("key", "..", "key \"..\""),
        ("key", "", "empty key"),
        ("key", "has space", "key with a space"),
        ("key", "x" * 513, "key of 513 characters"),
        ("key", 7, "key that is a number"),
        ("appPolicy", "allow", "appPolicy that is a string"),
    ]
    for i, (field, value, what) in enumerate(bad, 1):
        with w.case("createspace-3.%d" % i, what + " is 400"):
            with w.unchanged():
                r = w.xrpc(CREATE, owner, body={field: value})
                expect_error(r, 400, "InvalidRequest")

# atspace: ISC licence, see README.md.
"""
rsvp.atmo.space.addMember: the owner adds a DID to a space
(lexicons/rsvp/atmo/space/addMember.json).

  addmember-1   success: {"ok": true}, the member may then write and
                read; adding again is harmless (idempotent)
  addmember-2   403 Forbidden for a member or a stranger, 404 NotFound
                for an unknown space
  addmember-3   400 InvalidRequest for a bad or missing did or spaceUri
"""

from harness import (db_count, expect, expect_error, expect_ok, expect_same,
                     random_plc_did)

ADD = "rsvp.atmo.space.addMember"


def run(w):
    owner, uri = w.space_with()
    member = w.identity()

    with w.case("addmember-1.1", "owner adds a member: {\"ok\": true}"):
        r = w.xrpc(ADD, owner, body={"spaceUri": uri, "did": member.did})
        expect_same(expect_ok(r), {"ok": True}, "answer")
    with w.case("addmember-1.2", "the new member may write and read"):
        expect_ok(w.put(member, uri, "com.example.x", {"m": 1}, rkey="m1"))
        expect_ok(w.get(member, uri, "com.example.x", member.did, "m1"))
    with w.case("addmember-1.3", "adding the member again is ok and adds "
                "no row"):
        before = db_count(w.svc.db_path, "member")
        r = w.xrpc(ADD, owner, body={"spaceUri": uri, "did": member.did})
        expect_same(expect_ok(r), {"ok": True}, "answer")
        after = db_count(w.svc.db_path, "member")
        expect(before == after, "member rows %d -> %d" % (before, after))
    with w.case("addmember-1.4", "a DID whose document nobody serves may "
                "be added"):
        r = w.xrpc(ADD, owner, body={"spaceUri": uri,
                                     "did": random_plc_did()})
        expect_same(expect_ok(r), {"ok": True}, "answer")
    with w.case("addmember-1.5", "the owner adding itself is ok"):
        r = w.xrpc(ADD, owner, body={"spaceUri": uri, "did": owner.did})
        expect_same(expect_ok(r), {"ok": True}, "answer")

    stranger = w.identity()
    with w.case("addmember-2.1", "a member adding someone is 403"):
        with w.unchanged():
            r = w.xrpc(ADD, member, body={"spaceUri": uri,
                                          "did": stranger.did})
            expect_error(r, 403, "Forbidden")
    with w.case("addmember-2.2", "a stranger adding itself is 403"):
        with w.unchanged():
            r = w.xrpc(ADD, stranger, body={"spaceUri": uri,
                                            "did": stranger.did})
            expect_error(r, 403, "Forbidden")
    with w.case("addmember-2.3", "the stranger still may not write"):
        with w.unchanged():
            expect_error(w.put(stranger, uri, "com.example.x", {"s": 1}),
                         403, "Forbidden")
    with w.case("addmember-2.4", "an unknown space is 404"):
        with w.unchanged():
            r = w.xrpc(ADD, owner, body={
                "spaceUri": uri + "nope", "did": stranger.did})
            expect_error(r, 404, "NotFound")
    with w.case("addmember-2.5", "a space of the same key under another "
                "owner is 404"):
        with w.unchanged():
            fake = uri.replace(owner.did, stranger.did)
            r = w.xrpc(ADD, stranger, body={"spaceUri": fake,
                                            "did": stranger.did})
            expect_error(r, 404, "NotFound")

    bad = [
        ({"spaceUri": uri, "did": "notadid"}, "did without did: prefix"),
        ({"spaceUri": uri, "did": "did:plc:"}, "did with an empty id"),
        ({"spaceUri": uri, "did": "DID:plc:abc"}, "did with upper-case "
         "scheme"),
        ({"spaceUri": uri, "did": 12}, "did that is a number"),
        ({"spaceUri": uri}, "missing did"),
        ({"did": stranger.did}, "missing spaceUri"),
        ({"spaceUri": "https://example.com/x", "did": stranger.did},
         "spaceUri with an https scheme"),
        ({"spaceUri": "at://%s" % owner.did, "did": stranger.did},
         "spaceUri with only an authority"),
        ({"spaceUri": "at://notadid/com.example.x/k", "did": stranger.did},
         "spaceUri whose authority is not a DID"),
        ({"spaceUri": None, "did": stranger.did}, "spaceUri null"),
    ]
    for i, (body, what) in enumerate(bad, 1):
        with w.case("addmember-3.%d" % i, what + " is 400"):
            with w.unchanged():
                expect_error(w.xrpc(ADD, owner, body=body), 400,
                             "InvalidRequest")

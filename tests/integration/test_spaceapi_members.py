# atspace: ISC licence, see README.md.
"""
Members: rsvp.atmo.space.addMember (idempotence only; the rest is in
test_addmember), removeMember, leaveSpace and listMembers.

  members-1       addMember again keeps the first addedAt and addedBy;
                  after a removal, adding is a new membership
  removemember-1  the owner removes: gone from listMembers, whoami false,
                  writes 403; a non-member or unknown DID is ok and
                  writes nothing; the owner is 400 InvalidRequest
  leavespace-1    a member leaves: gone, then 403; the owner is 400
  listmembers-1   memberView {did, addedAt, addedBy}, exactly; the owner
                  is a member (added by itself at createdAt)
  listmembers-2   paging: default 50, limit 1..200, cursor absent on the
                  last page, 60 members of one millisecond (SQLite) each
                  exactly once, adds during paging lose or repeat none;
                  malformed cursors 400
"""

import time

from harness import expect, expect_error, expect_same
from spaceapi_util import (ADD, CREATE, LEAVE, LIST_MEMBERS, PUT, REMOVE,
                           WHOAMI, call, db_rw, db_space_id, expect_okay,
                           fresh_did, ok, page_all)


def members_of(w, who, uri):
    """All memberViews, one page of 200."""
    j = ok(w, LIST_MEMBERS, who, query={"spaceUri": uri, "limit": "200"})
    expect("cursor" not in j, "more than 200 members")
    return {m["did"]: m for m in j["members"]}


def idempotence(w):
    owner, m = w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))
    first = members_of(w, owner, uri).get(m.did)

    with w.case("members-1.1", "the first add: addedBy the owner, addedAt "
                "now"):
        expect(first is not None, "member not listed")
        expect(first.get("addedBy") == owner.did, "addedBy %r" %
               first.get("addedBy"))
        expect(abs(first["addedAt"] - time.time() * 1000) < 300000,
               "addedAt %r" % first["addedAt"])
    with w.case("members-1.2", "adding again keeps addedAt and addedBy"):
        time.sleep(0.005)
        with w.unchanged():
            expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                                  "did": m.did}))
        expect_same(members_of(w, owner, uri).get(m.did), first, "view")
    with w.case("members-1.3", "the owner adding itself changes nothing"):
        with w.unchanged():
            expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                                  "did": owner.did}))
    with w.case("members-1.4", "removed, then added: a new addedAt"):
        expect_okay(call(w, REMOVE, owner, body={"spaceUri": uri,
                                                 "did": m.did}))
        time.sleep(0.005)
        expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                              "did": m.did}))
        again = members_of(w, owner, uri).get(m.did)
        expect(again is not None and again["addedAt"] > first["addedAt"],
               "view %r after %r" % (again, first))


def remove(w):
    owner, m, other = w.identity(), w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    for x in (m, other):
        expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                              "did": x.did}))
    ok(w, PUT, m, body={"spaceUri": uri, "collection": "com.example.rm",
                        "rkey": "a", "record": {}})

    with w.case("removemember-1.1", "the owner removes a member: "
                "{\"ok\": true}"):
        expect_okay(call(w, REMOVE, owner, body={"spaceUri": uri,
                                                 "did": m.did}))
    with w.case("removemember-1.2", "the removed member is not listed; "
                "the others are"):
        got = set(members_of(w, owner, uri))
        expect(got == {owner.did, other.did}, "members %r" % got)
    with w.case("removemember-1.3", "the removed member's whoami says "
                "neither"):
        expect_same(ok(w, WHOAMI, m, query={"spaceUri": uri}),
                    {"isOwner": False, "isMember": False}, "whoami")
    with w.case("removemember-1.4", "the removed member may no longer "
                "write"):
        with w.unchanged():
            expect_error(call(w, PUT, m, body={
                "spaceUri": uri, "collection": "com.example.rm",
                "rkey": "b", "record": {}}), 403, "Forbidden")
    with w.case("removemember-1.5", "removing a former member again is ok "
                "and writes nothing"):
        with w.unchanged():
            expect_okay(call(w, REMOVE, owner, body={"spaceUri": uri,
                                                     "did": m.did}))
    with w.case("removemember-1.6", "removing a DID never added is ok and "
                "writes nothing"):
        with w.unchanged():
            expect_okay(call(w, REMOVE, owner, body={"spaceUri": uri,
                                                     "did": fresh_did()}))
    with w.case("removemember-1.7", "removing the owner is 400 "
                "InvalidRequest"):
        with w.unchanged():
            expect_error(call(w, REMOVE, owner, body={
                "spaceUri": uri, "did": owner.did}), 400, "InvalidRequest")
        expect(owner.did in members_of(w, owner, uri), "owner gone")
    with w.case("removemember-1.8", "a member removing the owner is 403, "
                "not 400 (authorize first)"):
        with w.unchanged():
            expect_error(call(w, REMOVE, other, body={
                "spaceUri": uri, "did": owner.did}), 403, "Forbidden")
    with w.case("removemember-1.9", "a member removing itself is 403 "
                "(leaveSpace is for that)"):
        with w.unchanged():
            expect_error(call(w, REMOVE, other, body={
                "spaceUri": uri, "did": other.did}), 403, "Forbidden")
    with w.case("removemember-1.10", "did missing or malformed is 400 "
                "naming did"):
        for body in ({"spaceUri": uri}, {"spaceUri": uri, "did": "x"},
                     {"spaceUri": uri, "did": None},
                     {"spaceUri": uri, "did": ["did:plc:x"]}):
            with w.unchanged():
                r = call(w, REMOVE, owner, body=body)
                expect_error(r, 400, "InvalidRequest")
                expect("did" in r.json["message"], "message %r" %
                       r.json["message"])


def leave(w):
    owner, m, stranger = w.identity(), w.identity(), w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))

    with w.case("leavespace-1.1", "the owner may not leave: 400 "
                "InvalidRequest"):
        with w.unchanged():
            expect_error(call(w, LEAVE, owner, body={"spaceUri": uri}),
                         400, "InvalidRequest")
    with w.case("leavespace-1.2", "a stranger leaving is 403"):
        with w.unchanged():
            expect_error(call(w, LEAVE, stranger, body={"spaceUri": uri}),
                         403, "Forbidden")
    with w.case("leavespace-1.3", "a member leaves: {\"ok\": true}, no "
                "longer listed"):
        expect_okay(call(w, LEAVE, m, body={"spaceUri": uri}))
        expect(set(members_of(w, owner, uri)) == {owner.did},
               "members %r" % set(members_of(w, owner, uri)))
    with w.case("leavespace-1.4", "leaving again is 403: no longer a "
                "member"):
        with w.unchanged():
            expect_error(call(w, LEAVE, m, body={"spaceUri": uri}), 403,
                         "Forbidden")
    with w.case("leavespace-1.5", "an unknown space is 404"):
        expect_error(call(w, LEAVE, m, body={
            "spaceUri": uri + "x"}), 404, "NotFound")


def listmembers(w):
    owner, m = w.identity(), w.identity()
    sp = ok(w, CREATE, owner, body={})["space"]
    uri = sp["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri, "did": m.did}))

    with w.case("listmembers-1.1", "the owner is a member, added by "
                "itself when the space was made"):
        v = members_of(w, m, uri).get(owner.did)
        expect_same(v, {"did": owner.did, "addedAt": sp["createdAt"],
                        "addedBy": owner.did}, "owner's memberView")
    with w.case("listmembers-1.2", "memberView has exactly did, addedAt, "
                "addedBy"):
        j = ok(w, LIST_MEMBERS, owner, query={"spaceUri": uri})
        expect(set(j) == {"members"}, "keys %r" % sorted(j))
        for x in j["members"]:
            expect(set(x) == {"did", "addedAt", "addedBy"}, "keys %r" %
                   sorted(x))
            expect(isinstance(x["addedAt"], int), "addedAt %r" %
                   x["addedAt"])

    # 60 members added in one millisecond, straight into SQLite.
    sid = db_space_id(w, uri)
    t = sp["createdAt"] + 1
    bulk = [fresh_did() for _ in range(60)]
    with db_rw(w) as con:
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO member (space_id, did, added_at,"
                        " added_by) VALUES (?, ?, ?, ?)",
                        [(sid, d, t, owner.did) for d in bulk])
        con.execute("COMMIT")
    everyone = {owner.did, m.did} | set(bulk)
    whole = [x["did"] for x in ok(w, LIST_MEMBERS, owner, query={
        "spaceUri": uri, "limit": "200"})["members"]]

    with w.case("listmembers-2.1", "no limit: 50 members and a cursor"):
        j = ok(w, LIST_MEMBERS, owner, query={"spaceUri": uri})
        expect(len(j["members"]) == 50, "%d members" % len(j["members"]))
        expect(isinstance(j.get("cursor"), str), "no cursor")
    with w.case("listmembers-2.2", "limit 200 holds all 62, no cursor"):
        expect(set(whole) == everyone and len(whole) == 62,
               "%d members" % len(whole))
    with w.case("listmembers-2.3", "limit 7: every member once, in the "
                "one-page order"):
        got, pages = page_all(w, LIST_MEMBERS, m, {"spaceUri": uri},
                              "members", 7)
        dids = [x["did"] for x in got]
        expect(len(dids) == len(set(dids)), "%d repeats" % (
            len(dids) - len(set(dids))))
        expect(dids == whole, "order differs from the single page")
        expect(pages == 9, "%d pages" % pages)
    with w.case("listmembers-2.4", "limit 31 over 62: two pages, the "
                "second without a cursor"):
        got, pages = page_all(w, LIST_MEMBERS, m, {"spaceUri": uri},
                              "members", 31)
        expect(pages == 2 and len(got) == 62, "%d pages, %d members" % (
            pages, len(got)))
    with w.case("listmembers-2.5", "adds and removals of others while "
                "paging: no member repeats or vanishes"):
        added, gone = [], set()

        def between(i):
            d = fresh_did()
            added.append(d)
            expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                                  "did": d}))
            if i % 3 == 0 and len(added) > 1:
                expect_okay(call(w, REMOVE, owner, body={
                    "spaceUri": uri, "did": added[-2]}))
                gone.add(added[-2])
        got, _ = page_all(w, LIST_MEMBERS, owner, {"spaceUri": uri},
                          "members", 5, between=between)
        dids = [x["did"] for x in got]
        expect(len(dids) == len(set(dids)), "repeats: %r" % sorted(
            d for d in set(dids) if dids.count(d) > 1))
        missing = everyone - set(dids)
        expect(not missing, "%d of the existing members vanished" %
               len(missing))
    bad = ["abc", "1.2", "1.", ".did:plc:abc", "x.did:plc:abc",
           "1.notadid", "-1.did:plc:abc", ""]
    for i, c in enumerate(bad, 1):
        with w.case("listmembers-3.%d" % i, "cursor %r is 400 naming "
                    "cursor" % c):
            r = call(w, LIST_MEMBERS, owner, query={"spaceUri": uri,
                                                    "cursor": c})
            expect_error(r, 400, "InvalidRequest")
            expect("cursor" in r.json["message"], "message %r" %
                   r.json["message"])
    for i, lim in enumerate(("0", "201", "-5", "ten", ""), len(bad) + 1):
        with w.case("listmembers-3.%d" % i, "limit %r is 400 naming limit" %
                    lim):
            r = call(w, LIST_MEMBERS, owner, query={"spaceUri": uri,
                                                    "limit": lim})
            expect_error(r, 400, "InvalidRequest")
            expect("limit" in r.json["message"], "message %r" %
                   r.json["message"])
    with w.case("listmembers-3.%d" % (len(bad) + 6), "limit 1 is one "
                "member and a cursor"):
        j = ok(w, LIST_MEMBERS, owner, query={"spaceUri": uri,
                                              "limit": "1"})
        expect(len(j["members"]) == 1 and "cursor" in j, "answer %r" % j)


def run(w):
    idempotence(w)
    remove(w)
    leave(w)
    listmembers(w)

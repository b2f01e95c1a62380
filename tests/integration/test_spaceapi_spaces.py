# atspace: ISC licence, see README.md.
"""
Spaces: rsvp.atmo.space.getSpace, listSpaces, deleteSpace (atspace's own
lexicon, schema/lexicons/rsvp/atmo/space/deleteSpace.json) and
rsvp.atmo.spaceExt.whoami. Who may call each is in test_spaceapi_roles;
formats and check order in test_spaceapi_rules.

  getspace-1     the spaceView: the owner's equals createSpace's, a
                 member's lacks appPolicy, nothing internal, 404 unknown
  listspaces-1   scope member (default, owned included) and owner; type
                 and owner filters; removed and foreign spaces absent
  listspaces-2   scope other than member or owner, limit outside 1..200
                 and malformed cursors are 400
  listspaces-3   paging: default 50, cursor absent on the last page, 55
                 spaces of one millisecond (inserted in SQLite) each
                 exactly once in (createdAt, id) descending order
  deletespace-1  the owner deletes: {"ok": true}, no space, member or
                 record row left, every later call 404, other spaces
                 untouched, the key may be used again
  whoami-1       404 for an unknown or deleted space; the flags
"""

from harness import SERVICE_DID, expect, expect_error, expect_same
from spaceapi_util import (ADD, CREATE, DELETE_SPACE, GET_SPACE,
                           LIST_MEMBERS, LIST_RECORDS, LIST_SPACES, PUT,
                           REMOVE, WHOAMI, call, db_insert_records, db_rows,
                           db_rw, db_space_id, expect_okay, ok, page_all,
                           unique, unknown_space)

VIEW_KEYS = {"uri", "ownerDid", "type", "key", "serviceDid",
             "appPolicyRef", "createdAt", "appPolicy"}
POLICY = {"mode": "allow", "apps": ["did:web:bad.example.com"]}


def uris(j):
    return [s.get("uri") for s in j.get("spaces", [])]


def getspace(w):
    owner, member = w.identity(), w.identity()
    made = ok(w, CREATE, owner, body={
        "key": unique("gs"), "appPolicy": POLICY,
        "appPolicyRef": "at://%s/com.example.policy/p1" % owner.did}
    )["space"]
    uri = made["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                          "did": member.did}))

    with w.case("getspace-1.1", "the owner's view equals createSpace's, "
                "appPolicy included"):
        v = ok(w, GET_SPACE, owner, query={"uri": uri})
        expect_same(v, {"space": made}, "getSpace")
        expect_same(v["space"].get("appPolicy"), POLICY, "appPolicy")
    with w.case("getspace-1.2", "a member's view is the owner's without "
                "appPolicy"):
        v = ok(w, GET_SPACE, member, query={"uri": uri})
        want = {k: x for k, x in made.items() if k != "appPolicy"}
        expect_same(v, {"space": want}, "getSpace")
    with w.case("getspace-1.3", "the view holds only lexicon keys"):
        v = ok(w, GET_SPACE, owner, query={"uri": uri})["space"]
        extra = set(v) - VIEW_KEYS
        expect(not extra, "internal keys %s" % sorted(extra))
        expect(v["serviceDid"] == SERVICE_DID, "serviceDid %r" %
               v["serviceDid"])
    with w.case("getspace-1.4", "an unknown space is 404 NotFound"):
        expect_error(call(w, GET_SPACE, owner, query={
            "uri": unknown_space(owner.did)}), 404, "NotFound")
    with w.case("getspace-1.5", "a space without appPolicy: the owner's "
                "view has none either"):
        plain = ok(w, CREATE, owner, body={})["space"]
        v = ok(w, GET_SPACE, owner, query={"uri": plain["uri"]})["space"]
        expect("appPolicy" not in v and "appPolicyRef" not in v,
               "view %r" % v)


def listspaces(w):
    u, p, q = w.identity(), w.identity(), w.identity()
    ta, tb = "com.example.lsa", "com.example.lsb"

    def make(who, typ, **kw):
        return ok(w, CREATE, who, body=dict(type=typ, key=unique("ls"),
                                            **kw))["space"]["uri"]

    a = make(u, ta, appPolicy=POLICY)
    b = make(u, tb)
    c = make(p, ta, appPolicy=POLICY)
    d = make(q, tb)
    e = make(q, tb)			# u never in it
    f = make(p, ta)			# u added, then removed
    for s, o in ((c, p), (d, q), (f, p)):
        expect_okay(call(w, ADD, o, body={"spaceUri": s, "did": u.did}))
    expect_okay(call(w, REMOVE, p, body={"spaceUri": f, "did": u.did}))

    def ls(**query):
        return ok(w, LIST_SPACES, u, query=query)

    with w.case("listspaces-1.1", "default scope: owned and joined, newest "
                "first, no cursor"):
        j = ls()
        expect(uris(j) == [d, c, b, a], "spaces %r, want %r" % (
            uris(j), [d, c, b, a]))
        expect("cursor" not in j, "cursor %r on the only page" %
               j.get("cursor"))
        expect(e not in uris(j) and f not in uris(j), "foreign space")
    with w.case("listspaces-1.2", "scope=member is the default"):
        expect(uris(ls(scope="member")) == [d, c, b, a], "spaces %r" %
               uris(ls(scope="member")))
    with w.case("listspaces-1.3", "scope=owner: only owned"):
        expect(uris(ls(scope="owner")) == [b, a], "spaces %r" %
               uris(ls(scope="owner")))
    with w.case("listspaces-1.4", "type filter"):
        expect(uris(ls(type=ta)) == [c, a], "spaces %r" % uris(ls(type=ta)))
    with w.case("listspaces-1.5", "owner filter"):
        expect(uris(ls(owner=p.did)) == [c], "spaces %r" %
               uris(ls(owner=p.did)))
        expect(uris(ls(owner=u.did)) == [b, a], "spaces %r" %
               uris(ls(owner=u.did)))
    with w.case("listspaces-1.6", "owner and type filters together"):
        got = uris(ls(owner=q.did, type=tb))
        expect(got == [d], "spaces %r" % got)
    with w.case("listspaces-1.7", "scope=owner ignores the owner filter "
                "(lexicon)"):
        got = uris(ls(scope="owner", owner=p.did))
        expect(got == [b, a], "spaces %r" % got)
    with w.case("listspaces-1.8", "scope=owner with a type filter"):
        got = uris(ls(scope="owner", type=tb))
        expect(got == [b], "spaces %r" % got)
    with w.case("listspaces-1.9", "appPolicy only in spaces the caller "
                "owns"):
        views = {s["uri"]: s for s in ls()["spaces"]}
        expect_same(views[a].get("appPolicy"), POLICY, "owned appPolicy")
        expect("appPolicy" not in views[c], "a joined space shows "
               "appPolicy")
    with w.case("listspaces-1.10", "a caller in no space gets an empty "
                "list"):
        j = ok(w, LIST_SPACES, w.identity(), query={})
        expect_same(j, {"spaces": []}, "listSpaces")

    bad = [("scope", "admin"), ("scope", ""), ("scope", "Owner"),
           ("limit", "0"), ("limit", "201"), ("limit", "-1"),
           ("limit", "abc"), ("limit", ""), ("limit", "1.5"),
           ("limit", "99999999999999999999"),
           ("cursor", "abc"), ("cursor", "1."), ("cursor", ".1"),
           ("cursor", "1.2.3"), ("cursor", "-1.2"), ("cursor", ""),
           ("cursor", "1.did:plc:abc")]
    for i, (k, v) in enumerate(bad, 1):
        with w.case("listspaces-2.%d" % i, "%s=%r is 400 naming %s" % (
                k, v, k)):
            r = call(w, LIST_SPACES, u, query={k: v})
            expect_error(r, 400, "InvalidRequest")
            expect(k in r.json["message"], "message %r" %
                   r.json["message"])

    with w.case("listspaces-3.1", "limit 3 over four spaces: 3, then 1 "
                "without a cursor"):
        got, pages = page_all(w, LIST_SPACES, u, {}, "spaces", 3)
        expect(pages == 2, "%d pages" % pages)
        expect([s["uri"] for s in got] == [d, c, b, a], "spaces %r" %
               [s["uri"] for s in got])
    with w.case("listspaces-3.2", "limit equal to the count: no cursor"):
        j = ls(limit="4")
        expect(len(j["spaces"]) == 4 and "cursor" not in j,
               "%d spaces, cursor %r" % (len(j["spaces"]), j.get("cursor")))
    with w.case("listspaces-3.3", "limits 1 and 200 are accepted"):
        expect(len(ls(limit="1")["spaces"]) == 1, "limit 1")
        expect(len(ls(limit="200")["spaces"]) == 4, "limit 200")

    v = w.identity()
    ok(w, CREATE, v, body={"key": "seed"})
    t = db_rows(w, "SELECT created_at FROM space WHERE owner_did = ?",
                (v.did,))[0][0] - 1000
    with db_rw(w) as con:
        con.execute("BEGIN IMMEDIATE")
        for n in range(55):
            cur = con.execute(
                "INSERT INTO space (owner_did, type, skey, created_at)"
                " VALUES (?, 'com.example.same', ?, ?)",
                (v.did, "same%02d" % n, t))
            con.execute("INSERT INTO member (space_id, did, added_at,"
                        " added_by) VALUES (?, ?, ?, ?)",
                        (cur.lastrowid, v.did, t, v.did))
        con.execute("COMMIT")
    want = ["at://%s/%s/%s" % (v.did, ty, k) for ty, k in db_rows(
        w, "SELECT type, skey FROM space WHERE owner_did = ?"
        " ORDER BY created_at DESC, id DESC", (v.did,))]
    with w.case("listspaces-3.4", "no limit: 50 spaces and a cursor"):
        j = ok(w, LIST_SPACES, v, query={})
        expect(len(j["spaces"]) == 50, "%d spaces" % len(j["spaces"]))
        expect(isinstance(j.get("cursor"), str), "no cursor")
    with w.case("listspaces-3.5", "56 spaces, 55 in one millisecond, "
                "limit 7: each once, in order"):
        got, pages = page_all(w, LIST_SPACES, v, {}, "spaces", 7)
        got = [s["uri"] for s in got]
        expect(len(got) == len(set(got)), "%d repeats" % (
            len(got) - len(set(got))))
        expect(got == want, "order differs at %s" % next(
            (i for i, (x, y) in enumerate(zip(got, want)) if x != y),
            "the end (%d of %d)" % (len(got), len(want))))
        expect(pages == 8, "%d pages" % pages)


def deletespace(w):
    owner, member = w.identity(), w.identity()
    key = unique("del")
    uri = ok(w, CREATE, owner, body={"key": key})["space"]["uri"]
    keep = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                          "did": member.did}))
    for who, sp in ((owner, uri), (member, uri), (owner, keep)):
        ok(w, PUT, who, body={"spaceUri": sp, "collection": "com.example.d",
                              "rkey": "x", "record": {"a": 1}})
    sid = db_space_id(w, uri)
    db_insert_records(w, sid, "com.example.e", [
        (member.did, "e%d" % i, "{}", 5) for i in range(20)])
    kid = db_space_id(w, keep)
    before = [db_rows(w, "SELECT count(*) FROM %s WHERE space_id = ?" % t,
                      (kid,))[0][0] for t in ("member", "record")]

    with w.case("deletespace-1.1", "the owner deletes: {\"ok\": true}"):
        expect_okay(call(w, DELETE_SPACE, owner, body={"spaceUri": uri}))
    with w.case("deletespace-1.2", "no space, member or record row of it "
                "is left"):
        left = [(t, db_rows(w, "SELECT count(*) FROM %s WHERE %s = ?" % (
            t, col), (sid,))[0][0]) for t, col in (
            ("space", "id"), ("member", "space_id"),
            ("record", "space_id"))]
        expect(all(n == 0 for _, n in left), "left: %r" % left)
    with w.case("deletespace-1.3", "the other space keeps its members and "
                "records"):
        after = [db_rows(w, "SELECT count(*) FROM %s WHERE space_id = ?" %
                         t, (kid,))[0][0] for t in ("member", "record")]
        expect(after == before, "member, record rows %r -> %r" % (
            before, after))
    calls = [
        (GET_SPACE, owner, {"query": {"uri": uri}}),
        (WHOAMI, member, {"query": {"spaceUri": uri}}),
        (LIST_RECORDS, owner, {"query": {"spaceUri": uri,
                                         "collection": "com.example.d"}}),
        (LIST_MEMBERS, member, {"query": {"spaceUri": uri}}),
        (PUT, member, {"body": {"spaceUri": uri, "collection":
                                "com.example.d", "record": {}}}),
        (DELETE_SPACE, owner, {"body": {"spaceUri": uri}}),
    ]
    for i, (nsid, who, kw) in enumerate(calls, 4):
        with w.case("deletespace-1.%d" % i, "afterwards %s is 404" %
                    nsid.rsplit(".", 1)[1]):
            expect_error(call(w, nsid, who, **kw), 404, "NotFound")
    with w.case("deletespace-1.10", "the member's listSpaces no longer has "
                "it"):
        expect(uri not in uris(ok(w, LIST_SPACES, member, query={})),
               "still listed")
    with w.case("deletespace-1.11", "the key may be used again: a new, "
                "empty space"):
        again = ok(w, CREATE, owner, body={"key": key})["space"]["uri"]
        expect(again == uri, "uri %r" % again)
        j = ok(w, LIST_RECORDS, owner, query={"spaceUri": uri,
                                              "collection": "com.example.d"})
        expect_same(j, {"records": []}, "listRecords")
        m = ok(w, LIST_MEMBERS, owner, query={"spaceUri": uri})["members"]
        expect([x["did"] for x in m] == [owner.did], "members %r" % m)
        expect_same(ok(w, WHOAMI, member, query={"spaceUri": uri}),
                    {"isOwner": False, "isMember": False}, "whoami")
    with w.case("deletespace-1.12", "spaceUri missing is 400 naming it"):
        r = call(w, DELETE_SPACE, owner, body={})
        expect_error(r, 400, "InvalidRequest")
        expect("spaceUri" in r.json["message"], "message %r" %
               r.json["message"])


def whoami(w):
    owner, member = w.identity(), w.identity()
    owner2 = w.identity()
    uri = ok(w, CREATE, owner, body={})["space"]["uri"]
    expect_okay(call(w, ADD, owner, body={"spaceUri": uri,
                                          "did": member.did}))
    with w.case("whoami-1.1", "owner, member and stranger flags"):
        for who, want in ((owner, (True, True)), (member, (False, True)),
                          (owner2, (False, False))):
            expect_same(ok(w, WHOAMI, who, query={"spaceUri": uri}),
                        {"isOwner": want[0], "isMember": want[1]},
                        "whoami")
    with w.case("whoami-1.2", "an unknown space is 404 NotFound, for "
                "anyone"):
        for who in (owner, owner2):
            expect_error(call(w, WHOAMI, who, query={
                "spaceUri": unknown_space(owner.did)}), 404, "NotFound")
    with w.case("whoami-1.3", "another owner's DID in the same URI is "
                "404"):
        expect_error(call(w, WHOAMI, owner2, query={
            "spaceUri": uri.replace(owner.did, owner2.did)}), 404,
            "NotFound")


def run(w):
    getspace(w)
    listspaces(w)
    deletespace(w)
    whoami(w)

# atspace: ISC licence, see README.md.
"""
Who may call what: one table of endpoint x role -> expected answer, for
every method the service routes (core/xrpc.c xrpc_methods). Each row
runs on a fresh Scene (spaceapi_util): a space with its owner, a member,
a member removed after writing, and a stranger. A refused row must leave
every table as it was; so must a read.

  roles-1   coverage: every routed NSID has a row for each of the four
            roles, and every row names a routed NSID
  roles-2   the rows, in the order of ROWS: status, error name, and what
            the answer says (whoami's flags, appPolicy only to the
            owner, the space in listSpaces only for those inside); for
            issue 4, uploadBlob, getBlob and listBlobs for owner and
            members only, the invite methods for the owner only, and
            redeem for anyone signed in (removed members and strangers
            join and spend a use; the owner and members spend none)
"""

import os

from harness import expect, expect_error, expect_ok, expect_same
from spaceapi_util import (ADD, COLL, CREATE, DELETE_RECORD, DELETE_SPACE,
                           GET, GET_BLOB, GET_SPACE, INVITE_CREATE,
                           INVITE_LIST, INVITE_REDEEM, INVITE_REVOKE,
                           LEAVE, LIST_BLOBS, LIST_MEMBERS, LIST_RECORDS,
                           LIST_SPACES, PUT, REMOVE, ROLES, UPLOAD_BLOB,
                           WHOAMI, Cast, Scene, call, cid_raw, db_rows,
                           db_space_id, fresh_did, ok, routed_nsids,
                           unique)

# The record each role deletes in the deleteRecord rows: its own.
OWN_RKEY = {"owner": "o", "member": "m", "removed": "r", "stranger": "s"}


def req_create(sc, role):
    return {"body": {"key": unique("roles")}}


def req_get_space(sc, role):
    return {"query": {"uri": sc.uri}}


def req_list_spaces(sc, role):
    return {"query": {}}


def req_delete_space(sc, role):
    return {"body": {"spaceUri": sc.uri}}


def req_add(sc, role):
    return {"body": {"spaceUri": sc.uri, "did": fresh_did()}}


def req_remove(sc, role):
    return {"body": {"spaceUri": sc.uri, "did": sc.cast.member.did}}


def req_leave(sc, role):
    return {"body": {"spaceUri": sc.uri}}


def req_space_q(sc, role):
    return {"query": {"spaceUri": sc.uri}}


def req_put(sc, role):
    return {"body": {"spaceUri": sc.uri, "collection": COLL,
                     "rkey": "new", "record": {"n": 1}}}


def req_get(sc, role):
    return {"query": {"spaceUri": sc.uri, "collection": COLL,
                      "author": sc.cast.member.did, "rkey": "m"}}


def req_list_records(sc, role):
    return {"query": {"spaceUri": sc.uri, "collection": COLL}}


def req_delete_record(sc, role):
    return {"body": {"spaceUri": sc.uri, "collection": COLL,
                     "rkey": OWN_RKEY[role]}}


# Issue 4. Builders that need a blob or an invite make it as the
# owner or the member before the row's call, so a refused row still
# finds every table as it was; what they made is kept on the scene.

def png():
    """Fresh bytes of an allowed type, so each CID is new."""
    return b"\x89PNG\r\n\x1a\n" + os.urandom(32)


def req_upload(sc, role):
    sc.blob = png()
    return {"body": sc.blob, "query": {"spaceUri": sc.uri},
            "ctype": "image/png"}


def put_blob(sc):
    """The member uploads a blob; returns its CID."""
    sc.blob = png()
    j = ok(sc.w, UPLOAD_BLOB, sc.cast.member, body=sc.blob,
           query={"spaceUri": sc.uri}, ctype="image/png")
    return j["blob"]["ref"]["$link"]


def req_get_blob(sc, role):
    sc.cid = put_blob(sc)
    return {"query": {"spaceUri": sc.uri, "cid": sc.cid}}


def req_list_blobs(sc, role):
    sc.cid = put_blob(sc)
    return {"query": {"spaceUri": sc.uri}}


def make_invite(sc):
    """The owner makes a join invite; its token and hash on the scene."""
    j = ok(sc.w, INVITE_CREATE, sc.cast.owner, body={"spaceUri": sc.uri})
    sc.token, sc.hash = j["token"], j["invite"]["tokenHash"]


def req_invite_create(sc, role):
    return {"body": {"spaceUri": sc.uri, "note": "roles"}}


def req_invite_list(sc, role):
    make_invite(sc)
    return {"query": {"spaceUri": sc.uri}}


def req_invite_revoke(sc, role):
    make_invite(sc)
    return {"body": {"spaceUri": sc.uri, "tokenHash": sc.hash}}


def req_invite_redeem(sc, role):
    make_invite(sc)
    return {"body": {"token": sc.token}}


# What a successful answer must say, beyond 200.

def chk_ok_true(sc, role, j):
    expect_same(j, {"ok": True}, "answer")


def chk_space_view(sc, role, j):
    v = j.get("space")
    expect(isinstance(v, dict), "no space view: %r" % j)
    expect(v.get("uri") == sc.uri, "uri %r" % v.get("uri"))
    if role == "owner":
        expect_same(v.get("appPolicy"), Scene.POLICY, "owner's appPolicy")
    else:
        expect("appPolicy" not in v, "a %s sees appPolicy" % role)


def chk_in_list(sc, role, j):
    uris = [s.get("uri") for s in j.get("spaces", [])]
    inside = role in ("owner", "member")
    expect((sc.uri in uris) == inside, "%s: space %s in listSpaces" % (
        role, "missing" if inside else "present"))


def chk_whoami(sc, role, j):
    want = {"owner": (True, True), "member": (False, True)}.get(
        role, (False, False))
    expect_same(j, {"isOwner": want[0], "isMember": want[1]}, "whoami")


def chk_members(sc, role, j):
    dids = sorted(m.get("did") for m in j.get("members", []))
    want = sorted((sc.cast.owner.did, sc.cast.member.did))
    expect(dids == want, "members %r, want %r" % (dids, want))


def chk_record(sc, role, j):
    expect_same(j.get("record", {}).get("record"), {"by": "member"},
                "record")


def chk_records(sc, role, j):
    got = sorted(r.get("rkey") for r in j.get("records", []))
    expect(got == ["m", "o", "r"], "rkeys %r" % got)


def chk_put(sc, role, j):
    expect(j.get("authorDid") == sc.cast.who(role).did, "authorDid %r" %
           j.get("authorDid"))


def chk_created(sc, role, j):
    expect(j.get("space", {}).get("ownerDid") == sc.cast.who(role).did,
           "ownerDid %r" % j.get("space", {}).get("ownerDid"))


def chk_deleted_space(sc, role, j):
    chk_ok_true(sc, role, j)
    left = db_rows(sc.w, "SELECT count(*) FROM space WHERE id = ?",
                   (sc.space_id,))[0][0]
    expect(left == 0, "the space row is still there")


def chk_left(sc, role, j):
    chk_ok_true(sc, role, j)
    r = call(sc.w, WHOAMI, sc.cast.member, query={"spaceUri": sc.uri})
    expect_same(expect_ok(r), {"isOwner": False, "isMember": False},
                "whoami after leaving")


def chk_removed(sc, role, j):
    chk_ok_true(sc, role, j)
    r = call(sc.w, WHOAMI, sc.cast.member, query={"spaceUri": sc.uri})
    expect_same(expect_ok(r), {"isOwner": False, "isMember": False},
                "the member's whoami after removal")


def chk_record_gone(sc, role, j):
    chk_ok_true(sc, role, j)
    r = call(sc.w, GET, sc.cast.owner, query={
        "spaceUri": sc.uri, "collection": COLL,
        "author": sc.cast.who(role).did, "rkey": OWN_RKEY[role]})
    expect_error(r, 404, "NotFound")


def chk_uploaded(sc, role, j):
    cid = cid_raw(sc.blob)
    expect_same(j, {"blob": {"$type": "blob", "ref": {"$link": cid},
                             "mimeType": "image/png",
                             "size": len(sc.blob)}}, "blob ref")
    got = db_rows(sc.w, "SELECT author_did FROM blob WHERE space_id = ? "
                  "AND cid = ?", (sc.space_id, cid))
    expect(got == [(sc.cast.who(role).did,)], "blob rows %r" % got)


def chk_blob_bytes(sc, role, r):
    """getBlob answers with the bytes, not JSON."""
    expect(r.status == 200 and r.body == sc.blob, r.describe())
    expect_same(r.headers.get("content-type"), "image/png", "type")
    expect_same(r.headers.get("etag"), '"%s"' % sc.cid, "ETag")


chk_blob_bytes.raw = True


def chk_blobs(sc, role, j):
    got = [(b.get("cid"), b.get("authorDid")) for b in j.get("blobs", [])]
    expect(got == [(sc.cid, sc.cast.member.did)], "blobs %r" % got)


def chk_invite_made(sc, role, j):
    v = j.get("invite", {})
    expect(isinstance(j.get("token"), str) and j["token"], "no token")
    expect_same((v.get("spaceUri"), v.get("createdBy"), v.get("kind"),
                 v.get("note")), (sc.uri, sc.cast.owner.did, "join",
                                  "roles"), "inviteView")


def chk_invites(sc, role, j):
    got = [v.get("tokenHash") for v in j.get("invites", [])]
    expect(got == [sc.hash], "invites %r, want [%s]" % (got, sc.hash))


def invite_row(sc):
    return db_rows(sc.w, "SELECT used_count, revoked_at FROM invite "
                   "WHERE token_hash = ?", (sc.hash,))


def chk_revoked(sc, role, j):
    chk_ok_true(sc, role, j)
    row = invite_row(sc)
    expect(len(row) == 1 and row[0][1], "invite row %r" % row)


def chk_redeemed(sc, role, j):
    expect_same(j, {"spaceUri": sc.uri, "kind": "join"}, "answer")
    r = call(sc.w, WHOAMI, sc.cast.who(role), query={"spaceUri": sc.uri})
    expect_same(expect_ok(r), {"isOwner": role == "owner",
                               "isMember": True}, "whoami after redeem")
    # Only a caller who was outside spends a use.
    uses = 1 if role in ("removed", "stranger") else 0
    row = invite_row(sc)
    expect(len(row) == 1 and row[0][0] == uses, "invite row %r, want "
           "used_count %d" % (row, uses))


F403 = (403, "Forbidden", None)

# endpoint -> (request builder, {role: (status, error, check)}, writes):
# writes is True when a 200 changes the database.
ROWS = [
    (CREATE, req_create, dict.fromkeys(ROLES, (200, None, chk_created)),
     True),
    (GET_SPACE, req_get_space, {
        "owner": (200, None, chk_space_view),
        "member": (200, None, chk_space_view),
        "removed": F403, "stranger": F403}, False),
    (LIST_SPACES, req_list_spaces, dict.fromkeys(
        ROLES, (200, None, chk_in_list)), False),
    (DELETE_SPACE, req_delete_space, {
        "owner": (200, None, chk_deleted_space),
        "member": F403, "removed": F403, "stranger": F403}, True),
    (ADD, req_add, {
        "owner": (200, None, chk_ok_true),
        "member": F403, "removed": F403, "stranger": F403}, True),
    (REMOVE, req_remove, {
        "owner": (200, None, chk_removed),
        "member": F403, "removed": F403, "stranger": F403}, True),
    (LEAVE, req_leave, {
        "owner": (400, "InvalidRequest", None),
        "member": (200, None, chk_left),
        "removed": F403, "stranger": F403}, True),
    (LIST_MEMBERS, req_space_q, {
        "owner": (200, None, chk_members),
        "member": (200, None, chk_members),
        "removed": F403, "stranger": F403}, False),
    (WHOAMI, req_space_q, dict.fromkeys(ROLES, (200, None, chk_whoami)),
     False),
    (PUT, req_put, {
        "owner": (200, None, chk_put), "member": (200, None, chk_put),
        "removed": F403, "stranger": F403}, True),
    (GET, req_get, {
        "owner": (200, None, chk_record), "member": (200, None, chk_record),
        "removed": F403, "stranger": F403}, False),
    (LIST_RECORDS, req_list_records, {
        "owner": (200, None, chk_records),
        "member": (200, None, chk_records),
        "removed": F403, "stranger": F403}, False),
    (DELETE_RECORD, req_delete_record, {
        "owner": (200, None, chk_record_gone),
        "member": (200, None, chk_record_gone),
        "removed": F403, "stranger": F403}, True),
    (UPLOAD_BLOB, req_upload, {
        "owner": (200, None, chk_uploaded),
        "member": (200, None, chk_uploaded),
        "removed": F403, "stranger": F403}, True),
    (GET_BLOB, req_get_blob, {
        "owner": (200, None, chk_blob_bytes),
        "member": (200, None, chk_blob_bytes),
        "removed": F403, "stranger": F403}, False),
    (LIST_BLOBS, req_list_blobs, {
        "owner": (200, None, chk_blobs),
        "member": (200, None, chk_blobs),
        "removed": F403, "stranger": F403}, False),
    (INVITE_CREATE, req_invite_create, {
        "owner": (200, None, chk_invite_made),
        "member": F403, "removed": F403, "stranger": F403}, True),
    (INVITE_LIST, req_invite_list, {
        "owner": (200, None, chk_invites),
        "member": F403, "removed": F403, "stranger": F403}, False),
    (INVITE_REVOKE, req_invite_revoke, {
        "owner": (200, None, chk_revoked),
        "member": F403, "removed": F403, "stranger": F403}, True),
    (INVITE_REDEEM, req_invite_redeem, dict.fromkeys(
        ROLES, (200, None, chk_redeemed)), True),
]


def label(nsid):
    """The method's name; invite.create, not a bare "create"."""
    parts = nsid.split(".")
    return ".".join(parts[-2:]) if parts[-2] == "invite" else parts[-1]


def run(w):
    with w.case("roles-1.1", "every routed NSID has a row for each role, "
                "and every row is routed"):
        routed = routed_nsids()
        expect(len(routed) >= 13, "only %d NSIDs parsed out of "
               "core/xrpc.c: %r" % (len(routed), routed))
        have = {n: set(t) for n, _, t, _ in ROWS}
        gaps = ["%s (%s)" % (n, ", ".join(sorted(set(ROLES) -
                have.get(n, set()))))
                for n in routed if set(ROLES) - have.get(n, set())]
        expect(not gaps, "no role rows for " + "; ".join(gaps))
        extra = sorted(set(have) - set(routed))
        expect(not extra, "rows for unrouted NSIDs: " + ", ".join(extra))

    cast = Cast(w)
    i = 0
    for nsid, build, table, writes in ROWS:
        for role in ROLES:
            if role not in table:
                continue
            status, error, check = table[role]
            i += 1
            with w.case("roles-2.%d" % i, "%s as %s: %d%s" % (
                    label(nsid), role, status,
                    " " + error if error else "")):
                sc = Scene(w, cast)
                sc.space_id = db_space_id(w, sc.uri)
                req = build(sc, role)
                if status == 200 and writes:
                    r = call(w, nsid, cast.who(role), **req)
                else:
                    with w.unchanged():
                        r = call(w, nsid, cast.who(role), **req)
                if status == 200 and getattr(check, "raw", False):
                    check(sc, role, r)
                elif status == 200:
                    check(sc, role, expect_ok(r))
                else:
                    expect_error(r, status, error)

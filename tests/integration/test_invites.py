# atspace: ISC licence, see README.md.
"""
Invites (issue 4): rsvp.atmo.invite.create, list, revoke, redeem, and
the read grants getSpace, getRecord and listRecords take instead of a
JWT. Through nginx with real tokens.

Groups:
  invite-1   create: token shape, only the hash stored, roles, input rules
  invite-2   list: owner only, newest first, paging, includeRevoked
  invite-3   revoke: owner of the invite's own space only (two spaces,
             each owner tries the other's), idempotent, 404, spaceUri
  invite-4   redeem: joins, no use spent by members and the owner, one
             InvalidInvite answer for every failure, 10 concurrent
             redeemers of a maxUses 1 invite, read-join
  invite-5   read grants: query and Bearer forms, no uses spent, other
             space, join token, revoked, expired, no writes, no token
             in the log
"""

import hashlib
import re
import sqlite3
import threading
import time
import urllib.parse

from harness import (Client, expect, expect_error, expect_ok, expect_same,
                     now_ms)
from spaceapi_util import (GET, GET_SPACE, LIST_RECORDS, PUT, WHOAMI,
                           call)

I = "rsvp.atmo.invite."
CREATE, LIST, REVOKE, REDEEM = (I + "create", I + "list", I + "revoke",
                                I + "redeem")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43,}$")
INVALID = "InvalidInvite"


def create(w, owner, uri, **fields):
    body = {"spaceUri": uri}
    body.update(fields)
    return expect_ok(call(w, CREATE, owner, body=body))


def redeem(w, who, token, client=None):
    return call(w, REDEEM, who, body={"token": token}, client=client)


def is_member(w, who, uri):
    return expect_ok(call(w, WHOAMI, who, query={"spaceUri": uri}))[
        "isMember"]


def invites(w, owner, uri, **q):
    q["spaceUri"] = uri
    return expect_ok(call(w, LIST, owner, query=q))


def by_hash(w, owner, uri, h):
    for v in invites(w, owner, uri, includeRevoked="true",
                     limit="200")["invites"]:
        if v["tokenHash"] == h:
            return v
    return None


def grant(w, nsid, token, query, bearer=False):
    q = dict(query)
    headers = None
    if bearer:
        headers = {"Authorization": "Bearer atmo-invite:" + token}
    else:
        q["inviteToken"] = token
    return w.xrpc(nsid, None, query=q, headers=headers)


def run(w):
    owner = w.identity()
    member = w.identity()
    stranger = w.identity()
    uri = w.create_space(owner, appPolicy={"mode": "allow", "apps": []}
                         )["uri"]
    w.add_member(owner, uri, member.did)

    # invite-1: create.
    with w.case("invite-1.1", "create: a 256-bit base64url token once, "
                "an inviteView, kind join by default"):
        t0 = now_ms()
        out = create(w, owner, uri, note="for the guests")
        tok, v = out["token"], out["invite"]
        expect(TOKEN_RE.match(tok), "token %r is not >= 43 base64url "
               "characters" % tok)
        for k in ("tokenHash", "spaceUri", "kind", "createdBy",
                  "createdAt", "usedCount"):
            expect(k in v, "inviteView lacks " + k + ": %r" % v)
        expect_same(v["kind"], "join", "default kind")
        expect_same(v["spaceUri"], uri, "spaceUri")
        expect_same(v["createdBy"], owner.did, "createdBy")
        expect_same(v["usedCount"], 0, "usedCount")
        expect_same(v["note"], "for the guests", "note")
        expect(t0 - 5 <= v["createdAt"] <= now_ms() + 5, "createdAt %r"
               % v["createdAt"])
        expect("expiresAt" not in v and "maxUses" not in v and
               "revokedAt" not in v, "unset fields shown: %r" % v)
        expect_same(v["tokenHash"], hashlib.sha256(tok.encode())
                    .hexdigest(), "tokenHash (hex SHA-256 of the token)")
        first_tok = tok

    with w.case("invite-1.2", "only the hash is stored: the token is in "
                "no table"):
        con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(
            w.svc.db_path), uri=True, timeout=10)
        try:
            hits = []
            for (t,) in con.execute("SELECT name FROM sqlite_master "
                                    "WHERE type = 'table'"):
                for row in con.execute('SELECT * FROM "%s"' % t):
                    if any(isinstance(x, str) and first_tok in x
                           for x in row):
                        hits.append(t)
        finally:
            con.close()
        expect(not hits, "token stored in " + ", ".join(hits))

    with w.case("invite-1.3", "create: member and stranger 403, no token "
                "401, unknown space 404"):
        for who in (member, stranger):
            expect_error(call(w, CREATE, who, body={"spaceUri": uri}), 403,
                         "Forbidden")
        expect_error(w.xrpc(CREATE, None, body={"spaceUri": uri}), 401)
        expect_error(call(w, CREATE, owner, body={
            "spaceUri": uri + "x"}), 404, "NotFound")

    with w.case("invite-1.4", "create: kind, accessLevel, expiresAt, "
                "maxUses and note rules (400), nothing written"):
        bad = [{"kind": "admin"}, {"kind": 3}, {"accessLevel": "member"},
               {"expiresAt": now_ms() - 1000}, {"expiresAt": 1.5e12 * 2},
               {"expiresAt": "tomorrow"}, {"maxUses": 0},
               {"maxUses": -3}, {"maxUses": 1.5}, {"note": "x" * 501},
               {"note": 7}]
        with w.unchanged():
            for f in bad:
                b = {"spaceUri": uri}
                b.update(f)
                r = call(w, CREATE, owner, body=b)
                expect_error(r, 400, "InvalidRequest")
        # 500 characters, not bytes: the issue counts characters.
        v = create(w, owner, uri, note="é" * 500, kind="read",
                   maxUses=2, expiresAt=now_ms() + 3600000)["invite"]
        expect_same(v["note"], "é" * 500, "500-character note")
        expect_same(v["kind"], "read", "kind")
        expect_same(v["maxUses"], 2, "maxUses")

    # invite-2: list.
    with w.case("invite-2.1", "list: owner only (member, stranger 403)"):
        for who in (member, stranger):
            expect_error(call(w, LIST, who, query={"spaceUri": uri}), 403,
                         "Forbidden")

    with w.case("invite-2.2", "list: newest first, paged by cursor, "
                "revoked ones only with includeRevoked=true"):
        o2 = w.identity()
        u2 = w.create_space(o2)["uri"]
        made = [create(w, o2, u2, note="n%d" % i)["invite"]["tokenHash"]
                for i in range(5)]
        expect_ok(call(w, REVOKE, o2, body={"tokenHash": made[1]}))
        seen, cur = [], None
        for _ in range(10):
            q = {"limit": "2"}
            if cur:
                q["cursor"] = cur
            page = invites(w, o2, u2, includeRevoked="true", **q)
            expect(len(page["invites"]) <= 2, "page over limit")
            seen += [v["tokenHash"] for v in page["invites"]]
            cur = page.get("cursor")
            if not cur:
                break
        expect_same(seen, made[::-1], "all pages, newest first")
        plain = [v["tokenHash"] for v in invites(w, o2, u2)["invites"]]
        expect_same(plain, [h for h in made[::-1] if h != made[1]],
                    "without includeRevoked")
        expect_error(call(w, LIST, o2, query={"spaceUri": u2,
                     "includeRevoked": "yes"}), 400, "InvalidRequest")

    # invite-3: revoke.
    a, b = w.identity(), w.identity()
    ua = w.create_space(a)["uri"]
    ub = w.create_space(b)["uri"]
    ha = create(w, a, ua)["invite"]["tokenHash"]
    hb = create(w, b, ub)["invite"]["tokenHash"]

    with w.case("invite-3.1", "two spaces: each owner revoking the other's "
                "invite gets 403, whatever spaceUri says"):
        for who, h, own in ((a, hb, ua), (b, ha, ub)):
            for body in ({"tokenHash": h}, {"tokenHash": h,
                         "spaceUri": own}):
                expect_error(call(w, REVOKE, who, body=body), 403,
                             "Forbidden")
        expect("revokedAt" not in by_hash(w, a, ua, ha), "a's invite "
               "was revoked by b")
        expect("revokedAt" not in by_hash(w, b, ub, hb), "b's invite "
               "was revoked by a")

    with w.case("invite-3.2", "revoke: the owner may, twice, and the "
                "first revokedAt stays"):
        expect_same(expect_ok(call(w, REVOKE, a, body={
            "tokenHash": ha, "spaceUri": ua})), {"ok": True}, "revoke")
        first = by_hash(w, a, ua, ha)["revokedAt"]
        time.sleep(0.01)
        expect_same(expect_ok(call(w, REVOKE, a, body={"tokenHash": ha})),
                    {"ok": True}, "second revoke")
        expect_same(by_hash(w, a, ua, ha)["revokedAt"], first, "revokedAt")

    with w.case("invite-3.3", "revoke: unknown hash 404, malformed 400, "
                "member 403, spaceUri of another space 400"):
        expect_error(call(w, REVOKE, a, body={"tokenHash": "0" * 64}), 404,
                     "NotFound")
        expect_error(call(w, REVOKE, a, body={"tokenHash": "xyz"}), 400,
                     "InvalidRequest")
        expect_error(call(w, REVOKE, member, body={
            "tokenHash": by_hash(w, owner, uri, hashlib.sha256(
                first_tok.encode()).hexdigest())["tokenHash"]}), 403,
            "Forbidden")
        expect_error(call(w, REVOKE, b, body={"tokenHash": hb,
                     "spaceUri": ua}), 400, "InvalidRequest")
        expect("revokedAt" not in by_hash(w, b, ub, hb), "revoked anyway")

    # invite-4: redeem.
    with w.case("invite-4.1", "redeem: a join invite makes the caller a "
                "member and counts one use"):
        guest = w.identity()
        out = expect_ok(redeem(w, guest, first_tok))
        expect_same(out, {"spaceUri": uri, "kind": "join"}, "answer")
        expect(is_member(w, guest, uri), "not a member after redeem")
        v = by_hash(w, owner, uri, hashlib.sha256(first_tok.encode())
                    .hexdigest())
        expect_same(v["usedCount"], 1, "usedCount")
        first_guest = guest

    with w.case("invite-4.2", "redeem: members, the new one and the owner "
                "spend no use"):
        for who in (first_guest, member, owner):
            expect_ok(redeem(w, who, first_tok))
        v = by_hash(w, owner, uri, hashlib.sha256(first_tok.encode())
                    .hexdigest())
        expect_same(v["usedCount"], 1, "usedCount")

    with w.case("invite-4.3", "redeem failures: unknown, malformed, "
                "expired, revoked, exhausted, read-only: one 400 "
                "InvalidInvite answer, no member added"):
        soon = create(w, owner, uri, expiresAt=now_ms() + 1200)["token"]
        revoked = create(w, owner, uri)
        expect_ok(call(w, REVOKE, owner, body={
            "tokenHash": revoked["invite"]["tokenHash"]}))
        one = create(w, owner, uri, maxUses=1)["token"]
        expect_ok(redeem(w, w.identity(), one))
        readonly = create(w, owner, uri, kind="read")["token"]
        time.sleep(1.4)
        cases = {"unknown": "A" * 43, "malformed": "not a token",
                 "expired": soon, "revoked": revoked["token"],
                 "exhausted": one, "read-only": readonly}
        answers = set()
        guest = w.identity()
        for name, t in cases.items():
            r = redeem(w, guest, t)
            expect(r.status == 400 and r.error == INVALID, "%s: %s" % (
                name, r.describe()))
            answers.add(r.body)
        expect(len(answers) == 1, "answers differ: %r" % answers)
        expect(not is_member(w, guest, uri), "guest became a member")

    with w.case("invite-4.4", "redeem: no token 401, missing field 400"):
        expect_error(w.xrpc(REDEEM, None, body={"token": first_tok}), 401)
        expect_error(call(w, REDEEM, stranger, body={}), 400,
                     "InvalidRequest")

    with w.case("invite-4.5", "maxUses 1 redeemed by 10 callers at once: "
                "exactly one joins"):
        tok = create(w, owner, uri, maxUses=1)["token"]
        callers = [w.identity() for _ in range(10)]
        tokens = [c.token(REDEEM) for c in callers]
        results = [None] * 10
        gate = threading.Barrier(10)

        def go(i):
            cl = Client(w.svc.port)
            try:
                gate.wait(10)
                results[i] = w.xrpc(REDEEM, None, body={"token": tok},
                                    token=tokens[i], client=cl)
            finally:
                cl.close()
        threads = [threading.Thread(target=go, args=(i,))
                   for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        ok = [i for i, r in enumerate(results) if r and r.status == 200]
        bad = [r for r in results if r and r.status == 400 and
               r.error == INVALID]
        expect(len(ok) == 1 and len(bad) == 9, "answers: %r" % [
            r.describe() if r else None for r in results])
        joined = [c for c in callers if is_member(w, c, uri)]
        expect_same([c.did for c in joined], [callers[ok[0]].did],
                    "members among the 10")
        v = by_hash(w, owner, uri, hashlib.sha256(tok.encode())
                    .hexdigest())
        expect_same(v["usedCount"], 1, "usedCount")

    with w.case("invite-4.6", "redeem: read-join joins too"):
        tok = create(w, owner, uri, kind="read-join")["token"]
        guest = w.identity()
        expect_same(expect_ok(redeem(w, guest, tok)), {
            "spaceUri": uri, "kind": "read-join"}, "answer")
        expect(is_member(w, guest, uri), "not a member")

    # invite-5: read grants.
    rkey = "grant1"
    expect_ok(w.put(owner, uri, "app.test.note", {"text": "hi"}, rkey=rkey))
    rq = {"spaceUri": uri, "collection": "app.test.note",
          "author": owner.did, "rkey": rkey}
    lq = {"spaceUri": uri, "collection": "app.test.note"}
    made = create(w, owner, uri, kind="read", maxUses=1)
    rtok, rhash = made["token"], made["invite"]["tokenHash"]

    with w.case("invite-5.1", "read grant: getSpace, getRecord and "
                "listRecords by inviteToken and by Bearer atmo-invite:"):
        for bearer in (False, True):
            s = expect_ok(grant(w, GET_SPACE, rtok, {"uri": uri},
                                bearer))["space"]
            expect_same(s["uri"], uri, "getSpace uri")
            expect("appPolicy" not in s, "appPolicy shown to a grant")
            rec = expect_ok(grant(w, GET, rtok, rq, bearer))["record"]
            expect_same(rec["record"], {"text": "hi"}, "record")
            lst = expect_ok(grant(w, LIST_RECORDS, rtok, lq, bearer))
            expect(len(lst["records"]) >= 1, "no records listed")

    with w.case("invite-5.2", "read grant: reads spend no uses, even past "
                "maxUses"):
        for _ in range(3):
            expect_ok(grant(w, GET_SPACE, rtok, {"uri": uri}))
        expect_same(by_hash(w, owner, uri, rhash)["usedCount"], 0,
                    "usedCount")

    with w.case("invite-5.3", "read grant: another space 403, a join "
                "token 401, a bad token 401, both forms at once 400"):
        expect_error(grant(w, GET_SPACE, rtok, {"uri": ua}), 403,
                     "Forbidden")
        jt = create(w, owner, uri)["token"]
        expect_error(grant(w, GET_SPACE, jt, {"uri": uri}), 401)
        expect_error(grant(w, GET_SPACE, "B" * 43, {"uri": uri}, True),
                     401)
        expect_error(w.xrpc(GET_SPACE, None, query={
            "uri": uri, "inviteToken": rtok}, headers={
            "Authorization": "Bearer atmo-invite:" + rtok}), 400,
            "InvalidRequest")

    with w.case("invite-5.4", "read grant: no writes, not even with the "
                "Bearer form"):
        r = w.xrpc(PUT, None, body={"spaceUri": uri,
                   "collection": "app.test.note", "record": {"a": 1}},
                   headers={"Authorization": "Bearer atmo-invite:" + rtok})
        expect_error(r, 401)

    with w.case("invite-5.5", "read grant: revoked and expired grants "
                "stop working"):
        expect_ok(call(w, REVOKE, owner, body={"tokenHash": rhash}))
        expect_error(grant(w, GET_SPACE, rtok, {"uri": uri}), 401)
        expect_error(grant(w, GET, rtok, rq, True), 401)
        soon = create(w, owner, uri, kind="read-join",
                      expiresAt=now_ms() + 1000)["token"]
        expect_ok(grant(w, LIST_RECORDS, soon, lq))
        time.sleep(1.2)
        expect_error(grant(w, LIST_RECORDS, soon, lq), 401)

    with w.case("invite-5.6", "no invite token appears in the service "
                "log"):
        log = w.svc.log_text()
        for t in (first_tok, rtok, soon):
            expect(t not in log, "token found in atspace.log")

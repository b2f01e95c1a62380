# atspace: ISC licence, see README.md.
"""
Helpers shared by the test_spaceapi_* scenarios (the rest of the space
API, issue 3, and the blobs and invites of issue 4): one name per
method, a token cache, a scene of four roles
around one space, direct SQLite access for what HTTP cannot arrange
(a thousand rows in one millisecond) or show (rows left behind), a
small DAG-CBOR encoder to predict record CIDs, and the list of NSIDs
the service routes, read out of core/xrpc.c.

  NSID constants          CREATE, GET_SPACE, ... DELETE_RECORD, WHOAMI,
                          UPLOAD_BLOB, GET_BLOB, LIST_BLOBS, INVITE_*
  Calls                   call(w, nsid, who, body=, query=): cached
                          tokens, so a long paging loop mints once
  Scene                   owner, member, removed member, stranger
  db_*                    read-write SQLite beside the running service
  dagcbor, cid_for        what a record's CID must be
  cid_raw, blob_links     what a blob's CID must be; the blob refs of
                          a record
  routed_nsids            the method table of core/xrpc.c
"""

import base64
import contextlib
import hashlib
import itertools
import os
import re
import sqlite3
import time
import urllib.parse

from harness import (ROOT, expect, expect_ok, expect_same,
                     random_plc_did)

P = "rsvp.atmo.space."
CREATE = P + "createSpace"
GET_SPACE = P + "getSpace"
LIST_SPACES = P + "listSpaces"
DELETE_SPACE = P + "deleteSpace"
ADD = P + "addMember"
REMOVE = P + "removeMember"
LEAVE = P + "leaveSpace"
LIST_MEMBERS = P + "listMembers"
WHOAMI = "rsvp.atmo.spaceExt.whoami"
PUT = P + "putRecord"
GET = P + "getRecord"
LIST_RECORDS = P + "listRecords"
DELETE_RECORD = P + "deleteRecord"
UPLOAD_BLOB = P + "uploadBlob"
GET_BLOB = P + "getBlob"
LIST_BLOBS = P + "listBlobs"
INVITE_CREATE = "rsvp.atmo.invite.create"
INVITE_LIST = "rsvp.atmo.invite.list"
INVITE_REVOKE = "rsvp.atmo.invite.revoke"
INVITE_REDEEM = "rsvp.atmo.invite.redeem"

ROLES = ("owner", "member", "removed", "stranger")
NO_SHARED = "no atproto-interop in the shared dir (set ATSPACE_SHARED)"

_serial = itertools.count(1)


def unique(prefix="k"):
    """A record or space key nobody used in this run."""
    return "%s%d-%d" % (prefix, os.getpid(), next(_serial))


# Tokens: mintjwt costs a process per call, and a paging loop makes
# hundreds of calls. Tokens live 300 s; renew well before that.

_tokens = {}
TOKEN_TTL = 200


def token(who, nsid):
    k = (who.did, who.key, nsid)
    t = _tokens.get(k)
    if t is None or time.time() - t[1] > TOKEN_TTL:
        t = (who.token(nsid), time.time())
        _tokens[k] = t
    return t[0]


def call(w, nsid, who=None, body=None, query=None, **kw):
    """w.xrpc with a cached token for who (None: no token at all)."""
    if who is not None and "token" not in kw:
        kw["token"] = token(who, kw.pop("lxm", None) or nsid)
    return w.xrpc(nsid, None, body=body, query=query, **kw)


def ok(w, nsid, who, body=None, query=None, **kw):
    return expect_ok(call(w, nsid, who, body=body, query=query, **kw))


def expect_okay(r):
    """A {"ok": true} answer."""
    expect_same(expect_ok(r), {"ok": True}, "answer")


def split_uri(uri):
    """(owner, type, key) of at://owner/type/key or ats://..."""
    rest = uri.split("://", 1)[1]
    return tuple(rest.split("/"))


def alias(uri):
    """The ats:// form of an at:// space URI."""
    return "ats://" + uri[len("at://"):]


def unknown_space(owner_did):
    return "at://%s/com.example.space/%s" % (owner_did, unique("none"))


# A scene: one space with an owner, a member, a member who was removed
# after writing, and a stranger; each of the first three wrote one record
# (rkeys "o", "m", "r") in COLL.

COLL = "com.example.scene"


class Cast:
    """Four identities, made once and reused across scenes."""

    def __init__(self, w):
        self.owner = w.identity()
        self.member = w.identity()
        self.removed = w.identity()
        self.stranger = w.identity()

    def who(self, role):
        return getattr(self, role)


class Scene:
    POLICY = {"mode": "deny", "apps": ["did:web:app.example.com"]}

    def __init__(self, w, cast):
        self.w, self.cast = w, cast
        self.view = ok(w, CREATE, cast.owner, body={
            "key": unique("scene"), "appPolicy": self.POLICY})["space"]
        self.uri = self.view["uri"]
        for m in (cast.member, cast.removed):
            expect_okay(call(w, ADD, cast.owner, body={
                "spaceUri": self.uri, "did": m.did}))
        for role, rkey in (("owner", "o"), ("member", "m"),
                           ("removed", "r")):
            ok(w, PUT, cast.who(role), body={
                "spaceUri": self.uri, "collection": COLL, "rkey": rkey,
                "record": {"by": role}})
        expect_okay(call(w, REMOVE, cast.owner, body={
            "spaceUri": self.uri, "did": cast.removed.did}))


# SQLite beside the running service (WAL: readers and one writer at a
# time; the service waits busy_timeout for our short transactions).

@contextlib.contextmanager
def db_rw(w):
    con = sqlite3.connect(w.svc.db_path, timeout=10, isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def db_ro(w):
    return sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(
        w.svc.db_path), uri=True, timeout=10)


def db_space_id(w, uri):
    owner, typ, key = split_uri(uri)
    con = db_ro(w)
    try:
        row = con.execute("SELECT id FROM space WHERE owner_did = ? AND "
                          "type = ? AND skey = ?", (owner, typ, key)
                          ).fetchone()
    finally:
        con.close()
    expect(row is not None, "no space row for " + uri)
    return row[0]


def db_rows(w, sql, args=()):
    con = db_ro(w)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def db_insert_records(w, space_id, collection, rows):
    """rows: (author, rkey, body json text, created_at); one transaction."""
    with db_rw(w) as con:
        con.execute("BEGIN IMMEDIATE")
        con.executemany(
            "INSERT INTO record (space_id, collection, author_did, rkey,"
            " cid, body, created_at) VALUES (?, ?, ?, ?, NULL, ?, ?)",
            [(space_id, collection, a, k, b, t) for a, k, b, t in rows])
        con.execute("COMMIT")


# DAG-CBOR for the JSON data model: integers, strings, booleans, null,
# arrays, maps (keys sorted by length, then bytes), {"$link"} as tag 42
# and {"$bytes"} as a byte string. No floats: records may not hold them.

B32 = "abcdefghijklmnopqrstuvwxyz234567"


def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError("integer beyond 64 bits")


def b32_decode(s):
    bits = n = 0
    out = bytearray()
    for ch in s:
        n = n << 5 | B32.index(ch)
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append(n >> bits & 0xff)
    return bytes(out)


def b32_encode(data):
    out, bits, n = [], 0, 0
    for byte in data:
        n = n << 8 | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append(B32[n >> bits & 31])
    if bits:
        out.append(B32[n << (5 - bits) & 31])
    return "".join(out)


def dagcbor(v):
    if v is None:
        return b"\xf6"
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _head(3, len(b)) + b
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(dagcbor(x) for x in v)
    if isinstance(v, dict):
        if list(v) == ["$link"]:
            cid = b"\x00" + b32_decode(v["$link"][1:])
            return b"\xd8\x2a" + _head(2, len(cid)) + cid
        if list(v) == ["$bytes"]:
            s = v["$bytes"]
            b = base64.b64decode(s + "=" * (-len(s) % 4))
            return _head(2, len(b)) + b
        keys = sorted(v, key=lambda k: (len(k.encode()), k.encode()))
        return _head(5, len(v)) + b"".join(
            dagcbor(k) + dagcbor(v[k]) for k in keys)
    raise ValueError("not in the data model: %r" % (v,))


def cid_for(record):
    """CIDv1, dag-cbor codec, sha-256, base32: what recordView.cid is."""
    digest = hashlib.sha256(dagcbor(record)).digest()
    return "b" + b32_encode(b"\x01\x71\x12\x20" + digest)


def cid_raw(data):
    """CIDv1, raw codec, sha-256, base32: what a blob ref's $link is."""
    return "b" + b32_encode(b"\x01\x55\x12\x20" +
                            hashlib.sha256(data).digest())


def blob_links(v):
    """The $link of every blob ref ({"$type": "blob", "ref": {"$link":
    CID}, ...}) anywhere in v, in document order: the CIDs putRecord
    checks against the space's uploaded blobs."""
    if isinstance(v, list):
        return [c for x in v for c in blob_links(x)]
    if not isinstance(v, dict):
        return []
    if v.get("$type") == "blob":
        ref = v.get("ref")
        return [ref.get("$link")] if isinstance(ref, dict) else []
    return [c for x in v.values() for c in blob_links(x)]


# The method table.

def routed_nsids():
    """The NSIDs in xrpc_methods[] of core/xrpc.c, in table order."""
    with open(os.path.join(ROOT, "core", "xrpc.c"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"xrpc_methods\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    expect(m is not None, "no xrpc_methods[] table in core/xrpc.c")
    body = re.sub(r"/\*.*?\*/", "", m.group(1), flags=re.S)
    return re.findall(r'\{\s*"([^"]+)"', body)


def fresh_did():
    return random_plc_did()


def page_all(w, nsid, who, query, key, limit, max_pages=1000,
             between=None):
    """Follows cursors from the first page; returns (items, pages).
    Fails on a page larger than limit, an empty page that still has a
    cursor, or a loop. between(i) runs after page i."""
    items, cursor, pages = [], None, 0
    seen = set()
    while True:
        q = dict(query, limit=str(limit))
        if cursor is not None:
            q["cursor"] = cursor
        j = ok(w, nsid, who, query=q)
        page = j.get(key)
        expect(isinstance(page, list), "%s is not a list: %r" % (key, j))
        expect(len(page) <= limit, "page of %d for limit %d" % (
            len(page), limit))
        items.extend(page)
        pages += 1
        cursor = j.get("cursor")
        if cursor is None:
            return items, pages
        expect(isinstance(cursor, str) and cursor,
               "cursor %r" % (cursor,))
        expect(page, "an empty page with a cursor")
        expect(cursor not in seen, "cursor %r came back" % cursor)
        seen.add(cursor)
        expect(pages < max_pages, "more than %d pages" % max_pages)
        if between is not None:
            between(pages)

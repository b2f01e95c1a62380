# atspace: ISC licence, see README.md.
"""
Blobs (issue 4): rsvp.atmo.space.uploadBlob, getBlob, listBlobs, the
blob refs putRecord checks, and the orphan pass. Through nginx with
real tokens; the orphan pass runs in a second service started with a
short grace period and maintenance interval.

Groups:
  blob-1   uploadBlob: the blob ref, the CID, the file on disk, roles,
           MIME allow-list, size limit with and without Content-Length
  blob-2   getBlob: bytes and headers, attachment for active types, read
           grants, 404 and 400
  blob-3   listBlobs: members only, newest first, paging, byUser
  blob-4   putRecord: refs to this space's blobs only, naming the CID
  blob-5   the orphan pass: exactly the unreferenced blobs past their
           grace, rows and files; deleteSpace; shared bytes
"""

import base64
import hashlib
import http.client
import os
import sqlite3
import time
import urllib.parse

from harness import (Service, expect, expect_error, expect_ok, expect_same)
from spaceapi_util import DELETE_RECORD, DELETE_SPACE, call

P = "rsvp.atmo.space."
UPLOAD, GET_BLOB, LIST_BLOBS = (P + "uploadBlob", P + "getBlob",
                                P + "listBlobs")
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
LIMIT = 2 * 1048576


def cid_raw(data):
    """CIDv1, raw codec, sha2-256, base32 lower case."""
    b = bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(b).decode().lower().rstrip("=")


def upload(w, who, uri, data, ctype="image/png", svc=None):
    return call(w, UPLOAD, who, body=data, query={"spaceUri": uri},
                ctype=ctype, svc=svc)


def get_blob(w, who, uri, cid, svc=None, **q):
    q.update({"spaceUri": uri, "cid": cid})
    return call(w, GET_BLOB, who, query=q, svc=svc)


def ref(cid, mime="image/png", size=1):
    return {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime,
            "size": size}


def blob_dir(svc):
    return os.path.join(svc.state, "blobs")


def rows(svc, sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(
        svc.db_path), uri=True, timeout=10)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def chunked_upload(w, who, uri, size):
    """POST without Content-Length: Transfer-Encoding: chunked."""
    tok = who.token(UPLOAD)
    conn = http.client.HTTPConnection("127.0.0.1", w.svc.port, timeout=30)
    try:
        def chunks():
            left = size
            while left > 0:
                n = min(left, 65536)
                yield b"\0" * n
                left -= n
        conn.request("POST", "/xrpc/%s?spaceUri=%s" % (
            UPLOAD, urllib.parse.quote(uri, safe="")), body=chunks(),
            headers={"Content-Type": "image/png",
                     "Authorization": "Bearer " + tok},
            encode_chunked=True)
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type", ""), r.read()
    finally:
        conn.close()


def run(w):
    owner, member, stranger = w.identity(), w.identity(), w.identity()
    uri = w.create_space(owner)["uri"]
    w.add_member(owner, uri, member.did)
    cid = cid_raw(PNG)

    # blob-1: uploadBlob.
    with w.case("blob-1.1", "upload: the atproto blob ref, CIDv1 raw "
                "sha-256, the file under its CID beside the database"):
        out = expect_ok(upload(w, member, uri, PNG))
        expect_same(out, {"blob": {"$type": "blob", "ref": {
            "$link": cid}, "mimeType": "image/png", "size": len(PNG)}},
            "uploadBlob output")
        path = os.path.join(blob_dir(w.svc), cid)
        expect(os.path.isfile(path), "no file " + path)
        with open(path, "rb") as f:
            expect(f.read() == PNG, "stored bytes differ")
        left = [n for n in os.listdir(blob_dir(w.svc)) if n.startswith(".")]
        expect(not left, "temporary files left: %r" % left)

    with w.case("blob-1.2", "upload: owner may, stranger 403, no token "
                "401, unknown space 404"):
        expect_ok(upload(w, owner, uri, PNG))
        expect_error(upload(w, stranger, uri, PNG), 403, "Forbidden")
        expect_error(w.xrpc(UPLOAD, None, body=PNG, ctype="image/png",
                     query={"spaceUri": uri}), 401)
        expect_error(upload(w, owner, uri + "x", PNG), 404, "NotFound")

    with w.case("blob-1.3", "upload: MIME allow-list (400 InvalidMimeType)"
                ", parameters and case normalised, nothing written"):
        with w.unchanged():
            for ct in ("text/html", "image/svg+xml", "application/json",
                       None, "", "image/png2"):
                r = upload(w, member, uri, b"<svg/>", ctype=ct)
                expect_error(r, 400, "InvalidMimeType")
            expect_error(upload(w, member, uri, b""), 400)
        other = b"GIF89a" + os.urandom(16)
        out = expect_ok(upload(w, member, uri, other,
                               ctype="IMAGE/GIF; charset=binary"))
        expect_same(out["blob"]["mimeType"], "image/gif", "mimeType")

    with w.case("blob-1.4", "upload over the limit with Content-Length: "
                "413 BlobTooLarge; exactly the limit is taken"):
        expect_error(upload(w, member, uri, b"\0" * (LIMIT + 1)), 413,
                     "BlobTooLarge")
        expect_ok(upload(w, member, uri, b"\1" * LIMIT))

    with w.case("blob-1.5", "upload over the limit without Content-Length "
                "(chunked): 413 BlobTooLarge"):
        status, ctype, body = chunked_upload(w, member, uri, LIMIT + 4096)
        expect(status == 413 and b"BlobTooLarge" in body,
               "got %d %s %r" % (status, ctype, body[:200]))

    # blob-2: getBlob.
    with w.case("blob-2.1", "getBlob: the bytes, stored type, nosniff, "
                "sandbox CSP, strong ETag, inline image, no CORS"):
        r = get_blob(w, member, uri, cid)
        expect(r.status == 200, r.describe())
        expect(r.body == PNG, "body differs")
        expect_same(r.headers.get("content-type"), "image/png", "type")
        expect_same(r.headers.get("x-content-type-options"), "nosniff",
                    "nosniff")
        expect_same(r.headers.get("content-security-policy"), "sandbox",
                    "CSP")
        expect_same(r.headers.get("etag"), '"%s"' % cid, "ETag")
        expect("content-disposition" not in r.headers,
               "png served as attachment")
        expect("access-control-allow-origin" not in r.headers,
               "CORS header sent")

    with w.case("blob-2.2", "getBlob: stranger 403, no token 401, unknown "
                "CID 404, bad CID 400"):
        expect_error(get_blob(w, stranger, uri, cid), 403, "Forbidden")
        expect_error(w.xrpc(GET_BLOB, None, query={"spaceUri": uri,
                     "cid": cid}), 401)
        expect_error(get_blob(w, owner, uri, cid_raw(b"nope")), 404,
                     "NotFound")
        expect_error(get_blob(w, owner, uri, "bafy-not"), 400,
                     "InvalidRequest")

    with w.case("blob-2.3", "getBlob with a read grant; revoked grant "
                "401; a join token 401"):
        out = expect_ok(call(w, "rsvp.atmo.invite.create", owner, body={
            "spaceUri": uri, "kind": "read"}))
        q = {"spaceUri": uri, "cid": cid, "inviteToken": out["token"]}
        r = w.xrpc(GET_BLOB, None, query=q)
        expect(r.status == 200 and r.body == PNG, r.describe())
        r = w.xrpc(GET_BLOB, None, query={"spaceUri": uri, "cid": cid},
                   headers={"Authorization": "Bearer atmo-invite:" +
                            out["token"]})
        expect(r.status == 200 and r.body == PNG, r.describe())
        expect_ok(call(w, "rsvp.atmo.invite.revoke", owner, body={
            "tokenHash": out["invite"]["tokenHash"]}))
        expect_error(w.xrpc(GET_BLOB, None, query=q), 401)
        join = expect_ok(call(w, "rsvp.atmo.invite.create", owner, body={
            "spaceUri": uri}))["token"]
        q["inviteToken"] = join
        expect_error(w.xrpc(GET_BLOB, None, query=q), 401)

    # blob-3: listBlobs.
    with w.case("blob-3.1", "listBlobs: members only, blobInfo, newest "
                "first, paged, byUser"):
        o3 = w.identity()
        u3 = w.create_space(o3)["uri"]
        w.add_member(o3, u3, member.did)
        made = []
        for i in range(5):
            who = o3 if i % 2 == 0 else member
            data = b"\x89PNG" + os.urandom(20)
            expect_ok(upload(w, who, u3, data))
            made.append((cid_raw(data), who.did, len(data)))
        expect_error(call(w, LIST_BLOBS, stranger, query={
            "spaceUri": u3}), 403, "Forbidden")
        seen, cur = [], None
        for _ in range(10):
            q = {"spaceUri": u3, "limit": "2"}
            if cur:
                q["cursor"] = cur
            page = expect_ok(call(w, LIST_BLOBS, member, query=q))
            expect(len(page["blobs"]) <= 2, "page over limit")
            seen += page["blobs"]
            cur = page.get("cursor")
            if not cur:
                break
        expect_same([b["cid"] for b in seen], [m[0] for m in made[::-1]],
                    "cids, newest first")
        for b, m in zip(seen, made[::-1]):
            expect_same(sorted(b), ["authorDid", "cid", "createdAt",
                                    "mimeType", "size"], "blobInfo keys")
            expect_same((b["authorDid"], b["size"], b["mimeType"]),
                        (m[1], m[2], "image/png"), "blobInfo")
        mine = expect_ok(call(w, LIST_BLOBS, o3, query={
            "spaceUri": u3, "byUser": member.did}))["blobs"]
        expect_same([b["cid"] for b in mine], [m[0] for m in made[::-1]
                     if m[1] == member.did], "byUser")

    # blob-4: putRecord's blob refs.
    o4 = w.identity()
    u4 = w.create_space(o4)["uri"]
    foreign = b"\x89PNG" + os.urandom(30)
    expect_ok(upload(w, o4, u4, foreign))
    fcid = cid_raw(foreign)

    with w.case("blob-4.1", "putRecord: refs to this space's blobs, "
                "anywhere in the record, are taken"):
        rec = {"text": "pic", "embed": {"images": [{"image": ref(cid)}]},
               "avatar": ref(cid)}
        expect_ok(w.put(member, uri, "app.test.post", rec, rkey="p1"))

    with w.case("blob-4.2", "putRecord: a blob of another space, or of "
                "none, is 400 naming the CID; nothing written"):
        with w.unchanged():
            for bad in (fcid, cid_raw(b"never uploaded")):
                rec = {"embed": {"images": [{"image": ref(cid)},
                                            {"image": ref(bad)}]}}
                r = w.put(member, uri, "app.test.post", rec, rkey="p2")
                expect_error(r, 400, "InvalidRequest")
                expect(bad in r.json["message"], "message does not name "
                       "the CID: " + r.describe())
            r = w.put(member, uri, "app.test.post",
                      {"x": {"$type": "blob", "ref": "nope"}}, rkey="p2")
            expect_error(r, 400, "InvalidRequest")

    with w.case("blob-4.3", "putRecord: the same ref from its own space is "
                "taken there"):
        expect_ok(w.put(o4, u4, "app.test.post", {"i": ref(fcid)},
                        rkey="p1"))

    # blob-5: the orphan pass, in a service of its own.
    grace = 4
    env = {"ATSPACE_BLOB_GRACE": str(grace), "ATSPACE_MAINT_INTERVAL": "1",
           "ATSPACE_BLOB_TYPES": "image/png,image/svg+xml,text/html,"
           "application/pdf,video/mp4"}
    svc = Service(w.plc, w.base, "blobs-maint", env=env)
    try:
        svc.start()
        maint(w, svc, grace)
    finally:
        svc.stop()


def has_file(svc, cid):
    return os.path.exists(os.path.join(blob_dir(svc), cid))


def has_row(svc, cid):
    return bool(rows(svc, "SELECT 1 FROM blob WHERE cid = ?", (cid,)))


def wait_for(pred, secs):
    end = time.time() + secs
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def maint(w, svc, grace):
    o = w.identity()
    uri = w.create_space(o, svc=svc)["uri"]

    with w.case("blob-2.4", "getBlob: SVG, HTML and PDF as attachment, "
                "video inline"):
        for ct, data, attach in (("image/svg+xml", b"<svg/>", True),
                                 ("text/html", b"<p>x</p>", True),
                                 ("application/pdf", b"%PDF-1.4", True),
                                 ("video/mp4", b"\0\0\0\x18ftyp", False)):
            c = expect_ok(upload(w, o, uri, data, ctype=ct, svc=svc))[
                "blob"]["ref"]["$link"]
            r = get_blob(w, o, uri, c, svc=svc)
            expect(r.status == 200, r.describe())
            expect_same(r.headers.get("content-type"), ct, "type")
            expect_same(r.headers.get("content-disposition") is not None,
                        attach, ct + " attachment")
            expect_same(r.headers.get("content-security-policy"),
                        "sandbox", "CSP")

    kept_ref = b"\x89PNG kept " + os.urandom(16)
    orphan = b"\x89PNG orphan " + os.urandom(16)
    dropped = b"\x89PNG dropped " + os.urandom(16)
    shared = b"\x89PNG shared " + os.urandom(16)
    fresh = b"\x89PNG fresh " + os.urandom(16)
    k, orph, drop, sh, fr = map(cid_raw, (kept_ref, orphan, dropped,
                                          shared, fresh))
    o2 = w.identity()
    uri2 = w.create_space(o2, svc=svc)["uri"]
    for data in (kept_ref, orphan, dropped, shared):
        expect_ok(upload(w, o, uri, data, svc=svc))
    expect_ok(upload(w, o2, uri2, shared, svc=svc))
    expect_ok(w.put(o, uri, "app.test.post", {"a": ref(k)}, rkey="k",
                    svc=svc))
    expect_ok(w.put(o, uri, "app.test.post", {"a": ref(drop)}, rkey="d",
                    svc=svc))
    expect_ok(w.put(o2, uri2, "app.test.post", {"a": ref(sh)}, rkey="s",
                    svc=svc))
    # The record that referenced drop goes: its blob is an orphan again.
    expect_ok(call(w, DELETE_RECORD, o, body={
        "spaceUri": uri, "collection": "app.test.post", "rkey": "d"},
        svc=svc))

    with w.case("blob-5.1", "orphan pass: nothing goes within the grace"):
        time.sleep(1.5)
        for c in (k, orph, drop, sh):
            expect(has_row(svc, c) and has_file(svc, c), c + " gone early")

    time.sleep(grace)
    expect_ok(upload(w, o, uri, fresh, svc=svc))

    with w.case("blob-5.2", "orphan pass: exactly the unreferenced blobs "
                "past their grace go, rows and files"):
        expect(wait_for(lambda: not has_row(svc, orph) and
                        not has_row(svc, drop), 4), "orphans still there")
        for c in (orph, drop):
            expect(not has_file(svc, c), "file of %s still there" % c)
        for c in (k, sh, fr):
            expect(has_row(svc, c) and has_file(svc, c),
                   "%s was removed" % c)
        r = get_blob(w, o, uri, orph, svc=svc)
        expect_error(r, 404, "NotFound")
        r = get_blob(w, o, uri, k, svc=svc)
        expect(r.status == 200 and r.body == kept_ref, r.describe())
        left = [n for n in os.listdir(blob_dir(svc)) if n.startswith(".")]
        expect(not left, "stray files: %r" % left)

    with w.case("blob-5.3", "deleteSpace: its blobs go; bytes another "
                "space holds stay"):
        expect_ok(call(w, DELETE_SPACE, o, body={"spaceUri": uri},
                       svc=svc))
        expect(wait_for(lambda: not has_file(svc, k) and
                        not has_file(svc, fr), 4), "files of the deleted "
               "space still there")
        expect(has_file(svc, sh) and has_row(svc, sh), "the shared file "
               "went with the other space")
        r = get_blob(w, o2, uri2, sh, svc=svc)
        expect(r.status == 200 and r.body == shared, r.describe())

    with w.case("blob-5.4", "orphan pass: one worker per interval (the "
                "claim row moves on)"):
        t1 = rows(svc, "SELECT last_run FROM maint WHERE name = 'blobs'")
        time.sleep(2.2)
        t2 = rows(svc, "SELECT last_run FROM maint WHERE name = 'blobs'")
        expect(t1 and t2 and t2[0][0] > t1[0][0], "last_run %r then %r"
               % (t1, t2))
        expect(t2[0][0] - t1[0][0] >= 1000, "ran twice within the "
               "interval: %r %r" % (t1, t2))

# atspace: ISC licence, see README.md.
"""
Identity faults (issue 6), beyond test_auth's auth-2: for each way the
PLC directory can fail, a createSpace signed by an issuer it cannot
resolve gets a 401 whose message says what went wrong, within the fetch
timeout; nothing is written and no document is cached for the issuer;
the workers go on serving; and once the directory serves a good
document the same issuer is accepted (a bad answer was not kept).

  identfault-1  faults on the shared PLC: slow past the timeout,
                garbage bytes, an HTML page, a JSON array, a document
                with no verification methods, #atproto without a key,
                a key of an unknown type, an Ed25519 Multikey, a
                secp256k1 Multikey off the curve, a document over 64 kB
  identfault-2  the directory down (connection refused), on a service
                of its own
"""

import sqlite3
import time
import urllib.parse

import harness
from harness import (FETCH_TIMEOUT_MS, PlcReply, expect, expect_error,
                     expect_ok)

CREATE = "rsvp.atmo.space.createSpace"
TIMEOUT = FETCH_TIMEOUT_MS / 1000.0
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(data):
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def with_vm(ident, **vm):
    doc = ident.doc()
    doc["verificationMethod"] = [dict(doc["verificationMethod"][0], **vm)]
    return doc


def faults(ident):
    """(label, PlcReply, words one of which the message must hold)."""
    doc = ident.doc()
    return [
        ("slower than the fetch timeout", PlcReply(
            doc=doc, delay=TIMEOUT + 1.5), ("timed out",)),
        ("garbage bytes", PlcReply(body=b"\x00\xff\xfe garbage {"),
         ("document", "json", "JSON", "parse")),
        ("an HTML page", PlcReply(body=b"<html><body>oops</body></html>"),
         ("document", "json", "JSON", "parse")),
        ("a JSON array", PlcReply(body=b"[1, 2, 3]"),
         ("document", "object")),
        ("no verification methods", PlcReply(doc=dict(
            doc, verificationMethod=[])), ("atproto", "key")),
        ("#atproto without publicKeyMultibase", PlcReply(doc={
            k: v for k, v in with_vm(ident).items()} | {
            "verificationMethod": [{"id": "#atproto", "type": "Multikey",
                                    "controller": ident.did}]}),
         ("atproto", "key")),
        ("a key type atspace does not know", PlcReply(doc=with_vm(
            ident, type="Ed25519VerificationKey2020")), ("atproto", "key")),
        ("an Ed25519 Multikey", PlcReply(doc=with_vm(
            ident, publicKeyMultibase="z" + b58(b"\xed\x01" +
                                                bytes(range(32))))),
         ("atproto", "key")),
        ("a secp256k1 Multikey off the curve", PlcReply(doc=with_vm(
            ident, publicKeyMultibase="z" + b58(b"\xe7\x01\x02" +
                                                b"\xff" * 32))),
         ("atproto", "key")),
        ("a document over 64 kB", PlcReply(doc=dict(
            doc, padding="x" * 70000)), ("too large",)),
    ]


def cached(svc, did):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(
        svc.db_path), uri=True, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM did_cache WHERE did = ?",
                           (did,)).fetchone()[0]
    finally:
        con.close()


def snapshot(svc):
    """harness.db_snapshot without the tables the service's own
    maintenance pass writes (blob maintenance runs at start)."""
    return {t: v for t, v in harness.db_snapshot(svc.db_path).items()
            if "maint" not in t}


def try_fault(w, svc, ident, words):
    """One request under the fault: 401, in time, nothing kept."""
    before = snapshot(svc)
    t0 = time.time()
    r = w.xrpc(CREATE, ident, body={}, svc=svc)
    secs = time.time() - t0
    d = harness.db_diff(before, snapshot(svc))
    expect(d == "", "a rejected request wrote: " + d)
    expect_error(r, 401)
    msg = r.json["message"]
    expect(any(x in msg for x in words), "message %r names none of %s" % (
        msg, words))
    expect(secs < TIMEOUT + 1.0, "answered after %.1f s (timeout %.1f)" % (
        secs, TIMEOUT))
    expect(cached(svc, ident.did) == 0, "a document is cached for " +
           ident.did)


def serves_on(w, svc, good):
    """Every worker (six requests over three) still answers at once."""
    for _ in range(6):
        t0 = time.time()
        r = w.xrpc(CREATE, good, body={}, svc=svc)
        expect_ok(r)
        expect(time.time() - t0 < 1.0, "a good request took %.1f s" % (
            time.time() - t0))


def run(w):
    good = w.identity()
    n = 0
    for label, reply, words in faults(w.identity(publish=False)):
        n += 1
        with w.case("identfault-1.%d" % n, "PLC answers %s: 401 within "
                    "the timeout, nothing cached, workers serve on, the "
                    "good document is accepted later" % label):
            ident = w.identity(publish=False)
            # The reply was built for another identity; rebuild it.
            reply = dict((lbl, rep) for lbl, rep, _ in faults(ident))[label]
            w.plc.publish(ident.did, reply)
            try_fault(w, w.svc, ident, words)
            serves_on(w, w.svc, good)
            ident.publish()
            expect_ok(w.xrpc(CREATE, ident, body={}))
    with w.case("identfault-2.1", "PLC directory down (connection "
                "refused): 401 \"directory unreachable\" at once, workers "
                "serve on"):
        svc = harness.Service(w.plc, w.base, "plcdown", env={
            "ATSPACE_PLC_URL": "http://127.0.0.1:%d" % harness.free_port()})
        try:
            svc.start()
            ident = w.identity()
            try_fault(w, svc, ident, ("unreachable",))
            try_fault(w, svc, ident, ("unreachable",))
            r = w.xrpc("rsvp.atmo.space.listSpaces", svc=svc)
            expect_error(r, 401, "AuthenticationRequired")
        finally:
            rc, _ = svc.stop()
        expect(rc == 0, "the service exited %s" % rc)

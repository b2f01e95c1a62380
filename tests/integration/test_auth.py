# atspace: ISC licence, see README.md.
"""
Service-auth tokens minted here (build/tools/mintjwt) and the DID
documents the local PLC serves for their issuers. Every token is used on
putRecord in a space its issuer owns, so only the token decides; every
rejected one must leave the database as it was.

  auth-1   token claims and signatures: what is accepted, and the 401
           error name for each defect (JwtExpired, BadJwtAudience,
           BadJwtLexiconMethod, BadJwtType, BadJwtSignature, BadJwtIss,
           BadJwt)
  auth-2   DID documents: missing, garbage, keyless, for another DID,
           slow, slower than the fetch timeout
  auth-3   the document cache: shared by the workers, refetched when a
           key rotates, never holding a failed resolution
"""

import json
import time

from harness import (FETCH_TIMEOUT_MS, PlcReply, SERVICE_DID, b64url,
                     b64url_decode, expect, expect_error, expect_ok, mint)

PUT = "rsvp.atmo.space.putRecord"
FETCH_TIMEOUT = FETCH_TIMEOUT_MS / 1000.0


def record_body(uri, rkey):
    return {"spaceUri": uri, "collection": "com.example.auth",
            "rkey": rkey, "record": {"text": rkey}}


class Bench:
    """One owner and space; accept() and reject() try a token."""

    def __init__(self, w, owner=None):
        self.w = w
        self.owner = owner or w.identity()
        self.uri = w.create_space(self.owner)["uri"]
        self.n = 0

    def _put(self, token):
        self.n += 1
        rkey = "auth-%d" % self.n
        return rkey, self.w.xrpc(PUT, body=record_body(self.uri, rkey),
                                 token=token)

    def accept(self, token, author=None):
        rkey, r = self._put(token)
        j = expect_ok(r)
        expect(j.get("authorDid") == (author or self.owner.did),
               "authorDid %r" % j.get("authorDid"))
        return rkey

    def reject(self, token, names, status=401):
        with self.w.unchanged():
            rkey, r = self._put(token)
            expect_error(r, status, names)
        g = self.w.get(self.owner, self.uri, "com.example.auth",
                       self.owner.did, rkey)
        expect_error(g, 404, "NotFound")


def resign_parts(token, header=None, payload=None):
    """The token with its header or payload replaced, signature kept."""
    h, p, s = token.split(".")
    if header is not None:
        h = b64url(json.dumps(header).encode())
    if payload is not None:
        p = b64url(json.dumps(payload).encode())
    return "%s.%s.%s" % (h, p, s)


def claims(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def run(w):
    b = Bench(w)
    o = b.owner
    now = int(time.time())

    with w.case("auth-1.1", "ES256K token from the Multikey document is "
                "accepted"):
        b.accept(o.token(PUT))
    with w.case("auth-1.2", "ES256 (P-256) identity is accepted"):
        p = Bench(w, w.identity(alg="ES256"))
        p.accept(p.owner.token(PUT))
    with w.case("auth-1.3", "verification method id \"<did>#atproto\" is "
                "accepted"):
        f = Bench(w, w.identity(vm_id="full"))
        f.accept(f.owner.token(PUT))
    with w.case("auth-1.4", "a token without typ is accepted"):
        b.accept(o.token(PUT, no_typ=True))
    with w.case("auth-1.5", "typ \"JWT\" spelled out is accepted"):
        b.accept(o.token(PUT, typ="JWT"))
    with w.case("auth-1.6", "expired an hour ago is JwtExpired"):
        b.reject(o.token(PUT, iat=now - 7200, exp=now - 3600), "JwtExpired")
    with w.case("auth-1.7", "expired 5 minutes ago is JwtExpired"):
        b.reject(o.token(PUT, iat=now - 400, exp=now - 300), "JwtExpired")
    with w.case("auth-1.8", "aud of another service is BadJwtAudience"):
        b.reject(mint(o.alg, o.key, o.did, aud="did:web:other.example.com",
                      lxm=PUT), "BadJwtAudience")
    with w.case("auth-1.9", "aud with the service DID plus #fragment is "
                "BadJwtAudience"):
        b.reject(mint(o.alg, o.key, o.did, aud=SERVICE_DID + "#x",
                      lxm=PUT), "BadJwtAudience")
    with w.case("auth-1.10", "lxm of another method is "
                "BadJwtLexiconMethod"):
        b.reject(o.token("rsvp.atmo.space.getRecord"), "BadJwtLexiconMethod")
    with w.case("auth-1.11", "no lxm is BadJwtLexiconMethod"):
        b.reject(mint(o.alg, o.key, o.did), "BadJwtLexiconMethod")
    with w.case("auth-1.12", "lxm \"*\" is BadJwtLexiconMethod"):
        b.reject(o.token("*"), "BadJwtLexiconMethod")
    with w.case("auth-1.13", "typ at+jwt is BadJwtType"):
        b.reject(o.token(PUT, typ="at+jwt"), "BadJwtType")
    with w.case("auth-1.14", "high-S signature is BadJwtSignature"):
        b.reject(o.token(PUT, high_s=True), "BadJwtSignature")
    with w.case("auth-1.15", "DER signature is BadJwtSignature"):
        b.reject(o.token(PUT, der=True), "BadJwtSignature")
    with w.case("auth-1.16", "signed by a key not in the document is "
                "BadJwtSignature"):
        stranger = w.identity(publish=False)
        b.reject(mint(o.alg, stranger.key, o.did, lxm=PUT),
                 "BadJwtSignature")
    with w.case("auth-1.17", "payload changed after signing is "
                "BadJwtSignature"):
        t = o.token(PUT)
        c = claims(t)
        c["exp"] = c["exp"] + 1
        b.reject(resign_parts(t, payload=c), "BadJwtSignature")
    with w.case("auth-1.18", "the signature segment emptied is 401"):
        t = o.token(PUT)
        b.reject(t.rsplit(".", 1)[0] + ".", {"BadJwtSignature", "BadJwt"})
    with w.case("auth-1.19", "alg none is 401"):
        t = o.token(PUT)
        b.reject(resign_parts(t, header={"typ": "JWT", "alg": "none"}),
                 {"BadJwtSignature", "BadJwt"})
    with w.case("auth-1.20", "alg ES256 over a secp256k1 key is 401"):
        b.reject(mint("ES256", o.key, o.did, lxm=PUT),
                 {"BadJwtSignature", "BadJwt"})
    with w.case("auth-1.21", "iss with a #fragment is BadJwtIss"):
        b.reject(mint(o.alg, o.key, o.did + "#atproto", lxm=PUT),
                 "BadJwtIss")
    with w.case("auth-1.22", "iss that is not a DID is 401"):
        b.reject(mint(o.alg, o.key, "alice.example.com", lxm=PUT),
                 {"BadJwtIss", "BadJwt"})
    with w.case("auth-1.23", "iat a day ahead is BadJwt"):
        b.reject(o.token(PUT, iat=now + 86400, exp=now + 90000), "BadJwt")
    with w.case("auth-1.24", "four segments is BadJwt"):
        b.reject(o.token(PUT) + ".AAAA", "BadJwt")
    with w.case("auth-1.25", "a member's token writes as the member "
                "(authorDid is the signer)"):
        m = w.identity()
        w.add_member(o, b.uri, m.did)
        b.accept(m.token(PUT), author=m.did)

    with w.case("auth-2.1", "issuer unknown to the PLC (404) is 401"):
        ghost = w.identity(publish=False)
        b.reject(ghost.token(PUT), None)
    with w.case("auth-2.2", "PLC answers garbage for the issuer: 401"):
        g = w.identity(publish=False)
        w.plc.publish(g.did, PlcReply(200, b"\x00not json{{"))
        b.reject(g.token(PUT), None)
    with w.case("auth-2.3", "document without verificationMethod: 401"):
        g = w.identity(publish=False)
        d = g.doc()
        del d["verificationMethod"]
        w.plc.publish(g.did, d)
        b.reject(g.token(PUT), None)
    with w.case("auth-2.4", "document whose only key is #other: 401"):
        g = w.identity(publish=False)
        d = g.doc()
        d["verificationMethod"][0]["id"] = "#other"
        w.plc.publish(g.did, d)
        b.reject(g.token(PUT), None)
    with w.case("auth-2.5", "document whose id is another DID: 401"):
        g = w.identity(publish=False)
        d = g.doc()
        d["id"] = w.identity(publish=False).did
        w.plc.publish(g.did, d)
        b.reject(g.token(PUT), None)
    with w.case("auth-2.6", "PLC answers 500 for the issuer: 401 or 5xx, "
                "nothing written"):
        g = w.identity(publish=False)
        w.plc.publish(g.did, PlcReply(500, b"oops"))
        with w.unchanged():
            r = w.xrpc(PUT, g, body=record_body(b.uri, "plc500"))
            expect(r.status == 401 or 500 <= r.status < 600,
                   "got " + r.describe())
    with w.case("auth-2.7", "a document served after 0.5 s is accepted"):
        s = w.identity(publish=False)
        w.plc.publish(s.did, PlcReply(200, doc=s.doc(), delay=0.5))
        w.add_member(o, b.uri, s.did)
        b.accept(s.token(PUT), author=s.did)
    with w.case("auth-2.8", "a document slower than the fetch timeout is "
                "401, in bounded time"):
        s = w.identity(publish=False)
        w.plc.publish(s.did, PlcReply(200, doc=s.doc(),
                                      delay=FETCH_TIMEOUT + 1.5))
        w.add_member(o, b.uri, s.did)
        t0 = time.time()
        b.reject(s.token(PUT), None)
        took = time.time() - t0
        expect(took < FETCH_TIMEOUT + 1.0, "answered after %.1f s" % took)

    with w.case("auth-3.1", "ten requests fetch the document at most once "
                "per worker"):
        c = Bench(w)
        for _ in range(10):
            c.accept(c.owner.token(PUT))
        hits = w.plc.hit_count(c.owner.did)
        expect(1 <= hits <= 3, "%d fetches" % hits)
    with w.case("auth-3.2", "after a key rotation the first token signed "
                "with the new key is accepted"):
        c = Bench(w)
        c.accept(c.owner.token(PUT))
        hits = w.plc.hit_count(c.owner.did)
        c.owner.rotate()
        c.accept(c.owner.token(PUT))
        expect(w.plc.hit_count(c.owner.did) > hits, "accepted without "
               "fetching the new document")
    with w.case("auth-3.3", "after the rotation is seen, the old key is "
                "BadJwtSignature"):
        c = Bench(w)
        old = c.owner.key
        c.owner.rotate()
        c.accept(c.owner.token(PUT))
        c.reject(mint(c.owner.alg, old, c.owner.did, lxm=PUT),
                 "BadJwtSignature")
    with w.case("auth-3.4", "a failed resolution is not cached: published "
                "later, the DID is accepted"):
        late = w.identity(publish=False)
        c = Bench(w)
        w.add_member(c.owner, c.uri, late.did)
        c.reject(late.token(PUT), None)
        late.publish()
        c.accept(late.token(PUT), author=late.did)
    with w.case("auth-3.5", "a rotation to a bad document does not lose "
                "the good cached key for valid tokens"):
        # Garbage from the PLC must not replace a key that still
        # verifies: tokens signed with it keep working.
        c = Bench(w)
        c.accept(c.owner.token(PUT))
        w.plc.publish(c.owner.did, PlcReply(200, b"garbage"))
        try:
            c.accept(c.owner.token(PUT))
        finally:
            c.owner.publish()

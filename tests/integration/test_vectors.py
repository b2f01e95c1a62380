# atspace: ISC licence, see README.md.
"""
The shared service-auth vectors (../shared/vectors/service-auth.json):
every token of both identities, used on putRecord, must get the verdict
in the "atspace" column of ../shared/vectors/README.md. Each document
shape gets a service of its own, so the shared DID cache cannot answer
for the other shape.

  vectors-0   set-up: the vectors are present, a service per shape starts
  vectors-1   secp256k1 identity, current Multikey document
  vectors-2   P-256 identity, current Multikey document
  vectors-3   secp256k1 identity, older EcdsaSecp256k1VerificationKey2019
              document
  vectors-4   P-256 identity, older EcdsaSecp256r1VerificationKey2019
              document
  vectors-5   graceful stop of each of those services
Case N of a group is token N of that identity's list (its name is in
the case text); the case after the last checks that the document in
that shape was fetched at all.
"""

from harness import (RawIdentity, Service, Skip, expect, expect_error,
                     expect_ok, shared_json)

PUT = "rsvp.atmo.space.putRecord"
COLL = "com.example.vector"
ANY = object()		# 401 with any error name
# The atspace column of vectors/README.md; None is acceptance.
VERDICT = {
    "valid": None,
    "typ_missing": None,
    "wrong_aud": {"BadJwtAudience"},
    "wrong_lxm": {"BadJwtLexiconMethod"},
    "missing_lxm": {"BadJwtLexiconMethod"},
    "expired": {"JwtExpired"},
    "wrong_key": {"BadJwtSignature"},
    "bad_signature": {"BadJwtSignature"},
    "high_s": {"BadJwtSignature"},
    "der_signature": {"BadJwtSignature"},
    "alg_none": {"BadJwtSignature", "BadJwt"},
    "alg_none_with_sig": {"BadJwtSignature", "BadJwt"},
    "alg_hs256_pubkey_secret": {"BadJwtSignature", "BadJwt"},
    "alg_hs256_multibase_secret": {"BadJwtSignature", "BadJwt"},
    "alg_other_curve": {"BadJwtSignature", "BadJwt"},
    "typ_at_jwt": {"BadJwtType"},
    "iss_fragment": {"BadJwtIss"},
    "payload_not_json": {"BadJwt"},
    "header_not_json": {"BadJwt"},
    "exp_missing": {"BadJwt"},
    "exp_string": {"BadJwt"},
    "two_segments": {"BadJwt"},
    "iat_far_future": {"BadJwt"},
    "iss_unregistered": ANY,
}
GROUPS = [
    (1, "secp256k1", "didDocumentMultikey"),
    (2, "p256", "didDocumentMultikey"),
    (3, "secp256k1", "didDocument"),
    (4, "p256", "didDocument"),
]


def run(w):
    vec = shared_json("vectors/service-auth.json")
    with w.case("vectors-0.1", "the shared vectors are present"):
        if vec is None:
            raise Skip("no vectors/service-auth.json in the shared dir "
                       "(set ATSPACE_SHARED); vectors-1 to -5 not run")
    if vec is None:
        return
    keys = {k["name"]: k for k in vec["keys"]}
    services = {}
    try:
        for shape in ("didDocumentMultikey", "didDocument"):
            with w.case("vectors-0.%d" % (len(services) + 2),
                        "a service for the %s shape starts" % shape):
                s = Service(w.plc, w.base, "vectors-" + shape)
                services[shape] = s
                s.start()
        for group, name, shape in GROUPS:
            svc = services[shape]
            if not svc.alive():
                continue
            run_group(w, svc, group, keys[name], shape)
    finally:
        for i, (shape, svc) in enumerate(sorted(services.items()), 1):
            with w.case("vectors-5.%d" % i, "SIGTERM: the %s service "
                        "exits 0" % shape):
                alive = svc.alive()
                rc, secs = svc.stop()
                expect(alive, "it had already exited with status %s" % rc)
                expect(rc == 0, "exit status %s after %.1f s" % (rc, secs))


def run_group(w, svc, group, key, shape):
    """Serves key's document in shape, makes a space with the vector DID
    as a member, then tries every token."""
    ident = RawIdentity(key["did"], key["jwtAlg"], key["privateKeyHex"])
    w.plc.publish(key["did"], key[shape])
    hits = w.plc.hit_count(key["did"])
    owner, uri = w.space_with(ident, svc=svc)
    n = len(key["tokens"])
    for i, tok in enumerate(key["tokens"], 1):
        verdict = VERDICT.get(tok["name"], "unknown")
        with w.case("vectors-%d.%d" % (group, i), "%s %s (%s)" % (
                key["name"], tok["name"], shape)):
            expect(verdict != "unknown", "vector %s is not in the "
                   "README table this test knows" % tok["name"])
            rkey = "v%d-%d" % (group, i)
            body = {"spaceUri": uri, "collection": COLL, "rkey": rkey,
                    "record": {"vector": tok["name"]}}
            if verdict is None:
                r = w.xrpc(PUT, body=body, token=tok["jwt"], svc=svc)
                j = expect_ok(r)
                expect(j.get("authorDid") == key["did"],
                       "authorDid %r" % j.get("authorDid"))
                continue
            with w.unchanged(svc=svc):
                r = w.xrpc(PUT, body=body, token=tok["jwt"], svc=svc)
                expect_error(r, 401, None if verdict is ANY else verdict)
            g = w.get(owner, uri, COLL, key["did"], rkey, svc=svc)
            expect_error(g, 404, "NotFound")
    with w.case("vectors-%d.%d" % (group, n + 1), "the service fetched "
                "the %s document from the PLC" % shape):
        # Otherwise the verdicts above came from some other document.
        expect(w.plc.hit_count(key["did"]) > hits, "no fetch of %s" %
               key["did"])

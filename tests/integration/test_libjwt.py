# atspace: ISC licence, see README.md.
"""
Tokens from another implementation: libjwt, the JWT library Debian
ships, mints ES256 service-auth tokens for a P-256 identity
(build/tools/libjwt-mint), and atspace must judge them as it judges its
own test minter's.

  libjwt-1   a libjwt ES256 token with a low S writes a record
  libjwt-2   a libjwt ES256 token with a high S (libjwt does not
             normalise S) is refused: atspace takes low-S only
  libjwt-3   libjwt HS256 tokens keyed with the public key, as an
             alg-confusion attack would, are refused and write nothing
"""

import os
import subprocess

from harness import ROOT, SERVICE_DID, Skip, expect, expect_error, expect_ok

PUT = "rsvp.atmo.space.putRecord"
COLL = "com.example.libjwt"
TOOL = os.path.join(ROOT, "build", "tools", "libjwt-mint")


def libjwt(*args):
    if not os.access(TOOL, os.X_OK):
        raise Skip("no %s (make builds it)" % TOOL)
    return subprocess.run([TOOL] + list(args), check=True,
                          capture_output=True, text=True).stdout.strip()


def put_with(w, token, uri, rkey):
    return w.xrpc(PUT, token=token, body={
        "spaceUri": uri, "collection": COLL, "rkey": rkey,
        "record": {"$type": COLL, "by": "libjwt"}})


def run(w):
    p256 = w.identity(alg="ES256")
    owner, uri = w.space_with(p256)
    common = ["--iss", p256.did, "--aud", SERVICE_DID, "--lxm", PUT]

    with w.case("libjwt-1.1", "a libjwt ES256 token with a low S is "
                "accepted"):
        tok = libjwt("--key", p256.key, "--low-s", *common)
        got = expect_ok(put_with(w, tok, uri, "low"))
        expect(got.get("authorDid") == p256.did, "authorDid %r" %
               got.get("authorDid"))
    with w.case("libjwt-2.1", "a libjwt ES256 token with a high S is "
                "401 BadJwtSignature and writes nothing"):
        tok = libjwt("--key", p256.key, "--high-s", *common)
        with w.unchanged():
            expect_error(put_with(w, tok, uri, "high"), 401,
                         "BadJwtSignature")
    for i, secret in enumerate((p256.pub, p256.key), 1):
        with w.case("libjwt-3.%d" % i, "a libjwt HS256 token keyed with "
                    "the %s is refused" % ("public key", "key hex")[i - 1]):
            tok = libjwt("--hs256", secret, *common)
            with w.unchanged():
                expect_error(put_with(w, tok, uri, "hs%d" % i), 401,
                             ["BadJwtSignature", "BadJwt"])

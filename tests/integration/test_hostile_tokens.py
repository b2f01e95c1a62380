# atspace: ISC licence, see README.md.
"""
The token-failure roles of the authorization matrix (issue 6), for every
method the service routes: no token, a token for another service DID, a
token for another method, an expired token and a token signed by a key
that is not the issuer's. Each request is otherwise one the owner of the
space may make (the builders of test_spaceapi_roles.ROWS, on one Scene),
so only the token decides; every answer is a 401 with the error name
below, and no table changes.

  tokens-1  coverage: every NSID of core/xrpc.c's xrpc_methods[] has a
            request builder here, so a new endpoint without rows fails
  tokens-2  the rows: endpoint x token role -> 401 and error name
"""

import time

import harness
from harness import expect, expect_error
from spaceapi_util import Cast, Scene, call, routed_nsids
import test_spaceapi_roles

OTHER_SERVICE = "did:web:other-service.example.com"

# role -> (error name, how to make the token from the owner and nsid)
TOKEN_ROLES = [
    ("none", "AuthenticationRequired", None),
    ("other-service", "BadJwtAudience",
     lambda who, nsid, other: who.token(nsid, aud=OTHER_SERVICE)),
    ("other-method", "BadJwtLexiconMethod",
     lambda who, nsid, other: who.token(other)),
    ("expired", "JwtExpired",
     lambda who, nsid, other: who.token(nsid, exp=time.time() - 3600,
                                        iat=time.time() - 7200)),
    ("foreign-key", "BadJwtSignature",
     lambda who, nsid, other: harness.mint(
         who.alg, harness._mintjwt(["--genkey"]), who.did, lxm=nsid)),
]


def builders():
    return {nsid: build for nsid, build, _, _ in test_spaceapi_roles.ROWS}


def run(w):
    nsids = routed_nsids()
    table = builders()
    with w.case("tokens-1.1", "every routed NSID has token-role rows"):
        missing = [n for n in nsids if n not in table]
        expect(not missing, "no request builder for %s" % ", ".join(
            missing))
    sc = Scene(w, Cast(w))
    n = 0
    for nsid in nsids:
        if nsid not in table:
            continue
        req = table[nsid](sc, "owner")
        other = nsids[(nsids.index(nsid) + 1) % len(nsids)]
        for role, name, make in TOKEN_ROLES:
            n += 1
            with w.case("tokens-2.%d" % n, "%s with %s token: 401 %s" % (
                    nsid, role, name)):
                with w.unchanged():
                    kw = dict(req)
                    if make is not None:
                        kw["token"] = make(sc.cast.owner, nsid, other)
                    r = call(w, nsid, None, **kw)
                    expect_error(r, 401, name)

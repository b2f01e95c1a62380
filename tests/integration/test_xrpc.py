# atspace: ISC licence, see README.md.
"""
What every XRPC request meets before a handler runs: routing, the HTTP
method, the content type, the body size, the Authorization header.
Every request here carries a valid token unless the case is about the
header, so each answer is about one thing only.

  xrpc-1   routing: an unknown NSID is 501 MethodNotImplemented
  xrpc-2   HTTP method: a procedure needs POST, a query GET (400)
  xrpc-3   content type and body syntax: application/json (charset
           allowed), one JSON object and nothing after it (400)
  xrpc-4   body size: over 1 MiB is 413 PayloadTooLarge, judged before
           the body is read; the service answers normally afterwards
  xrpc-5   Authorization: absent is 401 AuthenticationRequired, not a
           bearer JWT is 401
"""

import json

from harness import Client, expect, expect_error, expect_ok

PUT = "rsvp.atmo.space.putRecord"
GET = "rsvp.atmo.space.getRecord"
CREATE = "rsvp.atmo.space.createSpace"
MIB = 1 << 20


def padded_body(uri, size):
    """A putRecord body of exactly size bytes."""
    head = '{"spaceUri":"%s","collection":"com.example.pad",' \
        '"record":{"pad":"' % uri
    tail = '"}}'
    return (head + "a" * (size - len(head) - len(tail)) + tail).encode()


def run(w):
    owner = w.identity()
    uri = w.create_space(owner)["uri"]
    good = {"spaceUri": uri, "collection": "com.example.x",
            "record": {"a": 1}}

    with w.case("xrpc-1.1", "unknown rsvp.atmo.space NSID is 501"):
        r = w.xrpc("rsvp.atmo.space.noSuchMethod", owner, body={})
        expect_error(r, 501, "MethodNotImplemented")
    with w.case("xrpc-1.2", "unknown foreign NSID (GET) is 501"):
        r = w.xrpc("com.example.nothing.here", owner)
        expect_error(r, 501, "MethodNotImplemented")
    with w.case("xrpc-1.3", "unknown NSID without a token is still 501"):
        expect_error(w.xrpc("com.example.nothing.here"), 501,
                     "MethodNotImplemented")

    with w.case("xrpc-2.1", "GET on a procedure (createSpace) is 400"):
        expect_error(w.xrpc(CREATE, owner), 400, "InvalidRequest")
    with w.case("xrpc-2.2", "GET on putRecord is 400"):
        expect_error(w.xrpc(PUT, owner), 400, "InvalidRequest")
    with w.case("xrpc-2.3", "POST on a query (getRecord) is 400"):
        r = w.xrpc(GET, owner, body={}, query={
            "spaceUri": uri, "collection": "com.example.x",
            "author": owner.did, "rkey": "k"})
        expect_error(r, 400, "InvalidRequest")
    with w.case("xrpc-2.4", "PUT and DELETE on putRecord are 400"):
        with w.unchanged():
            for m in ("PUT", "DELETE"):
                expect_error(w.xrpc(PUT, owner, body=good, method=m), 400,
                             "InvalidRequest")

    with w.case("xrpc-3.1", "POST without Content-Type is 400"):
        with w.unchanged():
            expect_error(w.xrpc(PUT, owner, body=good, ctype=None), 400,
                         "InvalidRequest")
    with w.case("xrpc-3.2", "Content-Type text/plain is 400"):
        with w.unchanged():
            expect_error(w.xrpc(PUT, owner, body=good, ctype="text/plain"),
                         400, "InvalidRequest")
    with w.case("xrpc-3.3", "Content-Type application/jsonx is 400"):
        with w.unchanged():
            r = w.xrpc(PUT, owner, body=good, ctype="application/jsonx")
            expect_error(r, 400, "InvalidRequest")
    with w.case("xrpc-3.4", "application/json; charset=utf-8 is accepted"):
        expect_ok(w.xrpc(PUT, owner, body=good,
                         ctype="application/json; charset=utf-8"))
    with w.case("xrpc-3.5", "a body that is not JSON is 400"):
        with w.unchanged():
            expect_error(w.xrpc(PUT, owner, body="{spaceUri: 1"), 400,
                         "InvalidRequest")
    with w.case("xrpc-3.6", "a JSON array body is 400"):
        with w.unchanged():
            expect_error(w.xrpc(PUT, owner, body=[good]), 400,
                         "InvalidRequest")
    with w.case("xrpc-3.7", "bytes after the JSON object are 400"):
        with w.unchanged():
            r = w.xrpc(PUT, owner, body=json.dumps(good) + " {}")
            expect_error(r, 400, "InvalidRequest")
    with w.case("xrpc-3.8", "an empty body on a procedure is 400"):
        with w.unchanged():
            expect_error(w.xrpc(PUT, owner, body=b""), 400,
                         "InvalidRequest")

    with w.case("xrpc-4.1", "1 MiB + 1 byte body is 413 PayloadTooLarge, "
                "nothing written"):
        with w.unchanged():
            r = w.xrpc(PUT, owner, body=padded_body(uri, MIB + 1))
            expect_error(r, 413, "PayloadTooLarge")
    with w.case("xrpc-4.2", "a 2 MiB - 1 body (nginx lets it through) "
                "is 413"):
        with w.unchanged():
            r = w.xrpc(PUT, owner, body=padded_body(uri, 2 * MIB - 1))
            expect_error(r, 413, "PayloadTooLarge")
    with w.case("xrpc-4.3", "a body of exactly 1 MiB is not 413"):
        r = w.xrpc(PUT, owner, body=padded_body(uri, MIB))
        expect(r.status != 413 and r.status < 500,
               "1 MiB body got " + r.describe())
    with w.case("xrpc-4.4", "after 413s the service answers on old and "
                "new connections"):
        c = Client(w.svc.port)
        try:
            for i in range(2 * 3):
                r = w.xrpc(PUT, owner, client=c,
                           body=padded_body(uri, MIB + 100))
                expect_error(r, 413, "PayloadTooLarge")
                expect_ok(w.xrpc(PUT, owner, client=c, body=good))
                expect_ok(w.xrpc(PUT, owner, body=good))
        finally:
            c.close()
    with w.case("xrpc-5.1", "no Authorization is 401 AuthenticationRequired "
                "on all four methods"):
        with w.unchanged():
            for nsid, body in ((CREATE, {}), (PUT, good),
                               ("rsvp.atmo.space.addMember",
                                {"spaceUri": uri, "did": owner.did})):
                expect_error(w.xrpc(nsid, body=body), 401,
                             "AuthenticationRequired")
            r = w.xrpc(GET, query={"spaceUri": uri, "collection":
                                   "com.example.x", "author": owner.did,
                                   "rkey": "k"})
            expect_error(r, 401, "AuthenticationRequired")
    with w.case("xrpc-5.2", "Authorization: Basic is 401"):
        with w.unchanged():
            r = w.xrpc(PUT, body=good,
                       headers={"Authorization": "Basic dXNlcjpwYXNz"})
            expect_error(r, 401, {"AuthenticationRequired", "BadJwt"})
    with w.case("xrpc-5.3", "Bearer with a non-JWT is 401 BadJwt"):
        with w.unchanged():
            expect_error(w.xrpc(PUT, body=good, token="not-a-jwt"), 401,
                         "BadJwt")
    with w.case("xrpc-5.4", "Bearer with nothing after it is 401"):
        with w.unchanged():
            r = w.xrpc(PUT, body=good, headers={"Authorization": "Bearer "})
            expect_error(r, 401, {"AuthenticationRequired", "BadJwt"})

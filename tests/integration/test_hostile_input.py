# atspace: ISC licence, see README.md.
"""
Hostile input (issue 6): bodies, query strings, paths and identifiers a
client should never send. Every one gets a 4xx with the error name given
here and leaves every table as it was (harness unchanged(): all rows of
all tables, before and after). The identities and the space are made
once; each request is otherwise valid, so only the hostile part decides.

  hostile-1  putRecord bodies: not JSON, truncated, duplicate keys,
             nesting past the limit, floats, integers past 64 bits,
             invalid UTF-8, NUL bytes, huge strings in identifier fields,
             a bare top-level value
  hostile-2  the HTTP layer through a raw socket to nginx: a
             Content-Length longer than the body, one shorter, a chunked
             body over the limit, headers only
  hostile-3  query strings and paths: repeated and missing parameters,
             bad percent-encoding, %00, very long queries and paths
  hostile-4  every invalid line of the shared syntax vectors (did, nsid,
             recordkey, aturi) in every field it applies to
  hostile-5  afterwards the service still answers and writes
"""

import json
import os
import socket
import time
import urllib.parse

import harness
from harness import expect, expect_error, expect_ok
from spaceapi_util import call, unique

P = "rsvp.atmo.space."
PUT = P + "putRecord"
GET = P + "getRecord"
COLL = "com.example.hostile"
E400 = (400, "InvalidRequest")


class Bench:
    def __init__(self, w):
        self.w = w
        self.owner = w.identity()
        self.member = w.identity()
        self.uri = w.create_space(self.owner, key=unique("hostile"))["uri"]
        w.add_member(self.owner, self.uri, self.member.did)
        r = call(w, PUT, self.owner, body=self.put_body("seed", {"a": 1}))
        expect_ok(r)

    def put_body(self, rkey, record):
        return {"spaceUri": self.uri, "collection": COLL, "rkey": rkey,
                "record": record}

    def put_raw(self, data):
        return call(self.w, PUT, self.owner, body=data)


def deep(n):
    v = 1
    for _ in range(n):
        v = [v]
    return v


def put_raw_cases(b):
    """(description, raw body bytes): each must be 400 InvalidRequest."""
    good = json.dumps(b.put_body("x", {"a": 1}))
    head = '{"spaceUri": %s, "collection": "%s", "rkey": "x", "record": ' \
        % (json.dumps(b.uri), COLL)
    return [
        ("not JSON at all", b"hello, world"),
        ("truncated JSON", good[:len(good) // 2].encode()),
        ("truncated inside a string", good[:good.index("at://") + 8]
         .encode()),
        ("an unclosed object", good[:-1].encode()),
        ("a duplicate top-level key", (head[:-len('"record": ')] +
         '"rkey": "y", "record": {"a": 1}}').encode()),
        ("a duplicate key inside the record",
         (head + '{"a": 1, "a": 2}}').encode()),
        ("nesting one past the limit (32)",
         (head + json.dumps({"d": deep(32)}) + "}").encode()),
        ("nesting 100000 deep", (head + "[" * 100000).encode()),
        ("a float", (head + '{"a": 1.5}}').encode()),
        ("an exponent", (head + '{"a": 1e3}}').encode()),
        ("minus zero", (head + '{"a": -0}}').encode()),
        ("NaN", (head + '{"a": NaN}}').encode()),
        ("an integer one past int64", (head + '{"a": %d}}' % 2 ** 63)
         .encode()),
        ("an integer below int64", (head + '{"a": %d}}' % (-2 ** 63 - 1))
         .encode()),
        ("a 100-digit integer", (head + '{"a": %s}}' % ("9" * 100))
         .encode()),
        ("invalid UTF-8 (lone continuation byte)",
         head.encode() + b'{"a": "x\x80y"}}'),
        ("invalid UTF-8 (overlong NUL)", head.encode() +
         b'{"a": "x\xc0\x80y"}}'),
        ("invalid UTF-8 (encoded surrogate)", head.encode() +
         b'{"a": "\xed\xa0\x80"}}'),
        ("invalid UTF-8 (truncated sequence at the end)",
         head.encode() + b'{"a": "\xe2\x82'),
        ("a lone surrogate escape", (head + '{"a": "\\ud800"}}').encode()),
        ("a raw NUL inside a string", head.encode() + b'{"a": "x\x00y"}}'),
        ("a NUL after the object", good.encode() + b"\x00"),
        ("\\u0000 inside a string", (head + '{"a": "x\\u0000y"}}')
         .encode()),
        ("a raw control character in a string", head.encode() +
         b'{"a": "x\x01y"}}'),
        ("a top-level array", b"[" + good.encode() + b"]"),
        ("a top-level string", b'"x"'),
        ("a top-level null", b"null"),
        ("single quotes", good.replace('"', "'").encode()),
        ("a trailing comma", (good[:-1] + ",}").encode()),
        ("a comment", (good[:-1] + "/* x */}").encode()),
        ("a BOM before the object", b"\xef\xbb\xbf" + good.encode()),
    ]


def put_field_cases(b):
    """(description, body dict, status, name) with hostile fields."""
    big = "a" * 300000
    return [
        ("a 300 kB collection", {"spaceUri": b.uri, "collection": big,
                                 "rkey": "x", "record": {}}) + E400,
        ("a 300 kB rkey", b.put_body(big, {})) + E400,
        ("a 300 kB spaceUri", {"spaceUri": "at://" + big, "collection":
                               COLL, "rkey": "x", "record": {}}) + E400,
        ("spaceUri a number", {"spaceUri": 5, "collection": COLL,
                               "rkey": "x", "record": {}}) + E400,
        ("record a string", b.put_body("x", "text")) + E400,
        ("record missing", {"spaceUri": b.uri, "collection": COLL,
                            "rkey": "x"}) + E400,
        ("record $type null", b.put_body("x", {"$type": None})) + E400,
        ("record a bare $link", b.put_body("x", {"$link": "x"})) + E400,
        ("a $bytes that is not base64", b.put_body("x", {"b": {
            "$bytes": "!!!"}})) + E400,
    ]


def hostile_bodies(w, b):
    n = 0
    for desc, data in put_raw_cases(b):
        n += 1
        with w.case("hostile-1.%d" % n, "putRecord body with %s: 400 "
                    "InvalidRequest" % desc):
            with w.unchanged():
                expect_error(b.put_raw(data), *E400)
    for desc, body, status, name in put_field_cases(b):
        n += 1
        with w.case("hostile-1.%d" % n, "putRecord with %s: %d %s" % (
                desc, status, name)):
            with w.unchanged():
                expect_error(call(w, PUT, b.owner, body=body), status,
                             name)


# hostile-2: HTTP through a raw socket.

def raw_http(port, data, shut=False, timeout=10):
    """Sends data to nginx; returns what came back (bytes) before the
    connection closed or timeout passed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    finally:
        s.close()
    return out


def request_bytes(b, body, extra_headers="", length=None, chunked=False):
    tok = harness.mint(b.owner.alg, b.owner.key, b.owner.did, lxm=PUT)
    hdr = ("POST /xrpc/%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: application/json\r\nAuthorization: Bearer %s\r\n"
           "Connection: close\r\n" % (PUT, tok))
    if chunked:
        hdr += "Transfer-Encoding: chunked\r\n"
    else:
        hdr += "Content-Length: %d\r\n" % (len(body) if length is None
                                            else length)
    return (hdr + extra_headers + "\r\n").encode() + body


def status_of(resp):
    """The status codes of every HTTP response in resp, in order."""
    out = []
    for part in resp.split(b"HTTP/1.1 ")[1:]:
        try:
            out.append(int(part[:3]))
        except ValueError:
            pass
    return out


def chunk(data, size=65536):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def hostile_http(w, b):
    port = w.svc.port
    body = json.dumps(b.put_body("cl", {"a": 1})).encode()
    with w.case("hostile-2.1", "Content-Length 100 bytes longer than the "
                "body, then EOF: no answer but a 400, nothing written"):
        with w.unchanged():
            resp = raw_http(port, request_bytes(b, body, length=len(body) +
                                                100), shut=True)
            st = status_of(resp)
            expect(st in ([], [400]), "answers %s" % st)
    with w.case("hostile-2.2", "Content-Length half the body: the cut "
                "body is 400 InvalidRequest, the rest is not a request"):
        with w.unchanged():
            resp = raw_http(port, request_bytes(b, body,
                                                length=len(body) // 2))
            st = status_of(resp)
            expect(st[:1] == [400], "answers %s: %r" % (st, resp[:300]))
            expect(b"InvalidRequest" in resp, "first answer: %r" %
                   resp[:300])
    with w.case("hostile-2.3", "Content-Length 0 on putRecord is 400"):
        with w.unchanged():
            resp = raw_http(port, request_bytes(b, b"", length=0))
            expect(status_of(resp)[:1] == [400], "answers %r" % resp[:300])
    with w.case("hostile-2.4", "a negative Content-Length is 400 from "
                "nginx, nothing written"):
        with w.unchanged():
            resp = raw_http(port, request_bytes(b, body, length=-5))
            expect(status_of(resp)[:1] == [400], "answers %r" % resp[:300])
    with w.case("hostile-2.5", "a chunked body (no length) of 1 MiB + 1 "
                "is 413 PayloadTooLarge"):
        with w.unchanged():
            big = json.dumps(b.put_body("big", {"s": ""})).encode()
            pad = 1048576 + 1 - len(big)
            big = big.replace(b'"s": ""', b'"s": "' + b"a" * pad + b'"')
            resp = raw_http(port, request_bytes(b, chunk(big),
                                                chunked=True))
            expect(status_of(resp)[:1] == [413] and
                   b"PayloadTooLarge" in resp, "answers %r" % resp[:300])
    with w.case("hostile-2.6", "a chunked body under the limit is served "
                "like a sized one"):
        resp = raw_http(port, request_bytes(b, chunk(body, 7),
                                            chunked=True))
        expect(status_of(resp)[:1] == [200], "answers %r" % resp[:300])
    with w.case("hostile-2.7", "both Content-Length and chunked: nginx "
                "refuses or the body is read once, nothing torn"):
        before = harness.db_count(w.svc.db_path, "record")
        resp = raw_http(port, request_bytes(
            b, chunk(json.dumps(b.put_body("both", {"a": 2})).encode()),
            chunked=True, extra_headers="Content-Length: 5\r\n"))
        st = status_of(resp)
        expect(st[:1] in ([400], [200]), "answers %r" % resp[:300])
        after = harness.db_count(w.svc.db_path, "record")
        expect(after - before == (1 if st[:1] == [200] else 0),
               "record rows %d -> %d for %s" % (before, after, st))


# hostile-3: query strings and paths.

def hostile_query(w, b):
    good = {"spaceUri": b.uri, "collection": COLL, "author": b.owner.did,
            "rkey": "seed"}
    q = urllib.parse.urlencode(good)
    cases = [
        ("spaceUri given twice", q + "&spaceUri=" +
         urllib.parse.quote(b.uri, safe="")) + E400,
        ("rkey given twice with the same value", q + "&rkey=seed") + E400,
        ("spaceUri missing", urllib.parse.urlencode(
            {k: v for k, v in good.items() if k != "spaceUri"})) + E400,
        ("rkey missing", urllib.parse.urlencode(
            {k: v for k, v in good.items() if k != "rkey"})) + E400,
        ("an empty rkey", q.replace("rkey=seed", "rkey=")) + E400,
        ("a name with no value", q.replace("rkey=seed", "rkey")) + E400,
        ("a bad percent escape", q.replace("rkey=seed", "rkey=se%zzd"))
        + E400,
        ("a truncated percent escape", q.replace("rkey=seed", "rkey=seed%"))
        + E400,
        ("%00 in a value", q.replace("rkey=seed", "rkey=se%00ed")) + E400,
        ("invalid UTF-8 in a value", q.replace("rkey=seed",
                                               "rkey=se%C0%80ed")) + E400,
        ("a 6000-byte rkey", q.replace("rkey=seed", "rkey=" + "a" * 6000))
        + E400,
        ("seventeen parameters", q + "".join("&x%d=1" % i
                                             for i in range(17))) + E400,
    ]
    n = 0
    for desc, query, status, name in cases:
        n += 1
        with w.case("hostile-3.%d" % n, "getRecord with %s: %d %s" % (
                desc, status, name)):
            with w.unchanged():
                r = call(w, GET, b.owner, query=query)
                expect_error(r, status, name)
    n += 1
    with w.case("hostile-3.%d" % n, "a 300-character NSID path: 400 "
                "InvalidRequest"):
        r = w.xrpc("a." + "b" * 300 + ".c")
        expect_error(r, *E400)
    n += 1
    with w.case("hostile-3.%d" % n, "a 7000-byte path: 4xx from nginx or "
                "the service, never 5xx"):
        r = w.xrpc("com.example." + "a" * 7000)
        expect(400 <= r.status < 500, "got %s" % r.describe())
    n += 1
    with w.case("hostile-3.%d" % n, "a 20000-byte query: 4xx, never 5xx"):
        r = call(w, GET, b.owner, query=q + "&pad=" + "a" * 20000)
        expect(400 <= r.status < 500, "got %s" % r.describe())
    n += 1
    with w.case("hostile-3.%d" % n, "a path with ../ and %2F: 4xx"):
        for p in ("/xrpc/../xrpc/" + GET, "/xrpc/" + GET + "%2F..",
                  "/xrpc/" + GET + "/", "/xrpc//" + GET):
            r = w.svc.client.request("GET", p + "?" + q)
            expect(400 <= r.status < 500, "%s: %s" % (p, r.describe()))


# hostile-4: the shared syntax vectors.

def invalid_lines(name):
    d = harness.shared_dir()
    if d is None:
        return None
    path = os.path.join(d, "atproto-interop", "syntax",
                        name + "_syntax_invalid.txt")
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "surrogateescape")
    # Comments and empty lines go; nothing is trimmed.
    return [l for l in text.split("\n") if l and not l.startswith("#")]


def field_targets(b):
    """vector file -> [(label, nsid, who, make(value) -> call kwargs)]."""
    uri, own, mem = b.uri, b.owner, b.member

    def putb(**kw):
        d = b.put_body("v", {"a": 1})
        d.update(kw)
        return d

    def getq(**kw):
        d = {"spaceUri": uri, "collection": COLL, "author": own.did,
             "rkey": "seed"}
        d.update(kw)
        return d
    return {
        "did": [
            ("addMember did", P + "addMember", own,
             lambda v: {"body": {"spaceUri": uri, "did": v}}),
            ("removeMember did", P + "removeMember", own,
             lambda v: {"body": {"spaceUri": uri, "did": v}}),
            ("getRecord author", GET, own,
             lambda v: {"query": getq(author=v)}),
            ("listRecords byUser", P + "listRecords", own,
             lambda v: {"query": {"spaceUri": uri, "collection": COLL,
                                  "byUser": v}}),
            ("listSpaces owner", P + "listSpaces", own,
             lambda v: {"query": {"owner": v}}),
        ],
        "nsid": [
            ("putRecord collection", PUT, mem,
             lambda v: {"body": putb(collection=v)}),
            ("getRecord collection", GET, own,
             lambda v: {"query": getq(collection=v)}),
            ("listRecords collection", P + "listRecords", own,
             lambda v: {"query": {"spaceUri": uri, "collection": v}}),
            ("deleteRecord collection", P + "deleteRecord", own,
             lambda v: {"body": {"spaceUri": uri, "collection": v,
                                 "rkey": "seed"}}),
            ("createSpace type", P + "createSpace", own,
             lambda v: {"body": {"type": v, "key": unique("t")}}),
            ("listSpaces type", P + "listSpaces", own,
             lambda v: {"query": {"type": v}}),
        ],
        "recordkey": [
            ("putRecord rkey", PUT, mem, lambda v: {"body": putb(rkey=v)}),
            ("getRecord rkey", GET, own, lambda v: {"query": getq(rkey=v)}),
            ("deleteRecord rkey", P + "deleteRecord", own,
             lambda v: {"body": {"spaceUri": uri, "collection": COLL,
                                 "rkey": v}}),
            ("createSpace key", P + "createSpace", own,
             lambda v: {"body": {"key": v}}),
        ],
        "aturi": [
            ("putRecord spaceUri", PUT, mem,
             lambda v: {"body": putb(spaceUri=v)}),
            ("getRecord spaceUri", GET, own,
             lambda v: {"query": getq(spaceUri=v)}),
            ("listRecords spaceUri", P + "listRecords", own,
             lambda v: {"query": {"spaceUri": v, "collection": COLL}}),
            ("deleteRecord spaceUri", P + "deleteRecord", own,
             lambda v: {"body": {"spaceUri": v, "collection": COLL,
                                 "rkey": "seed"}}),
            ("getSpace uri", P + "getSpace", own,
             lambda v: {"query": {"uri": v}}),
            ("addMember spaceUri", P + "addMember", own,
             lambda v: {"body": {"spaceUri": v, "did": mem.did}}),
            ("removeMember spaceUri", P + "removeMember", own,
             lambda v: {"body": {"spaceUri": v, "did": mem.did}}),
            ("leaveSpace spaceUri", P + "leaveSpace", mem,
             lambda v: {"body": {"spaceUri": v}}),
            ("deleteSpace spaceUri", P + "deleteSpace", own,
             lambda v: {"body": {"spaceUri": v}}),
            ("listMembers spaceUri", P + "listMembers", own,
             lambda v: {"query": {"spaceUri": v}}),
            ("whoami spaceUri", "rsvp.atmo.spaceExt.whoami", own,
             lambda v: {"query": {"spaceUri": v}}),
        ],
    }


def hostile_vectors(w, b):
    n = 0
    tried = 0
    for vec, targets in field_targets(b).items():
        lines = invalid_lines(vec)
        for label, nsid, who, make in targets:
            n += 1
            with w.case("hostile-4.%d" % n, "every invalid %s vector as "
                        "%s: 400 InvalidRequest" % (vec, label)):
                if lines is None:
                    raise harness.Skip("no shared dir (ATSPACE_SHARED)")
                bad = []
                with w.unchanged():
                    for line in lines:
                        tried += 1
                        # Lines that are not UTF-8 cannot be JSON text;
                        # queries carry their bytes percent-encoded.
                        try:
                            line.encode("utf-8")
                        except UnicodeEncodeError:
                            continue
                        kw = make(line)
                        r = call(w, nsid, who, **kw)
                        # nginx refuses a request line over 8 kB itself.
                        if r.status == 414 and "query" in kw and \
                                len(line) > 4096:
                            continue
                        if r.status != 400 or r.error != "InvalidRequest":
                            bad.append("%r -> %s" % (line[:60],
                                                     r.describe()[:100]))
                expect(not bad, "%d of %d: %s" % (len(bad), len(lines),
                                                  "; ".join(bad[:4])))
    print("hostile: %d invalid identifiers tried in %d fields" % (
        tried, n), flush=True)


def run(w):
    b = Bench(w)
    hostile_bodies(w, b)
    hostile_http(w, b)
    hostile_query(w, b)
    hostile_vectors(w, b)
    with w.case("hostile-5.1", "after all that the service answers and "
                "writes"):
        r = call(w, PUT, b.owner, body=b.put_body("after", {"a": 1}))
        expect_ok(r)
        r = call(w, GET, b.owner, query={
            "spaceUri": b.uri, "collection": COLL, "author": b.owner.did,
            "rkey": "after"})
        expect_ok(r)

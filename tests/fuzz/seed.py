# atspace: ISC licence, see README.md.
"""
Builds a fuzz target's seed corpus at run time, so no copy of the shared
vectors is ever committed:

  python3 tests/fuzz/seed.py TARGET DIR

TARGET is syntax, json, jwt, didoc or xrpc; DIR is created and filled
with one file per seed. The shared directory is $ATSPACE_SHARED, or
../shared beside the repository; without it only the few hand-written
seeds below are written (a "skip:" line says so).
"""

import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# fuzz_didoc.c and fuzz_xrpc.c use these fixed DIDs.
DOC_DID = "did:plc:fuzzfuzzfuzzfuzzfuzzfuzz"
CALLER_A = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
CALLER_B = "did:plc:bbbbbbbbbbbbbbbbbbbbbbbb"
SPACE_TYPE = "rsvp.atmo.event.space"


def shared():
    d = os.environ.get("ATSPACE_SHARED") or os.path.join(ROOT, "..",
                                                         "shared")
    return d if os.path.isdir(d) else None


def shared_json(rel):
    d = shared()
    p = os.path.join(d, rel) if d else None
    if p is None or not os.path.exists(p):
        return None
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def syntax_lines():
    d = shared()
    if d is None:
        return []
    out = []
    sd = os.path.join(d, "atproto-interop", "syntax")
    for name in sorted(os.listdir(sd)):
        with open(os.path.join(sd, name), "rb") as f:
            for line in f.read().split(b"\n"):
                # Comments go; no other trimming (the spaces matter).
                if line and not line.startswith(b"#"):
                    out.append(line)
    return out


def seeds_syntax():
    return syntax_lines() + [b"at://did:plc:abc/com.example.a/self",
                             b"ats://did:web:x.com/a.b.c/3jzfcijpj2z2a"]


def seeds_json():
    out = [b'{"$type":"a.b.c","n":1,"s":"x","l":[true,null]}']
    for rel in ("atproto-interop/data-model/data-model-fixtures.json",
                "atproto-interop/data-model/data-model-valid.json",
                "atproto-interop/data-model/data-model-invalid.json"):
        for v in shared_json(rel) or []:
            j = v.get("json")
            if isinstance(j, dict) and "rcrd" in j:
                j = j["rcrd"]
            out.append(json.dumps(j, ensure_ascii=False).encode())
    for name in ("records-valid.json", "records-invalid.json"):
        with open(os.path.join(ROOT, "tests", "fixtures", name),
                  encoding="utf-8") as f:
            for v in json.load(f):
                if "raw" in v:
                    out.append(v["raw"].encode("utf-8", "surrogatepass"))
                elif "record" in v:
                    out.append(json.dumps(v["record"]).encode())
    return out


def vector_keys():
    v = shared_json("vectors/service-auth.json")
    return v["keys"] if v else []


def seeds_jwt():
    out = []
    for k in vector_keys():
        for t in k.get("tokens", []):
            if isinstance(t.get("jwt"), str):
                out.append(t["jwt"].encode())
    return out or [b"eyJhbGciOiJFUzI1NksifQ.eyJpc3MiOiJkaWQ6cGxjOmEifQ.AA"]


def seeds_didoc():
    out = []
    for k in vector_keys():
        for shape in ("didDocument", "didDocumentMultikey"):
            doc = k.get(shape)
            if isinstance(doc, dict):
                doc = json.loads(json.dumps(doc).replace(k["did"],
                                                         DOC_DID))
                out.append(b"\x00" + json.dumps(doc).encode())
        for mk in (k.get("multikey"), k.get("legacyPublicKeyMultibase")):
            if mk:
                out += [b"\x01" + mk.encode(), b"\x02" + mk.encode()]
    for rel in ("atproto-interop/crypto/w3c_didkey_K256.json",
                "atproto-interop/crypto/w3c_didkey_P256.json"):
        for v in shared_json(rel) or []:
            mk = v.get("publicDidKey", "")[len("did:key:"):]
            out += [b"\x01" + mk.encode(), b"\x02" + mk.encode()]
    return out


def xrpc_seed(nsid_index, flags, query, body):
    return bytes([nsid_index, flags]) + query.encode() + b"\n" + \
        json.dumps(body).encode()


def seeds_xrpc():
    # Method indexes follow core/xrpc.c's table; a wrong guess is only
    # a weaker seed, so the table is read rather than assumed.
    names = []
    with open(os.path.join(ROOT, "core", "xrpc.c"), encoding="utf-8") as f:
        src = f.read()
    start = src.find("xrpc_methods[] = {")
    for part in src[start:src.find("};", start)].split("{ \"")[1:]:
        names.append(part.split("\"")[0])
    uri = "at://%s/%s/fz" % (CALLER_A, SPACE_TYPE)
    bodies = {
        "createSpace": {"key": "fz"},
        "addMember": {"spaceUri": uri, "did": CALLER_B},
        "removeMember": {"spaceUri": uri, "did": CALLER_B},
        "deleteSpace": {"spaceUri": uri},
        "leaveSpace": {"spaceUri": uri},
        "putRecord": {"spaceUri": uri, "collection": "com.example.post",
                      "rkey": "r1", "record": {"$type": "com.example.post",
                                               "text": "hi", "n": 1}},
        "deleteRecord": {"spaceUri": uri, "collection": "com.example.post",
                         "rkey": "r1"},
    }
    queries = {
        "getSpace": "uri=" + uri,
        "listSpaces": "scope=member&limit=5",
        "listMembers": "spaceUri=" + uri,
        "whoami": "spaceUri=" + uri,
        "getRecord": "spaceUri=%s&collection=com.example.post&author=%s"
                     "&rkey=r1" % (uri, CALLER_A),
        "listRecords": "spaceUri=%s&collection=com.example.post&limit=2"
                       % uri,
    }
    out = []
    for i, nsid in enumerate(names):
        short = nsid.rsplit(".", 1)[1]
        for who in (1, 2):
            if short in bodies:
                out.append(xrpc_seed(i, who, "", bodies[short]))
            else:
                out.append(bytes([i, who]) +
                           queries.get(short, "").encode() + b"\n")
    out.append(bytes([len(names), 0]) + b"\n/xrpc/a.b.c\n{}")
    return out


def main(argv):
    if len(argv) != 3:
        print("usage: seed.py TARGET DIR", file=sys.stderr)
        return 2
    if shared() is None:
        print("skip: no shared dir; seed corpus from built-in seeds only")
    seeds = globals()["seeds_" + argv[1]]()
    os.makedirs(argv[2], exist_ok=True)
    for s in seeds:
        name = hashlib.sha1(s).hexdigest()
        with open(os.path.join(argv[2], name), "wb") as f:
            f.write(s)
    print("seed %s: %d inputs in %s" % (argv[1], len(seeds), argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

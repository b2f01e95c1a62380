# atspace: ISC licence, see README.md.
"""
The integration harness: everything a scenario file needs to talk to the
real service through a real nginx, using only the Python standard library.

  Results, Skip, Fail     the tiny framework: "ok ID ...", "FAIL ID ...: why"
  expect*, same           assertions that raise Fail with a readable detail
  Plc                     a local PLC directory serving DID documents that
                          the tests control (rotate keys, 404, garbage, delay)
  Service                 atspace-fcgi on a Unix socket plus nginx (from
                          deploy/nginx-local.conf.in) on a loopback port,
                          one state directory for each
  Identity, mint          did:plc identities with real keys; tokens minted
                          by build/tools/mintjwt
  pin_binaries            private copies of atspace-fcgi and mintjwt
  Client, Response        keep-alive HTTP/1.1 over loopback
  World                   what each test file's run(w) receives
  db_snapshot             the database read-only, for "nothing was written"

Scenario files never start processes themselves except through Service,
so run.py can always tear everything down.
"""

import base64
import contextlib
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
SERVICE_BIN = os.path.join(ROOT, "atspace-fcgi")
MINTJWT = os.path.join(ROOT, "build", "tools", "mintjwt")
NGINX_TEMPLATE = os.path.join(ROOT, "deploy", "nginx-local.conf.in")
SERVICE_DID = "did:web:spaces.example.com"
WORKERS = 3
# ATSPACE_HTTP_TIMEOUT_MS: short, so the slow-PLC case stays quick.
FETCH_TIMEOUT_MS = 2000

TID_RE = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
# atproto NSID: domain authority segments, then a name that starts
# with a letter and has no hyphen.
NSID_RE = re.compile(
    r"^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+"
    r"\.[a-zA-Z][a-zA-Z0-9]{0,62}$")
B32 = "abcdefghijklmnopqrstuvwxyz234567"

# Tables a rejected request may legitimately touch: the DID document
# cache is refreshed whenever a signature fails to verify (key rotation).
SNAPSHOT_SKIP = re.compile(r"cache", re.I)


def shared_dir():
    """The read-only shared material, or None when it is absent."""
    d = os.environ.get("ATSPACE_SHARED") or os.path.join(ROOT, "..", "shared")
    return d if os.path.isdir(d) else None


def shared_json(rel):
    """Parses a file below the shared dir; None when the dir is absent."""
    d = shared_dir()
    if d is None or not os.path.exists(os.path.join(d, rel)):
        return None
    with open(os.path.join(d, rel), encoding="utf-8") as f:
        return json.load(f)


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return json.load(f)


def free_port():
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_ms():
    return int(time.time() * 1000)


# The framework.

class Skip(Exception):
    pass


class Fail(Exception):
    pass


class Results:
    """Counts cases and prints one line per case as it finishes."""

    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.seen = set()
        self.lock = threading.Lock()

    def case(self, cid, desc):
        return _Case(self, cid, desc)

    def report(self, cid, desc, verdict, detail=""):
        with self.lock:
            if cid in self.seen:
                verdict, detail = "FAIL", "duplicate case ID " + cid
            self.seen.add(cid)
            if verdict == "ok":
                self.passed += 1
                line = "ok %s %s" % (cid, desc)
            elif verdict == "skip":
                self.skipped += 1
                line = "skip %s %s: %s" % (cid, desc, detail)
            else:
                self.failed += 1
                line = "FAIL %s %s: %s" % (cid, desc, detail)
            print(line, flush=True)

    def summary(self):
        s = "integration: %d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            s += ", %d skipped" % self.skipped
        return s


class _Case:
    """with results.case(ID, text): body -- the body fails by raising."""

    def __init__(self, results, cid, desc):
        self.results, self.cid, self.desc = results, cid, desc

    def __enter__(self):
        return self

    def __exit__(self, typ, val, tb):
        if typ is None:
            self.results.report(self.cid, self.desc, "ok")
        elif issubclass(typ, Skip):
            self.results.report(self.cid, self.desc, "skip", str(val))
        elif issubclass(typ, Fail):
            self.results.report(self.cid, self.desc, "FAIL", str(val))
        elif issubclass(typ, Exception):
            self.results.report(self.cid, self.desc, "FAIL",
                                "%s: %s" % (typ.__name__, val))
        else:
            return False
        return True


def expect(cond, detail):
    if not cond:
        raise Fail(detail)


def same(a, b):
    """JSON equality that tells 1 from 1.0 and from true."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b


def expect_same(got, want, what):
    expect(same(got, want), "%s: got %s, want %s" % (
        what, _short(json.dumps(got)), _short(json.dumps(want))))


def _short(s, n=300):
    return s if len(s) <= n else s[:n] + "..."


def expect_ok(r):
    """A 200 with a JSON object body; returns the object."""
    expect(r.status == 200, "want 200, got " + r.describe())
    expect(r.ctype == "application/json",
           "200 with Content-Type %r" % r.ctype)
    expect(isinstance(r.json, dict), "200 body is not a JSON object: " +
           r.describe())
    return r.json


def expect_error(r, status, names=None):
    """An XRPC error: status, a JSON {"error", "message"} body, and an
    error name from names (a string, a set, or None for any)."""
    if isinstance(names, str):
        names = {names}
    want = "%d %s" % (status, "/".join(sorted(names)) if names else "")
    expect(r.status == status, "want %s, got %s" % (want, r.describe()))
    expect(r.ctype == "application/json",
           "error with Content-Type %r" % r.ctype)
    j = r.json
    expect(isinstance(j, dict) and isinstance(j.get("error"), str),
           "error body lacks an error name: " + r.describe())
    expect(isinstance(j.get("message"), str),
           "error body lacks a message: " + r.describe())
    expect(names is None or j["error"] in names,
           "want %s, got %s" % (want, r.describe()))


# HTTP.

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        ct = headers.get("content-type", "")
        self.ctype = ct.split(";")[0].strip().lower()
        try:
            self.json = json.loads(body.decode("utf-8"))
        except ValueError:
            self.json = None

    @property
    def error(self):
        return self.json.get("error") if isinstance(self.json, dict) else None

    def describe(self):
        return "%d %s" % (self.status, _short(self.body.decode(
            "utf-8", "replace"), 200))


class Client:
    """One keep-alive connection to nginx; not shared between threads."""

    def __init__(self, port, timeout=15):
        self.port, self.timeout = port, timeout
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            resp = self.conn.getresponse()
            data = resp.read()
        except Exception:
            self.close()
            raise
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        if resp.will_close:
            self.close()
        return Response(resp.status, hdrs, data)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# The PLC directory.

class PlcReply:
    """A scripted answer instead of a document: status, raw body, delay."""

    def __init__(self, status=200, body=b"", delay=0.0, doc=None):
        self.status, self.body, self.delay = status, body, delay
        if doc is not None:
            self.body = json.dumps(doc).encode()


class Plc:
    """GET /<did> answers docs[did]: a dict (served as JSON), a PlcReply,
    or 404 when absent. hits[did] counts requests, to see caching."""

    def __init__(self):
        self.docs = {}
        self.hits = {}
        self.lock = threading.Lock()
        plc = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                plc._serve(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def _serve(self, h):
        did = urllib.parse.unquote(h.path.split("?")[0].lstrip("/"))
        with self.lock:
            self.hits[did] = self.hits.get(did, 0) + 1
            entry = self.docs.get(did)
        if entry is None:
            reply = PlcReply(404, b'{"message":"DID not registered"}')
        elif isinstance(entry, PlcReply):
            reply = entry
        else:
            reply = PlcReply(200, doc=entry)
        if reply.delay:
            time.sleep(reply.delay)
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", "application/did+ld+json")
            h.send_header("Content-Length", str(len(reply.body)))
            h.end_headers()
            h.wfile.write(reply.body)
        except OSError:
            pass	# the service gave up waiting: that is the point

    def publish(self, did, entry):
        with self.lock:
            self.docs[did] = entry

    def unpublish(self, did):
        with self.lock:
            self.docs.pop(did, None)

    def hit_count(self, did):
        with self.lock:
            return self.hits.get(did, 0)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# Tokens and identities.

def have_mintjwt():
    return os.access(MINTJWT, os.X_OK)


def pin_binaries(base):
    """Runs private copies of atspace-fcgi and mintjwt from now on: a
    "make" by someone else in the same checkout must not pull them away
    in the middle of a run."""
    global SERVICE_BIN, MINTJWT
    SERVICE_BIN = shutil.copy2(SERVICE_BIN, os.path.join(base,
                                                         "atspace-fcgi"))
    MINTJWT = shutil.copy2(MINTJWT, os.path.join(base, "mintjwt"))


def _mintjwt(args):
    p = subprocess.run([MINTJWT] + args, capture_output=True, text=True,
                       timeout=10)
    if p.returncode != 0:
        raise Fail("mintjwt %s: exit %d: %s" % (" ".join(args[:2]),
                   p.returncode, p.stderr.strip()))
    return p.stdout.strip()


def mint(alg, key, iss, aud=SERVICE_DID, lxm=None, exp=None, iat=None,
         typ=None, no_typ=False, high_s=False, der=False):
    """A service-auth JWT signed with key (hex) by build/tools/mintjwt."""
    args = ["--alg", alg, "--key", key, "--iss", iss, "--aud", aud]
    if lxm is not None:
        args += ["--lxm", lxm]
    if exp is not None:
        args += ["--exp", str(int(exp))]
    if iat is not None:
        args += ["--iat", str(int(iat))]
    if typ is not None:
        args += ["--typ", typ]
    for flag, on in (("--no-typ", no_typ), ("--high-s", high_s),
                     ("--der", der)):
        if on:
            args.append(flag)
    return _mintjwt(args)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def random_plc_did():
    return "did:plc:" + "".join(random.choice(B32) for _ in range(24))


class Identity:
    """A did:plc with a private key and a DID document in the PLC.

    vm_id is the verification method id as written in the document:
    "#atproto" (what the PLC serves) or the full "<did>#atproto"."""

    def __init__(self, plc, alg="ES256K", vm_id="#atproto", publish=True):
        self.plc, self.alg, self.vm_form = plc, alg, vm_id
        self.did = random_plc_did()
        self.handle = self.did[8:16] + ".test"
        self.key = _mintjwt(["--genkey"])
        self.pub = _mintjwt(["--pub", "--alg", alg, "--key", self.key])
        if publish:
            self.publish()

    def doc(self):
        vm = "#atproto" if self.vm_form == "#atproto" else \
            self.did + "#atproto"
        return {
            "@context": ["https://www.w3.org/ns/did/v1",
                         "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "alsoKnownAs": ["at://" + self.handle],
            "verificationMethod": [{
                "id": vm, "type": "Multikey", "controller": self.did,
                "publicKeyMultibase": self.pub}],
            "service": [{
                "id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                "serviceEndpoint": "https://pds.example.com"}],
        }

    def publish(self):
        self.plc.publish(self.did, self.doc())

    def rotate(self):
        """A new key in the document; tokens signed before now stop
        verifying once the service refetches."""
        self.key = _mintjwt(["--genkey"])
        self.pub = _mintjwt(["--pub", "--alg", self.alg, "--key", self.key])
        self.publish()

    def token(self, lxm, **kw):
        return mint(self.alg, self.key, self.did, lxm=lxm, **kw)


class RawIdentity:
    """An identity given from outside (the shared vectors): only the DID
    and a signing key, documents published by the caller."""

    def __init__(self, did, alg, key):
        self.did, self.alg, self.key = did, alg, key

    def token(self, lxm, **kw):
        return mint(self.alg, self.key, self.did, lxm=lxm, **kw)


# The service under test.

def find_nginx():
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, "nginx")
        if os.access(p, os.X_OK):
            return p
    return None


# Used only when deploy/nginx-local.conf.in is absent; the template is
# what deploy/run-local.sh runs, so the tests prefer it.
NGINX_FALLBACK = """\
worker_processes 1;
pid @STATE@/nginx.pid;
error_log @STATE@/nginx-error.log info;
events { worker_connections 256; }
http {
	access_log @STATE@/nginx-access.log;
	client_body_temp_path @STATE@/client_body;
	fastcgi_temp_path @STATE@/fastcgi_temp;
	proxy_temp_path @STATE@/proxy_temp;
	scgi_temp_path @STATE@/scgi_temp;
	uwsgi_temp_path @STATE@/uwsgi_temp;
	# Above the service's 1 MiB, so the service answers 413.
	client_max_body_size 2m;
	upstream atspace {
		server unix:@SOCKET@;
		keepalive 16;
	}
	server {
		listen 127.0.0.1:@PORT@;
		location /xrpc/ {
			include /etc/nginx/fastcgi_params;
			fastcgi_pass atspace;
			fastcgi_keep_conn on;
		}
	}
}
"""


class Service:
    """atspace-fcgi plus nginx in state dir base/name.

    start() raises Fail with the log tail when either does not come up;
    stop() returns the service's exit status (None when it had to be
    killed) and the seconds it took."""

    def __init__(self, plc, base, name, env=None):
        self.plc = plc
        self.state = os.path.join(base, name)
        os.makedirs(self.state)
        self.socket = os.path.join(self.state, "atspace.sock")
        self.db_path = os.path.join(self.state, "atspace.sqlite")
        self.log_path = os.path.join(self.state, "atspace.log")
        self.port = free_port()
        self.extra_env = env or {}
        self.proc = self.nginx = None
        self.client = Client(self.port)

    def start(self):
        env = dict(os.environ)
        env.update({
            "ATSPACE_SERVICE_DID": SERVICE_DID,
            "ATSPACE_PLC_URL": self.plc.url,
            "ATSPACE_DB_PATH": self.db_path,
            "ATSPACE_SOCKET": self.socket,
            "ATSPACE_WORKERS": str(WORKERS),
            "ATSPACE_ALLOW_ROOT": "yes",
            "ATSPACE_LOG_LEVEL": "info",
            "ATSPACE_HTTP_TIMEOUT_MS": str(FETCH_TIMEOUT_MS),
        })
        env.update(self.extra_env)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([SERVICE_BIN], env=env,
                                         stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log,
                                         cwd=self.state)
        deadline = time.time() + 10
        while not os.path.exists(self.socket):
            if self.proc.poll() is not None:
                raise Fail("atspace-fcgi exited %d before making its "
                           "socket: %s" % (self.proc.returncode,
                                           self.log_tail()))
            if time.time() > deadline:
                raise Fail("no socket after 10 s: " + self.log_tail())
            time.sleep(0.02)
        self._start_nginx()
        deadline = time.time() + 10
        while True:
            try:
                r = self.client.request("GET", "/xrpc/_harness.probe")
                if r.status not in (502, 504):
                    return
            except OSError:
                pass
            if time.time() > deadline:
                raise Fail("nginx did not reach the service in 10 s: " +
                           self.log_tail())
            time.sleep(0.05)

    def _start_nginx(self):
        """nginx from deploy/nginx-local.conf.in, the configuration
        deploy/run-local.sh uses, so the tests cover it too."""
        conf = os.path.join(self.state, "nginx.conf")
        text = NGINX_FALLBACK
        if os.path.exists(NGINX_TEMPLATE):
            with open(NGINX_TEMPLATE) as f:
                text = f.read()
        text = text.replace("@PORT@", str(self.port)) \
            .replace("@STATE@", self.state) \
            .replace("@SOCKET@", self.socket)
        with open(conf, "w") as f:
            f.write(text)
        glob = "daemon off;"
        if os.geteuid() == 0:
            # Workers running as nobody could not reach the socket
            # inside our 0700 temporary directory.
            glob += " user root;"
        out = os.path.join(self.state, "nginx.out")
        with open(out, "wb") as err:
            self.nginx = subprocess.Popen(
                [find_nginx(), "-p", self.state + "/", "-e",
                 os.path.join(self.state, "nginx-error.log"),
                 "-c", conf, "-g", glob],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err)
        time.sleep(0.1)
        if self.nginx.poll() is not None:
            with open(out, "rb") as f:
                raise Fail("nginx exited: " + f.read().decode(
                    "utf-8", "replace").strip())

    def log_tail(self, n=15):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-n:]) or "(empty log)"

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        self.client.close()
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(5)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        if self.proc is None or self.proc.poll() is not None:
            return (self.proc.returncode if self.proc else None), 0.0
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        return rc, time.time() - t0

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def db_snapshot(path):
    """Every table's rows (sorted reprs), read-only, except the tables
    SNAPSHOT_SKIP names."""
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path),
                          uri=True, timeout=10)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'")]
        return {t: sorted(repr(r) for r in con.execute(
            'SELECT * FROM "%s"' % t.replace('"', '""')))
            for t in names if not SNAPSHOT_SKIP.search(t)}
    finally:
        con.close()


def db_diff(before, after):
    """"" when equal, else which tables changed and how many rows."""
    out = []
    for t in sorted(set(before) | set(after)):
        a, b = before.get(t, []), after.get(t, [])
        if a != b:
            out.append("%s %d -> %d rows" % (t, len(a), len(b)))
    return ", ".join(out)


def db_count(path, table):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path),
                          uri=True, timeout=10)
    try:
        return con.execute('SELECT count(*) FROM "%s"' % table).fetchone()[0]
    finally:
        con.close()


# What a test file receives.

class World:
    """The run's shared state and the XRPC helpers the tests call."""

    def __init__(self, results, plc, svc, base):
        self.results, self.plc, self.svc, self.base = results, plc, svc, base

    def case(self, cid, desc):
        return self.results.case(cid, desc)

    def identity(self, **kw):
        return Identity(self.plc, **kw)

    def xrpc(self, nsid, who=None, body=None, query=None, method=None,
             ctype="application/json", headers=None, token=None, lxm=None,
             client=None, svc=None):
        """Calls /xrpc/<nsid>. who (an Identity) signs a token for lxm
        (default nsid) unless token is given. body: dict/list (sent as
        JSON), str or bytes (sent as is). query: dict, pairs or str."""
        svc = svc or self.svc
        client = client or svc.client
        hdrs = dict(headers or {})
        if token is None and who is not None:
            token = who.token(lxm or nsid)
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode()
            else:
                data = body
            if ctype is not None:
                hdrs["Content-Type"] = ctype
        path = "/xrpc/" + nsid
        if query is not None:
            path += "?" + (query if isinstance(query, str)
                           else urllib.parse.urlencode(query))
        if method is None:
            method = "GET" if body is None else "POST"
        return client.request(method, path, data, hdrs)

    # The four methods, for tests that are not about their input.

    def create_space(self, who, svc=None, **fields):
        r = self.xrpc("rsvp.atmo.space.createSpace", who, body=fields,
                      svc=svc)
        return expect_ok(r)["space"]

    def add_member(self, owner, space_uri, did, svc=None):
        r = self.xrpc("rsvp.atmo.space.addMember", owner, svc=svc,
                      body={"spaceUri": space_uri, "did": did})
        expect_same(expect_ok(r), {"ok": True}, "addMember answer")

    def put(self, who, space_uri, collection, record, rkey=None, **kw):
        body = {"spaceUri": space_uri, "collection": collection,
                "record": record}
        if rkey is not None:
            body["rkey"] = rkey
        return self.xrpc("rsvp.atmo.space.putRecord", who, body=body, **kw)

    def get(self, who, space_uri, collection, author, rkey, **kw):
        return self.xrpc("rsvp.atmo.space.getRecord", who, query={
            "spaceUri": space_uri, "collection": collection,
            "author": author, "rkey": rkey}, **kw)

    def space_with(self, *members, svc=None):
        """A fresh space owned by a fresh identity, with members added;
        returns (owner, space uri)."""
        owner = self.identity()
        uri = self.create_space(owner, svc=svc)["uri"]
        for m in members:
            self.add_member(owner, uri, m.did, svc=svc)
        return owner, uri

    @contextlib.contextmanager
    def unchanged(self, svc=None):
        """Fails the case when the body changes any table."""
        svc = svc or self.svc
        before = db_snapshot(svc.db_path)
        yield
        d = db_diff(before, db_snapshot(svc.db_path))
        expect(d == "", "a rejected request wrote: " + d)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)

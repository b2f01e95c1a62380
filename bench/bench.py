#!/usr/bin/env python3
# atspace: ISC licence, see README.md.
"""The benchmark behind `make bench` (issue 5): atspace next to the
machine's own limits, measured in one sitting so that ratios mean
something.

  transport   a trivial FastCGI responder (bench/empty-fcgi.c, same
              libfcgi) behind the same nginx: req/s at 1, 8, 64 conns
  crypto      ES256K and ES256 verifications per second on one core with
              atspace's own verifier (bench/verify-rate.c)
  storage     one process committing ~300-byte records one per
              transaction through atspace's storage code, per durability
  put         putRecord (a ~300-byte community.lexicon.calendar.rsvp, no
              rkey) with one reused token and with a fresh token per
              request, at 1, 8, 64 conns, per durability
  read        getRecord and listRecords (limit 50) at 64 conns
  growth      putRecord/getRecord with 10 thousand, 1 million, 10 million
              records already stored, listRecords first page vs deep page
  memory      RSS of the master and each worker after 1 and 5 million
              requests

Load comes from wrk with the Lua scripts beside this file. Every figure
is the median of --repeat runs of --seconds each. The table is printed
and written to bench/results/<date>.md with the machine and commands.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import harness  # noqa: E402  (the PLC directory and identities)

BUILD = os.path.join(ROOT, "build", "bench")
SERVICE_BIN = os.path.join(ROOT, "atspace-fcgi")
TEMPLATE = os.path.join(ROOT, "deploy", "nginx-local.conf.in")
SERVICE_DID = harness.SERVICE_DID
COLLECTION = "community.lexicon.calendar.rsvp"
PUT = "rsvp.atmo.space.putRecord"
GET = "rsvp.atmo.space.getRecord"
LIST = "rsvp.atmo.space.listRecords"

commands = []		# every command that produced a figure, for the record


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    commands.append(" ".join(cmd))
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw).stdout


# nginx, as deploy/ ships it for local use, with two changes made for
# load: one worker per core and no access log, for the yardstick and
# atspace alike.
def nginx_start(state, port, socket):
    with open(TEMPLATE) as f:
        text = f.read()
    text = text.replace("@PORT@", str(port)).replace("@STATE@", state) \
        .replace("@SOCKET@", socket)
    text = re.sub(r"worker_processes \d+;", "worker_processes auto;", text)
    text = re.sub(r"access_log [^;]*;", "access_log off;", text)
    text = text.replace("worker_connections 256;",
                        "worker_connections 1024;")
    conf = os.path.join(state, "nginx.conf")
    with open(conf, "w") as f:
        f.write(text)
    glob = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
    p = subprocess.Popen([harness.find_nginx(), "-p", state + "/", "-e",
                          os.path.join(state, "nginx-error.log"), "-c",
                          conf, "-g", glob], stdin=subprocess.DEVNULL)
    time.sleep(0.3)
    return p


def stop(p, sig=signal.SIGTERM):
    if p is not None and p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# wrk runs: each Lua script prints one JSON line in done().
def wrk(port, script, conns, seconds, args=()):
    url = "http://127.0.0.1:%d/" % port
    cmd = ["wrk", "-t", str(min(2, conns)), "-c", str(conns),
           "-d", "%ds" % seconds,
           "--latency", "-s", os.path.join(HERE, script), url, "--"] + \
        list(args)
    out = run(cmd, cwd=ROOT)	# the scripts load bench/common.lua
    for line in out.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("wrk printed no result: " + out)


def median_runs(n, fn):
    """Runs fn n times; returns the run whose req/s is the median."""
    runs = sorted((fn() for _ in range(n)), key=lambda r: r["rps"])
    return runs[len(runs) // 2]


class Service:
    """atspace-fcgi and nginx in a state directory, on a given db."""

    def __init__(self, base, name, plc, db_path, durability, port,
                 binary=SERVICE_BIN):
        self.binary = binary
        self.state = os.path.join(base, name)
        os.makedirs(self.state, exist_ok=True)
        self.socket = os.path.join(self.state, "atspace.sock")
        self.db_path = db_path
        self.port = port
        self.env = dict(os.environ)
        self.env.update({
            "ATSPACE_SERVICE_DID": SERVICE_DID,
            "ATSPACE_PLC_URL": plc.url,
            "ATSPACE_DB_PATH": db_path,
            "ATSPACE_SOCKET": self.socket,
            "ATSPACE_WORKERS": str(os.cpu_count()),
            "ATSPACE_ALLOW_ROOT": "yes",
            "ATSPACE_DURABILITY": durability,
            "ATSPACE_LOG_LEVEL": "warn",
        })
        self.proc = self.nginx = None

    def start(self):
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        log_path = os.path.join(self.state, "atspace.log")
        with open(log_path, "ab") as lf:
            self.proc = subprocess.Popen([self.binary], env=self.env,
                                         stdin=subprocess.DEVNULL,
                                         stdout=lf, stderr=lf)
        for _ in range(200):
            if os.path.exists(self.socket):
                break
            time.sleep(0.05)
        self.nginx = nginx_start(self.state, self.port, self.socket)
        self.client = harness.Client(self.port)

    def stop(self):
        stop(self.nginx, signal.SIGQUIT)
        stop(self.proc)

    def call(self, nsid, token, body=None, query=None):
        path = "/xrpc/" + nsid
        if query:
            path += "?" + urllib.parse.urlencode(query)
        hdr = {"Authorization": "Bearer " + token}
        if body is not None:
            hdr["Content-Type"] = "application/json"
            body = json.dumps(body).encode()
        r = self.client.request("POST" if body is not None else "GET",
                                path, body=body, headers=hdr)
        if r.status != 200:
            raise RuntimeError("%s: %d %s" % (nsid, r.status, r.body))
        return json.loads(r.body)

    def rss(self):
        """RSS in KiB of the master and of each worker."""
        def kib(pid):
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            return 0
        kids = run(["pgrep", "-P", str(self.proc.pid)]).split()
        return kib(self.proc.pid), [kib(int(k)) for k in kids]


def rsvp_record(owner):
    return {
        "$type": COLLECTION,
        "status": COLLECTION + "#going",
        "subject": {
            "uri": "at://%s/community.lexicon.calendar.event/3lbench2ev22"
                   % owner,
            "cid": "bafyreib2rxk3rh6kzwq4ycxz5r5wzx7fvgmwq5hmk3cvd2oatvl5e3pbm",
        },
        "createdAt": "2026-12-04T05:00:00.000Z",
        "note": "x" * 40,
    }


def tool(name):
    return os.path.join(BUILD, name)


def transport_once(base, conns, seconds):
    """One wrk run against a fresh empty responder and nginx. Fresh each
    time: the responder serves one connection per process, so upstream
    connections that an earlier run left in nginx's keep-alive cache
    would hold processes and stall this run."""
    state = tempfile.mkdtemp(prefix="transport.", dir=base)
    os.chmod(state, 0o755)
    sock = os.path.join(state, "fcgi.sock")
    pidf = os.path.join(state, "fcgi.pid")
    run(["spawn-fcgi", "-s", sock, "-F", str(os.cpu_count()), "-P", pidf,
         "--", tool("empty-fcgi")])
    port = harness.free_port()
    ng = nginx_start(state, port, sock)
    body = os.path.join(state, "body")
    with open(body, "w") as f:
        f.write("x" * 300)
    try:
        return wrk(port, "post.lua", conns, seconds, ["/xrpc/x.y.z", body])
    finally:
        stop(ng, signal.SIGQUIT)
        with open(pidf) as f:
            for pid in f.read().split():
                os.kill(int(pid), signal.SIGTERM)


def measure_transport(a, base, plc, res):
    """The yardstick proper is atspace's own FastCGI layer with the core
    replaced by a fixed reply (bench/stub-core.c); the plain
    one-connection-per-process responder is kept beside it."""
    svc = Service(base, "stub", plc, os.path.join(base, "stub.sqlite"),
                  "normal", harness.free_port(), tool("stub-fcgi"))
    svc.start()
    body = os.path.join(svc.state, "body")
    with open(body, "w") as f:
        f.write("x" * 300)
    try:
        for c in (1, 8, 64):
            res["transport", c] = median_runs(a.repeat, lambda: wrk(
                svc.port, "post.lua", c, a.seconds, ["/xrpc/x.y.z", body]))
            log("transport %d conns: %.0f req/s" %
                (c, res["transport", c]["rps"]))
    finally:
        svc.stop()
    for c in (1, 8, 64):
        res["transport-plain", c] = median_runs(
            a.repeat, lambda: transport_once(base, c, a.seconds))
        log("plain responder %d conns: %.0f req/s" %
            (c, res["transport-plain", c]["rps"]))


def measure_crypto(a, plc, res):
    for alg in ("ES256K", "ES256"):
        ident = harness.Identity(plc, alg=alg)
        tok = ident.token(PUT)
        rates = [float(run([tool("verify-rate"), tok, ident.pub,
                            str(min(a.seconds, 5))]))
                 for _ in range(a.repeat)]
        res["crypto", alg] = statistics.median(rates)
        log("crypto %s: %.0f /s per core" % (alg, res["crypto", alg]))


def measure_storage(a, base, res):
    for d in ("normal", "full"):
        n = "20000" if d == "normal" else "5000"
        rates = [float(run([tool("commit-rate"), base, d, n]))
                 for _ in range(a.repeat)]
        res["storage", d] = statistics.median(rates)
        log("storage %s: %.0f commits/s" % (d, res["storage", d]))
        # The workers' case: one writer per core on the same file.
        procs = str(os.cpu_count())
        rates = [float(run([tool("commit-rate"), base, d, n, procs]))
                 for _ in range(a.repeat)]
        res["storage-procs", d] = statistics.median(rates)
        log("storage %s, %s processes: %.0f commits/s" % (
            d, procs, res["storage-procs", d]))


def space_for(svc, owner, member):
    tok = owner.token("rsvp.atmo.space.createSpace")
    uri = svc.call("rsvp.atmo.space.createSpace", tok, body={})["space"]["uri"]
    svc.call("rsvp.atmo.space.addMember",
             owner.token("rsvp.atmo.space.addMember"),
             body={"spaceUri": uri, "did": member.did})
    return uri


def files_for(state, uri, who, rec):
    """Writes the request pieces the Lua scripts read."""
    paths = {}
    exp = int(time.time()) + 7200
    for name, content in (
            ("put.json", json.dumps({"spaceUri": uri, "collection":
                                     COLLECTION, "record": rec})),
            ("put.token", who.token(PUT, exp=exp)),
            ("get.token", who.token(GET, exp=exp)),
            ("list.token", who.token(LIST, exp=exp))):
        paths[name] = os.path.join(state, name)
        with open(paths[name], "w") as f:
            f.write(content)
    return paths


def measure_service(a, base, plc, res):
    owner = harness.Identity(plc)
    member = harness.Identity(plc)
    for d in a.durability:
        svc = Service(base, "svc-" + d, plc,
                      os.path.join(base, "svc-%s.sqlite" % d), d,
                      harness.free_port())
        svc.start()
        try:
            uri = space_for(svc, owner, member)
            p = files_for(svc.state, uri, member, rsvp_record(owner.did))
            for c in (1, 8, 64):
                res["put", d, "reused", c] = median_runs(a.repeat, lambda: wrk(
                    svc.port, "put.lua", c, a.seconds,
                    [p["put.token"], p["put.json"]]))
                log("put %s reused %d: %.0f req/s p99 %.2f ms" % (
                    d, c, res["put", d, "reused", c]["rps"],
                    res["put", d, "reused", c]["p99"]))
            # A fresh token per request: enough for the fastest run, and
            # a restart before each run empties the workers' caches.
            pool = os.path.join(svc.state, "tokens")
            need = int(a.seconds * 25000)
            with open(pool, "w") as f:
                f.write(run([harness.MINTJWT, "--alg", member.alg, "--key",
                             member.key, "--iss", member.did, "--aud",
                             SERVICE_DID, "--lxm", PUT, "--exp",
                             str(int(time.time()) + 7200), "--count",
                             str(need)]))

            def distinct(c):
                svc.stop()
                svc.start()
                r = wrk(svc.port, "put-distinct.lua", c, a.seconds,
                        [pool, p["put.json"]])
                if r["requests"] > need:
                    r["note"] = "token pool wrapped"
                return r
            for c in (1, 8, 64):
                res["put", d, "distinct", c] = median_runs(
                    a.repeat, lambda: distinct(c))
                log("put %s distinct %d: %.0f req/s" % (
                    d, c, res["put", d, "distinct", c]["rps"]))
            if d == a.durability[0]:
                measure_reads(a, svc, uri, member, p, res, "read")
        finally:
            svc.stop()


def measure_reads(a, svc, uri, member, p, res, key, cursor=None):
    got = svc.call(PUT, member.token(PUT), body={
        "spaceUri": uri, "collection": COLLECTION, "record":
        rsvp_record(member.did)})
    q = urllib.parse.urlencode({"spaceUri": uri, "collection": COLLECTION,
                                "author": member.did, "rkey": got["rkey"]})
    res[key, "get"] = median_runs(a.repeat, lambda: wrk(
        svc.port, "get.lua", 64, a.seconds,
        [p["get.token"], "/xrpc/%s?%s" % (GET, q)]))
    lq = {"spaceUri": uri, "collection": COLLECTION, "limit": "50"}
    res[key, "list"] = median_runs(a.repeat, lambda: wrk(
        svc.port, "get.lua", 64, a.seconds,
        [p["list.token"], "/xrpc/%s?%s" % (LIST, urllib.parse.urlencode(lq))]))
    log("%s get %.0f req/s, list %.0f req/s" % (
        key, res[key, "get"]["rps"], res[key, "list"]["rps"]))
    if cursor is not None:
        lq["cursor"] = cursor
        res[key, "list-deep"] = median_runs(a.repeat, lambda: wrk(
            svc.port, "get.lua", 64, a.seconds,
            [p["list.token"],
             "/xrpc/%s?%s" % (LIST, urllib.parse.urlencode(lq))]))
        log("%s deep list %.0f req/s" % (key, res[key, "list-deep"]["rps"]))


def measure_growth(a, base, plc, res):
    owner = harness.Identity(plc)
    member = harness.Identity(plc)
    for n in a.growth:
        db = os.path.join(base, "growth-%d.sqlite" % n)
        t0 = time.time()
        run([tool("load-db"), db, owner.did, member.did, COLLECTION,
             str(n)])
        log("loaded %d records in %.0f s" % (n, time.time() - t0))
        svc = Service(base, "growth-%d" % n, plc, db, "normal",
                      harness.free_port())
        svc.start()
        try:
            uri = "at://%s/rsvp.atmo.event.space/bench" % owner.did
            p = files_for(svc.state, uri, member, rsvp_record(owner.did))
            res["growth", n, "put"] = median_runs(a.repeat, lambda: wrk(
                svc.port, "put.lua", 64, a.seconds,
                [p["put.token"], p["put.json"]]))
            # Deep page: the cursor of loader row n/2 (rowid = i + 1).
            mid = n // 2
            measure_reads(a, svc, uri, member, p, res, ("growth", n),
                          cursor="%d.%d" % (10 ** 12 + mid, mid + 1))
        finally:
            svc.stop()
            os.unlink(db)


def measure_memory(a, base, plc, res):
    owner = harness.Identity(plc)
    member = harness.Identity(plc)
    svc = Service(base, "memory", plc, os.path.join(base, "mem.sqlite"),
                  "normal", harness.free_port())
    svc.start()
    try:
        uri = space_for(svc, owner, member)
        p = files_for(svc.state, uri, member, rsvp_record(owner.did))
        got = svc.call(PUT, member.token(PUT), body={
            "spaceUri": uri, "collection": COLLECTION, "record":
            rsvp_record(member.did)})
        q = urllib.parse.urlencode({"spaceUri": uri, "collection":
                                    COLLECTION, "author": member.did,
                                    "rkey": got["rkey"]})
        done = 0
        for target in a.memory:
            while done < target:
                r = wrk(svc.port, "mixed.lua", 64, 10,
                        [p["put.token"], p["put.json"], p["get.token"],
                         "/xrpc/%s?%s" % (GET, q)])
                done += r["requests"]
            res["memory", target] = (done,) + svc.rss()
            log("after %d requests: master %d KiB, workers %s KiB" % (
                done, res["memory", target][1], res["memory", target][2]))
    finally:
        svc.stop()


def table(a, res):
    rows = []

    def row(*cells):
        rows.append("| " + " | ".join(str(c) for c in cells) + " |")

    def fmt(r):
        return "%.0f | %.2f | %.2f | %d" % (r["rps"], r["p50"], r["p99"],
                                            r["errors"])
    rows.append("| measurement | req/s | p50 ms | p99 ms | errors |")
    rows.append("| --- | --- | --- | --- | --- |")
    for c in (1, 8, 64):
        if ("transport", c) in res:
            row("transport limit (atspace's FastCGI layer, no core), "
                "%d conns" % c, fmt(res["transport", c]))
    for c in (1, 8, 64):
        if ("transport-plain", c) in res:
            row("one-connection responder (spawn-fcgi), %d conns" % c,
                fmt(res["transport-plain", c]))
    for d in a.durability:
        for kind in ("reused", "distinct"):
            for c in (1, 8, 64):
                k = ("put", d, kind, c)
                if k in res:
                    row("putRecord %s, %s token, %d conns" % (d, kind, c),
                        fmt(res[k]))
    for k, name in ((("read", "get"), "getRecord, 64 conns"),
                    (("read", "list"), "listRecords limit 50, 64 conns")):
        if k in res:
            row(name, fmt(res[k]))
    for n in a.growth:
        for what, name in (("put", "putRecord"), ("get", "getRecord"),
                           ("list", "listRecords first page"),
                           ("list-deep", "listRecords page at n/2")):
            k = ("growth", n, what) if what == "put" else \
                (("growth", n), what)
            if k in res:
                row("%s with %d records, 64 conns" % (name, n),
                    fmt(res[k]))
    out = ["\n".join(rows), ""]
    lim = ["| limit | figure |", "| --- | --- |"]
    for alg in ("ES256K", "ES256"):
        if ("crypto", alg) in res:
            lim.append("| %s verify, one core | %.0f /s (x%d cores = %.0f) |"
                       % (alg, res["crypto", alg], os.cpu_count(),
                          res["crypto", alg] * os.cpu_count()))
    for d in ("normal", "full"):
        if ("storage", d) in res:
            lim.append("| SQLite commits, synchronous=%s, one process |"
                       " %.0f /s |" % (d.upper(), res["storage", d]))
        if ("storage-procs", d) in res:
            lim.append("| SQLite commits, synchronous=%s, %d processes "
                       "sharing the file | %.0f /s |" % (
                           d.upper(), os.cpu_count(),
                           res["storage-procs", d]))
    out += ["\n".join(lim), ""]
    mem = ["| after requests | master RSS KiB | worker RSS KiB |",
           "| --- | --- | --- |"]
    for t in a.memory:
        if ("memory", t) in res:
            n, m, w = res["memory", t]
            mem.append("| %d | %d | %s |" % (n, m, ", ".join(map(str, w))))
    out += ["\n".join(mem), ""]
    out.append(ratios(a, res))
    return "\n".join(out)


def ratios(a, res):
    """The issue's targets, as ratios of this run's own figures."""
    lines = ["| target | measured | met |", "| --- | --- | --- |"]

    def t(name, value, ok):
        lines.append("| %s | %s | %s |" % (name, value, "yes" if ok else
                                            "no"))
    tr = res.get(("transport", 64))
    put = res.get(("put", "normal", "reused", 64))
    if tr and put:
        r = put["rps"] / tr["rps"]
        t("putRecord reused token >= 50% of transport", "%.0f%%" % (100 * r),
          r >= 0.5)
    dist = res.get(("put", "normal", "distinct", 64))
    if tr and dist and ("crypto", "ES256K") in res:
        cap = min(res["crypto", "ES256K"] * os.cpu_count(), tr["rps"])
        r = dist["rps"] / cap
        t("putRecord distinct tokens >= 50% of min(crypto x cores, "
          "transport)", "%.0f%%" % (100 * r), r >= 0.5)
    get = res.get(("read", "get"))
    if tr and get:
        r = get["rps"] / tr["rps"]
        t("getRecord >= 70% of transport", "%.0f%%" % (100 * r), r >= 0.7)
    if get:
        t("getRecord p99 < 10 ms", "%.2f ms" % get["p99"], get["p99"] < 10)
    if put:
        t("putRecord NORMAL p99 < 10 ms", "%.2f ms" % put["p99"],
          put["p99"] < 10)
    if len(a.growth) >= 2:
        lo, hi = a.growth[0], a.growth[-1]
        for what in ("put", "get"):
            k1 = ("growth", lo, what) if what == "put" else \
                (("growth", lo), what)
            k2 = ("growth", hi, what) if what == "put" else \
                (("growth", hi), what)
            if k1 in res and k2 in res:
                drop = 1 - res[k2]["rps"] / res[k1]["rps"]
                t("%s falls < 20%% from %d to %d records" % (what, lo, hi),
                  "%.0f%%" % (100 * drop), drop < 0.2)
        k1, k2 = (("growth", hi), "list"), (("growth", hi), "list-deep")
        if k1 in res and k2 in res:
            r = res[k2]["rps"] / res[k1]["rps"]
            t("deep listRecords page costs the same as the first",
              "%.0f%% of first-page req/s" % (100 * r), r > 0.8)
    if len(a.memory) >= 2 and all(("memory", m) in res for m in a.memory):
        first = res["memory", a.memory[0]][2]
        last = res["memory", a.memory[-1]][2]
        t("worker RSS < 16 MiB", "max %d KiB" % max(last),
          max(last) < 16384)
        t("worker RSS flat between %d and %d requests" % (
            a.memory[0], a.memory[-1]), "%s -> %s KiB" % (first, last),
          max(last) <= max(first) * 1.05 + 256)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--durability", default="normal,full")
    ap.add_argument("--growth", default="10000,1000000,10000000")
    ap.add_argument("--memory", default="1000000,5000000")
    ap.add_argument("--only", default="transport,crypto,storage,service,"
                    "growth,memory")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    a = ap.parse_args()
    a.durability = [d for d in a.durability.split(",") if d]
    a.growth = [int(n) for n in a.growth.split(",") if n]
    a.memory = [int(n) for n in a.memory.split(",") if n]
    only = set(a.only.split(","))
    base = tempfile.mkdtemp(prefix="atspace-bench.")
    os.chmod(base, 0o755)
    plc = harness.Plc()
    res = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        if "transport" in only:
            measure_transport(a, base, plc, res)
        if "crypto" in only:
            measure_crypto(a, plc, res)
        if "storage" in only:
            measure_storage(a, base, res)
        if "service" in only:
            measure_service(a, base, plc, res)
        if "growth" in only:
            measure_growth(a, base, plc, res)
        if "memory" in only:
            measure_memory(a, base, plc, res)
    finally:
        plc.stop()
        shutil.rmtree(base, ignore_errors=True)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    head = ["# atspace benchmark, %s" % started.strftime("%Y-%m-%d %H:%M UTC"),
            "",
            "Machine: %s, nproc %d, %.1f GiB memory, %s." % (
                platform.node(), os.cpu_count(), mem / 2 ** 30,
                platform.platform()),
            "Command: `%s`; medians of %d runs of %d s." % (
                " ".join(["python3", "bench/bench.py"] + sys.argv[1:]),
                a.repeat, a.seconds),
            ""]
    text = "\n".join(head) + "\n" + table(a, res) + "\n\n## Commands\n\n" + \
        "\n".join("    " + c for c in sorted(set(commands))) + "\n"
    print(text)
    os.makedirs(a.out, exist_ok=True)
    name = started.strftime("%Y-%m-%d-%H%M") + ".md"
    with open(os.path.join(a.out, name), "w") as f:
        f.write(text)
    log("wrote " + os.path.join(a.out, name))


if __name__ == "__main__":
    main()

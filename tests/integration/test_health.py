# atspace: ISC licence, see README.md.
"""
/xrpc/_health and /xrpc/_metrics, through nginx (deploy/nginx-local.conf.in).

  health-1    _health: 200 with version and database ok, no token needed,
              X-Request-Id echoed and the id in the service's log line
  metrics-1   _metrics: Prometheus text; counters summed over all
              workers; DID cache hits and misses; loopback only
  health-2    a service of its own: a killed worker counts as a restart;
              a database that cannot be read makes _health 503
"""

import os
import re
import signal
import sqlite3
import time

import harness
from harness import Fail, Service, expect, expect_ok
from test_lighttpd import from_other_address

PUT = "rsvp.atmo.space.putRecord"
SAMPLE_RE = re.compile(r'^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$')


def scrape(client):
    """{(name, labels): value} from /xrpc/_metrics; checks the format."""
    r = client.request("GET", "/xrpc/_metrics")
    expect(r.status == 200, "_metrics: " + r.describe())
    expect(r.headers.get("content-type", "").startswith("text/plain"),
           "content type %r" % r.headers.get("content-type"))
    out = {}
    for line in r.body.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE_RE.match(line)
        expect(m is not None, "not a sample line: %r" % line)
        out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def requests_of(samples, nsid, status):
    return samples.get(("atspace_requests_total", '{nsid="%s",status="%d"}'
                        % (nsid, status)), 0)


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(d))
    return kids


def run(w):
    c = w.svc.client
    with w.case("health-1.1", "_health: 200 ok, version, database ok"):
        r = c.request("GET", "/xrpc/_health")
        j = expect_ok(r)
        expect(j.get("status") == "ok" and j.get("database") == "ok" and
               isinstance(j.get("version"), str) and j["version"],
               "body " + r.describe())
    with w.case("health-1.2", "X-Request-Id from the client is echoed "
                "and logged"):
        rid = "health-%d" % int(time.time() * 1000)
        r = c.request("GET", "/xrpc/_health", headers={"X-Request-Id": rid})
        expect(r.headers.get("x-request-id") == rid,
               "header %r" % r.headers.get("x-request-id"))
        time.sleep(0.1)
        expect(re.search(r"req=%s .*nsid=_health status=200" % rid,
                         w.svc.log_text()), "no access line with req=" + rid)
    with w.case("health-1.3", "_health refuses POST with 400 JSON"):
        r = c.request("POST", "/xrpc/_health", b"{}",
                      {"Content-Type": "application/json"})
        harness.expect_error(r, 400, "InvalidRequest")

    owner = w.identity()
    with w.case("metrics-1.1", "Prometheus text with every family"):
        s = scrape(c)
        names = {k[0] for k in s}
        for n in ("atspace_requests_total",
                  "atspace_request_duration_seconds_bucket",
                  "atspace_request_duration_seconds_count",
                  "atspace_did_cache_hits_total",
                  "atspace_did_cache_misses_total",
                  "atspace_db_busy_total",
                  "atspace_worker_restarts_total"):
            expect(n in names, "no %s" % n)
    with w.case("metrics-1.2", "30 requests over fresh connections (all "
                "workers) add 30 to the sum"):
        before = scrape(c)
        for _ in range(30):
            cl = harness.Client(w.svc.port)
            r = cl.request("GET", "/xrpc/_health",
                           headers={"Connection": "close"})
            cl.close()
            expect(r.status == 200, r.describe())
        after = scrape(c)
        got = requests_of(after, "_health", 200) - \
            requests_of(before, "_health", 200)
        expect(got == 30, "the count grew by %d" % got)
        h = ("atspace_request_duration_seconds_bucket", '{le="+Inf"}')
        expect(after[h] - before[h] >= 31, "histogram grew by %d" % (
            after[h] - before[h]))
    with w.case("metrics-1.3", "a new DID: a miss, then hits"):
        before = scrape(c)
        uri = w.create_space(owner)["uri"]
        for i in range(3):
            expect_ok(w.put(owner, uri, "com.example.m", {"n": i}))
        after = scrape(c)
        miss = after[("atspace_did_cache_misses_total", "")] - \
            before[("atspace_did_cache_misses_total", "")]
        hit = after[("atspace_did_cache_hits_total", "")] - \
            before[("atspace_did_cache_hits_total", "")]
        expect(miss >= 1 and hit >= 2, "misses +%d, hits +%d" % (miss, hit))
        expect(requests_of(after, PUT, 200) - requests_of(before, PUT, 200)
               == 3, "putRecord 200 count did not grow by 3")
    with w.case("metrics-1.4", "nginx: _metrics refused from 127.0.0.2, "
                "_health not"):
        st = from_other_address(w.svc.port, "/xrpc/_metrics")
        expect(st == 403, "_metrics from 127.0.0.2: %d" % st)
        st = from_other_address(w.svc.port, "/xrpc/_health")
        expect(st == 200, "_health from 127.0.0.2: %d" % st)

    own = None
    try:
        with w.case("health-2.1", "a service with one worker starts"):
            own = Service(w.plc, w.base, "health", env={
                "ATSPACE_WORKERS": "1"})
            own.start()
        if own is None or not own.alive():
            return
        with w.case("health-2.2", "a killed worker is replaced and "
                    "counted as a restart"):
            kids = children(own.proc.pid)
            expect(len(kids) == 1, "workers %r" % kids)
            os.kill(kids[0], signal.SIGKILL)
            deadline = time.time() + 5
            while time.time() < deadline:
                k = children(own.proc.pid)
                if k and k != kids:
                    break
                time.sleep(0.05)
            own.client.close()
            s = scrape(own.client)
            expect(s[("atspace_worker_restarts_total", "")] == 1,
                   "restarts %r" % s[("atspace_worker_restarts_total", "")])
        with w.case("health-2.3", "an unreadable database makes _health "
                    "503"):
            # The new worker has read no page of the space table yet;
            # damage its b-trees (table and unique index) on disk.
            con = sqlite3.connect(own.db_path, isolation_level=None)
            roots = [r for r, in con.execute(
                "SELECT rootpage FROM sqlite_master WHERE tbl_name = "
                "'space'")]
            ps, = con.execute("PRAGMA page_size").fetchone()
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
            with open(own.db_path, "r+b") as f:
                for p in roots:
                    f.seek((p - 1) * ps)
                    f.write(b"\xff" * 64)
            r = own.client.request("GET", "/xrpc/_health")
            expect(r.status == 503, "got " + r.describe())
            expect(r.json == {"status": "unavailable", "version":
                              r.json.get("version"), "database": "error"},
                   "body " + r.describe())
    finally:
        if own is not None:
            rc, _ = own.stop()
            if rc not in (0, None):
                raise Fail("health service exit status %s" % rc)

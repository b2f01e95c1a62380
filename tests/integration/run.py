# atspace: ISC licence, see README.md.
"""
Runs the integration scenarios: a local PLC directory, the real
./atspace-fcgi on a Unix socket and a real nginx in front of it, all in
one temporary directory, then every case through HTTP on loopback.

  python3 tests/integration/run.py [MODULE ...]	(default: all, in order)

Groups of this file:
  harness-1   prerequisites and start-up (service, socket, nginx)
  stop-1      SIGTERM stops the service with status 0 within 10 s
The scenario files are listed in MODULES; each opens with its own map.

The temporary directory is removed when everything passed, and kept (its
path printed) otherwise: atspace.log, nginx-error.log and the database
are what to read first. The last line is "integration: N passed, N
failed" (", N skipped" when some were); exit status 1 when any failed.
"""

import importlib
import os
import signal
import sys
import tempfile
import traceback

# The checkout stays clean: no __pycache__ beside the scenarios.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MODULES = [
    "test_xrpc",		# routing, methods, content types, body size
    "test_auth",		# tokens and DID documents
    "test_createspace",
    "test_addmember",
    "test_putrecord",
    "test_getrecord",
    "test_vectors",		# shared service-auth vectors, own services
    "test_libjwt",		# tokens minted by libjwt, ES256 and HS256
    "test_concurrency",
    "test_spaceapi_roles",	# endpoint x role table, issue 3
    "test_spaceapi_rules",	# formats, check order, ats:// alias
    "test_spaceapi_spaces",	# getSpace, listSpaces, deleteSpace, whoami
    "test_spaceapi_members",	# removeMember, leaveSpace, listMembers
    "test_spaceapi_records",	# listRecords, deleteRecord, swapRecord
    "test_spaceapi_cids",	# recordView.cid against the fixtures
    "test_hostile_input",	# bodies, HTTP, queries, syntax vectors
    "test_hostile_tokens",	# token-failure roles x every endpoint
    "test_fault_identity",	# PLC down, slow, garbage, odd keys
    "test_fault_stop",		# SIGTERM under load drops nothing
    "test_fault_storage",	# full disk, held write lock
    "test_fault_crash",		# SIGKILLed workers lose no write
    "test_health",		# _health, _metrics (issue 7)
    "test_lighttpd",		# one request set via nginx and lighttpd
    "test_spawnfcgi",		# started by spawn-fcgi; the root refusal
    "test_ctl",			# atspacectl against the live service
    "test_systemd",		# the units parse, sandboxing is there
    "test_install",		# make install / uninstall into a DESTDIR
    "test_invites",		# invites and read grants (issue 4)
    "test_blobs",		# blobs, refs, the orphan pass (issue 4)
    "test_log",			# what the log must never hold
]
# The suite must finish well under three minutes; past this, give up.
WATCHDOG = 170


class Watchdog(BaseException):
    pass


def on_alarm(signo, frame):
    raise Watchdog()


def prerequisites(res):
    missing = []
    if not os.access(harness.SERVICE_BIN, os.X_OK):
        missing.append("./atspace-fcgi (run make)")
    if not harness.have_mintjwt():
        missing.append("build/tools/mintjwt (run make)")
    if harness.find_nginx() is None:
        missing.append("nginx")
    with res.case("harness-1.1", "service binary, mintjwt and nginx exist"):
        harness.expect(not missing, "missing " + ", ".join(missing))
    return not missing


def run_module(name, w):
    try:
        mod = importlib.import_module(name)
        mod.run(w)
    except (harness.Fail, Exception) as e:
        # A scenario that breaks outside its cases still counts, once.
        with w.case(name + "-0.0", "scenario file runs to its end"):
            traceback.print_exc(limit=3, file=sys.stdout)
            raise harness.Fail("%s: %s" % (type(e).__name__, e))


def main(argv):
    res = harness.Results()
    names = argv or MODULES
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        print("run.py: unknown module %s; have %s" % (
            ", ".join(unknown), " ".join(MODULES)))
        return 2
    base = tempfile.mkdtemp(prefix="atspace-it.")
    plc = svc = None
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(WATCHDOG)
    try:
        if not prerequisites(res):
            return 1
        harness.pin_binaries(base)
        plc = harness.Plc()
        svc = harness.Service(plc, base, "main")
        with res.case("harness-1.2", "service and nginx start and answer"):
            svc.start()
        if not svc.alive():
            return 1
        w = harness.World(res, plc, svc, base)
        for n in names:
            run_module(n, w)
        with res.case("stop-1.1", "SIGTERM: the service exits 0 within "
                      "10 s"):
            alive = svc.alive()
            rc, secs = svc.stop()
            harness.expect(alive, "the service had already exited with "
                           "status %s" % rc)
            harness.expect(rc == 0, "exit status %s after %.1f s" % (
                rc, secs))
    except Watchdog:
        with res.case("harness-1.3", "the suite ends within %d s" %
                      WATCHDOG):
            raise harness.Fail("watchdog fired; stopped where it was")
    finally:
        signal.alarm(0)
        if svc is not None:
            svc.stop()
        if plc is not None:
            plc.stop()
        if res.failed:
            print("integration: state kept in " + base)
        else:
            harness.remove_tree(base)
        print(res.summary(), flush=True)
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

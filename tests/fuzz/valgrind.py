# atspace: ISC licence, see README.md.
"""
"make valgrind": one worker under valgrind (memcheck, full leak check)
serving a mixed request set through nginx, then stopped with SIGTERM.
Passes when valgrind reports no errors and nothing definitely or
indirectly lost in the worker. Slow (valgrind), so not part of check.

  python3 tests/fuzz/valgrind.py

The mixed set: createSpace, addMember, putRecord (new and overwrite),
getRecord, listRecords, listMembers, whoami, deleteRecord, and refusals
(bad JSON, a bad token, an unknown method, a missing parameter).
Valgrind's logs (one per process) stay in the printed directory when
anything is wrong. Ends with "valgrind: N passed, N failed".
"""

import glob
import os
import re
import shutil
import stat
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "integration"))
import harness  # noqa: E402

P = "rsvp.atmo.space."


def wrapper(base, real):
    """A script that runs real under valgrind, one log per process."""
    path = os.path.join(base, "atspace-fcgi-vg")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --quiet --trace-children=yes "
                "--leak-check=full --show-leak-kinds=definite,indirect "
                "--errors-for-leak-kinds=definite,indirect "
                "--log-file=%s/vg.%%p.log %s \"$@\"\n" % (base, real))
    os.chmod(path, stat.S_IRWXU)
    return path


def mixed(w, svc):
    owner, member = w.identity(), w.identity()
    uri = w.create_space(owner, svc=svc)["uri"]
    w.add_member(owner, uri, member.did, svc=svc)
    coll = "com.example.vg"
    for who in (owner, member):
        for rkey in ("a", "a", "b"):
            harness.expect_ok(w.put(who, uri, coll, {"t": rkey, "n": 1},
                                    rkey=rkey, svc=svc))
    harness.expect_ok(w.get(member, uri, coll, owner.did, "a", svc=svc))
    for nsid, q in ((P + "listRecords", {"spaceUri": uri,
                                         "collection": coll}),
                    (P + "listMembers", {"spaceUri": uri}),
                    ("rsvp.atmo.spaceExt.whoami", {"spaceUri": uri})):
        harness.expect_ok(w.xrpc(nsid, owner, query=q, svc=svc))
    harness.expect_ok(w.xrpc(P + "deleteRecord", owner, svc=svc, body={
        "spaceUri": uri, "collection": coll, "rkey": "b"}))
    w.xrpc(P + "putRecord", owner, body=b"{not json", svc=svc)
    w.xrpc(P + "putRecord", token="x.y.z", body={}, svc=svc)
    w.xrpc("com.example.nothing", svc=svc)
    w.xrpc(P + "getRecord", owner, query={"spaceUri": uri}, svc=svc)


def main():
    res = harness.Results()
    if shutil.which("valgrind") is None:
        print("skip: valgrind is not installed (apt-get install valgrind)")
        print("valgrind: 0 passed, 0 failed, 1 skipped")
        return 0
    base = tempfile.mkdtemp(prefix="atspace-vg.")
    harness.pin_binaries(base)
    harness.SERVICE_BIN = wrapper(base, harness.SERVICE_BIN)
    plc = harness.Plc()
    svc = harness.Service(plc, base, "vg", env={"ATSPACE_WORKERS": "1"})
    w = harness.World(res, plc, svc, base)
    try:
        with res.case("valgrind-1.1", "a worker under valgrind serves the "
                      "mixed request set"):
            svc.start()
            mixed(w, svc)
        with res.case("valgrind-1.2", "SIGTERM: exit 0"):
            rc, _ = svc.stop()
            harness.expect(rc == 0, "exit status %s" % rc)
        with res.case("valgrind-1.3", "no memcheck errors, nothing "
                      "definitely or indirectly lost"):
            bad = []
            logs = glob.glob(os.path.join(base, "vg.*.log"))
            harness.expect(logs, "no valgrind logs")
            for p in logs:
                with open(p, errors="replace") as f:
                    text = f.read()
                if re.search(r"(definitely|indirectly) lost", text) \
                        or re.search(r"ERROR SUMMARY: [1-9]", text) or \
                        re.search(r"Invalid (read|write)|uninitialised",
                                  text):
                    bad.append(os.path.basename(p))
            harness.expect(not bad, "reports in %s" % ", ".join(bad))
    finally:
        svc.stop()
        plc.stop()
        if res.failed:
            print("valgrind: logs kept in " + base)
        else:
            harness.remove_tree(base)
        print(res.summary().replace("integration:", "valgrind:"))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())

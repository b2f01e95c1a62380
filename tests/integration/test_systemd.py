# atspace: ISC licence, see README.md.
"""
The systemd units in deploy/: they parse, and they carry the sandboxing
a distribution would ship. systemd need not be running; only
systemd-analyze is used, on copies whose ExecStart names this build's
binary (verify insists the executable exists).

  systemd-1   the options README and the issue promise are present
  systemd-2   systemd-analyze verify accepts both units
"""

import os
import re
import shutil
import subprocess

import harness
from harness import Skip, expect

DEPLOY = os.path.join(harness.ROOT, "deploy")
WANT = [
    ("NoNewPrivileges", r"^NoNewPrivileges=yes$"),
    ("ProtectSystem=strict", r"^ProtectSystem=strict$"),
    ("StateDirectory", r"^StateDirectory=atspace$"),
    ("a dedicated or dynamic user", r"^(User=atspace|DynamicUser=yes)$"),
    ("a system call filter", r"^SystemCallFilter=@system-service$"),
    ("the socket on fd 0", r"^StandardInput=socket$"),
]


def read(name):
    with open(os.path.join(DEPLOY, name)) as f:
        return f.read()


def run(w):
    unit = read("atspace.service")
    for i, (what, pat) in enumerate(WANT, 1):
        with w.case("systemd-1.%d" % i, "atspace.service: %s" % what):
            expect(re.search(pat, unit, re.M), "no line matching " + pat)
    with w.case("systemd-1.%d" % (len(WANT) + 1),
                "atspace.socket listens where nginx.conf points"):
        sock = re.search(r"^ListenStream=(\S+)$", read("atspace.socket"),
                         re.M)
        expect(sock is not None, "no ListenStream")
        expect("unix:%s;" % sock.group(1) in read("nginx.conf"),
               "nginx.conf does not use " + sock.group(1))

    with w.case("systemd-2.1", "systemd-analyze verify accepts the units"):
        tool = shutil.which("systemd-analyze")
        if tool is None:
            raise Skip("systemd-analyze not installed (package systemd); "
                       "the units were not parsed")
        d = os.path.join(w.base, "units")
        os.makedirs(d, exist_ok=True)
        for name in ("atspace.service", "atspace.socket"):
            text = read(name).replace("/usr/local/bin/atspace-fcgi",
                                      harness.SERVICE_BIN)
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        p = subprocess.run([tool, "verify", "--man=no",
                            os.path.join(d, "atspace.socket"),
                            os.path.join(d, "atspace.service")],
                           capture_output=True, text=True, timeout=30)
        # Complaints about other units on this host are not ours.
        ours = [l for l in (p.stdout + p.stderr).splitlines()
                if "atspace." in l]
        expect(not ours, "; ".join(ours)[:600])

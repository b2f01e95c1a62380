# atspace: ISC licence, see README.md.
"""
make install and make uninstall into a temporary DESTDIR, with the
binaries already built treated as up to date (make -o), so that the
test never rebuilds a checkout others may be editing.

  install-1   every promised file lands under DESTDIR/PREFIX, programs
              executable, units pointing at PREFIX/bin
  install-2   uninstall removes them all
"""

import os
import shutil
import subprocess

import harness
from harness import Skip, expect

PREFIX = "/opt/atspace-test"
FILES = [
    ("bin/atspace-fcgi", 0o755),
    ("bin/atspacectl", 0o755),
    ("share/man/man8/atspace-fcgi.8", 0o644),
    ("share/man/man8/atspacectl.8", 0o644),
    ("share/man/man5/atspace.conf.5", 0o644),
    ("share/atspace/atspace.conf.example", 0o644),
    ("share/atspace/nginx.conf", 0o644),
    ("share/atspace/lighttpd.conf", 0o644),
    ("share/atspace/atspace.service", 0o644),
    ("share/atspace/atspace.socket", 0o644),
    ("share/atspace/spawn-fcgi.sh", 0o755),
    ("share/doc/atspace/README.md", 0o644),
]


def make(target, dest):
    return subprocess.run(
        ["make", "-s", "-C", harness.ROOT, "-o", "atspace-fcgi", "-o",
         "atspacectl", target, "PREFIX=" + PREFIX, "DESTDIR=" + dest],
        capture_output=True, text=True, timeout=60)


def run(w):
    dest = os.path.join(w.base, "destdir")
    root = dest + PREFIX
    with w.case("install-1.1", "make install succeeds"):
        if shutil.which("make") is None:
            raise Skip("make not installed")
        for b in ("atspace-fcgi", "atspacectl"):
            expect(os.access(os.path.join(harness.ROOT, b), os.X_OK),
                   "./%s is not built (run make)" % b)
        p = make("install", dest)
        expect(p.returncode == 0, "exit %d: %s" % (p.returncode,
                                                   p.stderr[-400:]))
    for i, (rel, mode) in enumerate(FILES, 2):
        with w.case("install-1.%d" % i, "%s, mode %o" % (rel, mode)):
            st = os.stat(os.path.join(root, rel))
            expect(st.st_mode & 0o777 == mode, "mode %o" % (
                st.st_mode & 0o777))
    with w.case("install-1.%d" % (len(FILES) + 2),
                "the installed unit runs PREFIX/bin/atspace-fcgi"):
        with open(os.path.join(root, "share/atspace/atspace.service")) as f:
            text = f.read()
        expect("ExecStart=%s/bin/atspace-fcgi" % PREFIX in text and
               "/usr/local" not in text, "unit not rewritten for PREFIX")
    with w.case("install-1.%d" % (len(FILES) + 3),
                "the installed atspacectl runs"):
        p = subprocess.run([os.path.join(root, "bin/atspacectl"),
                            "--version"], capture_output=True, text=True)
        expect(p.returncode == 0 and p.stdout.startswith("atspacectl "),
               "exit %d %r" % (p.returncode, p.stdout))
    with w.case("install-2.1", "make uninstall leaves no file behind"):
        p = make("uninstall", dest)
        expect(p.returncode == 0, "exit %d: %s" % (p.returncode,
                                                   p.stderr[-400:]))
        left = [os.path.join(d, f) for d, _, fs in os.walk(dest)
                for f in fs]
        expect(not left, "left: " + ", ".join(left[:5]))

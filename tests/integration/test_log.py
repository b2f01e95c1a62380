# atspace: ISC licence, see README.md.
"""
What the service's log must never hold (../shared/STYLE.md, Logging):
tokens, Authorization headers, record bodies. Runs last, over the log of
the whole run.

  log-1   no JWT, no token signature, no record content in the log;
          one line per request is there at all
"""

import re
import time

from harness import expect, expect_ok

PUT = "rsvp.atmo.space.putRecord"
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")


def run(w):
    owner, uri = w.space_with()
    marker = "log-secret-%d" % int(time.time() * 1000)
    token = owner.token(PUT)
    expect_ok(w.xrpc(PUT, body={"spaceUri": uri, "collection":
                                "com.example.log",
                                "record": {"secret": marker}},
                     token=token))
    # A rejected one too: bodies of failed requests are no less private.
    w.xrpc(PUT, body={"spaceUri": uri, "collection": "bad",
                      "record": {"secret": marker}}, token=token)
    time.sleep(0.2)
    text = w.svc.log_text()

    with w.case("log-1.1", "the log holds lines at all"):
        expect(text.count("\n") >= 10, "only %d lines" % text.count("\n"))
    with w.case("log-1.2", "no JWT-looking text in the log"):
        m = JWT_RE.search(text)
        expect(m is None, "found %r" % (m.group(0)[:40] if m else ""))
    with w.case("log-1.3", "no token signature segment in the log"):
        expect(token.rsplit(".", 1)[1] not in text, "signature logged")
    with w.case("log-1.4", "no record content in the log"):
        expect(marker not in text, "record body logged")

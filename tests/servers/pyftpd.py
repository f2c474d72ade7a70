#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""pyftpdlib test server for the kftp guest suite.

Run it with /usr/bin/python3: Debian's python3-pyftpdlib is installed for
that interpreter only (the python3 first on PATH may be a pyenv one).

  pyftpd.py --root DIR --log FILE [--host 127.0.0.1] [--port 2122]
            [--pidfile FILE]

Accounts, both read-only ("elr": change dir, list, retrieve) on DIR:
  anonymous (any password) and kuser / kpass.

Every connection and every raw command line the server receives is written
to the log file, one per line, before pyftpdlib parses it:
  CONNECT 127.0.0.1:40000
  CMD 127.0.0.1:40000 b'RETR x'
  DISCONNECT 127.0.0.1:40000
The suite reads that log to prove that a rejected request (CR/LF in a
field) never reached the server, and that no injected command (DELE) ran.
The raw bytes are logged with repr(), so a CR or LF inside a line is
visible as \\r or \\n instead of splitting the log line. pyftpdlib's own
debug log (replies included, "->" lines) goes to the same file.

The process stays in the foreground; the suite starts it with & and stops
it with SIGTERM (or SIGINT), which closes the listening socket and every
session.
"""

import argparse
import logging
import os
import signal
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import ActiveDTP, FTPHandler
from pyftpdlib.servers import FTPServer

LOG = logging.getLogger("pyftpd")


class HandedOverDTP(ActiveDTP):
    """pyftpdlib 1.5.7 keeps a connected ActiveDTP as _dtp_connector and
    close()s it again at the next PORT or at QUIT, which unregisters its old
    descriptor number from the ioloop: by then another session's connector
    may have that number, and that session's data connection is never seen
    (421 Active data channel timed out). kftp's sessions send many PORTs on
    one connection, so once connected, the connector is forgotten."""

    def handle_connect(self):
        if self.cmd_channel._dtp_connector is self:
            self.cmd_channel._dtp_connector = None
        super().handle_connect()


class LoggingHandler(FTPHandler):
    """FTPHandler that logs connections and raw command lines."""

    active_dtp = HandedOverDTP

    # Keep the wrong-password case quick; the delay itself is not under test.
    auth_failed_timeout = 0.5

    def _peer(self):
        return "%s:%s" % (self.remote_ip, self.remote_port)

    def on_connect(self):
        LOG.info("CONNECT %s", self._peer())

    def on_disconnect(self):
        LOG.info("DISCONNECT %s", self._peer())

    def found_terminator(self):
        # Log the bytes exactly as received, before decoding or splitting.
        LOG.info("CMD %s %r", self._peer(), b"".join(self._in_buffer))
        super().found_terminator()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="directory served")
    ap.add_argument("--log", required=True, help="log file (appended)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2122)
    ap.add_argument("--pidfile", help="write our pid here once listening")
    args = ap.parse_args()

    root = os.path.abspath(args.root)
    if not os.path.isdir(root):
        sys.exit("pyftpd: --root %s is not a directory" % root)

    # logging.FileHandler flushes after every record, so the suite can read
    # the log while the server runs.
    logging.basicConfig(filename=args.log, level=logging.DEBUG,
                        format="%(asctime)s %(name)s %(message)s")

    auth = DummyAuthorizer()
    auth.add_anonymous(root, perm="elr")
    auth.add_user("kuser", "kpass", root, perm="elr")

    handler = LoggingHandler
    handler.authorizer = auth
    handler.banner = "kftp test pyftpdlib ready."
    # Defaults kept on purpose: no foreign addresses in PORT, no privileged
    # data ports. kftp must pass those checks, not have them relaxed.

    server = FTPServer((args.host, args.port), handler)
    LOG.info("LISTEN %s:%d root=%s pid=%d", args.host, args.port, root,
             os.getpid())
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.pidfile + ".tmp", args.pidfile)

    def stop(signum, frame):
        # Raise out of the ioloop; serve_forever()'s finally closes all.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(handle_exit=True)
    except KeyboardInterrupt:
        pass
    finally:
        server.close_all()
        LOG.info("STOPPED")
        if args.pidfile:
            try:
                os.unlink(args.pidfile)
            except OSError:
                pass


if __name__ == "__main__":
    main()

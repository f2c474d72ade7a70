#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal recording FTP server for the kftp ioctl fuzzer.

It speaks just enough FTP for kftp to reach RETR (or a listing), which it
always refuses with 550, so no data connection is ever needed:

    220 greeting; USER -> 331; PASS -> 230; TYPE -> 200;
    SIZE -> 213 5 (550 when the path contains "nosize"); MDTM -> 213 time;
    PORT/EPRT -> 200; REST -> 350; RETR, LIST, NLST, MLSD -> 550;
    ABOR -> 226; QUIT -> 221.

Every received line is logged.  A line is a VIOLATION (an injected command
reached the server) when:
  * its first word is not one of USER PASS TYPE SIZE MDTM PORT EPRT RETR
    QUIT ABOR REST FEAT OPTS HASH XSHA256 LIST NLST MLSD, or
  * it contains "INJECTED", or
  * it is not terminated by CRLF, holds a CR before its end, or holds a NUL
    byte (a string went out past its terminator or with an embedded CR/LF).

Usage:
  recorder.py [--host H] [--ipv6] [--port P] [--log FILE] [--state FILE]
              [--ready-file FILE]
      Serve until SIGTERM/SIGINT.  --port 0 picks a free port; the port is
      written to --ready-file (after listening) and printed on stdout.
      --ipv6 also listens on [::1] with the same port.
      --state FILE gets "violations N connections C lines L" at exit (and is
      rewritten at once on every violation, so a SIGKILL loses nothing).
  recorder.py --report STATEFILE
      Print the state and exit 0 when it shows no violation, 1 when it does,
      2 when it is missing or unreadable.
  recorder.py --self-test
      Start a server on a free port, talk to it as a client, check replies
      and violation detection, exit 0 on success.
"""

import argparse
import os
import signal
import socket
import socketserver
import sys
import threading
import time

ALLOWED = {b"USER", b"PASS", b"TYPE", b"SIZE", b"PORT", b"EPRT", b"RETR",
           b"QUIT", b"ABOR", b"REST", b"MDTM", b"FEAT", b"OPTS", b"HASH",
           b"XSHA256", b"LIST", b"NLST", b"MLSD"}
MAX_LINE = 65536          # far above anything kftp may send (4095+5+2)
IDLE_TIMEOUT = 60.0       # seconds without a line: drop the connection
LOG_LINE_MAX = 300        # bytes of each line kept in the log


class State:
    def __init__(self, log_path, state_path):
        self.lock = threading.Lock()
        self.violations = 0
        self.connections = 0
        self.lines = 0
        self.state_path = state_path
        self.log = open(log_path, "a", buffering=1 << 16) if log_path else None

    def write_log(self, text):
        if self.log:
            with self.lock:
                self.log.write(text + "\n")

    def line(self, conn_id, raw, reason):
        """Record one received line; reason is None or the violation text."""
        shown = raw if len(raw) <= LOG_LINE_MAX else raw[:LOG_LINE_MAX]
        more = "" if len(raw) <= LOG_LINE_MAX else " ...(%d bytes)" % len(raw)
        with self.lock:
            self.lines += 1
            if reason:
                self.violations += 1
            if self.log:
                self.log.write("%s c%d %r%s\n" % ("VIOLATION(" + reason + ")"
                                                  if reason else "recv",
                                                  conn_id, shown, more))
            if reason:
                if self.log:
                    self.log.flush()
                self._save_locked()
        if reason:
            sys.stderr.write("recorder: VIOLATION (%s) conn %d: %r%s\n"
                             % (reason, conn_id, shown, more))
            sys.stderr.flush()

    def new_connection(self):
        with self.lock:
            self.connections += 1
            return self.connections

    def _save_locked(self):
        if not self.state_path:
            return
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("violations %d connections %d lines %d\n"
                    % (self.violations, self.connections, self.lines))
        os.replace(tmp, self.state_path)

    def save(self):
        with self.lock:
            if self.log:
                self.log.flush()
            self._save_locked()


def classify(raw):
    """Return None for a proper command line, else why it is a violation.

    raw is the line including its terminating b"\\n" when there was one.
    """
    if b"INJECTED" in raw:
        return "injected marker"
    if not raw.endswith(b"\r\n"):
        return "not terminated by CRLF"
    body = raw[:-2]
    if b"\r" in body:
        return "CR inside line"
    if b"\0" in body:
        return "NUL inside line"
    word = body.split(b" ", 1)[0]
    if word not in ALLOWED:
        return "unexpected command"
    return None


def reply_for(body):
    word, _, arg = body.partition(b" ")
    if word == b"USER":
        return b"331 recorder: password please\r\n"
    if word == b"PASS":
        return b"230 recorder: logged in\r\n"
    if word == b"TYPE":
        return b"200 recorder: type set\r\n"
    if word == b"SIZE":
        if b"nosize" in arg:
            return b"550 recorder: no size for you\r\n"
        return b"213 5\r\n"
    if word == b"MDTM":
        return b"213 20240229123456\r\n"
    if word in (b"PORT", b"EPRT"):
        return b"200 recorder: port noted\r\n"
    if word == b"REST":
        return b"350 recorder: restart noted\r\n"
    if word == b"RETR":
        if b"esc" in arg:
            # a control byte in the text: kftp must show it as '?'
            return b"550 recorder\x1bescape test\r\n"
        return b"550 recorder: no such file (kftp-fuzz)\r\n"
    if word in (b"LIST", b"NLST", b"MLSD"):
        return b"550 recorder: no such directory (kftp-fuzz)\r\n"
    if word == b"ABOR":
        return b"226 recorder: nothing to abort\r\n"
    if word == b"QUIT":
        return b"221 recorder: bye\r\n"
    return b"500 recorder: unknown command\r\n"


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        st = self.server.state
        cid = st.new_connection()
        sock = self.request
        sock.settimeout(IDLE_TIMEOUT)
        st.write_log("conn c%d from %r" % (cid, self.client_address[:2]))
        try:
            sock.sendall(b"220 recorder ready (kftp-fuzz)\r\n")
            buf = b""
            while True:
                nl = buf.find(b"\n")
                if nl < 0:
                    if len(buf) > MAX_LINE:
                        st.line(cid, buf, "line too long")
                        return
                    try:
                        data = sock.recv(65536)
                    except socket.timeout:
                        st.write_log("idle c%d" % cid)
                        return
                    if not data:
                        if buf:
                            st.line(cid, buf, classify(buf))
                        return
                    buf += data
                    continue
                raw, buf = buf[:nl + 1], buf[nl + 1:]
                why = classify(raw)
                st.line(cid, raw, why)
                body = raw.rstrip(b"\r\n")
                sock.sendall(reply_for(body))
                if body.split(b" ", 1)[0] == b"QUIT":
                    return
        except OSError as e:
            st.write_log("error c%d %s" % (cid, e))
        finally:
            st.write_log("close c%d" % cid)


class Server4(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Server6(Server4):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        super().server_bind()


def start(host, port, ipv6, state):
    servers = [Server4((host, port), Handler)]
    port = servers[0].server_address[1]
    if ipv6:
        servers.append(Server6(("::1", port), Handler))
    for s in servers:
        s.state = state
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return servers, port


def serve(args):
    state = State(args.log, args.state)
    servers, port = start(args.host, args.port, args.ipv6, state)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    state.save()
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.ready_file)
    print(port, flush=True)
    while not stop.is_set():
        stop.wait(1.0)
    for s in servers:
        s.shutdown()
        s.server_close()
    state.save()
    sys.stderr.write("recorder: %d connections, %d lines, %d violations\n"
                     % (state.connections, state.lines, state.violations))
    return 0


def report(path):
    try:
        with open(path) as f:
            text = f.read().split()
        fields = dict(zip(text[0::2], (int(x) for x in text[1::2])))
        v = fields["violations"]
    except (OSError, ValueError, KeyError, IndexError) as e:
        print("recorder: no usable state in %s: %s" % (path, e))
        return 2
    print("violations %d connections %d lines %d"
          % (v, fields.get("connections", -1), fields.get("lines", -1)))
    return 1 if v else 0


def self_test():
    import tempfile
    tmpdir = tempfile.mkdtemp(prefix="recorder-selftest.")
    state = State(os.path.join(tmpdir, "log"), os.path.join(tmpdir, "state"))
    servers, port = start("127.0.0.1", 0, socket.has_ipv6, state)
    failures = []

    def check(cond, what):
        print("%s - recorder: %s" % ("ok" if cond else "not ok", what))
        if not cond:
            failures.append(what)

    def session(lines, family=socket.AF_INET, host="127.0.0.1"):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect((host, port))
        f = s.makefile("rb")
        got = [f.readline()]
        for ln in lines:
            s.sendall(ln)
            if ln.endswith(b"\n"):
                got.append(f.readline())
        s.close()
        return got

    r = session([b"USER fuzz\r\n", b"PASS x\r\n", b"TYPE I\r\n",
                 b"SIZE a/b\r\n", b"SIZE nosize\r\n",
                 b"PORT 127,0,0,1,200,10\r\n", b"EPRT |1|127.0.0.1|5000|\r\n",
                 b"RETR a/b\r\n", b"RETR esc\r\n", b"QUIT\r\n"])
    codes = [x[:3] for x in r]
    check(codes == [b"220", b"331", b"230", b"200", b"213", b"550", b"200",
                    b"200", b"550", b"550", b"221"], "normal session replies %r" % codes)
    check(r[4] == b"213 5\r\n", "SIZE answers 213 5")
    check(b"\x1b" in r[9], "RETR esc answers with a control byte")
    time.sleep(0.2)
    check(state.violations == 0, "no violation for a clean session")
    check(state.connections == 1, "one connection counted")

    for bad, why in ((b"DELE x\r\n", "unexpected command"),
                     (b"USER a INJECTED\r\n", "injected marker"),
                     (b"USER a\rDELE b\r\n", "CR inside line"),
                     (b"USER a\x00b\r\n", "NUL inside line"),
                     (b"USER a\n", "bare LF"),
                     (b"user a\r\n", "lower-case command")):
        before = state.violations
        session([bad])
        time.sleep(0.1)
        check(state.violations == before + 1, "violation flagged: " + why)

    # many connections at once (threaded)
    ths = [threading.Thread(target=session, args=([b"USER u\r\n", b"QUIT\r\n"],))
           for _ in range(20)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    check(state.connections == 1 + 6 + 20, "27 connections served (threaded)")

    if socket.has_ipv6 and len(servers) > 1:
        r = session([b"USER u\r\n", b"QUIT\r\n"], socket.AF_INET6, "::1")
        check([x[:3] for x in r] == [b"220", b"331", b"221"], "IPv6 [::1] session")

    state.save()
    rc = report(os.path.join(tmpdir, "state"))
    check(rc == 1, "--report exits 1 when violations were seen")
    check(report(os.path.join(tmpdir, "nope")) == 2, "--report exits 2 without state")
    with open(os.path.join(tmpdir, "log")) as f:
        log = f.read()
    check("VIOLATION(injected marker)" in log and "recv c1 b'USER fuzz\\r\\n'" in log,
          "log holds received lines and violations")
    for s in servers:
        s.shutdown()
        s.server_close()
    print("# recorder self-test: %d failed" % len(failures))
    import shutil
    shutil.rmtree(tmpdir, ignore_errors=True)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2121)
    ap.add_argument("--ipv6", action="store_true",
                    help="also listen on [::1] with the same port")
    ap.add_argument("--log", help="append every received line here")
    ap.add_argument("--state", help="violation count file")
    ap.add_argument("--ready-file", help="written with the port once listening")
    ap.add_argument("--report", metavar="STATEFILE",
                    help="print a state file, exit 1 on violations")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.report:
        return report(args.report)
    if args.self_test:
        return self_test()
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())

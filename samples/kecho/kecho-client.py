#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""User-space test client for kecho.ko (samples/kecho/README.md says why
the client is in user space).

  kecho-client.py [--addr A] [--port P] echo --size N [--clients K]
      K clients at once each send N random bytes, then half-close, and
      read until EOF: the echo must be byte-exact (length and sha256).
  kecho-client.py idle --min S --max S
      connect and send nothing: the server must close the connection
      (EOF or reset) no sooner than --min and no later than --max seconds.
  kecho-client.py bound --maxconn M --extra E
      open M connections and check that each echoes; then E more, which
      must be refused (reset, even before connect() returns, or closed
      without an echo); then close one
      of the first M: a new connection is served again.
  kecho-client.py hold N [--stuck K] [--until-unloaded]
      open N connections, check that each echoes; on K of them, send
      without reading, until the server is stuck sending its echo; print
      "ready", then wait until the server ends every one of them (rmmod);
      with
      --until-unloaded, keep the sockets open until /sys/module/kecho is
      gone, so that the test can look at the sockets first.
  kecho-client.py refused
      the connection must be refused (nothing listens there).

Prints what it saw, one line each; exits 0 if every check held, 1 if not,
2 on a usage error.
"""

import argparse
import hashlib
import os
import socket
import sys
import threading
import time

TIMEOUT = 60.0


def say(*args):
    print("kecho-client:", *args, flush=True)


def connect(a):
    s = socket.create_connection((a.addr, a.port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def recv_all(s):
    """Read to EOF; return (bytes, how it ended: 'eof' or 'reset')."""
    chunks = []
    while True:
        try:
            b = s.recv(1 << 20)
        except ConnectionResetError:
            return b"".join(chunks), "reset"
        if not b:
            return b"".join(chunks), "eof"
        chunks.append(b)


def ping(s, tag=b"ping"):
    """One round trip on an open connection: True if it came back."""
    try:
        s.sendall(tag)
        got = b""
        while len(got) < len(tag):
            b = s.recv(len(tag) - len(got))
            if not b:
                return False
            got += b
        return got == tag
    except OSError:
        return False


def echo_one(a, data, i, results):
    try:
        s = connect(a)
    except OSError as e:
        results[i] = "connect failed: %s" % e
        return
    err = []

    def send():
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            err.append("send: %s" % e)

    t = threading.Thread(target=send)
    t.start()
    try:
        got, how = recv_all(s)
    except OSError as e:
        got, how = b"", "recv: %s" % e
    t.join()
    s.close()
    if err:
        results[i] = err[0]
    elif how != "eof":
        results[i] = "ended by %s after %d bytes" % (how, len(got))
    elif len(got) != len(data):
        results[i] = "got %d bytes back, sent %d" % (len(got), len(data))
    elif hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
        results[i] = "echo differs from what was sent"
    else:
        results[i] = None


def cmd_echo(a):
    data = os.urandom(a.size)
    results = [None] * a.clients
    threads = [threading.Thread(target=echo_one, args=(a, data, i, results))
               for i in range(a.clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [(i, r) for i, r in enumerate(results) if r]
    for i, r in bad:
        say("client %d: %s" % (i, r))
    say("%d of %d clients got their %d bytes back byte-exact (sha256 %s) in %.2f s"
        % (a.clients - len(bad), a.clients, a.size,
           hashlib.sha256(data).hexdigest()[:16], time.monotonic() - t0))
    return not bad


def cmd_idle(a):
    s = connect(a)
    t0 = time.monotonic()
    s.settimeout(a.max + 5)
    try:
        got, how = recv_all(s)
    except socket.timeout:
        say("still open after %.1f s" % (time.monotonic() - t0))
        return False
    dt = time.monotonic() - t0
    s.close()
    say("silent client dropped after %.2f s (%s, %d bytes)" % (dt, how, len(got)))
    return not got and a.min <= dt <= a.max


def refused_cleanly(s):
    """An excess connection: reset, or closed without an echo."""
    try:
        s.sendall(b"excess")
    except OSError:
        return True, "reset on send"
    try:
        got, how = recv_all(s)
    except OSError as e:
        return False, "recv: %s" % e
    return not got, "%s, %d bytes echoed" % (how, len(got))


def cmd_bound(a):
    ok = True
    first = [connect(a) for _ in range(a.maxconn)]
    served = sum(ping(s) for s in first)
    say("%d of %d connections within the bound echo" % (served, a.maxconn))
    ok &= served == a.maxconn
    for i in range(a.extra):
        try:
            s = connect(a)
        except ConnectionResetError:
            # The RST came before connect() returned: refused all the same.
            say("excess %d: reset on connect" % i)
            continue
        except OSError as e:
            say("excess %d: connect failed: %s" % (i, e))
            ok = False
            continue
        good, how = refused_cleanly(s)
        s.close()
        say("excess %d: %s" % (i, how) + ("" if good else " (not refused)"))
        ok &= good
    # The refusals changed nothing for the connections being served.
    served = sum(ping(s, b"again") for s in first)
    say("%d of %d still echo after the refusals" % (served, a.maxconn))
    ok &= served == a.maxconn
    # A slot that frees up is served again (the worker needs a moment).
    first.pop().close()
    deadline = time.monotonic() + 5
    while True:
        try:
            s = connect(a)
        except OSError:     # still refused: the RST beat connect()
            good = False
        else:
            good = ping(s)
            s.close()
        if good or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    say("after closing one, a new connection %s" % ("echoes" if good else "is refused"))
    ok &= good
    for s in first:
        s.close()
    return ok


def flood(s, ends, i):
    """Send without ever reading: the server's echo fills our receive
    buffer, and its worker then sleeps in send. Records how it ended."""
    try:
        s.settimeout(None)
        s.sendall(bytes(64 << 20))
        ends[i] = "sent all"
    except (ConnectionResetError, BrokenPipeError):
        ends[i] = "reset"
    except OSError as e:
        ends[i] = "send: %s" % e


def cmd_hold(a):
    conns = [connect(a) for _ in range(a.n)]
    served = sum(ping(s) for s in conns)
    if served != a.n:
        say("%d of %d connections echo" % (served, a.n))
        return False
    ends = [None] * a.n
    floods = [threading.Thread(target=flood, args=(s, ends, i), daemon=True)
              for i, s in enumerate(conns[:a.stuck])]
    for t in floods:
        t.start()
    if floods:
        time.sleep(1)
    say("%d of %d connections echo, %d of them stuck in send; ready"
        % (served, a.n, a.stuck))
    # Never read from the stuck ones: that would unblock the server.
    for t in floods:
        t.join(a.wait)
    for i, s in enumerate(conns):
        if i < a.stuck:
            ends[i] = ends[i] or "still sending after %d s" % a.wait
            continue
        s.settimeout(a.wait)
        try:
            got, ends[i] = recv_all(s)
        except socket.timeout:
            ends[i] = "still open after %d s" % a.wait
    count = {}
    for how in ends:
        count[how] = count.get(how, 0) + 1
    say("the server ended them: %s"
        % ", ".join("%d %s" % (n, how) for how, n in sorted(count.items())))
    if a.until_unloaded:
        deadline = time.monotonic() + a.wait
        while os.path.exists("/sys/module/kecho") and time.monotonic() < deadline:
            time.sleep(0.05)
    for s in conns:
        s.close()
    return set(ends) <= {"eof", "reset"} and \
        all(how == "reset" for how in ends[:a.stuck])


def cmd_refused(a):
    try:
        s = socket.create_connection((a.addr, a.port), timeout=10)
    except ConnectionRefusedError:
        say("connection refused, as expected")
        return True
    except OSError as e:
        say("connect failed otherwise: %s" % e)
        return False
    good = ping(s)
    s.close()
    say("connected (and %s)" % ("it echoes" if good else "no echo"))
    return False


def main():
    p = argparse.ArgumentParser(description="test client for kecho.ko")
    p.add_argument("--addr", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7777)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--size", type=int, required=True)
    e.add_argument("--clients", type=int, default=1)
    i = sub.add_parser("idle")
    i.add_argument("--min", type=float, required=True)
    i.add_argument("--max", type=float, required=True)
    b = sub.add_parser("bound")
    b.add_argument("--maxconn", type=int, required=True)
    b.add_argument("--extra", type=int, default=2)
    h = sub.add_parser("hold")
    h.add_argument("n", type=int)
    h.add_argument("--until-unloaded", action="store_true")
    h.add_argument("--stuck", type=int, default=0)
    h.add_argument("--wait", type=int, default=30)
    sub.add_parser("refused")
    a = p.parse_args()
    cmds = {"echo": cmd_echo, "idle": cmd_idle, "bound": cmd_bound,
            "hold": cmd_hold, "refused": cmd_refused}
    try:
        ok = cmds[a.cmd](a)
    except OSError as e:
        say("%s: %s" % (a.cmd, e))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

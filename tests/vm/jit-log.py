#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Log QEMU's TCG code-cache counters while a guest runs.

Usage: tests/vm/jit-log.py SOCKET OUT [SECONDS]
  SOCKET is QEMU's human monitor (-monitor unix:SOCKET,server,nowait).
  Every SECONDS (default 1) this asks it "info jit" and appends a CSV line
  to OUT: the host's time, the translated code's size, the TB count, and
  the counts of TB flushes (the whole code cache dropped: everything is
  translated again), TB invalidations (guest writes to pages that held
  translated code) and full TLB flushes, all since QEMU started. It ends
  when QEMU closes the socket. tests/vm/run-vm.sh --jit-log starts it; the
  benchmark's report sets each timed run beside the flushes it met.
"""
import re
import socket
import sys
import time

FIELDS = [("gen_code_bytes", r"gen code size\s+(\d+)/"),
          ("tb_count", r"TB count\s+(\d+)"),
          ("tb_flushes", r"TB flush count\s+(\d+)"),
          ("tb_invalidates", r"TB invalidate count\s+(\d+)"),
          ("tlb_full_flushes", r"TLB full flushes\s+(\d+)")]
PROMPT = b"(qemu) "


def read_to_prompt(sock):
    """Everything up to the next prompt; b"" once QEMU has gone."""
    buf = b""
    while not buf.endswith(PROMPT):
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        buf += chunk
    return buf


def connect(path, tries=100):
    """QEMU creates the socket as it starts: wait for it (10 s)."""
    for _ in range(tries):
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    return None


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip())
    path, out = sys.argv[1], sys.argv[2]
    every = float(sys.argv[3]) if len(sys.argv) == 4 else 1.0
    sock = connect(path)
    if sock is None:
        sys.exit("jit-log: no monitor at %s" % path)
    with sock, open(out, "w") as f:
        f.write("host_time_s," + ",".join(n for n, _ in FIELDS) + "\n")
        f.flush()
        if not read_to_prompt(sock):        # the banner
            return
        while True:
            t = time.time()
            try:
                sock.sendall(b"info jit\n")
                text = read_to_prompt(sock).decode("utf-8", "replace")
            except OSError:
                return
            if not text:
                return
            vals = []
            for _, rx in FIELDS:
                m = re.search(rx, text)
                vals.append(m.group(1) if m else "")
            f.write("%.3f,%s\n" % (t, ",".join(vals)))
            f.flush()
            time.sleep(every)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""timeline.py OUT -- KFTP-GET -v ARGS...: where one file's time goes inside
a session (issue 24).

Runs the command and reads its trace from its stderr (the kernel writes
each line as it happens: "> CMD" sent, "< ddd text" read, "* ..." about
the connections), stamps each line with the time it arrives, and writes
OUT: for each phase of a file's dialogue, how often it was seen and its
median and mean in milliseconds, and the wall time per file. It starts the
command itself: fed through a shell pipe, the lines written while Python
was still starting (under TCG, longer than a small tree takes) would all
arrive, and be stamped, at once.

The phases, per request on a kept connection:
  between files   from one file's final reply to the next request's first
                  trace line: kftp-get's work on the file and on the next
                  one (rename, times, fsync, the next ioctl), and the
                  module's opening of the next file
  TYPE, SIZE, MDTM, PORT/EPRT, REST   each command to its final reply;
                  for commands pipelined (sent before the last reply came),
                  from the reply before it: what each reply adds
  listen          MDTM's (or SIZE's) reply to "* listening": the data port
                  (not seen when it opens before TYPE, PORT in its batch)
  RETR            RETR to its 1xx reply
  data and 226    the 1xx reply to the final one: accept, the data, the
                  file's end, and the server's 226
The trace itself costs: the figures are those of a traced run.
"""
import statistics
import subprocess
import sys
import time

COMMANDS = ("USER", "PASS", "TYPE", "FEAT", "SIZE", "MDTM", "PORT", "EPRT",
            "REST", "RETR", "LIST", "NLST", "MLSD", "HASH")
ORDER = ("between files", "TYPE", "SIZE", "MDTM", "listen", "PORT", "EPRT",
         "REST", "RETR", "data and 226")


def stamp(stream):
    """(seconds, line) for each line, as it comes."""
    out = []
    for raw in iter(stream.readline, b""):
        out.append((time.monotonic(), raw.decode("latin-1").rstrip("\r\n")))
    return out


def final_code(line):
    """The code of a final reply line "< ddd text", or None."""
    if len(line) < 6 or not line.startswith("< ") or not line[2:5].isdigit():
        return None
    return line[2:5] if line[5:6] in (" ", "") else None


def phases(lines):
    """{phase: [ms, ...]}, the number of files (final replies to RETR), and
    the time from the first file's request to the last file's end."""
    seen = {p: [] for p in ORDER}
    req_start = first = end = None
    pending = []            # (phase, sent at), oldest first
    last_final = None       # the previous file's 226, for "between files"
    after_reply = None      # the last final reply, for "listen"
    files = 0
    for t, line in lines:
        if line.startswith("* reusing") or line.startswith("* connected"):
            req_start = t
        if line.startswith("* reusing") and last_final is not None:
            seen["between files"].append((t - last_final) * 1000)
            last_final = None
        if (line.startswith("* listening") and after_reply is not None and
                not pending):
            seen["listen"].append((t - after_reply) * 1000)
        if line.startswith("> "):
            verb = line[2:].split(" ", 1)[0]
            if verb in COMMANDS:
                pending.append((verb, t))
            continue
        code = final_code(line)
        if code is None or not pending:
            continue
        phase, sent = pending[0]
        # A pipelined command waits for the reply before it, too.
        if after_reply is not None and after_reply > sent:
            sent = after_reply
        if phase == "RETR" and code.startswith("1"):
            if first is None:
                first = req_start if req_start is not None else sent
            seen["RETR"].append((t - sent) * 1000)
            pending[0] = ("data and 226", t)
            continue
        if phase == "data and 226":
            files += 1
            last_final = end = t
        if phase in seen:
            seen[phase].append((t - sent) * 1000)
        after_reply = t
        pending.pop(0)
    return seen, files, (end - first) * 1000 if files else 0.0


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.stderr.write("usage: timeline.py OUT -- KFTP-GET -v ARGS...\n")
        return 2
    proc = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines = stamp(proc.stderr)
    rc = proc.wait()
    seen, files, wall = phases(lines)
    with open(sys.argv[1], "w") as out:
        if rc != 0:
            out.write("the traced command exited %d\n" % rc)
            return 1
        if not files or wall <= 0:
            out.write("no file was traced\n")
            return 1
        out.write("Where one file's time goes, kftp-get -v -r of %d files "
                  "(%.2f ms a file, %.1f files/s, traced):\n\n" %
                  (files, wall / files, files * 1000 / wall))
        out.write("| phase | count | median ms | mean ms |\n|---|---:|---:|---:|\n")
        total = 0.0
        for p in ORDER:
            v = seen[p]
            if not v:
                continue
            med = statistics.median(v)
            total += med
            out.write("| %s | %d | %.2f | %.2f |\n" % (p, len(v), med,
                                                       statistics.mean(v)))
        out.write("| sum of medians | | %.2f | |\n" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main())

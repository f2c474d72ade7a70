#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise a benchmark run (bench/run.sh calls this on the host).

Usage: bench/report.py DIR
  DIR holds raw.csv, mem.txt and info.txt from bench/guest.sh, and
  jit.csv (QEMU's code-cache counters, tests/vm/jit-log.py) if the run
  kept it. Writes
  DIR/summary.csv (medians per workload and client, with the wall time's
  range) and DIR/plot.dat (MB/s
  against file size, one column per client, for bench/plot.gp), and prints
  the table in Markdown with each client's ratio to curl.
"""
import bisect
import csv
import os
import statistics
import sys

# A run this many times its row's median counts as slow, and one that
# invalidates translated code this many times its row's median rate (at
# least INVAL_FLOOR a second) as invalidating (print_code_cache).
SLOW_RUN = 1.3
INVAL_HIGH = 3
INVAL_FLOOR = 1000
CLIENTS = ["kftp", "kftpev", "kftp2", "curl", "wget", "lftp", "aria2", "discard",
           "discardP", "kftpsum", "curlsum", "kftpZ", "lftpP"]


def order_key(w):
    """tmpfs sizes first, by size, then the other workloads as they came."""
    kind, _, rest = w.partition("-")
    rank = ["tmpfs", "sha256", "ext4", "copysend", "veth", "loop", "multi", "par",
            "mirror"]
    size = 0
    digits = "".join(ch for ch in rest.split("x")[-1] if ch.isdigit())
    if digits:
        size = int(digits)
    return (rank.index(kind) if kind in rank else 99, size, w)


def round_ratios(runs, w, a, b):
    """Client a's rate over client b's, round by round, on workload w: the
    two ran in the same round, so a slow spell of the machine falls on both
    more often than on the medians of whole columns."""
    by_round = {}
    for c in (a, b):
        for r in runs.get((w, c), []):
            if float(r["wall_s"]) > 0:
                by_round.setdefault(r["round"], {})[c] = int(r["bytes"]) / float(r["wall_s"])
    return sorted(x[a] / x[b] for x in by_round.values() if a in x and b in x and x[b])


def print_targets(summary, runs, workloads):
    """Issue 24's targets: each kftp row against its own ceiling (the
    discarding client on the same workload), curl, and events off. Each
    ratio of medians comes with the range of the same ratio round by round."""
    def ratio(w, a, b, key="mbs"):
        x, y = summary.get((w, a)), summary.get((w, b))
        if not x or not y or not y[key]:
            return None
        if key != "mbs":
            return x[key] / y[key]
        rr = round_ratios(runs, w, a, b)
        return (x[key] / y[key], rr[0], rr[-1]) if len(rr) > 1 else x[key] / y[key]

    def fmt(v):
        if v is None:
            return "n/a"
        if isinstance(v, tuple):
            return "%.2fx (rounds %.2f-%.2f)" % v
        return "%.2fx" % v

    lines = []
    for w in workloads:
        kind = w.split("-")[0]
        if kind == "multi":
            lines.append("%s (one login): kftp %s the discarding client (target >= 0.85), "
                         "%s the pipelined one; %s curl (target >= 1.5)" % (
                             w, fmt(ratio(w, "kftp", "discard")),
                             fmt(ratio(w, "kftp", "discardP")), fmt(ratio(w, "kftp", "curl"))))
        elif kind == "loop":
            lines.append("%s (a process a file): kftp %s the discarding loop (target >= 0.85)"
                         % (w, fmt(ratio(w, "kftp", "discard"))))
        elif kind == "par":
            lines.append("%s (aggregate): kftp %s the discarding client's streams "
                         "(target >= 0.85)" % (w, fmt(ratio(w, "kftp", "discard"))))
        elif kind == "tmpfs" and (w, "kftpev") in summary:
            lines.append("%s: kftp %s the discarding client (target >= 0.85), %s curl's "
                         "rate (>= 2.5) at %s its CPU (<= 0.4)" % (
                             w, fmt(ratio(w, "kftp", "discard")), fmt(ratio(w, "kftp", "curl")),
                             fmt(ratio(w, "kftp", "curl", "cpu"))))
        if (w, "kftpev") in summary:
            # The listener's own CPU: what the events cost beside the client's.
            lcpu = [float(r["listener_cpu_s"]) for r in runs[(w, "kftpev")]
                    if r.get("listener_cpu_s")]
            files = summary[(w, "kftpev")]["files"]
            lines.append("%s: events on (kftpstat -w) run at %s the rate of events off "
                         "(target: within 1 %%)%s" % (
                             w, fmt(ratio(w, "kftpev", "kftp")),
                             "; the listener used %.0f ms of CPU (median), %.2f ms a file" % (
                                 statistics.median(lcpu) * 1e3,
                                 statistics.median(lcpu) * 1e3 / files) if lcpu else ""))
    if lines:
        print()
        print("Targets of issue 24 (medians of this run; in parentheses, the ratio's")
        print("range over the rounds):")
        for line in lines:
            print("- " + line)


def read_jit(d):
    """jit.csv's samples as (host time, TB flushes, TB invalidations), or []."""
    try:
        with open(os.path.join(d, "jit.csv")) as f:
            return [(float(x["host_time_s"]), int(x["tb_flushes"]), int(x["tb_invalidates"]))
                    for x in csv.DictReader(f) if x["tb_flushes"] and x["tb_invalidates"]]
    except (OSError, KeyError, ValueError):
        return []


def print_code_cache(runs, jit):
    """QEMU's TCG code cache beside the timed runs. A TB flush drops every
    translation, and the guest runs slowly until its hot code is translated
    again. An invalidation drops the translations of one block whose page
    the guest wrote to: a page that held code (a program's page cache, say,
    freed by drop_caches) and is reused for data. Each write into such a
    page takes QEMU's slow path until the page holds no translation. Both
    are the emulator's costs, paid by whichever run meets them; a real CPU
    pays neither. Samples are a second apart and the guest's clock follows
    the host's to about a second, so a run counts the samples from a second
    before its start to a second after its end."""
    if len(jit) < 2:
        return
    print()
    print("QEMU's code cache: %d TB flushes and %d invalidations over %.0f s" % (
        jit[-1][1] - jit[0][1], jit[-1][2] - jit[0][2], jit[-1][0] - jit[0][0]))

    # runs: the runs that exited 0 and verified, by (workload, client).
    rows = sorted((r for rs in runs.values() for r in rs if r.get("start_s")),
                  key=lambda r: float(r["start_s"]))
    times = [x[0] for x in jit]

    def window(r):
        """The samples from the last before run r's window to the last in it
        (jit is in time order)."""
        t0 = float(r["start_s"]) - 1
        t1 = float(r["start_s"]) + float(r["wall_s"]) + 1
        first = max(bisect.bisect_left(times, t0) - 1, 0)
        last = max(bisect.bisect_right(times, t1) - 1, first)
        return jit[first], jit[last]

    flushes, inval_s = {}, {}
    for r in rows:
        a, b = window(r)
        flushes[id(r)] = b[1] - a[1]
        inval_s[id(r)] = (b[2] - a[2]) / (b[0] - a[0]) if b[0] > a[0] else 0.0

    # Each run against its own row's median: the emulator's costs explain
    # a slow run only if the slow runs are the ones that met them.
    def key(r):
        return (r["workload"], r["client"])

    median_wall = {k: statistics.median(float(r["wall_s"]) for r in rs)
                   for k, rs in runs.items()}
    median_rate = {k: statistics.median(inval_s[id(r)] for r in rs if id(r) in inval_s)
                   for k, rs in runs.items() if any(id(r) in inval_s for r in rs)}

    def rel(r):
        return float(r["wall_s"]) / median_wall[key(r)]

    def invalidating(r):
        return inval_s[id(r)] >= INVAL_HIGH * max(median_rate[key(r)], INVAL_FLOOR)

    met = [r for r in rows if flushes[id(r)]]
    slow = [r for r in rows if len(runs[key(r)]) > 2 and rel(r) >= SLOW_RUN]
    slow_ids = {id(r) for r in slow}
    rest = [r for r in rows if id(r) not in slow_ids]
    print("- %d timed runs met a TB flush, %d of them %.1fx or more their row's median" % (
        len(met), sum(1 for r in met if rel(r) >= SLOW_RUN), SLOW_RUN))
    if not slow:
        print("- no run was %.1fx or more its row's median (rows of 3 rounds or more)" %
              SLOW_RUN)
        return
    print("- %d runs were %.1fx or more their row's median (rows of 3 rounds or more): "
          "%d met a TB flush; %d invalidated code at %dx or more their row's median rate, "
          "against %d of the %d other runs" % (
              len(slow), SLOW_RUN, sum(1 for r in slow if flushes[id(r)]),
              sum(1 for r in slow if invalidating(r)), INVAL_HIGH,
              sum(1 for r in rest if invalidating(r)), len(rest)))
    for r in slow:
        n = flushes[id(r)]
        print("  - round %s %s %s: %.2fx, %d TB flush%s, %.0f invalidations/s (row median %.0f)"
              % (r["round"], r["workload"], r["client"], rel(r), n, "" if n == 1 else "es",
                 inval_s[id(r)], median_rate[key(r)]))


def main():
    d = sys.argv[1]
    rows = list(csv.DictReader(open(os.path.join(d, "raw.csv"))))
    jit = read_jit(d)
    runs = {}
    for r in rows:
        if r["rc"] != "0" or r["verified"] != "ok":
            continue
        runs.setdefault((r["workload"], r["client"]), []).append(r)
    workloads = sorted({r["workload"] for r in rows}, key=order_key)
    summary = {}
    for (w, c), rs in runs.items():
        walls = [float(x["wall_s"]) for x in rs]
        wall = statistics.median(walls)
        cpu = statistics.median(float(x["user_s"]) + float(x["sys_s"]) for x in rs)
        nbytes = int(rs[0]["bytes"])
        files = int(rs[0]["files"])
        summary[(w, c)] = {
            "wall": wall, "wmin": min(walls), "wmax": max(walls), "cpu": cpu, "mbs": nbytes / wall / 1e6,
            "files_s": files / wall, "n": len(rs), "files": files,
        }

    with open(os.path.join(d, "summary.csv"), "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["workload", "client", "rounds", "wall_s", "cpu_s", "mb_s",
                      "files_s", "mb_s_vs_curl", "cpu_vs_curl", "wall_min_s", "wall_max_s"])
        for w in workloads:
            base = summary.get((w, "curl"))
            for c in CLIENTS:
                s = summary.get((w, c))
                if not s:
                    continue
                out.writerow([w, c, s["n"], "%.3f" % s["wall"], "%.3f" % s["cpu"],
                              "%.1f" % s["mbs"], "%.2f" % s["files_s"],
                              "%.2f" % (s["mbs"] / base["mbs"]) if base else "",
                              "%.2f" % (s["cpu"] / base["cpu"]) if base and base["cpu"] else "",
                              "%.3f" % s["wmin"], "%.3f" % s["wmax"]])

    # Markdown table: MB/s (files/s for the small-file cases), the wall
    # time's range over the rounds (the median hides a slow round), CPU,
    # ratios.
    print("| workload | client | MB/s | files/s | wall s, min-max | CPU s | ×curl rate "
          "| ×curl CPU | ×discard rate |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for w in workloads:
        base = summary.get((w, "curl"))
        ceil = summary.get((w, "discard"))
        for c in CLIENTS:
            s = summary.get((w, c))
            if not s:
                continue
            small = s["files"] > 1 and not w.startswith("par")
            print("| %s | %s | %s | %s | %.2f-%.2f | %.2f | %s | %s | %s |" % (
                w, c, "" if small else "%.1f" % s["mbs"],
                "%.1f" % s["files_s"] if small else "",
                s["wmin"], s["wmax"], s["cpu"],
                "%.2f" % (s["mbs"] / base["mbs"]) if base else "",
                "%.2f" % (s["cpu"] / base["cpu"]) if base and base["cpu"] else "",
                "%.2f" % (s["mbs"] / ceil["mbs"]) if ceil and c != "discard" else ""))

    # plot.dat: size_MiB then one MB/s column per client ("?" if missing);
    # the 7 that bench/plot.gp draws (kftpev runs at one size only).
    plot_clients = ["kftp", "kftp2", "curl", "wget", "lftp", "aria2", "discard"]
    sizes = sorted({int(w.split("-")[1].rstrip("M")) for w in workloads
                    if w.startswith("tmpfs-")})
    with open(os.path.join(d, "plot.dat"), "w") as f:
        f.write("size_MiB " + " ".join(plot_clients) + "\n")
        for sz in sizes:
            vals = []
            for c in plot_clients:
                s = summary.get(("tmpfs-%dM" % sz, c))
                vals.append("%.2f" % s["mbs"] if s else "?")
            f.write("%d %s\n" % (sz, " ".join(vals)))

    # Verified downloads: the kernel's digest against none, and against curl
    # followed by sha256sum, in wall time (targets: <= 1.3 and <= 0.4).
    for w in workloads:
        if not w.startswith("sha256-"):
            continue
        s, plain, cs = (summary.get((w, c)) for c in ("kftpsum", "kftp", "curlsum"))
        if s and plain and cs:
            print()
            print("%s: kftp --checksum takes %.2fx the wall time of kftp, %.2fx "
                  "that of curl + sha256sum" % (w, s["wall"] / plain["wall"],
                                                s["wall"] / cs["wall"]))

    # A tree (issue 22): kftp-get -r against the faster of wget -m and
    # lftp's mirror, in files/s (target: at least 2x).
    for w in workloads:
        if not w.startswith("mirror-"):
            continue
        k = summary.get((w, "kftp"))
        others = [summary[(w, c)] for c in ("wget", "lftp") if (w, c) in summary]
        if k and others:
            best = max(others, key=lambda s: s["files_s"])
            print()
            print("%s: kftp-get -r fetches %.2fx the files/s of the faster of "
                  "wget -m and lftp mirror" % (w, k["files_s"] / best["files_s"]))
        kz, lp = summary.get((w, "kftpZ")), summary.get((w, "lftpP"))
        if kz and others:
            print("%s: kftp-get -r -Z (4 logins) fetches %.2fx the files/s of "
                  "the faster of wget -m and lftp mirror, %s" %
                  (w, kz["files_s"] / best["files_s"],
                   "%.2fx lftp mirror -P 4's" % (kz["files_s"] / lp["files_s"])
                   if lp else "lftp mirror -P 4 not run"))
        # What bounds the target on one login: the discarding client,
        # given the paths, lists nothing and writes nothing.
        d, dp = summary.get((w, "discard")), summary.get((w, "discardP"))
        if k and others and d:
            print("%s: the discarding client on one login fetches %.2fx the files/s "
                  "of the faster of wget -m and lftp mirror (%s pipelined); "
                  "kftp-get -r makes %.2fx its rate" %
                  (w, d["files_s"] / best["files_s"],
                   "%.2fx" % (dp["files_s"] / best["files_s"]) if dp else "n/a",
                   k["files_s"] / d["files_s"]))

    print_targets(summary, runs, workloads)
    print_code_cache(runs, jit)

    bad = [r for r in rows if r["rc"] != "0" or r["verified"] != "ok"]
    if bad:
        print()
        print("Runs left out (failed or did not verify):")
        for r in bad:
            print("- round %s %s %s: rc %s, %s" % (r["round"], r["workload"],
                                                   r["client"], r["rc"], r["verified"]))


if __name__ == "__main__":
    main()

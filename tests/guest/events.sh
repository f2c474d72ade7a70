#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# events.sh [START]: the kftp generic netlink family (issue 10), seen
# through kftpstat and kftp-get's progress bar:
#   - a 64 MiB download watched by `kftpstat --json -w`: START, PROGRESS,
#     DONE with one id, bytes that never decrease, DONE's bytes the size;
#   - PROGRESS paced: none in a transfer's first quarter second (small
#     files send START and DONE only), at most 4 a second;
#   - a failing download's DONE names its errno and failed step;
#   - DONE carries the data's SHA-256 when one was computed;
#   - `kftpstat` (the dump) lists a throttled transfer while it runs;
#   - the progress bar as a person sees it, in tmux; none without a TTY;
#   - no event holds the user's password;
#   - 16 parallel transfers: one START and one DONE each;
#   - a burst of 100 small files: every event, in order; a watcher that
#     cannot write says so and exits 1, one stopped by a signal exits 0;
#   - an unprivileged listener is refused or hears nothing, and a listener
#     in another network namespace hears nothing;
#   - unloading the module with a listener attached is clean.
# Runs in the test VM as a part of suite.sh (tests/guest/lib.sh).

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init events "$@"

KSTAT=${KFTPSTAT:-$REPO/user/kftpstat}
W=$PART_WORK
HLOG=$W/hostile.log
HCTL=$W/scenario
HPORT=
HPID=
BIG_THROTTLED=41943040	# throttle40m's file: 40 MiB at about 10 MB/s
NETNS=kftp-events
TMUX_SOCK=$W/tmux.sock
WATCH_PID=
BG_PIDS=()
MARK=$(kmsg_mark)
# A password no event may carry, and a wrong one for a refused login.
SECRET_WRONG=Wr0ng-Secret-xyzzy-4711

cleanup() {
	local p
	[ -z "$WATCH_PID" ] || stop_pid "$WATCH_PID" kftpstat
	for p in "${BG_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && stop_pid "$p" "background kftp-get"
	done
	[ -z "$HPID" ] || stop_pid "$HPID" hostile_ftpd.py
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	ip netns del "$NETNS" 2>/dev/null
	return 0
}
on_exit cleanup

hostile() {
	printf '%s\n' "$1" >"$HCTL"
}

start_hostile() {
	local rc=0
	: >"$HLOG"
	# Its log is $W/hostile.log (HLOG), its files $W/hdata.
	start_hostile_ftpd "$W" --control "$HCTL" || rc=1
	HPID=$HOSTILE_PID HPORT=$HOSTILE_PORT
	[ "$rc" = 0 ] || return 1
}

# start_watch FILE [PREFIX...] -- [kftpstat args]: kftpstat --json -w -v in
# the background (with WATCH_TEXT=1: the text form, no --json), its pid in
# WATCH_PID, stdout to FILE, stderr to FILE.err; returns once it listens
# (-v says so on stderr).
start_watch() {
	local out=$1 _
	shift
	local -a pre=() fmt=(--json)
	[ -z "${WATCH_TEXT:-}" ] || fmt=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		pre+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	: >"$out.err"
	timeout -k 5 600 "${pre[@]}" "$KSTAT" "${fmt[@]}" -w -v "$@" >"$out" 2>"$out.err" </dev/null &
	WATCH_PID=$!
	for _ in $(seq 300); do
		grep -q 'watching' "$out.err" 2>/dev/null && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "kftpstat -w did not start listening: $(cat "$out.err")"
	return 1
}

# end_watch: wait for a --count watcher to exit by itself (up to SECS, 60
# by default), else stop it. Sets WRC, its exit status.
end_watch() {
	local secs=${1:-60} _
	for _ in $(seq $((secs * 5))); do
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$WATCH_PID" 2>/dev/null; then
		diag "kftpstat -w --count did not end within $secs s"
		stop_pid "$WATCH_PID" kftpstat
		WRC=timeout
	else
		wait "$WATCH_PID"
		WRC=$?
	fi
	WATCH_PID=
}

# ---------------------------------------------------------------- cases

# START, PROGRESS..., DONE for one 64 MiB download, all of one id.
c_big() {
	local d pid rc
	d=$(fresh big)
	start_watch "$d/ev.json" -- --count 1 || return 1
	"$KFTP_GET" -q -o "$d/big.bin" "ftp://127.0.0.1:$VSFTPD_PORT/big.bin" 2>"$d/err" &
	pid=$!
	BG_PIDS+=("$pid")
	wait "$pid"
	rc=$?
	check_eq "kftp-get's exit status (stderr: $(cat "$d/err"))" 0 "$rc" || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	jcheck "$d/ev.json" '
size, pid = int(args[0]), int(args[1])
kinds = [e["event"] for e in ev]
took = ev[-1].get("elapsed_ms", 0)
print("events: %d (%s ... %s) in %d ms" % (len(ev), kinds[:2], kinds[-1:], took))
if kinds[0] != "start" or kinds[-1] != "done":
    fail("expected start, progress..., done: got %s" % kinds)
# The first PROGRESS comes a quarter second in: one over a second sends some.
if took >= 1000 and "progress" not in kinds:
    fail("no PROGRESS in a transfer of %d ms: %s" % (took, kinds))
early = [e["elapsed_ms"] for e in ev if e["event"] == "progress" and e["elapsed_ms"] < 200]
if early:
    fail("PROGRESS in the first 200 ms, at %s ms" % early)
if set(kinds[1:-1]) - {"progress"}:
    fail("only PROGRESS between START and DONE: %s" % kinds)
if len({e["id"] for e in ev}) != 1:
    fail("more than one id: %s" % sorted({e["id"] for e in ev}))
for e in ev:
    if e["pid"] != pid or e["port"] != int(args[2]) or e["remote_path"] != "big.bin" or e["server"] != "127.0.0.1":
        fail("wrong pid, server or path: %s" % e)
s = ev[0]
if s.get("size") != size or s.get("resume_offset") != 0 or "local_path" not in s:
    fail("START: size, resume_offset, local_path: %s" % s)
last = 0
for e in ev[1:]:
    if e["bytes"] < last:
        fail("bytes went down: %d after %d" % (e["bytes"], last))
    last = e["bytes"]
d = ev[-1]
if d["bytes"] != size or d["errno"] != 0 or d["failed_step"] != 0 or d["step"] != "NONE":
    fail("DONE: %s" % d)
if d["reply_code"] != 226:
    fail("DONE: reply_code %s, expected 226" % d["reply_code"])
# -w stamps each event; PROGRESS after the first has the rate now (issue 21).
import re
for e in ev:
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e.get("time", "")):
        fail("no receive time: %s" % e)
progress = [e for e in ev if e["event"] == "progress"]
if len(progress) >= 2 and not all("rate_now" in e for e in progress[1:]):
    fail("PROGRESS without rate_now: %s" % [e for e in progress[1:] if "rate_now" not in e][:1])
' "$(stat -c %s "$FTP_ROOT/big.bin")" "$pid" "$VSFTPD_PORT" || return 1
	check_sha "$d/big.bin" "$(sha_of "$FTP_ROOT/big.bin")"
}

# A throttled transfer (40 MiB at about 10 MB/s) paces its PROGRESS: none
# in the first 200 ms, never two within 240 ms (4 a second at most, in
# jiffies), some every 2 s or so while bytes flow, each after the first
# with the rate now.
c_progress_pace() {
	local d
	d=$(fresh pace)
	hostile throttle40m
	start_watch "$d/ev.json" -- --count 1 || return 1
	kget -q -o "$d/big" "ftp://127.0.0.1:$HPORT/big"
	check_rc 0 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	jcheck "$d/ev.json" '
kinds = [e["event"] for e in ev]
took = ev[-1]["elapsed_ms"]
at = [e["elapsed_ms"] for e in ev if e["event"] == "progress"]
print("%d PROGRESS in %d ms, at %s" % (len(at), took, at[:6]))
if kinds[0] != "start" or kinds[-1] != "done" or set(kinds[1:-1]) != {"progress"}:
    fail("expected start, progress..., done: %s" % kinds)
if at[0] < 200:
    fail("the first PROGRESS at %d ms" % at[0])
gaps = [b - a for a, b in zip(at, at[1:])]
if gaps and min(gaps) < 240:
    fail("two PROGRESS %d ms apart" % min(gaps))
if len(at) < max(2, took // 2000):
    fail("%d PROGRESS in %d ms" % (len(at), took))
if not all("rate_now" in e for e in ev if e["event"] == "progress" and e["elapsed_ms"] > at[0]):
    fail("a PROGRESS after the first without rate_now")
if ev[-1]["bytes"] != int(args[0]):
    fail("DONE: %s" % ev[-1])
' "$BIG_THROTTLED"
}

# Small files, one login: a transfer sends no PROGRESS in its first quarter
# second, so one done within 200 ms sends START and DONE only (a batch of
# small files costs a listener two events a file, not three).
c_small_files() {
	local d b
	d=$(fresh small)
	b="ftp://127.0.0.1:$VSFTPD_PORT"
	start_watch "$d/ev.json" -- --count 4 || return 1
	kget -q --output-dir "$d" "$b/hello.txt" "$b/one.bin" "$b/empty.bin" "$b/allbytes.bin"
	check_rc 0 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	jcheck "$d/ev.json" '
ids = {}
for e in ev:
    ids.setdefault(e["id"], []).append(e)
if len(ids) != 4:
    fail("expected 4 transfers, got %d: %s" % (len(ids), [e["event"] for e in ev]))
quick = 0
for i, x in ids.items():
    kinds = [e["event"] for e in x]
    if kinds[0] != "start" or kinds[-1] != "done" or kinds.count("done") != 1:
        fail("%s: expected start, done: %s" % (x[0]["remote_path"], kinds))
    early = [e["elapsed_ms"] for e in x if e["event"] == "progress" and e["elapsed_ms"] < 200]
    if early:
        fail("%s: PROGRESS in the first 200 ms, at %s ms" % (x[0]["remote_path"], early))
    if x[-1]["elapsed_ms"] < 200:
        quick += 1
        if kinds != ["start", "done"]:
            fail("%s, done in %d ms: %s" % (x[0]["remote_path"], x[-1]["elapsed_ms"], kinds))
print("transfers done within 200 ms, START and DONE only: %d of 4" % quick)
' || return 1
	for f in hello.txt one.bin empty.bin allbytes.bin; do
		check_sha "$d/$f" "$(sha_of "$FTP_ROOT/$f")" || return 1
	done
}

# A missing remote file, a refused login, a refused connection: DONE says
# errno, step and reply code, after a START.
c_failures() {
	local d
	d=$(fresh failures)
	port_refused "$REFUSED_PORT" || return 1
	start_watch "$d/ev.json" -- --count 3 || return 1
	kget -o "$d/1" "ftp://127.0.0.1:$VSFTPD_PORT/no-such-file.bin"
	check_rc 6 || return 1
	kget -o "$d/2" "ftp://$FTP_USER:$SECRET_WRONG@127.0.0.1:$VSFTPD_PORT/hello.txt"
	check_rc 5 || return 1
	kget -o "$d/3" "ftp://127.0.0.1:$REFUSED_PORT/hello.txt"
	check_rc 4 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	cp "$d/ev.json" "$W/failures.json"
	jcheck "$d/ev.json" '
done = [e for e in ev if e["event"] == "done"]
want = [("no-such-file.bin", "ENOENT", "RETR", 550),
        ("hello.txt", "EACCES", "LOGIN", 530),
        ("hello.txt", "ECONNREFUSED", "CONNECT", 0)]
got = [(e["remote_path"], e["errno_name"], e["step"], e["reply_code"]) for e in done]
if got != want:
    fail("DONE events: expected %s, got %s" % (want, got))
for e in done:
    starts = [s for s in ev if s["event"] == "start" and s["id"] == e["id"]]
    if len(starts) != 1 or ev.index(starts[0]) > ev.index(e):
        fail("id %d: not exactly one START before DONE" % e["id"])
    if e["errno"] == 0 or e["failed_step"] == 0:
        fail("DONE without errno or step: %s" % e)
'
}

# DONE carries the digest that the kernel computed (--sha256), in --json
# and in the text form of -w; a download without a digest has none.
c_done_sha256() {
	local d sum rc=0 url=ftp://127.0.0.1:$VSFTPD_PORT/hello.txt
	d=$(fresh done-sha256)
	sum=$(sha_of "$FTP_ROOT/hello.txt")
	start_watch "$d/ev.json" -- --count 2 || return 1
	kget -q --sha256 -o "$d/a" "$url"
	check_rc 0 || return 1
	kget -q -o "$d/b" "$url"
	check_rc 0 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	jcheck "$d/ev.json" '
got = [e.get("sha256") for e in ev if e["event"] == "done"]
if got != [args[0], None]:
    fail("DONE sha256: expected %s, got %s" % ([args[0], None], got))
' "$sum" || rc=1
	WATCH_TEXT=1 start_watch "$d/ev.txt" -- --count 1 || return 1
	kget -q --sha256 -o "$d/c" "$url"
	check_rc 0 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	check_contains "kftpstat -w's DONE line" "$(cat "$d/ev.txt")" " sha256 $sum" || rc=1
	return $rc
}

# A remote path with a quote, a backslash, a tab, a control byte, a byte
# that is not UTF-8 and an accented letter: valid JSON, the same string.
c_json_escape() {
	local d
	d=$(fresh escape)
	start_watch "$d/ev.json" -- --count 1 || return 1
	kget -o "$d/x" "ftp://127.0.0.1:$VSFTPD_PORT/x%22q%5Cb%09t%01c%FFz%C3%A9.bin"
	check_rc 6 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	jcheck "$d/ev.json" '
want = "x\"q\\b\tt\x01c\xffz\u00e9.bin"
for e in ev:
    if e["remote_path"] != want:
        fail("remote_path %r, expected %r" % (e["remote_path"], want))
line = open(sys.argv[1], encoding="utf-8").readline()
print("as kftpstat wrote it: %s" % line[line.index("\"remote_path\""):].split(",")[0])
'
}

# kftpstat (the dump) shows a running throttled transfer, with its pid,
# and nothing once it ended.
c_dump() {
	local d pid rc out found='' _ json
	d=$(fresh dump)
	hostile throttle40m
	"$KFTP_GET" -q -o "$d/big" "ftp://127.0.0.1:$HPORT/big" 2>"$d/err" &
	pid=$!
	BG_PIDS+=("$pid")
	for _ in $(seq 150); do
		out=$("$KSTAT" 2>&1)
		case $out in
		# Listed from the start; the size once SIZE was answered.
		*" 127.0.0.1:$HPORT "*" big "*" 40.0 MiB "*) found=1; break ;;
		esac
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	diag "kftpstat printed:"
	diag "$out"
	json=$("$KSTAT" --json -p "$pid" 2>&1)
	wait "$pid"
	rc=$?
	check_eq "kftp-get's exit status (stderr: $(cat "$d/err"))" 0 "$rc" || return 1
	[ -n "$found" ] || { diag "the throttled transfer never showed in kftpstat"; return 1; }
	check_contains "kftpstat's header" "$out" "ID  " || return 1
	check_contains "kftpstat's line" "$out" " $pid  127.0.0.1:$HPORT  big " || return 1
	check_contains "kftpstat's size column" "$out" "40.0 MiB" || return 1
	# The rate now, beside the average (issue 21): a rate, not "-".
	grep -qE ' RATE +NOW +ELAPSED$' <<<"$out" || { diag "no NOW column"; return 1; }
	grep -qE " $pid  127\.0\.0\.1:$HPORT  big .* [0-9.]+ [KMG]?i?B/s +[0-9.]+ [KMG]?i?B/s +[0-9.]+s\$" <<<"$out" ||
		{ diag "no average and current rate in the line"; return 1; }
	printf '%s\n' "$json" >"$d/dump.json"
	jcheck "$d/dump.json" '
if len(ev) != 1:
    fail("kftpstat --json -p PID: expected 1 transfer, got %d" % len(ev))
e = ev[0]
if e["event"] != "xfer" or e["pid"] != int(args[0]) or e["remote_path"] != "big" or e["size"] != int(args[1]):
    fail("dump entry: %s" % e)
for k in ("bytes", "elapsed_ms", "resume_offset", "rate_now"):
    if k not in e:
        fail("dump entry without %s: %s" % (k, e))
' "$pid" "$BIG_THROTTLED" || return 1
	out=$("$KSTAT" -H 2>&1)
	check_eq "kftpstat -H after the end" "" "$out"
}

# tmux_run NAME CMD: CMD in a detached tmux pane (120 columns) whose
# screen is captured into DIR/frames every 0.2 s while it runs; the last
# screen goes to DIR/screen. CMD's exit status is in DIR/rc.
tmux_run() {
	local d=$1 cmd=$2 _
	: >"$d/frames"
	rm -f "$d/rc"
	# A server of its own: kill-server returns before the last one has
	# gone, and a new session on its socket then fails ("server exited
	# unexpectedly"). cleanup kills the latest.
	TMUX_SOCK=$d/tmux.sock
	TERM=xterm tmux -S "$TMUX_SOCK" new-session -d -x 120 -y 20 -s bar \
		"$cmd; echo \$? >'$d/rc'; sleep 600" || { diag "tmux new-session failed"; return 1; }
	for _ in $(seq 900); do
		tmux -S "$TMUX_SOCK" capture-pane -p -t bar >>"$d/frames" 2>/dev/null
		[ -s "$d/rc" ] && break
		sleep 0.2
	done
	tmux -S "$TMUX_SOCK" capture-pane -p -t bar >"$d/screen" 2>/dev/null
	tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	[ -s "$d/rc" ] || { diag "the command in tmux did not end: $(cat "$d/screen")"; return 1; }
}

# The progress bar as a person sees it: percentages, a rate and an ETA
# while the throttled file comes, one line, 100 % at the end.
c_bar_tty() {
	local d mid last rc=0
	d=$(fresh bar)
	hostile throttle40m
	tmux_run "$d" "'$KFTP_GET' -o '$d/big' 'ftp://127.0.0.1:$HPORT/big'" || return 1
	check_eq "kftp-get's exit status in tmux" 0 "$(cat "$d/rc")" || rc=1
	diag "last screen: $(grep -v '^$' "$d/screen")"
	mid=$(grep -E '^big +[0-9]{1,2}% \[' "$d/frames" | sort -u | head -n 3)
	diag "frames during the transfer: $mid"
	[ -n "$mid" ] || { diag "no percentage below 100 in any frame"; rc=1; }
	# The total beside the bytes so far (issue 21): "23.7/40.0 MiB".
	grep -qE '^big +[0-9]{1,2}% \[.*\] +[0-9.]+( [KM]iB)?/40\.0 MiB ' "$d/frames" ||
		{ diag "no bytes/total in any frame"; rc=1; }
	grep -qE '[0-9.]+ (B|KiB|MiB)/s  ETA ' "$d/frames" ||
		{ diag "no rate with an ETA in any frame"; rc=1; }
	last=$(grep -E '%' "$d/screen")
	check_eq "bar lines on the last screen" 1 "$(printf '%s\n' "$last" | grep -c .)" || rc=1
	check_contains "the last bar" "$last" "big 100% [" || rc=1
	check_contains "the last bar" "$last" "40.0 MiB" || rc=1
	grep -qE 'MiB/s  in [0-9]+' <<<"$last" || { diag "no average rate in '$last'"; rc=1; }
	check_contains "the last screen" "$(cat "$d/screen")" "saved '$d/big'" || rc=1
	return $rc
}

# Several URLs: one bar at a time, each named and completed on its own
# line; -Z (parallel workers) draws no bar of a file, but one line for
# them all (issue 21): files done of all, bytes, rate, and at the end the
# time it took.
c_bar_several() {
	local d b rc=0 f
	d=$(fresh several)
	b="ftp://127.0.0.1:$VSFTPD_PORT"
	tmux_run "$d" "'$KFTP_GET' --output-dir '$d' $b/allbytes.bin $b/a/b/c/deep.bin $b/hello.txt" || return 1
	check_eq "kftp-get's exit status in tmux" 0 "$(cat "$d/rc")" || rc=1
	diag "last screen: $(grep -v '^$' "$d/screen")"
	for f in allbytes.bin deep.bin hello.txt; do
		check_eq "completed bars of $f on the last screen" 1 \
			"$(grep -cE "^$f 100% \[=+\] " "$d/screen")" || rc=1
	done
	check_eq "bar lines on the last screen" 3 "$(grep -c '%' "$d/screen")" || rc=1
	kget -Z --progress-bar --output-dir "$d" "$b/allbytes.bin" "$b/hello.txt"
	check_rc 0 || rc=1
	case $KERR in
	*%*) diag "a bar of a file with -Z: $(printf '%q' "$KERR")"; rc=1 ;;
	esac
	grep -qE $'(^|\r)2/2 files  1\.0 MiB  [0-9.]+ [KMG]?i?B/s  in [0-9]+s *$' <<<"$KERR" ||
		{ diag "no last line of the whole -Z run: $(printf '%q' "$KERR")"; rc=1; }
	return $rc
}

# While connecting and logging in, a line says so; a failure keeps the
# last state on the screen, above its message (issue 21): a server that
# never greets, then one that stalls halfway.
c_bar_states() {
	local d rc=0 last
	d=$(fresh states)
	hostile silence
	tmux_run "$d" "'$KFTP_GET' --timeout 3 -o '$d/big' 'ftp://127.0.0.1:$HPORT/big'" || return 1
	check_eq "exit status (no greeting)" 9 "$(cat "$d/rc")" || rc=1
	grep -qF "big  connecting to 127.0.0.1 port $HPORT" "$d/frames" ||
		{ diag "no 'connecting' line: $(sort -u "$d/frames" | head -n 5)"; rc=1; }
	last=$(grep -v '^$' "$d/screen")
	diag "last screen: $last"
	grep -A1 -F "big  connecting to 127.0.0.1 port $HPORT" <<<"$last" |
		grep -qF "timed out waiting for the server's greeting" ||
		{ diag "the 'connecting' line is not kept above the message"; rc=1; }
	hostile stall
	tmux_run "$d" "'$KFTP_GET' --timeout 3 -o '$d/big' 'ftp://127.0.0.1:$HPORT/big'" || return 1
	check_eq "exit status (stall)" 9 "$(cat "$d/rc")" || rc=1
	last=$(grep -v '^$' "$d/screen")
	diag "last screen: $last"
	grep -A1 -E '^big +[0-9]+% \[' <<<"$last" | grep -qF "the data transfer stalled" ||
		{ diag "the bar's last state is not kept above the message"; rc=1; }
	# The kept bar shows the half that came (DONE's bytes), not 0 B.
	grep -qE '^big +49% \[.*\] +146/293 KiB ' <<<"$last" ||
		{ diag "the kept bar does not show the half that came"; rc=1; }
	hostile byuser
	return $rc
}

# --no-progress-meter on a terminal, and -q: no bar.
c_bar_off() {
	local d rc=0 opt
	for opt in --no-progress-meter -q; do
		d=$(fresh "bar$opt")
		tmux_run "$d" "'$KFTP_GET' $opt -o '$d/f' 'ftp://127.0.0.1:$VSFTPD_PORT/allbytes.bin'" || return 1
		check_eq "exit status with $opt" 0 "$(cat "$d/rc")" || rc=1
		if grep -q '%' "$d/frames"; then
			diag "a bar with $opt: $(grep '%' "$d/frames" | head -n 2)"
			rc=1
		fi
	done
	return $rc
}

# Without a terminal, stderr holds no bar; --progress-bar forces one.
c_bar_notty() {
	local d rc=0
	d=$(fresh notty)
	kget -o "$d/f" "ftp://127.0.0.1:$VSFTPD_PORT/allbytes.bin"
	check_rc 0 || return 1
	case $KERR in
	*$'\r'* | *%*) diag "a bar on a non-terminal stderr: $(printf '%q' "$KERR")"; rc=1 ;;
	esac
	check_eq "stderr without a terminal" "kftp-get: saved '$d/f' (1048576 bytes)" "$KERR" || rc=1
	kget --progress-bar -o "$d/forced.bin" "ftp://127.0.0.1:$VSFTPD_PORT/allbytes.bin"
	check_rc 0 || return 1
	check_contains "stderr with --progress-bar" "$KERR" "forced.bin 100% [" || rc=1
	check_contains "stderr with --progress-bar" "$KERR" $'\r' || rc=1
	return $rc
}

# No event carries the password (nor the user name): every JSON captured
# in this part, and one more with the right password.
c_no_password() {
	local d
	d=$(fresh nopass)
	start_watch "$d/ev.json" -- --count 1 || return 1
	kget -o "$d/allbytes.bin" -u "$FTP_USER:$FTP_PASS" \
		"ftp://127.0.0.1:$VSFTPD_PORT/allbytes.bin"
	check_rc 0 || return 1
	end_watch
	jcheck "$d/ev.json" '
kinds = [e["event"] for e in ev]
if kinds[0] != "start" or kinds[-1] != "done":
    fail("events of the login download: %s" % kinds)
' || return 1
	if grep -rlF -e "$FTP_PASS" -e "$SECRET_WRONG" -e "$FTP_USER" --include='*.json' "$W"; then
		diag "the password or the user name is in the events above"
		return 1
	fi
	[ -s "$W/failures.json" ] || { diag "no events of the refused login to search"; return 1; }
}

# 16 downloads at once with a listener: one START and one DONE each.
c_parallel() {
	local d i pids=() rc=0 p
	d=$(fresh parallel)
	start_watch "$d/ev.json" -- --count 16 || return 1
	# vsftpd only: pyftpdlib 1.5.7 may stall a login among many concurrent
	# sessions (see batch.sh), and this case is about the events.
	for i in $(seq 16); do
		"$KFTP_GET" -q -o "$d/f$i" "ftp://127.0.0.1:$VSFTPD_PORT/allbytes.bin" 2>"$d/err$i" &
		pids+=($!)
	done
	BG_PIDS+=("${pids[@]}")
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || { diag "download $((i + 1)) failed: $(cat "$d/err$((i + 1))")"; rc=1; }
	done
	end_watch 120
	check_eq "kftpstat's exit status" 0 "$WRC" || rc=1
	p=$(IFS=,; echo "${pids[*]}")
	jcheck "$d/ev.json" '
pids = set(int(p) for p in args[0].split(","))
ids = {}
for e in ev:
    ids.setdefault(e["id"], []).append(e)
if len(ids) != 16:
    fail("expected 16 transfers, got %d" % len(ids))
for i, es in sorted(ids.items()):
    kinds = [e["event"] for e in es]
    if kinds.count("start") != 1 or kinds.count("done") != 1:
        fail("id %d: %d START, %d DONE" % (i, kinds.count("start"), kinds.count("done")))
    if kinds[0] != "start" or kinds[-1] != "done" or es[-1]["errno"] != 0:
        fail("id %d: %s, errno %s" % (i, kinds, es[-1].get("errno")))
if {es[0]["pid"] for es in ids.values()} != pids:
    fail("pids: %s, expected %s" % (sorted({es[0]["pid"] for es in ids.values()}), sorted(pids)))
print("16 transfers, %d events" % len(ev))
' "$p" || rc=1
	return $rc
}

# A burst: 100 small files on one login send 200 events faster than a
# listener prints them; kftpstat -w reads what queued while it slept
# (it writes a burst at a time) and shows every one, in order, none lost.
c_burst() {
	local d b i urls=() n=100
	d=$(fresh burst)
	b=$FTP_ROOT/events-burst
	mkdir -p "$b" || return 1
	for i in $(seq -w 1 $n); do
		head -c $((37 * 10#$i)) /dev/urandom >"$b/s$i.bin" || return 1
		urls+=("ftp://127.0.0.1:$VSFTPD_PORT/events-burst/s$i.bin")
	done
	chmod -R a+rX "$b"
	start_watch "$d/ev.json" -- --count $n || return 1
	kget -q --output-dir "$d" "${urls[@]}"
	check_rc 0 || return 1
	end_watch
	check_eq "kftpstat's exit status" 0 "$WRC" || return 1
	check_eq "kftpstat's errors" "watching the kftp events" "$(sed 's/^kftpstat: //' "$d/ev.json.err")" || return 1
	for i in $(seq -w 1 $n); do
		check_same_file "$d/s$i.bin" "$b/s$i.bin" || return 1
	done
	jcheck "$d/ev.json" '
n = int(args[0])
ids = {}
for e in ev:
    ids.setdefault(e["id"], []).append(e)
if len(ids) != n:
    fail("expected %d transfers, got %d" % (n, len(ids)))
order = []
for i, x in ids.items():
    if [e["event"] for e in x if e["event"] != "progress"] != ["start", "done"]:
        fail("%s: %s" % (x[0]["remote_path"], [e["event"] for e in x]))
    if x[-1]["errno"] != 0 or x[-1]["bytes"] != 37 * int(x[0]["remote_path"][-7:-4]):
        fail("DONE: %s" % x[-1])
    order.append(x[0]["remote_path"])
if order != sorted(order):
    fail("transfers out of order: %s" % order[:5])
print("%d transfers, %d events" % (len(ids), len(ev)))
' "$n"
}

# kftpstat -w whose output cannot be written says so and exits 1 at the
# first burst, instead of listening on with nobody hearing.
c_watch_write_error() {
	local d pid rc
	d=$(fresh wfull)
	timeout -k 5 "$(tscale 30)" "$KSTAT" -w -v >/dev/full 2>"$d/err" </dev/null &
	pid=$!
	WATCH_PID=$pid
	wait_log "$d/err" watching 30 || return 1
	kget -q -o "$d/hello.txt" "ftp://127.0.0.1:$VSFTPD_PORT/hello.txt"
	check_rc 0 || return 1
	wait "$pid"
	rc=$?
	WATCH_PID=
	check_eq "kftpstat's exit status" 1 "$rc" || return 1
	check_contains "kftpstat's error" "$(cat "$d/err")" "cannot write the events: No space left on device"
}

# kftpstat -w stops on SIGTERM and on SIGINT with status 0, having written
# each event it read: its lines go out a burst at a time, and the signal
# may come while it waits or while it lets events gather.
c_watch_stop() {
	local d sig
	d=$(fresh wstop)
	for sig in TERM INT; do
		start_watch "$d/ev-$sig.json" || return 1
		kget -q -o "$d/hello-$sig.txt" "ftp://127.0.0.1:$VSFTPD_PORT/hello.txt"
		check_rc 0 || return 1
		wait_log "$d/ev-$sig.json" '"event":"done"' 10 || return 1
		stop_pid "$WATCH_PID" kftpstat "$sig" || return 1
		WATCH_PID=
		check_eq "kftpstat's exit status after SIG$sig" 0 "$STOP_RC" || return 1
		jcheck "$d/ev-$sig.json" '
kinds = [e["event"] for e in ev if e["remote_path"].endswith("hello.txt")]
# A PROGRESS too, when the transfer took over 250 ms (the debug kernel).
if [k for k in kinds if k != "progress"] != ["start", "done"] or kinds[-1] != "done":
    fail("hello.txt: %s" % kinds)
' || return 1
	done
}

# An unprivileged listener (nobody, no capabilities) is refused (exit 4)
# or hears nothing; its dump is refused or empty.
c_unprivileged() {
	local d out rc=0 st
	local pre=(setpriv --reuid=nobody "--regid=$(id -gn nobody)" --clear-groups --inh-caps=-all)
	d=$(fresh unpriv)
	chmod 0777 "$d"
	out=$("${pre[@]}" "$KSTAT" 2>&1)
	case $? in
	4) check_contains "nobody's kftpstat" "$out" "CAP_NET_ADMIN" || rc=1 ;;
	0) check_eq "nobody's kftpstat, header only" 1 "$(printf '%s\n' "$out" | grep -c .)" || rc=1 ;;
	*) diag "nobody's kftpstat: $out"; rc=1 ;;
	esac
	"${pre[@]}" "$KSTAT" --json -w >"$d/ev.json" 2>"$d/ev.err" </dev/null &
	WATCH_PID=$!
	sleep 1
	kget -o "$d/hello.txt" "ftp://127.0.0.1:$VSFTPD_PORT/hello.txt"
	check_rc 0 || rc=1
	sleep 1
	if kill -0 "$WATCH_PID" 2>/dev/null; then
		stop_pid "$WATCH_PID" "nobody's kftpstat -w"
		diag "nobody's kftpstat -w ran; it printed: $(cat "$d/ev.json")"
		[ ! -s "$d/ev.json" ] || { diag "an unprivileged listener heard events"; rc=1; }
	else
		wait "$WATCH_PID"
		st=$?
		check_eq "nobody's kftpstat -w exit status ($(cat "$d/ev.err"))" 4 "$st" || rc=1
		diag "refused: $(cat "$d/ev.err")"
	fi
	WATCH_PID=
	return $rc
}

# A listener in another network namespace hears nothing of ours, and its
# dump does not list our running transfer.
c_netns() {
	local d pid rc=0 out
	d=$(fresh netns)
	ip netns del "$NETNS" 2>/dev/null
	ip netns add "$NETNS" || { diag "ip netns add failed"; return 1; }
	start_watch "$d/ev.json" ip netns exec "$NETNS" || return 1
	hostile throttle40m
	"$KFTP_GET" -q -o "$d/big" "ftp://127.0.0.1:$HPORT/big" 2>"$d/err" &
	pid=$!
	BG_PIDS+=("$pid")
	sleep 2
	out=$(ip netns exec "$NETNS" "$KSTAT" --json 2>&1)
	kill -0 "$pid" 2>/dev/null || diag "the transfer ended before the dump"
	check_eq "the other namespace's dump" "" "$out" || rc=1
	out=$("$KSTAT" --json -p "$pid" 2>&1)
	check_contains "our own namespace's dump" "$out" '"remote_path":"big"' || rc=1
	wait "$pid" || { diag "kftp-get failed: $(cat "$d/err")"; rc=1; }
	stop_pid "$WATCH_PID" "kftpstat -w in $NETNS"
	WATCH_PID=
	[ ! -s "$d/ev.json" ] || { diag "the other namespace heard: $(head -c 500 "$d/ev.json")"; rc=1; }
	ip netns del "$NETNS" || rc=1
	return $rc
}

c_kernel_clean() {
	kernel_clean_since "$MARK"
}

# rmmod with a listener attached, then insmod again: clean, and kftpstat
# says the module is not loaded in between.
c_unload_listening() {
	local d out rc=0 st
	d=$(fresh unload)
	start_watch "$d/ev.json" || return 1
	out=$(rmmod kftp 2>&1) || { diag "rmmod kftp with a listener: $out"; rc=1; }
	out=$("$KSTAT" 2>&1)
	st=$?
	check_eq "kftpstat's exit status without the module ($out)" 3 "$st" || rc=1
	# The suite's build (the debug lane's: SUITE_KFTP_KO), not the tree's.
	insmod_kftp || return 1
	stop_pid "$WATCH_PID" "kftpstat -w across rmmod"
	WATCH_PID=
	kget -o "$d/hello.txt" "ftp://127.0.0.1:$VSFTPD_PORT/hello.txt"
	check_rc 0 || rc=1
	kernel_clean_since "$MARK" || rc=1
	return $rc
}

# ---------------------------------------------------------------- run

if [ ! -x "$KSTAT" ] || ! start_hostile; then
	not_ok "kftpstat and the hostile server for the events part" \
		"$KSTAT missing or hostile_ftpd.py did not start"
	part_done
	exit 1
fi

tcase "64 MiB under kftpstat -w: START, PROGRESS..., DONE, one id, bytes grow" c_big
tcase "a throttled transfer: PROGRESS after 200 ms, 240 ms apart, rate now" c_progress_pace
tcase "small files: no PROGRESS in the first 200 ms; START, DONE only" c_small_files
tcase "failures: DONE with ENOENT/RETR, EACCES/LOGIN, ECONNREFUSED/CONNECT" c_failures
tcase "DONE's sha256 (--sha256), in --json and in the text of -w" c_done_sha256
tcase "JSON strings: quote, backslash, control bytes, not UTF-8, UTF-8" c_json_escape
tcase "kftpstat lists a throttled transfer while it runs" c_dump
tcase "progress bar in tmux: percent, rate, ETA, 100% at the end" c_bar_tty
tcase "several URLs: one named bar each; -Z: one line for the run" c_bar_several
tcase "bar: a line while connecting; a failure keeps the last state" c_bar_states
tcase "no bar with --no-progress-meter or -q on a terminal" c_bar_off
tcase "no bar without a terminal; --progress-bar forces one" c_bar_notty
tcase "no event holds the password or the user name" c_no_password
tcase "16 parallel transfers: one START and one DONE each" c_parallel
tcase "a burst of 100 small files: 200 events, in order, none lost" c_burst
tcase "kftpstat -w into a full disk: the reason, exit status 1" c_watch_write_error
tcase "kftpstat -w stops on SIGTERM and SIGINT: status 0, every line written" c_watch_stop
tcase "an unprivileged listener is refused or hears nothing" c_unprivileged
tcase "a listener in another netns hears nothing" c_netns
tcase "no BUG/WARNING in the kernel log" c_kernel_clean
tcase "rmmod with a listener attached, then insmod: clean" c_unload_listening
part_done
exit $?

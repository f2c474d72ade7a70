#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# security.sh [START]: the findings of issue 19 (kftp-get runs as root)
# that need /dev/kftp, each a case that fails on the code before the fix:
#   - the destination's directory renamed and replaced by a symlink while a
#     download runs: the file still lands in the directory that was checked,
#     for -o and for every file of an --output-dir batch;
#   - another user's file in a sticky directory that others can write is
#     refused (as fs.protected_regular refuses it); a replaced file keeps
#     its owner only when that is root or the directory's owner, and never
#     passes a foreign set-user-ID mode on to root's file;
#   - control bytes in a name taken from a URL: refused, nothing created;
#     a name given with -o is shown escaped;
#   - SIGQUIT during a download leaves no core file (not dumpable);
#   - after a real download, no copy of the password is left in memory,
#     the session's included (tests/fuzz/kftp-probe.so looks);
#   - kftpstat --json writes valid UTF-8 for overlong forms and surrogates;
#   - kftpstat -w stops when its initial dump fails (kftp-probe.so makes
#     it fail);
#   - with KFTP_SANITIZER_LOGS set (tests/check-user.sh --vm: sanitized
#     tools that log their reports there), that nothing was logged by any
#     part so far: suite.sh runs this part last.
# The slow transfers come from tests/servers/hostile_ftpd.py's "trickle"
# scenario (6 bytes, one per second), chosen by the user name.
# Runs in the test VM as a part of suite.sh (tests/guest/lib.sh).

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init security "$@"

W=$PART_WORK
FRESH_ROOT=$W/run	# fresh NAME makes its directories here
KSTAT=${KFTPSTAT:-$REPO/user/kftpstat}
PROBE=$REPO/tests/fuzz/kftp-probe.so
# The memory case scans the heap: the plain build, whatever KFTP_GET is.
PLAIN_GET=$REPO/user/kftp-get
HOSTILE_PID=
BG_PID=
CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
SUID_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
MARK=$(kmsg_mark)

cleanup() {
	[ -z "$BG_PID" ] || stop_pid "$BG_PID" "background kftp-get"
	[ -z "$HOSTILE_PID" ] || stop_pid "$HOSTILE_PID" hostile_ftpd.py
	printf '%s\n' "$CORE_PATTERN" >/proc/sys/kernel/core_pattern
	printf '%s\n' "$SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable
	return 0
}
on_exit cleanup

mkdir -p "$W/run"
start_hostile_ftpd "$W" || SUITE_ABORT="hostile_ftpd.py did not start"
H=ftp://127.0.0.1:${HOSTILE_PORT:-0}
TRICKLE=ftp://trickle:x@127.0.0.1:${HOSTILE_PORT:-0}

# ---------------------------------------------------------------- helpers

# wait_data_file PID DIR: until process PID has a file under DIR open (its
# data file: O_TMPFILE or a temporary name), at most 60 s; 1 if PID ended.
wait_data_file() {
	local pid=$1 dir=$2 f _
	for _ in $(seq 600); do
		for f in /proc/"$pid"/fd/*; do
			case $(readlink "$f" 2>/dev/null) in
			"$dir"/*) return 0 ;;
			esac
		done
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	diag "kftp-get (pid $pid) never had a file in $dir open"
	return 1
}

# bg_wait: the exit status of the background kftp-get (BG_PID), at most
# 120 s; its stderr is in $W/bg.err.
bg_wait() {
	local _ rc
	for _ in $(seq 1200); do
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$BG_PID" 2>/dev/null; then
		stop_pid "$BG_PID" "kftp-get"
		BG_PID=
		diag "kftp-get did not end within 120 s"
		return 124
	fi
	wait "$BG_PID" 2>/dev/null	# not bash's "Quit" line
	rc=$?
	BG_PID=
	return $rc
}

hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# ---------------------------------------------------------------- cases

# Finding 2: `mv dl dl.old; ln -s elsewhere dl` while kftp-get writes into
# dl. With -o, and with --output-dir and two URLs (the second starts after
# the swap).
c_dir_swap() {
	local d rc=0 st how
	for how in -o --output-dir; do
		d=$(fresh "swap$how")
		mkdir "$d/dl" "$d/elsewhere"
		if [ "$how" = -o ]; then
			"$KFTP_GET" -q -o "$d/dl/t1.bin" "$TRICKLE/t1.bin" 2>"$W/bg.err" &
		else
			"$KFTP_GET" -q --output-dir "$d/dl" "$TRICKLE/t1.bin" "$H/t2.bin" \
				2>"$W/bg.err" &
		fi
		BG_PID=$!
		wait_data_file "$BG_PID" "$d/dl" || rc=1
		mv "$d/dl" "$d/dl.old" && ln -s "$d/elsewhere" "$d/dl" || rc=1
		bg_wait
		st=$?
		check_eq "$how: kftp-get's exit status ($(cat "$W/bg.err"))" 0 "$st" || rc=1
		only_entries "$d/elsewhere" || rc=1
		check_sha "$d/dl.old/t1.bin" "$(sha_of "$W/hdata/trickle.bin")" || rc=1
		if [ "$how" = --output-dir ]; then
			check_sha "$d/dl.old/t2.bin" "$(sha_of "$W/hdata/main.bin")" || rc=1
			only_entries "$d/dl.old" t1.bin t2.bin || rc=1
		else
			only_entries "$d/dl.old" t1.bin || rc=1
		fi
	done
	return $rc
}

# Finding 3: whose file may be replaced.
c_owners() {
	local d rc=0 nobody_group
	nobody_group=$(id -gn nobody)
	# A sticky directory that everyone can write, as /tmp: another user's
	# file is refused, before anything is sent, and left as it was.
	d=$(fresh sticky)
	chmod 1777 "$d"
	setpriv --reuid=nobody --regid="$nobody_group" --clear-groups \
		sh -c 'printf "mine\n" >"$1"' sh "$d/f" || { diag "nobody cannot write $d"; return 1; }
	kget -o "$d/f" "$H/f"
	expect_fail 7 "refusing to replace '$d/f': it belongs to user $(id -u nobody)" || rc=1
	check_eq "nobody's file afterwards" "mine nobody" \
		"$(head -c 8 "$d/f" | tr -dc 'a-z') $(stat -c %U "$d/f")" || rc=1
	kget -C - -o "$d/f" "$H/f"
	expect_fail 7 "refusing to resume '$d/f'" || rc=1
	# Root's own file there: replaced, root's.
	printf 'old\n' >"$d/g"
	kget -o "$d/g" "$H/g"
	check_rc 0 || rc=1
	check_eq "root's file in the sticky directory" "root 644" "$(stat -c '%U %a' "$d/g")" || rc=1
	# The directory's owner's file: replaced, the owner and mode kept.
	d=$(fresh owned)
	chown "$FTP_USER" "$d"
	printf 'old\n' >"$d/f"
	chown "$FTP_USER" "$d/f" && chmod 0640 "$d/f"
	kget -o "$d/f" "$H/f"
	check_rc 0 || rc=1
	check_eq "the directory owner's file" "$FTP_USER 640" "$(stat -c '%U %a' "$d/f")" || rc=1
	check_sha "$d/f" "$(sha_of "$W/hdata/main.bin")" || rc=1
	# Another user's set-user-ID file in root's directory: replaced by a
	# new file of root's, with a new file's mode, never 4755 root.
	d=$(fresh foreign)
	printf 'old\n' >"$d/f"
	chown "$FTP_USER" "$d/f" && chmod 4755 "$d/f"
	kget -o "$d/f" "$H/f"
	check_rc 0 || rc=1
	check_eq "another user's file, replaced" "root 644" "$(stat -c '%U %a' "$d/f")" || rc=1
	return $rc
}

# Finding 7: a name from the URL with ESC and BEL in it.
c_control_names() {
	local d rc=0 name
	d=$(fresh ctl)
	cd "$d" || return 1
	kget "$H/x%1B%5D0%3Bowned%07"
	cd "$REPO" || return 1
	expect_fail 2 'x\x1b]0;owned\x07' || rc=1
	only_entries "$d" || rc=1
	name=$'a\eb'
	kget -o "$d/$name" "$H/y"
	check_rc 0 || rc=1
	[ -f "$d/$name" ] || { diag "-o: no file named a ESC b"; rc=1; }
	check_contains "stderr" "$KERR" "saved '$d/a\\x1bb'" || rc=1
	case $KERR in
	*$'\e'*) diag "a raw ESC in stderr"; rc=1 ;;
	esac
	return $rc
}

# Finding 4: a core file holds every password of the process.
c_no_core() {
	local d rc=0 st
	d=$(fresh core)
	mkdir "$d/dl"
	printf '%s\n' "$d/core.%p" >/proc/sys/kernel/core_pattern
	echo 0 >/proc/sys/fs/suid_dumpable
	(ulimit -c unlimited && exec "$KFTP_GET" -q -o "$d/dl/t" \
		"ftp://trickle:Core-Secret-$$@127.0.0.1:$HOSTILE_PORT/t") 2>"$W/bg.err" &
	BG_PID=$!
	wait_data_file "$BG_PID" "$d/dl" || rc=1
	kill -QUIT "$BG_PID"
	bg_wait
	st=$?
	check_eq "exit status after SIGQUIT" 131 "$st" || rc=1
	printf '%s\n' "$CORE_PATTERN" >/proc/sys/kernel/core_pattern
	printf '%s\n' "$SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable
	if compgen -G "$d/core.*" >/dev/null; then
		diag "core files: $(ls -l "$d"/core.*)"
		grep -l "Core-Secret-$$" "$d"/core.* >/dev/null && diag "... holding the password"
		rc=1
	fi
	return $rc
}

# Finding 4: what is left in memory after a whole download, the session's
# password included (the probe scans at exit).
c_memory() {
	local d rc=0 secret=Memory-Secret-0123456789-$$ want
	[ -f "$PROBE" ] || { diag "$PROBE not built (make testprogs)"; return 1; }
	d=$(fresh memory)
	rm -f "$W/probe.out"
	# kget runs KFTP_GET: env, to set the probe for kftp-get alone.
	KFTP_GET="env" kget KFTP_PROBE_OUT="$W/probe.out" LD_PRELOAD="$PROBE" \
		KFTP_PROBE_SECRETS="$(hex "$secret")" "$PLAIN_GET" --output-dir "$d" \
		"ftp://someone:$secret@127.0.0.1:$HOSTILE_PORT/m" \
		"ftp://someone:$secret@127.0.0.1:$HOSTILE_PORT/n"
	check_rc 0 || rc=1
	check_sha "$d/n" "$(sha_of "$W/hdata/main.bin")" || rc=1
	want=$(printf 'dumpable 0\nsecret 0: absent')
	check_eq "the probe's report" "$want" "$(cat "$W/probe.out" 2>&1)" || rc=1
	return $rc
}

# Finding 8: overlong forms and surrogates in kftpstat's JSON.
c_json_utf8() {
	local d rc=0 pid _ out
	d=$(fresh json)
	"$KSTAT" --json -w -v --count 1 >"$d/ev.json" 2>"$d/ev.err" </dev/null &
	pid=$!
	for _ in $(seq 300); do
		grep -q watching "$d/ev.err" 2>/dev/null && break
		sleep 0.1
	done
	# U+D800 as ED A0 80, '/' as C0 AF, U+110000 as F4 90 80 80, U+00E9.
	kget -o "$d/x" "$H/s%ED%A0%80o%C0%AFl%F4%90%80%80e%C3%A9"
	check_rc 0 || rc=1
	for _ in $(seq 300); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { stop_pid "$pid" kftpstat; diag "kftpstat -w --count 1 did not end"; rc=1; }
	wait "$pid" || { diag "kftpstat: $(cat "$d/ev.err")"; rc=1; }
	out=$("$PYTHON" - "$d/ev.json" <<'PY' 2>&1
import json, sys
want = "s\u00ed\u00a0\u0080o\u00c0\u00afl\u00f4\u0090\u0080\u0080e\u00e9"
lines = open(sys.argv[1], "rb").read().splitlines()
if not lines:
    sys.exit("no event")
for raw in lines:
    ev = json.loads(raw.decode("utf-8"))    # strict: no surrogate, no overlong
    if ev["remote_path"] != want:
        sys.exit("remote_path %r, expected %r" % (ev["remote_path"], want))
PY
	) || { diag "$out"; diag "kftpstat wrote: $(od -c "$d/ev.json" | head -n 8)"; rc=1; }
	return $rc
}

# Finding 8: kftpstat -w went on watching when its initial dump failed
# (the probe fails the second netlink request: the dump).
c_watch_dump_fails() {
	local out rc=0 st
	out=$(KFTP_PROBE_NL_FAIL=2 LD_PRELOAD=$PROBE timeout -k 5 20 "$KSTAT" -w 2>&1)
	st=$?
	check_eq "kftpstat -w's exit status ($out)" 1 "$st" || rc=1
	check_contains "kftpstat -w" "$out" "cannot list the transfers: Input/output error" || rc=1
	return $rc
}

c_kernel_clean() {
	kernel_clean_since "$MARK"
}

# The sanitized run: no report from any part (they abort the tool, and
# they are logged in KFTP_SANITIZER_LOGS, on the host's side).
c_sanitizer_logs() {
	local f
	[ -d "$KFTP_SANITIZER_LOGS" ] || { diag "$KFTP_SANITIZER_LOGS is missing"; return 1; }
	[ -z "$(ls -A "$KFTP_SANITIZER_LOGS")" ] && return 0
	for f in "$KFTP_SANITIZER_LOGS"/*; do
		diag "$f:"
		diag "$(head -n 30 "$f")"
	done
	return 1
}

tcase "the directory swapped for a symlink mid-download: the file stays put (finding 2)" c_dir_swap
tcase "whose file is replaced: sticky dir refused, owners kept or not (finding 3)" c_owners
tcase "control bytes in a name: refused from a URL, escaped with -o (finding 7)" c_control_names
tcase "SIGQUIT during a download: no core file (finding 4)" c_no_core
tcase "after a download, no copy of the password in memory (finding 4)" c_memory
tcase "kftpstat --json: overlong forms and surrogates escaped (finding 8)" c_json_utf8
tcase "kftpstat -w: a failed initial dump ends it (finding 8)" c_watch_dump_fails
tcase "no BUG/WARNING in the kernel log" c_kernel_clean
if [ -n "${KFTP_SANITIZER_LOGS:-}" ]; then
	tcase "no ASan or UBSan report from any part ($KFTP_SANITIZER_LOGS)" c_sanitizer_logs
fi
part_done
exit $?

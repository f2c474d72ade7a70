#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# stress.sh START_N: concurrency, many runs in a row, unloading while busy,
# signals during a transfer, debug logging and error rate limiting.
#
# Part of the in-guest suite: tests/guest/suite.sh runs it inside the QEMU
# guest, as root, with kftp.ko loaded and vsftpd/pyftpdlib serving FTP_ROOT
# (see tests/guest/lib.sh for the environment and the output format).
#
# Adds $FTP_ROOT/stress (16 random files) and a second, rate-limited vsftpd
# on 127.0.0.1:$SLOW_PORT (anon_max_rate; config and log in $SUITE_DIR) for
# the cases that need a transfer to last a few seconds. Everything it starts
# is stopped, by pid, and everything it creates is removed on exit. The
# module is left loaded, with no user. Dynamic debug for kftp is switched
# off again; the kernel log is never cleared (the suite checks it whole).
#
# Tunables (environment): STRESS_SEQ_N (1000 sequential downloads, or the
# KFTP_REPEAT_PCT share of them, tests/guest/lib.sh; issued by `kftp-fuzz
# repeat` from one process), KFTP_REPEAT (that binary).

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

part_init stress "$@"
SROOT=$FTP_ROOT/stress
SLOW_PORT=2131
SLOW_CONF=$PART_WORK/vsftpd-slow.conf
SLOW_LOG=$SUITE_DIR/vsftpd-slow.log
# bytes/s: 1 MiB takes 8 s (times KFTP_TIME_SCALE: on a slower kernel,
# noticing that the transfer runs takes longer, and it must still run then)
SLOW_RATE=$((131072 / $(tscale 1)))
SLOW_PID=
SEQ_N=${STRESS_SEQ_N:-$(reps 1000)}
# Built by `make testprogs` beside the fuzzer it is part of.
REPEAT=${KFTP_REPEAT:-$REPO/tests/fuzz/kftp-fuzz}
DDEBUG=/sys/kernel/debug/dynamic_debug/control
DEBUGFS_MOUNTED=
DDEBUG_ON=
BG_PIDS=()

# stop_bg: our background processes (timeout wrapping kftp-get), by pid.
stop_bg() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	BG_PIDS=()
}

stop_slow() {
	stop_pid "$SLOW_PID" "rate-limited vsftpd"
	SLOW_PID=
}

cleanup() {
	stop_bg
	stop_slow
	[ -z "$DDEBUG_ON" ] || echo 'module kftp -p' >"$DDEBUG" 2>/dev/null
	[ -z "$DEBUGFS_MOUNTED" ] || umount /sys/kernel/debug 2>/dev/null
	rm -rf "$PART_WORK" "$SROOT"
}
on_exit cleanup

umask 022
S=ftp://127.0.0.1:$SLOW_PORT
declare -A SHA=()

# ---------------------------------------------------------------- setup

make_files() {
	local i f size
	rm -rf "$PART_WORK" "$SROOT"
	mkdir -p "$PART_WORK" "$SROOT" || return 1
	# 1 to 4 MiB each, odd sizes.
	for i in $(seq 0 15); do
		f=$(printf 'f%02d' "$i")
		size=$(((1 + i % 4) * 1048576 - i * 1000 - 7))
		head -c "$size" /dev/urandom >"$SROOT/$f" || return 1
		SHA[$f]=$(sha_of "$SROOT/$f") || return 1
	done
	chown -R root:root "$SROOT"
	chmod 0755 "$SROOT"
	chmod 0644 "$SROOT"/*
	for f in hello.txt allbytes.bin; do
		SHA[$f]=$(sha_of "$FTP_ROOT/$f") || return 1
	done
}

if [ -z "$SUITE_ABORT" ]; then
	make_files || SUITE_ABORT="cannot create the test files in $SROOT"
fi

# ---------------------------------------------------------------- helpers

# start_slow: a second vsftpd, tests/vsftpd.conf with another port and log
# and a transfer rate limit.
start_slow() {
	[ -z "$SLOW_PID" ] || return 0
	start_vsftpd_limited "$SLOW_PORT" "$SLOW_RATE" "$SLOW_CONF" "$SLOW_LOG" &&
		{ SLOW_PID=$SERVER_PID; return 0; }
	SLOW_PID=$SERVER_PID
	stop_slow
	return 1
}

# bg_get OUT ERRFILE URL [args...]: kftp-get in the background under
# timeout, its stdout and stderr into ERRFILE; sets BG (the timeout's pid)
# and records it for cleanup.
bg_get() {
	local out=$1 errf=$2 url=$3
	shift 3
	timeout -k 5 "$KGET_TIMEOUT" "$KFTP_GET" "$@" -o "$out" "$url" \
		>"$errf" 2>&1 </dev/null &
	BG=$!
	BG_PIDS+=("$BG")
}

# bg_wait PID: its exit status in BGRC.
bg_wait() {
	wait "$1" 2>/dev/null
	BGRC=$?
	local p keep=()
	for p in "${BG_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	BG_PIDS=("${keep[@]}")
}

# client_of TIMEOUT_PID: the kftp-get process that timeout started.
client_of() {
	local i c
	for i in $(seq "$(tscale 50)"); do
		c=$(pgrep -P "$1" -x kftp-get) && { printf '%s\n' "$c"; return 0; }
		sleep 0.1
	done
	return 1
}

# wait_started DIR: kftp-get's data file in DIR holds data, i.e. the
# transfer runs. The data file is unnamed (O_TMPFILE), seen through the
# descriptors of kftp-get; a filesystem without O_TMPFILE gets a named temp.
wait_started() {
	local i f p
	for i in $(seq "$(tscale 100)"); do
		for f in "$1"/.*.kftp-*; do
			[ -s "$f" ] && return 0
		done
		for p in $(pgrep -x kftp-get); do
			for f in /proc/"$p"/fd/*; do
				case $(readlink "$f" 2>/dev/null) in
				"$1"/*) [ -s "$f" ] && return 0 ;;
				esac
			done
		done
		sleep 0.1
	done
	diag "no transfer started within $(tscale 10) s: $(ls -la "$1" 2>&1)"
	return 1
}

# slow_dir NAME: the rate-limited vsftpd up, and D=$PART_WORK/NAME made.
slow_dir() {
	start_slow || return 1
	D=$PART_WORK/$1
	mkdir -p "$D"
}

# slow_client DIR: kftp-get fetching allbytes.bin from the rate-limited
# vsftpd into DIR/got, in the background, data flowing. Sets PID (of
# timeout) and CPID (of kftp-get); 1 if it did not get going.
slow_client() {
	local rc=0
	bg_get "$1/got" "$PART_WORK/slow.err" "$S/allbytes.bin" -q
	PID=$BG
	CPID=$(client_of "$PID") || { diag "no kftp-get under timeout $PID"; rc=1; }
	wait_started "$1" || rc=1
	return $rc
}

# client_gone DIR: no temp file left in DIR, and the module's refcount
# back to 0.
client_gone() {
	local rc=0
	no_temp_files "$1" || rc=1
	wait_refcnt 0 || rc=1
	return $rc
}

# wait_refcnt N: the module's refcount becomes N within 5 s (scaled).
wait_refcnt() {
	local i
	for i in $(seq "$(tscale 25)"); do
		[ "$(module_refcnt)" = "$1" ] && return 0
		sleep 0.2
	done
	diag "kftp refcnt: expected $1, got $(module_refcnt) after $(tscale 5) s"
	return 1
}

# ---------------------------------------------------------------- cases

# 16 clients at once, 16 different files, one server (vsftpd forks a
# session per client; tests/vsftpd.conf sets no max_clients/max_per_ip,
# and vsftpd's defaults are unlimited).
c_parallel_files() {
	local d i f rc=0 bad=0 maxref=0 r
	local -a pids=()
	d=$PART_WORK/parallel
	mkdir -p "$d"
	for i in $(seq 0 15); do
		f=$(printf 'f%02d' "$i")
		bg_get "$d/$f" "$PART_WORK/$f.err" "$V/stress/$f" -q
		pids[i]=$BG
	done
	# How many were inside the module at once (each holds /dev/kftp open).
	for i in $(seq 20); do
		r=$(module_refcnt)
		[ "$r" -le "$maxref" ] 2>/dev/null || maxref=$r
		sleep 0.1
	done
	for i in $(seq 0 15); do
		f=$(printf 'f%02d' "$i")
		bg_wait "${pids[i]}"
		if [ "$BGRC" != 0 ]; then
			diag "$f: exit $BGRC: $(cat "$PART_WORK/$f.err")"
			bad=$((bad + 1))
			continue
		fi
		check_sha "$d/$f" "${SHA[$f]}" || bad=$((bad + 1))
	done
	diag "up to $maxref clients were in the module at once"
	[ "$bad" = 0 ] || { diag "$bad of 16 downloads failed"; rc=1; }
	client_gone "$d" || rc=1
	[ $rc = 0 ] && rm -rf "$d"
	return $rc
}

# 16 clients at once, the same file to the same destination, 8 from each
# server: distinct temp files, and the destination is always whole.
c_parallel_same() {
	local d i rc=0 bad=0 url
	local -a pids=()
	d=$PART_WORK/same
	mkdir -p "$d"
	for i in $(seq 0 15); do
		url=$V
		[ $((i % 2)) = 0 ] || url=$P
		bg_get "$d/got" "$PART_WORK/same$i.err" "$url/allbytes.bin" -q
		pids[i]=$BG
	done
	for i in $(seq 0 15); do
		bg_wait "${pids[i]}"
		if [ "$BGRC" != 0 ]; then
			diag "client $i: exit $BGRC: $(cat "$PART_WORK/same$i.err")"
			bad=$((bad + 1))
		fi
	done
	[ "$bad" = 0 ] || { diag "$bad of 16 downloads failed"; rc=1; }
	check_sha "$d/got" "${SHA[allbytes.bin]}" || rc=1
	client_gone "$d" || rc=1
	[ $rc = 0 ] && rm -rf "$d"
	return $rc
}

# Many small downloads in a row; 19 of 20 from pyftpdlib (0.15-0.3 s each
# under TCG), 1 of 20 from vsftpd (0.4-0.6 s: a fork and a privilege
# separation helper per session). Measures TCP inuse and Slab around them
# for the two cases after this one.
SEQ_TCP_BEFORE=""
SEQ_SLAB_BEFORE=""
SEQ_SLAB_AFTER=""
c_sequential() {
	local d out rc want
	d=$PART_WORK/seq
	mkdir -p "$d"
	want=$(cat "$FTP_ROOT/hello.txt")
	SEQ_TCP_BEFORE=$(tcp_inuse)
	SEQ_SLAB_BEFORE=$(slab_kb)
	# One process issuing the ioctl in a loop: under TCG, starting a
	# kftp-get per download would cost more than the downloads.
	out=$(timeout -k 5 900 "$REPEAT" repeat -c "$SEQ_N" hello.txt "$d/hello.txt" \
		"127.0.0.1:$PYFTPD_PORT" "127.0.0.1:$VSFTPD_PORT" </dev/null 2>&1)
	rc=$?
	diag "$out"
	SEQ_SLAB_AFTER=$(slab_kb)
	[ "$rc" = 0 ] || { diag "kftp-fuzz repeat exited $rc"; return 1; }
	check_eq "content of the last download" "$want" "$(cat "$d/hello.txt")" || return 1
	rm -rf "$d"
}

c_seq_tcp() {
	[ -n "$SEQ_TCP_BEFORE" ] || { diag "no measurement"; return 1; }
	wait_tcp_inuse "$SEQ_TCP_BEFORE"
}

c_seq_slab() {
	local b a s2
	if [ -z "$SEQ_SLAB_BEFORE" ] || [ -z "$SEQ_SLAB_AFTER" ]; then
		diag "no measurement"
		return 1
	fi
	read -r b _ <<<"$SEQ_SLAB_BEFORE"
	read -r a _ <<<"$SEQ_SLAB_AFTER"
	diag "Slab (net raw tw) in kB: before $SEQ_SLAB_BEFORE, after $SEQ_SLAB_AFTER"
	if [ $((a - b)) -ge 1024 ]; then
		# Freed objects can linger in per-cpu slabs: look once more.
		sleep 2
		s2=$(slab_kb)
		read -r a _ <<<"$s2"
		diag "second sample: $s2"
	fi
	[ $((a - b)) -lt 1024 ] && return 0
	diag "Slab grew by $((a - b)) kB over the downloads (limit: 1024 kB)"
	return 1
}

# rmmod while a transfer is inside the module: refused, no oops, and the
# transfer still completes intact.
c_rmmod_busy() {
	local d rc=0 mark out pid
	start_slow || return 1
	wait_refcnt 0 || return 1
	d=$PART_WORK/rmmod
	mkdir -p "$d"
	mark=$(kmsg_mark)
	bg_get "$d/got" "$PART_WORK/slow.err" "$S/allbytes.bin" -q
	pid=$BG
	wait_started "$d" || rc=1
	check_eq "kftp refcnt during the transfer" 1 "$(module_refcnt)" || rc=1
	if out=$(rmmod kftp 2>&1); then
		diag "rmmod kftp succeeded during a transfer"
		rc=1
	else
		check_contains "rmmod output" "$out" "in use" || rc=1
	fi
	if [ ! -d /sys/module/kftp ] || [ ! -c /dev/kftp ]; then
		diag "kftp is gone; loading it again for the cases after this one"
		insmod_kftp
		rc=1
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		diag "the transfer had ended before rmmod was tried (too fast?)"
		rc=1
	fi
	bg_wait "$pid"
	if [ "$BGRC" = 0 ]; then
		check_sha "$d/got" "${SHA[allbytes.bin]}" || rc=1
	else
		diag "transfer exit $BGRC: $(cat "$PART_WORK/slow.err")"
		rc=1
	fi
	client_gone "$d" || rc=1
	kernel_clean_since "$mark" || rc=1
	[ $rc = 0 ] && rm -rf "$d"
	return $rc
}

# SIGINT to kftp-get in the middle of a slow transfer: exit 130, no temp
# file, the old destination intact, the module released.
c_sigint() {
	local d rc=0 pid cpid t old_sha
	slow_dir sigint || return 1
	d=$D
	printf 'old content, must survive\n' >"$d/got"
	old_sha=$(sha_of "$d/got")
	slow_client "$d" || rc=1
	pid=$PID cpid=$CPID
	t=$SECONDS
	[ -z "$cpid" ] || kill -INT "$cpid"
	bg_wait "$pid"
	check_eq "exit status after SIGINT" 130 "$BGRC" || { diag "$(cat "$PART_WORK/slow.err")"; rc=1; }
	[ $((SECONDS - t)) -le "$(tscale 3)" ] || { diag "took $((SECONDS - t)) s to stop"; rc=1; }
	check_sha "$d/got" "$old_sha" || rc=1
	client_gone "$d" || rc=1
	# Every connection closed: only the servers' listeners remain.
	wait_tcp_inuse "$(tcp_listeners)" || rc=1
	[ $rc = 0 ] && rm -rf "$d"
	return $rc
}

# SIGKILL in the middle of a transfer: nobody can remove the temp file
# then, but the module must let go of everything: refcount, sockets.
c_sigkill() {
	local d rc=0 pid cpid mark
	slow_dir sigkill || return 1
	d=$D
	# Sessions of earlier cases may still be closing.
	wait_tcp_inuse "$(tcp_listeners)" >/dev/null
	mark=$(kmsg_mark)
	slow_client "$d" || rc=1
	pid=$PID cpid=$CPID
	[ -z "$cpid" ] || kill -KILL "$cpid"
	bg_wait "$pid"
	check_eq "exit status after SIGKILL" 137 "$BGRC" || rc=1
	wait_refcnt 0 || rc=1
	# The server's session sees the reset and ends: only the servers'
	# listeners remain.
	wait_tcp_inuse "$(tcp_listeners)" || rc=1
	[ ! -e "$d/got" ] || { diag "$d/got was created"; rc=1; }
	kernel_clean_since "$mark" || rc=1
	rm -rf "$d"
	return $rc
}

# Dynamic debug on: the dialogue is in the kernel log, passwords are not.
CANARY_OPT=kftpCanaryOpt4417
CANARY_URL=kftpCanaryUrl8093
CANARY_BAD=kftpCanaryBad2268
c_ddebug() {
	local d rc=0 mark log w
	if [ ! -e "$DDEBUG" ]; then
		mount -t debugfs none /sys/kernel/debug 2>/dev/null && DEBUGFS_MOUNTED=1
	fi
	[ -w "$DDEBUG" ] || { diag "no $DDEBUG (CONFIG_DYNAMIC_DEBUG?)"; return 1; }
	d=$PART_WORK/ddebug
	mkdir -p "$d"
	mark=$(kmsg_mark)
	echo 'module kftp +p' >"$DDEBUG" || { diag "cannot enable dynamic debug"; return 1; }
	DDEBUG_ON=1
	# anonymous with a password by -u, then in the URL; a local user with
	# the password from KFTP_PASSWORD; a refused login.
	kget -u "anonymous:$CANARY_OPT" -o "$d/a" "$V/hello.txt"
	check_rc 0 || rc=1
	kget -o "$d/b" "ftp://anonymous:$CANARY_URL@127.0.0.1:$PYFTPD_PORT/hello.txt"
	check_rc 0 || rc=1
	export KFTP_PASSWORD=$FTP_PASS
	kget -u "$FTP_USER" -o "$d/c" "$V/hello.txt"
	unset KFTP_PASSWORD
	check_rc 0 || rc=1
	kget -o "$d/e" "ftp://$FTP_USER:$CANARY_BAD@127.0.0.1:$PYFTPD_PORT/hello.txt"
	check_rc 5 || rc=1
	log=$(dmesg_since "$mark")
	for w in "kftp: < 220" "kftp: > USER anonymous" "kftp: > USER $FTP_USER" \
		"kftp: > PASS ****" "kftp: < 230" "kftp: > TYPE I" \
		"kftp: > RETR hello.txt" "kftp: < 530"; do
		check_contains "kernel log since $mark" "$log" "$w" >/dev/null ||
			{ diag "no '$w' in the kernel log"; rc=1; }
	done
	check_eq "'> PASS ****' lines" 4 "$(grep -c 'kftp: > PASS \*\*\*\*' <<<"$log")" || rc=1
	# The whole log, not only since the mark.
	for w in "$CANARY_OPT" "$CANARY_URL" "$CANARY_BAD" "$FTP_PASS"; do
		if dmesg | grep -qF -- "$w"; then
			diag "the password '$w' is in the kernel log:"
			diag "$(dmesg | grep -F -- "$w" | head -n 5)"
			rc=1
		fi
	done
	echo 'module kftp -p' >"$DDEBUG"
	DDEBUG_ON=
	if grep -E '\[kftp\]' "$DDEBUG" | grep -q ' =p'; then
		diag "dynamic debug still on: $(grep -E '\[kftp\].* =p' "$DDEBUG" | head -n 3)"
		rc=1
	fi
	# Off means quiet.
	mark=$(kmsg_mark)
	kget -o "$d/f" "$V/hello.txt"
	check_rc 0 || rc=1
	log=$(dmesg_since "$mark")
	if grep -q 'kftp: [<>] ' <<<"$log"; then
		diag "dialogue still logged with dynamic debug off: $(head -n 3 <<<"$log")"
		rc=1
	fi
	no_temp_files "$d" || rc=1
	[ $rc = 0 ] && rm -rf "$d"
	return $rc
}

# 50 failures (connection refused): each one reported to the caller
# (exit 4), the kernel log rate-limited. pr_info_ratelimited lets 10
# through per 5 s, so the failures must come faster than 2 a second to
# show it: 5 waves of 10 clients at once (one at a time, exec alone takes
# up to 0.4 s under TCG).
c_ratelimit() {
	local d i w rc=0 bad=0 n mark t0 t allowed
	local -a pids=()
	port_refused "$REFUSED_PORT" || return 1
	d=$PART_WORK/ratelimit
	mkdir -p "$d"
	mark=$(kmsg_mark)
	t0=$SECONDS
	for w in 1 2 3 4 5; do
		for i in $(seq 0 9); do
			bg_get "$d/got$i" "$PART_WORK/refused$i.err" \
				"ftp://127.0.0.1:$REFUSED_PORT/hello.txt" -q --connect-timeout 10
			pids[i]=$BG
		done
		for i in $(seq 0 9); do
			bg_wait "${pids[i]}"
			[ "$BGRC" = 4 ] && continue
			bad=$((bad + 1))
			diag "wave $w client $i: exit $BGRC: $(cat "$PART_WORK/refused$i.err")"
		done
	done
	[ "$bad" = 0 ] || rc=1
	# The rate limit's own "FUNC: N callbacks suppressed" lines are not
	# the failures' (FUNC is kftp's, so they hold "kftp" too).
	n=$(dmesg_since "$mark" | grep kftp | grep -vc 'callbacks suppressed')
	t=$((SECONDS - t0))
	# printk's rate limit lets 10 lines through every 5 s: over t seconds,
	# at most 10 * (t / 5 + 2) (a window may begin before the first one).
	# Spread over 20 s or more (a debug kernel), all 50 may pass.
	allowed=$((10 * (t / 5 + 2)))
	[ "$allowed" -le 50 ] || allowed=50
	[ "$allowed" -lt 50 ] || diag "the failures took $t s: the rate limit may let all 50 lines through"
	diag "$n kernel log lines about kftp for 50 failures in $t s (at most $allowed allowed)"
	if [ "$n" -gt "$allowed" ]; then
		diag "not rate-limited: $(dmesg_since "$mark" | tail -n 3)"
		rc=1
	elif [ "$n" -lt 1 ]; then
		diag "no failure logged at all (expected some 'kftp: retrieving ... failed')"
		rc=1
	fi
	only_entries "$d" || rc=1
	return $rc
}

T0=$SECONDS
tcase "16 clients at once, 16 different files (1-4 MiB) from vsftpd: all exit 0, sha256" c_parallel_files
tcase "16 clients at once, same file and destination, both servers: all exit 0, file whole" c_parallel_same
tcase "$SEQ_N small downloads in a row, pyftpdlib and vsftpd in turn: all complete, content right" c_sequential
tcase "TCP inuse back to its level before the $SEQ_N downloads" c_seq_tcp
# KASAN's quarantine keeps freed objects in Slab: on the debug kernel the
# lane's kmemleak scan after rmmod judges these downloads with the rest (a
# scan of its own here took about 45 s under TCG).
if kasan_on; then
	diag "no Slab bound on KASAN: the debug lane's kmemleak scan after rmmod judges the $SEQ_N downloads"
else
	tcase "no leak over the $SEQ_N downloads: Slab grows by less than 1 MiB (caches dropped)" c_seq_slab
fi
tcase "rmmod kftp during a transfer is refused; the transfer completes intact; refcnt 0" c_rmmod_busy
tcase "SIGINT during a transfer: exit 130 at once, no temp file, old destination intact" c_sigint
tcase "SIGKILL during a transfer: module refcnt and TCP sockets released" c_sigkill
tcase "dynamic debug: dialogue logged, PASS masked, no password in dmesg; off again" c_ddebug
tcase "50 connection failures (5 waves of 10): exit 4 each, no more kftp log lines than the rate limit lets through" c_ratelimit
stop_slow
diag "stress took $((SECONDS - T0)) s"
check_eq "kftp refcnt at the end" 0 "$(module_refcnt)" >/dev/null ||
	diag "kftp refcnt at the end: $(module_refcnt)"

part_done

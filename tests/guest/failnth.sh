#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# failnth.sh [START]: every allocation failure that one kftp call meets, in
# turn (issue 20). Debug lane only: it needs the debug kernel's fault
# injection (tests/debug/debug.config), and suite.sh runs it only when
# SUITE_PARTS names it (tests/debug/check-debug.sh does).
#
# tests/fuzz/kftp-failnth sweeps N = 1, 2, 3, ...: the Nth slab, page or
# user-copy call made by one call of this thread fails
# (/proc/thread-self/fail-nth), until a call completes without the fault
# firing; N - 1 injection points were reached. The sweeps, all on a small
# file (hello.txt) from vsftpd, anonymous (kftp's dialogue is the same as
# for a local user, whose PAM login costs seconds on this kernel):
#   - open("/dev/kftp"): the session's own allocations;
#   - a fresh session: KFTP_IOC_GET on a file opened just before;
#   - a reused session: the sweep on one file, after a request that
#     succeeded (each N then finds the session of the request before);
#   - a fresh session with max_filesize, a data port range and the
#     SHA-256 (KFTP_GET_F_SHA256: the crypto API's allocations);
#   - the KFTP_CMD_GET_XFERS netlink dump while a transfer runs.
# Each N must end in success or a clean errno (the driver's rules: ENOMEM,
# ENOBUFS, or what the kernel itself makes of a failed allocation there),
# the same call must work right after it on the same file, and the kernel
# log must stay clean: a report names its N (the driver writes
# "kftp-failnth: SWEEP n=N" there before each call). A failed case names
# its N; tests/fuzz/kftp-failnth SWEEP --start N --max N, with the options
# in the case's diagnostics, replays it alone (vsftpd as the suite runs it). Then: rmmod kftp, no TCP socket left
# (but those that TCP itself strands when a FIN cannot be allocated:
# counted, destroyed with ss -K; see stranded() below), and kftp is loaded
# again. kmemleak judges the sweeps in the lane's own scan after rmmod
# (tests/debug/guest-lane.sh), which comes right after this, the last
# part: a scan of its own here found the same objects, 45 s later.
#
# Fault attributes in debugfs (restored at exit): probability 0, so that
# nothing fails but the Nth call of an armed thread (fail-nth takes
# precedence over it); ignore-gfp-wait N (and for pages min-order 0,
# ignore-gfp-highmem N), or GFP_KERNEL allocations and single pages could
# not fail; verbose 0 (a stack dump per fault would read as a report);
# times counting down from 10^9, which tells the driver what failed.
# Every sweep's lines: /results/failnth/SWEEP.txt.
set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init failnth "$@"

DRIVER=$REPO/tests/fuzz/kftp-failnth
KSTAT=${KFTPSTAT:-$REPO/user/kftpstat}
DBG=/sys/kernel/debug
FAULTS=(failslab fail_page_alloc fail_usercopy)
SLOW_PORT=2134
SLOW_RATE=65536		# bytes/s: big.bin (64 MiB) lasts the whole sweep
# Each step of a call (kftp's own timeouts): vsftpd answers at once, so
# only a call that an injected fault left hanging waits for one.
STEP_MS=$(($(tscale 10) * 1000))
SWEEP_SECS=$(tscale 1200)
TCP_BEFORE=$(tcp_inuse)
RESULTS=/results/failnth
declare -A SAVED=()
DEBUGFS_MOUNTED=
SLOW_PID=
BG_PID=

restore_faults() {
	local k
	for k in "${!SAVED[@]}"; do
		echo "${SAVED[$k]}" >"$DBG/$k" 2>/dev/null
	done
	SAVED=()
}

cleanup() {
	[ -z "$BG_PID" ] || stop_pid "$BG_PID" "background kftp-get"
	[ -z "$SLOW_PID" ] || stop_pid "$SLOW_PID" "rate-limited vsftpd"
	restore_faults
	[ -z "$DEBUGFS_MOUNTED" ] || umount "$DBG" 2>/dev/null
}
on_exit cleanup

# fault_set ATTR FILE VALUE: set $DBG/ATTR/FILE, keeping the old value.
fault_set() {
	local k=$1/$2
	[ -n "${SAVED[$k]+set}" ] || SAVED[$k]=$(cat "$DBG/$k") || return 1
	echo "$3" >"$DBG/$k" || { diag "cannot write $3 to $DBG/$k"; return 1; }
}

c_setup() {
	local a
	if ! mountpoint -q "$DBG"; then
		mount -t debugfs none "$DBG" 2>/dev/null && DEBUGFS_MOUNTED=1
	fi
	[ -w /proc/thread-self/fail-nth ] ||
		{ diag "no /proc/thread-self/fail-nth: a kernel without CONFIG_FAULT_INJECTION"; return 1; }
	[ -x "$DRIVER" ] || { diag "$DRIVER not built (make testprogs)"; return 1; }
	for a in "${FAULTS[@]}"; do
		[ -d "$DBG/$a" ] || { diag "no $DBG/$a (see tests/debug/debug.config)"; return 1; }
		fault_set "$a" probability 0 || return 1
		fault_set "$a" interval 1 || return 1
		fault_set "$a" space 0 || return 1
		fault_set "$a" times 1000000000 || return 1
		fault_set "$a" verbose 0 || return 1
		fault_set "$a" task-filter N || return 1
	done
	fault_set failslab ignore-gfp-wait N || return 1
	fault_set fail_page_alloc ignore-gfp-wait N || return 1
	fault_set fail_page_alloc ignore-gfp-highmem N || return 1
	fault_set fail_page_alloc min-order 0
}

# The Ns of a sweep, runs of equal outcomes folded: "n=3-7 failslab ENOMEM
# at CONNECT, next ok".
fold_lines() {
	awk '$2 ~ /^n=/ {
		k = ""
		for (i = 3; i <= NF; i++)
			if ($i !~ /^ms=/)
				k = k " " $i
		n = substr($2, 3)
		if (k == key && n == last + 1) { last = n; next }
		if (key != "") print first (last != first ? "-" last : "") key
		key = k; first = n; last = n
	}
	END { if (key != "") print first (last != first ? "-" last : "") key }' "$1" |
		sed -e 's/^/n=/' -e 's/ fault=/ /' -e 's/ result=/ /' -e 's/ step=/ at /' \
			-e 's/ next=/, next /' -e 's/ verdict=ok$//' -e 's/ verdict=/, /'
}

# which_n NAME MARK: the N whose call came last before the first bad
# kernel log line since MARK.
which_n() {
	dmesg_since "$2" | awk -v s="kftp-failnth: $1 n=" -v re="$KERNEL_BAD_RE" '
		index($0, s) { n = substr($0, index($0, s) + length(s)) + 0 }
		$0 ~ re { print (n ? n : "?"); exit }'
}

# sweep NAME SWEEP ARGS...: kftp-failnth SWEEP --name NAME ARGS; 0 iff it
# exited 0 (every N clean, the sweep ended) and the kernel log since it
# began is clean.
sweep() {
	local name=$1 mode=$2 out=$PART_WORK/$1.txt mark rc=0 bad
	shift 2
	mark=$(kmsg_mark)
	timeout -k 5 "$SWEEP_SECS" "$DRIVER" "$mode" --name "$name" --timeout "$STEP_MS" "$@" \
		>"$out" 2>&1 </dev/null || rc=$?
	mkdir -p "$RESULTS" 2>/dev/null && cp -f "$out" "$RESULTS/" 2>/dev/null
	diag "kftp-failnth $mode --name $name --timeout $STEP_MS $*"
	diag "$(grep -a "^$name: " "$out")"
	diag "$(fold_lines "$out")"
	case $rc in
	0) ;;
	124 | 137)
		diag "killed after $SWEEP_SECS s; last line: $(tail -n 1 "$out")" ;;
	*)
		diag "exit $rc"
		grep -a -v "^$name n=" "$out" | grep -av "^$name: " | head -n 5 | while IFS= read -r l; do
			diag "$l"
		done
		grep -a 'verdict=BAD' "$out" | head -n 20 | while IFS= read -r l; do
			diag "$l"
		done ;;
	esac
	bad=$(kernel_bad_since "$mark") && {
		rc=1
		diag "kernel log: a report at n=$(which_n "$name" "$mark") of the $name sweep:"
		diag "$(printf '%s\n' "$bad" | head -n 20)"
	}
	return $((rc != 0))
}

HOST=127.0.0.1

c_open() {
	sweep open open "$HOST" "$VSFTPD_PORT"
}

# sweep_get NAME SWEEP [options]: a KFTP_IOC_GET sweep of hello.txt; the
# last call (no fault) left the right file.
sweep_get() {
	local name=$1 mode=$2 f=$PART_WORK/$1.got
	shift 2
	sweep "$name" "$mode" "$@" "$HOST" "$VSFTPD_PORT" hello.txt "$f" || return 1
	check_same_file "$f" "$FTP_ROOT/hello.txt"
}

c_fresh() {
	sweep_get fresh fresh
}

c_reuse() {
	sweep_get reuse reuse
}

c_limits() {
	sweep_get limits fresh --max-filesize "$(stat -c %s "$FTP_ROOT/hello.txt")" \
		--port-range 42000-42199 --sha256
}

# A listing (request version 5) from pyftpdlib: FEAT, then MLSD of the
# root; the last call (no fault) listed hello.txt.
c_listing() {
	local f=$PART_WORK/listing.got
	sweep listing fresh --list "$HOST" "$PYFTPD_PORT" "" "$f" || return 1
	grep -aq '; hello.txt.$' "$f" && return 0
	diag "no hello.txt in the listing: $(head -c 300 "$f")"
	return 1
}

# A throttled transfer in the background (BG_PID), listed by the dump.
start_transfer() {
	local _
	start_vsftpd_limited "$SLOW_PORT" "$SLOW_RATE" "$PART_WORK/vsftpd-slow.conf" \
		"$PART_WORK/vsftpd-slow.log" || return 1
	SLOW_PID=$SERVER_PID
	timeout -k 5 "$SWEEP_SECS" "$KFTP_GET" -q -o "$PART_WORK/big.bin" \
		"ftp://$HOST:$SLOW_PORT/big.bin" >"$PART_WORK/bg.err" 2>&1 </dev/null &
	BG_PID=$!
	for _ in $(seq "$(tscale 60)"); do
		"$KSTAT" --json 2>/dev/null | grep -q big.bin && return 0
		kill -0 "$BG_PID" 2>/dev/null || break
		sleep 0.5
	done
	diag "the background transfer is not listed: $(cat "$PART_WORK/bg.err")"
	return 1
}

c_dump() {
	local rc=0
	start_transfer || return 1
	sweep dump dump "$HOST" "$VSFTPD_PORT" || rc=1
	# It must have run through the whole sweep (the driver checked that
	# each dump after a fault listed it).
	kill -0 "$BG_PID" 2>/dev/null ||
		{ diag "the background transfer ended during the sweep: $(cat "$PART_WORK/bg.err")"; rc=1; }
	stop_pid "$BG_PID" "background kftp-get"
	BG_PID=
	stop_pid "$SLOW_PID" "rate-limited vsftpd"
	SLOW_PID=
	return $rc
}

# stranded: TCP sockets left in LAST-ACK or FIN-WAIT-1 with no timer. TCP
# itself leaves them when the allocation of a FIN fails (tcp_send_fin(),
# GFP_ATOMIC, in the task that closes the socket, so an injected fault can
# hit it): the state moves on, but no FIN is sent or queued, no timer is
# armed, and nothing ever ends the socket. kftp closed it as it should.
stranded() {
	ss -tanoH state last-ack state fin-wait-1 2>/dev/null | grep -v 'timer:'
}

c_after() {
	local rc=0 out n _
	restore_faults
	out=$(rmmod kftp 2>&1) || { diag "rmmod kftp: $out"; return 1; }
	# With kftp gone, what is left beyond the start is an orphan, closed
	# and on its way out, or stranded by TCP: wait for the former.
	for _ in $(seq "$(tscale 30)"); do
		n=$(stranded | wc -l)
		[ $(($(tcp_inuse) - n)) -le "$TCP_BEFORE" ] && break
		sleep 1
	done
	n=$(stranded | wc -l)
	if [ "$n" -gt 0 ]; then
		diag "$n socket(s) stranded by TCP (a FIN's allocation failed), destroyed with ss -K:"
		diag "$(stranded)"
		ss -tanK state last-ack state fin-wait-1 >/dev/null 2>&1
	fi
	wait_tcp_inuse "$TCP_BEFORE" || rc=1
	insmod_kftp || rc=1
	return $rc
}

tcase "fault injection set up: fail-nth, failslab, fail_page_alloc, fail_usercopy" c_setup ||
	SUITE_ABORT=${SUITE_ABORT:-"no fault injection"}
tcase "open /dev/kftp: every allocation failure is clean" c_open
tcase "fresh session: every allocation failure is clean, the session works after" c_fresh
tcase "reused session: every allocation failure is clean, the session works after" c_reuse
tcase "max_filesize, a data port range, SHA-256: every allocation failure is clean" c_limits
tcase "a listing (FEAT, MLSD): every allocation failure is clean" c_listing
tcase "netlink dump during a transfer: every allocation failure is clean" c_dump
tcase "after the sweeps: rmmod kftp, no TCP socket left, insmod" c_after
part_done

# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for tests/guest/files.sh and tests/guest/stress.sh, two parts of
# the in-guest suite (tests/guest/suite.sh runs them). Sourced, never run.
#
# A part is started as `PART.sh START_N` by suite.sh, inside the QEMU guest,
# as root, with cwd = repo root, kftp.ko loaded, vsftpd and pyftpdlib
# running, and these in the environment: KFTP_GET FTP_ROOT OUT_DIR SUITE_DIR
# VSFTPD_PORT PYFTPD_PORT FTP_USER FTP_PASS VSFTPD_LOG PYFTPD_LOG PYTHON.
#
# Output: "ok N - PART: name" / "not ok N - PART: name" numbered from
# START_N, "# " diagnostics, and a last "# PART: P passed, F failed". The
# part exits 0 iff every case passed. A case that cannot run fails; nothing
# is skipped.

export LC_ALL=C

P_NAME=${P_NAME:?set P_NAME before sourcing parts-lib.sh}
P_N=$((${1:-1} - 1))
P_PASS=0
P_FAIL=0
# Why no case can run (missing environment, module not loaded): set by
# p_require; every case then fails with this reason.
P_ABORT=

PYTHON=${PYTHON:-/usr/bin/python3}
# Every kftp-get run is bounded: a hang is one failed case.
KGET_TIMEOUT=${KGET_TIMEOUT:-120}
# A port nothing listens on (checked by p_refused_port before use).
P_REFUSED_PORT=${P_REFUSED_PORT:-2139}

# ---------------------------------------------------------------- TAP

diag() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

# pcase NAME FUNCTION [ARGS...]: run one case, print its verdict.
pcase() {
	local name=$1 t0=$SECONDS rc=0
	shift
	P_N=$((P_N + 1))
	if [ -n "$P_ABORT" ]; then
		P_FAIL=$((P_FAIL + 1))
		printf 'not ok %d - %s: %s\n' "$P_N" "$P_NAME" "$name"
		diag "not run: $P_ABORT"
		return 1
	fi
	if "$@"; then
		P_PASS=$((P_PASS + 1))
		printf 'ok %d - %s: %s\n' "$P_N" "$P_NAME" "$name"
	else
		rc=1
		P_FAIL=$((P_FAIL + 1))
		printf 'not ok %d - %s: %s\n' "$P_N" "$P_NAME" "$name"
	fi
	[ $((SECONDS - t0)) -lt 5 ] || diag "  (took $((SECONDS - t0)) s)"
	return $rc
}

p_summary() {
	printf '# %s: %d passed, %d failed\n' "$P_NAME" "$P_PASS" "$P_FAIL"
	[ "$P_FAIL" = 0 ]
}

# p_require: the environment suite.sh promises. Sets P_ABORT if not met.
p_require() {
	local v missing=
	for v in KFTP_GET FTP_ROOT OUT_DIR SUITE_DIR VSFTPD_PORT PYFTPD_PORT \
		FTP_USER FTP_PASS VSFTPD_LOG PYFTPD_LOG; do
		[ -n "${!v:-}" ] || missing="$missing $v"
	done
	if [ -n "$missing" ]; then
		P_ABORT="environment not set:$missing (run from tests/guest/suite.sh)"
		return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		P_ABORT="must run as root in the test VM"
	elif [ ! -x "$KFTP_GET" ]; then
		P_ABORT="KFTP_GET=$KFTP_GET is not executable"
	elif [ ! -c /dev/kftp ] || [ ! -d /sys/module/kftp ]; then
		P_ABORT="kftp.ko is not loaded (/dev/kftp missing)"
	elif [ ! -d "$FTP_ROOT" ]; then
		P_ABORT="FTP_ROOT=$FTP_ROOT missing"
	fi
	[ -z "$P_ABORT" ]
}

# ---------------------------------------------------------------- checks

check_eq() {
	[ "$2" = "$3" ] && return 0
	diag "$1: expected '$2', got '$3'"
	return 1
}

check_contains() {
	case $2 in
	*"$3"*) return 0 ;;
	esac
	diag "$1: expected to contain '$3', got: $2"
	return 1
}

sha_of() {
	local s
	s=$(sha256sum -- "$1" 2>/dev/null) || { echo "(unreadable:$1)"; return 1; }
	printf '%s\n' "${s%% *}"
}

check_sha() {
	if [ ! -f "$1" ] || [ -L "$1" ]; then
		diag "$1: missing or not a regular file"
		return 1
	fi
	check_eq "sha256 of $1" "$2" "$(sha_of "$1")"
}

# no_temp_files DIR: no .NAME.kftp-XXXXXX left by kftp-get.
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.*.kftp-*' 2>/dev/null)
	[ -z "$left" ] && return 0
	diag "temp files left in $1:"
	diag "$(ls -la "$1" 2>&1)"
	return 1
}

# only_entries DIR NAME...: DIR holds exactly these entries, no others.
only_entries() {
	local d=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sort)
	got=$(cd "$d" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort)
	[ "$want" = "$got" ] && return 0
	diag "entries of $d: expected [${want//$'\n'/ }], got [${got//$'\n'/ }]"
	diag "$(ls -la "$d" 2>&1)"
	return 1
}

# ---------------------------------------------------------------- kftp-get

# kget [args...]: run the CLI under timeout. Sets KRC, KERR, KOUT, KCMD.
kget() {
	local f_out=$P_WORK/kget.out f_err=$P_WORK/kget.err
	KCMD=$(printf '%q ' "$KFTP_GET" "$@")
	timeout -k 5 "$KGET_TIMEOUT" "$KFTP_GET" "$@" >"$f_out" 2>"$f_err" </dev/null
	KRC=$?
	KOUT=$(cat "$f_out")
	KERR=$(cat "$f_err")
	if [ "$KRC" = 124 ] || [ "$KRC" = 137 ]; then
		diag "TIMED OUT after ${KGET_TIMEOUT}s: $KCMD"
	fi
	return 0
}

explain() {
	diag "command: $KCMD"
	diag "exit status: $KRC"
	[ -z "$KERR" ] || diag "stderr: $KERR"
	[ -z "$KOUT" ] || diag "stdout: $KOUT"
}

check_rc() {
	[ "$KRC" = "$1" ] && return 0
	diag "expected exit status $1"
	explain
	return 1
}

# kget_ok DEST URL [args...]
kget_ok() {
	local dest=$1 url=$2
	shift 2
	kget "$@" -o "$dest" "$url"
	[ "$KRC" = 0 ] && return 0
	explain
	return 1
}

# ---------------------------------------------------------------- system

tcp_inuse() {
	# Sockets someone still holds: inuse minus orphans. An orphan was
	# released by its owner and is only the TCP stack's to finish (a
	# LAST_ACK retried for minutes under TCG); a socket that kftp never
	# released is not an orphan and still counts.
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) { if ($i == "inuse") n = $(i + 1);
		if ($i == "orphan") o = $(i + 1) } print n - o }' /proc/net/sockstat
}

# wait_tcp_inuse N: poll up to 10 s for TCP inuse to be N (TIME_WAIT is not
# counted; FIN_WAIT and LAST_ACK are).
wait_tcp_inuse() {
	local _ now
	for _ in $(seq 50); do
		now=$(tcp_inuse)
		[ "$now" = "$1" ] && return 0
		sleep 0.2
	done
	diag "TCP inuse: expected $1, got $now after 10 s"
	diag "$(ss -tanp 2>&1 | head -n 30)"
	return 1
}

# tcp_listeners: listening IPv4 TCP sockets, i.e. what TCP inuse counts
# when no connection is open at all.
tcp_listeners() {
	ss -Htln4 2>/dev/null | wc -l
}

module_refcnt() {
	cat /sys/module/kftp/refcnt 2>/dev/null || echo "(no /sys/module/kftp)"
}

# p_refused_port: nothing listens on P_REFUSED_PORT.
p_refused_port() {
	(exec 3<>"/dev/tcp/127.0.0.1/$P_REFUSED_PORT") 2>/dev/null || return 0
	diag "something listens on 127.0.0.1:$P_REFUSED_PORT; cannot test a refusal"
	return 1
}

# kmsg_mark: write a unique marker line into the kernel log and print it;
# dmesg_since MARK prints what the log holds after it. The kernel log is
# never cleared: the suite checks it as a whole at the end.
kmsg_mark() {
	local m="kftp-test-mark $P_NAME $$ $RANDOM$RANDOM"
	echo "$m" >/dev/kmsg
	printf '%s\n' "$m"
}

dmesg_since() {
	dmesg | awk -v m="$1" 'f { print } index($0, m) { f = 1 }'
}

# kernel_bad_since MARK: BUG/WARNING/Oops lines logged after MARK.
kernel_bad_since() {
	dmesg_since "$1" |
		grep -E 'BUG:|WARNING:|Oops|general protection fault|Kernel panic|Call Trace|UBSAN:|KASAN:'
}

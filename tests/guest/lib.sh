# shellcheck shell=bash
# shellcheck disable=SC2034  # constants are used by suite.sh, which sources us
# Helpers for the in-guest test suite (tests/guest/suite.sh). Sourced, never
# executed. The suite runs as root inside the QEMU guest; nothing here is
# meant to run on a host (it creates users, starts servers on fixed ports and
# removes /tmp/kftp-suite).
#
# Conventions:
#  - TAP-like output on stdout: "ok N - name" / "not ok N - name", "# " lines
#    for diagnostics, and a final "# guest: P passed, F failed".
#  - No `set -e`: a failing command inside a case must make that case fail,
#    not end the suite. `set -u` is on (in suite.sh) to catch typos.
#  - A case is a shell function that returns 0 (pass) or non-zero (fail) and
#    explains a failure with diag. tcase runs it and prints the verdict.

# ---------------------------------------------------------------- constants

# Fixed because tests/vsftpd.conf names them (vsftpd cannot expand variables).
SUITE_DIR=/tmp/kftp-suite
FTP_ROOT=$SUITE_DIR/root		# served by both servers, read-only
OUT_DIR=$SUITE_DIR/out			# downloads land here
VSFTPD_LOG=$SUITE_DIR/vsftpd.log	# vsftpd_log_file in tests/vsftpd.conf
PYFTPD_LOG=$SUITE_DIR/pyftpd.log
VSFTPD_PORT=2121
PYFTPD_PORT=2122
# Nothing listens there: the connection-refused case checks that first.
REFUSED_PORT=2129
FTP_USER=kuser
FTP_PASS=kpass
# pyftpdlib is installed for Debian's interpreter only.
PYTHON=/usr/bin/python3
# SUITE_VERBOSE=1 (run-vm.sh --env SUITE_VERBOSE=1) shows every kftp-get
# command, status and stderr, not only those of failed cases.
# Every kftp-get run is bounded, so a hang is one failed case, not a stuck
# suite (the harness has its own, larger, timeout for the whole VM).
KGET_TIMEOUT=120

# ---------------------------------------------------------------- TAP output

T_N=0
T_PASS=0
T_FAIL=0

diag() {
	local line
	# Every diagnostic line gets the "# " prefix, even multi-line text.
	while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

ok() {
	T_N=$((T_N + 1))
	T_PASS=$((T_PASS + 1))
	printf 'ok %d - %s\n' "$T_N" "$1"
}

not_ok() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	printf 'not ok %d - %s\n' "$T_N" "$1"
	[ $# -lt 2 ] || diag "$2"
}

# check_eq WHAT EXPECTED ACTUAL: 0 if equal, else a diagnostic and 1.
check_eq() {
	if [ "$2" = "$3" ]; then
		return 0
	fi
	diag "$1: expected '$2', got '$3'"
	return 1
}

# check_contains WHAT HAYSTACK NEEDLE
check_contains() {
	case $2 in
	*"$3"*) return 0 ;;
	esac
	diag "$1: expected to contain '$3', got: $2"
	return 1
}

# SUITE_ABORT, when set, is why no case can run any more (kftp.ko did not
# load). Every later case is then reported as a failure with that reason:
# a case that cannot run is a failure, never a skip.
SUITE_ABORT=

# tcase NAME FUNCTION [ARGS...]: run one case and print its verdict.
# The function runs in the current shell (cases that cd use a subshell).
tcase() {
	local name=$1
	shift
	if [ -n "$SUITE_ABORT" ]; then
		not_ok "$name" "not run: $SUITE_ABORT"
		return 1
	fi
	local t0=$SECONDS
	if "$@"; then
		ok "$name"
	else
		not_ok "$name"
		return 1
	fi
	# Slow cases are worth knowing about under TCG.
	[ $((SECONDS - t0)) -lt 5 ] || diag "  ($name took $((SECONDS - t0)) s)"
	return 0
}

summary() {
	# A trailing plan keeps TAP consumers (prove) happy; the harness reads
	# the last line.
	printf '1..%d\n' "$T_N"
	printf '# guest: %d passed, %d failed\n' "$T_PASS" "$T_FAIL"
}

# ---------------------------------------------------------------- sha256

# sha_of FILE: the hex digest alone.
sha_of() {
	local s
	s=$(sha256sum -- "$1" 2>/dev/null) || { echo "(unreadable:$1)"; return 1; }
	printf '%s\n' "${s%% *}"
}

# check_sha FILE EXPECTED_HEX
check_sha() {
	local got
	if [ ! -f "$1" ]; then
		diag "$1: missing after download"
		return 1
	fi
	got=$(sha_of "$1")
	check_eq "sha256 of $1" "$2" "$got"
}

# check_same_file GOT EXPECTED: byte-identical (for small files, cmp says
# where they differ, which a digest cannot).
check_same_file() {
	if [ ! -f "$1" ]; then
		diag "$1: missing after download"
		return 1
	fi
	cmp -- "$2" "$1" >/dev/null 2>&1 && return 0
	diag "$1 differs from $2: $(cmp -- "$2" "$1" 2>&1 | head -n 1)"
	return 1
}

# ---------------------------------------------------------------- kftp-get

# kget [kftp-get args...]: run the CLI as root with a time limit. Sets
#   KRC  exit status (124 or 137: killed by timeout)
#   KERR its stderr, KOUT its stdout
#   KCMD the command, for diagnostics
kget() {
	kget_as "" "$@"
}

# kget_as USER [args...]: as kget, run as USER (nobody) when USER is set,
# with its primary group only.
kget_as() {
	local who=$1 f_out f_err
	shift
	f_out=$SUITE_DIR/kget.out
	f_err=$SUITE_DIR/kget.err
	local -a pre=()
	if [ -n "$who" ]; then
		pre=(setpriv "--reuid=$who" "--regid=$(id -gn "$who")" --clear-groups)
	fi
	# %q makes CR, LF and spaces visible in diagnostics.
	KCMD=$(printf '%q ' "${pre[@]}" "$KFTP_GET" "$@")
	timeout -k 5 "$KGET_TIMEOUT" "${pre[@]}" "$KFTP_GET" "$@" \
		>"$f_out" 2>"$f_err" </dev/null
	KRC=$?
	KOUT=$(cat "$f_out")
	KERR=$(cat "$f_err")
	if [ "$KRC" = 124 ] || [ "$KRC" = 137 ]; then
		diag "TIMED OUT after ${KGET_TIMEOUT}s: $KCMD"
	elif [ -n "${SUITE_VERBOSE:-}" ]; then
		explain
	fi
	return 0
}

# explain: the last kget's command, exit status and stderr, for a failure.
explain() {
	diag "command: $KCMD"
	diag "exit status: $KRC"
	[ -z "$KERR" ] || diag "stderr: $KERR"
	[ -z "$KOUT" ] || diag "stdout: $KOUT"
}

# kget_ok DEST URL [extra args...]: download, expect exit 0, no stderr noise
# required. Returns 1 (with the explanation) on a non-zero exit.
kget_ok() {
	local dest=$1 url=$2
	shift 2
	kget "$@" -o "$dest" "$url"
	[ "$KRC" = 0 ] && return 0
	explain
	return 1
}

# check_rc EXPECTED: the last kget exited with EXPECTED.
check_rc() {
	[ "$KRC" = "$1" ] && return 0
	diag "expected exit status $1"
	explain
	return 1
}

# no_temp_files DIR: kftp-get's temp files (.NAME.kftp-XXXX) must never
# outlive a run, successful or not.
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.*.kftp-*' 2>/dev/null)
	[ -z "$left" ] && return 0
	diag "temp files left in $1: $left"
	return 1
}

# ---------------------------------------------------------------- servers

VSFTPD_PID=
PYFTPD_PID=

# log_count FILE PATTERN: number of lines matching PATTERN (0 if no file).
log_count() {
	local n
	n=$(grep -c -e "$2" -- "$1" 2>/dev/null) || true
	printf '%s\n' "${n:-0}"
}

# How each server logs an accepted connection.
VSFTPD_CONNECT_RE='CONNECT: Client'
PYFTPD_CONNECT_RE=' pyftpd CONNECT '

# wait_ftp_ready PORT SECS: a real connection that reads a 220 greeting,
# polled until SECS have passed. Returns 0 once the server answers.
wait_ftp_ready() {
	local port=$1 deadline=$((SECONDS + $2)) line
	while [ "$SECONDS" -lt "$deadline" ]; do
		# The subshell owns fd 3, so a failed attempt leaks nothing.
		line=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
			IFS= read -r -t 5 l <&3 || exit 1
			printf 'QUIT\r\n' >&3
			printf '%s' "$l") 2>/dev/null) || line=
		case $line in
		220*) return 0 ;;
		esac
		sleep 0.2
	done
	return 1
}

# port_refused PORT: nothing listens there (connect fails).
port_refused() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_vsftpd() {
	# vsftpd wants its config file owned by root; the repo copy is (via the
	# 9p share), but a copy under /tmp avoids depending on that.
	install -m 0600 -o root -g root "$REPO/tests/vsftpd.conf" "$SUITE_DIR/vsftpd.conf"
	mkdir -p /var/run/vsftpd/empty
	chmod 0755 /var/run/vsftpd/empty
	: >"$VSFTPD_LOG"
	vsftpd "$SUITE_DIR/vsftpd.conf" >"$SUITE_DIR/vsftpd.out" 2>&1 </dev/null &
	VSFTPD_PID=$!
	if wait_ftp_ready "$VSFTPD_PORT" 20; then
		return 0
	fi
	diag "vsftpd did not answer on port $VSFTPD_PORT within 20 s"
	diag "$(cat "$SUITE_DIR/vsftpd.out" 2>/dev/null)"
	return 1
}

start_pyftpd() {
	: >"$PYFTPD_LOG"
	"$PYTHON" "$REPO/tests/servers/pyftpd.py" --root "$FTP_ROOT" \
		--log "$PYFTPD_LOG" --port "$PYFTPD_PORT" \
		>"$SUITE_DIR/pyftpd.out" 2>&1 </dev/null &
	PYFTPD_PID=$!
	# Python starts slowly under TCG.
	if wait_ftp_ready "$PYFTPD_PORT" 60; then
		return 0
	fi
	diag "pyftpd did not answer on port $PYFTPD_PORT within 60 s"
	diag "$(cat "$SUITE_DIR/pyftpd.out" 2>/dev/null)"
	return 1
}

# stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL. Only our own
# children, by pid.
stop_pid() {
	local pid=$1 _
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		diag "$2 (pid $pid) ignored SIGTERM for 10 s, killing it"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 1
	fi
	wait "$pid" 2>/dev/null
	return 0
}

stop_servers() {
	local rc=0
	stop_pid "$VSFTPD_PID" vsftpd || rc=1
	VSFTPD_PID=
	stop_pid "$PYFTPD_PID" pyftpd || rc=1
	PYFTPD_PID=
	return $rc
}

# ---------------------------------------------------------------- misc

# tcp_inuse: "inuse" of the TCP line in /proc/net/sockstat (this netns).
tcp_inuse() {
	# Sockets someone still holds: inuse minus orphans. An orphan was
	# released by its owner and is only the TCP stack's to finish (a
	# LAST_ACK retried for minutes under TCG); a socket that kftp never
	# released is not an orphan and still counts.
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) { if ($i == "inuse") n = $(i + 1);
		if ($i == "orphan") o = $(i + 1) } print n - o }' /proc/net/sockstat
}

# mode_of PATH: octal permission bits, e.g. 600.
mode_of() {
	stat -c %a -- "$1" 2>/dev/null
}

# shellcheck shell=bash
# shellcheck disable=SC2034  # constants are used by the scripts that source us
# SPDX-License-Identifier: GPL-2.0
#
# The one library of the in-guest scripts: suite.sh, every part, demo.sh.
# Sourced, never executed. Everything here runs as root INSIDE the QEMU guest
# (tests/vm/run-vm.sh): it creates users, starts servers on fixed ports and
# removes /tmp/kftp-suite. The checkout is at /kftp in the guest, read-only;
# REPO is derived from this file's place, so it is /kftp there. Files meant
# for the host go to /results.
#
# Output (tests/tap.sh): "ok N - name" / "not ok N - name", "# " lines for
# diagnostics. No `set -e`: a failing command inside a case fails that
# case, not the script. A case is a function that returns 0 (pass) or
# non-zero (fail) and explains a failure with diag; tcase runs it.
#
# ---------------------------------------------------------------- parts
# A part is tests/guest/NAME.sh, listed in PARTS in suite.sh; suite.sh runs
# it as `NAME.sh START_N` with cwd /kftp, kftp.ko loaded, vsftpd and
# pyftpdlib serving FTP_ROOT, and the variables of part_env exported.
# A part looks like this:
#
#   #!/bin/bash
#   set -u
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   part_init NAME "$@"          # cases read "ok N - NAME: case", from START_N
#   c_foo() { kget -o "$OUT_DIR/x" "ftp://127.0.0.1:$VSFTPD_PORT/hello.txt"; check_rc 0; }
#   tcase "foo works" c_foo
#   part_done; exit $?           # "# NAME: P passed, F failed"; 0 iff all passed
#
# part_init checks that it runs as root in the VM and that the module is
# loaded (a part that wants it unloaded sets PART_NO_MODULE=1 first); if
# not, every case of the part fails ("not run: ..."), none is skipped.
# PART_WORK ($SUITE_DIR/NAME) is a fresh, empty work directory of the part.
# A part checks the kernel log of its own span with kmsg_mark and
# kernel_bad_since. Adding a part: write tests/guest/NAME.sh as above, make
# it executable, add NAME to PARTS in suite.sh.
#
# ---------------------------------------------------------------- API
#   tcase NAME FUNC [ARGS]  ok / not_ok / diag          (tests/tap.sh)
#   check_eq WHAT EXPECTED ACTUAL, check_contains WHAT HAYSTACK NEEDLE
#   sha_of FILE, check_sha FILE HEX (refuses a symlink), check_same_file
#   kget ARGS / kget_as USER ARGS: $KFTP_GET under a timeout; sets KRC KOUT
#     KERR KCMD; explain; check_rc RC; expect_fail RC TEXT; kget_ok DEST URL
#   no_temp_files DIR, only_entries DIR NAME...
#   wait_ftp_ready PORT SECS, start_vsftpd, start_pyftpd, start_hostile_ftpd
#     DIR [ARGS], stop_pid PID NAME
#   port_refused PORT, log_count FILE RE
#   tcp_inuse, wait_tcp_inuse N, tcp_listeners, module_refcnt, mode_of,
#     slab_kb
#   kmsg_mark, dmesg_since MARK, kernel_bad_since MARK, kernel_clean_since
#     MARK (tests/kernel-log.sh); on_exit FUNC (traps)
#   jcheck FILE PYTHON-CODE [ARGS]: checks on lines of JSON

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
# shellcheck source=tests/tap.sh
. "$REPO/tests/tap.sh"
# shellcheck source=tests/kernel-log.sh
. "$REPO/tests/kernel-log.sh"

export LC_ALL=C

# ---------------------------------------------------------------- constants

# Fixed because tests/vsftpd.conf names them (vsftpd cannot expand variables).
SUITE_DIR=/tmp/kftp-suite
FTP_ROOT=$SUITE_DIR/root		# served by both servers, read-only
OUT_DIR=$SUITE_DIR/out			# downloads land here
VSFTPD_LOG=$SUITE_DIR/vsftpd.log	# vsftpd_log_file in tests/vsftpd.conf
PYFTPD_LOG=$SUITE_DIR/pyftpd.log
VSFTPD_PORT=2121
PYFTPD_PORT=2122
# Each server's URL up to the path, as the parts name them in their cases.
V=ftp://127.0.0.1:$VSFTPD_PORT
P=ftp://127.0.0.1:$PYFTPD_PORT
# Nothing listens there: the cases check that first (port_refused).
REFUSED_PORT=2129
FTP_USER=kuser
FTP_PASS=kpass
# pyftpdlib is installed for Debian's interpreter only.
PYTHON=/usr/bin/python3
KFTP_GET=${KFTP_GET:-$REPO/user/kftp-get}
# SUITE_VERBOSE=1 (run-vm.sh --env SUITE_VERBOSE=1) shows every kftp-get
# command, status and stderr, not only those of failed cases.
# Every kftp-get run is bounded, so a hang is one failed case, not a stuck
# suite (the harness has its own, larger, timeout for the whole VM).
KGET_TIMEOUT=${KGET_TIMEOUT:-120}

# What suite.sh hands to its parts.
PART_ENV=(REPO KFTP_GET FTP_ROOT OUT_DIR SUITE_DIR VSFTPD_PORT PYFTPD_PORT
	REFUSED_PORT FTP_USER FTP_PASS VSFTPD_LOG PYFTPD_LOG PYTHON)

# ---------------------------------------------------------------- lanes
# Two knobs that a lane sets (run-vm.sh --env), both documented in the
# testing section of HACKING.md; unset, they change nothing.
#
# KFTP_TIME_SCALE (default 1; a number >= 1, up to 3 decimals): how many
# times slower than on Debian's kernels this guest may be. The debug lane
# (tests/debug/check-debug.sh) sets it: KASAN, lockdep and kmemleak under
# TCG. `tscale N` scales the suite's wall-clock bounds on what the test
# itself costs (a margin after a timeout, how long a kill or an unload
# takes, how long to poll), never a timeout that kftp is asked to keep.
#
# KFTP_REPEAT_PCT (default 100; 1-100): the share of a repetition-heavy
# case's full count that this run makes (`reps N`): the fuzz cases, the
# 1,000 downloads of stress and sessions, the suite's 20 in a row. The debug kernel is built from
# the same 6.1 source as the 6.1 lane, so the full counts are needed in only
# one of the two: the debug lane runs a share (check-debug.sh), the Debian
# lanes the full counts. Every case still runs; only its count shrinks.

# tscale N: N (an integer: seconds, ms or poll rounds) times the scale,
# rounded up.
TIME_SCALE_PERMILLE=1000
if [[ ${KFTP_TIME_SCALE:-1} =~ ^([0-9]+)(\.([0-9]{1,3}))?$ ]]; then
	_f=${BASH_REMATCH[3]}000
	TIME_SCALE_PERMILLE=$((10#${BASH_REMATCH[1]} * 1000 + 10#${_f:0:3}))
	unset _f
fi
[ "$TIME_SCALE_PERMILLE" -ge 1000 ] || TIME_SCALE_PERMILLE=1000
tscale() {
	echo $((($1 * TIME_SCALE_PERMILLE + 999) / 1000))
}

# reps N: N times KFTP_REPEAT_PCT percent, at least 1.
REPEAT_PCT=${KFTP_REPEAT_PCT:-100}
[[ $REPEAT_PCT =~ ^[0-9]+$ ]] && [ "$REPEAT_PCT" -ge 1 ] && [ "$REPEAT_PCT" -le 100 ] ||
	REPEAT_PCT=100
reps() {
	local n=$(($1 * REPEAT_PCT / 100))
	echo $((n > 0 ? n : 1))
}

# ---------------------------------------------------------------- parts

# part_init NAME [START_N]: see the top of this file.
part_init() {
	PART_NAME=$1
	T_PREFIX="$1: "
	T_N=$((${2:-1} - 1))
	T_PASS=0 T_FAIL=0
	PART_WORK=$SUITE_DIR/$1
	SUITE_ABORT=
	if [ "$(id -u)" != 0 ] || [ -z "${KFTP_VM:-}" ]; then
		SUITE_ABORT="must run as root in the test VM (KFTP_VM set)"
	elif [ ! -x "$KFTP_GET" ]; then
		SUITE_ABORT="KFTP_GET=$KFTP_GET is not executable"
	elif [ -z "${PART_NO_MODULE:-}" ] && { [ ! -c /dev/kftp ] || [ ! -d /sys/module/kftp ]; }; then
		SUITE_ABORT="kftp.ko is not loaded (/dev/kftp missing)"
	elif ! rm -rf "$PART_WORK" || ! mkdir -p "$PART_WORK"; then
		SUITE_ABORT="cannot create $PART_WORK"
	fi
	[ -z "$SUITE_ABORT" ]
}

# on_exit FUNC: run FUNC on every exit; SIGINT and SIGTERM exit 130 and
# 143 (running it too).
on_exit() {
	# shellcheck disable=SC2064  # FUNC is expanded now, on purpose
	trap "$1" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# part_done: the part's closing line; 0 iff every case passed.
part_done() {
	printf '# %s: %d passed, %d failed\n' "$PART_NAME" "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" = 0 ]
}

# ---------------------------------------------------------------- checks

# check_eq WHAT EXPECTED ACTUAL: 0 if equal, else a diagnostic and 1.
check_eq() {
	[ "$2" = "$3" ] && return 0
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

# sha_of FILE: the hex digest alone.
sha_of() {
	local s
	s=$(sha256sum -- "$1" 2>/dev/null) || { echo "(unreadable:$1)"; return 1; }
	printf '%s\n' "${s%% *}"
}

# check_sha FILE EXPECTED_HEX: a regular file (not a symlink) with that digest.
check_sha() {
	if [ ! -f "$1" ] || [ -L "$1" ]; then
		diag "$1: missing or not a regular file"
		return 1
	fi
	check_eq "sha256 of $1" "$2" "$(sha_of "$1")"
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

# no_temp_files DIR: kftp-get's temp files (.NAME.kftp-XXXX) must never
# outlive a run, successful or not.
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.*.kftp-*' 2>/dev/null)
	[ -z "$left" ] && return 0
	diag "temp files left in $1: $left"
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

# mode_of PATH: octal permission bits, e.g. 600.
mode_of() {
	stat -c %a -- "$1" 2>/dev/null
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
	local who=$1 f_out=${PART_WORK:-$SUITE_DIR}/kget.out
	local f_err=${PART_WORK:-$SUITE_DIR}/kget.err
	shift
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

# check_rc EXPECTED: the last kget exited with EXPECTED.
check_rc() {
	[ "$KRC" = "$1" ] && return 0
	diag "expected exit status $1"
	explain
	return 1
}

# expect_fail RC TEXT: the last kget exited RC and its stderr holds TEXT.
expect_fail() {
	local rc=0
	check_rc "$1" || rc=1
	check_contains "stderr" "$KERR" "$2" || rc=1
	return $rc
}

# kget_ok DEST URL [extra args...]: download, expect exit 0. Returns 1
# (with the explanation) on a non-zero exit.
kget_ok() {
	local dest=$1 url=$2
	shift 2
	kget "$@" -o "$dest" "$url"
	[ "$KRC" = 0 ] && return 0
	explain
	return 1
}

# jcheck FILE PYTHON-CODE [ARGS]: run the code with `ev` the list of the
# JSON objects in FILE (every line must be one), and sys.argv[2:] = ARGS.
# The code raises or calls fail(...) to fail; its prints become diagnostics.
jcheck() {
	local f=$1 code=$2 out rc
	shift 2
	out=$("$PYTHON" - "$f" "$@" 2>&1 <<EOF
import json, sys
def fail(msg):
    print(msg)
    sys.exit(1)
ev = []
for n, line in enumerate(open(sys.argv[1], encoding='utf-8'), 1):
    try:
        ev.append(json.loads(line))
    except ValueError as e:
        fail('line %d is not JSON (%s): %r' % (n, e, line))
args = sys.argv[2:]
$code
EOF
)
	rc=$?
	[ -z "$out" ] || diag "$out"
	[ $rc = 0 ] || diag "$f: $(head -c 3000 "$f")"
	return $rc
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

# wait_log FILE FIXED SECS [N]: until FILE has more than N (0) lines that
# hold FIXED.
wait_log() {
	local _
	for _ in $(seq $(($3 * 10))); do
		[ "$(grep -cF -e "$2" "$1" 2>/dev/null)" -gt "${4:-0}" ] && return 0
		sleep 0.1
	done
	diag "no '$2' in $1 after $3 s: $(tail -n 5 "$1" 2>/dev/null)"
	return 1
}

# How each server logs an accepted connection.
VSFTPD_CONNECT_RE='CONNECT: Client'
PYFTPD_CONNECT_RE=' pyftpd CONNECT '

# wait_ftp_ready PORT SECS [PID]: a real connection that reads a 220
# greeting, polled until SECS have passed. Returns 0 once the server
# answers; 1 at once if PID (the server) is given and has died.
wait_ftp_ready() {
	local port=$1 deadline=$((SECONDS + $2)) pid=${3:-} line
	while [ "$SECONDS" -lt "$deadline" ]; do
		# The subshell owns fd 3, so a failed attempt leaks nothing.
		line=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
			IFS= read -r -t 5 l <&3 || exit 1
			printf 'QUIT\r\n' >&3
			printf '%s' "$l") 2>/dev/null) || line=
		case $line in
		220*) return 0 ;;
		esac
		[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# port_refused PORT: nothing listens there (connect fails); else a
# diagnostic and 1.
port_refused() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
	diag "something listens on 127.0.0.1:$1; cannot test a refusal"
	return 1
}

# start_server NAME PORT SECS OUTFILE CMD...: start CMD in the background
# (its pid in SERVER_PID) and wait for its greeting on PORT.
start_server() {
	local name=$1 port=$2 secs=$3 out=$4
	shift 4
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		diag "something already listens on 127.0.0.1:$port"
		SERVER_PID=
		return 1
	fi
	"$@" >"$out" 2>&1 </dev/null &
	SERVER_PID=$!
	wait_ftp_ready "$port" "$secs" "$SERVER_PID" && return 0
	diag "$name did not answer on port $port within $secs s"
	diag "$(cat "$out" 2>/dev/null)"
	return 1
}

# start_vsftpd [CONF [PORT [LOG]]]: vsftpd with tests/vsftpd.conf (or CONF,
# a variant of it), pid in SERVER_PID (and VSFTPD_PID for the suite's own).
start_vsftpd() {
	local conf=${1:-$REPO/tests/vsftpd.conf} port=${2:-$VSFTPD_PORT} log=${3:-$VSFTPD_LOG}
	local copy=$SUITE_DIR/vsftpd-$port.conf rc=0
	mkdir -p "$SUITE_DIR" || return 1
	# vsftpd wants its config file owned by root; a copy under /tmp avoids
	# depending on how the share presents the repo's.
	install -m 0600 -o root -g root "$conf" "$copy" || return 1
	mkdir -p /var/run/vsftpd/empty
	chmod 0755 /var/run/vsftpd/empty
	: >"$log"
	start_server vsftpd "$port" 20 "$SUITE_DIR/vsftpd-$port.out" vsftpd "$copy" || rc=1
	[ "$port" != "$VSFTPD_PORT" ] || VSFTPD_PID=$SERVER_PID
	return $rc
}

# start_vsftpd_limited PORT RATE CONF LOG: another vsftpd, tests/vsftpd.conf
# on PORT, logging to LOG, sending at most RATE bytes/s to each client (so
# that a transfer lasts); its config written to CONF. Pid in SERVER_PID.
start_vsftpd_limited() {
	sed -e "s|^listen_port=.*|listen_port=$1|" \
		-e "s|^vsftpd_log_file=.*|vsftpd_log_file=$4|" \
		"$REPO/tests/vsftpd.conf" >"$3" || return 1
	printf '%s\n' "# rate-limited: slow transfers" "anon_max_rate=$2" \
		"local_max_rate=$2" >>"$3"
	start_vsftpd "$3" "$1" "$4"
}

# start_pyftpd [ROOT [PORT [LOG]]]: tests/servers/pyftpd.py, pid in
# SERVER_PID (and PYFTPD_PID for the suite's own).
start_pyftpd() {
	local root=${1:-$FTP_ROOT} port=${2:-$PYFTPD_PORT} log=${3:-$PYFTPD_LOG} rc=0
	mkdir -p "$SUITE_DIR" || return 1
	: >"$log"
	# Python starts slowly under TCG.
	start_server pyftpd "$port" 60 "$SUITE_DIR/pyftpd-$port.out" \
		"$PYTHON" "$REPO/tests/servers/pyftpd.py" --root "$root" \
		--log "$log" --port "$port" || rc=1
	[ "$port" != "$PYFTPD_PORT" ] || PYFTPD_PID=$SERVER_PID
	return $rc
}

# stop_cont_every PID N RUN STOPPED: N times, let PID run RUN seconds, then
# keep it stopped (SIGSTOP) for STOPPED seconds; ends early when PID is gone.
stop_cont_every() {
	local pid=$1 i
	for ((i = 0; i < $2; i++)); do
		sleep "$3"
		kill -STOP "$pid" 2>/dev/null || return 0
		sleep "$4"
		kill -CONT "$pid" 2>/dev/null
	done
}

# start_proftpd ROOT PORT RUN: proftpd with mod_digest (tests/proftpd.conf),
# from the tree tests/deps.sh unpacked (PROFTPD_TREE), serving ROOT to
# anonymous on PORT; its files (config, logs: RUN/commands.log) in RUN.
# Pid in SERVER_PID.
PROFTPD_TREE=${KFTP_PROFTPD_TREE:-/var/cache/kftp/proftpd}
start_proftpd() {
	local root=$1 port=$2 run=$3
	if [ ! -x "$PROFTPD_TREE/usr/sbin/proftpd" ]; then
		diag "no proftpd in $PROFTPD_TREE: run tests/deps.sh"
		return 1
	fi
	mkdir -p "$run" && chmod 0755 "$run" || return 1
	sed -e "s|@TREE@|$PROFTPD_TREE|g" -e "s|@PORT@|$port|g" -e "s|@ROOT@|$root|g" \
		-e "s|@RUN@|$run|g" "$REPO/tests/proftpd.conf" >"$run/proftpd.conf" || return 1
	start_server proftpd "$port" 30 "$run/proftpd.out" \
		"$PROFTPD_TREE/usr/sbin/proftpd" -n -q -c "$run/proftpd.conf"
}

# start_hostile_ftpd DIR [ARGS...]: tests/servers/hostile_ftpd.py (or
# HOSTILE_SERVER, a script of tests/servers/ that serves its scenarios too)
# on a free port, with ARGS; its scenario chosen by the USER name of each
# connection (unknown names get "normal") unless ARGS say otherwise; log
# DIR/hostile.log, served bytes in DIR/hdata. Sets HOSTILE_PID and
# HOSTILE_PORT; 0 once it listens.
start_hostile_ftpd() {
	local dir=$1 _
	shift
	HOSTILE_PORT=
	mkdir -p "$dir" || return 1
	rm -f "$dir/hready"
	"$PYTHON" "$REPO/tests/servers/${HOSTILE_SERVER:-hostile_ftpd.py}" --port 0 \
		--log "$dir/hostile.log" \
		--ready "$dir/hready" --datadir "$dir/hdata" "$@" >"$dir/hostile.out" 2>&1 </dev/null &
	HOSTILE_PID=$!
	# Python starts slowly under TCG.
	for _ in $(seq 600); do
		[ -s "$dir/hready" ] && break
		kill -0 "$HOSTILE_PID" 2>/dev/null || break
		sleep 0.1
	done
	HOSTILE_PORT=$(cat "$dir/hready" 2>/dev/null)
	[ -n "$HOSTILE_PORT" ] && return 0
	diag "${HOSTILE_SERVER:-hostile_ftpd.py} did not start: $(cat "$dir/hostile.out")"
	return 1
}

# scripted_scenario SCENARIO: the scenario of the next connections to the
# part's own scripted server (hostile_ftpd.py, started on first use, in
# $PART_WORK/hs): HSPID (the part's cleanup stops it), HSPORT, its log
# HSLOG, and MAIN_SHA, the digest of what its RETR serves.
HSPID=
scripted_scenario() {
	if [ -z "$HSPID" ]; then
		start_hostile_ftpd "$PART_WORK/hs" --control "$PART_WORK/hs.ctl" || return 1
		HSPID=$HOSTILE_PID HSPORT=$HOSTILE_PORT HSLOG=$PART_WORK/hs/hostile.log
		MAIN_SHA=$(sha_of "$PART_WORK/hs/hdata/main.bin")
	fi
	printf '%s\n' "$1" >"$PART_WORK/hs.ctl"
}

# stop_pid PID NAME [SIG]: SIGTERM (or SIG), wait up to 10 s, then SIGKILL.
# Only our own children, by pid. The child's exit status in STOP_RC.
stop_pid() {
	local pid=$1 sig=${3:-TERM} _
	STOP_RC=
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; STOP_RC=$?; return 0; }
	kill -"$sig" "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		diag "$2 (pid $pid) ignored SIG$sig for 10 s, killing it"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		STOP_RC=$?
		return 1
	fi
	wait "$pid" 2>/dev/null
	STOP_RC=$?
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

# ---------------------------------------------------------------- system

# tcp_inuse: TCP sockets in use in this netns, from /proc/net/sockstat.
# fresh NAME: an empty directory for one case, under FRESH_ROOT (default
# the part's PART_WORK); prints its path.
fresh() {
	local d=${FRESH_ROOT:-$PART_WORK}/$1
	rm -rf "$d"
	mkdir -p "$d"
	printf '%s\n' "$d"
}

module_loaded() {
	[ -d /sys/module/kftp ]
}

# insmod_kftp: load the suite's kftp.ko (SUITE_KFTP_KO, else the tree's)
# again, after a case unloaded it; 0 once /dev/kftp is there.
insmod_kftp() {
	local out _
	out=$(insmod "${SUITE_KFTP_KO:-$REPO/kftp.ko}" 2>&1) || { diag "insmod: $out"; return 1; }
	for _ in $(seq 50); do
		[ -c /dev/kftp ] && return 0
		sleep 0.1
	done
	diag "/dev/kftp missing after insmod"
	return 1
}

# modprobe_kftp: load kftp with modprobe; 0 once /dev/kftp is there. Sets
# LOADED (a part's "kftp is loaded" flag) first, so that cleanup unloads it.
modprobe_kftp() {
	local out _
	LOADED=1
	out=$(modprobe kftp 2>&1) || { diag "modprobe kftp failed: $out"; diag "$(dmesg | tail -n 10)"; return 1; }
	for _ in $(seq 50); do
		[ -c /dev/kftp ] && break
		sleep 0.1
	done
	[ -c /dev/kftp ] || { diag "/dev/kftp missing after modprobe: $(ls -l /dev/kftp 2>&1)"; return 1; }
}

# modprobe_r_kftp: unload kftp with modprobe -r; 0 once the module and
# /dev/kftp are gone. Clears LOADED (a part's "kftp is loaded" flag) once
# the module is.
modprobe_r_kftp() {
	local out _
	out=$(modprobe -r kftp 2>&1) || { diag "modprobe -r kftp failed: $out"; return 1; }
	for _ in $(seq 50); do
		module_loaded || break
		sleep 0.1
	done
	module_loaded && { diag "/sys/module/kftp still there"; return 1; }
	LOADED=
	[ ! -e /dev/kftp ] || { diag "/dev/kftp still exists"; return 1; }
}

tcp_inuse() {
	# Orphans count: kftp's sockets hold a netns reference, so a socket
	# it closed is retransmitted and finishes like any other. One that
	# lingers is a leak worth seeing (it hid the sock_create_kern bug).
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "inuse") print $(i + 1) }' \
		/proc/net/sockstat
}

# wait_tcp_inuse N: poll up to 10 s (scaled) for tcp_inuse to be N
# (TIME_WAIT is not counted; FIN_WAIT and LAST_ACK are).
wait_tcp_inuse() {
	local _ now
	for _ in $(seq "$(tscale 50)"); do
		now=$(tcp_inuse)
		[ "$now" = "$1" ] && return 0
		sleep 0.2
	done
	diag "TCP inuse: expected $1, got $now after $(tscale 10) s"
	diag "$(cat /proc/net/sockstat)"
	diag "$(ss -tanp 2>&1 | head -n 30)"
	return 1
}

# tcp_listeners: listening IPv4 TCP sockets, i.e. what TCP inuse counts
# when no connection is open at all.
tcp_listeners() {
	ss -Htln4 2>/dev/null | wc -l
}

# Data ports that tests name: above net.ipv4.ip_local_port_range (32768-60999),
# so that no ephemeral port can hold one. A server's active-mode connection
# binds port 0 and leaves a TIME_WAIT socket for 60 s, without SO_REUSEADDR,
# on a random port of that range: once it was 41001, and a case that wanted
# 41001 failed with EADDRINUSE.
TEST_PORT_LOW=61000
TEST_PORT_HIGH=61002

# hold_ports LOW HIGH: listen on 127.0.0.1:LOW..HIGH in a background process
# (HOLD_PID) until release_ports. Fails, showing who has the port, when one
# cannot be bound: a case that expects them all busy must not run otherwise.
HOLD_PID=
hold_ports() {
	local ready=${PART_WORK:-$SUITE_DIR}/ports.ready _
	rm -f "$ready"
	"$PYTHON" -c '
import socket, sys, time
ss = []
for p in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    s = socket.socket()
    # Past a TIME_WAIT left by an earlier case: only a listener blocks kftp.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", p))
    s.listen(1)
    ss.append(s)
open(sys.argv[3], "w").close()
time.sleep(120)' "$1" "$2" "$ready" </dev/null >/dev/null 2>"$ready.err" &
	HOLD_PID=$!
	for _ in $(seq "$(tscale 100)"); do
		[ -e "$ready" ] && return 0
		kill -0 "$HOLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "could not hold ports $1-$2: $(tail -n 1 "$ready.err")"
	diag "$(ss -tanop "( sport >= :$1 and sport <= :$2 )" 2>&1)"
	release_ports
	return 1
}

release_ports() {
	[ -n "$HOLD_PID" ] || return 0
	kill -TERM "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=
}

module_refcnt() {
	cat /sys/module/kftp/refcnt 2>/dev/null || echo "(no /sys/module/kftp)"
}

# slab_kb: Slab from /proc/meminfo after dropping caches, minus what the
# TCP TIME_WAIT machinery holds (tw_sock_TCP and bind buckets: the servers
# close first, so every run leaves two TIME_WAIT sockets for 60 s, which
# are the kernel's doing, not kftp's). Prints "net raw tw", in kB.
slab_kb() {
	local raw tw
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 0.5
	raw=$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)
	tw=$(awk '$1 ~ /^(tw_sock_TCP|tcp_bind_bucket|tcp_bind2_bucket)/ { kb += $15 * $6 * 4 }
		END { print kb + 0 }' /proc/slabinfo)
	printf '%s %s %s\n' "$((raw - tw))" "$raw" "$tw"
}

# kasan_on: 0 on a kernel with KASAN (the debug lane's). Its quarantine
# keeps freed objects (up to 1/32 of RAM) in Slab for a while, so a Slab
# bound there measures the checker as well as kftp: the cases with one
# keep their bound on Debian's kernels, and leave the judging to the
# debug lane's kmemleak scan after rmmod (tests/debug/guest-lane.sh).
kasan_on() {
	if [ -z "${KASAN_ON:-}" ]; then
		KASAN_ON=no
		grep -q ' kasan_report$' /proc/kallsyms 2>/dev/null && KASAN_ON=yes
	fi
	[ "$KASAN_ON" = yes ]
}

# kmsg_mark: write a unique marker line into the kernel log and print it;
# dmesg_since MARK prints what the log holds after it. The kernel log is
# never cleared: the suite checks it as a whole at the end.
kmsg_mark() {
	local m="kftp-test-mark ${PART_NAME:-suite} $$ $RANDOM$RANDOM"
	echo "$m" >/dev/kmsg
	printf '%s\n' "$m"
}

dmesg_since() {
	dmesg | awk -v m="$1" 'f { print } index($0, m) { f = 1 }'
}

# kernel_bad_since MARK: the bad kernel log lines (tests/kernel-log.sh)
# logged after MARK; 0 iff there is one.
kernel_bad_since() {
	dmesg_since "$1" | kernel_bad_lines
}

# kernel_clean_since MARK: 0 iff no bad line since MARK, else it as a
# diagnostic and 1.
kernel_clean_since() {
	local out
	out=$(kernel_bad_since "$1") || return 0
	diag "kernel log: $out"
	return 1
}

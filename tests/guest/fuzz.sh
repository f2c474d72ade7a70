#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ioctl ABI checks and ioctl fuzzing of /dev/kftp, run INSIDE the test guest
# (root, cwd = repo root, kftp.ko already loaded, loopback only).
#
# Usage: tests/guest/fuzz.sh [START]
#   START     number of the first TAP line (default 1)
# Environment:
#   KFTP_FUZZ_SEED    fuzzer seed (default: the current time)
#   KFTP_FUZZ_COUNT   fuzz cases (default 10000, or its KFTP_REPEAT_PCT share:
#                     tests/guest/lib.sh)
#   KFTP_FUZZ_JOBS    fuzzer processes calling the ioctl at once (default 2)
#
# Prints TAP lines "ok N - abi: ..." (tests/fuzz/kftp-fuzz abi), then
#   ok N - fuzz: COUNT ioctl cases returned
#   ok N - fuzz: invalid structs got the documented errno, valid ones went on
#   ok N - fuzz: no injected command reached the server
#   ok N - fuzz: no kernel socket left listening or connected
#   ok N - fuzz: kernel not tainted (D/W/L)
# and ends with "# fuzz: P passed, F failed". Exit 0 iff all passed.
# The fuzzer's full output stays in $KFTP_FUZZ_WORK (default /tmp/kftp-fuzz),
# copied to /results/fuzz/ when /results exists (the VM's result share).
set -u

case ${1:-1} in '' | *[!0-9]*) echo "usage: $0 [START]" >&2; exit 2 ;; esac
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init fuzz "$@"
seed=${KFTP_FUZZ_SEED:-$(date +%s)}
count=${KFTP_FUZZ_COUNT:-$(reps 10000)}
jobs=${KFTP_FUZZ_JOBS:-2}
work=${KFTP_FUZZ_WORK:-/tmp/kftp-fuzz}
fuzz_bin=$REPO/tests/fuzz/kftp-fuzz
recorder=$REPO/tests/fuzz/recorder.py
rec_pid=""
t_start=$SECONDS

tap() {	# tap OK|FAIL "description": a case whose check is already done
	if [ "$1" = OK ]; then
		ok "$2"
	else
		not_ok "$2"
	fi
}

finish() {
	diag "fuzz took $((SECONDS - t_start)) s"
	part_done
	exit $?
}

stop_recorder() {
	if [ -n "$rec_pid" ]; then
		kill -TERM "$rec_pid" 2>/dev/null
		wait "$rec_pid" 2>/dev/null
		rec_pid=""
	fi
}
trap stop_recorder EXIT

save_results() {
	if [ -d /results ] && [ -w /results ]; then
		mkdir -p /results/fuzz &&
			cp -f "$work"/abi.out "$work"/fuzz.out "$work"/fuzz.err \
				"$work"/recorder.err "$work"/state /results/fuzz/ \
				2>/dev/null
		# the full line log can be large: keep its violations and tail
		grep -a VIOLATION "$work/recorder.log" \
			>/results/fuzz/recorder-violations.log 2>/dev/null
		tail -n 2000 "$work/recorder.log" >/results/fuzz/recorder-tail.log \
			2>/dev/null
	fi
}

# sockets in /proc/net/tcp{,6} by state: LISTEN (0A) and ESTABLISHED (01)
count_sockets() {	# count_sockets STATE
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v s="$1" 'NR > 0 && $4 == s { c++ } END { print c + 0 }'
}

ip link set lo up 2>/dev/null
if ! rm -rf "$work" || ! mkdir -p "$work"; then
	echo "# cannot create $work"
	exit 1
fi

# Built on the host (`make testprogs`): the checkout is read-only here.
if [ ! -x "$fuzz_bin" ] || [ "$fuzz_bin" -ot "$REPO/tests/fuzz/kftp-fuzz.c" ] ||
	[ "$fuzz_bin" -ot "$REPO/include/uapi/linux/kftp.h" ]; then
	tap FAIL "build tests/fuzz/kftp-fuzz (make testprogs)"
	finish
fi
if [ -n "$SUITE_ABORT" ]; then
	tap FAIL "/dev/kftp exists (is kftp.ko loaded?)"
	diag "$SUITE_ABORT"
	finish
fi

listen0=$(count_sockets 0A)
estab0=$(count_sockets 01)

# --- the recording server ---------------------------------------------------
"$PYTHON" "$recorder" --port 0 --ipv6 --log "$work/recorder.log" \
	--state "$work/state" --ready-file "$work/port" \
	>/dev/null 2>"$work/recorder.err" &
rec_pid=$!
for _ in $(seq 1 100); do
	[ -s "$work/port" ] && break
	kill -0 "$rec_pid" 2>/dev/null || break
	sleep 0.2
done
port=$(cat "$work/port" 2>/dev/null)
if [ -z "$port" ]; then
	sed 's/^/# recorder: /' "$work/recorder.err"
	tap FAIL "recorder.py started"
	finish
fi
targets="127.0.0.1:$port [::1]:$port"

# --- deterministic ABI checks -------------------------------------------------
# shellcheck disable=SC2086
"$fuzz_bin" abi -n "$((T_N + 1))" $targets >"$work/abi.out" 2>&1
abi_rc=$?
tap_relay abi < <(cat "$work/abi.out"; echo "#tap-exit $abi_rc")
T_N=$((T_N + R_PASS + R_FAIL)) T_PASS=$((T_PASS + R_PASS)) T_FAIL=$((T_FAIL + R_FAIL))
if [ "$R_RC" -ne 0 ] && [ "$R_FAIL" -eq 0 ]; then
	tap FAIL "abi: kftp-fuzz abi exited $R_RC"
fi

# --- fuzzing ----------------------------------------------------------------------
echo "# fuzz: seed $seed, $count cases, $jobs jobs (KFTP_FUZZ_SEED=$seed reproduces them;"
echo "#   one case: tests/fuzz/kftp-fuzz fuzz -c $count -s $seed --only I -v HOST:PORT)"
t0=$(date +%s)
# the per-call watchdog is 30 s; this only catches a call that ignores it
# shellcheck disable=SC2086
timeout -s KILL 1500 "$fuzz_bin" fuzz -c "$count" -s "$seed" -j "$jobs" $targets \
	>"$work/fuzz.out" 2>"$work/fuzz.err"
fuzz_rc=$?
t1=$(date +%s)
grep -v '^# MISMATCH' "$work/fuzz.out" | grep '^#'
grep '^# MISMATCH' "$work/fuzz.out" | head -n 10
grep '^# WATCHDOG' "$work/fuzz.err" | head -n 10
ran=$(sed -n 's/^# fuzz: \([0-9]*\) cases run in.*/\1/p' "$work/fuzz.out")
echo "# fuzz cases run: ${ran:-0}"
echo "# fuzz: fuzzing took $((t1 - t0)) s"
if [ "$fuzz_rc" -eq 0 ] && [ "${ran:-0}" -eq "$count" ] &&
	grep -q "^# fuzz: all $count calls returned" "$work/fuzz.out"; then
	tap OK "$count ioctl cases returned"
else
	[ "$fuzz_rc" -eq 137 ] && echo "# fuzz: killed after 1500 s"
	tail -n 5 "$work/fuzz.err" | sed 's/^/# stderr: /'
	tap FAIL "$count ioctl cases returned (exit $fuzz_rc)"
fi
mism=$(sed -n 's/^# fuzz: expectation mismatches: //p' "$work/fuzz.out")
if [ "${mism:-x}" = 0 ]; then
	tap OK "invalid structs got the documented errno, valid ones went on"
else
	tap FAIL "invalid structs got the documented errno, valid ones went on (${mism:-?} mismatches)"
fi

# --- what the server saw ------------------------------------------------------
stop_recorder
report=$("$PYTHON" "$recorder" --report "$work/state")
rep_rc=$?
echo "# recorder: $report"
conns=$(echo "$report" | sed -n 's/.*connections \([0-9]*\).*/\1/p')
if [ "$rep_rc" -eq 0 ] && [ "${conns:-0}" -ge 100 ]; then
	tap OK "no injected command reached the server"
else
	grep -a VIOLATION "$work/recorder.log" | head -n 10 | sed 's/^/# /'
	[ "${conns:-0}" -lt 100 ] &&
		echo "# only ${conns:-0} connections reached the recorder: too few to judge"
	tap FAIL "no injected command reached the server"
fi

# --- leftovers ------------------------------------------------------------------
for _ in 1 2 3 4 5; do
	listen1=$(count_sockets 0A)
	estab1=$(count_sockets 01)
	[ "$listen1" -le "$listen0" ] && [ "$estab1" -le "$estab0" ] && break
	sleep 1
done
if [ "$listen1" -le "$listen0" ] && [ "$estab1" -le "$estab0" ]; then
	tap OK "no kernel socket left listening or connected"
else
	echo "# LISTEN $listen0 -> $listen1, ESTABLISHED $estab0 -> $estab1"
	grep -h ' 0A \| 01 ' /proc/net/tcp /proc/net/tcp6 | head -n 10 | sed 's/^/# /'
	tap FAIL "no kernel socket left listening or connected"
fi
tainted=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo 0)
if ! taint_bad "$tainted"; then
	tap OK "kernel not tainted (D/W/L), tainted=$tainted"
else
	dmesg 2>/dev/null | grep -aE -A5 -- "$KERNEL_BAD_RE" |
		head -n 30 | sed 's/^/# dmesg: /'
	tap FAIL "kernel not tainted (D/W/L), tainted=$tainted"
fi

save_results
finish

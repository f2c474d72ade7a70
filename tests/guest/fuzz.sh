#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ioctl ABI checks and ioctl fuzzing of /dev/kftp, run INSIDE the test guest
# (root, cwd = repo root, kftp.ko already loaded, loopback only).
#
# Usage: tests/guest/fuzz.sh [START]
#   START     number of the first TAP line (default 1)
# Environment:
#   KFTP_FUZZ_SEED    fuzzer seed (default: the current time)
#   KFTP_FUZZ_COUNT   fuzz cases (default 10000)
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

n=${1:-1}
case $n in '' | *[!0-9]*) echo "usage: $0 [START]" >&2; exit 2 ;; esac
seed=${KFTP_FUZZ_SEED:-$(date +%s)}
count=${KFTP_FUZZ_COUNT:-10000}
jobs=${KFTP_FUZZ_JOBS:-2}
work=${KFTP_FUZZ_WORK:-/tmp/kftp-fuzz}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fuzz_bin=$here/tests/fuzz/kftp-fuzz
recorder=$here/tests/fuzz/recorder.py
python=/usr/bin/python3
pass=0 fail=0 rec_pid=""
t_start=$(date +%s)

tap() {	# tap OK|FAIL "description"
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
		pass=$((pass + 1))
	else
		echo "not ok $n - $2"
		fail=$((fail + 1))
	fi
	n=$((n + 1))
}

finish() {
	echo "# fuzz: $pass passed, $fail failed ($(($(date +%s) - t_start)) s)"
	[ "$fail" -eq 0 ]
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

if [ ! -x "$fuzz_bin" ] || [ "$fuzz_bin" -ot "$here/tests/fuzz/kftp-fuzz.c" ] ||
	[ "$fuzz_bin" -ot "$here/include/uapi/linux/kftp.h" ]; then
	make -s -C "$here/tests/fuzz" >"$work/build.log" 2>&1 ||
		{ sed 's/^/# /' "$work/build.log"; }
fi
if [ ! -x "$fuzz_bin" ]; then
	tap FAIL "fuzz: build tests/fuzz/kftp-fuzz"
	finish
fi
if [ ! -c /dev/kftp ]; then
	tap FAIL "fuzz: /dev/kftp exists (is kftp.ko loaded?)"
	finish
fi

listen0=$(count_sockets 0A)
estab0=$(count_sockets 01)

# --- the recording server ---------------------------------------------------
"$python" "$recorder" --port 0 --ipv6 --log "$work/recorder.log" \
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
	tap FAIL "fuzz: recorder.py started"
	finish
fi
targets="127.0.0.1:$port [::1]:$port"

# --- deterministic ABI checks -------------------------------------------------
# shellcheck disable=SC2086
"$fuzz_bin" abi -n "$n" $targets >"$work/abi.out" 2>&1
abi_rc=$?
cat "$work/abi.out"
abi_ok=$(grep -c '^ok ' "$work/abi.out")
abi_nok=$(grep -c '^not ok ' "$work/abi.out")
pass=$((pass + abi_ok))
fail=$((fail + abi_nok))
n=$((n + abi_ok + abi_nok))
if [ "$abi_rc" -ne 0 ] && [ "$abi_nok" -eq 0 ]; then
	tap FAIL "abi: kftp-fuzz abi exited $abi_rc"
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
	tap OK "fuzz: $count ioctl cases returned"
else
	[ "$fuzz_rc" -eq 137 ] && echo "# fuzz: killed after 1500 s"
	tail -n 5 "$work/fuzz.err" | sed 's/^/# stderr: /'
	tap FAIL "fuzz: $count ioctl cases returned (exit $fuzz_rc)"
fi
mism=$(sed -n 's/^# fuzz: expectation mismatches: //p' "$work/fuzz.out")
if [ "${mism:-x}" = 0 ]; then
	tap OK "fuzz: invalid structs got the documented errno, valid ones went on"
else
	tap FAIL "fuzz: invalid structs got the documented errno, valid ones went on (${mism:-?} mismatches)"
fi

# --- what the server saw ------------------------------------------------------
stop_recorder
report=$("$python" "$recorder" --report "$work/state")
rep_rc=$?
echo "# recorder: $report"
conns=$(echo "$report" | sed -n 's/.*connections \([0-9]*\).*/\1/p')
if [ "$rep_rc" -eq 0 ] && [ "${conns:-0}" -ge 100 ]; then
	tap OK "fuzz: no injected command reached the server"
else
	grep -a VIOLATION "$work/recorder.log" | head -n 10 | sed 's/^/# /'
	[ "${conns:-0}" -lt 100 ] &&
		echo "# only ${conns:-0} connections reached the recorder: too few to judge"
	tap FAIL "fuzz: no injected command reached the server"
fi

# --- leftovers ------------------------------------------------------------------
for _ in 1 2 3 4 5; do
	listen1=$(count_sockets 0A)
	estab1=$(count_sockets 01)
	[ "$listen1" -le "$listen0" ] && [ "$estab1" -le "$estab0" ] && break
	sleep 1
done
if [ "$listen1" -le "$listen0" ] && [ "$estab1" -le "$estab0" ]; then
	tap OK "fuzz: no kernel socket left listening or connected"
else
	echo "# LISTEN $listen0 -> $listen1, ESTABLISHED $estab0 -> $estab1"
	grep -h ' 0A \| 01 ' /proc/net/tcp /proc/net/tcp6 | head -n 10 | sed 's/^/# /'
	tap FAIL "fuzz: no kernel socket left listening or connected"
fi
tainted=$(cat /proc/sys/kernel/tainted 2>/dev/null || echo 0)
if [ $((tainted & (128 | 512 | 16384))) -eq 0 ]; then
	tap OK "fuzz: kernel not tainted (D/W/L), tainted=$tainted"
else
	dmesg 2>/dev/null | grep -E 'BUG:|WARNING:|Oops|Call Trace' -A5 |
		head -n 30 | sed 's/^/# dmesg: /'
	tap FAIL "fuzz: kernel not tainted (D/W/L), tainted=$tainted"
fi

save_results
finish

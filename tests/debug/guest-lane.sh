#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The debug lane in the guest (tests/debug/check-debug.sh boots the debug
# kernel and runs this, as root, cwd /kftp): the suite's parts where memory
# bugs hide, between a kmemleak baseline and a kmemleak scan after rmmod.
#
#   1. the checkers are on: KASAN, kmemleak, lockdep (debug_locks still 1),
#      panic_on_warn=1;
#   2. kmemleak baseline (scan, clear): objects the boot leaked are not ours;
#   3. tests/guest/suite.sh with SUITE_PARTS (the caller sets it) and
#      SUITE_KFTP_KO: insmod, the parts, teardown with rmmod kftp;
#   4. kmemleak scan: no unreferenced object allocated by kftp's code;
#   5. no KASAN, UBSAN, lockdep or might_sleep report in the kernel log,
#      and lockdep has not turned itself off.
# A report usually never gets that far: panic_on_warn stops the guest at the
# first one, and the host's kernel check fails the run with its text.
# Output: TAP from 1 (or $1); exit 0 iff all passed.
set -u

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../guest/lib.sh"
# shellcheck source=tests/debug/kmemleak.sh
. "$REPO/tests/debug/kmemleak.sh"
cd "$REPO" || exit 1
T_N=$((${1:-1} - 1))

LEAKS=/tmp/kmemleak.txt

lockdep_on() {
	grep -qE '^ *debug_locks: +1$' /proc/lockdep_stats 2>/dev/null
}

c_checkers() {
	local rc=0
	dmesg | grep -q 'KernelAddressSanitizer initialized' ||
		{ diag "KASAN is not on"; rc=1; }
	kmemleak_ready || rc=1
	lockdep_on || { diag "lockdep is off: $(grep debug_locks /proc/lockdep_stats 2>&1)"; rc=1; }
	check_eq "panic_on_warn" 1 "$(cat /proc/sys/kernel/panic_on_warn)" || rc=1
	return $rc
}

c_kmemleak_clean() {
	local found
	kmemleak_scan "$LEAKS" || { diag "kmemleak scan failed"; return 1; }
	cp -f "$LEAKS" /results/kmemleak.txt 2>/dev/null
	diag "kmemleak: $(grep -c '^unreferenced object' "$LEAKS") unreferenced object(s) since the baseline (all in /results/kmemleak.txt)"
	found=$(kmemleak_module_objects "$LEAKS" kftp)
	[ -z "$found" ] && return 0
	diag "kmemleak: unreferenced objects allocated by kftp:"
	diag "$found"
	return 1
}

c_no_reports() {
	local bad
	bad=$(dmesg | kernel_bad_lines)
	[ -z "$bad" ] || { diag "$bad"; return 1; }
	lockdep_on || { diag "lockdep turned itself off (a report earlier?)"; return 1; }
	return 0
}

tcase "debug kernel: KASAN, kmemleak and lockdep on, panic_on_warn=1" c_checkers ||
	SUITE_ABORT="the debug checkers are not all on"
tcase "kmemleak baseline: scan, then clear what the boot left" kmemleak_baseline

# The suite numbers its cases on from ours (tests/tap.sh reads T_N).
export T_N T_PASS=0 T_FAIL=0
tap_relay suite < <(tap_stream "$REPO/tests/guest/suite.sh" 2>&1)
T_N=$((T_N + R_PASS + R_FAIL)) T_PASS=$((T_PASS + R_PASS)) T_FAIL=$((T_FAIL + R_FAIL))
[ "$R_RC" = 0 ] || [ "$R_FAIL" -gt 0 ] || not_ok "suite.sh exited $R_RC"

tcase "kmemleak after rmmod kftp: no unreferenced object allocated by kftp" c_kmemleak_clean
tcase "no KASAN, UBSAN, lockdep or might_sleep report; lockdep still on" c_no_reports
printf '# debug lane: %d passed, %d failed\n' "$T_PASS" "$T_FAIL"
[ "$T_FAIL" = 0 ]

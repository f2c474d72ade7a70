#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Proof that the debug lane can fail (tests/debug/check-debug.sh runs it in
# a boot of its own, with panic_on_warn=0 kasan_multi_shot, so that the
# guest lives on after the reports it provokes). As root, cwd /kftp:
#   1. kmemleak baseline;
#   2. insmod the test-only module kftp_leaky.ko (LEAKY_KO) leak=1 uaf=1:
#      it forgets one allocation and reads one freed byte; rmmod it;
#   3. the lane's own checkers must report both: kmemleak_module_objects
#      (the one guest-lane.sh fails kftp with) finds the leaked object, and
#      kernel_bad_lines (tests/kernel-log.sh, which fails every run and part)
#      finds "BUG: KASAN: use-after-free".
# The kernel log is bad on purpose here: the host expects run-vm.sh's kernel
# check to fail this run with the KASAN text, and counts that as a pass.
# Output: TAP from 1 (or $1); exit 0 iff both were reported.
set -u

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../guest/lib.sh"
# shellcheck source=tests/debug/kmemleak.sh
. "$REPO/tests/debug/kmemleak.sh"
cd "$REPO" || exit 1
T_N=$((${1:-1} - 1))

LEAKY_KO=${LEAKY_KO:-$REPO/.build/debug/leaky/kftp_leaky.ko}
LEAKS=/tmp/kmemleak-proof.txt
MARK=""

c_load() {
	local out
	MARK=$(kmsg_mark)
	out=$(insmod "$LEAKY_KO" leak=1 uaf=1 2>&1) || { diag "insmod $LEAKY_KO: $out"; return 1; }
	out=$(rmmod kftp_leaky 2>&1) || { diag "rmmod kftp_leaky: $out"; return 1; }
	# insmod's kernel stack may still hold a stale copy of the leaked
	# address. This kernel has no VMAP_STACK (KASAN rules it out), so a
	# dead task's stack is not scanned; with VMAP_STACK the stacks cached
	# for reuse would be, and new tasks take those and zero them first.
	for _ in 1 2 3 4 5 6 7 8; do /bin/true & done
	wait
	dmesg_since "$MARK" | grep -q 'kftp_leaky: leaked 128 bytes' ||
		{ diag "the module did not say it leaked"; return 1; }
}

c_kmemleak_reports() {
	local found
	kmemleak_scan "$LEAKS" || { diag "kmemleak scan failed"; return 1; }
	cp -f "$LEAKS" /results/kmemleak-proof.txt 2>/dev/null
	found=$(kmemleak_module_objects "$LEAKS" kftp_leaky)
	[ -n "$found" ] || { diag "kmemleak did not report the leaked object:"; diag "$(cat "$LEAKS")"; return 1; }
	diag "what the lane would fail kftp with:"
	diag "$found"
	check_contains "the reported object" "$found" "(size 128)"
}

c_kasan_reports() {
	local bad
	bad=$(dmesg_since "$MARK" | kernel_bad_lines)
	diag "what the lane's kernel-log check reports:"
	diag "$bad"
	# 6.1 says "use-after-free", later kernels "slab-use-after-free".
	grep -qE 'BUG: KASAN: (slab-)?use-after-free in kftp_leaky' <<<"$bad" ||
		{ diag "no KASAN use-after-free report from kftp_leaky"; return 1; }
}

kmemleak_ready && kmemleak_baseline || SUITE_ABORT="kmemleak is not usable"
[ -f "$LEAKY_KO" ] || SUITE_ABORT="$LEAKY_KO not built"
tcase "proof: insmod kftp_leaky leak=1 uaf=1, rmmod" c_load || SUITE_ABORT="kftp_leaky did not run"
tcase "proof: the lane's kmemleak check reports the leaked object" c_kmemleak_reports
tcase "proof: the lane's kernel-log check reports the KASAN use-after-free" c_kasan_reports
printf '# proof: %d passed, %d failed\n' "$T_PASS" "$T_FAIL"
[ "$T_FAIL" = 0 ]

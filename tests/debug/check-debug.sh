#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: every part of the suite that drives kernel code, on a
# debug kernel (KASAN, kmemleak, lockdep, UBSAN, debug objects, fault
# injection; tests/debug/debug.config), as TAP ending in "N passed, N failed".
#   1. build or reuse the kernel (tests/debug/build-kernel.sh, cached under
#      /var/cache/kftp/debug-kernel);
#   2. build kftp.ko and the kecho sample against it in a copy of the
#      module's sources (.build/debug/kftp: the tree's own modules stay the
#      Debian kernel's), and the test-only module tests/debug/leaky
#      (.build/debug/leaky);
#   3. boot it with panic_on_warn=1 and run tests/debug/guest-lane.sh: the
#      parts in KFTP_DEBUG_PARTS (failnth, the allocation-failure sweeps,
#      runs here only), then kmemleak after rmmod kftp;
#   4. the proof, in a boot of its own without panic_on_warn: the leaky
#      module's leak and use-after-free must be reported by the same checks.
#
# Usage: tests/debug/check-debug.sh
# Environment:
#   KFTP_DEBUG_PARTS        the suite's parts to run (default below: add the
#                           name of a new part there; a name without its
#                           tests/guest/NAME.sh in this tree is left out)
#   KFTP_DEBUG_REPEAT_PCT   the share, in percent, of the repetition-heavy
#                           cases' full counts (fuzz cases, the 1,000
#                           downloads) that this lane makes: KFTP_REPEAT_PCT
#                           in tests/guest/lib.sh. Default 5: the 6.1 lane
#                           of `make check` makes the full counts on the
#                           same source; 100 here for the full counts.
#   KFTP_DEBUG_FUZZ_COUNT   fuzz cases (default: 10,000 times the share,
#                           but 1,000 at least: the fuzz part judges its
#                           server-side check only when 100 connections
#                           reached the server, and 500 cases made 80)
#   KFTP_DEBUG_TIME_SCALE   how much slower this kernel may be than
#                           Debian's (KFTP_TIME_SCALE in tests/guest/lib.sh:
#                           scales the suite's wall-clock bounds; default 3)
#   KFTP_DEBUG_CACHE        kernel cache (see build-kernel.sh)
#   KFTP_VM_TIMEOUT         seconds for the lane's VM (default 5400)
# Results: .build/results/check-debug/ and check-debug-proof/ (kmemleak.txt,
# console.log, dmesg, ...). Exit status: 0 only if every case passed.
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"

# Every part that drives kernel code: hostile servers, the ioctl fuzzer,
# files, stress (parallel, sequential, rmmod under load), sessions, the
# generic netlink events, the kecho sample, the in-kernel SHA-256, the
# listings, the lifecycle matrix, and the allocation-failure sweeps
# (failnth, this lane only). Not the parts that check kftp-get's own logic
# (cli, script, batch, mirror, security: what they ask of the kernel, the
# parts above ask too), nor install and deb (packaging): they run on
# Debian's kernels, and here they took a quarter of the lane.
DEBUG_PARTS=${KFTP_DEBUG_PARTS:-hostile fuzz files stress sessions events kecho digest listing lifecycle failnth}
REPEAT_PCT=${KFTP_DEBUG_REPEAT_PCT:-5}
FUZZ_COUNT=$((10000 * REPEAT_PCT / 100))
[ "$FUZZ_COUNT" -ge 1000 ] || FUZZ_COUNT=1000
FUZZ_COUNT=${KFTP_DEBUG_FUZZ_COUNT:-$FUZZ_COUNT}
TIME_SCALE=${KFTP_DEBUG_TIME_SCALE:-3}
# Under the guest's /kftp: the modules must be where the guest sees them,
# whatever KFTP_BUILD_DIR says.
OUT=$KFTP_REPO/.build/debug
GUEST_OUT=/kftp/.build/debug
RESULTS=$KFTP_BUILD_DIR/results

tree="" kver="" image=""

finish() {
	printf '1..%d\n' "$T_N"
	printf '%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
	exit
}

# Its messages (and, on failure, the end of the build log) go to stderr,
# as they come: a first build takes long.
build_kernel() {
	local t0=$SECONDS
	tree=$("$KFTP_REPO/tests/debug/build-kernel.sh") || return 1
	image=$tree/arch/x86/boot/bzImage
	kver=$(cat "$tree/include/config/kernel.release")
	diag "debug kernel $kver: $tree ($((SECONDS - t0)) s)"
}

# The module's sources as DKMS ships them (the top Makefile's DKMS_FILES),
# copied, so that this build never replaces the tree's kftp.ko; kecho's
# beside them, where its Kbuild finds kftp_sock.c and include/.
build_modules() {
	local f
	rm -rf -- "$OUT/kftp" "$OUT/leaky"
	mkdir -p "$OUT/kftp/samples/kecho" "$OUT/leaky"
	(cd "$KFTP_REPO" && cp -r Kbuild VERSION include "$OUT/kftp/" &&
		for f in *.c *.h; do
			[ -f "$f" ] || continue
			case $f in *.mod.c) continue ;; esac
			cp "$f" "$OUT/kftp/"
		done &&
		cp samples/kecho/Kbuild samples/kecho/*.c "$OUT/kftp/samples/kecho/") || return 1
	cp "$KFTP_REPO"/tests/debug/leaky/{Kbuild,kftp_leaky.c} "$OUT/leaky/" || return 1
	{
		make -C "$KFTP_REPO" user testprogs &&
		make -C "$tree" M="$OUT/kftp" KFTP_VERSION="$(cat "$KFTP_REPO/VERSION")" modules &&
		make -C "$tree" M="$OUT/kftp/samples/kecho" modules &&
		make -C "$tree" M="$OUT/leaky" modules
	} >"$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log" | sed 's/^/# /'; return 1; }
}

# run_vm NAME GUEST_SCRIPT [run-vm.sh options]: relay its TAP, numbered on.
# -cpu max: on this kernel qemu64 (run-vm.sh's default) saved only 2-3%
# (KASAN's checks cost the same on either), and one of five boots on it
# hung in early boot, after the RCU-tasks self tests; on max no boot of
# this kernel has been seen to hang.
# no5lvl: max offers LA57, and with 5-level paging 6.1's identify_cpu()
# clears the boot CPU's feature bits before it reads them again. In that
# window pgtable_l5_enabled() is false, KASAN takes the direct map
# (ff11...) for a wild address, and a spinlock taken there was reported
# as "wild-memory-access in do_raw_spin_lock" at 0.68 s, after which the
# boot hung (one boot in CI, before any module). Debian's kernels run on
# qemu64, 4-level, too.
run_vm() {
	local name=$1 script=$2 results=$RESULTS/$1
	shift 2
	rm -f -- "$results/output.log" "$results/status" \
		"$results/kernel-verdict" "$results/verdict"
	export T_N
	tap_relay "$name" < <(cd "$KFTP_REPO" && tap_stream "$KFTP_REPO/tests/vm/run-vm.sh" \
		--kernel "$image" --kver "$kver" --cpu max --append no5lvl \
		--results "$results" "$@" \
		-- "$script" "$((T_N + 1))")
	case $R_RC in 129|130|143) exit "$R_RC" ;; esac
	T_N=$((T_N + R_PASS + R_FAIL)) T_PASS=$((T_PASS + R_PASS)) T_FAIL=$((T_FAIL + R_FAIL))
	VERDICT=$(cat "$results/kernel-verdict" 2>/dev/null || echo "no verdict")
	STATUS=$({ tr -dc '0-9' <"$results/status"; } 2>/dev/null || true)
}

main() {
	[ $# -eq 0 ] || die "usage: ${0##*/}"
	local t0=$SECONDS
	"$KFTP_REPO/tests/deps.sh" --debug >&2
	printf '# kftp check-debug: KASAN, kmemleak, lockdep, UBSAN (QEMU, TCG)\n'

	if ! build_kernel; then
		not_ok "debug kernel built or reused from the cache"
		finish
	fi
	ok "debug kernel built or reused from the cache"
	if ! build_modules; then
		not_ok "kftp.ko, kecho.ko and kftp_leaky.ko built against the debug kernel"
		finish
	fi
	ok "kftp.ko, kecho.ko and kftp_leaky.ko built against the debug kernel"

	local p parts=""
	for p in $DEBUG_PARTS; do
		if [ -f "$KFTP_REPO/tests/guest/$p.sh" ]; then
			parts+=${parts:+ }$p
		else
			diag "part $p: no tests/guest/$p.sh in this tree, left out"
		fi
	done
	# An empty SUITE_PARTS would mean all of them.
	[ -n "$parts" ] || parts=none
	diag "parts: $parts; repetitions: $REPEAT_PCT% of the full counts, $FUZZ_COUNT fuzz cases; time bounds x$TIME_SCALE"
	# 4 GiB: twice what the suite has on Debian's kernels, for KASAN's
	# shadow (an eighth) and quarantine (a 32nd) and the slabs' redzones.
	# Not more: a kmemleak scan takes longer the more memory there is (of
	# an idle guest: 17.6 s in 6 GiB, 10.3 s in 3 GiB), and the lane makes
	# about ten; the boot too (95 s against 63 s).
	run_vm check-debug tests/debug/guest-lane.sh --mem 4G \
		--timeout "${KFTP_VM_TIMEOUT:-5400}" \
		--env "SUITE_PARTS=$parts" \
		--env "SUITE_KFTP_KO=$GUEST_OUT/kftp/kftp.ko" \
		--env "SUITE_KECHO_KO=$GUEST_OUT/kftp/samples/kecho/kecho.ko" \
		--env "KFTP_REPEAT_PCT=$REPEAT_PCT" \
		--env "KFTP_TIME_SCALE=$TIME_SCALE" \
		--env "KFTP_FUZZ_COUNT=$FUZZ_COUNT" \
		${LIFECYCLE_CASES:+--env "LIFECYCLE_CASES=$LIFECYCLE_CASES"}
	if [ "$VERDICT" = ok ]; then
		ok "debug guest kernel log clean (no KASAN/UBSAN/lockdep/BUG/WARNING, taint ok)"
	else
		not_ok "debug guest kernel log clean (no KASAN/UBSAN/lockdep/BUG/WARNING, taint ok)" "$VERDICT"
	fi
	if [ -z "$STATUS" ]; then
		not_ok "debug guest ran to completion" "$(cat "$RESULTS/check-debug/verdict" 2>/dev/null)"
	elif [ "$STATUS" -ne 0 ] && [ "$R_FAIL" -eq 0 ]; then
		not_ok "debug guest lane exited 0" "exited $STATUS without a failing case"
	fi

	# The proof: here a bad kernel log is the expected outcome.
	run_vm check-debug-proof tests/debug/guest-proof.sh --mem 2G --timeout 300 \
		--append "panic_on_warn=0 kasan_multi_shot" \
		--env "LEAKY_KO=$GUEST_OUT/leaky/kftp_leaky.ko"
	[ -n "$STATUS" ] || not_ok "proof guest ran to completion" \
		"$(cat "$RESULTS/check-debug-proof/verdict" 2>/dev/null)"
	if [[ $VERDICT == *"KASAN: "*"use-after-free"* ]]; then
		ok "proof: the VM harness fails a run with the KASAN report"
		diag "  $VERDICT"
	else
		not_ok "proof: the VM harness fails a run with the KASAN report" "kernel verdict: $VERDICT"
	fi
	diag "check-debug took $((SECONDS - t0)) s"
	finish
}

main "$@"

# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# The one kernel-log check, used by the VM harness on the host
# (tests/vm/run-vm.sh, on the guest's console and dmesg) and by every part
# of the suite in the guest (through tests/guest/lib.sh). Sourced, never
# executed.
#
#   kernel_bad_lines [FILE]  the lines of FILE (default stdin) that fail a
#                            run, CRs removed; exit 0 iff there is one
#   taint_bad TAINT          0 iff TAINT has a bit that fails a run
#   taint_letters TAINT      "D W O E" ...
#
# Patterns: the kernel's own reports, each anchored on the words it prints,
# so that a boot banner ("kmemleak: Kernel memory leak detector
# initialized", "KernelAddressSanitizer initialized") does not count.

KERNEL_BAD_RE='BUG:|WARNING:|Oops|general protection fault|Kernel panic|Call Trace'
KERNEL_BAD_RE+='|KASAN:|UBSAN:|kmemleak: [0-9]+ new suspected memory leak|unreferenced object 0x'
KERNEL_BAD_RE+='|possible circular locking|sleeping function called from invalid context'
# Taint bits that fail a run: D (died, 128), W (warning, 512), L (soft
# lockup, 16384), B (bad page, 32: also what a KASAN report leaves). O
# (4096) and E (8192) are expected: kftp.ko is out of tree and unsigned.
TAINT_BAD_MASK=$((128 | 512 | 16384 | 32))

kernel_bad_lines() {
	grep -aE -- "$KERNEL_BAD_RE" "${1:--}" 2>/dev/null | tr -d '\r' | grep .
}

taint_bad() {
	[ $(($1 & TAINT_BAD_MASK)) -ne 0 ]
}

taint_letters() {
	local t=$1 out=""
	[ $((t & 32)) -eq 0 ] || out+="B "
	[ $((t & 128)) -eq 0 ] || out+="D "
	[ $((t & 512)) -eq 0 ] || out+="W "
	[ $((t & 16384)) -eq 0 ] || out+="L "
	[ $((t & 4096)) -eq 0 ] || out+="O "
	[ $((t & 8192)) -eq 0 ] || out+="E "
	printf '%s' "${out% }"
}

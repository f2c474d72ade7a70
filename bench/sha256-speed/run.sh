#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/sha256-speed/run.sh [KVER]: the kernel's SHA-256s side by side
# (sha256_speed.c: the crypto API's best "sha256", its sha256-generic, and
# lib/crypto), in a QEMU guest with -cpu max, as `make bench` runs it:
#   1. as the guest boots: without udev, nothing loads the CPU's module, so
#      the crypto API's "sha256" is sha256-generic (what the bench's
#      sha256 workload measured before sha256_ssse3 was loaded there);
#   2. with sha256_ssse3 loaded (-ssse3, -avx, -avx2, -ni, whichever the
#      CPU has), as udev loads it on a real machine.
# Prints the module's lines (median MB/s of BENCH_ROUNDS rounds, default
# 5, of BENCH_SHA256_MIB MiB, default 64); the guest's log is under
# .build/sha256-speed/. Under TCG every instruction is emulated, SIMD ones
# at their own cost: the ratios say how this machine's QEMU runs each
# implementation, not how a CPU would.
set -eu -o pipefail

if [ -n "${KFTP_VM:-}" ]; then			# in the guest
	ko=$(dirname "${BASH_SOURCE[0]}")/sha256_speed.ko
	args=("mib=${BENCH_SHA256_MIB:-64}" "rounds=${BENCH_ROUNDS:-5}")
	run() {
		echo "# $1"
		dmesg -C
		insmod "$ko" "${args[@]}" 2>/dev/null || true	# -EAGAIN, on purpose
		dmesg | grep -o 'sha256_speed: .*' || { echo "no result"; exit 1; }
		dmesg | grep -q "digest differs" && exit 1
		return 0
	}
	echo "# cpu: $(grep -m1 -o -w -E 'sha_ni|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	run "as booted (no udev: no CPU module)"
	modprobe sha256_ssse3 || { echo "modprobe sha256_ssse3 failed"; exit 1; }
	run "with sha256_ssse3 loaded"
	exit 0
fi

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/vm/lib.sh"
kver=${1:-$(default_kver)}
check_build_kver "$kver"
make -s -C "/lib/modules/$kver/build" M="$KFTP_REPO/bench/sha256-speed" modules
cd "$KFTP_REPO"
exec tests/vm/run-vm.sh --kver "$kver" --cpu max --timeout 1800 \
	--env "BENCH_ROUNDS=${BENCH_ROUNDS:-5}" \
	--env "BENCH_SHA256_MIB=${BENCH_SHA256_MIB:-64}" \
	--results "$KFTP_BUILD_DIR/sha256-speed" -- bench/sha256-speed/run.sh

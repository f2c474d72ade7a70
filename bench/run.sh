#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: kftp against curl, wget, lftp, aria2 and a receive-and-
# discard client, in a QEMU guest (bench/guest.sh does the measuring).
# Prints the table (medians, each client's ratio to curl) and writes, under
# .build/bench/: raw.csv (every timed run), summary.csv, mem.txt (Slab and
# the pages kftp holds around the concurrent downloads), bench.png (MB/s
# against file size), table.md, and the guest's logs.
#
# Usage: bench/run.sh [--quick] [KVER]
#   --quick  one small round (`make bench QUICK=1`, what .ci/run runs)
# Output is TAP: the cases check only that the benchmark works (the guest
# ran, every download verified, the CSV and the PNG were written), never a
# timing; the table is printed as "# " lines; the last line is
# "N passed, N failed".
# Environment: BENCH_ROUNDS (default 3), BENCH_SIZES ("16 64 256 1024",
# in MiB), BENCH_CLIENTS (all), BENCH_WORKLOADS (all; bench/guest.sh),
# BENCH_BIG (256, MiB: ext4, copying
# sender, veth), BENCH_NSMALL (200 small files), BENCH_PARSZ (16, MiB each
# of the 16 concurrent downloads), BENCH_NTREE (1000 files in the
# mirrored tree), BENCH_ASLR (1; 0 boots the guest with norandmaps),
# BENCH_DROP_CACHES (0; 1 drops the guest's caches before each timed run),
# KFTP_VM_TIMEOUT (seconds), BENCH_KERNEL_ARGS (more
# options for the guest kernel's command line: init_on_alloc=0 shows what
# Debian's zeroing of every new page costs a client that writes a file).
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/vm/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"

quick="" kver=""
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	-*) die "usage: ${0##*/} [--quick] [KVER]" ;;
	*) kver=$a ;;
	esac
done

"$KFTP_REPO/tests/deps.sh" --bench
[ -n "$kver" ] || kver=$(default_kver)
check_build_kver "$kver"

out=$KFTP_BUILD_DIR/bench
[ -z "$quick" ] || out=$KFTP_BUILD_DIR/bench-quick
results=$out/guest
mkdir -p "$results"
rm -f -- "$results/raw.csv" "$results/mem.txt" "$results/info.txt" \
	"$results/breakdown.txt" "$out/breakdown.txt" "$out/raw.csv" "$out/summary.csv" "$out/mem.txt" "$out/bench.png" \
	"$out/table.md" "$out/plot.dat"

printf '# kftp bench%s: kernel %s (QEMU, TCG), host load %s\n' \
	"${quick:+ (quick)}" "$kver" "$(cut -d' ' -f1-3 /proc/loadavg)"
if ! make -C "$KFTP_REPO" KVER="$kver" all >&2 || ! make -C "$KFTP_REPO/bench" >&2; then
	not_ok "build kftp, kftp-get and the bench helpers"
	printf '1..%d\n%d passed, %d failed\n' "$T_N" "$T_PASS" "$T_FAIL"
	exit 1
fi

# The ext4 case writes to a virtio disk: a sparse raw image, new each run.
disk=$out/ext4.img
rm -f -- "$disk"
truncate -s 2G "$disk"
mem=5G
[ -z "$quick" ] || mem=2G

envs=(--env "BENCH_ROUNDS=${BENCH_ROUNDS:-3}")
for v in BENCH_SIZES BENCH_CLIENTS BENCH_WORKLOADS BENCH_BIG BENCH_NSMALL BENCH_PARSZ BENCH_NTREE BENCH_DROP_CACHES; do
	[ -z "${!v:-}" ] || envs+=(--env "$v=${!v}")
done
[ -z "$quick" ] || envs+=(--env BENCH_QUICK=1)
appends=()
for v in ${BENCH_KERNEL_ARGS:-}; do
	appends+=(--append "$v")
done
rc=0
# The guest's "# " progress lines pass through as TAP diagnostics.
# -cpu max, as every published figure was measured: the CPU model decides
# how the kernel and libc copy (rep movsb, AVX), on both sides of a ratio.
# QEMU's code-cache counters, a second apart, go to jit.csv: the report
# lists the slow runs with the flushes and invalidations each met. --aslr: the
# guest randomises user space as every published figure was measured with;
# BENCH_ASLR=0 boots it with norandmaps, as the tests' guests are
# (tests/vm/run-vm.sh): TCG then keeps each program's translations.
aslr=(--aslr)
[ "${BENCH_ASLR:-1}" = 1 ] || aslr=()
rm -f -- "$out/jit.csv"
(cd "$KFTP_REPO" && tests/vm/run-vm.sh --kver "$kver" --mem "$mem" --cpu max \
	--timeout "${KFTP_VM_TIMEOUT:-14400}" --disk "$disk" "${envs[@]}" "${appends[@]}" \
	"${aslr[@]}" --jit-log "$out/jit.csv" --results "$results" -- bench/guest.sh) || rc=$?
rm -f -- "$disk"
case $rc in 129|130|143) exit "$rc" ;; esac

if [ "$rc" = 0 ]; then
	ok "the benchmark ran in the guest, kernel log clean"
else
	not_ok "the benchmark ran in the guest, kernel log clean" \
		"$(cat "$results/verdict" 2>/dev/null || echo "run-vm.sh exited $rc")"
fi

c_verified() {
	[ -s "$results/raw.csv" ] || { diag "no raw.csv from the guest"; return 1; }
	local n bad
	n=$(($(wc -l <"$results/raw.csv") - 1))
	bad=$(awk -F, 'NR > 1 && ($9 != 0 || $10 != "ok")' "$results/raw.csv")
	[ "$n" -gt 0 ] || { diag "raw.csv has no runs"; return 1; }
	[ -z "$bad" ] && return 0
	diag "runs that failed or did not verify:"
	diag "$bad"
	return 1
}
tcase "every download exited 0 and matched its SHA-256" c_verified || true

c_csv() {
	cp -- "$results/raw.csv" "$results/mem.txt" "$results/info.txt" "$out/" || return 1
	"$KFTP_REPO/bench/report.py" "$out" >"$out/table.md" || return 1
	[ "$(wc -l <"$out/summary.csv")" -gt 1 ] || { diag "summary.csv is empty"; return 1; }
	{
		echo
		echo "Kernel and machine: $(grep -E '^(kernel|cpu|ncpu|mem_kb|init_on_alloc|aslr|drop_caches|date)=' "$out/info.txt" | tr '\n' ' ')"
		echo "Slab (kB) and pages held by kftp, around the concurrent kftp downloads:"
		sed 's/^/    /' "$out/mem.txt"
		if [ -s "$results/breakdown.txt" ]; then
			cp -- "$results/breakdown.txt" "$out/"
			echo
			cat "$out/breakdown.txt"
		fi
	} >>"$out/table.md"
	diag "$(cat "$out/table.md")"
}
tcase "CSV written: $out/raw.csv, summary.csv" c_csv || true

# QEMU's monitor answered through the run: one sample a second, every
# counter a number, and the report says what the runs met.
c_jit() {
	local n bad
	n=$(($(wc -l <"$out/jit.csv" 2>/dev/null || echo 1) - 1))
	[ "$n" -ge 5 ] || { diag "jit.csv: $n samples"; return 1; }
	bad=$(awk -F, 'NR > 1 && !($4 ~ /^[0-9]+$/ && $5 ~ /^[0-9]+$/)' "$out/jit.csv" | head -n 3)
	[ -z "$bad" ] || { diag "jit.csv: lines without counts: $bad"; return 1; }
	grep -q "^QEMU's code cache: " "$out/table.md" ||
		{ diag "table.md has no code-cache section"; return 1; }
	diag "jit.csv: $n samples, the last $(tail -n 1 "$out/jit.csv")"
}
tcase "QEMU's code-cache counters logged a second apart (jit.csv) and reported" c_jit || true

c_png() {
	local title
	title="kftp bench: MB/s into tmpfs, $(awk -F= '/^kernel=/ { print $2 }' "$out/info.txt"), TCG"
	gnuplot -e "dat='$out/plot.dat'; out='$out/bench.png'; title='$title'" \
		"$KFTP_REPO/bench/plot.gp" || return 1
	[ -s "$out/bench.png" ] && [ "$(head -c 4 "$out/bench.png" | od -An -c | tr -d ' ')" = '211PNG' ]
}
# The plot is of the tmpfs workload: a run without it has nothing to draw.
if [[ " ${BENCH_WORKLOADS:-tmpfs} " == *" tmpfs "* ]]; then
	tcase "plot written: $out/bench.png" c_png || true
else
	diag "no plot: BENCH_WORKLOADS='$BENCH_WORKLOADS' has no tmpfs workload"
fi

# Verified downloads (issue 23): the three clients ran, the table says how
# they compare, and the kernel's SHA-256 implementation is named.
c_sha256() {
	local rc=0 c impl
	for c in kftpsum kftp curlsum; do
		awk -F, -v c="$c" 'NR > 1 && $2 ~ /^sha256-/ && $3 == c { found = 1 } END { exit !found }' \
			"$results/raw.csv" || { diag "no sha256 run of $c"; rc=1; }
	done
	grep -q 'kftp --checksum takes' "$out/table.md" || { diag "no sha256 line in the table"; rc=1; }
	impl=$(sed -n 's/^sha256=//p' "$out/info.txt")
	[ -n "$impl" ] || { diag "the kernel's SHA-256 implementation is not named"; rc=1; }
	diag "the kernel's SHA-256: ${impl:-?}"
	return $rc
}
# A run without the sha256 workload (BENCH_WORKLOADS) has none to check.
if [[ " ${BENCH_WORKLOADS:-sha256} " == *" sha256 "* ]]; then
	tcase "sha256 workload: kftp --checksum, kftp, curl + sha256sum; implementation named" c_sha256 || true
else
	diag "no sha256 line: BENCH_WORKLOADS='$BENCH_WORKLOADS' has no sha256 workload"
fi

c_multi() {
	grep -q '^kftp_multi=1' "$out/info.txt" && return 0
	diag "kftp-get takes one URL only: the multi-URL kftp case was skipped"
	return 0
}
tcase "multi-URL case: run, or skipped with a note" c_multi || true

printf '1..%d\n%d passed, %d failed\n' "$T_N" "$T_PASS" "$T_FAIL"
[ "$T_FAIL" -eq 0 ]

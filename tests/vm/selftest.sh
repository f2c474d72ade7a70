#!/bin/bash
# The VM harness's own cases (tests/vm/run-vm.sh), on Debian's default
# kernel: a boot that hangs before /init is stopped and booted once more,
# not waited out; and a command that runs silently for longer than that
# bound is left alone, because the bound ends where /init starts. TAP, then
# "N passed, N failed".
# Usage: tests/vm/selftest.sh [KVER]    (.ci/run, through check-all.sh --ci)
set -u -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"

STALL=10
RESULTS=$KFTP_BUILD_DIR/results/vm-selftest
kver=${1:-$(default_kver)}
rc="" took=""

# run_vm NAME ARGS...: run-vm.sh into $RESULTS/NAME; sets rc and took.
run_vm() {
	local name=$1 t0=$SECONDS
	shift
	rc=0
	"$KFTP_REPO/tests/vm/run-vm.sh" --kver "$kver" --boot-stall "$STALL" \
		--results "$RESULTS/$name" "$@" >"$RESULTS/$name.out" 2>&1 || rc=$?
	took=$((SECONDS - t0))
	diag "run-vm.sh exited $rc after $took s: $(cat "$RESULTS/$name/verdict" 2>/dev/null)"
}

# With no init in the initramfs and root= naming a disk that does not
# exist, the kernel waits for it forever and prints nothing more: a boot
# that never reaches /init, whatever the machine's speed.
c_stalled_boot() {
	local d=$RESULTS/stalled
	run_vm stalled --timeout 600 \
		--append "rdinit=/kftp-no-such-init root=/dev/vda rootwait" -- true
	[ "$rc" -eq 96 ] || { diag "exit status $rc, want 96"; return 1; }
	grep -q 'stalled before /init, twice' "$d/verdict" || return 1
	grep -aq 'Waiting for root device' "$d/console-stalled.log" ||
		{ diag "first boot's console has no 'Waiting for root device'"; return 1; }
	grep -aq 'Waiting for root device' "$d/console.log" ||
		{ diag "second boot's console has no 'Waiting for root device'"; return 1; }
	[ "$(grep -c 'printed nothing for' "$RESULTS/stalled.out")" -eq 2 ] ||
		{ diag "not two stall reports in stalled.out"; return 1; }
	# Two boots and two bounds, not --timeout (a generous bound for a
	# loaded machine: a boot to the wait is seconds).
	[ "$took" -lt 300 ] || { diag "took $took s: the bound did not stop it"; return 1; }
}

c_silent_command() {
	run_vm silent --timeout 600 -- sleep $((STALL * 3))
	[ "$rc" -eq 0 ] || { diag "exit status $rc, want 0"; return 1; }
	[ ! -e "$RESULTS/silent/console-stalled.log" ] ||
		{ diag "a boot was reported stalled"; return 1; }
	! grep -q 'printed nothing for' "$RESULTS/silent.out"
}

mkdir -p "$RESULTS"
tcase "VM harness: a boot that hangs before /init is stopped after ${STALL}s of silence and retried once (exit 96)" c_stalled_boot
tcase "VM harness: a silent command after /init is not taken for a hung boot" c_silent_command
printf '1..%d\n%d passed, %d failed\n' "$T_N" "$T_PASS" "$T_FAIL"
[ "$T_FAIL" -eq 0 ]

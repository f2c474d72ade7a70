#!/bin/bash
# Boot the host's Debian kernel under QEMU (TCG) with the host's / as a
# read-only root (plus a tmpfs overlay), run one command in it, and judge the
# run: the command's exit status, and whether the guest kernel stayed clean.
#
# Usage: tests/vm/run-vm.sh [--kver KVER] [--timeout SECS] [--mem SIZE]
#            [--smp N] [--cwd DIR] [--env NAME=VALUE]... [--disk FILE]
#            [--kernel IMAGE] [--append OPTIONS] [--jit-log FILE] [--aslr]
#            --results DIR
#            -- CMD [ARGS...]
#
#   --kver     kernel release to boot (default: tests/vm/lib.sh default_kver; needs both
#              /boot/vmlinuz-KVER and /lib/modules/KVER/build)
#   --timeout  seconds before a hung guest is killed (default 1800)
#   --boot-stall  seconds of console silence before the kernel starts /init
#              that count as a hung boot (default 90; KFTP_VM_BOOT_STALL):
#              QEMU is stopped and the guest booted once more. Once /init
#              runs, only --timeout applies
#   --mem      guest RAM (default 2G); --smp: vCPUs (default 2)
#   --cpu      QEMU's -cpu model (default: $KFTP_VM_CPU, else
#              qemu64,+smep,+smap: on Debian's 6.1 the suite's sessions and
#              batch parts ran 8% faster on it than on max, two interleaved
#              rounds each, 223-233 s against 245-253 s; SMEP and SMAP are
#              added so that a kernel access to user memory outside the
#              uaccess helpers still faults. bench/run.sh and the debug
#              lane ask for max: see there)
#   --repo     the checkout the guest sees, read-only, at /kftp (default: the
#              one this script is in); any host path works, /tmp, /run,
#              spaces and symlinks included: the guest never sees it
#   --cwd      guest working directory, a path in the guest (default: the
#              current directory's place under /kftp, or /kftp when the
#              current directory is outside the checkout)
#   --env      extra environment variable for CMD (repeatable)
#   --disk     a raw image the guest sees as the virtio disk /dev/vda
#   --results  host directory shared read-write with the guest as /results
#   --kernel   boot IMAGE (a bzImage) instead of /boot/vmlinuz-KVER; it must
#              have 9p, virtio and overlay built in (the initramfs then
#              carries no modules); --kver names its release (KFTP_KVER).
#              The debug kernel of tests/debug/ is one.
#   --append   more kernel command-line options, after the defaults (so
#              panic_on_warn=0 overrides panic_on_warn=1); repeatable
#   --jit-log  QEMU's code-cache counters (its monitor's "info jit": TB
#              flushes and invalidations) into FILE, a CSV line a second
#              (tests/vm/jit-log.py; bench/run.sh asks for it)
#   --aslr     keep the guest's address-space randomisation of user
#              processes. By default the guest boots with norandmaps: TCG
#              keys its translations on the virtual address, so every exec
#              at new random addresses translated ld.so and libc anew, and
#              the suite's thousands of short processes filled QEMU's 1 GiB
#              code cache about once a minute (a flush: everything
#              translated again). The 6.1 lane's sessions part with
#              --jit-log: 3 flushes in 244 s with randomisation, none in
#              207 s without (the part 170 s against 148). kftp's tests do
#              not depend on where user space maps; bench/run.sh keeps
#              --aslr, so that its figures stay comparable.
#
# CMD runs as root in the guest with stdin from /dev/null and the environment
# PATH, HOME=/root, LANG=C.UTF-8, TERM=dumb, KFTP_VM=1, KFTP_KVER. A relative
# CMD is taken from the working directory. Guest scripts find the checkout
# at /kftp (or from their own location, which is under /kftp) and write
# what the host should keep to /results.
# Its output streams to our stdout while it runs; harness messages go to
# stderr. Files left in DIR afterwards:
#   output.log      CMD's stdout and stderr
#   status          CMD's exit status (absent: the guest died)
#   dmesg, tainted  the guest kernel's log and /proc/sys/kernel/tainted
#   console.log     the serial console (kernel messages, panics)
#   qemu.log        QEMU's own stderr
#   kernel-verdict  "ok", or why the kernel check failed
#   verdict         the one-line summary printed at the end
#   guest-cmd.sh    the script the guest ran
#
#   console-stalled.log  the console of a boot that stalled before /init
#
# Exit status: CMD's status when the guest completed and CMD failed; else 98
# if the kernel check failed; 124 if the guest timed out; 96 if both boots
# stalled before /init; 97 if the guest died otherwise; 0 only if CMD
# exited 0 and the kernel check passed.
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=tests/kernel-log.sh
. "$KFTP_REPO/tests/kernel-log.sh"

EXIT_KERNEL_BAD=98
EXIT_GUEST_DIED=97
EXIT_BOOT_STALLED=96
EXIT_TIMEOUT=124	# what timeout(1) itself returns

# Kernel log lines and taint bits that fail a run: tests/kernel-log.sh.
# panic_on_warn/oops=panic turn most of them into a panic at once, but the
# console is checked too, because a panicking guest never gets to save its
# dmesg.

# Where the guest sees the checkout (a 9p share of its own, read-only).
GUEST_REPO=/kftp

kernel="" append="" norandmaps=" norandmaps" kver="" timeout_s=1800 boot_stall_s=${KFTP_VM_BOOT_STALL:-90} mem=2G smp=2 cpu=${KFTP_VM_CPU:-qemu64,+smep,+smap} results="" cwd="" repo=$KFTP_REPO
declare -a cmd=() envs=() disk=()
qemu_pid="" tail_pid="" jit_log="" jit_pid="" mon_dir=""

usage() {
	sed -n '2,/^set -eu/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# Stop whatever we started, in the right order: QEMU first (through timeout,
# which forwards the signal and SIGKILLs after 10 s), then the output tail.
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	if [ -n "$tail_pid" ] && kill -0 "$tail_pid" 2>/dev/null; then
		kill -TERM "$tail_pid" 2>/dev/null || true
		wait "$tail_pid" 2>/dev/null || true
	fi
	if [ -n "$jit_pid" ] && kill -0 "$jit_pid" 2>/dev/null; then
		kill -TERM "$jit_pid" 2>/dev/null || true
		wait "$jit_pid" 2>/dev/null || true
	fi
	[ -z "$mon_dir" ] || rm -rf -- "$mon_dir"
}
# Ctrl-C, or a CI runner stopping us: clean up, then die of the same signal,
# so that a calling shell script (check.sh) stops too instead of going on.
on_signal() {
	msg "$1, stopping the VM"
	cleanup
	trap - EXIT "$1"
	kill -s "$1" $$
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--kver) kver=${2:?}; shift 2 ;;
		--timeout) timeout_s=${2:?}; shift 2 ;;
		--boot-stall) boot_stall_s=${2:?}; shift 2 ;;
		--mem) mem=${2:?}; shift 2 ;;
		--smp) smp=${2:?}; shift 2 ;;
		--cpu) cpu=${2:?}; shift 2 ;;
		--cwd) cwd=${2:?}; shift 2 ;;
		--repo) repo=${2:?}; shift 2 ;;
		--env) envs+=("${2:?}"); shift 2 ;;
		--disk)
			[ -f "${2:?}" ] || die "--disk: no such file: $2"
			disk=(-drive "file=$(qemu_path "$2"),format=raw,if=virtio,cache=unsafe")
			shift 2 ;;
		--kernel) kernel=${2:?}; shift 2 ;;
		--append) append+="${append:+ }${2:?}"; shift 2 ;;
		--jit-log) jit_log=${2:?}; shift 2 ;;
		--aslr) norandmaps=""; shift ;;
		--results) results=${2:?}; shift 2 ;;
		--) shift; cmd=("$@"); break ;;
		-h|--help) usage ;;
		*) msg "unknown argument: $1"; usage ;;
		esac
	done
	[ -n "$results" ] || { msg "--results DIR is required"; usage; }
	[ "${#cmd[@]}" -gt 0 ] || { msg "no command given after --"; usage; }
	[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$timeout_s'"
	[[ $boot_stall_s =~ ^[1-9][0-9]*$ ]] || die "--boot-stall wants whole seconds, got '$boot_stall_s'"
	local e
	for e in "${envs[@]}"; do
		[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got '$e'"
	done
	if [ -n "$kernel" ]; then
		[ -f "$kernel" ] || die "--kernel: $kernel not found"
		[ -n "$kver" ] || die "--kernel needs --kver (the image's release)"
	else
		[ -n "$kver" ] || kver=$(default_kver)
		check_kver "$kver"
	fi
	repo=$(cd "$repo" && pwd -P) || die "--repo: no such directory"
	[ -n "$cwd" ] || cwd=$(guest_cwd "$(pwd -P)")
}

# guest_cwd DIR: where the host directory DIR is in the guest: its place
# under /kftp when it is in the checkout, else /kftp itself.
guest_cwd() {
	case $1/ in
	"$repo"/*) printf '%s%s\n' "$GUEST_REPO" "${1#"$repo"}" ;;
	*) printf '%s\n' "$GUEST_REPO" ;;
	esac
}

# QEMU's -fsdev takes comma-separated options: a comma in a path is doubled.
qemu_path() {
	printf '%s' "${1//,/,,}"
}

# Empty the results directory of our own files (not others the guest
# scripts may keep there), so that nothing stale can pass for this run.
prepare_results() {
	mkdir -p -- "$results"
	results=$(cd "$results" && pwd -P)
	[ "$results" != / ] || die "--results must not be /"
	(cd "$results" && rm -f -- output.log status dmesg tainted console.log \
		console-stalled.log qemu.log kernel-verdict verdict guest-cmd.sh)
	# Created here so that `tail -F` follows it from the first byte.
	: >"$results/output.log"
}

# The command reaches the guest as a script in the results share rather than
# on the kernel command line: no length limit, no quoting trouble.
write_guest_cmd() {
	local f=$results/guest-cmd.sh e
	{
		echo '#!/bin/bash'
		echo '# Generated by tests/vm/run-vm.sh; run by the guest /init.'
		echo 'export KFTP_VM=1'
		printf 'export KFTP_KVER=%q\n' "$kver"
		for e in "${envs[@]}"; do
			printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"
		done
		printf 'cd -- %q || exit 126\n' "$cwd"
		printf 'exec'
		printf ' %q' "${cmd[@]}"
		printf '\n'
	} >"$f"
	chmod 0755 "$f"
}

start_qemu() {
	local initrd=$1 monitor=none
	# The monitor's socket in a directory of its own under /tmp: a unix
	# socket's path has 107 bytes at most, and -monitor takes no commas.
	if [ -n "$jit_log" ]; then
		[ -n "$mon_dir" ] || mon_dir=$(mktemp -d /tmp/kftp-mon.XXXXXX)
		rm -f -- "$mon_dir/sock"
		monitor=unix:$mon_dir/sock,server,nowait
	fi
	# -no-reboot: the guest's poweroff (or a panic, with panic=-1) ends QEMU.
	# tsc=unstable: 6.12 on qemu64 trusts TCG's TSC and marks sched_clock
	# stable in a late initcall, a static-key flip with both vCPUs running;
	# TCG once ran the stale int3 of that text patch ("Oops: int3" in
	# sched_clock_cpu, before any module was loaded). 6.1 marks the TSC
	# unstable on its own ("TSCs unsynchronized"), so every lane now runs
	# as the 6.1 lane always did: on hpet, with no late flip.
	timeout --kill-after=10 "$timeout_s" \
		qemu-system-x86_64 -nodefaults -nographic -machine q35 -cpu "$cpu" \
		-smp "$smp" -m "$mem" -no-reboot \
		-serial "file:$results/console.log" -monitor "$monitor" \
		-kernel "${kernel:-/boot/vmlinuz-$kver}" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic no_timer_check tsc=unstable${norandmaps}${append:+ $append}" \
		-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
		-fsdev "local,id=w,path=$(qemu_path "$results"),security_model=none" \
		-device virtio-9p-pci,fsdev=w,mount_tag=results \
		-fsdev "local,id=k,path=$(qemu_path "$repo"),security_model=none,readonly=on,multidevs=remap" \
		-device virtio-9p-pci,fsdev=k,mount_tag=kftp \
		"${disk[@]}" </dev/null 2>"$results/qemu.log" &
	qemu_pid=$!
	# Live output: the guest writes output.log through 9p straight into the
	# host file. --pid ends tail on its own once QEMU is gone.
	tail -n +1 -F -s 0.2 --pid="$qemu_pid" "$results/output.log" 2>/dev/null &
	tail_pid=$!
	# It ends when QEMU closes the monitor; a second boot starts it anew.
	if [ -n "$jit_log" ]; then
		"$KFTP_REPO/tests/vm/jit-log.py" "$mon_dir/sock" "$jit_log" &
		jit_pid=$!
	fi
}

# Watch a boot until the kernel starts /init. A kernel that prints nothing
# for $boot_stall_s seconds before that has hung (between two lines of a
# boot there is under 2 s, the debug kernel's included; once the debug
# kernel hung in its RCU-tasks self-test, 1.5 s into the boot, and waited
# out the whole --timeout): stop QEMU and return 1. kftp has no part in a
# boot: its module is loaded by the command /init runs.
watch_boot() {
	local con=$results/console.log size last=-1 since=$SECONDS
	while kill -0 "$qemu_pid" 2>/dev/null; do
		! grep -aqE 'Run /[^ ]* as init process' "$con" 2>/dev/null || return 0
		size=$(stat -c %s "$con" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size since=$SECONDS
		elif [ $((SECONDS - since)) -ge "$boot_stall_s" ]; then
			kill -TERM "$qemu_pid" 2>/dev/null || true
			return 1
		fi
		sleep 1
	done
	return 0
}

# Wait for QEMU, then for tail to print the last of output.log.
wait_qemu() {
	local rc=0
	wait "$qemu_pid" || rc=$?
	qemu_pid=""
	wait "$tail_pid" 2>/dev/null || true
	tail_pid=""
	if [ -n "$jit_pid" ]; then
		wait "$jit_pid" 2>/dev/null || msg "jit-log.py failed: $jit_log may be short (its reason above)"
		jit_pid=""
	fi
	return "$rc"
}

# First line of FILE matching the bad-kernel patterns, CRs removed.
first_bad_line() {
	kernel_bad_lines "$1" | head -n 1 || true
}

# Print "ok" or the reason the guest kernel is not clean.
kernel_verdict() {
	local line taint
	line=$(first_bad_line "$results/console.log")
	[ -z "$line" ] || { echo "console: $line"; return; }
	if [ ! -f "$results/dmesg" ]; then
		echo "dmesg not collected (guest died)"
		return
	fi
	line=$(first_bad_line "$results/dmesg")
	[ -z "$line" ] || { echo "dmesg: $line"; return; }
	taint=$(tr -dc '0-9' <"$results/tainted" 2>/dev/null || true)
	[ -n "$taint" ] || { echo "taint value not collected"; return; }
	if taint_bad "$taint"; then
		echo "kernel tainted $taint ($(taint_letters "$taint"))"
		return
	fi
	echo ok
}

# Show the console for a run that failed in a way output.log cannot
# explain: from the first bad kernel line on (the oops and its call trace),
# or else its last lines; then QEMU's own complaints.
show_console() {
	local con=$results/console.log n
	n=$(grep -naE -m1 -- "$KERNEL_BAD_RE" "$con" 2>/dev/null | cut -d: -f1 || true)
	if [ -n "$n" ]; then
		msg "console.log from the first bad line:"
		tail -n "+$n" "$con" | head -n 80 | tr -d '\r' | sed 's/^/  | /' >&2
	else
		msg "last lines of console.log:"
		tail -n 25 "$con" 2>/dev/null | tr -d '\r' | sed 's/^/  | /' >&2 || true
	fi
	if [ -s "$results/qemu.log" ]; then
		msg "qemu said:"
		sed 's/^/  | /' "$results/qemu.log" >&2
	fi
}

main() {
	parse_args "$@"
	local initrd=$KFTP_BUILD_DIR/vm/initramfs-$kver.cpio.gz
	if [ -n "$kernel" ]; then
		initrd=$KFTP_BUILD_DIR/vm/initramfs-builtin.cpio.gz
		"$KFTP_REPO/tests/vm/mkinitramfs.sh" --builtin "$initrd"
	else
		"$KFTP_REPO/tests/vm/mkinitramfs.sh" "$kver" "$initrd"
	fi
	prepare_results
	write_guest_cmd

	msg "booting $kver (timeout ${timeout_s}s, results in $results)"
	local t0=$SECONDS qemu_rc=0 status="" kverdict verdict rc stalled=0 boot
	for boot in 1 2; do
		qemu_rc=0 stalled=0
		start_qemu "$initrd"
		watch_boot || stalled=1
		wait_qemu || qemu_rc=$?
		[ "$stalled" -eq 1 ] || break
		msg "boot $boot: the kernel printed nothing for ${boot_stall_s}s before starting /init; its last line:"
		tail -n 1 "$results/console.log" | tr -d '\r' | sed 's/^/  | /' >&2
		[ "$boot" -eq 1 ] || break
		mv -f -- "$results/console.log" "$results/console-stalled.log"
		: >"$results/output.log"
		msg "booting $kver once more"
	done
	[ ! -f "$results/status" ] || status=$(tr -dc '0-9' <"$results/status")

	kverdict=$(kernel_verdict)
	printf '%s\n' "$kverdict" >"$results/kernel-verdict"

	if [ -z "$status" ]; then
		if [ "$stalled" -eq 1 ]; then
			verdict="FAIL: the guest kernel stalled before /init, twice (no console output for ${boot_stall_s}s)"
			rc=$EXIT_BOOT_STALLED
		elif [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
			verdict="FAIL: guest timed out after ${timeout_s}s"
			rc=$EXIT_TIMEOUT
		else
			verdict="FAIL: guest died (no status file, qemu exit $qemu_rc)"
			rc=$EXIT_GUEST_DIED
		fi
		[ "$kverdict" = ok ] || verdict+="; kernel: $kverdict"
	elif [ "$kverdict" != ok ]; then
		verdict="FAIL: kernel check: $kverdict (guest exit $status)"
		rc=$EXIT_KERNEL_BAD
		[ "$status" -eq 0 ] || rc=$status
	elif [ "$status" -ne 0 ]; then
		verdict="FAIL: guest command exited $status (kernel log clean)"
		rc=$status
	else
		verdict="PASS: guest command exited 0, kernel log clean"
		rc=0
	fi
	printf '%s\n' "$verdict" >"$results/verdict"
	if [ -z "$status" ] || [ "$kverdict" != ok ]; then
		show_console
	fi
	msg "$verdict ($((SECONDS - t0))s)"
	return "$rc"
}

main "$@"

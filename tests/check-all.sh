#!/bin/bash
# The suite on every installed kernel lane, one after another (`make
# check-all`). With --ci (.ci/run) it first installs every package the
# stages need (the 6.12 lane, lint, bench, sanitizers, debug), and adds
# `make demo` in a fresh clone under /tmp, `make bench QUICK=1`, and the
# debug lane (`make check-debug`; KFTP_CI_DEBUG=0 leaves it out), whose
# kernel is built in the background (niced) while the first lane runs.
# The stages without a VM (`make lint`, the tools under sanitizers, a
# DKMS build for each lane) run in the background too, one at a time,
# once that build is done; their output comes last.
# The debug lane runs after the other VM stages: two VMs under TCG on a
# 2-core machine slowed each other by 2-3x, more than they overlapped.
# KFTP_CI_PARALLEL=1 starts it first, beside the others, on a machine with
# cores to spare (it works on copies of its own, .build/debug/).
# The lanes after the default one leave out the parts that do not depend on
# the kernel (packaging, kftp-get's own logic): see OTHER_LANES_SKIP.
# Every stage's outcome is printed; the last line is the grand total,
# "N passed, N failed".
# Usage: tests/check-all.sh [--ci]
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"
cd "$KFTP_REPO"

ci=""
case ${1:-} in
--ci) ci=1 ;;
"") ;;
*) die "usage: ${0##*/} [--ci]" ;;
esac

debug_build_pid=""
stop_debug_build() {
	[ -z "$debug_build_pid" ] || kill -TERM -- "-$debug_build_pid" 2>/dev/null || true
}

debug="" parallel=""
if [ -n "$ci" ] && [ "${KFTP_CI_DEBUG:-1}" = 1 ]; then
	debug=1
	[ "${KFTP_CI_PARALLEL:-0}" != 1 ] || parallel=1
fi

if [ -n "$ci" ]; then
	# Everything every stage needs, now: the stages in the background must
	# never start apt-get beside another.
	tests/deps.sh --backports --lint --bench --sanitize ${debug:+--debug}
	# A fresh CI machine has no debug kernel: build it (niced, in a process
	# group of its own) while the other lanes run; the check-debug stage
	# waits for it (build-kernel.sh holds a lock) and then reuses it.
	# KFTP_DEBUG_PREBUILD=0 builds it in that stage instead.
	if [ -n "$debug" ] && [ "${KFTP_DEBUG_PREBUILD:-1}" = 1 ] &&
	   ! tests/debug/build-kernel.sh --print >/dev/null; then
		mkdir -p "$KFTP_BUILD_DIR"
		setsid tests/debug/build-kernel.sh >"$KFTP_BUILD_DIR/debug-kernel-prebuild.log" 2>&1 &
		debug_build_pid=$!
		trap stop_debug_build EXIT
		msg "building the debug kernel in the background (log: $KFTP_BUILD_DIR/debug-kernel-prebuild.log)"
	fi
else
	tests/deps.sh
fi

default=$(default_kver)
stages=()
if [ -n "$ci" ]; then
	# The stages without a VM (about 5 minutes, mostly CPU) run in the
	# background, niced and one at a time (a lock), beside the default
	# lane, once the debug kernel's build is done. On a 2-core machine
	# this overlaps less than it seems: beside that build (nice 19) the
	# lane's parts took about twice as long (2026-12-06), so the gain is
	# what the guest leaves idle, not the stages' whole time (they were
	# done 4 minutes after the build). Each works on copies or output directories of
	# its own (lint: a copy of the tree; the sanitizers: .build/user-asan
	# and .build/fuzz; dkms: a private DKMS tree), never on what the lanes
	# build and boot.
	# What they use from the tree itself (the test programs, kftp-probe.so
	# among them) is built here first, so that no two stages build it at
	# once.
	make -s user testprogs >&2
	mkdir -p "$KFTP_BUILD_DIR"
	host_only="flock $(printf %q "$KFTP_BUILD_DIR/host-stages.lock") nice -n 10"
	[ -z "$debug_build_pid" ] || host_only="tail --pid=$debug_build_pid -f /dev/null; $host_only"
	stages+=("&make lint" "$host_only make lint")
	# kftp-get and kftpstat under ASan/UBSan and their parsers' fuzzers
	# (about two minutes; --vm is left to a run by hand).
	stages+=("&tools under sanitizers" "$host_only tests/check-user.sh")
	stages+=("&dkms build" "$host_only tests/dkms-build.sh")
fi
if [ -n "$parallel" ]; then
	# The debug lane is the longest stage: it starts first, in the
	# background (run-stages.sh's "&"), and waits there for its kernel.
	# What it builds in the tree itself (user/, the test programs) is
	# built here first, so that no two stages ever build it at once.
	make -s user testprogs >&2
	stages+=("&make check-debug" "make check-debug")
fi
# `make check` itself first: it is the README's test command.
stages+=("make check ($default)" "make check")
# The other lanes leave out what does not depend on the kernel: the
# packages' part (apt-get install, two DKMS builds in the guest, upgrade,
# purge) and `make install`'s (packaging: `tests/dkms-build.sh` builds the
# module for every lane on the host), and the parts that check kftp-get's
# own logic (cli, script, batch, mirror), whose calls into the kernel the
# lane's other parts make too. Together about 6 minutes of the 6.12 lane
# (install alone took 3 there: three depmods, each reading Debian's whole
# xz-compressed module tree under TCG).
OTHER_LANES_SKIP="deb install cli script batch mirror"
while read -r kver; do
	[ "$kver" = "$default" ] ||
		stages+=("make check KVER=$kver" "KFTP_SUITE_SKIP='$OTHER_LANES_SKIP' make check KVER=$kver")
done < <(installed_kvers)

if [ -n "$ci" ]; then
	# `make demo`, the README's main command, from a fresh clone in a
	# mktemp -d directory under /tmp, as a newcomer runs it (it also
	# proves the harness does not depend on where the checkout is).
	stages+=("make demo in a clone under /tmp" "tests/clone-demo.sh")
	# The harness's own cases: a boot that hangs before /init is retried,
	# not waited out (about a minute).
	stages+=("VM harness self-test" "tests/vm/selftest.sh")
	# The benchmark, one small round: that it works, never how fast.
	stages+=("make bench QUICK=1" "make bench QUICK=1")
	[ -z "$debug" ] || [ -n "$parallel" ] || stages+=("make check-debug" "make check-debug")
fi

if [ -n "$ci" ]; then
	if [ -z "$debug" ]; then
		msg "debug lane: off (KFTP_CI_DEBUG=0)"
	else
		msg "debug lane: $([ -n "$parallel" ] && echo "beside the other stages" || echo "after the other stages")"
	fi
fi
rc=0
tests/run-stages.sh "${stages[@]}" || rc=$?
exit "$rc"

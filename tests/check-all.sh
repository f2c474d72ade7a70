#!/bin/bash
# The suite on every installed kernel lane, one after another (`make
# check-all`). With --ci (.ci/run) it first installs the 6.12 lane and the
# lint tools, and adds the demo (here, and in a fresh clone under /tmp),
# `make lint`, a DKMS build for each lane and `make bench QUICK=1`.
# KFTP_CI_DEBUG=1 adds the debug lane (`make check-debug`) last, its kernel
# built in the background meanwhile. It is off by default: without a cached
# debug kernel, its build (about 26 min on 2 cores) and the lane would take
# .ci/run past CI's budget (see the README's debug-lane section).
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

debug=""
[ -z "$ci" ] || [ "${KFTP_CI_DEBUG:-0}" != 1 ] || debug=1

if [ -n "$ci" ]; then
	tests/deps.sh --backports --lint --bench ${debug:+--debug}
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
# `make check` itself first: it is the README's test command.
stages=("make check ($default)" "make check")
while read -r kver; do
	[ "$kver" = "$default" ] || stages+=("make check KVER=$kver" "make check KVER=$kver")
done < <(installed_kvers)

if [ -n "$ci" ]; then
	# Leave the tree's kftp.ko built for the default lane for the demo.
	stages+=("make demo" "make demo 2>&1 | sed 's/^/# /'; \
if [ \${PIPESTATUS[0]} = 0 ]; then echo 'ok 1 - make demo: checksums match'; \
else echo 'not ok 1 - make demo'; fi")
	# The same from a fresh clone in a mktemp -d directory under /tmp.
	stages+=("make demo in a clone under /tmp" "tests/clone-demo.sh")
	stages+=("make lint" "make lint")
	stages+=("dkms build" "tests/dkms-build.sh")
	# The benchmark, one small round: that it works, never how fast.
	stages+=("make bench QUICK=1" "make bench QUICK=1")
	[ -z "$debug" ] || stages+=("make check-debug" "make check-debug")
fi

rc=0
tests/run-stages.sh "${stages[@]}" || rc=$?
exit "$rc"

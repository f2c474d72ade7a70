#!/bin/bash
# Build kftp and run the guest test suite (tests/guest/suite.sh) in a QEMU VM
# on the given kernel, as TAP: the suite's own cases, then the harness's
# cases (guest kernel log clean; guest finished), the plan "1..N", and
# "N passed, N failed" as the last line.
#
# Usage: tests/check.sh [KVER]      (`make check`)
#   KVER defaults to the running kernel, else the oldest one with
#   /lib/modules/KVER/build. Results: .build/results/check-KVER/.
#   Environment: KFTP_VM_TIMEOUT (seconds, default 5400: the .deb part,
#   tests/guest/deb.sh, adds two DKMS builds under TCG); KFTP_SUITE_SKIP,
#   parts of the suite to leave out (suite.sh's SUITE_SKIP).
# Exit status: 0 only if every case passed.
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"

SUITE=tests/guest/suite.sh

build() {
	local kver=$1 next
	# Build chatter goes to stderr: stdout is the TAP stream.
	make -C "$KFTP_REPO" KVER="$kver" all testprogs >&2 || return 1
	case " ${KFTP_SUITE_SKIP:-} " in *" deb "*) return 0 ;; esac
	# The Debian packages for tests/guest/deb.sh: version N (`make deb`),
	# and N+1 (the last number of VERSION plus one, in the packages only)
	# for its upgrade test. The guest finds them under the checkout.
	mkdir -p "$KFTP_BUILD_DIR"
	next=$(awk -F. -v OFS=. '{ $NF = $NF + 1; print; exit }' "$KFTP_REPO/VERSION")
	"$KFTP_REPO/tests/build-deb.sh" "$KFTP_REPO/.build/deb" >"$KFTP_BUILD_DIR/deb.log" 2>&1 &&
	"$KFTP_REPO/tests/build-deb.sh" --version "$next" "$KFTP_REPO/.build/deb-next" \
		>>"$KFTP_BUILD_DIR/deb.log" 2>&1 || {
		tail -n 30 "$KFTP_BUILD_DIR/deb.log" >&2
		echo "${0##*/}: building the .debs failed, see $KFTP_BUILD_DIR/deb.log" >&2
		return 1
	}
	# The compiler cache for the guest's two DKMS builds (seconds here,
	# minutes each under TCG). Without it they compile in full.
	"$KFTP_REPO/tests/warm-dkms-cache.sh" "$KFTP_REPO/.build/deb-ccache" "$kver" \
		"$KFTP_REPO"/.build/deb/kftp-dkms_*_all.deb "$KFTP_REPO"/.build/deb-next/kftp-dkms_*_all.deb \
		>>"$KFTP_BUILD_DIR/deb.log" 2>&1 ||
		echo "${0##*/}: warming the DKMS builds' compiler cache failed (see $KFTP_BUILD_DIR/deb.log): the guest compiles in full" >&2
}

main() {
	[ $# -le 1 ] || die "usage: ${0##*/} [KVER]"
	local kver=${1:-} results status verdict
	# Before default_kver: deps.sh may install the kernel. Its messages go
	# to stderr already.
	"$KFTP_REPO/tests/deps.sh" --deb
	[ -n "$kver" ] || kver=$(default_kver)
	check_build_kver "$kver"
	printf '# kftp check: kernel %s (QEMU, TCG)\n' "$kver"

	if ! build "$kver"; then
		not_ok "build kftp.ko, user/kftp-get and the .debs for $kver"
		printf '1..1\n%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
		exit 1
	fi

	results=$KFTP_BUILD_DIR/results/check-$kver
	# run-vm.sh streams the suite's output (only the guest's: its own
	# messages go to stderr), relayed and counted by tap_relay; the
	# verdict is read back from the files it leaves in $results. Only an
	# interruption (Ctrl-C) is taken from its exit status: then there is
	# nothing to report. The suite's plan line is dropped by the relay: we
	# add cases after it, and print the plan for all of them at the end.
	# Nothing stale may count if run-vm.sh fails before it clears these.
	rm -f -- "$results/output.log" "$results/status" \
		"$results/kernel-verdict" "$results/verdict"
	tap_relay guest < <(cd "$KFTP_REPO" && tap_stream "$KFTP_REPO/tests/vm/run-vm.sh" \
		--kver "$kver" --timeout "${KFTP_VM_TIMEOUT:-5400}" \
		${KFTP_SUITE_SKIP:+--env "SUITE_SKIP=$KFTP_SUITE_SKIP"} \
		--results "$results" -- "$SUITE")
	case $R_RC in 129|130|143) exit "$R_RC" ;; esac
	# Number our own cases after the highest the suite used.
	T_N=$R_LAST T_PASS=$R_PASS T_FAIL=$R_FAIL

	verdict=$(cat "$results/kernel-verdict" 2>/dev/null || echo "no verdict")
	if [ "$verdict" = ok ]; then
		ok "guest kernel log clean (no BUG/WARNING/Oops, taint ok)"
	else
		not_ok "guest kernel log clean (no BUG/WARNING/Oops, taint ok) # $verdict"
	fi

	status=$(tr -dc '0-9' <"$results/status" 2>/dev/null || true)
	if [ -z "$status" ]; then
		# The verdict line reads "FAIL: guest died (...); kernel: ...":
		# keep the first part, the kernel case above has the rest.
		verdict=$(cat "$results/verdict" 2>/dev/null || echo "guest died")
		verdict=${verdict%%;*}
		not_ok "guest ran to completion # ${verdict#FAIL: }"
	elif [ "$status" -ne 0 ] && [ "$T_FAIL" -eq 0 ]; then
		# A suite that stops early (set -e, a crash) may fail no case.
		not_ok "guest suite exited 0 # exited $status without a failing case"
	fi

	printf '1..%d\n' "$T_N"
	printf '%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
	[ "$T_FAIL" -eq 0 ]
}

main "$@"

#!/bin/bash
# Run several test stages one after another and add up their verdicts.
# Each stage is a command that prints TAP lines ("ok N - ..." / "not ok N")
# and ends with its own "N passed, N failed". Those per-stage summaries are
# shown as "# STAGE: N passed, N failed" (tests/tap.sh's tap_relay) so that
# only the grand total, printed last, reads as the run's closing line. A
# stage that exits non-zero without a failing case counts as one failure.
# Usage: tests/run-stages.sh NAME 'COMMAND' [NAME 'COMMAND']...
set -u -o pipefail

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

total_pass=0 total_fail=0
verdicts=()

run_stage() {
	local name=$1 cmd=$2 t0=$SECONDS
	printf '# ==== stage: %s (%s)\n' "$name" "$cmd"
	tap_relay "$name" < <(tap_stream bash -c "$cmd" 2>&1)
	[ "$R_RC" = 0 ] || [ "$R_FAIL" -gt 0 ] || {
		printf 'not ok - %s exited %s without a failing case\n' "$name" "$R_RC"
		R_FAIL=$((R_FAIL + 1))
	}
	total_pass=$((total_pass + R_PASS))
	total_fail=$((total_fail + R_FAIL))
	verdicts+=("$(printf '%-28s %s passed, %s failed (%d s)' "$name:" "$R_PASS" "$R_FAIL" $((SECONDS - t0)))")
}

[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] || {
	echo "usage: ${0##*/} NAME 'COMMAND' [NAME 'COMMAND']..." >&2
	exit 2
}
while [ $# -ge 2 ]; do
	run_stage "$1" "$2"
	shift 2
done
printf '# ==== stages\n'
printf '# %s\n' "${verdicts[@]}"
printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" -eq 0 ]

#!/bin/bash
# Run several test stages one after another and add up their verdicts.
# Each stage is a command that prints TAP lines ("ok N - ..." / "not ok N")
# and ends with its own "N passed, N failed". Those per-stage summaries are
# shown as "# STAGE: N passed, N failed" so that only the grand total, printed
# last, reads as the run's closing line. A stage that exits non-zero without
# a failing case counts as one failure.
# Usage: tests/run-stages.sh NAME 'COMMAND' [NAME 'COMMAND']...
set -u -o pipefail

total_pass=0 total_fail=0
verdicts=()

run_stage() {
	local name=$1 cmd=$2 line rc=unknown pass=0 fail=0 t0=$SECONDS
	printf '# ==== stage: %s (%s)\n' "$name" "$cmd"
	while IFS= read -r line; do
		case $line in
		"#stage-exit "*)
			rc=${line#"#stage-exit "}
			continue ;;
		[0-9]*" passed, "[0-9]*" failed"*)
			printf '# %s: %s\n' "$name" "$line"
			continue ;;
		"ok "[0-9]*) pass=$((pass + 1)) ;;
		"not ok "[0-9]*) fail=$((fail + 1)) ;;
		esac
		printf '%s\n' "$line"
	done < <(bash -c "$cmd" 2>&1; echo "#stage-exit $?")
	[ "$rc" = 0 ] || [ "$fail" -gt 0 ] || {
		printf 'not ok - %s exited %s without a failing case\n' "$name" "$rc"
		fail=$((fail + 1))
	}
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	verdicts+=("$(printf '%-28s %s passed, %s failed (%d s)' "$name:" "$pass" "$fail" $((SECONDS - t0)))")
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

#!/bin/bash
# Run several test stages and add up their verdicts.
# Each stage is a command that prints TAP lines ("ok N - ..." / "not ok N")
# and ends with its own "N passed, N failed". Those per-stage summaries are
# shown as "# STAGE: N passed, N failed" (tests/tap.sh's tap_relay) so that
# only the grand total, printed last, reads as the run's closing line. A
# stage that exits non-zero without a failing case counts as one failure.
#
# Stages run one after another, in order. A stage whose NAME starts with
# "&" starts when its turn comes but runs in the background, beside the
# stages after it; its output is kept in a file and relayed, as a stage of
# its own, after theirs (it must not share what they build or write: the
# debug lane works on copies of its own, .build/debug/).
# Usage: tests/run-stages.sh NAME 'COMMAND' [NAME 'COMMAND']...
set -u -o pipefail

# shellcheck source=tests/tap.sh
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

total_pass=0 total_fail=0
verdicts=()
bg_names=() bg_cmds=() bg_pids=() bg_outs=()
bg_dir=""

cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
	done
	[ -z "$bg_dir" ] || rm -rf -- "$bg_dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# relay_stage NAME COMMAND SECS: the TAP on stdin, counted; SECS is how
# long it ran ("" if it is running now: until the relay ends).
relay_stage() {
	local name=$1 cmd=$2 secs=$3 t0=$SECONDS
	printf '# ==== stage: %s (%s)\n' "$name" "$cmd"
	tap_relay "$name"
	[ "$R_RC" = 0 ] || [ "$R_FAIL" -gt 0 ] || {
		printf 'not ok - %s exited %s without a failing case\n' "$name" "$R_RC"
		R_FAIL=$((R_FAIL + 1))
	}
	total_pass=$((total_pass + R_PASS))
	total_fail=$((total_fail + R_FAIL))
	verdicts+=("$(printf '%-28s %s passed, %s failed (%d s)' "$name:" "$R_PASS" "$R_FAIL" "${secs:-$((SECONDS - t0))}")")
}

run_stage() {
	relay_stage "$1" "$2" "" < <(tap_stream bash -c "$2" 2>&1)
}

# start_bg NAME COMMAND: in a process group of its own (so that it can be
# stopped whole), its output to a file, as tap_stream would give it, and
# how long it ran to another.
start_bg() {
	local i=${#bg_names[@]}
	[ -n "$bg_dir" ] || bg_dir=$(mktemp -d "${TMPDIR:-/tmp}/kftp-stages.XXXXXX") || exit 1
	bg_names+=("$1") bg_cmds+=("$2") bg_outs+=("$bg_dir/$i.out")
	# shellcheck disable=SC2016  # expanded by the inner shell
	setsid bash -c 'bash -c "$1"; rc=$?; echo "#tap-exit $rc"; echo "$SECONDS" >"$2"' \
		bash "$2" "$bg_dir/$i.secs" >"$bg_dir/$i.out" 2>&1 </dev/null &
	bg_pids+=("$!")
	printf '# ==== stage %s started in the background (%s)\n' "$1" "$2"
}

[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] || {
	echo "usage: ${0##*/} NAME 'COMMAND' [NAME 'COMMAND']..." >&2
	exit 2
}
while [ $# -ge 2 ]; do
	case $1 in
	"&"*) start_bg "${1#&}" "$2" ;;
	*) run_stage "$1" "$2" ;;
	esac
	shift 2
done
for i in "${!bg_pids[@]}"; do
	wait "${bg_pids[i]}"
	bg_pids[i]=""
	relay_stage "${bg_names[i]}" "${bg_cmds[i]}" "$(cat "$bg_dir/$i.secs" 2>/dev/null)" \
		<"${bg_outs[i]}"
done
bg_pids=()
printf '# ==== stages\n'
printf '# %s\n' "${verdicts[@]}"
printf '%d passed, %d failed\n' "$total_pass" "$total_fail"
[ "$total_fail" -eq 0 ]

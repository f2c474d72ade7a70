# shellcheck shell=bash
# shellcheck disable=SC2034  # R_* are read by the scripts that source us
# SPDX-License-Identifier: GPL-2.0
#
# The one TAP writer and the one TAP relay of the test scripts, on the host
# (check.sh, run-stages.sh, dkms-build.sh) and in the guest (through
# tests/guest/lib.sh). Sourced, never executed: it only defines functions and
# variables.
#
# Writer:
#   ok NAME                 "ok N - [PREFIX]NAME"
#   not_ok NAME [DIAG]      "not ok N - [PREFIX]NAME", DIAG as diagnostics
#   diag TEXT...            "# " before every line, multi-line safe
#   tcase NAME FUNC [ARGS]  run FUNC ARGS, 0 = pass; while SUITE_ABORT is set
#                           the case is not run and fails (never skipped)
# T_N is the number of the last case written (start at N by setting
# T_N=N-1), T_PASS and T_FAIL count them; T_PREFIX ("part: ") goes before
# every name.
#
# Relay:
#   tap_relay NAME < STREAM passes a TAP stream on and counts it. STREAM
#   ends with a line "#tap-exit RC" (the producer's exit status, see
#   tap_stream). Plan lines "1..N" are dropped (the consumer prints its own),
#   a bare "N passed, N failed" becomes "# NAME: N passed, N failed" so that
#   only the consumer's own total is a closing line. Only top-level
#   "ok N"/"not ok N" lines count (indented KTAP subtests are summed up by
#   their parent). Sets R_PASS R_FAIL, R_LAST (the highest case number seen)
#   and R_RC (the exit status; "unknown" if the stream was cut).
#   tap_stream CMD [ARGS]   runs CMD, then prints "#tap-exit RC" (add 2>&1
#                           to relay its stderr too).

T_N=${T_N:-0}
T_PASS=${T_PASS:-0}
T_FAIL=${T_FAIL:-0}
T_PREFIX=${T_PREFIX:-}
SUITE_ABORT=${SUITE_ABORT:-}

diag() {
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

ok() {
	T_N=$((T_N + 1))
	T_PASS=$((T_PASS + 1))
	printf 'ok %d - %s%s\n' "$T_N" "$T_PREFIX" "$1"
}

not_ok() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	printf 'not ok %d - %s%s\n' "$T_N" "$T_PREFIX" "$1"
	[ -z "${2:-}" ] || diag "$2"
}

# tcase NAME FUNCTION [ARGS...]: run one case in the current shell (cases
# that cd use a subshell) and print its verdict. Slow cases are worth
# knowing about under TCG.
tcase() {
	local name=$1 t0=$SECONDS rc=0
	shift
	if [ -n "$SUITE_ABORT" ]; then
		not_ok "$name" "not run: $SUITE_ABORT"
		return 1
	fi
	if "$@"; then
		ok "$name"
	else
		rc=1
		not_ok "$name"
	fi
	[ $((SECONDS - t0)) -lt 5 ] || diag "  ($name took $((SECONDS - t0)) s)"
	return $rc
}

tap_stream() {
	"$@"
	echo "#tap-exit $?"
}

tap_relay() {
	local name=$1 line n
	R_PASS=0 R_FAIL=0 R_LAST=0 R_RC=unknown
	while IFS= read -r line; do
		case $line in
		"#tap-exit "*) R_RC=${line#"#tap-exit "}; continue ;;
		[0-9]*" passed, "[0-9]*" failed"*)
			printf '# %s: %s\n' "$name" "$line"
			continue ;;
		1..[0-9]*) [[ $line =~ ^1\.\.[0-9]+([\ \#].*)?$ ]] && continue ;;
		"ok "[0-9]*) R_PASS=$((R_PASS + 1)) ;;
		"not ok "[0-9]*) R_FAIL=$((R_FAIL + 1)) ;;
		esac
		printf '%s\n' "$line"
		[[ $line =~ ^(not\ )?ok\ ([0-9]+) ]] || continue
		n=$((10#${BASH_REMATCH[2]}))
		[ "$n" -le "$R_LAST" ] || R_LAST=$n
	done
	[ "$R_LAST" -ge $((R_PASS + R_FAIL)) ] || R_LAST=$((R_PASS + R_FAIL))
}

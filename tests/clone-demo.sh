#!/bin/bash
# `make demo` in a fresh clone of this checkout's HEAD, made in a
# `mktemp -d` directory under /tmp, as a new user or a CI job would: the
# harness must not depend on where the checkout is (the guest sees it at
# /kftp whatever its host path). One TAP case, then "N passed, N failed".
# Usage: tests/clone-demo.sh [KVER]    (.ci/run, through check-all.sh --ci)
set -u -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"

parent=$(mktemp -d /tmp/kftp-clone.XXXXXX) || die "mktemp failed"
trap 'rm -rf -- "$parent"' EXIT
dir=$parent/kftp
name="make demo in a fresh clone under /tmp"

clone_demo() {
	local head
	head=$(git -C "$KFTP_REPO" rev-parse HEAD) || return 1
	git clone -q "$KFTP_REPO" "$dir" &&
		git -C "$dir" checkout -q --detach "$head" || return 1
	diag "clone of $head in $dir"
	(cd "$dir" && make demo ${1:+KVER="$1"}) 2>&1 | sed 's/^/# /'
}

tcase "$name" clone_demo "${1:-}"
printf '1..%d\n%d passed, %d failed\n' "$T_N" "$T_PASS" "$T_FAIL"
[ "$T_FAIL" -eq 0 ]

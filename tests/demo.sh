#!/bin/bash
# `make demo`: build kftp, boot a QEMU VM, and in it fetch a 16 MiB random
# file from vsftpd with kftp.ko + user/kftp-get, comparing SHA-256 sums
# (tests/guest/demo.sh does the guest part).
#
# Usage: tests/demo.sh [KVER]
#   KVER defaults to the running kernel, else the oldest one with
#   /lib/modules/KVER/build. Results: .build/results/demo-KVER/.
# Exit status: 0 only if the checksums match and the guest kernel stayed clean.
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

main() {
	[ $# -le 1 ] || die "usage: ${0##*/} [KVER]"
	local kver=${1:-}
	"$KFTP_REPO/tests/deps.sh"	# before default_kver: it may install the kernel
	[ -n "$kver" ] || kver=$(default_kver)
	check_build_kver "$kver"
	msg "building kftp for $kver"
	make -C "$KFTP_REPO" KVER="$kver" >&2
	cd "$KFTP_REPO"
	exec "$KFTP_REPO/tests/vm/run-vm.sh" --kver "$kver" --timeout 900 \
		--results "$KFTP_BUILD_DIR/results/demo-$kver" -- tests/guest/demo.sh
}

main "$@"

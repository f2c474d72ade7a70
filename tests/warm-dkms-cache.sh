#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fill the compiler cache that the deb part (tests/guest/deb.sh) hands to
# DKMS in the guest. Under TCG each of its two DKMS builds took about 140
# s, nearly all of it gcc; on the host the same build takes seconds.
#
# For each kftp-dkms .deb given, `dkms build` runs here as it will in the
# guest: the package's own sources, the same kernel's headers, the same
# DKMS tree path (/var/lib/dkms, a tmpfs in a private mount namespace:
# the host's DKMS tree is never touched), and Debian's own switch for
# ccache in its kernel headers (DEBIAN_KERNEL_USE_CCACHE, in
# .kernelvariables). The guest's / is the host's, so gcc is the same
# binary: a hit is the object the guest would have compiled. The guest
# still runs dpkg, DKMS, kbuild, modpost and the link itself; a miss only
# costs time.
#
# Usage: tests/warm-dkms-cache.sh CACHE KVER DEB...
# Exit status: 0 if every build succeeded (or ccache is not installed:
# then there is nothing to warm, and the guest compiles in full).
set -u -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

[ $# -ge 3 ] || die "usage: ${0##*/} CACHE KVER DEB..."
cache=$1 kver=$2
shift 2
command -v ccache >/dev/null || { msg "no ccache: the deb part's DKMS builds compile in full"; exit 0; }
[ -d /var/lib/dkms ] || die "/var/lib/dkms missing (dkms not installed? run tests/deps.sh --deb)"

mkdir -p "$cache" || exit 1
# Absolute: make runs ccache in the headers' directory.
cache=$(cd "$cache" && pwd) || exit 1
printf 'max_size = 500M\n' >"$cache/ccache.conf"

work=$(mktemp -d "${TMPDIR:-/tmp}/kftp-warm.XXXXXX") || exit 1
trap 'rm -rf -- "$work"' EXIT

# warm DEB: dkms build of the package's sources, in the private namespace.
warm() {
	local deb=$1 v
	v=${deb##*/}
	v=${v#*_}
	v=${v%_*}
	rm -rf -- "$work/root" && mkdir -p "$work/root" "$work/tmp" || return 1
	dpkg-deb -x "$deb" "$work/root" || return 1
	[ -d "$work/root/usr/src/kftp-$v" ] || { msg "$deb has no /usr/src/kftp-$v"; return 1; }
	# ccache 4.7 keys on the locale's variables (gcc's messages) and has
	# no "sloppiness = locale" yet: both sides pin them (tests/guest/deb.sh
	# too).
	# shellcheck disable=SC2016  # expanded by the inner shell
	unshare -m --propagation private bash -c '
		mount -t tmpfs -o mode=0755 kftp-warm /var/lib/dkms || exit 1
		exec env -u LANG -u LC_CTYPE -u LC_MESSAGES LC_ALL=C \
			DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR="$1" TMPDIR="$2/tmp" \
			mok_signing_key="$2/mok.key" mok_certificate="$2/mok.pub" \
			dkms build -m kftp -v "$3" -k "$4" --sourcetree "$2/root/usr/src" </dev/null
	' bash "$cache" "$work" "$v" "$kver" || { msg "dkms build of $v for $kver failed"; return 1; }
	msg "warmed: kftp $v for $kver"
}

rc=0
for deb; do
	warm "$deb" || rc=1
done
CCACHE_DIR=$cache ccache -s 2>/dev/null | sed -n 's/^ *\(Hits\|Misses\):/ccache \1:/p' >&2
exit $rc

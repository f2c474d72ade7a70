# shellcheck shell=bash
# Helpers shared by the host-side harness scripts (deps.sh, check.sh, demo.sh,
# tests/vm/*.sh). Sourced, never executed: it only defines functions and
# variables, so each caller keeps its own `set -eu -o pipefail` and traps.

# Repository root, derived from this file's location so that the harness works
# from any checkout path (nothing refers to /work/main).
KFTP_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)

# Generated files (initramfs cache, results of VM runs) live here, outside the
# tracked tree: the lead's .gitignore holds `/.build/`. Overridable so that CI
# can put the cache on a persistent volume.
KFTP_BUILD_DIR=${KFTP_BUILD_DIR:-$KFTP_REPO/.build}

# Messages from the harness itself go to stderr, so that stdout carries only
# what the guest printed (TAP lines that a CI may parse).
msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "error: $*"; exit 1; }

# Every installed kernel that we can both boot (/boot/vmlinuz-*) and build
# modules against (/lib/modules/*/build), oldest first: the test lanes.
# Derived, never hard-coded: the Debian ABI number moves with every update.
installed_kvers() {
	local d kver
	for d in /lib/modules/*/build; do
		[ -d "$d" ] || continue
		kver=${d#/lib/modules/}
		kver=${kver%/build}
		[ -f "/boot/vmlinuz-$kver" ] && printf '%s\n' "$kver"
	done | sort -V
}

# The kernel a plain `make check` tests, chosen as the top Makefile chooses
# the kernel `make` builds for: the running one when it has headers, else
# the oldest installed (Debian 12's own 6.1; newer lanes are opt-in).
default_kver() {
	local kver
	kver=$(uname -r)
	if [ -d "/lib/modules/$kver/build" ] && [ -f "/boot/vmlinuz-$kver" ]; then
		printf '%s\n' "$kver"
		return
	fi
	kver=$(installed_kvers | head -n 1)
	[ -n "$kver" ] || die "no kernel has both /boot/vmlinuz-KVER and /lib/modules/KVER/build (run tests/deps.sh)"
	printf '%s\n' "$kver"
}

# Fail early, with a useful message, when a kernel release cannot be used.
check_kver() {
	local kver=$1
	[ -f "/boot/vmlinuz-$kver" ] || die "kernel image /boot/vmlinuz-$kver not found"
	[ -d "/lib/modules/$kver" ] || die "modules directory /lib/modules/$kver not found"
}

# Building kftp.ko needs the kernel's headers as well.
check_build_kver() {
	check_kver "$1"
	[ -d "/lib/modules/$1/build" ] ||
		die "/lib/modules/$1/build not found: install linux-headers-$1"
}

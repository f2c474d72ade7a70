#!/bin/bash
# Install the Debian packages that building kftp and running its QEMU tests
# need. Only missing packages are installed, and `apt-get update` runs only
# when something is missing, so a second run is silent and needs no network.
# Usage: tests/deps.sh            (as root on Debian 12)
set -eu -o pipefail

PACKAGES=(
	# kernel to boot in the guest, and its headers to build kftp.ko against
	linux-image-amd64 linux-headers-amd64
	# the VM and the initramfs it boots
	qemu-system-x86 busybox-static kmod cpio xz-utils
	# FTP peers used inside the guest
	vsftpd python3-pyftpdlib
	# tools the guest scripts use (ip, ss, pgrep, useradd, ...)
	iproute2 procps util-linux passwd
	# building the module and the CLI, and `make C=2` static checks
	make gcc libc6-dev sparse
)

export DEBIAN_FRONTEND=noninteractive

tmpdir=""
cleanup() {
	[ -z "$tmpdir" ] || rm -rf -- "$tmpdir"
}
trap cleanup EXIT

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { msg "error: $*"; exit 1; }

# Print the packages that dpkg does not report as fully installed ("ii").
# One dpkg-query call for all of them: packages dpkg has never heard of are
# left out of its output (with a complaint on stderr that we drop).
missing_packages() {
	local pkg
	declare -A ok=()
	while read -r pkg; do
		ok[$pkg]=1
	done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
		 awk '$1 == "ii" { print $2 }' || true)
	for pkg in "${PACKAGES[@]}"; do
		[ -n "${ok[$pkg]:-}" ] || printf '%s\n' "$pkg"
	done
}

install_packages() {
	[ "$(id -u)" -eq 0 ] || die "must run as root to install: $*"
	command -v apt-get >/dev/null || die "apt-get not found (Debian 12 expected); missing: $*"
	msg "installing: $*"
	# Log apt's chatter to a file and show it only if something goes wrong.
	tmpdir=$(mktemp -d)
	if ! apt-get update >"$tmpdir/apt.log" 2>&1 ||
	   ! apt-get install -y --no-install-recommends "$@" >>"$tmpdir/apt.log" 2>&1; then
		cat "$tmpdir/apt.log" >&2
		die "apt-get failed"
	fi
	msg "installed: $*"
}

main() {
	local missing
	command -v dpkg-query >/dev/null || die "dpkg-query not found (Debian 12 expected)"
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -eq 0 ] || install_packages "${missing[@]}"
}

main "$@"

#!/bin/bash
# Install the Debian packages that building kftp and running its QEMU tests
# need. Only missing packages are installed, and `apt-get update` runs only
# when something is missing, so a second run is silent and needs no network.
# Usage: tests/deps.sh [--backports] [--lint] [--deb] [--bench] [--debug]
#                      [--sanitize]   (as root on Debian 12)
#   --backports  also the 6.12 LTS lane: Debian's 6.12 kernel and headers from
#                bookworm-backports. Only then is that apt source added, as
#                /etc/apt/sources.list.d/kftp-bookworm-backports.sources;
#                a plain run never touches the apt sources.
#   --lint       also the tools `make lint` and the DKMS check use.
#   --deb        also what `make deb` needs (dpkg-buildpackage, debhelper,
#                dh-dkms), and what installing the .debs in the guest needs
#                (dkms, man-db); `make check` uses it.
#   --bench      also the clients `make bench` compares kftp with (curl,
#                wget, lftp, aria2) and gnuplot for its plot.
#   --debug      also what building the debug kernel of `make check-debug`
#                needs (tests/debug/build-kernel.sh).
#   --sanitize   also clang and its sanitizer and libFuzzer runtimes, for
#                tests/check-user.sh (user/ under ASan, UBSan, libFuzzer).
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
	# dropping a server's packets at will (the lost-FIN scenario)
	nftables
	# building the module and the CLI, and `make C=2` static checks
	make gcc libc6-dev sparse
	# kftpstat and kftp-get's progress bar: generic netlink through libmnl
	libmnl-dev
	# the events part runs kftp-get on a terminal, as a person sees it
	tmux
)

# make lint: checkpatch.pl comes from the kernel source tarball; lintian
# checks the .debs (so the --deb packages come along).
LINT_PACKAGES=(linux-source-6.1 cppcheck dkms mandoc groff-base man-db lintian)

# make deb: dpkg-buildpackage (dpkg-dev), debhelper and dh-dkms (the dkms
# sequence; Rules-Requires-Root: no, so no fakeroot). The guest installs the
# .debs offline from the host's root: dkms (kftp-dkms depends on it) and
# man-db (man kftp-get) must be on the host.
DEB_PACKAGES=(dpkg-dev debhelper dh-dkms dkms man-db)

# make bench: the userspace clients kftp is measured against (they run in
# the guest from the host's root), gnuplot without X for the PNG, ethtool
# for GRO on the veth case and mkfs.ext4 for the ext4 case.
BENCH_PACKAGES=(curl wget lftp aria2 gnuplot-nox ethtool e2fsprogs)

# make check-debug: a kernel built from Debian's source (tests/debug/).
DEBUG_PACKAGES=(linux-source-6.1 bc flex bison libelf-dev libssl-dev xz-utils)

# tests/check-user.sh: `make -C user SANITIZE=1` and the libFuzzer harnesses
# of tests/fuzz (libclang-rt-dev: the ASan, UBSan and libFuzzer runtimes).
SANITIZE_PACKAGES=(clang libclang-rt-dev)

BACKPORTS_LIST=/etc/apt/sources.list.d/kftp-bookworm-backports.sources

export DEBIAN_FRONTEND=noninteractive

tmpdir=""
cleanup() {
	[ -z "$tmpdir" ] || rm -rf -- "$tmpdir"
}
trap cleanup EXIT

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"

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

# The 6.12 lane is there when a 6.12 kernel can be both booted and built for.
have_612_lane() {
	local d
	for d in /lib/modules/6.12.*/build; do
		[ -d "$d" ] && [ -f "/boot/vmlinuz-$(basename "$(dirname "$d")")" ] && return 0
	done
	return 1
}

# Same mirror as Debian's own source list, suite bookworm-backports.
add_backports_source() {
	local uri
	[ -f "$BACKPORTS_LIST" ] && return 0
	uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /^http/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$uri" ] || die "cannot find the Debian mirror in the apt sources"
	msg "adding $BACKPORTS_LIST ($uri bookworm-backports)"
	cat >"$BACKPORTS_LIST" <<-EOF
	Types: deb
	URIs: $uri
	Suites: bookworm-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
}

install_backports_kernel() {
	have_612_lane && return 0
	[ "$(id -u)" -eq 0 ] || die "must run as root to install the 6.12 kernel"
	add_backports_source
	msg "installing the 6.12 kernel and headers from bookworm-backports"
	tmpdir=$(mktemp -d)
	if ! apt-get update >"$tmpdir/apt.log" 2>&1 ||
	   ! apt-get install -y --no-install-recommends -t bookworm-backports \
		linux-image-amd64 linux-headers-amd64 >>"$tmpdir/apt.log" 2>&1; then
		cat "$tmpdir/apt.log" >&2
		die "apt-get failed"
	fi
	rm -rf -- "$tmpdir"
	tmpdir=""
	have_612_lane || die "bookworm-backports did not bring a 6.12 kernel"
}

main() {
	local missing arg backports=""
	for arg in "$@"; do
		case $arg in
		--backports) backports=1 ;;
		--lint) PACKAGES+=("${LINT_PACKAGES[@]}" "${DEB_PACKAGES[@]}") ;;
		--deb) PACKAGES+=("${DEB_PACKAGES[@]}") ;;
		--bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
		--debug) PACKAGES+=("${DEBUG_PACKAGES[@]}") ;;
		--sanitize) PACKAGES+=("${SANITIZE_PACKAGES[@]}") ;;
		*) die "usage: ${0##*/} [--backports] [--lint] [--deb] [--bench] [--debug] [--sanitize]" ;;
		esac
	done
	command -v dpkg-query >/dev/null || die "dpkg-query not found (Debian 12 expected)"
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -eq 0 ] || install_packages "${missing[@]}"
	# After the base install: Debian's own 6.1 kernel must come first, so
	# that the stable metapackage is not what pulls in 6.12.
	[ -z "$backports" ] || install_backports_kernel
}

main "$@"

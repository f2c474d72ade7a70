#!/bin/bash
# Install the Debian packages that building kftp and running its QEMU tests
# need. Only missing packages are installed, and `apt-get update` runs only
# when something is missing, so a second run is silent and needs no network.
#
# The host is left alone: no service a package brings is started during
# the install (a policy-rc.d that refuses, for the install only), and any
# that the install enabled to start at boot (systemd links, sysv rc links)
# is disabled again at once. vsftpd, for one, is only run by the tests, in
# the guest; on the host it would open port 21 to local-user logins.
#
# Usage: tests/deps.sh [--backports] [--lint] [--deb] [--bench] [--debug]
#                      [--sanitize] [--offline]   (as root on Debian 12)
#        tests/deps.sh --build-deps [--list]
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
#   --offline    install from apt's cache only: no `apt-get update`, no
#                download (tests/guest/script.sh installs vsftpd so).
#   --build-deps what `make deb` needs, and nothing else: dpkg-dev, and the
#                Build-Depends of debian/control (`apt-get build-dep`), when
#                dpkg-checkbuilddeps finds them missing. No test stack.
#   --list       with --build-deps: print what it would check, install nothing.
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
	# GRO on a veth pair (the digest part; make bench's veth case too)
	ethtool
	# proftpd's libraries: the digest part runs proftpd with mod_digest
	# (HASH, XSHA256) from an unpacked proftpd-core (see unpack_proftpd)
	libacl1 libcap2 libcrypt1 libhiredis0.14 libidn2-0 libmemcached11
	libmemcachedutil2 libncursesw6 libpam0g libpcre2-8-0 libpcre2-posix3
	libssl3 libtinfo6 zlib1g
)

# proftpd-core conflicts with vsftpd: it is unpacked here (dpkg -x), never
# installed, so no service or user of it reaches the host.
PROFTPD_TREE=${KFTP_PROFTPD_TREE:-/var/cache/kftp/proftpd}

# make lint: checkpatch.pl comes from the kernel source tarball; lintian
# checks the .debs (so the --deb packages come along).
LINT_PACKAGES=(linux-source-6.1 cppcheck dkms mandoc groff-base man-db lintian)

# make deb: dpkg-buildpackage (dpkg-dev), debhelper and dh-dkms (the dkms
# sequence; Rules-Requires-Root: no, so no fakeroot). The guest installs the
# .debs offline from the host's root: dkms (kftp-dkms depends on it) and
# man-db (man kftp-get) must be on the host.
# ccache: the deb part's DKMS builds in the guest take gcc's output from
# a cache the host fills (tests/warm-dkms-cache.sh).
DEB_PACKAGES=(dpkg-dev debhelper dh-dkms dkms man-db ccache)

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

POLICY=/usr/sbin/policy-rc.d
tmpdir=""
policy_saved=""
cleanup() {
	restore_policy
	[ -z "$tmpdir" ] || rm -rf -- "$tmpdir"
}
trap cleanup EXIT
offline=""

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

# No service starts while packages are installed (invoke-rc.d asks
# policy-rc.d; 101: "action forbidden"). One already there (a container's)
# is put back afterwards.
forbid_services() {
	if [ -e "$POLICY" ] || [ -L "$POLICY" ]; then
		policy_saved=$(mktemp "$POLICY.kftp-saved.XXXXXX")
		mv -f "$POLICY" "$policy_saved"
	else
		policy_saved=none
	fi
	printf '#!/bin/sh\n# tests/deps.sh: no service starts during its install.\nexit 101\n' >"$POLICY"
	chmod 0755 "$POLICY"
}

restore_policy() {
	case $policy_saved in
	"") return 0 ;;
	none) rm -f "$POLICY" ;;
	*) mv -f "$policy_saved" "$POLICY" ;;
	esac
	policy_saved=""
}

installed_packages() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' 2>/dev/null | awk '$1 == "ii" { print $2 }' | sort
}

# The services of the packages in the file $1 (just installed): not
# started at boot. Systemd units through deb-systemd-helper, which the
# packages' own maintainer scripts use (it also remembers the choice for
# upgrades); sysv init scripts through update-rc.d.
disable_services() {
	local pkg f unit
	while read -r pkg; do
		while read -r f; do
			case $f in
			/lib/systemd/system/*@.*) ;;	# templates are never enabled alone
			/lib/systemd/system/*.service | /lib/systemd/system/*.socket | \
			/lib/systemd/system/*.timer)
				unit=${f##*/}
				if deb-systemd-helper --quiet was-enabled "$unit" 2>/dev/null ||
				   ls /etc/systemd/system/*.wants/"$unit" >/dev/null 2>&1; then
					deb-systemd-helper disable "$unit" >/dev/null 2>&1 || true
					rm -f /etc/systemd/system/*.wants/"$unit"
					msg "disabled $unit ($pkg): the tests run it in the VM only"
				fi
				;;
			/etc/init.d/*)
				if ls /etc/rc[2-5].d/S??"${f##*/}" >/dev/null 2>&1; then
					update-rc.d "${f##*/}" disable >/dev/null 2>&1 || true
					msg "disabled /etc/init.d/${f##*/} ($pkg) at boot"
				fi
				;;
			esac
		done < <(dpkg -L "$pkg" 2>/dev/null)
	done <"$1"
}

install_packages() {
	[ "$(id -u)" -eq 0 ] || die "must run as root to install: $*"
	command -v apt-get >/dev/null || die "apt-get not found (Debian 12 expected); missing: $*"
	msg "installing: $*"
	# Log apt's chatter to a file and show it only if something goes wrong.
	tmpdir=$(mktemp -d)
	installed_packages >"$tmpdir/before"
	forbid_services
	if { [ -z "$offline" ] && ! apt-get update >"$tmpdir/apt.log" 2>&1; } ||
	   ! apt-get install -y --no-install-recommends ${offline:+--no-download} \
		"$@" >>"$tmpdir/apt.log" 2>&1; then
		restore_policy
		cat "$tmpdir/apt.log" >&2
		die "apt-get failed"
	fi
	restore_policy
	installed_packages | comm -13 "$tmpdir/before" - >"$tmpdir/new"
	disable_services "$tmpdir/new"
	msg "installed: $*"
}

# make deb: dpkg-dev, then what dpkg-checkbuilddeps finds missing of
# debian/control's Build-Depends, by apt-get build-dep on the tree.
install_build_deps() {
	local list=$1 src=$KFTP_REPO/
	if [ -n "$list" ]; then
		printf '%s\n' dpkg-dev
		sed -n '/^Build-Depends:/,/^[^ ]/p' "$KFTP_REPO/debian/control" |
			sed -e 's/^Build-Depends://' -e '/^[A-Z]/d' | tr ',' '\n' |
			sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'
		return 0
	fi
	PACKAGES=(dpkg-dev)
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -eq 0 ] || install_packages "${missing[@]}"
	(cd "$KFTP_REPO" && dpkg-checkbuilddeps) >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] || die "must run as root to install the build dependencies"
	msg "installing the build dependencies of debian/control"
	tmpdir=$(mktemp -d)
	forbid_services
	if ! apt-get update >"$tmpdir/apt.log" 2>&1 ||
	   ! apt-get build-dep -y --no-install-recommends "$src" >>"$tmpdir/apt.log" 2>&1; then
		restore_policy
		cat "$tmpdir/apt.log" >&2
		die "apt-get build-dep failed"
	fi
	restore_policy
	(cd "$KFTP_REPO" && dpkg-checkbuilddeps) || die "build dependencies still missing"
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

# The proftpd tree the guest suite runs (tests/guest/lib.sh start_proftpd),
# once: apt-get download needs the archive, or apt's cache with --offline.
unpack_proftpd() {
	local dir
	[ -x "$PROFTPD_TREE/usr/sbin/proftpd" ] && return 0
	[ "$(id -u)" -eq 0 ] || die "must run as root to unpack proftpd into $PROFTPD_TREE"
	dir=$(mktemp -d)
	if [ -n "$offline" ]; then
		cp /var/cache/apt/archives/proftpd-core_*.deb "$dir/" 2>/dev/null ||
			{ rm -rf -- "$dir"; die "--offline: no proftpd-core in apt's cache"; }
	elif ! (cd "$dir" && apt-get -o APT::Sandbox::User=root download proftpd-core \
		>"$dir/apt.log" 2>&1); then
		cat "$dir/apt.log" >&2
		rm -rf -- "$dir"
		die "apt-get download proftpd-core failed"
	fi
	rm -rf -- "$PROFTPD_TREE.new"
	mkdir -p "$PROFTPD_TREE.new"
	dpkg -x "$dir"/proftpd-core_*.deb "$PROFTPD_TREE.new" || die "dpkg -x proftpd-core failed"
	rm -rf -- "$dir" "$PROFTPD_TREE"
	mv "$PROFTPD_TREE.new" "$PROFTPD_TREE"
	msg "unpacked proftpd-core into $PROFTPD_TREE (not installed)"
}

main() {
	local missing arg backports="" build_deps="" list=""
	for arg in "$@"; do
		case $arg in
		--backports) backports=1 ;;
		--offline) offline=1 ;;
		--build-deps) build_deps=1 ;;
		--list) list=1 ;;
		--lint) PACKAGES+=("${LINT_PACKAGES[@]}" "${DEB_PACKAGES[@]}") ;;
		--deb) PACKAGES+=("${DEB_PACKAGES[@]}") ;;
		--bench) PACKAGES+=("${BENCH_PACKAGES[@]}") ;;
		--debug) PACKAGES+=("${DEBUG_PACKAGES[@]}") ;;
		--sanitize) PACKAGES+=("${SANITIZE_PACKAGES[@]}") ;;
		*) die "usage: ${0##*/} [--backports] [--lint] [--deb] [--bench] [--debug] [--sanitize] [--offline] | --build-deps [--list]" ;;
		esac
	done
	if [ -n "$build_deps" ]; then
		install_build_deps "$list"
		return
	fi
	[ -z "$list" ] || die "--list goes with --build-deps"
	command -v dpkg-query >/dev/null || die "dpkg-query not found (Debian 12 expected)"
	mapfile -t missing < <(missing_packages)
	[ "${#missing[@]}" -eq 0 ] || install_packages "${missing[@]}"
	unpack_proftpd
	# After the base install: Debian's own 6.1 kernel must come first, so
	# that the stable metapackage is not what pulls in 6.12.
	[ -z "$backports" ] || install_backports_kernel
}

main "$@"

#!/bin/bash
# Build (or reuse) the debug kernel of `make check-debug`: Debian's
# linux-source-6.1 with KASAN, kmemleak, lockdep, UBSAN and debug objects
# (tests/debug/debug.config), everything the VM harness needs built in.
#
# Usage: tests/debug/build-kernel.sh [--print]
#   Prints the tree's path on stdout once it is there; --print prints it
#   only if the cache already holds it (exit 1 if not) and builds nothing.
#
# The cache lives outside the checkout, in $KFTP_DEBUG_CACHE (default
# /var/cache/kftp/debug-kernel), one directory per key:
#   <linux-source version>-<sha256 of debug.config and RECIPE, 12 hex>
# A new Debian source, or any edit to the fragment, gives a new key and so a
# new build; a present key is reused in well under a second. Inside it:
#   linux-source-6.1/   the built tree (bzImage, Module.symvers: kftp.ko
#                       builds against it with make -C TREE M=...)
#   build.log, build-seconds, ok (written last: only a complete build counts)
# Older keys are left alone; remove them by hand.
#
# The build runs under nice/ionice (VMs of other lanes share the machine),
# with -j$(nproc); KFTP_DEBUG_JOBS overrides the job count.
set -eu -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/lib.sh"

SRC_PKG=linux-source-6.1
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
FRAGMENT=$KFTP_REPO/tests/debug/debug.config
CACHE=${KFTP_DEBUG_CACHE:-/var/cache/kftp/debug-kernel}
# How the tree is configured and built, in the key too: change it whenever
# build() changes what it produces (edits to comments need not rebuild).
RECIPE="x86_64_defconfig kvm_guest.config +debug.config; bzImage modules"

work=""
cleanup() {
	[ -z "$work" ] || rm -rf -- "$work"
}
trap cleanup EXIT
# Killed (Ctrl-C, CI cancelling, check-all.sh stopping its background
# build): exit through the EXIT trap, so no half-built tree is left behind.
trap 'exit 130' INT
trap 'exit 143' TERM

cache_key() {
	local ver
	ver=$(dpkg-query -W -f '${Version}' "$SRC_PKG" 2>/dev/null) ||
		die "$SRC_PKG is not installed (run tests/deps.sh --debug)"
	[ -f "$SRC_TAR" ] || die "$SRC_TAR missing (reinstall $SRC_PKG)"
	printf '%s-%s\n' "$ver" \
		"$({ cat "$FRAGMENT"; echo "$RECIPE"; } | sha256sum | cut -c1-12)"
}

# Every option the fragment sets must be in the final .config as written:
# olddefconfig drops silently what a dependency rules out.
check_config() {
	local cfg=$1 line name bad=0
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$cfg" || { msg "not in .config: $line"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			name=${line#\# }
			name=${name%% *}
			! grep -q "^$name=" "$cfg" || { msg "still set: $(grep "^$name=" "$cfg")"; bad=1; } ;;
		esac
	done <"$FRAGMENT"
	[ "$bad" -eq 0 ] || die "debug.config did not apply cleanly"
}

build() {
	local dest=$1 tree jobs t0=$SECONDS
	jobs=${KFTP_DEBUG_JOBS:-$(nproc)}
	mkdir -p -- "$CACHE"
	work=$(mktemp -d "$CACHE/.build.XXXXXX")
	msg "building the debug kernel in $work (-j$jobs; about 8 min on an idle 2-core machine)"
	tar -C "$work" -xJf "$SRC_TAR"
	tree=$work/linux-source-6.1
	{
		make -C "$tree" -s x86_64_defconfig kvm_guest.config
		"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" \
			"$tree/.config" "$FRAGMENT"
		make -C "$tree" -s olddefconfig
	} >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; die "configuring failed"; }
	check_config "$tree/.config"
	if ! nice -n 19 ionice -c3 make -C "$tree" -j"$jobs" bzImage modules \
		>>"$work/build.log" 2>&1; then
		tail -n 40 "$work/build.log" >&2
		die "kernel build failed (log: $work/build.log)"
	fi
	echo $((SECONDS - t0)) >"$work/build-seconds"
	touch "$work/ok"
	rm -rf -- "$dest"
	mv -- "$work" "$dest"
	work=""
	msg "debug kernel built in $(($(cat "$dest/build-seconds") / 60)) min: $dest"
}

main() {
	local print_only="" key dest
	case ${1:-} in
	--print) print_only=1 ;;
	"") ;;
	*) die "usage: ${0##*/} [--print]" ;;
	esac
	key=$(cache_key)
	dest=$CACHE/$key
	if [ ! -f "$dest/ok" ]; then
		[ -z "$print_only" ] || exit 1
		# One build at a time per cache; a second caller waits, then reuses.
		mkdir -p -- "$CACHE"
		exec 9>"$CACHE/.lock"
		flock 9
		if [ ! -f "$dest/ok" ]; then
			# Holding the lock, any other build directory is a leftover
			# of a build that was killed hard (SIGKILL, a reboot).
			rm -rf -- "$CACHE"/.build.*
			build "$dest"
		fi
	fi
	printf '%s\n' "$dest/linux-source-6.1"
}

main "$@"

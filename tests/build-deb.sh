#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the Debian packages kftp-dkms and kftp-get (`make deb`) with
# `dpkg-buildpackage -us -uc -b`, from a clean copy of the tree, so that
# neither the build's products (kbuild's *.mod.c, user/kftp-get) reach the
# packages nor the build's droppings stay in the tree. dpkg-buildpackage
# writes its results into the copy's parent; they are moved to OUTDIR.
#
# Usage: tests/build-deb.sh [--version V] [--source] [OUTDIR]
#   OUTDIR     default .build/deb; its old *.deb, *.ddeb, *.changes and
#              *.buildinfo are removed first, so it holds one version only.
#   --version  package version V instead of VERSION's: the copy's VERSION
#              and a new debian/changelog entry say V (the upgrade test
#              builds version N+1 this way; the tree is not touched).
#   --source   the source package too (.dsc, .tar.xz), for lintian
#              (tests/lint.sh): `dpkg-buildpackage -us -uc`.
# The copy holds the files git knows of (tracked, and untracked but not
# ignored), as they are in the working tree; without git, everything but
# .git, .build and kbuild/compiler output.
# Needs dpkg-dev, debhelper and dh-dkms (tests/deps.sh --deb).
set -eu -o pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
version="" out="" what=-b
while [ $# -gt 0 ]; do
	case $1 in
	--version) version=${2:?--version needs a value}; shift 2 ;;
	--source) what=""; shift ;;
	-*) echo "usage: ${0##*/} [--version V] [--source] [OUTDIR]" >&2; exit 2 ;;
	*) out=$1; shift ;;
	esac
done
out=${out:-$REPO/.build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
[ -n "$version" ] || version=$(cat "$REPO/VERSION")

work=$(mktemp -d "$out/.build-deb.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
src=$work/kftp-$version
mkdir -p "$src"

if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# Deleted in the working tree but not yet in the index.
			[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
		done | tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$REPO" && tar --exclude=./.git --exclude=./.build \
		--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude='*.d' --exclude=modules.order \
		--exclude=Module.symvers --exclude=./user/kftp-get \
		--exclude=./tests/fuzz/kftp-fuzz -cf - .) | tar -xf - -C "$src"
fi

if [ "$version" != "$(cat "$src/VERSION")" ]; then
	printf '%s\n' "$version" >"$src/VERSION"
	{
		printf 'kftp (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Version %s, built by tests/build-deb.sh --version.\n\n' "$version"
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Maintainer)" \
			"$(date -R)"
		cat "$src/debian/changelog"
	} >"$src/debian/changelog.new"
	mv "$src/debian/changelog.new" "$src/debian/changelog"
fi

rm -f -- "$out"/*.deb "$out"/*.ddeb "$out"/*.changes "$out"/*.buildinfo \
	"$out"/*.dsc "$out"/*.tar.xz
# shellcheck disable=SC2086 # $what is one option or none
(cd "$src" && dpkg-buildpackage -us -uc $what)
mv -- "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out"/
for f in "$work"/*.ddeb "$work"/*.dsc "$work"/*.tar.xz; do
	[ ! -e "$f" ] || mv -- "$f" "$out"/
done
echo "${0##*/}: packages in $out:" >&2
(cd "$out" && ls -1 -- *.deb) >&2

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the DKMS packaging: `dkms build` of this tree for each kernel, in a
# private DKMS tree, so that the system's /var/lib/dkms and /usr/src are
# never touched (nothing is added, built or installed there).
#
# Usage: tests/dkms-build.sh [KVER...]
#   default: every installed kernel with both /lib/modules/KVER/build and
#   /boot/vmlinuz-KVER (the test lanes of tests/vm/lib.sh).
#
# Cases, TAP-like ("ok N - name" / "not ok N - name", "# " diagnostics):
#   - one version: the Makefile's KFTP_VERSION is the VERSION file's, and
#     debian/changelog's latest entry and the man pages' .TH lines carry it;
#   - dkms.conf's PACKAGE_NAME is kftp and its PACKAGE_VERSION is the
#     template "#MODULE_VERSION#" (dh_dkms and `make dkms-install` fill it);
#   - for each KVER: dkms build succeeds, and the module it keeps has that
#     kernel's vermagic and the package version;
#   - /var/lib/dkms and /usr/src look as they did before.
# Ends with "# dkms-build: P passed, F failed"; exits non-zero if any failed.
# Runs on the host as root (no module is loaded); needs dkms (tests/deps.sh).
set -u -o pipefail

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"
REPO=$KFTP_REPO

# What `make dkms-install` and the kftp-dkms package put in
# /usr/src/kftp-VERSION besides *.c and dkms.conf (see the Makefile's
# DKMS_FILES and debian/kftp-dkms.install); kbuild's *.mod.c are left out.
SOURCES=(Kbuild VERSION include)

work=""

cleanup() {
	[ -z "$work" ] || rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# check_same_version NAME GOT WANT
check_same_version() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "found '$2', VERSION says '$3'"
	fi
}

# The Makefile's KFTP_VERSION, as make itself sees it.
makefile_version() {
	make -s --no-print-directory -C "$REPO" -f Makefile -f - print-kftp-version \
		<<<$'print-kftp-version:\n\t@echo $(KFTP_VERSION)' 2>/dev/null
}

# debian/changelog's latest version, as dpkg reads it.
changelog_version() {
	dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version 2>/dev/null
}

# The "kftp X" of a man page's .TH line.
man_version() {
	sed -n 's/^\.TH .*"kftp \([^"]*\)".*/\1/p' "$1" | head -n 1
}

# dkms.conf is shell: read it as dkms does, in a subshell (it may refer to
# dkms's own variables, which are empty here).
dkms_conf_var() {
	(
		set +u
		# shellcheck disable=SC1091
		. "$REPO/dkms.conf" >/dev/null 2>&1
		eval "printf '%s\n' \"\${$1}\""
	)
}

# A listing that changes when anything below DIR is added, removed or
# modified (a missing DIR lists as nothing).
snapshot() {
	[ -e "$1" ] || { echo "(absent)"; return; }
	find "$1" -maxdepth 3 -printf '%p %y %s %T@ %C@\n' 2>/dev/null | LC_ALL=C sort
}

# Where dkms keeps the module it built for KVER (kftp.ko, or .ko.xz etc.
# on kernels that compress modules).
built_module() {
	local d=$work/tree/kftp/$version/$1
	find "$d" -path '*/module/kftp.ko*' -type f 2>/dev/null | head -n 1
}

build_for() {
	local kver=$1 log=$work/dkms-$1.log mod vermagic modver rc=0
	if [ ! -d "/lib/modules/$kver/build" ]; then
		not_ok "dkms build for $kver" "/lib/modules/$kver/build not found: install linux-headers-$kver"
		return
	fi
	# The signing key dkms makes (and uses) lives in the private tree too:
	# its default is /var/lib/dkms/mok.key. TMPDIR: dkms's own temp files.
	env TMPDIR="$work/tmp" \
		mok_signing_key="$work/mok.key" mok_certificate="$work/mok.pub" \
		dkms build -m kftp -v "$version" -k "$kver" \
		--dkmstree "$work/tree" --sourcetree "$work/src" \
		</dev/null >"$log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		not_ok "dkms build for $kver" "dkms build exited $rc"
		diag "$(tail -n 20 "$log")"
		# dkms leaves the make log in the build directory on failure.
		local mlog=$work/tree/kftp/$version/build/make.log
		[ ! -f "$mlog" ] || { diag "make.log:"; diag "$(tail -n 40 "$mlog")"; }
		return
	fi
	mod=$(built_module "$kver")
	if [ -z "$mod" ]; then
		not_ok "dkms build for $kver" "dkms build succeeded but kept no kftp.ko*"
		diag "$(tail -n 20 "$log")"
		return
	fi
	vermagic=$(modinfo -F vermagic "$mod" 2>&1)
	modver=$(modinfo -F version "$mod" 2>&1)
	if [ "${vermagic%% *}" != "$kver" ]; then
		not_ok "dkms build for $kver" "${mod#"$work"/}: vermagic '$vermagic'"
	elif [ "$modver" != "$version" ]; then
		not_ok "dkms build for $kver" "${mod#"$work"/}: version '$modver', expected '$version'"
	else
		ok "dkms build for $kver"
		diag "  ${mod#"$work"/}"
	fi
}

main() {
	local -a kvers=("$@")
	local file_version mk_version name bmn dml src_before tree_before k f

	if [ "${#kvers[@]}" -eq 0 ]; then
		mapfile -t kvers < <(installed_kvers)
		[ "${#kvers[@]}" -gt 0 ] ||
			die "no kernel has both /boot/vmlinuz-KVER and /lib/modules/KVER/build (run tests/deps.sh)"
	fi

	# ---- one version: VERSION, the Makefile, changelog, man pages, dkms.conf
	file_version=$(cat "$REPO/VERSION" 2>/dev/null)
	mk_version=$(makefile_version)
	version=$(dkms_conf_var PACKAGE_VERSION)
	name=$(dkms_conf_var PACKAGE_NAME)
	bmn=$(dkms_conf_var 'BUILT_MODULE_NAME[0]')
	dml=$(dkms_conf_var 'DEST_MODULE_LOCATION[0]')
	if [ -z "$file_version" ]; then
		not_ok "Makefile KFTP_VERSION equals VERSION" "cannot read $REPO/VERSION"
	elif [ "$mk_version" != "$file_version" ]; then
		not_ok "Makefile KFTP_VERSION equals VERSION" \
			"Makefile KFTP_VERSION='$mk_version', VERSION='$file_version'"
	else
		ok "Makefile KFTP_VERSION equals VERSION ($file_version)"
	fi
	check_same_version "debian/changelog's version equals VERSION" \
		"$(changelog_version)" "$file_version"
	for f in "$REPO"/man/*.[0-9]; do
		check_same_version "${f#"$REPO"/}: .TH says kftp $file_version" \
			"$(man_version "$f")" "$file_version"
	done
	if [ "$version" = "#MODULE_VERSION#" ]; then
		ok "dkms.conf PACKAGE_VERSION is the template #MODULE_VERSION#"
	else
		not_ok "dkms.conf PACKAGE_VERSION is the template #MODULE_VERSION#" \
			"PACKAGE_VERSION='$version': the version lives in VERSION only"
	fi
	version=${file_version:-0}
	if [ "$name" = kftp ] && [ "$bmn" = kftp ] && [ "$dml" = /updates/dkms ]; then
		ok "dkms.conf names package kftp, module kftp, in /updates/dkms"
	else
		not_ok "dkms.conf names package kftp, module kftp, in /updates/dkms" \
			"PACKAGE_NAME='$name' BUILT_MODULE_NAME[0]='$bmn' DEST_MODULE_LOCATION[0]='$dml'"
	fi

	if ! command -v dkms >/dev/null 2>&1; then
		for k in "${kvers[@]}"; do
			not_ok "dkms build for $k" "dkms is not installed (run tests/deps.sh)"
		done
		summary
		return
	fi
	diag "$(dkms --version 2>&1 | head -n 1), kernels: ${kvers[*]}"

	src_before=$(snapshot /usr/src)
	tree_before=$(snapshot /var/lib/dkms)

	# ---- a private source tree and DKMS tree
	work=$(mktemp -d "${TMPDIR:-/tmp}/kftp-dkms.XXXXXX") || die "mktemp failed"
	mkdir -p "$work/src/kftp-$version" "$work/tree" "$work/tmp"
	sed "s/#MODULE_VERSION#/$version/" "$REPO/dkms.conf" \
		>"$work/src/kftp-$version/dkms.conf" || die "cannot write dkms.conf"
	for f in "${SOURCES[@]}"; do
		cp -r -- "$REPO/$f" "$work/src/kftp-$version/" || die "cannot copy $f"
	done
	for f in "$REPO"/*.c; do
		case $f in *.mod.c) continue ;; esac
		cp -- "$f" "$work/src/kftp-$version/" || die "cannot copy $f"
	done

	for k in "${kvers[@]}"; do
		build_for "$k"
	done

	if [ "$(snapshot /usr/src)" = "$src_before" ] &&
	   [ "$(snapshot /var/lib/dkms)" = "$tree_before" ]; then
		ok "system /var/lib/dkms and /usr/src untouched"
	else
		not_ok "system /var/lib/dkms and /usr/src untouched" \
			"$(diff <(echo "$tree_before"; echo "$src_before") \
				<(snapshot /var/lib/dkms; snapshot /usr/src) | head -n 20)"
	fi
	summary
}

summary() {
	printf '1..%d\n' "$T_N"
	printf '# dkms-build: %d passed, %d failed\n' "$T_PASS" "$T_FAIL"
}

main "$@"
[ "$T_FAIL" = 0 ]

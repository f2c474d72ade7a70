#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh START_N: `make install` / `make uninstall` of the built tree,
# and the installed module and CLI at work.
#
# Part of the in-guest suite: runs INSIDE the QEMU guest (tests/vm/run-vm.sh)
# as root, with cwd = the repo root, after the suite has unloaded kftp.ko:
# the module must NOT be loaded, and nothing of kftp may be installed yet.
# It installs into the guest's / (a tmpfs overlay over the host's root: the
# host is never written), so it must never run on a host.
#
#   1. copies the built tree (kftp.ko, user/kftp-get, man/, Makefile,
#      Kbuild, sources, kbuild's .cmd files) to a temporary directory and
#      runs `make KVER=$(uname -r) install` there. The copy is bind-mounted
#      on the directory the module was built in (on the host; kbuild records
#      it, see build_dir), in a private mount namespace, for every make:
#      kbuild's .cmd files record the absolute M= directory, so in any other
#      path it would recompile the module (minutes under TCG) instead of
#      installing what was built; writes still land in the copy;
#   2. checks the installed files: /lib/modules/KVER/updates/kftp.ko*,
#      /usr/local/bin/kftp-get, man1/kftp-get.1 and man4/kftp.4 under
#      /usr/local/share/man;
#   3. `modprobe kftp` (not insmod) loads the installed module, /dev/kftp
#      appears, and `modinfo -F version kftp` equals `kftp-get --version`;
#   4. the installed /usr/local/bin/kftp-get downloads a file from a
#      pyftpdlib started here (tests/servers/pyftpd.py), sha256 compared;
#   5. `modprobe -r kftp`, then `make uninstall` removes every file and
#      `modinfo kftp` fails;
#   6. `make install DESTDIR=STAGE` puts everything under STAGE and writes
#      nothing outside it.
#
# Output: "ok N - install: name" / "not ok N - install: name" numbered from
# START_N, "# " diagnostics, and a last "# install: P passed, F failed".
# Exits 0 iff every case passed. A case that cannot run fails. Everything it
# starts (pyftpdlib) is stopped, and whatever it installed or loaded is
# removed again, on any exit.

set -u
umask 022

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# This part wants the module unloaded (c_install_prereq checks that).
PART_NO_MODULE=1
part_init install "$@"

KVER=$(uname -r)
FTP_PORT=${INSTALL_FTP_PORT:-2141}
# Every command is bounded: a hang is one failed case, not a stuck VM.
MAKE_TIMEOUT=${INSTALL_MAKE_TIMEOUT:-1200}

PREFIX=/usr/local
MODDIR=/lib/modules/$KVER/updates
BIN=$PREFIX/bin/kftp-get
MAN1=$PREFIX/share/man/man1/kftp-get.1
MAN4=$PREFIX/share/man/man4/kftp.4

WORK=
TREE=		# the copy of the built tree
BUILT=		# where kbuild built it (see build_dir)
BIND_OK=	# the copy can be bind-mounted on $BUILT (see tree_make)
STAGE=		# DESTDIR
FTPD_PID=
LOADED=		# we ran modprobe kftp
INSTALLED=	# we ran make install (without DESTDIR)

# ---------------------------------------------------------------- helpers

# run_logged LOG CMD...: run CMD (bounded) with its output in LOG; on
# failure show the end of LOG.
run_logged() {
	local log=$1 rc=0
	shift
	timeout -k 10 "$MAKE_TIMEOUT" "$@" >"$log" 2>&1 </dev/null || rc=$?
	[ "$rc" = 0 ] && return 0
	diag "$* exited $rc"
	diag "$(tail -n 30 "$log")"
	return 1
}

# build_dir: the directory kbuild built kftp.ko in (M=), as its .cmd file
# records it: the host's path of the checkout, which the guest sees at
# /kftp. The repo's own path if that cannot be read.
build_dir() {
	local line
	IFS= read -r line <"$REPO/.kftp.ko.cmd" 2>/dev/null
	line=${line%%" := "*}
	line=${line#saved}
	line=${line#cmd_}
	case $line in
	/*/kftp.ko) printf '%s\n' "${line%/kftp.ko}" ;;
	*) printf '%s\n' "$REPO" ;;
	esac
}

# tree_make LOG ARGS...: `make ARGS` in the copy of the tree, seen at the
# path it was built in (bind mount in a private mount namespace: nobody
# else sees it, and it ends with the command). Without that, make runs in
# the copy.
tree_make() {
	local log=$1
	shift
	if [ -n "$BIND_OK" ]; then
		# shellcheck disable=SC2016 # expanded by the inner bash
		run_logged "$log" unshare -m --propagation private bash -c \
			'mkdir -p "$0" && mount --bind "$1" "$0" && shift && exec make -C "$0" "$@"' \
			"$BUILT" "$TREE" "$@"
	else
		run_logged "$log" make -C "$TREE" "$@"
	fi
}

# installed_module [ROOT]: the kftp.ko* that make install put there.
installed_module() {
	local f
	for f in "${1:-}$MODDIR"/kftp.ko "${1:-}$MODDIR"/kftp.ko.xz \
		 "${1:-}$MODDIR"/kftp.ko.zst "${1:-}$MODDIR"/kftp.ko.gz; do
		[ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
	done
	return 1
}

# ---------------------------------------------------------------- cleanup

# Put the guest back as we found it, whatever happened: server stopped,
# module unloaded, installed files removed, temporary tree deleted.
cleanup() {
	stop_pid "$FTPD_PID" pyftpd >/dev/null 2>&1
	if [ -n "$LOADED" ] && module_loaded; then
		modprobe -r kftp >/dev/null 2>&1 || rmmod kftp >/dev/null 2>&1
	fi
	if [ -n "$INSTALLED" ] && [ -n "$TREE" ] && [ -d "$TREE" ]; then
		MAKE_TIMEOUT=300 tree_make "$WORK/cleanup.log" KVER="$KVER" uninstall >/dev/null
	fi
	[ -z "$WORK" ] || rm -rf -- "$WORK"
}
on_exit cleanup

# ================================================================ cases

c_install_prereq() {
	local rc=0 f magic
	[ "$(id -u)" = 0 ] || { diag "must run as root, in the test VM"; rc=1; }
	[ -n "${KFTP_VM:-}" ] || { diag "KFTP_VM is not set: this installs into /, run it in the VM only"; return 1; }
	for f in kftp.ko user/kftp-get man/kftp-get.1 man/kftp.4 Makefile Kbuild; do
		[ -f "$REPO/$f" ] || { diag "$REPO/$f missing (run make first)"; rc=1; }
	done
	if [ -f "$REPO/kftp.ko" ]; then
		magic=$(modinfo -F vermagic "$REPO/kftp.ko" 2>&1)
		[ "${magic%% *}" = "$KVER" ] ||
			{ diag "$REPO/kftp.ko is built for '${magic%% *}', the guest runs $KVER"; rc=1; }
	fi
	[ -d "/lib/modules/$KVER/build" ] ||
		{ diag "/lib/modules/$KVER/build missing: make install cannot run"; rc=1; }
	if module_loaded; then
		diag "kftp is loaded: this part runs after the suite's rmmod"
		rc=1
	fi
	# A kftp already installed (on the host, seen through 9p) would make
	# the checks below meaningless.
	for f in "$BIN" "$MAN1" "$MAN4" $(installed_module); do
		[ ! -e "$f" ] || { diag "$f exists before make install"; rc=1; }
	done
	if modinfo kftp >/dev/null 2>&1; then
		diag "modinfo kftp finds a module before make install: $(modinfo -n kftp 2>&1)"
		rc=1
	fi
	[ -x "$PYTHON" ] || { diag "$PYTHON missing"; rc=1; }
	return $rc
}

# The built tree, build products included, with timestamps kept to the
# nanosecond (POSIX tar format), so that make finds everything up to date.
# tests/ and .git/ are not needed.
c_copy() {
	WORK=$(mktemp -d /tmp/kftp-install.XXXXXX) || return 1
	TREE=$WORK/tree
	STAGE=$WORK/stage
	mkdir -p "$TREE" "$STAGE" "$WORK/ftp" "$WORK/out" || return 1
	if ! (cd "$REPO" && tar --format=posix --exclude=./.git --exclude=./.build \
		--exclude=./tests -cf - .) | tar -xf - -C "$TREE"; then
		diag "cannot copy $REPO to $TREE"
		return 1
	fi
	local f
	for f in kftp.ko user/kftp-get man/kftp-get.1 man/kftp.4 Makefile Kbuild kftp.c; do
		[ -f "$TREE/$f" ] || { diag "$TREE/$f missing after the copy"; return 1; }
	done
	: >"$TREE/.kftp-install-probe"
	BUILT=$(build_dir)
	# shellcheck disable=SC2016 # expanded by the inner bash
	if unshare -m --propagation private bash -c \
		'mkdir -p "$0" && mount --bind "$1" "$0" && [ -e "$0/.kftp-install-probe" ]' \
		"$BUILT" "$TREE" >/dev/null 2>&1; then
		BIND_OK=1
	else
		diag "  cannot bind-mount the copy on $BUILT: make runs in $TREE and rebuilds kftp.ko"
	fi
	rm -f "$TREE/.kftp-install-probe"
	return 0
}

c_make_install() {
	local t0=$SECONDS ko_before
	ko_before=$(sha_of "$TREE/kftp.ko")
	INSTALLED=1
	tree_make "$WORK/install.log" KVER="$KVER" install || return 1
	if [ "$(sha_of "$TREE/kftp.ko")" = "$ko_before" ]; then
		diag "  make install took $((SECONDS - t0)) s, installed kftp.ko as built"
	else
		diag "  make install took $((SECONDS - t0)) s, and rebuilt kftp.ko (sources newer than the build?)"
	fi
}

c_files() {
	local rc=0 mod magic
	mod=$(installed_module) || { diag "no kftp.ko* in $MODDIR: $(ls -la "$MODDIR" 2>&1)"; rc=1; }
	if [ -n "$mod" ]; then
		magic=$(modinfo -F vermagic "$mod" 2>&1)
		check_eq "vermagic of $mod" "$KVER" "${magic%% *}" || rc=1
	fi
	[ -x "$BIN" ] || { diag "$BIN missing or not executable"; rc=1; }
	check_eq "mode of $BIN" 755 "$(stat -c %a "$BIN" 2>&1)" || rc=1
	check_eq "$BIN" "$(sha_of "$TREE/user/kftp-get")" "$(sha_of "$BIN")" || rc=1
	check_eq "mode of $MAN1" 644 "$(stat -c %a "$MAN1" 2>&1)" || rc=1
	check_eq "mode of $MAN4" 644 "$(stat -c %a "$MAN4" 2>&1)" || rc=1
	cmp -s "$TREE/man/kftp-get.1" "$MAN1" || { diag "$MAN1 differs from man/kftp-get.1"; rc=1; }
	cmp -s "$TREE/man/kftp.4" "$MAN4" || { diag "$MAN4 differs from man/kftp.4"; rc=1; }
	# depmod ran: modprobe will find the module by name.
	check_eq "modinfo -n kftp" "$mod" "$(modinfo -n kftp 2>&1)" || rc=1
	# The samples/kecho module is built by make, never installed.
	check_eq "kecho.ko* installed" "" \
		"$(find "/lib/modules/$KVER" -name 'kecho.ko*' 2>&1)" || rc=1
	return $rc
}

# man may name the page through a link (Debian: /usr/local/man -> share/man).
c_man_finds() {
	local rc=0 got
	got=$(man -w 1 kftp-get 2>&1)
	check_eq "man -w 1 kftp-get ($got)" "$MAN1" "$(realpath -e -- "$got" 2>&1)" || rc=1
	got=$(man -w 4 kftp 2>&1)
	check_eq "man -w 4 kftp ($got)" "$MAN4" "$(realpath -e -- "$got" 2>&1)" || rc=1
	return $rc
}

c_modprobe() {
	modprobe_kftp || return 1
	module_loaded || { diag "/sys/module/kftp missing after modprobe"; return 1; }
	# The module modprobe loaded is the installed file, not some other kftp.
	check_eq "srcversion of the loaded module" \
		"$(modinfo -F srcversion "$(installed_module)" 2>&1)" \
		"$(cat /sys/module/kftp/srcversion 2>&1)"
}

c_versions() {
	local mod_v cli_v sys_v rc=0
	mod_v=$(modinfo -F version kftp 2>&1)
	cli_v=$("$BIN" --version 2>&1)
	cli_v=${cli_v##* }
	sys_v=$(cat /sys/module/kftp/version 2>&1)
	[ -n "$mod_v" ] || { diag "modinfo -F version kftp is empty"; rc=1; }
	check_eq "modinfo -F version kftp vs kftp-get --version" "$mod_v" "$cli_v" || rc=1
	check_eq "/sys/module/kftp/version" "$mod_v" "$sys_v" || rc=1
	[ "$rc" = 0 ] && diag "  version $mod_v"
	return $rc
}

c_download() {
	local want rc=0 krc=0 err left
	# Random bytes, not a multiple of any buffer size.
	head -c 3000017 /dev/urandom >"$WORK/ftp/payload.bin" || return 1
	want=$(sha_of "$WORK/ftp/payload.bin")
	FTPD_PID=
	start_pyftpd "$WORK/ftp" "$FTP_PORT" "$WORK/pyftpd.log" || rc=1
	FTPD_PID=$SERVER_PID
	[ "$rc" = 0 ] || { stop_pid "$FTPD_PID" pyftpd; FTPD_PID=; return 1; }
	(cd "$WORK/out" && timeout -k 5 "$KGET_TIMEOUT" "$BIN" -q \
		"ftp://127.0.0.1:$FTP_PORT/payload.bin" >"$WORK/kget.out" 2>"$WORK/kget.err" </dev/null) || krc=$?
	err=$(cat "$WORK/kget.err" "$WORK/kget.out")
	if [ "$krc" != 0 ]; then
		diag "$BIN ftp://127.0.0.1:$FTP_PORT/payload.bin exited $krc"
		[ -z "$err" ] || diag "output: $err"
		rc=1
	else
		check_eq "sha256 of the download" "$want" "$(sha_of "$WORK/out/payload.bin")" || rc=1
		[ -z "$err" ] || { diag "-q, yet it printed: $err"; rc=1; }
	fi
	left=$(find "$WORK/out" -name '.*.kftp-*')
	[ -z "$left" ] || { diag "temp files left: $left"; rc=1; }
	stop_pid "$FTPD_PID" pyftpd || rc=1
	FTPD_PID=
	[ "$rc" = 0 ] || diag "$(tail -n 15 "$WORK/pyftpd.log" 2>/dev/null)"
	return $rc
}

c_uninstall() {
	local rc=0 f left
	tree_make "$WORK/uninstall.log" KVER="$KVER" uninstall || return 1
	INSTALLED=
	for f in "$BIN" "$MAN1" "$MAN4"; do
		[ ! -e "$f" ] || { diag "$f still exists"; rc=1; }
	done
	left=$(installed_module) && { diag "$left still exists"; rc=1; }
	if modinfo kftp >/dev/null 2>&1; then
		diag "modinfo kftp still finds $(modinfo -n kftp 2>&1)"
		rc=1
	fi
	if modprobe -n kftp >/dev/null 2>&1; then
		diag "modprobe -n kftp still finds the module"
		rc=1
	fi
	return $rc
}

# What an install could change outside DESTDIR, cheaply: stat(2) over 9p
# costs milliseconds under TCG, so big directories are listed by name only.
system_snapshot() {
	stat -c '%n %s %Y %Z' "/lib/modules/$KVER" "/lib/modules/$KVER"/* \
		"$PREFIX" "$PREFIX/bin" "$PREFIX/share/man" "$PREFIX/share/man/man1" \
		"$PREFIX/share/man/man4" /usr/share/man/man1 /usr/share/man/man4 2>&1
	ls -A "$MODDIR" "$PREFIX/bin" "$PREFIX/share/man/man1" \
		"$PREFIX/share/man/man4" 2>&1
}

# Files of ours anywhere an install might put them, by name.
kftp_files() {
	find "/lib/modules/$KVER" "$PREFIX" /usr/share/man /etc \
		\( -name 'kftp*' -o -name '*kftp-get*' \) -print 2>/dev/null | sort
}

# The guest's / is an overlay whose upper layer (a tmpfs) receives every
# write; /init (PID 1) keeps it at /upper/upper in its own root. Anything
# there changed since MARK was written outside /tmp during the install.
OVERLAY_UPPER=/proc/1/root/upper/upper
upper_changed_since() {
	[ -d "$OVERLAY_UPPER" ] || return 0
	find "$OVERLAY_UPPER" \( -newer "$1" -o -cnewer "$1" \) -print 2>/dev/null |
		sed "s|^$OVERLAY_UPPER||" | sort
}

c_destdir() {
	local rc=0 mark=$WORK/mark changed mod f
	# Before and after both go to files for diff: an empty list (no kftp*
	# file before) must compare as empty, and echo of an empty variable
	# would make it one blank line.
	system_snapshot >"$WORK/snap.before"
	# Files named kftp* that were there already (deps.sh's apt source for
	# bookworm-backports, unless that source existed before deps.sh ran)
	# are not the install's.
	kftp_files >"$WORK/kftp.before"
	touch "$mark"
	# Some filesystems keep whole-second times: be sure later writes are newer.
	sleep 1.1
	tree_make "$WORK/destdir.log" KVER="$KVER" DESTDIR="$STAGE" install || return 1
	mod=$(installed_module "$STAGE") || { diag "no kftp.ko* under $STAGE$MODDIR"; rc=1; }
	for f in "$STAGE$BIN" "$STAGE$MAN1" "$STAGE$MAN4"; do
		[ -f "$f" ] || { diag "$f missing"; rc=1; }
	done
	# depmod -b STAGE indexed the staged module.
	grep -q '^updates/kftp\.ko' "$STAGE/lib/modules/$KVER/modules.dep" 2>/dev/null ||
		{ diag "kftp not in $STAGE/lib/modules/$KVER/modules.dep"; rc=1; }
	# Nothing outside STAGE: the places an install writes to look as
	# before, no kftp file exists outside, and the overlay saw no write.
	# (files, not <(...): the guest has no /dev/fd)
	system_snapshot >"$WORK/snap.after"
	changed=$(diff "$WORK/snap.before" "$WORK/snap.after")
	[ -z "$changed" ] || { diag "changed outside DESTDIR:"; diag "$changed"; rc=1; }
	kftp_files >"$WORK/kftp.after"
	changed=$(diff "$WORK/kftp.before" "$WORK/kftp.after")
	[ -z "$changed" ] || { diag "kftp files outside DESTDIR:"; diag "$changed"; rc=1; }
	if [ -d "$OVERLAY_UPPER" ]; then
		changed=$(upper_changed_since "$mark")
		[ -z "$changed" ] || { diag "written to / during the DESTDIR install:"; diag "$changed"; rc=1; }
	else
		diag "  ($OVERLAY_UPPER not found: overlay write check skipped)"
	fi
	if modinfo kftp >/dev/null 2>&1; then
		diag "modinfo kftp finds $(modinfo -n kftp 2>&1) after a DESTDIR install"
		rc=1
	fi
	[ -n "$mod" ] && [ "$rc" = 0 ] &&
		diag "  staged: $(cd "$STAGE" && find . -type f ! -name 'modules.*' | sort | tr '\n' ' ')"
	return $rc
}

# ================================================================ run

tcase "prerequisites: root in the VM, tree built for $KVER, kftp not loaded or installed" c_install_prereq ||
	SUITE_ABORT=${SUITE_ABORT:-"prerequisites not met"}
tcase "copy of the built tree in a temporary directory" c_copy ||
	SUITE_ABORT=${SUITE_ABORT:-"cannot copy the tree"}
tcase "make install KVER=$KVER" c_make_install || SUITE_ABORT=${SUITE_ABORT:-"make install failed"}
tcase "installed: $MODDIR/kftp.ko*, $BIN, man1/kftp-get.1, man4/kftp.4" c_files
tcase "man -w finds the installed kftp-get(1) and kftp(4)" c_man_finds
if tcase "modprobe kftp loads the installed module, /dev/kftp appears" c_modprobe; then
	tcase "modinfo -F version kftp equals kftp-get --version" c_versions
	tcase "installed kftp-get downloads from pyftpdlib, sha256 matches" c_download
	tcase "modprobe -r kftp unloads it, /dev/kftp removed" modprobe_r_kftp
else
	P_SAVED=$SUITE_ABORT SUITE_ABORT="modprobe kftp failed"
	tcase "modinfo -F version kftp equals kftp-get --version" c_versions
	tcase "installed kftp-get downloads from pyftpdlib, sha256 matches" c_download
	tcase "modprobe -r kftp unloads it, /dev/kftp removed" modprobe_r_kftp
	SUITE_ABORT=$P_SAVED
fi
tcase "make uninstall removes every file, modinfo kftp fails" c_uninstall
tcase "make install DESTDIR=STAGE writes under STAGE only" c_destdir

part_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh START_N: the Debian packages kftp-dkms and kftp-get, installed,
# upgraded and purged with apt in the guest.
#
# Part of the in-guest suite: runs INSIDE the QEMU guest (tests/vm/run-vm.sh)
# as root, with cwd = the repo root, after the suite has unloaded kftp.ko
# (like install.sh): the module must not be loaded, and no kftp package may
# be installed. It installs into the guest's / (a tmpfs overlay over the
# host's root: the host is never written), so it must never run on a host.
#
# The packages are built on the host before the VM boots (tests/check.sh):
#   .build/deb/       version N   = VERSION         (`make deb`)
#   .build/deb-next/  version N+1 (tests/build-deb.sh --version, test only)
# The guest has no network: apt-get installs the local .debs, and their
# dependencies (dkms, libc6) come from the host's root.
#
#   1. `apt-get install ./kftp-dkms_N_all.deb ./kftp-get_N_*.deb`;
#   2. `dkms status` shows kftp/N built and installed for the running kernel,
#      the module sits in /lib/modules/KVER/updates/dkms, modules-load.d
#      names it; `modprobe kftp` loads it, /dev/kftp appears, and the module,
#      /sys/module/kftp/version and /usr/bin/kftp-get --version say N;
#   3. /usr/bin/kftp-get downloads a file from vsftpd (sha256 compared);
#   4. `man kftp-get` and `man 4 kftp` render; the bash completion parses;
#   5. upgrade to N+1 with apt-get install: DKMS rebuilt the module, only
#      N+1 is known to DKMS, and no file of N is left;
#   6. `apt-get purge` of both: every file they (and DKMS for them)
#      installed is gone, DKMS has no kftp entry, the file list equals the
#      one taken before step 1, and nothing new was written outside apt's,
#      dpkg's and DKMS's own bookkeeping;
#   7. tests/deps.sh installs vsftpd without starting or enabling it (the
#      build leaves the host alone; packaging like the rest, so here).
#
# Time: DKMS builds the module twice (N, then N+1) under TCG. dkms's
# postinst builds for the running kernel and the newest installed one; the
# guest sees the host's headers for every lane, so the other kernels'
# headers are hidden from this part (a bind mount of an empty directory, in
# a private mount namespace) to build for the running kernel only: DKMS's
# build for another kernel is what tests/dkms-build.sh checks on the host.
# Each build took about 140 s under TCG, nearly all of it gcc: the host
# runs the same two builds first into a compiler cache
# (tests/warm-dkms-cache.sh), which DKMS here uses through Debian's switch
# for ccache in its headers; the diagnostics give its hits and misses.

# A private mount namespace for the header hiding; nobody else sees it and
# it ends with this part.
if [ -z "${KFTP_DEB_NS:-}" ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
	KFTP_DEB_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Installing needs kftp unloaded: suite.sh runs us after rmmod.
PART_NO_MODULE=1
part_init deb "$@"

export LC_ALL=C DEBIAN_FRONTEND=noninteractive
umask 022

KVER=$(uname -r)
DEB_N_DIR=$REPO/.build/deb
DEB_NEXT_DIR=$REPO/.build/deb-next
BIN=/usr/bin/kftp-get
# apt and dpkg each bounded: a hang is one failed case.
APT_TIMEOUT=${DEB_APT_TIMEOUT:-1200}
OVERLAY_ROOT=/proc/1/root
OVERLAY_UPPER=$OVERLAY_ROOT/upper/upper
OVERLAY_LOWER=$OVERLAY_ROOT/lower

WORK=
V_N='' V_NEXT=''
DEB_ABORT=	# why no further case can run
INSTALLED=	# we installed a package: purge it on exit
LOADED=
T_APT=0
LOGS=
FILES_N=	# dpkg -L of both packages at version N
FILES_NEXT=
POLICY_SAVED=	# the image's policy-rc.d, moved away by c_deps_vsftpd

# dcase NAME FUNC [ARGS...]: tcase, unless an earlier failure left nothing
# to test (then the case fails, saying why).
dcase() {
	local name=$1
	shift
	tcase "$name" d_guard "$@"
}
d_guard() {
	if [ -n "$DEB_ABORT" ]; then
		diag "not run: $DEB_ABORT"
		return 1
	fi
	"$@"
}

# The .deb files of one build: kftp-dkms, then kftp-get (no -dbgsym).
debs_in() {
	local dkms get
	dkms=$(ls -1 "$1"/kftp-dkms_*_all.deb 2>/dev/null)
	get=$(ls -1 "$1"/kftp-get_*.deb 2>/dev/null)
	[ "$(printf '%s\n' "$dkms" | wc -l)" = 1 ] && [ -n "$dkms" ] &&
		[ "$(printf '%s\n' "$get" | wc -l)" = 1 ] && [ -n "$get" ] || return 1
	printf '%s\n%s\n' "$dkms" "$get"
}

# A .deb's version, from its name (PACKAGE_VERSION_ARCH.deb, as
# dpkg-buildpackage names it): dpkg-deb -f took seconds each under TCG.
deb_version() {
	local b=${1##*/}
	b=${b#*_}
	printf '%s\n' "${b%_*}"
}

# "ii", "rc", ... ("" if dpkg never heard of it); dpkg pads it to 3 chars.
pkg_state() {
	local st
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)
	printf '%s\n' "${st%% *}"
}

# stdout only: on 6.12, dkms's compiler check has readelf warn on stderr
# ("Section '.comment' was not dumped") on every call.
dkms_kftp() {
	dkms status -m kftp 2>/dev/null
}

# Where the packages and DKMS put things, by name: a file list to compare
# before and after. Small directories only, readdir only: listing
# /usr/src in full (kernel headers) over 9p took 5 minutes under TCG, and
# /usr/share/man/man1 (18,000 names) most of a minute. Each file the
# packages held is checked by name (dpkg -L), and anything else created
# anywhere by created_files below.
file_list() {
	{
		find /usr/src "/lib/modules/$KVER" -maxdepth 1
		find /usr/src/kftp-* "/lib/modules/$KVER/updates" /var/lib/dkms \
			/usr/lib/modules-load.d /etc/modules-load.d /etc/dkms \
			/usr/share/bash-completion/completions
	} 2>/dev/null | LC_ALL=C sort -u |
		# DKMS's own signing key, made on its first build for any module
		# and kept for all of them: not kftp's to remove. updates/ is
		# shared by every out-of-tree module; whether an empty one stays
		# (install.sh's `make uninstall` leaves it, DKMS removes it) is
		# none of kftp's business.
		# (-F for the latter: a release such as 6.12.95+deb12 holds a '+'.)
		grep -vxE '/var/lib/dkms/mok\.(key|pub)' | grep -vxF "/lib/modules/$KVER/updates"
}

# New files in the overlay's upper layer that the lower layer (the host)
# does not have: what an install or purge created. Copy-ups (a modified
# host file, such as modules.dep or dpkg's status) are left out.
created_files() {
	[ -d "$OVERLAY_UPPER" ] || return 0
	(cd "$OVERLAY_UPPER" && find . \( -type f -o -type l \) -print) 2>/dev/null |
		sed 's|^\.||' | LC_ALL=C sort |
		while IFS= read -r p; do
			[ -e "$OVERLAY_LOWER$p" ] || [ -L "$OVERLAY_LOWER$p" ] || printf '%s\n' "$p"
		done
}

# Bookkeeping that apt, dpkg and man-db keep whatever is installed, and
# DKMS's signing key (made once on the first build, not for kftp).
bookkeeping() {
	grep -vE '^/(tmp|run|root|var/(log|cache|tmp|backups)|var/lib/(apt|dpkg|man-db|systemd))/|^/var/lib/dkms/mok\.(key|pub)$|^/var/lib/dkms/[^/]*\.(key|pub)$'
}

# Hide every other kernel's headers: dkms's postinst then builds for the
# running kernel only (see the top).
hide_other_headers() {
	local d empty=$WORK/empty
	[ -n "${KFTP_DEB_NS:-}" ] || { diag "  no private mount namespace: dkms builds for every kernel"; return 0; }
	mkdir -p "$empty" || return 1
	for d in /lib/modules/*/build; do
		[ "$d" = "/lib/modules/$KVER/build" ] && continue
		[ -d "$d/" ] || continue
		mount --bind "$empty" "$d" ||
			{ diag "cannot hide $d"; return 1; }
		diag "  hidden from dkms: $d"
	done
}

cleanup() {
	stop_pid "${VSFTPD_PID:-}" vsftpd >/dev/null 2>&1
	if [ -n "$LOADED" ] && module_loaded; then
		modprobe -r kftp >/dev/null 2>&1 || rmmod kftp >/dev/null 2>&1
	fi
	if [ -n "$INSTALLED" ]; then
		timeout -k 10 600 apt-get purge -y kftp-dkms kftp-get >/dev/null 2>&1 </dev/null
	fi
	rm -f -- "$FTP_ROOT/deb-payload.bin"
	[ -z "$POLICY_SAVED" ] || mv -f "$POLICY_SAVED" /usr/sbin/policy-rc.d
	[ -z "$WORK" ] || rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ================================================================ cases

c_deb_prereq() {
	local rc=0 p d st t0=$SECONDS
	[ "$(id -u)" = 0 ] || { diag "must run as root, in the test VM"; rc=1; }
	[ -n "${KFTP_VM:-}" ] ||
		{ diag "KFTP_VM is not set: this installs packages into /, run it in the VM only"; return 1; }
	for d in "$DEB_N_DIR" "$DEB_NEXT_DIR"; do
		debs_in "$d" >/dev/null ||
			{ diag "$d: want one kftp-dkms_*_all.deb and one kftp-get_*.deb (tests/check.sh builds them): $(echo "$d"/*)"; rc=1; }
	done
	if [ "$rc" = 0 ]; then
		mapfile -t DEBS_N < <(debs_in "$DEB_N_DIR")
		mapfile -t DEBS_NEXT < <(debs_in "$DEB_NEXT_DIR")
		V_N=$(deb_version "${DEBS_N[0]}")
		V_NEXT=$(deb_version "${DEBS_NEXT[0]}")
		check_eq "version of ${DEBS_N[0]##*/}" "$(cat "$REPO/VERSION")" "$V_N" || rc=1
		check_eq "version of ${DEBS_N[1]##*/}" "$V_N" "$(deb_version "${DEBS_N[1]}")" || rc=1
		check_eq "version of ${DEBS_NEXT[1]##*/}" "$V_NEXT" "$(deb_version "${DEBS_NEXT[1]}")" || rc=1
		dpkg --compare-versions "$V_NEXT" gt "$V_N" ||
			{ diag "the upgrade's version $V_NEXT is not above $V_N"; rc=1; }
	fi
	diag "  (.debs checked in $((SECONDS - t0)) s)"
	command -v dkms >/dev/null || { diag "dkms missing (tests/deps.sh)"; rc=1; }
	[ -d "/lib/modules/$KVER/build/include" ] ||
		{ diag "/lib/modules/$KVER/build missing: DKMS cannot build"; rc=1; }
	module_loaded && { diag "kftp is loaded: this part runs after the suite's rmmod"; rc=1; }
	for p in kftp-dkms kftp-get; do
		case $(pkg_state "$p") in
		"" | un | pn) ;;
		*) diag "$p is already known to dpkg: $(pkg_state "$p")"; rc=1 ;;
		esac
	done
	t0=$SECONDS
	st=$(dkms_kftp)
	[ -z "$st" ] || { diag "dkms already knows kftp: $st"; rc=1; }
	diag "  (dkms status took $((SECONDS - t0)) s)"
	[ ! -e "$BIN" ] || { diag "$BIN exists before the install"; rc=1; }
	modinfo kftp >/dev/null 2>&1 &&
		{ diag "modinfo kftp finds a module before the install: $(modinfo -n kftp 2>&1)"; rc=1; }
	WORK=$(mktemp -d /tmp/kftp-deb.XXXXXX) || return 1
	mkdir -p "$WORK/out" || return 1
	# apt's logs go with the VM run's results (run-vm.sh shares its
	# --results directory as /results), where they can be read while the
	# part runs and kept afterwards.
	LOGS=$WORK
	if [ -d /results ] && [ -w /results ] && mkdir -p /results/deb-logs; then
		LOGS=/results/deb-logs
	fi
	# dpkg's man-db trigger runs mandb, which rescans /usr/share/man over
	# 9p (man1 holds 18,000 names here): minutes under TCG, for an index
	# that `man` does not need to find a page. Off in this guest only.
	rm -f /var/lib/man-db/auto-update
	# dpkg uses its root's /tmp; apt copies nothing from the share.
	hide_other_headers || rc=1
	ccache_setup
	return $rc
}

# The compiler cache the host filled for these very builds
# (tests/warm-dkms-cache.sh), copied where it can be written: DKMS still
# builds, links and signs the module here, and gcc's output comes from the
# cache, under Debian's own switch in its headers (DEBIAN_KERNEL_USE_CCACHE).
# Without the cache or ccache, DKMS compiles in full: slower, the same.
DEB_CCACHE=
ccache_setup() {
	local src=$REPO/.build/deb-ccache
	if ! command -v ccache >/dev/null || [ ! -f "$src/ccache.conf" ]; then
		diag "  no compiler cache from the host: DKMS compiles in full"
		return 0
	fi
	cp -r "$src" "$WORK/ccache" || return 0
	DEB_CCACHE=$WORK/ccache
	# The host's own hits and misses came along: count the guest's only.
	CCACHE_DIR=$DEB_CCACHE ccache -z >/dev/null 2>&1
}

# ccache_said: the cache's hits and misses since the last call.
ccache_said() {
	[ -n "$DEB_CCACHE" ] || return 0
	diag "  compiler cache: $(CCACHE_DIR=$DEB_CCACHE ccache --print-stats 2>/dev/null |
		awk -F'\t' '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 }
			$1 == "cache_miss" { m = $2 } END { printf "%d hits, %d misses", h, m }')"
	CCACHE_DIR=$DEB_CCACHE ccache -z >/dev/null 2>&1
}

c_snapshot() {
	file_list >"$WORK/files.before" || return 1
	created_files >"$WORK/created.before"
	diag "  $(wc -l <"$WORK/files.before") paths listed"
}

# apt_logged LOG ARGS...: apt-get ARGS, bounded, each output line stamped
# with the seconds since the start, so that the diagnostics can say where
# the time went (unpacking, DKMS's build, triggers).
apt_logged() {
	local log=$1 rc
	shift
	# ccache keys on the locale's variables: the same as the host's
	# tests/warm-dkms-cache.sh.
	# shellcheck disable=SC2086  # a list of env's arguments
	timeout -k 10 "$APT_TIMEOUT" env ${DEB_CCACHE:+-u LANG -u LC_CTYPE -u LC_MESSAGES LC_ALL=C \
		DEBIAN_KERNEL_USE_CCACHE=1 CCACHE_DIR="$DEB_CCACHE"} \
		apt-get "$@" </dev/null 2>&1 |
		while IFS= read -r l; do printf '%4d %s\n' $((SECONDS - T_APT)) "$l"; done >"$log"
	rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] && return 0
	diag "apt-get $* exited $rc"
	diag "$(tail -n 30 "$log")"
	return 1
}

# Where the time went: the stamped lines of the phases.
apt_phases() {
	grep -E '^ *[0-9]+ (Unpacking|Setting up|Building|Module build|Skipped|Removing|Purging|Processing triggers|Deleting|depmod|Loading new)' "$1" |
		while read -r t l; do diag "  at $t s: $l"; done
}

# apt_install LOG DEB...: as the README says, by path.
apt_install() {
	local log=$1
	shift
	INSTALLED=1
	T_APT=$SECONDS
	apt_logged "$log" install -y --no-install-recommends "$@" || return 1
	diag "  apt-get install took $((SECONDS - T_APT)) s:"
	apt_phases "$log"
	ccache_said
	return 0
}

c_install_n() {
	apt_install "$LOGS/install-n.log" "${DEBS_N[@]}" ||
		{ DEB_ABORT="apt-get install failed"; return 1; }
	check_eq "kftp-dkms state" ii "$(pkg_state kftp-dkms)" &&
		check_eq "kftp-get state" ii "$(pkg_state kftp-get)"
}

# check_dkms V: DKMS knows kftp V only, installed for the running kernel.
check_dkms() {
	local v=$1 st mod rc=0
	st=$(dkms_kftp)
	diag "  dkms status: $st"
	check_contains "dkms status" "$st" "kftp/$v, $KVER, $(uname -m): installed" || rc=1
	if printf '%s\n' "$st" | grep -v "^kftp/${v}[,:]" | grep -q .; then
		diag "dkms knows another kftp than $v"
		rc=1
	fi
	mod=$(modinfo -n kftp 2>&1)
	case $mod in
	"/lib/modules/$KVER/updates/dkms/kftp.ko"*) ;;
	*) diag "modinfo -n kftp: '$mod', expected /lib/modules/$KVER/updates/dkms/kftp.ko*"; rc=1 ;;
	esac
	check_eq "modinfo -F version kftp" "$v" "$(modinfo -F version kftp 2>&1)" || rc=1
	check_eq "kftp-get --version" "kftp-get $v" "$("$BIN" --version 2>&1)" || rc=1
	[ -d "/usr/src/kftp-$v" ] || { diag "/usr/src/kftp-$v missing"; rc=1; }
	return $rc
}

c_modules_load() {
	local f=/usr/lib/modules-load.d/kftp.conf
	[ -f "$f" ] || { diag "$f missing"; return 1; }
	check_eq "modules named by $f" kftp "$(grep -v '^#' "$f" | grep -v '^$')"
}

c_deb_modprobe() {
	local v=$1
	modprobe_kftp || return 1
	check_eq "/sys/module/kftp/version" "$v" "$(cat /sys/module/kftp/version 2>&1)"
}

c_deb_download() {
	local want rc=0
	head -c 1000003 /dev/urandom >"$FTP_ROOT/deb-payload.bin" || return 1
	chmod 0644 "$FTP_ROOT/deb-payload.bin"
	want=$(sha_of "$FTP_ROOT/deb-payload.bin")
	start_vsftpd || { stop_pid "${VSFTPD_PID:-}" vsftpd; return 1; }
	KFTP_GET=$BIN kget -q -o "$WORK/out/payload.bin" \
		"ftp://127.0.0.1:$VSFTPD_PORT/deb-payload.bin"
	check_rc 0 || rc=1
	[ "$rc" = 1 ] || check_sha "$WORK/out/payload.bin" "$want" || rc=1
	stop_pid "$VSFTPD_PID" vsftpd || rc=1
	VSFTPD_PID=
	rm -f -- "$FTP_ROOT/deb-payload.bin"
	return $rc
}

c_man() {
	local rc=0 out
	check_eq "man -w kftp-get" /usr/share/man/man1/kftp-get.1.gz "$(man -w kftp-get 2>&1)" || rc=1
	check_eq "man -w 4 kftp" /usr/share/man/man4/kftp.4.gz "$(man -w 4 kftp 2>&1)" || rc=1
	out=$(MANWIDTH=80 man -P cat kftp-get 2>&1) || { diag "man kftp-get failed: $out"; rc=1; }
	check_contains "man kftp-get" "$out" "SYNOPSIS" || rc=1
	check_contains "man kftp-get" "$out" "--connect-timeout" || rc=1
	out=$(MANWIDTH=80 man -P cat 4 kftp 2>&1) || { diag "man 4 kftp failed: $out"; rc=1; }
	check_contains "man 4 kftp" "$out" "/dev/kftp" || rc=1
	bash -n /usr/share/bash-completion/completions/kftp-get ||
		{ diag "the bash completion does not parse"; rc=1; }
	return $rc
}

# The files dpkg says both packages hold, directories left out.
pkg_files() {
	dpkg -L kftp-dkms kftp-get 2>/dev/null | while IFS= read -r f; do
		[ -d "$f" ] || printf '%s\n' "$f"
	done | LC_ALL=C sort
}

c_files_n() {
	FILES_N=$(pkg_files)
	file_list >"$WORK/files.n"
	[ -n "$FILES_N" ] || { diag "dpkg -L lists no file"; return 1; }
	diag "  $(printf '%s\n' "$FILES_N" | wc -l) files in the packages"
}

c_upgrade() {
	apt_install "$LOGS/install-next.log" "${DEBS_NEXT[@]}" ||
		{ DEB_ABORT="the upgrade's apt-get install failed"; return 1; }
	check_eq "kftp-dkms version" "$V_NEXT" "$(dpkg-query -W -f='${Version}' kftp-dkms 2>&1)" &&
		check_eq "kftp-get version" "$V_NEXT" "$(dpkg-query -W -f='${Version}' kftp-get 2>&1)"
}

# Nothing of N: no /usr/src/kftp-N, no DKMS tree for N, no path naming N
# that was not there before, and every file of N's packages either gone or
# also in N+1's.
c_nothing_of_n() {
	local rc=0 f left
	FILES_NEXT=$(pkg_files)
	[ ! -e "/usr/src/kftp-$V_N" ] || { diag "/usr/src/kftp-$V_N still exists"; rc=1; }
	[ ! -e "/var/lib/dkms/kftp/$V_N" ] || { diag "/var/lib/dkms/kftp/$V_N still exists"; rc=1; }
	left=$(comm -23 <(printf '%s\n' "$FILES_N") <(printf '%s\n' "$FILES_NEXT") |
		while IFS= read -r f; do [ ! -e "$f" ] || printf '%s\n' "$f"; done)
	[ -z "$left" ] || { diag "files of $V_N left:"; diag "$left"; rc=1; }
	left=$(file_list | comm -13 "$WORK/files.before" - | grep -F -- "$V_N" | grep -vF -- "$V_NEXT")
	[ -z "$left" ] || { diag "paths naming $V_N:"; diag "$left"; rc=1; }
	return $rc
}

c_purge() {
	T_APT=$SECONDS
	apt_logged "$LOGS/purge.log" purge -y kftp-dkms kftp-get || return 1
	INSTALLED=
	diag "  apt-get purge took $((SECONDS - T_APT)) s:"
	apt_phases "$LOGS/purge.log"
	check_eq "kftp-dkms after purge" "" "$(dpkg-query -W -f='${Status}' kftp-dkms 2>/dev/null | grep -v 'not-installed')" &&
		check_eq "kftp-get after purge" "" "$(dpkg-query -W -f='${Status}' kftp-get 2>/dev/null | grep -v 'not-installed')"
}

c_purged_clean() {
	local rc=0 left f
	check_eq "dkms status -m kftp" "" "$(dkms_kftp)" || rc=1
	[ ! -e /var/lib/dkms/kftp ] || { diag "/var/lib/dkms/kftp still exists"; rc=1; }
	left=$(printf '%s\n' "$FILES_N" "$FILES_NEXT" | sort -u |
		while IFS= read -r f; do [ -z "$f" ] || [ ! -e "$f" ] || printf '%s\n' "$f"; done)
	[ -z "$left" ] || { diag "files of the packages left:"; diag "$left"; rc=1; }
	modinfo kftp >/dev/null 2>&1 && { diag "modinfo kftp still finds $(modinfo -n kftp 2>&1)"; rc=1; }
	file_list >"$WORK/files.after"
	if ! cmp -s "$WORK/files.before" "$WORK/files.after"; then
		diag "file list before the install vs after the purge:"
		diag "$(diff "$WORK/files.before" "$WORK/files.after" | head -n 30)"
		rc=1
	fi
	if [ -d "$OVERLAY_UPPER" ]; then
		left=$(created_files | comm -13 "$WORK/created.before" - | bookkeeping)
		[ -z "$left" ] || { diag "created since the snapshot and still there:"; diag "$left"; rc=1; }
	else
		diag "  ($OVERLAY_UPPER not found: the whole-system check is skipped)"
	fi
	return $rc
}

# ---------------------------------------------------------------- deps.sh

# vsftpd_state: what shows that vsftpd is on: a listener on port 21 and
# the links that start it at boot.
vsftpd_state() {
	local l
	l=$(ss -Hltn '( sport = :21 )' 2>/dev/null | wc -l)
	printf 'listening %s, systemd %s, sysv %s' "$l" \
		"$(ls /etc/systemd/system/multi-user.target.wants/vsftpd.service 2>/dev/null | wc -l)" \
		"$(ls /etc/rc[2-5].d/S*vsftpd 2>/dev/null | wc -l)"
}

# tests/deps.sh installs vsftpd (from apt's cache, --offline: the guest
# has no network) as on a host without policy-rc.d (the image's is moved
# away first): afterwards nothing listens on port 21 and no link starts
# it at boot. The guest's / is an overlay: the host is not touched.
c_deps_vsftpd() {
	local rc=0 out st
	[ -n "$(ls /var/cache/apt/archives/vsftpd_*.deb 2>/dev/null)" ] ||
		{ diag "no vsftpd .deb in apt's cache to install offline"; return 1; }
	if [ -e /usr/sbin/policy-rc.d ]; then
		POLICY_SAVED=$PART_WORK/policy-rc.d.saved
		mv /usr/sbin/policy-rc.d "$POLICY_SAVED" || return 1
	fi
	# Purged: the next install is a first one, as on a fresh host.
	out=$(DEBIAN_FRONTEND=noninteractive dpkg -P vsftpd 2>&1) ||
		{ diag "dpkg -P vsftpd: $out"; return 1; }
	rm -f /etc/systemd/system/multi-user.target.wants/vsftpd.service /etc/rc[2-5].d/S*vsftpd
	out=$(timeout -k 5 600 "$REPO/tests/deps.sh" --offline 2>&1)
	st=$?
	check_eq "tests/deps.sh --offline exit status ($out)" 0 "$st" || rc=1
	command -v vsftpd >/dev/null || { diag "vsftpd is not installed again"; rc=1; }
	check_eq "vsftpd after tests/deps.sh" "listening 0, systemd 0, sysv 0" "$(vsftpd_state)" || rc=1
	check_eq "/usr/sbin/policy-rc.d left by tests/deps.sh" "" \
		"$(ls /usr/sbin/policy-rc.d 2>/dev/null)" || rc=1
	# Whatever happened: no vsftpd of the package's on port 21, and the
	# suite's other parts still have the binary.
	[ "$(ss -Hltn '( sport = :21 )' | wc -l)" = 0 ] || /etc/init.d/vsftpd stop >/dev/null 2>&1
	command -v vsftpd >/dev/null ||
		DEBIAN_FRONTEND=noninteractive dpkg -i /var/cache/apt/archives/vsftpd_*.deb >/dev/null 2>&1
	if [ -n "$POLICY_SAVED" ]; then
		mv -f "$POLICY_SAVED" /usr/sbin/policy-rc.d
		POLICY_SAVED=
	fi
	return $rc
}

# ================================================================ run

T0=$SECONDS
dcase "prerequisites: in the VM, .debs N and N+1 built, no kftp installed or loaded" c_deb_prereq ||
	DEB_ABORT="prerequisites not met"
dcase "file list before the install" c_snapshot || DEB_ABORT=${DEB_ABORT:-"no snapshot"}
dcase "apt-get install ./kftp-dkms_${V_N}_all.deb ./kftp-get_${V_N}_*.deb" c_install_n
dcase "dkms status: kftp/$V_N installed for $KVER; module, CLI say $V_N" check_dkms "$V_N"
dcase "modules-load.d loads kftp at boot" c_modules_load
if dcase "modprobe kftp loads the DKMS module, /dev/kftp appears" c_deb_modprobe "$V_N"; then
	dcase "installed kftp-get downloads from vsftpd, sha256 matches" c_deb_download
	dcase "modprobe -r kftp" modprobe_r_kftp
fi
dcase "man kftp-get and man 4 kftp render; bash completion parses" c_man
dcase "dpkg -L of version $V_N" c_files_n
dcase "upgrade: apt-get install ./kftp-*_${V_NEXT}_*.deb" c_upgrade
dcase "dkms status: kftp/$V_NEXT only, rebuilt for $KVER" check_dkms "$V_NEXT"
dcase "nothing of $V_N left after the upgrade" c_nothing_of_n
if dcase "modprobe kftp loads $V_NEXT" c_deb_modprobe "$V_NEXT"; then
	dcase "modprobe -r kftp" modprobe_r_kftp
fi
dcase "apt-get purge kftp-dkms kftp-get" c_purge
dcase "purged: no file left, DKMS has no kftp, file list as before" c_purged_clean
# Last: it purges and reinstalls vsftpd, which the file lists above would see.
tcase "tests/deps.sh installs vsftpd: not started, not enabled" c_deps_vsftpd
diag "deb part took $((SECONDS - T0)) s"
part_done

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In-guest functional suite for kftp.ko and user/kftp-get.
#
# Runs as root INSIDE the QEMU guest started by tests/vm/run-vm.sh (never on
# a host: it loads a module, creates a user and starts FTP servers):
#   tests/vm/run-vm.sh -- tests/guest/suite.sh
#
# What it does:
#   1. records TCP "inuse" from /proc/net/sockstat, loads ./kftp.ko, checks
#      /dev/kftp (char device, root, 0600);
#   2. builds a file tree in /tmp/kftp-suite/root, creates the local user
#      kuser/kpass, starts vsftpd (127.0.0.1:2121, tests/vsftpd.conf) and
#      pyftpdlib (127.0.0.1:2122, tests/servers/pyftpd.py);
#   3. runs the cases, most of them against both servers;
#   4. stops the servers, unloads the module, and checks that no TCP socket
#      and no kftp-get process was left behind.
#
# Output: one "ok N - name" / "not ok N - name" per case, "# " diagnostics,
# then "1..N" and "# guest: P passed, F failed". Exit 0 iff every case
# passed. A case that cannot run (module not loaded, server down) fails.
#
# The parts (tests/guest/NAME.sh, see tests/guest/lib.sh for the contract)
# are listed in PARTS below. SUITE_PARTS="files stress" (run-vm.sh --env)
# runs only those parts, with the suite's own setup and teardown cases;
# SUITE_SKIP="deb" leaves those parts out.

set -u
# No set -e: a failing command inside a case fails that case only.

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO" || exit 1

# The parts, in order: PARTS run with the module loaded and the servers up,
# before the teardown cases (so that the leak checks cover them too);
# PARTS_UNLOADED after rmmod (installing needs the module unloaded).
# security last: with a sanitized build, its last case looks for the
# reports of every part before it.
PARTS=(hostile fuzz files stress sessions events kecho cli batch script digest listing mirror lifecycle security)
PARTS_UNLOADED=(install deb)
# Parts for the debug kernel only (tests/debug/: fault injection): run only
# when SUITE_PARTS names them, after PARTS.
PARTS_DEBUG=(failnth)

# Run a private copy of the CLI (made by make_fixtures): the repo is the
# host's live tree over 9p, and a rebuild on the host during the run would
# otherwise swap the binary under the suite.
# SUITE_KFTP_GET: another build of it (tests/check-user.sh --vm: the one
# with ASan and UBSan).
KFTP_GET_SRC=${SUITE_KFTP_GET:-$REPO/user/kftp-get}
KFTP_GET=$KFTP_GET_SRC
# SUITE_KFTP_KO: another build of the module (the debug lane's, built
# against the debug kernel, tests/debug/check-debug.sh).
KFTP_KO=${SUITE_KFTP_KO:-./kftp.ko}
DEV=/dev/kftp

umask 022
export LC_ALL=C

# Whatever happens, leave no server running and /dev/kftp as the module
# made it. Only our own children, by pid.
DEV_MODE_CHANGED=
cleanup() {
	[ -z "$DEV_MODE_CHANGED" ] || chmod 0600 "$DEV" 2>/dev/null
	stop_servers >/dev/null 2>&1
}
on_exit cleanup

SUITE_T0=$SECONDS

# ============================================================ setup cases

# Baseline before anything of ours exists (module, servers, clients).
TCP_BASELINE=$(tcp_inuse)
diag "TCP inuse baseline: ${TCP_BASELINE:-unknown}; kernel $(uname -r)"

c_prereq() {
	local rc=0
	[ -f "$KFTP_KO" ] || { diag "$KFTP_KO not built"; rc=1; }
	[ -x "$KFTP_GET_SRC" ] || { diag "$KFTP_GET_SRC not built"; rc=1; }
	[ "$(id -u)" = 0 ] || { diag "must run as root (in the guest)"; rc=1; }
	[ -n "$TCP_BASELINE" ] || { diag "no TCP line in /proc/net/sockstat"; rc=1; }
	return $rc
}

c_insmod() {
	local out
	if grep -q '^kftp ' /proc/modules 2>/dev/null; then
		diag "kftp is already loaded before the suite started"
		return 1
	fi
	out=$(insmod "$KFTP_KO" 2>&1) && return 0
	diag "insmod $KFTP_KO failed: $out"
	diag "kftp.ko vermagic: $(modinfo -F vermagic "$KFTP_KO" 2>&1); running: $(uname -r)"
	diag "$(dmesg | tail -n 20)"
	return 1
}

c_devnode() {
	local i mode owner
	# devtmpfs creates the node during misc_register; allow a moment anyway.
	for i in $(seq 20); do
		[ -e "$DEV" ] && break
		sleep 0.1
	done
	if [ ! -c "$DEV" ]; then
		diag "$DEV missing or not a character device: $(ls -l "$DEV" 2>&1)"
		return 1
	fi
	mode=$(mode_of "$DEV")
	owner=$(stat -c %U:%G "$DEV")
	check_eq "mode of $DEV" 600 "$mode" || return 1
	check_eq "owner of $DEV" root:root "$owner"
}

# Test files, their digests in SHA[name].
declare -A SHA
make_fixtures() {
	local f
	# Fresh tree each run; the guest's / is a tmpfs overlay.
	rm -rf "$SUITE_DIR"
	mkdir -p "$FTP_ROOT/a/b/c" "$OUT_DIR" "$SUITE_DIR/bin" || return 1
	chmod 0755 "$SUITE_DIR" "$OUT_DIR" "$SUITE_DIR/bin"
	# Same base name, so pgrep -x kftp-get still finds it.
	install -m 0755 "$KFTP_GET_SRC" "$SUITE_DIR/bin/kftp-get" || return 1
	KFTP_GET=$SUITE_DIR/bin/kftp-get
	diag "kftp-get: copy of $KFTP_GET_SRC ($(sha_of "$KFTP_GET" | cut -c1-12)), kftp.ko $(sha_of "$KFTP_KO" | cut -c1-12)"

	printf 'hello from the kftp suite\n' >"$FTP_ROOT/hello.txt"
	# Bytes 0..255 repeated, 1 MiB: any byte mangling (CR/LF translation,
	# NUL or 0xff handling, signedness) changes the digest.
	"$PYTHON" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 4096)' \
		>"$FTP_ROOT/allbytes.bin" || return 1
	: >"$FTP_ROOT/empty.bin"
	printf 'Z' >"$FTP_ROOT/one.bin"
	head -c 64M /dev/urandom >"$FTP_ROOT/big.bin" || return 1
	printf 'a file whose name has spaces\n' >"$FTP_ROOT/name with spaces.txt"
	# Odd size: not a multiple of any buffer size.
	head -c 100001 /dev/urandom >"$FTP_ROOT/a/b/c/deep.bin" || return 1

	# Read-only for everybody but root: anonymous must not be able to write.
	chown -R root:root "$FTP_ROOT"
	find "$FTP_ROOT" -type d -exec chmod 0755 {} +
	find "$FTP_ROOT" -type f -exec chmod 0644 {} +

	check_eq "size of allbytes.bin" 1048576 "$(stat -c %s "$FTP_ROOT/allbytes.bin")" || return 1
	check_eq "size of big.bin" 67108864 "$(stat -c %s "$FTP_ROOT/big.bin")" || return 1
	check_eq "allbytes.bin bytes 254..257" "fe ff 00 01" \
		"$(od -An -tx1 -j254 -N4 "$FTP_ROOT/allbytes.bin" | xargs)" || return 1
	for f in hello.txt allbytes.bin empty.bin one.bin big.bin \
		"name with spaces.txt" a/b/c/deep.bin; do
		SHA[$f]=$(sha_of "$FTP_ROOT/$f") || return 1
	done
	check_eq "sha256 of empty.bin" \
		e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 \
		"${SHA[empty.bin]}" || return 1
	# The ftp account (anonymous on vsftpd) must not be able to write.
	if setpriv --reuid=ftp --regid="$(id -gn ftp)" --clear-groups test -w "$FTP_ROOT" 2>/dev/null; then
		diag "$FTP_ROOT is writable by user ftp"
		return 1
	fi
	return 0
}

c_user() {
	# vsftpd's local login goes through PAM (/etc/pam.d/vsftpd): the user
	# must not be in /etc/ftpusers and needs a shell listed in /etc/shells.
	if ! id "$FTP_USER" >/dev/null 2>&1; then
		useradd -m -s /bin/bash "$FTP_USER" || { diag "useradd failed"; return 1; }
	fi
	printf '%s:%s\n' "$FTP_USER" "$FTP_PASS" | chpasswd || { diag "chpasswd failed"; return 1; }
	if grep -qx "$FTP_USER" /etc/ftpusers 2>/dev/null; then
		diag "$FTP_USER is listed in /etc/ftpusers"
		return 1
	fi
	return 0
}

tcase "prerequisites: kftp.ko, user/kftp-get, root, sockstat" c_prereq ||
	SUITE_ABORT="prerequisites missing (see above)"
MODULE_LOADED=
if tcase "insmod ./kftp.ko" c_insmod; then
	MODULE_LOADED=1
elif [ -z "$SUITE_ABORT" ]; then
	SUITE_ABORT="kftp.ko did not load"
	diag "################ kftp.ko did not load: every case fails ################"
fi
tcase "/dev/kftp is a root-owned character device, mode 0600" c_devnode
tcase "fixtures: test files and their sha256" make_fixtures ||
	[ -n "$SUITE_ABORT" ] || SUITE_ABORT="could not create the test files"
tcase "local user $FTP_USER with a password" c_user

# SERVER_UP[name] is set once that server answered; read by need_server.
declare -A SERVER_UP=()
tcase "vsftpd 3.0 accepts connections on 127.0.0.1:$VSFTPD_PORT" start_vsftpd &&
	SERVER_UP[vsftpd]=1
tcase "pyftpdlib accepts connections on 127.0.0.1:$PYFTPD_PORT" start_pyftpd &&
	SERVER_UP[pyftpd]=1

# ============================================================ per-server cases

# Per-server parameters, by server name (vsftpd, pyftpd).
port_of() { if [ "$1" = vsftpd ]; then echo "$VSFTPD_PORT"; else echo "$PYFTPD_PORT"; fi; }
log_of() { if [ "$1" = vsftpd ]; then echo "$VSFTPD_LOG"; else echo "$PYFTPD_LOG"; fi; }
connre_of() { if [ "$1" = vsftpd ]; then echo "$VSFTPD_CONNECT_RE"; else echo "$PYFTPD_CONNECT_RE"; fi; }
base_of() { echo "ftp://127.0.0.1:$(port_of "$1")"; }

# need_server S: a case against a server that is not running fails.
need_server() {
	[ -n "${SERVER_UP[$1]:-}" ] && return 0
	diag "$1 is not running"
	return 1
}

# outdir S CASE: a fresh, empty download directory for one case.
outdir() {
	local d=$OUT_DIR/$1-$2
	rm -rf "$d"
	mkdir -p "$d"
	echo "$d"
}

# fetch_check S CASE REMOTE_URL_PATH FIXTURE [kftp-get args...]: download to
# a fresh dir, expect exit 0, identical digest, no temp file left.
fetch_check() {
	local s=$1 c=$2 rpath=$3 fix=$4 d rc=0
	shift 4
	need_server "$s" || return 1
	d=$(outdir "$s" "$c")
	kget_ok "$d/got" "$(base_of "$s")/$rpath" "$@" || return 1
	check_sha "$d/got" "${SHA[$fix]}" || rc=1
	no_temp_files "$d" || rc=1
	[ $rc = 0 ] && rm -rf "$d"	# keep evidence of failures only
	return $rc
}

c_anon() {
	local s=$1 d
	need_server "$s" || return 1
	d=$(outdir "$s" anon)
	kget_ok "$d/hello.txt" "$(base_of "$s")/hello.txt" || return 1
	check_same_file "$d/hello.txt" "$FTP_ROOT/hello.txt" || return 1
	no_temp_files "$d"
}

# The URL form: ftp://kuser:kpass@host:port/path
c_user_url() {
	local s=$1 d
	need_server "$s" || return 1
	d=$(outdir "$s" user-url)
	kget_ok "$d/got" "ftp://$FTP_USER:$FTP_PASS@127.0.0.1:$(port_of "$s")/allbytes.bin" || return 1
	check_sha "$d/got" "${SHA[allbytes.bin]}" && no_temp_files "$d"
}

c_user_opt() {
	fetch_check "$1" user-opt allbytes.bin allbytes.bin -u "$FTP_USER:$FTP_PASS"
}

c_user_env() {
	local s=$1 rc
	export KFTP_PASSWORD=$FTP_PASS
	fetch_check "$s" user-env allbytes.bin allbytes.bin -u "$FTP_USER"
	rc=$?
	unset KFTP_PASSWORD
	return $rc
}

# An IPv4 server named by an IPv4-mapped IPv6 address: kftp announces its
# port with PORT, which IPv4-only servers understand (EPRT |2| gets 522).
c_mapped() {
	local s=$1 d rc=0
	need_server "$s" || return 1
	d=$(outdir "$s" mapped)
	kget_ok "$d/got" "ftp://[::ffff:127.0.0.1]:$(port_of "$s")/allbytes.bin" || return 1
	check_sha "$d/got" "${SHA[allbytes.bin]}" || rc=1
	# "EPRT |": the command, not the line of FEAT's reply that names it.
	check_eq "EPRT commands in the $s log" 0 "$(log_count "$(log_of "$s")" 'EPRT |')" || rc=1
	[ $rc = 0 ] && rm -rf "$d"
	return $rc
}
c_allbytes() { fetch_check "$1" allbytes allbytes.bin allbytes.bin; }
c_onebyte() { fetch_check "$1" one one.bin one.bin; }
c_big() { fetch_check "$1" big big.bin big.bin; }
c_spaces() { fetch_check "$1" spaces "name%20with%20spaces.txt" "name with spaces.txt"; }
c_nested() { fetch_check "$1" nested a/b/c/deep.bin a/b/c/deep.bin; }

c_empty() {
	local s=$1 d
	need_server "$s" || return 1
	d=$(outdir "$s" empty)
	kget_ok "$d/got" "$(base_of "$s")/empty.bin" || return 1
	[ -f "$d/got" ] || { diag "$d/got does not exist after success"; return 1; }
	check_eq "size of $d/got" 0 "$(stat -c %s "$d/got")" || return 1
	no_temp_files "$d"
}

# (REPEATS: 20, or the KFTP_REPEAT_PCT share of them, lib.sh's reps)
REPEATS=$(reps 20)
c_repeat() {
	local s=$1 d i bad=0
	need_server "$s" || return 1
	d=$(outdir "$s" repeat)
	for i in $(seq 1 "$REPEATS"); do
		kget -o "$d/got-$i" "$(base_of "$s")/allbytes.bin"
		if [ "$KRC" != 0 ]; then
			diag "run $i of $REPEATS failed"
			explain
			bad=$((bad + 1))
			continue
		fi
		check_sha "$d/got-$i" "${SHA[allbytes.bin]}" || bad=$((bad + 1))
	done
	no_temp_files "$d" || bad=$((bad + 1))
	[ $bad = 0 ] || { diag "$bad of $REPEATS runs failed"; return 1; }
	rm -rf "$d"
}

# fails_cleanly DIR RC TEXT URL: kftp-get to DIR/got exits RC with TEXT
# on stderr, and leaves no file and no temp file.
fails_cleanly() {
	local d=$1 rc=0
	kget -o "$d/got" "$4"
	expect_fail "$2" "$3" || rc=1
	[ ! -e "$d/got" ] || { diag "$d/got was created"; rc=1; }
	no_temp_files "$d" || rc=1
	return $rc
}

# c_refusal S CASE RC TEXT URL: a download from server S that must fail.
c_refusal() {
	need_server "$1" || return 1
	fails_cleanly "$(outdir "$1" "$2")" "$3" "$4" "$5"
}

c_nolocaldir() {
	local s=$1 rc=0
	need_server "$s" || return 1
	kget -o /nonexistent/dir/f "$(base_of "$s")/hello.txt"
	# A clear message names the path and the reason.
	expect_fail 7 "/nonexistent/dir" || rc=1
	check_contains "stderr" "$KERR" "No such file or directory" || rc=1
	[ ! -e /nonexistent ] || { diag "/nonexistent was created"; rc=1; }
	return $rc
}

# expect_rejected S DEST ARGS...: exit 2 (invalid argument), no connection
# reached server S during the attempt, no DELE anywhere in its log, no file.
expect_rejected() {
	local s=$1 dest=$2 log re before after rc=0
	shift 2
	log=$(log_of "$s")
	re=$(connre_of "$s")
	before=$(log_count "$log" "$re")
	kget -o "$dest" "$@"
	# Let the server write any log line for a connection it accepted.
	sleep 0.5
	after=$(log_count "$log" "$re")
	check_rc 2 || rc=1
	check_eq "connections logged by $s during the attempt" "$before" "$after" || rc=1
	check_eq "lines with DELE in the $s log" 0 "$(log_count "$log" DELE)" || rc=1
	[ ! -e "$dest" ] || { diag "$dest was created"; rc=1; }
	return $rc
}

c_crlf_path() {
	local s=$1 d enc rc=0
	need_server "$s" || return 1
	d=$(outdir "$s" crlf-path)
	# CR LF, bare LF, bare CR: each would end the RETR line somewhere.
	for enc in %0D%0A %0A %0D; do
		expect_rejected "$s" "$d/got" "$(base_of "$s")/x${enc}DELE%20y" || rc=1
	done
	no_temp_files "$d" || rc=1
	return $rc
}

c_crlf_user_url() {
	local s=$1 d
	need_server "$s" || return 1
	d=$(outdir "$s" crlf-user-url)
	expect_rejected "$s" "$d/got" \
		"ftp://$FTP_USER%0D%0ADELE%20y:$FTP_PASS@127.0.0.1:$(port_of "$s")/hello.txt"
}

c_crlf_user_opt() {
	local s=$1 d
	need_server "$s" || return 1
	d=$(outdir "$s" crlf-user-opt)
	expect_rejected "$s" "$d/got" -u "$FTP_USER"$'\r\nDELE y:'"$FTP_PASS" \
		"$(base_of "$s")/hello.txt"
}

c_crlf_pass() {
	local s=$1 d
	need_server "$s" || return 1
	d=$(outdir "$s" crlf-pass)
	expect_rejected "$s" "$d/got" \
		"ftp://$FTP_USER:$FTP_PASS%0D%0ADELE%20y@127.0.0.1:$(port_of "$s")/hello.txt"
}

# get_here URL FILE FIXTURE: kftp-get URL without -o makes FILE, a copy of
# FIXTURE.
get_here() {
	kget "$1"
	[ "$KRC" = 0 ] || { explain; return 1; }
	check_sha "$2" "${SHA[$3]}"
}

# No -o: the file is named after the remote base name, in the cwd (as wget),
# percent-decoded.
c_default_name() {
	local s=$1 d rc=0 n
	need_server "$s" || return 1
	d=$(outdir "$s" default-name)
	cd "$d" || return 1
	get_here "$(base_of "$s")/a/b/c/deep.bin" "$d/deep.bin" a/b/c/deep.bin || rc=1
	get_here "$(base_of "$s")/name%20with%20spaces.txt" "$d/name with spaces.txt" \
		"name with spaces.txt" || rc=1
	cd "$REPO" || return 1
	n=$(find "$d" -mindepth 1 | wc -l)
	if [ "$n" != 2 ]; then
		diag "expected exactly deep.bin and 'name with spaces.txt' in $d, found:"
		diag "$(ls -lA "$d")"
		rc=1
	fi
	return $rc
}

# A failed download leaves an existing destination exactly as it was.
c_keep_dest() {
	local s=$1 d rc=0 before
	need_server "$s" || return 1
	d=$(outdir "$s" keep-dest)
	printf 'original content, must survive\n' >"$d/dest.txt"
	before=$(sha_of "$d/dest.txt")
	kget -o "$d/dest.txt" "$(base_of "$s")/no-such-file.bin"
	check_rc 6 || rc=1
	check_sha "$d/dest.txt" "$before" || rc=1
	no_temp_files "$d" || rc=1
	if [ "$(find "$d" -mindepth 1 | wc -l)" != 1 ]; then
		diag "unexpected files in $d:"
		diag "$(ls -lA "$d")"
		rc=1
	fi
	return $rc
}

for S in vsftpd pyftpd; do
	tcase "$S: anonymous download" c_anon "$S"
	tcase "$S: user and password in the URL" c_user_url "$S"
	tcase "$S: user and password with -u USER:PASS" c_user_opt "$S"
	tcase "$S: -u USER with KFTP_PASSWORD" c_user_env "$S"
	tcase "$S: bytes 0-255 repeated (1 MiB), sha256" c_allbytes "$S"
	tcase "$S: IPv4-mapped address [::ffff:127.0.0.1]: PORT, not EPRT" c_mapped "$S"
	tcase "$S: empty file exists with size 0" c_empty "$S"
	tcase "$S: 1-byte file" c_onebyte "$S"
	tcase "$S: 64 MiB random file, sha256" c_big "$S"
	tcase "$S: name with spaces (%20 in URL)" c_spaces "$S"
	tcase "$S: nested path a/b/c/deep.bin" c_nested "$S"
	tcase "$S: $REPEATS downloads in a row" c_repeat "$S"
	tcase "$S: missing remote file: exit 6, server said: 550" c_refusal "$S" \
		missing 6 "server said: 550" "$(base_of "$S")/no-such-file.bin"
	tcase "$S: wrong password: exit 5, server said: 530" c_refusal "$S" \
		badpass 5 "server said: 530" \
		"ftp://$FTP_USER:wrong-password@127.0.0.1:$(port_of "$S")/hello.txt"
	tcase "$S: missing local directory: exit 7 with a clear message" c_nolocaldir "$S"
	tcase "$S: CR/LF in the path: exit 2, nothing sent" c_crlf_path "$S"
	tcase "$S: CR/LF in the URL user: exit 2, nothing sent" c_crlf_user_url "$S"
	tcase "$S: CR/LF in the -u user: exit 2, nothing sent" c_crlf_user_opt "$S"
	tcase "$S: CR/LF in the password: exit 2, nothing sent" c_crlf_pass "$S"
	tcase "$S: default output name is the remote base name in cwd" c_default_name "$S"
	tcase "$S: existing destination untouched when the remote file is missing" c_keep_dest "$S"
done

# ============================================================ once-only cases

c_refused() {
	port_refused "$REFUSED_PORT" || return 1
	fails_cleanly "$(outdir none refused)" 4 "" "ftp://127.0.0.1:$REFUSED_PORT/hello.txt"
}

# A directory the unprivileged user can write to, so that only /dev/kftp
# can be the reason for a failure.
nobody_dir() {
	local d=$OUT_DIR/nobody
	rm -rf "$d"
	mkdir -p "$d"
	chmod 0777 "$d"
	echo "$d"
}

# expect_denied DIR REASON: exit 3, REASON (strerror text) on stderr, no
# file, no connection reached pyftpd (the permission check comes before any
# network traffic).
expect_denied() {
	local d=$1 why=$2 before after rc=0
	before=$(log_count "$PYFTPD_LOG" "$PYFTPD_CONNECT_RE")
	kget_as nobody -o "$d/got" "$(base_of pyftpd)/hello.txt"
	sleep 0.5
	after=$(log_count "$PYFTPD_LOG" "$PYFTPD_CONNECT_RE")
	expect_fail 3 "$why" || rc=1
	check_eq "connections logged by pyftpd during the attempt" "$before" "$after" || rc=1
	[ ! -e "$d/got" ] || { diag "$d/got was created"; rc=1; }
	no_temp_files "$d" || rc=1
	return $rc
}

# /dev/kftp is 0600 root: nobody cannot open it (EACCES from open).
c_unpriv() {
	need_server pyftpd || return 1
	expect_denied "$(nobody_dir)" "Permission denied"
}

# Node opened up to 0666: nobody can open it, but the ioctl itself checks
# CAP_SYS_ADMIN and answers EPERM. Root still works afterwards.
c_unpriv_0666() {
	local d rc=0
	need_server pyftpd || return 1
	d=$(nobody_dir)
	DEV_MODE_CHANGED=1
	chmod 0666 "$DEV" || { diag "chmod 0666 $DEV failed"; return 1; }
	# EPERM, not EACCES: open succeeded, the ioctl refused.
	expect_denied "$d" "Operation not permitted" || rc=1
	chmod 0600 "$DEV"
	DEV_MODE_CHANGED=
	check_eq "mode of $DEV after restoring" 600 "$(mode_of "$DEV")" || rc=1
	fetch_check pyftpd after-0666 hello.txt hello.txt || rc=1
	return $rc
}

tcase "connection refused (127.0.0.1:$REFUSED_PORT): exit 4" c_refused
tcase "unprivileged user (nobody), /dev/kftp 0600: exit 3" c_unpriv
tcase "unprivileged user with /dev/kftp 0666: ioctl EPERM, exit 3" c_unpriv_0666

# ============================================================ teardown cases

c_stop_servers() {
	local rc=0 v p
	# Both logs, whole run: no injected command ever reached a server.
	for v in "$VSFTPD_LOG" "$PYFTPD_LOG"; do
		check_eq "lines with DELE in $v" 0 "$(log_count "$v" DELE)" || rc=1
	done
	v=$VSFTPD_PID
	p=$PYFTPD_PID
	stop_servers || rc=1
	for v in $v $p; do
		if kill -0 "$v" 2>/dev/null; then
			diag "server pid $v still running"
			rc=1
		fi
	done
	return $rc
}

c_no_leftover_clients() {
	local left
	left=$(pgrep -a -x kftp-get)
	[ -z "$left" ] && return 0
	diag "kftp-get processes still running (stuck in the module?):"
	diag "$left"
	return 1
}

c_rmmod() {
	local out
	out=$(rmmod kftp 2>&1) || { diag "rmmod kftp failed: $out"; return 1; }
	if grep -q '^kftp ' /proc/modules; then
		diag "kftp still listed in /proc/modules"
		return 1
	fi
	[ ! -e "$DEV" ] || { diag "$DEV still exists after rmmod"; return 1; }
	return 0
}

# Every socket the module or the servers opened is gone: TCP inuse returns
# to the baseline taken before insmod. TIME_WAIT is not counted in inuse;
# closing sockets (FIN_WAIT, LAST_ACK) are, so poll for up to 10 s.
c_sockstat() {
	wait_tcp_inuse "$TCP_BASELINE"
}

# tests/kernel-log.sh: the lines and taint bits that fail a run.
c_dmesg() {
	local bad t
	bad=$(dmesg | kernel_bad_lines)
	t=$(cat /proc/sys/kernel/tainted)
	if [ -n "$bad" ] || taint_bad "$t"; then
		diag "tainted=$t ($(taint_letters "$t"))"
		diag "$bad"
		return 1
	fi
	return 0
}

# kftp is an active-mode client: every data connection of the run went
# through PORT/EPRT. (The readiness probe sends only QUIT, curl is not used.)
c_active_only() {
	local rc=0 s log cmd
	for s in vsftpd pyftpd; do
		log=$(log_of "$s")
		# How a received command starts in each log: vsftpd writes
		# FTP command: Client "127.0.0.1", "PORT ...", pyftpd.py b'PORT ...'.
		if [ "$s" = vsftpd ]; then cmd='"'; else cmd="b'"; fi
		if [ "$(log_count "$log" "${cmd}\\(PORT\\|EPRT\\) ")" = 0 ]; then
			diag "no PORT/EPRT command in the $s log"
			rc=1
		fi
		check_eq "PASV/EPSV commands in the $s log" 0 \
			"$(log_count "$log" "${cmd}\\(PASV\\|EPSV\\)")" || rc=1
	done
	return $rc
}

# ============================================================ parts

# Sub-suites that need the module (and some of them the servers) run here,
# before teardown, so that the leak checks below cover them too. Each takes
# its first case number as $1, prints TAP lines numbered from there, and
# exits 0 iff all its cases passed.
PART_TIMEOUT=$(tscale 1500)
export "${PART_ENV[@]}"

# run_part NAME: tests/guest/NAME.sh, its cases numbered on from ours,
# unless SUITE_PARTS is set and does not name it, or SUITE_SKIP names it.
run_part() {
	local script=$REPO/tests/guest/$1.sh
	case " ${SUITE_PARTS:-$1} " in
	*" $1 "*) ;;
	*) diag "part ${script##*/} not run (SUITE_PARTS=$SUITE_PARTS)"; return ;;
	esac
	case " ${SUITE_SKIP:-} " in
	*" $1 "*) diag "part ${script##*/} not run (SUITE_SKIP=$SUITE_SKIP)"; return ;;
	esac
	if [ -n "$SUITE_ABORT" ]; then
		not_ok "${script##*/}" "not run: $SUITE_ABORT"
		return
	fi
	diag "part ${script##*/} starts at case $((T_N + 1))"
	local t0=$SECONDS
	tap_relay "$1" < <(tap_stream timeout "$PART_TIMEOUT" "$script" "$((T_N + 1))" 2>&1)
	diag "part ${script##*/} took $((SECONDS - t0)) s"
	T_N=$((T_N + R_PASS + R_FAIL)) T_PASS=$((T_PASS + R_PASS)) T_FAIL=$((T_FAIL + R_FAIL))
	# The guest's /tmp is RAM: what a part downloaded must not starve the
	# parts after it (its diagnostics are already printed).
	rm -rf "${SUITE_DIR:?}/$1"
	# An exit status that the TAP lines do not explain is a failure too.
	if [ "$R_RC" != 0 ] && [ "$R_FAIL" = 0 ]; then
		not_ok "${script##*/} exited $R_RC"
	fi
}

for part in "${PARTS[@]}"; do
	run_part "$part"
done
if [ -n "${SUITE_PARTS:-}" ]; then
	for part in "${PARTS_DEBUG[@]}"; do
		run_part "$part"
	done
fi

# Teardown runs whenever the module is loaded, even if setup failed later
# on: unloading it and checking for leaks is still worth doing.
[ -z "$MODULE_LOADED" ] || SUITE_ABORT=
tcase "servers saw active mode only (PORT/EPRT, no PASV/EPSV)" c_active_only
tcase "servers stop; no DELE in either server log" c_stop_servers
tcase "no kftp-get process left" c_no_leftover_clients
tcase "rmmod kftp succeeds, /dev/kftp removed" c_rmmod
tcase "TCP inuse back to the baseline (${TCP_BASELINE:-?})" c_sockstat
# Installing needs the module unloaded: make install, modprobe, uninstall.
# install and deb (the same as Debian packages: apt-get install, DKMS,
# upgrade, purge). deb's two DKMS builds and depmod runs over 9p get a
# longer timeout of their own.
for part in "${PARTS_UNLOADED[@]}"; do
	if [ "$part" = deb ]; then
		PART_TIMEOUT=$(tscale 3600) run_part "$part"
	else
		run_part "$part"
	fi
done
tcase "no BUG/WARNING/Oops in dmesg, no D/W/L taint" c_dmesg

diag "suite took $((SECONDS - SUITE_T0)) s"
# On failure, keep the server logs with the VM run's results (run-vm.sh
# shares its --results directory as /results).
if [ "$T_FAIL" != 0 ] && [ -d /results ] && [ -w /results ]; then
	mkdir -p /results/suite-logs &&
		cp -f "$VSFTPD_LOG" "$PYFTPD_LOG" "$SUITE_DIR"/*.out /results/suite-logs/ 2>/dev/null &&
		diag "server logs copied to suite-logs/ in the results directory"
fi
printf '# guest: %d passed, %d failed\n' "$T_PASS" "$T_FAIL"
[ "$T_FAIL" = 0 ]

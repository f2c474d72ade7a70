#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# listing.sh START_N: directory listings (KFTP_COMMAND_*, request version 5)
# and kftp-get -l (issue 22):
#   - vsftpd, which has no MLSD, is asked LIST; pyftpdlib, whose FEAT offers
#     MLST, is asked MLSD: the names printed are the served directory's,
#     spaces and UTF-8 included; the login directory; an empty directory;
#   - two listings in one run cost one login;
#   - a missing directory (550: exit 6), MLSD refused (500: exit 8);
#   - hostile listings from the scripted server: names that are not file
#     names (../x, /etc/x, a/b, CR, NUL, ESC, 300 bytes) are reported and
#     left out, the rest printed; a listing that never ends stops at
#     --max-filesize (exit 11) and the connection is let go;
#   - a stop (SIGSTOP/SIGCONT) while the listing streams: the restarted
#     call finishes it, sent once;
#   - wildcards ('*', '?', [...] with them): the matching plain files are
#     fetched, byte for byte, on the listing's login (one connection), or
#     by -Z workers; a pattern that matches nothing is exit 6 and the
#     other URLs still come; from the scripted server's hostile listing,
#     only the name that is a file name is ever asked for;
#   - the kernel log stays clean.
#
# Part of the in-guest suite (tests/guest/suite.sh; see tests/guest/lib.sh).

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init listing "$@"

W=$PART_WORK
S=$FTP_ROOT/listing		# the tree this part lists, served by both servers
MARK=$(kmsg_mark)

cleanup() {
	[ -z "$HSPID" ] || stop_pid "$HSPID" hostile_ftpd.py >/dev/null
	rm -rf "$S"
	return 0
}
on_exit cleanup

umask 022
NAMES=("a.bin" "café.txt" "empty" "name with spaces.txt" "sub")

mkdir -p "$S/sub" "$S/empty"
head -c 4097 /dev/urandom >"$S/a.bin"
echo hello >"$S/café.txt"
echo spaces >"$S/name with spaces.txt"
echo deep >"$S/sub/deep.bin"
chmod -R a+rX "$S"

# names_are WHAT NAME...: kget's stdout holds exactly these lines, in any order.
names_are() {
	local what=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sort)
	got=$(printf '%s\n' "$KOUT" | sed '/^$/d' | sort)
	check_eq "$what" "${want//$'\n'/|}" "${got//$'\n'/|}"
}

# ---------------------------------------------------------------- cases

c_vsftpd_list() {
	local rc=0
	kget -l "$V/listing/"
	check_rc 0 || rc=1
	names_are "names from vsftpd" "${NAMES[@]}" || rc=1
	kget -v -l "$V/listing/sub/"
	check_rc 0 || rc=1
	names_are "names of sub/" deep.bin || rc=1
	check_contains "-v: the command sent" "$KERR" "> LIST listing/sub/" || rc=1
	check_contains "-v: FEAT, no MLST" "$KERR" "> FEAT" || rc=1
	return $rc
}

c_pyftpd_mlsd() {
	local rc=0
	kget -v -l "$P/listing/"
	check_rc 0 || rc=1
	names_are "names from pyftpdlib" "${NAMES[@]}" || rc=1
	check_contains "-v: MLSD, offered by FEAT" "$KERR" "> MLSD listing/" || rc=1
	return $rc
}

c_login_dir() {
	local rc=0 url
	for url in "$V/" "$P/" "$V"; do
		kget -l "$url"
		check_rc 0 || rc=1
		printf '%s\n' "$KOUT" | grep -qx listing ||
			{ diag "$url: 'listing' not among: ${KOUT//$'\n'/|}"; rc=1; }
	done
	return $rc
}

c_empty() {
	local rc=0 url
	for url in "$V/listing/empty/" "$P/listing/empty/"; do
		kget -l "$url"
		check_rc 0 || rc=1
		check_eq "$url: stdout" "" "$KOUT" || rc=1
	done
	return $rc
}

c_one_login() {
	local rc=0 before
	before=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	kget -l "$V/listing/" "$V/listing/sub/" "$V/listing/empty/"
	check_rc 0 || rc=1
	names_are "three listings" "${NAMES[@]}" deep.bin || rc=1
	check_eq "connections to vsftpd" 1 \
		$(($(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE") - before)) || rc=1
	return $rc
}

c_missing() {
	local rc=0
	kget -l "$P/listing/nodir/"
	check_rc 6 || rc=1
	check_contains "message" "$KERR" "remote directory missing or not listable" || rc=1
	scripted_scenario list550 || return 1
	kget -l "ftp://127.0.0.1:$HSPORT/d/"
	check_rc 6 || rc=1
	scripted_scenario mlsd500 || return 1
	kget -l "ftp://127.0.0.1:$HSPORT/d/"
	check_rc 8 || rc=1
	check_contains "message" "$KERR" "the server does not know the listing command" || rc=1
	return $rc
}

c_hostile_names() {
	local rc=0 n
	scripted_scenario listhostile || return 1
	kget -l "ftp://127.0.0.1:$HSPORT/d/"
	check_rc 0 || rc=1
	names_are "the names taken" ok.txt root d || rc=1
	n=$(grep -c 'MLSD line [0-9]* skipped' <<<"$KERR")
	check_eq "lines reported" 9 "$n" || rc=1
	check_contains "../x reported" "$KERR" "skipped (a name with a '/'): type=file;size=1;modify=20261204101500; ../x" || rc=1
	check_contains "ESC escaped" "$KERR" 'esc\x1b[2Jname' || rc=1
	if grep -q $'\e' <<<"$KERR$KOUT"; then
		diag "an ESC byte reached the terminal"
		rc=1
	fi
	return $rc
}

c_endless() {
	local rc=0
	scripted_scenario listendless || return 1
	kget -l --max-filesize 1M "ftp://127.0.0.1:$HSPORT/d/"
	check_rc 11 || rc=1
	check_contains "message" "$KERR" "the listing is larger than 1048576 bytes" || rc=1
	check_eq "stdout" "" "$KOUT" || rc=1
	# The connection was let go: the next listing logs in again and works.
	scripted_scenario mlsd || return 1
	kget -l "ftp://127.0.0.1:$HSPORT/d/"
	check_rc 0 || rc=1
	names_are "after the endless one" main.bin sub || rc=1
	return $rc
}

# A listing of 20000 entries from vsftpd, stopped and continued while it
# streams: the same names, LIST sent once.
c_stop_cont() {
	local rc=0 d=$S/many pid before i
	mkdir -p "$d"
	(cd "$d" && for i in $(seq 20000); do : >"f$i"; done)
	before=$(log_count "$VSFTPD_LOG" '"LIST listing/many/"')
	"$KFTP_GET" -l "$V/listing/many/" >"$W/many.out" 2>"$W/many.err" &
	pid=$!
	for i in 1 2 3; do
		sleep 0.2
		kill -STOP "$pid" 2>/dev/null
		sleep 0.3
		kill -CONT "$pid" 2>/dev/null
	done
	wait "$pid" || { diag "exit $?: $(head -c 500 "$W/many.err")"; rc=1; }
	check_eq "names" 20000 "$(sort -u "$W/many.out" | grep -c '^f[0-9]*$')" || rc=1
	check_eq "LIST sent" 1 \
		$(($(log_count "$VSFTPD_LOG" '"LIST listing/many/"') - before)) || rc=1
	rm -rf "$d"
	return $rc
}

# wild_ok DIR NAME...: DIR holds exactly the served files NAME..., byte for byte.
wild_ok() {
	local d=$1 n rc=0
	shift
	only_entries "$d" "$@" || rc=1
	for n in "$@"; do
		check_same_file "$d/$n" "$S/$n" || rc=1
	done
	return $rc
}

c_wildcards() {
	local rc=0 d before
	d=$(fresh wild-v)
	before=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	kget -q --output-dir "$d" "$V/listing/*.txt"
	check_rc 0 || rc=1
	wild_ok "$d" "café.txt" "name with spaces.txt" || rc=1
	check_eq "connections to vsftpd (the listing, then the files)" 1 \
		$(($(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE") - before)) || rc=1
	d=$(fresh wild-p)
	kget -q --output-dir "$d" "$P/listing/?.bin" "$P/listing/[cn]*"
	check_rc 0 || rc=1
	wild_ok "$d" a.bin "café.txt" "name with spaces.txt" || rc=1
	d=$(fresh wild-z)
	kget -q -Z --output-dir "$d" "$V/listing/*"
	check_rc 0 || rc=1
	wild_ok "$d" a.bin "café.txt" "name with spaces.txt" || rc=1
	return $rc
}

c_wildcard_none() {
	local rc=0 d
	d=$(fresh wild-none)
	kget -q --output-dir "$d" "$V/listing/*.zip" "$V/listing/a.bin"
	check_rc 6 || rc=1
	check_contains "message" "$KERR" "listing/*.zip: no file in the directory matches '*.zip'" || rc=1
	wild_ok "$d" a.bin || rc=1
	kget -q --output-dir "$d" "$P/listing/nodir/*.bin"
	check_rc 6 || rc=1
	check_contains "message" "$KERR" "remote directory missing or not listable" || rc=1
	return $rc
}

c_wildcard_hostile() {
	local rc=0 d n
	d=$(fresh wild-h)
	scripted_scenario listhostile || return 1
	n=$(log_count "$HSLOG" '< RETR ')
	kget -q --output-dir "$d" "ftp://127.0.0.1:$HSPORT/d/*"
	check_rc 0 || rc=1
	only_entries "$d" ok.txt || rc=1
	check_eq "RETRs (ok.txt only)" 1 $(($(log_count "$HSLOG" '< RETR ') - n)) || rc=1
	check_eq "RETR d/ok.txt" 1 "$(log_count "$HSLOG" '< RETR d/ok.txt$')" || rc=1
	return $rc
}

c_kernel_clean() {
	kernel_clean_since "$MARK"
}

# ---------------------------------------------------------------- run

tcase "vsftpd: -l sends LIST (no MLST in FEAT); names with spaces and UTF-8" c_vsftpd_list
tcase "pyftpdlib: -l sends MLSD (FEAT offers MLST); the same names" c_pyftpd_mlsd
tcase "-l of the login directory: ftp://h/, ftp://h" c_login_dir
tcase "-l of an empty directory: nothing on stdout, exit 0" c_empty
tcase "three listings in one run: one login" c_one_login
tcase "a missing directory (pyftpdlib's 501 to MLSD, 550): exit 6; MLSD refused (500): exit 8" c_missing
tcase "hostile names (../x, /etc/x, a/b, CR, NUL, ESC, 300 bytes): reported, left out" c_hostile_names
tcase "a listing that never ends: --max-filesize stops it (exit 11), the next one works" c_endless
tcase "SIGSTOP/SIGCONT while 20000 entries stream: all of them, LIST sent once" c_stop_cont
tcase "wildcards: *.txt (vsftpd, one login), ?.bin and [cn]* (pyftpdlib), * with -Z" c_wildcards
tcase "a wildcard that matches nothing, or a missing directory: exit 6, the rest still comes" c_wildcard_none
tcase "a wildcard over a hostile listing: only the one file name is asked for" c_wildcard_hostile
tcase "no BUG/WARNING/Oops in the kernel log" c_kernel_clean
part_done

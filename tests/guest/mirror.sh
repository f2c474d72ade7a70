#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mirror.sh START_N: kftp-get -r (--recursive, --mirror), a directory tree
# fetched into --output-dir DIR or ./NAME:
#   - vsftpd (LIST) and pyftpdlib (MLSD) trees, 3 levels deep, an empty
#     directory, names with spaces and UTF-8, a 1 MiB file, 50 small ones:
#     the same tree locally (types, paths, sizes, sha256, mtimes to the
#     second as MDTM says), directories 0755, one login, each directory
#     listed once, the summary line; links in a LIST are skipped;
#   - --follow-symlinks (vsftpd's real links): a link, a chain, a link up
#     by ../ land as the file they lead to, RETR'd by their own names; one
#     to a directory, to /etc, out of the tree, to nothing: skipped, said;
#     a second run fetches nothing;
#   - 1,000 files of 4 KiB on one login;
#   - -N: a second run sends no RETR; a file changed on the server (size
#     and a newer time, or a newer time alone) or locally (an older time)
#     is fetched again, alone;
#   - --delete: local files, directories and symlinks that the listing does
#     not have go (a symlink, not its target), --exclude'd names stay, and
#     so does what is under a directory whose listing failed;
#   - --include/--exclude (fnmatch on the path from the top), --level N
#     (deeper directories neither listed nor made);
#   - -Z --parallel-max 3: the tree right, at most 3 + 1 logins;
#   - a missing directory (exit 6, no file made); usage errors (exit 2
#     before any connection: -l, -o, --checksum, a wildcard) and two URLs
#     into one directory (exit 2 before any RETR); --max-files (exit 2, no
#     RETR) and --max-entries (exit 2), each bound itself passing;
#   - hostile trees from the scripted server: names that are not file names
#     (../x, /etc/x, a/b, CR, NUL, ESC, 300 bytes, ../../y in a
#     subdirectory) in MLSD and LIST, a link "evil -> /" and a FIFO: only
#     the two good files land, inside the output directory, exit 0; a
#     directory that lists itself (exit 2, "deeper than 32 levels", at
#     most 32 levels made); a tree that changed since it was listed (exit
#     6, the rest fetched, no temp file, --failed names the tree), then
#     changed again (-r -N --delete -i the --failed file);
#     a listing that never ends (exit 11);
#   - a local directory that is a symlink, before the run (vsftpd) or made
#     one while a file of the top directory is held by the server: nothing
#     is written through it (exit 7);
#   - the kernel log stays clean.
#
# Part of the in-guest suite (tests/guest/suite.sh; see tests/guest/lib.sh).
# The interface under test is kftp-get(1)'s -r; what a case assumes beyond
# it is said at the case.

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init mirror "$@"

W=$PART_WORK
S=$FTP_ROOT/mirror		# the trees this part mirrors, served by both servers
MARK=$(kmsg_mark)
HFIFO=$W/hs.fifo		# hold commands to the scripted server
HCMD_N=0
H=				# ftp://127.0.0.1:PORT of the scripted server

cleanup() {
	[ -z "$HSPID" ] || stop_pid "$HSPID" hostile_ftpd.py >/dev/null
	rm -rf "$S"
	return 0
}
on_exit cleanup

umask 022
# How a received command shows in each server's log (see suite.sh's
# c_active_only): vsftpd "RETR mirror/x", pyftpd.py b'RETR mirror/x'.
VCMD='"'
PCMD="b'"

# The epochs of the scripted server's trees (hostile_ftpd.py, "trees").
T_TREE=1681553472		# 20230415101112, TREE_MTIME
T_A1=1672531201			# 20230101000001
T_S=1672531202			# 20230101000002
T_A2=1704164645			# 20240102030405
T_NEW=1704164646		# 20240102030406

# ---------------------------------------------------------------- helpers

# set_times DIR: every file under DIR gets a time of its own, whole
# seconds: every other one in the last month (LIST shows it to the
# minute), the others years back (LIST: to the day).
set_times() {
	"$PYTHON" - "$1" <<'EOF'
import os, sys, time
now = int(time.time())
i = 0
for root, dirs, files in sorted(os.walk(sys.argv[1])):
    for f in sorted(files):
        i += 1
        t = now - 3 * 86400 - i * 611 if i % 2 else 1577934245 + i * 7 * 86400 + i
        os.utime(os.path.join(root, f), (t, t))
EOF
}

# manifest DIR: every entry under DIR, sorted: "f SIZE MTIME PATH" and
# "s SHA256 PATH" for a file (MTIME in whole seconds), "TYPE PATH" for the
# rest (find's %y: d, l, p...).
manifest() {
	(
		cd "$1" || exit 1
		find . -mindepth 1 ! -type f -printf '%y %P\n'
		find . -mindepth 1 -type f -printf 'f %s %Ts %P\n'
		find . -mindepth 1 -type f -print0 | xargs -0 -r sha256sum |
			sed 's|^\([0-9a-f]*\)  \./|s \1 |'
	) | sort
}

# same_tree SERVED GOT: GOT holds what SERVED does, entry for entry: types,
# paths, sizes, digests, mtimes.
same_tree() {
	local out
	out=$(diff <(manifest "$1") <(manifest "$2") 2>&1) && return 0
	diag "$2 is not the tree $1 (< served, > fetched):"
	diag "$(head -n 30 <<<"$out")"
	return 1
}

# files_are DIR PATH...: the regular files under DIR are exactly these.
files_are() {
	local d=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sort)
	got=$(cd "$d" 2>/dev/null && find . -type f -printf '%P\n' | sort)
	check_eq "files under $d" "${want//$'\n'/|}" "${got//$'\n'/|}"
}

# entries_are DIR PATH...: everything under DIR, any type, is exactly these.
entries_are() {
	local d=$1 want got
	shift
	want=$(printf '%s\n' "$@" | sort)
	got=$(cd "$d" 2>/dev/null && find . -mindepth 1 -printf '%P\n' | sort)
	check_eq "entries under $d" "${want//$'\n'/|}" "${got//$'\n'/|}"
}

# dirs_under DIR: the directories under DIR, relative, sorted, '|'-joined.
dirs_under() {
	local got
	got=$(cd "$1" 2>/dev/null && find . -mindepth 1 -type d -printf '%P\n' | sort)
	printf '%s\n' "${got//$'\n'/|}"
}

# mtime_is FILE EPOCH
mtime_is() {
	check_eq "mtime of $1" "$2" "$(stat -c %Y -- "$1" 2>/dev/null)"
}

# sha_str TEXT: the digest of TEXT's bytes (printf's escapes taken).
sha_str() {
	local s
	# shellcheck disable=SC2059  # TEXT is a format on purpose: \n
	s=$(printf "$1" | sha256sum)
	printf '%s\n' "${s%% *}"
}

# summary_is F B U E L D X: the summary line of the last run, exactly.
summary_is() {
	check_contains "summary line" "$KERR" \
		"mirror: $1 fetched ($2 bytes), $3 up to date, $4 excluded, $5 links skipped, $6 deleted, $7 failed"
}

# summary_num WORD: the number before WORD in the summary line ("deleted",
# "failed"...), or empty.
summary_num() {
	local line re="(^|[^0-9])([0-9]+) $1"
	line=$(grep -o 'mirror: [0-9].*' <<<"$KERR" | tail -n 1)
	[[ $line =~ $re ]] && printf '%s\n' "${BASH_REMATCH[2]}"
}

# delta_since FILE RE BEFORE: how many more lines match RE than BEFORE.
delta_since() {
	echo $(($(log_count "$1" "$2") - $3))
}

# no_file_under DIR: not one regular file under DIR.
no_file_under() {
	local f
	f=$(find "$1" -type f 2>/dev/null | head -n 5)
	[ -z "$f" ] && return 0
	diag "files under $1: $f"
	return 1
}

# in_dir DIR kget ARGS...: kget with DIR as the working directory (kget's
# KRC, KERR... stay set: no subshell).
in_dir() {
	local here=$PWD
	cd "$1" || return 1
	shift
	"$@"
	cd "$here" || return 1
}

# said_symlink: the last run's stderr says why it would not write: a
# symlink on the way (ELOOP's "Too many levels of symbolic links", or
# kftp-get's own words: "refusing", "symlink").
said_symlink() {
	case $KERR in
	*"symbolic link"* | *symlink* | *refusing*) return 0 ;;
	esac
	diag "no word of a symlink in: $KERR"
	return 1
}

# hs_use SCENARIO: the scripted server (started on first use, with a hold
# FIFO, as lib.sh's scripted_scenario starts it otherwise) serves SCENARIO
# from now on; H is its URL.
hs_use() {
	if [ -z "$HSPID" ]; then
		start_hostile_ftpd "$W/hs" --control "$W/hs.ctl" --command "$HFIFO" || return 1
		HSPID=$HOSTILE_PID HSPORT=$HOSTILE_PORT HSLOG=$W/hs/hostile.log
		MAIN_SHA=$(sha_of "$W/hs/hdata/main.bin")
	fi
	H=ftp://127.0.0.1:$HSPORT
	scripted_scenario "$1"
}

# hs_cmd COMMAND...: one hold command (hold STEP, release...) to the
# scripted server; 0 once it says it is done.
hs_cmd() {
	local fd n _ line
	HCMD_N=$((HCMD_N + 1))
	n=$HCMD_N
	exec {fd}<>"$HFIFO" || return 1
	printf '%s\n' "$*" >&"$fd"
	exec {fd}>&-
	for _ in $(seq "$(tscale 200)"); do
		line=$(grep -F "* command $n: " "$HSLOG" 2>/dev/null)
		if [ -n "$line" ]; then
			case $line in
			*": error"*) diag "hold command '$*': $line"; return 1 ;;
			esac
			return 0
		fi
		sleep 0.1
	done
	diag "hold command '$*': no answer in $HSLOG"
	return 1
}

# ---------------------------------------------------------------- trees

# The main tree: 59 files, 9 directories (top included).
mk_tree() {
	local t=$S/tree i
	mkdir -p "$t/a/b/c" "$t/empty" "$t/dir with spaces" "$t/café/sous-dossier" "$t/small" ||
		return 1
	head -c $((1048576 + 4097)) /dev/urandom >"$t/big.bin"
	printf 'café\n' >"$t/café.txt"
	printf 'spaces\n' >"$t/name with spaces.txt"
	: >"$t/zero.bin"
	printf 'a1\n' >"$t/a/a1.txt"
	head -c 70001 /dev/urandom >"$t/a/b/b1.bin"
	printf 'three levels down\n' >"$t/a/b/c/c1.txt"
	printf 'in a directory with spaces\n' >"$t/dir with spaces/f.txt"
	printf 'déjà vu\n' >"$t/café/sous-dossier/été.txt"
	for i in $(seq -w 1 50); do
		printf 'small file %s\n' "$i" >"$t/small/s$i.txt"
	done
	set_times "$t"
}

# -N's tree (its files change during the case).
mk_newer() {
	local t=$S/newer
	mkdir -p "$t/sub" || return 1
	printf 'newer one\n' >"$t/f1.txt"
	printf 'newer two\n' >"$t/f2.txt"
	printf 'newer three\n' >"$t/sub/f3.txt"
	head -c 5000 /dev/urandom >"$t/sub/f4.bin"
	set_times "$t"
}

mk_small_trees() {
	local i j
	mkdir -p "$S/del/sub" "$S/filt/sub/deep" "$S/links/dir" || return 1
	printf 'del one\n' >"$S/del/f1.txt"
	printf 'del two\n' >"$S/del/sub/f2.txt"
	printf 'a\n' >"$S/filt/a.txt"
	printf 'b\n' >"$S/filt/b.bin"
	printf 'c\n' >"$S/filt/c.log"
	printf 'x\n' >"$S/filt/sub/x.txt"
	printf 'y\n' >"$S/filt/sub/y.bin"
	printf 'z\n' >"$S/filt/sub/deep/z.txt"
	printf 'w\n' >"$S/filt/sub/deep/w.bin"
	# -Z's: 6 files in the top and in each of d1..d4, 30 in all.
	for i in top d1 d2 d3 d4; do
		mkdir -p "$S/par/$i"
		for j in 1 2 3 4 5 6; do
			printf 'par %s %s\n' "$i" "$j" >"$S/par/$i/p$j.txt"
		done
	done
	mv "$S/par/top/"* "$S/par/" && rmdir "$S/par/top"
	# Links that vsftpd's LIST shows as such ("l", "name -> target").
	printf 'real\n' >"$S/links/real.txt"
	printf 'in dir\n' >"$S/links/dir/in.txt"
	ln -s real.txt "$S/links/link.txt"
	ln -s dir "$S/links/linkdir"
	ln -s /etc "$S/links/etclink"
	# --follow-symlinks': a chain, one that climbs within the tree, one
	# out of it (to a file the server has), one to nothing.
	ln -s link.txt "$S/links/chain.txt"
	ln -s ../real.txt "$S/links/dir/up.txt"
	ln -s ../del/f1.txt "$S/links/out.txt"
	ln -s nothere "$S/links/dangling"
	# An old time, seconds unlike now's: a followed link must take it.
	touch -h -d '2025-06-01 12:34:56 UTC' "$S/links/real.txt"
	set_times "$S/del"
	set_times "$S/filt"
}

if [ -z "$SUITE_ABORT" ]; then
	rm -rf "$S"
	mk_tree && mk_newer && mk_small_trees || SUITE_ABORT="cannot create the trees in $S"
	chmod -R a+rX "$S"
fi
TREE_FILES=$(find "$S/tree" -type f 2>/dev/null | wc -l)
TREE_DIRS=$(find "$S/tree" -type d 2>/dev/null | wc -l)
TREE_BYTES=$(find "$S/tree" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')

# ---------------------------------------------------------------- cases

# vsftpd has no MLST: LIST, once per directory, on one login; no
# --output-dir: the tree lands in ./tree.
c_vsftpd_tree() {
	local rc=0 d c0 l0 bad
	d=$(fresh vtree)
	c0=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	l0=$(log_count "$VSFTPD_LOG" "${VCMD}LIST /\\?mirror/tree")
	in_dir "$d" kget -r "$V/mirror/tree/"
	check_rc 0 || rc=1
	only_entries "$d" tree || rc=1
	same_tree "$S/tree" "$d/tree" || rc=1
	[ -d "$d/tree/empty" ] || { diag "the empty directory was not made"; rc=1; }
	bad=$(find "$d/tree" -type d ! -perm 755 -printf '%m %P\n' 2>/dev/null)
	[ -z "$bad" ] || { diag "directories not 0755 (umask 022): $bad"; rc=1; }
	check_eq "connections to vsftpd" 1 \
		"$(delta_since "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE" "$c0")" || rc=1
	check_eq "LIST commands (one per directory)" "$TREE_DIRS" \
		"$(delta_since "$VSFTPD_LOG" "${VCMD}LIST /\\?mirror/tree" "$l0")" || rc=1
	summary_is "$TREE_FILES" "$TREE_BYTES" 0 0 0 0 0 || rc=1
	return $rc
}

# pyftpdlib offers MLST: MLSD. The URL without its '/', --output-dir made;
# then -N: MLSD's times are to the second, nothing is fetched again.
c_pyftpd_tree() {
	local rc=0 d c0 m0 l0 r0
	d=$(fresh ptree)
	c0=$(log_count "$PYFTPD_LOG" "$PYFTPD_CONNECT_RE")
	m0=$(log_count "$PYFTPD_LOG" "${PCMD}MLSD /\\?mirror/tree")
	l0=$(log_count "$PYFTPD_LOG" "${PCMD}LIST")
	kget -r --output-dir "$d/out" "$P/mirror/tree"
	check_rc 0 || rc=1
	only_entries "$d" out || rc=1
	same_tree "$S/tree" "$d/out" || rc=1
	check_eq "connections to pyftpdlib" 1 \
		"$(delta_since "$PYFTPD_LOG" "$PYFTPD_CONNECT_RE" "$c0")" || rc=1
	check_eq "MLSD commands (one per directory)" "$TREE_DIRS" \
		"$(delta_since "$PYFTPD_LOG" "${PCMD}MLSD /\\?mirror/tree" "$m0")" || rc=1
	check_eq "LIST commands to pyftpdlib" 0 "$(delta_since "$PYFTPD_LOG" "${PCMD}LIST" "$l0")" || rc=1
	summary_is "$TREE_FILES" "$TREE_BYTES" 0 0 0 0 0 || rc=1
	r0=$(log_count "$PYFTPD_LOG" "${PCMD}RETR ")
	kget -r -N --output-dir "$d/out" "$P/mirror/tree/"
	check_rc 0 || rc=1
	check_eq "RETRs of the -N run" 0 "$(delta_since "$PYFTPD_LOG" "${PCMD}RETR " "$r0")" || rc=1
	summary_is 0 0 "$TREE_FILES" 0 0 0 0 || rc=1
	same_tree "$S/tree" "$d/out" || rc=1
	return $rc
}

# 1,000 files (the debug lane: its share of them) on one login, -q: no
# summary.
c_many() {
	local rc=0 d n c0 r0
	n=$(reps 1000)
	mkdir -p "$S/many" || return 1
	head -c $((n * 4096)) /dev/urandom | (cd "$S/many" && split -b 4096 -a 4 -d - f) ||
		return 1
	chmod -R a+rX "$S/many"
	d=$(fresh many)
	c0=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	r0=$(log_count "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/many/")
	KGET_TIMEOUT=$(tscale 600) kget -q -r --output-dir "$d" "$V/mirror/many/"
	check_rc 0 || rc=1
	check_eq "files fetched" "$n" "$(find "$d" -type f | wc -l)" || rc=1
	same_tree "$S/many" "$d" || rc=1
	check_eq "connections to vsftpd" 1 \
		"$(delta_since "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE" "$c0")" || rc=1
	check_eq "RETRs" "$n" "$(delta_since "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/many/" "$r0")" || rc=1
	case $KERR in
	*"mirror: "*) diag "-q: a summary line all the same: $KERR"; rc=1 ;;
	esac
	rm -rf "$S/many"
	return $rc
}

# -N against vsftpd (LIST: minutes, or days for old files).
c_only_newer() {
	local rc=0 d re r0 r3 t
	d=$(fresh newer)
	re="${VCMD}RETR /\\?mirror/newer/"
	kget -r -N --output-dir "$d" "$V/mirror/newer/"
	check_rc 0 || rc=1
	same_tree "$S/newer" "$d" || rc=1
	# Nothing changed: no RETR at all.
	r0=$(log_count "$VSFTPD_LOG" "$re")
	kget -r -N --output-dir "$d" "$V/mirror/newer/"
	check_rc 0 || rc=1
	check_eq "RETRs of an unchanged tree" 0 "$(delta_since "$VSFTPD_LOG" "$re" "$r0")" || rc=1
	summary_is 0 0 4 0 0 0 0 || rc=1
	# sub/f3.txt rewritten on the server: new size, a newer time. (Every
	# change here is newer than the local copy: whether -N also fetches
	# an older server file is not this case's question.)
	t=$(($(date +%s) - 86400))
	printf 'newer three, rewritten\n' >"$S/newer/sub/f3.txt"
	touch -d "@$t" "$S/newer/sub/f3.txt"
	r0=$(log_count "$VSFTPD_LOG" "$re")
	r3=$(log_count "$VSFTPD_LOG" "${re}sub/f3.txt\"")
	kget -r -N --output-dir "$d" "$V/mirror/newer/"
	check_rc 0 || rc=1
	check_eq "RETRs after one file changed" 1 "$(delta_since "$VSFTPD_LOG" "$re" "$r0")" || rc=1
	check_eq "RETRs of sub/f3.txt" 1 "$(delta_since "$VSFTPD_LOG" "${re}sub/f3.txt\"" "$r3")" || rc=1
	check_sha "$d/sub/f3.txt" "$(sha_of "$S/newer/sub/f3.txt")" || rc=1
	mtime_is "$d/sub/f3.txt" "$t" || rc=1
	# f2.txt (a year or more old): the same size, a time two days later.
	t=$(stat -c %Y "$S/newer/f2.txt")
	printf 'newer TWO\n' >"$S/newer/f2.txt"
	touch -d "@$((t + 2 * 86400))" "$S/newer/f2.txt"
	r0=$(log_count "$VSFTPD_LOG" "$re")
	kget -r -N --output-dir "$d" "$V/mirror/newer/"
	check_rc 0 || rc=1
	check_eq "RETRs after a file's time changed" 1 "$(delta_since "$VSFTPD_LOG" "$re" "$r0")" || rc=1
	check_sha "$d/f2.txt" "$(sha_of "$S/newer/f2.txt")" || rc=1
	mtime_is "$d/f2.txt" "$((t + 2 * 86400))" || rc=1
	# The local copy of f1.txt gets an older time: fetched again.
	touch -d '2001-01-01 00:00:00 UTC' "$d/f1.txt"
	r0=$(log_count "$VSFTPD_LOG" "$re")
	kget -r -N --output-dir "$d" "$V/mirror/newer/"
	check_rc 0 || rc=1
	check_eq "RETRs after a local time changed" 1 "$(delta_since "$VSFTPD_LOG" "$re" "$r0")" || rc=1
	same_tree "$S/newer" "$d" || rc=1
	return $rc
}

# -C -: a partial that a run left (shorter, written after the server's
# time) is resumed with REST; an older complete copy of a file that grew
# on the server is fetched whole, never appended to; -N still resumes a
# partial. Both end as the server's bytes and time.
c_resume() {
	local rc=0 d t re r0 rest0 rest1
	d=$(fresh resume)
	mkdir -p "$S/resume" || return 1
	head -c 1048576 /dev/urandom >"$S/resume/big.bin"
	printf 'old small\n' >"$S/resume/small.txt"
	t=$(($(date +%s) - 3 * 86400))
	touch -d "@$t" "$S/resume/big.bin" "$S/resume/small.txt"
	chmod -R a+rX "$S/resume"
	kget -r --output-dir "$d" "$V/mirror/resume/"
	check_rc 0 || rc=1
	# What a run with --keep-partial left of big.bin, written just now;
	# small.txt grew on the server, a day later than the local copy.
	truncate -s 100000 "$d/big.bin"
	printf 'the new small, longer\n' >"$S/resume/small.txt"
	touch -d "@$((t + 86400))" "$S/resume/small.txt"
	re="${VCMD}RETR /\\?mirror/resume/"
	r0=$(log_count "$VSFTPD_LOG" "$re")
	rest0=$(log_count "$VSFTPD_LOG" "${VCMD}REST ")
	rest1=$(log_count "$VSFTPD_LOG" "${VCMD}REST 100000")
	kget -r -N -C - --output-dir "$d" "$V/mirror/resume/"
	check_rc 0 || rc=1
	check_eq "RETRs" 2 "$(delta_since "$VSFTPD_LOG" "$re" "$r0")" || rc=1
	check_eq "RESTs (big.bin's only)" 1 "$(delta_since "$VSFTPD_LOG" "${VCMD}REST " "$rest0")" || rc=1
	check_eq "REST at the partial's size" 1 \
		"$(delta_since "$VSFTPD_LOG" "${VCMD}REST 100000" "$rest1")" || rc=1
	check_sha "$d/big.bin" "$(sha_of "$S/resume/big.bin")" || rc=1
	check_sha "$d/small.txt" "$(sha_of "$S/resume/small.txt")" || rc=1
	mtime_is "$d/big.bin" "$t" || rc=1
	mtime_is "$d/small.txt" "$((t + 86400))" || rc=1
	rm -rf "$S/resume"
	return $rc
}

# --delete: what the listings do not have goes, a symlink as a link (its
# target, outside, stays), --exclude'd names stay; without --delete all
# of it stays.
c_delete() {
	local rc=0 d out canary n
	d=$(fresh delete)
	out=$d/out canary=$d/canary
	mkdir -p "$canary" && printf 'canary\n' >"$canary/canary.txt" || return 1
	kget -r --output-dir "$out" "$V/mirror/del/"
	check_rc 0 || rc=1
	same_tree "$S/del" "$out" || rc=1
	printf 'x\n' >"$out/extra.txt"
	mkdir -p "$out/extradir/deeper"
	printf 'x\n' >"$out/extradir/x.txt"
	printf 'y\n' >"$out/extradir/deeper/y.txt"
	ln -s "$canary" "$out/extralink"
	ln -s "$canary/canary.txt" "$out/sub/filelink"
	printf 'x\n' >"$out/sub/extra2.txt"
	printf 'keep\n' >"$out/keep.keep"
	kget -r -N --output-dir "$out" "$V/mirror/del/"
	check_rc 0 || rc=1
	entries_are "$out" f1.txt sub sub/f2.txt extra.txt extradir extradir/x.txt \
		extradir/deeper extradir/deeper/y.txt extralink sub/filelink \
		sub/extra2.txt keep.keep || rc=1
	kget -r -N --delete --exclude '*.keep' --output-dir "$out" "$V/mirror/del/"
	check_rc 0 || rc=1
	entries_are "$out" f1.txt sub sub/f2.txt keep.keep || rc=1
	check_sha "$out/f1.txt" "$(sha_of "$S/del/f1.txt")" || rc=1
	check_sha "$out/sub/f2.txt" "$(sha_of "$S/del/sub/f2.txt")" || rc=1
	entries_are "$canary" canary.txt || rc=1
	check_sha "$canary/canary.txt" "$(sha_str 'canary\n')" || rc=1
	# 5 names at the top of what goes; 8 with what extradir held.
	n=$(summary_num deleted)
	if [ -z "$n" ] || [ "$n" -lt 5 ] || [ "$n" -gt 8 ]; then
		diag "summary: expected 5 to 8 deleted, got '${n}': $KERR"
		rc=1
	fi
	return $rc
}

# --include/--exclude: fnmatch without FNM_PATHNAME on the path from the
# top ("*.txt" matches sub/x.txt); files only.
c_filters() {
	local rc=0 d
	d=$(fresh filt1)
	kget -r --include '*.txt' --output-dir "$d" "$P/mirror/filt/"
	check_rc 0 || rc=1
	files_are "$d" a.txt sub/x.txt sub/deep/z.txt || rc=1
	check_sha "$d/sub/deep/z.txt" "$(sha_of "$S/filt/sub/deep/z.txt")" || rc=1
	mtime_is "$d/sub/deep/z.txt" "$(stat -c %Y "$S/filt/sub/deep/z.txt")" || rc=1
	summary_is 3 6 0 4 0 0 0 || rc=1
	d=$(fresh filt2)
	kget -r --exclude '*.bin' --exclude 'sub/deep/*' --output-dir "$d" "$P/mirror/filt/"
	check_rc 0 || rc=1
	files_are "$d" a.txt c.log sub/x.txt || rc=1
	summary_is 3 6 0 4 0 0 0 || rc=1
	d=$(fresh filt3)
	kget -r --include 'sub/*' --exclude '*.bin' --output-dir "$d" "$V/mirror/filt/"
	check_rc 0 || rc=1
	files_are "$d" sub/x.txt sub/deep/z.txt || rc=1
	d=$(fresh filt4)
	kget -r --include '*.log' --include 'sub/deep/w.bin' --output-dir "$d" "$V/mirror/filt/"
	check_rc 0 || rc=1
	files_are "$d" c.log sub/deep/w.bin || rc=1
	check_sha "$d/sub/deep/w.bin" "$(sha_of "$S/filt/sub/deep/w.bin")" || rc=1
	return $rc
}

# --level N: N levels of directories listed; a deeper one is neither
# listed nor made (a local directory is made once its listing has come).
c_level() {
	local rc=0 d n re l0
	re="${VCMD}LIST /\\?mirror/filt"
	for n in 1 2 3; do
		d=$(fresh "level$n")
		l0=$(log_count "$VSFTPD_LOG" "$re")
		kget -r --level "$n" --output-dir "$d" "$V/mirror/filt/"
		check_rc 0 || rc=1
		check_eq "--level $n: LIST commands" "$n" "$(delta_since "$VSFTPD_LOG" "$re" "$l0")" || rc=1
		case $n in
		1)
			files_are "$d" a.txt b.bin c.log || rc=1
			check_eq "--level 1: directories" "" "$(dirs_under "$d")" || rc=1 ;;
		2)
			files_are "$d" a.txt b.bin c.log sub/x.txt sub/y.bin || rc=1
			check_eq "--level 2: directories" "sub" "$(dirs_under "$d")" || rc=1 ;;
		3)
			same_tree "$S/filt" "$d" || rc=1 ;;
		esac
	done
	return $rc
}

# Links in vsftpd's LIST (to a file, to a directory, to /etc, ...) are
# skipped, never followed, without --follow-symlinks.
c_links() {
	local rc=0 d l0
	d=$(fresh links)
	l0=$(log_count "$VSFTPD_LOG" "${VCMD}LIST /\\?mirror/links")
	kget -r --output-dir "$d" "$V/mirror/links/"
	check_rc 0 || rc=1
	entries_are "$d" real.txt dir dir/in.txt || rc=1
	check_sha "$d/real.txt" "$(sha_str 'real\n')" || rc=1
	check_eq "LIST commands (links/ and links/dir/)" 2 \
		"$(delta_since "$VSFTPD_LOG" "${VCMD}LIST /\\?mirror/links" "$l0")" || rc=1
	summary_is 2 12 0 0 7 0 0 || rc=1
	case $KERR in
	*"not followed"*) diag "a link said without --follow-symlinks: $KERR"; rc=1 ;;
	esac
	return $rc
}

# --follow-symlinks: the links that lead to a file of the tree (link.txt,
# chain.txt through it, dir/up.txt by ../) land as regular files with the
# file's bytes and time, RETR'd by their own names; the others (to a
# directory, to /etc, which is absolute under a top relative to the login
# directory, out of the tree, to nothing) are skipped, each said why. A second run fetches nothing: a followed link is up to date by its
# file's listing.
c_follow() {
	local rc=0 d r0 c0 real
	d=$(fresh follow)
	real=$(sha_str 'real\n')
	r0=$(log_count "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/links/")
	c0=$(log_count "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/links/chain.txt")
	kget -r --follow-symlinks --output-dir "$d" "$V/mirror/links/"
	check_rc 0 || rc=1
	entries_are "$d" real.txt link.txt chain.txt dir dir/in.txt dir/up.txt || rc=1
	for f in real.txt link.txt chain.txt dir/up.txt; do
		check_sha "$d/$f" "$real" || rc=1
		mtime_is "$d/$f" "$(stat -c %Y "$S/links/real.txt")" || rc=1
	done
	check_eq "RETRs" 5 "$(delta_since "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/links/" "$r0")" || rc=1
	check_eq "RETRs of chain.txt, by its own name" 1 \
		"$(delta_since "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/links/chain.txt" "$c0")" || rc=1
	summary_is 5 27 0 0 4 0 0 || rc=1
	for f in "linkdir': a link not followed: it points to a directory" \
		"etclink': a link not followed: it points to an absolute path" \
		"out.txt': a link not followed: it points out of the tree" \
		"dangling': a link not followed: it points to nothing"; do
		check_contains "why a link is skipped" "$KERR" "$d/$f" || rc=1
	done
	r0=$(log_count "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/links/")
	kget -r --follow-symlinks --output-dir "$d" "$V/mirror/links/"
	check_rc 0 || rc=1
	summary_is 0 0 5 0 4 0 0 || rc=1
	check_eq "RETRs (second run)" 0 \
		"$(delta_since "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/links/" "$r0")" || rc=1
	return $rc
}

# -Z --parallel-max 3: the parent lists on one login and lets it go, then
# at most 3 workers log in, once each: 4 logins at most.
c_parallel() {
	local rc=0 d c0 r0 n
	d=$(fresh par)
	c0=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	r0=$(log_count "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/par/")
	kget -r -Z --parallel-max 3 --output-dir "$d" "$V/mirror/par/"
	check_rc 0 || rc=1
	same_tree "$S/par" "$d" || rc=1
	check_eq "RETRs (each file once)" 30 \
		"$(delta_since "$VSFTPD_LOG" "${VCMD}RETR /\\?mirror/par/" "$r0")" || rc=1
	n=$(delta_since "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE" "$c0")
	if [ "$n" -lt 1 ] || [ "$n" -gt 4 ]; then
		diag "connections to vsftpd: expected 1 to 4 (a listing login, 3 workers), got $n"
		rc=1
	fi
	summary_is 30 "$(cat "$S"/par/*.txt "$S"/par/*/*.txt | wc -c)" 0 0 0 0 0 || rc=1
	return $rc
}

# A directory that does not exist (pyftpdlib: 550; vsftpd would list it
# empty): exit 6, the message of -l, no file made.
c_missing() {
	local rc=0 d
	d=$(fresh missing)
	kget -r --output-dir "$d/out" "$P/mirror/nodir/"
	expect_fail 6 "remote directory missing or not listable" || rc=1
	no_file_under "$d" || rc=1
	d=$(fresh missing2)
	in_dir "$d" kget -r "$P/mirror/nodir/"
	check_rc 6 || rc=1
	no_file_under "$d" || rc=1
	check_eq "what is left in the working directory (an empty ./nodir at most)" "" \
		"$(cd "$d" && find . -mindepth 1 ! -path ./nodir -printf '%P\n')" || rc=1
	return $rc
}

# usage_2 DIR ARGS...: kftp-get -r ARGS in DIR exits 2.
usage_2() {
	local d=$1
	shift
	in_dir "$d" kget -r "$@"
	check_rc 2
}

# Usage errors: exit 2 before any connection, nothing made. Two trees
# that would write the same files (both ./filt): exit 2 before any file
# is fetched (the listings, which tell the files, may have been made).
c_usage() {
	local rc=0 d c0 p0 r0 q0
	d=$(fresh usage)
	c0=$(log_count "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE")
	p0=$(log_count "$PYFTPD_LOG" "$PYFTPD_CONNECT_RE")
	usage_2 "$d" -l "$V/mirror/del/" || rc=1
	usage_2 "$d" -o x "$V/mirror/del/" || rc=1
	usage_2 "$d" --checksum "sha-256=$(sha_str x)" "$V/mirror/del/" || rc=1
	usage_2 "$d" "$V/mirror/filt/*.txt" || rc=1
	entries_are "$d" || rc=1
	check_eq "connections to vsftpd" 0 \
		"$(delta_since "$VSFTPD_LOG" "$VSFTPD_CONNECT_RE" "$c0")" || rc=1
	check_eq "connections to pyftpdlib" 0 \
		"$(delta_since "$PYFTPD_LOG" "$PYFTPD_CONNECT_RE" "$p0")" || rc=1
	r0=$(log_count "$VSFTPD_LOG" "${VCMD}RETR ")
	q0=$(log_count "$PYFTPD_LOG" "${PCMD}RETR ")
	usage_2 "$d" "$V/mirror/filt/" "$P/mirror/filt" || rc=1
	check_eq "RETRs to vsftpd" 0 "$(delta_since "$VSFTPD_LOG" "${VCMD}RETR " "$r0")" || rc=1
	check_eq "RETRs to pyftpdlib" 0 "$(delta_since "$PYFTPD_LOG" "${PCMD}RETR " "$q0")" || rc=1
	no_file_under "$d" || rc=1
	return $rc
}

# --max-files N: more files than N fail the URL (exit 2) before any of them
# is fetched; N files are fine. --max-entries N: a directory of more
# entries than N (small/ has 50) fails it the same way.
c_limits() {
	local rc=0 d r0 re
	re="${VCMD}RETR /\\?mirror/tree/"
	d=$(fresh lim1)
	r0=$(log_count "$VSFTPD_LOG" "$re")
	kget -q -r --max-files $((TREE_FILES - 1)) --output-dir "$d" "$V/mirror/tree/"
	expect_fail 2 "--max-files" || rc=1
	check_eq "RETRs" 0 "$(delta_since "$VSFTPD_LOG" "$re" "$r0")" || rc=1
	no_file_under "$d" || rc=1
	d=$(fresh lim2)
	kget -q -r --max-entries 49 --output-dir "$d" "$V/mirror/tree/"
	expect_fail 2 "--max-entries" || rc=1
	d=$(fresh lim3)
	kget -q -r --max-files "$TREE_FILES" --max-entries 50 --output-dir "$d" "$P/mirror/tree/"
	check_rc 0 || rc=1
	same_tree "$S/tree" "$d" || rc=1
	return $rc
}

# hostile_common D OUT FORM N: after a run over mirrorhostile(list): exit
# 0, only good.txt and gooddir/inner.txt (with the tree's time), nothing
# outside OUT, N lines of FORM reported, no ESC byte out, 2 RETRs.
hostile_common() {
	local d=$1 out=$2 form=$3 n=$4 r0=$5 rc=0 f
	check_rc 0 || rc=1
	entries_are "$out" good.txt gooddir gooddir/inner.txt || rc=1
	only_entries "$d" out || rc=1
	check_sha "$out/good.txt" "$(sha_str 'good file\n')" || rc=1
	check_sha "$out/gooddir/inner.txt" "$(sha_str 'inner file\n')" || rc=1
	mtime_is "$out/good.txt" "$T_TREE" || rc=1
	for f in /etc/x "$W/x" "$W/y" "$d/x" "$d/y" "$out/a"; do
		if [ -e "$f" ] || [ -L "$f" ]; then diag "$f exists"; rc=1; fi
	done
	check_eq "$form lines reported skipped" "$n" \
		"$(grep -c "$form line [0-9]* skipped" <<<"$KERR")" || rc=1
	if grep -q $'\e' <<<"$KERR$KOUT"; then
		diag "an ESC byte reached the terminal"
		rc=1
	fi
	check_eq "RETRs (the two good files)" 2 "$(delta_since "$HSLOG" '< RETR ' "$r0")" || rc=1
	return $rc
}

c_hostile_mlsd() {
	local rc=0 d r0
	hs_use mirrorhostile || return 1
	d=$(fresh hostile-mlsd)
	r0=$(log_count "$HSLOG" '< RETR ')
	kget -r --output-dir "$d/out" "$H/d/"
	# 9 at the top (listing.sh's nine), ../../y in gooddir.
	hostile_common "$d" "$d/out" MLSD 10 "$r0" || rc=1
	summary_is 2 21 0 0 1 0 0 || rc=1
	return $rc
}

c_hostile_list() {
	local rc=0 d r0
	hs_use mirrorhostilelist || return 1
	d=$(fresh hostile-list)
	r0=$(log_count "$HSLOG" '< RETR ')
	kget -r --output-dir "$d/out" "$H/d/"
	# LIST's "." and ".." are ls -a's own entries, skipped unreported.
	hostile_common "$d" "$d/out" LIST 8 "$r0" || rc=1
	check_contains "summary line" "$KERR" "mirror: 2 fetched (21 bytes), 0 up to date, 0 excluded, " || rc=1
	check_contains "summary line" "$KERR" ", 0 deleted, 0 failed" || rc=1
	return $rc
}

# A directory that lists itself: d/loop/loop/... until the 32-level bound.
c_loop() {
	local rc=0 d m0 t0 depth n
	hs_use mirrorloop || return 1
	d=$(fresh loop)
	m0=$(log_count "$HSLOG" '< MLSD ')
	t0=$SECONDS
	kget -r --output-dir "$d" "$H/d/"
	expect_fail 2 "deeper than 32 levels" || rc=1
	[ $((SECONDS - t0)) -le "$(tscale 60)" ] ||
		{ diag "took $((SECONDS - t0)) s (bound $(tscale 60))"; rc=1; }
	depth=$(find "$d" -mindepth 1 -type d -printf '%d\n' | sort -n | tail -n 1)
	[ "${depth:-0}" -le 32 ] || { diag "$depth levels of directories made"; rc=1; }
	n=$(delta_since "$HSLOG" '< MLSD ' "$m0")
	[ "$n" -le 33 ] || { diag "$n listings (32 levels, one more at most)"; rc=1; }
	no_file_under "$d" || rc=1
	# --level 3: three listings, two levels of loop/ made, exit 0, silently.
	d=$(fresh loop3)
	m0=$(log_count "$HSLOG" '< MLSD ')
	kget -r --level 3 --output-dir "$d" "$H/d/"
	check_rc 0 || rc=1
	check_eq "--level 3: listings" 3 "$(delta_since "$HSLOG" '< MLSD ' "$m0")" || rc=1
	check_eq "--level 3: directories" "loop|loop/loop" "$(dirs_under "$d")" || rc=1
	return $rc
}

# A tree that changed since it was listed: gone.txt is 550, gonedir/'s
# listing too, changed.bin is 20 bytes where the listing said 10. Exit 6,
# the rest is there; with --delete, what the top's listing lacks goes but
# not what is under gonedir/ (its listing failed). Then the tree changes
# again: -N --delete makes the local tree the new one.
c_change() {
	local rc=0 d r0 n
	hs_use mirrorchange || return 1
	d=$(fresh change)
	mkdir -p "$d/gonedir" && printf 'keep\n' >"$d/gonedir/keep.txt" &&
		printf 'stale\n' >"$d/stale.txt" || return 1
	kget -r --delete --failed "$W/failed" --output-dir "$d" "$H/d/"
	check_rc 6 || rc=1
	check_contains "message" "$KERR" "gone.txt" || rc=1
	# --failed names the tree, for -r -i, not its files.
	check_eq "--failed's URLs" "$H/d/" "$(grep -v '^#' "$W/failed")" || rc=1
	check_sha "$d/a.txt" "$(sha_str 'file a, first\n')" || rc=1
	mtime_is "$d/a.txt" "$T_A1" || rc=1
	check_sha "$d/sub/s.txt" "$(sha_str 'file s\n')" || rc=1
	mtime_is "$d/sub/s.txt" "$T_S" || rc=1
	[ ! -e "$d/gone.txt" ] || { diag "gone.txt exists"; rc=1; }
	[ ! -e "$d/stale.txt" ] || { diag "--delete: stale.txt is still there"; rc=1; }
	check_sha "$d/gonedir/keep.txt" "$(sha_str 'keep\n')" || rc=1
	# Fetched whole as served now, or not at all.
	[ ! -e "$d/changed.bin" ] ||
		check_sha "$d/changed.bin" "$(sha_str 'twenty bytes, now!!\n')" || rc=1
	no_temp_files "$d" || rc=1
	no_temp_files "$d/sub" || rc=1
	no_temp_files "$d/gonedir" || rc=1
	n=$(summary_num failed)
	[ "${n:-0}" -ge 1 ] || { diag "summary: no failure counted: $KERR"; rc=1; }
	hs_use mirrorchange2 || return 1
	r0=$(log_count "$HSLOG" '< RETR ')
	kget -r -N --delete --output-dir "$d" -i "$W/failed"
	check_rc 0 || rc=1
	entries_are "$d" a.txt new.txt || rc=1
	check_sha "$d/a.txt" "$(sha_str 'file a, second version\n')" || rc=1
	mtime_is "$d/a.txt" "$T_A2" || rc=1
	check_sha "$d/new.txt" "$(sha_str 'a new file\n')" || rc=1
	mtime_is "$d/new.txt" "$T_NEW" || rc=1
	check_eq "RETRs (a.txt, new.txt)" 2 "$(delta_since "$HSLOG" '< RETR ' "$r0")" || rc=1
	return $rc
}

# A listing that never ends: the 64 MiB bound, exit 11, nothing made.
c_endless() {
	local rc=0 d
	hs_use listendless || return 1
	d=$(fresh endless)
	KGET_TIMEOUT=$(tscale 180) kget -r --output-dir "$d" "$H/d/"
	expect_fail 11 "the listing is larger than 67108864 bytes" || rc=1
	no_file_under "$d" || rc=1
	return $rc
}

# A local directory that is a symlink before the run: nothing written
# through it, the rest fetched.
c_symlink_before() {
	local rc=0 d out canary
	d=$(fresh symlink-before)
	out=$d/out canary=$d/canary
	mkdir -p "$out" "$canary" && ln -s "$canary" "$out/sub" || return 1
	kget -r --output-dir "$out" "$V/mirror/del/"
	check_rc 7 || rc=1
	said_symlink || rc=1
	entries_are "$canary" || rc=1
	check_sha "$out/f1.txt" "$(sha_of "$S/del/f1.txt")" || rc=1
	[ -L "$out/sub" ] || { diag "$out/sub is no longer the symlink"; rc=1; }
	no_temp_files "$out" || rc=1
	return $rc
}

# A local directory made a symlink while the mirror runs: the server holds
# the RETR of d/a.bin (the first file; every directory, sub2/ included, is
# made while listing), the test moves sub2 away and puts a symlink to a
# canary directory in its place, then lets the RETR go: sub2's two files
# fail (exit 7), nothing lands in the canary or in the moved directory.
c_symlink_swap() {
	local rc=0 d out canary pid held
	hs_use mirrorswap || return 1
	d=$(fresh symlink-swap)
	out=$d/out canary=$d/canary
	mkdir -p "$canary" || return 1
	held=$(grep -cF "* held RETR" "$HSLOG")
	hs_cmd hold RETR || return 1
	KCMD="$KFTP_GET -r --output-dir $out $H/d/"
	timeout -k 5 "$KGET_TIMEOUT" "$KFTP_GET" -r --output-dir "$out" "$H/d/" \
		>"$d/kget.out" 2>"$d/kget.err" </dev/null &
	pid=$!
	if wait_log "$HSLOG" "* held RETR" "$(tscale 60)" "$held"; then
		if [ -d "$out/sub2" ] && [ ! -L "$out/sub2" ]; then
			mv "$out/sub2" "$out/sub2.orig" || rc=1
		else
			diag "sub2 was not made before the first RETR: $(ls -la "$out" 2>&1)"
			rc=1
		fi
		ln -s "$canary" "$out/sub2" || rc=1
	else
		rc=1
	fi
	hs_cmd release || rc=1
	wait "$pid"
	KRC=$?
	KOUT=$(cat "$d/kget.out") KERR=$(cat "$d/kget.err")
	hs_cmd hold none || rc=1
	check_rc 7 || rc=1
	said_symlink || rc=1
	entries_are "$canary" || rc=1
	check_sha "$out/a.bin" "$MAIN_SHA" || rc=1
	[ ! -d "$out/sub2.orig" ] || no_file_under "$out/sub2.orig" || rc=1
	no_temp_files "$out" || rc=1
	no_temp_files "$canary" || rc=1
	summary_is 1 300007 0 0 0 0 2 || rc=1
	return $rc
}

c_kernel_clean() {
	kernel_clean_since "$MARK"
}

# ---------------------------------------------------------------- run

tcase "vsftpd (LIST): the whole tree into ./tree, times kept, 0755, one login, LIST once per directory" c_vsftpd_tree
tcase "pyftpdlib (MLSD): the same tree into a new --output-dir; -N then fetches nothing" c_pyftpd_tree
tcase "1,000 files of 4 KiB on one login, byte for byte; -q: no summary" c_many
tcase "-N: no RETR for an unchanged tree; a file changed (size and time, time, local time) is fetched alone" c_only_newer
tcase "-C -: a partial resumed with REST, an older complete copy fetched whole" c_resume
tcase "--delete: extra files, directories and symlinks go (not a link's target), --exclude'd stay" c_delete
tcase "--include/--exclude: fnmatch on the path from the top, repeatable" c_filters
tcase "--level 1, 2, 3: deeper directories neither listed nor made" c_level
tcase "links in a LIST (to a file, a directory, /etc): skipped, never followed" c_links
tcase "--follow-symlinks: links to files of the tree fetched as files, the others skipped and said" c_follow
tcase "-Z --parallel-max 3: the tree byte for byte, each file once, at most 4 logins" c_parallel
tcase "a missing directory: exit 6, no file made" c_missing
tcase "-r with -l, -o, --checksum, a wildcard: exit 2, no connection; two trees into ./filt: exit 2, no RETR" c_usage
tcase "--max-files and --max-entries: one over is exit 2 before any RETR, the bound itself passes" c_limits
tcase "hostile MLSD tree (../x, /etc/x, a/b, CR, NUL, ESC, 300 bytes, ../../y, evil -> /): only the good files" c_hostile_mlsd
tcase "hostile LIST tree (the same names, a link, a FIFO): only the good files" c_hostile_list
tcase "a directory that lists itself: exit 2 at 32 levels; --level 3 stops silently" c_loop
tcase "a tree changed since listed (550s, a grown file): exit 6, the rest fetched, --failed names the tree; -r -i of it follows the change" c_change
tcase "a listing that never ends, with -r: exit 11" c_endless
tcase "a local subdirectory that is a symlink: exit 7, nothing written through it" c_symlink_before
tcase "a local subdirectory swapped for a symlink mid-run (RETR held): exit 7, canary empty" c_symlink_swap
tcase "no BUG/WARNING/Oops in the kernel log" c_kernel_clean
part_done

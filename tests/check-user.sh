#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace tools under sanitizers and fuzzers (issue 19), on the host:
# no kernel module, no VM, about two minutes. TAP, ending with
# "N passed, N failed".
#   1. kftp-get and kftpstat built plain (gcc, -Werror) and with ASan and
#      UBSan (clang, `make -C user SANITIZE=1`, into .build/user-asan, where
#      the VM run below finds them); the libFuzzer harnesses, user-unit
#      and kftp-probe.so (tests/fuzz/Makefile).
#   2. One case per defect of issue 19 that shows without /dev/kftp: each
#      fails on the code before the fix. The runs use the sanitized build
#      (any report fails the case) unless a case says otherwise. Then
#      issue 21's: user/ in layers (nm, #include, tsort), the checks
#      before the first download, the messages, --retry, -o -, the docs
#      against the code, and the build (-Werror, libmnl-dev, make deb's
#      dependencies, the postinst). Where a job must get past the probe
#      of /dev/kftp on this host, kftp-probe.so stands in for the device.
#   3. Each libFuzzer harness for KFTP_FUZZ_SECONDS (default 10) from its
#      seed corpus, tests/fuzz/corpus/NAME (new inputs go to a scratch
#      directory, never into the tree); a crash, a sanitizer report or a
#      broken property fails it, and the input is kept in
#      .build/fuzz/artifacts/.
#   4. With --vm: one VM run (QEMU, TCG) of the guest parts that drive the
#      tools (cli batch events security, plus the suite's setup and
#      teardown) with the sanitized kftp-get and kftpstat. ASan and UBSan
#      abort on any report and log it under the results' sanitizer/
#      directory; the security part's last case fails if anything is
#      there. Results: .build/results/check-user-KVER/.
# Needs root (chown, mknod) and clang (tests/deps.sh --sanitize).
# Usage: tests/check-user.sh [--vm] [--kver KVER]
set -u -o pipefail
# No set -e: a failing case is counted, the next one runs.

# shellcheck source=tests/vm/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm/lib.sh"
# shellcheck source=tests/tap.sh
. "$KFTP_REPO/tests/tap.sh"

FUZZ_SECONDS=${KFTP_FUZZ_SECONDS:-10}
HARNESSES=(url netrc options events text listing)
ASAN_DIR=$KFTP_REPO/.build/user-asan
FUZZ_DIR=$KFTP_BUILD_DIR/fuzz
VM_PARTS="cli batch events security"
# Any report ends the process with an error and says so on stderr.
export ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

vm="" kver=""
while [ $# -gt 0 ]; do
	case $1 in
	--vm) vm=1 ;;
	--kver) kver=${2:?--kver needs a release}; shift ;;
	*) die "usage: ${0##*/} [--vm] [--kver KVER]" ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || die "must run as root (chown, mknod)"
"$KFTP_REPO/tests/deps.sh" --sanitize

W=$(mktemp -d)
trap 'rm -rf -- "$W"' EXIT
PLAIN=$W/plain/kftp-get
ASAN=$ASAN_DIR/kftp-get
PROBE=$KFTP_REPO/tests/fuzz/kftp-probe.so
UNIT=$FUZZ_DIR/user-unit

# ---------------------------------------------------------------- helpers

# run BIN ARGS...: BIN with a time limit, in $W/run, with the environment
# settings of the array PRE (env NAME=VALUE..., for BIN alone); sets RC and
# ERR (the start of its stderr, for diagnostics; stdout is dropped).
# kftp-get asks /dev/kftp before the first download: where a case needs a
# job to get further on this host (no module), STANDIN stands in for it
# (kftp-probe.so: every request "refused", a "requests N" line in
# $W/probe.out).
PRE=()
STANDIN=("LD_PRELOAD=$PROBE" KFTP_PROBE_DEVICE=refused "KFTP_PROBE_OUT=$W/probe.out")
run() {
	local bin=$1
	shift
	RC=0
	# The outer 2>/dev/null: bash's own "Aborted" line, when BIN dies so.
	{ (cd "$W/run" && timeout -k 5 30 env "${PRE[@]}" "$bin" "$@") >/dev/null \
		2>"$W/err" </dev/null || RC=$?; } 2>/dev/null
	ERR=$(head -c 3000 "$W/err")
}

no_report() {
	grep -q -e Sanitizer -e 'runtime error' "$W/err" || return 0
	diag "sanitizer report: $(head -c 3000 "$W/err")"
	return 1
}

expect() {	# expect RC TEXT: the last run exited RC with TEXT in its stderr
	local rc=0
	[ "$RC" = "$1" ] || { diag "exit status $RC, expected $1"; rc=1; }
	grep -qF -e "$2" "$W/err" || { diag "stderr lacks '$2'"; rc=1; }
	no_report || rc=1
	[ $rc = 0 ] || diag "stderr: $ERR"
	return $rc
}

lacks() {	# lacks WHAT TEXT: the last run's stderr does not hold TEXT
	grep -qF -e "$2" "$W/err" || return 0
	diag "$1 in stderr: $ERR"
	return 1
}

hex() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# ---------------------------------------------------------------- builds

c_build_plain() {
	make -s -B -C "$KFTP_REPO/user" OUT="$W/plain" >"$W/build.log" 2>&1 &&
		! grep -q 'warning:' "$W/build.log" && return 0
	diag "$(tail -n 30 "$W/build.log")"
	return 1
}

c_build_asan() {
	make -s -B -C "$KFTP_REPO/user" SANITIZE=1 OUT="$ASAN_DIR" >"$W/build.log" 2>&1 &&
		! grep -q 'warning:' "$W/build.log" && return 0
	diag "$(tail -n 30 "$W/build.log")"
	return 1
}

c_build_fuzz() {
	# The probe without -B: it lives in the tree, where a VM lane running
	# beside this (tests/check-all.sh --ci) may be using it.
	make -s -B -C "$KFTP_REPO/tests/fuzz" FUZZ_OUT="$FUZZ_DIR" user-fuzzers >"$W/build.log" 2>&1 &&
		make -s -C "$KFTP_REPO/tests/fuzz" kftp-probe.so >>"$W/build.log" 2>&1 &&
		! grep -q 'warning:' "$W/build.log" && return 0
	diag "$(tail -n 30 "$W/build.log")"
	return 1
}

# ---------------------------------------------------------------- layers

# user/ forms layers (issue 21): no file uses, nor includes, a file that
# uses or includes it. An edge A B is "A needs B": A calls a function or
# uses a variable that B's object defines (nm), or A includes B.h. tsort
# finds any loop; the edges of one are shown.
c_layers() {
	local d=$W/layers f m rc=0
	rm -rf "$d" && mkdir -p "$d"
	for f in "$KFTP_REPO"/user/*.c; do
		m=$(basename "$f" .c)
		gcc -c -D_GNU_SOURCE -I"$KFTP_REPO/include/uapi" -o "$d/$m.o" "$f" \
			2>>"$d/cc.log" || { diag "cannot compile $f: $(cat "$d/cc.log")"; return 1; }
		nm -g --defined-only "$d/$m.o" | awk -v m="$m" 'NF == 3 { print $3, m }' >>"$d/defs"
		nm -u "$d/$m.o" | awk -v m="$m" '{ print $NF, m }' >>"$d/uses"
	done
	sort -o "$d/defs" "$d/defs"
	sort -o "$d/uses" "$d/uses"
	# "user definer" for each symbol used that a user/ file defines.
	join "$d/uses" "$d/defs" | awk '$2 != $3 { print $2, $3 }' >"$d/edges"
	for f in "$KFTP_REPO"/user/*.[ch]; do
		m=$(basename "${f%.*}")
		sed -n 's/^#include "\([^"]*\)\.h".*/\1/p' "$f" |
			awk -v m="$m" '$1 != m { print m, $1 }' >>"$d/edges"
	done
	sort -u -o "$d/edges" "$d/edges"
	if ! tsort "$d/edges" >/dev/null 2>"$d/tsort.err"; then
		diag "a loop: $(tr '\n' ' ' <"$d/tsort.err")"
		rc=1
	fi
	# Each file that uses another: the loops above read against this.
	[ $rc = 0 ] || diag "edges (A needs B): $(awk '{ printf "%s>%s ", $1, $2 }' "$d/edges")"
	return $rc
}

# ---------------------------------------------------------------- findings

# 1: the URL shown before a message was longer than the buffer.
c_long_url() {
	local url rc=0 bin
	url="ftp://[zz]/$(printf '%%61%.0s' $(seq 4090))"
	PRE=("${STANDIN[@]}")
	for bin in "$ASAN" "$PLAIN"; do
		run "$bin" "$url" "ftp://[zz]/b"
		expect 7 "0 of 2 files downloaded" || rc=1
		check_line_lengths || rc=1
	done
	PRE=()
	return $rc
}

check_line_lengths() {
	local longest
	longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$W/err")
	[ "$longest" -le 12000 ] && return 0
	diag "a message line of $longest bytes"
	return 1
}

# 4: the password of what is not quite a URL.
c_password_shown() {
	local rc=0
	run "$ASAN" 'ftp:/bob:s3cret@host/f'
	expect 2 "is not an ftp:// URL" || rc=1
	lacks "the password" s3cret || rc=1
	run "$ASAN" 'bob:s3cret@h/x://y' 'ftp://[zz]/b'
	expect 2 "is not an ftp:// URL" || rc=1
	lacks "the password" s3cret || rc=1
	run "$ASAN" --usr=bob:s3cret 'ftp://[zz]/b'
	expect 2 "unknown option '--usr'" || rc=1
	lacks "the password" s3cret || rc=1
	return $rc
}

# 4: no copy of any password in the process's memory at exit (the probe
# looks), and no core file could have been written (not dumpable). The
# plain build: ASan's allocator keeps freed blocks apart.
c_password_memory() {
	local rc=0 s1=DashU-Secret-0123456789abcdef s2=Url-Secret-0123456789abcdef
	local s3=Netrc-Secret-0123456789abcdef s4=List-Secret-0123456789abcdef
	local want
	printf 'machine 127.0.0.1 login u password %s\n' "$s3" >"$W/run/netrc"
	chmod 0600 "$W/run/netrc"
	printf 'ftp://v:%s@127.0.0.1:9/g\n' "$s4" >"$W/run/list"
	rm -f "$W/probe.out"
	PRE=("KFTP_PROBE_OUT=$W/probe.out" "LD_PRELOAD=$PROBE"
	     "KFTP_PROBE_SECRETS=$(hex "$s1"),$(hex "$s2"),$(hex "$s3"),$(hex "$s4")")
	run "$PLAIN" --netrc-file netrc -i list -u "u:$s1" "ftp://u:$s2@127.0.0.1:9/f"
	PRE=()
	# No /dev/kftp on the host: the run ends there, after every copy was made.
	expect 3 "cannot open /dev/kftp" || rc=1
	want=$(printf 'dumpable 0\nsecret 0: absent\nsecret 1: absent\nsecret 2: absent\nsecret 3: absent')
	check_eq "the probe's report (-u, URL, netrc, -i)" "$want" "$(cat "$W/probe.out" 2>&1)" || rc=1
	return $rc
}

check_eq() {
	[ "$2" = "$3" ] && return 0
	diag "$1: expected '$2', got '$3'"
	return 1
}

# 7: control bytes in a local name from a URL; in messages.
c_control_bytes() {
	local rc=0
	run "$ASAN" 'ftp://[zz]/x%1B%5D0%3Bowned%07'
	expect 2 'x\x1b]0;owned\x07' || rc=1
	raw_free || rc=1
	[ ! -e "$W/run/"$'x\e]0;owned\a' ] || { diag "the file was created"; rc=1; }
	run "$ASAN" $'ftp:/x\e]0;owned\a'
	expect 2 'is not an ftp:// URL' || rc=1
	raw_free || rc=1
	printf 'ftp://[zz]/\e[31mred\n' >"$W/run/ctl-list"
	run "$ASAN" -i ctl-list
	expect 2 'control characters; use -o' || rc=1
	raw_free || rc=1
	return $rc
}

raw_free() {	# no byte below 0x20 but the newlines, no DEL, in stderr
	[ "$(tr -d '\000-\011\013-\037\177' <"$W/err" | wc -c)" = "$(wc -c <"$W/err")" ] &&
		return 0
	diag "raw control bytes in stderr: $(od -c "$W/err" | head -n 5)"
	return 1
}

# 5: a FIFO as netrc hung kftp-get (a 30 s limit here).
c_netrc_fifo() {
	rm -f "$W/run/fifo"
	mkfifo -m 0600 "$W/run/fifo"
	run "$ASAN" --netrc-file fifo 'ftp://[zz]/f'
	expect 2 "is not a regular file"
}

# 5: a device node was opened (a char device without a driver fails its
# open with ENXIO: the message tells whether it was opened).
c_netrc_device() {
	rm -f "$W/run/dev"
	mknod -m 0600 "$W/run/dev" c 240 0 || { diag "mknod failed"; return 1; }
	run "$ASAN" --netrc-file dev 'ftp://[zz]/f'
	expect 2 "is not a regular file"
}

# 5: another user's netrc, with a password; without one it is fine.
c_netrc_owner() {
	local rc=0
	printf 'machine zz login u password p\n' >"$W/run/foreign"
	chmod 0600 "$W/run/foreign"
	chown 65534 "$W/run/foreign"
	run "$ASAN" --netrc-file foreign 'ftp://[zz]/f'
	expect 2 "belongs to user 65534" || rc=1
	printf 'machine zz login anonymous\n' >"$W/run/foreign"
	PRE=("${STANDIN[@]}")
	run "$ASAN" --netrc-file foreign 'ftp://[zz]/f'
	PRE=()
	expect 4 "cannot resolve 'zz'" || rc=1
	return $rc
}

# 3: another user's file in a sticky directory that others can write.
c_sticky_owner() {
	local d=$W/run/sticky rc=0
	mkdir -p "$d" "$W/run/plain-dir"
	chmod 1777 "$d"
	printf 'mine\n' >"$d/f"
	chown 65534 "$d/f"
	PRE=("${STANDIN[@]}")
	run "$ASAN" -o sticky/f 'ftp://[zz]/f'
	expect 7 "refusing to replace 'sticky/f': it belongs to user 65534" || rc=1
	run "$ASAN" -C - -o sticky/f 'ftp://[zz]/f'
	expect 7 "refusing to resume 'sticky/f'" || rc=1
	check_eq "the file, afterwards" "mine 65534" "$(cat "$d/f") $(stat -c %u "$d/f")" || rc=1
	# Not sticky: no refusal (the download would replace it with root's).
	printf 'mine\n' >"$W/run/plain-dir/f"
	chown 65534 "$W/run/plain-dir/f"
	run "$ASAN" -o plain-dir/f 'ftp://[zz]/f'
	expect 4 "cannot resolve 'zz'" || rc=1
	PRE=()
	return $rc
}

c_unit() {
	local out rc=0
	out=$("$UNIT" "$1" 2>&1) || rc=$?
	diag "$out"
	return $rc
}

# ---------------------------------------------------------------- issue 21

# srun [NAME=VALUE...] -- BIN ARGS...: run with the stand-in for /dev/kftp
# (and these settings for it); REQ: the requests it saw.
srun() {
	local -a extra=()
	while [ "$1" != -- ]; do
		extra+=("$1")
		shift
	done
	shift
	rm -f "$W/probe.out"
	PRE=("${STANDIN[@]}" "${extra[@]}")
	run "$@"
	PRE=()
	REQ=$(sed -n 's/^requests //p' "$W/probe.out" 2>/dev/null | tail -n 1)
	FLAGS=$(sed -n 's/^flags //p' "$W/probe.out" 2>/dev/null | tail -n 1)
}

# "-Z 8 URL": -Z takes no argument, and the message says so; nothing runs.
c_stray_flag() {
	local rc=0
	srun -- "$ASAN" -Z 8 'ftp://127.0.0.1:9/f'
	expect 2 "'8' is not an ftp:// URL: -Z takes no argument (--parallel-max N" || rc=1
	check_eq "requests" 0 "$REQ" || rc=1
	run "$ASAN" -qZ 8 'ftp://127.0.0.1:9/f'
	expect 2 "-Z takes no argument" || rc=1
	run "$ASAN" --netrc 8 'ftp://127.0.0.1:9/f'
	expect 2 "'8' is not an ftp:// URL: --netrc takes no argument" || rc=1
	# What takes an argument took it: no stray.
	srun -- "$ASAN" --parallel-max 8 -Z -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect to 127.0.0.1 port 9" || rc=1
	return $rc
}

# Every URL is checked, -i lists included, before the first download.
c_urls_first() {
	local rc=0
	printf 'ftp://127.0.0.1:9/a\nftp://127.0.0.1:9/b\nftp://127.0.0.1:99999/c\n' >"$W/run/list"
	srun -- "$ASAN" -i list
	expect 2 "ftp://127.0.0.1:99999/c: bad port '99999' in the URL" || rc=1
	check_eq "requests before the bad URL was seen" 0 "$REQ" || rc=1
	lacks "a summary" "files downloaded" || rc=1
	printf 'ftp://127.0.0.1:9/a\nftp://127.0.0.1:9/b%%0A\n' >"$W/run/list"
	srun -- "$ASAN" -i list
	expect 2 "control characters; use -o" || rc=1
	check_eq "requests before the bad name was seen" 0 "$REQ" || rc=1
	return $rc
}

# Ranges and sets in the command line's URLs (issue 22): expanded in order,
# all planned before the first request; -g takes a URL as it is; a bad
# pattern is exit 2 before anything; two expansions that name one local
# file are refused as any two URLs are; a -i list is taken as it is (what
# --failed wrote reads back the same).
c_globs() {
	local rc=0 u=ftp://127.0.0.1:9
	mkdir -p "$W/run/globbed"
	srun -- "$ASAN" --output-dir globbed --failed failed "$u/d/f[1-2]{a,b}"
	expect 4 "cannot connect" || rc=1
	check_eq "requests" 4 "$REQ" || rc=1
	check_eq "--failed" "$u/d/f1a $u/d/f1b $u/d/f2a $u/d/f2b" \
		"$(grep -v '^#' "$W/run/failed" | tr '\n' ' ' | sed 's/ $//')" || rc=1
	srun -- "$ASAN" -i failed --output-dir globbed
	check_eq "requests (-i failed)" 4 "$REQ" || rc=1
	srun -- "$ASAN" -g -o x --failed failed "$u/f[1-2]"
	expect 4 "cannot connect" || rc=1
	check_eq "requests (-g)" 1 "$REQ" || rc=1
	check_eq "--failed (-g)" "$u/f[1-2]" "$(grep -v '^#' "$W/run/failed")" || rc=1
	printf '%s\n' "$u/f[1-2]" >"$W/run/list"
	srun -- "$ASAN" -o x -i list
	check_eq "requests (-i)" 1 "$REQ" || rc=1
	srun -- "$ASAN" "$u/f[2-1]"
	expect 2 "$u/f[2-1]: '[2-1]' goes backwards" || rc=1
	srun -- "$ASAN" "ftp://u:Sekr3t@127.0.0.1:9/f{a"
	expect 2 "ftp://u:******@127.0.0.1:9/f{a: '{' without its '}'" || rc=1
	lacks "the password" Sekr3t || rc=1
	srun -- "$ASAN" "$u/f[1-20000]"
	expect 2 "makes more than 10000 URLs (-g takes the URL as it is)" || rc=1
	srun -- "$ASAN" --output-dir globbed "$u/{a,b}/README"
	expect 2 "$u/a/README and $u/b/README would both be saved as 'globbed/README'" || rc=1
	check_eq "requests (refused)" 0 "$REQ" || rc=1
	rm -rf "$W/run/globbed" "$W/run/failed" "$W/run/list"
	return $rc
}

# listing FILE FORM ARGS...: kftp-get ARGS through the stand-in, which
# plays FILE back as the server's listing (FORM: mlsd or list) and refuses
# any other request; its stdout in $W/list.out, REQ the requests made.
listing() {
	local file=$1 form=$2
	shift 2
	RC=0
	rm -f "$W/probe.out"
	(cd "$W/run" && timeout -k 5 30 env "${STANDIN[@]}" \
		KFTP_PROBE_DEVICE="list:$file" KFTP_PROBE_DEVICE_VERSION=5 \
		KFTP_PROBE_LIST_FORM="$form" "$ASAN" "$@") >"$W/list.out" 2>"$W/err" \
		</dev/null || RC=$?
	ERR=$(head -c 3000 "$W/err")
	REQ=$(sed -n 's/^requests //p' "$W/probe.out" 2>/dev/null | tail -n 1)
}

# -l through the stand-in, which plays the server's listing back: the names
# on stdout, hostile ones reported and left out, a bad line exit 8; a
# directory URL, the login directory, and what -l refuses.
c_list_only() {
	local rc=0 u=ftp://127.0.0.1:9
	printf '%s\r\n' 'type=cdir;modify=20261204101500; /pub' \
		'type=file;size=5;modify=20261204101500; a.txt' \
		'type=dir;modify=20261204101500; sub dir' \
		'type=file;size=1; ../x' 'type=file;size=1; a/b' \
		"type=file;size=1; bad$(printf '\033')name" \
		'type=file;size=2; café' "type=file;size=1; a$(printf '\302\233')b" >"$W/mlsd"
	printf '%s\r\n' 'total 8' '-rw-r--r--   1 ftp ftp  5 Dec  4 10:15 a.txt' \
		'drwxr-xr-x   2 ftp ftp  4096 Jan  1  2025 sub' 'garbage' >"$W/unix"
	listing "$W/mlsd" mlsd -l "$u/pub/"
	expect 0 "MLSD line 4 skipped (a name with a '/'): type=file;size=1; ../x" || rc=1
	grep -qF 'MLSD line 6 skipped (a name with a control character): type=file;size=1; bad\x1bname' \
		"$W/err" || { diag "line 6 not reported, escaped: $ERR"; rc=1; }
	check_eq "names (MLSD)" "a.txt|sub dir|café" "$(paste -sd'|' "$W/list.out")" || rc=1
	# U+009B (CSI) is refused, and its report shows it as '?'.
	grep -qF 'MLSD line 8 skipped (a name with a C1 control character): type=file;size=1; a?b' \
		"$W/err" || { diag "the C1 line not reported as a?b: $ERR"; rc=1; }
	listing "$W/unix" list -l "$u/"
	expect 8 "LIST line 4 is not one kftp-get can read" || rc=1
	expect 8 "1 line of the listing could not be read" || rc=1
	check_eq "names (LIST)" "a.txt|sub" "$(paste -sd'|' "$W/list.out")" || rc=1
	listing "$W/unix" list -l "$u"
	check_eq "names (no path)" "a.txt|sub" "$(paste -sd'|' "$W/list.out")" || rc=1
	srun KFTP_PROBE_DEVICE=missing KFTP_PROBE_DEVICE_VERSION=5 -- "$ASAN" -l "$u/nodir/"
	expect 6 "remote directory missing or not listable" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" -l "$u/pub/"
	expect 3 "-l (--list-only) needs a newer kftp module" || rc=1
	check_eq "requests (version 4)" 0 "$REQ" || rc=1
	for o in "-o x" "-C -" "--sha256" "-Z" "--json" "--output-dir ." "-R"; do
		# shellcheck disable=SC2086 # each is an option and its argument
		srun -- "$ASAN" -l $o "$u/pub/"
		expect 2 "does not take ${o%% *}" || rc=1
	done
	srun -- "$ASAN" "$u/pub/"
	expect 2 "the URL must name a file, not 'pub/'" || rc=1
	return $rc
}

# -r through the stand-in, whose every listing is the same: a tree that
# contains itself, and whose files cannot be fetched (connection refused).
# Checked: the depth bound (32 levels, exit 2) and --level; --include and
# --exclude; symlink entries never followed; a local symlink in the tree
# refused, nothing written through it; --delete, which spares what
# --exclude leaves out and removes a symlink, never its target; the entry
# and file bounds; option conflicts; an older module.
c_mirror() {
	local rc=0 u=ftp://127.0.0.1:9 top="$W/run/pub" long
	printf '%s\r\n' 'type=cdir; /pub' 'type=file;size=5;modify=20261204101500; a.txt' \
		'type=dir;modify=20261204101500; sub' \
		'type=OS.unix=symlink;modify=20261204101500; evil' >"$W/tree"
	rm -rf "$top" "$W/canary"
	printf '%064d  a.txt\n' 0 >"$W/sums"
	listing "$W/tree" mlsd -r "$u/pub/"
	expect 4 "pub/sub/a.txt: cannot connect" || rc=1
	expect 4 "the tree is deeper than 32 levels (does a directory contain itself?)" || rc=1
	expect 4 "mirror: 0 fetched (0 bytes), 0 up to date, 0 excluded, 32 links skipped, 0 deleted, 33 failed" || rc=1
	check_eq "directories made" 32 "$(find "$top" -type d | wc -l)" || rc=1
	rm -rf "$top"
	listing "$W/tree" mlsd -r --level 2 --include 'sub/*' "$u/pub"
	expect 4 "1 excluded, 2 links skipped, 0 deleted, 1 failed" || rc=1
	lacks "a depth error" "deeper than" || rc=1
	check_eq "--level 2: directories" "pub|pub/sub" \
		"$(cd "$W/run" && find pub -type d | sort | paste -sd'|')" || rc=1
	# A local symlink where the tree has a directory: refused, not followed.
	mkdir -p "$W/canary"
	rm -rf "$top/sub"
	ln -s "$W/canary" "$top/sub"
	listing "$W/tree" mlsd -r --level 3 --exclude '*a.txt' "$u/pub/"
	expect 7 "cannot make the directory 'pub/sub': it, or one on its way, is a symlink" || rc=1
	check_eq "the symlink's target" "" "$(ls -A "$W/canary")" || rc=1
	# --delete: what the listing lacks, but not what --exclude leaves out.
	rm -rf "$top"
	mkdir -p "$top/y/z" "$W/canary"
	echo canary >"$W/canary/c"
	touch "$top/x" "$top/keep.txt" "$top/y/z/f"
	ln -s "$W/canary" "$top/l"
	listing "$W/tree" mlsd -r --level 1 --delete --exclude a.txt --exclude 'keep*' \
		--output-dir "$top" "$u/pub/"
	expect 0 "removed '$top/x': the server no longer has it" || rc=1
	expect 0 "mirror: 0 fetched (0 bytes), 0 up to date, 1 excluded, 1 links skipped, 5 deleted, 0 failed" || rc=1
	check_eq "--delete: left" "keep.txt" "$(ls -A "$top")" || rc=1
	check_eq "--delete: the symlink's target" "canary" "$(cat "$W/canary/c")" || rc=1
	# --delete cleans a directory named, of one tree, never /.
	listing "$W/tree" mlsd -r --delete "$u/pub/"
	expect 2 "--delete needs --output-dir DIR" || rc=1
	listing "$W/tree" mlsd -r --delete --output-dir / "$u/pub/"
	expect 2 "--delete will not clean the root directory" || rc=1
	listing "$W/tree" mlsd -r --delete --output-dir "$top" "$u/pub/" "$u/other/"
	expect 2 "--delete with 2 trees in one --output-dir" || rc=1
	rm -rf "$top"
	# 15 directories a level: the queue grows while a directory is walked.
	{ printf '%s\r\n' 'type=cdir; /pub' 'type=file;size=5; f'
	  for d in $(seq -w 1 15); do printf 'type=dir; d%s\r\n' "$d"; done; } >"$W/wide"
	listing "$W/wide" mlsd -r --level 2 --max-dirs 20 "$u/pub/"
	expect 4 "mirror: 0 fetched (0 bytes), 0 up to date, 0 excluded, 0 links skipped, 0 deleted, 16 failed" || rc=1
	check_eq "directories (wide)" 16 "$(find "$top" -type d | wc -l)" || rc=1
	rm -rf "$top"
	listing "$W/wide" mlsd -r --max-dirs 20 "$u/pub/"
	expect 2 "the tree has more than 20 directories; --max-dirs N raises the bound" || rc=1
	rm -rf "$top"
	# No password in any message, the depth error's included.
	listing "$W/tree" mlsd -r --level 40 --max-files 5 "ftp://u:Sekr3tPW@127.0.0.1:9/pub/"
	lacks "the password" "Sekr3tPW" || rc=1
	rm -rf "$top"
	listing "$W/tree" mlsd -r "ftp://u:Sekr3tPW@127.0.0.1:9/pub/"
	expect 4 "ftp://u:********@127.0.0.1:9/pub/sub/" || rc=1
	lacks "the password" "Sekr3tPW" || rc=1
	rm -rf "$top"
	# An empty directory; a name too long for a local path fails alone.
	printf '%s\r\n' 'type=cdir; /pub' >"$W/empty"
	listing "$W/empty" mlsd -r "$u/pub/"
	expect 0 "mirror: 0 fetched (0 bytes), 0 up to date" || rc=1
	long=$(printf 'x%.0s' $(seq 250))
	printf '%s\r\n' 'type=cdir; /pub' "type=dir; $long" >"$W/long"
	listing "$W/long" mlsd -r --level 40 --output-dir "$top/$long/$long/$long/$long" "$u/pub/"
	expect 7 "'$long': the path is too long" || rc=1
	listing "$W/long" mlsd -r --level 40 "$u/pub/"
	expect 2 "'$long': the path is too long" || rc=1
	rm -rf "$top"
	listing "$W/tree" mlsd -r --max-entries 2 "$u/pub/"
	expect 2 "3 entries: more than --max-entries 2 allows" || rc=1
	listing "$W/tree" mlsd -r --max-files 3 "$u/pub/"
	expect 2 "the tree has more than 3 files; --max-files N raises the bound" || rc=1
	for o in "-o x" "-l" "-C 5" "--checksum sha-256=$(printf '%064d' 0)" \
		"--checksums $W/sums"; do
		# shellcheck disable=SC2086 # each is an option and its argument
		srun -- "$ASAN" -r $o "$u/pub/"
		expect 2 "does not take ${o%% *}" || rc=1
	done
	for o in -N --delete "--include x" "--level 2" "--max-files 9" "--max-dirs 9"; do
		# shellcheck disable=SC2086
		srun -- "$ASAN" $o "$u/pub/x"
		expect 2 "is for a mirror: add -r" || rc=1
	done
	srun -- "$ASAN" -r "$u/pub/*.txt"
	expect 2 "-r (--mirror) takes directories, not a wildcard" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" -r "$u/pub/"
	expect 3 "-r (--mirror) needs a newer kftp module" || rc=1
	check_eq "requests (version 4)" 0 "$REQ" || rc=1
	rm -rf "$top" "$W/canary"
	return $rc
}

# --follow-symlinks through the stand-in, whose every directory lists the
# same links (MLSD's "slink:" and LIST's "->"): only a link that leads to
# a file of the tree, through its listed directories, is fetched (here:
# refused, no server) by its own name; the others are skipped, each said
# why: out of the tree, an absolute target under a top relative to the
# login directory, "name/..", a name listed twice, a loop. A target that
# --exclude leaves out stays out. Without the option, none is followed.
# --failed names the trees.
c_mirror_links() {
	local rc=0 u=ftp://127.0.0.1:9 top="$W/run/pub" f why
	printf '%s\r\n' 'type=cdir; /pub' 'type=file;size=5;modify=20261204101500; a.txt' \
		'type=dir;modify=20261204101500; sub' \
		'type=OS.unix=slink:a.txt; l1' 'type=OS.unix=slink:../a.txt; l2' \
		'type=OS.unix=slink:/etc/passwd; l3' 'type=OS.unix=slink:sub; l4' \
		'type=OS.unix=slink:./l1; l5' 'type=OS.unix=slink:nothere; l6' \
		'type=OS.unix=slink:l7; l7' 'type=OS.unix=slink:/pub/sub/a.txt; l8' \
		'type=OS.unix=symlink; l9' 'type=OS.unix=slink:/../pub//a.txt; la' \
		'type=OS.unix=slink:sub/../a.txt; lb' 'type=OS.unix=slink:a.txt; lc' \
		'type=OS.unix=slink:/etc/passwd; lc' >"$W/links"
	rm -rf "$top"
	listing "$W/links" mlsd -r --level 2 --follow-symlinks --failed "$W/failed" "$u/pub/"
	# Fetched: l1 and l5 in pub and in sub, and sub/l2 (../a.txt).
	for f in a.txt l1 l5 sub/a.txt sub/l1 sub/l2 sub/l5; do
		expect 4 "$u/pub/$f: cannot connect" || rc=1
	done
	for why in "pub/l2': a link not followed: it points out of the tree" \
		"pub/l3': a link not followed: it points to an absolute path, and the tree's URL is relative" \
		"pub/l4': a link not followed: it points to a directory" \
		"pub/sub/l4': a link not followed: it points to a directory" \
		"pub/l6': a link not followed: it points to nothing that the tree's listings show" \
		"pub/l7': a link not followed: more than 8 links in a row" \
		"pub/l9': a link not followed: the listing does not say where it points" \
		"pub/lb': a link not followed: its target goes back up ('..') after a name" \
		"pub/lc': a link not followed: its name is listed twice" \
		"pub/sub/l8': a link not followed: it points to an absolute path"; do
		expect 4 "$why" || rc=1
	done
	lacks "a followed link said skipped" "pub/l1': a link" || rc=1
	expect 4 "mirror: 0 fetched (0 bytes), 0 up to date, 0 excluded, 19 links skipped, 0 deleted, 7 failed" || rc=1
	# --failed names the tree, once, as given: -r -i fetches it again.
	check_eq "--failed's lines" "# kftp-get --failed: 1 of 1 trees did not mirror whole; kftp-get -r -i FILE tries them again|$u/pub/" \
		"$(paste -sd'|' "$W/failed")" || rc=1
	# A top from the root (%2F): absolute targets through it are followed.
	rm -rf "$top"
	listing "$W/links" mlsd -r --level 2 --follow-symlinks "$u/%2Fpub/"
	for f in l8 la sub/l8 sub/la; do
		expect 4 "$u/%2Fpub/$f: cannot connect" || rc=1
	done
	expect 4 "pub/l3': a link not followed: it points out of the tree" || rc=1
	expect 4 "0 excluded, 15 links skipped, 0 deleted, 11 failed" || rc=1
	# LIST's form; an ambiguous "a -> b -> c"; --exclude, on the target's
	# path and on the link's own.
	printf '%s\r\n' 'total 8' '-rw-r--r-- 1 ftp ftp 5 Dec  4 10:15 a.txt' \
		'lrwxrwxrwx 1 ftp ftp 5 Dec  4 10:15 l1 -> a.txt' \
		'lrwxrwxrwx 1 ftp ftp 5 Dec  4 10:15 l2 -> ../etc' \
		'lrwxrwxrwx 1 ftp ftp 5 Dec  4 10:15 l3 -> a.txt -> b' >"$W/unix"
	rm -rf "$top"
	listing "$W/unix" list -r --level 1 --follow-symlinks --exclude a.txt \
		--failed "$W/failed" "$u/pub/"
	expect 0 "mirror: 0 fetched (0 bytes), 0 up to date, 2 excluded, 2 links skipped, 0 deleted, 0 failed" || rc=1
	check_eq "--failed, nothing to fetch" "# kftp-get --failed: 0 of 1 trees did not mirror whole; kftp-get -r -i FILE tries them again" \
		"$(cat "$W/failed")" || rc=1
	expect 0 "pub/l2': a link not followed: it points out of the tree" || rc=1
	expect 0 "pub/l3': a link not followed: the listing does not say where it points" || rc=1
	rm -rf "$top"
	listing "$W/unix" list -r --level 1 --follow-symlinks --exclude l1 "$u/pub/"
	expect 4 "1 excluded, 2 links skipped, 0 deleted, 1 failed" || rc=1
	rm -rf "$top"
	listing "$W/unix" list -r --level 1 --failed "$W/failed" "$u/pub/" "$u/other" "$u/third/"
	expect 4 "0 excluded, 9 links skipped, 0 deleted, 3 failed" || rc=1
	check_eq "--failed's URLs (three trees)" "$u/pub/|$u/other|$u/third/" \
		"$(grep -v '^#' "$W/failed" | paste -sd'|')" || rc=1
	lacks "a link said without --follow-symlinks" "a link not followed" || rc=1
	srun -- "$ASAN" --follow-symlinks "$u/pub/x"
	expect 2 "--follow-symlinks is for a mirror: add -r" || rc=1
	rm -rf "$top" "$W/run/other" "$W/run/third"
	return $rc
}

# -x and --create-dirs through the stand-in (the transfer itself is
# refused): the directories are made before the connection; -x's, from
# the URL, never through a symlink and never with ".."; --create-dirs
# makes -o's and --output-dir's as the user wrote them.
c_force_dirs() {
	local rc=0 u=ftp://127.0.0.1:9 out="$W/run/x"
	rm -rf "$out" "$W/canary"
	mkdir -p "$out"
	srun -- "$ASAN" -x --output-dir "$out" "$u/pub/sub/f.txt"
	expect 4 "cannot connect" || rc=1
	[ -d "$out/pub/sub" ] || { diag "-x made no $out/pub/sub"; rc=1; }
	rm -rf "$out/pub"
	mkdir -p "$W/canary"
	ln -s "$W/canary" "$out/pub"
	srun -- "$ASAN" -x --output-dir "$out" "$u/pub/sub/f.txt"
	expect 7 "refusing to write '$out/pub/sub/f.txt': a directory on its way is a symlink" || rc=1
	check_eq "-x: the symlink's target" "" "$(ls -A "$W/canary")" || rc=1
	srun -- "$ASAN" -x --output-dir "$out" "$u/pub/%2E%2E/f.txt"
	expect 2 "-x cannot keep the remote path 'pub/../f.txt'" || rc=1
	srun -- "$ASAN" -x -o y "$u/pub/f.txt"
	expect 2 "-x keeps each URL's path under --output-dir, and -o names the file itself" || rc=1
	rm -rf "$out"
	srun -- "$ASAN" --create-dirs --output-dir "$out/a" -o b/c/f.txt "$u/pub/f.txt"
	expect 4 "cannot connect" || rc=1
	[ -d "$out/a/b/c" ] || { diag "--create-dirs made no $out/a/b/c"; rc=1; }
	srun -- "$ASAN" -o "$out/none/f.txt" "$u/pub/f.txt"
	expect 7 "cannot write '$out/none/f.txt': No such file or directory" || rc=1
	rm -rf "$out" "$W/canary"
	return $rc
}

# Wildcards through the stand-in: the listing's plain files that match, in
# name order, percent-encoded; nothing matched is exit 6 and the next URL
# still runs; escaped, -g, -o and an older module.
c_wildcards() {
	local rc=0 u=ftp://127.0.0.1:9
	printf '%s\r\n' 'type=cdir; /pub' 'type=file;size=5; b.txt' 'type=file;size=5; a.txt' \
		'type=file;size=5; .hidden.txt' 'type=dir; d.txt' 'type=file;size=5; c d%.txt' \
		'type=file;size=5; x.bin' 'type=OS.unix=symlink; l.txt' >"$W/wild"
	listing "$W/wild" mlsd "$u/pub/*.txt"
	expect 4 "$u/pub/a.txt: cannot connect" || rc=1
	check_eq "requests (the listing, 3 files)" 4 "$REQ" || rc=1
	check_eq "the files, in order" "a.txt|b.txt|c%20d%25.txt" \
		"$(grep -o "$u/pub/[^:]*: cannot" "$W/err" | sed "s|^$u/pub/||; s|: cannot||" | paste -sd'|')" || rc=1
	lacks "a directory or a link" "d.txt: cannot" || rc=1
	lacks "a hidden file" ".hidden.txt" || rc=1
	listing "$W/wild" mlsd "$u/pub/*.zip" "$u/pub/[xy]?bin"
	expect 6 "$u/pub/*.zip: no file in the directory matches '*.zip'" || rc=1
	expect 6 "$u/pub/x.bin: cannot connect" || rc=1
	listing "$W/wild" mlsd "$u/pub/\\*.txt"
	check_eq "requests (\\*: no listing)" 1 "$REQ" || rc=1
	expect 4 "$u/pub/*.txt: cannot connect" || rc=1
	listing "$W/wild" mlsd -g "$u/pub/*.txt"
	check_eq "requests (-g: no listing)" 1 "$REQ" || rc=1
	listing "$W/wild" mlsd -o x "$u/pub/*.txt"
	expect 2 "-o names one file or one directory, and a wildcard" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" "$u/pub/*.txt"
	expect 3 "a wildcard ('*' or '?') in a URL needs a newer kftp module" || rc=1
	# The listing takes none of -R's and --sha256's flags (the stand-in
	# refuses them as the module does); the files do.
	listing "$W/wild" mlsd -R --sha256 "$u/pub/a*"
	expect 4 "$u/pub/a.txt: cannot connect" || rc=1
	check_eq "requests (-R --sha256)" 2 "$REQ" || rc=1
	# Names that are all escapes, one listed twice, and an extra match
	# that --checksums does not list: that one fails, the rest come.
	printf '%s\r\n' 'type=file;size=1; #' 'type=file;size=1; []' 'type=file;size=1; %%' \
		'type=file;size=1; #' >"$W/odd"
	listing "$W/odd" mlsd "$u/pub/*"
	check_eq "requests (the listing, 3 names)" 4 "$REQ" || rc=1
	check_eq "the names, encoded" "%23|%25%25|%5B%5D" \
		"$(grep -o "$u/pub/[^:]*: cannot" "$W/err" | sed "s|^$u/pub/||; s|: cannot||" | paste -sd'|')" || rc=1
	printf '%s  %s\n' "$(printf '%064d' 0)" '#' "$(printf '%064d' 0)" '[]' >"$W/run/sums"
	listing "$W/odd" mlsd --checksums sums "$u/pub/*"
	# The first URL that failed, '#' (the stand-in's refused connect), sets it.
	expect 4 "--checksums: 'sums' has no checksum for '%%': not fetched" || rc=1
	check_eq "requests (--checksums: 2 of 3)" 3 "$REQ" || rc=1
	rm -f "$W/run/sums"
	# 10001 matches: more than a pattern may stand for, as for ranges.
	seq -f 'type=file;size=1; f%g' 10001 | sed 's/$/\r/' >"$W/many"
	listing "$W/many" mlsd "$u/pub/f*"
	expect 2 "10001 files match 'f*': more than 10000; narrow the pattern" || rc=1
	check_eq "requests (the listing only)" 1 "$REQ" || rc=1
	# A listing of 100 bad lines: 20 reports, not 100.
	for i in $(seq 100); do printf 'junk %d\r\n' "$i"; done >"$W/junk"
	listing "$W/junk" list -l "$u/pub/"
	expect 8 "100 lines of the listing could not be read" || rc=1
	check_eq "lines reported" 20 "$(grep -c 'LIST line' "$W/err")" || rc=1
	return $rc
}

# Two URLs with one local name: the second would replace the first's file.
# Refused before the first request, -i lists and --output-dir included.
c_shared_dest() {
	local rc=0
	srun -- "$ASAN" ftp://127.0.0.1:9/a/README 'ftp://u:Sekr3t@127.0.0.1:9/b/README'
	expect 2 "ftp://127.0.0.1:9/a/README and ftp://u:******@127.0.0.1:9/b/README would both be saved as 'README'" || rc=1
	check_eq "requests" 0 "$REQ" || rc=1
	lacks "the password" Sekr3t || rc=1
	mkdir -p "$W/run/out"
	printf 'ftp://127.0.0.1:9/x/f\nftp://127.0.0.1:9/y/g\nftp://127.0.0.1:9/x/f\n' >"$W/run/list"
	srun -- "$ASAN" --output-dir out -i list
	expect 2 "ftp://127.0.0.1:9/x/f and ftp://127.0.0.1:9/x/f would both be saved as 'out/f'" || rc=1
	check_eq "requests" 0 "$REQ" || rc=1
	# Distinct names still run: the stand-in answers both.
	srun -- "$ASAN" --output-dir out ftp://127.0.0.1:9/a/README ftp://127.0.0.1:9/a/README2
	lacks "a refusal" "would both be saved" || rc=1
	return $rc
}

# With one URL, a failure names it too (password masked).
c_one_url_named() {
	local rc=0
	srun -- "$ASAN" -o x 'ftp://u:Sekr3t@127.0.0.1:9/f'
	expect 4 "kftp-get: ftp://u:******@127.0.0.1:9/f: cannot connect to 127.0.0.1 port 9" || rc=1
	lacks "the password" Sekr3t || rc=1
	srun KFTP_PROBE_DEVICE=missing -- "$ASAN" -o x 'ftp://127.0.0.1:9/f'
	expect 6 "kftp-get: ftp://127.0.0.1:9/f: server said: 550" || rc=1
	return $rc
}

# No /dev/kftp (this host has no module): said once, with what to do,
# however many -Z workers there would be; nothing runs.
c_device_missing() {
	local rc=0
	[ ! -e /dev/kftp ] || { diag "this host has a /dev/kftp"; return 1; }
	run "$ASAN" -Z --parallel-max 4 ftp://127.0.0.1:9/a ftp://127.0.0.1:9/b \
		ftp://127.0.0.1:9/c ftp://127.0.0.1:9/d
	expect 3 "cannot open /dev/kftp: No such file or directory" || rc=1
	check_eq "lines about /dev/kftp" 1 "$(grep -c 'cannot open /dev/kftp' "$W/err")" || rc=1
	expect 3 "'dkms status kftp'" || rc=1
	expect 3 "'modprobe kftp'" || rc=1
	expect 3 "0 of 4 files downloaded" || rc=1
	return $rc
}

# A module too old for an option: one exit status (3), what to do, and no
# request sent; before the first download for the options, at the job
# for -C - (only an existing file makes it a resume).
c_too_old() {
	local rc=0 o
	for o in -R "-C 5" "-P 127.0.0.1:40000" "--max-time 9" "--max-filesize 1k"; do
		# shellcheck disable=SC2086 # $o is an option and its argument
		srun KFTP_PROBE_DEVICE_VERSION=1 -- "$ASAN" $o -o x 'ftp://127.0.0.1:9/f'
		expect 3 "${o%% *} needs a newer kftp module: one that takes requests of version 2 (the loaded module takes version 1)" || rc=1
		expect 3 "modprobe -r kftp" || rc=1
		check_eq "requests ($o)" 0 "$REQ" || rc=1
	done
	printf '0123456789' >"$W/run/part"
	srun KFTP_PROBE_DEVICE_VERSION=1 -- "$ASAN" -C - -o part 'ftp://127.0.0.1:9/f'
	expect 3 "-C (resuming) needs a newer kftp module" || rc=1
	check_eq "requests (-C -)" 0 "$REQ" || rc=1
	check_eq "the partial file" 0123456789 "$(cat "$W/run/part")" || rc=1
	# A version-2 module takes them all.
	srun -- "$ASAN" -R -P 127.0.0.1:40000 --max-time 9 -C - -o part 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (version 2)" 1 "$REQ" || rc=1
	return $rc
}

# --retry with the stand-in (a refused connection every time; a missing
# file): the wait doubles from 1 s, each retry is said, a missing file is
# final, --retry-max-time stops the next retry, and a SIGINT ends the
# wait at once. The guest's script.sh has the real servers.
c_retry() {
	local rc=0 t0 took pid st
	t0=$SECONDS
	srun -- "$ASAN" --retry 3 -o x 'ftp://127.0.0.1:9/f'
	took=$((SECONDS - t0))
	expect 4 "retry 1/3 in 1 s: cannot connect to 127.0.0.1 port 9: Connection refused" || rc=1
	expect 4 "retry 2/3 in 2 s: " || rc=1
	expect 4 "retry 3/3 in 4 s: " || rc=1
	check_eq "requests" 4 "$REQ" || rc=1
	[ "$took" -ge 7 ] || { diag "3 retries took $took s, not 1 + 2 + 4"; rc=1; }
	srun KFTP_PROBE_DEVICE=missing -- "$ASAN" --retry 3 -o x 'ftp://127.0.0.1:9/f'
	expect 6 "remote file missing" || rc=1
	lacks "a retry of a missing file" "retry" || rc=1
	check_eq "requests (550)" 1 "$REQ" || rc=1
	srun -- "$ASAN" --retry 9 --retry-delay 0.2 --retry-max-time 0.5 -o x 'ftp://127.0.0.1:9/f'
	expect 4 "retry 2/9 in 0.2 s" || rc=1
	expect 4 "not retrying: --retry-max-time (0.5 s) would be exceeded" || rc=1
	check_eq "requests (--retry-max-time)" 3 "$REQ" || rc=1
	# SIGINT in the wait: at once, and by that signal. With SIGINT's default
	# action: kftp-get keeps a signal ignored that was ignored when it
	# started (nohup), and this script may have started so (a CI runner
	# that put .ci/run in the background: a shell's background job ignores
	# SIGINT).
	t0=$SECONDS
	(cd "$W/run" && exec env --default-signal=INT "${STANDIN[@]}" "$ASAN" --retry 3 --retry-delay 60 -o x \
		'ftp://127.0.0.1:9/f') 2>"$W/err" &
	pid=$!
	sleep 2
	kill -INT "$pid"
	st=0
	wait "$pid" || st=$?
	took=$((SECONDS - t0))
	check_eq "exit status after SIGINT in the wait" 130 "$st" || rc=1
	[ "$took" -lt 20 ] || { diag "SIGINT in a 60 s wait took $took s"; rc=1; }
	return $rc
}

# -o -: one URL only, and neither -C nor --json (2); then, on a module
# older than request version 3 (the stand-in takes version 2), exit 3
# before anything is sent; never a file named "-".
c_stdout() {
	local rc=0 o
	run "$ASAN" -o - 'ftp://127.0.0.1:9/a' 'ftp://127.0.0.1:9/b'
	expect 2 "-o - writes one file to stdout, but 2 URLs were given" || rc=1
	for o in "-C 5" "-C -"; do
		# shellcheck disable=SC2086 # $o is an option and its argument
		run "$ASAN" $o -o - 'ftp://127.0.0.1:9/f'
		expect 2 "-C cannot resume -o -: stdout cannot be written from an offset" || rc=1
	done
	run "$ASAN" --json -o - 'ftp://127.0.0.1:9/f'
	expect 2 "-o - and --json both want stdout" || rc=1
	srun -- "$ASAN" -o - 'ftp://127.0.0.1:9/f'
	expect 3 "-o - (writing to stdout) needs a newer kftp module: one that takes requests of version 3 (the loaded module takes version 2)" || rc=1
	check_eq "requests" 0 "$REQ" || rc=1
	[ ! -e "$W/run/-" ] || { diag "a file named '-' was made"; rc=1; }
	return $rc
}

# -v (the kernel's trace on stderr): in -h and the completion; refused by a
# module older than version 3 before anything is sent, with -o - named
# too; and a run without it stays a request that a version-2 module takes
# (the probe of version 3 itself, E2BIG there, costs nothing).
c_verbose() {
	local rc=0 comp=$KFTP_REPO/user/completion/kftp-get
	"$PLAIN" -h | grep -qE -- '^  -v, --verbose ' || { diag "-h lacks -v, --verbose"; rc=1; }
	grep -qE -- "(^|[ '])-v([ ']|\$)" "$comp" || { diag "the completion lacks -v"; rc=1; }
	srun -- "$ASAN" -v -o x 'ftp://127.0.0.1:9/f'
	expect 3 "-v needs a newer kftp module: one that takes requests of version 3 (the loaded module takes version 2)" || rc=1
	expect 3 "modprobe -r kftp" || rc=1
	check_eq "requests (-v)" 0 "$REQ" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=1 -- "$ASAN" --verbose -o - 'ftp://127.0.0.1:9/f'
	expect 3 "-o - (writing to stdout), -v needs a newer kftp module: one that takes requests of version 3 (the loaded module takes version 1)" || rc=1
	check_eq "requests (-v -o -)" 0 "$REQ" || rc=1
	srun -- "$ASAN" -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (no -v, version 2)" 1 "$REQ" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=1 -- "$ASAN" -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (no -v, version 1)" 1 "$REQ" || rc=1
	return $rc
}

# --sha256 and --checksum (version 4, issue 23): the digest's form checked
# before anything else (exit 2), one URL for --checksum, and a module older
# than version 4 refused before any request; with version 4, the request
# goes out; with no option, the server's digest is asked of version 4 only.
c_checksum() {
	local rc=0 hex
	printf -v hex '%064d' 0
	srun -- "$ASAN" --checksum "md5=$hex" -o x 'ftp://127.0.0.1:9/f'
	expect 2 "--checksum: 'md5' is not a digest kftp-get knows (it takes sha-256=HEX)" || rc=1
	srun -- "$ASAN" --checksum "sha-256=${hex:1}" -o x 'ftp://127.0.0.1:9/f'
	expect 2 "--checksum: sha-256 wants 64 hex digits, not '${hex:1}'" || rc=1
	srun -- "$ASAN" --checksum "sha-256=${hex:1}g" -o x 'ftp://127.0.0.1:9/f'
	expect 2 "sha-256 wants 64 hex digits" || rc=1
	srun -- "$ASAN" --checksum "SHA-256=$hex" 'ftp://127.0.0.1:9/f' 'ftp://127.0.0.1:9/g'
	expect 2 "--checksum gives one file's digest, but 2 URLs were given" || rc=1
	check_eq "requests (usage errors)" 0 "$REQ" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=3 -- "$ASAN" --sha256 --checksum "sha-256=$hex" -o x 'ftp://127.0.0.1:9/f'
	expect 3 "--checksum, --sha256 needs a newer kftp module: one that takes requests of version 4 (the loaded module takes version 3)" || rc=1
	check_eq "requests (version 3)" 0 "$REQ" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" --sha256 -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (version 4)" 1 "$REQ" || rc=1
	check_eq "--sha256's flags (DEST_FD, SHA256, SERVER_SHA256)" 0x62 "$FLAGS" || rc=1
	# No option: the server's digest is asked of a version 4 module only,
	# and --no-server-checksum asks it of none.
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "flags, no option, version 4 (DEST_FD, SERVER_SHA256)" 0x42 "$FLAGS" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=3 -- "$ASAN" -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "flags, no option, version 3 (DEST_FD)" 0x2 "$FLAGS" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" --no-server-checksum -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "flags, --no-server-checksum (DEST_FD)" 0x2 "$FLAGS" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" --sha256 --no-server-checksum -o x 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "flags, --sha256 --no-server-checksum (DEST_FD, SHA256)" 0x22 "$FLAGS" || rc=1
	# --checksums LIST: read before anything; each file of the run listed.
	printf '# made by sha256sum\n%s  dir/f\n\\%s  a\\nb\n%s *g\n' "$hex" "$hex" "$hex" >"$W/sums"
	printf '%s  f\nnot a line\n' "$hex" >"$W/bad-sums"
	srun -- "$ASAN" --checksums "$W/bad-sums" -o x 'ftp://127.0.0.1:9/f'
	expect 2 "--checksums: $W/bad-sums:2: not a sha256sum line (HEX  NAME, 64 hex digits)" || rc=1
	srun -- "$ASAN" --checksums "$W/sums" 'ftp://127.0.0.1:9/f' 'ftp://127.0.0.1:9/h'
	expect 2 "--checksums: '$W/sums' has no checksum for 'h'" || rc=1
	srun -- "$ASAN" --checksums "$W/sums" --checksum "sha-256=$hex" -o x 'ftp://127.0.0.1:9/f'
	expect 2 "--checksum and --checksums: give one or the other" || rc=1
	srun -- "$ASAN" --checksums "$W/no-such-list" -o x 'ftp://127.0.0.1:9/f'
	expect 2 "--checksums: cannot read '$W/no-such-list'" || rc=1
	check_eq "requests (--checksums refused)" 0 "$REQ" || rc=1
	srun KFTP_PROBE_DEVICE_VERSION=4 -- "$ASAN" --checksums "$W/sums" 'ftp://127.0.0.1:9/f' 'ftp://127.0.0.1:9/g'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (f by base name, g)" 2 "$REQ" || rc=1
	return $rc
}

# display_name (version 3): a name with a control byte, or whose absolute
# form is too long for the field (then the name as given, shorter, written
# over it), is passed as the module takes it (NUL-padded, no control byte),
# which the stand-in checks as the module does; the download goes on.
c_display_name() {
	local rc=0 c200 dir='' base i
	srun KFTP_PROBE_DEVICE_VERSION=3 -- "$ASAN" -o $'a\eb' 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (a name with ESC)" 1 "$REQ" || rc=1
	printf -v c200 '%0200d' 0
	printf -v base '%0250d' 1
	for ((i = 0; i < 19; i++)); do
		dir+=$c200/
	done
	mkdir -p "$W/run/$dir" || return 1
	srun KFTP_PROBE_DEVICE_VERSION=3 -- "$ASAN" -o "$dir$base" 'ftp://127.0.0.1:9/f'
	expect 4 "cannot connect" || rc=1
	check_eq "requests (a name longer than display_name)" 1 "$REQ" || rc=1
	rm -rf "${W:?}/run/$c200"
	return $rc
}

# ---------------------------------------------------------------- the docs

# What the docs say of the options and exit statuses is what the code
# does (issue 21): every long option of -h, as a whole word, in the
# README's list and the completion; -h's exit statuses in the README's
# table; kftp-get(1) names the options whose meaning is not curl's, and
# kftpstat(1) shows START's destination by its final name (display_name).
c_docs() {
	local rc=0 o list code man=$KFTP_REPO/man/kftp-get.1 readme=$KFTP_REPO/README.md
	local comp=$KFTP_REPO/user/completion/kftp-get differ
	list=$(sed -n '/^kftp-get \[options\] URL/,/^```/p' "$readme")
	[ -n "$list" ] || { diag "no option list in the README"; return 1; }
	for o in $("$PLAIN" -h | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
		grep -qE -- "$o([ ,;]|\$)" <<<"$list" || { diag "README's list lacks $o"; rc=1; }
		grep -qE -- "(^|[[:space:]'])$o([[:space:]']|\$)" "$comp" || { diag "the completion lacks $o"; rc=1; }
	done
	for code in $("$PLAIN" -h | sed -n '/^Exit status:/,$p' | grep -oE '^  [0-9+N]+' | tr -d ' '); do
		grep -qF "| $code |" "$readme" || { diag "README's exit table lacks $code"; rc=1; }
	done
	grep -qF 'carry its names and meanings' "$man" &&
		{ diag "kftp-get(1) still says every curl option keeps curl's meaning"; rc=1; }
	differ=$(sed -n '/^These do not:/,/^The options:/p' "$man")
	for o in '\\-i' '\\-q' '\\-\\-progress\\-bar' '\\-\\-timeout'; do
		grep -q "^\.B $o\$" <<<"$differ" || { diag "kftp-get(1) does not say how ${o//\\/} differs from curl"; rc=1; }
	done
	# START carries the final name that kftp-get gives (display_name).
	grep -qF -- '\-> /srv/in/big.bin' "$KFTP_REPO/man/kftpstat.1" ||
		{ diag "kftpstat(1)'s START does not show the destination's final name"; rc=1; }
	grep -qF -- '#2891' "$KFTP_REPO/man/kftpstat.1" &&
		{ diag "kftpstat(1)'s START shows the unnamed data file"; rc=1; }
	return $rc
}

# ---------------------------------------------------------------- the build

# -Werror stays for make lint and CI (user/'s default), and does not reach
# the package build (debian/rules), where a newer gcc would fail it.
c_build_werror() {
	local d=$W/src rc=0 out
	rm -rf "$d" && mkdir -p "$d"
	(cd "$KFTP_REPO" && cp -r user include debian VERSION "$d/") || return 1
	rm -f "$d/user/kftp-get" "$d/user/kftpstat"
	out=$(cd "$d" && make -n -f debian/rules override_dh_auto_build 2>&1)
	grep -q -- '-Wall -Wextra' <<<"$out" || { diag "no compile line: $out"; return 1; }
	! grep -q -- '-Werror' <<<"$out" || { diag "-Werror in the package build: $(grep -m1 -- -Werror <<<"$out")"; rc=1; }
	out=$(make -n -C "$d/user" 2>&1)
	grep -q -- '-Werror' <<<"$out" || { diag "no -Werror in user/'s own build"; rc=1; }
	return $rc
}

# A plain make without libmnl's header names the package to install
# (gcc -nostdinc stands for a host without libmnl-dev: no system header).
c_build_libmnl() {
	local rc=0
	RC=0
	make -s -C "$KFTP_REPO/user" CC="gcc -nostdinc" OUT="$W/nomnl" >/dev/null 2>"$W/err" || RC=$?
	ERR=$(head -c 3000 "$W/err")
	[ "$RC" != 0 ] || { diag "make succeeded"; rc=1; }
	grep -qF 'install libmnl-dev (apt-get install libmnl-dev)' "$W/err" || { diag "stderr: $ERR"; rc=1; }
	lacks "a compiler error" "fatal error" || rc=1
	return $rc
}

# make deb installs the build dependencies only: dpkg-dev and debian/
# control's Build-Depends, not the test stack (qemu, a kernel, vsftpd).
c_make_deb_deps() {
	local rc=0 out want
	out=$(make -n --no-print-directory -C "$KFTP_REPO" deb 2>&1)
	check_eq "make deb's first step" "tests/deps.sh --build-deps" "$(head -n 1 <<<"$out")" || rc=1
	out=$("$KFTP_REPO/tests/deps.sh" --build-deps --list 2>&1)
	want=$(printf '%s\n' dpkg-dev 'debhelper-compat (= 13)' dh-sequence-dkms libmnl-dev)
	check_eq "what --build-deps installs" "$want" "$out" || rc=1
	if grep -q -e qemu -e vsftpd -e linux-image -e nftables <<<"$out"; then
		diag "the test stack in make deb's dependencies"
		rc=1
	fi
	return $rc
}

# kftp-dkms's postinst loads the module when DKMS built it for the running
# kernel (after dh_dkms's part), and a failure is said, not fatal. Its own
# part runs here with stand-ins for uname, modinfo and modprobe.
c_postinst() {
	local f=$KFTP_REPO/debian/kftp-dkms.postinst d=$W/postinst rc=0 how out st
	[ -f "$f" ] || { diag "no $f"; return 1; }
	[ "$(grep -n '#DEBHELPER#' "$f" | cut -d: -f1)" -lt "$(grep -n '^# kftp: load' "$f" | cut -d: -f1)" ] ||
		{ diag "the module is loaded before dh_dkms's part (#DEBHELPER#)"; rc=1; }
	mkdir -p "$d/bin"
	sed -n '/^# kftp: load/,/^# kftp: end/p' "$f" >"$d/part.sh"
	printf '#!/bin/sh\necho 9.9.9-test\n' >"$d/bin/uname"
	printf '#!/bin/sh\necho "modinfo $*" >>%s/calls\n[ "$HOW" != none ] || exit 1\necho 0.1.0\n' "$d" >"$d/bin/modinfo"
	printf '#!/bin/sh\necho "modprobe $*" >>%s/calls\n[ "$HOW" != fails ]\n' "$d" >"$d/bin/modprobe"
	chmod 0755 "$d"/bin/*
	for how in loads fails none; do
		rm -f "$d/calls"
		st=0
		out=$(HOW=$how PATH="$d/bin:$PATH" sh -e "$d/part.sh" configure 2>&1) || st=$?
		check_eq "exit status ($how)" 0 "$st" || rc=1
		case $how in
		loads) check_eq "calls ($how)" "modinfo -k 9.9.9-test kftp|modprobe kftp" \
			"$(tr '\n' '|' <"$d/calls" | sed 's/|$//')" || rc=1 ;;
		fails) grep -qF "mokutil --import /var/lib/dkms/mok.pub" <<<"$out" ||
			{ diag "message ($how): $out"; rc=1; } ;;
		none) check_eq "calls ($how)" "modinfo -k 9.9.9-test kftp" "$(cat "$d/calls")" || rc=1 ;;
		esac
	done
	return $rc
}

# ---------------------------------------------------------------- fuzzing

c_fuzz() {
	local name=$1 bin=$FUZZ_DIR/fuzz-$1 new=$W/corpus-$1 log=$W/fuzz-$1.log rc=0
	mkdir -p "$new" "$FUZZ_DIR/artifacts"
	# -close_fd_mask=2: kftp-get's messages go; libFuzzer's and the
	# sanitizers' reports stay.
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -close_fd_mask=2 \
		-artifact_prefix="$FUZZ_DIR/artifacts/$name-" \
		"$new" "$KFTP_REPO/tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
	diag "$(grep -E '^Done [0-9]+ runs' "$log" || echo "no run count")"
	[ $rc = 0 ] && return 0
	diag "$(grep -v -E '^#[0-9]+|^INFO' "$log" | tail -n 40)"
	return 1
}

# ---------------------------------------------------------------- the VM run

# vm_suite RESULTS: the guest suite with the sanitized tools; its cases
# numbered on from ours. run-vm.sh's exit status.
vm_suite() {
	tests/vm/run-vm.sh --kver "$kver" --timeout 3600 --results "$1" \
		--env "SUITE_PARTS=$VM_PARTS" \
		--env "SUITE_KFTP_GET=/kftp/.build/user-asan/kftp-get" \
		--env "KFTPSTAT=/kftp/.build/user-asan/kftpstat" \
		--env "KFTP_SANITIZER_LOGS=/results/sanitizer" \
		--env "ASAN_OPTIONS=$ASAN_OPTIONS:log_path=/results/sanitizer/asan" \
		--env "UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=/results/sanitizer/ubsan" \
		-- tests/guest/suite.sh |
		awk -v off="$T_N" 'match($0, /^(not )?ok [0-9]+/) {
			n = $0; sub(/^(not )?ok /, "", n); n = n + 0
			sub(/ok [0-9]+/, "ok " (n + off))
		} { print; fflush() }'
	return "${PIPESTATUS[0]}"
}

vm_run() {
	local results status
	[ -n "$kver" ] || kver=$(default_kver)
	check_build_kver "$kver"
	diag "VM run: kernel $kver, parts $VM_PARTS, sanitized kftp-get and kftpstat"
	if ! make -C "$KFTP_REPO" KVER="$kver" all testprogs >"$W/vm-build.log" 2>&1; then
		not_ok "build kftp.ko and the test programs for $kver" "$(tail -n 20 "$W/vm-build.log")"
		return
	fi
	results=$KFTP_BUILD_DIR/results/check-user-$kver
	mkdir -p "$results"
	rm -rf "$results/sanitizer" && mkdir -m 1777 "$results/sanitizer"
	rm -f -- "$results/output.log" "$results/status" "$results/kernel-verdict" \
		"$results/verdict"
	tap_relay guest < <(cd "$KFTP_REPO" && tap_stream vm_suite "$results")
	case $R_RC in 129|130|143) exit "$R_RC" ;; esac
	T_N=$R_LAST T_PASS=$((T_PASS + R_PASS)) T_FAIL=$((T_FAIL + R_FAIL))
	if [ "$(cat "$results/kernel-verdict" 2>/dev/null)" = ok ]; then
		ok "guest kernel log clean (sanitized tools)"
	else
		not_ok "guest kernel log clean (sanitized tools)" \
			"$(cat "$results/kernel-verdict" 2>/dev/null || echo "no verdict")"
	fi
	status=$(tr -dc '0-9' <"$results/status" 2>/dev/null || true)
	if [ "$status" != 0 ] && [ "$R_FAIL" = 0 ]; then
		not_ok "guest suite (sanitized tools) exited 0" "status: ${status:-none (the guest died)}"
	fi
}

# ---------------------------------------------------------------- run

mkdir -p "$W/run"
printf '# kftp check-user: sanitizers and fuzzers for user/ (issue 19)\n'
tcase "build: kftp-get and kftpstat, gcc -Werror" c_build_plain ||
	SUITE_ABORT="the plain build failed"
tcase "build: kftp-get and kftpstat with ASan and UBSan (clang)" c_build_asan ||
	SUITE_ABORT="the sanitized build failed"
save_abort=$SUITE_ABORT
tcase "build: libFuzzer harnesses, user-unit, kftp-probe.so" c_build_fuzz ||
	fuzz_abort="the harnesses did not build"

tcase "user/: no file uses or includes a file that uses it (issue 21)" c_layers
tcase "a 12 KiB URL before a message: bounded, no overflow (finding 1)" c_long_url
tcase "a mistyped URL's password is not in the error (finding 4)" c_password_shown
tcase "no copy of a password in memory at exit; not dumpable (finding 4)" c_password_memory
tcase "control bytes in a name from a URL: refused, escaped (finding 7)" c_control_bytes
tcase "netrc: a FIFO is refused at once (finding 5)" c_netrc_fifo
tcase "netrc: a device node is never opened (finding 5)" c_netrc_device
tcase "netrc: another user's, with a password, refused (finding 5)" c_netrc_owner
tcase "another user's file in a sticky dir: refused before connecting (finding 3)" c_sticky_owner
tcase "-Z 8 URL: -Z takes no argument, said so; nothing runs (issue 21)" c_stray_flag
tcase "every URL, -i lists too, checked before the first download (issue 21)" c_urls_first
tcase "two URLs, one local name: refused before any request (issue 22)" c_shared_dest
tcase "ranges and sets: expanded in order, -g, bad patterns, -i as it is (issue 22)" c_globs
tcase "-l: names from MLSD and LIST, hostile ones skipped, bad lines exit 8 (issue 22)" c_list_only
tcase "-r: bounds, --level, --include, a local symlink refused, --delete (issue 22)" c_mirror
tcase "-r --follow-symlinks: links to files of the tree only, each skip said; --failed names trees (issue 22)" c_mirror_links
tcase "-x and --create-dirs: made before the transfer, never through a symlink (issue 22)" c_force_dirs
tcase "wildcards: the matching plain files in order, none is exit 6, \\*, -g, -o (issue 22)" c_wildcards
tcase "one URL: its failure names it, password masked (issue 21)" c_one_url_named
tcase "no /dev/kftp: said once with -Z, with modprobe and dkms hints (issue 21)" c_device_missing
tcase "a module too old for an option: exit 3, reload hint, nothing sent (issue 21)" c_too_old
tcase "-o -: several URLs, -C, --json usage errors; needs version 3 (issue 21)" c_stdout
tcase "-v: in -h and the completion; needs version 3; costs nothing without (issue 21)" c_verbose
tcase "display_name: a name with ESC or longer than the field stays a valid request" c_display_name
tcase "--sha256, --checksum(s): forms, lists, one URL, need version 4 (issue 23)" c_checksum
tcase "--retry: doubling wait, each said; 550 final; --retry-max-time; SIGINT (issue 21)" c_retry
tcase "docs: options, exit statuses, curl's meanings as the code has them (issue 21)" c_docs
tcase "-Werror in user/'s own build, not in the package's (issue 21)" c_build_werror
tcase "make without libmnl-dev names the package (issue 21)" c_build_libmnl
tcase "make deb installs its build dependencies only (issue 21)" c_make_deb_deps
tcase "kftp-dkms's postinst loads the module; a failure is not fatal (issue 21)" c_postinst
SUITE_ABORT=${fuzz_abort:-$save_abort}
tcase "unit: rates, ETAs, percentages from absurd numbers (finding 8)" c_unit progress-range
tcase "unit: kftpstat's JSON is valid UTF-8 (finding 8)" c_unit json-utf8
tcase "unit: netlink lengths past the datagram are refused (finding 6)" c_unit nl-framing
tcase "unit: MLSD and Unix LIST lines, hostile names and other forms (issue 22)" c_unit listing
tcase "unit: ranges and sets in a URL's path, the host untouched (issue 22)" c_unit urlglob
for h in "${HARNESSES[@]}"; do
	tcase "fuzz-$h: ${FUZZ_SECONDS} s from its corpus, ASan and UBSan" c_fuzz "$h"
done
SUITE_ABORT=$save_abort
[ -z "$vm" ] || vm_run

printf '1..%d\n' "$T_N"
printf '%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
[ "$T_FAIL" -eq 0 ]

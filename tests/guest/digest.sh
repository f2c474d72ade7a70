#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# digest.sh START_N: the SHA-256 that the kernel computes while it writes
# (KFTP_GET_F_SHA256, kftp-get --sha256 and --checksum; issue 23):
#   - digests equal sha256sum's for sizes around page and batch boundaries,
#     1 MiB of every byte value and 64 MiB, from vsftpd and pyftpdlib, on
#     the one-copy path and on the two-copy path (one_copy=N);
#   - a resumed download (-C -) covers the whole file, the part that was
#     there included, and a file already complete too;
#   - stops (SIGSTOP/SIGCONT) during a throttled resumed download, whose
#     restarted calls go on with the digest where it stood;
#   - --checksum: a match saves, a mismatch (exit 12) leaves the
#     destination as it was; --json's sha256; -o -'s line on stderr; -v
#     names the implementation;
#   - the server's own digest (HASH, OPTS HASH, XSHA256) from the scripted
#     server: checked, or a clear failure when wrong or malformed; from
#     proftpd with mod_digest, a real server; FEAT once per login on
#     vsftpd;
#   - over veth with GRO (a server in another network namespace);
#   - the kernel log stays clean.
#
# Part of the in-guest suite (tests/guest/suite.sh; see tests/guest/lib.sh).
# The stop cases use hostile_ftpd.py's throttle40m (40 MiB at ~10 MB/s), the
# server digest cases its hash* scenarios.

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init digest "$@"

W=$PART_WORK
S=$FTP_ROOT/digest		# files of this part, served by both servers
FRESH_ROOT=$W/cases
MARK=$(kmsg_mark)
HPID=
PROFTPD_PID=
ONE_COPY=/sys/module/kftp/parameters/one_copy
# Sizes around a page (4096) and the one-copy batch (64 bvecs, 256 KiB).
SIZES=(0 1 4095 4096 4097 65535 262143 262144 262145 1000001)

cleanup() {
	[ -z "$HPID" ] || stop_pid "$HPID" hostile_ftpd.py >/dev/null
	[ -z "$HSPID" ] || stop_pid "$HSPID" hostile_ftpd.py >/dev/null
	[ -z "$PROFTPD_PID" ] || stop_pid "$PROFTPD_PID" proftpd >/dev/null
	veth_down
	[ ! -w "$ONE_COPY" ] || echo Y >"$ONE_COPY"
	rm -rf "$S"
	return 0
}
on_exit cleanup

umask 022

mkdir -p "$S"
for n in "${SIZES[@]}"; do
	head -c "$n" /dev/urandom >"$S/s$n.bin"
done
chmod 0755 "$S" && chmod 0644 "$S"/*

# ---------------------------------------------------------------- helpers

# sums_ok OUT DIR NAME...: OUT (kftp-get --sha256's stdout) holds one line
# per NAME, "HEX  DIR/NAME", each HEX the sha256sum of the served file and
# of the saved one; sha256sum -c takes OUT as it is.
sums_ok() {
	local out=$1 dir=$2 rc=0 want='' name
	shift 2
	for name in "$@"; do
		want+="$(sha_of "$S/$name")  $dir/$name"$'\n'
	done
	check_eq "--sha256 lines" "${want%$'\n'}" "$out" || rc=1
	printf '%s\n' "$out" >"$W/sums"
	sha256sum --quiet -c "$W/sums" >/dev/null 2>&1 ||
		{ diag "sha256sum -c: $(sha256sum -c "$W/sums" 2>&1 | grep -v ': OK$')"; rc=1; }
	return $rc
}

# every_size SERVER_URL: all SIZES in one run (one login), checked.
every_size() {
	local d names=() n rc=0
	d=$(fresh "sizes-${1##*:}")
	for n in "${SIZES[@]}"; do
		names+=("s$n.bin")
	done
	kget -q --sha256 --output-dir "$d" "${names[@]/#/$1/digest/}"
	check_rc 0 || return 1
	sums_ok "$KOUT" "$d" "${names[@]}" || rc=1
	for n in "${names[@]}"; do
		check_sha "$d/$n" "$(sha_of "$S/$n")" || rc=1
	done
	return $rc
}

# start_throttled: hostile_ftpd.py serving throttle40m; HPORT, BIG_SHA and
# the file's bytes in $W/big.
start_throttled() {
	[ -n "$HPID" ] && return 0
	start_hostile_ftpd "$W/hostile" --scenario throttle40m || return 1
	HPID=$HOSTILE_PID HPORT=$HOSTILE_PORT
	"$PYTHON" -c 'import sys; sys.path.insert(0, sys.argv[1])
import hostile_ftpd as h; sys.stdout.buffer.write(h.big())' \
		"$REPO/tests/servers" >"$W/big" || return 1
	BIG_SHA=$(sha_of "$W/big")
}

# ---------------------------------------------------------------- cases

c_sizes_vsftpd() {
	every_size "$V"
}

c_sizes_pyftpd() {
	every_size "$P"
}

# The two-copy path (one_copy=N) hashes its buffer instead of the pages.
c_sizes_two_copy() {
	local rc=0
	echo N >"$ONE_COPY" || return 1
	every_size "$V" || rc=1
	echo Y >"$ONE_COPY" || rc=1
	return $rc
}

c_allbytes_and_big() {
	local d rc=0
	d=$(fresh big)
	kget -q --sha256 --output-dir "$d" "$V/allbytes.bin" "$P/big.bin"
	check_rc 0 || return 1
	check_eq "--sha256 lines" "$(sha_of "$FTP_ROOT/allbytes.bin")  $d/allbytes.bin
$(sha_of "$FTP_ROOT/big.bin")  $d/big.bin" "$KOUT" || rc=1
	check_sha "$d/big.bin" "$(sha_of "$FTP_ROOT/big.bin")" || rc=1
	return $rc
}

# -C -: the digest covers the bytes that were there before; so it does
# when there was nothing left to fetch.
c_resume() {
	local d rc=0
	d=$(fresh resume)
	head -c 100001 "$S/s1000001.bin" >"$d/f"
	kget -q --sha256 -C - -o "$d/f" "$V/digest/s1000001.bin"
	check_rc 0 || rc=1
	check_eq "--sha256 line (resumed at 100001)" "$(sha_of "$S/s1000001.bin")  $d/f" "$KOUT" || rc=1
	check_sha "$d/f" "$(sha_of "$S/s1000001.bin")" || rc=1
	kget --sha256 -C - -o "$d/f" "$P/digest/s1000001.bin"
	check_rc 0 || rc=1
	check_contains "stderr" "$KERR" "is already complete" || rc=1
	check_eq "--sha256 line (complete)" "$(sha_of "$S/s1000001.bin")  $d/f" "$KOUT" || rc=1
	return $rc
}

# Stops during a throttled download resumed at 30 MiB: the first may come
# while the kernel hashes the 30 MiB already there, the others during the
# data; each restarted call goes on where the digest stood.
c_resume_stops() {
	local d pid rc=0
	start_throttled || return 1
	d=$(fresh stops)
	head -c 31457280 "$W/big" >"$d/big"
	"$KFTP_GET" -q --sha256 -C - -o "$d/big" "ftp://127.0.0.1:$HPORT/big" \
		>"$d/out" 2>"$d/err" </dev/null &
	pid=$!
	stop_cont_every "$pid" 3 0.4 1.5
	wait "$pid"
	check_eq "exit status (stderr: $(cat "$d/err"))" 0 $? || return 1
	check_eq "--sha256 line" "$BIG_SHA  $d/big" "$(cat "$d/out")" || rc=1
	check_sha "$d/big" "$BIG_SHA" || rc=1
	check_eq "RETRs" 1 "$(log_count "$W/hostile/hostile.log" '< RETR')" || rc=1
	return $rc
}

# SIGKILL while the digest is under way, early (most likely in the 30 MiB
# prefix's hash) and late (in the data): kftp-get dies, the hash state goes
# with the transfer (the module's refcount comes back to 0, kmemleak and
# KASAN judge the rest in the debug lane), the destination keeps at least
# what it held, and the same download then completes, verified.
c_resume_kill() {
	local d pid rc=0 delay size
	start_throttled || return 1
	d=$(fresh kill)
	head -c 31457280 "$W/big" >"$d/big"
	for delay in 0.3 2.5; do
		"$KFTP_GET" -q --sha256 -C - -o "$d/big" "ftp://127.0.0.1:$HPORT/big" \
			>/dev/null 2>&1 </dev/null &
		pid=$!
		sleep "$delay"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		size=$(stat -c %s "$d/big")
		[ "$size" -ge 31457280 ] || { diag "after SIGKILL at $delay s: $size bytes"; rc=1; }
		wait_refcnt_zero || { diag "refcnt after SIGKILL at $delay s: $(module_refcnt)"; rc=1; }
	done
	kget -q --sha256 -C - -o "$d/big" "ftp://127.0.0.1:$HPORT/big"
	check_rc 0 || rc=1
	check_eq "--sha256 line after the kills" "$BIG_SHA  $d/big" "$KOUT" || rc=1
	check_sha "$d/big" "$BIG_SHA" || rc=1
	return $rc
}

# wait_refcnt_zero: the module's refcount back to 0 (the last fput of a
# killed caller's /dev/kftp may run in a kworker), within 10 s.
wait_refcnt_zero() {
	local _
	for _ in $(seq "$(tscale 50)"); do
		[ "$(module_refcnt)" = 0 ] && return 0
		sleep 0.2
	done
	return 1
}

# --checksum: the right digest saves (either case of hex); a wrong one
# exits 12, the old file untouched, nothing left behind, not retried.
c_checksum() {
	local d rc=0 sum upper wrong
	d=$(fresh checksum)
	sum=$(sha_of "$S/s262145.bin")
	upper=$(printf '%s' "$sum" | tr a-f A-F)
	kget -q --checksum "SHA-256=$upper" -o "$d/new" "$V/digest/s262145.bin"
	check_rc 0 || rc=1
	check_sha "$d/new" "$sum" || rc=1
	wrong=$(sha_of "$S/s4096.bin")
	printf 'old contents\n' >"$d/old"
	kget --retry 2 --checksum "sha-256=$wrong" -o "$d/old" "$P/digest/s262145.bin"
	expect_fail 12 "checksum mismatch: sha-256 $sum, expected $wrong" || rc=1
	check_contains "stderr" "$KERR" "'$d/old' was not saved" || rc=1
	check_eq "old file" "old contents" "$(cat "$d/old")" || rc=1
	case $KERR in *"retry "*) diag "a mismatch was retried"; rc=1 ;; esac
	kget -q --checksum "sha-256=$wrong" -o "$d/none" "$V/digest/s262145.bin"
	check_rc 12 || rc=1
	only_entries "$d" new old || rc=1
	no_temp_files "$d" || rc=1
	# --checksums LIST -i URLS, as the README shows it: a right entry saves
	# its file, a wrong one fails it (exit 12) and the next still comes.
	mkdir "$d/list"
	printf '%s  s4096.bin\n%s  s4097.bin\n%s  s1.bin\n' "$(sha_of "$S/s4096.bin")" \
		"$wrong" "$(sha_of "$S/s1.bin")" >"$d/SHA256SUMS"
	printf '%s\n' "$V/digest/s4096.bin" "$V/digest/s4097.bin" "$V/digest/s1.bin" >"$d/urls"
	kget --checksums "$d/SHA256SUMS" --output-dir "$d/list" -i "$d/urls"
	expect_fail 12 "checksum mismatch: sha-256 $(sha_of "$S/s4097.bin"), expected $wrong" || rc=1
	only_entries "$d/list" s4096.bin s1.bin || rc=1
	check_sha "$d/list/s1.bin" "$(sha_of "$S/s1.bin")" || rc=1
	return $rc
}

# --json: the digest in each line, null for a file that failed; no
# separate lines. -o -: the line on stderr, named "-".
c_json_stdout() {
	local d rc=0 err
	d=$(fresh json)
	kget -q --sha256 --json --output-dir "$d" "$V/digest/s4097.bin" "$V/digest/nosuch.bin"
	check_rc 6 || rc=1
	printf '%s\n' "$KOUT" >"$d/out.json"
	jcheck "$d/out.json" '
want = args[0]
if [(e["exit_status"], e.get("sha256", "missing")) for e in ev] != [(0, want), (6, None)]:
    fail("sha256 members: %s" % [(e["exit_status"], e.get("sha256", "missing")) for e in ev])
' "$(sha_of "$S/s4097.bin")" || rc=1
	err=$("$KFTP_GET" -q --sha256 -o - "$P/digest/s65535.bin" 2>&1 >"$d/pipe" </dev/null)
	check_eq "stderr of -o -" "$(sha_of "$S/s65535.bin")  -" "$err" || rc=1
	check_sha "$d/pipe" "$(sha_of "$S/s65535.bin")" || rc=1
	return $rc
}

# -v names the kernel's SHA-256 implementation and shows the data's digest;
# without --sha256, from vsftpd (no digest to compare with), no digest is
# computed (no such line).
c_trace() {
	local d rc=0
	d=$(fresh trace)
	kget -v --sha256 -o "$d/f" "$V/digest/s1.bin"
	check_rc 0 || rc=1
	check_contains "-v's trace" "$KERR" "* SHA-256 by sha256" || rc=1
	check_contains "-v's trace" "$KERR" "* SHA-256 of the data $(sha_of "$S/s1.bin")" || rc=1
	diag "$(printf '%s\n' "$KERR" | grep 'SHA-256 by')"
	kget -v -o "$d/g" "$V/digest/s1.bin"
	check_rc 0 || rc=1
	case $KERR in *"SHA-256"*) diag "a digest without --sha256"; rc=1 ;; esac
	return $rc
}

# The server's own digest, asked whenever it offers one: HASH as proftpd
# answers it, HASH after OPTS HASH SHA-256 (SHA-1 selected), XSHA256 in
# uppercase, and a refused HASH (no server digest, the download stands);
# with no option too, not with --no-server-checksum.
c_server_hash() {
	local d rc=0 sc before
	d=$(fresh server-hash)
	for sc in hash hashopts xsha256 hashoptsno hash550; do
		scripted_scenario "$sc" || return 1
		kget -v --sha256 -o "$d/$sc" "ftp://127.0.0.1:$HSPORT/main.bin"
		check_rc 0 || { rc=1; continue; }
		check_eq "$sc: --sha256 line" "$MAIN_SHA  $d/$sc" "$KOUT" || rc=1
		check_sha "$d/$sc" "$MAIN_SHA" || rc=1
		case $sc in
		hash | hashopts | hash550)
			check_contains "$sc: -v" "$KERR" "> HASH main.bin" || rc=1 ;;
		xsha256 | hashoptsno)
			check_contains "$sc: -v" "$KERR" "> XSHA256 main.bin" || rc=1 ;;
		esac
	done
	check_eq "OPTS HASH SHA-256 sent (hashopts, hashoptsno)" "1 1" \
		"$(log_count "$HSLOG" 'hashopts < OPTS HASH SHA-256') $(log_count "$HSLOG" 'hashoptsno < OPTS HASH SHA-256')" || rc=1
	check_contains "hash550: -v" "$KERR" "* the server gave no SHA-256" || rc=1
	# Resumed: the server's digest is of the whole file, range 0-SIZE.
	scripted_scenario hash || return 1
	head -c 123457 "$W/hs/hdata/main.bin" >"$d/resumed"
	kget -q --sha256 -C - -o "$d/resumed" "ftp://127.0.0.1:$HSPORT/main.bin"
	check_rc 0 || rc=1
	check_sha "$d/resumed" "$MAIN_SHA" || rc=1
	# No option: FEAT and HASH all the same, and the data hashed to compare
	# (-v shows it, --json has it); --no-server-checksum: neither.
	before=$(log_count "$HSLOG" '< FEAT')
	kget -v --json -o "$d/plain" "ftp://127.0.0.1:$HSPORT/main.bin"
	check_rc 0 || rc=1
	check_sha "$d/plain" "$MAIN_SHA" || rc=1
	check_contains "no option: -v" "$KERR" "> HASH main.bin" || rc=1
	check_contains "no option: -v" "$KERR" "* SHA-256 of the data $MAIN_SHA" || rc=1
	check_contains "no option: --json" "$KOUT" "\"sha256\":\"$MAIN_SHA\"" || rc=1
	check_eq "no option: FEATs" $((before + 1)) "$(log_count "$HSLOG" '< FEAT')" || rc=1
	before="$(log_count "$HSLOG" '< FEAT') $(log_count "$HSLOG" '< HASH')"
	kget -q --no-server-checksum -o "$d/unchecked" "ftp://127.0.0.1:$HSPORT/main.bin"
	check_rc 0 || rc=1
	check_sha "$d/unchecked" "$MAIN_SHA" || rc=1
	check_eq "--no-server-checksum: FEATs and HASHes" "$before" \
		"$(log_count "$HSLOG" '< FEAT') $(log_count "$HSLOG" '< HASH')" || rc=1
	return $rc
}

# A server digest that is not the data's: exit 12, the destination as it
# was, with --sha256 or no option. One that is no SHA-256 of the whole file (not hex, MD5, bytes
# 0-1000): exit 8 at the HASH step, the destination as it was too.
c_server_hash_bad() {
	local d rc=0 sc
	d=$(fresh server-hash-bad)
	for sc in hashwrong hashbad hashmd5 hashrange; do
		scripted_scenario "$sc" || return 1
		printf 'old\n' >"$d/$sc"
		kget --sha256 -o "$d/$sc" "ftp://127.0.0.1:$HSPORT/main.bin"
		case $sc in
		hashwrong) expect_fail 12 "checksum mismatch: sha-256 $MAIN_SHA, the server's (HASH) is " || rc=1 ;;
		*) expect_fail 8 "the server's SHA-256 reply is not a SHA-256 of the whole file" || rc=1 ;;
		esac
		check_eq "$sc: the destination" old "$(cat "$d/$sc")" || rc=1
		case $KOUT in ?*) diag "$sc: a --sha256 line for a failure: $KOUT"; rc=1 ;; esac
	done
	# With no option, the server's digest is checked all the same.
	scripted_scenario hashwrong || return 1
	printf 'old\n' >"$d/nooption"
	kget -o "$d/nooption" "ftp://127.0.0.1:$HSPORT/main.bin"
	expect_fail 12 "checksum mismatch: sha-256 $MAIN_SHA, the server's (HASH) is " || rc=1
	check_eq "hashwrong, no option: the destination" old "$(cat "$d/nooption")" || rc=1
	no_temp_files "$d" || rc=1
	return $rc
}

# proftpd 1.3.8 with mod_digest, a real server: FEAT lists HASH with SHA-1
# selected and XSHA256, so kftp sends OPTS HASH SHA-256, then HASH; every
# size (the empty file too) passes, with one FEAT for the login; a resumed
# download's HASH covers the whole file; with no option, HASH all the same.
PROFTPD_PORT=2123
c_proftpd() {
	local d rc=0 names=() n log before
	start_proftpd "$S" "$PROFTPD_PORT" "$W/proftpd" || return 1
	PROFTPD_PID=$SERVER_PID
	log=$W/proftpd/commands.log
	d=$(fresh proftpd)
	for n in "${SIZES[@]}"; do
		names+=("s$n.bin")
	done
	kget -v --sha256 --output-dir "$d" "${names[@]/#/ftp://127.0.0.1:$PROFTPD_PORT/}"
	check_rc 0 || rc=1
	sums_ok "$KOUT" "$d" "${names[@]}" || rc=1
	check_contains "-v" "$KERR" "> OPTS HASH SHA-256" || rc=1
	check_contains "-v" "$KERR" "< 213 SHA-256 0-1000001 $(sha_of "$S/s1000001.bin") s1000001.bin" || rc=1
	check_eq "FEATs for one login" 1 "$(log_count "$log" '"FEAT"')" || rc=1
	check_eq "HASHes (one per file)" "${#SIZES[@]}" "$(log_count "$log" '"HASH s')" || rc=1
	head -c 4097 "$S/s262145.bin" >"$d/resumed"
	kget -q --checksum "sha-256=$(sha_of "$S/s262145.bin")" -C - -o "$d/resumed" \
		"ftp://127.0.0.1:$PROFTPD_PORT/s262145.bin"
	check_rc 0 || rc=1
	check_sha "$d/resumed" "$(sha_of "$S/s262145.bin")" || rc=1
	check_contains "commands" "$(cat "$log")" '"HASH s262145.bin" 213' || rc=1
	# No option at all: the server's digest checked all the same.
	before=$(log_count "$log" '"HASH s')
	mkdir "$d/plain"
	kget -q --output-dir "$d/plain" "ftp://127.0.0.1:$PROFTPD_PORT/s4097.bin" \
		"ftp://127.0.0.1:$PROFTPD_PORT/s1000001.bin"
	check_rc 0 || rc=1
	check_sha "$d/plain/s1000001.bin" "$(sha_of "$S/s1000001.bin")" || rc=1
	check_eq "HASHes with no option" 2 $(($(log_count "$log" '"HASH s') - before)) || rc=1
	[ $rc = 0 ] || diag "proftpd's log: $(tail -n 30 "$log")"
	stop_pid "$PROFTPD_PID" proftpd >/dev/null
	PROFTPD_PID=
	return $rc
}

# Over veth with GRO on the receiving side, from vsftpd in a network
# namespace of its own: the one-copy path takes the merged skbs' frag_list,
# whose pages the digest walks too.
VETH_NS=kftpdigest VETH_SRV=10.98.0.1 VETH_CLI=10.98.0.2
c_veth_gro() {
	local d rc=0 conf=$W/vsftpd-veth.conf pid i gro
	modprobe -q veth 2>/dev/null	# built in on the debug kernel
	ip netns add "$VETH_NS" || return 1
	VETH_UP=1
	ip link add dg-cli type veth peer name dg-srv &&
		ip link set dg-srv netns "$VETH_NS" &&
		ip addr add "$VETH_CLI/24" dev dg-cli && ip link set dg-cli up &&
		ip -n "$VETH_NS" addr add "$VETH_SRV/24" dev dg-srv &&
		ip -n "$VETH_NS" link set dg-srv up && ip -n "$VETH_NS" link set lo up || return 1
	ethtool -K dg-cli gro on >/dev/null 2>&1 || { diag "ethtool -K dg-cli gro on failed"; return 1; }
	gro=$(ethtool -k dg-cli | awk '/^generic-receive-offload/ { print $2 }')
	check_eq "GRO on dg-cli" on "$gro" || return 1
	sed -e "s/^listen_address=.*/listen_address=$VETH_SRV/" \
		-e "s|^vsftpd_log_file=.*|vsftpd_log_file=$W/vsftpd-veth.log|" \
		"$REPO/tests/vsftpd.conf" >"$conf" && chmod 0600 "$conf" || return 1
	ip netns exec "$VETH_NS" vsftpd "$conf" >"$W/vsftpd-veth.out" 2>&1 </dev/null &
	pid=$!
	VETH_VSFTPD=$pid
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/$VETH_SRV/$VSFTPD_PORT") 2>/dev/null && break
		sleep 0.2
	done
	d=$(fresh veth)
	kget -q --sha256 --output-dir "$d" "ftp://$VETH_SRV:$VSFTPD_PORT/big.bin" \
		"ftp://$VETH_SRV:$VSFTPD_PORT/digest/s1000001.bin"
	check_rc 0 || rc=1
	check_eq "--sha256 lines" "$(sha_of "$FTP_ROOT/big.bin")  $d/big.bin
$(sha_of "$S/s1000001.bin")  $d/s1000001.bin" "$KOUT" || rc=1
	check_sha "$d/big.bin" "$(sha_of "$FTP_ROOT/big.bin")" || rc=1
	veth_down
	return $rc
}

VETH_UP='' VETH_VSFTPD=''
veth_down() {
	[ -z "$VETH_VSFTPD" ] || stop_pid "$VETH_VSFTPD" vsftpd >/dev/null
	[ -z "$VETH_UP" ] || ip netns del "$VETH_NS" 2>/dev/null
	ip link del dg-cli 2>/dev/null
	VETH_UP='' VETH_VSFTPD=''
	return 0
}

# A 150 to OPTS HASH is no answer: exit 8, the destination kept. Stops
# while FEAT, OPTS HASH and HASH are awaited (each answered after 1.5 s):
# each call restarts in its wait, and the download completes, verified,
# with each command sent once.
c_server_hash_stops() {
	local d rc=0 pid cmd
	d=$(fresh server-hash-stops)
	scripted_scenario opts150 || return 1
	printf 'old\n' >"$d/f"
	kget --sha256 -o "$d/f" "ftp://127.0.0.1:$HSPORT/main.bin"
	expect_fail 8 "the server's SHA-256 reply is not a SHA-256 of the whole file" || rc=1
	check_eq "opts150: the destination" old "$(cat "$d/f")" || rc=1
	scripted_scenario hashslow || return 1
	"$KFTP_GET" -q --sha256 -o "$d/g" "ftp://127.0.0.1:$HSPORT/main.bin" \
		>"$d/out" 2>"$d/err" </dev/null &
	pid=$!
	stop_cont_every "$pid" 8 0.7 0.5
	wait "$pid"
	check_eq "hashslow: exit status (stderr: $(cat "$d/err"))" 0 $? || rc=1
	check_eq "hashslow: --sha256 line" "$MAIN_SHA  $d/g" "$(cat "$d/out")" || rc=1
	for cmd in FEAT 'OPTS HASH' HASH; do
		check_eq "hashslow: $cmd commands" 1 \
			"$(grep -c "hashslow < $cmd" "$HSLOG")" || rc=1
	done
	return $rc
}

# vsftpd has no digest command: FEAT once per login (three files, one
# login), no HASH; the downloads stand on the data's own digest.
c_feat_once() {
	local d rc=0 before
	d=$(fresh feat)
	before=$(log_count "$VSFTPD_LOG" '"FEAT"')
	kget -q --sha256 --output-dir "$d" "$V/digest/s1.bin" "$V/digest/s4096.bin" "$V/digest/s4097.bin"
	check_rc 0 || rc=1
	sums_ok "$KOUT" "$d" s1.bin s4096.bin s4097.bin || rc=1
	check_eq "FEATs to vsftpd for one login" 1 $(($(log_count "$VSFTPD_LOG" '"FEAT"') - before)) || rc=1
	check_eq "HASH or XSHA256 to vsftpd" 0 "$(log_count "$VSFTPD_LOG" '"\(HASH\|XSHA256\)')" || rc=1
	return $rc
}

c_kernel_clean() {
	kernel_clean_since "$MARK"
}

# ---------------------------------------------------------------- run

tcase "--sha256 from vsftpd: ${#SIZES[@]} sizes around pages and batches = sha256sum, -c takes it" c_sizes_vsftpd
tcase "--sha256 from pyftpdlib: the same sizes" c_sizes_pyftpd
tcase "--sha256 on the two-copy path (one_copy=N): the same sizes" c_sizes_two_copy
tcase "--sha256: 1 MiB of every byte value, and 64 MiB" c_allbytes_and_big
tcase "-C -: the digest covers the part that was there; and a complete file" c_resume
tcase "stops while resuming at 30 MiB (prefix hash, data): the digest right, one RETR" c_resume_stops
tcase "SIGKILL in the prefix hash and in the data: refcount 0, the file kept, then verified" c_resume_kill
tcase "--checksum: match saves; mismatch exits 12, old file kept, not retried; --checksums -i" c_checksum
tcase "--json's sha256 (null on failure); -o -: the line on stderr" c_json_stdout
tcase "-v names the implementation, shows the digest; none from vsftpd without --sha256" c_trace
tcase "the server's SHA-256: HASH, OPTS HASH, XSHA256, a refused HASH; resumed; with no option" c_server_hash
tcase "the server's SHA-256 wrong (exit 12) or not one (exit 8): destination kept" c_server_hash_bad
tcase "OPTS answered 150: exit 8; stops in FEAT, OPTS and HASH waits: verified, sent once" c_server_hash_stops
tcase "proftpd with mod_digest: OPTS HASH SHA-256, HASH checked for every size; resumed" c_proftpd
tcase "vsftpd: FEAT once per login, no HASH; the data's own digest stands" c_feat_once
tcase "over veth with GRO, from another netns: 64 MiB and 1 MB, digests right" c_veth_gro
tcase "no BUG/WARNING/Oops in the kernel log" c_kernel_clean
part_done
exit $?

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
#      (any report fails the case) unless a case says otherwise.
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
HARNESSES=(url netrc options events text)
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
PRE=()
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
	make -s -B -C "$KFTP_REPO/tests/fuzz" FUZZ_OUT="$FUZZ_DIR" user-fuzzers \
		kftp-probe.so >"$W/build.log" 2>&1 &&
		! grep -q 'warning:' "$W/build.log" && return 0
	diag "$(tail -n 30 "$W/build.log")"
	return 1
}

# ---------------------------------------------------------------- findings

# 1: the URL shown before a message was longer than the buffer.
c_long_url() {
	local url rc=0 bin
	url="ftp://[zz]/$(printf '%%61%.0s' $(seq 4090))"
	for bin in "$ASAN" "$PLAIN"; do
		run "$bin" "$url" "ftp://[zz]/b"
		expect 7 "0 of 2 files downloaded" || rc=1
		check_line_lengths || rc=1
	done
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
	run "$ASAN" --netrc-file foreign 'ftp://[zz]/f'
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
	return $rc
}

c_unit() {
	local out rc=0
	out=$("$UNIT" "$1" 2>&1) || rc=$?
	diag "$out"
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

tcase "a 12 KiB URL before a message: bounded, no overflow (finding 1)" c_long_url
tcase "a mistyped URL's password is not in the error (finding 4)" c_password_shown
tcase "no copy of a password in memory at exit; not dumpable (finding 4)" c_password_memory
tcase "control bytes in a name from a URL: refused, escaped (finding 7)" c_control_bytes
tcase "netrc: a FIFO is refused at once (finding 5)" c_netrc_fifo
tcase "netrc: a device node is never opened (finding 5)" c_netrc_device
tcase "netrc: another user's, with a password, refused (finding 5)" c_netrc_owner
tcase "another user's file in a sticky dir: refused before connecting (finding 3)" c_sticky_owner
SUITE_ABORT=${fuzz_abort:-$save_abort}
tcase "unit: rates, ETAs, percentages from absurd numbers (finding 8)" c_unit progress-range
tcase "unit: kftpstat's JSON is valid UTF-8 (finding 8)" c_unit json-utf8
tcase "unit: netlink lengths past the datagram are refused (finding 6)" c_unit nl-framing
for h in "${HARNESSES[@]}"; do
	tcase "fuzz-$h: ${FUZZ_SECONDS} s from its corpus, ASan and UBSan" c_fuzz "$h"
done
SUITE_ABORT=$save_abort
[ -z "$vm" ] || vm_run

printf '1..%d\n' "$T_N"
printf '%d passed, %d failed\n' "$T_PASS" "$T_FAIL"
[ "$T_FAIL" -eq 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kecho.sh START_N: the in-kernel echo server sample, samples/kecho/kecho.ko,
# driven by its user-space client samples/kecho/kecho-client.py.
#
# Part of the in-guest suite (tests/guest/suite.sh runs it inside the QEMU
# guest, as root, cwd = the repository). It needs neither kftp.ko nor the FTP
# servers. Each case loads kecho with the parameters it needs, on a port of
# its own (so that one case's TIME_WAIT leftovers never show in another's
# socket checks), and unloads it before it ends, whatever happened:
#   - echo of 1 byte, 64 KiB and 16 MiB, byte-exact; 32 clients at once;
#   - a silent client is dropped by idle_timeout;
#   - past maxconn, the excess is refused cleanly (accepted, then reset)
#     and the connections being served go on;
#   - rmmod with 8 clients connected (2 of them with kecho stuck sending to
#     them) returns within 2 s, leaves no socket
#     in /proc/net/tcp or tcp6, no kecho thread, and a clean log;
#   - loaded under `ip netns exec`, it serves that namespace only;
#   - IPv6 (addr=::1), and parameters it must refuse.

set -u
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
part_init kecho "$@"

# SUITE_KECHO_KO: another build (the debug lane's, tests/debug/check-debug.sh).
KECHO_KO=${SUITE_KECHO_KO:-$REPO/samples/kecho/kecho.ko}
KECHO_CLIENT=$REPO/samples/kecho/kecho-client.py
NETNS=kecho-test
# Every client run is bounded: a hang is one failed case.
CLIENT_TIMEOUT=$(tscale 180)

PART_MARK=$(kmsg_mark)
TCP_BEFORE=$(tcp_inuse)

kecho_loaded() { [ -d /sys/module/kecho ]; }

# Whatever happens, leave neither the module nor the namespace behind.
cleanup() {
	! kecho_loaded || rmmod kecho 2>/dev/null
	ip netns del "$NETNS" 2>/dev/null
	rm -rf "$SUITE_DIR/kecho"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$SUITE_DIR/kecho"
ip link set lo up 2>/dev/null

# ---------------------------------------------------------------- helpers

# load [PARAM=VALUE...]: insmod kecho.ko in the current network namespace.
load() {
	local out
	if kecho_loaded; then
		diag "kecho is already loaded"
		return 1
	fi
	out=$(insmod "$KECHO_KO" "$@" 2>&1) && return 0
	diag "insmod $KECHO_KO $*: $out"
	diag "$(dmesg | tail -n 5)"
	return 1
}

unload() {
	local out
	out=$(rmmod kecho 2>&1) && return 0
	diag "rmmod kecho: $out"
	return 1
}

# unload_timed: unload with delete_module(2) itself, as rmmod does
# (O_NONBLOCK), and print how long the call took in ms. Timing the call
# rather than the rmmod process keeps the start-up of a program under TCG,
# on a loaded host, out of the measure: it took from 0.5 s to 3.5 s here.
unload_timed() {
	"$PYTHON" -c 'import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
t0 = time.monotonic()
r = libc.syscall(176, b"kecho", os.O_NONBLOCK)  # x86_64 delete_module
ms = int((time.monotonic() - t0) * 1000)
if r:
    sys.exit("delete_module(kecho): %s" % os.strerror(ctypes.get_errno()))
print(ms)'
}

# client [--addr A] --port P CMD ARGS...: run kecho-client.py; its output
# goes to the diagnostics, and into COUT.
client() {
	COUT=$(timeout -k 5 "$CLIENT_TIMEOUT" "$PYTHON" "$KECHO_CLIENT" "$@" 2>&1)
	local rc=$?
	diag "$COUT"
	return $rc
}

# port_hex P: a port as /proc/net/tcp writes it.
port_hex() { printf '%04X' "$1"; }

# sockets_on P: the lines of /proc/net/tcp and tcp6 with port P at either end.
sockets_on() {
	grep -hE "^ *[0-9]+: [0-9A-F]+:$(port_hex "$1") |^ *[0-9]+: [0-9A-F]+:[0-9A-F]+ [0-9A-F]+:$(port_hex "$1") " \
		/proc/net/tcp /proc/net/tcp6
}

# listening_on P [NETNS]: how many sockets listen (state 0A) on port P, both
# families, in the first network namespace or in NETNS.
listening_on() {
	local run=()
	[ -z "${2:-}" ] || run=(ip netns exec "$2")
	"${run[@]}" cat /proc/net/tcp /proc/net/tcp6 |
		awk -v p=":$(port_hex "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p' |
		wc -l
}

# kecho_threads: the acceptor, if any is left.
kecho_threads() {
	grep -lx 'kecho-accept' /proc/[0-9]*/comm 2>/dev/null | wc -l
}

# with_kecho "PARAMS" FUNC ARGS...: load, run FUNC, unload (even if FUNC failed).
with_kecho() {
	local params=$1 rc=0
	shift
	# shellcheck disable=SC2086 # PARAMS is a list of module parameters
	load $params || return 1
	"$@" || rc=1
	unload || rc=1
	return $rc
}

# ---------------------------------------------------------------- cases

c_load() {
	local port=7777 mark
	mark=$(kmsg_mark)
	load || return 1
	check_eq "listeners on port $port" 1 "$(listening_on $port)" || return 1
	check_contains "kernel log" "$(dmesg | tail -n 5)" \
		"kecho: listening on 127.0.0.1:$port" || return 1
	[ -z "$(kernel_bad_since "$mark")" ]
}

c_echo() {
	client --port 7777 echo --size "$1" --clients "${2:-1}"
}

c_unload_idle() {
	local ms
	ms=$(unload_timed 2>&1) || { diag "$ms"; return 1; }
	# For comparison with the rmmod of a busy kecho, below.
	diag "rmmod kecho without clients took $ms ms"
	check_eq "listeners on port 7777" 0 "$(listening_on 7777)" || return 1
	check_eq "kecho threads" 0 "$(kecho_threads)"
}

idle_client() {
	client --port 7778 idle --min 1.5 --max 8
}

c_idle() {
	with_kecho "port=7778 idle_timeout=2" idle_client
}

bound_client() {
	local mark rc=0
	mark=$(kmsg_mark)
	client --port 7779 bound --maxconn 4 --extra 3 || rc=1
	check_contains "kernel log" "$(dmesg | tail -n 20)" "refused, 4 connections open" || rc=1
	[ -z "$(kernel_bad_since "$mark")" ] || rc=1
	return $rc
}

c_bound() {
	with_kecho "port=7779 maxconn=4" bound_client
}

c_kecho_rmmod_busy() {
	local port=7781 out=$SUITE_DIR/kecho/hold.out pid mark ms rc=0
	local tcp0
	tcp0=$(tcp_inuse)
	load port=$port idle_timeout=60 || return 1
	# 2 of the 8 make kecho's worker sleep in send, the others in receive.
	"$PYTHON" "$KECHO_CLIENT" --port $port hold 8 --stuck 2 --until-unloaded \
		>"$out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q 'ready' "$out" && break
		sleep 0.2
	done
	if ! grep -q '8 of 8 connections echo, 2 of them stuck in send; ready' "$out"; then
		diag "the 8 clients are not being served:"
		diag "$(cat "$out")"
		kill "$pid" 2>/dev/null
		wait "$pid"
		unload
		return 1
	fi
	mark=$(kmsg_mark)
	if ms=$(unload_timed 2>&1); then
		diag "rmmod kecho with 8 clients connected took $ms ms"
		[ "$ms" -lt "$(tscale 2000)" ] || { diag "rmmod took $(tscale 2) s or more"; rc=1; }
	else
		diag "$ms"
		rc=1
	fi
	# The client looks at how each connection ended, then closes them.
	if ! wait "$pid"; then
		diag "the client failed"
		rc=1
	fi
	diag "$(cat "$out")"
	check_contains "client" "$(cat "$out")" "the server ended them" || rc=1
	check_eq "sockets on port $port in /proc/net/tcp and tcp6" "" \
		"$(sockets_on $port)" || rc=1
	check_eq "kecho threads" 0 "$(kecho_threads)" || rc=1
	check_eq "TCP sockets in use" "$tcp0" "$(tcp_inuse)" || rc=1
	check_eq "BUG/WARNING/Oops lines since rmmod" "" "$(kernel_bad_since "$mark")" || rc=1
	return $rc
}

ipv6_client() {
	check_eq "listeners on port 7783" 1 "$(listening_on 7783)" || return 1
	client --addr ::1 --port 7783 echo --size 65536
}

c_ipv6() {
	with_kecho "addr=::1 port=7783" ipv6_client
}

c_netns() {
	local port=7782 rc=0
	ip netns add "$NETNS" || { diag "ip netns add $NETNS failed"; return 1; }
	ip -n "$NETNS" link set lo up || rc=1
	if ! ip netns exec "$NETNS" insmod "$KECHO_KO" port=$port; then
		diag "insmod in $NETNS failed: $(dmesg | tail -n 3)"
		ip netns del "$NETNS"
		return 1
	fi
	check_eq "listeners on port $port in $NETNS" 1 \
		"$(listening_on $port "$NETNS")" || rc=1
	check_eq "listeners on port $port in the first namespace" 0 \
		"$(listening_on $port)" || rc=1
	COUT=$(timeout -k 5 "$CLIENT_TIMEOUT" ip netns exec "$NETNS" \
		"$PYTHON" "$KECHO_CLIENT" --port $port echo --size 65536 --clients 4 2>&1) ||
		{ diag "in $NETNS:"; rc=1; }
	diag "$COUT"
	client --port $port refused || { diag "from the first namespace: reachable"; rc=1; }
	unload || rc=1
	ip netns del "$NETNS" || rc=1
	return $rc
}

c_bad_params() {
	local p pid rc=0
	for p in addr=not-an-address addr=127.0.0.1:80 maxconn=0 maxconn=513 \
		idle_timeout=0 port=0; do
		if insmod "$KECHO_KO" "$p" 2>/dev/null; then
			diag "insmod kecho.ko $p succeeded"
			rmmod kecho
			rc=1
		fi
	done
	# A port already taken: the bind fails, and the load with it.
	"$PYTHON" -c 'import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 7784))
s.listen()
time.sleep(60)' &
	pid=$!
	for _ in $(seq 50); do
		[ "$(listening_on 7784)" = 1 ] && break
		sleep 0.1
	done
	if insmod "$KECHO_KO" port=7784 2>/dev/null; then
		diag "insmod kecho.ko port=7784 succeeded, with 7784 taken"
		rmmod kecho
		rc=1
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null
	kecho_loaded && { diag "kecho is loaded"; rc=1; }
	return $rc
}

c_clean() {
	check_eq "TCP sockets in use" "$TCP_BEFORE" "$(tcp_inuse)" || return 1
	check_eq "BUG/WARNING/Oops lines during the part" "" "$(kernel_bad_since "$PART_MARK")"
}

if [ ! -f "$KECHO_KO" ]; then
	diag "$KECHO_KO not built (make)"
fi
tcase "insmod kecho.ko: listens on 127.0.0.1:7777" c_load
tcase "echo of 1 byte, byte-exact" c_echo 1
tcase "echo of 64 KiB, byte-exact" c_echo 65536
tcase "echo of 16 MiB, byte-exact" c_echo 16777216
tcase "32 concurrent clients, 64 KiB each, byte-exact" c_echo 65536 32
tcase "rmmod kecho, idle: listener and thread gone" c_unload_idle
tcase "a client that sends nothing is dropped by idle_timeout=2" c_idle
tcase "maxconn=4: 3 more clients are reset, the 4 go on, a freed slot serves again" c_bound
tcase "rmmod with 8 clients connected (2 stuck in send): < 2 s, no socket left, clean log" c_kecho_rmmod_busy
tcase "addr=::1: echo over IPv6" c_ipv6
tcase "loaded in another netns: reachable there, not from the first" c_netns
tcase "bad parameters and a taken port: insmod fails" c_bad_params
tcase "TCP sockets back to the part's baseline, kernel log clean" c_clean
part_done

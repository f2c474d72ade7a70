#!/bin/bash
# The kftp demo, run inside the test VM by tests/demo.sh (`make demo`):
# vsftpd serves a 16 MiB random file on 127.0.0.1:2121, kftp.ko fetches it
# through user/kftp-get, and the two SHA-256 sums are compared.
# Exit status: 0 only if the checksums match (and the module unloads).
set -eu -o pipefail

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DEMO=/tmp/kftp-demo		# tmpfs in the guest
FTP_ROOT=$DEMO/ftproot		# vsftpd's anon_root
CONF=$DEMO/vsftpd.conf
PORT=2121
URL=ftp://127.0.0.1:$PORT/demo.bin
OUT=/tmp/demo.bin

vsftpd_pid="" module_loaded=""

say() { printf '%s\n' "$*"; }
demo_die() { say "demo: error: $*" >&2; exit 1; }

stop_vsftpd() {
	stop_pid "$vsftpd_pid" vsftpd || true
	vsftpd_pid=""
}

unload_module() {
	[ -n "$module_loaded" ] || return 0
	module_loaded=""
	rmmod kftp
}

cleanup() {
	stop_vsftpd
	unload_module || say "demo: rmmod kftp failed" >&2
}
trap cleanup EXIT

# This script loads a module and starts a server: it belongs in the VM only.
require_vm() {
	[ "${KFTP_VM:-}" = 1 ] || demo_die "runs inside the test VM only: use 'make demo' (tests/demo.sh)"
	[ -f "$REPO/kftp.ko" ] || demo_die "$REPO/kftp.ko not built"
	[ -x "$REPO/user/kftp-get" ] || demo_die "$REPO/user/kftp-get not built"
}

# vsftpd serves anonymous users as the `ftp` account, which the vsftpd
# package creates on the host (the guest sees the host's /etc). Create it in
# the guest's overlay if this host lacks it.
ensure_ftp_user() {
	getent passwd ftp >/dev/null && return 0
	useradd --system --no-create-home --home-dir /srv/ftp \
		--shell /usr/sbin/nologin ftp
}

# vsftpd refuses an anon_root that is writable (so root-owned 0755), and
# needs an existing empty directory for secure_chroot_dir: Debian's default
# lives under /run, which is a fresh tmpfs in the guest.
demo_files() {
	mkdir -p "$FTP_ROOT" "$DEMO/empty"
	chmod 0755 "$DEMO" "$FTP_ROOT" "$DEMO/empty"
	head -c 16M /dev/urandom >"$FTP_ROOT/demo.bin"
	chmod 0644 "$FTP_ROOT/demo.bin"
}

write_config() {
	cat >"$CONF" <<CONF
# Standalone, foreground, loopback only, anonymous read-only.
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$PORT
background=NO
anonymous_enable=YES
no_anon_password=YES
anon_root=$FTP_ROOT
local_enable=NO
write_enable=NO
ftp_username=ftp
# Active mode, from an ephemeral port (port 20 would need root).
port_enable=YES
connect_from_port_20=NO
# The seccomp sandbox kills vsftpd on syscalls it does not expect under
# some kernels and libcs; the demo is about kftp, not vsftpd hardening.
seccomp_sandbox=NO
secure_chroot_dir=$DEMO/empty
xferlog_enable=YES
log_ftp_protocol=YES
vsftpd_log_file=$DEMO/vsftpd.log
CONF
}

show_vsftpd_log() {
	say "# vsftpd log:"
	sed 's/^/#   /' "$DEMO/vsftpd.log" 2>/dev/null || true
}

# Start vsftpd in the background and wait for its greeting (TCG is slow).
demo_vsftpd() {
	local rc=0
	start_vsftpd "$CONF" "$PORT" "$DEMO/vsftpd.log" || rc=$?
	vsftpd_pid=$SERVER_PID
	[ "$rc" = 0 ] && return 0
	show_vsftpd_log
	demo_die "vsftpd is not answering on port $PORT"
}

load_module() {
	insmod "$REPO/kftp.ko"
	module_loaded=1
}

# Fetch with kftp; print how long it took.
demo_fetch() {
	local t0 t1 rc=0
	rm -f -- "$OUT"
	say "\$ user/kftp-get -o $OUT $URL"
	t0=$(date +%s%N)
	"$REPO/user/kftp-get" -o "$OUT" "$URL" || rc=$?
	t1=$(date +%s%N)
	if [ "$rc" -ne 0 ]; then
		show_vsftpd_log
		demo_die "kftp-get exited $rc"
	fi
	say "fetched $(stat -c %s "$OUT") bytes in $(((t1 - t0) / 1000000)) ms"
}

compare() {
	local want got
	want=$(sha_of "$FTP_ROOT/demo.bin")
	got=$(sha_of "$OUT")
	say "server sha256: $want"
	say "kftp   sha256: $got"
	if [ "$want" = "$got" ]; then
		say "checksums match"
		return 0
	fi
	say "MISMATCH"
	return 1
}

main() {
	local ok=0
	require_vm
	say "kftp demo on $(uname -r)"
	ensure_ftp_user
	demo_files
	write_config
	demo_vsftpd
	say "vsftpd serving $FTP_ROOT/demo.bin (16 MiB) on 127.0.0.1:$PORT"
	load_module
	say "kftp.ko loaded"
	demo_fetch
	compare || ok=1
	stop_vsftpd
	unload_module || demo_die "rmmod kftp failed"
	say "kftp.ko unloaded"
	return "$ok"
}

main "$@"

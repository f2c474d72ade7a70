#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# files.sh START_N: the destination file: nothing lost, nothing half-written.
#
# Part of the in-guest suite: tests/guest/suite.sh runs it inside the QEMU
# guest, as root, with kftp.ko loaded and vsftpd/pyftpdlib serving FTP_ROOT
# (see tests/guest/parts-lib.sh for the environment and the output format).
#
# kftp-get downloads into a temp file .NAME.kftp-XXXXXX beside the
# destination (the kernel creates it with O_EXCL and O_NOFOLLOW) and renames
# it onto the destination on success only. Every case checks the exact exit
# status of the contract, that the destination is absent or still holds its
# old bytes (sha256, and inode/mode/size/mtime where it already existed), and
# that no temp file is left. A few cases talk to /dev/kftp directly (Python,
# the uapi struct by hand) to check what the kernel itself does with
# local_path.
#
# Everything is created under $SUITE_DIR/files (tmpfs in the guest); the
# small tmpfs and read-only mounts made there are removed on exit.

set -u
P_NAME=files
# shellcheck source=tests/guest/parts-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/parts-lib.sh"

p_require
P_WORK=${SUITE_DIR:-/tmp/kftp-suite}/files
MOUNTS=()
IMMUTABLE=()

cleanup() {
	local i p
	for p in "${IMMUTABLE[@]}"; do
		chattr -i "$p" 2>/dev/null
	done
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		mountpoint -q "${MOUNTS[i]}" && umount "${MOUNTS[i]}"
	done
	rm -rf "$P_WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

umask 022
if [ -z "$P_ABORT" ]; then
	rm -rf "$P_WORK"
	mkdir -p "$P_WORK" || P_ABORT="cannot create $P_WORK"
fi

V=ftp://127.0.0.1:${VSFTPD_PORT:-}
P=ftp://127.0.0.1:${PYFTPD_PORT:-}
declare -A SHA=()
if [ -z "$P_ABORT" ]; then
	for f in hello.txt allbytes.bin big.bin; do
		SHA[$f]=$(sha_of "$FTP_ROOT/$f") || P_ABORT="cannot read $FTP_ROOT/$f"
	done
fi

# ---------------------------------------------------------------- helpers

# fresh NAME: an empty directory for one case; prints its path.
fresh() {
	local d=$P_WORK/$1
	rm -rf "$d"
	mkdir -p "$d"
	printf '%s\n' "$d"
}

# put_old FILE: give FILE some old content; remembers what it looked like.
put_old() {
	printf 'old content of %s, must survive\n' "$1" >"$1"
	OLD_SHA=$(sha_of "$1")
	OLD_STAT=$(stat -c '%i %a %s %Y' "$1")
}

# old_intact FILE: the same bytes, the same inode, mode, size and mtime.
old_intact() {
	check_sha "$1" "$OLD_SHA" || return 1
	check_eq "inode mode size mtime of $1" "$OLD_STAT" "$(stat -c '%i %a %s %Y' "$1")"
}

# small_tmpfs NAME: a fresh 1 MiB tmpfs; prints its path.
small_tmpfs() {
	local d
	d=$(fresh "$1")
	mount -t tmpfs -o size=1m,mode=0755 "kftp-files-$1" "$d" || return 1
	MOUNTS+=("$d")
	printf '%s\n' "$d"
}

# unmount DIR: undo small_tmpfs or a bind mount.
unmount() {
	mountpoint -q "$1" || return 0
	umount "$1" && return 0
	diag "umount $1 failed: $(umount "$1" 2>&1)"
	return 1
}

# The uapi by hand (include/uapi/linux/kftp.h): one KFTP_IOC_GET against
# 127.0.0.1, printing "ERRNO step=N bytes=N code=N" (ERRNO is OK on
# success). Used where the CLI would never let the kernel see the case.
[ -n "$P_ABORT" ] || cat >"$P_WORK/kioctl.py" <<'PY'
# kioctl.py PORT FLAGS REMOTE LOCAL [FLAGS REMOTE LOCAL ...]
# One KFTP_IOC_GET per triple, against 127.0.0.1:PORT, each printing
# "ERRNO step=N bytes=N code=N" (ERRNO is OK on success). One process for
# several requests: Python starts slowly under TCG.
import errno, fcntl, os, socket, struct, sys

KFTP_IOC_GET = (0xF7 << 8) | 0x01        # _IO(0xF7, 0x01)
SIZE = 9296                              # KFTP_GET_ARGS_SIZE_VER0
HEAD = "<IIHHI16sIIIIQ"                  # size .. resume_offset: 56 bytes
REMOTE = 56 + 256 + 256                  # after user[256], password[256]
LOCAL = REMOTE + 4096
RESULT = LOCAL + 4096


def get(fd, port, flags, remote, local):
    buf = bytearray(SIZE)
    struct.pack_into(HEAD, buf, 0, SIZE, flags, socket.AF_INET, port, 0,
                     socket.inet_aton("127.0.0.1"), 5000, 10000, 10000, 10000, 0)
    buf[REMOTE:REMOTE + len(remote)] = remote.encode()
    buf[LOCAL:LOCAL + len(local)] = local.encode()
    try:
        fcntl.ioctl(fd, KFTP_IOC_GET, buf, True)
        err = "OK"
    except OSError as e:
        err = errno.errorcode.get(e.errno, str(e.errno))
    written, _, code, step = struct.unpack_from("<QQII", buf, RESULT)
    print("%s step=%d bytes=%d code=%d" % (err, step, written, code), flush=True)


port, reqs = int(sys.argv[1]), sys.argv[2:]
fd = os.open("/dev/kftp", os.O_RDWR | os.O_CLOEXEC)
for i in range(0, len(reqs) - 2, 3):
    get(fd, port, int(reqs[i]), reqs[i + 1], reqs[i + 2])
os.close(fd)
PY

# kioctl FLAGS REMOTE LOCAL [...]: sets KIO (the lines printed) and KIO_RC.
kioctl() {
	KIO=$(timeout -k 5 60 "$PYTHON" "$P_WORK/kioctl.py" "$VSFTPD_PORT" "$@" 2>&1)
	KIO_RC=$?
}

STEP_LOCAL_FILE=11	# enum kftp_step KFTP_STEP_LOCAL_FILE

# ---------------------------------------------------------------- cases

# A 1 MiB tmpfs, 64 MiB to download: ENOSPC while writing.
c_enospc() {
	local d rc=0
	d=$(small_tmpfs enospc) || return 1
	kget -o "$d/big.bin" "$V/big.bin"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "No space left on device" || rc=1
	[ ! -e "$d/big.bin" ] || { diag "$d/big.bin exists after the failure"; rc=1; }
	no_temp_files "$d" || rc=1
	only_entries "$d" || rc=1
	unmount "$d" || rc=1
	return $rc
}

c_enospc_old() {
	local d rc=0
	d=$(small_tmpfs enospc-old) || return 1
	put_old "$d/big.bin"
	kget -o "$d/big.bin" "$P/big.bin"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "No space left on device" || rc=1
	old_intact "$d/big.bin" || rc=1
	no_temp_files "$d" || rc=1
	only_entries "$d" big.bin || rc=1
	unmount "$d" || rc=1
	return $rc
}

# --keep-partial: the bytes that did arrive are kept under the
# destination's name, and they are the start of the remote file.
c_keep_partial() {
	local d rc=0 size
	d=$(small_tmpfs keep-partial) || return 1
	kget --keep-partial -o "$d/big.bin" "$V/big.bin"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "No space left on device" || rc=1
	check_contains "stderr" "$KERR" "kept partial file" || rc=1
	if [ -f "$d/big.bin" ]; then
		size=$(stat -c %s "$d/big.bin")
		if [ "$size" -le 0 ] || [ "$size" -gt 1048576 ]; then
			diag "partial file size $size: expected 1..1048576"
			rc=1
		elif ! cmp -s -n "$size" "$d/big.bin" "$FTP_ROOT/big.bin"; then
			diag "the partial file is not the first $size bytes of big.bin"
			rc=1
		fi
	else
		diag "no partial file $d/big.bin"
		rc=1
	fi
	no_temp_files "$d" || rc=1
	only_entries "$d" big.bin || rc=1
	unmount "$d" || rc=1
	return $rc
}

# A read-only bind mount of a directory holding an old file.
c_readonly() {
	local d rc=0
	d=$(fresh readonly)
	put_old "$d/old.txt"
	mount --bind "$d" "$d" || { diag "mount --bind failed"; return 1; }
	MOUNTS+=("$d")
	mount -o remount,bind,ro "$d" || { diag "remount,ro failed"; unmount "$d"; return 1; }
	kget -o "$d/new.txt" "$V/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "Read-only file system" || rc=1
	kget -o "$d/old.txt" "$P/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "Read-only file system" || rc=1
	old_intact "$d/old.txt" || rc=1
	only_entries "$d" old.txt || rc=1
	unmount "$d" || rc=1
	return $rc
}

# chattr +i on the directory: nothing can be created in it (EPERM).
c_immutable_dir() {
	local d rc=0 out
	d=$(fresh immutable-dir)
	put_old "$d/old.txt"
	if ! out=$(chattr +i "$d" 2>&1); then
		diag "chattr +i $d failed: $out"
		return 1
	fi
	IMMUTABLE+=("$d")
	kget -o "$d/new.txt" "$V/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "Operation not permitted" || rc=1
	kget -o "$d/old.txt" "$V/hello.txt"
	check_rc 7 || rc=1
	chattr -i "$d" || rc=1
	old_intact "$d/old.txt" || rc=1
	only_entries "$d" old.txt || rc=1
	return $rc
}

# chattr +i on the destination file only: the download itself succeeds,
# the rename onto the destination fails (EPERM).
c_immutable_dest() {
	local d rc=0 out
	d=$(fresh immutable-dest)
	put_old "$d/old.txt"
	if ! out=$(chattr +i "$d/old.txt" 2>&1); then
		diag "chattr +i $d/old.txt failed: $out"
		return 1
	fi
	IMMUTABLE+=("$d/old.txt")
	kget -o "$d/old.txt" "$V/allbytes.bin"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "cannot rename" || rc=1
	chattr -i "$d/old.txt" || rc=1
	old_intact "$d/old.txt" || rc=1
	no_temp_files "$d" || rc=1
	only_entries "$d" old.txt || rc=1
	return $rc
}

c_dest_dir() {
	local d rc=0
	d=$(fresh dest-dir)
	mkdir "$d/sub"
	put_old "$d/sub/keep.txt"
	kget -o "$d/sub" "$V/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "Is a directory" || rc=1
	kget -o "$d/sub/" "$V/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "Is a directory" || rc=1
	if [ ! -d "$d/sub" ] || [ -L "$d/sub" ]; then
		diag "$d/sub is no longer a directory"
		rc=1
	fi
	old_intact "$d/sub/keep.txt" || rc=1
	only_entries "$d/sub" keep.txt || rc=1
	only_entries "$d" sub || rc=1
	return $rc
}

c_dest_symlink() {
	local d rc=0
	d=$(fresh dest-symlink)
	put_old "$d/target.txt"
	ln -s target.txt "$d/link"
	kget -o "$d/link" "$V/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "symlink" || rc=1
	check_contains "stderr" "$KERR" "Too many levels of symbolic links" || rc=1
	check_eq "link $d/link" target.txt "$(readlink "$d/link")" || rc=1
	old_intact "$d/target.txt" || rc=1
	no_temp_files "$d" || rc=1
	only_entries "$d" link target.txt || rc=1
	return $rc
}

c_dest_dangling() {
	local d rc=0
	d=$(fresh dest-dangling)
	ln -s nowhere.txt "$d/link"
	kget -o "$d/link" "$P/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "symlink" || rc=1
	check_eq "link $d/link" nowhere.txt "$(readlink "$d/link")" || rc=1
	[ ! -e "$d/nowhere.txt" ] || { diag "the symlink's target was created"; rc=1; }
	no_temp_files "$d" || rc=1
	only_entries "$d" link || rc=1
	return $rc
}

# rename() would replace a FIFO (or /dev/null): refused before any transfer.
c_dest_fifo() {
	local d rc=0
	d=$(fresh dest-fifo)
	mkfifo "$d/fifo"
	kget -o "$d/fifo" "$V/hello.txt"
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "not a regular file" || rc=1
	[ -p "$d/fifo" ] || { diag "$d/fifo is no longer a FIFO"; rc=1; }
	only_entries "$d" fifo || rc=1
	return $rc
}

# keep_on_fail NAME EXPECTED_RC URL: an existing destination survives.
keep_on_fail() {
	local d rc=0
	d=$(fresh "$1")
	put_old "$d/dest.txt"
	kget -o "$d/dest.txt" "$3"
	check_rc "$2" || rc=1
	old_intact "$d/dest.txt" || rc=1
	no_temp_files "$d" || rc=1
	only_entries "$d" dest.txt || rc=1
	return $rc
}

c_keep_missing() {
	keep_on_fail keep-missing 6 "$V/no-such-file.bin" || return 1
	check_contains "stderr" "$KERR" "server said: 550"
}

c_keep_login() {
	keep_on_fail keep-login 5 "ftp://$FTP_USER:wrong-files-pass@127.0.0.1:$PYFTPD_PORT/hello.txt" ||
		return 1
	check_contains "stderr" "$KERR" "server said: 530"
}

c_keep_refused() {
	p_refused_port || return 1
	keep_on_fail keep-refused 4 "ftp://127.0.0.1:$P_REFUSED_PORT/hello.txt"
}

# Success replaces the old file, whichever server.
c_replace() {
	local d rc=0
	d=$(fresh replace)
	put_old "$d/v.bin"
	put_old "$d/p.bin"
	kget_ok "$d/v.bin" "$V/allbytes.bin" || rc=1
	kget_ok "$d/p.bin" "$P/allbytes.bin" || rc=1
	check_sha "$d/v.bin" "${SHA[allbytes.bin]}" || rc=1
	check_sha "$d/p.bin" "${SHA[allbytes.bin]}" || rc=1
	no_temp_files "$d" || rc=1
	only_entries "$d" p.bin v.bin || rc=1
	return $rc
}

# The kernel creates the file with mode 0666 & ~umask of the caller.
c_umask() {
	local d rc=0 m want saved
	d=$(fresh umask)
	saved=$(umask)
	for m in 022 077 002; do
		umask "$m"
		kget -o "$d/f$m" "$V/hello.txt"
		umask "$saved"
		check_rc 0 || { rc=1; continue; }
		want=$(printf '%o' $((0666 & ~8#$m)))
		check_eq "mode of a new file with umask $m" "$want" "$(stat -c %a "$d/f$m")" || rc=1
		check_sha "$d/f$m" "${SHA[hello.txt]}" || rc=1
	done
	no_temp_files "$d" || rc=1
	return $rc
}

# RLIMIT_FSIZE below the file size: the kernel's write fails with EFBIG and
# sends SIGXFSZ. The contract wants exit 7 (local file error, "File too
# large") and no temp file; a kftp-get killed by SIGXFSZ (153) cannot clean
# up after itself.
c_fsize() {
	local d rc=0
	d=$(fresh fsize)
	put_old "$d/dest.bin"
	KCMD="ulimit -f 64; $(printf '%q ' "$KFTP_GET" -o "$d/dest.bin" "$V/allbytes.bin")"
	# The outer redirection swallows bash's "File size limit exceeded".
	{
		(
			ulimit -c 0
			ulimit -f 64	# 64 KiB
			exec timeout -k 5 "$KGET_TIMEOUT" "$KFTP_GET" -o "$d/dest.bin" "$V/allbytes.bin"
		) >"$P_WORK/kget.out" 2>"$P_WORK/kget.err" </dev/null
		KRC=$?
	} 2>/dev/null
	KOUT=$(cat "$P_WORK/kget.out")
	KERR=$(cat "$P_WORK/kget.err")
	if [ "$KRC" = 153 ]; then
		diag "kftp-get was killed by SIGXFSZ (128+25): it does not ignore SIGXFSZ,"
		diag "so it never sees EFBIG and cannot remove its temp file"
	fi
	check_rc 7 || rc=1
	check_contains "stderr" "$KERR" "File too large" || rc=1
	old_intact "$d/dest.bin" || rc=1
	no_temp_files "$d" || rc=1
	only_entries "$d" dest.bin || rc=1
	return $rc
}

# The kernel side, without the CLI's own checks in front of it.

# O_NOFOLLOW: a symlink as local_path is ELOOP at the LOCAL_FILE step, its
# target untouched, a dangling one's target not created.
c_ioctl_symlink() {
	local d rc=0
	d=$(fresh ioctl-symlink)
	put_old "$d/target.txt"
	ln -s target.txt "$d/link"
	ln -s nowhere.txt "$d/dangling"
	kioctl 0 hello.txt "$d/link" 0 hello.txt "$d/dangling"
	check_eq "ioctl on a symlink to a file, then on a dangling one" \
		"ELOOP step=$STEP_LOCAL_FILE bytes=0 code=0"$'\n'"ELOOP step=$STEP_LOCAL_FILE bytes=0 code=0" \
		"$KIO" || rc=1
	old_intact "$d/target.txt" || rc=1
	only_entries "$d" dangling link target.txt || rc=1
	return $rc
}

# KFTP_GET_F_EXCL on an existing file: EEXIST, before any connection.
c_ioctl_excl() {
	local d rc=0
	d=$(fresh ioctl-excl)
	put_old "$d/exists.txt"
	kioctl 1 hello.txt "$d/exists.txt" 1 hello.txt "$d/new.txt"
	case $KIO in
	"EEXIST step=$STEP_LOCAL_FILE bytes=0 code=0"$'\n'"OK step=0 bytes=26 "*) ;;
	*)
		diag "ioctl with F_EXCL on an existing file, then on a new one: expected"
		diag "'EEXIST step=$STEP_LOCAL_FILE bytes=0 code=0' and 'OK step=0 bytes=26 ...', got:"
		diag "$KIO"
		rc=1
		;;
	esac
	old_intact "$d/exists.txt" || rc=1
	check_sha "$d/new.txt" "${SHA[hello.txt]}" || rc=1
	only_entries "$d" exists.txt new.txt || rc=1
	return $rc
}

# A FIFO as local_path (no F_EXCL): refused (kftp_file_open wants a regular
# file), and promptly: an O_WRONLY open of a FIFO waits for a reader.
c_ioctl_fifo() {
	local d rc=0 t0 pid py
	d=$(fresh ioctl-fifo)
	mkfifo "$d/fifo"
	t0=$SECONDS
	timeout -k 5 20 "$PYTHON" "$P_WORK/kioctl.py" "$VSFTPD_PORT" 0 hello.txt "$d/fifo" \
		>"$P_WORK/kioctl.out" 2>&1 </dev/null &
	pid=$!
	# Python itself may take seconds to start under TCG: give it 15 s, and
	# show where it waits if it is still there (timeout kills it at 20 s).
	while [ $((SECONDS - t0)) -lt 15 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		py=$(pgrep -P "$pid")
		diag "after 15 s the ioctl still waits, in $(cat "/proc/$py/wchan" 2>/dev/null):"
		diag "$(head -n 6 "/proc/$py/stack" 2>/dev/null)"
	fi
	wait "$pid" 2>/dev/null
	KIO_RC=$?
	KIO=$(cat "$P_WORK/kioctl.out")
	if [ "$KIO_RC" = 124 ] || [ "$KIO_RC" = 137 ]; then
		diag "the ioctl blocked for $((SECONDS - t0)) s on a FIFO as local_path (killed by timeout)"
		rc=1
	else
		case $KIO in
		"OK "*) diag "the ioctl succeeded on a FIFO: $KIO"; rc=1 ;;
		*" step=$STEP_LOCAL_FILE "*) ;;
		*) diag "ioctl on a FIFO: $KIO (exit $KIO_RC)"; rc=1 ;;
		esac
	fi
	[ -p "$d/fifo" ] || { diag "$d/fifo is no longer a FIFO"; rc=1; }
	only_entries "$d" fifo || rc=1
	return $rc
}

# RLIMIT_FSIZE seen by the kernel alone: Python starts with SIGXFSZ
# ignored, so the write fails with EFBIG at the LOCAL_FILE step after
# exactly the limit.
c_ioctl_fsize() {
	local d rc=0
	d=$(fresh ioctl-fsize)
	KIO=$( (ulimit -f 64; exec timeout -k 5 60 "$PYTHON" "$P_WORK/kioctl.py" \
		"$VSFTPD_PORT" 1 allbytes.bin "$d/dest.bin") 2>&1)
	case $KIO in
	"EFBIG step=$STEP_LOCAL_FILE bytes=65536 "*) ;;
	*) diag "expected 'EFBIG step=$STEP_LOCAL_FILE bytes=65536 ...', got '$KIO'"; rc=1 ;;
	esac
	if [ -f "$d/dest.bin" ]; then
		check_eq "size of $d/dest.bin" 65536 "$(stat -c %s "$d/dest.bin")" || rc=1
		cmp -s -n 65536 "$d/dest.bin" "$FTP_ROOT/allbytes.bin" ||
			{ diag "$d/dest.bin is not the first 64 KiB of allbytes.bin"; rc=1; }
	else
		diag "$d/dest.bin missing"
		rc=1
	fi
	return $rc
}

T0=$SECONDS
pcase "ENOSPC (1 MiB tmpfs, 64 MiB file): exit 7, no space message, nothing left" c_enospc
pcase "ENOSPC with an existing destination: exit 7, old content intact" c_enospc_old
pcase "--keep-partial on ENOSPC: exit 7, the received prefix kept as the destination" c_keep_partial
pcase "read-only bind mount: exit 7 (EROFS), nothing created, old file intact" c_readonly
pcase "immutable directory (chattr +i): exit 7 (EPERM), old file intact" c_immutable_dir
pcase "immutable destination: rename fails, exit 7, old content intact, no temp" c_immutable_dest
pcase "destination is a directory: exit 7 (EISDIR), directory untouched" c_dest_dir
pcase "destination is a symlink to a file: exit 7 (ELOOP), target intact" c_dest_symlink
pcase "destination is a dangling symlink: exit 7, target not created" c_dest_dangling
pcase "destination is a FIFO: exit 7, FIFO left alone" c_dest_fifo
pcase "remote file missing (550): exit 6, existing destination untouched" c_keep_missing
pcase "login refused (530): exit 5, existing destination untouched" c_keep_login
pcase "connection refused: exit 4, existing destination untouched" c_keep_refused
pcase "a successful download replaces an existing destination (both servers)" c_replace
pcase "a new file's mode follows the umask (022: 644, 077: 600, 002: 664)" c_umask
pcase "RLIMIT_FSIZE (ulimit -f 64): exit 7 (EFBIG), no temp file, old content intact" c_fsize
pcase "ioctl: local_path a symlink (to a file, dangling): ELOOP, nothing written" c_ioctl_symlink
pcase "ioctl: KFTP_GET_F_EXCL on an existing file: EEXIST, file intact" c_ioctl_excl
pcase "ioctl: local_path a FIFO without F_EXCL: refused without blocking" c_ioctl_fifo
pcase "ioctl: RLIMIT_FSIZE with SIGXFSZ ignored: EFBIG after exactly the limit" c_ioctl_fsize
diag "files took $((SECONDS - T0)) s"

p_summary

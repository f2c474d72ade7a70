#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# files.sh START_N: the destination file: nothing lost, nothing half-written.
#
# Part of the in-guest suite: tests/guest/suite.sh runs it inside the QEMU
# guest, as root, with kftp.ko loaded and vsftpd/pyftpdlib serving FTP_ROOT
# (see tests/guest/lib.sh for the environment and the output format).
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
# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

part_init files "$@"
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
	rm -rf "$PART_WORK"
}
on_exit cleanup

umask 022
declare -A SHA=()
if [ -z "$SUITE_ABORT" ]; then
	for f in hello.txt allbytes.bin big.bin; do
		SHA[$f]=$(sha_of "$FTP_ROOT/$f") || SUITE_ABORT="cannot read $FTP_ROOT/$f"
	done
fi

# ---------------------------------------------------------------- helpers

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

# old_alone DIR FILE: FILE as put_old left it, no temp file, and nothing
# else in DIR.
old_alone() {
	local rc=0
	old_intact "$1/$2" || rc=1
	no_temp_files "$1" || rc=1
	only_entries "$1" "$2" || rc=1
	return $rc
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
[ -n "$SUITE_ABORT" ] || cat >"$PART_WORK/kioctl.py" <<'PY'
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
	KIO=$(timeout -k 5 60 "$PYTHON" "$PART_WORK/kioctl.py" "$VSFTPD_PORT" "$@" 2>&1)
	KIO_RC=$?
}

STEP_LOCAL_FILE=11	# enum kftp_step KFTP_STEP_LOCAL_FILE

# ---------------------------------------------------------------- cases

# c_enospc NAME URL [old]: a 1 MiB tmpfs, 64 MiB to download: ENOSPC while
# writing; nothing left, or with "old", an existing destination intact.
c_enospc() {
	local d rc=0 old=${3:-}
	d=$(small_tmpfs "$1") || return 1
	[ -z "$old" ] || put_old "$d/big.bin"
	kget -o "$d/big.bin" "$2"
	expect_fail 7 "No space left on device" || rc=1
	if [ -n "$old" ]; then
		old_intact "$d/big.bin" || rc=1
		only_entries "$d" big.bin || rc=1
	else
		[ ! -e "$d/big.bin" ] || { diag "$d/big.bin exists after the failure"; rc=1; }
		only_entries "$d" || rc=1
	fi
	no_temp_files "$d" || rc=1
	unmount "$d" || rc=1
	return $rc
}

# --keep-partial: the bytes that did arrive are kept under the
# destination's name, and they are the start of the remote file.
c_keep_partial() {
	local d rc=0 size
	d=$(small_tmpfs keep-partial) || return 1
	kget --keep-partial -o "$d/big.bin" "$V/big.bin"
	expect_fail 7 "No space left on device" || rc=1
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

# lock_KIND PATH / unlock_KIND PATH: make PATH unwritable, and undo it.
# ro: a read-only bind mount of the directory on itself (EROFS).
lock_ro() {
	mount --bind "$1" "$1" || { diag "mount --bind failed"; return 1; }
	MOUNTS+=("$1")
	mount -o remount,bind,ro "$1" && return 0
	diag "remount,ro failed"
	unmount "$1"
	return 1
}

unlock_ro() {
	unmount "$1"
}

# immutable: chattr +i on a directory (nothing can be created in it) or a
# file (it cannot be replaced): EPERM.
lock_immutable() {
	local out
	out=$(chattr +i "$1" 2>&1) || { diag "chattr +i $1 failed: $out"; return 1; }
	IMMUTABLE+=("$1")
}

unlock_immutable() {
	chattr -i "$1"
}

# c_locked KIND NAME WHAT URL_NEW TEXT_NEW URL_OLD TEXT_OLD: lock_KIND
# on the case's directory (WHAT=dir) or on the old file in it (WHAT=file).
# A new file from URL_NEW (if given) fails with exit 7 and TEXT_NEW, a
# replacement of the old file from URL_OLD with exit 7 and TEXT_OLD;
# nothing created, old file intact.
c_locked() {
	local kind=$1 d rc=0 target
	d=$(fresh "$2")
	put_old "$d/old.txt"
	target=$d
	[ "$3" = dir ] || target=$d/old.txt
	"lock_$kind" "$target" || return 1
	if [ -n "$4" ]; then
		kget -o "$d/new.txt" "$4"
		expect_fail 7 "$5" || rc=1
	fi
	kget -o "$d/old.txt" "$6"
	expect_fail 7 "$7" || rc=1
	"unlock_$kind" "$target" || rc=1
	old_alone "$d" old.txt || rc=1
	return $rc
}

c_dest_dir() {
	local d rc=0
	d=$(fresh dest-dir)
	mkdir "$d/sub"
	put_old "$d/sub/keep.txt"
	kget -o "$d/sub" "$V/hello.txt"
	expect_fail 7 "Is a directory" || rc=1
	kget -o "$d/sub/" "$V/hello.txt"
	expect_fail 7 "Is a directory" || rc=1
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
	expect_fail 7 "symlink" || rc=1
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
	expect_fail 7 "symlink" || rc=1
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
	expect_fail 7 "not a regular file" || rc=1
	[ -p "$d/fifo" ] || { diag "$d/fifo is no longer a FIFO"; rc=1; }
	only_entries "$d" fifo || rc=1
	return $rc
}

# keep_on_fail NAME RC TEXT URL: a download that fails with exit RC and
# TEXT on stderr leaves an existing destination as it was.
keep_on_fail() {
	local d rc=0
	d=$(fresh "$1")
	put_old "$d/dest.txt"
	kget -o "$d/dest.txt" "$4"
	expect_fail "$2" "$3" || rc=1
	old_alone "$d" dest.txt || rc=1
	return $rc
}

c_keep_refused() {
	port_refused "$REFUSED_PORT" || return 1
	keep_on_fail keep-refused 4 "" "ftp://127.0.0.1:$REFUSED_PORT/hello.txt"
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
		) >"$PART_WORK/kget.out" 2>"$PART_WORK/kget.err" </dev/null
		KRC=$?
	} 2>/dev/null
	KOUT=$(cat "$PART_WORK/kget.out")
	KERR=$(cat "$PART_WORK/kget.err")
	if [ "$KRC" = 153 ]; then
		diag "kftp-get was killed by SIGXFSZ (128+25): it does not ignore SIGXFSZ,"
		diag "so it never sees EFBIG and cannot remove its temp file"
	fi
	expect_fail 7 "File too large" || rc=1
	old_alone "$d" dest.bin || rc=1
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
	timeout -k 5 "$(tscale 20)" "$PYTHON" "$PART_WORK/kioctl.py" "$VSFTPD_PORT" 0 hello.txt "$d/fifo" \
		>"$PART_WORK/kioctl.out" 2>&1 </dev/null &
	pid=$!
	# Python itself may take seconds to start under TCG: give it 15 s, and
	# show where it waits if it is still there (timeout kills it at 20 s;
	# both scaled).
	while [ $((SECONDS - t0)) -lt "$(tscale 15)" ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		py=$(pgrep -P "$pid")
		diag "after $(tscale 15) s the ioctl still waits, in $(cat "/proc/$py/wchan" 2>/dev/null):"
		diag "$(head -n 6 "/proc/$py/stack" 2>/dev/null)"
	fi
	wait "$pid" 2>/dev/null
	KIO_RC=$?
	KIO=$(cat "$PART_WORK/kioctl.out")
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

# A FIFO with a reader waiting in open(2): the kernel must not open it at
# all, as it must not open any device (a watchdog would arm). Had it opened
# the FIFO, the reader's open would have returned.
c_ioctl_no_open() {
	local d rc=0 rpid
	d=$(fresh ioctl-no-open)
	mkfifo "$d/fifo"
	timeout -k 5 60 cat "$d/fifo" >/dev/null 2>&1 &
	rpid=$!
	sleep 2		# cat is blocked in open(2) by then, even under TCG
	kill -0 "$rpid" 2>/dev/null || { diag "the reader did not start"; rc=1; }
	kioctl 0 hello.txt "$d/fifo"
	case $KIO in
	"EINVAL step=$STEP_LOCAL_FILE "*) ;;
	*) diag "ioctl on a FIFO with a reader: $KIO (exit $KIO_RC)"; rc=1 ;;
	esac
	if ! kill -0 "$rpid" 2>/dev/null; then
		diag "the reader's open returned: the kernel opened the FIFO"
		rc=1
	fi
	kill "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	return $rc
}

# RLIMIT_FSIZE seen by the kernel alone: Python starts with SIGXFSZ
# ignored, so the write fails with EFBIG at the LOCAL_FILE step after
# exactly the limit.
c_ioctl_fsize() {
	local d rc=0
	d=$(fresh ioctl-fsize)
	KIO=$( (ulimit -f 64; exec timeout -k 5 60 "$PYTHON" "$PART_WORK/kioctl.py" \
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
tcase "ENOSPC (1 MiB tmpfs, 64 MiB file): exit 7, no space message, nothing left" c_enospc \
	enospc "$V/big.bin"
tcase "ENOSPC with an existing destination: exit 7, old content intact" c_enospc \
	enospc-old "$P/big.bin" old
tcase "--keep-partial on ENOSPC: exit 7, the received prefix kept as the destination" c_keep_partial
tcase "read-only bind mount: exit 7 (EROFS), nothing created, old file intact" c_locked \
	ro readonly dir "$V/hello.txt" "Read-only file system" "$P/hello.txt" "Read-only file system"
tcase "immutable directory (chattr +i): exit 7 (EPERM), old file intact" c_locked \
	immutable immutable-dir dir "$V/hello.txt" "Operation not permitted" "$V/hello.txt" ""
tcase "immutable destination: rename fails, exit 7, old content intact, no temp" c_locked \
	immutable immutable-dest file "" "" "$V/allbytes.bin" "cannot rename"
tcase "destination is a directory: exit 7 (EISDIR), directory untouched" c_dest_dir
tcase "destination is a symlink to a file: exit 7 (ELOOP), target intact" c_dest_symlink
tcase "destination is a dangling symlink: exit 7, target not created" c_dest_dangling
tcase "destination is a FIFO: exit 7, FIFO left alone" c_dest_fifo
tcase "remote file missing (550): exit 6, existing destination untouched" keep_on_fail \
	keep-missing 6 "server said: 550" "$V/no-such-file.bin"
tcase "login refused (530): exit 5, existing destination untouched" keep_on_fail \
	keep-login 5 "server said: 530" "ftp://$FTP_USER:wrong-files-pass@127.0.0.1:$PYFTPD_PORT/hello.txt"
tcase "connection refused: exit 4, existing destination untouched" c_keep_refused
tcase "a successful download replaces an existing destination (both servers)" c_replace
tcase "a new file's mode follows the umask (022: 644, 077: 600, 002: 664)" c_umask
tcase "RLIMIT_FSIZE (ulimit -f 64): exit 7 (EFBIG), no temp file, old content intact" c_fsize
tcase "ioctl: local_path a symlink (to a file, dangling): ELOOP, nothing written" c_ioctl_symlink
tcase "ioctl: KFTP_GET_F_EXCL on an existing file: EEXIST, file intact" c_ioctl_excl
tcase "ioctl: local_path a FIFO without F_EXCL: refused without blocking" c_ioctl_fifo
tcase "ioctl: local_path a FIFO with a reader: refused, never opened" c_ioctl_no_open
tcase "ioctl: RLIMIT_FSIZE with SIGXFSZ ignored: EFBIG after exactly the limit" c_ioctl_fsize
diag "files took $((SECONDS - T0)) s"

part_done

/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kftp: an in-kernel FTP client (active mode, RETR only).
 *
 * Userspace opens /dev/kftp (root only) and issues one ioctl:
 *
 *   KFTP_IOC_GET, argument: struct kftp_get_args *
 *
 * The calling process blocks while the module, in that process's context,
 * credentials and network namespace:
 *   1. connects to the server and reads the 220 greeting;
 *   2. logs in with USER/PASS;
 *   3. sends TYPE I, then SIZE (the answer is optional);
 *   4. listens on an ephemeral port of the control socket's local address and
 *      announces it with PORT (IPv4) or EPRT (IPv6);
 *   5. sends RETR, accepts the data connection, which must come from the
 *      server's own address, and writes the data to local_path;
 *   6. reads the 226/250 completion and sends QUIT.
 *
 * The struct is extensible in the manner of openat2() and clone3(): the
 * caller puts sizeof(struct kftp_get_args) in @size, the kernel copies it with
 * copy_struct_from_user(). Fields are only ever appended, and a zero in an
 * appended field keeps the old behaviour. The ioctl number carries no size,
 * so it stays the same when the struct grows (as VFIO's argsz does).
 *
 * Return value: 0 on success, -1 with errno set otherwise. On success and on
 * any failure after the struct passed validation, the out-fields in @result
 * are written back, so the caller can show the server's own words. A struct
 * that fails validation (EINVAL, E2BIG, EFAULT) gets no write-back.
 *
 * errno values:
 *   EPERM        caller lacks CAP_SYS_ADMIN
 *   EFAULT       bad pointer
 *   EINVAL       malformed struct: @size too small, unknown flag, unknown
 *                family, port 0, timeout out of range, a string that is empty,
 *                not NUL-terminated, holds CR or LF, or has anything but NULs
 *                after its terminator; resume_offset != 0; reserved1
 *                != 0; KFTP_GET_F_DEST_FD with a local_path or with
 *                KFTP_GET_F_EXCL; dest_fd not a regular file; also when
 *                local_path exists and is not a regular file (a FIFO without
 *                a reader gives ENXIO)
 *   E2BIG        @size larger than this kernel knows, with non-zero tail, or
 *                larger than 64 KiB
 *   ECONNREFUSED, EHOSTUNREACH, ENETUNREACH: the server cannot be reached
 *   ETIMEDOUT    a step ran out of time; result.failed_step names it
 *   EACCES       login refused (530, or 332 account required)
 *   ENOENT       remote file missing or not readable (550 to RETR; SIZE is
 *                only advisory)
 *   ECONNRESET, ECONNABORTED: the server dropped a connection (421 counts)
 *   EBADMSG      a reply that is not FTP: bad code, line or reply too long
 *   EPROTO       any other unexpected reply, or an incomplete transfer
 *                (fewer or more bytes than SIZE, 426, early data close)
 *   EBADF        with KFTP_GET_F_DEST_FD: dest_fd is not open for writing
 *   EINTR        a signal arrived; the transfer was abandoned, not restarted
 *   others       from the local file: ENOENT, EACCES, EISDIR, ELOOP (the
 *                last component of local_path is a symlink), ENOSPC, EFBIG,
 *                EEXIST (with KFTP_GET_F_EXCL), EROFS, ...
 */
#ifndef _UAPI_LINUX_KFTP_H
#define _UAPI_LINUX_KFTP_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define KFTP_DEVICE_PATH	"/dev/kftp"

/* String buffer sizes, each including the terminating NUL. */
#define KFTP_USER_MAX		256	/* up to 255 bytes of user name */
#define KFTP_PASSWORD_MAX	256	/* up to 255 bytes of password */
#define KFTP_REMOTE_PATH_MAX	4096	/* up to 4095 bytes of remote path */
#define KFTP_LOCAL_PATH_MAX	4096	/* PATH_MAX, NUL included */
#define KFTP_REPLY_TEXT_MAX	512	/* server text, truncated to fit */

/* Timeouts, in milliseconds. Zero is not allowed: callers pass the defaults. */
#define KFTP_CONNECT_TIMEOUT_DEFAULT_MS	10000U	/* TCP connect */
#define KFTP_REPLY_TIMEOUT_DEFAULT_MS	30000U	/* each control reply */
#define KFTP_ACCEPT_TIMEOUT_DEFAULT_MS	30000U	/* server opens data conn */
#define KFTP_STALL_TIMEOUT_DEFAULT_MS	60000U	/* no data byte for this long */
#define KFTP_TIMEOUT_MAX_MS		3600000U	/* one hour, for every step */

/* flags */
/* Create local_path with O_EXCL: fail with EEXIST rather than truncate. */
#define KFTP_GET_F_EXCL		0x00000001U
/* Write to dest_fd instead of opening local_path (which must be empty). */
#define KFTP_GET_F_DEST_FD	0x00000002U
#define KFTP_GET_F_ALL		(KFTP_GET_F_EXCL | KFTP_GET_F_DEST_FD)

/* result.remote_size when the server did not answer SIZE */
#define KFTP_SIZE_UNKNOWN	(~(__u64)0)

/* result.failed_step: where a failed transfer stopped */
enum kftp_step {
	KFTP_STEP_NONE = 0,	/* success, or failed before any step */
	KFTP_STEP_CONNECT,	/* TCP connect of the control connection */
	KFTP_STEP_GREETING,	/* waiting for 220 */
	KFTP_STEP_LOGIN,	/* USER / PASS */
	KFTP_STEP_TYPE,		/* TYPE I */
	KFTP_STEP_SIZE,		/* SIZE */
	KFTP_STEP_LISTEN,	/* creating the listening data socket */
	KFTP_STEP_PORT,		/* PORT / EPRT */
	KFTP_STEP_RETR,		/* RETR and its preliminary reply */
	KFTP_STEP_ACCEPT,	/* waiting for the server's data connection */
	KFTP_STEP_DATA,		/* receiving data */
	KFTP_STEP_LOCAL_FILE,	/* opening or writing local_path */
	KFTP_STEP_COMPLETE,	/* waiting for 226/250, checking the size */
};

/* Written back by the kernel on success and on failure. */
struct kftp_get_result {
	__u64 bytes_written;	/* out: bytes written to local_path */
	__u64 remote_size;	/* out: SIZE answer, or KFTP_SIZE_UNKNOWN */
	__u32 reply_code;	/* out: last FTP reply code seen, 0 if none */
	__u32 failed_step;	/* out: enum kftp_step, 0 on success */
	/* out: text of that reply, NUL-terminated, non-printables as '?' */
	char reply_text[KFTP_REPLY_TEXT_MAX];
};

struct kftp_get_args {
	__u32 size;		/* in: sizeof(struct kftp_get_args) */
	__u32 flags;		/* in: KFTP_GET_F_*, others are EINVAL */
	__u16 family;		/* in: AF_INET (2) or AF_INET6 (10) */
	__u16 port;		/* in: server control port, host order, 1-65535 */
	__u32 scope_id;		/* in: IPv6 link-local scope id, else 0 */
	__u8 addr[16];		/* in: server address, network order; IPv4 uses
				 *     the first 4 bytes, the rest must be 0
				 */
	__u32 connect_timeout_ms; /* in: 1..KFTP_TIMEOUT_MAX_MS */
	__u32 reply_timeout_ms;	/* in: per control reply, 1..KFTP_TIMEOUT_MAX_MS */
	__u32 accept_timeout_ms; /* in: data connection, 1..KFTP_TIMEOUT_MAX_MS */
	__u32 stall_timeout_ms;	/* in: data silence, 1..KFTP_TIMEOUT_MAX_MS */
	__u64 resume_offset;	/* in: reserved for REST, must be 0 for now */
	/* in: NUL-terminated; empty means "anonymous" */
	char user[KFTP_USER_MAX];
	/* in: NUL-terminated; empty with anonymous means a default address */
	char password[KFTP_PASSWORD_MAX];
	/* in: NUL-terminated, not empty, sent verbatim after "RETR " */
	char remote_path[KFTP_REMOTE_PATH_MAX];
	/* in: NUL-terminated, not empty; relative to the caller's cwd */
	char local_path[KFTP_LOCAL_PATH_MAX];
	struct kftp_get_result result;	/* out */
	/* Appended in version 1. */
	/*
	 * in: with KFTP_GET_F_DEST_FD, a descriptor of a regular file open
	 * for writing; data is written from offset resume_offset on, and the
	 * file is never truncated. Ignored without the flag.
	 */
	__s32 dest_fd;
	__u32 reserved1;	/* in: must be 0 */
};

/* The first version of the struct; smaller @size values are EINVAL. */
#define KFTP_GET_ARGS_SIZE_VER0	9296
/* Version 1 adds dest_fd. */
#define KFTP_GET_ARGS_SIZE_VER1	9304

#define KFTP_IOC_MAGIC		0xF7
#define KFTP_IOC_GET		_IO(KFTP_IOC_MAGIC, 0x01)

#endif /* _UAPI_LINUX_KFTP_H */

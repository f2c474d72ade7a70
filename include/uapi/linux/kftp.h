/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kftp: an in-kernel FTP client (active mode: RETR, and directory
 * listings).
 */
#ifndef _UAPI_LINUX_KFTP_H
#define _UAPI_LINUX_KFTP_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * DOC: kftp
 *
 * Userspace opens /dev/kftp (root only) and issues one ioctl,
 * %KFTP_IOC_GET, with a &struct kftp_get_args. The calling process blocks
 * while the module, in that process's context, credentials and network
 * namespace:
 *
 * 1. connects to the server and reads the 220 greeting;
 * 2. logs in with USER/PASS;
 * 3. sends TYPE I, then SIZE (the answer is optional), and MDTM when
 *    asked to;
 * 4. listens on a port of the control socket's local address (or of
 *    @data_addr; ephemeral, or from a range) and announces it with PORT
 *    (IPv4, and IPv4-mapped IPv6 addresses) or EPRT (IPv6);
 * 5. sends REST when resuming, then RETR, accepts the data connection,
 *    which must come from the server's own address, and writes the data to
 *    local_path, or to dest_fd with %KFTP_GET_F_DEST_FD. A listing
 *    (@command, version 5) sends no SIZE, and LIST, NLST or MLSD instead
 *    of RETR;
 * 6. reads the 226/250 completion. The control connection stays open for
 *    the next call on the same file (see "Sessions" below).
 *
 * The control connection has TCP keepalive on (60 s idle, then every
 * 60 s), so that a long transfer survives NATs that drop idle
 * connections. Bytes 0xFF in the remote path are doubled on the wire
 * (Telnet IAC, RFC 959 3.1.1.2).
 *
 * The struct is extensible in the manner of openat2() and clone3(): the
 * caller puts sizeof(struct kftp_get_args) in @size, the kernel copies it
 * with copy_struct_from_user(). Fields are only ever appended, and a zero
 * in an appended field keeps the old behaviour. The ioctl number carries no
 * size, so it stays the same when the struct grows (as VFIO's argsz does).
 * A caller built against version 0 (%KFTP_GET_ARGS_SIZE_VER0) still works.
 */

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
/* Version 2: ask the server for the file's time (MDTM) into remote_mtime. */
#define KFTP_GET_F_REMOTE_TIME	0x00000004U
/*
 * Version 3: write the FTP dialogue, as it happens, to trace_fd: one line
 * per command ("> USER alice", "> PASS ****") and per reply line
 * ("< 230 ..."), and "* " lines about the connections.
 */
#define KFTP_GET_F_TRACE	0x00000008U
/*
 * Version 3, with KFTP_GET_F_DEST_FD: dest_fd is a stream (a pipe, FIFO,
 * socket, terminal or other device, or a file at its current offset), and
 * is written as write(2) would write it.
 */
#define KFTP_GET_F_DEST_STREAM	0x00000010U
/*
 * Version 4: compute the SHA-256 of the destination's content, from byte 0
 * (a resumed download's existing prefix is read and hashed first, so the
 * destination must then be open for reading too), into sha256 on success.
 */
#define KFTP_GET_F_SHA256	0x00000020U
/*
 * Version 4: after the transfer, ask the server for its own SHA-256 of the
 * file, when its FEAT (asked once per login) offers HASH with SHA-256
 * (draft-bryan-ftpext-hash) or XSHA256, into server_sha256; the data's
 * digest (sha256) is then computed too, and without it (a resumed
 * destination not open for reading) the server is not asked. Comparing
 * the two is the caller's.
 */
#define KFTP_GET_F_SERVER_SHA256 0x00000040U
#define KFTP_GET_F_ALL		(KFTP_GET_F_EXCL | KFTP_GET_F_DEST_FD | \
				 KFTP_GET_F_REMOTE_TIME | KFTP_GET_F_TRACE | \
				 KFTP_GET_F_DEST_STREAM | KFTP_GET_F_SHA256 | \
				 KFTP_GET_F_SERVER_SHA256)

/* server_hash: how the server's digest was asked for, if it was. */
#define KFTP_SERVER_HASH_NONE		0	/* not offered, or declined */
#define KFTP_SERVER_HASH_HASH		1	/* HASH, as SHA-256 */
#define KFTP_SERVER_HASH_XSHA256	2	/* XSHA256 */

/*
 * command (version 5): what the data connection carries. A listing's
 * bytes are written to the destination as they come; parsing them is the
 * caller's.
 */
#define KFTP_COMMAND_RETR	0	/* the file remote_path */
#define KFTP_COMMAND_LIST	1	/* LIST: the server's "ls -l" form */
#define KFTP_COMMAND_NLST	2	/* NLST: names only */
#define KFTP_COMMAND_MLSD	3	/* MLSD: RFC 3659's facts */
/* MLSD when FEAT (asked once per login) offers MLST, else LIST */
#define KFTP_COMMAND_LISTING	4
#define KFTP_COMMAND_MAX	KFTP_COMMAND_LISTING

/* The length of a SHA-256 digest, in bytes. */
#define KFTP_SHA256_SIZE	32

/* result.remote_size when the server did not answer SIZE */
#define KFTP_SIZE_UNKNOWN	(~(__u64)0)
/* remote_mtime when it was not asked for or the server did not answer */
#define KFTP_MTIME_UNKNOWN	(-0x7fffffffffffffffLL - 1)

/**
 * enum kftp_step - Where a failed transfer stopped (result.failed_step).
 * @KFTP_STEP_NONE:		success, or failed before any step
 * @KFTP_STEP_CONNECT:		TCP connect of the control connection
 * @KFTP_STEP_GREETING:		waiting for 220
 * @KFTP_STEP_LOGIN:		USER / PASS
 * @KFTP_STEP_TYPE:		TYPE I
 * @KFTP_STEP_SIZE:		SIZE
 * @KFTP_STEP_LISTEN:		creating the listening data socket
 * @KFTP_STEP_PORT:		PORT / EPRT
 * @KFTP_STEP_RETR:		RETR and its preliminary reply
 * @KFTP_STEP_ACCEPT:		waiting for the server's data connection
 * @KFTP_STEP_DATA:		receiving data
 * @KFTP_STEP_LOCAL_FILE:	opening or writing the destination
 * @KFTP_STEP_COMPLETE:		waiting for 226/250, checking the size
 * @KFTP_STEP_MDTM:		MDTM (version 2, with %KFTP_GET_F_REMOTE_TIME)
 * @KFTP_STEP_REST:		REST, or a @resume_offset that does not fit
 *				the remote size (version 2)
 * @KFTP_STEP_FEAT:		FEAT (version 4, %KFTP_GET_F_SERVER_SHA256;
 *				version 5, %KFTP_COMMAND_LISTING)
 * @KFTP_STEP_HASH:		OPTS HASH, HASH or XSHA256, and the digest in
 *				their reply (version 4)
 * @KFTP_STEP_LIST:		LIST, NLST or MLSD and its preliminary reply
 *				(version 5)
 */
enum kftp_step {
	KFTP_STEP_NONE = 0,
	KFTP_STEP_CONNECT,
	KFTP_STEP_GREETING,
	KFTP_STEP_LOGIN,
	KFTP_STEP_TYPE,
	KFTP_STEP_SIZE,
	KFTP_STEP_LISTEN,
	KFTP_STEP_PORT,
	KFTP_STEP_RETR,
	KFTP_STEP_ACCEPT,
	KFTP_STEP_DATA,
	KFTP_STEP_LOCAL_FILE,
	KFTP_STEP_COMPLETE,
	KFTP_STEP_MDTM,
	KFTP_STEP_REST,
	KFTP_STEP_FEAT,
	KFTP_STEP_HASH,
	KFTP_STEP_LIST,
};

/**
 * struct kftp_get_result - What the kernel writes back, on success and on
 * any failure after the request passed validation.
 * @bytes_written:	out: bytes written to the destination. With a failure
 *			at the data step, every byte received before it,
 *			except bytes beyond the announced SIZE.
 * @remote_size:	out: the SIZE answer, or %KFTP_SIZE_UNKNOWN.
 * @reply_code:		out: code of the last FTP reply seen, 0 if none.
 * @failed_step:	out: &enum kftp_step where the transfer failed, 0 on
 *			success.
 * @reply_text:		out: the first line of that last reply (a multi-line
 *			reply's later lines are not kept), NUL-terminated,
 *			truncated to fit, non-printable bytes as '?'.
 */
struct kftp_get_result {
	__u64 bytes_written;
	__u64 remote_size;
	__u32 reply_code;
	__u32 failed_step;
	char reply_text[KFTP_REPLY_TEXT_MAX];
};

/**
 * struct kftp_get_args - One retrieval: the request and its result.
 * @size:		in: sizeof(struct kftp_get_args) as the caller knows
 *			it; at least %KFTP_GET_ARGS_SIZE_VER0.
 * @flags:		in: %KFTP_GET_F_*; others are EINVAL.
 * @family:		in: AF_INET (2) or AF_INET6 (10).
 * @port:		in: server control port, host order, 1-65535.
 * @scope_id:		in: IPv6 link-local scope id, else 0.
 * @addr:		in: server address, network order; IPv4 uses the first
 *			4 bytes, the rest must be 0.
 * @connect_timeout_ms:	in: TCP connect, 1..%KFTP_TIMEOUT_MAX_MS.
 * @reply_timeout_ms:	in: per control reply, 1..%KFTP_TIMEOUT_MAX_MS.
 * @accept_timeout_ms:	in: waiting for the data connection,
 *			1..%KFTP_TIMEOUT_MAX_MS. Ends within this deadline
 *			even when part of a control reply is pending.
 * @stall_timeout_ms:	in: data silence, 1..%KFTP_TIMEOUT_MAX_MS.
 * @resume_offset:	in: with a non-zero value, REST @resume_offset
 *			is sent before RETR (it must be answered 350), and
 *			the data is written from that offset on: to
 *			local_path, opened without truncation, or to
 *			dest_fd. When SIZE says the file has exactly that
 *			many bytes, nothing is fetched and the call
 *			succeeds with bytes_written 0; more is ERANGE.
 * @user:		in: NUL-terminated; empty means "anonymous".
 * @password:		in: NUL-terminated; empty with anonymous means a
 *			default address. Never logged.
 * @remote_path:	in: NUL-terminated, not empty (but for a listing),
 *			sent after "RETR " (or the listing command) with
 *			0xFF bytes doubled.
 * @local_path:		in: NUL-terminated; relative to the caller's cwd. Not
 *			empty, unless %KFTP_GET_F_DEST_FD is set, when it must
 *			be empty. Probed with O_PATH first, so that nothing
 *			but a regular file is ever opened.
 * @result:		out: see &struct kftp_get_result.
 * @dest_fd:		in, version 1: with %KFTP_GET_F_DEST_FD, a descriptor
 *			of a regular file open for writing, without
 *			O_DIRECT or O_APPEND. Data is written from offset
 *			@resume_offset on, and the file is never truncated.
 *			With %KFTP_GET_F_DEST_STREAM too (version 3), any
 *			descriptor open for writing without O_DIRECT,
 *			written in sequence as write(2) would (from the
 *			file's own offset, which moves; O_APPEND is
 *			honoured); @resume_offset must then be 0. A stop
 *			signal while a full pipe blocks the write keeps
 *			the transfer, with the bytes not yet written, as
 *			any other stop does. As with write(2), only a
 *			signal ends a wait for the reader; a pipe in
 *			O_NONBLOCK mode fails with EAGAIN when its reader
 *			falls behind.
 *			Ignored without the flag.
 * @reserved1:		in, version 1: must be 0.
 * @max_filesize:	in, version 2: 0, or the most bytes to receive. A
 *			larger SIZE fails before RETR, and the data step
 *			stops at the limit; both are EFBIG.
 * @remote_mtime:	out, version 2: with %KFTP_GET_F_REMOTE_TIME, the
 *			MDTM answer in seconds since the epoch (UTC), else
 *			%KFTP_MTIME_UNKNOWN. Ignored on input.
 * @max_time_ms:	in, version 2: 0, or a bound on the whole call in
 *			milliseconds; past it, the step under way fails
 *			with ETIMEDOUT.
 * @data_family:	in, version 2: 0 to listen on the control
 *			connection's local address; or AF_INET/AF_INET6 (the
 *			server's family) to listen on @data_addr.
 * @reserved2:		in, version 2: must be 0.
 * @data_port_low:	in, version 2: 0 for an ephemeral data port, or the
 *			first port of the range to listen on. Ports in use
 *			are skipped; a range with none free is EADDRINUSE
 *			at %KFTP_STEP_LISTEN.
 * @data_port_high:	in, version 2: the last port of that range; 0 means
 *			@data_port_low alone. Not below @data_port_low.
 * @data_addr:		in, version 2: with @data_family, an address of
 *			this host, network order, as @addr.
 * @reserved3:		in, version 2: must be 0.
 * @trace_fd:		in, version 3: with %KFTP_GET_F_TRACE, a descriptor
 *			open for writing (stderr, say) that gets the
 *			dialogue trace; the file is taken when the transfer
 *			begins (a later dup2() does not move it). Lines are
 *			written as write(2) would write them, SIGPIPE
 *			included; bytes that are neither printable ASCII
 *			nor Latin-1 are written as C escapes ("\e",
 *			"\a", "\0") or in octal ("\010"),
 *			and the password is never written. A line that a
 *			signal interrupts is lost; any other failure ends
 *			the trace for the call. The transfer goes on,
 *			unless SIGPIPE ends the caller (its default) or a
 *			handler (EINTR). Ignored without the flag.
 * @reserved4:		in, version 3: must be 0.
 * @display_name:	in, version 3: NUL-terminated; empty, or the
 *			destination's name for people: events and the dump
 *			show it instead of local_path or dest_fd's path
 *			(which, for an unnamed file, says nothing useful).
 *			Never opened; control characters are EINVAL.
 * @sha256:		out, version 4: with %KFTP_GET_F_SHA256, on success,
 *			the SHA-256 of the destination's content: the bytes
 *			written, after, when resuming, the @resume_offset
 *			bytes the file held before, as they read then
 *			(local_path is then opened for reading and writing;
 *			a dest_fd must be open for both, else EBADF; a file
 *			shorter than @resume_offset is ERANGE). For a
 *			stream, of the bytes written to it. With
 *			%KFTP_GET_F_SERVER_SHA256 alone, the same when the
 *			server offered a digest in FEAT (the data was hashed
 *			to compare), whether or not it then gave one. Else,
 *			and on failure, 0. Ignored on input.
 * @server_hash:	out, version 4: with %KFTP_GET_F_SERVER_SHA256, on
 *			success, %KFTP_SERVER_HASH_HASH or _XSHA256 when the
 *			server gave its digest, else %KFTP_SERVER_HASH_NONE
 *			(not offered, refused, or nothing was fetched).
 *			Ignored on input.
 * @reserved5:		in, version 4: must be 0.
 * @server_sha256:	out, version 4: the server's SHA-256 of the whole
 *			file, when @server_hash says it gave one, else 0. A reply
 *			that is not one (another algorithm, another byte
 *			range, not 64 hex digits) fails the call with
 *			EBADMSG at %KFTP_STEP_HASH. Ignored on input.
 * @command:		in, version 5: %KFTP_COMMAND_RETR (0), or a listing
 *			of the directory @remote_path (empty: the login
 *			directory, the command with no argument). A listing
 *			sends no SIZE, and takes none of @resume_offset,
 *			%KFTP_GET_F_REMOTE_TIME, %KFTP_GET_F_SHA256 and
 *			%KFTP_GET_F_SERVER_SHA256. Its size is not known
 *			ahead: a non-zero @max_filesize bounds it (EFBIG
 *			at %KFTP_STEP_DATA); without one, only the stall
 *			timeout and @max_time_ms end a listing that never
 *			does. There is no fallback from MLSD to LIST. A
 *			path that starts with '-' may be taken for ls(1)
 *			options by the server: send "./-x". The bytes are
 *			the server's, in its line ends (TYPE I is kept).
 * @command_sent:	out, version 5: for a listing, on success and on
 *			failure, the %KFTP_COMMAND_* that was (or was being)
 *			sent (with %KFTP_COMMAND_LISTING: %KFTP_COMMAND_MLSD
 *			or %KFTP_COMMAND_LIST), or 0 when the call ended
 *			before it. Ignored on input.
 *
 * Every string field must be NUL-terminated inside its array, with
 * nothing but NULs after the terminator, and must not hold CR or LF.
 */
struct kftp_get_args {
	__u32 size;
	__u32 flags;
	__u16 family;
	__u16 port;
	__u32 scope_id;
	__u8 addr[16];
	__u32 connect_timeout_ms;
	__u32 reply_timeout_ms;
	__u32 accept_timeout_ms;
	__u32 stall_timeout_ms;
	__u64 resume_offset;
	char user[KFTP_USER_MAX];
	char password[KFTP_PASSWORD_MAX];
	char remote_path[KFTP_REMOTE_PATH_MAX];
	char local_path[KFTP_LOCAL_PATH_MAX];
	struct kftp_get_result result;
	/* Appended in version 1. */
	__s32 dest_fd;
	__u32 reserved1;
	/* Appended in version 2. */
	__u64 max_filesize;
	__s64 remote_mtime;
	__u32 max_time_ms;
	__u16 data_family;
	__u16 reserved2;
	__u16 data_port_low;
	__u16 data_port_high;
	__u8 data_addr[16];
	__u32 reserved3;
	/* Appended in version 3. */
	__s32 trace_fd;
	__u32 reserved4;
	char display_name[KFTP_LOCAL_PATH_MAX];
	/* Appended in version 4. */
	__u8 sha256[KFTP_SHA256_SIZE];
	__u32 server_hash;
	__u32 reserved5;
	__u8 server_sha256[KFTP_SHA256_SIZE];
	/* Appended in version 5. */
	__u32 command;
	__u32 command_sent;
};

/* The first version of the struct; smaller @size values are EINVAL. */
#define KFTP_GET_ARGS_SIZE_VER0	9296
/* Version 1 adds dest_fd. */
#define KFTP_GET_ARGS_SIZE_VER1	9304
/* Version 2 adds the limits, the remote time and the data port settings. */
#define KFTP_GET_ARGS_SIZE_VER2	9352
/* Version 3 adds the dialogue trace, stream destinations, display_name. */
#define KFTP_GET_ARGS_SIZE_VER3	13456
/* Version 4 adds the SHA-256 of the destination, and the server's. */
#define KFTP_GET_ARGS_SIZE_VER4	13528
/* Version 5 adds directory listings. */
#define KFTP_GET_ARGS_SIZE_VER5	13536

#define KFTP_IOC_MAGIC		0xF7

/**
 * DOC: KFTP_IOC_GET
 *
 * Download one file, or a directory's listing (version 5). The argument
 * is a pointer to &struct kftp_get_args.
 *
 * Context: Process context. Needs CAP_SYS_ADMIN. Sleeps for the whole
 * transfer, in the caller's network namespace, with its credentials, cwd,
 * umask and RLIMIT_FSIZE.
 *
 * Sessions: an open /dev/kftp file is a session. After a call, its control
 * connection stays logged in, and the next call on the same file reuses it
 * when the network namespace, server address and port, user, password and
 * data-port settings (@data_family, @data_addr, the port range) are the
 * same; otherwise QUIT goes to the old server first. A kept connection that
 * the server closed or timed out while idle (EOF, an unsolicited 421) is
 * replaced once, before anything of the new request is sent. A failure
 * that leaves the connection in a known state (a negative reply to SIZE,
 * REST, RETR or a listing command) keeps it; any other failure ends it
 * with ABOR and QUIT.
 * Closing the last reference to the file sends QUIT. Calls on one file
 * (threads, a forked child) are serialized; the wait for the session is
 * interruptible. While a session is open, the module cannot be unloaded.
 *
 * Signals: a fatal signal ends the call at once, and a signal that a
 * handler will catch ends the transfer with EINTR (ABOR and QUIT are sent
 * without waiting). Any other interruption - a stop signal (Ctrl-Z,
 * SIGSTOP), a ptrace attach, the freezer - keeps the transfer in the
 * session and returns -ERESTARTNOHAND, so the kernel restarts the call when
 * the process runs again; the restarted call continues where the transfer
 * stood. A kept transfer is continued only by the same thread, in the same
 * network namespace, with the same request, whose destination is still the
 * same file (the same inode at local_path, the same open file at dest_fd;
 * out fields do not count)
 * and no shorter than what was written; any other call drops it first. It
 * is also let go at the last close of the file, past its @max_time_ms, and
 * when its caller will not come back for it: a caller that died, or that
 * has run for a grace period (the step's timeout, 2 to 30 s) without
 * coming back; while the caller stays stopped, traced or frozen, it waits.
 * A restarted call whose transfer was let go starts over (with
 * KFTP_GET_F_EXCL, it fails with EEXIST: the first call made the file),
 * but for a stream (%KFTP_GET_F_DEST_STREAM) that had been written to,
 * which cannot take the same bytes twice: that call fails with EINTR, or
 * ETIMEDOUT past @max_time_ms. A stream is not checked for its length.
 * A write to a frozen filesystem waits for the thaw.
 *
 * Return:
 * * 0		- Success; @result is written back, and so is every out
 *		  field that the caller's @size holds (@remote_mtime,
 *		  @sha256, @server_hash, @server_sha256, @command_sent),
 *		  0 where the call produced nothing (@remote_mtime:
 *		  %KFTP_MTIME_UNKNOWN). Out fields are ignored on input:
 *		  a struct may be passed again as it came back.
 * * -1		- Failure, with errno set as below. On any failure after the
 *		  struct passed validation, the same is written back too, so
 *		  the caller can show the server's own words. A struct that
 *		  fails validation (EINVAL, E2BIG, EFAULT) gets no write-back,
 *		  nor does a trace_fd that is not open for writing (EBADF),
 *		  a wait for the session that a signal interrupted, a
 *		  restart that the kernel turned into EINTR, or the
 *		  restarted stream call above whose transfer was let go
 *		  (EINTR, ETIMEDOUT): those leave the out fields as they
 *		  were passed in.
 *
 * errno:
 * * EPERM	- The caller lacks CAP_SYS_ADMIN.
 * * EFAULT	- A bad pointer.
 * * EINVAL	- A malformed struct: @size too small, an unknown flag or
 *		  family, a version 3 or 4 flag with a smaller @size, port 0, a
 *		  @command above %KFTP_COMMAND_MAX or from a @size below
 *		  version 5's, a listing with a flag or @resume_offset it
 *		  does not take, a timeout out of range, a string that is empty, not
 *		  NUL-terminated, holds CR or LF, or has anything but NULs
 *		  after its terminator; a reserved field not 0;
 *		  %KFTP_GET_F_DEST_FD with a local_path or with
 *		  %KFTP_GET_F_EXCL; %KFTP_GET_F_EXCL with @resume_offset;
 *		  %KFTP_GET_F_DEST_STREAM without
 *		  %KFTP_GET_F_DEST_FD, or with @resume_offset; a
 *		  @display_name with a control character; a @data_family
 *		  other than 0 or the server's; a port range with
 *		  @data_port_high below @data_port_low; dest_fd not a
 *		  regular file, or opened with O_DIRECT or O_APPEND (a
 *		  stream: opened with O_DIRECT, or a file the kernel cannot
 *		  write to, as some devices); such a trace_fd; local_path
 *		  exists and is not a regular file. Also from connect or
 *		  bind after validation (failed_step tells): an IPv6
 *		  link-local address without a scope id, for example.
 * * E2BIG	- @size larger than this kernel knows, with a non-zero tail,
 *		  or larger than 64 KiB.
 * * ECONNREFUSED, EHOSTUNREACH, ENETUNREACH - The server cannot be reached.
 * * ETIMEDOUT	- A step ran out of time; result.failed_step names it.
 * * EACCES	- Login refused (530, or 332 account required).
 * * ENOENT	- Remote file missing or not readable (550 to RETR; SIZE is
 *		  only advisory); a directory that cannot be listed (550 to a
 *		  listing command, 501 to MLSD: RFC 3659 7.2.1). Some servers
 *		  (vsftpd) list a missing directory as an empty one.
 * * ECONNRESET, ECONNABORTED - The server dropped a connection (421 counts).
 * * EBADMSG	- A reply that is not FTP: a bad code, a line or reply too long;
 *		  or a reply to HASH or XSHA256 that holds no SHA-256 of the
 *		  whole file.
 * * EPROTO	- Any other unexpected reply, or an incomplete transfer (fewer
 *		  or more bytes than SIZE, 426, an early data close).
 * * EBADF	- With %KFTP_GET_F_DEST_FD: dest_fd is not open for writing
 *		  (nor, with %KFTP_GET_F_SHA256 and a @resume_offset, for
 *		  reading); with %KFTP_GET_F_TRACE: trace_fd is not.
 * * ENOPKG	- With %KFTP_GET_F_SHA256: the kernel's crypto API has no
 *		  SHA-256.
 * * EPIPE	- With %KFTP_GET_F_DEST_STREAM: the reader of the pipe (or
 *		  the peer of the socket) went away; the caller also gets
 *		  SIGPIPE, as from write(2).
 * * EINTR	- A signal reached a handler; the transfer was abandoned.
 * * EFBIG	- Past @max_filesize (failed_step SIZE or DATA), or the
 *		  local file's limits (LOCAL_FILE).
 * * ERANGE	- @resume_offset beyond the size that SIZE announced (the
 *		  destination is left untouched), or 554 to RETR after REST;
 *		  with %KFTP_GET_F_SHA256, a destination shorter than
 *		  @resume_offset.
 * * EAFNOSUPPORT - The server cannot open IPv6 data connections (522 to
 *		  EPRT).
 * * EOPNOTSUPP	- The server refused REST (502, 504, 500), or does not
 *		  know the listing command (500, 502).
 * * EADDRINUSE	- Every port of the data port range is in use.
 * * EADDRNOTAVAIL - @data_addr is not an address of this host.
 * * Others	- From the local file: ENOENT, EACCES, EISDIR, ELOOP (the last
 *		  component of local_path is a symlink), ENOSPC, EFBIG, EEXIST
 *		  (with %KFTP_GET_F_EXCL), EROFS, ...
 */
#define KFTP_IOC_GET		_IO(KFTP_IOC_MAGIC, 0x01)

/**
 * DOC: kftp generic netlink family
 *
 * The module registers the generic netlink family %KFTP_GENL_NAME
 * (version %KFTP_GENL_VERSION) with one multicast group,
 * %KFTP_GENL_MCGRP_EVENTS. Every transfer sends, to the network namespace
 * of the process that runs it:
 *
 * * %KFTP_CMD_EVENT_START once, when the size is known (or, if the
 *   transfer fails before that, just before its DONE);
 * * %KFTP_CMD_EVENT_PROGRESS at most 4 times a second while bytes flow
 *   (so at least once a second), only while someone listens; the first
 *   a quarter of a second after the transfer began, so one that ends
 *   sooner (a small file) sends START and DONE only;
 * * %KFTP_CMD_EVENT_DONE once, at its end, success or not.
 *
 * %KFTP_CMD_GET_XFERS, a dump request, lists the transfers running now in
 * the caller's namespace, with PROGRESS's attributes. Joining the group and
 * dumping need CAP_NET_ADMIN in the namespace's user namespace. No
 * message ever holds the user name or the password. A message can be
 * about 8.5 KiB long (both paths at their longest): listeners need a
 * receive buffer of at least 16 KiB (libmnl's MNL_SOCKET_BUFFER_SIZE is
 * too small).
 */
#define KFTP_GENL_NAME		"kftp"
#define KFTP_GENL_VERSION	1
#define KFTP_GENL_MCGRP_EVENTS	"events"

/**
 * enum kftp_genl_cmd - Generic netlink commands of the kftp family.
 * @KFTP_CMD_UNSPEC:		unused
 * @KFTP_CMD_GET_XFERS:		dump request (NLM_F_DUMP): one message of
 *				this command per running transfer
 * @KFTP_CMD_EVENT_START:	event: a transfer started
 * @KFTP_CMD_EVENT_PROGRESS:	event: bytes so far
 * @KFTP_CMD_EVENT_DONE:	event: a transfer ended
 * @__KFTP_CMD_MAX:		one past the last command
 */
enum kftp_genl_cmd {
	KFTP_CMD_UNSPEC,
	KFTP_CMD_GET_XFERS,
	KFTP_CMD_EVENT_START,
	KFTP_CMD_EVENT_PROGRESS,
	KFTP_CMD_EVENT_DONE,
	__KFTP_CMD_MAX,
};

#define KFTP_CMD_MAX	(__KFTP_CMD_MAX - 1)

/**
 * enum kftp_genl_attr - Attributes of kftp's messages. Every message has
 * the first five; the others as listed.
 * @KFTP_A_UNSPEC:	unused
 * @KFTP_A_PAD:		padding for 64-bit attributes
 * @KFTP_A_XFER_ID:	u64: the transfer, unique until the module unloads
 * @KFTP_A_PID:		u32: the thread group that runs it, in its own pid
 *			namespace
 * @KFTP_A_SERVER_ADDR:	binary: the server's address, 4 (IPv4) or 16 (IPv6)
 *			bytes, network order
 * @KFTP_A_SERVER_PORT:	u16: the server's control port, host order
 * @KFTP_A_REMOTE_PATH:	string: the remote path
 * @KFTP_A_LOCAL_PATH:	string, START and dump: display_name when given,
 *			else local_path as given, or the path of dest_fd's
 *			file
 * @KFTP_A_SIZE:	u64, START, PROGRESS and dump: the remote size; absent
 *			while unknown
 * @KFTP_A_RESUME_OFFSET: u64, START and dump: resume_offset
 * @KFTP_A_BYTES:	u64, PROGRESS, DONE and dump: data bytes received so
 *			far
 * @KFTP_A_ELAPSED_MS:	u64, PROGRESS, DONE and dump: milliseconds since the
 *			transfer started (DONE: its duration)
 * @KFTP_A_ERRNO:	u32, DONE: 0, or the positive errno it failed with
 * @KFTP_A_FAILED_STEP:	u32, DONE: &enum kftp_step where it failed, 0 on
 *			success
 * @KFTP_A_REPLY_CODE:	u32, DONE: the last FTP reply code, 0 if none
 * @KFTP_A_STEP:	u32, START, PROGRESS and dump: &enum kftp_step that
 *			the transfer is in now (modules older than version 3
 *			of the request send none)
 * @KFTP_A_SHA256:	binary, DONE: the %KFTP_SHA256_SIZE bytes of the
 *			destination's SHA-256, on success with
 *			%KFTP_GET_F_SHA256
 * @__KFTP_A_MAX:	one past the last attribute
 */
enum kftp_genl_attr {
	KFTP_A_UNSPEC,
	KFTP_A_PAD,
	KFTP_A_XFER_ID,
	KFTP_A_PID,
	KFTP_A_SERVER_ADDR,
	KFTP_A_SERVER_PORT,
	KFTP_A_REMOTE_PATH,
	KFTP_A_LOCAL_PATH,
	KFTP_A_SIZE,
	KFTP_A_RESUME_OFFSET,
	KFTP_A_BYTES,
	KFTP_A_ELAPSED_MS,
	KFTP_A_ERRNO,
	KFTP_A_FAILED_STEP,
	KFTP_A_REPLY_CODE,
	KFTP_A_STEP,
	KFTP_A_SHA256,
	__KFTP_A_MAX,
};

#define KFTP_A_MAX	(__KFTP_A_MAX - 1)

#endif /* _UAPI_LINUX_KFTP_H */

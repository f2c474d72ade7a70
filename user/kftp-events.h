/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kftp-events: the userspace side of the kftp generic netlink family
 * (include/uapi/linux/kftp.h), shared by kftpstat and kftp-get's progress
 * bar. libmnl does the netlink work: resolving the family and its "events"
 * group through the generic netlink controller, joining the group, the
 * dump, and the attribute parsing.
 */
#ifndef KFTP_EVENTS_H
#define KFTP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kftp.h>

/* One message of the family, parsed. Absent attributes leave has_* false. */
struct kftp_event {
	uint8_t cmd;			/* KFTP_CMD_* */
	uint64_t id;
	uint32_t pid;
	int family;			/* AF_INET, AF_INET6, or 0 if absent */
	uint8_t addr[16];
	uint16_t port;
	char remote_path[KFTP_REMOTE_PATH_MAX];
	char local_path[4096];
	bool has_local_path;
	bool has_size;
	uint64_t size;
	bool has_resume_offset;
	uint64_t resume_offset;
	bool has_bytes;
	uint64_t bytes;
	bool has_elapsed;
	uint64_t elapsed_ms;
	bool has_step;			/* START, PROGRESS, dump: the step now */
	uint32_t step;			/* (version 3 modules only) */
	bool has_result;		/* DONE: errno, step, reply code */
	uint32_t err;
	uint32_t failed_step;
	uint32_t reply_code;
	bool has_sha256;		/* DONE, with KFTP_GET_F_SHA256 */
	uint8_t sha256[KFTP_SHA256_SIZE];
};

struct kftp_nl;

/*
 * Open a generic netlink socket and resolve the family. Returns NULL with
 * errno set: ENOENT when the family is not registered (the module is not
 * loaded), or the socket's own error.
 */
struct kftp_nl *kftp_nl_open(void);
void kftp_nl_close(struct kftp_nl *nl);
/* The socket, for poll(). */
int kftp_nl_fd(const struct kftp_nl *nl);

/*
 * Join the "events" group. 0, or -1 with errno: EPERM without
 * CAP_NET_ADMIN in the namespace's user namespace, ENOENT if the family
 * has no such group.
 */
int kftp_nl_join(struct kftp_nl *nl);

/* @ev is valid during the call only: the next message is parsed into it. */
typedef int (*kftp_event_cb)(const struct kftp_event *ev, void *data);

/*
 * The dump: @cb once per transfer running in this network namespace
 * (cmd KFTP_CMD_GET_XFERS). 0, or -1 with errno (EPERM: no CAP_NET_ADMIN).
 * A negative return of @cb stops the dump and is returned.
 */
int kftp_nl_dump(struct kftp_nl *nl, kftp_event_cb cb, void *data);

/*
 * Receive one datagram of events and call @cb for each message in it.
 * Blocks unless the socket is non-blocking. 0, a negative return of @cb,
 * or -1 with errno (ENOBUFS: the socket overflowed and events were lost;
 * the socket stays usable).
 */
int kftp_nl_recv(struct kftp_nl *nl, kftp_event_cb cb, void *data);

/*
 * One datagram of @len bytes, as kftp_nl_recv() handles it: @cb for each
 * message of the family @family_id. Returns as kftp_nl_recv() does; a
 * datagram whose framing is wrong (a length past its end) is refused
 * whole: -1 with errno EBADMSG, @cb not called.
 */
int kftp_nl_parse(const void *buf, size_t len, uint16_t family_id,
		  kftp_event_cb cb, void *data);

/* The bytes at the start of buf that are whole netlink messages. */
size_t kftp_nl_valid_len(const void *buf, size_t len);

/*
 * Parse one message of the family, of which @len bytes are in the buffer
 * (exposed for tests). 0 or -1.
 */
struct nlmsghdr;
int kftp_event_parse(const struct nlmsghdr *nlh, size_t len, struct kftp_event *ev);

/* "START", "PROGRESS", "DONE", "XFER" (the dump), or "?". */
const char *kftp_cmd_name(uint8_t cmd);
/* The enum kftp_step name: "CONNECT", ..., "REST"; "NONE" for 0. */
const char *kftp_step_name(uint32_t step);
/* "ENOENT" and so on; "E<n>" for one without a name, "" for 0. */
const char *kftp_errno_name(uint32_t err, char *buf, size_t size);
/* "127.0.0.1" or "::1"; "?" without an address. */
const char *kftp_event_addr(const struct kftp_event *ev, char *buf, size_t size);

#endif /* KFTP_EVENTS_H */

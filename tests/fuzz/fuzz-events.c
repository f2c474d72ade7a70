// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the netlink side of kftpstat and the progress bar
 * (user/kftp-events.c), on any datagram: the framing, the attribute
 * parsing, and the JSON that kftpstat makes of the strings (checked to be
 * valid UTF-8 with no raw control byte). Messages of type FAMILY are the
 * kftp family's.
 */
#include <string.h>

#include <sys/socket.h>

#include <linux/netlink.h>

#include "kftp-events.h"
#include "fuzz.h"

#define FAMILY	0x20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int seen(const struct kftp_event *ev, void *data)
{
	FUZZ_CHECK(memchr(ev->remote_path, 0, sizeof(ev->remote_path)));
	FUZZ_CHECK(memchr(ev->local_path, 0, sizeof(ev->local_path)));
	FUZZ_CHECK(!ev->family || ev->family == AF_INET || ev->family == AF_INET6);
	fuzz_check_json(ev->remote_path);
	fuzz_check_json(ev->local_path);
	++*(unsigned int *)data;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kftp_event ev;
	unsigned int n = 0;
	/* As recv() leaves it: aligned, exactly size bytes. */
	void *buf = malloc(size ? size : 1);
	int ret;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ret = kftp_nl_parse(buf, size, FAMILY, seen, &n);
	FUZZ_CHECK(ret == 0 || ret == -1);
	/* Bad framing: refused whole, before any message is looked at. */
	if (kftp_nl_valid_len(buf, size) != size)
		FUZZ_CHECK(ret == -1 && n == 0);
	FUZZ_CHECK(kftp_nl_valid_len(buf, size) <= size);
	/* The parser alone, told the truth about the bytes there are. */
	if (size >= NLMSG_HDRLEN)
		kftp_event_parse(buf, size, &ev);
	free(buf);
	return 0;
}

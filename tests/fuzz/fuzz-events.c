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
#include "text.h"
#include "fuzz.h"

#define FAMILY	0x20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_json(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	json_fput(f, s);
	fclose(f);
	FUZZ_CHECK(len >= 2 && buf[0] == '"' && buf[len - 1] == '"');
	FUZZ_CHECK(fuzz_valid_utf8((const unsigned char *)buf, len));
	FUZZ_CHECK(fuzz_no_control((const unsigned char *)buf, len));
	free(buf);
}

static int seen(const struct kftp_event *ev, void *data)
{
	FUZZ_CHECK(memchr(ev->remote_path, 0, sizeof(ev->remote_path)));
	FUZZ_CHECK(memchr(ev->local_path, 0, sizeof(ev->local_path)));
	FUZZ_CHECK(!ev->family || ev->family == AF_INET || ev->family == AF_INET6);
	check_json(ev->remote_path);
	check_json(ev->local_path);
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

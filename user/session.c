// SPDX-License-Identifier: GPL-2.0
/*
 * session: this process's /dev/kftp and what it is logged in to (see
 * session.h). The descriptor is guarded (signals.h): a stop signal
 * poisons it, so that an ioctl that has not started yet fails at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "msgs.h"
#include "session.h"
#include "signals.h"

/* What the open session (fd) is logged in to. */
static struct {
	int fd;
	uint16_t family;
	uint16_t port;
	uint32_t scope_id;
	uint8_t addr[16];
	char user[KFTP_USER_MAX];
	char pass[KFTP_PASSWORD_MAX];
} session = { .fd = -1 };
static bool device_failed;

void session_close(void)
{
	int fd = session.fd;

	signals_guard_fd(-1);
	session.fd = -1;
	if (fd >= 0)
		close(fd);	/* the kernel sends QUIT */
	explicit_bzero(session.pass, sizeof(session.pass));
}

static bool same_session(const struct kftp_get_args *a)
{
	return session.family == a->family && session.port == a->port &&
	       session.scope_id == a->scope_id &&
	       !memcmp(session.addr, a->addr, sizeof(session.addr)) &&
	       !memcmp(session.user, a->user, sizeof(session.user)) &&
	       !memcmp(session.pass, a->password, sizeof(session.pass));
}

int session_for(const struct kftp_get_args *a)
{
	int fd;

	if (session.fd >= 0 && same_session(a))
		return 0;
	session_close();
	fd = open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		say("cannot open " KFTP_DEVICE_PATH ": %s (is the kftp module loaded? "
		    "are you root?)", strerror(err));
		device_failed = true;
		return err;
	}
	session.fd = fd;
	signals_guard_fd(fd);
	session.family = a->family;
	session.port = a->port;
	session.scope_id = a->scope_id;
	memcpy(session.addr, a->addr, sizeof(session.addr));
	memcpy(session.user, a->user, sizeof(session.user));
	memcpy(session.pass, a->password, sizeof(session.pass));
	return 0;
}

int session_fd(void)
{
	return session.fd;
}

bool session_unusable(void)
{
	return device_failed;
}

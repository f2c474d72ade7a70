// SPDX-License-Identifier: GPL-2.0
/*
 * session: this process's /dev/kftp and what it is logged in to (see
 * session.h). The descriptor is guarded (signals.h): a stop signal
 * poisons it, so that an ioctl that has not started yet fails at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "msgs.h"
#include "session.h"
#include "signals.h"
#include "version.h"

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

/* Whether modules.dep of the running kernel lists a kftp module. */
static bool kftp_installed(const char *release)
{
	char path[256], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", release);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':'), *base;

		if (!colon)
			continue;
		*colon = '\0';
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		found = !strncmp(base, "kftp.ko", 7);
	}
	fclose(f);
	return found;
}

/* What a failed open of /dev/kftp means, and what to do about it. */
static void explain_open(int err)
{
	struct utsname u;
	struct stat st;

	say("cannot open " KFTP_DEVICE_PATH ": %s", strerror(err));
	if (err == EACCES || err == EPERM) {
		say("hint: /dev/kftp is for root only: run " PROG " as root (sudo)");
		return;
	}
	if (err != ENOENT)
		return;
	if (!stat("/sys/module/kftp", &st)) {
		say("hint: the kftp module is loaded, but /dev/kftp is missing "
		    "(is devtmpfs mounted on /dev?)");
		return;
	}
	if (uname(&u))
		strcpy(u.release, "?");
	if (kftp_installed(u.release))
		say("hint: the kftp module is not loaded: load it with 'modprobe kftp'");
	else
		say("hint: no kftp module is installed for this kernel (%s): if "
		    "kftp-dkms is installed, 'dkms status kftp' shows whether DKMS "
		    "built it (it needs linux-headers-%s); then 'modprobe kftp'",
		    u.release, u.release);
}

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

int session_for(const struct kftp_get_args *a, bool *fresh)
{
	int fd;

	*fresh = false;
	if (session.fd >= 0 && same_session(a))
		return 0;
	*fresh = true;
	session_close();
	fd = open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		explain_open(err);
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

/*
 * The request version, asked with requests that the module refuses before
 * doing anything: one with a field of version N set (and no server: port
 * 0 fails validation) is EINVAL for a module that knows version N, E2BIG
 * for an older one (its copy_struct_from_user() finds non-zero bytes past
 * what it knows). Version 3's field is reserved4: refused by every module;
 * version 4's is sha256 and version 5's command_sent, out fields that a
 * module ignores once it knows them (port 0 is what it refuses).
 * EPERM: not CAP_SYS_ADMIN (the ioctl checks it first).
 */
static int knows(int fd, struct kftp_get_args *a)
{
	if (!ioctl(fd, KFTP_IOC_GET, a) || errno == EINVAL)
		return 1;
	return errno == E2BIG ? 0 : -errno;
}

static int ask_version(int fd)
{
	struct kftp_get_args a;
	int ret;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.command_sent = 1;			/* version 5: an out field */
	ret = knows(fd, &a);
	if (ret)
		return ret > 0 ? REQUEST_V5 : ret;
	a.command_sent = 0;
	a.sha256[0] = 1;			/* version 4: an out field */
	ret = knows(fd, &a);
	if (ret)
		return ret > 0 ? REQUEST_V4 : ret;
	a.sha256[0] = 0;
	a.reserved4 = 1;			/* version 3 */
	ret = knows(fd, &a);
	if (ret)
		return ret > 0 ? REQUEST_V3 : ret;
	a.reserved4 = 0;
	a.data_port_low = 1;			/* version 2 */
	ret = knows(fd, &a);
	if (ret)
		return ret > 0 ? REQUEST_V2 : ret;
	a.data_port_low = 0;
	a.dest_fd = 1;				/* version 1 */
	ret = knows(fd, &a);
	if (ret)
		return ret > 0 ? REQUEST_V1 : ret;
	return REQUEST_V0;
}

int session_probe(void)
{
	int fd = open(KFTP_DEVICE_PATH, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0) {
		explain_open(errno);
		device_failed = true;
		return -1;
	}
	ret = ask_version(fd);
	close(fd);
	if (ret >= 0)
		return ret;
	device_failed = true;
	if (ret == -EPERM) {
		say("cannot use " KFTP_DEVICE_PATH ": %s", strerror(EPERM));
		say("hint: the kftp module serves root only (CAP_SYS_ADMIN): run "
		    PROG " as root (sudo)");
	} else if (ret == -ENOTTY) {
		say(KFTP_DEVICE_PATH " does not know kftp's request: is it kftp's device?");
	} else {
		say("cannot use " KFTP_DEVICE_PATH ": %s", strerror(-ret));
	}
	return -1;
}

int session_fd(void)
{
	return session.fd;
}

bool session_unusable(void)
{
	return device_failed;
}

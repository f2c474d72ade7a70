// SPDX-License-Identifier: GPL-2.0
/*
 * version: what the loaded module can be asked (see version.h). The
 * module's version comes from session_probe() (session.c), which asks it
 * without side effects; a request that needs more is never sent.
 */
#include <stdio.h>
#include <string.h>

#include "msgs.h"
#include "version.h"

unsigned int request_version(const struct kftp_get_args *a)
{
	if (a->command)
		return REQUEST_V5;
	if (a->flags & (KFTP_GET_F_SHA256 | KFTP_GET_F_SERVER_SHA256))
		return REQUEST_V4;
	if ((a->flags & (KFTP_GET_F_TRACE | KFTP_GET_F_DEST_STREAM)) || a->display_name[0])
		return REQUEST_V3;
	if (a->max_filesize || a->max_time_ms || a->data_family || a->data_port_low ||
	    a->data_port_high || a->resume_offset || (a->flags & KFTP_GET_F_REMOTE_TIME))
		return REQUEST_V2;
	if (a->flags & KFTP_GET_F_DEST_FD)
		return REQUEST_V1;
	return REQUEST_V0;
}

static void add(char *buf, size_t size, const char *name)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n ? ", " : "", name);
}

const char *options_v2(const struct options *opt, char *buf, size_t size)
{
	buf[0] = '\0';
	if (opt->remote_time)
		add(buf, size, "-R");
	if (opt->resume == RESUME_AT)
		add(buf, size, "-C");
	if (opt->data_family || opt->data_port_low)
		add(buf, size, "-P");
	if (opt->max_filesize)
		add(buf, size, "--max-filesize");
	if (opt->max_time_ms)
		add(buf, size, "--max-time");
	return buf;
}

const char *options_v3(const struct options *opt, char *buf, size_t size)
{
	buf[0] = '\0';
	if (opt->to_stdout)
		add(buf, size, "-o - (writing to stdout)");
	if (opt->verbose)
		add(buf, size, "-v");
	return buf;
}

const char *options_v4(const struct options *opt, char *buf, size_t size)
{
	buf[0] = '\0';
	if (opt->checksum_given)
		add(buf, size, "--checksum");
	if (opt->checksums_file)
		add(buf, size, "--checksums");
	if (opt->sha256)
		add(buf, size, "--sha256");
	return buf;
}

void say_too_old(const char *what, unsigned int have, unsigned int need)
{
	say("%s needs a newer kftp module: one that takes requests of version %u "
	    "(the loaded module takes version %u)", what, need, have);
	say("hint: after an upgrade of kftp, reload the module (modprobe -r kftp; "
	    "modprobe kftp), or reboot");
}

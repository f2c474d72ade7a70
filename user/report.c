// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: what a failed KFTP_IOC_GET means. The message names the step
 * that failed (result.failed_step) and the reason, then the first line of
 * the server's last reply; the exit status follows the table of the -h
 * text and kftp-get(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "msgs.h"
#include "report.h"
#include "version.h"

static const struct {
	const char *timeout;	/* the step ran out of time */
	const char *other;	/* any other failure */
} step_texts[] = {
	[KFTP_STEP_GREETING]	= { "timed out waiting for the server's greeting",
				    "no usable greeting from the server" },
	[KFTP_STEP_LOGIN]	= { "timed out logging in", "login failed" },
	[KFTP_STEP_TYPE]	= { "timed out setting binary mode",
				    "the server refused binary mode (TYPE I)" },
	[KFTP_STEP_SIZE]	= { "timed out asking for the file size",
				    "the server refused SIZE" },
	[KFTP_STEP_LISTEN]	= { "timed out opening a local data port",
				    "cannot open a local data port" },
	[KFTP_STEP_PORT]	= { "timed out announcing the data port",
				    "the server refused the data port (PORT/EPRT)" },
	[KFTP_STEP_RETR]	= { "timed out waiting for the download to start",
				    "the server refused the download (RETR)" },
	[KFTP_STEP_ACCEPT]	= { "timed out waiting for the server's data connection",
				    "the data connection failed" },
	[KFTP_STEP_DATA]	= { "the data transfer stalled",
				    "the data transfer failed" },
	[KFTP_STEP_COMPLETE]	= { "timed out waiting for the end of the transfer",
				    "the transfer did not complete" },
	[KFTP_STEP_MDTM]	= { "timed out asking for the file's time (MDTM)",
				    "the server refused MDTM" },
	[KFTP_STEP_REST]	= { "timed out asking the server to resume (REST)",
				    "cannot resume the download (REST)" },
	[KFTP_STEP_FEAT]	= { "timed out asking for the server's features (FEAT)",
				    "the server's features (FEAT) could not be read" },
	[KFTP_STEP_HASH]	= { "timed out waiting for the server's SHA-256",
				    "the server's SHA-256 reply is not a SHA-256 of the "
				    "whole file" },
	[KFTP_STEP_LIST]	= { "timed out waiting for the listing to start",
				    "the server refused the listing" },
};

static bool is_local_errno(int err)
{
	switch (err) {
	case EACCES: case EDQUOT: case EEXIST: case EFBIG: case EISDIR:
	case ELOOP: case ENAMETOOLONG: case ENOENT: case ENOSPC: case ENOTDIR:
	case EROFS: case ETXTBSY:
		return true;
	}
	return false;
}

/* Failures the kernel reports before it reaches any FTP step. */
static const char *early_text(const struct job *job)
{
	switch (job->err) {
	case EPERM:
		return "the kernel refused the request (are you root?)";
	case ENOTTY:
		return KFTP_DEVICE_PATH " does not know this request (version mismatch?)";
	default:
		return "the request failed";
	}
}

static const char *step_text(const struct job *job, char *buf, size_t size)
{
	const struct options *opt = job->opt;
	unsigned int step = job->args.result.failed_step;
	int err = job->err;

	switch (step) {
	case KFTP_STEP_NONE:
		if (!is_local_errno(err))
			return early_text(job);
		/* fall through */
	case KFTP_STEP_LOCAL_FILE:
		snprintf(buf, size, "cannot write '%s'", job->dest);
		return buf;
	case KFTP_STEP_CONNECT:
		snprintf(buf, size, "%s %s", err == ETIMEDOUT ?
			 "timed out connecting to" : "cannot connect to", job->where);
		return buf;
	case KFTP_STEP_LOGIN:
		if (err == EACCES)
			return "login refused";
		break;
	case KFTP_STEP_SIZE:
	case KFTP_STEP_RETR:
		if (err == ENOENT)
			return "remote file missing";
		break;
	case KFTP_STEP_LIST:
		if (err == ENOENT)
			return "remote directory missing or not listable";
		if (err == EOPNOTSUPP)
			return "the server does not know the listing command";
		break;
	case KFTP_STEP_LISTEN:
		if (err == EADDRINUSE && opt->data_port_low) {
			if (opt->data_port_high > opt->data_port_low)
				snprintf(buf, size, "no free data port in %u-%u",
					 opt->data_port_low, opt->data_port_high);
			else
				snprintf(buf, size, "data port %u is in use",
					 opt->data_port_low);
			return buf;
		}
		if (err == EADDRNOTAVAIL && opt->data_family) {
			char a[INET6_ADDRSTRLEN];

			inet_ntop(opt->data_family, opt->data_addr, a, sizeof(a));
			snprintf(buf, size, "cannot listen on %s (-P): not an address "
				 "of this host", a);
			return buf;
		}
		break;
	}
	if (step >= sizeof(step_texts) / sizeof(step_texts[0]) || !step_texts[step].other) {
		snprintf(buf, size, "the transfer failed at step %u", step);
		return buf;
	}
	return err == ETIMEDOUT ? step_texts[step].timeout : step_texts[step].other;
}

int exit_status(int err, unsigned int step)
{
	/* The local file's own errors (EPERM, EINVAL too) come first. */
	if (step == KFTP_STEP_LOCAL_FILE)
		return EXIT_LOCAL;
	if (err == EINVAL)
		return EXIT_USAGE;
	if (err == EPERM || err == E2BIG)
		return EXIT_DEVICE;
	if (err == EFBIG && (step == KFTP_STEP_SIZE || step == KFTP_STEP_DATA))
		return EXIT_FILESIZE;
	if (step == KFTP_STEP_NONE && is_local_errno(err))
		return EXIT_LOCAL;
	if (step == KFTP_STEP_CONNECT)
		return EXIT_CONNECT;
	switch (err) {
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case EACCES:
		return step == KFTP_STEP_LOGIN ? EXIT_LOGIN : EXIT_PROTO;
	case ENOENT:
		return EXIT_NOFILE;
	case ERANGE: case EOPNOTSUPP:	/* REST: only a resume gets them */
		return step == KFTP_STEP_LIST ? EXIT_PROTO : EXIT_RESUME;
	case EADDRINUSE: case EADDRNOTAVAIL:
		return EXIT_CONNECT;
	case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: case ENETDOWN:
		return step == KFTP_STEP_NONE ? EXIT_CONNECT : EXIT_PROTO;
	case ECONNRESET: case ECONNABORTED: case EBADMSG: case EPROTO: case EPIPE:
		return EXIT_PROTO;
	}
	return EXIT_OTHER;
}

/* The kernel may or may not repeat the code in the text; show it once. */
const char *report_reply(const struct kftp_get_result *res, char *buf, size_t size)
{
	char code[4];
	const char *text = res->reply_text;
	size_t len = strnlen(text, sizeof(res->reply_text));

	buf[0] = '\0';
	if (!res->reply_code)
		return NULL;
	while (len && text[len - 1] == ' ')
		len--;
	snprintf(code, sizeof(code), "%03u", res->reply_code % 1000);
	if (!strncmp(text, code, 3) && (len == 3 || text[3] == ' ' || text[3] == '-'))
		snprintf(buf, size, "%.*s", (int)len, text);
	else
		snprintf(buf, size, "%s %.*s", code, (int)len, text);
	return buf;
}

static void show_server_reply(const struct kftp_get_result *res)
{
	char buf[KFTP_REPLY_TEXT_MAX + 8];

	if (report_reply(res, buf, sizeof(buf)))
		say("server said: %s", buf);
}

/* Failures that the options explain better than the step does. */
static bool report_special(const struct job *job)
{
	const struct kftp_get_result *res = &job->args.result;
	const struct options *opt = job->opt;
	unsigned int step = res->failed_step;
	int err = job->err;

	if (err == EFBIG && step == KFTP_STEP_DATA && job->args.command) {
		say("the listing is larger than %llu bytes: stopped there",
		    (unsigned long long)job->args.max_filesize);
		return true;
	}
	if (err == EFBIG && (step == KFTP_STEP_SIZE || step == KFTP_STEP_DATA)) {
		if (res->remote_size != KFTP_SIZE_UNKNOWN)
			say("the file (%llu bytes) is larger than --max-filesize (%llu bytes)",
			    (unsigned long long)res->remote_size,
			    (unsigned long long)opt->max_filesize);
		else
			say("the file is larger than --max-filesize (%llu bytes): stopped "
			    "after %llu bytes", (unsigned long long)opt->max_filesize,
			    (unsigned long long)res->bytes_written);
		return true;
	}
	if (err == ERANGE && job->inplace) {
		if (res->remote_size != KFTP_SIZE_UNKNOWN)
			say("cannot continue '%s' at byte %llu: the remote file has only "
			    "%llu bytes; '%s' is left untouched", job->dest,
			    (unsigned long long)job->resume_offset,
			    (unsigned long long)res->remote_size, job->dest);
		else
			say("cannot continue '%s' at byte %llu: the server says that is "
			    "past the end of the file; '%s' is left untouched", job->dest,
			    (unsigned long long)job->resume_offset, job->dest);
		show_server_reply(res);
		return true;
	}
	if (err == EOPNOTSUPP && job->inplace) {
		say("the server cannot resume downloads (it refused REST); the partial "
		    "file '%s' is kept", job->dest);
		show_server_reply(res);
		return true;
	}
	if (err == ETIMEDOUT && opt->max_time_ms &&
	    job->elapsed_ms + 50 >= opt->max_time_ms) {
		say("--max-time (%u.%03u s) reached: %s", opt->max_time_ms / 1000,
		    opt->max_time_ms % 1000, step < sizeof(step_texts) / sizeof(step_texts[0]) &&
		    step_texts[step].timeout ? step_texts[step].timeout : "timed out");
		return true;
	}
	return false;
}

const char *report_reason(const struct job *job, char *buf, size_t size)
{
	char step[sizeof(job->where) + KFTP_LOCAL_PATH_MAX];
	char reply[KFTP_REPLY_TEXT_MAX + 8];
	size_t n;

	snprintf(buf, size, "%s: %s", step_text(job, step, sizeof(step)),
		 strerror(job->err));
	n = strlen(buf);
	if (report_reply(&job->args.result, reply, sizeof(reply)))
		snprintf(buf + n, size - n, " (server said: %s)", reply);
	return buf;
}

void report_failure(const struct job *job)
{
	char buf[sizeof(job->where) + KFTP_LOCAL_PATH_MAX];

	if (report_special(job))
		return;
	/*
	 * The module's version was asked before (version.h): a request it
	 * cannot take is not sent, and E2BIG is a module replaced since.
	 */
	if (job->err == E2BIG) {
		say_too_old("this request", (unsigned int)job->module_version,
			    request_version(&job->args));
		return;
	}
	/* After validation (a step is named), EINVAL is connect's or bind's. */
	if (job->err == EINVAL && job->args.result.failed_step == KFTP_STEP_NONE) {
		say("the kernel refused the request as invalid (CR, LF or bad field?)");
	} else if (job->err == EINVAL && job->args.family == AF_INET6 &&
		 !job->args.scope_id && job->args.addr[0] == 0xfe &&
		 (job->args.addr[1] & 0xc0) == 0x80) {
		say("%s: %s (a link-local address needs a zone: [fe80::1%%25eth0])",
		    step_text(job, buf, sizeof(buf)), strerror(job->err));
	} else {
		say("%s: %s", step_text(job, buf, sizeof(buf)), strerror(job->err));
	}
	show_server_reply(&job->args.result);
	if (job->err == ETIMEDOUT && job->args.result.failed_step == KFTP_STEP_ACCEPT)
		say("hint: in active mode the server opens the data connection to "
		    "this host; a firewall or NAT between them can drop it. Open the "
		    "port to the server, or choose one with -P ADDR:LOW-HIGH and "
		    "open that range");
}

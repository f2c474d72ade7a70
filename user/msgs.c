// SPDX-License-Identifier: GPL-2.0
/*
 * msgs: kftp-get's messages (see msgs.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kftp.h>

#include "msgs.h"
#include "text.h"

/* Of a URL shown before a message: the rest is cut ("..."). */
#define PREFIX_MAX		1024
#define MESSAGE_MAX		(2 * KFTP_LOCAL_PATH_MAX + PREFIX_MAX)

static const char *msg_prefix;
static jmp_buf *job_jmp;

void msg_url(const char *shown)
{
	msg_prefix = shown;
}

void msg_catch(jmp_buf *env)
{
	job_jmp = env;
}

/*
 * Every piece is bounded (a URL from an -i list can be longer than the
 * whole buffer), and the message is escaped.
 */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char raw[MESSAGE_MAX], buf[sizeof(PROG) + 2 + 4 * MESSAGE_MAX];
	size_t n = 0, cut;
	int m;

	if (prefix) {
		cut = strlen(prefix);
		if (cut > PREFIX_MAX) {
			cut = PREFIX_MAX - 3;
			/* Not in the middle of a UTF-8 character. */
			while (cut && (prefix[cut] & 0xc0) == 0x80)
				cut--;
		}
		m = snprintf(raw, sizeof(raw), "%.*s%s: ", (int)cut, prefix,
			     cut < strlen(prefix) ? "..." : "");
		n = m < 0 ? 0 : (size_t)m;	/* < PREFIX_MAX + 6: fits */
	}
	m = vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	if (m > 0)
		n += (size_t)m < sizeof(raw) - n ? (size_t)m : sizeof(raw) - n - 1;
	memcpy(buf, PROG ": ", sizeof(PROG) + 1);
	n = sizeof(PROG) + 1 + text_escape(buf + sizeof(PROG) + 1,
					   sizeof(buf) - sizeof(PROG) - 2, raw, n);
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(msg_prefix, fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(NULL, fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(msg_prefix, fmt, ap);
	va_end(ap);
	if (job_jmp)
		longjmp(*job_jmp, status);
	if (status == EXIT_USAGE)
		fputs("Try '" PROG " --help' for more information.\n", stderr);
	exit(status);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * What the harnesses of url.c and netrc.c need from kftp-get.c: die()
 * returns to the harness (fuzz_jmp) instead of exiting, and every message
 * is formatted (its arguments are used) but not printed.
 */
#include <stdarg.h>

#include "kftp-get.h"
#include "fuzz.h"

jmp_buf fuzz_jmp;
struct options opt;

static void format(const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
}

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format(fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format(fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format(fmt, ap);
	va_end(ap);
	longjmp(fuzz_jmp, status ? status : 1);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * errno_name(): an errno as its symbolic name, for the reports of the
 * ioctl fuzzer and the allocation-failure driver.
 */
#ifndef KFTP_TESTS_ERRNO_NAME_H
#define KFTP_TESTS_ERRNO_NAME_H

#include <stdio.h>
#include <string.h>

/* "ENOENT" for ENOENT, @zero for 0, "errnoN" where glibc knows no name. */
static inline const char *errno_name(int e, const char *zero)
{
	static char buf[24];	/* "errno-2147483648" */
	const char *n;

	if (e == 0)
		return zero;
	n = strerrorname_np(e);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * help: kftp-get -h (help.c). Below it: defaults.h and msgs.h (PROG).
 */
#ifndef KFTP_HELP_H
#define KFTP_HELP_H

/* The options, the URL form, what happens to files, the exit statuses. */
void help_usage(void);

#endif /* KFTP_HELP_H */

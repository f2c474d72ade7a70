/* SPDX-License-Identifier: GPL-2.0 */
/*
 * report: what a failed KFTP_IOC_GET means, to the user and as an exit
 * status (report.c). Below it: msgs.
 */
#ifndef KFTP_REPORT_H
#define KFTP_REPORT_H

#include "job.h"

/* The exit status of a failed ioctl: its errno and failed step. */
int exit_status(int err, unsigned int step);
/* The failure's message, then the server's last reply. */
void report_failure(const struct job *job);
/* The failure in one line: "STEP: ERROR (server said: REPLY)". */
const char *report_reason(const struct job *job, char *buf, size_t size);
/* The last reply, its code once ("550 Failed to open file."); NULL if none. */
const char *report_reply(const struct kftp_get_result *res, char *buf, size_t size);

#endif /* KFTP_REPORT_H */

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

#endif /* KFTP_REPORT_H */

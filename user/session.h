/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session: this process's /dev/kftp (session.c). An open /dev/kftp is a
 * session, whose control connection the kernel keeps logged in between
 * ioctls: consecutive URLs of one server and login use one descriptor,
 * so that 200 files cost one login; another server or login gets a fresh
 * descriptor (closing the old one sends QUIT). Each -Z worker has its own.
 * Below it: msgs, signals.
 */
#ifndef KFTP_SESSION_H
#define KFTP_SESSION_H

#include <stdbool.h>

#include <linux/kftp.h>

/*
 * Before any download, once for the run (so -Z workers do not each say
 * it): open /dev/kftp and ask the module, without side effects, which
 * request version it takes. The version (REQUEST_V0..), or -1 after
 * saying why /dev/kftp is of no use and what to do (session_unusable()
 * is true from then on).
 */
int session_probe(void);
/*
 * A session for the request in a: the open one when it is for the same
 * server and login, else a fresh /dev/kftp (*fresh: which). 0, or an errno
 * (reported).
 */
int session_for(const struct kftp_get_args *a, bool *fresh);
/* The session's descriptor, for the ioctl. */
int session_fd(void);
/* Close it (the kernel sends QUIT) and forget its password. */
void session_close(void);
/* /dev/kftp could not be opened: no other download can work. */
bool session_unusable(void);

#endif /* KFTP_SESSION_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * signals: how kftp-get stops (signals.c). SIGINT, SIGTERM and SIGHUP
 * (unless ignored at start) stop everything: the handler dup2()s
 * /dev/null over the guarded descriptor (the session's /dev/kftp), so
 * that an ioctl not yet started fails at once, and one under way returns
 * EINTR; the -Z parent forwards the signal to its workers. After the
 * cleanup, kftp-get dies by that signal. Stop signals (Ctrl-Z, SIGSTOP,
 * SIGCONT) get no handler: the kernel keeps the transfer and restarts the
 * ioctl when the process continues. Uses nothing else of kftp-get.
 */
#ifndef KFTP_SIGNALS_H
#define KFTP_SIGNALS_H

#include <stdbool.h>
#include <sys/types.h>

/* The handlers, and /dev/null for the poisoning. */
void signals_install(void);
/* The stop signal caught so far, or 0. */
int signals_caught(void);
/* The descriptor to poison on a signal (-1: none). */
void signals_guard_fd(int fd);
/* The -Z parent: forward a stop signal to pid too (until forgotten). */
void signals_forward_to(pid_t pid);
/* ... no longer; false if pid was not one of them. */
bool signals_forget(pid_t pid);
/* In a new worker: forward to nobody. */
void signals_forget_all(void);
/* Hold off the stop signals (while a file is put in place), or not. */
void signals_block(bool block);
/*
 * The end of the run: without a signal, status; after one, die by it (a
 * shell running us then stops too); 128+N is only the fallback.
 */
int signals_finish(int status);

#endif /* KFTP_SIGNALS_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * signals: see signals.h. The poisoning closes the race between the last
 * check of the caught signal and the ioctl without blocking signals across
 * the ioctl: a signal before the ioctl starts makes it fail at once
 * (ENOTTY on /dev/null) instead of running a whole transfer that the user
 * already asked to stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "defaults.h"
#include "signals.h"

static volatile sig_atomic_t got_signal;
static volatile int guarded_fd = -1;
static int null_fd = -1;
/* The -Z parent's workers, to forward a stop signal to; 0 = none. */
static volatile pid_t workers[PARALLEL_MAX];

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP	(sizeof(stop_signals) / sizeof(stop_signals[0]))

static void on_signal(int sig)
{
	int saved = errno;
	size_t i;

	got_signal = sig;
	/* Poison the device: an ioctl not yet started fails at once. */
	if (guarded_fd >= 0 && null_fd >= 0)
		dup2(null_fd, guarded_fd);
	/* The -Z parent: the workers stop too (a kill to the parent alone). */
	for (i = 0; i < PARALLEL_MAX; i++)
		if (workers[i] > 0)
			kill(workers[i], sig);
	errno = saved;
}

/*
 * No SA_RESTART: the ioctl must come back with EINTR, not start over. The
 * stop signals (SIGTSTP, SIGSTOP, SIGCONT) keep their default actions: the
 * kernel restarts a stopped transfer by itself.
 */
void signals_install(void)
{
	struct sigaction sa;
	size_t i;

	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSTOP; i++)
		sigaddset(&sa.sa_mask, stop_signals[i]);
	for (i = 0; i < NSTOP; i++) {
		struct sigaction old;

		/* Ignored when we started (nohup, a shell's `trap '' INT`): stays so. */
		if (!sigaction(stop_signals[i], NULL, &old) &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[i], &sa, NULL);
	}
	/*
	 * Past RLIMIT_FSIZE the kernel's write fails with EFBIG; SIGXFSZ would
	 * kill us first, leaving the temp file behind.
	 */
	signal(SIGXFSZ, SIG_IGN);
}

int signals_caught(void)
{
	return got_signal;
}

void signals_guard_fd(int fd)
{
	guarded_fd = fd;
}

void signals_forward_to(pid_t pid)
{
	size_t i;

	for (i = 0; i < PARALLEL_MAX; i++)
		if (!workers[i]) {
			workers[i] = pid;
			return;
		}
}

bool signals_forget(pid_t pid)
{
	bool found = false;
	size_t i;

	for (i = 0; i < PARALLEL_MAX; i++)
		if (workers[i] == pid) {
			workers[i] = 0;
			found = true;
		}
	return found;
}

void signals_forget_all(void)
{
	size_t i;

	for (i = 0; i < PARALLEL_MAX; i++)
		workers[i] = 0;
}

void signals_block(bool block)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < NSTOP; i++)
		sigaddset(&set, stop_signals[i]);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int signals_finish(int status)
{
	int sig = got_signal;

	if (!sig)
		return status;
	fflush(NULL);
	signal(sig, SIG_DFL);
	signals_block(false);
	raise(sig);
	return 128 + sig;
}

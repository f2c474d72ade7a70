// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-shim.so: an LD_PRELOAD library for the guest suite's kftp-get cases
 * (tests/guest/cli.sh). It changes nothing unless told to by the
 * environment:
 *
 *   KFTP_SHIM_IOCTL_DELAY_MS=N  sleep N ms (the whole N, even when a signal
 *                               interrupts the sleep) before the real
 *                               ioctl(KFTP_IOC_GET): a window in which a
 *                               signal reaches kftp-get after its last
 *                               check and before the kernel runs
 *   KFTP_SHIM_MARK=FILE         create FILE when that delay starts, so the
 *                               test knows when to send its signal
 *   KFTP_SHIM_NO_TMPFILE=1      open() or openat() with O_TMPFILE fails
 *                               with EOPNOTSUPP, as on a filesystem
 *                               without it
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/kftp.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);

static void delay_ms(long ms)
{
	struct timespec left = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&left, &left) && errno == EINTR)
		;
}

int ioctl(int fd, unsigned long req, ...)
{
	static ioctl_fn real;
	const char *delay, *mark;
	va_list ap;
	void *arg;
	int saved, mfd;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real)
		real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	delay = getenv("KFTP_SHIM_IOCTL_DELAY_MS");
	if (req == KFTP_IOC_GET && delay) {
		saved = errno;
		mark = getenv("KFTP_SHIM_MARK");
		if (mark) {
			mfd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (mfd >= 0)
				close(mfd);
		}
		delay_ms(atol(delay));
		errno = saved;
	}
	return real(fd, req, arg);
}

static int no_tmpfile(int flags)
{
	const char *no = getenv("KFTP_SHIM_NO_TMPFILE");

	if ((flags & O_TMPFILE) == O_TMPFILE && no && *no == '1') {
		errno = EOPNOTSUPP;
		return 1;
	}
	return 0;
}

static int shim_open(const char *name, const char *path, int flags, mode_t mode)
{
	open_fn real = (open_fn)dlsym(RTLD_NEXT, name);

	return no_tmpfile(flags) ? -1 : real(path, flags, mode);
}

/* kftp-get opens everything relative to the directory's descriptor. */
static int shim_openat(const char *name, int dirfd, const char *path, int flags,
		       mode_t mode)
{
	openat_fn real = (openat_fn)dlsym(RTLD_NEXT, name);

	return no_tmpfile(flags) ? -1 : real(dirfd, path, flags, mode);
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		(mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return shim_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return shim_open("open64", path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return shim_openat("openat", dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return shim_openat("openat64", dirfd, path, flags, mode);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The dialogue trace (KFTP_GET_F_TRACE, kftp-get -v): the commands sent,
 * the reply lines read and a few "* " lines about the connections,
 * written to the caller's trace_fd as they happen, as curl -v shows them.
 * Only the process that asked sees them; without the flag, each trace
 * point is a NULL test.
 *
 * Who owns what, and what ends it:
 * - x->trace: the transfer's reference to trace_fd's file, taken in the
 *   caller's context when the transfer begins (a later dup2() over the fd
 *   does not move it), dropped with the transfer (kftp_xfer_free(); fput()
 *   is safe from a kworker and at release).
 * - c->trace: the control connection borrows it only while a call of the
 *   transfer runs (attach/detach in the ioctl), so nothing is traced from
 *   a kworker or at release, where the caller is not listening, and a
 *   session's next caller never writes to an earlier caller's file.
 *
 * A line is written as write(2) would write it; one that cannot be (a full
 * pipe and a signal, a reader gone) is lost, and the transfer goes on.
 * Nothing from the server reaches the file unescaped (%pE), so a hostile
 * reply cannot drive the caller's terminal.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/stdarg.h>
#include <linux/uio.h>

#include "kftp_internal.h"

int kftp_trace_get(struct kftp_xfer *x)
{
	struct file *file;

	if (!(x->args->flags & KFTP_GET_F_TRACE))
		return 0;
	file = fget(x->args->trace_fd);
	if (!file)
		return -EBADF;
	if (!(file->f_mode & FMODE_WRITE)) {
		fput(file);
		return -EBADF;
	}
	if (!kftp_file_writable(file)) {
		fput(file);
		return -EINVAL;
	}
	x->trace = file;
	return 0;
}

void kftp_trace_put(struct kftp_xfer *x)
{
	if (x->trace)
		fput(x->trace);
	x->trace = NULL;
}

void kftp_trace_attach(struct kftp_xfer *x)
{
	x->sess->ctrl.trace = x->trace;
}

void kftp_trace_detach(struct kftp_xfer *x)
{
	x->sess->ctrl.trace = NULL;
}

void kftp_trace(struct kftp_ctrl *c, const char *fmt, ...)
{
	struct iov_iter it;
	struct kvec vec;
	va_list ap;
	char *line;
	ssize_t n;

	if (!c->trace)
		return;
	va_start(ap, fmt);
	line = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!line)
		return;
	vec.iov_base = line;
	vec.iov_len = strlen(line);
	iov_iter_kvec(&it, ITER_SOURCE, &vec, 1, vec.iov_len);
	/*
	 * One write, as a line should be; a short one loses the rest. A
	 * signal loses this line only; any other failure (the reader gone:
	 * EPIPE, and SIGPIPE as write(2) gets) ends the trace for the call.
	 */
	n = kftp_file_stream_write(c->trace, &it);
	if (n < 0 && !kftp_interrupted(n) && n != -EAGAIN)
		c->trace = NULL;
	kfree(line);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * progress: the progress bar, and the thread that draws it from the kftp
 * events of this process's own transfer. See progress.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kftp-events.h"
#include "progress.h"
#include "text.h"

/* The rate is measured over about this much of the recent past. */
#define RATE_WINDOW_MS		5000
#define BAR_MAX			40
#define BAR_MIN			10

/* ---- formatting -------------------------------------------------------- */

/*
 * A double to an integer without undefined behaviour: NaN and negative
 * values are 0, values past the range UINT64_MAX (a rate or an ETA from
 * absurd numbers that a server or the kernel reported).
 */
static uint64_t clamp_u64(double v)
{
	if (!(v > 0))
		return 0;
	if (v >= 18446744073709551616.0)	/* 2^64 */
		return UINT64_MAX;
	return (uint64_t)v;
}

unsigned int progress_percent(uint64_t done, uint64_t size)
{
	if (done >= size)
		return 100;
	/* done < size: done * 100 / size without the product wrapping... */
	if (done <= UINT64_MAX / 100)
		return (unsigned int)(done * 100 / size);
	/* ... or nearly (size > 2^57 here): never 100 before the end. */
	done /= size / 100;
	return done > 99 ? 99 : (unsigned int)done;
}

const char *progress_fmt_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%u B", (unsigned int)bytes);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	/* 99.95 would print as "100.0": switch to no decimals first. */
	snprintf(buf, size, v < 99.95 ? "%.1f %s" : "%.0f %s", v, units[u]);
	return buf;
}

const char *progress_fmt_rate(char *buf, size_t size, uint64_t bytes, uint64_t ms)
{
	char b[32];

	if (!ms) {
		snprintf(buf, size, "-");
		return buf;
	}
	progress_fmt_bytes(b, sizeof(b), clamp_u64((double)bytes * 1000 / (double)ms));
	snprintf(buf, size, "%s/s", b);
	return buf;
}

const char *progress_fmt_duration(char *buf, size_t size, uint64_t s)
{
	if (s < 60)
		snprintf(buf, size, "%us", (unsigned int)s);
	else if (s < 3600)
		snprintf(buf, size, "%um%02us", (unsigned int)(s / 60),
			 (unsigned int)(s % 60));
	else
		snprintf(buf, size, "%lluh%02um", (unsigned long long)(s / 3600),
			 (unsigned int)(s % 3600 / 60));
	return buf;
}

/* ---- the bar ------------------------------------------------------------- */

void progress_init(struct progress *p, FILE *out, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	/* Drawn on a terminal: no control byte of a file name gets there raw. */
	name = name ? name : "";
	text_escape(p->name, sizeof(p->name), name, strlen(name));
}

/* Columns to fill: one less than the terminal's, so that nothing wraps. */
static size_t line_width(const struct progress *p)
{
	struct winsize ws;

	if (!ioctl(fileno(p->out), TIOCGWINSZ, &ws) && ws.ws_col >= 20)
		return (size_t)ws.ws_col - 1;
	return 79;
}

static void draw(struct progress *p, const char *line)
{
	size_t len = strlen(line);

	fprintf(p->out, "\r%s", line);
	if (len < p->drawn)	/* blank what the last, longer line left */
		fprintf(p->out, "%*s", (int)(p->drawn - len), "");
	fflush(p->out);
	p->drawn = len ? len : 1;
}

void progress_clear(struct progress *p)
{
	if (!p->drawn)
		return;
	fprintf(p->out, "\r%*s\r", (int)p->drawn, "");
	fflush(p->out);
	p->drawn = 0;
}

/* Bytes per second over the recent samples (all of it at first). */
static void rate_sample(struct progress *p, uint64_t received, uint64_t ms)
{
	unsigned int keep = 0, i;

	if (p->nsamples == PROGRESS_SAMPLES) {
		memmove(p->sample_bytes, p->sample_bytes + 1,
			sizeof(p->sample_bytes[0]) * (PROGRESS_SAMPLES - 1));
		memmove(p->sample_ms, p->sample_ms + 1,
			sizeof(p->sample_ms[0]) * (PROGRESS_SAMPLES - 1));
		p->nsamples--;
	}
	p->sample_bytes[p->nsamples] = received;
	p->sample_ms[p->nsamples] = ms;
	p->nsamples++;
	/* Drop samples older than the window, keeping one that spans it. */
	for (i = 0; i + 1 < p->nsamples; i++)
		if (ms - p->sample_ms[i + 1] >= RATE_WINDOW_MS)
			keep = i + 1;
	if (keep) {
		memmove(p->sample_bytes, p->sample_bytes + keep,
			sizeof(p->sample_bytes[0]) * (p->nsamples - keep));
		memmove(p->sample_ms, p->sample_ms + keep,
			sizeof(p->sample_ms[0]) * (p->nsamples - keep));
		p->nsamples -= keep;
	}
}

static void rate_now(const struct progress *p, uint64_t received, uint64_t ms,
		     uint64_t *rbytes, uint64_t *rms)
{
	if (p->nsamples >= 2 && ms - p->sample_ms[0] >= 500) {
		*rbytes = received - p->sample_bytes[0];
		*rms = ms - p->sample_ms[0];
	} else {
		*rbytes = received;
		*rms = ms;
	}
}

/* The name, cut from the left to at most @max columns. */
static void put_name(char *dst, size_t size, const char *name, size_t max)
{
	size_t len = strlen(name);

	if (len <= max || max < 4)
		snprintf(dst, size, "%.*s", (int)max, name);
	else
		snprintf(dst, size, "...%s", name + len - (max - 3));
}

static void compose(struct progress *p, bool final, uint64_t done, bool has_size,
		    uint64_t size, uint64_t rbytes, uint64_t rms, uint64_t elapsed_ms)
{
	char line[512], name[PROGRESS_NAME_MAX], bytes[32], rate[40], tail[40], d[24];
	char bar[BAR_MAX + 3];
	size_t width = line_width(p), right, room, barw = 0, i, fill;
	unsigned int pct = 0;
	uint64_t eta;

	if (width > sizeof(line) - 1)
		width = sizeof(line) - 1;
	progress_fmt_bytes(bytes, sizeof(bytes), done);
	progress_fmt_rate(rate, sizeof(rate), rbytes, rms);
	tail[0] = '\0';
	if (final) {
		snprintf(tail, sizeof(tail), "in %s",
			 progress_fmt_duration(d, sizeof(d), (elapsed_ms + 500) / 1000));
	} else if (has_size && rbytes && rms && p->nsamples >= 2) {
		eta = size > done ? clamp_u64((double)(size - done) * (double)rms /
					      (double)rbytes / 1000 + 0.5) : 0;
		snprintf(tail, sizeof(tail), "ETA %s",
			 progress_fmt_duration(d, sizeof(d), eta));
	} else if (has_size) {	/* no ETA from the first sample alone */
		snprintf(tail, sizeof(tail), "ETA -");
	}
	if (has_size)
		pct = progress_percent(done, size);

	/* "  23.7 MiB  10.2 MiB/s  ETA 4s", then the name, percent and bar. */
	/* A fixed room for the tail, so that the bar keeps its length. */
	right = 2 + 9 + 2 + 12 + (has_size ? 2 + 11 : 0);
	room = width > right ? width - right : 0;
	if (has_size) {
		room = room > 5 ? room - 5 : 0;	/* " 100%" */
		/* The name first (up to half), the bar takes what is left. */
		i = strlen(p->name) < room / 2 ? strlen(p->name) : room / 2;
		if (room > i + 3 + BAR_MIN)
			barw = room - i - 3 > BAR_MAX ? BAR_MAX : room - i - 3;
		put_name(name, sizeof(name), p->name, barw ? room - barw - 3 : room);
	} else {
		put_name(name, sizeof(name), p->name, room);
	}
	bar[0] = '\0';
	if (barw) {
		fill = pct * barw / 100;
		bar[0] = '[';
		for (i = 0; i < barw; i++)
			bar[i + 1] = i < fill ? '=' : (i == fill ? '>' : ' ');
		if (fill == barw)
			bar[barw] = '=';
		bar[barw + 1] = ']';
		bar[barw + 2] = '\0';
	}
	if (has_size)
		snprintf(line, sizeof(line), "%s %3u%%%s%s  %9s  %12s%s%s", name,
			 pct, barw ? " " : "", bar, bytes, rate,
			 tail[0] ? "  " : "", tail);
	else
		snprintf(line, sizeof(line), "%s  %9s  %12s", name, bytes, rate);
	draw(p, line);
}

void progress_update(struct progress *p, uint64_t done, bool has_size,
		     uint64_t size, uint64_t received, uint64_t elapsed_ms)
{
	uint64_t rb, rms;

	rate_sample(p, received, elapsed_ms);
	rate_now(p, received, elapsed_ms, &rb, &rms);
	compose(p, false, done, has_size, size, rb, rms, elapsed_ms);
}

void progress_finish(struct progress *p, bool ok, uint64_t done, bool has_size,
		     uint64_t size, uint64_t received, uint64_t elapsed_ms)
{
	if (!ok) {
		progress_clear(p);
		return;
	}
	/* The average over the whole transfer, and 100 % of what came. */
	compose(p, true, done, has_size, size, received, elapsed_ms, elapsed_ms);
	fputc('\n', p->out);
	fflush(p->out);
	p->drawn = 0;
}

/* ---- the watcher ----------------------------------------------------------- */

struct progress_watch {
	struct kftp_nl *nl;
	struct progress bar;
	pthread_t thread;
	int wake[2];		/* the main thread writes to [1] to stop us */
	pid_t pid;
	uint16_t port;
	char remote_path[KFTP_REMOTE_PATH_MAX];
	bool matched;
	uint64_t id;
	uint64_t offset;
	bool has_size;
	uint64_t size;
	uint64_t received;
	uint64_t elapsed_ms;
	bool done;
	uint32_t err;
};

static int watch_event(const struct kftp_event *ev, void *data)
{
	struct progress_watch *w = data;

	if (ev->cmd == KFTP_CMD_GET_XFERS || w->done)
		return 0;
	if (!w->matched) {
		if (ev->pid != (uint32_t)w->pid || ev->port != w->port ||
		    strcmp(ev->remote_path, w->remote_path))
			return 0;
		w->matched = true;
		w->id = ev->id;
	} else if (ev->id != w->id) {
		return 0;
	}
	if (ev->has_resume_offset)
		w->offset = ev->resume_offset;
	if (ev->has_size) {
		w->has_size = true;
		w->size = ev->size;
	}
	if (ev->has_bytes)
		w->received = ev->bytes;
	if (ev->has_elapsed)
		w->elapsed_ms = ev->elapsed_ms;
	if (ev->cmd == KFTP_CMD_EVENT_DONE) {
		w->done = true;
		w->err = ev->has_result ? ev->err : 0;
	} else {
		progress_update(&w->bar, w->offset + w->received, w->has_size,
				w->size, w->received, w->elapsed_ms);
	}
	return 0;
}

static bool readable(int fd, int timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout) == 1 && (pfd.revents & POLLIN);
}

static void *watch_thread(void *arg)
{
	struct progress_watch *w = arg;
	int fd = kftp_nl_fd(w->nl);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = w->wake[0], .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* ENOBUFS (events lost) is not the end: go on with the next. */
		if ((pfd[0].revents & POLLIN) &&
		    kftp_nl_recv(w->nl, watch_event, w) < 0 && errno != ENOBUFS)
			break;
		if (pfd[1].revents) {
			/* The ioctl returned: its DONE is queued already. */
			while (!w->done && readable(fd, 0))
				if (kftp_nl_recv(w->nl, watch_event, w) < 0 &&
				    errno != ENOBUFS)
					break;
			break;
		}
	}
	return NULL;
}

struct progress_watch *progress_watch_start(FILE *out, const char *name,
					    uint16_t port, const char *remote_path)
{
	struct progress_watch *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	if (!w)
		return NULL;
	w->wake[0] = w->wake[1] = -1;
	progress_init(&w->bar, out, name);
	w->pid = getpid();
	w->port = port;
	snprintf(w->remote_path, sizeof(w->remote_path), "%s", remote_path);
	w->nl = kftp_nl_open();
	if (!w->nl || kftp_nl_join(w->nl) || pipe2(w->wake, O_CLOEXEC))
		goto fail;
	/* Signals are the main thread's: its ioctl must see them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, watch_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto fail;
	return w;
fail:
	if (w->wake[0] >= 0) {
		close(w->wake[0]);
		close(w->wake[1]);
	}
	kftp_nl_close(w->nl);
	free(w);
	return NULL;
}

void progress_watch_stop(struct progress_watch *w)
{
	ssize_t n;

	if (!w)
		return;
	do
		n = write(w->wake[1], "", 1);
	while (n < 0 && errno == EINTR);
	pthread_join(w->thread, NULL);
	progress_finish(&w->bar, w->done && !w->err, w->offset + w->received,
			w->has_size, w->size, w->received, w->elapsed_ms);
	close(w->wake[0]);
	close(w->wake[1]);
	kftp_nl_close(w->nl);
	free(w);
}

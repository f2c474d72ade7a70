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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* "23.7/64.0 MiB", or "512 KiB/64.0 MiB" across units. */
static void fmt_of(char *buf, size_t size, uint64_t done, uint64_t total)
{
	char a[32], b[32];
	const char *ua, *ub;

	progress_fmt_bytes(a, sizeof(a), done);
	progress_fmt_bytes(b, sizeof(b), total);
	ua = strchr(a, ' ');
	ub = strchr(b, ' ');
	if (ua && ub && !strcmp(ua, ub))
		snprintf(buf, size, "%.*s/%s", (int)(ua - a), a, b);
	else
		snprintf(buf, size, "%s/%s", a, b);
}

static void compose(struct progress *p, bool final, uint64_t done, bool has_size,
		    uint64_t size, uint64_t rbytes, uint64_t rms, uint64_t elapsed_ms)
{
	char line[512], name[PROGRESS_NAME_MAX], bytes[72], rate[40], tail[40], d[24];
	char bar[BAR_MAX + 3];
	size_t width = line_width(p), right, room, barw = 0, i, fill;
	unsigned int pct = 0;
	uint64_t eta;

	if (width > sizeof(line) - 1)
		width = sizeof(line) - 1;
	/* The total beside the bytes so far, while they are not all there. */
	if (has_size && !final && done < size)
		fmt_of(bytes, sizeof(bytes), done, size);
	else
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

	/* "  23.7/64.0 MiB  10.2 MiB/s  ETA 4s", then the name, percent, bar. */
	/* A fixed room for the tail, so that the bar keeps its length. */
	right = 2 + (has_size ? 17 : 9) + 2 + 12 + (has_size ? 2 + 11 : 0);
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
		snprintf(line, sizeof(line), "%s %3u%%%s%s  %17s  %12s%s%s", name,
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

void progress_text(struct progress *p, const char *text)
{
	char line[512];
	size_t width = line_width(p);

	if (width > sizeof(line) - 1)
		width = sizeof(line) - 1;
	snprintf(line, width + 1, "%s  %s", p->name, text);
	draw(p, line);
}

void progress_finish(struct progress *p, bool ok, uint64_t done, bool has_size,
		     uint64_t size, uint64_t received, uint64_t elapsed_ms)
{
	if (!ok) {
		/* The last state stays, above what the failure's message says. */
		if (p->drawn) {
			fputc('\n', p->out);
			fflush(p->out);
			p->drawn = 0;
		}
		return;
	}
	/* The average over the whole transfer, and 100 % of what came. */
	compose(p, true, done, has_size, size, received, elapsed_ms, elapsed_ms);
	fputc('\n', p->out);
	fflush(p->out);
	p->drawn = 0;
}

/* ---- following events in a thread ------------------------------------------ */

/*
 * The events group, joined before returning (so nothing of a transfer
 * started after it is missed), read by a thread that hands each event to
 * cb until stopped; at the stop it reads what is queued already, until
 * drained(data) says enough (NULL: all of it).
 */
struct follower {
	struct kftp_nl *nl;
	pthread_t thread;
	int wake[2];		/* the main thread writes to [1] to stop it */
	kftp_event_cb cb;
	bool (*drained)(void *data);
	void *data;
};

static bool readable(int fd, int timeout)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout) == 1 && (pfd.revents & POLLIN);
}

static void *follow_thread(void *arg)
{
	struct follower *f = arg;
	int fd = kftp_nl_fd(f->nl);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = f->wake[0], .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* ENOBUFS (events lost) is not the end: go on with the next. */
		if ((pfd[0].revents & POLLIN) &&
		    kftp_nl_recv(f->nl, f->cb, f->data) < 0 && errno != ENOBUFS)
			break;
		if (pfd[1].revents) {
			/* What the stop came after is queued already. */
			while ((!f->drained || !f->drained(f->data)) && readable(fd, 0))
				if (kftp_nl_recv(f->nl, f->cb, f->data) < 0 &&
				    errno != ENOBUFS)
					break;
			break;
		}
	}
	return NULL;
}

/* Join the group: 0, or -1 (no family, no CAP_NET_ADMIN, no memory). */
static int follow_join(struct follower *f, kftp_event_cb cb,
		       bool (*drained)(void *data), void *data)
{
	f->wake[0] = f->wake[1] = -1;
	f->cb = cb;
	f->drained = drained;
	f->data = data;
	f->nl = kftp_nl_open();
	if (f->nl && !kftp_nl_join(f->nl) && !pipe2(f->wake, O_CLOEXEC))
		return 0;
	kftp_nl_close(f->nl);
	return -1;
}

/* The thread, with every signal blocked: they are the main thread's. */
static int follow_start(struct follower *f)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&f->thread, NULL, follow_thread, f);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err ? -1 : 0;
}

/* Close the socket and the pipe (the thread, if any, is gone). */
static void follow_close(struct follower *f)
{
	if (f->wake[0] >= 0) {
		close(f->wake[0]);
		close(f->wake[1]);
	}
	kftp_nl_close(f->nl);
}

static void follow_stop(struct follower *f)
{
	ssize_t n;

	do
		n = write(f->wake[1], "", 1);
	while (n < 0 && errno == EINTR);
	pthread_join(f->thread, NULL);
	follow_close(f);
}

/* ---- the watcher ----------------------------------------------------------- */

struct progress_watch {
	struct follower f;
	struct progress bar;
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
		/*
		 * A failure leaves the bar's last state on screen: let it
		 * show DONE's bytes, not the last PROGRESS's (none comes in
		 * a transfer's first quarter second).
		 */
		if (w->err && w->bar.nsamples)
			progress_update(&w->bar, w->offset + w->received,
					w->has_size, w->size, w->received,
					w->elapsed_ms);
	} else if (ev->cmd != KFTP_CMD_EVENT_START || ev->has_size) {
		/*
		 * A START without a size comes just before a DONE: the
		 * transfer failed before SIZE, and the "connecting" line
		 * says better where it stood.
		 */
		progress_update(&w->bar, w->offset + w->received, w->has_size,
				w->size, w->received, w->elapsed_ms);
	}
	return 0;
}

/* The ioctl returned: its DONE is all that is wanted. */
static bool watch_done(void *data)
{
	return ((struct progress_watch *)data)->done;
}

struct progress_watch *progress_watch_start(FILE *out, const char *name,
					    uint16_t port, const char *remote_path,
					    const char *waiting)
{
	struct progress_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	progress_init(&w->bar, out, name);
	w->pid = getpid();
	w->port = port;
	snprintf(w->remote_path, sizeof(w->remote_path), "%s", remote_path);
	if (follow_join(&w->f, watch_event, watch_done, w)) {
		free(w);
		return NULL;
	}
	if (waiting)
		progress_text(&w->bar, waiting);
	if (follow_start(&w->f)) {
		progress_clear(&w->bar);
		follow_close(&w->f);
		free(w);
		return NULL;
	}
	return w;
}

void progress_watch_stop(struct progress_watch *w)
{
	if (!w)
		return;
	follow_stop(&w->f);
	progress_finish(&w->bar, w->done && !w->err, w->offset + w->received,
			w->has_size, w->size, w->received, w->elapsed_ms);
	free(w);
}

/* ---- the group (-Z) ------------------------------------------------------ */

#define GROUP_DRAW_MS		250	/* at most 4 redraws a second */
#define GROUP_PIDS		(2 * 128)

struct group_xfer {
	uint64_t id;
	bool has_size;
	uint64_t size;		/* the whole file */
	uint64_t offset;	/* resumed at */
	uint64_t bytes;		/* received */
	bool done;
};

struct progress_group {
	struct follower f;
	struct progress bar;
	pid_t self;
	size_t nfiles;
	size_t ok, failed;	/* transfers ended */
	struct group_xfer *x;
	size_t nx, cap;
	/*
	 * The workers, as the parent forked them (progress_group_add), and
	 * the other processes seen; the lock because the parent adds while
	 * the follower thread reads.
	 */
	pthread_mutex_t lock;
	pid_t ours[GROUP_PIDS], others[GROUP_PIDS];
	size_t nours, nothers;
	uint64_t t0, last_draw;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The parent of pid, from /proc/PID/stat; 0 if it cannot be read. */
static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd, ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return 0;
	return (pid_t)ppid;
}

static bool in(const pid_t *v, size_t n, pid_t pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == pid)
			return true;
	return false;
}

/*
 * Whether a transfer of pid is one of ours: a worker of this process. A
 * worker is known from its fork; past GROUP_PIDS of them, or before the
 * parent added it, /proc says, and a process whose /proc entry is gone (it
 * has exited, its events still queued) is not taken for another's.
 */
static bool ours(struct progress_group *g, pid_t pid)
{
	bool mine = false;
	pid_t parent;

	pthread_mutex_lock(&g->lock);
	if (in(g->ours, g->nours, pid)) {
		mine = true;
	} else if (!in(g->others, g->nothers, pid)) {
		parent = parent_of(pid);
		mine = parent == g->self;
		if (mine && g->nours < GROUP_PIDS)
			g->ours[g->nours++] = pid;
		else if (parent && !mine && g->nothers < GROUP_PIDS)
			g->others[g->nothers++] = pid;
	}
	pthread_mutex_unlock(&g->lock);
	return mine;
}

void progress_group_add(struct progress_group *g, pid_t pid)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	if (!in(g->ours, g->nours, pid) && g->nours < GROUP_PIDS)
		g->ours[g->nours++] = pid;
	pthread_mutex_unlock(&g->lock);
}

static struct group_xfer *xfer_of(struct progress_group *g, uint64_t id)
{
	struct group_xfer *x;
	size_t i;

	for (i = 0; i < g->nx; i++)
		if (g->x[i].id == id)
			return &g->x[i];
	if (g->nx == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 64;

		x = realloc(g->x, cap * sizeof(*x));
		if (!x)
			return NULL;
		g->x = x;
		g->cap = cap;
	}
	x = &g->x[g->nx++];
	memset(x, 0, sizeof(*x));
	x->id = id;
	return x;
}

/* "3/10 files  23.7 MiB  10.2 MiB/s  ETA 12s", or "... in 6s" at the end. */
static void group_draw(struct progress_group *g, bool final)
{
	uint64_t now = mono_ms(), ms = now - g->t0, got = 0, left = 0, known = 0, rb, rms;
	char line[160], b[32], r[40], d[24], tail[48] = "", f[32] = "";
	size_t i, sized = 0;

	for (i = 0; i < g->nx; i++) {
		const struct group_xfer *x = &g->x[i];

		got += x->bytes;
		if (!x->has_size)
			continue;
		sized++;
		known += x->size;
		if (!x->done && x->size > x->offset + x->bytes)
			left += x->size - x->offset - x->bytes;
	}
	rate_sample(&g->bar, got, ms);
	rate_now(&g->bar, got, ms, &rb, &rms);
	progress_fmt_bytes(b, sizeof(b), got);
	if (final) {
		progress_fmt_rate(r, sizeof(r), got, ms);
		snprintf(tail, sizeof(tail), "  in %s",
			 progress_fmt_duration(d, sizeof(d), (ms + 500) / 1000));
	} else {
		progress_fmt_rate(r, sizeof(r), rb, rms);
		/* The files not started yet: as large as the average known one. */
		if (sized && g->nfiles > g->nx)
			left += known / sized * (g->nfiles - g->nx);
		if (sized && rb && rms && g->bar.nsamples >= 2)
			snprintf(tail, sizeof(tail), "  ETA %s", progress_fmt_duration(d,
				 sizeof(d), clamp_u64((double)left * (double)rms /
						      (double)rb / 1000 + 0.5)));
	}
	if (g->failed)
		snprintf(f, sizeof(f), " (%zu failed)", g->failed);
	snprintf(line, sizeof(line), "%zu/%zu files%s  %s  %s%s", g->ok, g->nfiles,
		 f, b, r, tail);
	draw(&g->bar, line);
	g->last_draw = now;
}

static int group_event(const struct kftp_event *ev, void *data)
{
	struct progress_group *g = data;
	struct group_xfer *x;

	if (ev->cmd == KFTP_CMD_GET_XFERS || !ours(g, (pid_t)ev->pid))
		return 0;
	x = xfer_of(g, ev->id);
	if (!x || x->done)
		return 0;
	if (ev->has_resume_offset)
		x->offset = ev->resume_offset;
	if (ev->has_size) {
		x->has_size = true;
		x->size = ev->size;
	}
	if (ev->has_bytes)
		x->bytes = ev->bytes;
	if (ev->cmd == KFTP_CMD_EVENT_DONE) {
		x->done = true;
		if (ev->has_result && ev->err)
			g->failed++;
		else
			g->ok++;
	}
	if (ev->cmd == KFTP_CMD_EVENT_DONE || mono_ms() - g->last_draw >= GROUP_DRAW_MS)
		group_draw(g, false);
	return 0;
}

struct progress_group *progress_group_start(FILE *out, size_t nfiles)
{
	struct progress_group *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	progress_init(&g->bar, out, "");
	pthread_mutex_init(&g->lock, NULL);
	g->self = getpid();
	g->nfiles = nfiles;
	g->t0 = mono_ms();
	if (follow_join(&g->f, group_event, NULL, g)) {
		free(g);
		return NULL;
	}
	group_draw(g, false);
	if (follow_start(&g->f)) {
		progress_clear(&g->bar);
		follow_close(&g->f);
		free(g);
		return NULL;
	}
	return g;
}

void progress_group_drop(struct progress_group *g)
{
	if (!g)
		return;
	follow_close(&g->f);
	free(g->x);
	free(g);
}

void progress_group_stop(struct progress_group *g)
{
	if (!g)
		return;
	follow_stop(&g->f);
	group_draw(g, true);
	fputc('\n', g->bar.out);
	fflush(g->bar.out);
	pthread_mutex_destroy(&g->lock);
	free(g->x);
	free(g);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * progress: a one-line progress bar for a terminal, and the watcher that
 * drives it from the kftp events of one transfer of this process.
 *
 *   big.bin  connecting to ftp.example.org port 21      (before the size)
 *   big.bin   37% [=======>        ]  23.7/64.0 MiB  10.2 MiB/s  ETA 4s
 *   big.bin       23.7 MiB  10.2 MiB/s                 (size unknown)
 *   big.bin  100% [=================]       64.0 MiB  10.2 MiB/s  in 6s
 *
 * The line is redrawn in place (\r); at the end it is completed (a
 * newline), on failure too: the last state stays on screen above the
 * message that says what went wrong.
 *
 * With -Z, one line for all the files of the run instead (the group):
 *
 *   3/10 files  23.7 MiB  10.2 MiB/s  ETA 12s
 */
#ifndef KFTP_PROGRESS_H
#define KFTP_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define PROGRESS_SAMPLES	16	/* for the rate: the last few seconds */
#define PROGRESS_NAME_MAX	256

struct progress {
	FILE *out;
	char name[PROGRESS_NAME_MAX];
	size_t drawn;		/* length of the line on screen, 0 if none */
	unsigned int nsamples;
	uint64_t sample_bytes[PROGRESS_SAMPLES];
	uint64_t sample_ms[PROGRESS_SAMPLES];
};

/* Units of 1024, one decimal under 100: "512 B", "23.7 MiB", "1.2 GiB". */
const char *progress_fmt_bytes(char *buf, size_t size, uint64_t bytes);
/* "10.2 MiB/s", from bytes over milliseconds; "-" when ms is 0. */
const char *progress_fmt_rate(char *buf, size_t size, uint64_t bytes, uint64_t ms);
/* done as a percentage of size, 0..100 (100 when done >= size, size 0 too). */
unsigned int progress_percent(uint64_t done, uint64_t size);
/* "45s", "3m05s", "2h01m". */
const char *progress_fmt_duration(char *buf, size_t size, uint64_t seconds);

void progress_init(struct progress *p, FILE *out, const char *name);
/*
 * Redraw: @done of @size bytes (@has_size false: unknown), of which
 * @received arrived in @elapsed_ms (a resumed transfer starts with
 * done - received bytes).
 */
void progress_update(struct progress *p, uint64_t done, bool has_size,
		     uint64_t size, uint64_t received, uint64_t elapsed_ms);
/* A line of text instead of the bar (while connecting). */
void progress_text(struct progress *p, const char *text);
/*
 * The end: on success a last, complete line; on failure the last state
 * drawn, as it was; then a newline.
 */
void progress_finish(struct progress *p, bool ok, uint64_t done, bool has_size,
		     uint64_t size, uint64_t received, uint64_t elapsed_ms);
/* Wipe the line, if one is drawn. */
void progress_clear(struct progress *p);

/*
 * kftp-get's hook: a bar on @out for the transfer that this process is
 * about to start (matched by pid, server port and remote path). Call
 * progress_watch_start() before the ioctl, progress_watch_stop() after it.
 * The watcher joins the events group before returning, so the transfer's
 * START cannot be missed; a thread draws while the ioctl runs. Returns
 * NULL (and draws nothing) when the events cannot be had: no kftp family,
 * no CAP_NET_ADMIN, no memory.
 */
struct progress_watch;
/* @waiting: the line until the transfer's START ("connecting to ..."). */
struct progress_watch *progress_watch_start(FILE *out, const char *name,
					    uint16_t port, const char *remote_path,
					    const char *waiting);
/* Ends the thread; completes the line, or keeps its last state. */
void progress_watch_stop(struct progress_watch *w);

/*
 * -Z: one line for the @nfiles files of the run, from the events of this
 * process's children (the workers): files done of all, the bytes, the
 * rate and an ETA (from the sizes known, the others guessed as their
 * average). NULL when the events cannot be had, as above.
 */
struct progress_group;
struct progress_group *progress_group_start(FILE *out, size_t nfiles);
/* In the parent, after a fork: pid is a worker whose events count. */
void progress_group_add(struct progress_group *g, pid_t pid);
/* Ends the thread: a last line, "N/M files ... in T", and a newline. */
void progress_group_stop(struct progress_group *g);
/* In a forked child: let go of the parent's line (no thread there). */
void progress_group_drop(struct progress_group *g);

#endif /* KFTP_PROGRESS_H */

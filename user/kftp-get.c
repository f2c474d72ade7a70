// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: download files over FTP through the kftp kernel module.
 *
 * The program's plan: parse the command line, plan the URLs, run the
 * jobs, report. The files below it, each one job (curl's src/ layout):
 *
 *   options.c, help.c  the command line and -h (struct options)
 *   plan.c             what is checked before the first download
 *   login.c, netrc.c   whom each URL logs in as (and the prompt)
 *   wildcard.c         '*' and '?' in a URL: the listing's matching files
 *   mirror.c           -r: a directory's tree, walked, made and selected
 *   batch.c            many URLs: in order, or by -Z worker processes
 *   results.c          the summary, --json and --failed
 *   transfer.c         one URL: addresses, session, data file, the ioctl,
 *                      --retry; or a listing (-l, a wildcard's), whose
 *                      lines dirlist.c and listing.c take apart
 *   address.c          name resolution
 *   session.c          this process's /dev/kftp, and the probe of it
 *   version.c          what the loaded module's request version allows
 *   localfile.c        the destination and the data file (destdir.c: its
 *                      directory)
 *   report.c           what a failure means, and its exit status
 *   url.c, urlglob.c   URLs taken apart; ranges and sets
 *   signals.c          how a stop signal stops everything
 *   msgs.c             messages and exit statuses, the bottom layer
 * and, shared with kftpstat, progress.c (the bar), kftp-events.c and
 * text.c. No file uses a file that uses it: each only calls down.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>

#include "batch.h"
#include "destdir.h"
#include "login.h"
#include "msgs.h"
#include "options.h"
#include "plan.h"
#include "results.h"
#include "session.h"
#include "mirror.h"
#include "signals.h"
#include "wildcard.h"

static struct options opt;
static struct logins logins;

/*
 * At exit, however we got there (die() too): wipe the copies of the
 * passwords, the URLs' and -u's, and netrc's (the session wipes its own).
 */
static void wipe_secrets(void)
{
	options_wipe(&opt);
	logins_wipe(&logins);
}

/* Once for the run: every file of it lands in that very directory. */
static void open_output_dir(struct options *o)
{
	int fd;

	if (!o->output_dir)
		return;
	/* A mirror's top, or with --create-dirs: made if missing (mkdir -p). */
	if (o->mirror || o->create_dirs) {
		fd = destdir_walk(AT_FDCWD, o->output_dir, DESTDIR_MAKE);
		if (fd < 0)
			die(EXIT_LOCAL, "cannot make the output directory '%s': %s",
			    o->output_dir, strerror(-fd));
		close(fd);
	}
	fd = destdir_open(AT_FDCWD, o->output_dir);
	if (fd < 0)
		die(EXIT_LOCAL, "cannot use the output directory '%s': %s",
		    o->output_dir, strerror(-fd));
	o->output_dir_fd = fd;
}

int main(int argc, char **argv)
{
	struct run_ctx ctx = { .opt = &opt, .logins = &logins };

	/*
	 * Passwords are in this process: no core file, no ptrace by the
	 * user (should kftp-get ever run as one), before any is read.
	 */
	prctl(PR_SET_DUMPABLE, 0);
	if (atexit(wipe_secrets))
		die(EXIT_OTHER, "out of memory");
	/* 1. The command line. */
	options_parse(&opt, argc, argv);
	open_output_dir(&opt);
	logins_load(&logins, &opt);
	signals_install();
	/* 2. The plan: every URL, then the device, before any download. */
	plan_urls(&opt, &logins);
	results_open(&opt);
	ctx.version = plan_device(&opt);
	/* -u USER alone: the password from the terminal, once it can be used. */
	if (ctx.version >= 0)
		logins_prompt(&logins, &opt);
	/*
	 * 2b. Wildcards and trees (-r): their listings, then the files they
	 * name, planned.
	 */
	if (ctx.version >= 0 && (opt.nwildcards || opt.mirror)) {
		if (opt.mirror)
			mirror_expand(&ctx, &opt);
		else
			wildcard_expand(&ctx, &opt);
		plan_urls(&opt, &logins);
		/* -Z: each worker logs in on its own session. */
		if (opt.parallel)
			session_close();
	}
	/* 3. The jobs, 4. the report. */
	return signals_finish(batch_run(&ctx));
}

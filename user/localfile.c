// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: the local side of a download. The destination's name and
 * checks; the data file, unnamed (O_TMPFILE, mode 0600) in the
 * destination's directory, or where the filesystem cannot, a fresh
 * .NAME.kftp-XXXXXX (O_EXCL); and, once the transfer is complete, its
 * owner, group, mode and times, fsync, a name, and the rename onto the
 * destination. Resuming (-C) writes into the destination itself instead.
 * Every step after the check goes through the directory's descriptor,
 * job->dir_fd (destdir.c); the names in job->dest and job->temp are for
 * messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "destdir.h"
#include "localfile.h"
#include "msgs.h"
#include "text.h"

#define TEMP_TRIES		8	/* fresh names to try on EEXIST */
#define TEMP_RANDOM_LEN		6
/* What the temporary name adds to the base name: ".", TEMP_TAG, random */
#define TEMP_OVERHEAD		(1 + (int)sizeof(TEMP_TAG) - 1 + TEMP_RANDOM_LEN)

/* ---- destination ---------------------------------------------------------- */

/*
 * "dir/.name.kftp-XXXXXX". The base name is cut so the temporary name stays
 * within NAME_MAX even when the destination's own name is that long.
 */
static int build_temp(char *buf, size_t size, const char *dest, const char *rnd)
{
	const char *slash = strrchr(dest, '/');
	int dirlen = slash ? (int)(slash - dest + 1) : 0;
	int baselen = (int)strlen(dest + dirlen);
	int n;

	if (baselen > NAME_MAX - TEMP_OVERHEAD)
		baselen = NAME_MAX - TEMP_OVERHEAD;
	n = snprintf(buf, size, "%.*s.%.*s" TEMP_TAG "%s",
		     dirlen, dest, baselen, dest + dirlen, rnd);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

bool localfile_is_temp_name(const char *name)
{
	size_t len = strlen(name), tag = sizeof(TEMP_TAG) - 1;

	return name[0] == '.' && len > 1 + tag + TEMP_RANDOM_LEN &&
	       !strncmp(name + len - TEMP_RANDOM_LEN - tag, TEMP_TAG, tag);
}

/* dest + base_off: the last component of dest, the file's own name. */
static const char *base_of(const struct job *job)
{
	return job->dest + job->base_off;
}

/* The same for job->temp, which has the same directory part. */
static const char *temp_base(const struct job *job)
{
	return job->temp + job->base_off;
}

/* The last component of the URL's path: the name of its file. */
static const char *url_base_name(const struct job *job)
{
	const char *base = strrchr(job->url.path, '/');

	return base ? base + 1 : job->url.path;
}

/*
 * A file of a mirror (mirror.c): the directory url_dir inside the tree's
 * top, opened beneath it (check_destination()); its name is the listing's,
 * which listing.c checked, and is checked again here.
 */
static void pick_mirror_destination(struct job *job)
{
	const struct options *opt = job->opt;
	const char *rel = opt->url_dir[job->url_index];
	const char *name = url_base_name(job), *base;
	int n;

	if (!*name || !strcmp(name, ".") || !strcmp(name, "..") || text_has_control(name))
		die(EXIT_PROTO, "refusing to name a local file '%s'", name);
	n = snprintf(job->dest, sizeof(job->dest), "%s/%s%s%s",
		     opt->url_root_name[job->url_index], rel, *rel ? "/" : "", name);
	if (n < 0 || (size_t)n >= sizeof(job->dest) ||
	    build_temp(job->temp, sizeof(job->temp), job->dest, "XXXXXX"))
		die(EXIT_LOCAL, "the destination path is too long");
	base = strrchr(job->dest, '/');
	job->base_off = (size_t)(base + 1 - job->dest);
	snprintf(job->dir, sizeof(job->dir), "%s", *rel ? rel : ".");
	job->dir_at = opt->url_dir_at[job->url_index];
	job->beneath = true;
}

/*
 * -x: the URL's path, kept under --output-dir. Each component must be a
 * file name of its own: no "..", no empty one, no control character.
 */
static void check_kept_path(const char *path)
{
	const char *p = path, *slash, *why;
	size_t len;

	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		why = listing_name_refused(p, len);
		if (why)
			die(EXIT_USAGE, "-x cannot keep the remote path '%s': %s", path, why);
		if (!slash)
			return;
		p = slash + 1;
	}
}

/*
 * The destination's name, and where its directory is: job->dir, relative
 * to job->dir_at (--output-dir's descriptor, or the current directory).
 * A name taken from the URL is one component, with no control byte in it:
 * a file called "x\e]0;...\a" would put an escape sequence in the output
 * of every ls(1) of that directory.
 */
void pick_destination(struct job *job)
{
	const struct options *opt = job->opt;
	const char *base, *name;
	int n;

	/* -o -: no file, no directory; the name is for messages. */
	if (opt->to_stdout) {
		snprintf(job->dest, sizeof(job->dest), "%s", DEST_STDOUT);
		strcpy(job->dir, ".");
		job->dir_at = AT_FDCWD;
		return;
	}
	if (opt->url_dir && job->url_index < opt->nurls && opt->url_dir[job->url_index]) {
		pick_mirror_destination(job);
		return;
	}
	if (opt->output) {
		name = opt->output;
	} else if (opt->force_dirs) {
		name = job->url.path;
		check_kept_path(name);
		job->beneath = true;
		job->make_dirs = true;
	} else {
		base = strrchr(job->url.path, '/');
		name = base ? base + 1 : job->url.path;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			die(EXIT_USAGE, "cannot name a local file after '%s'; use -o",
			    job->url.path);
		if (text_has_control(name))
			die(EXIT_USAGE, "refusing to name a local file '%s': it holds "
			    "control characters; use -o", name);
	}
	if (opt->output_dir && name[0] != '/')
		n = snprintf(job->dest, sizeof(job->dest), "%s%s%s", opt->output_dir,
			     opt->output_dir[strlen(opt->output_dir) - 1] == '/' ? "" : "/",
			     name);
	else
		n = snprintf(job->dest, sizeof(job->dest), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(job->dest) ||
	    build_temp(job->temp, sizeof(job->temp), job->dest, "XXXXXX"))
		die(EXIT_USAGE, "the destination path is too long");
	base = strrchr(job->dest, '/');
	job->base_off = base ? (size_t)(base + 1 - job->dest) : 0;
	/* --create-dirs: the directory of -o's name, as the user wrote it. */
	if (opt->create_dirs)
		job->make_dirs = true;
	/* The directory, as the user named it: relative to --output-dir's. */
	job->dir_at = opt->output_dir && name[0] != '/' ? opt->output_dir_fd : AT_FDCWD;
	base = strrchr(name, '/');
	if (!base)
		strcpy(job->dir, ".");
	else if (base == name)
		strcpy(job->dir, "/");
	else
		snprintf(job->dir, sizeof(job->dir), "%.*s", (int)(base - name), name);
}

/*
 * Open the destination's directory (the one descriptor every later step
 * uses), refuse early what rename() would otherwise do behind the user's
 * back, and decide what an existing destination passes on: its owner,
 * group and mode (see destdir.c for whose file may be replaced). With -C,
 * an existing non-empty destination is resumed in place.
 */
void check_destination(struct job *job)
{
	const struct options *opt = job->opt;
	const char *dest = job->dest;
	struct stat st, dir;
	unsigned int how;
	int fd;

	if (opt->to_stdout) {
		/* Closed, /dev/kftp could become descriptor 1. */
		fd = fcntl(STDOUT_FILENO, F_GETFL);
		if (fd < 0 || (fd & O_ACCMODE) == O_RDONLY)
			die(EXIT_LOCAL, "cannot write to stdout: %s", strerror(EBADF));
		return;
	}
	if (dest[strlen(dest) - 1] == '/')
		die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(EISDIR));
	how = (job->beneath ? DESTDIR_BENEATH : 0) | (job->make_dirs ? DESTDIR_MAKE : 0);
	fd = how ? destdir_walk(job->dir_at, job->dir, how) :
	     destdir_open(job->dir_at, job->dir);
	if (fd == -ELOOP && job->beneath)
		die(EXIT_LOCAL, "refusing to write '%s': a directory on its way is a "
		    "symlink", dest);
	if (fd < 0)
		die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(-fd));
	job->dir_fd = fd;
	if (fstat(fd, &dir))
		die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(errno));
	job->dir_dev = dir.st_dev;
	job->dir_ino = dir.st_ino;
	if (fstatat(fd, base_of(job), &st, AT_SYMLINK_NOFOLLOW)) {
		if (errno != ENOENT)
			die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(errno));
		if (opt->resume == RESUME_AT)
			die(EXIT_USAGE, "cannot continue '%s' at byte %llu: it does not exist",
			    dest, (unsigned long long)opt->resume_at);
		return;
	}
	if (S_ISLNK(st.st_mode))
		die(EXIT_LOCAL, "refusing to write through symlink '%s': %s",
		    dest, strerror(ELOOP));
	if (S_ISDIR(st.st_mode))
		die(EXIT_LOCAL, "cannot write '%s': %s", dest, strerror(EISDIR));
	/* rename() would replace a device node or FIFO, e.g. /dev/null */
	if (!S_ISREG(st.st_mode))
		die(EXIT_LOCAL, "refusing to replace '%s': not a regular file", dest);
	job->has_old = true;
	job->old = st;
	/* A mirror's file: only a partial of the listed one (mirror.c). */
	if (opt->resume == RESUME_AUTO &&
	    (!job->beneath || !opt->url_resume || opt->url_resume[job->url_index]))
		job->resume_offset = (uint64_t)st.st_size;
	else if (opt->resume == RESUME_AT)
		job->resume_offset = opt->resume_at;
	if (job->resume_offset > (uint64_t)st.st_size)
		die(EXIT_USAGE, "cannot continue '%s' at byte %llu: it has only %lld bytes",
		    dest, (unsigned long long)job->resume_offset, (long long)st.st_size);
	job->inplace = job->resume_offset > 0;
	switch (destdir_owner_rule(&dir, &st, geteuid())) {
	case OWNER_KEEP:
		job->keep_owner = true;
		break;
	case OWNER_REFUSE:
		die(EXIT_LOCAL, "refusing to %s '%s': it belongs to user %u, and its "
		    "directory is sticky and writable by others (as fs.protected_regular "
		    "does)", job->inplace ? "resume" : "replace", dest,
		    (unsigned int)st.st_uid);
	case OWNER_NEW:
		/* Written in place, it would stay theirs. */
		if (job->inplace)
			die(EXIT_LOCAL, "refusing to resume '%s': it belongs to user %u, "
			    "neither you nor the owner of its directory", dest,
			    (unsigned int)st.st_uid);
		break;
	}
}

/*
 * The absolute path of the job's directory, as /proc names its descriptor,
 * or NULL. A batch's files mostly share one directory: its path is read
 * once, and kept while the next file's directory is the same one (the
 * same device and inode). A directory renamed meanwhile, one reached
 * through a bind mount, or a new one on a reused inode shows the path
 * read first on kftpstat's line, which is all this name is for.
 */
static const char *dir_path(const struct job *job)
{
	static char path[KFTP_LOCAL_PATH_MAX];
	static dev_t dev;
	static ino_t ino;
	char proc[64];
	ssize_t n;

	if (job->dir_fd < 0)
		return NULL;
	if (path[0] && dev == job->dir_dev && ino == job->dir_ino)
		return path;
	path[0] = '\0';
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", job->dir_fd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n <= 0 || n >= (ssize_t)sizeof(path) - 1 || path[0] != '/') {
		path[0] = '\0';
		return NULL;
	}
	path[n] = '\0';
	dev = job->dir_dev;
	ino = job->dir_ino;
	return path;
}

/*
 * The destination's final name for people (display_name): the absolute
 * path of its directory, as /proc names the descriptor, and its own name;
 * else job->dest as given. Empty when it holds a control character: the
 * kernel refuses CR and LF in any string of the request.
 */
void final_name(const struct job *job, char *buf, size_t size)
{
	const char *dir;
	int len = -1;

	/*
	 * The kernel wants nothing but NULs after the terminator: a shorter
	 * name written over a longer one, or one cleared by its first byte,
	 * would be EINVAL. Each attempt starts from a zeroed buffer.
	 */
	memset(buf, 0, size);
	dir = dir_path(job);
	if (dir)
		len = snprintf(buf, size, "%s%s%s", dir, dir[1] ? "/" : "", base_of(job));
	if (len < 0 || (size_t)len >= size) {
		memset(buf, 0, size);
		snprintf(buf, size, "%s", job->dest);
	}
	if (text_has_control(buf))
		memset(buf, 0, size);
}

/* ---- temporary file ----------------------------------------------------- */

static void fill_random(unsigned char *buf, size_t len)
{
	static unsigned long counter;
	unsigned long x;
	struct timespec ts;
	ssize_t n;
	size_t i;
	int fd;

	if (getrandom(buf, len, GRND_NONBLOCK) == (ssize_t)len)
		return;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, len);
		close(fd);
		if (n == (ssize_t)len)
			return;
	}
	/* Unpredictability is nice, not needed: O_EXCL guards against clashes. */
	clock_gettime(CLOCK_REALTIME, &ts);
	x = (unsigned long)ts.tv_nsec ^ (unsigned long)getpid() << 20 ^ ++counter;
	for (i = 0; i < len; i++) {
		x ^= x << 13;	/* xorshift */
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

static void new_temp_name(struct job *job)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[TEMP_RANDOM_LEN];
	char suffix[TEMP_RANDOM_LEN + 1];
	size_t i;

	fill_random(rnd, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		suffix[i] = set[rnd[i] % (sizeof(set) - 1)];
	suffix[TEMP_RANDOM_LEN] = '\0';
	/* Same length as the name checked in pick_destination(): fits. */
	build_temp(job->temp, sizeof(job->temp), job->dest, suffix);
}

/*
 * The umask, read once: nothing in kftp-get sets it, and reading it means
 * setting it twice, two system calls a file.
 */
static mode_t process_umask(void)
{
	static mode_t mask;
	static bool known;

	if (!known) {
		mask = umask(0);
		umask(mask);
		known = true;
	}
	return mask;
}

/*
 * Give the data file its final owner, group and mode: those of the file it
 * replaces when that file's owner may keep it (check_destination), else
 * 0666 less the umask, as a new file would get.
 */
static void set_attributes(struct job *job)
{
	mode_t mode;

	if (job->has_old && job->keep_owner) {
		if (fchown(job->data_fd, job->old.st_uid, job->old.st_gid))
			say("cannot give '%s' the owner %u:%u of the old file: %s",
			    job->dest, (unsigned int)job->old.st_uid,
			    (unsigned int)job->old.st_gid, strerror(errno));
		mode = job->old.st_mode & 07777;
	} else {
		mode = 0666 & ~process_umask();
	}
	/* After fchown(), which may clear set-user-ID and set-group-ID. */
	if (fchmod(job->data_fd, mode))
		say("cannot set the mode of '%s' to %04o: %s", job->dest,
		    (unsigned int)mode, strerror(errno));
}

/* Link the unnamed data file in as job->temp, a fresh name. */
static int link_temp(struct job *job)
{
	char proc[64];
	int tries;

	for (tries = 0; tries < TEMP_TRIES; tries++) {
		new_temp_name(job);
		/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc does not. */
		if (!linkat(job->data_fd, "", job->dir_fd, temp_base(job), AT_EMPTY_PATH))
			break;
		if (errno == EEXIST)
			continue;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", job->data_fd);
		if (!linkat(AT_FDCWD, proc, job->dir_fd, temp_base(job), AT_SYMLINK_FOLLOW))
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (tries == TEMP_TRIES) {
		errno = EEXIST;
		return -1;
	}
	job->temp_ours = true;
	return 0;
}

/* Make the data file durable and put it in place as the destination. */
int commit(struct job *job, const char *what)
{
	set_attributes(job);
	if (fsync(job->data_fd)) {
		say("cannot write '%s': %s", job->dest, strerror(errno));
		return -1;
	}
	if (job->unnamed && link_temp(job)) {
		say("cannot %s '%s': %s", what, job->dest, strerror(errno));
		return -1;
	}
	if (renameat(job->dir_fd, temp_base(job), job->dir_fd, base_of(job))) {
		say("cannot rename '%s' to '%s': %s", job->temp, job->dest, strerror(errno));
		return -1;
	}
	job->temp_ours = false;
	/* The new name itself survives a crash only once the directory is synced. */
	destdir_sync(job->dir_fd);
	return 0;
}

void close_data(struct job *job)
{
	if (job->data_fd >= 0)
		close(job->data_fd);
	job->data_fd = -1;
}

void close_destination(struct job *job)
{
	close_data(job);
	if (job->dir_fd >= 0)
		close(job->dir_fd);
	job->dir_fd = -1;
}

/*
 * On failure: remove our temporary file, or with --keep-partial keep its
 * bytes. An unnamed file vanishes with its descriptor.
 */
void discard_temp(struct job *job)
{
	struct stat st;

	/* Resuming in place: the destination keeps what it got. */
	if (job->inplace) {
		close_data(job);
		return;
	}
	if (job->data_fd >= 0 && job->keep_partial &&
	    !fstat(job->data_fd, &st) && st.st_size > 0) {
		job->keep_partial = false;
		if (!commit(job, "keep the partial file as")) {
			if (!job->opt->quiet)
				note("kept partial file '%s' (%lld bytes)",
				    job->dest, (long long)st.st_size);
			close_data(job);
			return;
		}
	}
	close_data(job);
	if (!job->temp_ours)
		return;
	job->temp_ours = false;
	if (unlinkat(job->dir_fd, temp_base(job), 0) && errno != ENOENT)
		say("cannot remove '%s': %s", job->temp, strerror(errno));
}

/*
 * The data file, mode 0600 while the download runs: unnamed in the
 * destination's directory where the filesystem can (O_TMPFILE), else a
 * fresh .NAME.kftp-XXXXXX beside the destination, never an existing name
 * nor a symlink (O_EXCL). 0 or an errno.
 */
int create_data(struct job *job)
{
	int fd, tries;

	fd = openat(job->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) {
		job->data_fd = fd;
		job->unnamed = true;
		return 0;
	}
	/* open(2): the filesystem or the kernel has no O_TMPFILE */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return errno;
	job->unnamed = false;
	for (tries = 0; tries < TEMP_TRIES; tries++) {
		new_temp_name(job);
		fd = openat(job->dir_fd, temp_base(job), O_CREAT | O_EXCL | O_RDWR |
			    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0) {
			job->data_fd = fd;
			job->temp_ours = true;
			return 0;
		}
		if (errno != EEXIST)
			return errno;
	}
	return EEXIST;
}

/* ---- resuming and times --------------------------------------------------- */

/*
 * Resuming: the destination itself, opened without truncation, and without
 * blocking should a FIFO have taken its place; for reading too, as the
 * data file is, so that the kernel can hash what it already holds
 * (--sha256, a retry that resumes). 0 or an errno.
 */
int open_inplace(struct job *job)
{
	struct stat st;
	int fd = openat(job->dir_fd, base_of(job), O_RDWR | O_NOFOLLOW | O_NOCTTY |
			O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno == ENXIO ? EAGAIN : errno;
	/* Still the file that check_destination() looked at. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_dev != job->old.st_dev ||
	    st.st_ino != job->old.st_ino || (uint64_t)st.st_size < job->resume_offset ||
	    fcntl(fd, F_SETFL, 0)) {
		close(fd);
		return EAGAIN;
	}
	job->data_fd = fd;
	return 0;
}

/* -R: the server's time, as atime and mtime (curl sets both). */
void set_remote_time(struct job *job)
{
	struct timespec ts[2];
	int64_t t = job->args.remote_mtime;

	if (!job->opt->remote_time)
		return;
	if (t == KFTP_MTIME_UNKNOWN) {
		if (!job->opt->quiet)
			note("the server did not tell the time of '%s' (MDTM)", job->dest);
		return;
	}
	ts[0].tv_sec = ts[1].tv_sec = (time_t)t;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if (futimens(job->data_fd, ts))
		say("cannot set the time of '%s': %s", job->dest, strerror(errno));
}

/* Resumed in place: cut what lies beyond the new end, make it durable. */
int finish_inplace(struct job *job)
{
	uint64_t end = job->resume_offset + job->args.result.bytes_written;
	struct stat st;

	if (!fstat(job->data_fd, &st) && (uint64_t)st.st_size > end &&
	    ftruncate(job->data_fd, (off_t)end)) {
		say("cannot truncate '%s' to %llu bytes: %s", job->dest,
		    (unsigned long long)end, strerror(errno));
		return -1;
	}
	set_remote_time(job);
	if (fsync(job->data_fd)) {
		say("cannot write '%s': %s", job->dest, strerror(errno));
		return -1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * mirror: -r, a directory's tree (see mirror.h).
 *
 * The walk goes by levels: the top's listing, then its subdirectories',
 * each on the run's session, before any file is fetched. A directory is
 * made (mkdirat) once its listing has come, inside its parent, which was
 * opened beneath the top with O_NOFOLLOW at every component; the files
 * are fetched afterwards by the run's jobs, which open their directory
 * the same way. So a directory of the tree that is a symlink, or that
 * someone swaps for one while the run goes on, is refused (ELOOP), never
 * followed out of the tree.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "destdir.h"
#include "localfile.h"
#include "mirror.h"
#include "msgs.h"
#include "session.h"
#include "signals.h"
#include "url.h"

/* An entry of one directory's listing, as much as the walk needs. */
struct entry {
	char *name;
	enum listing_type type;
	bool has_size, has_mtime;
	uint64_t size;
	time_t mtime;
	unsigned int mtime_step;
	char *target;		/* a link's, with --follow-symlinks, or NULL */
	bool twice;		/* its name is listed twice */
};

struct entries {
	struct entry *v;
	size_t n, cap;
	uint64_t seen;		/* every entry, kept or not */
	uint64_t max;		/* --max-entries: past it, none is kept */
	bool targets;		/* keep links' targets (--follow-symlinks) */
};

/*
 * --follow-symlinks: an entry of the tree, known by its path once the
 * whole tree is listed, since a link may point to a later directory's.
 */
struct known {
	char *path;		/* in the tree, "a/b/name"; e.name points into it */
	struct entry e;		/* e.target is owned here */
	size_t dir;		/* its directory, as an index in the tree's queue */
};

/* A directory still to list: its URL (ending in '/'), its path in the tree. */
struct todo {
	char *url;
	char *rel;		/* "" for the top, else "a/b" */
	size_t rpath;		/* the length of its remote path, decoded */
	unsigned int level;	/* the top is 1 */
};

/* The run's new list of URLs, with what each carries (see options.h). */
struct url_list {
	char **urls;
	int *status;
	char **dir;
	int *dir_at;
	const char **root;
	uint64_t *size;
	bool *resume;
	size_t *tree;		/* the command line's URL it comes from */
	size_t n, cap;
	size_t cur_tree;	/* that of the tree being expanded */
};

/* One URL of the command line: its tree. */
struct tree {
	const struct run_ctx *ctx;
	struct options *opt;
	struct url_list *out;
	size_t out_start;	/* its first URL in out */
	int root_fd;		/* the top's local directory; -1 until made */
	char *root_name;	/* as messages show it */
	char *top_name;		/* ./NAME without --output-dir, else NULL */
	unsigned int level_max;
	uint64_t files, dirs;
	size_t bytes;		/* what its URLs and paths take */
	const char *over;	/* the bound it went past: nothing is fetched */
	bool too_deep_said;
	char **extra;		/* --delete: paths in the tree to remove */
	size_t nextra, extra_cap;
	bool delete_failed;
	char *top_path;		/* --follow-symlinks: the top's remote path, folded */
	struct known *known;	/* ... and every entry listed, sorted once walked */
	size_t nknown, known_cap;
	struct todo *q;
	size_t nq, head, qcap;
};

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : 16;
	v = realloc(v, c * size);
	if (!v)
		die(EXIT_OTHER, "out of memory");
	*cap = c;
	return v;
}

/* A string the run keeps: a URL or a path; a URL may hold a password. */
static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* A string the run's URLs point to (a tree's top, a directory's path). */
static const char *keep_string(struct options *opt, char *str)
{
	opt->mirror_strings = grow(opt->mirror_strings, &opt->mirror_strings_cap,
				   opt->nmirror_strings, sizeof(*opt->mirror_strings));
	opt->mirror_strings[opt->nmirror_strings++] = str;
	return str;
}

static void push(struct url_list *l, char *url, int status, char *dir, int dir_at,
		 const char *root, uint64_t size)
{
	size_t cap = l->cap;

	if (l->n == l->cap) {
		l->urls = grow(l->urls, &cap, l->n, sizeof(*l->urls));
		cap = l->cap;
		l->status = grow(l->status, &cap, l->n, sizeof(*l->status));
		cap = l->cap;
		l->dir = grow(l->dir, &cap, l->n, sizeof(*l->dir));
		cap = l->cap;
		l->dir_at = grow(l->dir_at, &cap, l->n, sizeof(*l->dir_at));
		cap = l->cap;
		l->root = grow(l->root, &cap, l->n, sizeof(*l->root));
		cap = l->cap;
		l->size = grow(l->size, &cap, l->n, sizeof(*l->size));
		cap = l->cap;
		l->resume = grow(l->resume, &cap, l->n, sizeof(*l->resume));
		cap = l->cap;
		l->tree = grow(l->tree, &cap, l->n, sizeof(*l->tree));
		l->cap = cap;
	}
	l->urls[l->n] = url;
	l->status[l->n] = status;
	l->dir[l->n] = dir;
	l->dir_at[l->n] = dir_at;
	l->root[l->n] = root;
	l->size[l->n] = size;
	l->resume[l->n] = false;
	l->tree[l->n] = l->cur_tree;
	l->n++;
}

/* A URL that stays, failed with status (its reason already said). */
static void push_failed(struct tree *t, const char *url, int status)
{
	push(t->out, xstrdup(url), status, NULL, -1, NULL, 0);
}

static void collect(const struct listing_entry *e, void *arg)
{
	struct entries *l = arg;
	struct entry *x;

	if (++l->seen > l->max)
		return;
	l->v = grow(l->v, &l->cap, l->n, sizeof(*l->v));
	x = &l->v[l->n++];
	x->name = xstrdup(e->name);
	x->type = e->type;
	x->has_size = e->has_size;
	x->size = e->size;
	x->has_mtime = e->has_mtime;
	x->mtime = e->mtime;
	x->mtime_step = e->mtime_step ?: 1;
	x->target = NULL;
	x->twice = false;
	/* A target with a NUL in it could not be compared whole: none. */
	if (l->targets && e->type == LISTING_LINK && e->target_len &&
	    !memchr(e->target, '\0', e->target_len)) {
		x->target = strndup(e->target, e->target_len);
		if (!x->target)
			die(EXIT_OTHER, "out of memory");
	}
}

static void entries_free(struct entries *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].target);
	}
	free(l->v);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static bool listed(const struct entries *l, const char *name)
{
	struct entry key = { .name = (char *)name };

	return l->n && bsearch(&key, l->v, l->n, sizeof(*l->v), entry_cmp) != NULL;
}

/* "rel/name", or "name" at the top: a path in the tree. */
static char *join(const char *rel, const char *name)
{
	size_t size = strlen(rel) + strlen(name) + 2;
	char *p = malloc(size);

	if (!p)
		die(EXIT_OTHER, "out of memory");
	snprintf(p, size, "%s%s%s", rel, *rel ? "/" : "", name);
	return p;
}

/* url + the name, encoded, + suffix ("/" for a directory). */
static char *child_url(const char *url, const char *name, const char *suffix)
{
	size_t size = strlen(url) + 3 * strlen(name) + strlen(suffix) + 1;
	char *u = malloc(size);

	if (!u)
		die(EXIT_OTHER, "out of memory");
	snprintf(u, size, "%s", url);
	url_append_encoded(u, size, name);
	strcat(u, suffix);
	return u;
}

/* --include and --exclude, on the file's path in the tree. */
static bool selected(const struct options *opt, const char *path)
{
	size_t i;

	for (i = 0; i < opt->nexclude; i++)
		if (!fnmatch(opt->exclude[i], path, 0))
			return false;
	if (!opt->ninclude)
		return true;
	for (i = 0; i < opt->ninclude; i++)
		if (!fnmatch(opt->include[i], path, 0))
			return true;
	return false;
}

/*
 * Whether the local copy of e needs no fetch: a regular file of the
 * listing's size and time, to the listing's precision (MLSD: a second;
 * LIST: a minute, or a day for an old file), as lftp's mirror and wget -m
 * decide; with -N, any regular file at least as new as the server's
 * (lftp's --only-newer). A listing without a time never matches; st is
 * the local copy, NULL if there is no regular file.
 */
static bool up_to_date(const struct stat *st, const struct entry *e, bool only_newer)
{
	time_t step = (time_t)e->mtime_step;

	if (!st || !e->has_mtime)
		return false;
	if (only_newer)
		return st->st_mtime / step >= e->mtime / step;
	return e->has_size && (uint64_t)st->st_size == e->size &&
	       st->st_mtime / step == e->mtime / step;
}

/*
 * -C -: the local copy is what a run left of the listed file (with
 * --keep-partial): shorter, and written after the server's time. An
 * older complete copy is not: the new file's tail would be appended to
 * it, and the result would look up to date for good. It is fetched whole.
 */
static bool is_partial(const struct stat *st, const struct entry *e)
{
	if (!st || !e->has_size || !e->has_mtime)
		return false;
	return st->st_size > 0 && (uint64_t)st->st_size < e->size &&
	       st->st_mtime / (time_t)e->mtime_step > e->mtime / (time_t)e->mtime_step;
}

/*
 * The top's local directory: --output-dir (opened by main), or NAME in
 * the current directory, made when the top's listing has come: a missing
 * remote directory leaves nothing behind. NAME is never a symlink.
 */
static int open_top(struct tree *t)
{
	if (t->root_fd < 0) {
		if (mkdirat(AT_FDCWD, t->top_name, 0755) && errno != EEXIST)
			return -errno;
		t->root_fd = destdir_open_child(AT_FDCWD, t->top_name);
		if (t->root_fd < 0)
			return t->root_fd;
	}
	return destdir_walk(t->root_fd, "", DESTDIR_BENEATH);
}

/* The local directory rel, made if missing, opened beneath the top. */
static int open_local_dir(struct tree *t, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	char *parent;
	int pfd, fd;

	if (!*rel)
		return open_top(t);
	parent = xstrdup(rel);
	parent[slash ? slash - rel : 0] = '\0';
	pfd = destdir_walk(t->root_fd, parent, DESTDIR_BENEATH);
	free(parent);
	if (pfd < 0)
		return pfd;
	slash = slash ? slash + 1 : rel;
	if (mkdirat(pfd, slash, 0755) && errno != EEXIST)
		fd = -errno;
	else
		fd = destdir_open_child(pfd, slash);
	close(pfd);
	return fd;
}

/*
 * Remove name in dfd (path in the tree), and all it holds if it is a
 * directory, but a file that --include or --exclude leaves out, and the
 * directories that hold one; *n counts what went. 1 if name went, 0 if
 * it stays for what it holds, -1 with errno if something that was to go
 * is still there.
 */
static int remove_entry(const struct options *opt, int dfd, const char *name,
			const char *path, unsigned int depth, uint64_t *n)
{
	struct dirent *de;
	struct stat st;
	bool kept = false;
	char *sub;
	DIR *d;
	int fd, err, ret = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 1 : -1;
	if (!S_ISDIR(st.st_mode) && !selected(opt, path))
		return 0;
	if (S_ISDIR(st.st_mode)) {
		/* A local tree deeper than a mirror's bound was not the mirror's. */
		if (depth > MIRROR_LEVEL_LIMIT) {
			errno = ELOOP;
			return -1;
		}
		fd = destdir_open_child(dfd, name);
		if (fd < 0) {
			errno = -fd;
			return -1;
		}
		d = fdopendir(fd);
		if (!d) {
			err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			sub = join(path, de->d_name);
			switch (remove_entry(opt, dirfd(d), de->d_name, sub, depth + 1, n)) {
			case -1:
				ret = -1;
				break;
			case 0:
				kept = true;
				break;
			}
			free(sub);
		}
		err = errno;
		closedir(d);
		errno = err;
		/* What --exclude keeps stays where it is. */
		if (kept || ret)
			return ret;
	}
	if (unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0))
		return -1;
	(*n)++;
	return 1;
}

/*
 * --delete, part 1, while the directory is walked: what the local
 * directory holds and its listing does not, to remove once the whole tree
 * is known to fit its bounds. A file that --include or --exclude leaves
 * out is not the mirror's: it stays, and so does a directory holding one.
 */
static void find_extra(struct tree *t, int dfd, const char *rel, const struct entries *l)
{
	const struct options *opt = t->opt;
	struct dirent *de;
	struct stat st;
	char *path;
	DIR *d;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		/* A temporary file may be another run's, still being written. */
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    listed(l, de->d_name) || localfile_is_temp_name(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		path = join(rel, de->d_name);
		if (!S_ISDIR(st.st_mode) && !selected(opt, path)) {
			free(path);
			continue;
		}
		t->extra = grow(t->extra, &t->extra_cap, t->nextra, sizeof(*t->extra));
		t->extra[t->nextra++] = path;
	}
	closedir(d);
}

/* --delete, part 2: each extra path, from the top, beneath it. */
static void remove_extra(struct tree *t)
{
	const char *base;
	uint64_t n;
	size_t i;
	char *parent;
	int pfd, ret;

	for (i = 0; i < t->nextra; i++) {
		base = strrchr(t->extra[i], '/');
		parent = xstrdup(t->extra[i]);
		parent[base ? base - t->extra[i] : 0] = '\0';
		base = base ? base + 1 : t->extra[i];
		pfd = destdir_walk(t->root_fd, parent, DESTDIR_BENEATH);
		free(parent);
		n = 0;
		if (pfd < 0) {
			errno = -pfd;
			ret = -1;
		} else {
			ret = remove_entry(t->opt, pfd, base, t->extra[i], 0, &n);
			close(pfd);
		}
		t->opt->mirror_counts.deleted += n;
		if (ret < 0) {
			say("cannot remove '%s/%s': %s", t->root_name, t->extra[i],
			    strerror(errno));
			t->delete_failed = true;
		} else if (ret && !t->opt->quiet) {
			note("removed '%s/%s': the server no longer has it", t->root_name,
			     t->extra[i]);
		}
	}
}

static void enqueue(struct tree *t, char *url, char *rel, size_t rpath,
		    unsigned int level)
{
	t->q = grow(t->q, &t->qcap, t->nq, sizeof(*t->q));
	t->q[t->nq].url = url;
	t->q[t->nq].rel = rel;
	t->q[t->nq].rpath = rpath;
	t->q[t->nq].level = level;
	t->nq++;
}

/* A failure about one entry, said with its URL (password masked). */
static void entry_failed(struct tree *t, char *url, int status, const char *fmt,
			 const char *arg)
{
	char *shown = shown_url(url);

	msg_url(shown);
	say(fmt, arg);
	msg_url(NULL);
	free(shown);
	push(t->out, url, status, NULL, -1, NULL, 0);
}

/*
 * Whether name, in d, has a path that fits: the kernel's remote path, and
 * the local one with its temporary name's ".", ".kftp-" and 6 more. If
 * not, it fails alone, as a URL of the run.
 */
static bool path_fits(struct tree *t, const struct todo *d, const char *name,
		      const char *suffix)
{
	size_t local = strlen(t->root_name) + strlen(d->rel) + strlen(name) + 2 + 16;

	if (d->rpath + 1 + strlen(name) < KFTP_REMOTE_PATH_MAX &&
	    local < KFTP_LOCAL_PATH_MAX)
		return true;
	entry_failed(t, child_url(d->url, name, suffix),
		     d->rpath + 1 + strlen(name) < KFTP_REMOTE_PATH_MAX ? EXIT_LOCAL :
		     EXIT_USAGE, "'%s': the path is too long", name);
	return false;
}

/*
 * What the tree's URLs and paths take, for the bound on its size: a
 * server's names could otherwise fill memory within --max-files.
 */
static bool count_bytes(struct tree *t, size_t n)
{
	t->bytes += n;
	if (t->bytes > MIRROR_BYTES_MAX)
		t->over = "bytes";
	return !t->over;
}

/* A subdirectory of d: listed later, unless past the level. */
static void take_dir(struct tree *t, const struct todo *d, const struct entry *e)
{
	const struct options *opt = t->opt;
	char *url;

	if (d->level >= t->level_max) {
		if (opt->mirror_level || t->too_deep_said)
			return;
		/* No --level: a tree this deep is a loop, or a mistake. */
		entry_failed(t, child_url(d->url, e->name, "/"), EXIT_USAGE,
			     "the tree is deeper than %s levels (does a directory contain "
			     "itself?); --level N fetches N levels", MIRROR_LEVEL_MAX_STR);
		t->too_deep_said = true;
		return;
	}
	if (!path_fits(t, d, e->name, "/"))
		return;
	/* Each is made, locally: a server's tree of directories is bounded too. */
	if (++t->dirs > opt->mirror_max_dirs) {
		t->over = "dirs";
		return;
	}
	url = child_url(d->url, e->name, "/");
	if (!count_bytes(t, strlen(url) + strlen(d->rel) + strlen(e->name) + 2)) {
		wipe_free(url);
		return;
	}
	enqueue(t, url, join(d->rel, e->name), d->rpath + 1 + strlen(e->name), d->level + 1);
}

/*
 * A file of d, to fetch unless left out or up to date; *rel: d's path,
 * kept once for all its files (the run's, in opt->mirror_strings).
 */
static void take_file(struct tree *t, const struct todo *d, int dfd, const struct entry *e,
		      const char **rel)
{
	struct options *opt = t->opt;
	char *path = join(d->rel, e->name), *url;
	bool take = selected(opt, path), resume;
	const struct stat *local = NULL;
	struct stat st;

	free(path);
	if (!take) {
		opt->mirror_counts.excluded++;
		return;
	}
	/* The local copy, looked at once: a regular file, or none. */
	if (!fstatat(dfd, e->name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
		local = &st;
	/* A partial to resume is never up to date, even with -N. */
	resume = opt->resume == RESUME_AUTO && is_partial(local, e);
	if (!resume && up_to_date(local, e, opt->only_newer)) {
		opt->mirror_counts.up_to_date++;
		return;
	}
	if (!path_fits(t, d, e->name, ""))
		return;
	if (++t->files > opt->mirror_max_files) {
		t->over = "files";
		return;
	}
	url = child_url(d->url, e->name, "");
	if (!count_bytes(t, strlen(url) + 1 + (*rel ? 0 : strlen(d->rel) + 1))) {
		wipe_free(url);
		return;
	}
	if (!*rel)
		*rel = keep_string(opt, xstrdup(d->rel));
	push(t->out, url, 0, (char *)*rel, t->root_fd, t->root_name,
	     e->has_size ? e->size : 0);
	t->out->resume[t->out->n - 1] = resume;
}

/* How a path folded (fold_path()). */
enum fold {
	FOLD_OK,
	FOLD_ABOVE,		/* a ".." climbs above where it started */
	FOLD_BACK,		/* a ".." comes after a name of the path */
};

/*
 * Fold the components of p into the path out (of length *n, in a buffer
 * large enough): empty ones and "." are dropped, ".." takes the last one
 * off. A ".." after a name of p itself is FOLD_BACK: a server resolves
 * "lnk/.." physically, through lnk, which may be a link to anywhere; the
 * names before p in out are the tree's own directories. On FOLD_ABOVE,
 * *stop is the ".." that would climb.
 */
static enum fold fold_path(char *out, size_t *n, const char *p, const char **stop)
{
	bool named = false;
	const char *end;
	size_t len;

	for (; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '/');
		len = (size_t)(end - p);
		if (!len || (len == 1 && *p == '.'))
			continue;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (named)
				return FOLD_BACK;
			if (!*n) {
				*stop = p;
				return FOLD_ABOVE;
			}
			while (*n && out[*n - 1] != '/')
				(*n)--;
			if (*n)
				(*n)--;
			continue;
		}
		if (*n)
			out[(*n)++] = '/';
		memcpy(out + *n, p, len);
		*n += len;
		named = true;
	}
	out[*n] = '\0';
	return FOLD_OK;
}

/* An absolute path, folded: "/.." is "/", nothing climbs out of the root. */
static enum fold fold_absolute(char *out, size_t *n, const char *p)
{
	enum fold f;

	*n = 0;
	while ((f = fold_path(out, n, p, &p)) == FOLD_ABOVE)
		p += 2;
	return f;
}

/*
 * Where the link k's target leads, as a path in the tree ("" for the
 * top), or NULL with *why: a relative target from the link's directory,
 * an absolute one from the server's root, through the top's path (only
 * for a top given from the root, "%2F...": another is relative to the
 * login directory, which kftp-get does not know). Lexically: the server
 * resolves the link itself when it is fetched by its own name, and the
 * path found must be one the tree lists, through its own directories.
 */
static char *link_leads_to(const struct tree *t, const struct known *k, const char **why)
{
	const char *target = k->e.target, *stop;
	size_t n = 0, size = strlen(k->path) + strlen(target) + 2, len;
	char *out = malloc(size);
	enum fold f;

	if (!out)
		die(EXIT_OTHER, "out of memory");
	*why = NULL;
	if (*target != '/') {
		/* The link's directory: its path without its name. */
		n = (size_t)(k->e.name - k->path);
		n -= n ? 1 : 0;
		memcpy(out, k->path, n);
		f = fold_path(out, &n, target, &stop);
	} else if (!t->top_path) {
		/* One string, so that the message can be searched for. */
		*why = "it points to an absolute path, and the tree's URL is relative to the login directory (from the root, it starts with %2F)";
		f = FOLD_OK;
	} else {
		f = fold_absolute(out, &n, target);
		len = strlen(t->top_path);
		if (f == FOLD_OK && strncmp(out, t->top_path, len))
			f = FOLD_ABOVE;
		else if (f == FOLD_OK && len && out[len] && out[len] != '/')
			f = FOLD_ABOVE;
		else if (f == FOLD_OK && len)
			memmove(out, out + len + (out[len] ? 1 : 0), strlen(out + len) + 1);
	}
	if (f == FOLD_ABOVE)
		*why = "it points out of the tree";
	else if (f == FOLD_BACK)
		*why = "its target goes back up ('..') after a name, which may be a link";
	if (!*why)
		return out;
	free(out);
	return NULL;
}

static int known_cmp(const void *a, const void *b)
{
	return strcmp(((const struct known *)a)->path, ((const struct known *)b)->path);
}

static const struct known *find_known(const struct tree *t, const char *path)
{
	struct known key = { .path = (char *)path };

	return bsearch(&key, t->known, t->nknown, sizeof(*t->known), known_cmp);
}

/*
 * --follow-symlinks: why the link k is not fetched, or NULL with *file
 * the listed file it leads to, through at most MIRROR_LINK_HOPS links.
 */
static const char *link_file(const struct tree *t, const struct known *k,
			     const struct known **file)
{
	const struct known *at = k;
	unsigned int hops;
	const char *why;
	char *path;

	for (hops = 0; at->e.type == LISTING_LINK; hops++) {
		if (hops == MIRROR_LINK_HOPS)
			return "more than " MIRROR_LINK_HOPS_STR " links in a row";
		if (at->e.twice)
			return "its name is listed twice: which is the server's?";
		if (!at->e.target)
			return "the listing does not say where it points";
		path = link_leads_to(t, at, &why);
		if (!path)
			return why;
		at = *path ? find_known(t, path) : NULL;
		if (!*path) {
			free(path);
			return "it points to a directory; only links to files are followed";
		}
		free(path);
		if (!at)
			return "it points to nothing that the tree's listings show";
	}
	if (at->e.type == LISTING_DIR)
		return "it points to a directory; only links to files are followed";
	if (at->e.type != LISTING_FILE)
		return "it points to something that is not a file";
	*file = at;
	return NULL;
}

/*
 * --follow-symlinks, once the whole tree is listed: a link to a file of
 * the tree is fetched by its own name, as the file its listing shows (its
 * size and time decide whether it is up to date). Any other is skipped,
 * and said why.
 */
static void follow_links(struct tree *t)
{
	struct options *opt = t->opt;
	const struct known *k, *file;
	const char *why, *rel = NULL;
	size_t i, dir = SIZE_MAX;
	struct entry e;
	int dfd = -1;

	if (t->nknown)
		qsort(t->known, t->nknown, sizeof(*t->known), known_cmp);
	for (i = 0; i < t->nknown && !t->over; i++) {
		k = &t->known[i];
		if (k->e.type != LISTING_LINK)
			continue;
		why = link_file(t, k, &file);
		/* Its directory, opened (and its path kept) once for its links. */
		if (!why && k->dir != dir) {
			if (dfd >= 0)
				close(dfd);
			dfd = open_local_dir(t, t->q[k->dir].rel);
			dir = k->dir;
			rel = NULL;
		}
		if (!why && dfd < 0)
			why = dfd == -ELOOP ? "its directory, or one on its way, is a symlink" :
			      strerror(-dfd);
		if (why) {
			opt->mirror_counts.links++;
			if (!opt->quiet)
				note("'%s/%s': a link not followed: %s", t->root_name, k->path,
				     why);
			continue;
		}
		/* What --exclude leaves out stays out, under any name. */
		if (!selected(opt, file->path)) {
			opt->mirror_counts.excluded++;
			continue;
		}
		e = file->e;
		e.name = k->e.name;
		take_file(t, &t->q[k->dir], dfd, &e, &rel);
	}
	if (dfd >= 0)
		close(dfd);
}

/* --follow-symlinks: e of d, known by its path; its target moves here. */
static bool remember(struct tree *t, const struct todo *d, size_t at, struct entry *e)
{
	struct known *k;
	char *path = join(d->rel, e->name);

	if (!count_bytes(t, sizeof(*k) + strlen(path) + 1 +
			 (e->target ? strlen(e->target) + 1 : 0))) {
		free(path);
		return false;
	}
	t->known = grow(t->known, &t->known_cap, t->nknown, sizeof(*t->known));
	k = &t->known[t->nknown++];
	k->path = path;
	k->e = *e;
	k->e.name = path + strlen(path) - strlen(e->name);
	k->dir = at;
	e->target = NULL;
	return true;
}

/* One directory: its listing, its local directory, its entries. */
static void walk_dir(struct tree *t, const struct todo *d, size_t at)
{
	struct options *opt = t->opt;
	struct entries l = { .max = opt->mirror_max_entries,
			     .targets = opt->follow_symlinks };
	const char *rel = NULL;
	size_t i, refused = 0;
	char *shown;
	int status, dfd;

	status = transfer_list(t->ctx, d->url, collect, &l, &refused);
	shown = shown_url(d->url);
	msg_url(shown);
	if (l.seen > l.max) {
		say("%llu entries: more than --max-entries %llu allows",
		    (unsigned long long)l.seen, (unsigned long long)l.max);
		status = EXIT_USAGE;
		entries_free(&l);
		l.n = 0;
		l.v = NULL;
	}
	/* A listing with bad lines (exit 8) still gives the good ones. */
	if (status)
		push_failed(t, d->url, status);
	if (status && !l.n)
		goto out;
	dfd = open_local_dir(t, d->rel);
	if (dfd < 0) {
		say("cannot make the directory '%s%s%s': %s", t->root_name,
		    *d->rel ? "/" : "", d->rel, dfd == -ELOOP ?
		    "it, or one on its way, is a symlink" : strerror(-dfd));
		if (!status)
			push_failed(t, d->url, EXIT_LOCAL);
		goto out;
	}
	msg_url(NULL);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), entry_cmp);
	for (i = 0; i < l.n && !t->over; i++) {
		const struct entry *e = &l.v[i];

		/* A name listed twice is one entry. */
		if (i && !strcmp(e->name, l.v[i - 1].name))
			continue;
		l.v[i].twice = i + 1 < l.n && !strcmp(e->name, l.v[i + 1].name);
		/* Another run's temporary file is not the server's to give. */
		if (localfile_is_temp_name(e->name))
			continue;
		if (opt->follow_symlinks && !remember(t, d, at, &l.v[i]))
			break;
		switch (e->type) {
		case LISTING_FILE:
			take_file(t, d, dfd, e, &rel);
			break;
		case LISTING_DIR:
			take_dir(t, d, e);
			break;
		case LISTING_LINK:
			/* Followed once the tree is listed, and only within it. */
			if (!opt->follow_symlinks)
				opt->mirror_counts.links++;
			break;
		case LISTING_OTHER:
			break;
		}
	}
	/* A name left out may be one the server has: nothing goes then. */
	if (opt->delete_extra && !status && !refused)
		find_extra(t, dfd, d->rel, &l);
	close(dfd);
out:
	msg_url(NULL);
	free(shown);
	entries_free(&l);
}

/*
 * The local name of a tree without --output-dir, its directory's (the
 * host for the login directory); *rpath: its remote path's length.
 */
static char *top_name_of(const char *url_str, size_t *rpath, char **path)
{
	static struct ftp_url url;	/* large; holds the password: wiped */
	char *name, *slash;
	bool from_root;

	memset(&url, 0, sizeof(url));
	parse_url(url_str, &url, true);
	from_root = url.path[0] == '/';
	while (*url.path && url.path[strlen(url.path) - 1] == '/')
		url.path[strlen(url.path) - 1] = '\0';
	slash = strrchr(url.path, '/');
	name = xstrdup(*url.path ? (slash ? slash + 1 : url.path) : url.host);
	*rpath = strlen(url.path);
	/* "%2F" alone is the root: still a path from the root. */
	*path = xstrdup(from_root && !*url.path ? "/" : url.path);
	explicit_bzero(&url, sizeof(url));
	return name;
}

/* Past a bound, nothing of the tree is fetched: a part of it is no mirror. */
static void drop_tree(struct tree *t, const char *url_str)
{
	const struct options *opt = t->opt;
	struct url_list *out = t->out;
	size_t i, n = t->out_start;
	char *shown;

	/* Its files go; what failed stays, to be reported. */
	for (i = t->out_start; i < out->n; i++) {
		if (!out->status[i]) {
			wipe_free(out->urls[i]);
			continue;
		}
		out->urls[n] = out->urls[i];
		out->status[n] = out->status[i];
		out->dir[n] = out->dir[i];
		out->dir_at[n] = out->dir_at[i];
		out->root[n] = out->root[i];
		out->size[n] = out->size[i];
		out->resume[n] = out->resume[i];
		out->tree[n] = out->tree[i];
		n++;
	}
	out->n = n;
	shown = shown_url(url_str);
	msg_url(shown);
	if (!strcmp(t->over, "files"))
		say("the tree has more than %llu files; --max-files N raises the bound",
		    (unsigned long long)opt->mirror_max_files);
	else if (!strcmp(t->over, "dirs"))
		say("the tree has more than %llu directories; --max-dirs N raises the bound",
		    (unsigned long long)opt->mirror_max_dirs);
	else
		say("the tree's names take more than %d MiB: too many, or too long",
		    MIRROR_BYTES_MAX >> 20);
	msg_url(NULL);
	free(shown);
	push_failed(t, url_str, EXIT_USAGE);
}

/* URL i of the command line: its tree, into t->out. */
static void expand_tree(struct tree *t, const char *url_str)
{
	struct options *opt = t->opt;
	struct todo d;
	const char *why;
	size_t len = strlen(url_str), i, rpath;
	char *top, *shown, *name, *path;
	size_t folded;

	top = malloc(len + 2);
	if (!top)
		die(EXIT_OTHER, "out of memory");
	snprintf(top, len + 2, "%s%s", url_str, len && url_str[len - 1] == '/' ? "" : "/");
	t->out_start = t->out->n;
	name = top_name_of(url_str, &rpath, &path);
	if (opt->output_dir) {
		t->root_fd = opt->output_dir_fd;
		t->root_name = xstrdup(opt->output_dir);
		while (*t->root_name && t->root_name[strlen(t->root_name) - 1] == '/')
			t->root_name[strlen(t->root_name) - 1] = '\0';
		free(name);
	} else {
		t->root_fd = -1;
		t->top_name = name;
		t->root_name = xstrdup(name);
		why = listing_name_refused(name, strlen(name));
		if (why) {
			shown = shown_url(url_str);
			msg_url(shown);
			say("cannot name a local directory after '%s' (%s); use --output-dir",
			    name, why);
			msg_url(NULL);
			free(shown);
			push(t->out, top, EXIT_USAGE, NULL, -1, NULL, 0);
			free(t->top_name);
			free(t->root_name);
			free(path);
			return;
		}
	}
	/* An absolute link target is compared with a top given from the root. */
	if (*path == '/') {
		t->top_path = xstrdup(path);
		if (fold_absolute(t->top_path, &folded, path) != FOLD_OK) {
			free(t->top_path);
			t->top_path = NULL;
		}
	}
	free(path);
	/* The files of the tree name it (url_root_name): the run keeps it. */
	keep_string(opt, t->root_name);
	t->level_max = opt->mirror_level ?: MIRROR_LEVEL_MAX;
	enqueue(t, top, xstrdup(""), rpath, 1);
	for (; t->head < t->nq && !t->over; t->head++) {
		/* Stopped, or no device: the rest is not listed (batch.c stops too). */
		if (signals_caught() || session_unusable()) {
			push_failed(t, t->q[t->head].url, signals_caught() ?
				    EXIT_SIGNAL + signals_caught() : EXIT_DEVICE);
			break;
		}
		/* A copy: the walk adds to t->q, which may move. */
		d = t->q[t->head];
		walk_dir(t, &d, t->head);
	}
	/* Links lead anywhere in the tree: followed once it is all listed. */
	if (!t->over && t->head == t->nq && opt->follow_symlinks)
		follow_links(t);
	else
		for (i = 0; i < t->nknown; i++)
			opt->mirror_counts.links += t->known[i].e.type == LISTING_LINK;
	if (t->over)
		drop_tree(t, url_str);
	/* A tree that was not all listed is not the server's: nothing goes. */
	else if (t->head == t->nq && !t->too_deep_said)
		remove_extra(t);
	if (t->delete_failed)
		push_failed(t, url_str, EXIT_LOCAL);
	/* No file of it is left to fetch: its top's descriptor is not needed. */
	for (i = t->out_start; i < t->out->n && t->out->status[i]; i++)
		;
	if (i == t->out->n && t->root_fd >= 0 && t->root_fd != opt->output_dir_fd)
		close(t->root_fd);
	for (i = 0; i < t->nextra; i++)
		free(t->extra[i]);
	free(t->extra);
	for (i = 0; i < t->nknown; i++) {
		free(t->known[i].path);
		free(t->known[i].e.target);
	}
	free(t->known);
	free(t->top_path);
	for (i = 0; i < t->nq; i++) {
		wipe_free(t->q[i].url);
		free(t->q[i].rel);
	}
	free(t->q);
	free(t->top_name);
}

/*
 * --delete cleans a directory the user named, of one tree: a tree
 * without --output-dir would clean ./NAME, which may be /etc when run
 * from /; two trees in one directory would each remove the other's files.
 * Refused before any listing.
 */
static void check_delete(const struct options *opt)
{
	struct stat top, root;

	if (!opt->delete_extra)
		return;
	if (!opt->output_dir)
		die(EXIT_USAGE, "--delete needs --output-dir DIR: the directory it may "
		    "clean, named");
	if (opt->nurls > 1)
		die(EXIT_USAGE, "--delete with %zu trees in one --output-dir: each would "
		    "remove the others' files; mirror them in separate runs", opt->nurls);
	if (!fstat(opt->output_dir_fd, &top) && !stat("/", &root) &&
	    top.st_dev == root.st_dev && top.st_ino == root.st_ino)
		die(EXIT_USAGE, "--delete will not clean the root directory");
}

void mirror_expand(const struct run_ctx *ctx, struct options *opt)
{
	struct url_list out = { 0 };
	struct tree t;
	size_t i;

	check_delete(opt);
	for (i = 0; i < opt->nurls; i++) {
		memset(&t, 0, sizeof(t));
		t.ctx = ctx;
		t.opt = opt;
		t.out = &out;
		out.cur_tree = i;
		expand_tree(&t, opt->urls[i]);
	}
	/* The trees' URLs stay, for --failed (options_wipe() wipes them). */
	opt->mirror_tops = opt->urls;
	opt->nmirror_tops = opt->nurls;
	free(opt->wildcard);
	free(opt->url_status);
	opt->wildcard = NULL;
	opt->urls = out.urls;
	opt->url_status = out.status;
	opt->url_dir = out.dir;
	opt->url_dir_at = out.dir_at;
	opt->url_root_name = out.root;
	opt->url_size = out.size;
	opt->url_resume = out.resume;
	opt->url_tree = out.tree;
	opt->nurls = out.n;
	opt->mirror_expanded = true;
}

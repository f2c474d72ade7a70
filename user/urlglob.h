/* SPDX-License-Identifier: GPL-2.0 */
/*
 * urlglob: curl's ranges and sets in a URL's path, expanded without asking
 * the server (issue 22): "f[1-3].txt" is f1.txt, f2.txt and f3.txt;
 * "[01-10]" keeps the width of its first number; "[a-e:2]" steps; and
 * "{iso,sig}" names each alternative. Several multiply, the leftmost the
 * slowest. "\[", "\]", "\{", "\}", "\,", "\*" and "\?" are the characters
 * themselves.
 * The scheme and the host (a "[v6]" literal, a password) are never
 * expanded. kftp-get -g (--globoff) takes URLs as they are. Below it:
 * nothing (the caller says the error).
 */
#ifndef KFTP_URLGLOB_H
#define KFTP_URLGLOB_H

#include <stddef.h>

/* At most this many URLs from one URL's patterns. */
#define URLGLOB_MAX	10000

/*
 * Call add(arg, each URL) in order, at most max of them. 0, or -1 with
 * the reason in err (an unclosed "[" or "{", a bad range, too many URLs):
 * then add was not called at all.
 */
int urlglob_expand(const char *url, size_t max, void (*add)(void *arg, const char *url),
		   void *arg, char *err, size_t errsize);

/*
 * Where url's last path component starts when it holds an unescaped '*'
 * or '?' (after the host: a password may hold them); else 0. Such a
 * component is a pattern that the directory's listing expands
 * (wildcard.h): urlglob_expand() is given what comes before it.
 */
size_t urlglob_pattern_start(const char *url);

#endif /* KFTP_URLGLOB_H */

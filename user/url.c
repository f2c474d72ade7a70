// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get: the URL, ftp://[user[:password]@]host[:port]/path, taken apart
 * and percent-decoded into the fields the kernel takes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "msgs.h"
#include "text.h"
#include "url.h"

/*
 * Decode %XX escapes of src[0..len) into dst. %00 is refused: the kernel
 * takes C strings, so an embedded NUL would silently shorten the field.
 */
static void pct_decode(const char *what, const char *src, size_t len,
		       char *dst, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%') {
			int hi = i + 2 < len ? text_hex_value(src[i + 1]) : -1;
			int lo = hi >= 0 ? text_hex_value(src[i + 2]) : -1;

			if (lo < 0 || (hi | lo) == 0)
				die(EXIT_USAGE, "bad %%-escape in the URL's %s", what);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n + 1 >= size)
			die(EXIT_USAGE, "the URL's %s is too long (at most %zu bytes)",
			    what, size - 1);
		dst[n++] = c;
	}
	dst[n] = '\0';
}

/* "user[:password]" */
static void parse_userinfo(const char *s, size_t len, struct ftp_url *url)
{
	const char *colon = memchr(s, ':', len);
	size_t ulen = colon ? (size_t)(colon - s) : len;

	pct_decode("user", s, ulen, url->user, sizeof(url->user));
	if (colon) {
		url->has_pass = true;
		pct_decode("password", colon + 1, len - ulen - 1,
			   url->pass, sizeof(url->pass));
	}
}

static uint16_t parse_port(const char *s, size_t len)
{
	unsigned long port = 0;
	size_t i;

	if (len == 0)	/* "host:" is allowed by RFC 3986 */
		return FTP_DEFAULT_PORT;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			break;
		port = port * 10 + (unsigned long)(s[i] - '0');
		if (port > 65535)
			break;
	}
	if (i < len)
		die(EXIT_USAGE, "bad port '%.*s' in the URL", (int)len, s);
	if (port == 0)
		die(EXIT_USAGE, "bad port 0 in the URL");
	return (uint16_t)port;
}

static void copy_host(struct ftp_url *url, const char *s, size_t len)
{
	if (len == 0)
		die(EXIT_USAGE, "the URL has no host");
	if (len >= sizeof(url->host))
		die(EXIT_USAGE, "the URL's host is too long");
	memcpy(url->host, s, len);
	url->host[len] = '\0';
}

/* "host[:port]" or "[v6addr[%25zone]][:port]" */
static void parse_hostport(const char *s, size_t len, struct ftp_url *url)
{
	const char *end = s + len, *colon;
	char *zone;

	url->port = FTP_DEFAULT_PORT;
	if (len && *s == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			die(EXIT_USAGE, "missing ']' after the IPv6 address in the URL");
		if (close + 1 < end && close[1] != ':')
			die(EXIT_USAGE, "junk after ']' in the URL");
		copy_host(url, s + 1, (size_t)(close - s - 1));
		url->bracketed = true;
		/* RFC 6874 writes the zone separator '%' as "%25" */
		zone = strstr(url->host, "%25");
		if (zone)
			memmove(zone + 1, zone + 3, strlen(zone + 3) + 1);
		if (close + 1 < end)
			url->port = parse_port(close + 2, (size_t)(end - close - 2));
		return;
	}
	colon = memchr(s, ':', len);
	if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
		die(EXIT_USAGE, "an IPv6 address in a URL must be in brackets");
	copy_host(url, s, colon ? (size_t)(colon - s) : len);
	if (colon)
		url->port = parse_port(colon + 1, (size_t)(end - colon - 1));
}

/* RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static bool is_scheme(const char *s, size_t len)
{
	size_t i;

	if (!len || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (i = 1; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789+-.", s[i]) || !s[i])
			return false;
	return true;
}

/*
 * Where the password is: in "scheme://user:PASS@host/...", PASS (the
 * user info ends at the last '@' before the first '/'); in anything else
 * ("ftp:/user:PASS@host/f", a mistyped URL), everything from the first
 * ':' to the last '@', to be safe. Its length (0: none) and its start.
 */
size_t url_password_span(const char *s, size_t *start)
{
	const char *sep = strstr(s, "://");
	const char *auth, *slash, *at, *colon;
	size_t alen;

	*start = 0;
	if (sep && is_scheme(s, (size_t)(sep - s))) {
		auth = sep + 3;
		slash = strchr(auth, '/');
		alen = slash ? (size_t)(slash - auth) : strlen(auth);
		at = memrchr(auth, '@', alen);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	} else {
		at = strrchr(s, '@');
		colon = strchr(s, ':');
		if (colon && at && colon > at)
			colon = NULL;
	}
	if (!colon || !at)
		return 0;
	*start = (size_t)(colon + 1 - s);
	return (size_t)(at - colon - 1);
}

/* "'STR' is not an ftp:// URL", with STR's password, if any, hidden. */
static void __attribute__((noreturn)) not_a_url(const char *str)
{
	size_t start, len = url_password_span(str, &start);

	msg_url(NULL);	/* the message names it */
	if (!len)
		die(EXIT_USAGE, "'%s' is not an ftp:// URL", str);
	die(EXIT_USAGE, "'%.*s****%s' is not an ftp:// URL", (int)start, str,
	    str + start + len);
}

void parse_url(const char *str, struct ftp_url *url, bool dir_ok)
{
	const char *sep = strstr(str, "://");
	const char *auth, *slash, *at;
	size_t alen;

	if (!sep || !is_scheme(str, (size_t)(sep - str)))
		not_a_url(str);
	if (sep - str != 3 || strncasecmp(str, "ftp", 3))
		die(EXIT_USAGE, "unsupported URL scheme '%.*s' (only ftp:// is)",
		    (int)(sep - str), str);
	auth = sep + 3;
	slash = strchr(auth, '/');
	alen = slash ? (size_t)(slash - auth) : strlen(auth);

	/* The last '@': a careless password may hold an unescaped one. */
	at = memrchr(auth, '@', alen);
	if (at) {
		url->has_user = true;
		parse_userinfo(auth, (size_t)(at - auth), url);
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	parse_hostport(auth, alen, url);

	if (slash)
		pct_decode("path", slash + 1, strlen(slash + 1),
			   url->path, sizeof(url->path));
	if (!dir_ok && (!url->path[0] || url->path[strlen(url->path) - 1] == '/'))
		die(EXIT_USAGE, "the URL must name a file, not '%s'",
		    url->path[0] ? url->path : "/");
}

void url_append_encoded(char *dst, size_t size, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(dst);
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p && n + 3 < size; p++) {
		if (*p <= ' ' || *p == 0x7f || strchr("%#?[]{}\\*/", *p)) {
			dst[n++] = '%';
			dst[n++] = hex[*p >> 4];
			dst[n++] = hex[*p & 15];
		} else {
			dst[n++] = (char)*p;
		}
	}
	dst[n] = '\0';
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The server's own SHA-256 of the file (KFTP_GET_F_SERVER_SHA256): FEAT,
 * asked once per login, says whether the server offers HASH with SHA-256
 * (draft-bryan-ftpext-hash) or XSHA256 (proftpd's mod_digest); after the
 * transfer, the command is sent and the digest taken from its reply.
 * Comparing it with the data's own digest (kftp_hash.c) is the caller's.
 *
 * Real replies, as proftpd 1.3.8 sends them:
 *   FEAT     211-Features: ... " HASH SHA-256*;SHA-1;MD5" ... " XSHA256"
 *   HASH f   213-Computing SHA-256 digest / 213 SHA-256 0-6 5891b5...3 f
 *   XSHA256  250-Computing SHA256 digest / 250 5891B5...3
 * A reply's lines are read as they come (kftp_ctrl.on_line): only the
 * final line holds the digest, and a multi-line FEAT lists the features.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "kftp_internal.h"

static const char kftp_sha256_name[] = "SHA-256";

bool kftp_feat_wanted(const struct kftp_xfer *x)
{
	return (x->args->flags & KFTP_GET_F_SERVER_SHA256) &&
	       !x->sess->ctrl.feat_known;
}

/* Skip spaces; the next word's length (up to a space or the end). */
static int kftp_word(const char **p, const char *end)
{
	const char *w;

	while (*p < end && **p == ' ')
		(*p)++;
	for (w = *p; w < end && *w != ' '; w++)
		;
	return w - *p;
}

/* " HASH SHA-256*;SHA-1;MD5": whether SHA-256 is offered, and selected. */
static u8 kftp_feat_hash_line(const char *p, const char *end)
{
	int n;
	u8 feat = 0;

	while (p < end) {
		for (n = 0; p + n < end && p[n] != ';'; n++)
			;
		if (n >= sizeof(kftp_sha256_name) - 1 &&
		    !strncasecmp(p, kftp_sha256_name, sizeof(kftp_sha256_name) - 1)) {
			const char *rest = p + sizeof(kftp_sha256_name) - 1;
			int left = n - (sizeof(kftp_sha256_name) - 1);

			if (!left || (left == 1 && *rest == '*')) {
				feat |= KFTP_FEAT_HASH_SHA256;
				if (left)
					feat |= KFTP_FEAT_HASH_SELECTED;
			}
		}
		p += n + 1;
	}
	return feat;
}

/* One line of the FEAT reply: a feature line names one, first word. */
static void kftp_feat_line(void *arg, int code, char sep, const char *line,
			   int len)
{
	struct kftp_xfer *x = arg;
	const char *p = line, *end = line + len;
	int n;

	if (code >= 0)
		return;		/* "211-Features:", "211 End" */
	n = kftp_word(&p, end);
	if (n == 4 && !strncasecmp(p, "HASH", 4)) {
		p += n;
		kftp_word(&p, end);
		x->sess->ctrl.feat |= kftp_feat_hash_line(p, end);
	} else if (n == 7 && !strncasecmp(p, "XSHA256", 7)) {
		x->sess->ctrl.feat |= KFTP_FEAT_XSHA256;
	}
}

/*
 * FEAT, once per login. A server without it (5xx) offers nothing; either
 * way the connection stays as it was.
 */
int kftp_feat(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	int code;

	if (!x->cmd_sent)
		c->feat = 0;
	c->on_line = kftp_feat_line;
	c->on_line_arg = x;
	code = kftp_cmd(x, "FEAT", NULL);
	c->on_line = NULL;
	if (code < 0)
		return code;
	if (code / 100 != 2)
		c->feat = 0;
	if (code < 200)
		return -EPROTO;
	c->feat_known = true;
	return 0;
}

bool kftp_server_hash_wanted(const struct kftp_xfer *x)
{
	const struct kftp_ctrl *c = &x->sess->ctrl;

	return (x->args->flags & KFTP_GET_F_SERVER_SHA256) &&
	       (c->feat & (KFTP_FEAT_HASH_SHA256 | KFTP_FEAT_XSHA256));
}

/* 64 hex digits, either case, into x->server_sha256. */
static bool kftp_parse_sha256(struct kftp_xfer *x, const char *p, int n)
{
	return n == 2 * KFTP_SHA256_SIZE &&
	       !hex2bin(x->server_sha256, p, KFTP_SHA256_SIZE);
}

/*
 * The final line of HASH's reply: "213 SHA-256 0-SIZE HEX NAME", the range
 * the whole file (the bytes it now holds).
 */
static void kftp_hash_reply_line(void *arg, int code, char sep,
				 const char *line, int len)
{
	struct kftp_xfer *x = arg;
	const char *p = line + 4, *end = line + len, *dash;
	u64 size = x->args->resume_offset + x->written, lo, hi;
	char range[48];
	int n;

	if (code / 100 != 2 || sep != ' ' || len < 4)
		return;
	x->server_hash_err = -EBADMSG;
	n = kftp_word(&p, end);
	if (n != sizeof(kftp_sha256_name) - 1 ||
	    strncasecmp(p, kftp_sha256_name, n))
		return;
	p += n;
	n = kftp_word(&p, end);
	if (!n || n >= sizeof(range))
		return;
	memcpy(range, p, n);
	range[n] = '\0';
	dash = strchr(range, '-');
	if (!dash)
		return;
	range[dash - range] = '\0';
	if (kstrtou64(range, 10, &lo) || kstrtou64(dash + 1, 10, &hi) ||
	    lo || hi != size)
		return;
	p += n;
	n = kftp_word(&p, end);
	if (kftp_parse_sha256(x, p, n))
		x->server_hash_err = 0;
}

/* The final line of XSHA256's reply: "250 HEX", a name after it or not. */
static void kftp_xsha256_reply_line(void *arg, int code, char sep,
				    const char *line, int len)
{
	struct kftp_xfer *x = arg;
	const char *p = line + 4, *end = line + len;
	int n;

	if (code / 100 != 2 || sep != ' ' || len < 4)
		return;
	n = kftp_word(&p, end);
	x->server_hash_err = kftp_parse_sha256(x, p, n) ? 0 : -EBADMSG;
}

/*
 * After the transfer: OPTS HASH SHA-256 when another algorithm is the
 * selected one, then HASH, or XSHA256 when HASH has no SHA-256 (or OPTS
 * was refused). A refusal (4xx, 5xx) leaves server_hash NONE: the server
 * declined, the data is what it is. A 2xx that holds no SHA-256 of the
 * whole file is EBADMSG. x->substep: 0 OPTS, 1 HASH or XSHA256.
 */
int kftp_server_hash(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	const char *path = x->args->remote_path;
	bool hash = c->feat & KFTP_FEAT_HASH_SHA256;
	int code;

	if (x->substep == 0) {
		if (hash && !(c->feat & KFTP_FEAT_HASH_SELECTED)) {
			code = kftp_cmd(x, "OPTS", "HASH SHA-256");
			if (code < 0)
				return code;
			if (code / 100 != 2)
				c->feat &= ~KFTP_FEAT_HASH_SHA256;
			else
				c->feat |= KFTP_FEAT_HASH_SELECTED;
		}
		x->substep = 1;
	}
	hash = c->feat & KFTP_FEAT_HASH_SHA256;
	if (!hash && !(c->feat & KFTP_FEAT_XSHA256))
		return 0;
	if (!x->cmd_sent)
		x->server_hash_err = -EBADMSG;	/* no final 2xx line yet */
	c->on_line = hash ? kftp_hash_reply_line : kftp_xsha256_reply_line;
	c->on_line_arg = x;
	code = kftp_cmd(x, hash ? "HASH" : "XSHA256", path);
	c->on_line = NULL;
	if (code < 0)
		return code;
	if (code / 100 != 2) {
		kftp_trace(c, "* the server gave no SHA-256\n");
		return code < 200 ? -EPROTO : 0;
	}
	if (x->server_hash_err)
		return x->server_hash_err;
	x->server_hash = hash ? KFTP_SERVER_HASH_HASH : KFTP_SERVER_HASH_XSHA256;
	return 0;
}

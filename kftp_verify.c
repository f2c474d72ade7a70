// SPDX-License-Identifier: GPL-2.0
/*
 * What the server offers beyond RFC 959, and the server's own SHA-256 of
 * the file (KFTP_GET_F_SERVER_SHA256). FEAT, asked once per login, says
 * whether the server offers HASH with SHA-256 (draft-bryan-ftpext-hash) or
 * XSHA256 (proftpd's mod_digest), and whether it offers MLST, and so MLSD,
 * which KFTP_COMMAND_LISTING prefers to LIST. After the transfer, the
 * digest command is sent and the digest taken from its reply. Comparing it
 * with the data's own digest (kftp_hash.c) is the caller's.
 *
 * Real replies, as proftpd 1.3.8 sends them:
 *   FEAT     211-Features: ... " HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;"
 *            ... " XSHA256" ... 211 End  (SHA-1 selected: OPTS first)
 *   HASH f   213-Computing SHA-256 digest / 213 SHA-256 0-6 5891b5...3 f
 *   XSHA256  250-Computing SHA256 digest / 250 5891B5...3
 * FEAT's lines are read as they come (kftp_ctrl.on_line, for the length of
 * that one command); the digest is in the final line of its reply, which
 * the reader keeps (c->line) once the reply is complete.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "kftp_internal.h"

static const char kftp_sha256_name[] = "SHA-256";

bool kftp_feat_wanted(const struct kftp_xfer *x)
{
	return ((x->args->flags & KFTP_GET_F_SERVER_SHA256) ||
		x->args->command == KFTP_COMMAND_LISTING) &&
	       !x->sess->ctrl.feat_known;
}

/* RFC 3659 7.8: a server that lists MLST in FEAT takes MLSD too. */
bool kftp_mlsd_offered(const struct kftp_xfer *x)
{
	return x->sess->ctrl.feat & KFTP_FEAT_MLST;
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
	} else if (n == 4 && (!strncasecmp(p, "MLST", 4) ||
			      !strncasecmp(p, "MLSD", 4))) {
		/*
		 * " MLST type*;size*;modify*;": the facts are not needed. RFC
		 * 3659 advertises MLST alone; an "MLSD" line is taken too.
		 */
		x->sess->ctrl.feat |= KFTP_FEAT_MLST;
	}
}

/*
 * A reply these commands can act on: its code; or, for a preliminary
 * reply (the dialogue is out of step) or a 421, what ends the call.
 */
static int kftp_final_code(int code)
{
	if (code < 0)
		return code;
	if (code < 200)
		return -EPROTO;
	if (code == 421)
		return -ECONNABORTED;
	return code;
}

/*
 * FEAT, once per login. A server without it (4xx, 5xx) offers nothing, and
 * the connection stays as it was; a 1xx or 421 ends it, as for any other
 * command.
 */
int kftp_feat(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	int code;

	if (!x->cmd_sent)
		c->feat = 0;
	c->on_line = kftp_feat_line;
	c->on_line_arg = x;
	code = kftp_final_code(kftp_cmd(x, "FEAT", NULL));
	c->on_line = NULL;
	if (code < 0)
		return code;
	if (code / 100 != 2)
		c->feat = 0;
	c->feat_known = true;
	return 0;
}

/* Does the server offer a SHA-256 that the request wants? */
bool kftp_server_hash_offered(const struct kftp_xfer *x)
{
	const struct kftp_ctrl *c = &x->sess->ctrl;

	return (x->args->flags & KFTP_GET_F_SERVER_SHA256) &&
	       (c->feat & (KFTP_FEAT_HASH_SHA256 | KFTP_FEAT_XSHA256));
}

/* ... and is there a digest of the data to compare it with? */
bool kftp_server_hash_wanted(const struct kftp_xfer *x)
{
	return x->hash && kftp_server_hash_offered(x);
}

/* 64 hex digits, either case, into x->server_sha256. */
static bool kftp_parse_sha256(struct kftp_xfer *x, const char *p, int n)
{
	return n == 2 * KFTP_SHA256_SIZE &&
	       !hex2bin(x->server_sha256, p, KFTP_SHA256_SIZE);
}

/*
 * "SHA-256 0-END HEX NAME", the range the whole file: END is its size
 * (proftpd's, an exclusive end) or its last byte (an inclusive one). A
 * shorter range's digest could only mismatch, so nothing wrong passes.
 */
static bool kftp_parse_hash_line(struct kftp_xfer *x, const char *p,
				 const char *end)
{
	u64 size = x->args->resume_offset + x->written, lo, hi;
	char range[48], *dash;
	int n;

	n = kftp_word(&p, end);
	if (n != sizeof(kftp_sha256_name) - 1 ||
	    strncasecmp(p, kftp_sha256_name, n))
		return false;
	p += n;
	n = kftp_word(&p, end);
	if (!n || n >= sizeof(range))
		return false;
	memcpy(range, p, n);
	range[n] = '\0';
	dash = strchr(range, '-');
	if (!dash)
		return false;
	*dash = '\0';
	if (kstrtou64(range, 10, &lo) || kstrtou64(dash + 1, 10, &hi) || lo ||
	    (hi != size && !(size && hi == size - 1)))
		return false;
	p += n;
	n = kftp_word(&p, end);
	return kftp_parse_sha256(x, p, n);
}

/*
 * The server hashes the whole file before its final line: a reply
 * timeout for each GiB (at least 35 MB/s with the 30 s default), within
 * max_time_ms as every wait is.
 */
static unsigned long kftp_hash_deadline(const struct kftp_xfer *x)
{
	const struct kftp_ctrl *c = &x->sess->ctrl;
	u64 gib = (x->args->resume_offset + x->written) >> 30;

	return jiffies + c->reply_timeout * (unsigned long)min_t(u64, gib + 1, 1024);
}

/*
 * After the transfer: OPTS HASH SHA-256 when another algorithm is the
 * selected one, then HASH, or XSHA256 when HASH has no SHA-256 (or OPTS
 * was refused). A refusal (4xx but 421, 5xx, 202 "not implemented")
 * leaves server_hash NONE: the server declined, the data is what it is. A
 * 2xx whose final line holds no SHA-256 of the whole file is EBADMSG.
 * x->substep: 0 OPTS, 1 HASH or XSHA256.
 */
int kftp_server_hash(struct kftp_xfer *x)
{
	struct kftp_ctrl *c = &x->sess->ctrl;
	const char *path = x->args->remote_path;
	const char *p, *end;
	bool hash;
	int code, n;

	if (x->substep == 0) {
		if ((c->feat & KFTP_FEAT_HASH_SHA256) &&
		    !(c->feat & KFTP_FEAT_HASH_SELECTED)) {
			code = kftp_final_code(kftp_cmd(x, "OPTS", "HASH SHA-256"));
			if (code < 0)
				return code;
			if (code / 100 != 2 || code == 202)
				c->feat &= ~KFTP_FEAT_HASH_SHA256;
			else
				c->feat |= KFTP_FEAT_HASH_SELECTED;
		}
		x->substep = 1;
	}
	hash = c->feat & KFTP_FEAT_HASH_SHA256;
	if (!hash && !(c->feat & KFTP_FEAT_XSHA256))
		return 0;
	code = kftp_final_code(kftp_cmd_until(x, hash ? "HASH" : "XSHA256", path,
					      kftp_hash_deadline(x)));
	if (code < 0)
		return code;
	if (code / 100 != 2 || code == 202) {
		kftp_trace(c, "* the server gave no SHA-256\n");
		return 0;
	}
	/* The final line, which the reader keeps: "213 ..." or "250 ...". */
	if (c->line_len < 4)
		return -EBADMSG;
	p = c->line + 4;
	end = c->line + c->line_len;
	if (hash) {
		if (!kftp_parse_hash_line(x, p, end))
			return -EBADMSG;
	} else {
		n = kftp_word(&p, end);
		if (!kftp_parse_sha256(x, p, n))
			return -EBADMSG;
	}
	x->server_hash = hash ? KFTP_SERVER_HASH_HASH : KFTP_SERVER_HASH_XSHA256;
	return 0;
}

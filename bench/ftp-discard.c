// SPDX-License-Identifier: GPL-2.0
/*
 * ftp-discard: the benchmark's ceiling. An active-mode FTP client that
 * logs in anonymously, retrieves one file and throws the data away: one
 * copy (socket to a user buffer), no file system, no progress output.
 * Whatever a real client does beyond this costs it time.
 *
 * Usage: ftp-discard [-p] HOST PORT PATH...
 *   HOST is a numeric IPv4 address. Every PATH on one login, in turn.
 *   Prints the number of data bytes received, a line per file, on stdout.
 *   Exit 0 only if the server said 226 for each and every count matches
 *   its SIZE answer. -p pipelines: SIZE, PORT and RETR in one send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE	(256 * 1024)

static int ctrl;
static char rbuf[4096];
static size_t rlen;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ftp-discard: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* One reply line into line[]; returns its code once a final line is seen. */
static int read_reply(char *text, size_t tlen)
{
	int code = 0;

	for (;;) {
		char *nl = memchr(rbuf, '\n', rlen);
		ssize_t n;

		if (nl) {
			size_t ll = (size_t)(nl - rbuf) + 1;
			char line[4096];

			memcpy(line, rbuf, ll);
			line[ll] = '\0';
			memmove(rbuf, rbuf + ll, rlen - ll);
			rlen -= ll;
			if (ll >= 4 && line[3] == ' ' &&
			    (!code || atoi(line) == code)) {
				if (text)
					snprintf(text, tlen, "%s", line);
				return atoi(line);
			}
			if (!code && ll >= 4 && line[3] == '-')
				code = atoi(line);
			continue;
		}
		if (rlen == sizeof(rbuf))
			die("reply line too long");
		n = recv(ctrl, rbuf + rlen, sizeof(rbuf) - rlen, 0);
		if (n <= 0)
			die("control connection closed");
		rlen += (size_t)n;
	}
}

/* Sends LINE without reading a reply: the caller reads them in order. */
static void send_line(const char *line)
{
	char out[2400];
	int n = snprintf(out, sizeof(out), "%s\r\n", line);

	if (n < 0 || (size_t)n >= sizeof(out) || send(ctrl, out, (size_t)n, 0) != n)
		die("send %s failed", line);
}

static int cmd(const char *line, char *text, size_t tlen)
{
	send_line(line);
	return read_reply(text, tlen);
}

/*
 * One file on the logged-in connection: SIZE, a new data port, PORT, RETR,
 * then the data into nothing and the 226. With PIPELINED, the three
 * commands leave in one go and their replies are read after (RFC 959 lets
 * a client do that; vsftpd reads one command at a time), the least a
 * client can wait per file.
 */
static void fetch(const char *path, bool pipelined)
{
	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	unsigned long long got = 0, size = 0;
	char size_cmd[1100], port_cmd[64], retr_cmd[1100], text[4096];
	static char buf[BUF_SIZE];
	unsigned char *a, *p;
	int lsn, data, code;
	ssize_t n;

	/* Active mode: listen on the control connection's own address. */
	if (getsockname(ctrl, (struct sockaddr *)&me, &mlen))
		die("getsockname: %s", strerror(errno));
	me.sin_port = 0;
	lsn = socket(AF_INET, SOCK_STREAM, 0);
	mlen = sizeof(me);
	if (lsn < 0 || bind(lsn, (struct sockaddr *)&me, sizeof(me)) ||
	    listen(lsn, 1) || getsockname(lsn, (struct sockaddr *)&me, &mlen))
		die("data port: %s", strerror(errno));
	a = (unsigned char *)&me.sin_addr;
	p = (unsigned char *)&me.sin_port;
	snprintf(size_cmd, sizeof(size_cmd), "SIZE %s", path);
	snprintf(port_cmd, sizeof(port_cmd), "PORT %u,%u,%u,%u,%u,%u",
		 a[0], a[1], a[2], a[3], p[0], p[1]);
	snprintf(retr_cmd, sizeof(retr_cmd), "RETR %s", path);

	/* One send: three would wait on Nagle for the server's delayed ACK. */
	if (pipelined) {
		char batch[2300];

		snprintf(batch, sizeof(batch), "%s\r\n%s\r\n%s",
			 size_cmd, port_cmd, retr_cmd);
		send_line(batch);
	}
	code = pipelined ? read_reply(text, sizeof(text)) :
			   cmd(size_cmd, text, sizeof(text));
	if (code == 213)
		size = strtoull(text + 4, NULL, 10);
	code = pipelined ? read_reply(NULL, 0) : cmd(port_cmd, NULL, 0);
	if (code != 200)
		die("PORT refused (%d)", code);
	code = pipelined ? read_reply(NULL, 0) : cmd(retr_cmd, NULL, 0);
	if (code != 150 && code != 125)
		die("RETR %s refused (%d)", path, code);
	data = accept(lsn, NULL, NULL);
	if (data < 0)
		die("accept: %s", strerror(errno));
	close(lsn);
	while ((n = recv(data, buf, sizeof(buf), 0)) > 0)
		got += (unsigned long long)n;
	if (n < 0)
		die("recv: %s", strerror(errno));
	close(data);
	code = read_reply(NULL, 0);
	if (code != 226)
		die("%s: transfer not confirmed (%d)", path, code);
	if (size && got != size)
		die("%s: received %llu of %llu bytes", path, got, size);
	printf("%llu\n", got);
}

int main(int argc, char **argv)
{
	struct sockaddr_in srv = { .sin_family = AF_INET };
	bool pipelined = false;
	int code, i;

	if (argc > 1 && !strcmp(argv[1], "-p")) {
		pipelined = true;
		argc--;
		argv++;
	}
	if (argc < 4)
		die("usage: ftp-discard [-p] HOST PORT PATH...");
	if (inet_pton(AF_INET, argv[1], &srv.sin_addr) != 1)
		die("HOST must be a numeric IPv4 address");
	srv.sin_port = htons((unsigned short)atoi(argv[2]));
	ctrl = socket(AF_INET, SOCK_STREAM, 0);
	if (ctrl < 0 || connect(ctrl, (struct sockaddr *)&srv, sizeof(srv)))
		die("connect: %s", strerror(errno));
	if (read_reply(NULL, 0) != 220)
		die("no greeting");
	code = cmd("USER anonymous", NULL, 0);
	if (code == 331)
		code = cmd("PASS bench@", NULL, 0);
	if (code != 230)
		die("login refused (%d)", code);
	if (cmd("TYPE I", NULL, 0) != 200)
		die("TYPE I refused");
	for (i = 3; i < argc; i++)
		fetch(argv[i], pipelined);
	cmd("QUIT", NULL, 0);
	return 0;
}

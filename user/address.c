// SPDX-License-Identifier: GPL-2.0
/*
 * address: name resolution (getaddrinfo) for kftp-get; see address.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "address.h"
#include "msgs.h"

static struct {
	char host[NI_MAXHOST];
	bool bracketed;
	uint16_t family;
	struct addrinfo *list;
	const struct addrinfo *good;
} resolved;

static const struct addrinfo *resolve(const struct ftp_url *url, uint16_t family)
{
	struct addrinfo hints;
	int ret;

	if (resolved.list && resolved.bracketed == url->bracketed &&
	    resolved.family == family && !strcmp(resolved.host, url->host))
		return resolved.list;
	if (resolved.list)
		freeaddrinfo(resolved.list);
	resolved.list = NULL;
	resolved.good = NULL;
	memset(&hints, 0, sizeof(hints));
	/* -P ADDR: the server must be of ADDR's family. */
	hints.ai_family = url->bracketed ? AF_INET6 : family ?: AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = url->bracketed ? AI_NUMERICHOST : 0;
	ret = getaddrinfo(url->host, NULL, &hints, &resolved.list);
	if (ret) {
		resolved.list = NULL;
		die(EXIT_CONNECT, "cannot resolve '%s'%s: %s", url->host,
		    family && !url->bracketed ? (family == AF_INET ?
		    " to an IPv4 address (as -P's)" : " to an IPv6 address (as -P's)") : "",
		    ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
	}
	snprintf(resolved.host, sizeof(resolved.host), "%s", url->host);
	resolved.bracketed = url->bracketed;
	resolved.family = family;
	return resolved.list;
}

static bool usable(const struct addrinfo *ai)
{
	return ai->ai_family == AF_INET || ai->ai_family == AF_INET6;
}

static const struct addrinfo *next_usable(const struct addrinfo *ai)
{
	while (ai && !usable(ai))
		ai = ai->ai_next;
	return ai;
}

size_t address_order(const struct ftp_url *url, uint16_t family,
		     const struct addrinfo *order[ADDRESS_TRIES])
{
	const struct addrinfo *list = resolve(url, family), *ai;
	size_t n = 0;

	if (!next_usable(list))
		die(EXIT_CONNECT, "'%s' has no IPv4 or IPv6 address", url->host);
	if (resolved.good)
		order[n++] = resolved.good;
	for (ai = next_usable(list); ai && n < ADDRESS_TRIES; ai = next_usable(ai->ai_next))
		if (ai != resolved.good)
			order[n++] = ai;
	return n;
}

void address_worked(const struct addrinfo *ai)
{
	resolved.good = ai;
}

void address_describe(char *buf, size_t size, const struct ftp_url *url,
		      const struct addrinfo *ai)
{
	char num[NI_MAXHOST];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, num, sizeof(num),
			NULL, 0, NI_NUMERICHOST) || !strcmp(num, url->host))
		snprintf(buf, size, "%s port %u", url->host, url->port);
	else
		snprintf(buf, size, "%s (%s) port %u", url->host, num, url->port);
}

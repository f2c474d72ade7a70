/* SPDX-License-Identifier: GPL-2.0 */
/*
 * address: the server's addresses (address.c). The last host's are kept
 * for the next URL of the same host, with the one that worked, which is
 * tried first next time. Below it: msgs.
 */
#ifndef KFTP_ADDRESS_H
#define KFTP_ADDRESS_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#include "url.h"

#define ADDRESS_TRIES	16	/* the most addresses of a host tried */

/*
 * The host's IPv4 and IPv6 addresses, in the order to try them (the one
 * that worked last time first), in order[]: how many (at least one), or
 * die(EXIT_CONNECT). @family: 0, or the only family wanted (-P's).
 */
size_t address_order(const struct ftp_url *url, uint16_t family,
		     const struct addrinfo *order[ADDRESS_TRIES]);
/* ai worked: try it first for the next URL of this host. */
void address_worked(const struct addrinfo *ai);
/* "host port N", or "host (addr) port N" when they differ. */
void address_describe(char *buf, size_t size, const struct ftp_url *url,
		      const struct addrinfo *ai);

#endif /* KFTP_ADDRESS_H */

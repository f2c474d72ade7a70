/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API drift, kept in one place. kftp supports 6.1 LTS and 6.12 LTS.
 *
 * Between those two, the in-kernel API kftp uses did not change: the one
 * known break, proto_ops->accept taking struct proto_accept_arg (6.10), is
 * hidden by kernel_accept(), which is why kftp never calls ops->accept.
 * So no LINUX_VERSION_CODE test is needed yet; when one is, it goes here,
 * with the kernel release that made it necessary.
 */
#ifndef _KFTP_COMPAT_H
#define _KFTP_COMPAT_H

/*
 * Kernels after 6.18 give kernel_bind() and kernel_connect() a
 * struct sockaddr_unsized * argument. Kbuild detects the type in the
 * headers (KFTP_HAVE_SOCKADDR_UNSIZED) rather than guessing the release,
 * since stable and distribution kernels may carry the change earlier.
 */
#ifdef KFTP_HAVE_SOCKADDR_UNSIZED
#define kftp_bind_addr(addr)	((struct sockaddr_unsized *)(addr))
#else
#define kftp_bind_addr(addr)	((struct sockaddr *)(addr))
#endif

#endif /* _KFTP_COMPAT_H */

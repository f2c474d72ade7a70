/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API drift, kept in one place. kftp supports 6.1 LTS and 6.12 LTS.
 *
 * Between those two, the in-kernel API kftp uses did not change: the one
 * known break, proto_ops->accept taking struct proto_accept_arg (6.10), is
 * hidden by kernel_accept(), which is why kftp never calls ops->accept.
 * The one-copy receive path adds two: 6.12's unreadable frags and
 * vfs_iter_write()'s freeze protection, both detected in the headers.
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

/*
 * 6.12 can hand TCP device memory (net_iov frags) that has no struct page
 * behind it; such skbs say so with skb_frags_readable(). 6.1 has neither.
 * Detected in the headers by Kbuild (KFTP_HAVE_SKB_FRAGS_READABLE).
 */
#ifdef KFTP_HAVE_SKB_FRAGS_READABLE
#define kftp_skb_frags_readable(skb)	skb_frags_readable(skb)
#else
#define kftp_skb_frags_readable(skb)	true
#endif

/*
 * Freeze protection around vfs_iter_write(): on 6.1 the caller takes it, as
 * nfsd and loop do; since 6.8 ("fs: move file_start_write() into
 * vfs_iter_write()") vfs_iter_write() takes it itself, and taking it twice
 * can deadlock against a freeze that is waiting. The move is in
 * fs/read_write.c; the same series added file_write_not_started() to
 * <linux/fs.h>, which Kbuild looks for (KFTP_HAVE_ITER_WRITE_FREEZE).
 */
#ifdef KFTP_HAVE_ITER_WRITE_FREEZE
#define kftp_file_start_write(file)	do { } while (0)
#define kftp_file_end_write(file)	do { } while (0)
#else
#define kftp_file_start_write(file)	file_start_write(file)
#define kftp_file_end_write(file)	file_end_write(file)
#endif

#endif /* _KFTP_COMPAT_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * kftp-get -h: the options, the URL form, what happens to files, and the
 * exit statuses (the same table as kftp-get(1) and the README).
 */
#include <stdio.h>

#include <linux/kftp.h>

#include "defaults.h"
#include "help.h"
#include "msgs.h"

void help_usage(void)
{
	printf("Usage: " PROG " [options] URL...\n"
	       "  URL: ftp://[user[:password]@]host[:port]/path\n"
	       "\n"
	       "Download files over FTP (active mode, binary) through the kftp kernel\n"
	       "module (" KFTP_DEVICE_PATH ", root only). Nothing is printed on stdout.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output FILE        write to FILE (one URL only; default: the remote\n"
	       "                           file's name, in the current directory)\n"
	       "      --output-dir DIR     put the files in DIR\n"
	       "  -i, --input-file FILE    read URLs from FILE, one a line ('-': stdin;\n"
	       "                           blank lines and lines starting with # skipped)\n"
	       "  -u, --user USER[:PASS]   log in as USER, overriding the URL; without :PASS\n"
	       "                           the password comes from $KFTP_PASSWORD\n"
	       "  -n, --netrc              take the login from ~/.netrc\n"
	       "      --netrc-file FILE    take the login from FILE\n"
	       "  -C, --continue-at N|-    resume at byte N, or (-) at the size of the\n"
	       "                           existing destination, writing into it\n"
	       "  -R, --remote-time        give the file the server's time (MDTM)\n"
	       "  -Z, --parallel           download up to --parallel-max files at a time\n"
	       "      --parallel-max N     at most N at a time, 1-%d (default %d)\n"
	       "  -P, --ftp-port ADDR[:LOW[-HIGH]]\n"
	       "                           listen for data on ADDR (an IP address of this\n"
	       "                           host, [IPv6]; '-': the control connection's),\n"
	       "                           on a port from LOW-HIGH\n"
	       "      --max-filesize BYTES stop receiving a file beyond BYTES (suffixes k,\n"
	       "                           M, G: powers of 1024)\n"
	       "      --max-time S         give up a file after S seconds in all\n"
	       "  -q, --quiet              print nothing on success\n"
	       "      --progress-bar       show the progress bar even when stderr is not a\n"
	       "                           terminal, or with -q\n"
	       "      --no-progress-meter  no progress bar (shown by default on a terminal,\n"
	       "                           one file at a time: not with -Z)\n"
	       "      --connect-timeout S  give up connecting after S seconds (default %u)\n"
	       "      --timeout S          wait at most S seconds for each server reply, for\n"
	       "                           the data connection and between data bytes\n"
	       "                           (defaults %u, %u and %u)\n"
	       "      --keep-partial       on failure, keep the bytes received as FILE\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n"
	       "  S may have decimals: 0 < S <= %u (--max-time: any length).\n",
	       PARALLEL_MAX, PARALLEL_DEFAULT,
	       KFTP_CONNECT_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_REPLY_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_ACCEPT_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_STALL_TIMEOUT_DEFAULT_MS / 1000,
	       KFTP_TIMEOUT_MAX_MS / 1000);
	printf("\n"
	       "URL:\n"
	       "  user, password and path are percent-decoded (%%40 '@', %%3A ':', %%2F '/').\n"
	       "  Without a user the login is anonymous ($KFTP_PASSWORD is not used) or,\n"
	       "  with -n, from netrc; a user without a password takes it from netrc, else\n"
	       "  $KFTP_PASSWORD. host is a name, an IPv4 address or an IPv6 address in\n"
	       "  brackets ([fe80::1%%25eth0]); port defaults to %d. The leading '/' of\n"
	       "  path is dropped: ftp://h/a/b fetches a/b from the login directory,\n"
	       "  ftp://h/%%2Fetc/x fetches /etc/x. path may not be empty or end in '/'.\n"
	       "\n"
	       "Several URLs:\n"
	       "  Fetched in order; consecutive URLs of one server and login share one\n"
	       "  control connection (one login). A failure does not stop the others;\n"
	       "  each is reported, and a summary line ends the run (not with -q).\n"
	       "\n"
	       "Files:\n"
	       "  Data goes to an unnamed file (O_TMPFILE, mode 0600) in FILE's directory,\n"
	       "  or where the filesystem cannot, to .NAME" TEMP_TAG "XXXXXX beside FILE. Only\n"
	       "  a complete transfer is renamed onto FILE, with the old FILE's owner,\n"
	       "  group and mode (a new FILE: 0666 less the umask); a failed one leaves\n"
	       "  nothing. An existing FILE must be a regular file, not a symbolic link,\n"
	       "  a directory or a device. With -C, FILE itself is written from the\n"
	       "  resume offset on, and keeps what it got when the download fails.\n"
	       "  A password in the URL or in -u is hidden from ps once " PROG " starts;\n"
	       "  $KFTP_PASSWORD never shows.\n",
	       FTP_DEFAULT_PORT);
	printf("\n"
	       "Exit status:\n"
	       "  (with several URLs: that of the first URL that failed)\n"
	       "  0    success\n"
	       "  1    other error\n"
	       "  2    usage error or invalid argument, including a request the kernel\n"
	       "       refused as invalid (e.g. CR or LF in the user, password or path),\n"
	       "       a netrc file with a password that others may read or another user\n"
	       "       owns, and a name from a URL with control characters\n"
	       "  3    cannot open " KFTP_DEVICE_PATH " (module not loaded, or not root), the\n"
	       "       kernel said the operation is not permitted, or the loaded module is\n"
	       "       too old for an option given\n"
	       "  4    connection failed (name resolution, refused, unreachable, connect\n"
	       "       timeout), or no data port (-P: range in use, not a local address)\n"
	       "  5    login refused\n"
	       "  6    remote file missing or not readable\n"
	       "  7    local file error (create, write, no space, FILE is a symlink or a\n"
	       "       directory, missing directory, rename, another user's FILE in a\n"
	       "       sticky directory)\n"
	       "  8    protocol error (error reply, malformed reply, incomplete transfer,\n"
	       "       connection reset)\n"
	       "  9    timed out after connecting (greeting, reply, data connection, stall,\n"
	       "       --max-time)\n"
	       "  10   cannot resume (-C): the local file is larger than the remote one,\n"
	       "       or the server refused REST\n"
	       "  11   the file is larger than --max-filesize\n"
	       "  128+N  interrupted by signal N (129 SIGHUP, 130 SIGINT, 143 SIGTERM)\n");
}


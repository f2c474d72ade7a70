/* SPDX-License-Identifier: GPL-2.0 */
/*
 * localfile: the destination and the data file of a job (localfile.c).
 * pick_destination() and check_destination() die() on what they refuse;
 * the others return 0 or an errno (create_data, open_inplace), or 0 / -1
 * after saying why. Below it: msgs, destdir, text.
 */
#ifndef KFTP_LOCALFILE_H
#define KFTP_LOCALFILE_H

#include <stdbool.h>

#include "defaults.h"
#include "job.h"

/* -o -'s destination, as messages and kftpstat (display_name) show it. */
#define DEST_STDOUT	"<stdout>"

void pick_destination(struct job *job);
void check_destination(struct job *job);
/* The destination's absolute name, for display_name ("" if unfit). */
void final_name(const struct job *job, char *buf, size_t size);
int create_data(struct job *job);
int open_inplace(struct job *job);
void set_remote_time(struct job *job);
int commit(struct job *job, const char *what);
int finish_inplace(struct job *job);
void close_data(struct job *job);
/* close_data(), and the directory's descriptor too: the job is over. */
void close_destination(struct job *job);
void discard_temp(struct job *job);
/* Whether name has the form of a temporary name: .NAME.kftp-XXXXXX */
bool localfile_is_temp_name(const char *name);

#endif /* KFTP_LOCALFILE_H */

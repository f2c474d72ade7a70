/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plan: what is checked once, before the first download (plan.c): every
 * URL (-i lists included), its local name and its login; then /dev/kftp,
 * and whether the loaded module can do what the options ask.
 */
#ifndef KFTP_PLAN_H
#define KFTP_PLAN_H

#include "login.h"
#include "options.h"

/* Every URL parsed, named and logged in on paper, or die(EXIT_USAGE). */
void plan_urls(const struct options *opt, const struct logins *l);
/*
 * /dev/kftp asked once (session_probe()), and the options checked against
 * the module's request version. The version, or -1 after saying why the
 * run cannot download anything (session_unusable() says whether that is
 * the device itself; else the module is too old: both EXIT_DEVICE).
 */
int plan_device(const struct options *opt);

#endif /* KFTP_PLAN_H */

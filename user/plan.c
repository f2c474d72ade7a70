// SPDX-License-Identifier: GPL-2.0
/*
 * plan: the checks before the first download (see plan.h). A typo in the
 * 200th URL of an -i list stops the run before the first file, not after
 * the 199th; so does a module that cannot do what the options ask.
 */
#include <stdlib.h>

#include "job.h"
#include "localfile.h"
#include "msgs.h"
#include "plan.h"
#include "session.h"
#include "version.h"

void plan_urls(const struct options *opt, const struct logins *l)
{
	static struct job job;
	size_t i;

	for (i = 0; i < opt->nurls; i++) {
		char *shown = shown_url(opt->urls[i]);

		msg_url(shown);
		job_init(&job, opt, opt->urls[i]);
		parse_url(job.url_str, &job.url);
		login_pick(&job, l);
		pick_destination(&job);
		msg_url(NULL);
		free(shown);
	}
	explicit_bzero(&job, sizeof(job));
}

int plan_device(const struct options *opt)
{
	int version = session_probe();
	char v2[64], v3[64];

	if (version < 0)
		return -1;
	if (options_v2(opt, v2, sizeof(v2))[0] && version < REQUEST_V2) {
		say_too_old(v2, (unsigned int)version, REQUEST_V2);
		return -1;
	}
	/* -o - and -v: the kernel writes into stdout, and the trace into stderr. */
	if (options_v3(opt, v3, sizeof(v3))[0] && version < REQUEST_V3) {
		say_too_old(v3, (unsigned int)version, REQUEST_V3);
		return -1;
	}
	return version;
}

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

/*
 * -o -: the kernel writes the file into stdout. That needs a module that
 * takes REQUEST_STDOUT requests (the lead's kernel part of issue 21), and
 * the transfer to pass stdout as the destination; until then it is
 * refused here, with the status of every "module too old" case.
 */
static bool stdout_supported(unsigned int version)
{
	return version >= REQUEST_STDOUT;
}

int plan_device(const struct options *opt)
{
	int version = session_probe();
	char v2[64];

	if (version < 0)
		return -1;
	if (options_v2(opt, v2, sizeof(v2))[0] && version < REQUEST_V2) {
		say_too_old(v2, (unsigned int)version, REQUEST_V2);
		return -1;
	}
	if (opt->to_stdout && !stdout_supported((unsigned int)version)) {
		say_too_old("-o - (writing to stdout)", (unsigned int)version,
			    REQUEST_STDOUT);
		return -1;
	}
	return version;
}

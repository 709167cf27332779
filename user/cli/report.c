// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* coldbpf report FILE: re-render a saved profile (no privileges needed). */
#include <getopt.h>
#include <stdio.h>
#include "cli/cmd.h"
#include "lib/msg.h"
#include "profile/json.h"
#include "profile/profile.h"

extern const char cli_usage[];

int cmd__report(int argc, char **argv)
{
	static const struct option opts[] = {
		PROFILE_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct profile_outputs po = { .opts = { .top = 20 } };
	struct profile *p;
	char err[512];
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TOP:
		case OPT_LINES:
		case OPT_STATS:
		case OPT_FOLDED:
		case OPT_OUTPUT_MODE:
		case 'o':
			if (options__profile_output(c, optarg, &po))
				return 1;
			break;
		case 'h':
			fputs(cli_usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'coldbpf --help'.\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		msg__err("report needs exactly one profile file (coldbpf report FILE)");
		return 1;
	}
	p = profile__load_json(argv[optind], err, sizeof(err));
	if (!p) {
		msg__err("%s", err);
		return 1;
	}
	ret = options__emit_profile(p, &po);
	profile__free(p);
	return ret;
}

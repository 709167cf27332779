// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* coldbpf report FILE: re-render a saved profile, JSON or pprof (no
 * privileges needed); --format F -o OUT converts it. */
#include <getopt.h>
#include <stdio.h>
#include "cli/cmd.h"
#include "lib/msg.h"
#include "profile/load.h"
#include "profile/profile.h"

#define OPT_FORMAT OPT_FIRST_FREE

static const char report_usage[] =
"Usage: coldbpf report FILE [--top N] [--lines] [--stats] [--folded OUT] [-o FILE]\n"
"       coldbpf report FILE --format F [-o OUT]\n"
"\n"
"Render a saved profile again (no privileges needed): coldbpf's JSON (-o of a run)\n"
"or pprof, gzip-compressed or not, also one merged by other tools (docs/pprof.md),\n"
"told by its content. Without --format: the heatmap on stdout; -o FILE saves the\n"
"profile as JSON, --folded OUT as collapsed stacks.\n"
"\n"
"  --format F        only format F (text, folded, json or pprof), to -o OUT or\n"
"                    stdout; pprof is binary and never written to a terminal\n"
"  --top N           rows per table (default 20)\n"
"  --lines           under each hot function, its lines with their samples\n"
"  --stats           sampler statistics of the run\n"
"  --folded OUT      collapsed stacks for flamegraph.pl / speedscope\n"
"  --output-mode MODE  files written are MODE (octal, default 0600)\n"
"\n"
"Examples:\n"
"  coldbpf report prof.json --lines --top 30\n"
"  coldbpf report prof.json --format pprof -o prof.pb.gz && go tool pprof -top prof.pb.gz\n"
"  go tool pprof -proto a.pb.gz b.pb.gz > both.pb.gz && coldbpf report both.pb.gz\n";

int cmd__report(int argc, char **argv)
{
	static const struct option opts[] = {
		PROFILE_OUTPUT_OPTIONS,
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct profile_outputs po = { .opts = { .top = 20 } };
	const struct output_format *fmt = NULL;
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
		case OPT_FORMAT:
			if (!(fmt = format__find(OUT_PROFILE, optarg))) {
				char names[128];

				format__names(OUT_PROFILE, false, names, sizeof(names));
				msg__err("--format is %s, not '%s'", names, optarg);
				return 1;
			}
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'coldbpf report --help'.\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		msg__err("report needs exactly one profile file (coldbpf report FILE)");
		return 1;
	}
	p = profile__load(argv[optind], err, sizeof(err));
	if (!p) {
		msg__err("%s", err);
		return 1;
	}
	if (fmt) {	/* that format only, to -o FILE or stdout */
		ret = format__write(fmt, p, &po.opts, po.json) ? 1 : 0;
		if (po.folded)
			ret |= format__write(format__find(OUT_PROFILE, "folded"), p, NULL, po.folded) ? 1 : 0;
	} else {
		ret = options__emit_profile(p, &po);
	}
	profile__free(p);
	return ret;
}

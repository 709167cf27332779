// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cmd.h"
#include "collect/filter.h"
#include "deadcode/deadcode.h"
#include "lib/file.h"
#include "lib/msg.h"
#include "lib/str.h"

int options__output_mode(const char *arg)
{
	char *end;
	unsigned long m = strtoul(arg, &end, 8);

	if (!*arg || *end || m > 0666 || (m & 0600) != 0600) {
		msg__err("--output-mode needs an octal mode from 0600 to 0666 (read and write for you), not '%s'", arg);
		return -1;
	}
	file__set_mode(m);
	return 0;
}

int options__profile_output(int c, const char *arg, struct profile_outputs *po)
{
	long v;

	switch (c) {
	case OPT_OUTPUT_MODE:
		return options__output_mode(arg);
	case OPT_TOP:
		if (str__parse_long(arg, 1, 1000000, &v)) {
			msg__err("--top needs a number from 1 to 1000000, not '%s'", arg);
			return -1;
		}
		po->opts.top = v;
		break;
	case OPT_LINES:
		po->opts.lines = true;
		break;
	case OPT_STATS:
		po->opts.stats = true;
		break;
	case OPT_FOLDED:
		po->folded = arg;
		break;
	case 'o':
		po->json = arg;
		break;
	}
	return 0;
}

int options__emit_profile(const struct profile *p, const struct profile_outputs *po)
{
	int err = 0;

	/* every output is attempted: a closed stdout must not lose the saved profile */
	err |= format__write(format__find(OUT_PROFILE, "text"), p, &po->opts, NULL);
	if (po->folded)
		err |= format__write(format__find(OUT_PROFILE, "folded"), p, NULL, po->folded);
	if (po->json)
		err |= format__write(format__find(OUT_PROFILE, "json"), p, NULL, po->json);
	return err ? 1 : 0;
}

#define OPT_NOT_LOADED OPT_FIRST_FREE
#define OPT_MIN_WINDOW (OPT_FIRST_FREE + 1)
#define OPT_LINES (OPT_FIRST_FREE + 2)

int options__deadcode(int argc, char **argv, struct deadcode_args *da, const char *cmd, const char *usage,
		      bool want_key)
{
	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "all-python", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "python", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "output-mode", required_argument, NULL, OPT_OUTPUT_MODE },
		{ "not-loaded", no_argument, NULL, OPT_NOT_LOADED },
		{ "min-window", required_argument, NULL, OPT_MIN_WINDOW },
		{ "lines", no_argument, NULL, OPT_LINES },
		{},
	};
	int opt;

	da->format = "text";
	da->s.python = "python3";
	da->min_window = 3600;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:ap:f:o:P:hv", opts, NULL)) != -1) {
		switch (opt) {
		case 's': da->s.src = optarg; break;
		case 'a': da->s.all = true; break;
		case 'p':
			if (str__parse_pids(optarg, &da->s.pids, &da->s.npids))
				goto fail;
			break;
		case 'f': da->format = optarg; break;
		case 'o': da->output = optarg; break;
		case 'P': da->s.python = optarg; break;
		case 'v': msg_verbose++; break;
		case OPT_OUTPUT_MODE:
			if (options__output_mode(optarg))
				goto fail;
			break;
		case OPT_MIN_WINDOW: {
			char *end;

			da->min_window = strtod(optarg, &end);
			if (!want_key || end == optarg || *end || da->min_window < 0) {
				msg__err(want_key ? "--min-window takes seconds, e.g. 86400" :
						    "--min-window is an option of rm");
				goto fail;
			}
			break;
		}
		case OPT_LINES:
			if (strcmp(cmd, "cold") && strcmp(cmd, "html")) {
				msg__err("--lines is an option of cold and html");
				goto fail;
			}
			da->s.lines = true;
			break;
		case OPT_NOT_LOADED:
			if (!want_key) {
				msg__err("--not-loaded is an option of rm");
				goto fail;
			}
			da->not_loaded = true;
			break;
		case 'h':
			fputs(usage, stdout);
			free(da->s.pids);
			return 1;
		default:
			fprintf(stderr, "Try 'coldbpf %s --help'.\n", cmd);
			goto fail;
		}
	}
	if (want_key) {
		if (optind >= argc) {
			msg__err("rm needs a KEY (PATH:QUALNAME)");
			goto fail;
		}
		da->key = argv[optind++];
	}
	da->s.profiles = argv + optind;
	da->s.nprofiles = argc - optind;
	if (!da->s.src) {
		msg__err("%s needs --src DIR (the source tree to inventory)", cmd);
		goto fail;
	}
	if (!format__find(OUT_DEADCODE, da->format) || format__find(OUT_DEADCODE, da->format)->directory) {
		char names[128];

		format__names(OUT_DEADCODE, false, names, sizeof(names));
		msg__err("--format is %s, not '%s'", names, da->format);
		goto fail;
	}
	if ((da->s.all || da->s.npids) + (da->s.nprofiles > 0) != 1 || (da->s.all && da->s.npids)) {
		msg__err("one evidence source is needed: --all-python, -p PID or profile files (JSON or pprof)");
		goto fail;
	}
	return 0;
fail:
	free(da->s.pids);
	da->s.pids = NULL;
	return -1;
}

int options__filter(int c, const char *arg, struct target_filter *f)
{
	switch (c) {
	case OPT_INCLUDE:
	case OPT_EXCLUDE:
		return filter__add(f, FILTER_PROGRAM, c == OPT_INCLUDE, arg) ? -1 : 1;
	case OPT_INCLUDE_USER:
	case OPT_EXCLUDE_USER:
		return filter__add(f, FILTER_USER, c == OPT_INCLUDE_USER, arg) ? -1 : 1;
	case OPT_INCLUDE_CGROUP:
	case OPT_EXCLUDE_CGROUP:
		return filter__add(f, FILTER_CGROUP, c == OPT_INCLUDE_CGROUP, arg) ? -1 : 1;
	default:
		return 0;
	}
}

int options__usdt_exclude(int c, const char *arg, struct target_filter *f)
{
	switch (c) {
	case OPT_USDT_EXCLUDE:
		return filter__add(f, FILTER_PROGRAM, false, arg) ? -1 : 1;
	case OPT_USDT_EXCLUDE_USER:
		return filter__add(f, FILTER_USER, false, arg) ? -1 : 1;
	case OPT_USDT_EXCLUDE_CGROUP:
		return filter__add(f, FILTER_CGROUP, false, arg) ? -1 : 1;
	default:
		return 0;
	}
}

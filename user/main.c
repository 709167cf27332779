// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf: sample the Python stacks of CPython processes from the kernel and
 * print function and line heatmaps. See docs/coldbpf.md.
 *
 * Shape: parse args -> check privileges -> signals -> run the agent (open,
 * load, attach, poll) -> report -> cleanup; the exit status comes from err.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"
#include "cold.h"
#include "profile_json.h"
#include "report.h"
#include "util.h"

static volatile sig_atomic_t stop;

static void _on_signal(int sig)
{
	stop = sig;
}

static const char usage[] =
"Usage: coldbpf [OPTIONS] (--all-python | -p PID[,PID...] | -- CMD [ARGS...])\n"
"       coldbpf report FILE [--top N] [--lines] [--stats] [--folded OUT]\n"
"       coldbpf cold --src DIR (--all-python | -p PID,... | PROFILE.json...)  (see cold --help)\n"
"       coldbpf ignore --src DIR PATH:QUALNAME\n"
"       coldbpf rm --src DIR PATH:QUALNAME (--all-python | -p PID,... | PROFILE.json...)\n"
"       coldbpf html --src DIR -o OUTDIR (PROFILE.json... | --all-python | -p PID,...)\n"
"\n"
"Sample the Python stacks of CPython processes from the kernel (eBPF on perf\n"
"events) and print which functions and lines are hot. Needs root (CAP_BPF,\n"
"CAP_PERFMON, CAP_SYS_PTRACE). Never pauses or writes to the targets.\n"
"\n"
"Targets:\n"
"  -a, --all-python       every CPython process, including ones started later\n"
"  -p, --pid PID[,PID]    these processes (ends when all of them have exited)\n"
"  -- CMD [ARGS...]       run CMD and sample it and its Python children until it exits\n"
"\n"
"Sampling:\n"
"  -F, --frequency HZ     samples per second per CPU (default 99, 1-10000)\n"
"  -d, --duration SECS    stop after SECS seconds (default: until Ctrl-C/SIGTERM)\n"
"      --max-depth N      Python frames kept per stack (default 128, max 1024);\n"
"                         deeper stacks lose their root-most frames and are flagged\n"
"\n"
"Output:\n"
"  -o, --output FILE      save the profile as JSON (docs/profile-format.md)\n"
"      --folded FILE      collapsed stacks for flamegraph.pl / speedscope\n"
"      --top N            rows per table (default 20)\n"
"      --lines            under each hot function, its lines with their samples\n"
"      --stats            sampler statistics: samples, drops by reason, BPF ns/sample\n"
"  -v, --verbose          say what is found and how (twice: libbpf debug output)\n"
"  -h, --help             this help\n"
"      --version          print the version\n"
"\n"
"Examples:\n"
"  sudo coldbpf --all-python -d 60            # every CPython for a minute\n"
"  sudo coldbpf -p 1234,5678 -o prof.json     # two processes, saved profile\n"
"  sudo coldbpf -F 999 -- python3 app.py      # run and profile a command\n"
"  coldbpf report prof.json --lines --top 30  # re-render a saved profile\n"
"  coldbpf report prof.json --folded out.folded && flamegraph.pl out.folded > fg.svg\n";

enum {
	OPT_MAX_DEPTH = 256,
	OPT_FOLDED,
	OPT_TOP,
	OPT_LINES,
	OPT_STATS,
	OPT_VERSION,
	OPT_DRAIN,
};

struct env {
	struct agent_opts agent;
	bool all, cmd;
	const char *output;
	const char *folded;
	struct report_opts report;
};

static int _parse_pids(const char *s, struct env *env)
{
	char *copy = xstrdup(s), *tok, *save = NULL;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long pid;

		if (parse_long(tok, 1, 0x7fffffff, &pid)) {
			cb_err("invalid PID '%s'", tok);
			free(copy);
			return -1;
		}
		env->agent.pids = xrealloc(env->agent.pids, env->agent.npids + 1, sizeof(int));
		env->agent.pids[env->agent.npids++] = pid;
	}
	free(copy);
	if (!env->agent.npids) {
		cb_err("-p needs at least one PID");
		return -1;
	}
	return 0;
}

/* The output options live and report runs share; 0, or -1 after a message. */
static int _output_opt(int c, const char *arg, struct env *env)
{
	long v;

	switch (c) {
	case OPT_TOP:
		if (parse_long(arg, 1, 1000000, &v)) {
			cb_err("--top needs a number from 1 to 1000000, not '%s'", arg);
			return -1;
		}
		env->report.top = v;
		break;
	case OPT_LINES:
		env->report.lines = true;
		break;
	case OPT_STATS:
		env->report.stats = true;
		break;
	case OPT_FOLDED:
		env->folded = arg;
		break;
	case 'o':
		env->output = arg;
		break;
	}
	return 0;
}

static int _emit(const struct profile *p, const struct env *env)
{
	char err[512];

	report__text(p, &env->report, stdout);
	fflush(stdout);
	if (env->folded) {
		FILE *f = fopen(env->folded, "w");

		if (!f || report__folded(p, f)) {
			cb_err("cannot write %s", env->folded);
			if (f)
				fclose(f);
			return 1;
		}
		if (fclose(f)) {
			cb_err("cannot write %s", env->folded);
			return 1;
		}
	}
	if (env->output && profile__save_json(p, env->output, err, sizeof(err))) {
		cb_err("%s", err);
		return 1;
	}
	return 0;
}

static int _cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "top", required_argument, NULL, OPT_TOP },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "folded", required_argument, NULL, OPT_FOLDED },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct env env = { .report = { .top = 20 } };
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
		case 'o':
			if (_output_opt(c, optarg, &env))
				return 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'coldbpf --help'.\n");
			return 1;
		}
	}
	if (optind != argc - 1) {
		cb_err("report needs exactly one profile file (coldbpf report FILE)");
		return 1;
	}
	p = profile__load_json(argv[optind], err, sizeof(err));
	if (!p) {
		cb_err("%s", err);
		return 1;
	}
	ret = _emit(p, &env);
	profile__free(p);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-python", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
		{ "output", required_argument, NULL, 'o' },
		{ "folded", required_argument, NULL, OPT_FOLDED },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "drain-interval-ms", required_argument, NULL, OPT_DRAIN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	struct env env = {
		.agent = { .hz = 99, .max_depth = CB_DEFAULT_DEPTH, .drain_interval = 1.0, .stop = &stop },
		.report = { .top = 20 },
	};
	struct sigaction sa = { .sa_handler = _on_signal };
	struct profile *prof = NULL;
	int c, err = 1, modes;
	long v;

	if (argc > 1 && !strcmp(argv[1], "report"))
		return _cmd_report(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "cold"))
		return cold_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "ignore"))
		return ignore_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "rm"))
		return rm_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "html"))
		return html_main(argc - 1, argv + 1);

	while ((c = getopt_long(argc, argv, "+ap:F:d:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			env.all = true;
			break;
		case 'p':
			if (_parse_pids(optarg, &env))
				return 1;
			break;
		case 'F':
			if (parse_long(optarg, 1, 10000, &v)) {
				cb_err("-F needs a frequency from 1 to 10000 Hz, not '%s'", optarg);
				return 1;
			}
			env.agent.hz = v;
			break;
		case 'd': {
			char *end;
			double d = strtod(optarg, &end);

			if (*end || !(d > 0) || d > 31536000) {
				cb_err("-d needs a positive number of seconds, not '%s'", optarg);
				return 1;
			}
			env.agent.duration = d;
			break;
		}
		case OPT_MAX_DEPTH:
			if (parse_long(optarg, 1, CB_MAX_DEPTH, &v)) {
				cb_err("--max-depth needs a number from 1 to %d, not '%s'", CB_MAX_DEPTH, optarg);
				return 1;
			}
			env.agent.max_depth = v;
			break;
		case 'o':
		case OPT_FOLDED:
		case OPT_TOP:
		case OPT_LINES:
		case OPT_STATS:
			if (_output_opt(c, optarg, &env))
				return 1;
			break;
		case OPT_DRAIN:
			if (parse_long(optarg, 10, 60000, &v)) {
				cb_err("--drain-interval-ms needs 10 to 60000, not '%s'", optarg);
				return 1;
			}
			env.agent.drain_interval = v / 1000.0;
			break;
		case 'v':
			cb_verbose++;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case OPT_VERSION:
			puts("coldbpf " COLDBPF_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try 'coldbpf --help'.\n");
			return 1;
		}
	}
	if (optind < argc) {
		env.cmd = true;
		env.agent.cmd = argv + optind;
	}
	modes = env.all + (env.agent.npids > 0) + env.cmd;
	if (modes != 1) {
		cb_err(modes ? "choose one of --all-python, -p PID or -- CMD"
			     : "nothing to profile: give --all-python, -p PID or -- CMD (see --help)");
		goto cleanup;
	}
	env.agent.mode = env.all ? MODE_ALL : env.cmd ? MODE_CMD : MODE_PIDS;
	env.agent.evidence = env.output != NULL;	/* saved profiles carry it for `cold` */

	if (agent__check_privileges())
		goto cleanup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	prof = profile__new();
	if (agent__run(&env.agent, prof))
		goto cleanup;
	err = _emit(prof, &env);
cleanup:
	profile__free(prof);
	free(env.agent.pids);
	return err;
}

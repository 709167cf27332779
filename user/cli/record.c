// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf [OPTIONS] (--all-python | -p PID,... | -- CMD): sample, then
 * report. Shape: parse args -> check privileges -> signals -> run the agent
 * (collect/: open, load, attach, poll) -> outputs -> cleanup; the exit status
 * comes from err.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cmd.h"
#include "collect/agent.h"
#include "collect/caps.h"
#include "collect/filter.h"
#include "lib/msg.h"
#include "lib/str.h"
#include "profile/profile.h"
#include "profile/pusdt.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

const char cli_usage[] =
"Usage: coldbpf [OPTIONS] (--all-python | -p PID[,PID...] | -- CMD [ARGS...])\n"
"       coldbpf report FILE [--top N] [--lines] [--stats] [--folded OUT]\n"
"       coldbpf cold --src DIR (--all-python | -p PID,... | PROFILE.json...)  (see cold --help)\n"
"       coldbpf ignore --src DIR PATH:QUALNAME\n"
"       coldbpf rm --src DIR PATH:QUALNAME (--all-python | -p PID,... | PROFILE.json...)\n"
"       coldbpf html --src DIR -o OUTDIR (PROFILE.json... | --all-python | -p PID,...)\n"
"       coldbpf serve [--all-python | -p PID,...] [--listen ADDR:PORT]  (see serve --help)\n"
"       coldbpf audit [--all-python | -p PID,...] [--event GLOB]... [--json]  (see audit --help)\n"
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
"  -F, --frequency HZ     samples per second per CPU (default 99, 1-10000), the mean\n"
"                         of a period that varies at random (+-10 %, re-drawn every\n"
"                         40-60 periods) so that it cannot lock onto periodic work\n"
"      --fixed-period     sample at exactly 1/HZ instead (aliases with work whose\n"
"                         cycle is near it)\n"
"      --max-overhead PCT keep BPF and the agent under PCT % of each sampled CPU:\n"
"                         the rate drops while over, rises again when possible;\n"
"                         the profile carries the effective rate\n"
"  -d, --duration SECS    stop after SECS seconds (default: until Ctrl-C/SIGTERM)\n"
"      --max-depth N      Python frames kept per stack (default 128, max 1024);\n"
"                         deeper stacks lose their root-most frames and are flagged\n"
"      --usdt LIST        also attach CPython's static markers: gc (GC pauses, and\n"
"                         a <gc> frame on samples inside a collection; 3.13+\n"
"                         without markers: from the GC state, no probe),\n"
"                         import (import times), gc,import or none (default; serve:\n"
"                         gc,import). The kernel sets a breakpoint and a semaphore\n"
"                         in each target while attached, and detaching takes it\n"
"                         ~0.4 s per process (docs/usdt.md); interpreters without\n"
"                         markers are sampled only. -- CMD: attached before it\n"
"                         execs, so its start-up imports are seen\n"
"      --calls            also count every call of each Python function exactly\n"
"                         (CPython's function__entry marker: 3.8-3.10 built with\n"
"                         it, 3.15+; ~1-2 us per call, docs/usdt.md \"Calls\"); other\n"
"                         versions are said to have no count, not given zeros\n"
USDT_EXCLUDE_HELP
"\n"
"Filters (--all-python):\n"
FILTER_HELP
"\n"
"Output:\n"
"  -o, --output FILE      save the profile as JSON (docs/profile-format.md)\n"
"      --evidence         also read execution evidence (dead code, for `coldbpf cold`)\n"
"                         into the saved profile: a read of each target's writable\n"
"                         memory after 1 s, every 10 s and at the end (needs -o)\n"
"      --evidence-lines   --evidence, and per-line statuses of code that ran\n"
"                         (3.12+; `coldbpf cold --lines`, docs/cold.md \"Lines\")\n"
"      --folded FILE      collapsed stacks for flamegraph.pl / speedscope\n"
"      --top N            rows per table (default 20)\n"
"      --lines            under each hot function, its lines with their samples\n"
"      --stats            sampler statistics: samples, drops by reason, BPF ns/sample\n"
"      --output-mode MODE files written are MODE (octal, default 0600: profiles hold\n"
"                         other users' paths and source lines)\n"
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
	OPT_MAX_DEPTH = OPT_FIRST_FREE,
	OPT_VERSION,
	OPT_DRAIN,
	OPT_EVIDENCE,
	OPT_EVIDENCE_LINES,
	OPT_EVIDENCE_INTERVAL,
	OPT_USDT,
	OPT_CALLS,
	OPT_FIXED_PERIOD,
	OPT_MAX_OVERHEAD,
	OPT_BENCH_STAGE,
	OPT_BENCH_QUIET,
	OPT_TEST_STACK_AGE,
	OPT_BENCH_TOGGLE,
};

int cmd__record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-python", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
		PROFILE_OUTPUT_OPTIONS,
		FILTER_OPTIONS,
		USDT_EXCLUDE_OPTIONS,
		{ "drain-interval-ms", required_argument, NULL, OPT_DRAIN },
		{ "evidence", no_argument, NULL, OPT_EVIDENCE },
		{ "evidence-lines", no_argument, NULL, OPT_EVIDENCE_LINES },
		{ "evidence-interval-ms", required_argument, NULL, OPT_EVIDENCE_INTERVAL },	/* tests */
		{ "usdt", required_argument, NULL, OPT_USDT },
		{ "calls", no_argument, NULL, OPT_CALLS },
		{ "fixed-period", no_argument, NULL, OPT_FIXED_PERIOD },
		{ "max-overhead", required_argument, NULL, OPT_MAX_OVERHEAD },
		{ "bench-stage", required_argument, NULL, OPT_BENCH_STAGE },	/* make bench */
		{ "bench-quiet-agent", no_argument, NULL, OPT_BENCH_QUIET },	/* make bench */
		{ "test-stack-max-age", required_argument, NULL, OPT_TEST_STACK_AGE },	/* tests */
		{ "bench-toggle", required_argument, NULL, OPT_BENCH_TOGGLE },	/* make bench */
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	struct agent_opts ao = { .hz = 99, .max_depth = CB_DEFAULT_DEPTH, .drain_interval = 1.0, .stop = &stop };
	struct profile_outputs po = { .opts = { .top = 20 } };
	bool all = false, cmd = false;
	bool calls = false;	/* --calls: function__entry, opt-in (a uprobe hit per call) */
	int usdt = 0;	/* off unless asked for: detaching costs ~0.4 s per process at the end (docs/usdt.md) */
	struct sigaction sa = { .sa_handler = on_signal };
	struct profile *prof = NULL;
	struct target_filter filter = {}, usdt_exclude = {};
	int c, err = 1, modes, r;
	long v;

	while ((c = getopt_long(argc, argv, "+ap:F:d:o:vh", opts, NULL)) != -1) {
		if ((r = options__filter(c, optarg, &filter)) || (r = options__usdt_exclude(c, optarg, &usdt_exclude))) {
			if (r < 0)
				goto cleanup;
			continue;
		}
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'p':
			if (str__parse_pids(optarg, &ao.pids, &ao.npids))
				return 1;
			break;
		case 'F':
			if (str__parse_long(optarg, 1, 10000, &v)) {
				msg__err("-F needs a frequency from 1 to 10000 Hz, not '%s'", optarg);
				return 1;
			}
			ao.hz = v;
			break;
		case 'd': {
			char *end;
			double d = strtod(optarg, &end);

			if (*end || !(d > 0) || d > 31536000) {
				msg__err("-d needs a positive number of seconds, not '%s'", optarg);
				return 1;
			}
			ao.duration = d;
			break;
		}
		case OPT_MAX_DEPTH:
			if (str__parse_long(optarg, 1, CB_MAX_DEPTH, &v)) {
				msg__err("--max-depth needs a number from 1 to %d, not '%s'", CB_MAX_DEPTH, optarg);
				return 1;
			}
			ao.max_depth = v;
			break;
		case 'o':
		case OPT_FOLDED:
		case OPT_TOP:
		case OPT_LINES:
		case OPT_STATS:
		case OPT_OUTPUT_MODE:
			if (options__profile_output(c, optarg, &po))
				return 1;
			break;
		case OPT_DRAIN:
			if (str__parse_long(optarg, 10, 60000, &v)) {
				msg__err("--drain-interval-ms needs 10 to 60000, not '%s'", optarg);
				return 1;
			}
			ao.drain_interval = v / 1000.0;
			break;
		case OPT_EVIDENCE:
			ao.evidence = true;
			break;
		case OPT_EVIDENCE_LINES:
			ao.evidence = ao.evidence_lines = true;
			break;
		case OPT_EVIDENCE_INTERVAL:
			if (str__parse_long(optarg, 100, 3600000, &v)) {
				msg__err("--evidence-interval-ms needs 100 to 3600000, not '%s'", optarg);
				return 1;
			}
			ao.evidence_interval = v / 1000.0;
			break;
		case OPT_USDT:
			if ((usdt = pusdt__features_parse(optarg)) < 0) {
				msg__err("--usdt takes gc, import, gc,import or none, not '%s'", optarg);
				return 1;
			}
			break;
		case OPT_CALLS:
			calls = true;
			break;
		case OPT_FIXED_PERIOD:
			ao.fixed_period = true;
			break;
		case OPT_MAX_OVERHEAD: {
			double d;

			if (str__parse_double(optarg, 0.001, 100, &d)) {
				msg__err("--max-overhead needs a percentage from 0.001 to 100, not '%s'", optarg);
				return 1;
			}
			ao.max_overhead = d;
			break;
		}
		case OPT_BENCH_STAGE:
			if (!strcmp(optarg, "no-walk")) {
				ao.bench_stage = CB_BENCH_NO_WALK;
			} else if (!strcmp(optarg, "no-maps")) {
				ao.bench_stage = CB_BENCH_NO_MAPS;
			} else {
				msg__err("--bench-stage takes no-walk or no-maps, not '%s'", optarg);
				return 1;
			}
			break;
		case OPT_TEST_STACK_AGE: {
			double d;

			if (str__parse_double(optarg, 1, 3600, &d)) {
				msg__err("--test-stack-max-age takes 1 to 3600 seconds, not '%s'", optarg);
				return 1;
			}
			ao.stack_max_age = d;
			break;
		}
		case OPT_BENCH_TOGGLE: {
			long ms;

			if (str__parse_long(optarg, 50, 10000, &ms)) {
				msg__err("--bench-toggle takes 50 to 10000 ms, not '%s'", optarg);
				return 1;
			}
			ao.bench_toggle_ms = (unsigned)ms;
			break;
		}
		case OPT_BENCH_QUIET:
			ao.bench_quiet = true;
			break;
		case 'v':
			msg_verbose++;
			break;
		case 'h':
			fputs(cli_usage, stdout);
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
		cmd = true;
		ao.cmd = argv + optind;
	}
	modes = all + (ao.npids > 0) + cmd;
	if (modes != 1) {
		msg__err(modes ? "choose one of --all-python, -p PID or -- CMD"
			     : "nothing to profile: give --all-python, -p PID or -- CMD (see --help)");
		goto cleanup;
	}
	ao.mode = all ? MODE_ALL : cmd ? MODE_CMD : MODE_PIDS;
	if (!filter__empty(&filter)) {
		if (!all) {
			msg__err("--include and --exclude filter --all-python's processes");
			goto cleanup;
		}
		ao.filter = &filter;
	}
	ao.usdt = usdt | (calls ? PU_CALLS : 0);
	if (!filter__empty(&usdt_exclude)) {
		if (!ao.usdt) {
			msg__err("--usdt-exclude keeps markers off some processes: give --usdt or --calls too");
			goto cleanup;
		}
		ao.usdt_exclude = &usdt_exclude;
	}
	if (ao.evidence && !po.json) {	/* the one switch of evidence scans: never on silently */
		msg__err("--evidence is saved in the profile: give -o FILE too");
		goto cleanup;
	}

	if (caps__check())
		goto cleanup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	prof = profile__new();
	if (agent__run(&ao, prof))
		goto cleanup;
	err = options__emit_profile(prof, &po);
cleanup:
	profile__free(prof);
	filter__free(&filter);
	filter__free(&usdt_exclude);
	free(ao.pids);
	return err;
}

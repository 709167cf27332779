// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf serve [--all-python | -p PID,...] [--listen ADDR:PORT]: run until
 * SIGTERM/SIGINT, answer /metrics and /debug/pprof/profile (serve/).
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
#include "profile/pusdt.h"
#include "serve/http.h"
#include "serve/serve.h"

#define DEFAULT_LISTEN "127.0.0.1:9860"

static volatile sig_atomic_t stop, hup;

static void on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

static void on_signal(int sig)
{
	stop = sig;
}

static const char usage[] =
"Usage: coldbpf serve [--all-python | -p PID[,PID...]] [--listen ADDR:PORT] [OPTIONS]\n"
"\n"
"Profile until stopped (SIGTERM or SIGINT) and serve what is found over HTTP:\n"
"  /metrics                         Prometheus metrics (text format, or OpenMetrics\n"
"                                   when the scraper asks for it)\n"
"  /debug/pprof/profile?seconds=N   a gzipped pprof profile of the next N seconds\n"
"                                   (as Go's net/http/pprof: default 30, 1-300)\n"
"Needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE). Execution evidence (dead code)\n"
"is read in rounds as `coldbpf cold` does, unless --no-evidence.\n"
"\n"
"Targets (default --all-python):\n"
"  -a, --all-python         every CPython process, including ones started later\n"
"  -p, --pid PID[,PID]      these processes\n"
"\n"
"Filters:\n"
FILTER_HELP
"\n"
"Serving:\n"
"      --listen ADDR:PORT   where to listen (default " DEFAULT_LISTEN "; [ADDR6]:PORT for\n"
"                           IPv6). An address other than loopback must be given\n"
"                           here, and then needs --basic-auth-file or --insecure\n"
"      --basic-auth-file F  HTTP basic authentication: F holds one line user:password\n"
"      --tls-cert F, --tls-key F   serve HTTPS with this PEM certificate and key\n"
"      --insecure           allow a non-loopback address without authentication\n"
"      --max-programs N     programs with series of their own (default 100, max 1000);\n"
"                           the others count under program=\"other\"\n"
"      --program-expiry S   a program idle this long loses its series (default 600)\n"
"      --metrics-top N      the N hottest functions as gauges (default 10, max 100, 0: none)\n"
"\n"
"Sampling:\n"
"  -F, --frequency HZ       samples per second per CPU (default 99, 1-10000)\n"
"      --max-depth N        Python frames kept per stack (default 128, max 1024)\n"
"      --no-evidence        do not read execution evidence (rounds every 60 s otherwise)\n"
"      --evidence-lines     also per-line statuses of code that ran (CPython 3.12+;\n"
"                           3.11: which ran), carried in the pprof it serves and\n"
"                           writes (docs/pprof.md, \"Lines\")\n"
"      --src DIR            also export the dead-code statuses of the tree DIR (functions\n"
"                           and lines per status, the evidence window); may repeat (8)\n"
"      --python PYTHON      interpreter for the source inventory (default python3)\n"
"      --state-dir DIR      keep the evidence across restarts in DIR/state.json: what\n"
"                           ran ever, what never ran and over which observed time\n"
"                           (docs/serve.md, \"State\"); `coldbpf cold` reads it too\n"
"      --state-interval S   save the state every S seconds (default 60) and at the end\n"
"\n"
"Files (optional):\n"
"      --out-dir DIR        write a profile per interval into DIR, as pprof\n"
"                           (profile-UTCTIME-SEQ.pb.gz: the interval's samples) and\n"
"                           coldbpf's JSON (.json: the same, with the evidence); the\n"
"                           last interval is written when serve stops, and SIGHUP\n"
"                           ends the current interval at once\n"
"      --interval S         seconds per profile (default 60)\n"
"      --keep N             profiles kept in DIR, the oldest removed (default 60)\n"
"      --usdt LIST          CPython's static markers to attach: gc (GC pauses, a\n"
"                           <gc> frame on samples inside a collection),\n"
"                           import (import times), gc,import (default) or none;\n"
"                           interpreters built without them are sampled only\n"
"                           (docs/usdt.md)\n"
"      --calls              also count every call of each Python function exactly\n"
"                           (function__entry: 3.8-3.10 built with it, 3.15+;\n"
"                           ~1-2 us per call; docs/usdt.md \"Calls\")\n"
USDT_EXCLUDE_HELP
"  -v, --verbose            say what is found and how\n"
"  -h, --help               this help\n"
"\n"
"Example (Prometheus scrape config):\n"
"  scrape_configs:\n"
"    - job_name: coldbpf\n"
"      static_configs: [{ targets: ['127.0.0.1:9860'] }]\n";

enum {
	OPT_LISTEN = OPT_FIRST_FREE,
	OPT_AUTH,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_INSECURE,
	OPT_MAX_PROGRAMS,
	OPT_EXPIRY,
	OPT_TOP_FUNCS,
	OPT_MAX_DEPTH,
	OPT_NO_EVIDENCE,
	OPT_EVIDENCE_LINES,
	OPT_DRAIN,
	OPT_EVIDENCE_INTERVAL,
	OPT_SRC,
	OPT_PYTHON,
	OPT_USDT,
	OPT_CALLS,
	OPT_STATE_DIR,
	OPT_STATE_INTERVAL,
	OPT_OUT_DIR,
	OPT_INTERVAL,
	OPT_KEEP,
};

struct serve_args {
	const char *src[SERVE_MAX_SRC + 1];
	size_t nsrc;
	const char *python;
	const char *state_dir;
	long state_every;	/* seconds */
	const char *out_dir;
	long out_every, out_keep;
};

static int parse(int argc, char **argv, struct agent_opts *ao, struct http_opts *ho, struct metrics_opts *mo,
		 bool *insecure, struct target_filter filter[2], struct serve_args *sa)
{
	static const struct option opts[] = {
		{ "all-python", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "basic-auth-file", required_argument, NULL, OPT_AUTH },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "max-programs", required_argument, NULL, OPT_MAX_PROGRAMS },
		{ "program-expiry", required_argument, NULL, OPT_EXPIRY },
		{ "metrics-top", required_argument, NULL, OPT_TOP_FUNCS },
		{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
		{ "no-evidence", no_argument, NULL, OPT_NO_EVIDENCE },
		{ "evidence-lines", no_argument, NULL, OPT_EVIDENCE_LINES },
		{ "src", required_argument, NULL, OPT_SRC },
		{ "python", required_argument, NULL, OPT_PYTHON },
		{ "usdt", required_argument, NULL, OPT_USDT },
		{ "calls", no_argument, NULL, OPT_CALLS },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "state-interval", required_argument, NULL, OPT_STATE_INTERVAL },
		{ "out-dir", required_argument, NULL, OPT_OUT_DIR },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "drain-interval-ms", required_argument, NULL, OPT_DRAIN },	/* tests */
		{ "evidence-interval-ms", required_argument, NULL, OPT_EVIDENCE_INTERVAL },	/* tests */
		FILTER_OPTIONS,
		USDT_EXCLUDE_OPTIONS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c, r;
	long v;

	while ((c = getopt_long(argc, argv, "+ap:F:vh", opts, NULL)) != -1) {
		if ((r = options__filter(c, optarg, &filter[0])) || (r = options__usdt_exclude(c, optarg, &filter[1]))) {
			if (r < 0)
				return -1;
			continue;
		}
		switch (c) {
		case 'a':
			ao->mode = MODE_ALL;
			break;
		case 'p':
			if (str__parse_pids(optarg, &ao->pids, &ao->npids))
				return -1;
			ao->mode = MODE_PIDS;
			break;
		case 'F':
			if (str__parse_long(optarg, 1, 10000, &v)) {
				msg__err("-F needs a frequency from 1 to 10000 Hz, not '%s'", optarg);
				return -1;
			}
			ao->hz = v;
			break;
		case OPT_LISTEN:
			ho->listen = optarg;
			break;
		case OPT_AUTH:
			ho->auth_file = optarg;
			break;
		case OPT_TLS_CERT:
			ho->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			ho->tls_key = optarg;
			break;
		case OPT_INSECURE:
			*insecure = true;
			break;
		case OPT_MAX_PROGRAMS:
		case OPT_TOP_FUNCS:
			if (str__parse_long(optarg, c == OPT_TOP_FUNCS ? 0 : 1,
					    c == OPT_TOP_FUNCS ? METRICS_MAX_TOP : METRICS_MAX_PROGRAMS, &v)) {
				msg__err("--%s needs a number from %d to %d, not '%s'",
					 c == OPT_TOP_FUNCS ? "metrics-top" : "max-programs", c == OPT_TOP_FUNCS ? 0 : 1,
					 c == OPT_TOP_FUNCS ? METRICS_MAX_TOP : METRICS_MAX_PROGRAMS, optarg);
				return -1;
			}
			*(c == OPT_TOP_FUNCS ? &mo->top : &mo->max_programs) = v;
			break;
		case OPT_EXPIRY:
			if (str__parse_long(optarg, 1, 86400 * 30, &v)) {
				msg__err("--program-expiry needs seconds from 1 to 2592000, not '%s'", optarg);
				return -1;
			}
			mo->expire_s = v;
			break;
		case OPT_MAX_DEPTH:
			if (str__parse_long(optarg, 1, CB_MAX_DEPTH, &v)) {
				msg__err("--max-depth needs a number from 1 to %d, not '%s'", CB_MAX_DEPTH, optarg);
				return -1;
			}
			ao->max_depth = v;
			break;
		case OPT_NO_EVIDENCE:
			ao->evidence = false;
			break;
		case OPT_EVIDENCE_LINES:
			ao->evidence_lines = true;
			break;
		case OPT_SRC:
			if (sa->nsrc >= SERVE_MAX_SRC) {
				msg__err("at most %d --src trees", SERVE_MAX_SRC);
				return -1;
			}
			sa->src[sa->nsrc++] = optarg;
			break;
		case OPT_PYTHON:
			sa->python = optarg;
			break;
		case OPT_STATE_DIR:
			sa->state_dir = optarg;
			break;
		case OPT_OUT_DIR:
			sa->out_dir = optarg;
			break;
		case OPT_INTERVAL:
		case OPT_KEEP:
		case OPT_STATE_INTERVAL: {
			/* seconds, or a number of profiles */
			const char *name = c == OPT_INTERVAL ? "interval" : c == OPT_KEEP ? "keep" : "state-interval";
			long hi = c == OPT_KEEP ? 100000 : 86400;

			if (str__parse_long(optarg, 1, hi, &v)) {
				msg__err("--%s needs %s from 1 to %ld, not '%s'", name,
					 c == OPT_KEEP ? "a number of profiles" : "seconds", hi, optarg);
				return -1;
			}
			*(c == OPT_INTERVAL ? &sa->out_every : c == OPT_KEEP ? &sa->out_keep : &sa->state_every) = v;
			break;
		}
		case OPT_USDT: {
			int f = pusdt__features_parse(optarg);

			if (f < 0) {
				msg__err("--usdt takes gc, import, gc,import or none, not '%s'", optarg);
				return -1;
			}
			ao->usdt = f | (ao->usdt & PU_CALLS);
			break;
		}
		case OPT_CALLS:
			ao->usdt |= PU_CALLS;
			break;
		case OPT_DRAIN:
		case OPT_EVIDENCE_INTERVAL:
			if (str__parse_long(optarg, 10, 3600000, &v)) {
				msg__err("--%s needs milliseconds from 10 to 3600000, not '%s'",
					 c == OPT_DRAIN ? "drain-interval-ms" : "evidence-interval-ms", optarg);
				return -1;
			}
			*(c == OPT_DRAIN ? &ao->drain_interval : &ao->evidence_interval) = v / 1000.0;
			break;
		case 'v':
			msg_verbose++;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		msg__err("serve takes no arguments ('%s'); see coldbpf serve --help", argv[optind]);
		return -1;
	}
	if (!filter__empty(&filter[0])) {
		if (ao->mode != MODE_ALL) {
			msg__err("--include and --exclude filter --all-python's processes, not -p");
			return -1;
		}
		ao->filter = &filter[0];
	}
	if (!filter__empty(&filter[1])) {
		if (!ao->usdt) {
			msg__err("--usdt-exclude keeps markers off some processes, but --usdt is none");
			return -1;
		}
		ao->usdt_exclude = &filter[1];
	}
	return 0;
}

static void filters_free(struct target_filter filter[2])
{
	filter__free(&filter[0]);
	filter__free(&filter[1]);
}

int cmd__serve(int argc, char **argv)
{
	/* a daemon's defaults: maps drained every 5 s (each drain walks them with
	 * system calls: at 1 s the agent took 2.6 % of a core for 20 processes,
	 * at 5 s 0.65 %; the counts maps hold 65536 stacks per drain), evidence
	 * rounds every 60 s (make bench: tests/bench/serve.py) */
	struct agent_opts ao = { .mode = MODE_ALL, .hz = 99, .max_depth = CB_DEFAULT_DEPTH, .drain_interval = 5.0,
				 .evidence_interval = 60.0, .evidence = true, .usdt = PU_GC | PU_IMPORT, .stop = &stop };
	struct http_opts ho = { .listen = DEFAULT_LISTEN };
	struct metrics_opts mo = { .max_programs = 100, .expire_s = 600, .top = 10 };
	struct sigaction sa = { .sa_handler = on_signal }, sh = { .sa_handler = on_hup, .sa_flags = SA_RESTART };
	struct profile *prof;
	struct serve sv;
	struct target_filter filter[2] = {};	/* --include..., --usdt-exclude... */
	struct http *h;
	bool insecure = false;
	struct serve_args args = {};
	int r = parse(argc, argv, &ao, &ho, &mo, &insecure, filter, &args), loop;

	if (r) {
		filters_free(filter);
		return r > 0 ? 0 : 1;
	}
	loop = http__loopback(ho.listen);
	if (loop < 0)
		msg__err("--listen %s: expected ADDR:PORT or [ADDR6]:PORT with a numeric address", ho.listen);
	else if (!loop && !ho.auth_file && !insecure)
		msg__err("--listen %s is not a loopback address: add --basic-auth-file (and --tls-cert/--tls-key), "
			 "or --insecure to serve profiles to anyone who can reach it", ho.listen);
	if (loop < 0 || (!loop && !ho.auth_file && !insecure) || caps__check()) {
		filters_free(filter);
		free(ao.pids);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sh, NULL);	/* --out-dir: the interval ends now; otherwise nothing */
	signal(SIGPIPE, SIG_IGN);
	if ((args.nsrc || ao.evidence_lines) && !ao.evidence) {
		msg__err("%s needs the evidence rounds (drop --no-evidence)", args.nsrc ? "--src" : "--evidence-lines");
		filters_free(filter);
		free(ao.pids);
		return 1;
	}
	prof = profile__new();
	mo.usdt = ao.usdt != 0;
	serve__init(&sv, &mo, ao.hz);
	ao.tick = serve__tick;
	ao.tick_ctx = &sv;
	r = 1;
	for (size_t i = 0; i < args.nsrc; i++)
		if (serve__add_src(&sv, args.src[i], args.python))
			goto out;
	if (args.state_dir && !ao.evidence) {
		msg__err("--state-dir keeps evidence: drop --no-evidence");
		goto out;
	}
	if (args.state_dir && serve__state_open(&sv, args.state_dir))
		goto out;
	if (args.state_every)
		sv.state_every = args.state_every;
	if ((args.out_every || args.out_keep) && !args.out_dir) {
		msg__err("--interval and --keep are for --out-dir");
		goto out;
	}
	if (args.out_dir && serve__out_open(&sv, args.out_dir, args.out_every ? args.out_every : 60,
					    args.out_keep ? args.out_keep : 60))
		goto out;
	sv.hup = &hup;
	h = http__start(&sv, &ho);
	if (!h)
		goto out;
	msg__err("note: serving on %s%s: /metrics, /debug/pprof/profile", ho.listen, ho.tls_cert ? " (TLS)" : "");
	r = agent__run(&ao, prof);
	serve__stop(&sv);
	if (!r && serve__final(&sv, prof))
		r = 1;
	http__stop(h);	/* waits for the connection threads */
out:
	serve__free(&sv);
	profile__free(prof);
	filters_free(filter);
	free(ao.pids);
	return r;
}

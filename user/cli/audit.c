// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf audit [--all-python | -p PID,...] [--event GLOB]... [--json]:
 * stream CPython's audit events (sys.audit, PySys_Audit: open,
 * subprocess.Popen, socket.connect, exec, import, ...) of every process
 * whose interpreter has static markers, one line each, decoded at the probe
 * (bpf/usdt.bpf.c cb_audit, docs/usdt.md "Audit events"). No audit hook is
 * installed in the target; the kernel raises the marker's semaphore while
 * attached (every sys.audit call then builds its argument tuple).
 */
#include <fnmatch.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/cmd.h"
#include "collect/agent.h"
#include "collect/caps.h"
#include "collect/filter.h"
#include "lib/msg.h"
#include "lib/str.h"
#include "profile/profile.h"
#include "profile/pusdt.h"
#include "usdtprobe.h"

#define MAX_EVENT_GLOBS 32

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static const char usage[] =
"Usage: coldbpf audit [--all-python | -p PID[,PID...]] [--event GLOB]... [--json] [-d SECS]\n"
"\n"
"Stream CPython's audit events (PEP 578: open, subprocess.Popen, socket.connect,\n"
"exec, import, ...) of every Python process whose interpreter was built with static\n"
"markers (Debian's, --with-dtrace), one line each: time, PID, command, event and\n"
"its arguments (str, bytes, int, bool, None, and the first items of a tuple or\n"
"list, decoded in the kernel at the probe). No audit hook is installed in the\n"
"targets; while attached, the kernel raises the marker's semaphore, so every\n"
"sys.audit() call in them builds its argument tuple (docs/usdt.md).\n"
"Needs root (CAP_SYS_ADMIN for uprobes, CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE).\n"
"\n"
"  -a, --all-python         every CPython process, including ones started later (default)\n"
"  -p, --pid PID[,PID]      these processes\n"
"      --event GLOB         only events whose name matches (may repeat; e.g. 'open',\n"
"                           'subprocess.*', 'socket.*')\n"
"      --json               one JSON object per line\n"
"  -d, --duration SECS      stop after SECS seconds (default: until SIGINT/SIGTERM)\n"
"  -v, --verbose            say what is found and how\n"
"  -h, --help               this help\n"
"\n"
"Filters (with --all-python):\n"
FILTER_HELP;

enum {
	OPT_EVENT = OPT_FIRST_FREE,
	OPT_JSON,
};

struct audit_out {
	const char *globs[MAX_EVENT_GLOBS];
	size_t nglobs;
	bool json;
	double mono_to_real;	/* add to a bpf_ktime_get_ns() time (s) */
	unsigned long shown, filtered, nomarkers_said;
};

/* A value as Python would print it (repr), into buf. */
static void put_text(char *buf, size_t sz, size_t *at, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void put_text(char *buf, size_t sz, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= sz)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, sz - *at, fmt, ap);
	va_end(ap);
	*at += n > 0 ? (size_t)n : 0;
	if (*at >= sz)
		*at = sz - 1;
}

/* The code points of a decoded str (width 1, 2 or 4), at most max. */
static size_t code_points(const struct cb_aitem *it, uint32_t *cp, size_t max)
{
	size_t n = 0, w = it->width ? it->width : 1, bytes = (size_t)it->len * w;

	if (bytes > CB_AUDIT_STR)
		bytes = CB_AUDIT_STR;
	for (size_t i = 0; i + w <= bytes && n < max; i += w) {
		const unsigned char *p = (const unsigned char *)it->s + i;

		cp[n++] = w == 1 ? p[0] : w == 2 ? (uint32_t)(p[0] | p[1] << 8)
						 : (uint32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
	}
	return n;
}

static void utf8(uint32_t c, char *out, size_t *n)
{
	if (c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		c = 0xfffd;
	if (c < 0x80) {
		out[(*n)++] = (char)c;
	} else if (c < 0x800) {
		out[(*n)++] = (char)(0xc0 | c >> 6);
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		out[(*n)++] = (char)(0xe0 | c >> 12);
		out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | c >> 18);
		out[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (c & 0x3f));
	}
}

/* A str as UTF-8 (control characters and non-printables escaped for text
 * output; JSON escapes them itself), into out (at least 4 * CB_AUDIT_STR + 8). */
static void str_utf8(const struct cb_aitem *it, bool escape, char *out)
{
	uint32_t cp[CB_AUDIT_STR];
	size_t n = code_points(it, cp, CB_AUDIT_STR), o = 0;

	for (size_t i = 0; i < n; i++) {
		if (escape && (cp[i] < 0x20 || cp[i] == 0x7f || cp[i] == '\'' || cp[i] == '\\'))
			o += (size_t)snprintf(out + o, 8, cp[i] == '\'' || cp[i] == '\\' ? "\\%c" : "\\x%02x", cp[i]);
		else if (!escape && !cp[i])
			out[o++] = '?';	/* JSON strings carry no NUL through jansson */
		else
			utf8(cp[i], out, &o);
	}
	out[o] = 0;
}

static void bytes_repr(const struct cb_aitem *it, char *out)
{
	size_t n = it->len < CB_AUDIT_STR ? it->len : CB_AUDIT_STR, o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)it->s[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 8, c == '\'' || c == '\\' ? "\\%c" : "\\x%02x", c);
	}
	out[o] = 0;
}

static void item_text(const struct cb_aitem *it, char *buf, size_t sz, size_t *at)
{
	char s[CB_AUDIT_STR * 4 + 8];

	switch (it->kind) {
	case CB_AK_STR:
		str_utf8(it, true, s);
		put_text(buf, sz, at, "'%s%s'", s, it->trunc ? "..." : "");
		break;
	case CB_AK_BYTES:
		bytes_repr(it, s);
		put_text(buf, sz, at, "b'%s%s'", s, it->trunc ? "..." : "");
		break;
	case CB_AK_INT:
		put_text(buf, sz, at, "%lld", (long long)it->num);
		break;
	case CB_AK_BIGINT:
		put_text(buf, sz, at, "<int>");
		break;
	case CB_AK_BOOL:
		put_text(buf, sz, at, it->num ? "True" : "False");
		break;
	case CB_AK_NONE:
		put_text(buf, sz, at, "None");
		break;
	case CB_AK_TUPLE:
		put_text(buf, sz, at, "<tuple of %u>", it->len);
		break;
	case CB_AK_LIST:
		put_text(buf, sz, at, "<list of %u>", it->len);
		break;
	case CB_AK_OTHER:
		put_text(buf, sz, at, "<object>");
		break;
	default:
		put_text(buf, sz, at, "<unreadable>");
	}
}

static void arg_text(const struct cb_aarg *a, char *buf, size_t sz, size_t *at)
{
	if (a->v.kind != CB_AK_TUPLE && a->v.kind != CB_AK_LIST) {
		item_text(&a->v, buf, sz, at);
		return;
	}
	put_text(buf, sz, at, a->v.kind == CB_AK_TUPLE ? "(" : "[");
	for (uint32_t k = 0; k < a->v.len && k < CB_AUDIT_ITEMS; k++) {
		if (k)
			put_text(buf, sz, at, ", ");
		item_text(&a->items[k], buf, sz, at);
	}
	if (a->v.len > CB_AUDIT_ITEMS)
		put_text(buf, sz, at, ", ...");
	put_text(buf, sz, at, a->v.kind == CB_AK_TUPLE ? (a->v.len == 1 ? ",)" : ")") : "]");
}

static json_t *item_json(const struct cb_aitem *it)
{
	char s[CB_AUDIT_STR * 4 + 8];

	switch (it->kind) {
	case CB_AK_STR:
		str_utf8(it, false, s);
		return it->trunc ? json_pack("{s:s,s:b}", "str", s, "truncated", 1) : json_string(s);
	case CB_AK_BYTES:
		bytes_repr(it, s);
		return json_pack("{s:s,s:b}", "bytes", s, "truncated", it->trunc);
	case CB_AK_INT:
		return json_integer(it->num);
	case CB_AK_BOOL:
		return json_boolean(it->num);
	case CB_AK_NONE:
		return json_null();
	case CB_AK_BIGINT:
		return json_pack("{s:s}", "type", "int");
	case CB_AK_TUPLE:
	case CB_AK_LIST:
		return json_pack("{s:s,s:i}", "type", it->kind == CB_AK_TUPLE ? "tuple" : "list", "len", it->len);
	case CB_AK_OTHER:
		return json_pack("{s:s}", "type", "object");
	}
	return json_pack("{s:b}", "unreadable", 1);
}

static json_t *arg_json(const struct cb_aarg *a)
{
	json_t *arr;

	if (a->v.kind != CB_AK_TUPLE && a->v.kind != CB_AK_LIST)
		return item_json(&a->v);
	arr = json_array();
	for (uint32_t k = 0; k < a->v.len && k < CB_AUDIT_ITEMS; k++)
		json_array_append_new(arr, item_json(&a->items[k]));
	return json_pack("{s:s,s:i,s:o}", "type", a->v.kind == CB_AK_TUPLE ? "tuple" : "list", "len", a->v.len,
			 "items", arr);
}

static void on_audit(void *ctx, const struct cb_uaudit *ev, const struct pproc *proc)
{
	struct audit_out *o = ctx;
	char event[CB_AUDIT_EVENT], comm[64], stamp[40];
	double t = ev->ns / 1e9 + o->mono_to_real;
	time_t secs = (time_t)t;
	struct tm tm;
	bool match = !o->nglobs;

	memcpy(event, ev->event, sizeof(event));
	event[sizeof(event) - 1] = 0;
	str__sanitize(event, event, sizeof(event));
	for (size_t i = 0; i < o->nglobs && !match; i++)
		match = !fnmatch(o->globs[i], event, 0);
	if (!match) {
		o->filtered++;
		return;
	}
	str__sanitize(proc ? proc->comm : "?", comm, sizeof(comm));
	gmtime_r(&secs, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	o->shown++;
	if (o->json) {
		json_t *args = json_array(), *line;
		char *s;

		for (uint32_t i = 0; i < ev->nargs && i < CB_AUDIT_ARGS; i++)
			json_array_append_new(args, arg_json(&ev->args[i]));
		line = json_pack("{s:s+,s:i,s:i,s:s,s:s,s:i,s:o}", "time", stamp, "Z", "pid", ev->tgid, "tid", ev->tid,
				 "comm", comm, "event", event, "nargs", ev->nargs, "args", args);
		s = line ? json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(line);
	} else {
		char buf[4096];
		size_t at = 0;

		put_text(buf, sizeof(buf), &at, "(");
		for (uint32_t i = 0; i < ev->nargs && i < CB_AUDIT_ARGS; i++) {
			if (i)
				put_text(buf, sizeof(buf), &at, ", ");
			arg_text(&ev->args[i], buf, sizeof(buf), &at);
		}
		if (ev->nargs > CB_AUDIT_ARGS)
			put_text(buf, sizeof(buf), &at, ", ...");
		put_text(buf, sizeof(buf), &at, ev->nargs == 1 ? ",)" : ")");
		printf("%s.%03dZ %d %s %s %s\n", stamp, (int)((t - (double)secs) * 1000), ev->tgid, comm, event, buf);
	}
	fflush(stdout);
}

int cmd__audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-python", no_argument, NULL, 'a' },
		{ "pid", required_argument, NULL, 'p' },
		{ "event", required_argument, NULL, OPT_EVENT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "duration", required_argument, NULL, 'd' },
		FILTER_OPTIONS,
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	/* sampling at 1 Hz only keeps the agent's process tracking (exec, exit,
	 * classification) as it is for a recording; no evidence rounds */
	struct agent_opts ao = { .mode = MODE_ALL, .hz = 1, .max_depth = 8, .drain_interval = 5.0,
				 .usdt = PU_AUDIT, .stop = &stop };
	struct target_filter filter = {};
	struct audit_out out = {};
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec mono, real;
	struct profile *prof;
	int c, r;
	long v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+ap:d:vh", opts, NULL)) != -1) {
		if ((r = options__filter(c, optarg, &filter))) {
			if (r < 0)
				goto bad;
			continue;
		}
		switch (c) {
		case 'a':
			ao.mode = MODE_ALL;
			break;
		case 'p':
			if (str__parse_pids(optarg, &ao.pids, &ao.npids))
				goto bad;
			ao.mode = MODE_PIDS;
			break;
		case OPT_EVENT:
			if (out.nglobs == MAX_EVENT_GLOBS) {
				msg__err("at most %d --event globs", MAX_EVENT_GLOBS);
				goto bad;
			}
			out.globs[out.nglobs++] = optarg;
			break;
		case OPT_JSON:
			out.json = true;
			break;
		case 'd':
			if (str__parse_long(optarg, 1, 86400 * 365, &v)) {
				msg__err("-d needs seconds from 1 to 31536000, not '%s'", optarg);
				goto bad;
			}
			ao.duration = v;
			break;
		case 'v':
			msg_verbose++;
			break;
		case 'h':
			fputs(usage, stdout);
			filter__free(&filter);
			return 0;
		default:
			fputs(usage, stderr);
			goto bad;
		}
	}
	if (optind < argc) {
		msg__err("audit takes no arguments ('%s'); see coldbpf audit --help", argv[optind]);
		goto bad;
	}
	if (!filter__empty(&filter)) {
		if (ao.mode != MODE_ALL) {
			msg__err("--include and --exclude filter --all-python's processes, not -p");
			goto bad;
		}
		ao.filter = &filter;
	}
	if (caps__check())
		goto bad;
	if (!caps__has(21)) {
		msg__err("audit events need uprobes, which the kernel lets only CAP_SYS_ADMIN create");
		goto bad;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	out.mono_to_real = (real.tv_sec - mono.tv_sec) + (real.tv_nsec - mono.tv_nsec) / 1e9;
	ao.audit = on_audit;
	ao.audit_ctx = &out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	prof = profile__new();
	r = agent__run(&ao, prof);
	if (!r) {
		const struct pusdt *u;
		size_t with = 0, without = 0;

		for (size_t i = 0; i < prof->nprocs; i++) {
			if (prof->procs[i].unused || !(u = prof->procs[i].usdt))
				continue;
			with += u->status == PU_ATTACHED;
			without += u->status == PU_NO_MARKERS;
		}
		msg__err("note: %lu events shown (%lu of other events left out); %zu processes attached, %zu without "
			 "markers (pyenv-style builds: no audit events from them); %llu events lost",
			 out.shown, out.filtered, with, without,
			 (unsigned long long)prof->stats.counters[CTR_AUDIT_LOST]);
	}
	profile__free(prof);
	filter__free(&filter);
	free(ao.pids);
	return r;
bad:
	filter__free(&filter);
	free(ao.pids);
	return 1;
}

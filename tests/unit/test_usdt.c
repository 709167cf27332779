// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* GC pauses and imports from CPython's static markers: which markers a
 * feature attaches, struct pusdt (slowest imports, merging, the JSON file),
 * the report's section and the metrics' histogram. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect/usdt.h"
#include "collect/usdtopt.h"
#include "cpython/elfinfo.h"
#include "output/metrics.h"
#include "output/text.h"
#include "profile/json.h"
#include "profile/profile.h"
#include "profile/pusdt.h"

Test(usdt, features_attach_only_their_markers)
{
	uint32_t never = (1u << PYM_LINE) | (1u << PYM_FUNCTION_RETURN);

	for (unsigned f = 0; f < 64; f++) {	/* whatever bits a caller passes */
		cr_assert_eq(usdt__markers(f) & never, 0, "features %#x attach %#x", f, usdt__markers(f));
		/* function__entry only when --calls asks (PU_CALLS) */
		cr_assert_eq(!!(usdt__markers(f) & (1u << PYM_FUNCTION_ENTRY)), !!(f & PU_CALLS), "features %#x", f);
		/* audit only when `coldbpf audit` asks (PU_AUDIT) */
		cr_assert_eq(!!(usdt__markers(f) & (1u << PYM_AUDIT)), !!(f & PU_AUDIT), "features %#x", f);
	}
	cr_assert_eq(usdt__markers(PU_AUDIT), 1u << PYM_AUDIT);
	cr_assert_eq(usdt__markers(PU_GC), (1u << PYM_GC_START) | (1u << PYM_GC_DONE));
	cr_assert_eq(usdt__markers(PU_IMPORT), (1u << PYM_IMPORT_START) | (1u << PYM_IMPORT_DONE));
	cr_assert_eq(usdt__markers(PU_CALLS), 1u << PYM_FUNCTION_ENTRY);
	cr_assert_eq(usdt__markers(0), 0);
	cr_assert_str_eq(elfinfo__marker_name(PYM_IMPORT_START), "import__find__load__start");
	cr_assert_null(elfinfo__marker_name(PYM_NR));
}

Test(usdt, feature_names)
{
	char buf[32];

	cr_assert_eq(pusdt__features_parse("gc,import"), PU_GC | PU_IMPORT);
	cr_assert_eq(pusdt__features_parse("import"), PU_IMPORT);
	cr_assert_eq(pusdt__features_parse("none"), 0);
	cr_assert_lt(pusdt__features_parse("gc,line"), 0);
	cr_assert_lt(pusdt__features_parse("gc,"), 0);
	cr_assert_lt(pusdt__features_parse("audit"), 0);
	cr_assert_lt(pusdt__features_parse("calls"), 0);	/* --calls, not --usdt */
	pusdt__features_list(PU_GC | PU_IMPORT, buf, sizeof(buf));
	cr_assert_str_eq(buf, "gc,import");
	cr_assert_eq(pusdt__status_parse("no-markers"), PU_NO_MARKERS);
	cr_assert_lt(pusdt__status_parse("attached "), 0);
}

Test(usdt, slowest_imports_bounded_and_sorted)
{
	struct pusdt *u = pusdt__new(PU_ATTACHED, PU_IMPORT, NULL);
	char name[300];

	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		pusdt__add_import(u, name, (uint64_t)((i * 37) % 100) * 1000);
	}
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	pusdt__add_import(u, name, 1);	/* too fast: not kept */
	cr_assert_eq(u->nslow, PUSDT_SLOWEST);
	for (uint32_t i = 0; i < u->nslow; i++)
		cr_assert_eq(u->slow[i].ns, (uint64_t)(99 - i) * 1000, "%u: %lu", i, (unsigned long)u->slow[i].ns);
	pusdt__add_import(u, name, 1000000);	/* the slowest, its name bounded */
	cr_assert_eq(strlen(u->slow[0].name), PUSDT_NAME_MAX);
	cr_assert_eq(u->nslow, PUSDT_SLOWEST);
	pusdt__free(u);
}

static struct pusdt *gc_import(uint64_t gen2, uint64_t pause_ns, const char *mod, uint64_t mod_ns)
{
	struct pusdt *u = pusdt__new(PU_ATTACHED, PU_GC | PU_IMPORT, NULL);
	struct cb_uproc c = {};

	c.gc_count[2] = gen2;
	c.gc_ns[2] = pause_ns * gen2;
	c.gc_max_ns[2] = pause_ns;
	c.gc_hist[16] = gen2;	/* [65.5, 131) us */
	c.imports = 1;
	c.import_ns = mod_ns;
	pusdt__set_counts(u, &c);
	pusdt__add_import(u, mod, mod_ns);
	return u;
}

static char *text_of(const struct profile *p)
{
	struct output_opts o = { .top = 5 };
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(text__write(p, &o, f), 0);
	fclose(f);
	return buf;
}

Test(usdt, json_round_trip_fold_and_report)
{
	struct profile *p = profile__new(), *q;
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256], *a, *b;
	uint32_t r[4];
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	for (int i = 0; i < 4; i++)
		r[i] = profile__proc(p, 100 + i, "python3", "/usr/bin/python3 app.py", "3.11.2", "Py_Version");
	p->procs[r[0]].usdt = gc_import(200, 100000, "slow_mod", 5000000);
	p->procs[r[1]].usdt = gc_import(3, 200000, "other_mod", 7000000);
	p->procs[r[2]].usdt = pusdt__new(PU_NO_MARKERS, 0, NULL);
	p->procs[r[3]].usdt = pusdt__new(PU_FAILED, 0, "gc__start: No such file or directory");
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	cr_assert_eq(q->procs[0].usdt->gc_count[2], 200);
	cr_assert_eq(q->procs[0].usdt->gc_hist[16], 200);
	cr_assert_eq(q->procs[0].usdt->features, PU_GC | PU_IMPORT);
	cr_assert_str_eq(q->procs[1].usdt->slow[0].name, "other_mod");
	cr_assert_eq(q->procs[2].usdt->status, PU_NO_MARKERS);
	cr_assert_str_eq(q->procs[3].usdt->why, "gc__start: No such file or directory");
	a = text_of(p);
	b = text_of(q);
	cr_assert_str_eq(a, b);
	cr_assert_not_null(strstr(a, "GC pauses and imports"), "%s", a);
	cr_assert_not_null(strstr(a, "no-markers"), "%s", a);
	cr_assert_not_null(strstr(a, "other_mod"), "%s", a);
	free(a);
	free(b);
	/* the two exited processes fold into one entry: counts add up */
	for (int i = 0; i < 4; i++)
		profile__exited(p, r[i]);
	cr_assert_eq(profile__fold_exited(p, 2), 2);
	profile__compact(p);
	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].folded) {
			struct pusdt *u = p->procs[i].usdt;

			cr_assert_not_null(u);
			cr_assert_eq(u->gc_count[2], 203);
			cr_assert_eq(u->gc_max_ns[2], 200000);
			cr_assert_eq(u->imports, 2);
			cr_assert_eq(u->nslow, 2);
			cr_assert_str_eq(u->slow[0].name, "other_mod");
			cr_assert_eq(u->status, PU_ATTACHED);
		}
	profile__free(p);
	profile__free(q);
	unlink(path);
}

Test(usdt, calls_round_trip_fold_and_report)
{
	struct profile *p = profile__new(), *q;
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256], *a, *b;
	uint32_t r[5], f, g;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	r[0] = profile__proc(p, 100, "python3.9", "python3.9 w.py", "3.9.2", "file name");
	r[1] = profile__proc(p, 101, "python3.9", "python3.9 w.py", "3.9.2", "file name");
	r[2] = profile__proc(p, 102, "python3.11", "python3.11 w.py", "3.11.2", "Py_Version");
	r[3] = profile__proc(p, 103, "python3.13", "python3.13 w.py", "3.13.5", "Py_Version");
	r[4] = profile__proc(p, 104, "python3.10", "python3.10 w.py", "3.10.14", "Py_Version");
	f = profile__func(p, "w.py", "f", 3);
	g = profile__func(p, "w.py", "gen", 7);
	for (int i = 0; i < 2; i++) {
		p->procs[r[i]].usdt = pusdt__new(PU_ATTACHED, PU_CALLS, NULL);
		p->procs[r[i]].usdt->calls_status = PC_COUNTED;
		pusdt__add_calls(p->procs[r[i]].usdt, g, 3);
		pusdt__add_calls(p->procs[r[i]].usdt, f, 12000);
		pusdt__add_calls(p->procs[r[i]].usdt, f, 345);	/* adds up */
	}
	p->procs[r[2]].usdt = pusdt__new(PU_NOT_NEEDED, 0, NULL);
	p->procs[r[2]].usdt->calls_status = PC_NO_FIRE;
	p->procs[r[3]].usdt = pusdt__new(PU_NOT_NEEDED, 0, NULL);
	p->procs[r[3]].usdt->calls_status = PC_NO_MARKER;
	p->procs[r[4]].usdt = pusdt__new(PU_NO_MARKERS, 0, NULL);
	p->procs[r[4]].usdt->calls_status = PC_NO_MARKERS;
	cr_assert_eq(pusdt__total_calls(p->procs[r[0]].usdt), 12348);
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	cr_assert_eq(q->procs[0].usdt->calls_status, PC_COUNTED);
	cr_assert_eq(q->procs[0].usdt->ncalls, 2);
	cr_assert_eq(q->procs[2].usdt->calls_status, PC_NO_FIRE);
	cr_assert_eq(q->procs[2].usdt->status, PU_NOT_NEEDED);
	a = text_of(p);
	b = text_of(q);
	cr_assert_str_eq(a, b);
	/* the most called first, with its place; the others say why, no zeros */
	cr_assert_not_null(strstr(a, "PID 100: 12348 calls of 2 functions\n"), "%s", a);
	cr_assert_not_null(strstr(a, "         12345  f (w.py:3)\n             3  gen (w.py:7)\n"), "%s", a);
	cr_assert_not_null(strstr(a, "PID 102: calls: not available on CPython 3.11 (function__entry does not fire)"),
			   "%s", a);
	cr_assert_not_null(strstr(a, "PID 103: calls: not available on CPython 3.13 (no function__entry marker)"),
			   "%s", a);
	cr_assert_not_null(strstr(a, "PID 104: calls: no markers: interpreter built without --with-dtrace"), "%s", a);
	/* --calls alone: no GC line of zeros (one for the interpreter without any marker) */
	cr_assert_null(strstr(a, "    100                  0"), "%s", a);
	cr_assert_null(strstr(a, "not-needed"), "%s", a);
	cr_assert_not_null(strstr(a, "    104 no-markers"), "%s", a);
	free(a);
	free(b);
	{	/* serve's --out-dir files are subsets: calls keep their functions */
		struct profile *sub = profile__subset(p, NULL, NULL);
		const struct pusdt *su = sub->procs[0].usdt;

		cr_assert_eq(su->calls_status, PC_COUNTED);
		cr_assert_eq(pusdt__total_calls(su), 12348);
		for (uint32_t k = 0; k < su->ncalls; k++)
			cr_assert_str_eq(sub->funcs[su->calls[k].func].qualname, su->calls[k].calls == 3 ? "gen" : "f");
		profile__free(sub);
	}
	/* two exited processes of one program fold: calls add up per function */
	profile__exited(p, r[0]);
	profile__exited(p, r[1]);
	cr_assert_eq(profile__fold_exited(p, 0), 2);
	profile__compact(p);
	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].folded) {
			cr_assert_eq(p->procs[i].usdt->calls_status, PC_COUNTED);
			cr_assert_eq(pusdt__total_calls(p->procs[i].usdt), 2 * 12348);
		}
	profile__free(p);
	profile__free(q);
	unlink(path);
}

Test(usdt, malformed_usdt_refused)
{
	static const char *const bad[] = {
		"{\"status\":\"bogus\",\"features\":\"gc\"}",
		"{\"status\":\"attached\",\"features\":\"gc,line\"}",
		"{\"status\":\"attached\",\"features\":\"gc\",\"gc\":{\"collections\":[1,2,3,4,5]}}",
		"{\"status\":\"attached\",\"features\":\"gc\",\"gc\":{\"pause_log2_ns\":[-1]}}",
		"{\"status\":\"attached\",\"features\":\"\",\"imports\":{\"slowest\":[{\"module\":1,\"ns\":2}]}}",
		"{\"status\":\"attached\",\"features\":\"\",\"calls_status\":\"bogus\",\"calls\":[]}",
		"{\"status\":\"attached\",\"features\":\"\",\"calls_status\":\"counted\",\"calls\":[[0,1]]}",
		"{\"status\":\"attached\",\"features\":\"\",\"calls_status\":\"counted\",\"calls\":[[-1,1]]}",
		"{\"status\":\"attached\",\"features\":\"\",\"calls_status\":\"counted\",\"calls\":[[0]]}",
		"[1]",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256];
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");

		fprintf(f, "{\"format\":\"coldbpf-profile\",\"version\":1,\"processes\":[{\"pid\":1,\"comm\":\"p\","
			   "\"cmdline\":\"p\",\"python\":\"3.11\",\"usdt\":%s}],\"functions\":[],\"stacks\":[]}", bad[i]);
		fclose(f);
		cr_assert_null(profile__load_json(path, err, sizeof(err)), "accepted %s", bad[i]);
		cr_assert_not_null(strstr(err, "malformed"), "%s", err);
		unlink(path);
	}
}

Test(usdt, metrics_histogram_and_programs)
{
	struct profile *p = profile__new();
	struct metrics_opts o = { .max_programs = 10, .expire_s = 600, .top = 0, .usdt = true };
	struct metrics_agent ag = { 0 };
	struct metrics_state s;
	uint32_t r = profile__proc(p, 7, "python3", "/usr/bin/python3 app.py", "3.11.2", "Py_Version");
	char *out;
	size_t len;

	p->procs[r].usdt = gc_import(200, 100000, "m", 1000000000);
	metrics_state__init(&s);
	metrics__render(p, &ag, &o, &s, 1.0, false, &out, &len);
	cr_assert_not_null(strstr(out, "coldbpf_gc_collections_total{program=\"/usr/bin/python3 app.py\"} 200\n"), "%s", out);
	cr_assert_not_null(strstr(out, "coldbpf_imports_total{program=\"/usr/bin/python3 app.py\"} 1\n"), "%s", out);
	cr_assert_not_null(strstr(out, "coldbpf_import_seconds_total{program=\"/usr/bin/python3 app.py\"} 1.000000000\n"),
			   "%s", out);
	/* bucket 16 is [2^16, 2^17) ns: under the 2^18 edge, not the 2^16 one */
	cr_assert_not_null(strstr(out, "coldbpf_gc_pause_seconds_bucket{le=\"0.000065536\"} 0\n"), "%s", out);
	cr_assert_not_null(strstr(out, "coldbpf_gc_pause_seconds_bucket{le=\"0.000262144\"} 200\n"), "%s", out);
	cr_assert_not_null(strstr(out, "coldbpf_gc_pause_seconds_bucket{le=\"1.073741824\"} 200\n"), "%s", out);
	cr_assert_not_null(strstr(out, "coldbpf_gc_pause_seconds_bucket{le=\"+Inf\"} 200\n"), "%s", out);
	cr_assert_not_null(strstr(out, "coldbpf_gc_pause_seconds_count 200\n"), "%s", out);
	free(out);
	o.usdt = false;	/* --usdt none: no such families */
	metrics__render(p, &ag, &o, &s, 2.0, false, &out, &len);
	cr_assert_null(strstr(out, "coldbpf_gc_pause_seconds"), "%s", out);
	free(out);
	metrics_state__free(&s);
	profile__free(p);
}

/* COLDBPF_USDT=off in an environment fed in pieces of every size: like
 * getenv(), the first entry decides; near misses do not match. */
static bool env_off(const char *env, size_t len, size_t piece)
{
	struct envscan s;

	envscan__init(&s);
	for (size_t i = 0; i < len; i += piece)
		envscan__feed(&s, env + i, len - i < piece ? len - i : piece);
	return envscan__end(&s);
}

#define ENV(lit) lit, sizeof(lit) - 1

Test(usdt, env_opt_out_scan)
{
	static const struct {
		const char *env;
		size_t len;
		bool off;
	} cases[] = {
		{ ENV("PATH=/bin\0COLDBPF_USDT=off\0HOME=/root\0"), true },
		{ ENV("COLDBPF_USDT=none\0"), true },
		{ ENV("A=1\0COLDBPF_USDT=off"), true },		/* no final NUL */
		{ ENV("COLDBPF_USDT=on\0COLDBPF_USDT=off\0"), false },	/* the first decides */
		{ ENV("COLDBPF_USDT=offf\0"), false },
		{ ENV("COLDBPF_USDT=of\0"), false },
		{ ENV("COLDBPF_USDT=off-with-a-long-tail\0"), false },
		{ ENV("XCOLDBPF_USDT=off\0"), false },
		{ ENV("COLDBPF_USDTX=off\0"), false },
		{ ENV("COLDBPF_USDT\0off\0"), false },
		{ ENV("X=COLDBPF_USDT=off\0"), false },
		{ ENV("\0\0COLDBPF_USDT=off\0"), true },
		{ ENV("COLDBPF_USDT=\0"), false },
		{ ENV(""), false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t piece = 1; piece <= cases[i].len + 1; piece++)
			cr_assert_eq(env_off(cases[i].env, cases[i].len, piece), cases[i].off, "case %zu piece %zu", i,
				     piece);
}

/* An opted-out process: "off" and by whom, in the JSON and the report. */
Test(usdt, opt_out_round_trip_and_report)
{
	struct profile *p = profile__new(), *q;
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256], *a;
	uint32_t r;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	r = profile__proc(p, 4242, "python3", "/usr/bin/python3 app.py", "3.11.2", "Py_Version");
	p->procs[r].usdt = pusdt__new(PU_OFF, 0, usdtopt__why(USDT_OFF_FILTER));
	r = profile__proc(p, 4243, "python3", "/usr/bin/python3 app.py", "3.11.2", "Py_Version");
	p->procs[r].usdt = pusdt__new(PU_OFF, 0, usdtopt__why(USDT_OFF_ENV));
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	cr_assert_eq(q->procs[0].usdt->status, PU_OFF);
	cr_assert_str_eq(q->procs[0].usdt->why, "--usdt-exclude");
	a = text_of(q);
	cr_assert_not_null(strstr(a, "   4242 off        (--usdt-exclude: sampled only)"), "%s", a);
	cr_assert_not_null(strstr(a, "   4243 off        (COLDBPF_USDT=off in its environment: sampled only)"), "%s", a);
	free(a);
	profile__free(p);
	profile__free(q);
	unlink(path);
}

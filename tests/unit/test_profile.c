// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The profile model and its views: stats, text, folded, JSON round trip. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "profile/profile.h"
#include "cpython/evlines.h"
#include "profile/json.h"
#include "output/folded.h"
#include "output/text.h"
#include "profile/aggregate.h"

/* main -> a (line 5) x30, main -> b x10, main -> rec -> rec -> rec x5 (truncated) */
static struct profile *sample(void)
{
	struct profile *p = profile__new();
	uint32_t pr = profile__proc(p, 42, "python3", "python3 app.py", "3.11.2", "Py_Version");
	uint32_t m = profile__func(p, "/app/main.py", "main", 1);
	uint32_t a = profile__func(p, "/app/work.py", "Worker.a", 3);
	uint32_t b = profile__func(p, "/app/work.py", "Worker.b;x", 9);
	uint32_t r = profile__func(p, "/app/work.py", "rec", 20);
	struct pframe s1[] = { { m, 2 }, { a, 5 } }, s2[] = { { m, 2 }, { b, 10 } };
	struct pframe s3[] = { { m, 3 }, { r, 21 }, { r, 21 }, { r, 22 } };

	snprintf(p->started, sizeof(p->started), "2026-01-01T00:00:00Z");
	p->duration_s = 2.5;
	p->frequency_hz = 99;
	p->max_depth = 128;
	profile__add(p, pr, 100, s1, 2, 0, 20);
	profile__add(p, pr, 101, s1, 2, 0, 10);	/* another thread: another stack */
	profile__add(p, pr, 100, s2, 2, 0, 10);
	profile__add(p, pr, 100, s3, 4, PF_STACK_TRUNCATED, 5);
	profile__add(p, pr, 100, s3, 4, PF_STACK_TRUNCATED, 0);	/* no-op */
	profile__set_source(p, "/app/work.py", 5, "x += 1");
	return p;
}

Test(profile, interning_and_merging)
{
	struct profile *p = sample();
	struct pframe s1[] = { { 0, 2 }, { 1, 5 } };

	cr_assert_eq(profile__func(p, "/app/work.py", "Worker.a", 3), 1);
	cr_assert_eq(profile__func(p, "/app/work.py", "Worker.a", 4), 4, "first line is part of the key");
	cr_assert_eq(p->nstacks, 4);
	profile__add(p, 0, 100, s1, 2, 0, 7);
	cr_assert_eq(p->nstacks, 4, "same process, thread and frames merge");
	cr_assert_eq(p->stacks[0].count, 27);
	cr_assert_eq(p->procs[0].samples, 52);
	cr_assert_eq(profile__total(p), 52);
	cr_assert_str_eq(profile__source(p, "/app/work.py", 5), "x += 1");
	cr_assert_null(profile__source(p, "/app/work.py", 6));
	profile__free(p);
}

Test(profile, self_and_total_count_recursion_once)
{
	struct profile *p = sample();
	size_t n;
	struct func_stat *fs = profile__func_stats(p, &n);

	cr_assert_eq(n, 4);
	cr_assert_eq(fs[0].func, 1);	/* Worker.a, 30 self */
	cr_assert_eq(fs[0].self, 30);
	cr_assert_eq(fs[1].self, 10);
	cr_assert_eq(fs[2].func, 3);	/* rec: 5 self, 5 total despite 3 frames */
	cr_assert_eq(fs[2].self, 5);
	cr_assert_eq(fs[2].total, 5);
	cr_assert_eq(fs[3].func, 0);	/* main: no self, in every stack */
	cr_assert_eq(fs[3].self, 0);
	cr_assert_eq(fs[3].total, 45);
	free(fs);
	profile__free(p);
}

Test(profile, line_stats_by_file_and_line)
{
	struct profile *p = sample();
	size_t n;
	struct line_stat *ls = profile__line_stats(p, &n);

	cr_assert_eq(n, 3);
	cr_assert_eq(ls[0].line, 5);
	cr_assert_eq(ls[0].self, 30);
	cr_assert_eq(ls[1].line, 10);
	cr_assert_eq(ls[2].line, 22);
	free(ls);
	profile__free(p);
}

static char *render(const struct profile *p, int which, const struct output_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (which)
		cr_assert_eq(folded__write(p, f), 0);
	else
		text__write(p, o, f);
	fclose(f);
	return buf;
}

Test(profile, folded_is_root_first_and_merges_threads)
{
	struct profile *p = sample();
	char *out = render(p, 1, NULL);

	cr_assert_str_eq(out,
		"python3 (42);main (/app/main.py:2);Worker.a (/app/work.py:5) 30\n"
		"python3 (42);main (/app/main.py:2);Worker.b,x (/app/work.py:10) 10\n"
		"python3 (42);[truncated];main (/app/main.py:3);rec (/app/work.py:21);"
		"rec (/app/work.py:21);rec (/app/work.py:22) 5\n");
	free(out);
	profile__free(p);
}

Test(profile, text_report_sections)
{
	struct profile *p = sample();
	struct output_opts o = { .top = 2 };
	char *out = render(p, 0, &o);

	cr_assert(strstr(out, "45 Python samples from 1 process in 2.5 s at 99 Hz"), "%s", out);
	cr_assert(strstr(out, " 66.7%   66.7%       30  Worker.a"), "%s", out);
	cr_assert(strstr(out, "/app/work.py:3"), "function location is file:first line");
	cr_assert(strstr(out, "/app/work.py:5"), "%s", out);
	cr_assert(strstr(out, "x += 1"), "source text of the hot line");
	cr_assert_null(strstr(out, "  rec "), "--top 2 cuts the third function");
	cr_assert(strstr(out, "     42 3.11.2          45  python3 app.py"), "%s", out);
	cr_assert(strstr(out, "1 stacks (5 samples) were deeper than --max-depth 128"), "%s", out);
	free(out);
	profile__free(p);
}

Test(profile, hostile_strings_are_escaped_in_text)
{
	struct profile *p = profile__new();
	uint32_t pr = profile__proc(p, 1, "x", "evil\x1b[2Jcmd", "3.11", "m");
	uint32_t f = profile__func(p, "/a\nb.py", "f\x07", 1);
	struct pframe s[] = { { f, 1 } };
	struct output_opts o = { .top = 5 };
	char *out;

	profile__add(p, pr, 1, s, 1, 0, 1);
	out = render(p, 0, &o);
	cr_assert_null(strchr(out, '\x1b'));
	cr_assert_null(strchr(out, '\x07'));
	cr_assert(strstr(out, "evil\\x1b[2Jcmd"));
	cr_assert(strstr(out, "/a\\x0ab.py"));
	free(out);
	profile__free(p);
}

Test(profile, subinterpreter_stacks_kept_apart)
{
	struct profile *p = sample(), *q;
	struct pframe s1[] = { { 0, 2 }, { 1, 5 } };
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256];
	size_t before = p->nstacks;
	char *out, *out2;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	/* the same frames in interpreter 2: another stack, not merged */
	profile__add(p, 0, 100, s1, 2, 2u << PF_INTERP_SHIFT, 7);
	cr_assert_eq(p->nstacks, before + 1);
	out = render(p, 1, NULL);
	cr_assert_not_null(strstr(out, "python3 (42);[interp 2];main (/app/main.py:2);Worker.a (/app/work.py:5) 7\n"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "python3 (42);main (/app/main.py:2);Worker.a (/app/work.py:5) 30\n"),
			   "%s", out);
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	out2 = render(q, 1, NULL);
	cr_assert_str_eq(out, out2);
	free(out);
	free(out2);
	profile__free(p);
	profile__free(q);
	unlink(path);
}

Test(profile_json, round_trip_renders_identically)
{
	struct profile *p = sample(), *q;
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256];
	struct output_opts o = { .top = 20, .lines = true, .stats = true };
	char *a, *b, *fa, *fb;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	p->stats.present = true;
	p->stats.counters[CB_STAT_SAMPLES] = 99;
	p->stats.counters[CB_ERR_READ_FRAME] = 3;
	p->stats.counters[CB_STAT_NS] = 12340;
	p->stats.counters[CB_STAT_TIMED] = 10;
	p->stats.counters[CB_STAT_PY_SAMPLES] = 50;
	p->stats.counters[CB_STAT_UREADS] = 150;
	p->stats.counters[CB_STAT_UBYTES] = 51200;
	p->stats.ns_hist[cb_ns_bucket(1100)] = 7;	/* the median's histogram travels too */
	p->stats.ns_hist[cb_ns_bucket(40000)] = 3;
	p->effective_hz = 41.5;	/* --max-overhead lowered the rate */
	p->procs[0].exited = true;
	p->procs[0].nspid = 1;		/* PID 1 of a container */
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	cr_assert_eq(q->nstacks, p->nstacks);
	cr_assert_eq(q->stats.counters[CB_ERR_READ_FRAME], 3);
	cr_assert_eq(memcmp(q->stats.ns_hist, p->stats.ns_hist, sizeof(p->stats.ns_hist)), 0);
	{
		struct output_opts plain = { .top = 20 };
		char *t = render(q, 0, &plain);

		cr_assert_not_null(strstr(t, "note: losses: err_read_frame 3"), "losses shown without --stats:\n%s", t);
		free(t);
	}
	cr_assert(q->procs[0].exited);
	cr_assert_eq(q->procs[0].nspid, 1);
	a = render(p, 0, &o);
	cr_assert(strstr(a, "[PID 1 in its namespace]"), "%s", a);
	b = render(q, 0, &o);
	cr_assert_str_eq(a, b);
	cr_assert(strstr(a, "bpf_ns_per_python_sample") && strstr(a, " 1234  (timed in BPF, 10 samples)"),
		  "ns per sample is the timed ns over the timed samples:\n%s", a);
	cr_assert(strstr(a, "reads_per_python_sample") && strstr(a, " 3.00  (1024 bytes)"),
		  "reads and bytes per Python sample:\n%s", a);
	{	/* a file from before the histogram: the timed line once, no median */
		char *t, *first;

		memset(q->stats.ns_hist, 0, sizeof(q->stats.ns_hist));
		t = render(q, 0, &o);
		first = strstr(t, "bpf_ns_per_python_sample");
		cr_assert(first && !strstr(first + 1, "bpf_ns_per_python_sample") && !strstr(t, "bpf_ns_median"),
			  "per-sample ns printed once, without a median:\n%s", t);
		free(t);
	}
	cr_assert(q->effective_hz > 41.4 && q->effective_hz < 41.6, "effective_hz %f", q->effective_hz);
	cr_assert(strstr(a, "effective rate 41.5 Hz"), "%s", a);
	fa = render(p, 1, NULL);
	fb = render(q, 1, NULL);
	cr_assert_str_eq(fa, fb);
	free(a);
	free(b);
	free(fa);
	free(fb);
	profile__free(p);
	profile__free(q);
	unlink(path);
}

static void expect_load_error(const char *content, const char *needle)
{
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[512];
	int fd = mkstemp(path);
	struct profile *p;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	p = profile__load_json(path, err, sizeof(err));
	cr_expect_null(p, "loaded: %s", content);
	cr_expect(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
	cr_expect_null(strchr(err, '\n'), "one line");
	profile__free(p);
	unlink(path);
}

Test(profile_json, corrupt_files_give_one_line_errors)
{
	expect_load_error("", "invalid JSON");
	expect_load_error("{\"format\": \"coldbpf-profile\", \"version\": 1,", "invalid JSON");
	expect_load_error("[1,2,3]", "not a coldbpf profile");
	expect_load_error("{\"format\": \"coldbpf-profile\", \"version\": 2}", "version 2 is not supported");
	expect_load_error("{\"format\": \"coldbpf-profile\", \"version\": 1}", "\"processes\" missing");
	expect_load_error("{\"format\":\"coldbpf-profile\",\"version\":1,\"processes\":[],\"functions\":[],"
			   "\"stacks\":[{\"proc\":0,\"tid\":1,\"count\":1,\"frames\":[]}]}", "stack 0 is malformed");
	expect_load_error("{\"format\":\"coldbpf-profile\",\"version\":1,\"processes\":[{\"pid\":1,"
			   "\"comm\":\"a\",\"cmdline\":\"a\",\"python\":\"3.11\"}],\"functions\":[],"
			   "\"stacks\":[{\"proc\":0,\"tid\":1,\"count\":1,\"frames\":[[0,1]]}]}",
			   "frame 0 is malformed");
	expect_load_error("{\"format\":\"coldbpf-profile\",\"version\":1,\"processes\":[{\"pid\":-5,"
			   "\"comm\":\"a\",\"cmdline\":\"a\",\"python\":\"3.11\"}]}", "process 0 is malformed");
	expect_load_error("{\"format\":\"coldbpf-profile\",\"format\":\"x\"}", "invalid JSON");
}

/* Profiles written by earlier coldbpf versions stay readable: each committed
 * one (tests/data/profiles/) loads, keeps its samples and counters, and
 * renders the same after a save and a load with this version. */
Test(profile_json, older_profiles_stay_readable)
{
	glob_t g;
	char err[512];

	cr_assert_eq(glob("tests/data/profiles/*.json", 0, NULL, &g), 0, "no committed profiles");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct profile *p = profile__load_json(g.gl_pathv[i], err, sizeof(err)), *q;
		char path[] = "/tmp/coldbpf-unit-XXXXXX";
		struct output_opts o = { .top = 20, .lines = true, .stats = true };
		char *a, *b;
		int fd;

		cr_assert_not_null(p, "%s", err);
		cr_assert_gt(profile__total(p), 100, "%s: samples", g.gl_pathv[i]);
		cr_assert_geq(p->nprocs, 1);
		cr_assert(p->stats.present && p->stats.counters[CB_STAT_RECORDED] > 0, "%s: counters", g.gl_pathv[i]);
		cr_assert_eq(p->stats.counters[CTR_SRC_DENIED], 0, "a counter the old file lacks reads as 0");
		fd = mkstemp(path);
		cr_assert_geq(fd, 0);
		close(fd);
		cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
		q = profile__load_json(path, err, sizeof(err));
		cr_assert_not_null(q, "%s", err);
		a = render(p, 0, &o);
		b = render(q, 0, &o);
		cr_assert_str_eq(a, b);
		free(a);
		free(b);
		profile__free(p);
		profile__free(q);
		unlink(path);
	}
	globfree(&g);
}

/* --evidence-lines: a code's lines survive a save and load, under ASan;
 * evidence without lines loads without them */
Test(profile_json, evidence_lines_round_trip)
{
	struct profile *p = sample(), *q;
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[256];
	struct pevcode *codes = calloc(2, sizeof(*codes));
	struct ev_lines *l = malloc(sizeof(*l) + 2 * sizeof(struct evl_line) + sizeof(struct evl_branch));
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	l->nlines = 2;
	l->nbranches = 1;
	l->lines = (struct evl_line *)(l + 1);
	l->branches = (struct evl_branch *)(l->lines + 2);
	l->lines[0] = (struct evl_line){ 5, EVL_RAN, EVL_R_TOUCHED };
	l->lines[1] = (struct evl_line){ 6, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED };
	l->branches[0] = (struct evl_branch){ 5, 6, EVL_FALL_NEVER };
	codes[0] = (struct pevcode){ 0, 1, 0, l };
	codes[1] = (struct pevcode){ 1, 2, 0, NULL };
	profile__set_evidence(p, 0, codes, 2);
	cr_assert_eq(profile__save_json(p, path, err, sizeof(err)), 0, "%s", err);
	q = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	cr_assert_eq(q->nevidence, 1);
	cr_assert_not_null(q->evidence[0].codes[0].lines);
	cr_assert_null(q->evidence[0].codes[1].lines);
	cr_expect_eq(q->evidence[0].codes[0].lines->nlines, 2);
	cr_expect_eq(q->evidence[0].codes[0].lines->lines[1].line, 6);
	cr_expect_eq(q->evidence[0].codes[0].lines->lines[1].status, EVL_NEVER);
	cr_expect_eq(q->evidence[0].codes[0].lines->branches[0].side, EVL_FALL_NEVER);
	cr_expect_eq(q->evidence[0].codes[0].lines->branches[0].to, 6);
	profile__free(p);
	profile__free(q);
	unlink(path);
}

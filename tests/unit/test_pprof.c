// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pprof: the writer (output/pprof.c) and the reader (profile/pprofread.c):
 * a round trip keeps stacks, labels and evidence; a profile as another
 * tool rewrites it (strings reordered, ids renumbered, unpacked fields,
 * sample types and fields coldbpf does not know) reads the same; the
 * merged-evidence rules (profile/pprofev.c); hostile input never crashes
 * and gets one-line errors.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/evidence.h"
#include "lib/proto.h"
#include "output/folded.h"
#include "output/format.h"
#include "output/pprof.h"
#include "profile/json.h"
#include "profile/load.h"
#include "profile/pprofev.h"
#include "profile/pprofread.h"
#include "profile/pprofschema.h"
#include "profile/profile.h"

/* main -> work (line 7) x30 on two threads, main -> rec x5 truncated, a
 * subinterpreter's stack x2; evidence: work ran, never never ran */
static struct profile *sample(void)
{
	struct profile *p = profile__new();
	uint32_t pr = profile__proc(p, 42, "python3", "/usr/bin/python3 /app/main.py --secret=x", "3.11.2", "Py_Version");
	uint32_t m = profile__func(p, "/app/main.py", "main", 1);
	uint32_t w = profile__func(p, "/app/work.py", "Worker.work", 5);
	uint32_t r = profile__func(p, "/app/work.py", "rec", 20);
	uint32_t nv = profile__func(p, "/app/work.py", "never", 30);
	struct pframe s1[] = { { m, 2 }, { w, 7 } }, s2[] = { { m, 3 }, { r, 21 }, { r, -1 } };
	struct pevcode *c = calloc(3, sizeof(*c));

	snprintf(p->started, sizeof(p->started), "2026-01-02T03:04:05Z");
	p->duration_s = 2.5;
	p->frequency_hz = 100;
	p->max_depth = 128;
	profile__add(p, pr, 100, s1, 2, 0, 20);
	profile__add(p, pr, 101, s1, 2, 0, 10);
	profile__add(p, pr, 100, s2, 3, PF_STACK_TRUNCATED, 5);
	profile__add(p, pr, 100, s1, 2, 3u << PF_INTERP_SHIFT, 2);
	c[0] = (struct pevcode){ w, EV_RAN, EV_C_FUNC };
	c[1] = (struct pevcode){ nv, EV_NEVER, 0 };
	c[2] = (struct pevcode){ m, EV_RAN, 0 };
	profile__set_evidence(p, pr, c, 3);
	p->procs[pr].evidence_age = 3600.7;
	return p;
}

static struct profile *round_trip(const struct profile *p, const struct pprof_opts *o)
{
	uint8_t *buf;
	size_t len;
	char err[512];
	struct profile *q;

	cr_assert_eq(pprof__encode(p, o, &buf, &len), 0);
	q = profile__from_pprof(buf, len, "test", err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	free(buf);
	return q;
}

static char *folded(const struct profile *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(folded__write(p, f), 0);
	fclose(f);
	return buf;
}

/* The entry that stands for the processes read alive. */
static const struct pevidence *carrier(const struct profile *q)
{
	for (size_t i = 0; i < q->nevidence; i++)
		if (q->procs[q->evidence[i].proc].merged && !strcmp(q->procs[q->evidence[i].proc].cmdline,
								     PPROF_EVIDENCE_CMD))
			return &q->evidence[i];
	return NULL;
}

/* A function's status over the programs' entries, as deadcode/match.c
 * merges them (ran > unknown > never), with its flags << 8; -1: none. */
static int status_of(const struct profile *q, const char *qualname)
{
	int st = -1, flags = 0;

	for (size_t i = 0; i < q->nevidence; i++) {
		const struct pevidence *e = &q->evidence[i];

		if (!q->procs[e->proc].merged)
			continue;
		for (size_t k = 0; k < e->n; k++) {
			int c = e->codes[k].status;

			if (strcmp(q->funcs[e->codes[k].func].qualname, qualname))
				continue;
			flags |= e->codes[k].flags;
			if (st < 0 || c == EV_RAN || (c == EV_UNKNOWN && st == EV_NEVER))
				st = c;
		}
	}
	return st < 0 ? st : st | flags << 8;
}

Test(pprof, round_trip_keeps_stacks_labels_and_evidence)
{
	struct profile *p = sample();
	struct pprof_opts o = { .host = "h1", .profile_id = "id1" };
	struct profile *q = round_trip(p, &o);
	char *a = folded(p), *b = folded(q);

	cr_assert_str_eq(a, b);	/* root first, threads merged, [interp 3], [truncated] */
	cr_assert_eq(profile__total(q), 37);
	cr_assert_eq(q->frequency_hz, 100);
	cr_assert_str_eq(q->started, "2026-01-02T03:04:05Z");
	cr_assert_float_eq(q->duration_s, 2.5, 1e-9);
	/* the process label is the program: no arguments */
	cr_assert_str_eq(q->procs[0].cmdline, "/usr/bin/python3 /app/main.py");
	cr_assert_eq(q->procs[0].pid, 42);
	cr_assert_eq(q->nstacks, 4, "threads stay apart");
	cr_assert_eq(status_of(q, "Worker.work"), EV_RAN | EV_C_FUNC << 8);
	cr_assert_eq(status_of(q, "never"), EV_NEVER);
	cr_assert_eq(carrier(q) ? q->procs[carrier(q)->proc].alive : 0, 1);
	cr_assert_float_eq(q->procs[carrier(q)->proc].evidence_age, 3600, 1e-9, "whole seconds, rounded down");
	/* and again: what was read encodes to the same */
	struct profile *r = round_trip(q, &o);
	char *c = folded(r);

	cr_assert_str_eq(a, c);
	cr_assert_eq(status_of(r, "never"), EV_NEVER);
	cr_assert_eq(r->procs[carrier(r)->proc].alive, 1);
	free(a);
	free(b);
	free(c);
	profile__free(p);
	profile__free(q);
	profile__free(r);
}

Test(pprof, counts_override_and_no_evidence)
{
	struct profile *p = sample();
	uint64_t counts[4] = { 0, 3, 0, 1 };
	struct pprof_opts o = { .counts = counts, .no_evidence = true, .raw = true };
	struct profile *q = round_trip(p, &o);

	cr_assert_eq(profile__total(q), 4);
	cr_assert_eq(q->nevidence, 0, "marked incomplete: no evidence is read back");
	cr_assert_geq(q->nprocs, 1, "... and it says so to cold (a profile without evidence)");
	profile__free(p);
	profile__free(q);
}

/* Exits: read at exit, late, not read at exit, never read; a relative file
 * made absolute with its process's working directory. */
Test(pprof, exits_and_places_survive)
{
	struct profile *p = sample();
	uint32_t w = profile__func(p, "/app/work.py", "Worker.work", 5), nv = profile__func(p, "/app/work.py", "never", 30);
	uint32_t other = profile__func(p, "/app/other.py", "f", 1), rel = profile__func(p, "lib.py", "g", 3);
	uint32_t e1 = profile__proc(p, 50, "python3", "python3 /app/main.py", "3.11.2", ""), e2, e3;
	struct pevcode *c1 = calloc(2, sizeof(*c1)), *c2 = calloc(1, sizeof(*c2)), *c3 = calloc(1, sizeof(*c3));
	struct profile *q;

	/* a late exit that had loaded work.py, not other.py */
	c1[0] = (struct pevcode){ w, EV_RAN, 0 };
	c1[1] = (struct pevcode){ nv, EV_NEVER, 0 };
	profile__set_evidence(p, e1, c1, 2);
	profile__exited(p, e1);
	p->procs[e1].final = p->procs[e1].late = true;
	/* an exit not read at its exit, whose never-ran claim is void */
	e2 = profile__proc(p, 51, "python3", "python3 /app/main.py", "3.11.2", "");
	c2[0] = (struct pevcode){ other, EV_NEVER, 0 };
	profile__set_evidence(p, e2, c2, 1);
	profile__exited(p, e2);
	/* a process in /srv naming a relative file; two exits never read */
	e3 = profile__proc(p, 52, "python3", "python3 /app/main.py", "3.11.2", "");
	profile__proc_place(p, e3, NULL, "/srv");
	c3[0] = (struct pevcode){ rel, EV_NEVER, 0 };
	profile__set_evidence(p, e3, c3, 1);
	p->procs[e3].unread = 2;
	q = round_trip(p, NULL);
	cr_assert_eq(status_of(q, "never"), EV_NEVER, "work.py was loaded by the late exit");
	cr_assert_eq(status_of(q, "f"), EV_UNKNOWN, "other.py: not by the late exit, and unread");
	cr_assert_eq(status_of(q, "g"), EV_NEVER, "(lib.py is late: deadcode/match.c makes it unknown)");
	for (size_t i = 0; i < q->nfuncs; i++)
		if (!strcmp(q->funcs[i].qualname, "g"))
			cr_assert_str_eq(q->funcs[i].file, "/srv/lib.py");
	/* the entries: carrier (2 alive, 2 unread), 1 late exit, 1 not read at exit */
	uint32_t alive = 0, unread = 0, late = 0, unfinal = 0, nlate_codes = 0;
	bool seen[64] = {};

	for (size_t i = 0; i < q->nevidence; i++) {
		const struct pproc *r = &q->procs[q->evidence[i].proc];

		alive += r->merged ? r->alive : 0;
		unread += r->unread;
		late += r->late && r->final ? r->folded : 0;
		unfinal += r->exited && !r->final ? r->folded : 0;
		for (size_t k = 0; r->late && k < q->evidence[i].n; k++)	/* distinct functions */
			if (!seen[q->evidence[i].codes[k].func] && (seen[q->evidence[i].codes[k].func] = true))
				nlate_codes++;
	}
	cr_assert_eq(alive, 2);
	cr_assert_eq(unread, 2);
	cr_assert_eq(late, 1);
	cr_assert_eq(unfinal, 1);
	cr_assert_eq(nlate_codes, 2, "the files every late exit had loaded: work.py's functions");
	char *text = NULL;
	size_t tlen = 0;
	FILE *tf = open_memstream(&text, &tlen);
	struct output_opts to = { .top = 5 };

	format__find(OUT_PROFILE, "text")->profile(q, &to, tf);
	fclose(tf);
	cr_assert(strstr(text, "[coldbpf evidence]  [evidence of 2 processes read alive]"), "%s", text);
	free(text);
	/* converted to JSON, the merged entries stay what they stand for */
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[512];
	struct profile *j;
	int fd = mkstemp(path);

	close(fd);
	cr_assert_eq(profile__save_json(q, path, err, sizeof(err)), 0, "%s", err);
	j = profile__load_json(path, err, sizeof(err));
	cr_assert_not_null(j, "%s", err);
	cr_assert(carrier(j) && j->procs[carrier(j)->proc].merged && j->procs[carrier(j)->proc].alive == 2);
	cr_assert_eq(status_of(j, "never"), EV_NEVER);
	unlink(path);
	profile__free(j);
	profile__free(p);
	profile__free(q);
}

/* Two hosts summed as pprof tools sum them: ran anywhere is ran, unknown
 * beats never-ran, the window is the shortest, late files are per host. */
Test(pprof, merged_evidence_rules)
{
	struct profile *p = profile__new();
	uint32_t f[4];
	uint64_t v[PC_NR] = {};
	struct evsum s;

	for (int i = 0; i < 4; i++) {
		char q[8];

		snprintf(q, sizeof(q), "f%d", i);
		f[i] = profile__func(p, i < 2 ? "/a.py" : "/b.py", q, i + 1);
	}
	evsum__init(&s);
	/* host 1: f0 ran, f1 never, f2 never, f3 never; a late exit that had a.py only */
	v[PC_EV_PROFILES] = 1, v[PC_EV_PROCESSES] = 3, v[PC_EV_WINDOW_SECONDS] = 7200;
	v[PC_EV_EXITS] = v[PC_EV_EXITS_READ] = v[PC_EV_LATE_EXITS] = 1;
	evsum__add_profile(&s, v, "python3 app.py");
	/* host 2 (two copies of its profile summed): 5 processes, 600 s */
	memset(v, 0, sizeof(v));
	v[PC_EV_PROFILES] = 2, v[PC_EV_PROCESSES] = 10, v[PC_EV_WINDOW_SECONDS] = 1200;
	evsum__add_profile(&s, v, "python3 app.py");
	for (int i = 0; i < 4; i++) {
		memset(v, 0, sizeof(v));
		v[i == 0 ? PC_EV_RAN : PC_EV_NEVER] = 1;
		v[PC_EV_LATE_LOADED] = i < 2;
		evsum__add_function(&s, f[i], "python3 app.py", v);
	}
	/* host 2: f1 ran, f2 unknown (both copies) */
	memset(v, 0, sizeof(v));
	v[PC_EV_RAN] = 2;
	evsum__add_function(&s, f[1], "python3 other.py", v);
	memset(v, 0, sizeof(v));
	v[PC_EV_UNKNOWN] = 2;
	evsum__add_function(&s, f[2], "python3 app.py", v);
	evsum__apply(&s, p);
	evsum__free(&s);
	cr_assert_eq(status_of(p, "f0"), EV_RAN);
	cr_assert_eq(status_of(p, "f1"), EV_RAN);
	cr_assert_eq(status_of(p, "f2"), EV_UNKNOWN);
	cr_assert_eq(status_of(p, "f3"), EV_NEVER, "(b.py is late: deadcode/match.c makes it unknown)");
	const struct pproc *c = &p->procs[carrier(p)->proc];

	cr_assert_eq(c->alive, 8, "3 + 10 / 2");
	cr_assert_float_eq(c->evidence_age, 600, 1e-9, "the shortest window, copies divided out");
	for (size_t i = 0; i < p->nevidence; i++) {
		const struct pproc *r = &p->procs[p->evidence[i].proc];

		for (size_t k = 0; r->late && k < p->evidence[i].n; k++)
			cr_assert(p->evidence[i].codes[k].func < 2, "only a.py's functions: b.py is late");
		if (r->late)
			cr_assert_eq(r->folded, 1);
	}
	profile__free(p);
}

/* A profile as another tool writes it: strings in another order, ids far
 * apart, values unpacked, a sample type and fields coldbpf does not know,
 * a location with an inlined frame, no coldbpf labels. */
Test(pprof, foreign_layouts_read_the_same)
{
	struct proto_buf w = {};
	const char *strs[] = { "", "nanoseconds", "alloc", "bytes", "count", "samples", "cpu", "/x/m.py", "leaf",
			       "caller", "inlined" };
	uint64_t locs[] = { 900, 700 };
	char err[512];
	size_t m, l;
	struct profile *p;

	proto__put_uint(&w, 99, 5);	/* an unknown field first */
	for (int i = 0; i < 11; i++)
		proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, strs[i], strlen(strs[i]));
	for (int t = 0; t < 3; t++) {	/* samples/count, alloc/bytes, cpu/nanoseconds */
		m = proto__open(&w, PB_PROFILE_SAMPLE_TYPE);
		proto__put_uint(&w, PB_VALUETYPE_TYPE, t == 0 ? 5 : t == 1 ? 2 : 6);
		proto__put_uint(&w, PB_VALUETYPE_UNIT, t == 0 ? 4 : t == 1 ? 3 : 1);
		proto__close(&w, m);
	}
	m = proto__open(&w, PB_PROFILE_SAMPLE);	/* samples before the locations */
	for (int i = 0; i < 2; i++)
		proto__put_uint(&w, PB_SAMPLE_LOCATION_ID, locs[i]);
	proto__put_uint(&w, PB_SAMPLE_VALUE, 7);
	proto__put_uint(&w, PB_SAMPLE_VALUE, 4096);
	proto__put_uint(&w, PB_SAMPLE_VALUE, 70000000);
	proto__close(&w, m);
	for (int i = 0; i < 3; i++) {	/* functions 5000, 6000, 7000 */
		m = proto__open(&w, PB_PROFILE_FUNCTION);
		proto__put_uint(&w, PB_FUNCTION_ID, 5000 + 1000 * i);
		proto__put_uint(&w, PB_FUNCTION_NAME, 8 + i);
		proto__put_uint(&w, PB_FUNCTION_FILENAME, 7);
		proto__put_uint(&w, PB_FUNCTION_START_LINE, 10 * (i + 1));
		proto__put_bytes(&w, 9, "?", 1);	/* unknown */
		proto__close(&w, m);
	}
	m = proto__open(&w, PB_PROFILE_LOCATION);	/* leaf, with caller's line inlined after it */
	proto__put_uint(&w, PB_LOCATION_ID, 900);
	proto__put_uint(&w, PB_LOCATION_MAPPING_ID, 1);
	l = proto__open(&w, PB_LOCATION_LINE);
	proto__put_uint(&w, PB_LINE_FUNCTION_ID, 5000);
	proto__put_uint(&w, PB_LINE_LINE, 12);
	proto__close(&w, l);
	l = proto__open(&w, PB_LOCATION_LINE);
	proto__put_uint(&w, PB_LINE_FUNCTION_ID, 7000);
	proto__put_uint(&w, PB_LINE_LINE, 33);
	proto__put_uint(&w, 3, 4);	/* column, newer pprof */
	proto__close(&w, l);
	proto__close(&w, m);
	m = proto__open(&w, PB_PROFILE_LOCATION);
	proto__put_uint(&w, PB_LOCATION_ID, 700);
	l = proto__open(&w, PB_LOCATION_LINE);
	proto__put_uint(&w, PB_LINE_FUNCTION_ID, 6000);
	proto__put_uint(&w, PB_LINE_LINE, 25);
	proto__close(&w, l);
	proto__close(&w, m);
	proto__put_uint(&w, PB_PROFILE_PERIOD, 10000000);
	m = proto__open(&w, PB_PROFILE_PERIOD_TYPE);
	proto__put_uint(&w, PB_VALUETYPE_TYPE, 6);
	proto__put_uint(&w, PB_VALUETYPE_UNIT, 1);
	proto__close(&w, m);
	p = profile__from_pprof(w.b, w.n, "foreign", err, sizeof(err));
	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(p->frequency_hz, 100);
	cr_assert_eq(p->nstacks, 1);
	cr_assert_eq(p->stacks[0].count, 7, "samples/count, wherever it is");
	cr_assert_eq(p->stacks[0].depth, 3);
	cr_assert_str_eq(p->funcs[p->stacks[0].frames[0].func].qualname, "caller");
	cr_assert_eq(p->stacks[0].frames[0].line, 25);
	cr_assert_str_eq(p->funcs[p->stacks[0].frames[1].func].qualname, "inlined");
	cr_assert_str_eq(p->funcs[p->stacks[0].frames[2].func].qualname, "leaf");
	cr_assert_eq(p->funcs[p->stacks[0].frames[2].func].firstline, 10);
	cr_assert_str_eq(p->procs[0].cmdline, "[pprof]");
	cr_assert_eq(p->nevidence, 0, "no evidence: cold calls nothing never-ran");
	profile__free(p);
	proto__free_buf(&w);
}

static void expect_error(const void *data, size_t len, const char *needle)
{
	char err[512] = "";
	struct profile *p = profile__from_pprof(data, len, "bad.pb", err, sizeof(err));

	cr_expect_null(p, "read: expected '%s'", needle);
	cr_expect(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
	cr_expect(!strncmp(err, "bad.pb: ", 8), "%s", err);
	cr_expect_null(strchr(err, '\n'), "one line");
	profile__free(p);
}

Test(pprof, bad_input_gets_one_line_errors)
{
	struct proto_buf w = {};
	char *big = calloc(70000, 1);
	size_t m;

	expect_error("", 0, "no string table");
	expect_error("\x0a\x05" "ab", 4, "malformed field at byte 0");
	expect_error("\x1f\x8b\x08\x00", 4, "gzip data: truncated");
	proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, "x", 1);
	proto__put_bytes(&w, PB_PROFILE_SAMPLE_TYPE, "", 0);
	expect_error(w.b, w.n, "string_table[0] is not empty");
	w.n = 0;
	proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, "", 0);
	proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, big, 70000);
	expect_error(w.b, w.n, "string 1 is 70000 bytes long (at most 65536)");
	w.n = 0;
	proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, "", 0);
	expect_error(w.b, w.n, "no sample types");
	m = proto__open(&w, PB_PROFILE_SAMPLE_TYPE);
	proto__put_uint(&w, PB_VALUETYPE_TYPE, 9);
	proto__close(&w, m);
	expect_error(w.b, w.n, "sample type names string 9 of 1");
	w.n = 0;
	proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, "", 0);
	proto__put_bytes(&w, PB_PROFILE_SAMPLE_TYPE, "", 0);
	m = proto__open(&w, PB_PROFILE_SAMPLE);
	proto__put_uint(&w, PB_SAMPLE_LOCATION_ID, 3);
	proto__put_uint(&w, PB_SAMPLE_VALUE, 1);
	proto__close(&w, m);
	expect_error(w.b, w.n, "a sample names location 3, which is not there");
	m = proto__open(&w, PB_PROFILE_LOCATION);
	proto__put_uint(&w, PB_LOCATION_ID, 3);
	proto__close(&w, m);
	m = proto__open(&w, PB_PROFILE_SAMPLE);
	proto__put_uint(&w, PB_SAMPLE_VALUE, 1);
	proto__put_uint(&w, PB_SAMPLE_VALUE, 1);
	proto__close(&w, m);
	expect_error(w.b, w.n, "more values than the 1 sample types");
	w.n = 0;
	proto__put_bytes(&w, PB_PROFILE_STRING_TABLE, "", 0);
	proto__put_uint(&w, PB_PROFILE_SAMPLE_TYPE, 1);
	expect_error(w.b, w.n, "field 1 has wire type 0");
	free(big);
	proto__free_buf(&w);
}

/* Every prefix and many one-byte corruptions of a real encoding: a profile
 * or an error, never a crash (ASan watches). */
Test(pprof, truncated_and_flipped_encodings)
{
	struct profile *p = sample(), *q;
	struct pprof_opts o = { .raw = true, .host = "h", .profile_id = "i" };
	uint8_t *buf, *cp;
	size_t len;
	char err[512];

	cr_assert_eq(pprof__encode(p, &o, &buf, &len), 0);
	cp = malloc(len);
	for (size_t n = 0; n < len; n++) {
		q = profile__from_pprof(buf, n, "cut", err, sizeof(err));
		profile__free(q);
	}
	for (size_t i = 0; i < len; i++) {
		memcpy(cp, buf, len);
		cp[i] ^= (uint8_t)(0x5a + i);
		q = profile__from_pprof(cp, len, "flip", err, sizeof(err));
		profile__free(q);
	}
	free(cp);
	free(buf);
	profile__free(p);
}

Test(pprof, registered_as_a_binary_profile_format)
{
	const struct output_format *f = format__find(OUT_PROFILE, "pprof");

	cr_assert_not_null(f);
	cr_assert(f->binary);
	cr_assert_null(format__find(OUT_DEADCODE, "pprof"));
}

/* profile__load tells formats by content: a pprof file named .json loads. */
Test(pprof, load_tells_formats_by_content)
{
	struct profile *p = sample(), *q;
	char path[] = "/tmp/coldbpf-unit-XXXXXX", err[512];
	uint8_t *buf;
	size_t len;
	int fd = mkstemp(path);

	for (int raw = 0; raw < 2; raw++) {
		struct pprof_opts o = { .raw = raw };

		cr_assert_eq(pprof__encode(p, &o, &buf, &len), 0);
		cr_assert_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
		cr_assert_eq(ftruncate(fd, len), 0);
		free(buf);
		q = profile__load(path, err, sizeof(err));
		cr_assert_not_null(q, "%s", err);
		cr_assert_eq(profile__total(q), 37);
		profile__free(q);
	}
	cr_assert_eq(pwrite(fd, "\x00\xffnot json{{{", 14, 0), 14);
	cr_assert_eq(ftruncate(fd, 14), 0);
	q = profile__load(path, err, sizeof(err));
	cr_assert_null(q);
	cr_assert(strstr(err, "not a coldbpf profile: neither JSON nor pprof"), "%s", err);
	close(fd);
	unlink(path);
	profile__free(p);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Line evidence in pprof (docs/pprof.md, "Lines"): the writer's samples read
 * back as the lines and branches they came from; copies of one program merge
 * strictly in the writer; the reader's merge over programs and profiles
 * (profile/pprofev.c) calls a line never-ran only where every copy that ran
 * its function gave lines and calls it never-ran.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evidence.h"
#include "cpython/evlines.h"
#include "output/pprof.h"
#include "profile/pprofev.h"
#include "profile/pprofread.h"
#include "profile/pprofschema.h"
#include "profile/profile.h"

static struct ev_lines *mk(const struct evl_line *l, uint32_t n, const struct evl_branch *b, uint32_t nb)
{
	struct ev_lines *x = evlines__alloc(n, nb);

	memcpy(x->lines, l, n * sizeof(*l));
	if (nb)
		memcpy(x->branches, b, nb * sizeof(*b));
	return x;
}

static struct profile *round_trip(const struct profile *p)
{
	struct pprof_opts o = { .host = "h", .profile_id = "id" };
	uint8_t *buf;
	size_t len;
	char err[512];
	struct profile *q;

	cr_assert_eq(pprof__encode(p, &o, &buf, &len), 0);
	q = profile__from_pprof(buf, len, "test", err, sizeof(err));
	cr_assert_not_null(q, "%s", err);
	free(buf);
	return q;
}

/* The lines of the first ran code of qualname in an entry of the
 * program's (NULL: none); every ran copy must carry the same ones. */
static const struct ev_lines *lines_of(const struct profile *q, const char *qualname)
{
	const struct ev_lines *l = NULL;

	for (size_t i = 0; i < q->nevidence; i++)
		for (size_t k = 0; k < q->evidence[i].n; k++) {
			const struct pevcode *c = &q->evidence[i].codes[k];

			if (strcmp(q->funcs[c->func].qualname, qualname) || c->status != EV_RAN)
				continue;
			if (!l) {
				l = c->lines;
				continue;
			}
			cr_assert((!l && !c->lines) || (l && c->lines && l->nlines == c->lines->nlines &&
							!memcmp(l->lines, c->lines->lines, l->nlines * sizeof(*l->lines))),
				  "two entries disagree on %s's lines", qualname);
		}
	return l;
}

static const struct evl_line *line(const struct ev_lines *l, int32_t n)
{
	for (uint32_t i = 0; l && i < l->nlines; i++)
		if (l->lines[i].line == n)
			return &l->lines[i];
	cr_assert_fail("line %d is not there", n);
	return NULL;
}

#define expect_line(l, n, st, why)                                                                           \
	do {                                                                                                 \
		const struct evl_line *x_ = line(l, n);                                                      \
		cr_expect(x_->status == (st) && x_->reason == (why), "line %d: %s (%s), want %s (%s)", n,      \
			  evlines__status_name(x_->status), evlines__reason_name(x_->reason),                 \
			  evlines__status_name(st), evlines__reason_name(why));                               \
	} while (0)

/* One process: every line, reason and branch comes back as it was. */
Test(pprof_lines, round_trip_keeps_lines_reasons_and_branches)
{
	struct profile *p = profile__new(), *q;
	uint32_t pr = profile__proc(p, 7, "python3", "python3 /app/m.py", "3.13.0", "Py_Version");
	uint32_t f = profile__func(p, "/app/m.py", "f", 10), g = profile__func(p, "/app/m.py", "g", 30);
	const struct evl_line lf[] = { { 10, EVL_RAN, EVL_R_TOUCHED }, { 11, EVL_RAN, EVL_R_FLOW },
				       { 12, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED }, { 13, EVL_UNKNOWN, EVL_R_MAY_RAISE },
				       { 14, EVL_NEVER, EVL_R_UNREACHED } };
	const struct evl_branch bf[] = { { 11, 12, EVL_JUMP_NEVER } };
	struct pevcode *c = calloc(2, sizeof(*c));
	const struct ev_lines *l;

	c[0] = (struct pevcode){ f, EV_RAN, 0, mk(lf, 5, bf, 1) };
	c[1] = (struct pevcode){ g, EV_RAN, 0, NULL };	/* 3.8-3.10: no lines */
	profile__set_evidence(p, pr, c, 2);
	p->procs[pr].evidence_age = 10;
	q = round_trip(p);
	l = lines_of(q, "f");
	cr_assert_not_null(l);
	cr_assert_eq(l->nlines, 5);
	for (int i = 0; i < 5; i++)
		expect_line(l, lf[i].line, lf[i].status, lf[i].reason);
	cr_assert_eq(l->nbranches, 1);
	cr_expect(l->branches[0].line == 11 && l->branches[0].to == 12 && l->branches[0].side == EVL_JUMP_NEVER);
	cr_expect_null(lines_of(q, "g"), "g ran without lines: none come back");
	profile__free(q);
	profile__free(p);
}

/* Copies in one profile's processes of one program: the writer merges them
 * strictly; a copy that ran without lines, or a process that exited unread,
 * leaves no line never-ran. */
Test(pprof_lines, writer_merges_copies_strictly)
{
	const struct evl_line l1[] = { { 10, EVL_RAN, EVL_R_TOUCHED }, { 11, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED },
				       { 13, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED } };
	const struct evl_line l2[] = { { 10, EVL_RAN, EVL_R_TOUCHED }, { 11, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED },
				       { 12, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED } };

	for (int mode = 0; mode < 3; mode++) {
		struct profile *p = profile__new(), *q;
		uint32_t f = profile__func(p, "/app/m.py", "f", 10);
		const struct ev_lines *l;

		for (int k = 0; k < 2; k++) {
			uint32_t pr = profile__proc(p, 7 + k, "python3", "python3 /app/m.py", "3.13.0", "Py_Version");
			struct pevcode *c = calloc(1, sizeof(*c));

			c[0] = (struct pevcode){ f, EV_RAN, 0, k ? mk(l2, 3, NULL, 0) : mk(l1, 3, NULL, 0) };
			if (mode == 1 && k)	/* the second copy ran without lines */
				c[0].lines = (free(c[0].lines), NULL);
			profile__set_evidence(p, pr, c, 1);
			p->procs[pr].evidence_age = 10;
			if (mode == 2 && k)	/* ... exited after its read */
				profile__exited(p, pr);
		}
		q = round_trip(p);
		l = lines_of(q, "f");
		cr_assert_not_null(l, "mode %d", mode);
		expect_line(l, 10, EVL_RAN, EVL_R_TOUCHED);
		if (mode == 0) {
			expect_line(l, 11, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED);
			expect_line(l, 12, EVL_UNKNOWN, EVL_R_OTHER_COPY);	/* one copy has no line 12 */
			expect_line(l, 13, EVL_UNKNOWN, EVL_R_OTHER_COPY);
		} else {
			for (int32_t n = 11; n <= 13; n++)	/* (line 12: only the second copy has it) */
				if (mode == 2 || n != 12)
					cr_expect_eq(line(l, n)->status, EVL_UNKNOWN, "mode %d line %d", mode, n);
		}
		profile__free(q);
		profile__free(p);
	}
}

static void fn_sample(struct evsum *s, uint32_t f, const char *prog, uint64_t ran, uint64_t unknown, uint64_t lines)
{
	uint64_t v[PC_NR] = {};

	v[PC_EV_RAN] = ran, v[PC_EV_UNKNOWN] = unknown, v[PC_EV_LINES] = lines;
	evsum__add_function(s, f, prog, v);
}

static void line_sample(struct evsum *s, uint32_t f, int32_t n, int col, uint64_t k, enum evl_reason why)
{
	uint64_t v[PC_NR] = {};

	v[col] = k;
	cr_assert_eq(evsum__add_line(s, f, n, v, why), 0);
}

/* Profiles of several hosts summed as pprof tools sum them. */
Test(pprof_lines, merged_line_rules)
{
	struct profile *p = profile__new();
	uint32_t f = profile__func(p, "/a.py", "f", 10), g = profile__func(p, "/a.py", "g", 20);
	uint32_t h = profile__func(p, "/a.py", "h", 30), k = profile__func(p, "/a.py", "k", 40);
	uint64_t v[PC_NR] = { [PC_EV_PROFILES] = 1, [PC_EV_PROCESSES] = 1, [PC_EV_WINDOW_SECONDS] = 60 };
	struct evsum s;
	const struct ev_lines *l;

	evsum__init(&s);
	evsum__add_profile(&s, v, "python3 a.py");
	evsum__add_profile(&s, v, "python3 b.py");
	/* f: host 1 (a.py) takes one side, host 2 (b.py, other code: no line 13, a line 14) the other */
	fn_sample(&s, f, "python3 a.py", 1, 0, 1);
	fn_sample(&s, f, "python3 b.py", 1, 0, 1);
	line_sample(&s, f, 10, PC_EV_LINE_RAN, 2, EVL_R_TOUCHED);
	line_sample(&s, f, 11, PC_EV_LINE_NEVER, 1, EVL_R_BLOCK_UNTOUCHED);
	line_sample(&s, f, 11, PC_EV_LINE_RAN, 1, EVL_R_TOUCHED);
	line_sample(&s, f, 12, PC_EV_LINE_NEVER, 2, EVL_R_UNREACHED);
	line_sample(&s, f, 13, PC_EV_LINE_NEVER, 1, EVL_R_BLOCK_UNTOUCHED);
	line_sample(&s, f, 14, PC_EV_LINE_NEVER, 1, EVL_R_BLOCK_UNTOUCHED);
	cr_assert_eq(evsum__add_branch(&s, f, 10, EVL_FALL_NEVER, 11), 0);	/* 11 ran on host 2 */
	cr_assert_eq(evsum__add_branch(&s, f, 10, EVL_JUMP_NEVER, 12), 0);
	cr_assert_eq(evsum__add_branch(&s, f, 10, EVL_JUMP_NEVER, 12), 0);
	/* g: host 2 ran it without lines (3.8) */
	fn_sample(&s, g, "python3 a.py", 1, 0, 1);
	fn_sample(&s, g, "python3 b.py", 1, 0, 0);
	line_sample(&s, g, 21, PC_EV_LINE_NEVER, 1, EVL_R_BLOCK_UNTOUCHED);
	/* h: host 2 holds a copy that may have run */
	fn_sample(&s, h, "python3 a.py", 1, 0, 1);
	fn_sample(&s, h, "python3 b.py", 0, 1, 0);
	line_sample(&s, h, 31, PC_EV_LINE_NEVER, 1, EVL_R_BLOCK_UNTOUCHED);
	/* k: two copies of one profile summed (every value doubled) */
	fn_sample(&s, k, "python3 a.py", 2, 0, 2);
	line_sample(&s, k, 41, PC_EV_LINE_NEVER, 2, EVL_R_BLOCK_UNTOUCHED);
	line_sample(&s, k, 42, PC_EV_LINE_UNKNOWN, 2, EVL_R_POSITIVE_ONLY);
	evsum__apply(&s, p);
	evsum__free(&s);

	l = lines_of(p, "f");
	expect_line(l, 10, EVL_RAN, EVL_R_TOUCHED);
	expect_line(l, 11, EVL_RAN, EVL_R_TOUCHED);
	expect_line(l, 12, EVL_NEVER, EVL_R_UNREACHED);
	expect_line(l, 13, EVL_UNKNOWN, EVL_R_OTHER_COPY);
	expect_line(l, 14, EVL_UNKNOWN, EVL_R_OTHER_COPY);
	cr_assert_eq(l->nbranches, 1, "the side to 11 was taken on host 2; the one to 12 once, not twice");
	cr_expect(l->branches[0].side == EVL_JUMP_NEVER && l->branches[0].to == 12);
	expect_line(lines_of(p, "g"), 21, EVL_UNKNOWN, EVL_R_OTHER_COPY);
	expect_line(lines_of(p, "h"), 31, EVL_UNKNOWN, EVL_R_OTHER_COPY);
	expect_line(lines_of(p, "k"), 41, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED);
	expect_line(lines_of(p, "k"), 42, EVL_UNKNOWN, EVL_R_POSITIVE_ONLY);
	profile__free(p);
}

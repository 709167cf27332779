// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Line evidence (cpython/evlines.c) against known runs: tests/data/lines-*.txt,
 * made by tests/tools/gen_lines.py from tests/workloads/lines/subject.py run in
 * each CPython. No line that ran may be never-ran, no line that never ran may
 * be ran, and on 3.12+ most never-run lines of functions that ran are found. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (h[0] && h[1] && n < max) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = v;
		h += 2;
	}
	return n;
}

struct fixture {
	int minor;
	char expect[4096];	/* per source line: 'R', 'N' or 0 */
	struct code {
		char name[128];
		int first;
		uint8_t bc[1 << 14], lt[1 << 13], exc[1 << 12];
		size_t nbc, nlt, nexc;
	} codes[16];
	int ncodes;
};

static struct fixture *load(const char *path)
{
	static char line[1 << 16];
	struct fixture *fx = calloc(1, sizeof(*fx));
	FILE *f = fopen(path, "r");
	struct code *c = NULL;

	cr_assert_not_null(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		int n;
		char k;

		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "minor %d", &fx->minor) == 1)
			continue;
		if (sscanf(line, "expect %d %c", &n, &k) == 2 && n > 0 && n < 4096) {
			fx->expect[n] = k;
		} else if (!strncmp(line, "code ", 5)) {
			cr_assert_lt(fx->ncodes, 16);
			c = &fx->codes[fx->ncodes++];
			cr_assert_eq(sscanf(line, "code %127s %d", c->name, &c->first), 2);
		} else if (c && !strncmp(line, "bc ", 3)) {
			c->nbc = unhex(line + 3, c->bc, sizeof(c->bc));
		} else if (c && !strncmp(line, "lt ", 3)) {
			c->nlt = unhex(line + 3, c->lt, sizeof(c->lt));
		} else if (c && !strncmp(line, "exc ", 4)) {
			c->nexc = unhex(line + 4, c->exc, sizeof(c->exc));
		}
	}
	fclose(f);
	return fx;
}

/* Checks one fixture; counts lines never-ran that are, and N lines seen. */
static void check(const char *path, int *never_found, int *never_total)
{
	struct fixture *fx = load(path);

	cr_assert(evlines__supported(fx->minor), "%s: no table for 3.%d", path, fx->minor);
	for (int i = 0; i < fx->ncodes; i++) {
		struct code *c = &fx->codes[i];
		struct ev_lines *r = evlines__compute(fx->minor, c->bc, NULL, c->nbc / 2, c->lt, c->nlt, c->first,
						      c->exc, c->nexc, EVL_F_RAN);

		cr_assert_not_null(r, "%s: %s: no result", path, c->name);
		for (uint32_t k = 0; k < r->nlines; k++) {
			const struct evl_line *l = &r->lines[k];
			char want = l->line > 0 && l->line < 4096 ? fx->expect[l->line] : 0;

			cr_expect(!(l->status == EVL_NEVER && want == 'R'), "%s: %s line %d ran, but never-ran (%s)",
				  path, c->name, l->line, evlines__reason_name(l->reason));
			cr_expect(!(l->status == EVL_RAN && want == 'N'), "%s: %s line %d never ran, but ran (%s)",
				  path, c->name, l->line, evlines__reason_name(l->reason));
			cr_expect(!(fx->minor == 11 && l->status == EVL_NEVER), "%s: 3.11 line %d never-ran", path,
				  l->line);
			cr_expect(!(l->status == EVL_UNKNOWN && l->reason == EVL_R_INCONSISTENT),
				  "%s: %s line %d inconsistent", path, c->name, l->line);
			if (want == 'N') {
				(*never_total)++;
				*never_found += l->status == EVL_NEVER;
			}
		}
		for (uint32_t k = 0; k < r->nbranches; k++) {
			const struct evl_branch *b = &r->branches[k];

			cr_expect(b->line > 0 && b->line < 4096 && fx->expect[b->line] == 'R',
				  "%s: %s: a branch at line %d that did not run", path, c->name, b->line);
			cr_expect(b->to < 0 || (b->to < 4096 && fx->expect[b->to] != 'R'),
				  "%s: %s: branch at %d never taken to line %d, which ran", path, c->name, b->line,
				  b->to);
		}
		free(r);
	}
	free(fx);
}

Test(evlines, known_runs_per_version)
{
	glob_t g;
	int versions = 0;

	cr_assert_eq(glob("tests/data/lines-3.*.txt", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int found = 0, total = 0, minor = 0;

		sscanf(strrchr(g.gl_pathv[i], '/'), "/lines-3.%d", &minor);
		check(g.gl_pathv[i], &found, &total);
		cr_assert_gt(total, 10, "%s: too few never-run lines in the fixture", g.gl_pathv[i]);
		cr_log_info("%s: %d of %d never-run lines found", g.gl_pathv[i], found, total);
		if (minor >= 12)	/* most of the untaken branches are found */
			cr_expect_geq(found * 10, total * 6, "%s: only %d of %d never-run lines found",
				      g.gl_pathv[i], found, total);
		else
			cr_expect_eq(found, 0);
		versions++;
	}
	cr_expect_geq(versions, 5);
	globfree(&g);
}

Test(evlines, garbage_gives_no_claims)
{
	uint8_t bc[64], lt[16];

	for (unsigned seed = 1; seed < 2000; seed++) {
		srand(seed);
		for (size_t i = 0; i < sizeof(bc); i++)
			bc[i] = rand();
		for (size_t i = 0; i < sizeof(lt); i++)
			lt[i] = rand() | 0x80;
		for (int minor = 11; minor <= 15; minor++) {
			struct ev_lines *r = evlines__compute(minor, bc, NULL, sizeof(bc) / 2, lt, sizeof(lt), 1,
							      bc, sizeof(bc), EVL_F_RAN);

			free(r);
		}
	}
	cr_expect_null(evlines__compute(10, bc, NULL, 4, lt, 4, 1, NULL, 0, 0));
}

static struct ev_lines *mk(const struct evl_line *l, uint32_t n, const struct evl_branch *b, uint32_t nb)
{
	struct ev_lines *x = malloc(sizeof(*x) + n * sizeof(*l) + nb * sizeof(*b));

	x->nlines = n;
	x->nbranches = nb;
	x->lines = (struct evl_line *)(x + 1);
	x->branches = (struct evl_branch *)(x->lines + n);
	memcpy(x->lines, l, n * sizeof(*l));
	if (nb)
		memcpy(x->branches, b, nb * sizeof(*b));
	return x;
}

Test(evlines, merge_ran_anywhere_never_only_if_both)
{
	const struct evl_line la[] = { { 10, EVL_RAN, EVL_R_TOUCHED }, { 11, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED },
				       { 12, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED }, { 13, EVL_NEVER, EVL_R_UNREACHED } };
	const struct evl_line lb[] = { { 10, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED }, { 11, EVL_NEVER, EVL_R_UNREACHED },
				       { 12, EVL_UNKNOWN, EVL_R_NO_CACHE }, { 14, EVL_RAN, EVL_R_FLOW } };
	const struct evl_branch ba[] = { { 10, 11, EVL_FALL_NEVER }, { 10, 12, EVL_JUMP_NEVER } };
	struct ev_lines *a = mk(la, 4, ba, 2), *b = mk(lb, 4, NULL, 0), *m = evlines__merge(a, b), *w;
	const uint8_t want[] = { EVL_RAN, EVL_NEVER, EVL_UNKNOWN, EVL_NEVER, EVL_RAN };	/* 10..14 */

	cr_assert_eq(m->nlines, 5);
	for (uint32_t i = 0; i < 5; i++) {
		cr_expect_eq(m->lines[i].line, 10 + (int)i);
		cr_expect_eq(m->lines[i].status, want[i], "line %d: %s", m->lines[i].line,
			     evlines__status_name(m->lines[i].status));
	}
	/* the branch to 11 stays (11 never-ran in both), the one to 12 goes (12 unknown) */
	cr_assert_eq(m->nbranches, 1);
	cr_expect_eq(m->branches[0].to, 11);
	w = evlines__weaken(m, EVL_R_EXITED);
	for (uint32_t i = 0; i < w->nlines; i++)
		cr_expect(w->lines[i].status != EVL_NEVER && (w->lines[i].status == EVL_RAN ||
							      w->lines[i].reason == EVL_R_EXITED || w->lines[i].line == 12));
	cr_expect_eq(w->nbranches, 0);
	free(a);
	free(b);
	free(m);
	free(w);
}

/* instrumented code, or a second read that saw a counter move: no never-ran */
Test(evlines, instrumented_and_second_read)
{
	glob_t g;

	cr_assert_eq(glob("tests/data/lines-3.1[2-5].txt", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct fixture *fx = load(g.gl_pathv[i]);

		for (int k = 0; k < fx->ncodes; k++) {
			struct code *c = &fx->codes[k];
			struct ev_lines *r = evlines__compute(fx->minor, c->bc, NULL, c->nbc / 2, c->lt, c->nlt, c->first,
							      c->exc, c->nexc, EVL_F_RAN | EVL_F_INSTRUMENTED);
			uint8_t bc2[sizeof(c->bc)];

			cr_assert_not_null(r);
			for (uint32_t q = 0; q < r->nlines; q++)
				cr_expect(r->lines[q].status != EVL_NEVER &&
					  (r->lines[q].status == EVL_RAN || r->lines[q].reason == EVL_R_INSTRUMENTED));
			free(r);
			/* the second read: every warm-up counter lowered (as the
			 * first execution does): nothing is never-ran */
			memcpy(bc2, c->bc, c->nbc);
			for (size_t u = 0; u + 1 < c->nbc / 2; u++) {
				uint16_t v = c->bc[2 * (u + 1)] | c->bc[2 * (u + 1) + 1] << 8;

				if ((fx->minor < 15 && v == 0x0011) || (fx->minor == 15 && v == 0x0009))
					bc2[2 * (u + 1)] = 0x01;
			}
			r = evlines__compute(fx->minor, c->bc, bc2, c->nbc / 2, c->lt, c->nlt, c->first, c->exc, c->nexc,
					     EVL_F_RAN);
			cr_assert_not_null(r, "%s: %s", g.gl_pathv[i], c->name);
			for (uint32_t q = 0; q < r->nlines; q++)
				cr_expect(r->lines[q].status != EVL_NEVER, "%s: %s line %d never-ran though the second read "
					  "saw its counters lowered", g.gl_pathv[i], c->name, r->lines[q].line);
			free(r);
		}
		free(fx);
	}
	globfree(&g);
}

/* Copies of code that may differ (another version of the file): a line only
 * one has is never never-ran, and a branch to it goes. */
Test(evlines, merge_strict_needs_never_in_both)
{
	const struct evl_line la[] = { { 10, EVL_RAN, EVL_R_TOUCHED }, { 11, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED },
				       { 12, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED } };
	const struct evl_line lb[] = { { 10, EVL_RAN, EVL_R_TOUCHED }, { 11, EVL_NEVER, EVL_R_UNREACHED },
				       { 13, EVL_NEVER, EVL_R_BLOCK_UNTOUCHED } };
	const struct evl_branch ba[] = { { 10, 11, EVL_FALL_NEVER }, { 10, 12, EVL_JUMP_NEVER } };
	struct ev_lines *a = mk(la, 3, ba, 2), *b = mk(lb, 3, NULL, 0), *m = evlines__merge_strict(a, b);
	const uint8_t want[] = { EVL_RAN, EVL_NEVER, EVL_UNKNOWN, EVL_UNKNOWN };	/* 10..13 */

	cr_assert_eq(m->nlines, 4);
	for (uint32_t i = 0; i < 4; i++) {
		cr_expect_eq(m->lines[i].line, 10 + (int)i);
		cr_expect_eq(m->lines[i].status, want[i], "line %d: %s", m->lines[i].line,
			     evlines__status_name(m->lines[i].status));
	}
	cr_expect_eq(m->lines[2].reason, EVL_R_OTHER_COPY);
	cr_assert_eq(m->nbranches, 1, "the branch to 12 goes: 12 is not never-ran in both");
	cr_expect_eq(m->branches[0].to, 11);
	free(a);
	free(b);
	free(m);
}

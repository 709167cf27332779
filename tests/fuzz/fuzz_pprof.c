// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A pprof file given to report, cold or html (gzip or raw): read, rendered
 * as every profile format, and written as pprof again, which must read
 * back with the same number of samples, and with no never-ran line that
 * was not never-ran before (docs/pprof.md, "Lines"). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"
#include "output/format.h"
#include "output/pprof.h"
#include "profile/pprofread.h"
#include "profile/profile.h"

/* Counts the writer keeps exactly (it saturates at INT64_MAX). */
static int small(const struct profile *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nstacks; i++) {
		if (p->stacks[i].count >= 1ULL << 62 || (t += p->stacks[i].count) >= 1ULL << 62)
			return 0;
	}
	return 1;
}

/* Whether some code of p with f's key (file, qualified name, first line)
 * calls line never-ran. */
static int never_in(const struct profile *p, const struct pfunc *f, int32_t line)
{
	for (size_t i = 0; i < p->nevidence; i++)
		for (size_t k = 0; k < p->evidence[i].n; k++) {
			const struct pevcode *c = &p->evidence[i].codes[k];
			const struct pfunc *g = &p->funcs[c->func];

			if (!c->lines || g->firstline != f->firstline || strcmp(g->qualname, f->qualname) ||
			    strcmp(g->file, f->file))
				continue;
			for (uint32_t n = 0; n < c->lines->nlines; n++)
				if (c->lines->lines[n].line == line && c->lines->lines[n].status == EVL_NEVER)
					return 1;
		}
	return 0;
}

/* Writing and reading back never makes a line's claim stronger. */
static void check_lines(const struct profile *p, const struct profile *q)
{
	for (size_t i = 0; i < q->nevidence; i++)
		for (size_t k = 0; k < q->evidence[i].n; k++) {
			const struct pevcode *c = &q->evidence[i].codes[k];

			for (uint32_t n = 0; c->lines && n < c->lines->nlines; n++)
				if (c->lines->lines[n].status == EVL_NEVER &&
				    !never_in(p, &q->funcs[c->func], c->lines->lines[n].line)) {
					fprintf(stderr, "%s:%d never-ran only after a round trip\n",
						q->funcs[c->func].qualname, c->lines->lines[n].line);
					abort();
				}
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct output_opts o = { .top = 5, .lines = true, .stats = true };
	struct pprof_opts po = { .raw = true, .host = "fuzz", .profile_id = "0" };
	struct profile *p, *q;
	char err[512];
	uint8_t *buf;
	size_t len;

	if (!null)
		null = fopen("/dev/null", "w");
	p = profile__from_pprof(data, size, "fuzz", err, sizeof(err));
	if (!p)
		return 0;
	format__find(OUT_PROFILE, "text")->profile(p, &o, null);
	format__find(OUT_PROFILE, "folded")->profile(p, &o, null);
	format__find(OUT_PROFILE, "json")->profile(p, &o, null);
	if (pprof__encode(p, &po, &buf, &len))
		abort();
	q = profile__from_pprof(buf, len, "again", err, sizeof(err));
	if (!q) {
		fprintf(stderr, "what was read does not read back: %s\n", err);
		abort();
	}
	if (small(p) && profile__total(q) != profile__total(p)) {
		fprintf(stderr, "samples: %llu, then %llu\n", (unsigned long long)profile__total(p),
			(unsigned long long)profile__total(q));
		abort();
	}
	check_lines(p, q);
	free(buf);
	profile__free(q);
	profile__free(p);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "profile/aggregate.h"
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/htab.h"

static int cmp_func(const void *a, const void *b)
{
	const struct func_stat *x = a, *y = b;

	/* compare, never subtract: counts are 64-bit */
	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->func < y->func ? -1 : x->func > y->func;
}

struct func_stat *profile__func_stats(const struct profile *p, size_t *n)
{
	struct func_stat *fs = xcalloc(p->nfuncs, sizeof(*fs));
	size_t *mark = xcalloc(p->nfuncs, sizeof(*mark)), k = 0;

	for (size_t i = 0; i < p->nfuncs; i++)
		fs[i].func = i;
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];

		if (!s->depth)
			continue;
		fs[s->frames[s->depth - 1].func].self += s->count;
		/* recursion: a function counts once per stack in its total */
		for (uint32_t d = 0; d < s->depth; d++) {
			uint32_t f = s->frames[d].func;

			if (mark[f] != i + 1) {
				mark[f] = i + 1;
				fs[f].total += s->count;
			}
		}
	}
	free(mark);
	for (size_t i = 0; i < p->nfuncs; i++)
		if (fs[i].total)
			fs[k++] = fs[i];
	qsort(fs, k, sizeof(*fs), cmp_func);
	*n = k;
	return fs;
}

static int cmp_line(const void *a, const void *b, void *arg)
{
	const struct line_stat *x = a, *y = b;
	const struct profile *p = arg;
	int c;

	if (x->self != y->self)
		return x->self < y->self ? 1 : -1;
	c = strcmp(p->funcs[x->func].file, p->funcs[y->func].file);
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

struct line_probe {
	const struct profile *p;
	const struct line_stat *ls;
	const char *file;
	int line;
};

static bool same_line(uint64_t val, const void *probe)
{
	const struct line_probe *q = probe;
	const struct line_stat *l = &q->ls[val - 1];

	return l->line == q->line && !strcmp(q->p->funcs[l->func].file, q->file);
}

struct line_stat *profile__line_stats(const struct profile *p, size_t *n)
{
	struct htab idx = {};
	struct line_stat *ls = NULL;
	size_t k = 0, cap = 0;

	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		const struct pframe *leaf;
		const char *file;
		uint64_t h, *v;

		if (!s->depth)
			continue;
		leaf = &s->frames[s->depth - 1];
		file = p->funcs[leaf->func].file;
		h = hash__bytes(file, strlen(file), (uint64_t)(uint32_t)leaf->line);
		struct line_probe pr = { p, ls, file, leaf->line };

		v = htab__find(&idx, h, same_line, &pr);
		if (v) {
			ls[*v - 1].self += s->count;
			continue;
		}
		ARRAY_RESERVE(ls, k, cap, 64);
		ls[k].func = leaf->func;
		ls[k].line = leaf->line;
		ls[k].self = s->count;
		htab__add(&idx, h, ++k);
	}
	htab__free(&idx);
	if (k)
		qsort_r(ls, k, sizeof(*ls), cmp_line, (void *)p);
	*n = k;
	return ls;
}

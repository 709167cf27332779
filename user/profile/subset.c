// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A copy of some processes of a profile (serve's per-program statuses). */
#include "profile/profile.h"
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"
#include "lib/alloc.h"
#include "profile/pusdt.h"

struct profile *profile__subset(const struct profile *p, const bool *keep, const uint64_t *counts)
{
	struct profile *q = profile__new();
	uint32_t *to = xcalloc(p->nprocs + 1, sizeof(*to));	/* index + 1 in q */
	uint32_t *fto = xcalloc(p->nfuncs + 1, sizeof(*fto));	/* index + 1 in q */
	struct pframe *fr = NULL;
	size_t capfr = 0;

	q->duration_s = p->duration_s;
	q->frequency_hz = p->frequency_hz;
	q->max_depth = p->max_depth;
	memcpy(q->started, p->started, sizeof(q->started));
	q->stats = p->stats;
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pproc *r = &p->procs[i];
		struct pproc *n;
		uint32_t k;

		if ((keep && !keep[i]) || r->unused)
			continue;
		k = profile__proc(q, r->pid, r->comm, r->cmdline, r->python, r->method);
		profile__proc_place(q, k, r->root, r->cwd);
		n = &q->procs[k];
		n->exited = r->exited;
		n->folded = r->folded;
		n->unread = r->unread;
		n->final = r->final;
		n->late = r->late;
		n->evidence_age = r->evidence_age;
		n->merged = r->merged;
		n->alive = r->alive;
		n->dropped = r->dropped;
		if (r->usdt) {	/* GC, imports and calls (serve's --out-dir files) */
			n->usdt = pusdt__new(r->usdt->status, r->usdt->features, r->usdt->why);
			pusdt__merge(n->usdt, r->usdt);
			for (uint32_t c = 0; c < n->usdt->ncalls; c++) {
				uint32_t fi = n->usdt->calls[c].func;

				if (fi < p->nfuncs && !fto[fi])
					fto[fi] = profile__func(q, p->funcs[fi].file, p->funcs[fi].qualname,
								p->funcs[fi].firstline) + 1;
				n->usdt->calls[c].func = fi < p->nfuncs ? fto[fi] - 1 :
							  profile__func(q, "<unknown>", "<unknown>", 0);
			}
		}
		to[i] = k + 1;
	}
	for (size_t i = 0; i < p->nevidence; i++) {
		const struct pevidence *e = &p->evidence[i];
		struct pevcode *c;

		if (!to[e->proc])
			continue;
		c = xcalloc(e->n + 1, sizeof(*c));
		for (size_t k = 0; k < e->n; k++) {
			const struct pfunc *f = &p->funcs[e->codes[k].func];

			if (!fto[e->codes[k].func])
				fto[e->codes[k].func] = profile__func(q, f->file, f->qualname, f->firstline) + 1;
			c[k] = e->codes[k];
			c[k].func = fto[e->codes[k].func] - 1;
			/* the copy owns its lines (NULL when out of memory: no line is claimed) */
			c[k].lines = e->codes[k].lines ? evlines__dup(e->codes[k].lines) : NULL;
		}
		profile__set_evidence(q, to[e->proc] - 1, c, e->n);
		profile__evidence_partial(q, to[e->proc] - 1, e->partial);
	}
	for (size_t i = 0; i < p->nstacks; i++) {
		const struct pstack *s = &p->stacks[i];
		uint64_t count = counts ? counts[i] : s->count;

		if (!to[s->proc] || !count)
			continue;
		if (s->depth > capfr) {
			capfr = s->depth;
			fr = xrealloc(fr, capfr, sizeof(*fr));
		}
		for (uint32_t k = 0; k < s->depth; k++) {
			const struct pfunc *f = &p->funcs[s->frames[k].func];

			if (!fto[s->frames[k].func])
				fto[s->frames[k].func] = profile__func(q, f->file, f->qualname, f->firstline) + 1;
			fr[k] = (struct pframe){ fto[s->frames[k].func] - 1, s->frames[k].line };
		}
		profile__add(q, to[s->proc] - 1, s->tid, fr, s->depth, s->flags, count);
	}
	free(fr);
	free(fto);
	free(to);
	return q;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bounded profiles under churn: exited processes beyond the newest
 * PROFILE_KEEP_EXITED are folded into one entry per program, and the slots
 * they held are reused. Nothing a user reads is lost: samples and stacks
 * move (thread ids become 0), execution evidence becomes the union of the
 * (function, status) pairs, which is all that dead-code matching uses
 * (deadcode/match.c ORs statuses over processes anyway).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "profile/profile.h"

void profile__exited(struct profile *p, uint32_t proc)
{
	struct pproc *r = &p->procs[proc];

	if (r->exited)
		return;
	r->exited = true;
	r->exit_seq = ++p->exits;
}

static size_t word(const char *s, size_t *len)
{
	size_t skip = 0;

	while (s[skip] == ' ')
		skip++;
	*len = strcspn(s + skip, " ");
	return skip;
}

void profile__program(const char *cmdline, char *out, size_t sz)
{
	const char *s = cmdline, *exe, *prog = NULL, *mod = NULL;
	size_t len, exelen, plen = 0, mlen = 0;
	bool opts = true, argnext = false;

	s += word(s, &exelen);
	exe = s;
	for (s += exelen; *s && !prog && !mod;) {
		const char *w;

		s += word(s, &len);
		w = s;
		s += len;
		if (!len)
			break;
		if (argnext) {	/* the argument of -W, -X, --check-hash-based-pycs */
			argnext = false;
			continue;
		}
		if (!opts || w[0] != '-' || len == 1) {	/* the script ("-" is stdin) */
			prog = w;
			plen = len;
			break;
		}
		if (len == 2 && w[1] == '-') {
			opts = false;
			continue;
		}
		if (w[1] == '-') {
			argnext = len == 23 && !strncmp(w, "--check-hash-based-pycs", len);
			continue;
		}
		for (size_t i = 1; i < len; i++) {	/* short options, maybe joined: -uc, -Bm mod */
			if (w[i] == 'c') {
				prog = "-c";
				plen = 2;
				break;
			}
			if (w[i] == 'm') {
				if (i + 1 < len) {	/* -mMOD */
					mod = w + i + 1;
					mlen = len - i - 1;
				} else {
					s += word(s, &mlen);
					mod = s;
				}
				break;
			}
			if (w[i] == 'W' || w[i] == 'X') {	/* -Wdefault or -W default */
				argnext = i + 1 == len;
				break;
			}
		}
	}
	if (mod)
		snprintf(out, sz, "%.*s -m %.*s", (int)exelen, exe, (int)mlen, mod);
	else if (prog)
		snprintf(out, sz, "%.*s %.*s", (int)exelen, exe, (int)plen, prog);
	else
		snprintf(out, sz, "%.*s", (int)exelen, exe);
}

char (*profile__programs(const struct profile *p))[PROFILE_PROGRAM_MAX]
{
	char (*names)[PROFILE_PROGRAM_MAX] = xcalloc(p->nprocs + 1, sizeof(*names));

	for (size_t i = 0; i < p->nprocs; i++)
		if (!p->procs[i].unused && !p->procs[i].merged)
			profile__program(p->procs[i].cmdline, names[i], sizeof(names[i]));
	return names;
}

/* The per-program entry for exited process v: found or made. */
static uint32_t program_entry(struct profile *p, uint32_t v)
{
	char prog[512];
	uint32_t r;

	profile__program(p->procs[v].cmdline, prog, sizeof(prog));
	for (size_t i = 0; i < p->nprocs; i++) {
		const struct pproc *a = &p->procs[i];

		if (a->folded && !a->unused && !strcmp(a->cmdline, prog) && !strcmp(a->python, p->procs[v].python))
			return i;
	}
	r = profile__proc(p, 0, p->procs[v].comm, prog, p->procs[v].python, p->procs[v].method);
	p->procs[r].exited = true;
	/* where file names resolve: the first process's (one program) */
	profile__proc_place(p, r, p->procs[v].root, p->procs[v].cwd);
	return r;
}

struct seq_idx {
	uint64_t seq;
	uint32_t idx;
};

static int by_seq(const void *a, const void *b)
{
	const struct seq_idx *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void merge_evidence(struct profile *p, uint32_t from, uint32_t into)
{
	struct pevidence *src = NULL;
	struct pevcode *codes;
	struct htab seen = {};
	size_t n = 0, into_n = 0, si = 0;
	bool partial;

	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == from)
			src = &p->evidence[si = i];
	if (!src)
		return;
	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == into)
			into_n = p->evidence[i].n;
	codes = xcalloc(into_n + src->n + 1, sizeof(*codes));
	for (size_t i = 0; i < p->nevidence; i++) {
		const struct pevidence *e = &p->evidence[i];

		if (e->proc != into && e->proc != from)
			continue;
		for (size_t k = 0; k < e->n; k++) {
			bool isnew;

			htab__put(&seen, ((uint64_t)e->codes[k].func << 16) | ((uint64_t)e->codes[k].flags << 8) |
					       e->codes[k].status, &isnew);
			if (isnew) {
				codes[n] = e->codes[k];
				codes[n++].lines = NULL;	/* exited: its lines say nothing never-ran */
			}
		}
	}
	htab__free(&seen);
	profile__free_codes(src->codes, src->n);
	partial = src->partial;
	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == into)
			partial |= p->evidence[i].partial;
	p->evidence[si] = p->evidence[--p->nevidence];	/* the folded process's entry goes */
	profile__set_evidence(p, into, codes, n);
	profile__evidence_partial(p, into, partial);
}

static void free_slot(struct profile *p, uint32_t v)
{
	struct pproc *r = &p->procs[v];

	free(r->comm);
	free(r->cmdline);
	free(r->python);
	free(r->method);
	free(r->root);
	free(r->cwd);
	pusdt__free(r->usdt);
	memset(r, 0, sizeof(*r));
	r->unused = true;
	ARRAY_RESERVE(p->free_procs, p->nfree_procs, p->capfree_procs, 16);
	p->free_procs[p->nfree_procs++] = v;
}

size_t profile__fold_exited(struct profile *p, size_t keep)
{
	struct seq_idx *ex = NULL;
	uint32_t *into;
	size_t n = 0, nv;

	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].exited && !p->procs[i].folded && !p->procs[i].unused)
			n++;
	if (n <= keep)
		return 0;
	ex = xcalloc(n, sizeof(*ex));
	n = 0;
	for (size_t i = 0; i < p->nprocs; i++)
		if (p->procs[i].exited && !p->procs[i].folded && !p->procs[i].unused)
			ex[n++] = (struct seq_idx){ p->procs[i].exit_seq, i };
	qsort(ex, n, sizeof(*ex), by_seq);
	nv = n - keep;
	/* the entries are made before any slot is freed: into[] stays valid */
	into = xcalloc(p->nprocs + nv + 1, sizeof(*into));
	for (size_t i = 0; i < nv; i++) {
		uint32_t r = program_entry(p, ex[i].idx);
		bool m_final;

		into[ex[i].idx] = r + 1;
		/* final only if every process folded in was read at its exit and
		 * imported nothing after its last round (its files are merged) */
		m_final = p->procs[ex[i].idx].final && !p->procs[ex[i].idx].late;
		p->procs[r].final = p->procs[r].folded ? p->procs[r].final && m_final : m_final;
		p->procs[r].folded++;
		p->procs[r].dropped += p->procs[ex[i].idx].dropped;
		p->procs[r].unread += p->procs[ex[i].idx].unread;
		if (p->procs[ex[i].idx].usdt) {	/* GC and imports add up per program */
			if (!p->procs[r].usdt)
				p->procs[r].usdt = pusdt__new(p->procs[ex[i].idx].usdt->status, 0, NULL);
			pusdt__merge(p->procs[r].usdt, p->procs[ex[i].idx].usdt);
		}
	}
	for (size_t i = 0; i < p->nstacks;) {
		struct pstack s = p->stacks[i];
		size_t t;

		if (!into[s.proc]) {
			i++;
			continue;
		}
		profile__del_stack(p, i);	/* the last stack moves to i */
		t = profile__add(p, into[s.proc] - 1, 0, s.frames, s.depth, s.flags, s.count);
		for (int m = 0; t != SIZE_MAX && m < PROFILE_MARKS; m++)
			p->stacks[t].base[m] += s.base[m];	/* marks see the move as no new samples */
		free(s.frames);
	}
	for (size_t i = 0; i < nv; i++) {
		merge_evidence(p, ex[i].idx, into[ex[i].idx] - 1);
		free_slot(p, ex[i].idx);
	}
	p->stats.counters[CTR_PROCS_FOLDED] += nv;
	free(into);
	free(ex);
	return nv;
}

void profile__compact(struct profile *p)
{
	uint32_t *map;
	size_t n = 0;

	if (!p->nfree_procs)
		return;
	map = xcalloc(p->nprocs + 1, sizeof(*map));
	for (size_t i = 0; i < p->nprocs; i++) {
		if (p->procs[i].unused)
			continue;
		map[i] = n;
		p->procs[n++] = p->procs[i];
	}
	p->nprocs = n;
	p->nfree_procs = 0;
	for (size_t i = 0; i < p->nevidence; i++)
		p->evidence[i].proc = map[p->evidence[i].proc];
	for (size_t i = 0; i < p->nstacks; i++)
		p->stacks[i].proc = map[p->stacks[i].proc];
	profile__reindex_stacks(p);	/* the process is part of a stack's key */
	free(map);
}

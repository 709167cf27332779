// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "profile/profile.h"
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"

struct profile *profile__new(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));

	htab__init(&p->func_idx);
	htab__init(&p->stack_idx);
	htab__init(&p->source_idx);
	return p;
}

void profile__free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfuncs; i++) {
		free(p->funcs[i].file);
		free(p->funcs[i].qualname);
	}
	for (size_t i = 0; i < p->nprocs; i++) {
		free(p->procs[i].comm);
		free(p->procs[i].cmdline);
		free(p->procs[i].python);
		free(p->procs[i].method);
		free(p->procs[i].root);
		free(p->procs[i].cwd);
		pusdt__free(p->procs[i].usdt);
	}
	for (size_t i = 0; i < p->nstacks; i++)
		free(p->stacks[i].frames);
	for (size_t i = 0; i < p->nsources; i++) {
		free(p->sources[i].file);
		free(p->sources[i].text);
	}
	for (size_t i = 0; i < p->nskipped; i++) {
		free(p->skipped[i].cmdline);
		free(p->skipped[i].reason);
	}
	free(p->skipped);
	for (size_t i = 0; i < p->nevidence; i++)
		profile__free_codes(p->evidence[i].codes, p->evidence[i].n);
	free(p->evidence);
	free(p->funcs);
	free(p->procs);
	free(p->free_procs);
	free(p->stacks);
	free(p->sources);
	htab__free(&p->func_idx);
	htab__free(&p->stack_idx);
	htab__free(&p->source_idx);
	free(p);
}

#define GROW(arr, n, cap) ARRAY_RESERVE(arr, n, cap, 64)

static uint64_t func_hash(const char *file, const char *qualname, int firstline)
{
	uint64_t h = hash__bytes(file, strlen(file), firstline);

	return hash__bytes(qualname, strlen(qualname), h);
}

struct func_probe {
	const struct profile *p;
	const char *file, *qualname;
	int firstline;
};

static bool same_func(uint64_t val, const void *probe)
{
	const struct func_probe *q = probe;
	const struct pfunc *f = &q->p->funcs[val - 1];

	return f->firstline == q->firstline && !strcmp(f->file, q->file) && !strcmp(f->qualname, q->qualname);
}

uint32_t profile__func(struct profile *p, const char *file, const char *qualname, int firstline)
{
	struct func_probe pr = { p, file, qualname, firstline };
	uint64_t h = func_hash(file, qualname, firstline), *v = htab__find(&p->func_idx, h, same_func, &pr);
	struct pfunc *f;

	if (v)
		return *v - 1;
	GROW(p->funcs, p->nfuncs, p->capfuncs);
	f = &p->funcs[p->nfuncs++];
	f->file = xstrdup(file);
	f->qualname = xstrdup(qualname);
	f->firstline = firstline;
	htab__add(&p->func_idx, h, p->nfuncs);
	return p->nfuncs - 1;
}

uint32_t profile__gc_func(struct profile *p, unsigned gen)
{
	static const char *const names[] = { "<gc gen 0>", "<gc gen 1>", "<gc gen 2>", "<gc>" };

	return profile__func(p, PF_GC_FILE, names[gen < 3 ? gen : 3], 0);
}

bool profile__is_gc_func(const struct profile *p, uint32_t func)
{
	return func < p->nfuncs && !strcmp(p->funcs[func].file, PF_GC_FILE);
}

uint32_t profile__proc(struct profile *p, int pid, const char *comm, const char *cmdline,
		       const char *python, const char *method)
{
	struct pproc *r;
	uint32_t idx;

	if (p->nfree_procs) {	/* a slot of a folded process */
		idx = p->free_procs[--p->nfree_procs];
	} else {
		GROW(p->procs, p->nprocs, p->capprocs);
		idx = p->nprocs++;
	}
	r = &p->procs[idx];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->comm = xstrdup(comm);
	r->cmdline = xstrdup(cmdline);
	r->python = xstrdup(python);
	r->method = xstrdup(method);
	return idx;
}

static uint64_t stack_hash(uint32_t proc, uint32_t tid, const struct pframe *frames,
			    uint32_t depth, uint32_t flags)
{
	uint64_t h = hash__u64(((uint64_t)proc << 32) | tid) ^ hash__u64(((uint64_t)flags << 32) | depth);

	return hash__bytes(frames, depth * sizeof(*frames), h);
}

struct stack_probe {
	const struct profile *p;
	uint32_t proc, tid, depth, flags;
	const struct pframe *frames;
};

static bool same_stack(uint64_t val, const void *probe)
{
	const struct stack_probe *q = probe;
	const struct pstack *s = &q->p->stacks[val - 1];

	return s->proc == q->proc && s->tid == q->tid && s->depth == q->depth && s->flags == q->flags &&
	       !memcmp(s->frames, q->frames, q->depth * sizeof(*q->frames));
}

size_t profile__add(struct profile *p, uint32_t proc, uint32_t tid, const struct pframe *frames,
		    uint32_t depth, uint32_t flags, uint64_t count)
{
	struct stack_probe pr = { p, proc, tid, depth, flags, frames };
	uint64_t h = stack_hash(proc, tid, frames, depth, flags), *v;
	struct pstack *s;

	if (!count)
		return SIZE_MAX;
	v = htab__find(&p->stack_idx, h, same_stack, &pr);
	if (v) {
		p->stacks[*v - 1].count += count;
		p->procs[proc].samples += count;
		return *v - 1;
	}
	GROW(p->stacks, p->nstacks, p->capstacks);
	s = &p->stacks[p->nstacks++];
	s->proc = proc;
	s->tid = tid;
	s->depth = depth;
	s->flags = flags;
	s->count = count;
	memset(s->base, 0, sizeof(s->base));
	s->frames = xcalloc(depth ? depth : 1, sizeof(*frames));
	memcpy(s->frames, frames, depth * sizeof(*frames));
	p->procs[proc].samples += count;
	htab__add(&p->stack_idx, h, p->nstacks);
	return p->nstacks - 1;
}

int profile__mark(struct profile *p)
{
	for (int m = 0; m < PROFILE_MARKS; m++) {
		if (p->marked[m])
			continue;
		p->marked[m] = true;
		for (size_t i = 0; i < p->nstacks; i++)
			p->stacks[i].base[m] = p->stacks[i].count;
		return m;
	}
	return -1;
}

uint64_t profile__since_mark(const struct profile *p, int m, size_t i)
{
	const struct pstack *s = &p->stacks[i];

	return m >= 0 && m < PROFILE_MARKS && s->count > s->base[m] ? s->count - s->base[m] : 0;
}

void profile__unmark(struct profile *p, int m)
{
	if (m >= 0 && m < PROFILE_MARKS)
		p->marked[m] = false;
}

static struct stack_probe probe_of(const struct profile *p, size_t i)
{
	const struct pstack *s = &p->stacks[i];

	return (struct stack_probe){ p, s->proc, s->tid, s->depth, s->flags, s->frames };
}

static uint64_t hash_of(const struct pstack *s)
{
	return stack_hash(s->proc, s->tid, s->frames, s->depth, s->flags);
}

void profile__del_stack(struct profile *p, size_t i)
{
	struct stack_probe pr = probe_of(p, i);
	size_t last = p->nstacks - 1;
	uint64_t *v;

	htab__remove(&p->stack_idx, hash_of(&p->stacks[i]), same_stack, &pr);
	p->procs[p->stacks[i].proc].samples -= p->stacks[i].count;
	if (i != last) {
		pr = probe_of(p, last);
		v = htab__find(&p->stack_idx, hash_of(&p->stacks[last]), same_stack, &pr);
		*v = i + 1;
		p->stacks[i] = p->stacks[last];
	}
	p->nstacks--;
}

void profile__reindex_stacks(struct profile *p)
{
	htab__free(&p->stack_idx);
	for (size_t i = 0; i < p->nstacks; i++)
		htab__add(&p->stack_idx, hash_of(&p->stacks[i]), i + 1);
}

static uint64_t src_hash(const char *file, int line)
{
	return hash__bytes(file, strlen(file), (uint64_t)line * 0x9e3779b97f4a7c15ULL);
}

struct source_probe {
	const struct profile *p;
	const char *file;
	int line;
};

static bool same_source(uint64_t val, const void *probe)
{
	const struct source_probe *q = probe;
	const struct psource *s = &q->p->sources[val - 1];

	return s->line == q->line && !strcmp(s->file, q->file);
}

const char *profile__source(const struct profile *p, const char *file, int line)
{
	struct source_probe pr = { p, file, line };
	uint64_t *v = htab__find(&p->source_idx, src_hash(file, line), same_source, &pr);

	return v ? p->sources[*v - 1].text : NULL;
}

void profile__set_source(struct profile *p, const char *file, int line, const char *text)
{
	struct source_probe pr = { p, file, line };
	uint64_t h = src_hash(file, line);
	struct psource *s;

	if (htab__find(&p->source_idx, h, same_source, &pr))
		return;
	GROW(p->sources, p->nsources, p->capsources);
	s = &p->sources[p->nsources++];
	s->file = xstrdup(file);
	s->line = line;
	s->text = xstrdup(text);
	htab__add(&p->source_idx, h, p->nsources);
}

uint64_t profile__total(const struct profile *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nstacks; i++)
		t += p->stacks[i].count;
	return t;
}

void profile__skip(struct profile *p, int pid, const char *cmdline, const char *reason)
{
	struct pskip *k;

	if (p->nskipped >= PROFILE_MAX_SKIPPED) {
		p->stats.counters[CTR_SKIPPED_UNLISTED]++;
		return;
	}
	GROW(p->skipped, p->nskipped, p->capskipped);
	k = &p->skipped[p->nskipped++];
	k->pid = pid;
	k->cmdline = xstrdup(cmdline);
	k->reason = xstrdup(reason);
}

void profile__evidence_partial(struct profile *p, uint32_t proc, bool partial)
{
	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == proc)
			p->evidence[i].partial = partial;
}

void profile__set_evidence(struct profile *p, uint32_t proc, struct pevcode *codes, size_t n)
{
	struct pevidence *e = NULL;

	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == proc)
			e = &p->evidence[i];
	if (!e) {
		GROW(p->evidence, p->nevidence, p->capevidence);
		e = &p->evidence[p->nevidence++];
		e->proc = proc;
		e->codes = NULL;
		e->partial = false;
	}
	profile__free_codes(e->codes, e->n);
	e->codes = codes;
	e->n = n;
}

void profile__free_codes(struct pevcode *codes, size_t n)
{
	for (size_t k = 0; codes && k < n; k++)
		free(codes[k].lines);
	free(codes);
}

void profile__proc_place(struct profile *p, uint32_t proc, const char *root, const char *cwd)
{
	struct pproc *r = &p->procs[proc];

	free(r->root);
	free(r->cwd);
	r->root = root && *root && strcmp(root, "/") ? xstrdup(root) : NULL;
	r->cwd = cwd && *cwd ? xstrdup(cwd) : NULL;
}

bool profile__has_evidence(const struct profile *p, uint32_t proc)
{
	for (size_t i = 0; i < p->nevidence; i++)
		if (p->evidence[i].proc == proc)
			return true;
	return false;
}

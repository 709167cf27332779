// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "profile.h"
#include <stdlib.h>
#include <string.h>

struct profile *profile__new(void)
{
	struct profile *p = xcalloc(1, sizeof(*p));

	u64map__init(&p->func_idx);
	u64map__init(&p->stack_idx);
	u64map__init(&p->source_idx);
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
		free(p->evidence[i].codes);
	free(p->evidence);
	free(p->funcs);
	free(p->procs);
	free(p->stacks);
	free(p->sources);
	u64map__free(&p->func_idx);
	u64map__free(&p->stack_idx);
	u64map__free(&p->source_idx);
	free(p);
}

#define GROW(arr, n, cap)                                          \
	do {                                                       \
		if ((n) == (cap)) {                                \
			(cap) = (cap) ? (cap) * 2 : 64;            \
			(arr) = xrealloc((arr), (cap), sizeof(*(arr))); \
		}                                                  \
	} while (0)

static uint64_t _func_hash(const char *file, const char *qualname, int firstline)
{
	uint64_t h = hash_bytes(file, strlen(file), firstline);

	return hash_bytes(qualname, strlen(qualname), h);
}

uint32_t profile__func(struct profile *p, const char *file, const char *qualname, int firstline)
{
	uint64_t h = _func_hash(file, qualname, firstline), *v;
	struct pfunc *f;

	/* linear probing over the hash itself resolves the rare 64-bit collision */
	for (;; h++) {
		v = u64map__get(&p->func_idx, h);
		if (!v)
			break;
		f = &p->funcs[*v - 1];
		if (f->firstline == firstline && !strcmp(f->file, file) && !strcmp(f->qualname, qualname))
			return *v - 1;
	}
	GROW(p->funcs, p->nfuncs, p->capfuncs);
	f = &p->funcs[p->nfuncs++];
	f->file = xstrdup(file);
	f->qualname = xstrdup(qualname);
	f->firstline = firstline;
	*u64map__put(&p->func_idx, h, NULL) = p->nfuncs;
	return p->nfuncs - 1;
}

uint32_t profile__proc(struct profile *p, int pid, const char *comm, const char *cmdline,
		       const char *python, const char *method)
{
	struct pproc *r;

	GROW(p->procs, p->nprocs, p->capprocs);
	r = &p->procs[p->nprocs++];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->comm = xstrdup(comm);
	r->cmdline = xstrdup(cmdline);
	r->python = xstrdup(python);
	r->method = xstrdup(method);
	return p->nprocs - 1;
}

static uint64_t _stack_hash(uint32_t proc, uint32_t tid, const struct pframe *frames,
			    uint32_t depth, uint32_t flags)
{
	uint64_t h = hash_u64(((uint64_t)proc << 32) | tid) ^ hash_u64(((uint64_t)flags << 32) | depth);

	return hash_bytes(frames, depth * sizeof(*frames), h);
}

void profile__add(struct profile *p, uint32_t proc, uint32_t tid, const struct pframe *frames,
		  uint32_t depth, uint32_t flags, uint64_t count)
{
	uint64_t h = _stack_hash(proc, tid, frames, depth, flags), *v;
	struct pstack *s;

	if (!count)
		return;
	for (;; h++) {
		v = u64map__get(&p->stack_idx, h);
		if (!v)
			break;
		s = &p->stacks[*v - 1];
		if (s->proc == proc && s->tid == tid && s->depth == depth && s->flags == flags &&
		    !memcmp(s->frames, frames, depth * sizeof(*frames))) {
			s->count += count;
			p->procs[proc].samples += count;
			return;
		}
	}
	GROW(p->stacks, p->nstacks, p->capstacks);
	s = &p->stacks[p->nstacks++];
	s->proc = proc;
	s->tid = tid;
	s->depth = depth;
	s->flags = flags;
	s->count = count;
	s->frames = xcalloc(depth ? depth : 1, sizeof(*frames));
	memcpy(s->frames, frames, depth * sizeof(*frames));
	p->procs[proc].samples += count;
	*u64map__put(&p->stack_idx, h, NULL) = p->nstacks;
}

static uint64_t _src_hash(const char *file, int line)
{
	return hash_bytes(file, strlen(file), (uint64_t)line * 0x9e3779b97f4a7c15ULL);
}

const char *profile__source(const struct profile *p, const char *file, int line)
{
	uint64_t h = _src_hash(file, line), *v;

	for (;; h++) {
		const struct psource *s;

		v = u64map__get(&p->source_idx, h);
		if (!v)
			return NULL;
		s = &p->sources[*v - 1];
		if (s->line == line && !strcmp(s->file, file))
			return s->text;
	}
}

void profile__set_source(struct profile *p, const char *file, int line, const char *text)
{
	uint64_t h = _src_hash(file, line), *v;
	struct psource *s;

	for (;; h++) {
		v = u64map__get(&p->source_idx, h);
		if (!v)
			break;
		s = &p->sources[*v - 1];
		if (s->line == line && !strcmp(s->file, file))
			return;
	}
	GROW(p->sources, p->nsources, p->capsources);
	s = &p->sources[p->nsources++];
	s->file = xstrdup(file);
	s->line = line;
	s->text = xstrdup(text);
	*u64map__put(&p->source_idx, h, NULL) = p->nsources;
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

	GROW(p->skipped, p->nskipped, p->capskipped);
	k = &p->skipped[p->nskipped++];
	k->pid = pid;
	k->cmdline = xstrdup(cmdline);
	k->reason = xstrdup(reason);
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
	}
	free(e->codes);
	e->codes = codes;
	e->n = n;
}

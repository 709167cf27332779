// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/drain.h"
#include <bpf/bpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect/targets.h"
#include "cpython/symtab.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/srccache.h"
#include "profile/profile.h"

#define SRC_MAX (4 << 20)	/* bytes of a source file read for line previews */
#define SRC_FILES 16		/* files kept for previews (a line is captured once) */

void drain__init(struct drain *d, struct profile *prof, struct targets *tg, const int counts_fd[2],
		 volatile __u32 *counts_gen, volatile __u32 *stacks_epoch, int stacks_fd, size_t stack_value_size,
		 uint32_t max_depth)
{
	memset(d, 0, sizeof(*d));
	d->prof = prof;
	d->tg = tg;
	d->counts_fd[0] = counts_fd[0];
	d->counts_fd[1] = counts_fd[1];
	d->counts_gen = counts_gen;
	d->stacks_epoch = stacks_epoch;
	d->max_age = STACK_MAX_AGE;
	d->last_age = clock__now();
	d->stacks_fd = stacks_fd;
	d->stack_value_size = stack_value_size;
	d->max_depth = max_depth;
	/* the file as the process sees it, read while it runs (lib/tfile.h) */
	d->src = srccache__new(SRC_FILES, SRC_MAX);
}

void drain__free(struct drain *d)
{
	for (size_t i = 0; i < d->nraws; i++)
		free(d->raws[i].frames);
	free(d->raws);
	htab__free(&d->raw_idx);
	srccache__free(d->src);
}

static struct rawstack *raw_get(struct drain *d, uint64_t stack_id, uint32_t pid)
{
	uint64_t *v = htab__get(&d->raw_idx, stack_id);
	struct cb_stack *buf;
	struct rawstack *r;

	if (v)
		return &d->raws[*v - 1];
	buf = xcalloc(1, d->stack_value_size);
	if (bpf_map_lookup_elem(d->stacks_fd, &stack_id, buf)) {
		free(buf);
		return NULL;
	}
	if (buf->depth > d->max_depth)
		buf->depth = d->max_depth;
	ARRAY_RESERVE(d->raws, d->nraws, d->capraws, 256);
	r = &d->raws[d->nraws++];
	r->stack_id = stack_id;
	r->last_seen = clock__now();
	r->pid = pid;
	r->depth = buf->depth;
	/* pstack flags: the BPF flags, the interpreter id above them */
	r->flags = buf->flags | ((uint32_t)buf->interp << PF_INTERP_SHIFT);
	r->frames = xcalloc(buf->depth ? buf->depth : 1, sizeof(struct cb_frame));
	memcpy(r->frames, buf->frames, buf->depth * sizeof(struct cb_frame));
	free(buf);
	*htab__put(&d->raw_idx, stack_id, NULL) = d->nraws;
	return r;
}

/* The text of a sampled line, kept in the profile for the heatmap. */
static void capture_source(struct drain *d, const char *file, int line, int pid)
{
	char text[501];

	if (line <= 0 || profile__source(d->prof, file, line))
		return;
	if (!srccache__line(d->src, pid, file, line, text, sizeof(text)))
		profile__set_source(d->prof, file, line, text);
}

void drain__on_stack(struct drain *d, int pid, uint64_t stack_id)
{
	struct target *t = targets__of(d->tg, pid);
	struct rawstack *r;

	if (!t || t->exited)
		return;
	r = raw_get(d, stack_id, pid);
	for (uint32_t i = 0; r && i < r->depth; i++) {
		const struct codeinfo *ci = symtab__resolve(t->sym, r->frames[i].code, d->epoch);

		/* the leaf's source line too, while /proc/PID/cwd and root exist */
		if (i == 0 && ci->valid)
			capture_source(d, d->prof->funcs[ci->func].file, symtab__line(t->sym, ci, r->frames[0].lasti),
				       pid);
	}
}

/* The thread id a sample is kept under: its own for the first
 * TARGET_MAX_THREADS threads of a process, then 0. */
static uint32_t thread_id(struct drain *d, struct target *t, uint32_t tid, uint64_t delta)
{
	if (htab__get(&t->tids, tid))
		return tid;
	if (htab__len(&t->tids) >= TARGET_MAX_THREADS) {
		d->prof->stats.counters[CTR_THREADS_MERGED] += delta;
		return 0;
	}
	htab__put(&t->tids, tid, NULL);
	return tid;
}

static void attribute(struct drain *d, const struct cb_count_key *k, uint64_t delta)
{
	struct target *t = targets__of(d->tg, k->pid);
	struct rawstack *r;
	struct pframe *frames;
	uint32_t depth;

	if (!t || !t->sym) {
		/* a retired process (it exec'd, or its PID came back) still sampled */
		d->prof->stats.counters[CTR_SAMPLES_AFTER_EXIT] += delta;
		return;
	}
	r = raw_get(d, k->stack_id, k->pid);
	if (!r) {
		d->prof->stats.counters[CTR_STACKS_LOST] += delta;	/* never silent */
		return;
	}
	r->last_seen = clock__now();
	/* one more for the <gc> leaf of a sample inside a collection */
	frames = xcalloc(r->depth + 1, sizeof(*frames));
	for (uint32_t i = 0; i < r->depth; i++) {
		const struct codeinfo *ci = symtab__resolve(t->sym, r->frames[i].code, d->epoch);
		struct pframe *f = &frames[r->depth - 1 - i];	/* root first */

		if (!ci->valid) {
			f->func = profile__func(d->prof, "<unknown>", "<unknown>", 0);
			f->line = -1;
			d->prof->stats.counters[CTR_UNRESOLVED_FRAMES] += delta;
			continue;
		}
		f->func = ci->func;
		f->line = symtab__line(t->sym, ci, r->frames[i].lasti);
		if (i == 0)
			capture_source(d, d->prof->funcs[ci->func].file, f->line, k->pid);
	}
	depth = r->depth;
	if (r->flags & CB_STACK_GC) {
		frames[depth].func = profile__gc_func(d->prof, CB_STACK_GC_GEN(r->flags));
		frames[depth++].line = -1;
	}
	profile__add(d->prof, t->proc, thread_id(d, t, k->tid, delta), frames, depth, r->flags & ~PF_GC_FLAGS,
		     delta);
	free(frames);
}

/* Every key of a counts map, collected in one walk (deleting during a walk
 * would restart it). */
static struct cb_count_key *all_keys(int fd, size_t *n)
{
	struct cb_count_key key, next, *keys = NULL;
	size_t k = 0, cap = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		ARRAY_RESERVE(keys, k, cap, 1024);
		keys[k++] = next;
	}
	*n = k;
	return keys;
}

/* Drop the cached stack at index i from the map and the cache. */
static void forget_stack(struct drain *d, size_t i)
{
	struct rawstack *r = &d->raws[i];

	/* first: a program that starts after this stores the stack again */
	(*d->stacks_epoch)++;
	__sync_synchronize();
	if (!bpf_map_delete_elem(d->stacks_fd, &r->stack_id))
		targets__stack_gone(d->tg, r->pid);
	htab__del(&d->raw_idx, r->stack_id);
	free(r->frames);
	if (i != d->nraws - 1) {
		*r = d->raws[d->nraws - 1];	/* the last one moves into the hole */
		*htab__put(&d->raw_idx, r->stack_id, NULL) = i + 1;
	}
	d->nraws--;
}

/* Stacks not sampled for STACK_MAX_AGE: the stacks map and the cache stay
 * the size of what runs, not of everything that ever ran. */
static void age_stacks(struct drain *d, double now)
{
	for (size_t i = 0; i < d->nraws;) {
		if (now - d->raws[i].last_seen > d->max_age)
			forget_stack(d, i);	/* i now holds the moved one */
		else
			i++;
	}
}

#define GRACE_US 2000	/* a program runs for microseconds; this is far beyond it */
#define BATCH 4096	/* entries per batched system call (above any bucket's size) */

/* Every entry of a counts map nobody writes any more, read and deleted with
 * batched system calls (a few per drain instead of three per entry: 92 us
 * each measured here). 0 with *n entries in keys/vals; -1 when the kernel
 * has no batch operations for the map (the caller walks it key by key). */
static int take_batched(int fd, struct cb_count_key **keys, uint64_t **vals, size_t *n)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t k = 0, cap = 0;
	uint64_t token = 0;
	bool first = true;

	*keys = NULL;
	*vals = NULL;
	for (;;) {
		__u32 cnt = BATCH;
		int err;

		if (k + BATCH > cap) {
			cap = k + BATCH;
			*keys = xrealloc(*keys, cap, sizeof(**keys));
			*vals = xrealloc(*vals, cap, sizeof(**vals));
		}
		err = bpf_map_lookup_and_delete_batch(fd, first ? NULL : &token, &token, *keys + k,
						      *vals + k, &cnt, &opts);
		if (err && errno != ENOENT) {
			if (k)	/* some were taken: the rest go key by key */
				break;
			free(*keys);
			free(*vals);
			return -1;
		}
		k += cnt;
		first = false;
		if (err)	/* ENOENT: the map is done */
			break;
	}
	*n = k;
	return 0;
}

void drain__run(struct drain *d)
{
	uint32_t old = *d->counts_gen & 1;
	struct cb_count_key *keys;
	uint64_t *vals;
	double now;
	size_t n;

	d->epoch++;
	*d->counts_gen = old ^ 1;
	__sync_synchronize();
	usleep(GRACE_US);	/* programs that read the old generation have finished */
	if (!d->no_batch && !take_batched(d->counts_fd[old], &keys, &vals, &n)) {
		for (size_t i = 0; i < n; i++)
			if (vals[i])
				attribute(d, &keys[i], vals[i]);
		free(keys);
		free(vals);
	} else {
		d->no_batch = true;
	}
	/* key by key: without batch operations, or what a failed batch left */
	keys = all_keys(d->counts_fd[old], &n);
	for (size_t i = 0; i < n; i++) {
		uint64_t val;

		if (bpf_map_lookup_elem(d->counts_fd[old], &keys[i], &val))
			continue;
		bpf_map_delete_elem(d->counts_fd[old], &keys[i]);
		if (val)
			attribute(d, &keys[i], val);
	}
	free(keys);
	now = clock__now();
	if (now - d->last_age >= d->max_age / 4) {
		d->last_age = now;
		age_stacks(d, now);
	}
}

void drain__forget_pid(struct drain *d, uint32_t pid)
{
	bpf_map_delete_elem(d->tg->py_procs_fd, &pid);
	for (size_t i = 0; i < d->nraws;) {
		if (d->raws[i].pid == pid)
			forget_stack(d, i);
		else
			i++;
	}
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/drain.h"
#include <bpf/bpf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "collect/targets.h"
#include "cpython/symtab.h"
#include "lib/alloc.h"
#include "lib/srccache.h"
#include "profile/profile.h"

#define SRC_MAX (16 << 20)	/* bytes of a source file read for line previews */

void drain__init(struct drain *d, struct profile *prof, struct targets *tg, int counts_fd, int stacks_fd,
		 size_t stack_value_size, uint32_t max_depth)
{
	memset(d, 0, sizeof(*d));
	d->prof = prof;
	d->tg = tg;
	d->counts_fd = counts_fd;
	d->stacks_fd = stacks_fd;
	d->stack_value_size = stack_value_size;
	d->max_depth = max_depth;
	/* the file as the process sees it, read while it runs (lib/tfile.h) */
	d->src = srccache__new(0, SRC_MAX);
}

void drain__free(struct drain *d)
{
	for (size_t i = 0; i < d->nraws; i++)
		free(d->raws[i].frames);
	free(d->raws);
	free(d->prev);
	htab__free(&d->raw_idx);
	htab__free(&d->prev_idx);
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
	r->pid = pid;
	r->depth = buf->depth;
	r->flags = buf->flags;
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

struct prev_probe {
	const struct drain *d;
	const struct cb_count_key *k;
};

static bool same_key(uint64_t val, const void *probe)
{
	const struct prev_probe *p = probe;

	return !memcmp(&p->d->prev[val - 1].key, p->k, sizeof(*p->k));
}

static struct prevcount *prev_get(struct drain *d, const struct cb_count_key *k, bool create)
{
	struct prev_probe pr = { d, k };
	uint64_t h = hash__bytes(k, sizeof(*k), 7), *v = htab__find(&d->prev_idx, h, same_key, &pr);
	struct prevcount *pc;

	if (v)
		return &d->prev[*v - 1];
	if (!create)
		return NULL;
	ARRAY_RESERVE(d->prev, d->nprev, d->capprev, 1024);
	pc = &d->prev[d->nprev++];
	pc->key = *k;
	pc->value = 0;
	htab__add(&d->prev_idx, h, d->nprev);
	return pc;
}

static void attribute(struct drain *d, const struct cb_count_key *k, uint64_t delta)
{
	struct target *t = targets__of(d->tg, k->pid);
	struct rawstack *r;
	struct pframe *frames;

	if (!t)
		return;
	r = raw_get(d, k->stack_id, k->pid);
	if (!r)
		return;
	frames = xcalloc(r->depth ? r->depth : 1, sizeof(*frames));
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
	profile__add(d->prof, t->proc, k->tid, frames, r->depth, r->flags, delta);
	free(frames);
}

/* Every key of the counts map, collected in one walk (deleting or adding
 * during a walk would restart it). */
static struct cb_count_key *all_keys(int fd, size_t *n, int only_pid)
{
	struct cb_count_key key, next, *keys = NULL;
	size_t k = 0, cap = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (only_pid >= 0 && next.pid != (uint32_t)only_pid)
			continue;
		ARRAY_RESERVE(keys, k, cap, 1024);
		keys[k++] = next;
	}
	*n = k;
	return keys;
}

void drain__run(struct drain *d)
{
	size_t n;
	struct cb_count_key *keys;

	d->epoch++;
	keys = all_keys(d->counts_fd, &n, -1);
	for (size_t i = 0; i < n; i++) {
		uint64_t val, delta;
		struct prevcount *pc;

		if (bpf_map_lookup_elem(d->counts_fd, &keys[i], &val))
			continue;
		pc = prev_get(d, &keys[i], true);
		/* a smaller value means the key was deleted and re-created */
		delta = val >= pc->value ? val - pc->value : val;
		pc->value = val;
		if (delta)
			attribute(d, &keys[i], delta);
	}
	free(keys);
}

void drain__forget_pid(struct drain *d, uint32_t pid)
{
	size_t n;
	struct cb_count_key *dead;

	bpf_map_delete_elem(d->tg->py_procs_fd, &pid);
	dead = all_keys(d->counts_fd, &n, pid);
	for (size_t i = 0; i < n; i++) {
		struct prevcount *pc = prev_get(d, &dead[i], false);

		if (pc)
			pc->value = 0;	/* the key will be gone: a new one starts at 0 */
		bpf_map_delete_elem(d->counts_fd, &dead[i]);
		bpf_map_delete_elem(d->stacks_fd, &dead[i].stack_id);
		htab__del(&d->raw_idx, dead[i].stack_id);
	}
	free(dead);
}

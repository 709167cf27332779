// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Evidence without markers (cpython/evproof.h). */
#include "cpython/evproof.h"
#include <string.h>
#include "cpython/walkhost.h"
#include "lib/mem.h"

/* Validated later by being the address of a code object the round recorded. */
void evproof__function(int pid, const struct pylayout *l, uint64_t a, const uint8_t *chunk, uint64_t have,
			uint64_t o, struct evround_ctx *r)
{
	uint16_t fc = evidence__func_code(l->minor);
	uint64_t refcnt, code = 0;

	if (fc == 0xffff)
		return;
	memcpy(&refcnt, chunk + o, 8);
	if (!refcnt || (refcnt >= (1ULL << 40) && (uint32_t)refcnt != 0xffffffffU))
		return;	/* a freed block */
	if (o + fc + 8 <= have)
		memcpy(&code, chunk + o + fc, 8);
	else if (mem__read(pid, a + o + fc, &code, 8))
		return;
	if (code && !(code & 7))
		htab__put(&r->func_code, code, NULL);
}

static int on_thread(const struct cb_stack *st, __u64 tstate, int searchable, void *ctx)
{
	struct evround_ctx *r = ctx;

	(void)tstate;
	(void)searchable;
	for (uint32_t i = 0; i < st->depth; i++)
		htab__put(&r->on_stack, st->frames[i].code, NULL);
	return 0;
}

/* What a round knows before it reads markers: whether monitoring was ever on
 * (any interpreter's instrumentation version is not 0) and which code has a
 * frame on a thread's stack. */
void evproof__begin(int pid, const struct pylayout *l, struct evround_ctx *r)
{
	uint16_t iv = evidence__interp_instr_version(l->minor);
	uint64_t interp = 0, v;

	memset(r, 0, sizeof(*r));
	htab__init(&r->on_stack);
	htab__init(&r->at);
	htab__init(&r->func_code);
	if (iv != 0xffff && !mem__read(pid, l->bpf.runtime_addr + l->bpf.rt_interp_head, &interp, 8)) {
		for (int k = 0; interp && k < 64; k++) {
			if (mem__read(pid, interp + iv, &v, 8) || v) {
				r->flags |= EV_F_MONITORED;	/* unreadable: assume it was */
				break;
			}
			if (mem__read(pid, interp + l->bpf.interp_next, &interp, 8))
				break;
		}
	}
	walkhost__threads(pid, &l->bpf, CB_MAX_DEPTH, on_thread, r);
}

/* Function objects seen this round mark their code (EV_C_FUNC). */
void evproof__end(struct ev_scan *s, struct evround_ctx *r)
{
	size_t it = 0;
	uint64_t key, *v;

	while (htab__next(&r->func_code, &it, &key, NULL)) {
		v = htab__get(&r->at, key);
		if (v)
			s->codes[*v - 1].flags |= EV_C_FUNC;
	}
	htab__free(&r->on_stack);
	htab__free(&r->at);
	htab__free(&r->func_code);
}


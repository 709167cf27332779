// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/walkhost.h"
#include <stdlib.h>
#include <string.h>
#include "lib/mem.h"
#include "lib/alloc.h"

static int walk_pid;	/* the process CB_READ reads from during one walk */

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define CB_READ(dst, len, src) mem__read(walk_pid, (src), (dst), (len))
/* frames come from a target (or a fuzzer): any alignment */
#define CB_LOAD(type, p) ({ type v_; memcpy(&v_, (p), sizeof(v_)); v_; })
#include "../../bpf/walker.h"

int walkhost__threads(int pid, const struct cb_layout *l, __u32 max_depth, walkhost_fn fn, void *ctx)
{
	__u8 *tsbuf = xcalloc(CB_TSTATE_SPAN + 8, 1);
	__u8 *win = xcalloc(CB_WINDOW + CB_FRAME_READ_MAX + 8, 1);
	struct cb_stack *st = xcalloc(1, sizeof(*st));
	__u64 interp = 0, ts = 0;
	int n = -1;

	walk_pid = pid;
	if (max_depth > CB_MAX_DEPTH)
		max_depth = CB_MAX_DEPTH;
	if (mem__read(pid, l->runtime_addr + l->rt_interp_head, &interp, 8) || !interp ||
	    mem__read(pid, interp + l->interp_threads, &ts, 8))
		goto out;
	for (n = 0; ts && n < 4096; n++) {
		__u64 id, top = 0, next = 0;
		struct fwalk w = {};

		struct tsearch s = {};

		if (read_tstate(l, ts, tsbuf, &id, &top))
			break;
		/* the kernel's thread search must find this thread state by its id */
		if (mem__read(pid, interp + l->interp_threads, &s.cur, 8))
			break;
		s.fsbase = id;
		s.ts_next = l->ts_next;
		s.ts_thread_id = l->ts_thread_id;
		for (__u32 i = 0; i < 4096; i++)
			if (tsearch_step(i, &s))
				break;
		if ((l->flags & CB_LF_CFRAME) && top && mem__read(pid, top + l->cframe_current, &top, 8))
			top = 0;
		memset(st, 0, sizeof(*st));
		fwalk_init(&w, l, st->frames, win, top, max_depth);
		/* what bpf_loop does in the kernel */
		for (__u32 i = 0; i < CB_WALK_STEPS(max_depth); i++)
			if (fwalk_step(i, &w))
				break;
		st->depth = w.n;
		st->flags = w.truncated ? CB_STACK_TRUNCATED : 0;
		if (fn(st, ts, s.found == ts, ctx))
			break;
		if (mem__read(pid, ts + l->ts_next, &next, 8))
			break;
		ts = next;
	}
out:
	free(tsbuf);
	free(win);
	free(st);
	return n;
}

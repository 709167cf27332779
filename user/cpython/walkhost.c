// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/walkhost.h"
#include <stdlib.h>
#include <string.h>
#include "lib/mem.h"
#include "lib/alloc.h"

static __thread int walk_pid;	/* the process CB_READ reads from during one walk (per thread: evidence rounds walk in their worker) */

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define CB_READ(dst, len, src) mem__read(walk_pid, (src), (dst), (len))
/* frames come from a target (or a fuzzer): any alignment */
#define CB_LOAD(type, p) ({ type v_; memcpy(&v_, (p), sizeof(v_)); v_; })
#include "../../bpf/walker.h"

/* What the kernel's thread search picks for a thread whose FS base is id:
 * 1 when it picks tstate, else 0 (it would pick another, or none). */
static int kernel_pick(const struct cb_layout *l, __u64 head, __u64 id, __u64 tstate)
{
	struct tsearch s = {};
	__u64 interp;
	int guessed;

	if (tsearch_init(&s, l, head, id))
		return 0;
	/* what bpf_loop does in the kernel */
	for (__u32 i = 0; i < 4096; i++)
		if (tsearch_step(i, &s))
			break;
	if (!s.first)
		return 0;
	return tsearch_pick(&s, &interp, &guessed) == tstate;
}

int walkhost__threads(int pid, const struct cb_layout *l, __u32 max_depth, walkhost_fn fn, void *ctx, int search)
{
	__u8 *tsbuf = xcalloc(CB_TSTATE_SPAN + 8, 1);
	__u8 *win = xcalloc(CB_WIN_BUF, 1);
	struct cb_stack *st = xcalloc(1, sizeof(*st));
	__u64 head = 0, interp, ts = 0;
	int n = -1, ninterp = 0;

	walk_pid = pid;
	if (max_depth > CB_MAX_DEPTH)
		max_depth = CB_MAX_DEPTH;
	if (mem__read(pid, l->runtime_addr + l->rt_interp_head, &head, 8) || !head)
		goto out;
	n = 0;
	/* every interpreter, newest first, as the kernel's search walks them */
	for (interp = head; interp && ninterp < 4096; ninterp++) {
		struct ucount uc = {};
		__u16 label = interp_label(l, interp, &uc);

		if (mem__read(pid, interp + l->interp_threads, &ts, 8))
			break;
		for (; ts; n++) {
			__u64 id, top = 0, base = 0, next = 0;
			struct fwalk w = {};
			__u32 status;

			if (n >= WALKHOST_MAX_TSTATES) {
				n = -2;
				goto out;
			}
			if (read_tstate(l, ts, tsbuf, &id, &top, &base, &status, NULL, &uc))
				goto out;
			if ((l->flags & CB_LF_CFRAME) && top &&
			    mem__read(pid, top + l->cframe_current, &top, 8))
				top = 0;
			memset(st, 0, sizeof(*st));
			fwalk_init(&w, l, st->frames, win, base, top, max_depth, 0);
			for (__u32 i = 0; i < CB_WALK_STEPS(max_depth); i++)
				if (fwalk_step(i, &w))
					break;
			st->depth = w.n;
			st->flags = w.truncated ? CB_STACK_TRUNCATED : 0;
			st->interp = label;
			/* the kernel's thread search must pick this thread state
			 * for its thread, at least when it is its only one or the
			 * current one */
			if (fn(st, ts, search && n < WALKHOST_SEARCHED ? kernel_pick(l, head, id, ts) : 1, ctx))
				goto out;
			if (mem__read(pid, ts + l->ts_next, &next, 8))
				goto out;
			ts = next;
		}
		if (mem__read(pid, interp + l->interp_next, &interp, 8))
			break;
	}
out:
	free(tsbuf);
	free(win);
	free(st);
	return n;
}

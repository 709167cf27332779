/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Python stack walker's core, shared by the BPF program and by plain host C
 * (user/cpython/walkhost.c: memory-image tests and the image recorder), so the logic
 * the kernel runs is also unit-tested without a kernel (as the OTel profiler
 * does with coredumps). The includer defines
 *   CB_READ(dst, len, src)  read len bytes of the target at address src; 0 on success
 *   CB_LOAD(type, p)        a value of type at p in a buffer already read; p may be
 *                           misaligned (a hostile frame pointer): host C defines it
 *                           with memcpy, BPF (x86-64, unaligned loads are fine) as a
 *                           plain load
 * and provides the __u8..__u64 types and __always_inline. Nothing here may call
 * a BPF helper or know a CPython version.
 */
#ifndef COLDBPF_WALKER_H
#define COLDBPF_WALKER_H

#ifndef CB_LOAD
#define CB_LOAD(type, p) (*(type *)(p))
#endif

static __always_inline __u64 mix64(__u64 h, __u64 v)
{
	/* one round of a multiply-xorshift mix; good enough to key stacks */
	h ^= v * 0x9e3779b97f4a7c15ULL;
	h = (h << 31) | (h >> 33);
	return h * 0xbf58476d1ce4e5b9ULL;
}

/* --- thread state lookup -------------------------------------------- */

struct tsearch {
	__u64 cur;
	__u64 fsbase;
	__u64 found;
	__u16 ts_next;
	__u16 ts_thread_id;
	int err;
};

static long tsearch_step(__u32 i, struct tsearch *s)
{
	__u64 id = 0, next = 0;

	if (!s->cur)
		return 1;
	if (CB_READ(&id, sizeof(id), s->cur + s->ts_thread_id)) {
		s->err = CB_ERR_READ_TSTATE;
		return 1;
	}
	if (id == s->fsbase) {
		s->found = s->cur;
		return 1;
	}
	if (CB_READ(&next, sizeof(next), s->cur + s->ts_next)) {
		s->err = CB_ERR_READ_TSTATE;
		return 1;
	}
	s->cur = next;
	return 0;
}

/* One read for both tstate->thread_id and the top-frame pointer: a helper
 * call costs more than the bytes between them. 0 on success. */
static __always_inline int read_tstate(const struct cb_layout *l, __u64 tstate, __u8 *buf,
				       __u64 *id, __u64 *top)
{
	__u32 lo = l->ts_thread_id < l->ts_frame ? l->ts_thread_id : l->ts_frame;
	__u32 hi = (l->ts_thread_id > l->ts_frame ? l->ts_thread_id : l->ts_frame) + 8;

	if (hi - lo > CB_TSTATE_SPAN)
		return -1;
	if (CB_READ(buf, hi - lo, tstate + lo))
		return -1;
	*id = CB_LOAD(__u64, buf + ((l->ts_thread_id - lo) & (CB_TSTATE_SPAN - 1)));
	*top = CB_LOAD(__u64, buf + ((l->ts_frame - lo) & (CB_TSTATE_SPAN - 1)));
	return 0;
}

/* --- frame walk ------------------------------------------------------- */

/*
 * A helper call per frame dominates the walk (~80 ns each here), so frames
 * are read through a window: one read copies up to CB_WINDOW bytes ending at
 * the end of the current frame. From 3.11 callers sit just below their
 * callees in the same data-stack chunk, so one read usually covers many
 * frames; when the next frame lies outside the window, a new one is read.
 * The walker still knows nothing of versions: it only asks "is it inside".
 */
struct fwalk {
	struct cb_frame *out;	/* the per-CPU scratch stack's frames */
	__u8 *win;		/* the per-CPU window buffer */
	__u64 win_lo, win_hi;	/* target addresses the window holds */
	__u64 frame;
	__u64 hash;
	__u64 code_mask;
	__u32 n;
	__u32 truncated;
	__u32 flags;
	__u32 depth_limit;
	__u32 reads;
	__u32 big;		/* next window read is CB_WINDOW bytes */
	__u16 f_back;
	__u16 f_code;
	__u16 f_lasti;
	__u16 f_owner;
	__u16 read;
	__u16 code_adaptive;
	__u8 owner_skip;
	int err;
};

static __always_inline int fill_window(struct fwalk *w, __u32 rd)
{
	__u64 hi = w->frame + rd, lo, page = w->frame & ~4095ULL, len;

	/* a read costs ~80 ns plus its bytes: small first, then large */
	/* branch on a 0/1 flag, not on the read count: the verifier must see the
	 * loop's states converge */
	w->reads++;
	if (!w->big) {
		w->big = 1;
		lo = hi - CB_WINDOW_FIRST;
		if (!CB_READ(w->win, CB_WINDOW_FIRST, lo))
			goto ok;
	} else {
		lo = hi - CB_WINDOW;
		if (!CB_READ(w->win, CB_WINDOW, lo))
			goto ok;
	}
	/* the window reached below a mapping: stay inside the frame's page */
	lo = page > lo ? page : lo;
	len = hi - lo;
	if (len > CB_WINDOW)
		return -1;
	if (CB_READ(w->win, len, lo))
		return -1;
ok:
	w->win_lo = lo;
	w->win_hi = hi;
	return 0;
}

static long fwalk_step(__u32 i, struct fwalk *w)
{
	struct cb_frame *out = w->out;
	__u8 *f, *win = w->win;
	__u64 code, back, off;
	__u32 n, rd;
	__s32 lasti;

	if (!w->frame || !out || !win)
		return 1;
	rd = w->read;
	if (rd > CB_FRAME_READ_MAX)
		rd = CB_FRAME_READ_MAX;
	if (w->frame < w->win_lo || w->frame + rd > w->win_hi) {
		if (fill_window(w, rd)) {
			w->err = CB_ERR_READ_FRAME;
			return 1;
		}
	}
	off = w->frame - w->win_lo;
	if (off >= CB_WINDOW)
		return 1;
	f = win + off;
	back = CB_LOAD(__u64, f + (w->f_back & CB_OFF_MASK));
	if (w->flags & CB_LF_OWNER) {
		if (f[w->f_owner & CB_OFF_MASK] >= w->owner_skip) {
			w->frame = back;	/* C-stack entry frame: not Python code */
			return 0;
		}
	}
	code = CB_LOAD(__u64, f + (w->f_code & CB_OFF_MASK)) & w->code_mask;
	if (!code) {
		w->frame = back;
		return 0;
	}
	if (w->n >= w->depth_limit) {
		w->truncated = 1;	/* one more Python frame than we keep */
		return 1;
	}
	if (w->flags & CB_LF_IPTR) {
		__u64 ip = CB_LOAD(__u64, f + (w->f_lasti & CB_OFF_MASK));

		/* arithmetic shift: a frame that has not started is negative */
		lasti = (__s32)((__s64)(ip - code - w->code_adaptive) >> 1);
	} else {
		lasti = CB_LOAD(__s32, f + (w->f_lasti & CB_OFF_MASK));
	}
	n = w->n & (CB_MAX_DEPTH - 1);
	out[n].code = code;
	out[n].lasti = lasti;
	out[n].pad = 0;
	w->hash = mix64(mix64(w->hash, code), (__u32)lasti);
	w->n++;
	w->frame = back;
	return 0;
}

/* Every Python frame may sit on a C-stack shim frame (3.12+): the loop bound. */
#define CB_WALK_STEPS(depth) (2 * (depth) + 2)

/* Start a walk at frame top, into out (frames) using win (window buffer). */
static __always_inline void fwalk_init(struct fwalk *w, const struct cb_layout *l,
				       struct cb_frame *out, __u8 *win, __u64 top, __u32 depth_limit)
{
	w->out = out;
	w->win = win;
	w->frame = top;
	w->code_mask = l->code_mask;
	w->flags = l->flags;
	w->depth_limit = depth_limit;
	w->f_back = l->f_back;
	w->f_code = l->f_code;
	w->f_lasti = l->f_lasti;
	w->f_owner = l->f_owner;
	w->read = l->frame_read;
	w->code_adaptive = l->code_adaptive;
	w->owner_skip = l->owner_skip;
}

#endif /* COLDBPF_WALKER_H */

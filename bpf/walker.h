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

/* Reads of target memory and their bytes, for one sample: the bar of the
 * walk's cost that does not depend on the host (--stats, make bench).
 * Counters only, never branched on (the verifier's states must converge). */
struct ucount {
	__u32 reads;
	__u32 bytes;
};

static __always_inline void ucount_add(struct ucount *uc, __u32 len)
{
	uc->reads++;
	uc->bytes += len;
}

/* --- thread state lookup -------------------------------------------- */

/*
 * Every interpreter of the process is walked (interpreters.head, then
 * ->next), and in each its thread states (all lists together at most the
 * walk bound, max_threads steps); every
 * thread state whose thread_id is the thread's FS base is a candidate (one
 * OS thread may hold thread states in several interpreters: a main thread
 * that runs code in a subinterpreter). One flat loop: when an interpreter's
 * list ends, the step moves to the next interpreter.
 */
struct tsearch {
	__u64 interp;		/* interpreter being walked */
	__u64 cur;		/* its thread state being looked at; 0: list ended */
	__u64 fsbase;
	__u64 first, first_interp;	/* the first candidate (newest interpreter) */
	__u64 current, current_interp;	/* the candidate provably current, if any */
	__u64 tcur;		/* CB_LF_TCURRENT: the GIL holder, read before the walk */
	/* flags only, never counters: the verifier checks the callback until
	 * its states converge, and a counter would never let them */
	__u32 several;		/* more than one candidate */
	__u32 multi;		/* more than one interpreter */
	__u32 done;		/* every list walked to its end */
	__u32 flags;		/* cb_layout.flags */
	__u32 status_active;
	__u16 ts_next;
	__u16 ts_thread_id;
	__u16 ts_status;
	__u16 interp_next;
	__u16 interp_threads;
	int err;
	__u32 reads;		/* 8-byte reads made (a counter, never branched on) */
};

/* Start a search at the head interpreter (already read, non-zero). */
static __always_inline int tsearch_init(struct tsearch *s, const struct cb_layout *l,
					__u64 head, __u64 fsbase)
{
	s->interp = head;
	s->fsbase = fsbase;
	s->flags = l->flags;
	s->status_active = l->status_active;
	s->ts_next = l->ts_next;
	s->ts_thread_id = l->ts_thread_id;
	s->ts_status = l->ts_status;
	s->interp_next = l->interp_next;
	s->interp_threads = l->interp_threads;
	s->reads++;	/* the caller may seed it (sampler.bpf.c: a value the verifier cannot know) */
	if ((l->flags & CB_LF_TCURRENT)) {
		s->reads++;
		if (CB_READ(&s->tcur, sizeof(s->tcur), l->runtime_addr + l->rt_tstate_current))
			s->tcur = 0;
	}
	return CB_READ(&s->cur, sizeof(s->cur), head + l->interp_threads);
}

/* Is tstate provably the one its OS thread runs now? 3.12+: the active bit
 * of its _status word (status); 3.8-3.11: it holds the GIL, which all
 * interpreters share (tcur, _PyRuntime.gilstate.tstate_current). */
static __always_inline int is_current(__u32 flags, __u32 status_active, __u32 status, __u64 tstate, __u64 tcur)
{
	if (flags & CB_LF_ACTIVE)
		return !!(status & status_active);
	return (flags & CB_LF_TCURRENT) && tstate == tcur;
}

static long tsearch_step(__u32 i, struct tsearch *s)
{
	__u64 id = 0, next = 0;
	__u32 st = 0;

	s->reads += 2;	/* every path reads two words, or fails on one */
	if (!s->cur) {
		/* this interpreter's list is done: on to the next interpreter */
		if (CB_READ(&next, sizeof(next), s->interp + s->interp_next)) {
			s->err = CB_ERR_READ_RUNTIME;
			return 1;
		}
		if (!next) {
			s->done = 1;
			return 1;
		}
		s->multi = 1;
		s->interp = next;
		if (CB_READ(&s->cur, sizeof(s->cur), next + s->interp_threads)) {
			s->err = CB_ERR_READ_RUNTIME;
			return 1;
		}
		return 0;
	}
	if (CB_READ(&id, sizeof(id), s->cur + s->ts_thread_id)) {
		s->err = CB_ERR_READ_TSTATE;
		return 1;
	}
	if (id == s->fsbase) {
		if (s->first) {
			s->several = 1;
		} else {
			s->first = s->cur;
			s->first_interp = s->interp;
		}
		if ((s->flags & CB_LF_ACTIVE)) {
			s->reads++;
			if (CB_READ(&st, sizeof(st), s->cur + s->ts_status))
				st = 0;
		}
		if (is_current(s->flags, s->status_active, st, s->cur, s->tcur)) {
			s->current = s->cur;
			s->current_interp = s->interp;
		}
	}
	if (CB_READ(&next, sizeof(next), s->cur + s->ts_next)) {
		s->err = CB_ERR_READ_TSTATE;
		return 1;
	}
	s->cur = next;
	return 0;
}

/* is_current for a cached tstate (status: its _status word, read with it);
 * 3.8-3.11 read the GIL holder now. */
static __always_inline int tstate_current(const struct cb_layout *l, __u64 tstate, __u32 status,
					  struct ucount *uc)
{
	__u64 cur = 0;

	if ((l->flags & CB_LF_TCURRENT)) {
		ucount_add(uc, sizeof(cur));
		if (CB_READ(&cur, sizeof(cur), l->runtime_addr + l->rt_tstate_current))
			return 0;
	}
	return is_current(l->flags, l->status_active, status, tstate, cur);
}

/* The id a stack of this interpreter is labelled with (saturated). */
static __always_inline __u16 interp_label(const struct cb_layout *l, __u64 interp, struct ucount *uc)
{
	__s64 id = 0;

	ucount_add(uc, sizeof(id));
	if (CB_READ(&id, sizeof(id), interp + l->interp_id) || id < 0)
		return CB_INTERP_ID_MAX;
	return id > CB_INTERP_ID_MAX ? CB_INTERP_ID_MAX : (__u16)id;
}

/* The candidate the thread runs now: the provably current one, else the
 * first found, i.e. the newest interpreter's (several candidates and none
 * provably current, GIL released: *guessed is set). */
static __always_inline __u64 tsearch_pick(const struct tsearch *s, __u64 *interp, int *guessed)
{
	*guessed = !s->current && s->several;
	*interp = s->current ? s->current_interp : s->first_interp;
	return s->current ? s->current : s->first;
}

/* CB_LF_GC_STATE: what the <gc> frame needs, from the same read */
struct tsgc {
	__u64 interp;	/* tstate->interp */
	__u32 gil;	/* the holds-GIL word, masked: non-zero when the thread holds it */
};

/* One read for tstate->thread_id, the top-frame pointer, (3.12+) the
 * _status word and (CB_LF_GC_STATE, into *g) the interpreter pointer and
 * the holds-GIL word: a helper call costs more than the bytes between them.
 * 0 on success. */
static __always_inline int read_tstate(const struct cb_layout *l, __u64 tstate, __u8 *buf,
				       __u64 *id, __u64 *top, __u64 *base, __u32 *status, struct tsgc *g,
				       struct ucount *uc)
{
	__u32 lo = l->ts_thread_id < l->ts_frame ? l->ts_thread_id : l->ts_frame;
	__u32 hi = (l->ts_thread_id > l->ts_frame ? l->ts_thread_id : l->ts_frame) + 8;

	if ((l->flags & CB_LF_ACTIVE) && l->ts_status < lo)
		lo = l->ts_status;
	if ((l->flags & CB_LF_ACTIVE) && (__u32)l->ts_status + 4 > hi)
		hi = l->ts_status + 4;
	if ((l->flags & CB_LF_BASEFRAME) && l->ts_base_frame < lo)
		lo = l->ts_base_frame;
	if ((l->flags & CB_LF_BASEFRAME) && (__u32)l->ts_base_frame + 8 > hi)
		hi = l->ts_base_frame + 8;
	if ((l->flags & CB_LF_GC_STATE)) {
		if (l->ts_interp < lo)
			lo = l->ts_interp;
		if ((__u32)l->ts_interp + 8 > hi)
			hi = l->ts_interp + 8;
		if (l->ts_holds_gil < lo)
			lo = l->ts_holds_gil;
		if ((__u32)l->ts_holds_gil + 4 > hi)
			hi = l->ts_holds_gil + 4;
	}
	__u32 len = hi - lo;

	if (hi <= lo || len > CB_TSTATE_SPAN)
		return -1;
	/* a no-op after the check, kept from the compiler (empty asm) so that
	 * the verifier sees a bound on the length (buf, a window buffer, is
	 * larger than twice the span) */
	asm volatile("" : "+r"(len));
	len &= 2 * CB_TSTATE_SPAN - 1;
	ucount_add(uc, len);
	if (CB_READ(buf, len, tstate + lo))
		return -1;
	*id = CB_LOAD(__u64, buf + ((l->ts_thread_id - lo) & (CB_TSTATE_SPAN - 1)));
	*top = CB_LOAD(__u64, buf + ((l->ts_frame - lo) & (CB_TSTATE_SPAN - 1)));
	*base = (l->flags & CB_LF_BASEFRAME) ?
		CB_LOAD(__u64, buf + ((l->ts_base_frame - lo) & (CB_TSTATE_SPAN - 1))) : 0;
	*status = (l->flags & CB_LF_ACTIVE) ?
		CB_LOAD(__u32, buf + ((l->ts_status - lo) & (CB_TSTATE_SPAN - 1))) : 0;
	if (g && (l->flags & CB_LF_GC_STATE)) {
		g->interp = CB_LOAD(__u64, buf + ((l->ts_interp - lo) & (CB_TSTATE_SPAN - 1)));
		g->gil = CB_LOAD(__u32, buf + ((l->ts_holds_gil - lo) & (CB_TSTATE_SPAN - 1))) &
			 l->holds_gil_mask;
	}
	return 0;
}

/* --- frame walk ------------------------------------------------------- */

/*
 * A helper call per frame dominates the walk (~80 ns each here), so frames
 * are read through a window: one read copies the bytes ending at the end of
 * the current frame. From 3.11 callers sit just below their callees in the
 * same data-stack chunk, so one read usually covers the whole stack: it
 * reaches down to the bottom frame the thread's last walk found (cached per
 * thread by the caller), else CB_WINDOW_FIRST bytes; any later window is
 * CB_WINDOW bytes. A frame that is not just below the frame the walk came
 * from (a C-stack shim frame on 3.12+, a frame in an older chunk, a heap
 * frame before 3.11) is read alone into the slot after the window, which
 * stays valid: the walk returns into it after a shim without a read.
 * The walker still knows nothing of versions: it only asks "is it inside",
 * "is it just below".
 */
struct fwalk {
	struct cb_frame *out;	/* the per-CPU scratch stack's frames */
	__u8 *win;		/* the per-CPU window buffer, CB_WIN_BUF bytes */
	__u64 win_lo, win_hi;	/* target addresses the window holds */
	__u64 prev;		/* the frame the walk came from; 0 at the top */
	__u64 top_hi;		/* end of the first window (the stack's top) */
	__u64 low;		/* lowest frame found in a window */
	__u64 frame;
	__u64 base;		/* the thread's sentinel bottom frame (3.15+), or 0 */
	__u64 hash;
	__u64 code_mask;
	__u32 n;
	__u32 truncated;
	__u32 flags;
	__u32 depth_limit;
	__u32 reads;		/* window reads (not single frames) */
	__u32 big;		/* next window read is CB_WINDOW bytes */
	__u32 bounded;		/* a window read failed below a mapping: read pages */
	__u32 first_len;	/* bytes of the first window read */
	struct ucount uc;	/* every read of the walk */
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

	/* branch on a 0/1 flag, not on the read count: the verifier must see the
	 * loop's states converge */
	w->reads++;
	if (!w->big) {
		w->big = 1;
		w->top_hi = hi;
		len = w->first_len;
	} else {
		len = CB_WINDOW;
	}
	if (len > CB_WINDOW)
		len = CB_WINDOW;
	if (len < rd)
		len = rd;
	lo = hi - len;
	if (w->bounded)
		goto page;	/* a window of this walk failed: no more failed reads */
	ucount_add(&w->uc, len);
	if (!CB_READ(w->win, len, lo))
		goto ok;
	/* the window reached below a mapping (the start of a data-stack chunk,
	 * which is a mapping of its own): stay inside the frame's page, and so
	 * do the walk's next windows (a flag: the states must converge) */
	w->bounded = 1;
page:
	lo = page > lo ? page : lo;
	len = hi - lo;
	if (len > CB_WINDOW)
		return -1;
	ucount_add(&w->uc, len);
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
	__u64 code, back, off, prev = w->prev;
	__u32 n, rd;
	__s32 lasti;

	if (!w->frame || !out || !win || w->frame == w->base)
		return 1;
	rd = w->read;
	if (rd > CB_FRAME_READ_MAX)
		rd = CB_FRAME_READ_MAX;
	if (w->frame < w->win_lo || w->frame + rd > w->win_hi) {
		if (prev && (w->frame >= prev || prev - w->frame >= CB_WINDOW)) {
			/* elsewhere: read this frame alone, keep the window */
			ucount_add(&w->uc, rd);
			if (CB_READ(win + CB_WINDOW, rd, w->frame)) {
				w->err = CB_ERR_READ_FRAME;
				return 1;
			}
			f = win + CB_WINDOW;
			goto got;
		}
		/* the top, or just below the last frame: the stack goes on here */
		if (fill_window(w, rd)) {
			w->err = CB_ERR_READ_FRAME;
			return 1;
		}
	}
	off = w->frame - w->win_lo;
	if (off >= CB_WINDOW)
		return 1;
	f = win + off;
	w->low = w->frame;
got:
	back = CB_LOAD(__u64, f + (w->f_back & CB_OFF_MASK));
	w->prev = w->frame;
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

/* The lowest frame this walk found in a window: the thread's stack bottom,
 * cached per thread, from which its next walk reads in one go. */
static __always_inline __u64 fwalk_low(const struct fwalk *w)
{
	return w->low;
}

/* Every Python frame may sit on a C-stack shim frame (3.12+): the loop bound. */
#define CB_WALK_STEPS(depth) (2 * (depth) + 2)

/* Start a walk at frame top, into out (frames) using win (window buffer,
 * CB_WIN_BUF bytes); low is the bottom the thread's last walk found
 * (fwalk_low), or 0. */
static __always_inline void fwalk_init(struct fwalk *w, const struct cb_layout *l,
				       struct cb_frame *out, __u8 *win, __u64 base, __u64 top,
				       __u32 depth_limit, __u64 low)
{
	__u64 hi = top + l->frame_read;

	/* the stack's bottom moves less than its top (a leaf calling in and
	 * out): the first window reads from the bottom the thread's last walk
	 * found, which lies inside its data-stack chunk, so the read does not
	 * fail below the chunk's mapping; computed once, here, not in the loop */
	if (!low || low >= hi)
		w->first_len = CB_WINDOW_FIRST;
	else
		w->first_len = hi - low <= CB_WINDOW ? (__u32)(hi - low) : CB_WINDOW;
	w->out = out;
	w->win = win;
	w->frame = top;
	/* 3.15's stacks end at the sentinel tstate->base_frame points to (in
	 * the thread state, away from the data stack): stopping there saves a
	 * read per sample; base is 0 before 3.15 */
	w->base = base;
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

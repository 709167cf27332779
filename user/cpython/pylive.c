// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/pylive.h"
#include "cpython/pyobj.h"
#include "lib/mem.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_THREADS 64		/* thread states looked at */
#define MAX_FRAMES 64		/* frames per thread */
#define MAX_CHUNKS 16		/* data-stack chunks per thread */
#define CHUNK_HDR 24		/* _PyStackChunk: previous, size, top; then data */
#define CHUNK_MAX (64u << 20)	/* a chunk is 16 KiB or one frame's worth, far below */
#define TS_MAX 8192		/* thread_state.size's bound (pylayout.c, future_check) */
#define ATTEMPTS 5		/* the process runs while it is read: a race fails one */
#define OWNED_BY_THREAD 0	/* _PyInterpreterFrame.owner (3.11+) */

static uint64_t u64_at(const uint8_t *b, size_t pos)
{
	uint64_t v;

	memcpy(&v, b + pos, 8);
	return v;
}

struct walk {
	int pid;
	const struct pylayout *l;
	bool settled;		/* past its start: an empty list is wrong, not early */
	uint64_t code_type;	/* known or found; 0: not yet */
	struct pylive_stats st;
	char *why;
	size_t whysz;
};

static enum pylive fail(struct walk *w, const char *fmt, uint64_t a, unsigned off)
{
	snprintf(w->why, w->whysz, fmt, a, off);
	return PYLIVE_FAIL;
}

/* Is the type at t the code type ("code" by its tp_name)? */
static bool named_code(struct walk *w, uint64_t t)
{
	uint64_t name;
	char s[5];

	if (!t || (t & 7) || mem__read(w->pid, t + w->l->tp_name, &name, 8) || !name ||
	    mem__read(w->pid, name, s, sizeof(s)))
		return false;
	return !memcmp(s, "code", 5);
}

/* The object at code is a live code object. */
static enum pylive check_code(struct walk *w, uint64_t code)
{
	const struct pylayout *l = w->l;
	uint8_t hdr[72];
	uint64_t t;

	if (!code || (code & 7) || mem__read(w->pid, code, hdr, l->ob_type + 8u) || !pyobj__live(l, hdr))
		return fail(w, "a frame's code object at 0x%" PRIx64 " is not a live object "
			    "(interpreter_frame.executable +%u)", code, l->bpf.f_code);
	t = u64_at(hdr, l->ob_type);
	if (!w->code_type && named_code(w, t))
		w->code_type = t;
	if (t != w->code_type)
		return fail(w, "a frame's code object at 0x%" PRIx64 " does not have the code type "
			    "(interpreter_frame.executable +%u)", code, l->bpf.f_code);
	w->st.codes++;
	return PYLIVE_OK;
}

/* A thread-owned frame lies in the current chunk, below datastack_top, or
 * in one of the chunks before it. */
static bool in_stack(struct walk *w, uint64_t frame, uint64_t chunk, uint64_t top)
{
	uint64_t h[3];

	if (frame >= chunk + CHUNK_HDR && frame < top)
		return true;
	if (mem__read(w->pid, chunk, h, sizeof(h)))
		return false;
	for (int i = 0; i < MAX_CHUNKS && h[0]; i++) {
		chunk = h[0];
		if ((chunk & 7) || mem__read(w->pid, chunk, h, sizeof(h)) || h[1] > CHUNK_MAX)
			return false;
		if (frame >= chunk + CHUNK_HDR && frame < chunk + h[1])
			return true;
	}
	return false;
}

static enum pylive check_thread(struct walk *w, uint64_t interp, const uint8_t *ts)
{
	const struct pylayout *l = w->l;
	const struct cb_layout *b = &l->bpf;
	uint64_t frame = u64_at(ts, b->ts_frame), base = 0, h[3];
	uint64_t chunk = u64_at(ts, l->ts_datastack), top = u64_at(ts, l->ts_datastack + 8);
	uint64_t limit = u64_at(ts, l->ts_datastack + 16);
	uint8_t fr[CB_FRAME_READ_MAX];

	if (u64_at(ts, l->ts_interp_off) != interp)
		return fail(w, "a thread state's interpreter 0x%" PRIx64 " is not the one that lists it "
			    "(thread_state.interp +%u)", u64_at(ts, l->ts_interp_off), l->ts_interp_off);
	w->st.threads++;
	if (b->flags & CB_LF_BASEFRAME)
		base = u64_at(ts, b->ts_base_frame);
	if (!frame || frame == base)
		return PYLIVE_OK;	/* no Python running on this thread (its data stack may not exist) */
	if (!chunk || (chunk & 7) || top <= chunk || top > limit || limit - chunk > CHUNK_MAX ||
	    mem__read(w->pid, chunk, h, sizeof(h)) || h[1] != limit - chunk)
		return fail(w, "the data-stack chunk at 0x%" PRIx64 " disagrees with datastack_top and "
			    "datastack_limit (thread_state.datastack_chunk +%u)", chunk, l->ts_datastack);
	for (int i = 0; i < MAX_FRAMES && frame && frame != base; i++) {
		uint8_t owner = 0;
		enum pylive r;

		if ((frame & 7) || mem__read(w->pid, frame, fr, b->frame_read))
			return fail(w, "cannot read the frame at 0x%" PRIx64 " (thread_state.current_frame +%u)",
				    frame, b->ts_frame);
		if (b->flags & CB_LF_OWNER)
			owner = fr[b->f_owner];
		if (!(b->flags & CB_LF_OWNER) || owner < b->owner_skip) {
			if (owner == OWNED_BY_THREAD) {
				if (!in_stack(w, frame, chunk, top))
					return fail(w, "the frame at 0x%" PRIx64 " lies outside its thread's data "
						    "stack (thread_state.current_frame +%u)", frame, b->ts_frame);
				w->st.frames++;
			}
			r = check_code(w, u64_at(fr, b->f_code) & b->code_mask);
			if (r != PYLIVE_OK)
				return r;
		}
		frame = u64_at(fr, b->f_back);
	}
	return PYLIVE_OK;
}

static enum pylive attempt(struct walk *w)
{
	const struct pylayout *l = w->l;
	const struct cb_layout *b = &l->bpf;
	uint8_t ts[TS_MAX];
	uint64_t interp, tstate;

	memset(&w->st, 0, sizeof(w->st));
	w->code_type = l->code_type;
	if (w->code_type && !named_code(w, w->code_type))
		return fail(w, "PyCode_Type at 0x%" PRIx64 " is not named \"code\" (type_object.tp_name +%u)",
			    w->code_type, l->tp_name);
	if (mem__read(w->pid, b->runtime_addr + b->rt_interp_head, &interp, 8))
		return fail(w, "cannot read _PyRuntime at 0x%" PRIx64 " (runtime_state.interpreters_head +%u)",
			    b->runtime_addr, b->rt_interp_head);
	if (!interp && w->settled)
		return fail(w, "_PyRuntime at 0x%" PRIx64 " lists no interpreter in a process past its start "
			    "(runtime_state.interpreters_head +%u)", b->runtime_addr, b->rt_interp_head);
	if (!interp) {
		snprintf(w->why, w->whysz, "no interpreter yet");
		return PYLIVE_NOT_YET;
	}
	if ((interp & 7) || mem__read(w->pid, interp + b->interp_threads, &tstate, 8))
		return fail(w, "cannot read the interpreter at 0x%" PRIx64 " (interpreter_state.threads_head +%u)",
			    interp, b->interp_threads);
	/* the main thread's state exists from the interpreter's first moments */
	if (!tstate && w->settled)
		return fail(w, "the interpreter at 0x%" PRIx64 " lists no thread state in a process past its start "
			    "(interpreter_state.threads_head +%u)", interp, b->interp_threads);
	for (int n = 0; n < MAX_THREADS && tstate; n++) {
		enum pylive r;

		if (l->ts_size > TS_MAX || (tstate & 7) || mem__read(w->pid, tstate, ts, l->ts_size))
			return fail(w, "cannot read the thread state at 0x%" PRIx64 " (interpreter_state.threads_head "
				    "+%u)", tstate, b->interp_threads);
		r = check_thread(w, interp, ts);
		if (r != PYLIVE_OK)
			return r;
		tstate = u64_at(ts, b->ts_next);
	}
	if (!w->st.frames || !w->st.codes) {
		snprintf(w->why, w->whysz, "no Python frame to check yet");
		return PYLIVE_NOT_YET;
	}
	return PYLIVE_OK;
}

enum pylive pylive__verify(int pid, const struct pylayout *l, bool settled, struct pylive_stats *st, char *why,
			   size_t whysz)
{
	struct walk w = { .pid = pid, .l = l, .settled = settled, .why = why, .whysz = whysz };
	enum pylive r = PYLIVE_FAIL;

	/* the offsets it reads: bounded by future_check (pylayout.c) */
	if (l->ts_size > TS_MAX || l->ts_interp_off + 8u > l->ts_size || l->ts_datastack + 24u > l->ts_size ||
	    l->bpf.ts_frame + 8u > l->ts_size || l->bpf.ts_next + 8u > l->ts_size ||
	    l->bpf.ts_base_frame + 8u > l->ts_size || l->bpf.frame_read > CB_FRAME_READ_MAX ||
	    l->bpf.f_owner >= l->bpf.frame_read || l->bpf.f_code + 8u > l->bpf.frame_read ||
	    l->bpf.f_back + 8u > l->bpf.frame_read || l->ob_type + 8u > 72) {
		snprintf(why, whysz, "the layout's offsets exceed what the live check reads");
		return PYLIVE_FAIL;
	}
	for (int i = 0; i < ATTEMPTS; i++) {
		r = attempt(&w);
		if (r != PYLIVE_FAIL)
			break;	/* OK, or nothing to check yet: retrying now shows no more */
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	if (st)
		*st = w.st;
	return r;
}

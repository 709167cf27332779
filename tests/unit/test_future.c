// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A CPython newer than the newest row (3.16+): the table checks
 * (pylayout.c, future_check) and the live check (cpython/pylive.c). */
#include <criterion/criterion.h>
#include <string.h>
#include <stdio.h>
#include "cpython/pylayout.h"
#include "cpython/pylive.h"
#include "lib/mem.h"

#define FAKE_PID 0x7ffffff1	/* reads of this PID are served by the image */

static void put(uint8_t *buf, size_t pos, uint64_t v)
{
	memcpy(buf + pos, &v, 8);
}

/* _Py_DebugOffsets of sid's python3.15 (3.15.2), bytes 24 to 888 */
static const uint64_t v315[] = {
	346568, 912, 936, 226240, 7272, 7264, 7336, 7352, 7400, 7592, 7576, 7584, 16, 7736, 0, 7752, 7744,
	7944, 0, 888, 0, 8, 16, 72, 80, 88, 96, 176, 184, 256, 32, 36, 40, 136, 288, 0, 88, 8, 0, 56, 80,
	74, 64, 0, 216, 112, 120, 128, 136, 68, 52, 96, 104, 208, 0, 16, 8, 424, 24, 88, 168, 32, 288,
	944, 888, 40, 32, 16, 40, 24, 16, 200, 24, 40, 32, 48, 32, 40, 24, 16, 32, 16, 24, 40, 16, 32, 64,
	32, 16, 40, 56, 176, 112, 120, 1120, 104, 160, 24, 72, 67, 0, 8, 24, 344, 8028, 0, 4, 512
};

static size_t dbg(uint8_t *buf, uint64_t hex)
{
	memset(buf, 0, 1024);
	memcpy(buf, "xdebugpy", 8);
	put(buf, 8, hex);
	for (size_t i = 0; i < sizeof(v315) / sizeof(v315[0]); i++)
		put(buf, 24 + 8 * i, v315[i]);
	return 888;
}

static int parse(const uint8_t *buf, size_t len, struct pylayout *l, char *why)
{
	return pylayout__from_debug_offsets(buf, len, l, why, 300);
}

Test(future, final_release_read_with_the_newest_row)
{
	uint8_t buf[1024];
	struct pylayout known, l;
	char why[300];

	cr_assert_eq(parse(buf, dbg(buf, 0x030f02f0), &known, why), 0, "%s", why);
	cr_assert(!known.future);
	cr_assert_eq(parse(buf, dbg(buf, 0x031000f0), &l, why), 0, "%s", why);
	cr_assert(l.future);
	cr_assert_eq(l.minor, 16, "the process's own minor: no opcode table knows it");
	cr_assert_eq(l.known_minor, 15);
	cr_assert_eq(l.ts_interp_off, 16);
	cr_assert_eq(l.ts_datastack, 256);
	cr_assert_eq(l.tp_name, 24);
	cr_assert_eq(l.ts_size, 888);
	cr_assert_eq(l.row_ndiff, 0);
	cr_assert_neq(known.bpf.gc_collecting, 0);
	cr_assert_eq(l.bpf.gc_collecting, 0, "no <gc> frame from a gc section nothing proves");
	known.bpf.gc_collecting = 0;
	known.bpf.ts_interp = known.bpf.ts_holds_gil = known.bpf.holds_gil_mask = 0;
	cr_assert_eq(memcmp(&l.bpf, &known.bpf, sizeof(l.bpf)), 0, "the walker gets 3.15's offsets");

	struct elfinfo e;

	memset(&e, 0, sizeof(e));
	e.is_python = true;
	e.runtime = 0x1000;
	e.runtime_head_len = dbg(e.runtime_head, 0x031002f0);
	cr_assert_eq(pylayout__resolve(&e, "/usr/bin/python3.16", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(l.method, PYLAYOUT_METHOD_FUTURE);
	cr_assert_str_eq(l.version, "3.16.2");
	e.runtime_head_len = dbg(e.runtime_head, 0x031500f0);	/* 3.21: as far from the row */
	cr_assert_eq(pylayout__resolve(&e, "/usr/bin/python3", &l, why, sizeof(why)), 0, "%s", why);
	cr_assert(l.future);
}

Test(future, pre_release_and_free_threaded_refused)
{
	uint8_t buf[1024];
	struct pylayout l;
	char why[300];

	cr_assert_eq(parse(buf, dbg(buf, 0x031000a3), &l, why), -1);
	cr_assert(strstr(why, "CPython 3.16.0 pre-release (a3) is not supported"), "%s", why);
	cr_assert_eq(parse(buf, dbg(buf, 0x031001c1), &l, why), -1);
	cr_assert(strstr(why, "pre-release (c1)"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 16, 1);
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "free-threaded CPython 3.16t is not supported"), "%s", why);
	put(buf, 16, 0x100);	/* not a flag */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "free_threaded is not 0"), "%s", why);
}

Test(future, truncated_and_sizes_too_small_refused)
{
	uint8_t buf[1024];
	struct pylayout l;
	char why[300];

	cr_assert_eq(parse(buf, dbg(buf, 0x031000f0) - 8, &l, why), -1);
	cr_assert(strstr(why, "truncated"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 376, 200);	/* code_object.size below co_code_adaptive (208) */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "outside the size its section states"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 176, 272);	/* thread_state.size: datastack_chunk, _top, _limit (256..280) outside */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "thread_state.datastack_chunk"), "%s", why);
	cr_assert(strstr(why, "newer than coldbpf knows"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 48, 300000000);	/* interpreter_state.size: no such interpreter */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "interpreter_state.size out of range"), "%s", why);
}

Test(future, shifted_offsets_and_tables_refused)
{
	uint8_t buf[1024], moved[1024];
	struct pylayout l;
	char why[300];

	dbg(buf, 0x031000f0);
	put(buf, 208, 72 + 8);	/* current_frame onto base_frame */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "thread_state offsets overlap"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 208, 72 + 4);	/* not a pointer's alignment */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "8-byte aligned"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 392, 128);	/* co_name and co_qualname swapped */
	put(buf, 400, 120);
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	cr_assert(strstr(why, "out of CPython's order"), "%s", why);
	dbg(buf, 0x031000f0);
	put(buf, 472, 16);	/* ob_type: not the object header every build has */
	cr_assert_eq(parse(buf, 888, &l, why), -1);
	/* the table's own layout changed: a field added to every section
	 * moves what follows by 8, 16, ... (read at 3.15's positions) */
	for (size_t at = 32; at <= 736; at += 8) {	/* 736: the last entry read (no gc section) */
		dbg(buf, 0x031000f0);
		memcpy(moved, buf, at);
		put(moved, at, 64);
		memcpy(moved + at + 8, buf + at, 1016 - at);
		cr_assert_eq(parse(moved, 888, &l, why), -1, "a field inserted at %zu passed", at);
	}
	/* threads_head by 8: within its section, apart from the others: the
	 * table cannot tell; the live check does (below) */
	dbg(buf, 0x031000f0);
	put(buf, 72, 7336 + 8);
	cr_assert_eq(parse(buf, 888, &l, why), 0, "%s", why);
	cr_assert_eq(l.row_ndiff, 1);
}

/* A synthetic process for the live check: one interpreter, one thread of
 * two frames in its data-stack chunk, a sentinel base frame. */
#define RT 0x10000ULL
#define INTERP 0x20000ULL
#define TS 0x30000ULL
#define CHUNK 0x40000ULL
#define F2 (CHUNK + 24)
#define F1 (CHUNK + 24 + 0x100)
#define BASE 0x48000ULL
#define CODE 0x50000ULL
#define CT 0x60000ULL
#define NAME 0x70000ULL
#define OTHER 0x80000ULL

static uint8_t rt[1024], interp[8192], ts[888], chunk[0x4000], code[64], ctype[64], name[8], other[128];
static struct memregion regions[] = {
	{ RT, sizeof(rt), rt }, { INTERP, sizeof(interp), interp }, { TS, sizeof(ts), ts },
	{ CHUNK, sizeof(chunk), chunk }, { CODE, sizeof(code), code }, { CT, sizeof(ctype), ctype },
	{ NAME, sizeof(name), name }, { OTHER, sizeof(other), other },
};
static struct memimage img = { .regions = regions, .nregions = 8 };

static void process(struct pylayout *l)
{
	uint8_t buf[1024];
	char why[300];

	cr_assert_eq(parse(buf, dbg(buf, 0x031000f0), l, why), 0, "%s", why);
	l->bpf.runtime_addr = RT;
	l->code_type = CT;
	memset(rt, 0, sizeof(rt));
	memset(interp, 0, sizeof(interp));
	memset(ts, 0, sizeof(ts));
	memset(chunk, 0, sizeof(chunk));
	put(rt, 936, INTERP);		/* interpreters_head */
	put(interp, 7336, TS);		/* threads_head */
	put(interp, 7344, 1);		/* the next field: a count */
	put(ts, 16, INTERP);		/* interp */
	put(ts, 72, F1);		/* current_frame */
	put(ts, 80, BASE);		/* base_frame */
	put(ts, 256, CHUNK);		/* datastack_chunk, _top, _limit */
	put(ts, 264, F1 + 0x100);
	put(ts, 272, CHUNK + sizeof(chunk));
	put(chunk, 8, sizeof(chunk));	/* chunk->size */
	put(chunk, F1 - CHUNK + 0, CODE | 1);	/* f_executable, a tagged reference */
	put(chunk, F1 - CHUNK + 8, F2);	/* previous */
	put(chunk, F2 - CHUNK + 0, CODE);
	put(chunk, F2 - CHUNK + 8, BASE);
	put(code, 0, 5);		/* ob_refcnt */
	put(code, 8, CT);
	put(ctype, 0, 0xffffffff);
	put(ctype, 24, NAME);		/* tp_name */
	memcpy(name, "code", 5);
	mem__use_image(FAKE_PID, &img);
}

static enum pylive check(const struct pylayout *l, struct pylive_stats *st, char *why)
{
	return pylive__verify(FAKE_PID, l, false, st, why, 300);
}

Test(future, live_check_passes_on_a_consistent_process)
{
	struct pylayout l;
	struct pylive_stats st;
	char why[300];

	process(&l);
	cr_assert_eq(check(&l, &st, why), PYLIVE_OK, "%s", why);
	cr_assert_eq(st.threads, 1);
	cr_assert_eq(st.frames, 2);
	cr_assert_eq(st.codes, 2);
	l.code_type = 0;	/* no PyCode_Type symbol: found by its name */
	cr_assert_eq(check(&l, &st, why), PYLIVE_OK, "%s", why);
	put(ts, 72, BASE);	/* at its base frame: no Python running, no data stack needed */
	put(ts, 256, 0);
	cr_assert_eq(check(&l, &st, why), PYLIVE_NOT_YET, "%s", why);
	put(ts, 256, CHUNK);
	put(ts, 72, 0);		/* no Python running yet */
	cr_assert_eq(check(&l, &st, why), PYLIVE_NOT_YET);
	cr_assert(strstr(why, "no Python frame"), "%s", why);
	cr_assert_eq(pylive__verify(FAKE_PID, &l, true, &st, why, 300), PYLIVE_NOT_YET, "a C REPL waiting");
	put(interp, 7336, 0);	/* no thread state: early, or wrong once settled */
	cr_assert_eq(check(&l, &st, why), PYLIVE_NOT_YET);
	cr_assert_eq(pylive__verify(FAKE_PID, &l, true, &st, why, 300), PYLIVE_FAIL);
	cr_assert(strstr(why, "lists no thread state"), "%s", why);
	put(rt, 936, 0);
	cr_assert_eq(check(&l, &st, why), PYLIVE_NOT_YET);
	cr_assert_eq(pylive__verify(FAKE_PID, &l, true, &st, why, 300), PYLIVE_FAIL);
	cr_assert(strstr(why, "lists no interpreter"), "%s", why);
	mem__use_image(FAKE_PID, NULL);
}

Test(future, live_check_names_what_failed)
{
	struct pylayout l;
	char why[300];

	process(&l);
	put(ts, 16, INTERP + 8);
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "thread_state.interp +16"), "%s", why);

	process(&l);
	l.bpf.interp_threads += 8;	/* threads_head shifted: reads the count */
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "threads_head"), "%s", why);

	process(&l);
	put(ts, 72, OTHER);		/* a frame outside the data stack */
	memcpy(other, chunk + (F1 - CHUNK), sizeof(other));
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "outside its thread's data stack"), "%s", why);

	process(&l);
	put(chunk, 8, sizeof(chunk) - 64);	/* the chunk's size against datastack_limit */
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "datastack_chunk +256"), "%s", why);

	process(&l);
	memcpy(name, "dict", 5);	/* PyCode_Type is not the code type */
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "not named \"code\""), "%s", why);
	l.code_type = 0;		/* nor is any type found by its name */
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "does not have the code type"), "%s", why);

	process(&l);
	put(chunk, F2 - CHUNK, OTHER);	/* the second frame's code: not an object */
	memset(other, 0, sizeof(other));
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	cr_assert(strstr(why, "not a live object"), "%s", why);

	process(&l);
	l.ts_size = 9000;		/* beyond what it reads */
	cr_assert_eq(check(&l, NULL, why), PYLIVE_FAIL);
	mem__use_image(FAKE_PID, NULL);
}

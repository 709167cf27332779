// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Evidence markers per version, on synthetic code-object headers and bytecode. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/evidence.h"
#include "deadcode/ignorefile.h"

static struct pylayout layout_of(int minor)
{
	struct pylayout l;

	cr_assert_eq(pylayout__from_table(3, minor, &l), 0);
	return l;
}

Test(evidence, markers_38_to_311)
{
	uint8_t code[256] = {};
	struct pylayout l = layout_of(9);
	int32_t one = 1;
	int16_t warm = -8, warmed = -7;

	cr_assert_eq(evidence__status(&l, code, NULL, 0, 0), EV_NEVER);
	memcpy(code + 168, &one, 4);	/* co_opcache_flag */
	cr_assert_eq(evidence__status(&l, code, NULL, 0, 0), EV_RAN);
	memset(code, 0, sizeof(code));
	memset(code + 128, 0xff, 8);	/* a zombie frame alone is no evidence */
	cr_assert_eq(evidence__status(&l, code, NULL, 0, 0), EV_NEVER);
	l = layout_of(11);
	memset(code, 0, sizeof(code));
	memcpy(code + 52, &warm, 2);	/* co_warmup */
	cr_assert_eq(evidence__status(&l, code, NULL, 0, 0), EV_NEVER);
	memcpy(code + 52, &warmed, 2);
	cr_assert_eq(evidence__status(&l, code, NULL, 0, 0), EV_RAN);
}

Test(evidence, resume_313_314)
{
	uint8_t code[256] = {}, bc[8] = {};
	struct pylayout l = layout_of(13);
	int32_t ft = 1;

	memcpy(code + 184, &ft, 4);	/* _co_firsttraceable */
	bc[2] = 149;	/* RESUME */
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_NEVER);
	bc[2] = 207;	/* RESUME_CHECK */
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_RAN);
	bc[2] = 236;	/* INSTRUMENTED_RESUME: no claim */
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_UNKNOWN);
	l = layout_of(14);
	memset(code, 0, sizeof(code));
	memcpy(code + 192, &ft, 4);
	bc[2] = 128;
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_NEVER);
	bc[2] = 196;
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_RAN);
	ft = 9;	/* out of range: garbage */
	memcpy(code + 192, &ft, 4);
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_UNKNOWN);
}

/* Monitoring puts RESUME back (de-instrumentation) and Python code run by a
 * trace or profile callback keeps it: never "never-ran" then. */
Test(evidence, monitoring_makes_resume_unknown)
{
	uint8_t code[256] = {}, bc[8] = {};
	struct pylayout l = layout_of(13);
	int32_t ft = 1;
	uint64_t one = 1;

	memcpy(code + 184, &ft, 4);
	bc[2] = 149;	/* RESUME */
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_NEVER);
	cr_assert_eq(evidence__status(&l, code, bc, 4, EV_F_MONITORED), EV_UNKNOWN,
		     "monitoring was on in the process");
	memcpy(code + 168, &one, 8);	/* _co_instrumentation_version */
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_UNKNOWN, "instrumented code object");
	bc[2] = 207;	/* RESUME_CHECK: ran, whatever happened since */
	cr_assert_eq(evidence__status(&l, code, bc, 4, EV_F_MONITORED), EV_RAN);
	memset(code + 168, 0, 8);
	memcpy(code + 176, &one, 8);	/* _co_monitoring */
	bc[2] = 149;
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_UNKNOWN, "monitoring data");
}

Test(evidence, adaptive_counters_312)
{
	/* RESUME; LOAD_GLOBAL(+4 cache); ... ; RETURN_VALUE */
	uint8_t code[256] = {}, bc[32] = {};
	struct pylayout l = layout_of(12);
	int32_t ft = 0;

	memcpy(code + 176, &ft, 4);
	bc[0] = 151;		/* RESUME */
	bc[2] = 116;		/* LOAD_GLOBAL: adaptive, 4 cache entries */
	bc[4] = 0x11;		/* warm-up counter 0x0011 */
	bc[12] = 83;		/* RETURN_VALUE */
	cr_assert_eq(evidence__status(&l, code, bc, 7, 0), EV_NEVER, "untouched first instruction: witness");
	bc[4] = 0x01;
	cr_assert_eq(evidence__status(&l, code, bc, 7, 0), EV_RAN, "counter lowered by a run");
	/* a jump before the first adaptive instruction: it may have been skipped */
	memset(bc, 0, sizeof(bc));
	bc[0] = 151;
	bc[2] = 114;		/* POP_JUMP_IF_FALSE */
	bc[4] = 116;
	bc[6] = 0x11;
	bc[14] = 83;
	cr_assert_eq(evidence__status(&l, code, bc, 8, 0), EV_UNKNOWN);
	/* no adaptive instruction at all: RESUME; RETURN_CONST */
	memset(bc, 0, sizeof(bc));
	bc[0] = 151;
	bc[2] = 121;		/* RETURN_CONST */
	cr_assert_eq(evidence__status(&l, code, bc, 2, 0), EV_UNKNOWN);
	/* LOAD_GLOBAL back at warm-up with a dict-keys version in its cache:
	 * it specialized once (then deoptimized and failed to re-specialize):
	 * no witness */
	memset(bc, 0, sizeof(bc));
	bc[0] = 151;
	bc[2] = 116;
	bc[4] = 0x11;
	bc[8] = 0x2a;		/* module_keys_version */
	bc[12] = 83;
	cr_assert_eq(evidence__status(&l, code, bc, 7, 0), EV_UNKNOWN, "a specialized past is no witness");
	/* BINARY_OP (one cache entry: the counter) at warm-up proves nothing */
	memset(bc, 0, sizeof(bc));
	bc[0] = 151;
	bc[2] = 122;		/* BINARY_OP */
	bc[4] = 0x11;
	bc[6] = 83;
	cr_assert_eq(evidence__status(&l, code, bc, 4, 0), EV_UNKNOWN, "a weak witness");
	/* an instrumented 3.12 code object (_co_instrumentation_version) */
	memset(bc, 0, sizeof(bc));
	bc[0] = 151;
	bc[2] = 116;
	bc[4] = 0x11;
	bc[12] = 83;
	cr_assert_eq(evidence__status(&l, code, bc, 7, 0), EV_NEVER);
	code[160] = 2;
	cr_assert_eq(evidence__status(&l, code, bc, 7, 0), EV_UNKNOWN, "de-instrumented: counters reset");
}

Test(ignorefile, keys_cover_nested_definitions)
{
	char dir[] = "/tmp/coldbpf-ig-XXXXXX", path[256];
	struct ignorefile *ig;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ignorefile__add_key(dir, "app/a.py:Outer"), 0);
	cr_assert_eq(ignorefile__add_key(dir, "app/a.py:Outer"), 1);
	ig = ignorefile__load(dir);
	cr_assert_not_null(ig);
	cr_assert(ignorefile__ignores_key(ig, "app/a.py", "Outer"));
	cr_assert(ignorefile__ignores_key(ig, "app/a.py", "Outer.method"));
	cr_assert(!ignorefile__ignores_key(ig, "app/a.py", "OuterX"));
	cr_assert(!ignorefile__ignores_key(ig, "app/b.py", "Outer"));
	ignorefile__free(ig);
	snprintf(path, sizeof(path), "%s/.coldbpf-ignore", dir);
	f = fopen(path, "a");
	fputs("file tests/*  # comment\nwhatever\n", f);
	fclose(f);
	cr_assert_null(ignorefile__load(dir), "a malformed line is an error");
	unlink(path);
	rmdir(dir);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/evidence.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-version evidence facts (cpython-internals.md §5; PyCodeObject offsets of
 * the default build, checked with offsetof by the same method as the layout
 * rows). */
static const struct evfacts {
	int minor;
	uint16_t marker;	/* co_opcache_flag (3.8-3.10) / co_warmup (3.11) */
	uint16_t firsttraceable;	/* _co_firsttraceable (3.11+) */
	uint8_t resume, resume_check, resume_instr;	/* 3.13+ opcodes */
} facts[] = {
	{ 8, 168, 0, 0, 0, 0 },	{ 9, 168, 0, 0, 0, 0 },	{ 10, 168, 0, 0, 0, 0 },
	{ 11, 52, 168, 151, 150, 0 },	/* RESUME, RESUME_QUICK */
	{ 12, 0, 176, 151, 0, 240 },	/* RESUME, -, INSTRUMENTED_RESUME */
	{ 13, 0, 184, 149, 207, 236 },	/* RESUME, RESUME_CHECK, INSTRUMENTED_RESUME */
	{ 14, 0, 192, 128, 196, 245 },
};

#define OP_ADAPTIVE 1
#define OP_SPECIALIZED 2
#define OP_JUMP 4
#define OP_EXIT 8
#define OP_INSTRUMENTED 16
static uint8_t op312_cache[256], op312_flags[256];
static int op312_ready;

static void op312_init(void)
{
#define OP(code, cache, flags) op312_cache[code] = cache, op312_flags[code] = (flags);
#include "cpython/op312_table.h"
#undef OP
	op312_ready = 1;
}

static const struct evfacts *facts_of(int minor)
{
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (facts[i].minor == minor)
			return &facts[i];
	return NULL;
}

const char *evidence__status_name(enum ev_status s)
{
	return s == EV_RAN ? "ran" : s == EV_NEVER ? "never-ran" : "unknown";
}

/* 3.12: adaptive instructions start with a warm-up counter of 0x0011 that the
 * first execution lowers; an adaptive instruction specialized or with another
 * counter has run. The first adaptive instruction reached before any jump or
 * exit is a witness for the whole code object. */
static enum ev_status status312(const uint8_t *bc, size_t units, size_t start)
{
	enum ev_status witness = EV_UNKNOWN;
	bool straight = true;

	if (!op312_ready)
		op312_init();
	for (size_t i = start; i < units;) {
		uint8_t op = bc[2 * i], fl = op312_flags[op];
		size_t next = i + 1 + op312_cache[op];

		if (fl & OP_INSTRUMENTED)
			return EV_UNKNOWN;	/* monitoring was on: no claims */
		if ((fl & OP_ADAPTIVE) && i + 1 < units) {
			uint16_t counter = bc[2 * (i + 1)] | (bc[2 * (i + 1) + 1] << 8);

			if ((fl & OP_SPECIALIZED) || counter != 0x0011)
				return EV_RAN;
			if (straight && witness == EV_UNKNOWN)
				witness = EV_NEVER;
		}
		if (fl & (OP_JUMP | OP_EXIT))
			straight = false;
		i = next;
	}
	return witness;
}

enum ev_status evidence__status(const struct pylayout *l, const uint8_t *code, const uint8_t *bc,
				size_t units)
{
	const struct evfacts *f = facts_of(l->minor);
	int32_t first;

	if (!f || l->major != 3)
		return EV_UNKNOWN;
	if (l->minor <= 10) {
		int32_t flag;

		/* every frame evaluation bumps co_opcache_flag (up to 1024). Not
		 * co_zombieframe: a generator created and dropped unstarted frees its
		 * frame into it without running a line (seen on 3.8) */
		memcpy(&flag, code + f->marker, 4);
		return flag ? EV_RAN : EV_NEVER;
	}
	if (l->minor == 11) {
		int16_t warm;

		memcpy(&warm, code + f->marker, 2);
		return warm != -8 ? EV_RAN : EV_NEVER;	/* QUICKENING_INITIAL_WARMUP_VALUE */
	}
	memcpy(&first, code + f->firsttraceable, 4);
	if (!bc || first < 0 || (size_t)first >= units)
		return EV_UNKNOWN;
	if (l->minor == 12)
		return status312(bc, units, first + 1);
	{
		uint8_t op = bc[2 * first];

		if (op == f->resume_check)
			return EV_RAN;
		if (op == f->resume)
			return EV_NEVER;
		return EV_UNKNOWN;	/* INSTRUMENTED_RESUME: monitoring, no claims */
	}
}

uint16_t evidence__firsttraceable(int minor)
{
	const struct evfacts *f = facts_of(minor);

	return f ? f->firsttraceable : 0;
}

bool evidence__supported(int minor)
{
	return facts_of(minor) != NULL;
}

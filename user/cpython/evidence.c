// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/evidence.h"
#include "cpython/evlines.h"
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per-version evidence facts (cpython-internals.md §5; PyCodeObject offsets of
 * the default build, checked with offsetof by the same method as the layout
 * rows). */
#define NOF EV_NO_FIELD
static const struct ev_facts facts[] = {
	{ 8, 168, 0, 0, 0, 0, NOF, NOF, NOF, 16, 88, 864, 64 },
	{ 9, 168, 0, 0, 0, 0, NOF, NOF, NOF, 16, 88, 856, 64 },
	{ 10, 168, 0, 0, 0, 0, NOF, NOF, NOF, 48, 104, 864, 32 },
	{ 11, 52, 168, 151, 150, 0, NOF, NOF, NOF, 48, 104, 864, 40 },	/* RESUME, RESUME_QUICK */
	{ 12, 0, 176, 151, 0, 240, 160, 168, 48, 48, 104, 872, 40 },	/* RESUME, -, INSTRUMENTED_RESUME */
	{ 13, 0, 184, 149, 207, 236, 168, 176, 0, 48, 104, 872, 40 },	/* RESUME, RESUME_CHECK, INSTRUMENTED_RESUME */
	{ 14, 0, 192, 128, 196, 245, 168, 176, 0, 48, 104, 872, 40 },
	{ 15, 0, 192, 128, 200, 244, 168, 176, 0, 48, 104, 880, 40 },	/* 3.15.2's headers and opcodes */
};

#define OP_ADAPTIVE 1
#define OP_SPECIALIZED 2
#define OP_JUMP 4
#define OP_EXIT 8
#define OP_INSTRUMENTED 16
#define OP_STRONG 32
static uint8_t op312_cache[256], op312_flags[256];
static int op312_ready;

static void op312_init(void)
{
#define OP(code, cache, flags) op312_cache[code] = cache, op312_flags[code] = (flags);
#include "cpython/op312_table.h"
#undef OP
	op312_ready = 1;
}

const struct ev_facts *evidence__facts(int minor)
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

/*
 * 3.12: adaptive instructions start with a warm-up counter of 0x0011
 * (adaptive_counter_warmup(), Include/internal/pycore_code.h) that the first
 * execution lowers; an adaptive instruction specialized, or with another
 * counter, has run.
 *
 * The warm-up value comes back in two ways (Python/specialize.c,
 * Python/instrumentation.c):
 *  - a specialized instruction that deoptimizes cools down
 *    (adaptive_counter_cooldown()), and a failed re-specialization backs off
 *    from there to adaptive_counter_backoff(cooldown) == 0x0011, with the
 *    generic opcode back;
 *  - de-instrumentation writes adaptive_counter_warmup() (handled by the
 *    caller: instrumented code is never "never-ran").
 * So an untouched counter proves nothing by itself. The first path needs a
 * successful specialization first, and LOAD_GLOBAL, LOAD_ATTR and STORE_ATTR
 * write a non-zero dict-keys or type version into the cache entries after
 * the counter whenever they specialize (OP_STRONG, scripts/gen-op312.py);
 * those entries are zeros in a never-run instruction and nothing clears
 * them. A strong instruction at warm-up with zeros there never ran; if
 * nothing before it can leave (jump, return, raise, yield: every run passes
 * it), the code object never ran. (The failed re-specialization also
 * dispatches the instruction again at once, which lowers the counter: the
 * warm-up value is seen only during that execution; cpython/evlines.h.)
 */
static enum ev_status status312(const uint8_t *bc, size_t units, size_t start, size_t *at)
{
	enum ev_status witness = EV_UNKNOWN;
	bool straight = true;

	if (!op312_ready)
		op312_init();
	for (size_t i = start; i < units;) {
		uint8_t op = bc[2 * i], fl = op312_flags[op], nc = op312_cache[op];
		size_t next = i + 1 + nc;

		if (fl & OP_INSTRUMENTED)
			return EV_UNKNOWN;	/* monitoring is on: no claims */
		if ((fl & OP_ADAPTIVE) && i + 1 < units) {
			uint16_t counter = bc[2 * (i + 1)] | (bc[2 * (i + 1) + 1] << 8);

			if ((fl & OP_SPECIALIZED) || counter != 0x0011)
				return EV_RAN;
			if (straight && witness == EV_UNKNOWN && (fl & OP_STRONG) && next <= units) {
				bool zeros = true;

				for (size_t b = 2 * (i + 2); b < 2 * next; b++)
					zeros &= !bc[b];
				if (zeros) {
					witness = EV_NEVER;
					if (at)
						*at = i;
				}
			}
		}
		/* every run reaches the witness only if nothing before it can
		 * leave: raise (IMPORT_NAME, LOAD_DEREF, ...), suspend (a
		 * generator's YIELD_VALUE), jump or return; adaptive ones that
		 * ran are caught above */
		if ((fl & (OP_JUMP | OP_EXIT)) || (!(fl & OP_ADAPTIVE) && !evlines__noraise(12, op)))
			straight = false;
		i = next;
	}
	return witness;
}

static uint64_t u64_at(const uint8_t *p, uint16_t off)
{
	uint64_t v;

	memcpy(&v, p + off, 8);
	return v;
}

static void probe_at(struct ev_probe *p, uint64_t addr, const uint8_t *bytes, uint8_t len)
{
	p->addr = addr;
	p->len = len;
	p->value = 0;
	memcpy(&p->value, bytes, len);	/* little-endian, as the BPF program reads it */
}

/*
 * The bytes an exit read compares (include/exitread.h): any change of them
 * means the code ran (or monitoring rewrote it: the interpreters'
 * instrumentation versions are guard probes of the same read).
 *  - 3.8-3.10: co_opcache_flag; 3.11: co_warmup (evidence__status);
 *  - 3.12: the witness instruction's first 8 bytes: opcode, counter and the
 *    first cache entries, which hold the version that a specialization
 *    writes (LOAD_GLOBAL: index, module keys version; LOAD_ATTR and
 *    STORE_ATTR: type version);
 *  - 3.13+: the first traceable instruction's opcode (RESUME).
 */
bool evidence__probe(const struct pylayout *l, uint64_t addr, const uint8_t *code, const uint8_t *bc,
		     size_t units, struct ev_probe *p)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	int32_t first;
	size_t at = SIZE_MAX;

	memset(p, 0, sizeof(*p));
	if (!f || l->major != 3 || l->ft)
		return false;
	if (l->minor <= 11) {
		probe_at(p, addr + f->marker, code + f->marker, l->minor <= 10 ? 4 : 2);
		return true;
	}
	memcpy(&first, code + f->firsttraceable, 4);
	if (!bc || first < 0 || (size_t)first >= units)
		return false;
	if (l->minor >= 13) {
		probe_at(p, addr + l->bpf.code_adaptive + 2 * (uint64_t)first, bc + 2 * first, 1);
		return true;
	}
	if (status312(bc, units, first + 1, &at) != EV_NEVER || at == SIZE_MAX)
		return false;
	probe_at(p, addr + l->bpf.code_adaptive + 2 * at, bc + 2 * at, units - at >= 4 ? 8 : 2 * (units - at));
	return true;
}

bool evidence__instrumented(const struct pylayout *l, const uint8_t *code)
{
	const struct ev_facts *f = evidence__facts(l->minor);

	return f && f->co_instr_version != NOF &&
	       (u64_at(code, f->co_instr_version) || u64_at(code, f->co_monitoring));
}

enum ev_status evidence__status(const struct pylayout *l, const uint8_t *code, const uint8_t *bc,
				size_t units, unsigned flags)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	enum ev_status st;
	int32_t first;

	/* free-threaded 3.13t: no specialization, so no marker ever moves */
	if (!f || l->major != 3 || l->ft)
		return EV_UNKNOWN;
	if (l->minor <= 10) {
		int32_t flag;

		/* every frame evaluation bumps co_opcache_flag (up to 1024), and
		 * nothing lowers it. Not co_zombieframe: a generator created and
		 * dropped unstarted frees its frame into it without running a line
		 * (seen on 3.8) */
		memcpy(&flag, code + f->marker, 4);
		return flag ? EV_RAN : EV_NEVER;
	}
	if (l->minor == 11) {
		int16_t warm;

		/* _PyCode_Warmup counts co_warmup up from -8 to 0, then quickens;
		 * nothing sets it back */
		memcpy(&warm, code + f->marker, 2);
		return warm != -8 ? EV_RAN : EV_NEVER;	/* QUICKENING_INITIAL_WARMUP_VALUE */
	}
	memcpy(&first, code + f->firsttraceable, 4);
	if (!bc || first < 0 || (size_t)first >= units)
		return EV_UNKNOWN;
	if (l->minor == 12) {
		st = status312(bc, units, first + 1, NULL);
	} else {
		uint8_t op = bc[2 * first];

		/* RESUME becomes RESUME_CHECK at its first run (Python/bytecodes.c,
		 * RESUME, when tstate->tracing is 0) */
		st = op == f->resume_check ? EV_RAN : op == f->resume ? EV_NEVER : EV_UNKNOWN;
		/* but not while a trace or profile function runs (tracing > 0):
		 * Python code run by such a callback keeps RESUME. Once monitoring
		 * was on in the process, RESUME proves nothing */
		if (st == EV_NEVER && (flags & EV_F_MONITORED))
			st = EV_UNKNOWN;
	}
	/* instrumentation (sys.monitoring, settrace, setprofile, cProfile) and
	 * de-instrumentation rewrite opcodes and reset counters to their
	 * never-run values (Python/instrumentation.c: de_instrument,
	 * remove_tools): code it touched is never "never-ran" */
	if (st == EV_NEVER && evidence__instrumented(l, code))
		st = EV_UNKNOWN;
	return st;
}

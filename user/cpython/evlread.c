// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading what evlines.c needs of a live code object (cpython/evlines.h):
 * its location table and exception table (bytes objects, bounded) and a
 * second copy of its adaptive bytecode; keeping the results of a scan
 * (cpython/evscan.c) and reading again, at the end of a round, the code
 * objects with never-ran lines.
 */
#include "cpython/evlines.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cpython/evidence.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/mem.h"

/* PyCodeObject.co_exceptiontable: offsetof() against the headers of 3.11.7,
 * 3.12.1, 3.13.0, 3.14.10 and 3.15.2 (the same in each) */
#define CO_EXCEPTIONTABLE 40
#define MAX_TABLE (1 << 20)
#define MAX_UNITS (1 << 20)	/* code units of one code object (as evscan.c) */

static uint64_t u64_at(const uint8_t *hdr, uint16_t off)
{
	uint64_t v;

	memcpy(&v, hdr + off, 8);
	return v;
}

static uint64_t name_ptr(const struct pylayout *l, const uint8_t *hdr)
{
	return u64_at(hdr, l->co_qualname != PY_NO_FIELD ? l->co_qualname : l->co_name);
}

/* The bytes of the bytes object at ptr (validated by its type when known);
 * NULL when unreadable. */
static uint8_t *read_bytes(int pid, const struct pylayout *l, uint64_t ptr, size_t *len)
{
	uint8_t hdr[64];
	uint64_t type, size;
	uint8_t *buf;

	if (!ptr || (ptr & 7) || (size_t)l->bytes_sval + 8 > sizeof(hdr) || (size_t)l->bytes_size + 8 > sizeof(hdr) ||
	    mem__read(pid, ptr, hdr, l->bytes_sval))
		return NULL;
	memcpy(&type, hdr + l->ob_type, 8);
	memcpy(&size, hdr + l->bytes_size, 8);
	if ((l->bytes_type && type != l->bytes_type) || size > MAX_TABLE)
		return NULL;
	buf = malloc(size + 1);
	if (!buf || (size && mem__read(pid, ptr + l->bytes_sval, buf, size))) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}

struct ev_lines *evlines__read(int pid, const struct pylayout *l, uint64_t addr, const uint8_t *hdr,
			       const uint8_t *bc, size_t units, unsigned flags)
{
	uint64_t ltp, excp;
	int32_t first;
	size_t ltlen = 0, exclen = 0;
	uint8_t *lt, *exc, *bc2;
	struct ev_lines *out = NULL;

	if (l->major != 3 || !evlines__supported(l->minor) || !bc || !units)
		return NULL;
	memcpy(&ltp, hdr + l->co_linetable, 8);
	memcpy(&excp, hdr + CO_EXCEPTIONTABLE, 8);
	memcpy(&first, hdr + l->co_firstlineno, 4);
	lt = read_bytes(pid, l, ltp, &ltlen);
	exc = read_bytes(pid, l, excp, &exclen);
	bc2 = malloc(units * 2);
	/* the second read of the bytecode: an instruction met in the middle of
	 * a failed specialization shows the warm-up counter for an instant */
	if (lt && exc && bc2 && !mem__read(pid, addr + l->bpf.code_adaptive, bc2, units * 2))
		out = evlines__compute(l->minor, bc, bc2, units, lt, ltlen, first, exc, exclen, flags);
	free(lt);
	free(exc);
	free(bc2);
	return out;
}

/* Keep the lines of code idx (merged with another copy's); one with a
 * never-ran line is read again at the end of the round. Takes lines. */
void evlines__take(struct ev_scan *s, const struct pylayout *l, uint64_t addr, const uint8_t *hdr, uint32_t idx,
		       int st, struct ev_lines *lines)
{
	struct ev_code *c = idx != UINT32_MAX ? &s->codes[idx] : NULL;
	bool never = false;

	if (c && s->want_lines && !lines && st != EV_NEVER && !c->lines_weak) {
		/* this copy ran (or may have) and left no lines: another copy's
		 * never-ran lines may have run here */
		c->lines_weak = true;
		if (c->lines) {
			struct ev_lines *w = evlines__weaken(c->lines, EVL_R_OTHER_COPY);

			if (w) {
				free(c->lines);
				c->lines = w;
			}
		}
	}
	if (!lines)
		return;
	if (!c || s->nlines + lines->nlines > EV_MAX_LINES) {
		s->lines_capped |= !!c;
		free(lines);
		return;
	}
	if (c->lines_weak) {
		struct ev_lines *w = evlines__weaken(lines, EVL_R_OTHER_COPY);

		free(lines);
		if (!(lines = w))
			return;
	}
	if (c->lines) {
		struct ev_lines *m = evlines__merge(c->lines, lines);

		s->nlines -= c->lines->nlines;
		free(c->lines);
		free(lines);
		lines = m;
	}
	c->lines = lines;
	if (!lines)
		return;
	s->nlines += lines->nlines;
	for (uint32_t k = 0; k < lines->nlines && !never; k++)
		never = lines->lines[k].status == EVL_NEVER;
	if (never) {
		ARRAY_RESERVE(s->lpend, s->nlpend, s->caplpend, 256);
		s->lpend[s->nlpend++] = (struct ev_lpend){ addr, u64_at(hdr, l->co_filename), name_ptr(l, hdr),
							    0, idx };
		memcpy(&s->lpend[s->nlpend - 1].first, hdr + l->co_firstlineno, 4);
	}
}

/*
 * Code objects with never-ran lines are read once more at the end of the
 * round, 20 ms or more after their first read: a thread preempted in the
 * middle of a failed re-specialization holds an instruction at its warm-up
 * counter for as long as it is off the CPU (cpython/evlines.h). A line stays
 * never-ran only if both reads say so; a code object gone or replaced since
 * keeps no never-ran line.
 */
void evlines__recheck(int pid, const struct pylayout *l, struct ev_scan *s, double t0)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	double wait = 0.02 - (clock__now() - t0);

	if (!s->nlpend || !f)
		return;
	if (wait > 0) {
		struct timespec ts = { 0, (long)(wait * 1e9) };

		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < s->nlpend; i++) {
		const struct ev_lpend *p = &s->lpend[i];
		struct ev_code *c = &s->codes[p->code];
		struct ev_lines *again = NULL, *m;
		uint8_t hdr[512];
		uint64_t units = 0;
		int32_t first;
		uint8_t *bc = NULL;

		if (!c->lines)
			continue;
		if (l->code_read <= sizeof(hdr) && !mem__read(pid, p->addr, hdr, l->code_read)) {
			memcpy(&first, hdr + l->co_firstlineno, 4);
			memcpy(&units, hdr + l->ob_type + 8, 8);	/* ob_size */
			if (u64_at(hdr, l->ob_type) == l->code_type && u64_at(hdr, l->co_filename) == p->file &&
			    name_ptr(l, hdr) == p->name && first == p->first && units && units <= MAX_UNITS &&
			    (bc = malloc(units * 2)) && !mem__read(pid, p->addr + l->bpf.code_adaptive, bc, units * 2))
				again = evlines__read(pid, l, p->addr, hdr, bc, units,
						      EVL_F_RAN | (evidence__instrumented(l, hdr) ? EVL_F_INSTRUMENTED : 0));
			s->bytes_read += l->code_read + units * 2;
		}
		free(bc);
		m = again ? evlines__merge(c->lines, again) : evlines__weaken(c->lines, EVL_R_ONE_READ);
		free(again);
		if (m) {
			s->nlines += m->nlines - c->lines->nlines;
			free(c->lines);
			c->lines = m;
		}
	}
	s->nlpend = 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Line statuses from the adaptive bytecode of a code object that ran
 * (cpython/evlines.h; the rules and their sources: docs/cold.md, "Lines").
 * Over 500 lines: one analysis (decode, blocks, local evidence, flow,
 * lines) whose steps share one context; split, each would export it.
 *
 * 1. Instructions: each starts a unit and owns the cache entries after it
 *    (opcache_table.h). Per instruction: touched (a run-only opcode, or a
 *    cache entry that is not what _PyCode_Quicken wrote: only execution
 *    changes it), or a witness (a generic instruction whose first entry is
 *    a warm-up counter still at its initial value with zeros after it, in
 *    both reads: its generic form lowers the counter on every execution,
 *    also right after a failed specialization, which dispatches it again),
 *    or neither.
 * 2. Blocks: leaders are the first instruction, every jump target (before
 *    its EXTENDED_ARG prefixes; FOR_ITER, SEND and END_ASYNC_FOR also one
 *    and two units further, where some versions land), every instruction
 *    after a jump or an exit, and every exception handler. Edges are
 *    over-approximated: a block whose every way in is never-ran never ran;
 *    a block that ran with exactly one way in proves that one.
 * 3. Inside a block: an instruction that ran proves those before it; a
 *    witness proves itself and those after it never ran, and those before
 *    it back to the last one that could raise or leave.
 * 4. Lines: ran if one of its instructions ran, never-ran if all did not,
 *    else unknown. Any contradiction makes the whole code object unknown.
 */
#include "cpython/evlines.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/linetable.h"

enum { OPK_NONE, OPK_COUNTER, OPK_BRANCH, OPK_OTHER, OPK_QUICK11 };
#define OPF_SPEC 0x1
#define OPF_JUMP 0x2
#define OPF_BACK 0x4
#define OPF_MULTI 0x8
#define OPF_COND 0x10
#define OPF_NOFALL 0x20
#define OPF_NORAISE 0x40
#define OPF_INSTR 0x80
#define OPF_EXTARG 0x100

struct oprow {
	uint8_t caches, kind, base;
	uint16_t flags;
};
struct optab {
	int minor;
	uint16_t warm;
	uint64_t valid[4];
	struct oprow op[256];
};

#define MINORS 5	/* 3.11 .. 3.15 */
static struct optab tabs[MINORS];
static int tabs_ready;

static void tabs_init(void)
{
#define OPV(m, w, v0, v1, v2, v3) tabs[(m) - 11].minor = (m), tabs[(m) - 11].warm = (w), \
	tabs[(m) - 11].valid[0] = (v0), tabs[(m) - 11].valid[1] = (v1), tabs[(m) - 11].valid[2] = (v2), \
	tabs[(m) - 11].valid[3] = (v3);
#define OPC(m, code, nc, kind, flags, base) tabs[(m) - 11].op[code] = (struct oprow){ nc, kind, base, flags };
#include "cpython/opcache_table.h"
#undef OPV
#undef OPC
	__atomic_store_n(&tabs_ready, 1, __ATOMIC_RELEASE);
}

static const struct optab *tab_of(int minor)
{
	if (!__atomic_load_n(&tabs_ready, __ATOMIC_ACQUIRE))
		tabs_init();	/* idempotent: racing initialisers write the same bytes */
	if (minor < 11 || minor >= 11 + MINORS || tabs[minor - 11].minor != minor)
		return NULL;
	return &tabs[minor - 11];
}

int evlines__noraise(int minor, uint8_t op)
{
	const struct optab *t = tab_of(minor);

	return t && (t->op[op].flags & OPF_NORAISE);
}

int evlines__supported(int minor)
{
	return tab_of(minor) != NULL;
}

static const char *const reason_names[EVL_R_NR] = {
	"", "touched", "flow", "block-untouched", "unreached", "no-cache-instruction", "may-raise",
	"handler", "instrumented", "pre-quickening", "positive-only", "not-quickened", "inconsistent",
	"one-read", "exited", "other-copy",
};

const char *evlines__reason_name(enum evl_reason r)
{
	return (unsigned)r < EVL_R_NR ? reason_names[r] : "";
}

const char *evlines__status_name(enum evl_status s)
{
	return s == EVL_RAN ? "ran" : s == EVL_NEVER ? "never-ran" : "unknown";
}

/* per-unit marks */
#define M_START 0x1	/* an instruction starts here */
#define M_LEADER 0x2
#define M_HANDLER 0x4	/* an exception handler's first instruction */
#define M_TOUCHED 0x8
#define M_WITNESS 0x10
#define M_RAN 0x20
#define M_NEVER 0x40
#define M_FLOW 0x80	/* ran: proven through control flow */
#define M_UNREACHED 0x100	/* never-ran: proven through control flow */
#define M_MAYRAISE 0x200	/* before a witness of its block, but may raise or leave */

#define EVL_MAX_UNITS (1u << 18)
#define MAX_PASSES 64

struct ctx {
	const struct optab *t;
	const uint8_t *bc;
	size_t n;
	uint16_t *m;
	uint32_t *prev;		/* instruction start -> the previous instruction's start */
	uint32_t *tgt;		/* instruction start -> jump target + 1 (0: none) */
	uint32_t *blk;		/* instruction start -> its block */
	size_t nb;
	uint32_t *bstart, *blast;	/* block -> its first and last instruction */
	uint32_t *succ;		/* block -> up to 4 successor blocks */
	uint8_t *nsucc;
	uint32_t *npred, *predoff, *preds;
	bool bad;
};

static uint16_t u16(const uint8_t *bc, size_t unit)
{
	return bc[2 * unit] | (uint16_t)bc[2 * unit + 1] << 8;
}

static const struct oprow *row_at(const struct ctx *c, size_t i)
{
	return &c->t->op[c->bc[2 * i]];
}

/* Touched / witness state of the instruction at i in one read. */
static void state_of(const struct ctx *c, const uint8_t *bc, size_t i, bool *touched, bool *witness)
{
	const struct oprow *r = &c->t->op[bc[2 * i]];
	size_t nc = r->caches;
	bool zeros = true;

	*touched = *witness = false;
	if ((r->flags & OPF_SPEC) && r->kind != OPK_QUICK11)
		*touched = true;	/* only execution writes this opcode */
	if (!nc || i + nc >= c->n)
		return;
	for (size_t k = i + 2; k <= i + nc; k++)
		zeros &= !u16(bc, k);
	switch (r->kind) {
	case OPK_COUNTER:
		if (r->flags & OPF_SPEC)
			return;
		if (u16(bc, i + 1) != c->t->warm || !zeros)
			*touched = true;
		else
			*witness = true;
		break;
	case OPK_BRANCH:
		if (u16(bc, i + 1) != 0x5555)	/* the history moved: it ran */
			*touched = true;
		break;
	case OPK_QUICK11:
		/* 3.11, quickened: a specialized opcode, or an adaptive one whose
		 * counter moved, ran (quickening leaves the counter at 0) */
		if ((r->flags & OPF_SPEC) || (r->base != bc[2 * i] && u16(bc, i + 1)))
			*touched = true;
		break;
	}
}

/* A block starts at t (moved back over EXTENDED_ARG prefixes). strict: t
 * must be an instruction (a jump's exact target, a handler). */
static void add_leader(struct ctx *c, long long t, uint16_t mark, bool strict)
{
	if (t < 0 || (size_t)t >= c->n || !(c->m[t] & M_START)) {
		c->bad |= strict;
		return;
	}
	while (t > 0 && (c->t->op[c->bc[2 * c->prev[t]]].flags & OPF_EXTARG))
		t = c->prev[t];
	c->m[t] |= M_LEADER | mark;
}

/* varint of the exception table: 6 bits a byte, most significant first,
 * 0x40 = more (Objects/exception_handling_notes.txt) */
static int exc_varint(const uint8_t *e, size_t len, size_t *i, uint32_t *out)
{
	uint32_t v;
	uint8_t b;

	if (*i >= len)
		return -1;
	b = e[(*i)++];
	v = b & 63;
	while (b & 64) {
		if (*i >= len || v > (1u << 24))
			return -1;
		b = e[(*i)++];
		v = (v << 6) | (b & 63);
	}
	*out = v;
	return 0;
}

static void handlers(struct ctx *c, const uint8_t *exc, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t start, size, target, dl;

		if (!(exc[i] & 0x80) || exc_varint(exc, len, &i, &start) || exc_varint(exc, len, &i, &size) ||
		    exc_varint(exc, len, &i, &target) || exc_varint(exc, len, &i, &dl)) {
			c->bad = true;
			return;
		}
		add_leader(c, target, M_HANDLER, true);
	}
}

/* Decode instructions and their states; false when unusable. */
static bool decode(struct ctx *c, const uint8_t *bc2, bool *instrumented, bool *quickened, bool *all_zero)
{
	size_t i = 0, last = 0;
	uint32_t oparg = 0;
	bool any_counter = false;

	*all_zero = true;
	while (i < c->n) {
		uint8_t op = c->bc[2 * i];
		const struct oprow *r = &c->t->op[op];
		bool t1, w1, t2 = false, w2 = true;

		if (!((c->t->valid[op >> 6] >> (op & 63)) & 1) || i + r->caches >= c->n + (r->caches ? 0 : 1))
			return false;
		if (bc2 && c->t->op[bc2[2 * i]].caches != r->caches) {
			*instrumented |= !!(c->t->op[bc2[2 * i]].flags & OPF_INSTR);
			return false;	/* rewritten between the reads */
		}
		*instrumented |= !!(r->flags & OPF_INSTR) || (bc2 && (c->t->op[bc2[2 * i]].flags & OPF_INSTR));
		c->m[i] |= M_START;
		c->prev[i] = last;
		last = i;
		state_of(c, c->bc, i, &t1, &w1);
		if (bc2)
			state_of(c, bc2, i, &t2, &w2);
		if (t1 || t2)
			c->m[i] |= M_TOUCHED;
		else if (w1 && w2)
			c->m[i] |= M_WITNESS;
		if (r->kind == OPK_COUNTER || r->kind == OPK_QUICK11) {
			any_counter = true;
			if ((r->flags & OPF_SPEC) || u16(c->bc, i + 1))
				*all_zero = false;
		}
		if (r->kind == OPK_QUICK11 && r->base != op)
			*quickened = true;
		oparg = oparg << 8 | c->bc[2 * i + 1];
		if (r->flags & OPF_JUMP) {
			long long nxt = i + 1 + r->caches, t = (r->flags & OPF_BACK) ? nxt - oparg : nxt + oparg;

			if (t < 0 || t >= (long long)c->n)
				return false;
			c->tgt[i] = t + 1;
		}
		if (!(r->flags & OPF_EXTARG))
			oparg = 0;
		i += 1 + r->caches;
	}
	*all_zero &= any_counter && c->t->minor >= 12;
	return true;
}

/* Blocks and their edges. */
static bool blocks(struct ctx *c)
{
	size_t nb = 0, e = 0;

	for (size_t i = 0; i < c->n; i++) {
		if (!(c->m[i] & M_START))
			continue;
		if (c->m[i] & M_LEADER)
			c->bstart[nb++] = i;
		c->blk[i] = nb - 1;
		c->blast[nb - 1] = i;
	}
	c->nb = nb;
	for (size_t b = 0; b < nb; b++) {
		size_t l = c->blast[b];
		const struct oprow *r = row_at(c, l);

		c->nsucc[b] = 0;
		if (!(r->flags & OPF_NOFALL) && b + 1 < nb)
			c->succ[4 * b + c->nsucc[b]++] = b + 1;
		if (c->tgt[l]) {
			long long t = c->tgt[l] - 1;

			for (int k = 0; k < ((r->flags & OPF_MULTI) ? 3 : 1); k++) {
				long long u = t + k;

				if (u >= (long long)c->n || !(c->m[u] & M_START))
					continue;
				while (u > 0 && !(c->m[u] & M_LEADER))	/* its prefixes' leader */
					u = c->prev[u];
				if (c->bstart[c->blk[u]] != u)
					return false;
				c->succ[4 * b + c->nsucc[b]++] = c->blk[u];
			}
		}
	}
	for (size_t b = 0; b < nb; b++)
		for (int k = 0; k < c->nsucc[b]; k++)
			c->npred[c->succ[4 * b + k]]++, e++;
	for (size_t b = 0, off = 0; b < nb; b++) {
		c->predoff[b] = off;
		off += c->npred[b];
		c->npred[b] = 0;
	}
	for (size_t b = 0; b < nb; b++)
		for (int k = 0; k < c->nsucc[b]; k++) {
			uint32_t s = c->succ[4 * b + k];

			c->preds[c->predoff[s] + c->npred[s]++] = b;
		}
	return true;
}

/* Mark instructions [from, to] of one block (to: an instruction start). */
static bool mark_upto(struct ctx *c, size_t from, size_t to, uint16_t mark)
{
	bool changed = false;

	for (size_t i = from; i <= to; i++)
		if ((c->m[i] & M_START) && (c->m[i] & mark) != mark) {
			c->m[i] |= mark;
			changed = true;
		}
	return changed;
}

static size_t block_end(const struct ctx *c, size_t b)
{
	return c->blast[b];
}

/* Evidence inside each block, and the branch histories. */
static void local(struct ctx *c, unsigned flags, const uint8_t *latest)
{
	for (size_t b = 0; b < c->nb; b++) {
		size_t s = c->bstart[b], e = block_end(c, b), lt = SIZE_MAX, w = SIZE_MAX;

		for (size_t i = s; i <= e; i++) {
			if (!(c->m[i] & M_START))
				continue;
			if (c->m[i] & M_TOUCHED) {
				lt = i;
				if (w != SIZE_MAX)
					c->bad = true;	/* ran after a witness that never did */
			}
			if ((c->m[i] & M_WITNESS) && w == SIZE_MAX)
				w = i;
		}
		if (lt != SIZE_MAX)
			mark_upto(c, s, lt, M_RAN);
		if (w == SIZE_MAX)
			continue;
		mark_upto(c, w, e, M_NEVER);
		for (size_t k = w; k > s;) {	/* back over what cannot raise or leave */
			k = c->prev[k];
			if (!(row_at(c, k)->flags & OPF_NORAISE)) {
				for (size_t j = s; j <= k; j++)
					if (c->m[j] & M_START)
						c->m[j] |= M_MAYRAISE;
				break;
			}
			c->m[k] |= M_NEVER;
		}
	}
	if (flags & EVL_F_RAN)
		c->m[0] |= M_RAN;
	/* a conditional jump's latest outcome is the history's low bit
	 * (Python/bytecodes.c: cache = cache << 1 | flag, flag 1 = jumped) */
	for (size_t b = 0; c->t->minor >= 13 && b < c->nb; b++) {
		size_t l = c->blast[b];
		const struct oprow *r = row_at(c, l);
		uint16_t h;

		if (r->kind != OPK_BRANCH || l + 1 >= c->n || (h = u16(latest, l + 1)) == 0x5555 ||
		    !(c->m[l] & M_TOUCHED))
			continue;
		if (h & 1) {
			if (c->tgt[l]) {
				size_t u = c->tgt[l] - 1;

				while (u > 0 && !(c->m[u] & M_LEADER))
					u = c->prev[u];
				c->m[u] |= M_RAN | M_FLOW;
			}
		} else if (b + 1 < c->nb) {
			c->m[c->bstart[b + 1]] |= M_RAN | M_FLOW;
		}
	}
}

/* Control flow to a fixpoint: a block that ran with one way in proves it;
 * a block whose every way in never ran never ran. */
static void flow(struct ctx *c)
{
	for (int pass = 0; pass < MAX_PASSES; pass++) {
		bool changed = false;

		for (size_t b = 0; b < c->nb; b++) {
			size_t s = c->bstart[b], e = block_end(c, b), last_ran = SIZE_MAX;

			for (size_t i = s; i <= e; i++)	/* a ran instruction proves those before it */
				if ((c->m[i] & M_START) && (c->m[i] & M_RAN))
					last_ran = i;
			if (last_ran != SIZE_MAX)
				changed |= mark_upto(c, s, last_ran, M_RAN);
			if (!b || (c->m[s] & M_HANDLER))
				continue;	/* entered from outside the graph */
			if ((c->m[s] & M_RAN) && c->npred[b] == 1) {
				uint32_t p = c->preds[c->predoff[b]];

				changed |= mark_upto(c, c->bstart[p], block_end(c, p), M_RAN | M_FLOW);
			}
			if (c->npred[b] && !(c->m[s] & M_NEVER)) {
				bool all = true;

				for (uint32_t k = 0; k < c->npred[b] && all; k++)
					all = !!(c->m[c->blast[c->preds[c->predoff[b] + k]]] & M_NEVER);
				if (all)
					changed |= mark_upto(c, s, e, M_NEVER | M_UNREACHED);
			}
		}
		if (!changed)
			return;
	}
}

struct lrec {
	int32_t line;
	uint8_t status, reason;
};

static int by_line(const void *a, const void *b)
{
	const struct lrec *x = a, *y = b;

	return x->line < y->line ? -1 : x->line > y->line;
}

/* The first line of block b other than the jump's own (3.14+ starts the
 * fall-through with NOT_TAKEN on the jump's line). */
static int first_line(const struct ctx *c, const int32_t *lines, size_t b, int32_t own)
{
	for (size_t i = c->bstart[b]; i <= c->blast[b]; i++)
		if ((c->m[i] & M_START) && lines[i] >= 0 && lines[i] != own)
			return lines[i];
	return -1;
}

static size_t branches(const struct ctx *c, const int32_t *lines, struct evl_branch *out)
{
	size_t nbr = 0;

	for (size_t b = 0; b < c->nb; b++) {
		size_t l = c->blast[b];
		const struct oprow *r = row_at(c, l);

		if (!(r->flags & OPF_COND) || !(c->m[l] & M_RAN) || (c->m[l] & M_NEVER) || !c->tgt[l] ||
		    lines[l] < 0)
			continue;
		size_t u = c->tgt[l] - 1;

		while (u > 0 && !(c->m[u] & M_LEADER))
			u = c->prev[u];
		if (c->m[u] & M_NEVER)
			out[nbr++] = (struct evl_branch){ lines[l], first_line(c, lines, c->blk[u], lines[l]), EVL_JUMP_NEVER };
		else if (b + 1 < c->nb && (c->m[c->bstart[b + 1]] & M_NEVER))
			out[nbr++] = (struct evl_branch){ lines[l], first_line(c, lines, b + 1, lines[l]), EVL_FALL_NEVER };
	}
	return nbr;
}

static struct ev_lines *result(const struct ctx *c, const int32_t *lines, enum evl_reason all, bool keep_ran,
			       bool keep_never, bool with_branches)
{
	struct lrec *rec = calloc(c->n + 1, sizeof(*rec));
	struct evl_branch *br = calloc(c->nb + 1, sizeof(*br));
	size_t nr = 0, nl = 0, nbr = 0;
	struct ev_lines *out = NULL;

	if (!rec || !br)
		goto done;
	for (size_t i = 0; i < c->n; i++) {
		uint16_t m = c->m[i];
		struct lrec *x;

		if (!(m & M_START) || lines[i] < 0)
			continue;
		x = &rec[nr++];
		x->line = lines[i];
		if ((m & M_RAN) && keep_ran) {
			x->status = EVL_RAN;
			x->reason = (m & M_FLOW) && !(m & M_TOUCHED) ? EVL_R_FLOW : EVL_R_TOUCHED;
		} else if ((m & M_NEVER) && keep_never) {
			x->status = EVL_NEVER;
			x->reason = (m & M_UNREACHED) ? EVL_R_UNREACHED : EVL_R_BLOCK_UNTOUCHED;
		} else {
			x->status = EVL_UNKNOWN;
			x->reason = all ? all : (m & M_MAYRAISE) ? EVL_R_MAY_RAISE :
				    (c->m[c->bstart[c->blk[i]]] & M_HANDLER) ? EVL_R_HANDLER : EVL_R_NO_CACHE;
		}
	}
	qsort(rec, nr, sizeof(*rec), by_line);
	/* one entry per line: ran if any instruction ran, never-ran if all never ran */
	for (size_t i = 0; i < nr;) {
		size_t j = i;
		struct lrec r = rec[i];

		for (; j < nr && rec[j].line == r.line; j++) {
			if (rec[j].status == EVL_RAN && (r.status != EVL_RAN || rec[j].reason == EVL_R_TOUCHED))
				r = rec[j];
			else if (rec[j].status == EVL_UNKNOWN && r.status == EVL_NEVER)
				r = rec[j];
		}
		rec[nl++] = r;
		i = j;
	}
	if (with_branches)
		nbr = branches(c, lines, br);
	out = malloc(sizeof(*out) + nl * sizeof(struct evl_line) + nbr * sizeof(struct evl_branch));
	if (!out)
		goto done;
	out->nlines = nl;
	out->nbranches = nbr;
	out->lines = (struct evl_line *)(out + 1);
	out->branches = (struct evl_branch *)(out->lines + nl);
	for (size_t i = 0; i < nl; i++)
		out->lines[i] = (struct evl_line){ rec[i].line, rec[i].status, rec[i].reason };
	memcpy(out->branches, br, nbr * sizeof(*br));
done:
	free(rec);
	free(br);
	return out;
}

struct ev_lines *evlines__compute(int minor, const uint8_t *bc, const uint8_t *bc2, size_t units,
				  const uint8_t *lt, size_t ltlen, int firstlineno, const uint8_t *exc,
				  size_t exclen, unsigned flags)
{
	const struct optab *t = tab_of(minor);
	struct ctx c = { .t = t, .bc = bc, .n = units };
	bool instrumented = !!(flags & EVL_F_INSTRUMENTED), quickened = false, all_zero = false, ok;
	int32_t *lines = NULL;
	struct ev_lines *out = NULL;
	enum evl_reason all = EVL_R_NONE;

	if (!t || !bc || !units || units > EVL_MAX_UNITS || !lt)
		return NULL;
	c.m = calloc(units, sizeof(*c.m));
	c.prev = calloc(units, sizeof(*c.prev));
	c.tgt = calloc(units, sizeof(*c.tgt));
	c.blk = calloc(units, sizeof(*c.blk));
	c.bstart = calloc(units, sizeof(*c.bstart));
	c.blast = calloc(units, sizeof(*c.blast));
	c.succ = calloc(4 * units, sizeof(*c.succ));
	c.nsucc = calloc(units, 1);
	c.npred = calloc(units, sizeof(*c.npred));
	c.predoff = calloc(units, sizeof(*c.predoff));
	c.preds = calloc(4 * units, sizeof(*c.preds));
	lines = calloc(units, sizeof(*lines));
	if (!c.m || !c.prev || !c.tgt || !c.blk || !c.bstart || !c.blast || !c.succ || !c.nsucc || !c.npred ||
	    !c.predoff || !c.preds || !lines)
		goto done;
	if (linetable__locations_all(lt, ltlen, firstlineno, lines, units))
		goto done;
	ok = decode(&c, bc2, &instrumented, &quickened, &all_zero);
	if (ok) {
		c.m[0] |= M_LEADER;
		for (size_t i = 0; i < units; i++) {
			const struct oprow *r;

			if (!(c.m[i] & M_START))
				continue;
			r = row_at(&c, i);
			if (c.tgt[i]) {
				add_leader(&c, (long long)c.tgt[i] - 1, 0, true);
				if (r->flags & OPF_MULTI) {
					add_leader(&c, (long long)c.tgt[i], 0, false);
					add_leader(&c, (long long)c.tgt[i] + 1, 0, false);
				}
			}
			if ((r->flags & (OPF_JUMP | OPF_NOFALL)) && i + 1 + r->caches < units)
				add_leader(&c, i + 1 + r->caches, 0, true);
		}
		if (exc)
			handlers(&c, exc, exclen);
		ok = !c.bad && blocks(&c);
	}
	if (ok) {
		local(&c, flags, bc2 ? bc2 : bc);
		flow(&c);
		for (size_t i = 0; i < units; i++)
			if ((c.m[i] & M_RAN) && (c.m[i] & M_NEVER))
				c.bad = true;	/* the model is wrong for this code: claim nothing */
		ok = !c.bad;
	}
	if (!ok) {
		/* no claims; the decode may have stopped early: every instruction
		 * start is unknown, found again without the table's help */
		memset(c.m, 0, units * sizeof(*c.m));
		for (size_t i = 0; i < units; i++)
			c.m[i] = M_START;
		c.nb = 0;
		c.blk[0] = 0;
		c.bstart[0] = 0;
		c.blast[0] = units - 1;
		c.nb = 1;
		for (size_t i = 0; i < units; i++)
			c.blk[i] = 0;
		if (flags & EVL_F_RAN)
			c.m[0] |= M_RAN;
		out = result(&c, lines, instrumented ? EVL_R_INSTRUMENTED : EVL_R_INCONSISTENT, true, false, false);
		goto done;
	}
	if (instrumented) {
		all = EVL_R_INSTRUMENTED;
	} else if (all_zero) {
		all = EVL_R_NOT_QUICKENED;
	} else if (minor == 11) {
		all = quickened ? EVL_R_POSITIVE_ONLY : EVL_R_PRE_QUICKENING;
	}
	if (all == EVL_R_INSTRUMENTED || all == EVL_R_NOT_QUICKENED) {
		/* counters reset (de-instrumentation) or never set: only the
		 * first instruction of a code object that ran is known */
		for (size_t i = 0; i < units; i++)
			c.m[i] &= M_START | M_LEADER | M_HANDLER;
		if (flags & EVL_F_RAN)
			c.m[0] |= M_RAN;
		out = result(&c, lines, all, true, false, false);
	} else {
		out = result(&c, lines, all, true, minor >= 12, minor >= 12);
	}
done:
	free(c.m);
	free(c.prev);
	free(c.tgt);
	free(c.blk);
	free(c.bstart);
	free(c.blast);
	free(c.succ);
	free(c.nsucc);
	free(c.npred);
	free(c.predoff);
	free(c.preds);
	free(lines);
	return out;
}

struct ev_lines *evlines__alloc(size_t nl, size_t nbr)
{
	struct ev_lines *out = malloc(sizeof(*out) + nl * sizeof(struct evl_line) + nbr * sizeof(struct evl_branch));

	if (!out)
		return NULL;
	out->nlines = nl;
	out->nbranches = nbr;
	out->lines = (struct evl_line *)(out + 1);
	out->branches = (struct evl_branch *)(out->lines + nl);
	return out;
}

struct ev_lines *evlines__dup(const struct ev_lines *a)
{
	struct ev_lines *out = evlines__alloc(a->nlines, a->nbranches);

	if (out) {
		memcpy(out->lines, a->lines, a->nlines * sizeof(*a->lines));
		memcpy(out->branches, a->branches, a->nbranches * sizeof(*a->branches));
	}
	return out;
}

struct ev_lines *evlines__weaken(const struct ev_lines *a, enum evl_reason r)
{
	struct ev_lines *out = evlines__alloc(a->nlines, 0);

	if (!out)
		return NULL;
	for (uint32_t i = 0; i < a->nlines; i++) {
		out->lines[i] = a->lines[i];
		if (out->lines[i].status == EVL_NEVER)
			out->lines[i].status = EVL_UNKNOWN, out->lines[i].reason = r;
	}
	return out;
}

static const struct evl_line *find_line(const struct ev_lines *a, int32_t line)
{
	uint32_t lo = 0, hi = a->nlines;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (a->lines[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < a->nlines && a->lines[lo].line == line ? &a->lines[lo] : NULL;
}

static struct evl_line merge_one(struct evl_line x, struct evl_line y)
{
	if (x.status == EVL_RAN)
		return x;
	if (y.status == EVL_RAN)
		return y;
	if (x.status == EVL_NEVER && y.status == EVL_NEVER)
		return x;
	return x.status == EVL_UNKNOWN ? x : y;
}

struct ev_lines *evlines__merge(const struct ev_lines *a, const struct ev_lines *b)
{
	struct ev_lines *out = evlines__alloc(a->nlines + b->nlines, a->nbranches + b->nbranches);
	uint32_t i = 0, j = 0, n = 0, nb = 0;

	if (!out)
		return NULL;
	while (i < a->nlines || j < b->nlines) {
		if (j >= b->nlines || (i < a->nlines && a->lines[i].line < b->lines[j].line))
			out->lines[n++] = a->lines[i++];
		else if (i >= a->nlines || b->lines[j].line < a->lines[i].line)
			out->lines[n++] = b->lines[j++];
		else
			out->lines[n++] = merge_one(a->lines[i++], b->lines[j++]);
	}
	out->nlines = n;
	for (int k = 0; k < 2; k++) {
		const struct ev_lines *src = k ? b : a;

		for (uint32_t q = 0; q < src->nbranches; q++) {
			const struct evl_branch *br = &src->branches[q];
			const struct evl_line *at = find_line(out, br->line), *to = find_line(out, br->to);
			bool dup = false;

			for (uint32_t z = 0; z < nb && !dup; z++)
				dup = out->branches[z].line == br->line && out->branches[z].side == br->side;
			if (!dup && at && at->status == EVL_RAN && to && to->status == EVL_NEVER)
				out->branches[nb++] = *br;
		}
	}
	/* the branches were placed after a->nlines + b->nlines lines: move them up */
	memmove(out->lines + n, out->branches, nb * sizeof(*out->branches));
	out->branches = (struct evl_branch *)(out->lines + n);
	out->nbranches = nb;
	return out;
}

/*
 * Copies whose code may differ (two versions of a file with a function at
 * the same first line, in two processes): a line that only one of them has
 * proves nothing about the other, whose statement may have moved to a line
 * that ran. So a never-ran line must be never-ran in both.
 */
struct ev_lines *evlines__merge_strict(const struct ev_lines *a, const struct ev_lines *b)
{
	struct ev_lines *m = evlines__merge(a, b);
	uint32_t nb = 0;

	if (!m)
		return NULL;
	for (uint32_t i = 0; i < m->nlines; i++)
		if (m->lines[i].status == EVL_NEVER && (!find_line(a, m->lines[i].line) || !find_line(b, m->lines[i].line)))
			m->lines[i].status = EVL_UNKNOWN, m->lines[i].reason = EVL_R_OTHER_COPY;
	for (uint32_t q = 0; q < m->nbranches; q++) {
		const struct evl_line *to = find_line(m, m->branches[q].to);

		if (to && to->status == EVL_NEVER)
			m->branches[nb++] = m->branches[q];
	}
	m->nbranches = nb;
	return m;
}

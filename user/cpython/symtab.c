// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/symtab.h"
#include "lib/mem.h"
#include "cpython/pyobj.h"
#include "lib/alloc.h"
#include "lib/htab.h"
#include "lib/srccache.h"
#include "cpython/qualname.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRC_CACHE 8		/* source files kept for 3.8-3.10 qualified names */
#define SRC_MAX (4 << 20)

struct symtab {
	struct srccache *src;	/* 3.8-3.10: sources, for qualified names */
	int pid;
	bool frozen;
	const struct pylayout *l;
	symtab_intern_fn intern;
	void *intern_ctx;
	struct htab idx;	/* code addr -> index + 1 */
	struct codeinfo *codes;
	size_t n, cap;
	size_t lt_bytes;	/* line tables held */
	uint64_t evicted;
};

struct symtab *symtab__new(int pid, const struct pylayout *l, symtab_intern_fn intern, void *ctx)
{
	struct symtab *s = xcalloc(1, sizeof(*s));

	s->pid = pid;
	s->l = l;
	s->intern = intern;
	s->intern_ctx = ctx;
	htab__init(&s->idx);
	s->src = srccache__new(SRC_CACHE, SRC_MAX);
	return s;
}

void symtab__free(struct symtab *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->codes[i].lt);
	srccache__free(s->src);
	free(s->codes);
	htab__free(&s->idx);
	free(s);
}

void symtab__freeze(struct symtab *s)
{
	s->frozen = true;
}

static uint64_t u64_at(const uint8_t *buf, uint16_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, 8);
	return v;
}

/* Read the identity of the object at addr; -1 if it is not a code object. */
static int read_ident(struct symtab *s, uint64_t addr, uint8_t *buf, uint64_t id[4])
{
	const struct pylayout *l = s->l;
	int32_t first;

	if (mem__read(s->pid, addr, buf, l->code_read))
		return -1;
	if (l->code_type && u64_at(buf, l->ob_type) != l->code_type)
		return -1;
	memcpy(&first, buf + l->co_firstlineno, 4);
	id[0] = u64_at(buf, l->co_filename);
	id[1] = u64_at(buf, l->co_qualname != PY_NO_FIELD ? l->co_qualname : l->co_name);
	id[2] = u64_at(buf, l->co_linetable);
	id[3] = (uint32_t)first;
	return first < 0 ? -1 : 0;
}

static void fill_code(struct symtab *s, struct codeinfo *ci)
{
	const struct pylayout *l = s->l;
	char file[SYM_MAX_STR + 1], name[SYM_MAX_STR + 1];

	s->lt_bytes -= ci->ltlen;
	free(ci->lt);
	ci->lt = NULL;
	ci->ltlen = 0;
	ci->firstlineno = (int32_t)ci->id[3];
	if (pyobj__read_str(s->pid, l, ci->id[0], file, sizeof(file)))
		snprintf(file, sizeof(file), "<unknown file>");
	if (pyobj__read_str(s->pid, l, ci->id[1], name, sizeof(name))) {
		snprintf(name, sizeof(name), "<unknown>");
	} else if (l->co_qualname == PY_NO_FIELD) {
		/* 3.8-3.10: rebuild the qualified name from the source, when it shows
		 * co_name defined at co_firstlineno; else co_name stays */
		const struct srcfile *c = srccache__get(s->src, s->pid, file);
		char q[SYM_MAX_STR + 1];

		if (c->data && !qualname__from_source(c->data, c->len, ci->firstlineno, name, q, sizeof(q)))
			snprintf(name, sizeof(name), "%s", q);
	}
	pyobj__read_bytes(s->pid, l, ci->id[2], SYM_MAX_LINETABLE, &ci->lt, &ci->ltlen);
	s->lt_bytes += ci->ltlen;
	ci->func = s->intern(s->intern_ctx, file, name, ci->firstlineno);
	ci->valid = true;
}

uint64_t symtab__evicted(const struct symtab *s)
{
	return s->evicted;
}

/* Keep the entries used in the last SYM_KEEP_EPOCHS drains; when that is
 * more than 3/4 of the limit, keep none. The index is rebuilt. */
static void evict(struct symtab *s, uint32_t epoch)
{
	size_t keep = 0, n = 0;

	for (size_t i = 0; i < s->n; i++)
		keep += epoch - s->codes[i].epoch < SYM_KEEP_EPOCHS;
	bool all = keep > SYM_MAX_CODES / 4 * 3;

	htab__free(&s->idx);
	s->lt_bytes = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct codeinfo *ci = &s->codes[i];

		if (all || epoch - ci->epoch >= SYM_KEEP_EPOCHS) {
			free(ci->lt);
			s->evicted++;
			continue;
		}
		s->codes[n] = *ci;
		s->lt_bytes += ci->ltlen;
		*htab__put(&s->idx, ci->addr, NULL) = ++n;
	}
	s->n = n;
	if (s->lt_bytes > SYM_MAX_LT_BYTES / 4 * 3) {	/* a few huge tables: start over */
		for (size_t i = 0; i < s->n; i++)
			free(s->codes[i].lt);
		s->evicted += s->n;
		s->n = 0;
		s->lt_bytes = 0;
		htab__free(&s->idx);
	}
}

const struct codeinfo *symtab__resolve(struct symtab *s, uint64_t addr, uint32_t epoch)
{
	uint8_t buf[1024];
	uint64_t *v, id[4];
	struct codeinfo *ci;
	bool isnew;

	if (!s->frozen && (s->n >= SYM_MAX_CODES || s->lt_bytes > SYM_MAX_LT_BYTES) && !htab__get(&s->idx, addr))
		evict(s, epoch);
	v = htab__put(&s->idx, addr, &isnew);
	if (isnew) {
		ARRAY_RESERVE(s->codes, s->n, s->cap, 256);
		ci = &s->codes[s->n++];
		memset(ci, 0, sizeof(*ci));
		ci->addr = addr;
		*v = s->n;
	} else {
		ci = &s->codes[*v - 1];
		if (ci->epoch == epoch || s->frozen)
			return ci;
	}
	ci->epoch = epoch;
	if (s->frozen)
		return ci;
	if (s->l->code_read > sizeof(buf) || read_ident(s, addr, buf, id)) {
		/* gone or not a code object: keep what we had, if anything */
		return ci;
	}
	if (!ci->valid || memcmp(id, ci->id, sizeof(id))) {
		memcpy(ci->id, id, sizeof(id));
		fill_code(s, ci);
	}
	return ci;
}

int symtab__line(const struct symtab *s, const struct codeinfo *ci, int lasti)
{
	if (!ci->valid)
		return -1;
	if (!ci->lt)
		return lasti < 0 ? ci->firstlineno : -1;
	return linetable__line(s->l->lt_kind, ci->lt, ci->ltlen, ci->firstlineno, lasti);
}

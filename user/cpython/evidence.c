// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/evidence.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/pyobj.h"
#include "cpython/qualname.h"
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/htab.h"
#include "lib/mem.h"
#include "lib/srccache.h"

#define CHUNK (1 << 20)
#define MAX_UNITS (1 << 20)	/* code units of one code object */

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

struct strcache {
	struct htab idx;	/* str pointer -> index + 1 into strs, 0: unreadable */
	char **strs;
	size_t n, cap;
	struct srccache *src;	/* 3.8-3.10: sources, to rebuild qualified names as the symbolizer does */
};

static const char *qualname_cached(struct strcache *c, int pid, const char *file, const char *name, int first,
				   char *out, size_t outsz)
{
	const struct srcfile *f = srccache__get(c->src, pid, file);

	if (f->data && !qualname__from_source(f->data, f->len, first, name, out, outsz))
		return out;
	return name;
}

static const char *str_at(struct strcache *c, int pid, const struct pylayout *l, uint64_t ptr)
{
	uint64_t *v = htab__get(&c->idx, ptr);
	char buf[PYOBJ_MAX_STR + 1];

	if (v)
		return *v ? c->strs[*v - 1] : NULL;
	if (pyobj__read_str(pid, l, ptr, buf, sizeof(buf))) {
		*htab__put(&c->idx, ptr, NULL) = 0;
		return NULL;
	}
	ARRAY_RESERVE(c->strs, c->n, c->cap, 256);
	c->strs[c->n++] = xstrdup(buf);
	*htab__put(&c->idx, ptr, NULL) = c->n;
	return c->strs[c->n - 1];
}

struct code_probe {
	const struct ev_scan *s;
	const char *file, *name;
	int first;
};

static bool same_code(uint64_t val, const void *probe)
{
	const struct code_probe *p = probe;
	const struct ev_code *c = &p->s->codes[val - 1];

	return c->firstline == p->first && !strcmp(c->file, p->file) && !strcmp(c->qualname, p->name);
}

static void add_code(struct ev_scan *s, struct htab *seen, const char *file, const char *name, int first,
		     enum ev_status st)
{
	struct code_probe pr = { s, file, name, first };
	uint64_t h = hash__str(name, hash__str(file, first)), *v = htab__find(seen, h, same_code, &pr);
	struct ev_code *c;

	if (v) {
		c = &s->codes[*v - 1];
		/* two live copies (reloads, exec): ran anywhere means ran */
		if (st == EV_RAN || c->status == EV_UNKNOWN)
			c->status = st == EV_UNKNOWN ? c->status : st;
		return;
	}
	ARRAY_RESERVE(s->codes, s->n, s->cap, 1024);
	c = &s->codes[s->n++];
	c->file = xstrdup(file);
	c->qualname = xstrdup(name);
	c->firstline = first;
	c->status = st;
	htab__add(seen, h, s->n);
}

/* Validate the candidate object at addr and record it. */
static void candidate(int pid, const struct pylayout *l, const struct evfacts *f, uint64_t addr,
		       const uint8_t *hdr, struct strcache *sc, struct htab *seen, struct ev_scan *s)
{
	uint64_t refcnt, units = 0, lt;
	int32_t first;
	const char *file, *name;
	uint8_t *bc = NULL;
	enum ev_status st;
	char qbuf[PYOBJ_MAX_STR + 1];

	memcpy(&refcnt, hdr, 8);
	/* a freed pymalloc block has a free-list pointer here; immortal objects
	 * (3.12+) have the low 32 bits all ones */
	if (!refcnt || (refcnt >= (1ULL << 40) && (uint32_t)refcnt != 0xffffffffU))
		return;
	memcpy(&first, hdr + l->co_firstlineno, 4);
	memcpy(&lt, hdr + l->co_linetable, 8);
	if (first < 0 || !lt || (lt & 7))
		return;
	if (l->minor >= 11) {
		int32_t ft;

		memcpy(&units, hdr + 16, 8);	/* ob_size: code units */
		memcpy(&ft, hdr + f->firsttraceable, 4);
		if (!units || units > MAX_UNITS || ft < 0 || (uint64_t)ft >= units)
			return;
		bc = malloc(units * 2);
		if (!bc)
			return;
		if (mem__read(pid, addr + l->bpf.code_adaptive, bc, units * 2)) {
			free(bc);
			return;
		}
		s->bytes_read += units * 2;
	}
	file = str_at(sc, pid, l, *(const uint64_t *)(hdr + l->co_filename));
	name = str_at(sc, pid, l,
		    *(const uint64_t *)(hdr + (l->co_qualname != PY_NO_FIELD ? l->co_qualname : l->co_name)));
	if (!file || !name) {
		free(bc);
		return;
	}
	if (l->co_qualname == PY_NO_FIELD)
		name = qualname_cached(sc, pid, file, name, first, qbuf, sizeof(qbuf));
	st = evidence__status(l, hdr, bc, units);
	add_code(s, seen, file, name, first, st);
	free(bc);
}

int evidence__scan(int pid, const struct pylayout *l, struct ev_scan *out, char *why, size_t whysz)
{
	const struct evfacts *f = facts_of(l->minor);
	char path[64], *maps, *line;
	uint8_t *chunk;
	struct strcache sc = {};
	struct htab seen;

	memset(out, 0, sizeof(*out));
	if (!f || !l->code_type || !l->unicode_type) {
		snprintf(why, whysz, "CPython %s: no execution evidence support", l->version);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = file__read(path, 64 << 20, NULL);
	if (!maps) {
		snprintf(why, whysz, "no process with PID %d", pid);
		return -1;
	}
	chunk = xcalloc(CHUNK + 1024, 1);
	htab__init(&sc.idx);
	htab__init(&seen);
	sc.src = srccache__new(0, 4 << 20);
	for (line = maps; line && *line;) {
		uint64_t start, end;
		char perms[5] = "", name[256] = "";

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %255s", &start, &end, perms,
			   name) >= 3 && perms[0] == 'r' && perms[1] == 'w' &&
		    strncmp(name, "[stack", 6) && strcmp(name, "[vvar]") && strcmp(name, "[vsyscall]")) {
			for (uint64_t a = start; a < end; a += CHUNK) {
				uint64_t len = end - a < CHUNK ? end - a : CHUNK;

				if (mem__read(pid, a, chunk, len))
					continue;	/* unmapped meanwhile, or a guard page */
				out->bytes_read += len;
				for (uint64_t i = l->ob_type; i + 8 <= len; i += 8) {
					uint64_t w, obj;
					uint8_t hdr[512];

					memcpy(&w, chunk + i, 8);
					if (w != l->code_type)
						continue;
					out->candidates++;
					obj = a + i - l->ob_type;
					if (i - l->ob_type + l->code_read <= len)
						memcpy(hdr, chunk + i - l->ob_type, l->code_read);
					else if (mem__read(pid, obj, hdr, l->code_read))
						continue;
					candidate(pid, l, f, obj, hdr, &sc, &seen, out);
				}
			}
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	for (size_t i = 0; i < sc.n; i++)
		free(sc.strs[i]);
	srccache__free(sc.src);
	free(sc.strs);
	htab__free(&sc.idx);
	htab__free(&seen);
	free(chunk);
	free(maps);
	return 0;
}

void ev_scan__free(struct ev_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->codes[i].file);
		free(s->codes[i].qualname);
	}
	free(s->codes);
	memset(s, 0, sizeof(*s));
}

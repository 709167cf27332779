// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Finding live code objects in a target and reading their evidence
 * (cpython/evidence.h). A full round reads every writable mapping, page
 * runs that are resident only (/proc/PID/pagemap); a later round re-reads
 * the code objects last seen never-ran and the memory mapped since. The
 * rounds' schedule is collect/evround.c's.
 *
 * Besides the markers, a round takes two kinds of positive evidence: a code
 * object with a frame on any thread's stack ran (the stacks are walked as
 * the sampler walks them), and a live function object of a code object
 * (PyFunction_Type, found in the same pass) shows that its definition
 * executed, so its enclosing code ran (deadcode/status.c).
 *
 * Over 500 lines: the full and the later rounds share the string cache, the
 * residency walk and the per-candidate validation (the line evidence they
 * take is kept and read again by evlread.c).
 */
#include "cpython/evidence.h"
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cpython/pyobj.h"
#include "cpython/qualname.h"
#include "cpython/evproof.h"
#include "cpython/evlines.h"
#include "lib/alloc.h"
#include "lib/clock.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "lib/srccache.h"

#define CHUNK (1 << 20)
#define PAGE 4096
#define MAX_UNITS (1 << 20)	/* code units of one code object */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
/* a guard region (Linux 6.15+: glibc's thread-stack guards, MADV_GUARD_INSTALL)
 * also sets PM_SWAPPED, for a marker entry: nothing is swapped out there */
#define PM_GUARD (1ULL << 58)

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

static void strcache__free(struct strcache *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->strs[i]);
	srccache__free(c->src);
	free(c->strs);
	htab__free(&c->idx);
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

/* The merged status of two live copies: ran anywhere means ran; a copy
 * without evidence may have run, so never-ran needs every copy. */
static uint8_t merge(uint8_t a, uint8_t b)
{
	if (a == EV_RAN || b == EV_RAN)
		return EV_RAN;
	return a == EV_UNKNOWN || b == EV_UNKNOWN ? EV_UNKNOWN : EV_NEVER;
}

struct file_probe {
	const struct ev_scan *s;
	const char *name;
};

static bool same_file(uint64_t val, const void *probe)
{
	const struct file_probe *p = probe;

	return !strcmp(p->s->files[val - 1], p->name);
}

/* The one copy of a file name (a module's thousands of code objects share it). */
static const char *file_of(struct ev_scan *s, const char *file)
{
	struct file_probe pr = { s, file };
	uint64_t h = hash__str(file, 0x66696c65), *v = htab__find(&s->file_idx, h, same_file, &pr);

	if (v)
		return s->files[*v - 1];
	ARRAY_RESERVE(s->files, s->nfiles, s->capfiles, 64);
	s->files[s->nfiles++] = xstrdup(file);
	htab__add(&s->file_idx, h, s->nfiles);
	return s->files[s->nfiles - 1];
}

/* Record a code object; its index in codes. */
uint32_t ev_scan__add(struct ev_scan *s, const char *file, const char *name, int first, enum ev_status st)
{
	struct code_probe pr = { s, file, name, first };
	uint64_t h = hash__str(name, hash__str(file, first)), *v = htab__find(&s->seen, h, same_code, &pr);
	struct ev_code *c;

	if (v) {
		c = &s->codes[*v - 1];
		c->status = merge(c->status, st);
		return *v - 1;
	}
	if (s->n >= EV_MAX_CODES) {
		s->partial = true;	/* not recorded: its module is not "never imported" */
		return UINT32_MAX;
	}
	ARRAY_RESERVE(s->codes, s->n, s->cap, 1024);
	c = &s->codes[s->n++];
	c->file = file_of(s, file);
	c->qualname = xstrdup(name);
	c->firstline = first;
	c->status = st;
	c->flags = 0;
	c->lines = NULL;
	c->lines_weak = false;
	htab__add(&s->seen, h, s->n);
	return s->n - 1;
}

/* Status of the code object whose header is hdr, reading its bytecode
 * (3.11+); -1 when it does not validate as a live code object. */
static int status_of(int pid, const struct pylayout *l, uint64_t addr, const uint8_t *hdr, struct ev_scan *s,
		     const struct evround_ctx *r, struct ev_probe *probe, struct ev_lines **lines)
{
	const struct ev_facts *f = evidence__facts(l->minor);
	uint64_t units = 0, lt;
	int32_t first;
	uint8_t *bc = NULL;
	enum ev_status st;
	bool marked;

	if (!f)
		return -1;
	/* a freed block has an allocator's free-list pointer in its header */
	if (!pyobj__live(l, hdr))
		return -1;
	memcpy(&first, hdr + l->co_firstlineno, 4);
	memcpy(&lt, hdr + l->co_linetable, 8);
	if (first < 0 || !lt || (lt & 7))
		return -1;
	if (l->ft) {
		/* free-threaded 3.13t never specializes (ENABLE_SPECIALIZATION is
		 * 0 there: RESUME stays RESUME, no counter moves), so its bytecode
		 * proves nothing either way: a frame on a stack is its only
		 * evidence here (docs/free-threaded.md) */
		if (probe)
			memset(probe, 0, sizeof(*probe));
		return htab__get(&r->on_stack, addr) ? EV_RAN : EV_UNKNOWN;
	}
	if (l->minor >= 11) {
		int32_t ft;

		memcpy(&units, hdr + l->ob_type + 8, 8);	/* ob_size: code units */
		memcpy(&ft, hdr + f->firsttraceable, 4);
		if (!units || units > MAX_UNITS || ft < 0 || (uint64_t)ft >= units)
			return -1;
		bc = malloc(units * 2);
		if (!bc)
			return -1;
		if (mem__read(pid, addr + l->bpf.code_adaptive, bc, units * 2)) {
			free(bc);
			return -1;
		}
		s->bytes_read += units * 2;
	}
	st = evidence__status(l, hdr, bc, units, r->flags);
	/* lines only when the code's own markers moved: a frame seen on a
	 * stack may belong to a PEP 523 evaluator that runs the code without
	 * its caches (then no line is never-ran: a copy without lines) */
	marked = st == EV_RAN;
	if (htab__get(&r->on_stack, addr))
		st = EV_RAN;	/* it has a frame: it runs */
	if (probe && (st != EV_NEVER || !evidence__probe(l, addr, hdr, bc, units, probe)))
		memset(probe, 0, sizeof(*probe));
	if (lines && s->want_lines && marked && !s->lines_capped)
		*lines = evlines__read(pid, l, addr, hdr, bc, units,
				       EVL_F_RAN | (evidence__instrumented(l, hdr) ? EVL_F_INSTRUMENTED : 0));
	free(bc);
	return st;
}

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

/* Validate the candidate object at addr and record it. */
static void candidate(int pid, const struct pylayout *l, uint64_t addr, const uint8_t *hdr,
		       struct strcache *sc, struct ev_scan *s, struct evround_ctx *r)
{
	const char *file, *name;
	char qbuf[PYOBJ_MAX_STR + 1];
	int32_t first;
	struct ev_probe probe;
	struct ev_lines *lines = NULL;
	int st = status_of(pid, l, addr, hdr, s, r, &probe, &lines);
	uint32_t idx;

	if (st < 0)
		return;
	memcpy(&first, hdr + l->co_firstlineno, 4);
	file = str_at(sc, pid, l, u64_at(hdr, l->co_filename));
	name = str_at(sc, pid, l, name_ptr(l, hdr));
	if (!file || !name) {
		free(lines);
		return;
	}
	if (l->co_qualname == PY_NO_FIELD)
		name = qualname_cached(sc, pid, file, name, first, qbuf, sizeof(qbuf));
	idx = ev_scan__add(s, file, name, first, st);
	evlines__take(s, l, addr, hdr, idx, st, lines);
	if (idx != UINT32_MAX) {
		*htab__put(&r->at, addr, NULL) = (uint64_t)idx + 1;
		*htab__put(&r->code_name, addr, NULL) = name_ptr(l, hdr);
	}
	if (st == EV_NEVER && idx != UINT32_MAX) {	/* later rounds look again */
		ARRAY_RESERVE(s->watch, s->nwatch, s->capwatch, 1024);
		s->watch[s->nwatch++] = (struct ev_watch){ addr, u64_at(hdr, l->co_filename), name_ptr(l, hdr),
							   first, idx, probe };
	}
}

/* Which pages of [a, a + len) are resident: 1 present, 2 swapped out, 0
 * neither (never touched). Without a pagemap (a memory image) all are. */
static void residency(int pmfd, uint64_t a, uint64_t len, uint8_t *res)
{
	uint64_t pm[CHUNK / PAGE];
	size_t np = (len + PAGE - 1) / PAGE;

	if (pmfd < 0 || pread(pmfd, pm, np * 8, (off_t)(a / PAGE * 8)) != (ssize_t)(np * 8)) {
		memset(res, 1, np);
		return;
	}
	for (size_t i = 0; i < np; i++)
		res[i] = (pm[i] & PM_PRESENT) ? 1 : (pm[i] & PM_SWAPPED) && !(pm[i] & PM_GUARD) ? 2 : 0;
}

/* Scan [start, end) for code objects, resident pages only. */
static void scan_range(int pid, const struct pylayout *l, int pmfd, uint64_t start, uint64_t end, uint8_t *chunk,
		       struct strcache *sc, struct ev_scan *s, struct evround_ctx *r)
{
	uint8_t res[CHUNK / PAGE];

	for (uint64_t a = start; a < end; a += CHUNK) {
		uint64_t len = end - a < CHUNK ? end - a : CHUNK;
		size_t np = (len + PAGE - 1) / PAGE;

		residency(pmfd, a, len, res);
		for (size_t p = 0; p < np;) {
			size_t q = p;
			uint64_t off = p * PAGE, rlen;

			if (res[p] != 1) {
				uint64_t sk = p + 1 == np ? len - off : PAGE;

				s->bytes_skipped += sk;
				if (res[p] == 2) {
					s->bytes_swapped += sk;
					s->partial = true;
				}
				p++;
				continue;
			}
			while (q < np && res[q] == 1)
				q++;
			rlen = (q == np ? len : q * PAGE) - off;	/* a run of resident pages */
			p = q;
			if (mem__read(pid, a + off, chunk + off, rlen))
				continue;	/* unmapped meanwhile, or a guard page */
			s->bytes_read += rlen;
			for (uint64_t i = off + l->ob_type; i + 8 <= off + rlen; i += 8) {
				uint64_t w, obj;
				uint8_t hdr[512];

				memcpy(&w, chunk + i, 8);
				if (r->meta_only) {	/* classes of metaclasses found in the first pass */
					if (w && ev_metas__has(&r->newmetas, w))
						evproof__type(pid, l, a, chunk, off + rlen, i - l->ob_type, r);
					continue;
				}
				if (w == l->function_type && w) {
					evproof__function(pid, l, a, chunk, off + rlen, i - l->ob_type, r);
					continue;
				}
				if ((w == l->type_type && w) || (s->metas.n && w && ev_metas__has(&s->metas, w))) {
					evproof__type(pid, l, a, chunk, off + rlen, i - l->ob_type, r);
					continue;
				}
				if (w != l->code_type)
					continue;
				s->candidates++;
				obj = a + i - l->ob_type;
				if (i - l->ob_type + l->code_read <= off + rlen)
					memcpy(hdr, chunk + i - l->ob_type, l->code_read);
				else if (mem__read(pid, obj, hdr, l->code_read))
					continue;
				candidate(pid, l, obj, hdr, sc, s, r);
			}
		}
	}
}

static bool scannable(const char *perms, const char *name)
{
	return perms[0] == 'r' && perms[1] == 'w' && strncmp(name, "[stack", 6) && strcmp(name, "[vvar]") &&
	       strcmp(name, "[vsyscall]");
}

/* Is [start, end) inside one known range? (ranges sorted, disjoint) */
static bool known(const struct ev_scan *s, uint64_t start, uint64_t end)
{
	size_t lo = 0, hi = s->nranges;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->ranges[mid].end <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nranges && s->ranges[lo].start <= start && end <= s->ranges[lo].end;
}

static int by_start(const void *a, const void *b)
{
	const struct ev_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Walk the writable mappings; scan those not known (all, in a full round),
 * and remember every one. */
static int walk_maps(int pid, const struct pylayout *l, struct ev_scan *s, bool full, struct evround_ctx *r, char *why,
		     size_t whysz)
{
	char path[64], *maps, *line;
	struct ev_range *now = NULL;
	size_t nnow = 0, capnow = 0;
	struct strcache sc = {};
	uint8_t *chunk;
	int pmfd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	maps = file__read(path, 64 << 20, NULL);
	if (!maps) {
		snprintf(why, whysz, "no process with PID %d", pid);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pmfd = open(path, O_RDONLY | O_CLOEXEC);
	chunk = xcalloc(CHUNK + 1024, 1);
	sc.src = srccache__new(0, 4 << 20);
	for (line = maps; line && *line;) {
		uint64_t start, end;
		char perms[5] = "", name[256] = "";

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %255s", &start, &end, perms, name) >= 3 &&
		    start < end && scannable(perms, name)) {
			if (full || !known(s, start, end))
				scan_range(pid, l, pmfd, start, end, chunk, &sc, s, r);
			ARRAY_RESERVE(now, nnow, capnow, 64);
			now[nnow++] = (struct ev_range){ start, end };
		}
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	qsort(now, nnow, sizeof(*now), by_start);
	free(s->ranges);	/* what is mapped now is what the next round knows */
	s->ranges = now;
	s->nranges = nnow;
	s->capranges = capnow;
	if (pmfd >= 0)
		close(pmfd);
	strcache__free(&sc);
	free(chunk);
	free(maps);
	return 0;
}

/* Metaclasses found by a pass (ABCMeta, EnumType, ...): their classes may lie
 * anywhere, before them too; one more pass finds those (a first round of a
 * process, or one after a new metaclass appeared), and later rounds look for
 * them in their one pass. */
static void meta_pass(int pid, const struct pylayout *l, struct ev_scan *s, struct evround_ctx *r)
{
	char why[64];

	if (!r->newmetas.n)
		return;
	r->meta_only = true;
	walk_maps(pid, l, s, true, r, why, sizeof(why));
	for (size_t i = 0; i < EV_META_SLOTS; i++)	/* with any found in this pass */
		ev_metas__add(&s->metas, r->newmetas.slot[i]);
	r->meta_only = false;
}

static void round_reset(struct ev_scan *s, bool full)
{
	s->bytes_read = s->bytes_skipped = s->bytes_swapped = s->candidates = s->markers_reread = 0;
	s->full = full;
}

static int scan(int pid, const struct pylayout *l, struct ev_scan *out, bool lines, char *why, size_t whysz);

int evidence__scan(int pid, const struct pylayout *l, struct ev_scan *out, char *why, size_t whysz)
{
	return scan(pid, l, out, false, why, whysz);
}

int evidence__scan_lines(int pid, const struct pylayout *l, struct ev_scan *out, char *why, size_t whysz)
{
	return scan(pid, l, out, true, why, whysz);
}

static int scan(int pid, const struct pylayout *l, struct ev_scan *out, bool lines, char *why, size_t whysz)
{
	double t0 = clock__now();

	memset(out, 0, sizeof(*out));
	out->want_lines = lines;
	if (!evidence__facts(l->minor) || !l->code_type || !l->unicode_type) {
		snprintf(why, whysz, "CPython %s: no execution evidence support", l->version);
		return -1;
	}
	struct evround_ctx r;
	int ret;

	round_reset(out, true);
	/* free-threaded: code objects are found, but without markers nothing
	 * shows that a module's code is all there, so "no code of this module
	 * is loaded" is not claimed either (docs/free-threaded.md) */
	out->partial = l->ft;
	evproof__begin(pid, l, &r, out);
	ret = walk_maps(pid, l, out, true, &r, why, whysz);
	meta_pass(pid, l, out, &r);
	evproof__end(pid, l, out, &r);
	evlines__recheck(pid, l, out, t0);
	return ret;
}

int evidence__update(int pid, const struct pylayout *l, struct ev_scan *s, char *why, size_t whysz)
{
	size_t keep = 0;
	struct evround_ctx r;
	int ret;

	round_reset(s, false);
	evproof__begin(pid, l, &r, s);
	for (size_t i = 0; i < s->nwatch; i++) {
		struct ev_watch *w = &s->watch[i];
		uint8_t hdr[512];
		int32_t first;
		int st = -1;

		s->markers_reread++;
		if (l->code_read <= sizeof(hdr) && !mem__read(pid, w->addr, hdr, l->code_read)) {
			s->bytes_read += l->code_read;
			memcpy(&first, hdr + l->co_firstlineno, 4);
			if (u64_at(hdr, l->ob_type) == l->code_type && u64_at(hdr, l->co_filename) == w->file &&
			    name_ptr(l, hdr) == w->name && first == w->first)
				st = status_of(pid, l, w->addr, hdr, s, &r, &w->probe, NULL);
		}
		if (st < 0)	/* gone or replaced: it may have run before it went */
			st = EV_UNKNOWN;
		s->codes[w->code].status = merge(s->codes[w->code].status, st);
		if (st == EV_NEVER)
			s->watch[keep++] = *w;
	}
	s->nwatch = keep;
	ret = walk_maps(pid, l, s, false, &r, why, whysz);
	meta_pass(pid, l, s, &r);
	evproof__end(pid, l, s, &r);
	evlines__recheck(pid, l, s, clock__now() - 1);
	return ret;
}

void ev_scan__free(struct ev_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->codes[i].qualname);
		free(s->codes[i].lines);
	}
	free(s->lpend);
	free(s->codes);
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	htab__free(&s->file_idx);
	free(s->watch);
	free(s->ranges);
	htab__free(&s->seen);
	memset(s, 0, sizeof(*s));
}

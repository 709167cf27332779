// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The stack walker (bpf/walker.h, as host C), the layout of each version and
 * the symbolizer, against memory images of real stopped processes of every
 * recorded CPython (tests/data/memimage-*.txt, from `make images`). Needs no
 * interpreter: a machine without 3.8 still checks the 3.8 layout.
 */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/mem.h"
#include "profile/profile.h"
#include "cpython/pylayout.h"
#include "cpython/symtab.h"
#include "cpython/walkhost.h"

#define FAKE_PID 0x7ffffff0	/* reads of this PID are served by the image */

struct check {
	const struct memimage *img;
	struct symtab *sym;
	struct profile *prof;
	const char *path;
	int matched, threads, unsearchable;
};

/* the symbol table interns functions into the test's profile */
static uint32_t intern(void *ctx, const char *file, const char *qualname, int firstline)
{
	return profile__func(ctx, file, qualname, firstline);
}

static int on_thread(const struct cb_stack *st, __u64 ts, int searchable, void *ctx)
{
	struct check *c = ctx;
	char got[512];

	c->threads++;
	c->unsearchable += !searchable;
	if (st->depth != c->img->nexpect)
		return 0;
	for (__u32 i = 0; i < st->depth; i++) {
		/* frames are leaf first; expectations root first */
		const struct codeinfo *ci = symtab__resolve(c->sym, st->frames[i].code, 1);
		const struct pfunc *f;
		const char *base;

		cr_assert(ci->valid, "%s: frame %u: code object unreadable", c->path, i);
		f = &c->prof->funcs[ci->func];
		base = strrchr(f->file, '/');
		snprintf(got, sizeof(got), "%s %s %d", f->qualname, base ? base + 1 : f->file,
			 symtab__line(c->sym, ci, st->frames[i].lasti));
		cr_expect_str_eq(got, c->img->expect[st->depth - 1 - i], "%s: frame %u", c->path, i);
	}
	c->matched++;
	return 0;
}

/* Serve FAKE_PID from img and point the layout at the image's addresses. */
static void use(struct memimage *img, struct pylayout *l)
{
	mem__use_image(FAKE_PID, img);
	l->bpf.runtime_addr = img->runtime;
	l->code_type = img->code_type;
	l->unicode_type = img->unicode_type;
	l->bytes_type = img->bytes_type;
}

static void check_image(const char *path)
{
	char err[256], why[256];
	struct memimage *img = memimage__load(path, err, sizeof(err));
	struct pylayout l;
	struct check c = { .path = path };
	uint8_t head[1024];
	int major, minor;

	cr_assert_not_null(img, "%s", err);
	cr_assert_eq(sscanf(img->python, "%d.%d", &major, &minor), 2, "%s", path);
	mem__use_image(FAKE_PID, img);
	/* the same resolution the agent does: debug offsets when present, else the table */
	if (!mem__read(FAKE_PID, img->runtime, head, sizeof(head)) && !memcmp(head, "xdebugpy", 8))
		cr_assert_eq(pylayout__from_debug_offsets(head, sizeof(head), &l, why, sizeof(why)), 0,
			     "%s: %s", path, why);
	else
		cr_assert_eq(pylayout__from_table(major, minor, &l), 0, "%s: no table row", path);
	cr_assert(minor < 13 || !memcmp(head, "xdebugpy", 8), "%s: 3.13+ without debug offsets", path);
	if (minor >= 13) {	/* sys.modules (exit reads): the debug offsets agree with the headers */
		struct pylayout t;

		/* a free-threaded build's (memimage-3.13t) against its own row */
		cr_assert_eq((l.ft ? pylayout__from_table_ft : pylayout__from_table)(major, minor, &t), 0);
		cr_expect_eq(l.interp_modules, t.interp_modules, "%s: imports_modules %u, headers %u", path,
			     l.interp_modules, t.interp_modules);
		/* the run-time cross-check: every offset used agrees with the row */
		cr_expect_eq(l.row_ndiff, 0, "%s: debug offsets differ from the row: %s", path, l.row_diff);
		cr_expect_eq(l.row_ncompared, 24, "%s", path);
		/* the <gc> frame without markers: offsetof() over each version's
		 * headers (interp->gc.collecting; tstate->interp; 3.13's _status
		 * bit holds_gil, 3.14+'s int holds_gil) */
		{
			static const struct { uint32_t coll; uint16_t interp, gil, mask; } want[] = {
				[13] = { 7400 + 200, 16, 32, 1u << 5 },
				[14] = { 7408 + 192, 16, 36, 0xffff },
				[15] = { 7400 + 112, 16, 36, 0xffff },
			};

			cr_assert(minor <= 15, "%s: no expected <gc> offsets", path);
			if (l.ft)	/* free-threaded: no GC-state source (no GIL) */
				cr_expect_eq(l.bpf.gc_collecting, 0, "%s", path);
			else {
				cr_expect_eq(l.bpf.gc_collecting, want[minor].coll, "%s: gc.collecting at %u", path,
					     l.bpf.gc_collecting);
				cr_expect_eq(l.bpf.ts_interp, want[minor].interp, "%s", path);
				cr_expect_eq(l.bpf.ts_holds_gil, want[minor].gil, "%s", path);
				cr_expect_eq(l.bpf.holds_gil_mask, want[minor].mask, "%s", path);
			}
		}
	}
	use(img, &l);

	c.img = img;
	c.prof = profile__new();
	c.sym = symtab__new(FAKE_PID, &l, intern, c.prof);
	cr_assert_gt(walkhost__threads(FAKE_PID, &l.bpf, CB_MAX_DEPTH, on_thread, &c, 1), 0, "%s", path);
	cr_expect_eq(c.matched, 1, "%s: no thread had the expected %zu frames", path, img->nexpect);
	cr_expect_eq(c.unsearchable, 0, "%s: the thread search missed a thread state", path);
	cr_log_info("%s: CPython %s, %d thread(s), %zu frames checked", path, img->python, c.threads,
		    img->nexpect);
	mem__use_image(0, NULL);
	symtab__free(c.sym);
	profile__free(c.prof);
	memimage__free(img);
}

Test(images, every_recorded_version_walks_and_symbolizes)
{
	glob_t g;
	int minors = 0;
	unsigned seen = 0;

	cr_assert_eq(glob("tests/data/memimage-3.*.txt", 0, NULL, &g), 0, "no images (run from the repo root)");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int minor;

		check_image(g.gl_pathv[i]);
		if (sscanf(strstr(g.gl_pathv[i], "memimage-3.") + 11, "%d", &minor) == 1 && minor < 32 &&
		    !(seen & (1u << minor))) {
			seen |= 1u << minor;
			minors++;
		}
	}
	globfree(&g);
	cr_assert_geq(minors, 7, "images of 3.8 to 3.14 expected, found %d versions", minors);
}

Test(images, a_wrong_layout_is_caught)
{
	/* the 3.12 image read with the 3.11 table must not produce the expected stack */
	char err[256];
	struct memimage *img = memimage__load("tests/data/memimage-3.12.txt", err, sizeof(err));
	struct pylayout l;
	struct check c = { .path = "3.12 image with the 3.11 layout" };

	cr_assert_not_null(img, "%s", err);
	cr_assert_eq(pylayout__from_table(3, 11, &l), 0);
	use(img, &l);
	c.img = img;
	c.prof = profile__new();
	c.sym = symtab__new(FAKE_PID, &l, intern, c.prof);
	walkhost__threads(FAKE_PID, &l.bpf, CB_MAX_DEPTH, on_thread, &c, 1);
	cr_assert_eq(c.matched, 0);
	mem__use_image(0, NULL);
	symtab__free(c.sym);
	profile__free(c.prof);
	memimage__free(img);
}

Test(images, corrupt_image_is_refused)
{
	char path[] = "/tmp/coldbpf-img-XXXXXX", err[256];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("coldbpf-memimage 1\nregion 0x1000 4 abcd\n", f);	/* 2 bytes for 4 */
	fclose(f);
	cr_assert_null(memimage__load(path, err, sizeof(err)));
	cr_assert(strstr(err, ":2: not a coldbpf memory image line"), "%s", err);
	unlink(path);
}

struct codes {
	uint64_t addr[CB_MAX_DEPTH];
	int n;
};

static int collect_codes(const struct cb_stack *st, __u64 ts, int searchable, void *ctx)
{
	struct codes *c = ctx;

	(void)ts;
	(void)searchable;
	for (__u32 i = 0; i < st->depth && c->n < CB_MAX_DEPTH; i++)
		c->addr[c->n++] = st->frames[i].code;
	return 0;
}

/* Code generated per request must not grow a symbol table without bound:
 * past SYM_MAX_CODES, unused entries go, and a code object evicted is read
 * again, to the same function. */
Test(images, symbol_table_is_bounded_and_evicts)
{
	char err[256];
	struct memimage *img = memimage__load("tests/data/memimage-3.12.txt", err, sizeof(err));
	struct pylayout l;
	struct profile *prof = profile__new();
	struct codes c = {};
	struct symtab *s;
	uint32_t func[CB_MAX_DEPTH];
	int real = 0;

	cr_assert_not_null(img, "%s", err);
	cr_assert_eq(pylayout__from_table(3, 12, &l), 0);
	use(img, &l);
	s = symtab__new(FAKE_PID, &l, intern, prof);
	walkhost__threads(FAKE_PID, &l.bpf, CB_MAX_DEPTH, collect_codes, &c, 0);
	cr_assert_gt(c.n, 0);
	for (int i = 0; i < c.n; i++) {
		const struct codeinfo *ci = symtab__resolve(s, c.addr[i], 1);

		func[i] = ci->func;
		real += ci->valid;
	}
	cr_assert_gt(real, 0, "no frame of the image resolved");
	/* a flood of other addresses, in a later drain */
	for (uint64_t a = 0; a < SYM_MAX_CODES - (uint64_t)c.n; a++)
		symtab__resolve(s, 0x10000 + a * 16, 2);
	cr_assert_eq(symtab__evicted(s), 0, "at the limit, nothing goes yet");
	/* much later: everything unused since epoch 2 goes */
	symtab__resolve(s, 0x8, 2 + SYM_KEEP_EPOCHS);
	cr_assert_geq(symtab__evicted(s), SYM_MAX_CODES - c.n);
	for (int i = 0; i < c.n; i++) {
		const struct codeinfo *ci = symtab__resolve(s, c.addr[i], 3 + SYM_KEEP_EPOCHS);

		if (ci->valid)
			cr_assert_eq(ci->func, func[i], "frame %d: read again to the same function", i);
	}
	/* all in use at once: the table starts over rather than grow */
	for (uint64_t a = 0; a < SYM_MAX_CODES + 10; a++)
		symtab__resolve(s, 0x900000 + a * 16, 20);
	cr_assert_geq(symtab__evicted(s), 2 * SYM_MAX_CODES - 100);
	mem__use_image(0, NULL);
	symtab__free(s);
	profile__free(prof);
	memimage__free(img);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record-image PID EXPECT OUT: record the memory the stack walker and the
 * symbolizer read from a stopped CPython process into a memory image, with the
 * expected frames (EXPECT: "QUALNAME FILE LINE" lines, root first, written by
 * tests/workloads/image_subject.py). Test tooling: it reads only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/elfinfo.h"
#include "lib/mem.h"
#include "cpython/classify.h"
#include "profile/profile.h"
#include "cpython/symtab.h"
#include "cpython/walkhost.h"
#include "lib/alloc.h"

struct rec {
	struct symtab *sym;
	struct profile *prof;
	int stacks;
};

/* the symbol table interns functions into a scratch profile */
static uint32_t intern(void *ctx, const char *file, const char *qualname, int firstline)
{
	return profile__func(ctx, file, qualname, firstline);
}

static int on_thread(const struct cb_stack *st, __u64 ts, int searchable, void *ctx)
{
	struct rec *r = ctx;

	for (__u32 i = 0; i < st->depth; i++)
		symtab__resolve(r->sym, st->frames[i].code, 1);
	r->stacks++;
	return 0;
}

int main(int argc, char **argv)
{
	struct classifier *d;
	struct pyproc_info info;
	struct memimage *img;
	struct rec r = {};
	char why[320], line[1024];
	uint8_t head[ELF_RUNTIME_HEAD];
	FILE *f;
	int pid;

	if (argc != 4) {
		fprintf(stderr, "usage: record-image PID EXPECT OUT\n");
		return 2;
	}
	pid = atoi(argv[1]);
	d = classifier__new();
	if (classifier__classify(d, pid, &info, why, sizeof(why)) != CL_PYTHON) {
		fprintf(stderr, "record-image: %s\n", why);
		return 1;
	}
	img = xcalloc(1, sizeof(*img));
	snprintf(img->python, sizeof(img->python), "%s", info.layout.version);
	img->runtime = info.layout.bpf.runtime_addr;
	img->code_type = info.layout.code_type;
	img->unicode_type = info.layout.unicode_type;
	img->bytes_type = info.layout.bytes_type;
	f = fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		img->expect = xrealloc(img->expect, img->nexpect + 1, sizeof(char *));
		img->expect[img->nexpect++] = xstrdup(line);
	}
	fclose(f);

	mem__record(pid, img);
	/* the start of _PyRuntime: _Py_DebugOffsets from 3.13 */
	mem__read(pid, img->runtime, head, sizeof(head));
	r.prof = profile__new();
	r.sym = symtab__new(pid, &info.layout, intern, r.prof);
	if (walkhost__threads(pid, &info.layout.bpf, CB_MAX_DEPTH, on_thread, &r, 1) <= 0) {
		fprintf(stderr, "record-image: no thread state could be walked\n");
		return 1;
	}
	mem__record(0, NULL);
	if (memimage__save(img, argv[3])) {
		perror(argv[3]);
		return 1;
	}
	fprintf(stderr, "record-image: CPython %s, %d thread(s), %zu regions -> %s\n", img->python,
		r.stacks, img->nregions, argv[3]);
	symtab__free(r.sym);
	profile__free(r.prof);
	memimage__free(img);
	classifier__free(d);
	return 0;
}

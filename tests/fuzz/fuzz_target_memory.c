// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A target's memory is hostile: the BPF walker (as host C), the symbol table
 * and the evidence markers read it through mem__read, here served from the
 * fuzz input as a memory image. The first byte picks the CPython layout;
 * the rest is mapped at BASE, and the runtime, thread states, frames, code
 * objects and strings all point somewhere inside (or outside) it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evidence.h"
#include "cpython/evproof.h"
#include "cpython/pylayout.h"
#include "cpython/symtab.h"
#include "cpython/walkhost.h"
#include "lib/mem.h"

#define PID 0x7ffffff0
#define BASE 0x10000ULL

static uint32_t intern(void *ctx, const char *file, const char *qualname, int firstline)
{
	(void)ctx;
	return (uint32_t)(strlen(file) + strlen(qualname) + (unsigned)firstline);
}

static int on_thread(const struct cb_stack *st, __u64 ts, int searchable, void *ctx)
{
	struct symtab *sym = ctx;

	(void)ts;
	(void)searchable;
	for (__u32 i = 0; i < st->depth; i++) {
		const struct codeinfo *ci = symtab__resolve(sym, st->frames[i].code, 1);

		symtab__line(sym, ci, st->frames[i].lasti);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memimage img = {};
	struct memregion r;
	struct pylayout l;
	struct symtab *sym;
	uint8_t *copy;

	if (size < 2 || size > (1 << 16))
		return 0;
	/* 3.8-3.14 by data[0] % 7; 3.13 with bit 0x40: the free-threaded 3.13t
	 * (its longer object header, its liveness test and proofs) */
	if ((data[0] % 7 == 5 && (data[0] & 0x40)) ? pylayout__from_table_ft(3, 13, &l)
						     : pylayout__from_table(3, 8 + data[0] % 7, &l))
		return 0;
	copy = malloc(size - 1);
	memcpy(copy, data + 1, size - 1);
	r.addr = BASE;
	r.len = size - 1;
	r.data = copy;
	img.regions = &r;
	img.nregions = 1;
	mem__use_image(PID, &img);
	l.bpf.runtime_addr = BASE;	/* type checks off: every object is taken at its word */
	l.code_type = l.unicode_type = l.bytes_type = 0;
	sym = symtab__new(PID, &l, intern, NULL);
	walkhost__threads(PID, &l.bpf, 64, on_thread, sym, 1);
	for (uint64_t a = BASE; a < BASE + 64 && a < BASE + r.len; a += 8)
		symtab__line(sym, symtab__resolve(sym, a, 2), (int)(a - BASE));
	if (r.len >= l.code_read)
		evidence__status(&l, copy, copy, (r.len - l.code_read) / 2, (data[0] & 0x80) ? EV_F_MONITORED : 0);
	{
		/* evidence without markers: stacks, interpreters' versions, and the
		 * first words taken as a function object and a class (its dict and
		 * names read from the image) */
		struct evround_ctx rc;
		struct ev_scan sc = {};

		evproof__begin(PID, &l, &rc, &sc);
		evproof__function(PID, &l, BASE, copy, r.len, 0, &rc);
		evproof__type(PID, &l, BASE, copy, r.len, 0, &rc);
		if (r.len > 8)
			evproof__type(PID, &l, BASE, copy, r.len, 8, &rc);
		if (!r.len || !ev_scan__add(&sc, "f.py", "C", 1, EV_NEVER))
			*htab__put(&rc.at, BASE, NULL) = 1;
		evproof__end(PID, &l, &sc, &rc);
		ev_scan__free(&sc);
	}
	symtab__free(sym);
	mem__use_image(0, NULL);
	free(copy);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading what evlines.c needs of a live code object (cpython/evlines.h):
 * its location table and exception table (bytes objects, bounded) and a
 * second copy of its adaptive bytecode.
 */
#include "cpython/evlines.h"
#include <stdlib.h>
#include <string.h>
#include "cpython/evidence.h"
#include "lib/mem.h"

/* PyCodeObject.co_exceptiontable: offsetof() against the headers of 3.11.7,
 * 3.12.1, 3.13.0, 3.14.10 and 3.15.2 (the same in each) */
#define CO_EXCEPTIONTABLE 40
#define MAX_TABLE (1 << 20)

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

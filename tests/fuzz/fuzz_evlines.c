// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Line evidence over bytes copied out of a target (cpython/evlines.c): two
 * reads of adaptive bytecode, a location table and an exception table, all
 * hostile; and merging the results. Input: minor byte, flags byte, then
 * three lengths (u16 each) and the bytes, each copied to an exact-size heap
 * buffer so ASan sees any read past an end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/evlines.h"

static uint8_t *take(const uint8_t **p, size_t *left, size_t *np)
{
	size_t n = *np < *left ? *np : *left;
	uint8_t *b;

	*np = n;
	b = malloc(n ? n : 1);
	memcpy(b, *p, n);
	*p += n;
	*left -= n;
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 8;
	size_t left, nbc, nlt, nexc;
	uint8_t *bc, *bc2, *lt, *exc;
	struct ev_lines *a, *b, *m;

	if (size < 8)
		return 0;
	left = size - 8;
	nbc = (data[2] | data[3] << 8) & ~1u;
	nlt = data[4] | data[5] << 8;
	nexc = data[6] | data[7] << 8;
	if (nbc > left)
		nbc = left & ~(size_t)1;
	bc = take(&p, &left, &nbc);
	lt = take(&p, &left, &nlt);
	exc = take(&p, &left, &nexc);
	bc2 = malloc(nbc ? nbc : 1);
	memcpy(bc2, bc, nbc);
	if (nbc)
		bc2[data[1] % nbc] ^= data[0];	/* a second read that differs a little */
	a = evlines__compute(11 + data[0] % 5, bc, NULL, nbc / 2, lt, nlt, 1, exc, nexc, data[1] & 3);
	b = evlines__compute(11 + data[0] % 5, bc, bc2, nbc / 2, lt, nlt, data[1], exc, nexc, EVL_F_RAN);
	if (a && b) {
		m = evlines__merge(a, b);
		free(m);
		m = evlines__weaken(a, EVL_R_EXITED);
		free(m);
	}
	free(a);
	free(b);
	free(bc);
	free(bc2);
	free(lt);
	free(exc);
	return 0;
}

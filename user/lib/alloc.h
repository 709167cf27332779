/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Allocation that cannot fail: out of memory prints one line and exits 1.
 * The one naming exception in the tree (docs/design.md, "Naming"): the
 * x-prefixed wrappers keep the libc shapes everybody knows.
 */
#ifndef COLDBPF_LIB_ALLOC_H
#define COLDBPF_LIB_ALLOC_H
#include <stddef.h>

void *xcalloc(size_t n, size_t sz);
/* realloc to n elements of sz bytes, checking n * sz for overflow */
void *xrealloc(void *p, size_t n, size_t sz);
/* NULL duplicates as "" */
char *xstrdup(const char *s);

/* Make room for one more element in a growing array: doubles cap (from
 * first) when n == cap. */
#define ARRAY_RESERVE(arr, n, cap, first)                                   \
	do {                                                                \
		if ((n) == (cap)) {                                         \
			(cap) = (cap) ? (cap) * 2 : (first);                \
			(arr) = xrealloc((arr), (cap), sizeof(*(arr)));     \
		}                                                           \
	} while (0)
#endif

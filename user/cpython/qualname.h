/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Qualified names for CPython 3.8-3.10, whose code objects carry only co_name:
 * rebuilt from the source text by scope indentation (docs/coldbpf.md, "Names").
 * Used only when the line at co_firstlineno (after decorators) really defines
 * co_name; otherwise the caller keeps co_name. A pure function over the text.
 */
#ifndef COLDBPF_CPYTHON_QUALNAME_H
#define COLDBPF_CPYTHON_QUALNAME_H
#include <stddef.h>

/* 0 with out = "Outer.method.<locals>.inner" etc.; -1 when the source does not
 * show co_name defined at firstlineno. */
int qualname__from_source(const char *src, size_t len, int firstlineno, const char *co_name,
			 char *out, size_t outsz);
#endif

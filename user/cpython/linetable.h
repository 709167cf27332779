/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Line-number decoding for the three CPython line-table formats
 * (cpython-internals.md §4). Pure functions over bytes copied out of the
 * target, bounded by the table length: garbage input gives a wrong line at
 * worst, never a read outside the table.
 */
#ifndef COLDBPF_CPYTHON_LINETABLE_H
#define COLDBPF_CPYTHON_LINETABLE_H
#include <stddef.h>
#include <stdint.h>

enum lt_kind {
	LT_LNOTAB = 1,		/* 3.8, 3.9: co_lnotab, lasti in bytes */
	LT_LINETABLE310 = 2,	/* 3.10: co_linetable, lasti in code units */
	LT_LOCATIONS = 3,	/* 3.11+: location table, lasti = instruction index */
};

/* Line executing at lasti, or -1 when the instruction has no line.
 * A negative lasti (frame not started) gives firstlineno. */
int linetable__line(enum lt_kind kind, const uint8_t *tab, size_t len, int firstlineno, int lasti);

int linetable__lnotab_line(const uint8_t *tab, size_t len, int firstlineno, int lasti_bytes);
int linetable__310_line(const uint8_t *tab, size_t len, int firstlineno, int lasti_units);
int linetable__locations_line(const uint8_t *tab, size_t len, int firstlineno, int index);
/* 3.11+: the line of every code unit 0..n-1 into out (-1: no line) in one
 * pass; units the table does not reach get -1. 0, or -1 on a garbage table. */
int linetable__locations_all(const uint8_t *tab, size_t len, int firstlineno, int32_t *out, size_t n);
#endif

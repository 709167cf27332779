/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The list of `coldbpf cold`, sorted as deadcode__sort leaves it. */
#ifndef COLDBPF_OUTPUT_COLDLIST_H
#define COLDBPF_OUTPUT_COLDLIST_H
#include <stdio.h>
#include "deadcode/deadcode.h"

/* Each: 0, or -1 on a write error. */
int coldlist__text(const struct deadcode *d, FILE *out);
int coldlist__tsv(const struct deadcode *d, FILE *out);
int coldlist__json(const struct deadcode *d, FILE *out);
#endif

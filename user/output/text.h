/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The text heatmap of a profile: hottest functions and lines, processes,
 * skipped CPythons, truncation and (with --stats) sampler statistics. */
#ifndef COLDBPF_OUTPUT_TEXT_H
#define COLDBPF_OUTPUT_TEXT_H
#include <stdio.h>
#include "output/format.h"
#include "profile/profile.h"

/* 0, or -1 on a write error. */
int text__write(const struct profile *p, const struct output_opts *o, FILE *out);
/* The sampler statistics section (--stats). */
void text__stats(const struct profile *p, FILE *out);
#endif

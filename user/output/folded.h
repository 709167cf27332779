/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_OUTPUT_FOLDED_H
#define COLDBPF_OUTPUT_FOLDED_H
#include <stdio.h>
#include "profile/profile.h"

/* One line per unique (process, stack), root first: "comm (PID);f (file:line);... N".
 * Identical lines from different threads are merged. 0, or -1 on a write error. */
int folded__write(const struct profile *p, FILE *out);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_LIB_CLOCK_H
#define COLDBPF_LIB_CLOCK_H
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double clock__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
#endif

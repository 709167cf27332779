/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Text that came from a target or a file, made safe to print; numbers and
 * lists parsed from the command line. */
#ifndef COLDBPF_LIB_STR_H
#define COLDBPF_LIB_STR_H
#include <stddef.h>

/* Copy s to out escaping control characters (as \xNN; a tab becomes a space)
 * and bytes that are not valid UTF-8, so hostile strings from a target never
 * reach a terminal raw. Always NUL-terminates; truncates on a whole character. */
void str__sanitize(const char *s, char *out, size_t outsz);

/* strtol with errno and range checks; 0 on success, -1 on bad input. */
int str__parse_long(const char *s, long min, long max, long *out);
/* strtod the same way, min and max included (NaN is out of range). */
int str__parse_double(const char *s, double min, double max, double *out);

/* "1234,5678" -> a new array of PIDs (1..INT32_MAX); 0, or -1 after a
 * one-line message naming the bad element. *pids is grown, *n counts. */
int str__parse_pids(const char *s, int **pids, size_t *n);
#endif

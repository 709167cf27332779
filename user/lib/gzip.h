/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* gzip through zlib, in memory: compression for pprof output
 * (output/pprof.c), bounded decompression for pprof input
 * (profile/pprofread.c). */
#ifndef COLDBPF_LIB_GZIP_H
#define COLDBPF_LIB_GZIP_H
#include <stddef.h>
#include <stdint.h>

/* in as a gzip member in a new buffer (*out, *len). 0, or -1. */
int gzip__compress(const void *in, size_t n, uint8_t **out, size_t *len);
/* One or more gzip members (bytes after the last one are ignored) in a
 * new buffer of at most max bytes (*out, *len). 0, or -1 with a short
 * reason in why ("corrupt", "truncated", "larger than max"). */
int gzip__decompress(const void *in, size_t n, size_t max, uint8_t **out, size_t *len, char *why,
		     size_t whysz);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small helpers shared by the agent: messages, number parsing, a hash map. */
#ifndef COLDBPF_UTIL_H
#define COLDBPF_UTIL_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern int cb_verbose;

/* "coldbpf: <msg>\n" on stderr. */
void cb_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void cb_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* strtol with errno and range checks; 0 on success, -1 on bad input. */
int parse_long(const char *s, long min, long max, long *out);

void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n, size_t sz);
char *xstrdup(const char *s);

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/*
 * Open-addressing map from a 64-bit key to a 64-bit value (often an index
 * into an array the caller owns). Keys are any value; emptiness is tracked
 * separately.
 */
struct u64map {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap;	/* power of two */
	size_t len;
};

void u64map__init(struct u64map *m);
void u64map__free(struct u64map *m);
/* Pointer to the value of key, or NULL. */
uint64_t *u64map__get(const struct u64map *m, uint64_t key);
/* Pointer to the value slot of key, inserted as 0 when absent (*isnew set). */
uint64_t *u64map__put(struct u64map *m, uint64_t key, bool *isnew);
bool u64map__del(struct u64map *m, uint64_t key);

/* Read a whole small file (procfs) into a NUL-terminated buffer; NULL on error. */
char *read_file_str(const char *path, size_t max, size_t *len);

/* Write s to a buffer escaping control characters and bytes >= 0x7f that are
 * not valid UTF-8, so hostile strings from a target never reach a terminal raw. */
void sanitize_text(const char *s, char *out, size_t outsz);

double now_sec(void);
#endif

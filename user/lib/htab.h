/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one hash table of coldbpf: open addressing over 64-bit keys with a
 * 64-bit value (a count, or the index + 1 of an element in an array the
 * caller owns). It grows at 3/4 load, shrinks when a quarter of that is
 * left after deletions, and purges tombstones when it rehashes.
 *
 * Two ways to key it, never mixed in one table:
 * - unique keys (htab__get/put/del): the key is the value's identity
 *   (a PID, an address);
 * - hashed keys (htab__find/add/remove): the key is a hash of a larger key
 *   (a file name, a stack); several entries may share a hash and the
 *   caller's eq() tells them apart, so a 64-bit collision is never a
 *   wrong answer.
 * Pointers to values are valid until the next put/add/del/remove.
 */
#ifndef COLDBPF_LIB_HTAB_H
#define COLDBPF_LIB_HTAB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct htab {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *state;	/* 0 empty, 1 full, 2 deleted */
	size_t cap;	/* 0 or a power of two >= HTAB_MIN_CAP */
	size_t len;	/* full slots */
	size_t tombs;	/* deleted slots */
};

#define HTAB_MIN_CAP 16

/* A zeroed struct htab is an empty table; init just zeroes it. */
void htab__init(struct htab *t);
/* Release the memory; the table is empty and usable again. */
void htab__free(struct htab *t);
size_t htab__len(const struct htab *t);

/* Unique keys. */
uint64_t *htab__get(const struct htab *t, uint64_t key);
/* The value slot of key, inserted as 0 when absent (*isnew says which; may be NULL). */
uint64_t *htab__put(struct htab *t, uint64_t key, bool *isnew);
bool htab__del(struct htab *t, uint64_t key);

/* Hashed keys. eq(val, probe): does the entry with value val hold the key
 * that probe describes? */
typedef bool (*htab_eq_fn)(uint64_t val, const void *probe);
uint64_t *htab__find(const struct htab *t, uint64_t hash, htab_eq_fn eq, const void *probe);
/* Insert (hash, val) even when the hash is present: call find first. */
void htab__add(struct htab *t, uint64_t hash, uint64_t val);
bool htab__remove(struct htab *t, uint64_t hash, htab_eq_fn eq, const void *probe);

/* The common eq(): values are index + 1 into an array of strings. */
struct htab_str_probe {
	char *const *strs;
	const char *s;
};
bool htab__same_str(uint64_t val, const void *probe);

/* Every entry, in no order: for (size_t it = 0; htab__next(t, &it, &k, &v);)
 * The table must not change during the walk. */
bool htab__next(const struct htab *t, size_t *it, uint64_t *key, uint64_t **val);

/* FNV-1a over n bytes, finished by hash__u64; seed separates key kinds. */
uint64_t hash__bytes(const void *p, size_t n, uint64_t seed);
/* hash__bytes over a NUL-terminated string */
uint64_t hash__str(const char *s, uint64_t seed);
static inline uint64_t hash__u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}
#endif

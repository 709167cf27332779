// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/htab.h"
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"

enum { EMPTY = 0, FULL = 1, DELETED = 2 };

void htab__init(struct htab *t)
{
	memset(t, 0, sizeof(*t));
}

void htab__free(struct htab *t)
{
	if (!t)
		return;
	free(t->keys);
	free(t->vals);
	free(t->state);
	memset(t, 0, sizeof(*t));
}

size_t htab__len(const struct htab *t)
{
	return t->len;
}

/* Move every entry into a table of cap slots (tombstones are dropped). */
static void rehash(struct htab *t, size_t cap)
{
	struct htab n = {
		.keys = xcalloc(cap, sizeof(uint64_t)),
		.vals = xcalloc(cap, sizeof(uint64_t)),
		.state = xcalloc(cap, 1),
		.cap = cap,
	};

	for (size_t i = 0; i < t->cap; i++) {
		size_t j;

		if (t->state[i] != FULL)
			continue;
		for (j = hash__u64(t->keys[i]) & (cap - 1); n.state[j] == FULL; j = (j + 1) & (cap - 1))
			;
		n.state[j] = FULL;
		n.keys[j] = t->keys[i];
		n.vals[j] = t->vals[i];
		n.len++;
	}
	htab__free(t);
	*t = n;
}

/* Room for one more entry: full and deleted slots stay under 3/4 so that
 * every probe ends at an empty slot. */
static void reserve(struct htab *t)
{
	size_t cap = t->cap ? t->cap : HTAB_MIN_CAP;

	if (t->cap && (t->len + t->tombs + 1) * 4 <= t->cap * 3)
		return;
	while ((t->len + 1) * 2 > cap)	/* at most half full after a rehash */
		cap *= 2;
	rehash(t, cap);
}

/* After a deletion: give memory back once under 1/8 full, to a size where
 * the entries fill at least 1/8 and at most 1/4 (hysteresis against the 3/4
 * growth point, so alternating put/del never rehashes every time). */
static void maybe_shrink(struct htab *t)
{
	size_t cap = t->cap;

	if (cap <= HTAB_MIN_CAP || t->len * 8 >= cap)
		return;
	while (cap > HTAB_MIN_CAP && t->len * 4 <= cap / 2)
		cap /= 2;
	rehash(t, cap);
}

static size_t probe_start(const struct htab *t, uint64_t key)
{
	return hash__u64(key) & (t->cap - 1);
}

uint64_t *htab__get(const struct htab *t, uint64_t key)
{
	if (!t->cap)
		return NULL;
	for (size_t i = probe_start(t, key);; i = (i + 1) & (t->cap - 1)) {
		if (t->state[i] == EMPTY)
			return NULL;
		if (t->state[i] == FULL && t->keys[i] == key)
			return &t->vals[i];
	}
}

static uint64_t *insert(struct htab *t, uint64_t key, uint64_t val)
{
	size_t i;

	reserve(t);
	for (i = probe_start(t, key); t->state[i] == FULL; i = (i + 1) & (t->cap - 1))
		;
	if (t->state[i] == DELETED)
		t->tombs--;
	t->state[i] = FULL;
	t->keys[i] = key;
	t->vals[i] = val;
	t->len++;
	return &t->vals[i];
}

uint64_t *htab__put(struct htab *t, uint64_t key, bool *isnew)
{
	uint64_t *v = htab__get(t, key);

	if (isnew)
		*isnew = !v;
	return v ? v : insert(t, key, 0);
}

static void erase(struct htab *t, uint64_t *val)
{
	size_t i = val - t->vals;

	t->state[i] = DELETED;
	t->len--;
	t->tombs++;
	maybe_shrink(t);
}

bool htab__del(struct htab *t, uint64_t key)
{
	uint64_t *v = htab__get(t, key);

	if (v)
		erase(t, v);
	return v != NULL;
}

uint64_t *htab__find(const struct htab *t, uint64_t hash, htab_eq_fn eq, const void *probe)
{
	if (!t->cap)
		return NULL;
	for (size_t i = probe_start(t, hash);; i = (i + 1) & (t->cap - 1)) {
		if (t->state[i] == EMPTY)
			return NULL;
		if (t->state[i] == FULL && t->keys[i] == hash && eq(t->vals[i], probe))
			return &t->vals[i];
	}
}

void htab__add(struct htab *t, uint64_t hash, uint64_t val)
{
	insert(t, hash, val);
}

bool htab__remove(struct htab *t, uint64_t hash, htab_eq_fn eq, const void *probe)
{
	uint64_t *v = htab__find(t, hash, eq, probe);

	if (v)
		erase(t, v);
	return v != NULL;
}

bool htab__same_str(uint64_t val, const void *probe)
{
	const struct htab_str_probe *p = probe;

	return !strcmp(p->strs[val - 1], p->s);
}

bool htab__next(const struct htab *t, size_t *it, uint64_t *key, uint64_t **val)
{
	for (; *it < t->cap; (*it)++) {
		if (t->state[*it] != FULL)
			continue;
		if (key)
			*key = t->keys[*it];
		if (val)
			*val = &t->vals[*it];
		(*it)++;
		return true;
	}
	return false;
}

uint64_t hash__bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return hash__u64(h);
}

uint64_t hash__str(const char *s, uint64_t seed)
{
	return hash__bytes(s, strlen(s), seed);
}

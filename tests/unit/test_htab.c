// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * lib/htab.c on its own: unique and hashed keys, growth, shrinking,
 * tombstones under churn, forced collisions, iteration, and a random model
 * check against a plain array.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/htab.h"

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(htab, empty_table)
{
	struct htab t = {};
	size_t it = 0;
	struct htab_str_probe pr = { NULL, "x" };

	cr_assert_null(htab__get(&t, 1));
	cr_assert_null(htab__find(&t, 1, htab__same_str, &pr));
	cr_assert(!htab__del(&t, 1));
	cr_assert(!htab__remove(&t, 1, htab__same_str, &pr));
	cr_assert_eq(htab__len(&t), 0);
	cr_assert(!htab__next(&t, &it, NULL, NULL));
	htab__free(&t);
	htab__free(NULL);
	*htab__put(&t, 5, NULL) = 7;	/* usable after free */
	cr_assert_eq(*htab__get(&t, 5), 7);
	htab__free(&t);
}

Test(htab, unique_keys)
{
	struct htab t;
	bool isnew;

	htab__init(&t);
	*htab__put(&t, 0, &isnew) = 10;
	cr_assert(isnew);
	*htab__put(&t, UINT64_MAX, &isnew) = 20;
	cr_assert(isnew);
	cr_assert_eq(*htab__put(&t, 0, &isnew), 10);
	cr_assert(!isnew);
	cr_assert_eq(*htab__get(&t, UINT64_MAX), 20);
	cr_assert_eq(htab__len(&t), 2);
	cr_assert(htab__del(&t, 0));
	cr_assert_null(htab__get(&t, 0));
	cr_assert(!htab__del(&t, 0));
	cr_assert_eq(htab__len(&t), 1);
	htab__free(&t);
}

Test(htab, grows_and_shrinks)
{
	struct htab t = {};

	for (uint64_t k = 0; k < 100000; k++) {
		*htab__put(&t, k * 0x9e3779b97f4a7c15ULL, NULL) = k + 1;
		cr_assert(is_pow2(t.cap) && t.cap >= HTAB_MIN_CAP);
		cr_assert_leq((t.len + t.tombs) * 4, t.cap * 3, "load above 3/4 at %lu", (unsigned long)k);
	}
	cr_assert_eq(htab__len(&t), 100000);
	for (uint64_t k = 0; k < 100000; k++)
		cr_assert_eq(*htab__get(&t, k * 0x9e3779b97f4a7c15ULL), k + 1);
	for (uint64_t k = 10; k < 100000; k++)
		cr_assert(htab__del(&t, k * 0x9e3779b97f4a7c15ULL));
	cr_assert_leq(t.cap, 128, "memory came back: cap %zu for 10 entries", t.cap);
	for (uint64_t k = 0; k < 10; k++)
		cr_assert_eq(*htab__get(&t, k * 0x9e3779b97f4a7c15ULL), k + 1);
	htab__free(&t);
}

Test(htab, churn_does_not_grow)
{
	struct htab t = {};

	/* 1000 resident keys keep the table from shrinking, so only the
	 * growth check can purge the tombstones of a new key per round */
	for (uint64_t k = 0; k < 1000; k++)
		*htab__put(&t, k, NULL) = k;
	for (uint64_t i = 0; i < 1000000; i++) {
		*htab__put(&t, 100000 + i, NULL) = i;
		cr_assert(htab__del(&t, 100000 + i));
		if (!(i & 1023))
			cr_assert_leq((t.len + t.tombs) * 4, t.cap * 3, "tombstones fill the table");
		cr_assert_null(htab__get(&t, 99999), "a miss must end at an empty slot");
	}
	cr_assert_leq(t.cap, 4096, "tombstones are purged: cap %zu", t.cap);
	cr_assert_eq(htab__len(&t), 1000);
	for (uint64_t k = 0; k < 1000; k++)
		cr_assert_eq(*htab__get(&t, k), k);
	htab__free(&t);
}

Test(htab, hashed_keys_share_one_hash)
{
	char *names[1000], buf[32];
	struct htab t = {};

	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "name-%d", i);
		names[i] = strdup(buf);
		htab__add(&t, 42, i + 1);	/* every key collides */
	}
	for (int i = 0; i < 1000; i++) {
		struct htab_str_probe pr = { names, names[i] };
		uint64_t *v = htab__find(&t, 42, htab__same_str, &pr);

		cr_assert_not_null(v);
		cr_assert_eq(*v, (uint64_t)i + 1);
	}
	{
		struct htab_str_probe pr = { names, "name-500" }, other = { names, "name-501" };

		cr_assert(htab__remove(&t, 42, htab__same_str, &pr));
		cr_assert_null(htab__find(&t, 42, htab__same_str, &pr));
		cr_assert_not_null(htab__find(&t, 42, htab__same_str, &other));
		cr_assert(!htab__remove(&t, 43, htab__same_str, &other), "another hash: not there");
	}
	cr_assert_eq(htab__len(&t), 999);
	for (int i = 0; i < 1000; i++)
		free(names[i]);
	htab__free(&t);
}

Test(htab, random_ops_match_a_model)
{
	enum { KEYS = 4096 };
	static bool present[KEYS];
	static uint64_t value[KEYS];
	static int seen[KEYS];
	struct htab t = {};
	uint64_t s = 0x2545f4914f6cdd1dULL, key, *v;
	size_t n = 0, it = 0, visited = 0;

	for (int i = 0; i < 300000; i++) {
		uint64_t r = xorshift(&s), k = r % KEYS;
		bool isnew;

		switch ((r >> 32) % 3) {
		case 0:
			v = htab__put(&t, k, &isnew);
			cr_assert_eq(isnew, !present[k]);
			if (!present[k])
				n++;
			present[k] = true;
			*v = value[k] = r;
			break;
		case 1:
			v = htab__get(&t, k);
			cr_assert_eq(v != NULL, present[k]);
			if (v)
				cr_assert_eq(*v, value[k]);
			break;
		case 2:
			cr_assert_eq(htab__del(&t, k), present[k]);
			n -= present[k];
			present[k] = false;
			break;
		}
		cr_assert_eq(htab__len(&t), n);
	}
	while (htab__next(&t, &it, &key, &v)) {
		cr_assert_lt(key, KEYS);
		cr_assert(present[key]);
		cr_assert_eq(*v, value[key]);
		cr_assert_eq(seen[key]++, 0, "key %lu visited twice", (unsigned long)key);
		visited++;
	}
	cr_assert_eq(visited, n);
	htab__free(&t);
}

Test(htab, hash_functions)
{
	cr_assert_eq(hash__bytes("abc", 3, 1), hash__bytes("abc", 3, 1));
	cr_assert_neq(hash__bytes("abc", 3, 1), hash__bytes("abc", 3, 2));
	cr_assert_neq(hash__bytes("abc", 3, 1), hash__bytes("abd", 3, 1));
	cr_assert_neq(hash__bytes("", 0, 1), hash__bytes("\0", 1, 1));
	cr_assert_eq(hash__str("coldbpf", 9), hash__bytes("coldbpf", 7, 9));
	cr_assert_neq(hash__u64(1), hash__u64(2));
}

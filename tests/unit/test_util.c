// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <string.h>
#include "util.h"

Test(util, u64map_insert_delete_reinsert)
{
	struct u64map m;

	u64map__init(&m);
	for (uint64_t k = 0; k < 5000; k++)
		*u64map__put(&m, k * 7919, NULL) = k + 1;
	for (uint64_t k = 0; k < 5000; k += 2)
		cr_assert(u64map__del(&m, k * 7919));
	for (uint64_t k = 0; k < 5000; k++) {
		uint64_t *v = u64map__get(&m, k * 7919);

		if (k % 2)
			cr_assert(v && *v == k + 1);
		else
			cr_assert_null(v);
	}
	for (int round = 0; round < 10; round++)	/* churn must not fill the table */
		for (uint64_t k = 0; k < 5000; k += 2) {
			bool isnew;

			*u64map__put(&m, k * 7919, &isnew) = 1;
			cr_assert(isnew);
			u64map__del(&m, k * 7919);
		}
	cr_assert_null(u64map__get(&m, 12345678));
	u64map__free(&m);
	u64map__free(NULL);
}

Test(util, parse_long_rejects_junk)
{
	long v;

	cr_assert_eq(parse_long("42", 1, 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(parse_long("42x", 1, 100, &v), -1);
	cr_assert_eq(parse_long("", 1, 100, &v), -1);
	cr_assert_eq(parse_long("101", 1, 100, &v), -1);
	cr_assert_eq(parse_long("99999999999999999999", 1, 100, &v), -1);
}

Test(util, sanitize_keeps_utf8_escapes_controls)
{
	char out[64];

	sanitize_text("caf\xc3\xa9 \xe2\x86\x92 ok", out, sizeof(out));
	cr_assert_str_eq(out, "caf\xc3\xa9 \xe2\x86\x92 ok");
	sanitize_text("a\x1b[0m\xff\tb", out, sizeof(out));
	cr_assert_str_eq(out, "a\\x1b[0m\\xff b");
	sanitize_text("0123456789abcdef", out, 8);
	cr_assert_eq(strlen(out), 7);
}

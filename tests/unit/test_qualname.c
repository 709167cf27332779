// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Source-based qualified names (3.8-3.10) against CPython 3.11's co_qualname
 * for every code object of tests/data/qualname_cases.py. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/qualname.h"
#include "lib/file.h"

Test(qualname, matches_cpython_co_qualname)
{
	size_t len;
	char *src = file__read("tests/data/qualname_cases.py", 1 << 20, &len);
	FILE *f = fopen("tests/data/qualname_cases.expected", "r");
	char name[256], want[512], got[512];
	int first, n = 0;

	cr_assert_not_null(src);
	cr_assert_not_null(f);
	while (fscanf(f, "%d %255s %511s", &first, name, want) == 3) {
		cr_expect_eq(qualname__from_source(src, len, first, name, got, sizeof(got)), 0,
			     "line %d %s: not resolved", first, name);
		cr_expect_str_eq(got, want, "line %d %s", first, name);
		n++;
	}
	cr_assert_geq(n, 20);
	fclose(f);
	free(src);
}

Test(qualname, refuses_when_the_source_moved)
{
	static const char src[] = "def a():\n    pass\n\n\ndef b():\n    pass\n";
	char out[64];

	cr_assert_eq(qualname__from_source(src, sizeof(src) - 1, 5, "b", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "b");
	/* the file changed: line 1 now defines a, not b */
	cr_assert_eq(qualname__from_source(src, sizeof(src) - 1, 1, "b", out, sizeof(out)), -1);
	cr_assert_eq(qualname__from_source(src, sizeof(src) - 1, 99, "b", out, sizeof(out)), -1);
	cr_assert_eq(qualname__from_source("", 0, 1, "b", out, sizeof(out)), -1);
	cr_assert_eq(qualname__from_source(src, sizeof(src) - 1, 1, "a", out, 1), -1, "no room");
}

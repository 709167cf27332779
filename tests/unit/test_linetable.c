// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Line decoders against CPython's own answers (tests/data/linetables-*.txt,
 * made by tests/tools/gen_linetables.py from real code objects). */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/linetable.h"

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	if (!strcmp(h, "-"))
		return 0;
	while (h[0] && h[1] && n < max) {
		unsigned v;

		sscanf(h, "%2x", &v);
		out[n++] = v;
		h += 2;
	}
	return n;
}

/* Checks every instruction of every code object in one fixture file;
 * returns the number of instructions checked. */
static long check_file(const char *path)
{
	static char line[1 << 20];
	static uint8_t tab[1 << 18];
	FILE *f = fopen(path, "r");
	int kind = 0, first = 0;
	size_t tlen = 0;
	char name[256] = "";
	long checked = 0;

	cr_assert_not_null(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "# CPython", 9)) {
			cr_assert_eq(sscanf(line, "# CPython %*s kind %d", &kind), 1);
		} else if (!strncmp(line, "code ", 5)) {
			char hex[sizeof(line)];

			cr_assert_eq(sscanf(line, "code %255s %d %s", name, &first, hex), 3);
			tlen = unhex(hex, tab, sizeof(tab));
		} else if (!strncmp(line, "at ", 3)) {
			char *p = line + 3;
			int lasti, want, n;

			while (sscanf(p, "%d %d%n", &lasti, &want, &n) == 2) {
				int got = linetable__line(kind, tab, tlen, first, lasti);

				cr_expect_eq(got, want, "%s: %s lasti %d: line %d, CPython says %d", path,
					     name, lasti, got, want);
				checked++;
				p += n;
			}
		}
	}
	fclose(f);
	cr_assert(kind >= LT_LNOTAB && kind <= LT_LOCATIONS, "%s has no kind", path);
	return checked;
}

Test(linetable, matches_cpython_for_every_recorded_version)
{
	glob_t g;
	int versions = 0;

	cr_assert_eq(glob("tests/data/linetables-3.*.txt", 0, NULL, &g), 0, "no fixtures (run from the repo root)");
	for (size_t i = 0; i < g.gl_pathc; i++) {
		long n = check_file(g.gl_pathv[i]);

		cr_expect_gt(n, 1000, "%s: only %ld instructions", g.gl_pathv[i], n);
		versions++;
	}
	globfree(&g);
	cr_assert_geq(versions, 7);	/* 3.8 through 3.14 */
}

Test(linetable, not_started_frame_is_first_line)
{
	static const uint8_t t311[] = { 0x80, 0x00, 0xd8, 0x04, 0x05 };

	cr_assert_eq(linetable__line(LT_LOCATIONS, t311, sizeof(t311), 10, -1), 10);
	cr_assert_eq(linetable__line(LT_LINETABLE310, (const uint8_t *)"\x02\x01", 2, 10, -1), 10);
	cr_assert_eq(linetable__line(LT_LNOTAB, (const uint8_t *)"\x02\x01", 2, 10, -1), 10);
}

Test(linetable, lnotab_large_jumps_accumulate)
{
	/* a 300-line jump is split into pairs (0, 127), (0, 127), (2, 46) */
	static const uint8_t t[] = { 0, 127, 0, 127, 2, 46 };

	cr_assert_eq(linetable__lnotab_line(t, sizeof(t), 1, 0), 255);
	cr_assert_eq(linetable__lnotab_line(t, sizeof(t), 1, 2), 301);
}

Test(linetable, garbage_never_reads_outside_the_table)
{
	uint8_t *buf = malloc(4096);

	srand(1);
	for (int round = 0; round < 2000; round++) {
		size_t len = rand() % 64;
		uint8_t *t = buf + 4096 - len;	/* the table ends at the allocation's end */

		for (size_t i = 0; i < len; i++)
			t[i] = rand();
		for (int k = LT_LNOTAB; k <= LT_LOCATIONS; k++)
			(void)linetable__line(k, t, len, 1, rand() % 200 - 2);
	}
	free(buf);
}

/* Hostile inputs the fuzzer found (tests/fuzz/fuzz_linetable.c): an
 * instruction index whose byte offset overflows an int, and deltas that
 * would carry the line past INT_MAX, give "no line", never UB. */
Test(linetable, hostile_lasti_and_deltas)
{
	static const uint8_t t310[] = { 0xff, 0x7f, 0xff, 0x7f };
	uint8_t loc[9 * 8];

	cr_assert_eq(linetable__310_line(t310, sizeof(t310), 1, 0x77777777), -1);
	cr_assert_eq(linetable__310_line(t310, sizeof(t310), 0x7fffffa0, 0), -1);
	cr_assert_eq(linetable__310_line(t310, sizeof(t310), 100, 0), 227, "an ordinary line still decodes");
	cr_assert_eq(linetable__lnotab_line(t310, sizeof(t310), 0x7fffff80, 0x7fffffff), -1);
	/* 3.11+ long-form entries (one code unit each) with line deltas of +2^28 */
	for (size_t i = 0; i < sizeof(loc); i += 9) {
		static const uint8_t entry[9] = { 0x80 | (14 << 3), 0x40, 0x40, 0x40, 0x40, 0x20, 0, 0, 0 };

		memcpy(loc + i, entry, 9);
	}
	cr_assert_eq(linetable__locations_line(loc, sizeof(loc), 1, 0), 1 + (1 << 28));
	cr_assert_eq(linetable__locations_line(loc, sizeof(loc), 0x7ffffff0, 0), -1);
	cr_assert_eq(linetable__locations_line(loc, sizeof(loc), 1, 7), -1, "1 + 8 x 2^28 is past INT_MAX");
}

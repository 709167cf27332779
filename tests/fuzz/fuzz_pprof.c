// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A pprof file given to report, cold or html (gzip or raw): read, rendered
 * as every profile format, and written as pprof again, which must read
 * back with the same number of samples. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "output/format.h"
#include "output/pprof.h"
#include "profile/pprofread.h"
#include "profile/profile.h"

/* Counts the writer keeps exactly (it saturates at INT64_MAX). */
static int small(const struct profile *p)
{
	uint64_t t = 0;

	for (size_t i = 0; i < p->nstacks; i++) {
		if (p->stacks[i].count >= 1ULL << 62 || (t += p->stacks[i].count) >= 1ULL << 62)
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct output_opts o = { .top = 5, .lines = true, .stats = true };
	struct pprof_opts po = { .raw = true, .host = "fuzz", .profile_id = "0" };
	struct profile *p, *q;
	char err[512];
	uint8_t *buf;
	size_t len;

	if (!null)
		null = fopen("/dev/null", "w");
	p = profile__from_pprof(data, size, "fuzz", err, sizeof(err));
	if (!p)
		return 0;
	format__find(OUT_PROFILE, "text")->profile(p, &o, null);
	format__find(OUT_PROFILE, "folded")->profile(p, &o, null);
	format__find(OUT_PROFILE, "json")->profile(p, &o, null);
	if (pprof__encode(p, &po, &buf, &len))
		abort();
	q = profile__from_pprof(buf, len, "again", err, sizeof(err));
	if (!q) {
		fprintf(stderr, "what was read does not read back: %s\n", err);
		abort();
	}
	if (small(p) && profile__total(q) != profile__total(p)) {
		fprintf(stderr, "samples: %llu, then %llu\n", (unsigned long long)profile__total(p),
			(unsigned long long)profile__total(q));
		abort();
	}
	free(buf);
	profile__free(q);
	profile__free(p);
	return 0;
}

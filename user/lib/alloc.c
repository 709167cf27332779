// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/alloc.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/msg.h"

static void out_of_memory(void)
{
	msg__err("out of memory");
	exit(1);
}

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz)
		out_of_memory();
	p = realloc(p, (n ? n : 1) * (sz ? sz : 1));
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		out_of_memory();
	return d;
}

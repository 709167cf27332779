// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* 3.8-3.10 qualified names rebuilt from a source file that a target names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/qualname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[256], *src;
	int first;

	if (size < 2)
		return 0;
	first = data[0] % 64;
	src = malloc(size - 1 ? size - 1 : 1);
	memcpy(src, data + 1, size - 1);
	qualname__from_source(src, size - 1, first, "f", out, sizeof(out));
	qualname__from_source(src, size - 1, first, "C", out, 8);
	free(src);
	return 0;
}

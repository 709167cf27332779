// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Line tables of every version, copied out of a target: garbage gives a
 * wrong line at worst, never a read outside the table. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cpython/linetable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t first, lasti;
	uint8_t *tab;

	if (size < 9)
		return 0;
	memcpy(&first, data, 4);
	memcpy(&lasti, data + 4, 4);
	/* an exact-size heap copy: ASan sees any read past the end */
	tab = malloc(size - 9 ? size - 9 : 1);
	memcpy(tab, data + 9, size - 9);
	linetable__line((enum lt_kind)(data[8] % 3 + 1), tab, size - 9, first, lasti);
	linetable__line((enum lt_kind)(data[8] % 3 + 1), tab, size - 9, first & 0xffff, lasti & 0xffff);
	free(tab);
	return 0;
}

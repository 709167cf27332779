// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A target's /proc/PID/environ is hostile input (collect/usdtopt.c): the
 * streaming scan, fed in pieces of any size, must agree with a plain
 * reading (split at NULs, the first COLDBPF_USDT= entry decides, like
 * getenv()) and never read past what it is given. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "collect/usdtopt.h"

static bool reference(const uint8_t *d, size_t n)
{
	static const char key[] = "COLDBPF_USDT=";
	size_t i = 0;

	while (i < n) {
		const uint8_t *z = memchr(d + i, 0, n - i);
		size_t len = z ? (size_t)(z - (d + i)) : n - i;

		if (len >= sizeof(key) - 1 && !memcmp(d + i, key, sizeof(key) - 1)) {
			const char *v = (const char *)d + i + sizeof(key) - 1;
			size_t vl = len - (sizeof(key) - 1);

			return (vl == 3 && !memcmp(v, "off", 3)) || (vl == 4 && !memcmp(v, "none", 4));
		}
		i += len + 1;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envscan s;
	size_t piece, i;
	uint8_t *copy;

	if (!size)
		return 0;
	piece = data[0] % 17 + 1;	/* the first byte picks the read size */
	data++;
	size--;
	copy = malloc(size ? size : 1);	/* exactly sized: ASan sees any overread */
	memcpy(copy, data, size);
	envscan__init(&s);
	for (i = 0; i < size; i += piece)
		envscan__feed(&s, (const char *)copy + i, size - i < piece ? size - i : piece);
	if (envscan__end(&s) != reference(copy, size))
		__builtin_trap();
	free(copy);
	return 0;
}

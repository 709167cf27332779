// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/gzip.h"
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "lib/alloc.h"

int gzip__compress(const void *in, size_t n, uint8_t **out, size_t *len)
{
	z_stream z = {};
	size_t cap;
	int r;

	*out = NULL;
	if (n > UINT32_MAX || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, n) + 64;	/* the gzip header and trailer are in the bound */
	*out = xcalloc(cap, 1);
	z.next_in = (uint8_t *)in;
	z.avail_in = n;
	z.next_out = *out;
	z.avail_out = cap;
	r = deflate(&z, Z_FINISH);
	*len = cap - z.avail_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int gzip__decompress(const void *in, size_t n, size_t max, uint8_t **out, size_t *len, char *why,
		     size_t whysz)
{
	z_stream z = {};
	size_t cap = 1 << 16, got = 0;
	uint8_t *buf;
	int k;

	*out = NULL;
	if (n > UINT32_MAX || inflateInit2(&z, 15 + 16) != Z_OK) {
		snprintf(why, whysz, "cannot decompress");
		return -1;
	}
	buf = xcalloc(cap, 1);
	z.next_in = (uint8_t *)in;
	z.avail_in = n;
	for (;;) {
		if (got == cap) {
			if (cap >= max) {
				snprintf(why, whysz, "larger than %zu bytes once decompressed", max);
				goto fail;
			}
			cap = cap * 2 > max ? max : cap * 2;
			buf = xrealloc(buf, cap, 1);
		}
		z.next_out = buf + got;
		z.avail_out = cap - got;
		k = inflate(&z, Z_NO_FLUSH);
		got = cap - z.avail_out;
		if (k == Z_STREAM_END) {
			/* another member, or the end (trailing bytes ignored) */
			if (z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b && inflateReset(&z) == Z_OK)
				continue;
			break;
		}
		if (k == Z_OK || (k == Z_BUF_ERROR && !z.avail_out))
			continue;
		snprintf(why, whysz, "%s", k == Z_BUF_ERROR ? "truncated" : "corrupt");
		goto fail;
	}
	inflateEnd(&z);
	*out = buf;
	*len = got;
	return 0;
fail:
	inflateEnd(&z);
	free(buf);
	return -1;
}

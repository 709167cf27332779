// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/pyobj.h"
#include <stdlib.h>
#include <string.h>
#include "lib/mem.h"

static size_t put_utf8(char *out, size_t o, size_t outsz, uint32_t c)
{
	char tmp[4];
	size_t n;

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		tmp[0] = c;
		n = 1;
	} else if (c < 0x800) {
		tmp[0] = 0xc0 | (c >> 6);
		tmp[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		tmp[0] = 0xe0 | (c >> 12);
		tmp[1] = 0x80 | ((c >> 6) & 0x3f);
		tmp[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		tmp[0] = 0xf0 | (c >> 18);
		tmp[1] = 0x80 | ((c >> 12) & 0x3f);
		tmp[2] = 0x80 | ((c >> 6) & 0x3f);
		tmp[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
	if (o + n >= outsz)
		return o;
	memcpy(out + o, tmp, n);
	return o + n;
}

bool pyobj__live(const struct pylayout *l, const uint8_t *hdr)
{
	uint64_t refcnt;
	uint32_t local;
	int64_t shared;

	if (!l->ft) {
		memcpy(&refcnt, hdr, 8);
		return refcnt && (refcnt < (1ULL << 40) || (uint32_t)refcnt == 0xffffffffU);
	}
	/* ob_tid (8), ob_flags (2), ob_mutex (1), ob_gc_bits (1), ob_ref_local (4),
	 * ob_ref_shared (8), ob_type: the offsets follow from ob_type's (16 to 64:
	 * pylayout's bound, so at most the first 64 bytes of hdr are read) */
	if (l->ob_type < 16 || l->ob_type > 64)
		return false;
	memcpy(&local, hdr + l->ob_type - 12, 4);
	memcpy(&shared, hdr + l->ob_type - 8, 8);
	if (local == UINT32_MAX)
		return true;	/* immortal */
	if (local >= (1u << 30) || shared >= (1LL << 42) || shared <= -(1LL << 42))
		return false;
	return local > 0 || (shared >> 2) > 0;
}

int pyobj__read_str(int pid, const struct pylayout *l, uint64_t addr, char *out, size_t outsz)
{
	uint8_t hdr[128], *data;
	uint64_t type, len;
	uint32_t state, kind;
	size_t o = 0, off;

	out[0] = 0;
	if (!addr || mem__read(pid, addr, hdr, sizeof(hdr)))
		return -1;
	memcpy(&type, hdr + l->ob_type, 8);
	if (l->unicode_type && type != l->unicode_type)
		return -1;
	memcpy(&len, hdr + l->str_length, 8);
	memcpy(&state, hdr + l->str_state, 4);
	kind = (state >> 2) & 7;
	if (!(state & 0x20) || len > PYOBJ_MAX_STR || (kind != 1 && kind != 2 && kind != 4))
		return -1;	/* only compact strings: names and file names always are */
	if ((state & 0x40) && kind != 1)
		return -1;
	off = (state & 0x40) ? l->str_ascii_data : l->str_compact_data;
	data = malloc(len * kind + 1);
	if (!data)
		return -1;
	if (mem__read(pid, addr + off, data, len * kind)) {
		free(data);
		return -1;
	}
	for (uint64_t i = 0; i < len; i++) {
		uint32_t c;

		if (kind == 1)
			c = data[i];
		else if (kind == 2)
			c = data[2 * i] | (data[2 * i + 1] << 8);
		else
			memcpy(&c, data + 4 * i, 4);
		o = put_utf8(out, o, outsz, c);
	}
	out[o] = 0;
	free(data);
	return 0;
}

int pyobj__read_bytes(int pid, const struct pylayout *l, uint64_t addr, uint32_t max, uint8_t **out,
		      uint32_t *outlen)
{
	uint8_t hdr[64];
	uint64_t type, size;

	if (!addr || mem__read(pid, addr, hdr, sizeof(hdr)))
		return -1;
	memcpy(&type, hdr + l->ob_type, 8);
	if (l->bytes_type && type != l->bytes_type)
		return -1;
	memcpy(&size, hdr + l->bytes_size, 8);
	if (size > max)
		return -1;
	*out = malloc(size + 1);
	if (!*out)
		return -1;
	if (mem__read(pid, addr + l->bytes_sval, *out, size)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*outlen = size;
	return 0;
}

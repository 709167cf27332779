// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cpython/linetable.h"
#include <limits.h>

/* Lines are summed in 64 bits from hostile deltas; one outside 0..INT_MAX
 * is garbage, reported as no line (found by tests/fuzz/fuzz_linetable.c). */
static int clamp_line(long long line)
{
	return line < 0 || line > INT_MAX ? -1 : (int)line;
}

int linetable__lnotab_line(const uint8_t *tab, size_t len, int firstlineno, int lasti_bytes)
{
	long long line = firstlineno, addr = 0;

	/* pairs (address delta in bytes, signed line delta); Objects/lnotab_notes.txt */
	for (size_t i = 0; i + 1 < len; i += 2) {
		addr += tab[i];
		if (addr > lasti_bytes)
			break;
		line += (int8_t)tab[i + 1];
	}
	return clamp_line(line);
}

int linetable__310_line(const uint8_t *tab, size_t len, int firstlineno, int lasti_units)
{
	long long line = firstlineno, end = 0, target = (long long)lasti_units * 2;

	if (lasti_units < 0)
		return firstlineno;
	/* pairs (start delta in bytes, line delta; -128 = no line), 3.10 Objects/lnotab_notes.txt */
	for (size_t i = 0; i + 1 < len; i += 2) {
		long long start = end;
		int ld = (int8_t)tab[i + 1];

		end += tab[i];
		if (ld != -128)
			line += ld;
		if (start <= target && target < end)
			return ld == -128 ? -1 : clamp_line(line);
	}
	return -1;
}

static int varint(const uint8_t *tab, size_t len, size_t *i, unsigned *out)
{
	unsigned v = 0, shift = 0;

	for (;;) {
		uint8_t b;

		if (*i >= len || shift > 28)
			return -1;
		b = tab[(*i)++];
		v |= (unsigned)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			break;
	}
	*out = v;
	return 0;
}

static int svarint(const uint8_t *tab, size_t len, size_t *i, int *out)
{
	unsigned u;

	if (varint(tab, len, i, &u))
		return -1;
	*out = (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
	return 0;
}

int linetable__locations_line(const uint8_t *tab, size_t len, int firstlineno, int index)
{
	long long line = firstlineno, entry_line, addr = 0;
	size_t i = 0;

	if (index < 0)
		return firstlineno;
	/* Objects/locations.md: entries of (b & 7) + 1 code units, kind (b >> 3) & 15 */
	while (i < len) {
		uint8_t b = tab[i++];
		int code = (b >> 3) & 15, n = (b & 7) + 1, d;
		unsigned skip;

		if (!(b & 0x80))
			return -1;	/* lost sync: garbage table */
		switch (code) {
		case 15:	/* no location */
			entry_line = -1;
			break;
		case 14:	/* long form: line delta, end line delta, col+1, endcol+1 */
			if (svarint(tab, len, &i, &d))
				return -1;
			line += d;
			entry_line = line;
			for (int k = 0; k < 3; k++)
				if (varint(tab, len, &i, &skip))
					return -1;
			break;
		case 13:	/* no columns */
			if (svarint(tab, len, &i, &d))
				return -1;
			line += d;
			entry_line = line;
			break;
		case 10: case 11: case 12:	/* one-line form: 2 column bytes */
			line += code - 10;
			entry_line = line;
			i += 2;
			break;
		default:	/* short form: 1 column byte */
			entry_line = line;
			i += 1;
			break;
		}
		if (addr <= index && index < addr + n)
			return clamp_line(entry_line);
		addr += n;
	}
	return -1;
}

int linetable__locations_all(const uint8_t *tab, size_t len, int firstlineno, int32_t *out, size_t n)
{
	long long line = firstlineno, entry_line;
	size_t i = 0, addr = 0;

	for (size_t k = 0; k < n; k++)
		out[k] = -1;
	while (i < len && addr < n) {
		uint8_t b = tab[i++];
		int code = (b >> 3) & 15, cnt = (b & 7) + 1, d;
		unsigned skip;

		if (!(b & 0x80))
			return -1;
		switch (code) {
		case 15:
			entry_line = -1;
			break;
		case 14:
			if (svarint(tab, len, &i, &d))
				return -1;
			line += d;
			entry_line = line;
			for (int k = 0; k < 3; k++)
				if (varint(tab, len, &i, &skip))
					return -1;
			break;
		case 13:
			if (svarint(tab, len, &i, &d))
				return -1;
			line += d;
			entry_line = line;
			break;
		case 10: case 11: case 12:
			line += code - 10;
			entry_line = line;
			i += 2;
			break;
		default:
			entry_line = line;
			i += 1;
			break;
		}
		for (int k = 0; k < cnt && addr < n; k++)
			out[addr++] = entry_line < 0 ? -1 : clamp_line(entry_line);
	}
	return 0;
}

int linetable__line(enum lt_kind kind, const uint8_t *tab, size_t len, int firstlineno, int lasti)
{
	switch (kind) {
	case LT_LNOTAB:
		return linetable__lnotab_line(tab, len, firstlineno, lasti);
	case LT_LINETABLE310:
		return linetable__310_line(tab, len, firstlineno, lasti);
	case LT_LOCATIONS:
		return linetable__locations_line(tab, len, firstlineno, lasti);
	}
	return -1;
}

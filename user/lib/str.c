// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/str.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/alloc.h"
#include "lib/msg.h"

int str__parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int str__parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	v = strtod(s, &end);
	if (*end || !(v >= min) || !(v <= max))
		return -1;
	*out = v;
	return 0;
}

int str__parse_pids(const char *s, int **pids, size_t *n)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	size_t before = *n;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long pid;

		if (str__parse_long(tok, 1, INT32_MAX, &pid)) {
			msg__err("invalid PID '%s'", tok);
			free(copy);
			return -1;
		}
		*pids = xrealloc(*pids, *n + 1, sizeof(int));
		(*pids)[(*n)++] = pid;
	}
	free(copy);
	if (*n == before) {
		msg__err("-p needs at least one PID");
		return -1;
	}
	return 0;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static int utf8_len(const unsigned char *s)
{
	int n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void str__sanitize(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!outsz)
		return;
	while (*p) {
		int n = utf8_len(p);

		if (n == 1 && *p == '\t') {
			if (o + 1 >= outsz)
				break;
			out[o++] = ' ';
			p++;
		} else if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			if (o + 4 >= outsz)
				break;
			o += snprintf(out + o, outsz - o, "\\x%02x", *p);
			p++;
		} else {
			if (o + n >= outsz)
				break;
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o] = 0;
}

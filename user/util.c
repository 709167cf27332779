// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cb_verbose;

void cb_err(const char *fmt, ...)
{
	va_list ap;

	fputs("coldbpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cb_dbg(const char *fmt, ...)
{
	va_list ap;

	if (!cb_verbose)
		return;
	fputs("coldbpf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int parse_long(const char *s, long min, long max, long *out)
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

void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	if (!p) {
		cb_err("out of memory");
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t n, size_t sz)
{
	if (sz && n > SIZE_MAX / sz) {
		cb_err("out of memory");
		exit(1);
	}
	p = realloc(p, (n ? n : 1) * (sz ? sz : 1));
	if (!p) {
		cb_err("out of memory");
		exit(1);
	}
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d) {
		cb_err("out of memory");
		exit(1);
	}
	return d;
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return hash_u64(h);
}

void u64map__init(struct u64map *m)
{
	memset(m, 0, sizeof(*m));
}

void u64map__free(struct u64map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static size_t _slot(const struct u64map *m, uint64_t key, bool *found)
{
	size_t mask = m->cap - 1, i = hash_u64(key) & mask;

	/* used[i]: 0 empty, 1 full, 2 deleted (tombstone) */
	size_t tomb = SIZE_MAX;
	for (;;) {
		if (m->used[i] == 0) {
			*found = false;
			return tomb != SIZE_MAX ? tomb : i;
		}
		if (m->used[i] == 1 && m->keys[i] == key) {
			*found = true;
			return i;
		}
		if (m->used[i] == 2 && tomb == SIZE_MAX)
			tomb = i;
		i = (i + 1) & mask;
	}
}

static void _grow(struct u64map *m)
{
	struct u64map n;
	size_t cap = m->cap ? m->cap * 2 : 64;

	n.cap = cap;
	n.len = 0;
	n.keys = xcalloc(cap, sizeof(uint64_t));
	n.vals = xcalloc(cap, sizeof(uint64_t));
	n.used = xcalloc(cap, 1);
	for (size_t i = 0; i < m->cap; i++) {
		bool f;
		size_t s;

		if (m->used[i] != 1)
			continue;
		s = _slot(&n, m->keys[i], &f);
		n.used[s] = 1;
		n.keys[s] = m->keys[i];
		n.vals[s] = m->vals[i];
		n.len++;
	}
	u64map__free(m);
	*m = n;
}

uint64_t *u64map__get(const struct u64map *m, uint64_t key)
{
	bool f;
	size_t s;

	if (!m->cap)
		return NULL;
	s = _slot(m, key, &f);
	return f ? &m->vals[s] : NULL;
}

uint64_t *u64map__put(struct u64map *m, uint64_t key, bool *isnew)
{
	bool f;
	size_t s;

	/* tombstones count as load so probing always ends at an empty slot */
	if (!m->cap || (m->len + 1) * 4 > m->cap * 3)
		_grow(m);
	s = _slot(m, key, &f);
	if (!f) {
		m->used[s] = 1;
		m->keys[s] = key;
		m->vals[s] = 0;
		m->len++;
	}
	if (isnew)
		*isnew = !f;
	return &m->vals[s];
}

bool u64map__del(struct u64map *m, uint64_t key)
{
	bool f;
	size_t s;

	if (!m->cap)
		return false;
	s = _slot(m, key, &f);
	if (!f)
		return false;
	m->used[s] = 2;	/* len keeps counting tombstones until the next grow */
	return true;
}

char *read_file_str(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 4096;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = xcalloc(cap + 1, 1);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap + 1, 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static int _utf8_len(const unsigned char *s)
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

void sanitize_text(const char *s, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!outsz)
		return;
	while (*p) {
		int n = _utf8_len(p);

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

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/msg.h"

char *file__read(const char *path, size_t max, size_t *len)
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
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			errno = e;
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

char **file__split_lines(char *data, size_t *n)
{
	char **lines = NULL;
	size_t k = 0, cap = 0;

	for (char *p = data; p && *p;) {
		char *nl = strchr(p, '\n');

		ARRAY_RESERVE(lines, k, cap, 64);
		lines[k++] = p;
		if (nl)
			*nl = 0;
		p = nl ? nl + 1 : NULL;
	}
	*n = k;
	return lines;
}

FILE *file__create(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		msg__err("cannot write %s: %s", path, strerror(errno));
	return f;
}

int file__commit(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f)) {
		msg__err("cannot write %s", path);
		return -1;
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "lib/tfile.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/file.h"

char *tfile__read(int pid, const char *name, size_t max, size_t *len, unsigned flags)
{
	char path[PATH_MAX + 64];
	size_t n = 0;
	char *data;

	if (!name[0] || name[0] == '<')
		return NULL;
	snprintf(path, sizeof(path), "/proc/%d/%s/%s", pid, name[0] == '/' ? "root" : "cwd", name);
	data = file__read(path, max, &n);
	if (!data && (flags & TFILE_HOST_FALLBACK) && name[0] == '/')
		data = file__read(name, max, &n);
	if (data && memchr(data, 0, n)) {
		free(data);
		data = NULL;
	}
	if (len)
		*len = data ? n : 0;
	return data;
}

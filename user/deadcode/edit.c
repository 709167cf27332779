// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Source edits of `coldbpf rm`: a definition's lines go, atomically. */
#include "deadcode/edit.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/file.h"
#include "lib/msg.h"

int edit__delete_lines(const char *path, int first, int last, const struct stat *was)
{
	struct stat now;
	size_t len;
	char *data = file__read(path, 64 << 20, &len), tmp[PATH_MAX * 2 + 32];
	FILE *f;
	int line, fd;
	const char *p, *end;

	if (!data)
		return -1;
	if (stat(path, &now) || now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	    now.st_mtim.tv_nsec != was->st_mtim.tv_nsec || now.st_size != was->st_size) {
		msg__err("%s changed while coldbpf read it: nothing written", path);
		free(data);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.coldbpf-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		msg__err("cannot write next to %s: %s", path, strerror(errno));
		free(data);
		return -1;
	}
	/* blank lines just before and after the definition: keep as many at the
	 * junction as there were before it (PEP 8's two stay two) */
	int nlines = 0, before = 0, after = 0;
	const char **starts = NULL;
	size_t *lens = NULL;

	for (p = data, end = data + len; p < end; nlines++) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

		starts = xrealloc(starts, nlines + 1, sizeof(*starts));
		lens = xrealloc(lens, nlines + 1, sizeof(*lens));
		starts[nlines] = p;
		lens[nlines] = n;
		p += n;
	}
#define BLANK(i) (lens[i] == 1 || (lens[i] == 2 && starts[i][0] == '\r'))
	for (int i = first - 2; i >= 0 && BLANK(i); i--)
		before++;
	for (int i = last; i < nlines && BLANK(i); i++)
		after++;
	for (int i = 0; i < nlines; i++) {
		line = i + 1;
		if (line >= first && line <= last)
			continue;
		if (line > last && line <= last + (after < before ? after : before))
			continue;
		fwrite(starts[i], 1, lens[i], f);
	}
#undef BLANK
	free(starts);
	free(lens);
	fchmod(fd, was->st_mode & 07777);
	if (fclose(f) || rename(tmp, path)) {
		msg__err("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		free(data);
		return -1;
	}
	free(data);
	return 0;
}

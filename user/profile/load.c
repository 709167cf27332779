// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * profile__load: JSON when the file opens with '{' or '[' (after white
 * space, or when it is empty: the JSON reader's messages, as before pprof
 * was read), pprof when it opens with gzip's magic bytes, else a raw pprof
 * protobuf or nothing coldbpf reads.
 */
#include "profile/load.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "profile/json.h"
#include "profile/pprofread.h"

struct profile *profile__load(const char *path, char *err, size_t errsz)
{
	unsigned char head[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct profile *p;
	char why[384];
	ssize_t n;
	ssize_t i = 0;

	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return NULL;
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return profile__load_pprof(path, err, errsz);
	while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
		i++;
	if (i >= n || head[i] == '{' || head[i] == '[')
		return profile__load_json(path, err, errsz);
	/* neither JSON nor gzip: a raw pprof protobuf, or nothing we read */
	if ((p = profile__load_pprof(path, why, sizeof(why))))
		return p;
	n = strlen(path);
	snprintf(err, errsz, "%s: not a coldbpf profile: neither JSON nor pprof (%s)", path,
		 !strncmp(why, path, n) && why[n] == ':' ? why + n + 2 : why);
	return NULL;
}

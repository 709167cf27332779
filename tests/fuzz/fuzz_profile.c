// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A saved profile given to report, cold or html: loaded, then rendered as
 * every profile format (the indices in it are checked on load). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "output/format.h"
#include "profile/json.h"
#include "profile/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static FILE *null;
	struct output_opts o = { .top = 5, .lines = true, .stats = true };
	struct profile *p;
	char path[64], err[512];

	if (fd < 0) {
		fd = memfd_create("fuzz-profile", MFD_CLOEXEC);
		null = fopen("/dev/null", "w");
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	p = profile__load_json(path, err, sizeof(err));
	if (!p)
		return 0;
	format__find(OUT_PROFILE, "text")->profile(p, &o, null);
	format__find(OUT_PROFILE, "folded")->profile(p, &o, null);
	format__find(OUT_PROFILE, "json")->profile(p, &o, null);
	profile__free(p);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The .coldbpf-ignore of a source tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "deadcode/ignorefile.h"
#include "lib/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[] = "/tmp/coldbpf-fuzz-ig-XXXXXX", path[64];
	static int ready;
	struct ignorefile *ig;
	FILE *f;

	if (!ready) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/" IGNORE_FILE, dir);
		stderr = fopen("/dev/null", "w") ?: stderr;	/* malformed lines print a message */
		ready = 1;
	}
	f = fopen(path, "w");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	ig = ignorefile__load(dir);
	if (ig) {
		ignorefile__ignores_key(ig, "app/x.py", "A.b.c");
		ignorefile__ignores_name(ig, "app/x.py", "c");
		free(ignorefile__globs_json(ig));
		ignorefile__free(ig);
	}
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A target's _Py_DebugOffsets (3.13+) is hostile input: any bytes must give
 * a layout whose every offset stays inside the reads it steers, or a refusal. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "cpython/pylayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pylayout l;
	char why[256];
	uint8_t buf[1024] = {};

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (size >= 8)
		memcpy(buf, "xdebugpy", 8);	/* get past the cookie most of the time */
	if (!pylayout__from_debug_offsets(buf, size, &l, why, sizeof(why))) {
		if (l.bpf.frame_read > CB_FRAME_READ_MAX || l.code_read > 1024 || l.co_firstlineno + 4 > l.code_read)
			__builtin_trap();
		/* a newer minor: what the live check (cpython/pylive.c) reads of a thread state */
		if (l.future && (l.ts_size > 8192 || l.ts_interp_off + 8 > l.ts_size ||
				 l.ts_datastack + 24 > l.ts_size || l.bpf.ts_frame + 8 > l.ts_size ||
				 l.bpf.ts_next + 8 > l.ts_size || l.bpf.ts_base_frame + 8 > l.ts_size ||
				 l.ob_type + 8 > 72 || l.bpf.gc_collecting))
			__builtin_trap();
	}
	return 0;
}

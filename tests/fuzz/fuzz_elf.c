// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The interpreter's ELF, read through /proc/PID/map_files: the file of a
 * target's mapping is the target's to forge. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cpython/elfinfo.h"
#include "cpython/pylayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct elfinfo e;
	struct pylayout l;
	char path[64], why[256];

	if (fd < 0)
		fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!elfinfo__read(path, &e) && e.is_python)
		pylayout__resolve(&e, "python3.11", &l, why, sizeof(why));
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "memread.h"
#include <sys/uio.h>

int mem_read(int pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };

	if (!len)
		return 0;
	if (!addr || addr + len < addr)
		return -1;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

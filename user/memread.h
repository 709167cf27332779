/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Read-only access to a target's memory. coldbpf never writes to a target. */
#ifndef COLDBPF_MEMREAD_H
#define COLDBPF_MEMREAD_H
#include <stddef.h>
#include <stdint.h>

/* 0 when all len bytes at addr were read, -1 otherwise (gone, unmapped). */
int mem_read(int pid, uint64_t addr, void *buf, size_t len);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Read-only access to a target's memory. coldbpf never writes to a target.
 *
 * Reads normally go to the live process (process_vm_readv). For tests and
 * the image recorder, a memory image can stand in for one PID (reads are
 * served from it) or record every read of one PID.
 */
#ifndef COLDBPF_LIB_MEM_H
#define COLDBPF_LIB_MEM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 0 when all len bytes at addr were read, -1 otherwise (gone, unmapped). */
int mem__read(int pid, uint64_t addr, void *buf, size_t len);

/* A set of (address, bytes) regions plus the facts a test needs. */
struct memimage {
	char python[24];	/* "3.11.7" */
	uint64_t runtime, code_type, unicode_type, bytes_type;
	struct memregion {
		uint64_t addr;
		uint64_t len;
		uint8_t *data;
	} *regions;
	size_t nregions, capregions;
	char **expect;		/* "QUALNAME FILE LINE", root first */
	size_t nexpect;
};

/* Serve reads of pid from img (NULL: back to the live process). */
void mem__use_image(int pid, const struct memimage *img);
/* Record every successful read of pid into img (NULL: stop). */
void mem__record(int pid, struct memimage *img);

struct memimage *memimage__load(const char *path, char *err, size_t errsz);
int memimage__save(struct memimage *img, const char *path);
void memimage__free(struct memimage *img);
#endif

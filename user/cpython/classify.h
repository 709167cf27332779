/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Finding CPython processes: /proc/PID/maps -> the file that holds
 * _PyRuntime (the executable or libpython), read through
 * /proc/PID/map_files so processes in containers work -> version and layout.
 * ELF facts are cached per (device, inode): each library is parsed once.
 */
#ifndef COLDBPF_CPYTHON_CLASSIFY_H
#define COLDBPF_CPYTHON_CLASSIFY_H
#include <stdbool.h>
#include <stdint.h>
#include "cpython/elfinfo.h"
#include "cpython/pylayout.h"

enum classify {
	CL_PYTHON = 0,		/* supported CPython: info filled */
	CL_NOT_PYTHON,		/* no CPython runtime mapped (yet) */
	CL_UNSUPPORTED,		/* CPython, but a version/build coldbpf refuses: why says which */
	CL_GONE,		/* no such process */
	CL_ERROR,		/* could not inspect it (permissions): why says */
};

struct pyproc_info {
	int pid;
	uint64_t starttime;	/* /proc/PID/stat field 22: tells a reused PID apart */
	char comm[32];
	char cmdline[512];
	char binary[256];	/* truncated when longer */	/* the file holding _PyRuntime, as the process sees it */
	struct pylayout layout;	/* bpf.runtime_addr and type addresses are final */
	uint32_t markers;	/* its static markers (1 << PYM_*, cpython/elfinfo.h) */
	char map_file[128];	/* /proc/PID/map_files/START-END of an executable mapping of binary:
				 * the file itself, whatever the process's root or mount namespace */
};

struct classifier;

struct classifier *classifier__new(void);
void classifier__free(struct classifier *d);
/* Say nothing on stderr (a check whose processes another classifier reads
 * again): warnings about an interpreter file come once, from that one. */
void classifier__quiet(struct classifier *d);
/* Classify one process; why gets a one-line reason for anything but CL_PYTHON. */
enum classify classifier__classify(struct classifier *d, int pid, struct pyproc_info *out,
				  char *why, size_t whysz);

#endif

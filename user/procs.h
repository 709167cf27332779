/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Finding CPython processes: /proc/PID/maps -> the file that holds
 * _PyRuntime (the executable or libpython), read through
 * /proc/PID/map_files so processes in containers work -> version and layout.
 * ELF facts are cached per (device, inode): each library is parsed once.
 */
#ifndef COLDBPF_PROCS_H
#define COLDBPF_PROCS_H
#include <stdbool.h>
#include <stdint.h>
#include "pylayout.h"

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
};

struct discovery;

struct discovery *discovery__new(void);
void discovery__free(struct discovery *d);
/* Classify one process; why gets a one-line reason for anything but CL_PYTHON. */
enum classify discovery__classify(struct discovery *d, int pid, struct pyproc_info *out,
				  char *why, size_t whysz);

/* Small /proc readers; -1 / 0 when the process is gone. */
int proc_starttime(int pid, uint64_t *out);
int proc_ppid(int pid);
void proc_comm(int pid, char *buf, size_t sz);
void proc_cmdline(int pid, char *buf, size_t sz);
bool proc_alive(int pid, uint64_t starttime);
/* A file as the process sees it: through /proc/PID/root (absolute names, so
 * containers work) or /proc/PID/cwd (relative names). With host_fallback, an
 * absolute name is then tried on the host (display only: the process may be
 * gone). NULL for pseudo-files such as "<frozen ...>", unreadable files and
 * files with a NUL byte (not source). */
char *proc_read_file(int pid, const char *file, size_t max, size_t *len, bool host_fallback);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small readers of /proc/PID; a process that is gone gives -1, false or "?". */
#ifndef COLDBPF_LIB_PROCFS_H
#define COLDBPF_LIB_PROCFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/PID/stat field 22: tells a reused PID apart. 0 or -1. */
int procfs__starttime(int pid, uint64_t *out);
/* The same and field 23, the virtual memory size (it changes when a library
 * is mapped); vsize may be NULL. 0 or -1. */
int procfs__stat(int pid, uint64_t *starttime, uint64_t *vsize);
int procfs__ppid(int pid);
/* Its PID in its own (innermost) PID namespace (the last number of NSpid:
 * in /proc/PID/status): a container's PID 1; pid itself outside any
 * namespace of its own, -1 when unknown. */
int procfs__nspid(int pid);
/* comm / the command line with NULs as spaces, sanitized for printing */
void procfs__comm(int pid, char *buf, size_t sz);
void procfs__cmdline(int pid, char *buf, size_t sz);
/* The target of /proc/PID/root or /proc/PID/cwd (which: "root", "cwd") as
 * this process sees it (a chroot's directory; "/" for a process in another
 * mount namespace whose root is not visible here); "" when unreadable or
 * the link target holds a newline. */
void procfs__link(int pid, const char *which, char *buf, size_t sz);
/* Seconds since the process with this start time (procfs__starttime)
 * started; -1 when unknown. */
double procfs__age(uint64_t starttime);
/* Same process (PID and start time) and not a zombie. */
bool procfs__alive(int pid, uint64_t starttime);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_COLLECT_CAPS_H
#define COLDBPF_COLLECT_CAPS_H
#include <stdbool.h>

/* Sampling needs CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and
 * CAP_CHECKPOINT_RESTORE in the effective set: 0, or -1 after naming the
 * missing ones. (CAP_SETUID and CAP_SETGID are optional: without them no
 * source text is read, lib/tfile.h.) */
int caps__check(void);
/* Whether capability cap (CAP_* number) is effective. */
bool caps__has(int cap);
#endif

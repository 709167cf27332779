/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef COLDBPF_COLLECT_CAPS_H
#define COLDBPF_COLLECT_CAPS_H

/* Sampling needs CAP_BPF, CAP_PERFMON and CAP_SYS_PTRACE in the effective
 * set: 0, or -1 after naming the missing ones. */
int caps__check(void);
#endif

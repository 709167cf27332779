/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exact call counts (--calls, docs/usdt.md "Calls"): reads the BPF calls map
 * of bpf/usdt.bpf.c, (tgid, code object) -> first entries, and puts each
 * process's counts into its profile entry per function (struct pusdt.calls),
 * symbolized like samples (the target's symbol table). The map's counts only
 * grow while a process is attached, so each read rebuilds a process's calls;
 * its keys are deleted when it is retired. Decides, per process, whether its
 * calls can be counted at all (usdtcalls__status).
 */
#ifndef COLDBPF_COLLECT_USDTCALLS_H
#define COLDBPF_COLLECT_USDTCALLS_H
#include <stdbool.h>
#include <stdint.h>

struct target;
struct targets;
struct profile;

/* PC_COUNTED when t's interpreter fires function__entry once per call (3.8-3.10,
 * 3.15+ with the marker), else PC_NO_FIRE / PC_NO_MARKER (enum pusdt_calls). */
int usdtcalls__status(const struct target *t);
/* Every counted process's calls into the profile (only_pid > 0: that one's,
 * and with del its keys are deleted after). epoch: the drain's (symbols
 * re-validated once per drain). Keys of processes no longer counted (an
 * increment that raced with a retirement) are deleted. */
void usdtcalls__read(int calls_fd, struct targets *tg, struct profile *prof, uint32_t epoch, int only_pid,
		     bool del);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * CPython's static markers (--usdt; docs/usdt.md): GC pauses
 * (gc__start/gc__done) and imports (import__find__load__start/done) of each
 * profiled process, through bpf/usdt.bpf.c, a BPF object of its own.
 * Attached per target when it is registered, through the file it maps
 * (/proc/PID/map_files: chroots, mount namespaces and replaced binaries
 * alike), for that process only; detached when it is retired, and all at
 * the end: every semaphore the kernel raised goes back down. Only the
 * markers a feature needs are attached, never `line` (it crashes 3.11) nor
 * function__return; function__entry only for --calls (PU_CALLS), on the
 * versions where it fires once per call (collect/usdtcalls.c).
 *
 * Failing to load, or to attach to one process, never stops sampling: it is
 * counted, and said per process in the profile (struct pusdt).
 */
#ifndef COLDBPF_COLLECT_USDT_H
#define COLDBPF_COLLECT_USDT_H
#include <stdint.h>

struct usdt;
struct target;
struct targets;
struct profile;

/* The markers (1 << PYM_*) the features (PU_GC | PU_IMPORT) attach. */
uint32_t usdt__markers(unsigned features);
/* Load for features (PU_* bits), sharing the sampler's gc_starts map
 * (gc_starts_fd: the <gc> frame; -1: a map of its own). NULL when this
 * kernel cannot (said once, with the reason; sampling goes on). */
struct usdt *usdt__open(unsigned features, int gc_starts_fd);
/* A target was registered: attach its markers, or say why not (its
 * profile entry's usdt). */
void usdt__attach(struct usdt *u, struct profile *prof, const struct target *t);
/* -- CMD, before the command execs (its child waits): attach its markers
 * for pid when cmd[0] (found as execvp() would) is an interpreter with
 * them, so that its start-up imports are seen; adopted by usdt__attach
 * when the process is registered with that very file, else detached.
 * 0 when attached, -1 when not (nothing to undo: the usual path then).
 * Not with --calls (it needs the version first). */
int usdt__preattach(struct usdt *u, struct profile *prof, int pid, char *const *cmd);
/* PU_AUDIT: each audit event, with its process's profile entry (NULL when
 * the process is not known any more), on the agent's thread. */
struct cb_uaudit;
struct pproc;
typedef void (*usdt_audit_fn)(void *ctx, const struct cb_uaudit *ev, const struct pproc *proc);
void usdt__on_audit(struct usdt *u, usdt_audit_fn fn, void *ctx);
/* A target is retired: detach, then its final counts into the profile. */
void usdt__retire(struct usdt *u, struct profile *prof, struct targets *tg, const struct target *t,
		  uint32_t epoch);
/* --calls: every attached process's call counts into the profile (each
 * drain, and at the end before usdt__free). epoch: the drain's. */
void usdt__read_calls(struct usdt *u, struct profile *prof, struct targets *tg, uint32_t epoch);
/* Consume import events; with refresh, also every attached process's
 * counts into the profile (each drain). */
void usdt__poll(struct usdt *u, struct profile *prof, int refresh);
/* The BPF counters, into the profile's. */
void usdt__read_stats(struct usdt *u, struct profile *prof);
/* Detach every process (final counts into the profile), then unload. */
void usdt__free(struct usdt *u, struct profile *prof);
#endif

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exit reads (--evidence; docs/design.md, "Reading a process at its exit"):
 * after each evidence round a target's never-ran markers and guard probes
 * are published to bpf/exitread.bpf.c, which reads them when the process
 * exits (or execs) and reports which changed. Applied here: a process read
 * at its exit has final evidence (pproc.final), its never-ran claims hold
 * for its whole life. Forked children inherit their parent's set; one that
 * exits before it was ever classified is read from it too.
 *
 * Failing to load or attach never stops sampling: exits are then unread.
 */
#ifndef COLDBPF_COLLECT_EXITREAD_H
#define COLDBPF_COLLECT_EXITREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cpython/evidence.h"

struct exitread;
struct targets;
struct target;
struct profile;
struct pevcode;

/* Load and attach, sharing the sampler's py_procs map. NULL when this
 * kernel cannot (said once, with the reason). */
struct exitread *exitread__open(int py_procs_fd);
void exitread__free(struct exitread *x);
/* Target t's evidence was just set to codes (n of them; kidx maps sc's code
 * indices to codes' or UINT32_MAX): publish its probe set. */
void exitread__publish(struct exitread *x, struct profile *prof, const struct target *t, const struct ev_scan *sc,
		       const struct pevcode *codes, size_t n, const uint32_t *kidx);
/* Consume the exit events; apply them to the profile. */
void exitread__poll(struct exitread *x, struct targets *tg, struct profile *prof);
/* Target t has been retired: its set is no longer its current one. */
void exitread__retire(struct exitread *x, const struct target *t);
/* The BPF counters, into the profile's. */
void exitread__read_stats(struct exitread *x, struct profile *prof);
#endif

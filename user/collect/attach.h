/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one attach layer: every BPF program of every feature is attached and
 * detached here (perf events per CPU and tracepoints today; uprobes and USDT
 * probes next, with the same bookkeeping). A struct attach holds what one
 * feature attached, so a feature that fails to attach is detached on its own
 * and never takes sampling down with it (docs/design.md, "Features").
 */
#ifndef COLDBPF_COLLECT_ATTACH_H
#define COLDBPF_COLLECT_ATTACH_H
#include <stddef.h>

struct bpf_program;
struct bpf_link;

struct attach {
	const char *feature;	/* for messages: "sampling", "exec events" */
	struct bpf_link **links;
	int *fds;		/* perf event fds, -1 where none */
	size_t n, cap;
	int cpus;		/* CPUs sampled by attach__perf_events */
};

void attach__init(struct attach *a, const char *feature);
/* A cpu-clock perf event at hz on every online CPU, each running prog.
 * 0, or -1 after a message (what was attached stays until attach__free). */
int attach__perf_events(struct attach *a, struct bpf_program *prog, int hz);
/* A program whose section names its attach point (raw_tp/...). */
int attach__program(struct attach *a, struct bpf_program *prog);
/* Detach everything (links, then perf events). */
void attach__free(struct attach *a);
#endif

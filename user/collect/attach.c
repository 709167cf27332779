// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/attach.h"
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/alloc.h"
#include "lib/msg.h"

void attach__init(struct attach *a, const char *feature)
{
	memset(a, 0, sizeof(*a));
	a->feature = feature;
}

static void keep(struct attach *a, struct bpf_link *link, int fd)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 8;
		a->links = xrealloc(a->links, a->cap, sizeof(*a->links));
		a->fds = xrealloc(a->fds, a->cap, sizeof(*a->fds));
	}
	a->links[a->n] = link;
	a->fds[a->n] = fd;
	a->n++;
}

int attach__perf_events(struct attach *a, struct bpf_program *prog, int hz, unsigned long long period_ns)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = hz,
		.freq = 1,
	};

	if (period_ns) {
		attr.freq = 0;
		attr.sample_period = period_ns;
	}
	int ncpus = libbpf_num_possible_cpus();

	if (ncpus <= 0) {
		msg__err("cannot count CPUs");
		return -1;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		struct bpf_link *link;

		if (fd < 0) {
			if (errno == ENODEV)
				continue;	/* offline CPU */
			if (errno == EINVAL)
				msg__err("cannot sample at %d Hz (see /proc/sys/kernel/perf_event_max_sample_rate)", hz);
			else
				msg__err("perf_event_open on CPU %d: %s", cpu, strerror(errno));
			return -1;
		}
		link = bpf_program__attach_perf_event(prog, fd);
		keep(a, link, fd);
		if (!link) {
			msg__err("cannot attach the %s program to CPU %d: %s", a->feature, cpu, strerror(errno));
			return -1;
		}
		a->cpus++;
	}
	if (!a->cpus) {
		msg__err("no online CPU could be sampled");
		return -1;
	}
	return 0;
}

int attach__program(struct attach *a, struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link) {
		msg__err("cannot attach the %s program: %s", a->feature, strerror(errno));
		return -1;
	}
	keep(a, link, -1);
	return 0;
}

int attach__usdt(struct attach *a, struct bpf_program *prog, int pid, const char *binary, const char *provider,
		 const char *name)
{
	struct bpf_link *link = bpf_program__attach_usdt(prog, pid, binary, provider, name, NULL);

	if (!link)
		return errno ? -errno : -EINVAL;
	keep(a, link, -1);
	return 0;
}

void attach__free(struct attach *a)
{
	for (size_t i = 0; i < a->n; i++) {
		bpf_link__destroy(a->links[i]);
		if (a->fds[i] >= 0)
			close(a->fds[i]);
	}
	free(a->links);
	free(a->fds);
	a->links = NULL;
	a->fds = NULL;
	a->n = a->cap = 0;
}

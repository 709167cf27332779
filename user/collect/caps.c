// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "collect/caps.h"
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "lib/msg.h"

int caps__check(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};
	static const struct {
		int cap;
		const char *name;
	} need[] = {
		{ 39, "CAP_BPF" },		/* load the sampler */
		{ 38, "CAP_PERFMON" },		/* perf events, BPF reads of user memory */
		{ 19, "CAP_SYS_PTRACE" },	/* process_vm_readv, /proc/PID/root of any user */
		{ 40, "CAP_CHECKPOINT_RESTORE" },	/* /proc/PID/map_files: the interpreter's ELF */
	};
	char missing[128] = "";

	if (syscall(SYS_capget, &hdr, data)) {
		msg__err("cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int c = need[i].cap;

		if (!(data[c / 32].effective & (1u << (c % 32)))) {
			if (missing[0])
				strcat(missing, ", ");
			strcat(missing, need[i].name);
		}
	}
	if (missing[0]) {
		msg__err("missing capabilit%s %s: run as root (sudo coldbpf ...)",
		       strchr(missing, ',') ? "ies" : "y", missing);
		return -1;
	}
	return 0;
}

bool caps__has(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {};

	if (cap < 0 || cap >= 64 || syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

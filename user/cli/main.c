// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coldbpf: sample the Python stacks of CPython processes from the kernel and
 * print function and line heatmaps; find the code that never runs. See
 * docs/coldbpf.md. This file only picks the subcommand.
 */
#include <string.h>
#include "cli/cmd.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} subcommands[] = {
	{ "report", cmd__report },
	{ "cold", cmd__cold },
	{ "ignore", cmd__ignore },
	{ "rm", cmd__rm },
	{ "html", cmd__html },
	{ "serve", cmd__serve },
	{ "audit", cmd__audit },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].run(argc - 1, argv + 1);
	return cmd__record(argc, argv);	/* no subcommand: sample */
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* coldbpf ignore: stop listing a definition (the source root's ignore file). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cmd.h"
#include "deadcode/ignorefile.h"
#include "lib/msg.h"

int cmd__ignore(int argc, char **argv)
{
	char root[PATH_MAX];
	const char *src = NULL, *key;
	int opt, r;

	static const struct option opts[] = {
		{ "src", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (opt == 's') {
			src = optarg;
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
				"Usage: coldbpf ignore --src DIR PATH:QUALNAME\n"
				"Adds 'key PATH:QUALNAME' to DIR/" IGNORE_FILE ": cold stops listing it.\n");
			return opt == 'h' ? 0 : 1;
		}
	}
	if (!src || optind != argc - 1) {
		msg__err("usage: coldbpf ignore --src DIR PATH:QUALNAME");
		return 1;
	}
	key = argv[optind];
	if (!strchr(key, ':') || key[0] == ':' || strchr(key, '\n')) {
		msg__err("a key is PATH:QUALNAME, relative to the source root (e.g. app/models.py:User.save)");
		return 1;
	}
	if (!realpath(src, root)) {
		msg__err("-s %s: %s", src, strerror(errno));
		return 1;
	}
	r = ignorefile__add_key(root, key);
	if (r < 0)
		return 1;
	printf(r ? "%s is already ignored\n" : "ignored %s\n", key);
	return 0;
}

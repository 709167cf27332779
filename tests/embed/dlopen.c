// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A plugin host: a C program with no libpython at start that, DELAY seconds
 * after exec, dlopen()s one and runs a Python file in it. coldbpf must pick
 * the interpreter up although nothing exec'd when it appeared.
 * usage: cb-dlopen LIBPYTHON DELAY SCRIPT [ARGS...] */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char code[] =
		"import os, sys\n"
		"sys.argv = os.environ['CB_ARGV'].split('\\x1f')\n"
		"exec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'))\n";
	char args[2048] = "";
	void (*init)(void);
	int (*run)(const char *);
	void *lib;

	if (argc < 4) {
		fprintf(stderr, "usage: cb-dlopen LIBPYTHON DELAY SCRIPT [ARGS...]\n");
		return 2;
	}
	/* the script's argv travels in the environment, never quoted into code */
	for (int i = 3; i < argc; i++) {
		strncat(args, argv[i], sizeof(args) - strlen(args) - 2);
		if (i + 1 < argc)
			strcat(args, "\x1f");
	}
	setenv("CB_ARGV", args, 1);
	sleep(atoi(argv[2]));
	lib = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	init = (void (*)(void))dlsym(lib, "Py_Initialize");
	run = (int (*)(const char *))dlsym(lib, "PyRun_SimpleString");
	if (!init || !run)
		return 2;
	init();
	return run(code) ? 1 : 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* An embedding host: a C program linked against libpython3.X.so that runs a
 * Python file, as uWSGI or a plugin host would. Its name has no "python" in it,
 * so coldbpf must find the runtime in the mapped libpython. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	FILE *f;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: cb-embed SCRIPT [ARGS...]\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	Py_Initialize();
	{
		/* sys.argv for the script */
		PyObject *list = PyList_New(0);

		for (int i = 1; i < argc; i++) {
			PyObject *s = PyUnicode_DecodeFSDefault(argv[i]);

			PyList_Append(list, s);
			Py_DECREF(s);
		}
		PySys_SetObject("argv", list);
		Py_DECREF(list);
	}
	rc = PyRun_SimpleFileEx(f, argv[1], 1);
	if (Py_FinalizeEx() < 0)
		rc = 120;
	return rc ? 1 : 0;
}

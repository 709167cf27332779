/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `coldbpf cold`, `coldbpf ignore`: dead code (docs/cold.md). */
#ifndef COLDBPF_COLD_H
#define COLDBPF_COLD_H
int cold_main(int argc, char **argv);
int ignore_main(int argc, char **argv);
int rm_main(int argc, char **argv);
int html_main(int argc, char **argv);
#endif

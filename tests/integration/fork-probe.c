/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fork-probe.c: a child for the resources suite that forks until refused, reports how many forks it got,
 * then waits to be stopped.
 *
 * Usage: fork-probe N FILE. Forks up to N processes that only wait, stops
 * at the first fork(2) the kernel refuses (a TasksMax= reached), and
 * writes the number it got to FILE (written whole, then renamed into
 * place, so a reader never sees half of it). A shell would give up on
 * its first refused fork instead of saying how far it came. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
        char tmp[4096];
        FILE *f;
        int n, got = 0;

        if (argc != 3)
                return 2;
        n = atoi(argv[1]);
        for (; got < n; got++) {
                pid_t pid = fork();

                if (pid < 0)
                        break;
                if (pid == 0) {
                        /* Lives until the scope is stopped. */
                        for (;;)
                                pause();
                }
        }
        snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
        f = fopen(tmp, "we");
        if (!f)
                return 1;
        fprintf(f, "%d\n", got);
        if (fclose(f) != 0 || rename(tmp, argv[2]) != 0)
                return 1;
        for (;;)
                pause();
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fd-report.c: a child for the backend suite that reports its own open descriptors, then waits to be
 * stopped.
 *
 * A program such as sleep(1) is still opening its locale files for a
 * moment after its exec, so its /proc/PID/fd read from outside may show a
 * descriptor it is about to close. This one lists its table itself, after
 * everything it runs before main() is done, and writes it to the file
 * named by its argument (written whole, then renamed into place). */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int
compare_ints(const void *a, const void *b)
{
        int x = *(const int *) a, y = *(const int *) b;

        return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
        int fds[256], n = 0, self;
        char tmp[4096];
        struct dirent *de;
        DIR *d;
        FILE *f;

        if (argc != 2 || snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >= (int) sizeof(tmp))
                return 2;
        d = opendir("/proc/self/fd");
        if (!d)
                return 1;
        self = dirfd(d);
        while ((de = readdir(d)) && n < (int) (sizeof(fds) / sizeof(fds[0]))) {
                int fd = atoi(de->d_name);

                if (de->d_name[0] != '.' && fd != self)
                        fds[n++] = fd;
        }
        closedir(d);
        qsort(fds, (size_t) n, sizeof(int), compare_ints);

        f = fopen(tmp, "we");
        if (!f)
                return 1;
        for (int i = 0; i < n; i++)
                fprintf(f, i ? " %d" : "%d", fds[i]);
        if (fclose(f) != 0 || rename(tmp, argv[1]) < 0)
                return 1;
        for (;;)
                pause();
}

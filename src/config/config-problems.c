/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-problems.c: the problems the loader finds, in the order a reader wants them, and "did you mean". */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "config-private.h"

void
steward_problem_free(StewardProblem *p)
{
        if (!p)
                return;
        g_free(p->file);
        g_free(p->message);
        g_free(p);
}

char *
steward_problem_format(const StewardProblem *p)
{
        const char *prefix = p->severity == STEWARD_PROBLEM_WARNING ? _("warning: ") : "";

        if (p->line <= 0)
                return g_strdup_printf("%s: %s%s", p->file, prefix, p->message);
        return g_strdup_printf("%s:%d: %s%s", p->file, p->line, prefix, p->message);
}

static void G_GNUC_PRINTF(5, 0) reportv(Loader *l, StewardProblemSeverity severity, const char *file,
                                        int line, const char *format, va_list ap)
{
        StewardProblem *p = g_new0(StewardProblem, 1);

        p->severity = severity;
        /* Never NULL: a problem always names a file, the first one read if
         * nothing better is known. */
        p->file = g_strdup(file ? file : l->files->len > 0 ? g_ptr_array_index(l->files, 0) : "");
        p->line = line;
        p->message = g_strdup_vprintf(format, ap);
        g_ptr_array_add(l->problems, p);
}

void
config_report(Loader *l, StewardProblemSeverity severity, const char *file, int line, const char *format,
              ...)
{
        va_list ap;

        va_start(ap, format);
        reportv(l, severity, file, line, format, ap);
        va_end(ap);
}

void
config_report_at(Loader *l, StewardProblemSeverity severity, const Entry *e, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        reportv(l, severity, e ? e->file : NULL, e ? e->line : 0, format, ap);
        va_end(ap);
}

typedef struct {
        StewardProblem *problem;
        guint file;
        guint seq;
} SortedProblem;

static int
compare_problems(gconstpointer a, gconstpointer b)
{
        const SortedProblem *x = a, *y = b;

        if (x->file != y->file)
                return x->file < y->file ? -1 : 1;
        /* A problem of the whole file (line 0) comes after its lines: it
         * is either alone or the "giving up" after them. */
        if (x->problem->line != y->problem->line)
                return (guint) (x->problem->line - 1) < (guint) (y->problem->line - 1) ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* File order, then line order; stable, so that problems on one line keep
 * the order they were found in. */
void
config_problems_sort(Loader *l)
{
        g_autofree SortedProblem *sorted = g_new(SortedProblem, l->problems->len + 1);

        for (guint i = 0; i < l->problems->len; i++) {
                StewardProblem *p = g_ptr_array_index(l->problems, i);
                sorted[i].problem = p;
                sorted[i].seq = i;
                sorted[i].file = G_MAXUINT;
                for (guint f = 0; f < l->files->len; f++)
                        if (g_str_equal(g_ptr_array_index(l->files, f), p->file)) {
                                sorted[i].file = f;
                                break;
                        }
        }
        qsort(sorted, l->problems->len, sizeof(SortedProblem), compare_problems);
        for (guint i = 0; i < l->problems->len; i++)
                l->problems->pdata[i] = sorted[i].problem;
}

/* Edit distance with adjacent transpositions (optimal string alignment),
 * ignoring ASCII case: "restartsec" and "RestratSec" are near misses of
 * "RestartSec", not strangers. */
static guint
edit_distance(const char *a, const char *b)
{
        size_t na = strlen(a), nb = strlen(b), w = nb + 1;
        g_autofree guint *d = NULL;

        /* Names and keys are short; a long word is no near miss of them. */
        if (na > 128 || nb > 128)
                return G_MAXUINT;
        d = g_new(guint, (na + 1) * w);
        for (size_t i = 0; i <= na; i++)
                d[i * w] = (guint) i;
        for (size_t j = 0; j <= nb; j++)
                d[j] = (guint) j;
        for (size_t i = 1; i <= na; i++)
                for (size_t j = 1; j <= nb; j++) {
                        char ca = g_ascii_tolower(a[i - 1]), cb = g_ascii_tolower(b[j - 1]);
                        guint v = MIN(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1);

                        v = MIN(v, d[(i - 1) * w + j - 1] + (ca == cb ? 0 : 1));
                        if (i > 1 && j > 1 && ca == g_ascii_tolower(b[j - 2]) &&
                            g_ascii_tolower(a[i - 2]) == cb)
                                v = MIN(v, d[(i - 2) * w + j - 2] + 1);
                        d[i * w + j] = v;
                }
        return d[na * w + nb];
}

/* The candidate closest to @word if it is a plausible typo of it: at most
 * two edits, and fewer edits than @word has characters. */
const char *
config_closest(const char *word, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        guint best_d = G_MAXUINT;

        for (size_t i = 0; i < n; i++) {
                guint d = edit_distance(word, candidates[i]);
                if (d < best_d) {
                        best_d = d;
                        best = candidates[i];
                }
        }
        if (!best || best_d > 2 || best_d >= strlen(word))
                return NULL;
        return best;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-config.c: the loader's public entry points, which read steward.conf and its drop-ins,
 * validate them and build the StewardSpec; and the problems they report. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "config-private.h"
#include "steward-config.h"

#define MAIN_FILE "steward.conf"

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

char *
steward_config_default_dir(StewardMode mode)
{
        if (mode == STEWARD_MODE_SYSTEM)
                return g_build_filename(SYSCONFDIR, "steward", NULL);
        return g_build_filename(g_get_user_config_dir(), "steward", NULL);
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
static void
sort_problems(Loader *l)
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

static void
loader_init(Loader *l, const StewardConfigOptions *options)
{
        static const StewardConfigOptions defaults = { 0 };

        l->options = options ? options : &defaults;
        l->files = g_ptr_array_new_with_free_func(g_free);
        l->problems = g_ptr_array_new_with_free_func((GDestroyNotify) steward_problem_free);
        l->sections = g_ptr_array_new_with_free_func((GDestroyNotify) config_section_free);
        l->by_group = g_hash_table_new(g_str_hash, g_str_equal);
}

static void
loader_clear(Loader *l)
{
        g_clear_pointer(&l->files, g_ptr_array_unref);
        g_clear_pointer(&l->problems, g_ptr_array_unref);
        g_clear_pointer(&l->by_group, g_hash_table_unref);
        g_clear_pointer(&l->sections, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Loader, loader_clear)

static StewardSpec *
loader_finish(Loader *l, GPtrArray **problems, GError **error)
{
        g_autoptr(StewardSpec) spec = steward_spec_new();
        guint errors = 0;

        config_build_spec(l, spec);
        config_check_tree(l, spec);
        sort_problems(l);
        g_strfreev(spec->files);
        g_ptr_array_add(l->files, NULL);
        spec->files = g_strdupv((char **) l->files->pdata);
        g_ptr_array_set_size(l->files, l->files->len - 1);

        for (guint i = 0; i < l->problems->len; i++)
                errors += ((StewardProblem *) g_ptr_array_index(l->problems, i))->severity ==
                          STEWARD_PROBLEM_ERROR;
        if (problems)
                *problems = g_ptr_array_ref(l->problems);
        if (errors > 0) {
                g_set_error(
                        error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                        ngettext("%u error in the configuration", "%u errors in the configuration", errors),
                        errors);
                return NULL;
        }
        return g_steal_pointer(&spec);
}

/* The main file @path names: itself, or DIR/steward.conf for a directory
 * (or for a path that does not exist and does not look like a file). */
static char *
main_file_of(const char *path)
{
        if (g_file_test(path, G_FILE_TEST_IS_DIR) ||
            (!g_file_test(path, G_FILE_TEST_EXISTS) && !g_str_has_suffix(path, ".conf")))
                return g_build_filename(path, MAIN_FILE, NULL);
        return g_strdup(path);
}

StewardSpec *
steward_config_load(const char *path, const StewardConfigOptions *options, GPtrArray **problems,
                    GError **error)
{
        g_auto(Loader) l = { 0 };
        g_autofree char *main_file = NULL;
        g_autofree char *dropin_dir = NULL;

        g_return_val_if_fail(path, NULL);

        if (problems)
                *problems = NULL;
        loader_init(&l, options);
        main_file = main_file_of(path);
        if (!config_loader_add_file(&l, main_file)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND,
                            _("%s: the configuration file does not exist"), main_file);
                if (problems)
                        *problems = g_ptr_array_new_with_free_func((GDestroyNotify) steward_problem_free);
                return NULL;
        }
        dropin_dir = g_strconcat(main_file, ".d", NULL);
        config_loader_add_dropins(&l, dropin_dir);
        return loader_finish(&l, problems, error);
}

StewardSpec *
steward_config_load_default(const StewardConfigOptions *options, GPtrArray **problems, GError **error)
{
        static const StewardConfigOptions defaults = { 0 };
        g_autofree char *dir = steward_config_default_dir((options ? options : &defaults)->mode);
        g_autoptr(GError) local_error = NULL;
        StewardSpec *spec;

        spec = steward_config_load(dir, options, problems, &local_error);
        if (g_error_matches(local_error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND))
                return steward_spec_new();
        if (local_error)
                g_propagate_error(error, g_steal_pointer(&local_error));
        return spec;
}

StewardSpec *
steward_config_load_data(const char *file, const char *data, gssize length,
                         const StewardConfigOptions *options, GPtrArray **problems, GError **error)
{
        g_auto(Loader) l = { 0 };

        g_return_val_if_fail(file, NULL);
        g_return_val_if_fail(data || length == 0, NULL);

        if (problems)
                *problems = NULL;
        loader_init(&l, options);
        config_loader_add_data(&l, file, data ? data : "", length < 0 ? strlen(data) : (gsize) length);
        return loader_finish(&l, problems, error);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-config.c: the loader's public entry points, which read steward.conf and its drop-ins,
 * validate them and build the StewardSpec. */
#include "config.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

#include "config-private.h"
#include "steward-config.h"

#define MAIN_FILE "steward.conf"

char *
steward_config_default_dir(StewardMode mode)
{
        if (mode == STEWARD_MODE_SYSTEM)
                return g_build_filename(SYSCONFDIR, "steward", NULL);
        return g_build_filename(g_get_user_config_dir(), "steward", NULL);
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
        config_problems_sort(l);
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

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

char *
steward_config_dropin_dir(const char *path, StewardMode mode)
{
        g_autofree char *dir = path ? NULL : steward_config_default_dir(mode);
        g_autofree char *main_file = main_file_of(path ? path : dir);

        return g_strconcat(main_file, ".d", NULL);
}

/* The fragment of AddChild: read alone first, to see what it declares
 * before it is merged with the files. Only a new [Child NAME] may merge:
 * a header some file has already would change that section instead. */
static void
loader_add_fragment(Loader *l, const char *file, const char *data, gsize length, char **ret_child)
{
        g_auto(Loader) alone = { 0 };
        guint errors = 0;

        loader_init(&alone, l->options);
        config_loader_add_data(&alone, file, data, length);
        for (guint i = 0; i < alone.sections->len; i++) {
                const Section *s = g_ptr_array_index(alone.sections, i);
                const Section *other = g_hash_table_lookup(l->by_group, s->group);

                if (i > 0) {
                        config_report(&alone, STEWARD_PROBLEM_ERROR, file, s->line,
                                      _("[%s]: only one [Child NAME] section can be added at a time"),
                                      s->group);
                        errors++;
                } else if (!g_str_has_prefix(s->group, "Child ")) {
                        config_report(&alone, STEWARD_PROBLEM_ERROR, file, s->line,
                                      _("[%s]: only a [Child NAME] section can be added"), s->group);
                        errors++;
                } else if (other) {
                        config_report(&alone, STEWARD_PROBLEM_ERROR, file, s->line,
                                      _("[%s]: the child exists already, declared at %s:%d"), s->group,
                                      other->file, other->line);
                        errors++;
                }
        }
        if (alone.sections->len == 0 && alone.problems->len == 0) {
                config_report(&alone, STEWARD_PROBLEM_ERROR, file, 0, _("no [Child NAME] section"));
                errors++;
        }
        if (ret_child && alone.sections->len > 0 &&
            g_str_has_prefix(((Section *) g_ptr_array_index(alone.sections, 0))->group, "Child "))
                *ret_child = g_strdup(((Section *) g_ptr_array_index(alone.sections, 0))->group +
                                      strlen("Child "));
        if (errors == 0) {
                config_loader_add_data(l, file, data, length);
                return;
        }
        /* Not merged: its own problems are all there is to say about it. */
        g_ptr_array_add(l->files, g_strdup(file));
        for (guint i = 0; i < alone.problems->len; i++)
                g_ptr_array_add(l->problems, g_ptr_array_steal_index(alone.problems, i--));
}

/* Reads the main file @path names, its drop-ins, the run-time drop-ins and
 * @fragment (if any). A missing main file is an error unless
 * @missing_is_empty, when it and its drop-ins are the empty tree. */
static StewardSpec *
load_files(const char *path, gboolean missing_is_empty, const StewardConfigOptions *options,
           const char *fragment_file, const char *fragment, gssize length, char **ret_child,
           GPtrArray **problems, GError **error)
{
        g_auto(Loader) l = { 0 };
        g_autofree char *main_file = NULL;
        g_autofree char *dropin_dir = NULL;

        if (problems)
                *problems = NULL;
        loader_init(&l, options);
        main_file = main_file_of(path);
        if (config_loader_add_file(&l, main_file)) {
                dropin_dir = g_strconcat(main_file, ".d", NULL);
                config_loader_add_dropins(&l, dropin_dir);
        } else if (!missing_is_empty) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND,
                            _("%s: the configuration file does not exist"), main_file);
                if (problems)
                        *problems = g_ptr_array_new_with_free_func((GDestroyNotify) steward_problem_free);
                return NULL;
        }
        if (l.options->runtime_dropin_dir)
                config_loader_add_dropins(&l, l.options->runtime_dropin_dir);
        if (fragment)
                loader_add_fragment(&l, fragment_file, fragment,
                                    length < 0 ? strlen(fragment) : (gsize) length, ret_child);
        return loader_finish(&l, problems, error);
}

StewardSpec *
steward_config_load(const char *path, const StewardConfigOptions *options, GPtrArray **problems,
                    GError **error)
{
        g_return_val_if_fail(path, NULL);

        return load_files(path, FALSE, options, NULL, NULL, 0, NULL, problems, error);
}

StewardSpec *
steward_config_load_default(const StewardConfigOptions *options, GPtrArray **problems, GError **error)
{
        static const StewardConfigOptions defaults = { 0 };
        g_autofree char *dir = steward_config_default_dir((options ? options : &defaults)->mode);

        return load_files(dir, TRUE, options, NULL, NULL, 0, NULL, problems, error);
}

StewardSpec *
steward_config_load_fragment(const char *path, const StewardConfigOptions *options, const char *file,
                             const char *data, gssize length, char **ret_child, GPtrArray **problems,
                             GError **error)
{
        static const StewardConfigOptions defaults = { 0 };
        g_autofree char *dir = NULL;

        g_return_val_if_fail(file && data, NULL);

        if (ret_child)
                *ret_child = NULL;
        if (!path)
                dir = steward_config_default_dir((options ? options : &defaults)->mode);
        return load_files(path ? path : dir, !path, options, file, data, length, ret_child, problems, error);
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

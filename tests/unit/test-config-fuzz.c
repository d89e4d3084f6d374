/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-config-fuzz.c: replays the fuzz seed corpus and every input the fuzzer ever crashed on through the
 * loader. */
#include "config.h"

#include <stdlib.h>

#include "steward-config.h"
#include "steward-test.h"

/* Every regular file under @dir, recursively. */
static void
collect(const char *dir, GPtrArray *paths)
{
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        if (!d)
                return;
        while ((name = g_dir_read_name(d))) {
                g_autofree char *path = g_build_filename(dir, name, NULL);

                if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
                        continue;
                if (g_file_test(path, G_FILE_TEST_IS_DIR))
                        collect(path, paths);
                else if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
                        g_ptr_array_add(paths, g_steal_pointer(&path));
        }
}

static void
replay(const char *path, const char *data, gsize length, const StewardConfigOptions *options)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;

        spec = steward_config_load_data(path, data, (gssize) length, options, &problems, &error);
        ck_assert_ptr_nonnull(problems);
        ck_assert_msg((spec == NULL) == (error != NULL), "%s", path);
        for (guint i = 0; i < problems->len; i++) {
                g_autofree char *line = steward_problem_format(g_ptr_array_index(problems, i));
                ck_assert_msg(g_utf8_validate(line, -1, NULL), "%s", path);
        }
}

START_TEST(test_replay)
{
        const char *srcdir = g_getenv("STEWARD_SOURCE_DIR");
        static const char *const dirs[] = { "fuzz/corpus", "fuzz/regressions", "examples", "tests/config" };
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        guint regressions = 0;

        ck_assert_msg(srcdir, "STEWARD_SOURCE_DIR is not set");
        for (size_t i = 0; i < G_N_ELEMENTS(dirs); i++) {
                g_autofree char *dir = g_build_filename(srcdir, dirs[i], NULL);
                guint before = paths->len;

                collect(dir, paths);
                if (i == 1)
                        regressions = paths->len - before;
        }
        ck_assert_uint_gt(paths->len, 10);
        for (guint i = 0; i < paths->len; i++) {
                const char *path = g_ptr_array_index(paths, i);
                g_autofree char *data = NULL;
                gsize length;

                ck_assert(g_file_get_contents(path, &data, &length, NULL));
                for (int mode = 0; mode < 2; mode++)
                        for (int backend = 0; backend < 2; backend++) {
                                StewardConfigOptions options = { (StewardMode) mode,
                                                                 (StewardBackendKind) backend, TRUE };
                                replay(path, data, length, &options);
                        }
        }
        /* The regressions directory holds at least its placeholder. */
        ck_assert_uint_ge(regressions, 1);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("config-fuzz");
        TCase *tc = tcase_create("replay");

        tcase_add_test(tc, test_replay);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

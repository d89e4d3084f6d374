/* itest.c: helpers shared by the integration suites that run inside steward-harness. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "itest.h"

void
itest_require_harness(void)
{
        if (!g_getenv("STEWARD_HARNESS")) {
                /* TAP's way of saying the whole suite was skipped. */
                printf("1..0 # SKIP not running inside steward-harness\n");
                exit(77);
        }
}

int
itest_run(const char *const *argv, char **out)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;
        int status = 0;

        if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err, &status,
                          &error)) {
                fprintf(stderr, "# cannot run '%s': %s\n", argv[0], error->message);
                return -1;
        }
        if (err && *err)
                fprintf(stderr, "# %s: %s", argv[0], err);
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

GDBusConnection *
itest_bus(void)
{
        g_autoptr(GError) error = NULL;
        GDBusConnection *bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);

        ck_assert_msg(bus != NULL, "cannot connect to the user bus: %s", error ? error->message : "?");
        return bus;
}

static gboolean
on_wait_timeout(gpointer user_data)
{
        gboolean *expired = user_data;

        *expired = TRUE;
        return G_SOURCE_REMOVE;
}

gboolean
itest_wait_flag(const gboolean *flag, guint timeout_sec)
{
        gboolean expired = FALSE;
        guint id = g_timeout_add_seconds(timeout_sec, on_wait_timeout, &expired);

        while (!*flag && !expired)
                g_main_context_iteration(NULL, TRUE);
        if (!expired)
                g_source_remove(id);
        return *flag;
}

gboolean
itest_journal_contains(const char *const *match, const char *needle)
{
        const char *const sync[] = { "journalctl", "--sync", NULL };
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *out = NULL;

        /* --sync returns once journald has written everything it received
         * before the call, so no retry loop is needed. */
        if (itest_run(sync, NULL) != 0)
                return FALSE;
        g_ptr_array_add(argv, (gpointer) "journalctl");
        g_ptr_array_add(argv, (gpointer) "--no-pager");
        g_ptr_array_add(argv, (gpointer) "-o");
        g_ptr_array_add(argv, (gpointer) "cat");
        for (const char *const *m = match; *m; m++)
                g_ptr_array_add(argv, (gpointer) *m);
        g_ptr_array_add(argv, NULL);
        if (itest_run((const char *const *) argv->pdata, &out) != 0)
                return FALSE;
        return strstr(out, needle) != NULL;
}

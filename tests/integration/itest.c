/* itest.c: helpers shared by the integration suites that run inside steward-harness. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <stdlib.h>

#include <gio/gunixinputstream.h>

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

typedef struct {
        const char *path;
        gboolean exists;
} FileWait;

static void
on_dir_changed(GFileMonitor *mon, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
        FileWait *w = user_data;

        w->exists = g_file_test(w->path, G_FILE_TEST_EXISTS);
}

gboolean
itest_wait_file(const char *path, guint timeout_sec)
{
        g_autofree char *dirname = g_path_get_dirname(path);
        g_autoptr(GFile) dir = g_file_new_for_path(dirname);
        g_autoptr(GFileMonitor) mon = NULL;
        FileWait w = { .path = path };

        mon = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
        if (!mon)
                return FALSE;
        g_signal_connect(mon, "changed", G_CALLBACK(on_dir_changed), &w);
        /* Checked after the monitor exists, so a file made in between is seen. */
        w.exists = g_file_test(path, G_FILE_TEST_EXISTS);
        return itest_wait_flag(&w.exists, timeout_sec);
}

typedef struct {
        GDataInputStream *in;
        const char *needle;
        gboolean found;
        gboolean ended;
        gboolean done; /* found or ended */
} JournalFollow;

static void
on_journal_line(GObject *source, GAsyncResult *res, gpointer user_data)
{
        JournalFollow *f = user_data;
        g_autofree char *line = g_data_input_stream_read_line_finish(f->in, res, NULL, NULL);

        if (!line) {
                f->ended = f->done = TRUE;
                return;
        }
        if (strstr(line, f->needle)) {
                f->found = f->done = TRUE;
                return;
        }
        g_data_input_stream_read_line_async(f->in, G_PRIORITY_DEFAULT, NULL, on_journal_line, f);
}

gboolean
itest_journal_wait(const char *const *match, const char *needle, guint timeout_sec)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GInputStream) raw = NULL;
        JournalFollow f = { .needle = needle };
        gboolean done = FALSE;
        GPid pid;
        int out;

        g_ptr_array_add(argv, (gpointer) "journalctl");
        g_ptr_array_add(argv, (gpointer) "--follow");
        g_ptr_array_add(argv, (gpointer) "--no-pager");
        g_ptr_array_add(argv, (gpointer) "--lines=all");
        g_ptr_array_add(argv, (gpointer) "-o");
        g_ptr_array_add(argv, (gpointer) "cat");
        for (const char *const *m = match; *m; m++)
                g_ptr_array_add(argv, (gpointer) *m);
        g_ptr_array_add(argv, NULL);
        if (!g_spawn_async_with_pipes(NULL, (char **) argv->pdata, NULL,
                                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                      &out, NULL, &error)) {
                fprintf(stderr, "# journalctl: %s\n", error->message);
                return FALSE;
        }
        raw = g_unix_input_stream_new(out, TRUE);
        f.in = g_data_input_stream_new(raw);
        g_data_input_stream_read_line_async(f.in, G_PRIORITY_DEFAULT, NULL, on_journal_line, &f);
        (void) itest_wait_flag(&f.done, timeout_sec);
        done = f.found;
        (void) kill(pid, SIGTERM);
        /* A read still pending completes with EOF now; let it, so it does
         * not run after f is gone. */
        if (!f.found)
                (void) itest_wait_flag(&f.ended, ITEST_TIMEOUT_SEC);
        (void) waitpid(pid, NULL, 0);
        g_clear_object(&f.in);
        return done;
}

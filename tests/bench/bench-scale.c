/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-scale.c: stewardd's cost per child as the tree grows, from 1,000 to 10,000 children, inside the
 * harness.
 *
 * For each size N (STEWARD_BENCH_SCALE, a comma-separated list; default
 * 1000,2500,5000,10000) one stewardd brings up N children in scopes of their
 * own, and the bench prints, per child: wall time and stewardd's CPU time of
 * the bring-up, resident memory (all, and anonymous alone); then the time of
 * the reads an operator makes (ListChildren, one child's properties,
 * `stewardctl status` of one child, `stewardctl list`, `stewardctl status` of
 * the whole tree); then a restart of
 * every child (N RestartChild calls, IN_FLIGHT at a time) until every child runs
 * as generation 1, with the time and CPU per child. A flat curve is the goal:
 * nothing per child may cost more in a bigger tree.
 *
 * Numbers, not verdicts: it fails only when something does not happen at
 * all, or when a restart skips or repeats a generation (the fence). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "itest.h"

/* RestartChild calls waiting at once: stewardd's bound per connection
 * (STEWARD_BUS_PENDING_PER_SENDER_MAX). */
#define IN_FLIGHT 64

static double
seconds_since(gint64 start)
{
        return (double) (g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

static guint64
status_kib(GPid pid, const char *key)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/status", (int) pid);
        g_autofree char *text = NULL;
        g_autofree char *needle = g_strconcat("\n", key, ":", NULL);
        const char *at;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !(at = strstr(text, needle)))
                return 0;
        return g_ascii_strtoull(at + strlen(needle), NULL, 10);
}

/* Waits for @n events of @kind (any child) from *from on, each within the bound. */
static gboolean
wait_events(ItestDaemon *d, const char *kind, guint n, guint *from)
{
        for (guint i = 0; i < n; i++)
                if (!itest_events_wait(d->events, kind, NULL, from, 600))
                        return FALSE;
        return TRUE;
}

static double
time_call(ItestDaemon *d, const char *method, GVariant *params, const char *type)
{
        gint64 t = g_get_monotonic_time();
        g_autoptr(GVariant) r = itest_manager_call(d, method, params, type);

        return seconds_since(t);
}

static double
time_property(ItestDaemon *d, const char *child)
{
        gint64 t = g_get_monotonic_time();
        g_autoptr(GVariant) r = NULL;
        g_autofree char *path = g_strdup_printf("/org/steward/Supervisor1/child/%s", child);

        r = g_dbus_connection_call_sync(d->bus, "org.steward.Supervisor1", path,
                                        "org.freedesktop.DBus.Properties", "GetAll",
                                        g_variant_new("(s)", "org.steward.Supervisor1.Child"),
                                        G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(r);
        return seconds_since(t);
}

static double
time_stewardctl(const char *const *args)
{
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *out = NULL;
        gint64 t;

        g_ptr_array_add(argv, ctl);
        g_ptr_array_add(argv, (gpointer) "--user");
        for (const char *const *a = args; *a; a++)
                g_ptr_array_add(argv, (gpointer) *a);
        g_ptr_array_add(argv, NULL);
        t = g_get_monotonic_time();
        ck_assert_int_eq(itest_run((const char *const *) argv->pdata, &out), 0);
        return seconds_since(t);
}

typedef struct {
        guint pending;
        guint failed;
} Calls;

static void
on_restart_done(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Calls *c = user_data;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, NULL);

        if (!r)
                c->failed++;
        c->pending--;
}

static void
run_size(guint n)
{
        g_autoptr(GString) config = g_string_new("[Manager]\nShutdownTimeoutSec=10min\n");
        g_autoptr(ItestDaemon) d = NULL;
        const char *status_args[] = { "status", "c0", NULL };
        const char *list_args[] = { "list", "--no-legend", NULL };
        const char *tree_args[] = { "status", NULL };
        Calls calls = { 0 };
        double wall, cpu, cpu_after, list, prop, status, tree, ctl_list, storm;
        guint64 rss, anon, rss_after, anon_after;
        gint64 start;
        guint from = 0;

        for (guint i = 0; i < n; i++)
                g_string_append_printf(config, "[Child c%u]\nExecStart=/usr/bin/sleep 100000\n", i);
        start = g_get_monotonic_time();
        d = itest_daemon_start(config->str, NULL);
        ck_assert_msg(wait_events(d, "child_started", n, &from), "%u children did not start", n);
        wall = seconds_since(start);
        cpu = itest_proc_cpu_seconds(d->pid);
        rss = status_kib(d->pid, "VmRSS");
        anon = status_kib(d->pid, "RssAnon");

        list = time_call(d, "ListChildren", NULL, "(a(ssstto))");
        prop = time_property(d, "c0");
        status = time_stewardctl(status_args);
        ctl_list = time_stewardctl(list_args);
        tree = time_stewardctl(tree_args);

        /* Every child restarted, the calls pipelined on one connection up
         * to what stewardd lets one connection have waiting. */
        start = g_get_monotonic_time();
        for (guint i = 0; i < n; i++) {
                g_autofree char *name = g_strdup_printf("c%u", i);

                while (calls.pending >= IN_FLIGHT)
                        g_main_context_iteration(NULL, TRUE);
                ck_assert_uint_eq(calls.failed, 0);
                calls.pending++;
                g_dbus_connection_call(d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                                       "org.steward.Supervisor1.Manager", "RestartChild",
                                       g_variant_new("(ss)", name, "bench"), G_VARIANT_TYPE("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_restart_done, &calls);
        }
        ck_assert_msg(wait_events(d, "child_started", n, &from), "%u children were not restarted", n);
        storm = seconds_since(start);
        cpu_after = itest_proc_cpu_seconds(d->pid);
        while (calls.pending > 0)
                g_main_context_iteration(NULL, TRUE);
        ck_assert_uint_eq(calls.failed, 0);
        rss_after = status_kib(d->pid, "VmRSS");
        anon_after = status_kib(d->pid, "RssAnon");
        /* The fence: each child's second incarnation is generation 1, once. */
        ck_assert_uint_eq(itest_events_count(d->events, "child_started", NULL), 2 * n);
        for (guint i = 0; i < n; i += MAX(n / 100, 1)) {
                g_autofree char *name = g_strdup_printf("c%u", i);
                g_autoptr(GVariant) gen = itest_child_property(d, name, "Generation");

                ck_assert_uint_eq(g_variant_get_uint64(gen), 1);
        }

        printf("# %6u children: bring-up %6.2f ms/child wall, %5.2f ms/child CPU; RSS %6" G_GUINT64_FORMAT
               " KiB (%5.1f KiB/child, anonymous %5.1f); ListChildren %6.1f ms, GetAll %5.1f ms, "
               "stewardctl status c0 %6.1f ms, stewardctl list %6.1f ms, stewardctl status %7.1f ms; "
               "restart of all "
               "%6.2f ms/child "
               "wall, %5.2f ms/child CPU; RSS after it %6" G_GUINT64_FORMAT
               " KiB (anonymous %5.1f KiB/child)\n",
               n, wall * 1000 / n, cpu * 1000 / n, rss, (double) rss / n, (double) anon / n, list * 1000,
               prop * 1000, status * 1000, ctl_list * 1000, tree * 1000, storm * 1000 / n,
               (cpu_after - cpu) * 1000 / n, rss_after, (double) anon_after / n);
        fflush(stdout);

        g_clear_pointer(&d, itest_daemon_free);
}

START_TEST(bench_scale)
{
        const char *env = g_getenv("STEWARD_BENCH_SCALE");
        g_auto(GStrv) sizes = g_strsplit(env && *env ? env : "1000,2500,5000,10000", ",", -1);

        for (char **s = sizes; *s; s++)
                run_size((guint) g_ascii_strtoull(*s, NULL, 10));
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("bench");
        TCase *tc = tcase_create("scale");

        tcase_set_timeout(tc, 3600);
        tcase_add_test(tc, bench_scale);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

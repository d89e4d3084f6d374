/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-harness.c: proves the harness is the real thing: a real manager, real cgroups, a real journal. */
#include "config.h"

#include <signal.h>
#include <systemd/sd-journal.h>

#include "itest.h"

#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

START_TEST(test_busctl_reaches_manager)
{
        const char *const argv[] = { "busctl",     "--user",        "get-property", SYSTEMD_BUS_NAME,
                                     SYSTEMD_PATH, SYSTEMD_MANAGER, "Version",      NULL };
        g_autofree char *out = NULL;

        ck_assert_int_eq(itest_run(argv, &out), 0);
        ck_assert_msg(g_str_has_prefix(out, "s \""), "unexpected answer '%s'", out);
}
END_TEST

typedef struct {
        char *job;
        char *result;
        gboolean done;
} JobWait;

static void
on_job_removed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
               const char *signal, GVariant *params, gpointer user_data)
{
        JobWait *w = user_data;
        const char *job, *unit, *result;
        guint32 id;

        g_variant_get(params, "(u&o&s&s)", &id, &job, &unit, &result);
        if (w->job && g_str_equal(job, w->job)) {
                w->result = g_strdup(result);
                w->done = TRUE;
        }
}

START_TEST(test_transient_scope_gets_cgroup)
{
        g_autoptr(GDBusConnection) bus = itest_bus();
        g_autoptr(GError) error = NULL;
        g_autoptr(GSubprocess) sleeper = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autofree char *cgroup = NULL;
        g_autofree char *cgroup_file = NULL;
        const char *pid_str;
        GVariantBuilder props;
        JobWait w = { 0 };
        guint sub;
        guint32 pid;

        sleeper = g_subprocess_new(G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "infinity", NULL);
        ck_assert_msg(sleeper != NULL, "%s", error ? error->message : "");
        pid_str = g_subprocess_get_identifier(sleeper);
        pid = (guint32) g_ascii_strtoull(pid_str, NULL, 10);

        /* Listen before asking, or the job may be gone before we listen. */
        sub = g_dbus_connection_signal_subscribe(bus, SYSTEMD_BUS_NAME, SYSTEMD_MANAGER, "JobRemoved",
                                                 SYSTEMD_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                 on_job_removed, &w, NULL);
        reply = g_dbus_connection_call_sync(bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER,
                                            "Subscribe", NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                            &error);
        ck_assert_msg(reply != NULL, "Subscribe: %s", error ? error->message : "");
        g_clear_pointer(&reply, g_variant_unref);

        g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
        g_variant_builder_add(&props, "(sv)", "Description", g_variant_new_string("steward harness proof"));
        g_variant_builder_add(&props, "(sv)", "PIDs",
                              g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, &pid, 1, sizeof(pid)));
        reply = g_dbus_connection_call_sync(
                bus, SYSTEMD_BUS_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "StartTransientUnit",
                g_variant_new("(ssa(sv)a(sa(sv)))", "steward-harness-proof.scope", "fail", &props, NULL),
                G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        ck_assert_msg(reply != NULL, "StartTransientUnit: %s", error ? error->message : "");
        g_variant_get(reply, "(o)", &w.job);

        ck_assert_msg(itest_wait_flag(&w.done, ITEST_TIMEOUT_SEC), "job %s never finished", w.job);
        ck_assert_str_eq(w.result, "done");

        cgroup_file = g_strdup_printf("/proc/%u/cgroup", pid);
        ck_assert(g_file_get_contents(cgroup_file, &cgroup, NULL, NULL));
        ck_assert_msg(strstr(cgroup, "/steward-harness-proof.scope\n") != NULL, "not in the scope: %s",
                      cgroup);

        g_subprocess_send_signal(sleeper, SIGKILL);
        ck_assert(g_subprocess_wait(sleeper, NULL, NULL));
        g_dbus_connection_signal_unsubscribe(bus, sub);
        g_free(w.job);
        g_free(w.result);
}
END_TEST

START_TEST(test_journal_round_trip)
{
        g_autofree char *marker = g_uuid_string_random();
        const char *const match[] = { "-t", "steward-harness-test", NULL };

        ck_assert_int_eq(sd_journal_send("MESSAGE=harness marker %s", marker,
                                         "SYSLOG_IDENTIFIER=steward-harness-test", NULL),
                         0);
        ck_assert_msg(itest_journal_contains(match, marker), "marker %s not in the journal", marker);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("harness");
        TCase *tc = tcase_create("harness");

        tcase_set_timeout(tc, 2 * ITEST_TIMEOUT_SEC);
        tcase_add_test(tc, test_busctl_reaches_manager);
        tcase_add_test(tc, test_transient_scope_gets_cgroup);
        tcase_add_test(tc, test_journal_round_trip);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

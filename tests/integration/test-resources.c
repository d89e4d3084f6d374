/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-resources.c: integration tests of the resource keys, on scopes and supervisors' slices, applied in
 * place by Reload and live restore.
 *
 * What the manager made of a setting is read back from it (its unit
 * properties); a percentage is compared with what the same manager makes
 * of "systemctl set-property" with that percentage, since it resolves
 * against the memory and tasks the machine (or the harness's cgroup) has. */
#include "config.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "itest.h"

#define SCOPE_IFACE "org.freedesktop.systemd1.Scope"
#define SLICE_IFACE "org.freedesktop.systemd1.Slice"
#define NO_LIMIT G_MAXUINT64

/* A unit property as the manager has it now, loading the unit if need be. */
static GVariant *
unit_property(const char *unit, const char *iface, const char *property)
{
        GDBusConnection *bus = itest_bus();
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        GVariant *value;

        reply = g_dbus_connection_call_sync(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                            "org.freedesktop.systemd1.Manager", "LoadUnit",
                                            g_variant_new("(s)", unit), G_VARIANT_TYPE("(o)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        ck_assert_msg(reply, "LoadUnit %s: %s", unit, error ? error->message : "");
        g_variant_get(reply, "(o)", &path);
        g_clear_pointer(&reply, g_variant_unref);
        reply = g_dbus_connection_call_sync(bus, "org.freedesktop.systemd1", path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", iface, property), G_VARIANT_TYPE("(v)"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        ck_assert_msg(reply, "%s of %s: %s", property, unit, error ? error->message : "");
        g_variant_get(reply, "(v)", &value);
        return value;
}

static guint64
unit_u64(const char *unit, const char *iface, const char *property)
{
        g_autoptr(GVariant) v = unit_property(unit, iface, property);

        return g_variant_get_uint64(v);
}

static gboolean
on_poll_timeout(gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
        return G_SOURCE_REMOVE;
}

/* Waits until the unit's property is @expected: stewardd's SetUnitProperties
 * reaches the manager on its own connection, after the reply the test saw.
 * The manager sends no change signal for these, so it is asked again each
 * 20 ms, within the bound. */
static gboolean
wait_unit_u64(const char *unit, const char *iface, const char *property, guint64 expected)
{
        gint64 deadline = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;
        guint64 v;

        while ((v = unit_u64(unit, iface, property)) != expected) {
                gboolean tick = FALSE;

                if (g_get_monotonic_time() > deadline) {
                        g_printerr("# %s %s=%" G_GUINT64_FORMAT ", expected %" G_GUINT64_FORMAT "\n", unit,
                                   property, v, expected);
                        return FALSE;
                }
                g_timeout_add(20, on_poll_timeout, &tick);
                (void) itest_wait_flag(&tick, 1);
        }
        return TRUE;
}

static char *
unit_cpus_hex(const char *unit, const char *iface)
{
        g_autoptr(GVariant) v = unit_property(unit, iface, "AllowedCPUs");
        g_autoptr(GString) hex = g_string_new(NULL);
        const guint8 *data;
        gsize n;

        data = g_variant_get_fixed_array(v, &n, 1);
        /* The manager may pad the mask: trailing zero bytes say nothing. */
        while (n > 0 && data[n - 1] == 0)
                n--;
        for (gsize i = 0; i < n; i++)
                g_string_append_printf(hex, "%02x", data[i]);
        return g_string_free(g_steal_pointer(&hex), FALSE);
}

/* What the manager makes of @assignment as systemd-run sends it, read
 * from a transient service of the test's. (Not from a slice changed by
 * "systemctl set-property": systemd 252 writes a TasksMax= percentage to
 * the drop-in wrongly, and an idle slice is loaded again from it.) */
static guint64
reference_value(const char *assignment, const char *property)
{
        static guint counter;
        g_autofree char *unit = g_strdup_printf("test-reference-%d-%u.service", (int) getpid(), counter++);
        const char *run[] = { "systemd-run",         "--user", "--quiet",  "--unit",    unit, "-p",
                              "RemainAfterExit=yes", "-p",     assignment, "/bin/true", NULL };
        const char *stop[] = { "systemctl", "--user", "stop", unit, NULL };
        guint64 v;

        ck_assert_int_eq(itest_run(run, NULL), 0);
        v = unit_u64(unit, "org.freedesktop.systemd1.Service", property);
        (void) itest_run(stop, NULL);
        return v;
}

static ItestDaemon *
start(const char *config)
{
        const char *args[] = { "--backend=scope", NULL };

        return itest_daemon_start(config, args);
}

static char *
child_unit(ItestDaemon *d, const char *child)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, "Unit");

        return g_variant_dup_string(v, NULL);
}

static void
write_config(ItestDaemon *d, const char *config)
{
        g_autofree char *path = g_build_filename(d->dir, "steward.conf", NULL);

        ck_assert(g_file_set_contents(path, config, -1, NULL));
}

/* Rewrites steward.conf and calls Reload; returns the "changed" list. */
static char *
reload_with(ItestDaemon *d, const char *config)
{
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autofree const char **changed = NULL;

        write_config(d, config);
        reply = itest_manager_call(d, "Reload", NULL, "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        ck_assert(g_variant_lookup(outcome, "changed", "^a&s", &changed));
        return g_strjoinv(",", (char **) changed);
}

/* ---- the settings reach the scope and the slice ---------------------------------- */

START_TEST(test_limits_on_scope_and_slice)
{
        static const char config[] = "[Supervisor web]\n"
                                     "MemoryMax=300M\n"
                                     "MemoryHigh=50%\n"
                                     "TasksMax=40\n"
                                     "CPUWeight=30\n"
                                     "CPUQuota=150%\n"
                                     "IOWeight=300\n"
                                     "AllowedCPUs=0\n"
                                     "[Child api]\n"
                                     "Supervisor=web\n"
                                     "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                     "TimeoutStopSec=5s\n"
                                     "MemoryMax=10%\n"
                                     "MemoryHigh=100M\n"
                                     "TasksMax=5%\n"
                                     "CPUWeight=idle\n"
                                     "CPUQuota=50%\n"
                                     "IOWeight=20\n"
                                     "AllowedCPUs=0\n";
        g_autoptr(ItestDaemon) d = start(config);
        g_autofree char *unit = NULL;
        g_autofree char *scope_cpus = NULL, *slice_cpus = NULL;
        g_autoptr(GVariant) slice = NULL;
        guint64 mem10, tasks5, mem50;

        ck_assert(itest_wait_state(d, "api", "running"));
        unit = child_unit(d, "api");
        ck_assert_str_eq(unit, "steward-api-0.scope");
        slice = unit_property(unit, SCOPE_IFACE, "Slice");
        ck_assert_str_eq(g_variant_get_string(slice, NULL), "steward-web.slice");

        mem10 = reference_value("MemoryMax=10%", "MemoryMax");
        tasks5 = reference_value("TasksMax=5%", "TasksMax");
        mem50 = reference_value("MemoryHigh=50%", "MemoryHigh");
        ck_assert_uint_ne(mem10, NO_LIMIT);
        ck_assert_uint_ne(tasks5, NO_LIMIT);

        /* The child's, on its scope: the percentages as systemctl sends them. */
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "MemoryMax"), mem10);
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "MemoryHigh"), 100 << 20);
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "TasksMax"), tasks5);
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "CPUWeight"), 0); /* idle */
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "CPUQuotaPerSecUSec"), 500000);
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "IOWeight"), 20);
        scope_cpus = unit_cpus_hex(unit, SCOPE_IFACE);
        ck_assert_str_eq(scope_cpus, "01");

        /* The supervisor's, on its slice. */
        ck_assert_uint_eq(unit_u64("steward-web.slice", SLICE_IFACE, "MemoryMax"), 300 << 20);
        ck_assert_uint_eq(unit_u64("steward-web.slice", SLICE_IFACE, "MemoryHigh"), mem50);
        ck_assert_uint_eq(unit_u64("steward-web.slice", SLICE_IFACE, "TasksMax"), 40);
        ck_assert_uint_eq(unit_u64("steward-web.slice", SLICE_IFACE, "CPUWeight"), 30);
        ck_assert_uint_eq(unit_u64("steward-web.slice", SLICE_IFACE, "CPUQuotaPerSecUSec"), 1500000);
        ck_assert_uint_eq(unit_u64("steward-web.slice", SLICE_IFACE, "IOWeight"), 300);
        slice_cpus = unit_cpus_hex("steward-web.slice", SLICE_IFACE);
        ck_assert_str_eq(slice_cpus, "01");
}
END_TEST

/* ---- a subtree shares its supervisor's TasksMax= ----------------------------------- */

static guint
read_count(const char *path)
{
        g_autofree char *text = NULL;

        ck_assert_msg(itest_wait_file(path, ITEST_TIMEOUT_SEC), "%s never written", path);
        ck_assert(g_file_get_contents(path, &text, NULL, NULL));
        return (guint) g_ascii_strtoull(text, NULL, 10);
}

START_TEST(test_subtree_shares_tasks_max)
{
        g_autofree char *dir = g_dir_make_tmp("steward-resources-XXXXXX", NULL);
        g_autofree char *probe =
                g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "tests", "integration", "fork-probe", NULL);
        g_autofree char *a_file = g_build_filename(dir, "a.count", NULL);
        g_autofree char *b_file = g_build_filename(dir, "b.count", NULL);
        g_autofree char *config = NULL;
        g_autoptr(ItestDaemon) d = NULL;
        guint a, b;

        /* Each child alone could fork 20; the two together have 8 tasks,
         * themselves included. */
        config = g_strdup_printf("[Supervisor pool]\n"
                                 "TasksMax=8\n"
                                 "[Child a]\n"
                                 "Supervisor=pool\n"
                                 "ExecStart=%s 20 %s\n"
                                 "TimeoutStopSec=5s\n"
                                 "[Child b]\n"
                                 "Supervisor=pool\n"
                                 "ExecStart=%s 20 %s\n"
                                 "TimeoutStopSec=5s\n",
                                 probe, a_file, probe, b_file);
        d = start(config);
        a = read_count(a_file);
        b = read_count(b_file);
        /* Only forks are refused, not a process moved into a full slice:
         * the one to come second may find it full and get in anyway, but
         * the forks of both stay within 8 beside the first. */
        ck_assert_msg(a + b <= 7, "a forked %u, b %u: more than the slice's TasksMax=8 allows", a, b);
        ck_assert_msg(a < 20 && b < 20, "a forked %u, b %u: no fork was refused", a, b);
        ck_assert_msg(a + b >= 1, "no fork at all");
        ck_assert_uint_eq(unit_u64("steward-pool.slice", SLICE_IFACE, "TasksMax"), 8);
        ck_assert_uint_le(unit_u64("steward-pool.slice", SLICE_IFACE, "TasksCurrent"), 9);
        ck_assert(itest_wait_state(d, "a", "running"));
        ck_assert(itest_wait_state(d, "b", "running"));
        (void) g_unlink(a_file);
        (void) g_unlink(b_file);
        (void) g_rmdir(dir);
}
END_TEST

/* ---- Reload applies changed limits in place ---------------------------------------- */

START_TEST(test_reload_applies_in_place)
{
        static const char before[] = "[Supervisor rl]\n"
                                     "TasksMax=100\n"
                                     "CPUWeight=100\n"
                                     "[Child api]\n"
                                     "Supervisor=rl\n"
                                     "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                     "TimeoutStopSec=5s\n"
                                     "MemoryMax=100M\n"
                                     "CPUWeight=50\n";
        static const char after[] = "[Supervisor rl]\n"
                                    "TasksMax=50\n"
                                    "CPUWeight=200\n"
                                    "MemoryMax=20%\n"
                                    "[Child api]\n"
                                    "Supervisor=rl\n"
                                    "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                    "TimeoutStopSec=5s\n"
                                    "MemoryMax=200M\n"
                                    "TasksMax=10%\n"
                                    "CPUWeight=70\n"
                                    "CPUQuota=20%\n";
        static const char removed[] = "[Supervisor rl]\n"
                                      "[Child api]\n"
                                      "Supervisor=rl\n"
                                      "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                      "TimeoutStopSec=5s\n";
        g_autoptr(ItestDaemon) d = start(before);
        g_autofree char *unit = NULL, *again = NULL, *changed = NULL, *changed2 = NULL;
        guint32 pid;
        guint starts;
        guint64 tasks10, mem20;

        ck_assert(itest_wait_state(d, "api", "running"));
        unit = child_unit(d, "api");
        pid = itest_child_main_pid(d, "api");
        starts = itest_events_count(d->events, "child_starting", NULL);
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "MemoryMax"), 100 << 20);
        ck_assert_uint_eq(unit_u64("steward-rl.slice", SLICE_IFACE, "TasksMax"), 100);
        tasks10 = reference_value("TasksMax=10%", "TasksMax");
        mem20 = reference_value("MemoryMax=20%", "MemoryMax");

        changed = reload_with(d, after);
        ck_assert_str_eq(changed, "");
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "MemoryMax", 200 << 20));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "TasksMax", tasks10));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "CPUWeight", 70));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "CPUQuotaPerSecUSec", 200000));
        ck_assert(wait_unit_u64("steward-rl.slice", SLICE_IFACE, "TasksMax", 50));
        ck_assert(wait_unit_u64("steward-rl.slice", SLICE_IFACE, "CPUWeight", 200));
        ck_assert(wait_unit_u64("steward-rl.slice", SLICE_IFACE, "MemoryMax", mem20));

        /* A key taken out of the file is taken back: no limit. */
        changed2 = reload_with(d, removed);
        ck_assert_str_eq(changed2, "");
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "MemoryMax", NO_LIMIT));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "CPUWeight", NO_LIMIT));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "CPUQuotaPerSecUSec", NO_LIMIT));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "TasksMax", NO_LIMIT));
        ck_assert(wait_unit_u64("steward-rl.slice", SLICE_IFACE, "TasksMax", NO_LIMIT));
        ck_assert(wait_unit_u64("steward-rl.slice", SLICE_IFACE, "MemoryMax", NO_LIMIT));

        /* Nobody was restarted for it. */
        again = child_unit(d, "api");
        ck_assert_str_eq(again, unit);
        ck_assert_uint_eq(itest_child_main_pid(d, "api"), pid);
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", NULL), starts);
}
END_TEST

/* ---- live restore applies them to what it adopts ------------------------------------ */

START_TEST(test_restore_applies_changed_limits)
{
        static const char before[] = "[Supervisor rs]\n"
                                     "TasksMax=30\n"
                                     "[Child keep]\n"
                                     "Supervisor=rs\n"
                                     "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                     "TimeoutStopSec=5s\n"
                                     "MemoryMax=100M\n";
        static const char after[] = "[Supervisor rs]\n"
                                    "TasksMax=20\n"
                                    "[Child keep]\n"
                                    "Supervisor=rs\n"
                                    "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                    "TimeoutStopSec=5s\n"
                                    "MemoryMax=150M\n"
                                    "CPUWeight=40\n";
        g_autoptr(ItestDaemon) d = start(before);
        g_autofree char *unit = NULL, *again = NULL;
        GVariant *ev;
        guint64 seq;
        guint32 pid;

        ck_assert(itest_wait_state(d, "keep", "running"));
        unit = child_unit(d, "keep");
        pid = itest_child_main_pid(d, "keep");
        ev = itest_events_wait(d->events, "child_started", "keep", NULL, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        g_variant_get_child(ev, 0, "t", &seq);
        ck_assert(itest_wait_saved(d, seq));

        itest_daemon_kill(d);
        write_config(d, after);
        itest_daemon_restart(d);
        ev = itest_events_wait(d->events, "tree_adopted", NULL, NULL, ITEST_TIMEOUT_SEC);
        ck_assert_msg(ev, "no tree_adopted");
        ck_assert(itest_wait_state(d, "keep", "running"));

        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "MemoryMax", 150 << 20));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "CPUWeight", 40));
        ck_assert(wait_unit_u64("steward-rs.slice", SLICE_IFACE, "TasksMax", 20));
        again = child_unit(d, "keep");
        ck_assert_str_eq(again, unit);
        ck_assert_uint_eq(itest_child_main_pid(d, "keep"), pid);
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", NULL), 0);
}
END_TEST

/* A reload that re-executes stewardd (it adds a supervisor) still takes
 * back the limits it removes: the new image leaves a child without any
 * alone. */
START_TEST(test_reexec_reload_takes_back)
{
        static const char before[] = "[Child api]\n"
                                     "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                     "TimeoutStopSec=5s\n"
                                     "MemoryMax=100M\n"
                                     "CPUWeight=60\n";
        static const char after[] = "[Supervisor more]\n"
                                    "TasksMax=25\n"
                                    "[Child api]\n"
                                    "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                    "TimeoutStopSec=5s\n";
        g_autoptr(ItestDaemon) d = start(before);
        g_autofree char *unit = NULL, *changed = NULL, *again = NULL;
        guint32 pid;
        guint from;

        ck_assert(itest_wait_state(d, "api", "running"));
        unit = child_unit(d, "api");
        pid = itest_child_main_pid(d, "api");
        ck_assert_uint_eq(unit_u64(unit, SCOPE_IFACE, "MemoryMax"), 100 << 20);
        from = d->events->events->len;
        changed = reload_with(d, after);
        ck_assert_str_eq(changed, "");
        ck_assert_msg(itest_events_wait(d->events, "tree_adopted", NULL, &from, ITEST_TIMEOUT_SEC),
                      "no re-exec");
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "MemoryMax", NO_LIMIT));
        ck_assert(wait_unit_u64(unit, SCOPE_IFACE, "CPUWeight", NO_LIMIT));
        ck_assert(wait_unit_u64("steward-more.slice", SLICE_IFACE, "TasksMax", 25));
        again = child_unit(d, "api");
        ck_assert_str_eq(again, unit);
        ck_assert_uint_eq(itest_child_main_pid(d, "api"), pid);
}
END_TEST

static Suite *
resources_suite(void)
{
        Suite *s = suite_create("resources");
        TCase *tc = tcase_create("resources");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_limits_on_scope_and_slice);
        tcase_add_test(tc, test_subtree_shares_tasks_max);
        tcase_add_test(tc, test_reload_applies_in_place);
        tcase_add_test(tc, test_restore_applies_changed_limits);
        tcase_add_test(tc, test_reexec_reload_takes_back);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(resources_suite)

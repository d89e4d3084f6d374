/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-runtime-child.c: AddChild and RemoveChild through the real daemon, bus and systemd.
 *
 * A run-time child is a drop-in in the daemon's runtime directory
 * (DIR/run/steward.conf.d/50-runtime-NAME.conf here): each case checks
 * what the caller sees on the bus, what the journal events say, and what
 * is left on disk, across Reload and a live restore. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static const char base_config[] = "[Child api]\n"
                                  "ExecStart=/bin/sleep 1000\n"
                                  "[Supervisor web]\n";

static const char extra_fragment[] = "[Child extra]\n"
                                     "ExecStart=/bin/sleep 1000\n"
                                     "Supervisor=web\n"
                                     "TimeoutStopSec=5s\n";

static char *
runtime_dropin(ItestDaemon *d, const char *child)
{
        g_autofree char *name = g_strdup_printf("50-runtime-%s.conf", child);

        return g_build_filename(d->dir, "run", "steward.conf.d", name, NULL);
}

/* AddChild's outcome; the call must succeed. */
static GVariant *
add_child(ItestDaemon *d, const char *fragment, gboolean persist)
{
        g_autoptr(GVariant) reply = NULL;
        GVariantBuilder options;
        GVariant *outcome;

        g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&options, "{sv}", "reason", g_variant_new_string("test"));
        if (persist)
                g_variant_builder_add(&options, "{sv}", "persist", g_variant_new_boolean(TRUE));
        reply = itest_manager_call(d, "AddChild", g_variant_new("(sa{sv})", fragment, &options), "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        return outcome;
}

/* The error AddChild answers @fragment with; the call must fail. */
static GError *
add_child_error(ItestDaemon *d, const char *fragment)
{
        g_autoptr(GVariant) reply = NULL;
        GError *error = NULL;

        reply = itest_manager_call_error(d, "AddChild", g_variant_new("(sa{sv})", fragment, NULL), "(a{sv})",
                                         &error);
        ck_assert_msg(!reply, "AddChild accepted:\n%s", fragment);
        ck_assert(error);
        return error;
}

static GVariant *
remove_child(ItestDaemon *d, const char *child)
{
        g_autoptr(GVariant) reply = NULL;
        GVariant *outcome;

        reply = itest_manager_call(d, "RemoveChild", g_variant_new("(ss)", child, "test"), "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        return outcome;
}

/* ---- adding ---------------------------------------------------------------------- */

START_TEST(test_add_starts_child)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GVariant) path = NULL;
        g_autoptr(GVariant) files = NULL;
        g_autofree char *dropin = NULL;
        g_autofree char *unit = NULL;
        g_autofree char *supervisor = NULL;
        g_autofree char *text = NULL;
        const char *id;
        GVariant *added, *starting;
        guint from = 0;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_uint_eq(itest_child_count(d), 1);
        dropin = runtime_dropin(d, "extra");
        ck_assert(!g_file_test(dropin, G_FILE_TEST_EXISTS));

        outcome = add_child(d, extra_fragment, FALSE);
        id = itest_outcome_str(outcome, "command_id");
        ck_assert_str_eq(itest_outcome_str(outcome, "child"), "extra");
        ck_assert_str_eq(itest_outcome_str(outcome, "supervisor"), "web");
        ck_assert_str_eq(itest_outcome_str(outcome, "file"), dropin);
        ck_assert(g_file_get_contents(dropin, &text, NULL, NULL));
        ck_assert_ptr_nonnull(strstr(text, extra_fragment));

        /* The addition is recorded under the command's id, then the start. */
        added = itest_events_wait(d->events, "child_added", "extra", &from, ITEST_TIMEOUT_SEC);
        ck_assert(added);
        ck_assert_str_eq(itest_event_str(added, "command_id"), id);
        ck_assert_str_eq(itest_event_str(added, "supervisor"), "web");
        ck_assert_str_eq(itest_event_str(added, "reason"), "test");
        starting = itest_events_wait(d->events, "child_starting", "extra", &from, ITEST_TIMEOUT_SEC);
        ck_assert(starting);
        ck_assert_uint_gt(itest_event_sequence(starting), itest_event_sequence(added));
        ck_assert(itest_wait_state(d, "extra", "running"));

        /* Its object, its own scope, inside its supervisor's slice. */
        path = itest_manager_call(d, "GetChild", g_variant_new("(s)", "extra"), "(o)");
        supervisor = itest_child_str(d, "extra", "Supervisor");
        ck_assert_str_eq(supervisor, "web");
        unit = itest_child_str(d, "extra", "Unit");
        ck_assert_str_eq(unit, "steward-extra-0.scope");
        ck_assert_uint_eq(itest_child_count(d), 2);
        ck_assert_int_gt(itest_child_main_pid(d, "extra"), 0);
        ck_assert_int_ne(itest_child_main_pid(d, "extra"), itest_child_main_pid(d, "api"));

        /* ConfigFiles says where it lives. */
        {
                g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                        d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                        "org.freedesktop.DBus.Properties", "Get",
                        g_variant_new("(ss)", "org.steward.Supervisor1.Manager", "ConfigFiles"),
                        G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
                g_autofree const char **list = NULL;

                ck_assert(reply);
                g_variant_get(reply, "(v)", &files);
                list = g_variant_get_strv(files, NULL);
                ck_assert(g_strv_contains(list, dropin));
        }
}
END_TEST

/* Every refusal says where, as the files' problems do, and changes nothing. */
START_TEST(test_add_refuses_invalid)
{
        static const struct {
                const char *fragment;
                const char *expected;
        } cases[] = {
                { "[Child bad]\nExecStart=/bin/sleep 1000\nthis is not a key\n",
                  "AddChild:3: 'this is not a key' is not a [Section] header" },
                { "[Child bad]\nExecStart=/bin/sleep 1000\nRestrat=always\n",
                  "AddChild:3: unknown key Restrat=" },
                { "[Child bad]\nExecStart=/bin/sleep 1000\nSupervisor=nope\n", "AddChild:3:" },
                { "[Child api]\nExecStart=/bin/sleep 1000\n",
                  "AddChild:1: [Child api]: the child exists already" },
                { "[Child web]\nExecStart=/bin/sleep 1000\n",
                  "AddChild:1: [Child web]: the name 'web' is taken" },
                { "[Child one]\nExecStart=/bin/sleep 1000\n[Child two]\nExecStart=/bin/sleep 1000\n",
                  "AddChild:3: [Child two]: only one [Child NAME] section" },
                { "[Supervisor db]\n", "AddChild:1: [Supervisor db]: only a [Child NAME] section" },
                { "# nothing\n", "AddChild: no [Child NAME] section" },
        };
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autofree char *dir = g_build_filename(d->dir, "run", "steward.conf.d", NULL);

        ck_assert(itest_wait_state(d, "api", "running"));
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) error = add_child_error(d, cases[i].fragment);
                g_autofree char *remote = g_dbus_error_get_remote_error(error);

                ck_assert_str_eq(remote, "org.steward.Supervisor1.Error.InvalidConfig");
                ck_assert_msg(strstr(error->message, cases[i].expected), "case %zu: '%s' not in '%s'", i,
                              cases[i].expected, error->message);
        }
        /* Nothing was added, nothing written. */
        ck_assert_uint_eq(itest_child_count(d), 1);
        ck_assert_uint_eq(itest_events_count(d->events, "child_added", NULL), 0);
        if (g_file_test(dir, G_FILE_TEST_IS_DIR)) {
                g_autoptr(GDir) entries = g_dir_open(dir, 0, NULL);

                ck_assert(entries);
                ck_assert_ptr_null(g_dir_read_name(entries));
        }
        /* An unknown option is the caller's mistake. */
        {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) reply = NULL;
                GVariantBuilder options;

                g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
                g_variant_builder_add(&options, "{sv}", "persistent", g_variant_new_boolean(TRUE));
                reply = itest_manager_call_error(d, "AddChild",
                                                 g_variant_new("(sa{sv})", extra_fragment, &options),
                                                 "(a{sv})", &error);
                ck_assert_ptr_null(reply);
                ck_assert(g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS));
        }
}
END_TEST

/* ---- removing ---------------------------------------------------------------------- */

START_TEST(test_remove_stops_child)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) added = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GVariant) fields = NULL;
        g_autoptr(GVariant) missing = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *dropin = NULL;
        g_autofree char *remote = NULL;
        const char *id, *decision;
        gboolean gone = TRUE;
        GVariant *ev;
        guint from = 0;
        guint32 pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        added = add_child(d, extra_fragment, FALSE);
        ck_assert(itest_wait_state(d, "extra", "running"));
        pid = itest_child_main_pid(d, "extra");
        dropin = runtime_dropin(d, "extra");

        outcome = remove_child(d, "extra");
        id = itest_outcome_str(outcome, "command_id");
        ck_assert_str_eq(itest_outcome_str(outcome, "file"), dropin);
        ck_assert(g_variant_lookup(outcome, "gone", "b", &gone));
        ck_assert(!gone); /* it was running: on its way out through the fence */
        ck_assert(!g_file_test(dropin, G_FILE_TEST_EXISTS));

        ev = itest_events_wait(d->events, "child_removed", "extra", &from, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "command_id"), id);
        /* Stopped through the fence, under the same command. */
        ev = itest_events_wait(d->events, "child_control_cancel_delivered", "extra", &from,
                               ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        ck_assert_str_eq(itest_event_str(ev, "command_id"), id);
        ev = itest_events_wait(d->events, "child_stopped", "extra", &from, ITEST_TIMEOUT_SEC);
        ck_assert(ev);
        g_variant_get(ev, "(t&s&st@a{sv})", NULL, NULL, NULL, NULL, &fields);
        ck_assert(g_variant_lookup(fields, "decision", "&s", &decision));
        ck_assert_str_eq(decision, "stop");
        ck_assert_int_ne(kill((pid_t) pid, 0), 0);

        /* Then the object is gone. */
        missing = itest_manager_call_error(d, "GetChild", g_variant_new("(s)", "extra"), "(o)", &error);
        ck_assert_ptr_null(missing);
        remote = g_dbus_error_get_remote_error(error);
        ck_assert_str_eq(remote, "org.steward.Supervisor1.Error.NoSuchChild");
        ck_assert_uint_eq(itest_child_count(d), 1);
}
END_TEST

START_TEST(test_remove_refuses_configured)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *remote = NULL;
        g_autofree char *conf = NULL;

        ck_assert(itest_wait_state(d, "api", "running"));
        reply = itest_manager_call_error(d, "RemoveChild", g_variant_new("(ss)", "api", "test"), "(a{sv})",
                                         &error);
        ck_assert_ptr_null(reply);
        remote = g_dbus_error_get_remote_error(error);
        ck_assert_str_eq(remote, "org.steward.Supervisor1.Error.Failed");
        conf = g_build_filename(d->dir, "steward.conf", NULL);
        ck_assert_msg(strstr(error->message, conf), "'%s' does not name %s", error->message, conf);
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_uint_eq(itest_events_count(d->events, "child_removed", NULL), 0);

        g_clear_error(&error);
        g_clear_pointer(&reply, g_variant_unref);
        reply = itest_manager_call_error(d, "RemoveChild", g_variant_new("(ss)", "nope", "test"), "(a{sv})",
                                         &error);
        ck_assert_ptr_null(reply);
        g_free(remote);
        remote = g_dbus_error_get_remote_error(error);
        ck_assert_str_eq(remote, "org.steward.Supervisor1.Error.NoSuchChild");
}
END_TEST

/* ---- persistence ---------------------------------------------------------------------- */

START_TEST(test_reload_keeps_runtime_child)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) added = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_auto(GStrv) removed = NULL;
        g_auto(GStrv) changed = NULL;
        guint32 pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        added = add_child(d, extra_fragment, FALSE);
        ck_assert(itest_wait_state(d, "extra", "running"));
        pid = itest_child_main_pid(d, "extra");

        reply = itest_manager_call(d, "Reload", NULL, "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        ck_assert(g_variant_lookup(outcome, "removed", "^as", &removed));
        ck_assert(g_variant_lookup(outcome, "changed", "^as", &changed));
        ck_assert_uint_eq(g_strv_length(removed), 0);
        ck_assert_uint_eq(g_strv_length(changed), 0);
        ck_assert_int_eq(itest_child_main_pid(d, "extra"), pid);
        ck_assert_uint_eq(itest_child_count(d), 2);
}
END_TEST

START_TEST(test_restore_adopts_runtime_child)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) added = NULL;
        g_autofree char *unit = NULL;
        g_autofree char *unit_after = NULL;
        GVariant *started;
        guint32 pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        added = add_child(d, extra_fragment, FALSE);
        ck_assert(itest_wait_state(d, "extra", "running"));
        pid = itest_child_main_pid(d, "extra");
        unit = itest_child_str(d, "extra", "Unit");
        started = itest_events_wait(d->events, "child_started", "extra", NULL, ITEST_TIMEOUT_SEC);
        ck_assert(started);
        ck_assert(itest_wait_saved(d, itest_event_sequence(started)));

        itest_daemon_kill(d);
        ck_assert_int_eq(kill((pid_t) pid, 0), 0);
        itest_daemon_restart(d);
        ck_assert(itest_events_wait(d->events, "tree_adopted", NULL, NULL, ITEST_TIMEOUT_SEC));
        ck_assert(itest_events_wait(d->events, "child_adopted", "extra", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(itest_child_main_pid(d, "extra"), pid);
        unit_after = itest_child_str(d, "extra", "Unit");
        ck_assert_str_eq(unit_after, unit);
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "extra"), 0);

        /* Still a run-time child: it can be removed. */
        {
                g_autoptr(GVariant) outcome = remove_child(d, "extra");
                g_autofree char *dropin = runtime_dropin(d, "extra");

                ck_assert_str_eq(itest_outcome_str(outcome, "file"), dropin);
        }
}
END_TEST

/* A re-exec reads the files again, the run-time drop-in with them. */
START_TEST(test_reexecute_keeps_runtime_child)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) added = NULL;
        g_autoptr(GVariant) reply = NULL;
        guint32 pid;
        guint from;

        ck_assert(itest_wait_state(d, "api", "running"));
        added = add_child(d, extra_fragment, FALSE);
        ck_assert(itest_wait_state(d, "extra", "running"));
        pid = itest_child_main_pid(d, "extra");
        from = d->events->events->len;
        reply = itest_manager_call(d, "Reexecute", NULL, NULL);
        ck_assert(itest_events_wait(d->events, "tree_adopted", NULL, &from, ITEST_TIMEOUT_SEC));
        ck_assert(!d->exited);
        ck_assert_int_eq(itest_child_main_pid(d, "extra"), pid);
        ck_assert_uint_eq(itest_child_count(d), 2);
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "extra"), 1);
}
END_TEST

START_TEST(test_persist_writes_config_dropin)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *dropin = NULL;
        g_autofree char *runtime = NULL;

        ck_assert(itest_wait_state(d, "api", "running"));
        outcome = add_child(d, extra_fragment, TRUE);
        dropin = g_build_filename(d->dir, "steward.conf.d", "50-extra.conf", NULL);
        ck_assert_str_eq(itest_outcome_str(outcome, "file"), dropin);
        ck_assert(g_file_test(dropin, G_FILE_TEST_IS_REGULAR));
        runtime = runtime_dropin(d, "extra");
        ck_assert(!g_file_test(runtime, G_FILE_TEST_EXISTS));
        ck_assert(itest_wait_state(d, "extra", "running"));

        /* It is configuration now: RemoveChild sends the caller to the file. */
        reply = itest_manager_call_error(d, "RemoveChild", g_variant_new("(ss)", "extra", "test"), "(a{sv})",
                                         &error);
        ck_assert_ptr_null(reply);
        ck_assert_msg(strstr(error->message, dropin), "'%s' does not name %s", error->message, dropin);
        ck_assert(g_file_test(dropin, G_FILE_TEST_IS_REGULAR));
}
END_TEST

/* The run-time children are bounded. 1024 of them left by an earlier run
 * are read at start-up; all wait behind a Type=notify sibling that never
 * gets ready, so that none of them is spawned. */
START_TEST(test_add_bounded)
{
        g_autofree char *run = g_dir_make_tmp("steward-test-run-XXXXXX", NULL);
        g_autofree char *dropins = g_build_filename(run, "steward.conf.d", NULL);
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) removed = NULL;
        g_autoptr(GVariant) added = NULL;
        g_autofree char *remote = NULL;

        ck_assert(run);
        ck_assert_int_eq(g_mkdir_with_parents(dropins, 0755), 0);
        for (guint i = 0; i < 1024; i++) {
                g_autofree char *name = g_strdup_printf("50-runtime-held%u.conf", i);
                g_autofree char *path = g_build_filename(dropins, name, NULL);
                g_autofree char *text = g_strdup_printf("[Child held%u]\nExecStart=/bin/sleep 1000\n", i);

                ck_assert(g_file_set_contents(path, text, -1, NULL));
        }
        /* The daemon's runtime directory, which itest leaves to a test that sets it. */
        g_setenv("RUNTIME_DIRECTORY", run, TRUE);
        d = itest_daemon_start(
                "[Child gate]\nType=notify\nExecStart=/bin/sleep 1000\nTimeoutStartSec=infinity\n", NULL);
        ck_assert(itest_events_wait(d->events, "child_started", "gate", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_child_count(d), 1025);

        reply = itest_manager_call_error(d, "AddChild", g_variant_new("(sa{sv})", extra_fragment, NULL),
                                         "(a{sv})", &error);
        ck_assert_ptr_null(reply);
        remote = g_dbus_error_get_remote_error(error);
        ck_assert_str_eq(remote, "org.steward.Supervisor1.Error.Failed");
        ck_assert_msg(strstr(error->message, "1024 run-time children"), "%s", error->message);
        ck_assert_uint_eq(itest_child_count(d), 1025);

        /* One fewer, and there is room again. */
        removed = remove_child(d, "held7");
        added = add_child(d, "[Child extra]\nExecStart=/bin/sleep 1000\n", FALSE);
        ck_assert_str_eq(itest_outcome_str(added, "child"), "extra");
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "held0"), 0);
        g_clear_pointer(&d, itest_daemon_free);
        g_unsetenv("RUNTIME_DIRECTORY");
}
END_TEST

/* ---- stewardctl ---------------------------------------------------------------------- */

/* Its last incarnation ignores SIGTERM for a second (then exits), so that
 * its removal takes that long. */
static const char slow_fragment[] = "[Child extra]\n"
                                    "ExecStart=/bin/sh -c 'trap \"sleep 1; exit 0\" TERM; "
                                    "while :; do sleep 1000 & wait; done'\n"
                                    "Supervisor=web\n"
                                    "TimeoutStopSec=30s\n";

START_TEST(test_stewardctl_add_remove)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        g_autofree char *fragment = g_build_filename(d->dir, "extra.fragment", NULL);
        g_autofree char *out = NULL;
        g_autofree char *dropin = NULL;
        const char *add_argv[] = { ctl, "--user", "add", fragment, NULL };
        const char *remove_argv[] = { ctl, "--user", "remove", "extra", "--reason", "done with it", NULL };

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(g_file_set_contents(fragment, slow_fragment, -1, NULL));
        ck_assert_int_eq(itest_run(add_argv, &out), 0);
        ck_assert_msg(g_str_has_prefix(out, "extra: added to web"), "%s", out);
        ck_assert(itest_wait_state(d, "extra", "running"));
        dropin = runtime_dropin(d, "extra");
        ck_assert(g_file_test(dropin, G_FILE_TEST_IS_REGULAR));

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(itest_run(remove_argv, &out), 0);
        ck_assert_msg(g_str_has_prefix(out, "extra: removed, stopping"), "%s", out);
        ck_assert(!g_file_test(dropin, G_FILE_TEST_EXISTS));
        /* It returned once the last incarnation was gone, a second after
         * its SIGTERM: the child's object with it, read at once. */
        {
                g_autoptr(GError) error = NULL;
                g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                        d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1/child/extra",
                        "org.freedesktop.DBus.Properties", "GetAll",
                        g_variant_new("(s)", "org.steward.Supervisor1.Child"), NULL, G_DBUS_CALL_FLAGS_NONE,
                        ITEST_TIMEOUT_SEC * 1000, NULL, &error);

                ck_assert_msg(!reply, "extra is still there");
                ck_assert_msg(g_dbus_error_is_remote_error(error), "%s", error->message);
        }
        ck_assert(itest_events_wait(d->events, "child_stopped", "extra", NULL, ITEST_TIMEOUT_SEC));
        {
                GVariant *ev =
                        itest_events_wait(d->events, "child_removed", "extra", NULL, ITEST_TIMEOUT_SEC);

                ck_assert(ev);
                ck_assert_str_eq(itest_event_str(ev, "reason"), "done with it");
        }
}
END_TEST

/* A call sent without waiting for the ones before it to be answered. */
typedef struct {
        gboolean done;
        GVariant *reply;
        GError *error;
} Pending;

static void
on_pending_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Pending *p = user_data;

        p->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &p->error);
        p->done = TRUE;
}

static void
send_call(ItestDaemon *d, const char *method, GVariant *params, Pending *p)
{
        g_dbus_connection_call(d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                               "org.steward.Supervisor1.Manager", method, params, G_VARIANT_TYPE("(a{sv})"),
                               G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, on_pending_reply, p);
}

static void
pending_clear(Pending *p)
{
        g_clear_pointer(&p->reply, g_variant_unref);
        g_clear_error(&p->error);
}

static guint
reload_list_length(GVariant *reply, const char *list)
{
        g_autoptr(GVariant) outcome = NULL;
        g_auto(GStrv) names = NULL;

        g_variant_get(reply, "(@a{sv})", &outcome);
        ck_assert(g_variant_lookup(outcome, list, "^as", &names));
        return g_strv_length(names);
}

/* AddChild, RemoveChild and Reload sent back to back are each applied
 * whole, in the order sent: a Reload right after an AddChild keeps the
 * child (its drop-in is written before AddChild answers), one right after
 * a RemoveChild does not bring it back, and a Reload whose files no longer
 * hold a run-time child's supervisor is refused, naming the drop-in. */
START_TEST(test_races_with_reload)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(base_config, NULL);
        g_autofree char *conf = g_build_filename(d->dir, "steward.conf", NULL);
        g_autoptr(GVariant) refused = NULL;
        g_autoptr(GError) error = NULL;
        GVariantBuilder options;
        Pending add = { 0 }, reload1 = { 0 }, remove = { 0 }, reload2 = { 0 };
        guint32 pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
        send_call(d, "AddChild", g_variant_new("(sa{sv})", extra_fragment, &options), &add);
        send_call(d, "Reload", NULL, &reload1);
        ck_assert(itest_wait_flag(&add.done, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_flag(&reload1.done, ITEST_TIMEOUT_SEC));
        ck_assert_msg(add.reply, "%s", add.error ? add.error->message : "");
        ck_assert_msg(reload1.reply, "%s", reload1.error ? reload1.error->message : "");
        ck_assert_uint_eq(reload_list_length(reload1.reply, "added"), 0);
        ck_assert_uint_eq(reload_list_length(reload1.reply, "removed"), 0);
        ck_assert(itest_wait_state(d, "extra", "running"));
        pid = itest_child_main_pid(d, "extra");
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "extra"), 1);

        /* The files lose the supervisor the run-time child is in. */
        ck_assert(g_file_set_contents(conf, "[Child api]\nExecStart=/bin/sleep 1000\n", -1, NULL));
        refused = itest_manager_call_error(d, "Reload", NULL, "(a{sv})", &error);
        ck_assert_ptr_null(refused);
        ck_assert_msg(strstr(error->message, "50-runtime-extra.conf"), "%s", error->message);
        ck_assert_int_eq(itest_child_main_pid(d, "extra"), pid);
        ck_assert(g_file_set_contents(conf, base_config, -1, NULL));

        send_call(d, "RemoveChild", g_variant_new("(ss)", "extra", "test"), &remove);
        send_call(d, "Reload", NULL, &reload2);
        ck_assert(itest_wait_flag(&remove.done, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_flag(&reload2.done, ITEST_TIMEOUT_SEC));
        ck_assert_msg(remove.reply, "%s", remove.error ? remove.error->message : "");
        ck_assert_msg(reload2.reply, "%s", reload2.error ? reload2.error->message : "");
        ck_assert_uint_eq(reload_list_length(reload2.reply, "added"), 0);
        ck_assert(itest_events_wait(d->events, "child_stopped", "extra", NULL, ITEST_TIMEOUT_SEC));
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "extra"), 1);
        ck_assert_uint_eq(itest_child_count(d), 1);
        pending_clear(&add);
        pending_clear(&reload1);
        pending_clear(&remove);
        pending_clear(&reload2);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("runtime-child");
        TCase *tc = tcase_create("runtime-child");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_add_starts_child);
        tcase_add_test(tc, test_add_refuses_invalid);
        tcase_add_test(tc, test_remove_stops_child);
        tcase_add_test(tc, test_remove_refuses_configured);
        tcase_add_test(tc, test_reload_keeps_runtime_child);
        tcase_add_test(tc, test_restore_adopts_runtime_child);
        tcase_add_test(tc, test_reexecute_keeps_runtime_child);
        tcase_add_test(tc, test_persist_writes_config_dropin);
        tcase_add_test(tc, test_add_bounded);
        tcase_add_test(tc, test_stewardctl_add_remove);
        tcase_add_test(tc, test_races_with_reload);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

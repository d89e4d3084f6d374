/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-auth.c: who may manage: the shipped bus policy, AllowedGroup= and a user instance's owner, with
 * callers of other uids. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "itest.h"
#include "steward-names.h"

#define NOBODY "65534"

/* A system-style bus of our own: the defaults of Debian's system.conf, and
 * the bus policy steward ships, so callers of other uids meet the rules
 * they would meet on a real system bus. */
typedef struct {
        char *dir;
        char *address;
        GPid bus_pid;
        GPid daemon_pid;
        GDBusConnection *root;
        GPtrArray *events;
        guint subscription;
        guint denied; /* command_denied events seen */
        /* command_denied: calls accounted for, by entries and by the
         * STEWARD_SUPPRESSED counts of summaries */
        guint64 denied_total;
        guint summaries;
        guint64 want_total;
        gboolean enough_total;
} World;

static const char bus_config[] =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <type>system</type>\n"
        "  <auth>EXTERNAL</auth>\n"
        "  <listen>unix:path=%s/system_bus_socket</listen>\n"
        "  <policy context=\"default\">\n"
        "    <allow user=\"*\"/>\n"
        "    <deny own=\"*\"/>\n"
        "    <deny send_type=\"method_call\"/>\n"
        "    <allow send_type=\"signal\"/>\n"
        "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
        "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
        "    <allow receive_type=\"method_call\"/>\n"
        "    <allow receive_type=\"method_return\"/>\n"
        "    <allow receive_type=\"error\"/>\n"
        "    <allow receive_type=\"signal\"/>\n"
        "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
        "    <allow send_destination=\"org.freedesktop.DBus\"\n"
        "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
        "    <allow send_destination=\"org.freedesktop.DBus\" "
        "send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
        "  </policy>\n"
        "  <include>%s/dbus/org.steward.Supervisor1.conf</include>\n"
        "</busconfig>\n";

/* A session-style bus for a user instance run as another uid: anyone may
 * connect and own names, as on a user's own session bus. */
static const char user_bus_config[] =
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
        " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
        "<busconfig>\n"
        "  <type>session</type>\n"
        "  <auth>EXTERNAL</auth>\n"
        "  <listen>unix:path=%s/system_bus_socket</listen>\n"
        "  <policy context=\"default\">\n"
        "    <allow user=\"*\"/>\n"
        "    <allow send_destination=\"*\"/>\n"
        "    <allow own=\"*\"/>\n"
        "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
        "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
        "    <allow receive_type=\"method_call\"/>\n"
        "    <allow receive_type=\"method_return\"/>\n"
        "    <allow receive_type=\"error\"/>\n"
        "    <allow receive_type=\"signal\"/>\n"
        "  </policy>\n"
        "</busconfig>\n";

static void
on_event(GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *signal,
         GVariant *params, gpointer user_data)
{
        World *w = user_data;
        const char *kind;

        g_ptr_array_add(w->events, g_variant_ref(params));
        g_variant_get(params, "(t&s&st@a{sv})", NULL, &kind, NULL, NULL, NULL);
        if (!g_str_equal(kind, "command_denied"))
                return;
        w->denied++;
        {
                g_autoptr(GVariant) fields = NULL;
                guint64 suppressed = 0;

                g_variant_get(params, "(t&s&st@a{sv})", NULL, NULL, NULL, NULL, &fields);
                /* A summary is the last one held back, standing for all of them. */
                if (g_variant_lookup(fields, "suppressed", "t", &suppressed)) {
                        w->summaries++;
                        w->denied_total += suppressed;
                } else
                        w->denied_total++;
        }
        if (w->want_total && w->denied_total >= w->want_total)
                w->enough_total = TRUE;
}

typedef struct {
        gboolean appeared;
} Appeared;

static void
on_appeared(GDBusConnection *c, const char *name, const char *owner, gpointer user_data)
{
        ((Appeared *) user_data)->appeared = TRUE;
}

/* With owner NULL, a system instance run as root on a system-style bus;
 * with a uid, a user instance run as that uid on a session-style bus. */
static void
world_start_as(World *w, const char *allowed_group, const char *owner)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *conf_path = NULL;
        g_autofree char *conf = NULL;
        g_autofree char *tree_dir = NULL;
        g_autofree char *tree = NULL;
        g_autofree char *stewardd = NULL;
        g_autofree char *env_address = NULL;
        g_autoptr(GIOChannel) out = NULL;
        g_autofree char *line = NULL;
        const char *src = g_getenv("STEWARD_SOURCE_DIR");
        const char *build = g_getenv("STEWARD_BUILD_DIR");
        Appeared a = { 0 };
        guint watch;
        int out_fd;

        ck_assert(src && build);
        w->dir = g_dir_make_tmp("steward-auth-XXXXXX", &error);
        ck_assert(w->dir);
        /* Others must reach the socket. */
        ck_assert_int_eq(chmod(w->dir, 0755), 0);
        conf_path = g_build_filename(w->dir, "bus.conf", NULL);
        conf = owner ? g_strdup_printf(user_bus_config, w->dir) : g_strdup_printf(bus_config, w->dir, src);
        ck_assert(g_file_set_contents(conf_path, conf, -1, NULL));

        {
                const char *argv[] = { "dbus-daemon",   "--nofork", "--print-address",
                                       "--config-file", conf_path,  NULL };
                ck_assert_msg(g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                                       NULL, &w->bus_pid, NULL, &out_fd, NULL, &error),
                              "%s", error ? error->message : "");
        }
        /* The address is printed once the bus listens. */
        out = g_io_channel_unix_new(out_fd);
        g_io_channel_set_close_on_unref(out, TRUE);
        ck_assert_int_eq(g_io_channel_read_line(out, &line, NULL, NULL, NULL), G_IO_STATUS_NORMAL);
        w->address = g_strdup_printf("unix:path=%s/system_bus_socket", w->dir);

        w->root = g_dbus_connection_new_for_address_sync(
                w->address,
                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                        G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                NULL, NULL, &error);
        ck_assert_msg(w->root, "%s", error ? error->message : "");
        w->events = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        w->subscription =
                g_dbus_connection_signal_subscribe(w->root, NULL, "org.steward.Supervisor1.Manager", "Event",
                                                   NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_event, w, NULL);

        tree_dir = g_build_filename(w->dir, "tree", NULL);
        ck_assert_int_eq(g_mkdir(tree_dir, 0755), 0);
        tree = g_strdup_printf("[Manager]\nAllowedGroup=%s\n"
                               "[Child api]\nExecStart=/bin/sh -c 'exec sleep 1000'\n",
                               allowed_group);
        {
                g_autofree char *tree_conf = g_build_filename(tree_dir, "steward.conf", NULL);
                ck_assert(g_file_set_contents(tree_conf, tree, -1, NULL));
        }
        stewardd = g_build_filename(build, "src", "stewardd", NULL);
        env_address = g_strdup_printf("DBUS_SYSTEM_BUS_ADDRESS=%s", w->address);
        watch = g_bus_watch_name_on_connection(w->root, "org.steward.Supervisor1",
                                               G_BUS_NAME_WATCHER_FLAGS_NONE, on_appeared, NULL, &a, NULL);
        {
                g_autofree char *config_arg = g_strdup_printf("--config=%s", tree_dir);
                g_autofree char *reuid = g_strdup_printf("--reuid=%s", owner ? owner : "0");
                g_autofree char *regid = g_strdup_printf("--regid=%s", owner ? owner : "0");
                const char *system_argv[] = { stewardd, "--system", "--backend=process", config_arg, NULL };
                const char *user_argv[] = { "/usr/bin/setpriv",  reuid,      regid,
                                            "--clear-groups",    stewardd,   "--user",
                                            "--backend=process", config_arg, NULL };
                const char *const *argv = owner ? user_argv : system_argv;
                g_auto(GStrv) env = g_environ_setenv(
                        g_get_environ(), owner ? "DBUS_SESSION_BUS_ADDRESS" : "DBUS_SYSTEM_BUS_ADDRESS",
                        w->address, TRUE);

                /* A user instance has its owner's runtime directory, as a
                 * login session gives it, not the harness's (root's). */
                if (owner) {
                        g_autofree char *run = g_build_filename(w->dir, "run", NULL);

                        ck_assert_int_eq(g_mkdir(run, 0700), 0);
                        ck_assert_int_eq(chown(run, (uid_t) atoi(owner), (gid_t) atoi(owner)), 0);
                        env = g_environ_setenv(env, "XDG_RUNTIME_DIR", run, TRUE);
                }
                ck_assert_msg(g_spawn_async(NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                            &w->daemon_pid, &error),
                              "%s", error ? error->message : "");
        }
        ck_assert_msg(itest_wait_flag(&a.appeared, ITEST_TIMEOUT_SEC), "stewardd never took its name");
        g_bus_unwatch_name(watch);
}

static void
world_start(World *w, const char *allowed_group)
{
        world_start_as(w, allowed_group, NULL);
}

static void
world_stop(World *w)
{
        (void) kill(w->daemon_pid, SIGTERM);
        (void) waitpid(w->daemon_pid, NULL, 0);
        g_dbus_connection_signal_unsubscribe(w->root, w->subscription);
        g_clear_object(&w->root);
        (void) kill(w->bus_pid, SIGTERM);
        (void) waitpid(w->bus_pid, NULL, 0);
        g_ptr_array_unref(w->events);
        {
                g_autofree char *f = NULL;
                f = g_build_filename(w->dir, "tree", "steward.conf", NULL);
                (void) g_remove(f);
                g_free(f);
                f = g_build_filename(w->dir, "tree", NULL);
                (void) g_rmdir(f);
                g_free(f);
                f = g_build_filename(w->dir, "bus.conf", NULL);
                (void) g_remove(f);
                g_free(f);
                f = g_build_filename(w->dir, "system_bus_socket", NULL);
                (void) g_remove(f);
                g_free(f);
                /* A user instance's runtime directory and its socket. */
                f = g_build_filename(w->dir, "run", "steward", "notify", NULL);
                (void) g_remove(f);
                g_free(f);
                f = g_build_filename(w->dir, "run", "steward", NULL);
                (void) g_rmdir(f);
                g_free(f);
                f = g_build_filename(w->dir, "run", NULL);
                (void) g_rmdir(f);
        }
        (void) g_rmdir(w->dir);
        g_free(w->dir);
        g_free(w->address);
}

/* busctl as uid 65534 against the world's bus; returns its exit status. */
static int
busctl_as_nobody(World *w, const char *const *args, char **out)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *address = g_strdup_printf("--address=%s", w->address);

        g_ptr_array_add(argv, g_strdup("setpriv"));
        g_ptr_array_add(argv, g_strdup("--reuid=" NOBODY));
        g_ptr_array_add(argv, g_strdup("--regid=" NOBODY));
        g_ptr_array_add(argv, g_strdup("--clear-groups"));
        g_ptr_array_add(argv, g_strdup("busctl"));
        g_ptr_array_add(argv, g_strdup(address));
        for (const char *const *a = args; *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        return itest_run((const char *const *) argv->pdata, out);
}

static guint
count_denials(World *w)
{
        guint n = 0;

        for (guint i = 0; i < w->events->len; i++) {
                const char *kind;
                g_autoptr(GVariant) fields = NULL;
                guint32 uid = 0;
                const char *comm = "";

                g_variant_get(g_ptr_array_index(w->events, i), "(t&s&st@a{sv})", NULL, &kind, NULL, NULL,
                              &fields);
                if (!g_str_equal(kind, "command_denied"))
                        continue;
                (void) g_variant_lookup(fields, "actor_uid", "u", &uid);
                (void) g_variant_lookup(fields, "actor_comm", "&s", &comm);
                ck_assert_uint_eq(uid, 65534);
                ck_assert_str_eq(comm, "busctl");
                n++;
        }
        return n;
}

typedef struct {
        const char *path;
        const char *iface;
        const char *method;
        const char *signature;
        const char *args[3];
} Call;

static const Call mutating[] = {
        { "/org/steward/Supervisor1",
          "org.steward.Supervisor1.Manager",
          "StartChild",
          "ss",
          { "api", "r" } },
        { "/org/steward/Supervisor1", "org.steward.Supervisor1.Manager", "StopChild", "ss", { "api", "r" } },
        { "/org/steward/Supervisor1",
          "org.steward.Supervisor1.Manager",
          "RestartChild",
          "ss",
          { "api", "r" } },
        { "/org/steward/Supervisor1",
          "org.steward.Supervisor1.Manager",
          "PauseChild",
          "ss",
          { "api", "r" } },
        { "/org/steward/Supervisor1",
          "org.steward.Supervisor1.Manager",
          "ResumeChild",
          "ss",
          { "api", "r" } },
        { "/org/steward/Supervisor1",
          "org.steward.Supervisor1.Manager",
          "QuarantineChild",
          "ss",
          { "api", "r" } },
        { "/org/steward/Supervisor1",
          "org.steward.Supervisor1.Manager",
          "ResumeSupervisor",
          "ss",
          { "root", "r" } },
        { "/org/steward/Supervisor1", "org.steward.Supervisor1.Manager", "Reload", "", { NULL } },
        { "/org/steward/Supervisor1", "org.steward.Supervisor1.Manager", "ShutdownTree", "s", { "r" } },
        { "/org/steward/Supervisor1/child/api", "org.steward.Supervisor1.Child", "Start", "s", { "r" } },
        { "/org/steward/Supervisor1/child/api", "org.steward.Supervisor1.Child", "Stop", "s", { "r" } },
        { "/org/steward/Supervisor1/child/api", "org.steward.Supervisor1.Child", "Restart", "s", { "r" } },
        { "/org/steward/Supervisor1/child/api", "org.steward.Supervisor1.Child", "Pause", "s", { "r" } },
        { "/org/steward/Supervisor1/child/api", "org.steward.Supervisor1.Child", "Resume", "s", { "r" } },
        { "/org/steward/Supervisor1/child/api",
          "org.steward.Supervisor1.Child",
          "Quarantine",
          "s",
          { "r" } },
        { "/org/steward/Supervisor1/supervisor/root",
          "org.steward.Supervisor1.Supervisor",
          "Resume",
          "s",
          { "r" } },
};

static int
call_as_nobody(World *w, const Call *c, char **out)
{
        const char *argv[12] = { "call", "org.steward.Supervisor1", c->path, c->iface, c->method };
        guint n = 5;

        if (*c->signature) {
                argv[n++] = c->signature;
                for (guint i = 0; c->args[i]; i++)
                        argv[n++] = c->args[i];
        }
        argv[n] = NULL;
        return busctl_as_nobody(w, argv, out);
}

START_TEST(test_outsider_may_read_but_not_manage)
{
        World w = { 0 };
        const char *get_state[] = { "get-property",
                                    "org.steward.Supervisor1",
                                    "/org/steward/Supervisor1",
                                    "org.steward.Supervisor1.Manager",
                                    "State",
                                    NULL };
        const char *list[] = { "call",
                               "org.steward.Supervisor1",
                               "/org/steward/Supervisor1",
                               "org.steward.Supervisor1.Manager",
                               "ListChildren",
                               NULL };
        const char *get_gen[] = { "get-property",
                                  "org.steward.Supervisor1",
                                  "/org/steward/Supervisor1/child/api",
                                  "org.steward.Supervisor1.Child",
                                  "Generation",
                                  NULL };
        g_autofree char *out = NULL;

        world_start(&w, "steward-test-no-such-group");

        ck_assert_int_eq(busctl_as_nobody(&w, get_state, &out), 0);
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(busctl_as_nobody(&w, list, &out), 0);
        ck_assert_msg(strstr(out, "\"api\""), "%s", out);
        g_clear_pointer(&out, g_free);

        for (guint i = 0; i < G_N_ELEMENTS(mutating); i++) {
                ck_assert_msg(call_as_nobody(&w, &mutating[i], NULL) != 0, "%s.%s was allowed",
                              mutating[i].iface, mutating[i].method);
        }
        /* Every refusal was recorded, with the caller the bus vouched for:
         * the last denial's event may still be on its way, and those past
         * the burst come summed up when the window ends. */
        w.want_total = G_N_ELEMENTS(mutating);
        ck_assert_msg(itest_wait_flag(&w.enough_total, ITEST_TIMEOUT_SEC),
                      "%" G_GUINT64_FORMAT " denials seen", w.denied_total);
        ck_assert_uint_eq(w.denied_total, G_N_ELEMENTS(mutating));
        ck_assert_uint_eq(count_denials(&w), w.denied);

        /* Nothing happened to the child, and the daemon still serves. */
        ck_assert_int_eq(busctl_as_nobody(&w, get_gen, &out), 0);
        ck_assert_str_eq(out, "t 0\n");
        world_stop(&w);
}
END_TEST

/* A caller that may not manage, refused 3,000 times in a row: the journal
 * gets a few entries per window and a summary with the count of the rest,
 * and stewardd keeps answering. */
START_TEST(test_denials_rate_limited)
{
        enum { FLOOD = 3000 };
        World w = { 0 };
        const char *get_gen[] = { "get-property",
                                  "org.steward.Supervisor1",
                                  "/org/steward/Supervisor1/child/api",
                                  "org.steward.Supervisor1.Child",
                                  "Generation",
                                  NULL };
        const char *get_denied[] = { "get-property",
                                     "org.steward.Supervisor1",
                                     "/org/steward/Supervisor1",
                                     "org.steward.Supervisor1.Manager",
                                     "CallsDenied",
                                     NULL };
        g_autofree char *flood =
                g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "tests", "integration", "bus-flood", NULL);
        g_autofree char *count = g_strdup_printf("%d", FLOOD);
        g_autofree char *out = NULL;
        g_autofree char *pid_match = NULL;
        g_autofree char *journal = NULL;
        g_auto(GStrv) lines = NULL;
        gint64 begin;
        double elapsed;
        guint windows, entries = 0, journal_summaries = 0;

        world_start(&w, "steward-test-no-such-group");
        begin = g_get_monotonic_time();
        {
                const char *argv[] = { "setpriv",
                                       "--reuid=" NOBODY,
                                       "--regid=" NOBODY,
                                       "--clear-groups",
                                       flood,
                                       w.address,
                                       count,
                                       NULL };
                ck_assert_int_eq(itest_run(argv, &out), 0);
        }
        ck_assert_str_eq(out, "ok=0 denied=3000 limited=0 other=0\n");

        /* Every refusal is accounted for once the last window has ended. */
        w.want_total = FLOOD;
        ck_assert_msg(itest_wait_flag(&w.enough_total, ITEST_TIMEOUT_SEC), "%" G_GUINT64_FORMAT " of %d",
                      w.denied_total, FLOOD);
        ck_assert_uint_eq(w.denied_total, FLOOD);
        ck_assert_uint_ge(w.summaries, 1);
        /* At most a burst and a summary for each window the flood lasted. */
        elapsed = (double) (g_get_monotonic_time() - begin) / G_USEC_PER_SEC;
        windows = (guint) (elapsed / (STEWARD_RATELIMIT_INTERVAL_USEC / G_USEC_PER_SEC)) + 1;
        ck_assert_msg(w.denied <= windows * (STEWARD_RATELIMIT_COMMAND_DENIED_BURST + 1),
                      "%u entries in %.1f s", w.denied, elapsed);

        /* The journal has what the bus had: no more entries, and the summary. */
        pid_match = g_strdup_printf("_PID=%d", (int) w.daemon_pid);
        {
                const char *sync[] = { "journalctl", "--sync", NULL };
                const char *argv[] = { "journalctl", "--no-pager", "-o",
                                       "export",     pid_match,    "STEWARD_EVENT=command_denied",
                                       NULL };
                ck_assert_int_eq(itest_run(sync, NULL), 0);
                ck_assert_int_eq(itest_run(argv, &journal), 0);
        }
        lines = g_strsplit(journal, "\n", -1);
        for (char **l = lines; *l; l++) {
                if (g_str_has_prefix(*l, "STEWARD_EVENT=command_denied"))
                        entries++;
                if (g_str_has_prefix(*l, "STEWARD_SUPPRESSED="))
                        journal_summaries++;
        }
        ck_assert_uint_eq(entries, w.denied);
        ck_assert_uint_eq(journal_summaries, w.summaries);

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(busctl_as_nobody(&w, get_gen, &out), 0);
        ck_assert_str_eq(out, "t 0\n");
        /* Counted, every one, before its answer went out: the rate limit
         * holds back events, not the count monitoring reads. */
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(busctl_as_nobody(&w, get_denied, &out), 0);
        ck_assert_str_eq(out, "t 3000\n");
        world_stop(&w);
}
END_TEST

START_TEST(test_allowed_group_may_manage)
{
        World w = { 0 };
        const Call restart = { "/org/steward/Supervisor1",
                               "org.steward.Supervisor1.Manager",
                               "RestartChild",
                               "ss",
                               { "api", "by the group" } };
        g_autofree char *out = NULL;

        /* 65534 is nobody's primary group, nogroup, on Debian. */
        world_start(&w, "nogroup");
        ck_assert_int_eq(call_as_nobody(&w, &restart, &out), 0);
        ck_assert_msg(strstr(out, "\"decision\" s \"queued_after_stop\""), "%s", out);
        ck_assert_uint_eq(count_denials(&w), 0);
        world_stop(&w);
}
END_TEST

/* A user instance is its owner's: the uid it runs as may manage it, with no
 * group at all, as systemd's user manager serves its own user. */
START_TEST(test_owner_may_manage_user_instance)
{
        World w = { 0 };
        const Call restart = { "/org/steward/Supervisor1",
                               "org.steward.Supervisor1.Manager",
                               "RestartChild",
                               "ss",
                               { "api", "by the owner" } };
        g_autofree char *out = NULL;

        world_start_as(&w, "steward-test-no-such-group", NOBODY);
        ck_assert_int_eq(call_as_nobody(&w, &restart, &out), 0);
        ck_assert_msg(strstr(out, "\"decision\" s \"queued_after_stop\""), "%s", out);
        ck_assert_uint_eq(count_denials(&w), 0);
        world_stop(&w);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("auth");
        TCase *tc = tcase_create("auth");

        tcase_set_timeout(tc, 3 * ITEST_TIMEOUT_SEC);
        tcase_add_test(tc, test_outsider_may_read_but_not_manage);
        tcase_add_test(tc, test_denials_rate_limited);
        tcase_add_test(tc, test_allowed_group_may_manage);
        tcase_add_test(tc, test_owner_may_manage_user_instance);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

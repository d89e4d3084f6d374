/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-stewardctl.c: stewardctl against the real stewardd in the harness: every command and exit code. */
#include "config.h"

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixsocketaddress.h>
#include <grp.h>
#include <json-glib/json-glib.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "steward-names.h"

/* A nested supervisor with one child, and a child of the root. */
static const char tree_config[] = "[Supervisor web]\n"
                                  "Strategy=one-for-all\n"
                                  "[Child api]\n"
                                  "Supervisor=web\n"
                                  "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                                  "TimeoutStopSec=5s\n"
                                  "[Child worker]\n"
                                  "Role=worker\n"
                                  "ExecStart=/bin/sh -c 'exec sleep 1000'\n";

/* api ignores SIGTERM, so a stop (and with it a restart or the tree's
 * shutdown) stays in progress until TimeoutStopSec= passes: long enough
 * for a second command to arrive while the first is pending. worker is
 * there to be restarted quickly. */
/* api says READY=1 only once it ignores SIGTERM, so a restart that finds it
 * ready always finds it stubborn. */
static const char stubborn_config[] = "[Child api]\n"
                                      "Type=notify\n"
                                      "ExecStart=/bin/sh -c 'trap \"\" TERM; systemd-notify --ready; "
                                      "while :; do sleep 1; done'\n"
                                      "TimeoutStopSec=4s\n"
                                      "[Child worker]\n"
                                      "ExecStart=/bin/sh -c 'exec sleep 1000'\n";

static char *
stewardctl_path(void)
{
        const char *build = g_getenv("STEWARD_BUILD_DIR");

        ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
        return g_build_filename(build, "src", "stewardctl", NULL);
}

static char **
ctl_argv(const char *const *args, gboolean user)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();

        g_ptr_array_add(argv, stewardctl_path());
        if (user)
                g_ptr_array_add(argv, g_strdup("--user"));
        for (const char *const *a = args; *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}

/* The LANGUAGE of the runs that follow, with the build tree's catalogs;
 * NULL: none, which C.UTF-8 makes English. */
static const char *ctl_language;

/* How the runs that follow reach stewardd. By default as a user's would:
 * the private socket, the bus for the manager's figures. ctl_force_bus:
 * STEWARDCTL_FORCE_BUS=1, the bus alone. ctl_bus_address: instead of the
 * harness's bus (NO_BUS: none there). ctl_runtime_dir: XDG_RUNTIME_DIR,
 * where the private socket is looked for (ctl_daemon_start()). */
static gboolean ctl_force_bus;
static const char *ctl_bus_address;
static const char *ctl_runtime_dir;
#define NO_BUS "unix:path=/nonexistent/steward-test/bus"

/* A stable environment: UTF-8 (arrows, box drawing), no color either way.
 * C.UTF-8 is not "C", so gettext honours LANGUAGE without a generated
 * locale such as de_DE.UTF-8 (test-journal's German relies on it too). */
static char **
ctl_env(void)
{
        char **env = g_get_environ();

        env = g_environ_setenv(env, "LC_ALL", "C.UTF-8", TRUE);
        env = g_environ_unsetenv(env, "LANGUAGE");
        if (ctl_language) {
                const char *build = g_getenv("STEWARD_BUILD_DIR");
                g_autofree char *localedir = NULL;

                ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
                localedir = g_build_filename(build, "po", NULL);
                env = g_environ_setenv(env, "LANGUAGE", ctl_language, TRUE);
                env = g_environ_setenv(env, "STEWARD_LOCALEDIR", localedir, TRUE);
        }
        env = ctl_force_bus ? g_environ_setenv(env, "STEWARDCTL_FORCE_BUS", "1", TRUE)
                            : g_environ_unsetenv(env, "STEWARDCTL_FORCE_BUS");
        if (ctl_bus_address)
                env = g_environ_setenv(env, "DBUS_SESSION_BUS_ADDRESS", ctl_bus_address, TRUE);
        if (ctl_runtime_dir)
                env = g_environ_setenv(env, "XDG_RUNTIME_DIR", ctl_runtime_dir, TRUE);
        return g_environ_unsetenv(env, "NO_COLOR");
}

static void
become_nobody(gpointer user_data)
{
        const struct passwd *pw = user_data;

        if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
                _exit(127);
}

/* Starts stewardd as itest_daemon_start() does, in a runtime directory laid
 * out as steward-user.service's RuntimeDirectory=steward lays it out below
 * XDG_RUNTIME_DIR, so that stewardctl given that XDG_RUNTIME_DIR
 * (ctl_runtime_dir) finds the private socket where a user's stewardctl
 * finds it. A new one for each daemon, as itest gives each its own. */
static ItestDaemon *
ctl_daemon_start(const char *config, const char *const *extra_args)
{
        static char *xdg;
        ItestDaemon *d;

        g_free(xdg);
        d = itest_daemon_start_xdg(config, extra_args, &xdg);
        ctl_runtime_dir = xdg;
        return d;
}

/* Runs stewardctl with args (after --user when user is set); returns its
 * exit status and what it printed. */
static int
run_full(const struct passwd *as, gboolean user, char **out, char **err, const char *const *args)
{
        g_auto(GStrv) argv = ctl_argv(args, user);
        g_auto(GStrv) env = ctl_env();
        g_autoptr(GError) error = NULL;
        g_autofree char *o = NULL;
        g_autofree char *e = NULL;
        int status;

        ck_assert_msg(g_spawn_sync(NULL, argv, env, G_SPAWN_DEFAULT, as ? become_nobody : NULL,
                                   (gpointer) as, &o, &e, &status, &error),
                      "%s", error ? error->message : "");
        if (e && *e)
                fprintf(stderr, "# stewardctl %s: %s", args[0] ? args[0] : "", e);
        if (out)
                *out = g_steal_pointer(&o);
        if (err)
                *err = g_steal_pointer(&e);
        ck_assert_msg(WIFEXITED(status), "stewardctl was killed by signal %d", WTERMSIG(status));
        return WEXITSTATUS(status);
}

#define CTL(out, err, ...) run_full(NULL, TRUE, out, err, (const char *const[]){ __VA_ARGS__, NULL })
#define CTL_BARE(out, err, ...) run_full(NULL, FALSE, out, err, (const char *const[]){ __VA_ARGS__, NULL })

/* @child's generation and state as stewardctl left them: read at once,
 * not waited for, since a command returns once it is carried out. */
static void
assert_child(ItestDaemon *d, const char *child, guint64 generation, const char *state)
{
        g_autofree char *now = itest_child_str(d, child, "State");

        ck_assert_int_eq(itest_child_u64(d, child, "Generation"), generation);
        ck_assert_msg(g_str_equal(now, state), "%s is %s, not %s", child, now, state);
}

/* stewardctl restart worker (with --reason=@reason_arg's argument when not
 * NULL): the running generation is stopped first and the next one runs. */
static void
assert_restart_worker(ItestDaemon *d, const char *reason_arg)
{
        guint64 gen = itest_child_u64(d, "worker", "Generation");
        g_autofree char *out = NULL;
        g_autofree char *expected =
                g_strdup_printf("worker: queued_after_stop (generation %" G_GUINT64_FORMAT
                                " → %" G_GUINT64_FORMAT ", cancel delivered, ",
                                gen, gen + 1);

        if (reason_arg)
                ck_assert_int_eq(CTL(&out, NULL, "restart", "worker", reason_arg), 0);
        else
                ck_assert_int_eq(CTL(&out, NULL, "restart", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, expected), "%s", out);
        /* It returned once the next generation was up: no wait here. */
        assert_child(d, "worker", gen + 1, "running");
}

/* Every test ends with the tree shut down through stewardctl: a daemon
 * merely killed leaves its scopes behind, and the next daemon in this
 * harness would find their names taken. */
static void
shutdown_tree(ItestDaemon *d)
{
        ck_assert_int_eq(CTL(NULL, NULL, "shutdown"), 0);
        ck_assert_int_eq(itest_daemon_wait(d, ITEST_TIMEOUT_SEC), 0);
}

static JsonNode *
parse_json(const char *text)
{
        g_autoptr(JsonParser) parser = json_parser_new();
        g_autoptr(GError) error = NULL;

        ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error), "not JSON: %s: %s", text,
                      error ? error->message : "");
        return json_node_copy(json_parser_get_root(parser));
}

static void
assert_contains(const char *haystack, const char *needle)
{
        ck_assert_msg(haystack && strstr(haystack, needle), "'%s' not in:\n%s", needle,
                      haystack ? haystack : "");
}

static void
assert_lacks(const char *haystack, const char *needle)
{
        ck_assert_msg(!strstr(haystack, needle), "'%s' unexpectedly in:\n%s", needle, haystack);
}

/* The line of text that starts with prefix (after a newline), or fails. */
static char *
line_starting(const char *text, const char *prefix)
{
        g_autofree char *needle = g_strconcat("\n", prefix, NULL);
        const char *start = strstr(text, needle);

        ck_assert_msg(start, "no line starting '%s' in:\n%s", prefix, text);
        start++;
        return g_strndup(start, strcspn(start, "\n"));
}

/* A tree's child line ends in its memory column: two spaces or more after
 * the state, then a size as GLib writes it ("1.5 MiB", "512 bytes"). */
static void
assert_memory_column(const char *line, const char *head)
{
        const char *rest = line + strlen(head);

        ck_assert_msg(g_str_has_prefix(line, head) && g_str_has_prefix(rest, "  "), "'%s'", line);
        ck_assert_msg(g_ascii_isdigit(*g_strchug((char *) rest)), "'%s'", line);
        ck_assert_msg(g_str_has_suffix(line, "iB") || g_str_has_suffix(line, "bytes"), "'%s'", line);
}

START_TEST(test_usage)
{
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;

        ck_assert_int_eq(CTL_BARE(&out, NULL, "--help"), 0);
        assert_contains(out, "resume-supervisor NAME");
        assert_contains(out, "events [--follow]");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL_BARE(&out, NULL, "help"), 0);
        assert_contains(out, "Commands:");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL_BARE(&out, NULL, "--version"), 0);
        ck_assert_str_eq(out, "stewardctl " PACKAGE_VERSION "\n");

        ck_assert_int_eq(run_full(NULL, TRUE, NULL, &err, (const char *const[]){ NULL }), 2);
        assert_contains(err, "no command given");
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "frobnicate"), 2);
        assert_contains(err, "unknown command 'frobnicate'");
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "restart"), 2);
        assert_contains(err, "usage: stewardctl restart NAME");
        ck_assert_int_eq(CTL(NULL, NULL, "restart", "a", "b"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "list", "extra"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "list", "--bogus"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "list", "--reason=x"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "status", "--follow"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "list", "--names", "--json"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "--system", "list"), 2);
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "restart", "no/such"), 2);
        assert_contains(err, "invalid name 'no/such'");
        {
                g_autofree char *long_reason = g_strnfill(1025, 'x');
                g_autofree char *opt = g_strdup_printf("--reason=%s", long_reason);

                ck_assert_int_eq(CTL(NULL, NULL, "restart", "api", opt), 2);
        }
}
END_TEST

START_TEST(test_not_running)
{
        g_autofree char *err = NULL;

        ck_assert_int_eq(CTL(NULL, &err, "list"), 6);
        assert_contains(err, "stewardd is not running");
        ck_assert_int_eq(CTL(NULL, NULL, "list-supervisors"), 6);
        ck_assert_int_eq(CTL(NULL, NULL, "status"), 6);
        ck_assert_int_eq(CTL(NULL, NULL, "status", "api"), 6);
        ck_assert_int_eq(CTL(NULL, NULL, "restart", "api"), 6);
        ck_assert_int_eq(CTL(NULL, NULL, "reload"), 6);
        ck_assert_int_eq(CTL(NULL, NULL, "shutdown"), 6);
        ck_assert_int_eq(CTL(NULL, NULL, "events", "--follow"), 6);
        /* History is the journal's: no daemon needed to read it. */
        ck_assert_int_eq(CTL(NULL, NULL, "events", "--child=nosuchchild"), 0);

        /* No bus at all: the same exit code, and which bus is missing;
         * list and list-supervisors have a connection of their own. */
        g_setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/steward-test/bus", TRUE);
        for (const char *const *cmd = (const char *const[]){ "list", "list-supervisors", "status", NULL };
             *cmd; cmd++) {
                g_autofree char *why = NULL;

                ck_assert_int_eq(CTL(NULL, &why, *cmd), 6);
                assert_contains(why, "stewardctl: cannot connect to the user bus: ");
        }
        /* The child commands too, on sd-bus as list. */
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "restart", "api"), 6);
        assert_contains(err, "stewardctl: cannot connect to the user bus: ");
}
END_TEST

START_TEST(test_list)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *out = NULL;
        g_autofree char *expected = NULL;
        g_autoptr(JsonNode) json = NULL;
        guint64 api_gen, worker_gen;
        JsonArray *rows;
        JsonObject *api;

        /* Run 0 on the private socket, run 1 on the bus alone. */
        ctl_force_bus = _i == 1;
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));

        /* The numbers are the bus's: a start that failed and was retried
         * advances them, and the table must say so. */
        api_gen = itest_child_u64(d, "api", "Generation");
        worker_gen = itest_child_u64(d, "worker", "Generation");
        expected =
                g_strdup_printf("NAME   SUPERVISOR STATE   GENERATION ATTEMPT\n"
                                "api    web        running %-10" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n"
                                "worker root       running %-10" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                                api_gen, itest_child_u64(d, "api", "Attempt"), worker_gen,
                                itest_child_u64(d, "worker", "Attempt"));
        ck_assert_int_eq(CTL(&out, NULL, "list"), 0);
        ck_assert_str_eq(out, expected);
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "list", "--no-legend"), 0);
        ck_assert(g_str_has_prefix(out, "api    web  running "));
        assert_contains(out, "\nworker root running ");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "list", "--names"), 0);
        ck_assert_str_eq(out, "api\nworker\n");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "list-supervisors"), 0);
        ck_assert_str_eq(out, "NAME PARENT STATE\n"
                              "root -      running\n"
                              "web  root   running\n");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "list-supervisors", "--names"), 0);
        ck_assert_str_eq(out, "root\nweb\n");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "list", "--json"), 0);
        json = parse_json(out);
        rows = json_node_get_array(json);
        ck_assert_uint_eq(json_array_get_length(rows), 2);
        api = json_array_get_object_element(rows, 0);
        ck_assert_str_eq(json_object_get_string_member(api, "name"), "api");
        ck_assert_str_eq(json_object_get_string_member(api, "supervisor"), "web");
        ck_assert_str_eq(json_object_get_string_member(api, "state"), "running");
        ck_assert_int_eq(json_object_get_int_member(api, "generation"), api_gen);
        ck_assert_int_eq(json_object_get_int_member(api, "attempt"), itest_child_u64(d, "api", "Attempt"));
        ck_assert_str_eq(json_object_get_string_member(api, "path"), "/org/steward/Supervisor1/child/api");
        shutdown_tree(d);
        ctl_force_bus = FALSE;
}
END_TEST

START_TEST(test_status)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        g_autofree char *pid_line = NULL;
        g_autofree char *gen_line = NULL;
        g_autofree char *unit_line = NULL;
        g_autoptr(GVariant) pid = NULL;
        g_autoptr(JsonNode) json = NULL;
        JsonObject *root, *manager, *child;

        /* Run 0 on the private socket, run 1 on the bus alone. */
        ctl_force_bus = _i == 1;
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        pid = itest_child_property(d, "api", "MainPID");
        pid_line = g_strdup_printf("Main PID: %u, up ", g_variant_get_uint32(pid));
        gen_line = g_strdup_printf("Generation: %" G_GUINT64_FORMAT ", attempt %" G_GUINT64_FORMAT "\n",
                                   itest_child_u64(d, "api", "Generation"),
                                   itest_child_u64(d, "api", "Attempt"));
        unit_line = g_strdup_printf("Unit: steward-api-%" G_GUINT64_FORMAT ".scope\n",
                                    itest_child_u64(d, "api", "Generation"));

        ck_assert_int_eq(CTL(&out, NULL, "status"), 0);
        assert_contains(out,
                        "stewardd " PACKAGE_VERSION " (user mode, scope backend): running, 2 children\n");
        assert_contains(out, "\n● root [one-for-one, escalation parent");
        assert_contains(out, "└─● web [one-for-all, escalation parent");
        {
                /* Both children run in scopes: each has its memory, in one
                 * column, so both lines end at the same width. */
                g_autofree char *worker = line_starting(out, "├─● worker (worker): running");
                g_autofree char *api = line_starting(out, "  └─● api (service): running");

                assert_memory_column(worker, "├─● worker (worker): running");
                assert_memory_column(api, "  └─● api (service): running");
                ck_assert_int_eq(g_utf8_strlen(worker, -1), g_utf8_strlen(api, -1));
        }
        assert_contains(out, gen_line);
        assert_contains(out, pid_line);
        assert_contains(out, unit_line);
        assert_contains(out, "Ready: yes\n");
        assert_contains(out, "Restarts: ");
        /* Not a terminal: no color. */
        assert_lacks(out, "\x1B");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "status", "api"), 0);
        ck_assert(g_str_has_prefix(out, "● api (service): running\n    Supervisor: web\n"));
        assert_lacks(out, "worker");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "status", "web"), 0);
        ck_assert(g_str_has_prefix(out, "● web [one-for-all, escalation parent"));
        assert_contains(out, "]: running\n└─● api (service): running  ");
        {
                g_autofree char *api = line_starting(out, "└─● api (service): running");

                assert_memory_column(api, "└─● api (service): running");
        }
        assert_lacks(out, "worker");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, &err, "status", "api", "nosuch"), 4);
        assert_contains(err, "no child or supervisor named 'nosuch'");
        assert_contains(out, "● api (service)");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "status", "--json"), 0);
        json = parse_json(out);
        root = json_node_get_object(json);
        manager = json_object_get_object_member(root, "manager");
        ck_assert_str_eq(json_object_get_string_member(manager, "Mode"), "user");
        ck_assert_str_eq(json_object_get_string_member(manager, "Version"), PACKAGE_VERSION);
        ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(root, "supervisors")), 2);
        ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(root, "children")), 2);

        g_clear_pointer(&out, g_free);
        g_clear_pointer(&json, json_node_unref);
        ck_assert_int_eq(CTL(&out, NULL, "status", "--json", "api"), 0);
        json = parse_json(out);
        root = json_node_get_object(json);
        ck_assert(!json_object_has_member(root, "manager"));
        ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(root, "children")), 1);
        child = json_array_get_object_element(json_object_get_array_member(root, "children"), 0);
        ck_assert_str_eq(json_object_get_string_member(child, "Name"), "api");
        ck_assert_int_eq(json_object_get_int_member(child, "MainPID"), g_variant_get_uint32(pid));
        /* The restart budget, as the bus has it. */
        ck_assert_int_eq(json_object_get_int_member(child, "RestartLimitBurst"), 10);
        ck_assert_int_eq(json_object_get_int_member(child, "RestartsInWindow"), 0);
        ck_assert_int_eq(json_object_get_int_member(child, "RestartsRemaining"), 10);
        ck_assert_int_eq(json_object_get_int_member(child, "RestartWindowExpiryUSec"), 0);
        shutdown_tree(d);
        ctl_force_bus = FALSE;
}
END_TEST

START_TEST(test_child_commands)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *unit = NULL;
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        g_autofree char *expected = NULL;
        g_autoptr(JsonNode) json = NULL;
        JsonObject *outcome;
        guint64 gen;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));

        assert_restart_worker(d, "--reason=deploy 42");
        /* Read again: a start that failed on the way would have advanced it. */
        gen = itest_child_u64(d, "worker", "Generation");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "--json", "restart", "worker"), 0);
        json = parse_json(out);
        outcome = json_node_get_object(json);
        ck_assert_str_eq(json_object_get_string_member(outcome, "decision"), "queued_after_stop");
        ck_assert_int_eq(json_object_get_int_member(outcome, "generation"), gen);
        ck_assert_int_eq(json_object_get_int_member(outcome, "target_generation"), gen + 1);
        ck_assert(json_object_get_boolean_member(outcome, "cancel_delivered"));
        ck_assert(g_str_has_prefix(json_object_get_string_member(outcome, "command_id"), "cmd-"));
        assert_child(d, "worker", gen + 1, "running");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "stop", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: stop"), "%s", out);
        /* Returned once every process of it was gone. */
        assert_child(d, "worker", gen + 1, "stopped");
        unit = itest_child_str(d, "worker", "Unit");
        ck_assert_str_eq(unit, "");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "stop", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: already_stopped"), "%s", out);

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "start", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: started_immediately (generation "), "%s", out);
        assert_child(d, "worker", gen + 2, "running");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "start", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: already_running"), "%s", out);

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "pause", "worker", "--reason=maintenance"), 0);
        ck_assert(g_str_has_prefix(out, "worker: paused"));
        assert_child(d, "worker", gen + 2, "paused");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "resume", "worker"), 0);
        ck_assert(g_str_has_prefix(out, "worker: resumed"));
        assert_child(d, "worker", gen + 3, "running");

        /* quarantine holds it down until resume, the way back. */
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "quarantine", "worker", "--reason=leaks"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: quarantined"), "%s", out);
        assert_child(d, "worker", gen + 3, "quarantined");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "start", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: blocked_by_quarantine"), "%s", out);
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "resume", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: resumed"), "%s", out);
        assert_child(d, "worker", gen + 4, "running");

        /* --no-block: the answer alone, the stop still under way. */
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "--no-block", "stop", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, "worker: stop_delivered"), "%s", out);
        assert_contains(out, "state stopping");
        ck_assert(itest_wait_state(d, "worker", "stopped"));
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "--no-block", "list"), 2);
        assert_contains(err, "--no-block does not apply to 'list'");

        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "resume-supervisor", "web"), 0);
        ck_assert(g_str_has_prefix(out, "web: not_quarantined ("));
        assert_lacks(out, "generation");

        /* Names the daemon does not know: the remote error's name gives 4,
         * its message is shown without GDBus's prefix. */
        for (const char *const *cmd = (const char *const[]){ "start", "stop", "restart", "pause", "resume",
                                                             "quarantine", NULL };
             *cmd; cmd++) {
                g_clear_pointer(&err, g_free);
                ck_assert_int_eq(CTL(NULL, &err, *cmd, "nosuch"), 4);
                ck_assert(g_str_has_prefix(err, "stewardctl: "));
                assert_contains(err, "nosuch");
                assert_lacks(err, "GDBus.Error");
        }
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "resume-supervisor", "nosuch"), 4);
        assert_lacks(err, "GDBus.Error");
        /* A child is not a supervisor. */
        ck_assert_int_eq(CTL(NULL, NULL, "resume-supervisor", "api"), 4);
        shutdown_tree(d);
}
END_TEST

START_TEST(test_fence_outcomes)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(stubborn_config, NULL);
        g_autofree char *first = NULL;
        g_autofree char *second = NULL;
        g_autofree char *expected = NULL;
        g_autoptr(JsonNode) json = NULL;
        JsonObject *outcome;
        guint64 gen;

        ck_assert(itest_wait_state(d, "api", "ready"));
        gen = itest_child_u64(d, "api", "Generation");
        expected = g_strdup_printf("api: queued_after_stop (generation %" G_GUINT64_FORMAT
                                   " → %" G_GUINT64_FORMAT ", cancel delivered",
                                   gen, gen + 1);
        ck_assert_int_eq(CTL(&first, NULL, "--no-block", "restart", "api"), 0);
        ck_assert_msg(g_str_has_prefix(first, expected), "%s", first);
        /* The old incarnation ignores SIGTERM for TimeoutStopSec=4s: the
         * restart is still pending. Merged into it, the second call waits
         * for the generation the first one brings up, past the SIGKILL. */
        ck_assert_int_eq(CTL(&second, NULL, "--json", "restart", "api"), 0);
        json = parse_json(second);
        outcome = json_node_get_object(json);
        ck_assert_str_eq(json_object_get_string_member(outcome, "decision"), "already_pending");
        ck_assert_int_eq(json_object_get_int_member(outcome, "target_generation"), gen + 1);
        ck_assert(!json_object_get_boolean_member(outcome, "cancel_delivered"));
        assert_child(d, "api", gen + 1, "ready");
        shutdown_tree(d);
}
END_TEST

/* A start that does not come up fails the command, with the event that
 * ended it, as systemctl fails a job: here a Type=notify child that exits
 * before READY=1, which its policy would bring back only an hour later. */
START_TEST(test_wait_failed)
{
        g_autoptr(ItestDaemon) d =
                ctl_daemon_start("[Child flaky]\n"
                                 "Type=notify\n"
                                 "ExecStart=/bin/sh -c 'exit 3'\n"
                                 "RestartSec=1h\n"
                                 "[Child noexec]\n"
                                 "ExecStart=/etc/hostname\n"
                                 "RestartSec=1h\n"
                                 "[Child up]\n"
                                 "Type=notify\n"
                                 "ExecStart=/bin/sh -c 'systemd-notify --ready; exec sleep 1000'\n",
                                 NULL);
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        guint64 gen;

        ck_assert(itest_wait_state(d, "flaky", "backoff"));
        ck_assert(itest_wait_state(d, "up", "ready"));
        gen = itest_child_u64(d, "flaky", "Generation");
        ck_assert_int_eq(CTL(&out, &err, "restart", "flaky"), 1);
        ck_assert_msg(g_str_has_prefix(out, "flaky: started_immediately"), "%s", out);
        ck_assert_msg(g_str_has_prefix(err, "stewardctl: flaky did not come up: "), "%s", err);
        g_free(out);
        out = g_strdup_printf(" child_exited child=flaky generation=%" G_GUINT64_FORMAT " ", gen + 1);
        assert_contains(err, out);
        assert_contains(err, " exit_status=3 ");

        /* Never spawned, so its first start brings up generation 0 (which
         * the answer's target_generation cannot tell from none); its spawn
         * fails (not executable). */
        ck_assert(itest_wait_state(d, "noexec", "backoff"));
        ck_assert_int_eq(itest_child_u64(d, "noexec", "Attempt"), 0);
        ck_assert_int_eq(CTL(NULL, NULL, "stop", "noexec"), 0);
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "start", "noexec"), 1);
        assert_contains(err, "noexec did not come up: ");
        assert_contains(err, " child_spawn_failed child=noexec generation=0 ");

        /* Type=notify: back once it said READY=1, not when it was spawned. */
        g_clear_pointer(&out, g_free);
        gen = itest_child_u64(d, "up", "Generation");
        ck_assert_int_eq(CTL(&out, NULL, "restart", "up"), 0);
        assert_child(d, "up", gen + 1, "ready");
        /* The same through the bus, where the events come by match rule. */
        ctl_force_bus = TRUE;
        ck_assert_int_eq(CTL(NULL, NULL, "restart", "up"), 0);
        assert_child(d, "up", gen + 2, "ready");
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "restart", "flaky"), 1);
        assert_contains(err, "did not come up");
        ctl_force_bus = FALSE;
        shutdown_tree(d);
}
END_TEST

START_TEST(test_reload)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        g_autofree char *conf = g_build_filename(d->dir, "steward.conf", NULL);

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_int_eq(CTL(&out, NULL, "reload"), 0);
        ck_assert_str_eq(out, "no changes\n");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "--json", "reload"), 0);
        assert_contains(out, "\"added\":[]");

        /* A config that does not validate: a failure (1), every problem shown. */
        ck_assert(g_file_set_contents(conf, "[Child api]\nExecStart=/bin/true\nRestart=sometimes\n", -1,
                                      NULL));
        ck_assert_int_eq(CTL(NULL, &err, "reload"), 1);
        ck_assert(g_str_has_prefix(err, "stewardctl: "));
        assert_contains(err, "steward.conf:3");
        assert_lacks(err, "GDBus.Error");
        ck_assert(itest_wait_state(d, "api", "running"));
        shutdown_tree(d);
}
END_TEST

/* `stewardctl events --follow` running beside the test, its lines collected. */
typedef struct {
        GPid pid;
        GDataInputStream *in;
        GCancellable *cancel;
        GPtrArray *lines;
        gboolean eof, exited;
        int status;
} Follower;

static void
on_line(GObject *source, GAsyncResult *result, gpointer user_data)
{
        Follower *f = user_data;
        g_autoptr(GError) error = NULL;
        char *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source), result, NULL, &error);

        if (!line) {
                f->eof = TRUE;
                return;
        }
        g_ptr_array_add(f->lines, line);
        g_data_input_stream_read_line_async(f->in, G_PRIORITY_DEFAULT, f->cancel, on_line, f);
}

static void
on_follower_exit(GPid pid, int status, gpointer user_data)
{
        Follower *f = user_data;

        f->status = status;
        f->exited = TRUE;
        g_spawn_close_pid(pid);
}

/* With @err_fd, its standard error comes to a pipe of the test's, read
 * after it exited; otherwise to the test's log. */
static Follower *
follower_start_args(const char *const *args, int *err_fd)
{
        g_auto(GStrv) argv = ctl_argv(args, TRUE);
        g_auto(GStrv) env = ctl_env();
        g_autoptr(GError) error = NULL;
        g_autoptr(GInputStream) raw = NULL;
        Follower *f = g_new0(Follower, 1);
        int out_fd;

        ck_assert_msg(g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                               &f->pid, NULL, &out_fd, err_fd, &error),
                      "%s", error ? error->message : "");
        raw = g_unix_input_stream_new(out_fd, TRUE);
        f->in = g_data_input_stream_new(raw);
        f->cancel = g_cancellable_new();
        f->lines = g_ptr_array_new_with_free_func(g_free);
        g_child_watch_add(f->pid, on_follower_exit, f);
        g_data_input_stream_read_line_async(f->in, G_PRIORITY_DEFAULT, f->cancel, on_line, f);
        return f;
}

/* Live events only: the journal's past (earlier tests' daemons) left out. */
static Follower *
follower_start(gboolean json)
{
        const char *const text_args[] = { "events", "--follow", "-n", "0", NULL };
        const char *const json_args[] = { "events", "--follow", "-n", "0", "--json", NULL };

        return follower_start_args(json ? json_args : text_args, NULL);
}

static void
follower_free(Follower *f)
{
        if (!f->exited)
                (void) kill(f->pid, SIGKILL);
        (void) itest_wait_flag(&f->exited, ITEST_TIMEOUT_SEC);
        g_cancellable_cancel(f->cancel);
        /* Let the cancelled read finish before its stream goes. */
        (void) itest_wait_flag(&f->eof, ITEST_TIMEOUT_SEC);
        g_object_unref(f->cancel);
        g_object_unref(f->in);
        g_ptr_array_unref(f->lines);
        g_free(f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Follower, follower_free)

static const char *
follower_find(Follower *f, const char *needle)
{
        for (guint i = 0; i < f->lines->len; i++)
                if (strstr(g_ptr_array_index(f->lines, i), needle))
                        return g_ptr_array_index(f->lines, i);
        return NULL;
}

typedef struct {
        Follower *f;
        const char *needle;
        gboolean found;
        gboolean expired;
} LineWait;

static gboolean
on_line_wait_timeout(gpointer user_data)
{
        LineWait *w = user_data;

        w->expired = TRUE;
        return G_SOURCE_REMOVE;
}

/* Waits until a line containing needle has arrived, the follower ended,
 * or the bound passed. */
static const char *
follower_wait(Follower *f, const char *needle, guint timeout_ms)
{
        LineWait w = { f, needle, FALSE, FALSE };
        guint id = g_timeout_add(timeout_ms, on_line_wait_timeout, &w);

        while (!follower_find(f, needle) && !f->eof && !w.expired)
                g_main_context_iteration(NULL, TRUE);
        if (!w.expired)
                g_source_remove(id);
        return follower_find(f, needle);
}

/* A follower subscribes at some moment after it starts, which the test
 * cannot see; restart worker until every follower reports the fence, each
 * try bounded, all of them bounded by ITEST_TIMEOUT_SEC. */
static gboolean
trigger_until_seen(Follower *const *followers, const char *needle)
{
        for (guint i = 0; i < ITEST_TIMEOUT_SEC; i++) {
                gboolean all = TRUE;

                ck_assert_int_eq(CTL(NULL, NULL, "restart", "worker", "--reason=follow me"), 0);
                for (Follower *const *f = followers; *f; f++) {
                        ck_assert_msg(!(*f)->exited, "a follower exited early");
                        all = follower_wait(*f, needle, 1000) && all;
                }
                if (all)
                        return TRUE;
        }
        return FALSE;
}

START_TEST(test_events_follow)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autoptr(Follower) text = NULL;
        g_autoptr(Follower) json = NULL;
        g_autoptr(JsonNode) node = NULL;
        const char *line;
        JsonObject *event, *fields;

        ck_assert(itest_wait_state(d, "worker", "running"));
        text = follower_start(FALSE);
        json = follower_start(TRUE);

        /* Both print the event under its kind; the text form as " KIND ", the JSON one as "KIND". */
        ck_assert_msg(
                trigger_until_seen((Follower *const[]){ text, json, NULL }, "child_restart_fence_entered"),
                "no fence event from events --follow");
        line = follower_find(text, " child_restart_fence_entered child=worker ");
        ck_assert(line);
        /* SEQUENCE KIND child=C generation=G key=value... with the reason quoted. */
        ck_assert(g_ascii_isdigit(line[0]));
        assert_contains(line, "decision=queued_after_stop");
        assert_contains(line, "reason=\"follow me\"");
        assert_contains(line, "actor_comm=stewardctl");

        line = follower_find(json, "\"kind\":\"child_restart_fence_entered\"");
        ck_assert_msg(line, "no fence event from events --follow --json");
        node = parse_json(line);
        event = json_node_get_object(node);
        ck_assert_int_gt(json_object_get_int_member(event, "sequence"), 0);
        ck_assert_str_eq(json_object_get_string_member(event, "child"), "worker");
        fields = json_object_get_object_member(event, "fields");
        ck_assert_str_eq(json_object_get_string_member(fields, "decision"), "queued_after_stop");
        ck_assert_str_eq(json_object_get_string_member(fields, "reason"), "follow me");

        /* SIGINT and SIGTERM end it cleanly. */
        ck_assert_int_eq(kill(text->pid, SIGTERM), 0);
        ck_assert_int_eq(kill(json->pid, SIGINT), 0);
        ck_assert(itest_wait_flag(&text->exited, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_flag(&json->exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(text->status) && WEXITSTATUS(text->status) == 0);
        ck_assert(WIFEXITED(json->status) && WEXITSTATUS(json->status) == 0);
        shutdown_tree(d);
}
END_TEST

/* stewardd going away while a command waits (here a daemon-reexec on the
 * private socket, whose connection the old image closes) ends the wait
 * with the command's id to look up: the command itself goes on in the new
 * image, which keeps the pending restart. */
START_TEST(test_wait_went_away)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(stubborn_config, NULL);
        g_autoptr(Follower) restart = NULL;
        g_autoptr(GInputStream) err_in = NULL;
        char buf[4096];
        gsize n = 0;
        const char *line;
        guint64 gen;
        int err_fd;

        ck_assert(itest_wait_state(d, "api", "ready"));
        gen = itest_child_u64(d, "api", "Generation");
        restart = follower_start_args((const char *const[]){ "restart", "api", NULL }, &err_fd);
        err_in = g_unix_input_stream_new(err_fd, TRUE);
        /* The answer printed: it waits for the old incarnation, which
         * ignores SIGTERM for TimeoutStopSec=4s. */
        line = follower_wait(restart, "api: queued_after_stop", ITEST_TIMEOUT_SEC * 1000);
        ck_assert_msg(line, "no decision from stewardctl restart");
        ck_assert_int_eq(CTL(NULL, NULL, "daemon-reexec"), 0);
        ck_assert(itest_wait_flag(&restart->exited, ITEST_TIMEOUT_SEC));
        ck_assert_msg(WIFEXITED(restart->status) && WEXITSTATUS(restart->status) == 1, "status %d",
                      restart->status);
        ck_assert(g_input_stream_read_all(err_in, buf, sizeof(buf) - 1, &n, NULL, NULL));
        buf[n] = '\0';
        assert_contains(buf,
                        "stewardctl: stewardd went away before api was carried out; see its command cmd-");
        /* The restart it asked for is carried out by the new image. */
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(gen + 1),
                                            ITEST_TIMEOUT_SEC));
        shutdown_tree(d);
}
END_TEST

START_TEST(test_shutdown)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(stubborn_config, NULL);
        g_autoptr(Follower) f = NULL;
        g_autofree char *out = NULL;
        g_autofree char *again = NULL;
        g_autofree char *blocked = NULL;
        g_autofree char *err = NULL;

        ck_assert(itest_wait_state(d, "api", "ready"));
        f = follower_start(FALSE);
        /* The follower must be listening before the tree goes. */
        ck_assert(trigger_until_seen((Follower *const[]){ f, NULL }, " child_restart_fence_entered "));
        ck_assert(itest_wait_state(d, "worker", "running"));

        ck_assert_int_eq(CTL(&out, NULL, "shutdown", "--reason=maintenance window"), 0);
        ck_assert(g_str_has_prefix(out, "tree: shutdown_started"));
        assert_lacks(out, "generation");
        /* api holds the shutdown for TimeoutStopSec=4s. */
        ck_assert_int_eq(CTL(&again, NULL, "shutdown"), 0);
        ck_assert(g_str_has_prefix(again, "tree: already_shutting_down"));
        ck_assert_int_eq(CTL(&blocked, NULL, "restart", "api"), 0);
        ck_assert(g_str_has_prefix(blocked, "api: blocked_by_shutdown"));

        ck_assert_int_eq(itest_daemon_wait(d, ITEST_TIMEOUT_SEC), 0);
        /* The follower saw the shutdown complete and ends by itself, with 0.
         * Its last lines may still be in the pipe when its exit is seen:
         * they are all read once the pipe ends. */
        ck_assert(itest_wait_flag(&f->exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(f->status) && WEXITSTATUS(f->status) == 0);
        ck_assert(itest_wait_flag(&f->eof, ITEST_TIMEOUT_SEC));
        ck_assert(follower_find(f, " tree_shutdown_started "));
        ck_assert(follower_find(f, " tree_shutdown_completed "));
        ck_assert(follower_find(f, "reason=\"maintenance window\""));

        ck_assert_int_eq(CTL(NULL, &err, "list"), 6);
        assert_contains(err, "stewardd is not running");
}
END_TEST

/* The harness's user bus admits only its owner, root, who may manage.
 * An unprivileged caller needs a bus that admits everyone: a private
 * dbus-daemon, with stewardd (process backend: no systemd on that bus)
 * on it, and stewardctl run as nobody. */
typedef struct {
        char *dir;
        GPid pid;
} PrivateBus;

static PrivateBus *
private_bus_start(void)
{
        PrivateBus *b = g_new0(PrivateBus, 1);
        g_autofree char *conf = NULL;
        g_autofree char *socket = NULL;
        g_autofree char *config_arg = NULL;
        g_autofree char *address = NULL;
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;

        b->dir = g_dir_make_tmp("steward-bus-XXXXXX", &error);
        ck_assert_msg(b->dir, "%s", error ? error->message : "");
        ck_assert_int_eq(chmod(b->dir, 0755), 0);
        conf = g_build_filename(b->dir, "bus.conf", NULL);
        socket = g_build_filename(b->dir, "bus", NULL);
        text = g_strdup_printf(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
                " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
                "<busconfig>\n"
                "  <type>session</type>\n"
                "  <listen>unix:path=%s</listen>\n"
                "  <auth>EXTERNAL</auth>\n"
                "  <policy context=\"default\">\n"
                "    <allow user=\"*\"/>\n"
                "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                "    <allow eavesdrop=\"true\"/>\n"
                "    <allow own=\"*\"/>\n"
                "  </policy>\n"
                "</busconfig>\n",
                socket);
        ck_assert(g_file_set_contents(conf, text, -1, NULL));
        config_arg = g_strdup_printf("--config-file=%s", conf);
        {
                const char *argv[] = { "dbus-daemon", config_arg,          "--nofork",
                                       "--nopidfile", "--print-address=1", NULL };
                g_autoptr(GInputStream) raw = NULL;
                g_autoptr(GDataInputStream) in = NULL;
                int out_fd;

                ck_assert_msg(g_spawn_async_with_pipes(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                                                       NULL, &b->pid, NULL, &out_fd, NULL, &error),
                              "%s", error ? error->message : "");
                /* The address is printed once the bus accepts connections;
                 * the socket file alone appears before it listens. */
                raw = g_unix_input_stream_new(out_fd, TRUE);
                in = g_data_input_stream_new(raw);
                address = g_data_input_stream_read_line(in, NULL, NULL, &error);
                ck_assert_msg(address, "dbus-daemon printed no address: %s", error ? error->message : "EOF");
        }
        /* Connecting takes write permission on the socket. */
        ck_assert_int_eq(chmod(socket, 0777), 0);
        g_setenv("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
        return b;
}

static void
private_bus_free(PrivateBus *b)
{
        (void) kill(b->pid, SIGTERM);
        g_spawn_close_pid(b->pid);
        g_free(b->dir);
        g_free(b);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PrivateBus, private_bus_free)

START_TEST(test_access_denied)
{
        g_autoptr(PrivateBus) bus = private_bus_start();
        const char *const process[] = { "--backend=process", NULL };
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, process);
        struct passwd *pw = getpwnam("nobody");
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        guint64 api_gen;

        ck_assert_msg(pw, "no user 'nobody'");
        ck_assert(itest_wait_state(d, "api", "running"));
        api_gen = itest_child_u64(d, "api", "Generation");

        /* Reading is open to everyone. nobody may not open root's runtime
         * directory, where the private socket is (EACCES): it uses the bus,
         * without a word, and root's calls (shutdown_tree()) the socket. */
        ck_assert_int_eq(run_full(pw, TRUE, &out, &err, (const char *const[]){ "list", "--names", NULL }),
                         0);
        ck_assert_str_eq(out, "api\nworker\n");
        ck_assert_str_eq(err, "");
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(run_full(pw, TRUE, NULL, NULL, (const char *const[]){ "status", NULL }), 0);

        /* Managing is not. */
        ck_assert_int_eq(run_full(pw, TRUE, NULL, &err, (const char *const[]){ "restart", "api", NULL }), 5);
        ck_assert(g_str_has_prefix(err, "stewardctl: "));
        assert_lacks(err, "GDBus.Error");
        for (const char *const *cmd = (const char *const[]){ "start", "stop", "pause", "resume", NULL };
             *cmd; cmd++)
                ck_assert_int_eq(run_full(pw, TRUE, NULL, NULL, (const char *const[]){ *cmd, "api", NULL }),
                                 5);
        ck_assert_int_eq(
                run_full(pw, TRUE, NULL, NULL, (const char *const[]){ "resume-supervisor", "web", NULL }),
                5);
        ck_assert_int_eq(run_full(pw, TRUE, NULL, NULL, (const char *const[]){ "reload", NULL }), 5);
        ck_assert_int_eq(run_full(pw, TRUE, NULL, NULL, (const char *const[]){ "shutdown", NULL }), 5);
        /* Nothing happened to the tree. */
        {
                g_autoptr(GVariant) generation = itest_child_property(d, "api", "Generation");

                ck_assert_uint_eq(g_variant_get_uint64(generation), api_gen);
        }
        shutdown_tree(d);
}
END_TEST

/* ---- which connection: the private socket, or the bus ---------------------- */

/* The private socket of the daemon ctl_daemon_start() started last. */
static char *
private_socket_path(void)
{
        ck_assert_msg(ctl_runtime_dir, "no daemon started");
        return g_build_filename(ctl_runtime_dir, "steward", "private", NULL);
}

/* A socket file nobody listens on, as a stewardd that stopped leaves it. */
static void
make_stale_socket(const char *path)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GSocket) sock =
                g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
        g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);

        ck_assert_msg(sock, "%s", error ? error->message : "");
        ck_assert_msg(g_socket_bind(sock, address, FALSE, &error), "%s", error ? error->message : "");
}

/* Without a bus, stewardctl works on the private socket alone, as in a
 * container without a bus daemon: what only the manager knows (a scope's
 * memory, tasks and processes) is left out, the rest is as on the bus,
 * events --follow included. */
START_TEST(test_private_socket)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autoptr(Follower) f = NULL;
        g_autofree char *on_bus = NULL, *list = NULL, *sups = NULL, *status = NULL, *api = NULL;
        g_autofree char *json = NULL, *out = NULL;
        g_autoptr(JsonNode) node = NULL;
        JsonObject *child;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        ctl_force_bus = TRUE;
        ck_assert_int_eq(CTL(&on_bus, NULL, "list"), 0);
        ctl_force_bus = FALSE;

        ctl_bus_address = NO_BUS;
        ck_assert_int_eq(CTL(&list, NULL, "list"), 0);
        ck_assert_str_eq(list, on_bus);
        ck_assert_int_eq(CTL(&sups, NULL, "list-supervisors", "--names"), 0);
        ck_assert_str_eq(sups, "root\nweb\n");

        ck_assert_int_eq(CTL(&status, NULL, "status"), 0);
        assert_contains(status,
                        "stewardd " PACKAGE_VERSION " (user mode, scope backend): running, 2 children\n");
        {
                /* No manager to ask: no memory column. */
                g_autofree char *worker = line_starting(status, "├─● worker (worker): running");

                ck_assert_str_eq(worker, "├─● worker (worker): running");
        }
        ck_assert_int_eq(CTL(&api, NULL, "status", "api", "-n", "0"), 0);
        ck_assert_msg(g_str_has_prefix(api, "● api (service): running\n    Supervisor: web\n"), "%s", api);
        assert_lacks(api, "Processes: ");
        ck_assert_int_eq(CTL(&json, NULL, "status", "api", "-n", "0", "--json"), 0);
        node = parse_json(json);
        child = json_array_get_object_element(
                json_object_get_array_member(json_node_get_object(node), "children"), 0);
        ck_assert_str_eq(json_object_get_string_member(child, "Name"), "api");
        ck_assert(!json_object_has_member(child, "Resources"));
        ck_assert(!json_object_has_member(child, "Processes"));

        assert_restart_worker(d, NULL);

        /* Events come on the same connection, and end with it: after a
         * completed shutdown, with 0. */
        f = follower_start(FALSE);
        ck_assert(trigger_until_seen((Follower *const[]){ f, NULL }, " child_restart_fence_entered "));
        shutdown_tree(d);
        ck_assert(itest_wait_flag(&f->exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(f->status) && WEXITSTATUS(f->status) == 0);
        ck_assert(itest_wait_flag(&f->eof, ITEST_TIMEOUT_SEC));
        ck_assert(follower_find(f, " tree_shutdown_completed "));
        ctl_bus_address = NULL;
}
END_TEST

/* STEWARDCTL_FORCE_BUS=1 leaves the private socket alone: without a bus
 * nothing works, with one everything does, the manager's figures too. */
START_TEST(test_force_bus)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *out = NULL, *status = NULL;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        ctl_force_bus = TRUE;
        ctl_bus_address = NO_BUS;
        {
                g_autofree char *list_err = NULL, *status_err = NULL, *restart_err = NULL;

                ck_assert_int_eq(CTL(NULL, &list_err, "list"), 6);
                assert_contains(list_err, "stewardctl: cannot connect to the user bus: ");
                ck_assert_int_eq(CTL(NULL, &status_err, "status"), 6);
                assert_contains(status_err, "stewardctl: cannot connect to the user bus: ");
                ck_assert_int_eq(CTL(NULL, &restart_err, "restart", "worker"), 6);
                assert_contains(restart_err, "stewardctl: cannot connect to the user bus: ");
        }
        ctl_bus_address = NULL;

        ck_assert_int_eq(CTL(&out, NULL, "list", "--names"), 0);
        ck_assert_str_eq(out, "api\nworker\n");
        ck_assert_int_eq(CTL(&status, NULL, "status", "worker", "-n", "0"), 0);
        assert_contains(status, "Processes: ");
        assert_restart_worker(d, NULL);
        shutdown_tree(d);
        ctl_force_bus = FALSE;
}
END_TEST

/* A private socket nobody listens on (a stewardd that stopped left it
 * behind) is passed over for the bus, without a word. */
START_TEST(test_stale_socket)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *dir = g_dir_make_tmp("steward-ctl-XXXXXX", NULL);
        g_autofree char *sub = g_build_filename(dir, "steward", NULL);
        g_autofree char *stale = g_build_filename(sub, "private", NULL);
        g_autofree char *live = private_socket_path();
        g_autofree char *names = NULL, *linked = NULL, *status = NULL;
        const char *daemon_runtime_dir = ctl_runtime_dir;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        ck_assert_int_eq(g_mkdir(sub, 0700), 0);
        ctl_runtime_dir = dir;

        /* The socket looked for is XDG_RUNTIME_DIR's: a link there to the
         * live one is all it takes without a bus. */
        ck_assert_int_eq(symlink(live, stale), 0);
        ctl_bus_address = NO_BUS;
        ck_assert_int_eq(CTL(&linked, NULL, "list", "--names"), 0);
        ck_assert_str_eq(linked, "api\nworker\n");

        /* A socket that refuses: no way without a bus ... */
        ck_assert_int_eq(g_unlink(stale), 0);
        make_stale_socket(stale);
        for (const char *const *cmd = (const char *const[]){ "list", "status", NULL }; *cmd; cmd++) {
                g_autofree char *err = NULL;

                ck_assert_int_eq(CTL(NULL, &err, *cmd), 6);
                assert_contains(err, "stewardctl: cannot connect to the user bus: ");
        }
        /* ... and with one, the bus, as if there were no socket. */
        ctl_bus_address = NULL;
        {
                g_autofree char *err = NULL;

                ck_assert_int_eq(CTL(&names, &err, "list", "--names"), 0);
                ck_assert_str_eq(names, "api\nworker\n");
                ck_assert_str_eq(err, "");
        }
        {
                g_autofree char *err = NULL;

                ck_assert_int_eq(CTL(&status, &err, "status", "worker", "-n", "0"), 0);
                assert_contains(status, "● worker (worker): running\n");
                ck_assert_str_eq(err, "");
        }
        assert_restart_worker(d, NULL);

        ctl_runtime_dir = daemon_runtime_dir;
        (void) g_unlink(stale);
        (void) g_rmdir(sub);
        (void) g_rmdir(dir);
        shutdown_tree(d);
}
END_TEST

/* A stewardd that hangs up on stewardctl, every place for a client of its
 * private socket taken, is passed over for the bus as well: sd-bus's
 * listing, which connects before it authenticates, and the GDBus calls. */
START_TEST(test_socket_full)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func(g_object_unref);
        g_autofree char *socket = private_socket_path();
        g_autofree char *names = NULL, *status = NULL, *err = NULL, *status_err = NULL;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        for (guint i = 0; i < STEWARD_BUS_DIRECT_MAX; i++)
                g_ptr_array_add(clients, itest_connect_private(socket));
        /* The last one was taken: its calls are answered. */
        g_variant_unref(itest_direct_call(g_ptr_array_index(clients, clients->len - 1), "ListSupervisors",
                                          NULL, "(a(ssso))"));

        ck_assert_int_eq(CTL(&names, &err, "list", "--names"), 0);
        ck_assert_str_eq(names, "api\nworker\n");
        ck_assert_str_eq(err, "");
        ck_assert_int_eq(CTL(&status, &status_err, "status", "api", "-n", "0"), 0);
        ck_assert_msg(g_str_has_prefix(status, "● api (service): running\n"), "%s", status);
        ck_assert_str_eq(status_err, "");
        /* Without a bus, nothing is left. */
        ctl_bus_address = NO_BUS;
        ck_assert_int_eq(CTL(NULL, NULL, "list"), 6);
        ctl_bus_address = NULL;

        g_ptr_array_set_size(clients, 0);
        shutdown_tree(d);
}
END_TEST

/* daemon-reexec without a bus, on the private socket: it returns once the
 * new image serves the socket again, and a follower on the old image's
 * connection ends with it (6: not a shutdown). */
START_TEST(test_daemon_reexec_private)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autoptr(Follower) f = NULL;
        g_autofree char *socket = private_socket_path();
        g_autofree char *out = NULL, *names = NULL;
        struct stat before, after;
        guint32 api_pid;
        guint from;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        ctl_bus_address = NO_BUS;
        f = follower_start(FALSE);
        ck_assert(trigger_until_seen((Follower *const[]){ f, NULL }, " child_restart_fence_entered "));
        ck_assert(itest_wait_state(d, "worker", "running"));

        ck_assert_int_eq(stat(socket, &before), 0);
        from = d->events->events->len;
        ck_assert_int_eq(CTL(&out, NULL, "daemon-reexec"), 0);
        ck_assert_str_eq(out, "stewardd re-executed\n");
        /* The new image's socket, answering as soon as it returned. */
        ck_assert_int_eq(stat(socket, &after), 0);
        ck_assert_msg(after.st_ino != before.st_ino, "the socket was not bound again");
        ck_assert_int_eq(CTL(&names, NULL, "list", "--names"), 0);
        ck_assert_str_eq(names, "api\nworker\n");

        ck_assert(itest_wait_flag(&f->exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(f->status) && WEXITSTATUS(f->status) == 6);
        /* The same process, every child adopted. */
        ck_assert(itest_events_wait(d->events, "tree_adopted", NULL, &from, ITEST_TIMEOUT_SEC));
        ck_assert(!d->exited);
        ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
        shutdown_tree(d);
        ctl_bus_address = NULL;
}
END_TEST

/* The bash completion, sourced into a real bash, asking the real daemon. */
static char *
complete_line(const char *words)
{
        g_autofree char *source = g_getenv("STEWARD_SOURCE_DIR")
                                          ? g_build_filename(g_getenv("STEWARD_SOURCE_DIR"),
                                                             "shell-completion", "stewardctl", NULL)
                                          : NULL;
        g_autofree char *ctl = stewardctl_path();
        g_autofree char *bindir = g_path_get_dirname(ctl);
        g_autofree char *script = NULL;
        g_autofree char *out = NULL;

        ck_assert_msg(source, "STEWARD_SOURCE_DIR is not set");
        script = g_strdup_printf(
                "PATH=%s:$PATH; source %s; COMP_WORDS=(%s); "
                "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _stewardctl; echo \"${COMPREPLY[*]}\"",
                bindir, source, words);
        {
                const char *const argv[] = { "bash", "-c", script, NULL };

                ck_assert_int_eq(itest_run(argv, &out), 0);
        }
        return g_strchomp(g_steal_pointer(&out));
}

START_TEST(test_completion)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        struct {
                const char *words, *expected;
        } cases[] = {
                { "stewardctl re", "restart resume reload-child resume-supervisor remove reload" },
                { "stewardctl --user reload-child w", "worker" },
                { "stewardctl --user reload-child --r", "--reason=" },
                { "stewardctl --user remove ''", "api worker" },
                { "stewardctl --user add --p", "--persist" },
                { "stewardctl da", "daemon-reexec" },
                { "stewardctl qu", "quarantine" },
                { "stewardctl --user quarantine w", "worker" },
                { "stewardctl --user quarantine --r", "--reason=" },
                { "stewardctl --user restart ''", "api worker" },
                { "stewardctl --user restart w", "worker" },
                { "stewardctl --user restart api ''", "" },
                { "stewardctl --user status ''", "api worker root web" },
                { "stewardctl --user resume-supervisor ''", "root web" },
                { "stewardctl --user restart --reason = ''", "" },
                { "stewardctl --user restart --reason = x a", "api" },
                { "stewardctl --user list --n", "--no-pager --names --no-legend" },
                { "stewardctl --user events --f", "--follow" },
                { "stewardctl me", "metrics" },
                { "stewardctl --user metrics --o", "--output-file=" },
                { "stewardctl --user events --ch", "--child=" },
                { "stewardctl --user events --child = w", "worker" },
                { "stewardctl --user events --child w", "worker" },
                { "stewardctl --user events --output = j", "json" },
                { "stewardctl --user events --since = ''", "" },
        };

        ck_assert(itest_wait_state(d, "api", "running"));
        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *got = complete_line(cases[i].words);

                ck_assert_msg(g_str_equal(got, cases[i].expected), "%s: '%s', expected '%s'", cases[i].words,
                              got, cases[i].expected);
        }
        shutdown_tree(d);
}
END_TEST

/* The sequence number a line of events starts with. */
static guint64
line_sequence(const char *line)
{
        return g_ascii_strtoull(line, NULL, 10);
}

static guint
count_lines(const char *text)
{
        guint n = 0;

        for (const char *p = text; *p; p++)
                n += *p == '\n';
        return n;
}

/* `stewardctl events` reads the past from the journal, filtered by child,
 * command and time, the last N of it, as text or JSON; with --follow it
 * goes on from the bus, the entry at the boundary neither lost nor shown
 * twice. */
START_TEST(test_events_history)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start("[Child hist]\nExecStart=/bin/sleep 1000\n", NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(Follower) f = NULL;
        g_autofree char *all = NULL, *by_id = NULL, *last = NULL, *json = NULL, *none = NULL, *since = NULL;
        g_autofree char *id_arg = NULL;
        g_auto(GStrv) lines = NULL;
        const char *match[] = { "STEWARD_CHILD=hist", "STEWARD_EVENT=child_started", "STEWARD_GENERATION=1",
                                NULL };
        const char *follow_args[] = { "events", "--follow", "--child=hist", "-n", "3", NULL };
        const char *id;
        guint64 previous = 0;

        ck_assert(itest_wait_state(d, "hist", "running"));
        reply = itest_manager_call(d, "RestartChild", g_variant_new("(ss)", "hist", "history"), "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        ck_assert(g_variant_lookup(outcome, "command_id", "&s", &id));
        ck_assert(itest_events_wait_generation(d->events, "child_started", "hist", 1, ITEST_TIMEOUT_SEC));
        /* The journal has it once its writer got to it. */
        ck_assert(itest_journal_wait(match, "hist", ITEST_TIMEOUT_SEC));

        ck_assert_int_eq(CTL(&all, NULL, "events", "--child=hist"), 0);
        assert_contains(all, " child_started child=hist generation=0 ");
        assert_contains(all, " child_started child=hist generation=1 ");

        id_arg = g_strdup_printf("--command-id=%s", id);
        ck_assert_int_eq(CTL(&by_id, NULL, "events", id_arg), 0);
        lines = g_strsplit(by_id, "\n", -1);
        for (char **l = lines; *l && **l; l++)
                ck_assert_msg(strstr(*l, id), "not of command %s: %s", id, *l);
        assert_contains(by_id, " child_restart_fence_entered child=hist ");
        assert_contains(by_id, " child_started child=hist generation=1 ");

        ck_assert_int_eq(CTL(&last, NULL, "events", "--child=hist", "-n", "1"), 0);
        ck_assert_uint_eq(count_lines(last), 1);
        ck_assert_int_eq(CTL(&json, NULL, "events", "--child=hist", "-n", "2", "-o", "json"), 0);
        ck_assert_uint_eq(count_lines(json), 2);
        ck_assert(json[0] == '{');
        assert_contains(json, "\"child\":\"hist\"");
        ck_assert_int_eq(CTL(&none, NULL, "events", "--child=hist", "--until=@1"), 0);
        ck_assert_str_eq(none, "");
        ck_assert_int_eq(CTL(&since, NULL, "events", "--child=hist", "--since=-1h"), 0);
        ck_assert_str_eq(since, all);
        ck_assert_int_eq(CTL(NULL, NULL, "events", "--since=someday"), 2);
        ck_assert_int_eq(CTL(NULL, NULL, "status", "--child=hist"), 2);

        /* The past, then what happens: numbered without a gap or a repeat
         * across the boundary (this daemon numbers every event, so the
         * child's own are increasing). */
        f = follower_start_args(follow_args, NULL);
        ck_assert(follower_wait(f, " generation=1 ", ITEST_TIMEOUT_SEC * 1000));
        g_clear_pointer(&reply, g_variant_unref);
        reply = itest_manager_call(d, "RestartChild", g_variant_new("(ss)", "hist", "again"), "(a{sv})");
        ck_assert(follower_wait(f, " child_started child=hist generation=2 ", ITEST_TIMEOUT_SEC * 1000));
        ck_assert_uint_ge(f->lines->len, 4);
        for (guint i = 0; i < f->lines->len; i++) {
                guint64 seq = line_sequence(g_ptr_array_index(f->lines, i));

                ck_assert_msg(seq > previous, "line %u out of order or repeated: %s", i,
                              (char *) g_ptr_array_index(f->lines, i));
                previous = seq;
        }
        ck_assert_uint_eq(count_lines(last), 1);
        ck_assert_str_eq(g_ptr_array_index(f->lines, 2), g_strchomp(last));
}
END_TEST

/* status NAME shows what systemctl status shows of a unit: the scope's
 * processes (and resources where the manager counts them), then the last
 * journal lines, its output and stewardd's events about it. */
START_TEST(test_status_child_details)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(
                "[Child talker]\nExecStart=/bin/sh -c 'echo hello-from-talker; exec sleep 1000'\n", NULL);
        const char *match[] = { "_SYSTEMD_UNIT=steward-talker-0.scope", NULL };
        g_autofree char *out = NULL, *none = NULL, *json = NULL;
        g_autoptr(JsonNode) node = NULL;
        JsonObject *child;

        ck_assert(itest_wait_state(d, "talker", "running"));
        ck_assert(itest_journal_wait(match, "hello-from-talker", ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(CTL(&out, NULL, "status", "talker"), 0);
        assert_contains(out, "Processes: ");
        assert_contains(out, "sleep 1000");
        assert_contains(out, "hello-from-talker");
        assert_contains(out, "stewardd[");
        ck_assert_int_eq(CTL(&none, NULL, "status", "talker", "-n", "0"), 0);
        ck_assert(!strstr(none, "hello-from-talker"));
        ck_assert_int_eq(CTL(&json, NULL, "status", "talker", "--json"), 0);
        node = parse_json(json);
        child = json_array_get_object_element(
                json_object_get_array_member(json_node_get_object(node), "children"), 0);
        ck_assert(json_object_has_member(child, "Resources"));
        ck_assert(json_object_has_member(child, "Processes"));
        ck_assert(json_object_has_member(child, "Logs"));
        ck_assert_int_eq(CTL(NULL, NULL, "list", "-n", "3"), 2);
        shutdown_tree(d);
}
END_TEST

/* The process backend has no scope: status shows the child's process
 * group, read from /proc; a member without a command line (a zombie, or
 * one caught mid-exec) as [its name], as ps and systemd show it. */
START_TEST(test_status_process_group)
{
        const char *args[] = { "--backend=process", NULL };
        g_autofree char *dir = g_dir_make_tmp("steward-ctl-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(dir, "held", NULL);
        g_autofree char *nc = itest_notify_child_path();
        g_autofree char *config = NULL;
        g_autoptr(ItestDaemon) d = NULL;
        g_autofree char *out = NULL;

        /* Both processes of the group have their own image before it is
         * ready, or /proc may show one mid-exec, with no command line:
         * cat opens the fifo after its exec, and the shell's open for
         * writing returns only then; READY=1 comes from the main
         * process's own image. */
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        config = g_strdup_printf(
                "[Child grouped]\n"
                "Type=notify\n"
                "ExecStart=/bin/sh -c 'cat %s >/dev/null & exec 3>%s; exec %s zombie notify=READY=1'\n",
                fifo, fifo, nc);
        d = ctl_daemon_start(config, args);
        ck_assert(itest_wait_state(d, "grouped", "ready"));
        ck_assert_int_eq(CTL(&out, NULL, "status", "grouped", "-n", "0"), 0);
        assert_contains(out, "Processes: ");
        assert_contains(out, "notify-child zombie notify=READY=1");
        assert_contains(out, "cat /");
        assert_contains(out, "[notify-child]");
        /* No scope to ask: the tree's memory column has what /proc says of the group. */
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "status"), 0);
        {
                g_autofree char *line = line_starting(out, "└─● grouped (service): ready");

                assert_memory_column(line, "└─● grouped (service): ready");
        }
        shutdown_tree(d);
        (void) g_unlink(fifo);
        (void) g_rmdir(dir);
}
END_TEST

/* The member names of a JSON object, sorted, joined by spaces. */
static char *
member_names(JsonNode *node)
{
        g_autoptr(GList) names = json_object_get_members(json_node_get_object(node));
        g_autoptr(GString) s = g_string_new(NULL);

        names = g_list_sort(names, (GCompareFunc) g_strcmp0);
        for (GList *l = names; l; l = l->next)
                g_string_append_printf(s, "%s%s", s->len ? " " : "", (const char *) l->data);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Issue #19: LANGUAGE=de makes what stewardctl says to people German, and
 * leaves what scripts read (-o json, decision and state names) as it was. */
START_TEST(test_german)
{
        g_autoptr(ItestDaemon) d = ctl_daemon_start(tree_config, NULL);
        g_autofree char *en_list = NULL, *de_list = NULL, *en_status = NULL, *de_status = NULL;
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *en_members = NULL, *de_members = NULL;
        g_autoptr(JsonNode) en_restart = NULL;
        g_autoptr(JsonNode) de_restart = NULL;
        guint64 gen;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));

        /* The same state read twice, once in each language. */
        ck_assert_int_eq(CTL(&en_list, NULL, "list", "-o", "json"), 0);
        ck_assert_int_eq(CTL(&en_status, NULL, "status", "-o", "json"), 0);
        ctl_language = "de";
        ck_assert_int_eq(CTL(&de_list, NULL, "list", "-o", "json"), 0);
        ck_assert_int_eq(CTL(&de_status, NULL, "status", "-o", "json"), 0);
        ck_assert_str_eq(de_list, en_list);
        ck_assert_str_eq(de_status, en_status);

        /* A command: the decision is the protocol's, the rest German. */
        gen = itest_child_u64(d, "worker", "Generation");
        expected = g_strdup_printf("worker: queued_after_stop (Generation %" G_GUINT64_FORMAT
                                   " → %" G_GUINT64_FORMAT ", Abbruch zugestellt, ",
                                   gen, gen + 1);
        ck_assert_int_eq(CTL(&out, NULL, "restart", "worker"), 0);
        ck_assert_msg(g_str_has_prefix(out, expected), "%s", out);
        assert_contains(out, ", Befehl cmd-");
        ck_assert(itest_child_wait_property(d, "worker", "Generation", g_variant_new_uint64(gen + 1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "worker", "running"));

        /* -o json of the same command in both languages: the same members and decision. */
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "restart", "worker", "-o", "json"), 0);
        de_restart = parse_json(out);
        ck_assert(itest_child_wait_property(d, "worker", "Generation", g_variant_new_uint64(gen + 2),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "worker", "running"));
        ctl_language = NULL;
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "restart", "worker", "-o", "json"), 0);
        en_restart = parse_json(out);
        ck_assert(itest_child_wait_property(d, "worker", "Generation", g_variant_new_uint64(gen + 3),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "worker", "running"));
        en_members = member_names(en_restart);
        de_members = member_names(de_restart);
        ck_assert_str_eq(de_members, en_members);
        ck_assert_str_eq(json_object_get_string_member(json_node_get_object(de_restart), "decision"),
                         json_object_get_string_member(json_node_get_object(en_restart), "decision"));
        ctl_language = "de";

        /* The tree: labels and sentences German, states and modes not. */
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL(&out, NULL, "status"), 0);
        assert_contains(out,
                        "stewardd " PACKAGE_VERSION " (Modus user, Backend scope): running, 2 Kinder\n");
        assert_contains(out, "├─● worker (worker): running");
        assert_contains(out, "Bereit: ja\n");
        assert_contains(out, "Haupt-PID: ");
        assert_lacks(out, "Ready: ");
        /* Labels aligned to the longest German one, "Nächster Neustart" (17 characters). */
        assert_contains(out, "│          Generation: ");

        /* The client's own errors and help. */
        ck_assert_int_eq(CTL(NULL, &err, "frobnicate"), 2);
        assert_contains(err, "stewardctl: unbekannter Befehl „frobnicate“; siehe „stewardctl --help“\n");
        g_clear_pointer(&err, g_free);
        ck_assert_int_eq(CTL(NULL, &err, "status", "nosuch"), 4);
        assert_contains(err, "stewardctl: kein Kind und kein Supervisor namens „nosuch“\n");
        g_clear_pointer(&out, g_free);
        ck_assert_int_eq(CTL_BARE(&out, NULL, "--help"), 0);
        assert_contains(out, "Befehle:\n");
        assert_contains(
                out, "  restart NAME              Ein Kind hinter seiner Generationssperre neu starten\n");

        ctl_language = NULL;
        shutdown_tree(d);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("stewardctl");
        TCase *tc = tcase_create("stewardctl");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_usage);
        tcase_add_test(tc, test_not_running);
        tcase_add_loop_test(tc, test_list, 0, 2);
        tcase_add_loop_test(tc, test_status, 0, 2);
        tcase_add_test(tc, test_child_commands);
        tcase_add_test(tc, test_fence_outcomes);
        tcase_add_test(tc, test_wait_failed);
        tcase_add_test(tc, test_reload);
        tcase_add_test(tc, test_events_follow);
        tcase_add_test(tc, test_wait_went_away);
        tcase_add_test(tc, test_events_history);
        tcase_add_test(tc, test_status_child_details);
        tcase_add_test(tc, test_status_process_group);
        tcase_add_test(tc, test_shutdown);
        tcase_add_test(tc, test_access_denied);
        tcase_add_test(tc, test_private_socket);
        tcase_add_test(tc, test_force_bus);
        tcase_add_test(tc, test_stale_socket);
        tcase_add_test(tc, test_socket_full);
        tcase_add_test(tc, test_daemon_reexec_private);
        tcase_add_test(tc, test_completion);
        tcase_add_test(tc, test_german);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

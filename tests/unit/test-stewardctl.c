/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-stewardctl.c: unit tests of stewardctl's output, JSON and exit-code mapping, without a bus. */
#include "config.h"

#include <signal.h>
#include <sys/socket.h>

#include "steward-names.h"
#include "steward-test.h"
#include "steward-util.h"
#include "stewardctl-connect.h"
#include "stewardctl-format.h"
#include "stewardctl-metrics.h"
#include "stewardctl-sd-bus.h"
#include "stewardctl-wait.h"

static const StewardctlStyle plain = { .color = FALSE, .utf8 = FALSE, .now_usec = 1000 * G_USEC_PER_SEC };
static const StewardctlStyle fancy = { .color = TRUE, .utf8 = TRUE, .now_usec = 1000 * G_USEC_PER_SEC };

static int
code_for(const char *dbus_name)
{
        g_autoptr(GError) error = g_dbus_error_new_for_dbus_error(dbus_name, "it went wrong");

        return stewardctl_exit_code_for_error(error);
}

START_TEST(test_exit_codes)
{
        g_autoptr(GError) io = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
        g_autoptr(GError) unknown = g_error_new_literal(G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN, "gone");
        g_autoptr(GError) denied = g_error_new_literal(G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED, "no");

        ck_assert_int_eq(stewardctl_exit_code_for_error(NULL), 0);
        ck_assert_int_eq(code_for(STEWARD_ERROR_NAME_NO_SUCH_CHILD), 4);
        ck_assert_int_eq(code_for(STEWARD_ERROR_NAME_NO_SUCH_SUPERVISOR), 4);
        ck_assert_int_eq(code_for(DBUS_ERROR_ACCESS_DENIED), 5);
        ck_assert_int_eq(code_for(DBUS_ERROR_SERVICE_UNKNOWN), 6);
        ck_assert_int_eq(code_for(DBUS_ERROR_NAME_HAS_NO_OWNER), 6);
        ck_assert_int_eq(code_for("org.freedesktop.DBus.Error.Spawn.ChildExited"), 6);
        ck_assert_int_eq(code_for(DBUS_ERROR_INVALID_ARGS), 2);
        ck_assert_int_eq(code_for(STEWARD_ERROR_PREFIX "ShuttingDown"), 1);
        ck_assert_int_eq(code_for(STEWARD_ERROR_PREFIX "InvalidConfig"), 1);
        ck_assert_int_eq(code_for("org.freedesktop.DBus.Error.NoReply"), 1);
        ck_assert_int_eq(code_for("com.example.Whatever"), 1);
        ck_assert_int_eq(stewardctl_exit_code_for_error(io), 1);
        ck_assert_int_eq(stewardctl_exit_code_for_error(unknown), 6);
        ck_assert_int_eq(stewardctl_exit_code_for_error(denied), 5);
}
END_TEST

START_TEST(test_error_message)
{
        g_autoptr(GError) remote =
                g_dbus_error_new_for_dbus_error(STEWARD_ERROR_NAME_NO_SUCH_CHILD, "no child 'x'");
        g_autoptr(GError) local = g_error_new_literal(G_IO_ERROR, G_IO_ERROR_FAILED, "plain");
        g_autofree char *a = stewardctl_error_message(remote);
        g_autofree char *b = stewardctl_error_message(local);

        ck_assert_str_eq(a, "no child 'x'");
        ck_assert_str_eq(b, "plain");
        /* The original keeps its remote name: the exit code depends on it. */
        ck_assert_int_eq(stewardctl_exit_code_for_error(remote), 4);
}
END_TEST

START_TEST(test_state_color)
{
        ck_assert_str_eq(stewardctl_state_color("ready"), stewardctl_state_color("running"));
        ck_assert_str_ne(stewardctl_state_color("ready"), "");
        ck_assert_str_eq(stewardctl_state_color("starting"), stewardctl_state_color("backoff"));
        ck_assert_str_eq(stewardctl_state_color("stopping"), stewardctl_state_color("backoff"));
        ck_assert_str_ne(stewardctl_state_color("starting"), stewardctl_state_color("ready"));
        ck_assert_str_eq(stewardctl_state_color("failed"), stewardctl_state_color("quarantined"));
        ck_assert_str_ne(stewardctl_state_color("failed"), stewardctl_state_color("starting"));
        ck_assert_str_ne(stewardctl_state_color("failed"), "");
        ck_assert_str_eq(stewardctl_state_color("stopped"), "");
        ck_assert_str_eq(stewardctl_state_color("paused"), "");
        ck_assert_str_eq(stewardctl_state_color(NULL), "");
}
END_TEST

static void
assert_span(guint64 usec, const char *expected)
{
        g_autofree char *s = stewardctl_format_timespan(usec);

        ck_assert_str_eq(s, expected);
}

START_TEST(test_timespan)
{
        assert_span(0, "0");
        assert_span(7, "7us");
        assert_span(250000, "250ms");
        assert_span(1500000, "1s 500ms");
        assert_span(90ULL * G_USEC_PER_SEC, "1min 30s");
        assert_span(3661ULL * G_USEC_PER_SEC, "1h 1min");
        assert_span(86400ULL * G_USEC_PER_SEC + 300ULL * G_USEC_PER_SEC, "1d");
        assert_span(2 * 86400ULL * G_USEC_PER_SEC + 3 * 3600ULL * G_USEC_PER_SEC + 5, "2d 3h");
}
END_TEST

START_TEST(test_exit)
{
        g_autofree char *exited = stewardctl_format_exit("exited", 3);
        g_autofree char *killed = stewardctl_format_exit("killed", SIGTERM);
        g_autofree char *dumped = stewardctl_format_exit("dumped", SIGSEGV);
        g_autofree char *odd = stewardctl_format_exit("killed", 200);
        g_autofree char *unknown = stewardctl_format_exit("unknown", 0);

        ck_assert_str_eq(exited, "exited, status=3");
        ck_assert_str_eq(killed, "killed, signal=TERM");
        ck_assert_str_eq(dumped, "dumped, signal=SEGV");
        ck_assert_str_eq(odd, "killed, signal=200");
        ck_assert_str_eq(unknown, "unknown");
        ck_assert_ptr_null(stewardctl_format_exit("", 0));
        ck_assert_ptr_null(stewardctl_format_exit(NULL, 0));
}
END_TEST

static void
assert_value(GVariant *v, const char *expected)
{
        g_autoptr(GVariant) owned = g_variant_ref_sink(v);
        g_autofree char *s = stewardctl_format_value(owned);

        ck_assert_str_eq(s, expected);
}

START_TEST(test_value)
{
        assert_value(g_variant_new_string("deploy"), "deploy");
        assert_value(g_variant_new_string("a=b"), "a=b");
        assert_value(g_variant_new_string("deploy now"), "\"deploy now\"");
        assert_value(g_variant_new_string(""), "\"\"");
        assert_value(g_variant_new_string("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        assert_value(g_variant_new_string("grüß dich"), "\"grüß dich\"");
        assert_value(g_variant_new_string("grüß"), "grüß");
        /* A child's STATUS= must not reach the terminal as a control
         * sequence: neither C1 (U+009B is CSI) nor a bidirectional override. */
        assert_value(g_variant_new_string("a\xc2\x9b"
                                          "2Jb"),
                     "\"a\\u009b2Jb\"");
        assert_value(g_variant_new_string("ok\u202egnp.exe"), "\"ok\\u202egnp.exe\"");
        assert_value(g_variant_new_uint64(42), "42");
        assert_value(g_variant_new_int32(-1), "-1");
        assert_value(g_variant_new_uint32(7), "7");
        assert_value(g_variant_new_boolean(TRUE), "true");
        assert_value(g_variant_new_variant(g_variant_new_string("x y")), "\"x y\"");
        assert_value(g_variant_new_object_path("/a/b"), "/a/b");
        assert_value(g_variant_new_parsed("['a', 'b']"), "a,b");
}
END_TEST

/* steward_escape_text(), shared by stewardctl and the daemon's console log. */
START_TEST(test_escape_text)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain", "plain" },
                { "grüß dich", "grüß dich" },
                { "tab\there\n", "tab\\there\\n" },
                { "esc\033[2J", "esc\\033[2J" },
                { "del\177", "del\\177" },
                { "back\\slash \"q\"", "back\\\\slash \\\"q\\\"" },
                /* C1 controls (C has no \\u for them): first, CSI and last */
                { "\xc2\x80x\xc2\x9b"
                  "2J\xc2\x9f",
                  "\\u0080x\\u009b2J\\u009f" },
                /* U+00A0 is the first printable one after them */
                { "\u00a0", "\u00a0" },
                /* embeddings and overrides, isolates, around allowed neighbours */
                { "\u2029\u202a\u202b\u202c\u202d\u202e\u202f",
                  "\u2029\\u202a\\u202b\\u202c\\u202d\\u202e\u202f" },
                { "\u2065\u2066\u2067\u2068\u2069\u206a", "\u2065\\u2066\\u2067\\u2068\\u2069\u206a" },
                /* not UTF-8: every high byte escaped, so C1 bytes too */
                { "bad\xff\xc2\x9b", "bad\\377\\302\\233" },
        };

        for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *escaped = steward_escape_text(cases[i].in);

                ck_assert_str_eq(escaped, cases[i].out);
                ck_assert_int_eq(steward_text_has_controls(cases[i].in),
                                 !g_str_equal(escaped, cases[i].in) && !strchr(cases[i].in, '\\') &&
                                         !strchr(cases[i].in, '"'));
        }
}
END_TEST

static GVariant *
parsed(const char *text)
{
        return g_variant_ref_sink(g_variant_new_parsed(text));
}

static void
assert_outcome(const char *text, const StewardctlStyle *style, const char *expected)
{
        g_autoptr(GVariant) outcome = parsed(text);
        g_autofree char *line = stewardctl_format_outcome("api", outcome, TRUE, style);

        ck_assert_str_eq(line, expected);
}

START_TEST(test_outcome)
{
        const char *queued = "{'decision': <'queued_after_stop'>, 'generation': <uint64 3>, "
                             "'attempt': <uint64 4>, 'target_generation': <uint64 4>, "
                             "'cancel_delivered': <true>, 'state': <'stopping'>, 'command_id': <'c-7'>}";

        assert_outcome(
                queued, &plain,
                "api: queued_after_stop (generation 3 -> 4, cancel delivered, state stopping, command c-7)");
        assert_outcome(
                queued, &fancy,
                "api: queued_after_stop (generation 3 → 4, cancel delivered, state stopping, command c-7)");
        assert_outcome("{'decision': <'already_pending'>, 'generation': <uint64 3>, "
                       "'target_generation': <uint64 4>, 'merged': <uint32 2>, 'idempotent': <true>}",
                       &plain, "api: already_pending (generation 3 -> 4, 2 merged, nothing changed)");
        assert_outcome("{'decision': <'started_immediately'>, 'generation': <uint64 1>, "
                       "'target_generation': <uint64 1>, 'cancel_delivered': <false>}",
                       &plain, "api: started_immediately (generation 1)");
        assert_outcome("{'decision': <'blocked_by_shutdown'>}", &plain, "api: blocked_by_shutdown");
        /* A command that brings nothing up says target_generation 0. */
        assert_outcome("{'decision': <'paused'>, 'generation': <uint64 2>, 'target_generation': <uint64 0>, "
                       "'cancel_delivered': <true>}",
                       &plain, "api: paused (generation 2, cancel delivered)");
        assert_outcome("@a{sv} {}", &plain, "api: done");
        {
                g_autoptr(GVariant) tree =
                        parsed("{'decision': <'shutdown_started'>, 'generation': <uint64 0>, "
                               "'state': <'stopping'>}");
                g_autofree char *line = stewardctl_format_outcome("tree", tree, FALSE, &plain);

                ck_assert_str_eq(line, "tree: shutdown_started (state stopping)");
        }
}
END_TEST

START_TEST(test_reload)
{
        g_autoptr(GVariant) some =
                parsed("{'added': <['a', 'b']>, 'removed': <@as []>, 'changed': <['c']>}");
        g_autoptr(GVariant) none = parsed("{'added': <@as []>, 'removed': <@as []>, 'changed': <@as []>}");
        g_autofree char *a = stewardctl_format_reload(some);
        g_autofree char *b = stewardctl_format_reload(none);

        ck_assert_str_eq(a, "added: a b\nchanged: c");
        ck_assert_str_eq(b, "no changes");
}
END_TEST

START_TEST(test_event)
{
        g_autoptr(GVariant) fields = parsed("{'reason': <'deploy now'>, 'attempt': <uint64 4>, "
                                            "'exit_status': <int32 1>, 'supervisor': <'web'>}");
        g_autoptr(GVariant) empty = parsed("@a{sv} {}");
        g_autofree char *line = stewardctl_format_event(42, "child_exited", "api", 3, fields);
        g_autofree char *bare = stewardctl_format_event(1, "manager_started", "", 0, empty);
        g_autofree char *json = stewardctl_event_to_json(42, "child_exited", "api", 3, fields);
        g_autofree char *json_bare = stewardctl_event_to_json(1, "manager_started", "", 0, NULL);

        ck_assert_str_eq(line, "42 child_exited child=api generation=3 attempt=4 exit_status=1 "
                               "reason=\"deploy now\" supervisor=web");
        ck_assert_str_eq(bare, "1 manager_started");
        ck_assert_str_eq(json,
                         "{\"sequence\":42,\"kind\":\"child_exited\",\"child\":\"api\",\"generation\":3,"
                         "\"fields\":{\"reason\":\"deploy now\",\"attempt\":4,\"exit_status\":1,"
                         "\"supervisor\":\"web\"}}");
        ck_assert_str_eq(json_bare, "{\"sequence\":1,\"kind\":\"manager_started\",\"child\":\"\","
                                    "\"generation\":0,\"fields\":{}}");
}
END_TEST

START_TEST(test_json)
{
        g_autoptr(GVariant) outcome = parsed("{'decision': <'already_running'>, 'idempotent': <true>, "
                                             "'generation': <uint64 2>, 'added': <['x']>}");
        g_autofree char *json = stewardctl_variant_to_json(outcome, FALSE);

        ck_assert_str_eq(json, "{\"decision\":\"already_running\",\"idempotent\":true,\"generation\":2,"
                               "\"added\":[\"x\"]}");
}
END_TEST

START_TEST(test_tables)
{
        const StewardctlRow children[] = {
                { "api", "web", "ready", 3, 4, "/org/steward/Supervisor1/child/api" },
                { "database", "root", "backoff", 0, 1, "/o/database" },
        };
        const StewardctlRow sups[] = {
                { "root", "", "running", 0, 0, "/o/root" },
                { "web", "root", "restarting", 0, 0, "/o/web" },
        };
        g_autofree char *table = stewardctl_format_child_table(children, G_N_ELEMENTS(children), TRUE);
        g_autofree char *bare = stewardctl_format_child_table(children, G_N_ELEMENTS(children), FALSE);
        g_autofree char *nothing = stewardctl_format_child_table(NULL, 0, FALSE);
        g_autofree char *header = stewardctl_format_child_table(NULL, 0, TRUE);
        g_autofree char *sup_table = stewardctl_format_supervisor_table(sups, G_N_ELEMENTS(sups), TRUE);

        ck_assert_str_eq(table, "NAME     SUPERVISOR STATE   GENERATION ATTEMPT\n"
                                "api      web        ready   3          4\n"
                                "database root       backoff 0          1");
        ck_assert_str_eq(bare, "api      web  ready   3 4\n"
                               "database root backoff 0 1");
        ck_assert_str_eq(nothing, "");
        ck_assert_str_eq(header, "NAME SUPERVISOR STATE GENERATION ATTEMPT");
        ck_assert_str_eq(sup_table, "NAME PARENT STATE\n"
                                    "root -      running\n"
                                    "web  root   restarting");
}
END_TEST

/* A tree of two supervisors: root holds db and web, web holds api and proxy. */
typedef struct {
        GPtrArray *supervisors, *children;
        GHashTable *uptimes;
        GVariant *manager;
} Tree;

static void
tree_init(Tree *t)
{
        guint64 up = 65 * G_USEC_PER_SEC;

        t->supervisors = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        t->children = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        t->uptimes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        t->manager = parsed("{'Version': <'0.1.0'>, 'Mode': <'user'>, 'Backend': <'scope'>, "
                            "'State': <'running'>, 'ChildCount': <uint32 3>, "
                            "'ConfigFiles': <['/etc/steward/steward.conf']>}");
        g_ptr_array_add(t->supervisors,
                        parsed("{'Name': <'root'>, 'Parent': <''>, 'Strategy': <'one-for-one'>, "
                               "'Escalation': <'shutdown'>, 'State': <'running'>, "
                               "'RestartCount': <uint32 0>}"));
        g_ptr_array_add(t->supervisors,
                        parsed("{'Name': <'web'>, 'Parent': <'root'>, 'Strategy': <'one-for-all'>, "
                               "'Escalation': <'parent'>, 'State': <'running'>, "
                               "'RestartCount': <uint32 1>}"));
        g_ptr_array_add(
                t->children,
                parsed("{'Name': <'api'>, 'Supervisor': <'web'>, 'Role': <'service'>, 'State': <'ready'>, "
                       "'Generation': <uint64 3>, 'Attempt': <uint64 4>, 'MainPID': <uint32 1234>, "
                       "'Unit': <'steward-api-3.scope'>, 'Ready': <true>, 'StatusText': <'serving'>, "
                       "'LastSpawnError': <''>, 'LastExitCode': <'killed'>, 'LastExitStatus': <int32 9>, "
                       "'LastExitCause': <'oom-kill'>, "
                       "'RestartCount': <uint32 2>, 'NextRestartUSec': <uint64 0>, "
                       "'FenceState': <'idle'>, 'Health': <'unhealthy'>}"));
        g_ptr_array_add(t->children,
                        parsed("{'Name': <'proxy'>, 'Supervisor': <'web'>, 'Role': <'sidecar'>, "
                               "'State': <'backoff'>, 'Generation': <uint64 1>, 'Attempt': <uint64 2>, "
                               "'MainPID': <uint32 0>, 'Unit': <''>, 'Ready': <false>, 'StatusText': <''>, "
                               "'LastSpawnError': <\"exec '/usr/bin/proxy': No such file or directory\">, "
                               "'LastExitCode': <'exited'>, 'LastExitStatus': <int32 1>, "
                               "'RestartCount': <uint32 1>, 'NextRestartUSec': <uint64 1001500000>, "
                               "'FenceState': <'idle'>}"));
        g_ptr_array_add(t->children,
                        parsed("{'Name': <'db'>, 'Supervisor': <'root'>, 'Role': <'service'>, "
                               "'State': <'stopping'>, 'Generation': <uint64 0>, 'Attempt': <uint64 1>, "
                               "'MainPID': <uint32 99>, 'Unit': <''>, 'Ready': <true>, 'StatusText': <''>, "
                               "'Health': <''>, 'LastExitCode': <''>, 'LastExitStatus': <int32 0>, "
                               "'RestartCount': <uint32 0>, 'NextRestartUSec': <uint64 0>, "
                               "'FenceState': <'stopping_old'>}"));
        g_hash_table_insert(t->uptimes, g_strdup("api"), g_memdup2(&up, sizeof(up)));
}

static void
tree_clear(Tree *t)
{
        g_ptr_array_unref(t->supervisors);
        g_ptr_array_unref(t->children);
        g_hash_table_unref(t->uptimes);
        g_variant_unref(t->manager);
}

START_TEST(test_status_tree)
{
        Tree t;
        g_autofree char *text = NULL;
        g_autofree char *colored = NULL;

        tree_init(&t);
        {
                StewardctlStatus status = { t.manager, t.supervisors, t.children, t.uptimes };

                text = stewardctl_format_status_tree(&status, &plain);
                colored = stewardctl_format_status_tree(&status, &fancy);
        }
        ck_assert_str_eq(text, "stewardd 0.1.0 (user mode, scope backend): running, 3 children\n"
                               "Config: /etc/steward/steward.conf\n"
                               "\n"
                               "* root [one-for-one, escalation shutdown]: running\n"
                               "|-* db (service): stopping\n"
                               "|     Generation: 0, attempt 1\n"
                               "|       Main PID: 99\n"
                               "|          Ready: yes\n"
                               "|       Restarts: 0\n"
                               "|          Fence: stopping_old\n"
                               "`-* web [one-for-all, escalation parent, 1 restart]: running\n"
                               "  |-* api (service): ready\n"
                               "  |     Generation: 3, attempt 4\n"
                               "  |       Main PID: 1234, up 1min 5s\n"
                               "  |           Unit: steward-api-3.scope\n"
                               "  |          Ready: yes\n"
                               "  |         Health: unhealthy\n"
                               "  |      Last exit: killed, signal=KILL, cause=oom-kill\n"
                               "  |         Status: \"serving\"\n"
                               "  |       Restarts: 2\n"
                               "  `-* proxy (sidecar): backoff\n"
                               "        Generation: 1, attempt 2\n"
                               "             Ready: no\n"
                               "         Last exit: exited, status=1\n"
                               "       Spawn error: exec '/usr/bin/proxy': No such file or directory\n"
                               "          Restarts: 1\n"
                               "      Next restart: in 1s 500ms");
        /* Color and box drawing only when asked for. */
        ck_assert_ptr_null(strchr(text, '\x1B'));
        ck_assert_ptr_nonnull(strstr(colored, "\x1B[0;1;32mready\x1B[0m"));
        ck_assert_ptr_nonnull(strstr(colored, "\x1B[0;1;33mbackoff\x1B[0m"));
        ck_assert_ptr_nonnull(strstr(colored, "└─\x1B[0;1;33m●\x1B[0m proxy"));
        tree_clear(&t);
}
END_TEST

/* The tree's memory column: right of the widest child's line, whatever its
 * depth or colors, for the children that have a figure and no other. */
START_TEST(test_status_memory_column)
{
        Tree t;
        g_autoptr(GHashTable) memory = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        guint64 api = 12 * 1024 * 1024, db = 512 * 1024;
        g_autofree char *text = NULL;
        g_autofree char *colored = NULL;
        g_autofree char *child = NULL;

        tree_init(&t);
        g_hash_table_insert(memory, g_strdup("api"), g_memdup2(&api, sizeof(api)));
        g_hash_table_insert(memory, g_strdup("db"), g_memdup2(&db, sizeof(db)));
        {
                StewardctlStatus status = { t.manager, t.supervisors, t.children, t.uptimes, memory };

                text = stewardctl_format_status_tree(&status, &plain);
                colored = stewardctl_format_status_tree(&status, &fancy);
        }
        /* proxy's line is the widest (30); it has no figure, so nothing
         * follows it. GLib puts a no-break space before the unit. */
        ck_assert_msg(strstr(text, "\n|-* db (service): stopping      512.0\xC2\xA0"
                                   "KiB\n|     Generation: 0"),
                      "%s", text);
        ck_assert_msg(strstr(text, "\n  |-* api (service): ready       12.0\xC2\xA0"
                                   "MiB\n"),
                      "%s", text);
        ck_assert_msg(strstr(text, "\n  `-* proxy (sidecar): backoff\n"), "%s", text);
        /* The supervisors' lines have no column. */
        ck_assert_msg(strstr(text, "\n`-* web [one-for-all, escalation parent, 1 restart]: running\n"), "%s",
                      text);
        ck_assert_msg(strstr(colored, " api (service): \x1B[0;1;32mready\x1B[0m       12.0\xC2\xA0"
                                      "MiB\n"),
                      "%s", colored);
        /* status NAME has its own Memory: line instead. */
        child = stewardctl_format_child(g_ptr_array_index(t.children, 0), NULL, &plain);
        ck_assert(g_str_has_prefix(child, "* api (service): ready\n"));
        tree_clear(&t);
}
END_TEST

START_TEST(test_status_subtree_and_child)
{
        Tree t;
        g_autoptr(GPtrArray) web = g_ptr_array_new();
        g_autofree char *sub = NULL;
        g_autofree char *child = NULL;

        tree_init(&t);
        g_ptr_array_add(web, g_ptr_array_index(t.supervisors, 1));
        {
                StewardctlStatus status = { NULL, web, t.children, NULL };

                sub = stewardctl_format_status_tree(&status, &plain);
        }
        child = stewardctl_format_child(g_ptr_array_index(t.children, 1), NULL, &plain);
        /* A supervisor whose parent is not shown is drawn at the margin. */
        ck_assert(g_str_has_prefix(sub, "* web [one-for-all, escalation parent, 1 restart]: running\n"
                                        "|-* api (service): ready\n"));
        ck_assert_ptr_null(strstr(sub, "db"));
        ck_assert_str_eq(child, "* proxy (sidecar): backoff\n"
                                "    Supervisor: web\n"
                                "    Generation: 1, attempt 2\n"
                                "         Ready: no\n"
                                "     Last exit: exited, status=1\n"
                                "   Spawn error: exec '/usr/bin/proxy': No such file or directory\n"
                                "      Restarts: 1\n"
                                "  Next restart: in 1s 500ms");
        tree_clear(&t);
}
END_TEST

START_TEST(test_status_budget)
{
        g_autoptr(GVariant) child = parsed(
                "{'Name': <'api'>, 'Supervisor': <'root'>, 'Role': <'service'>, 'State': <'running'>, "
                "'Generation': <uint64 2>, 'Attempt': <uint64 3>, 'MainPID': <uint32 0>, "
                "'Ready': <true>, 'RestartCount': <uint32 2>, 'RestartLimitBurst': <uint32 10>, "
                "'RestartLimitIntervalUSec': <uint64 60000000>, 'RestartsInWindow': <uint32 2>, "
                "'RestartsRemaining': <uint32 8>, 'RestartWindowExpiryUSec': <uint64 1045000000>}");
        g_autoptr(GVariant) quiet =
                parsed("{'Name': <'db'>, 'Supervisor': <'root'>, 'State': <'running'>, "
                       "'RestartLimitBurst': <uint32 10>, 'RestartsInWindow': <uint32 0>, "
                       "'RestartsRemaining': <uint32 10>}");
        g_autoptr(GPtrArray) sups = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        g_autofree char *text = stewardctl_format_child(child, NULL, &plain);
        g_autofree char *text_quiet = stewardctl_format_child(quiet, NULL, &plain);
        g_autofree char *tree = NULL;

        ck_assert_msg(strstr(text, "\n        Budget: 2 of 10 in 1min, 8 left, next frees in 45s"), "%s",
                      text);
        ck_assert_ptr_null(strstr(text_quiet, "Budget"));
        g_ptr_array_add(
                sups,
                parsed("{'Name': <'root'>, 'Parent': <''>, 'Strategy': <'one-for-one'>, "
                       "'State': <'running'>, 'RestartCount': <uint32 1>, "
                       "'RestartLimitBurst': <uint32 5>, 'RestartLimitIntervalUSec': <uint64 10000000>, "
                       "'RestartsInWindow': <uint32 1>, 'RestartsRemaining': <uint32 4>, "
                       "'RestartWindowExpiryUSec': <uint64 1002000000>}"));
        {
                StewardctlStatus status = { NULL, sups, none, NULL };

                tree = stewardctl_format_status_tree(&status, &plain);
        }
        ck_assert_str_eq(
                tree,
                "* root [one-for-one, 1 restart, budget 1 of 5 in 10s, 4 left, next frees in 2s]: running");
}
END_TEST

/* A journal entry of stewardd's reads back as the Event signal it was
 * sent as: the same names and types; anything else is no event. */
START_TEST(test_event_from_journal)
{
        const char *entry[] = { "MESSAGE=Child 'api' started",
                                "STEWARD_EVENT=child_started",
                                "STEWARD_SEQUENCE=42",
                                "STEWARD_CHILD=api",
                                "STEWARD_GENERATION=3",
                                "STEWARD_ATTEMPT=4",
                                "STEWARD_MAIN_PID=1234",
                                "STEWARD_EXIT_STATUS=-9",
                                "STEWARD_COMMAND_ID=cmd-7",
                                "STEWARD_BACKEND=scope",
                                "STEWARD_INVOCATION_ID=0123456789abcdef0123456789abcdef",
                                "STEWARD_UNIT=steward-api-3.scope" };
        const char *not_event[] = { "MESSAGE=Dropped 1 notify message(s)", "SYSLOG_IDENTIFIER=stewardd" };
        gsize lengths[G_N_ELEMENTS(entry)];
        g_auto(StewardctlEvent) ev = { 0 };
        g_auto(StewardctlEvent) none = { 0 };
        g_autofree char *printed = NULL;

        for (guint i = 0; i < G_N_ELEMENTS(entry); i++)
                lengths[i] = strlen(entry[i]);
        ck_assert(stewardctl_event_from_journal(entry, lengths, G_N_ELEMENTS(entry), &ev));
        ck_assert_uint_eq(ev.sequence, 42);
        ck_assert_str_eq(ev.kind, "child_started");
        ck_assert_str_eq(ev.child, "api");
        ck_assert_uint_eq(ev.generation, 3);
        ck_assert_str_eq(ev.invocation, "0123456789abcdef0123456789abcdef");
        printed = g_variant_print(ev.fields, TRUE);
        ck_assert_str_eq(printed, "{'attempt': <uint64 4>, 'main_pid': <uint32 1234>, 'exit_status': <-9>, "
                                  "'command_id': <'cmd-7'>, 'unit': <'steward-api-3.scope'>}");

        for (guint i = 0; i < G_N_ELEMENTS(not_event); i++)
                lengths[i] = strlen(not_event[i]);
        ck_assert(!stewardctl_event_from_journal(not_event, lengths, G_N_ELEMENTS(not_event), &none));
        ck_assert_ptr_null(none.kind);
}
END_TEST

START_TEST(test_parse_timestamp)
{
        /* 2026-12-05 12:00:00 UTC */
        const gint64 now = G_GINT64_CONSTANT(1796472000) * G_USEC_PER_SEC;
        g_autoptr(GDateTime) local = NULL;
        guint64 t;

        ck_assert(stewardctl_parse_timestamp("now", now, &t));
        ck_assert_uint_eq(t, (guint64) now);
        ck_assert(stewardctl_parse_timestamp("-5min", now, &t));
        ck_assert_uint_eq(t, (guint64) now - G_GUINT64_CONSTANT(300) * G_USEC_PER_SEC);
        ck_assert(stewardctl_parse_timestamp("@1000", now, &t));
        ck_assert_uint_eq(t, G_GUINT64_CONSTANT(1000) * G_USEC_PER_SEC);
        ck_assert(stewardctl_parse_timestamp("2026-12-05 10:30", now, &t));
        local = g_date_time_new_local(2026, 12, 5, 10, 30, 0);
        ck_assert_uint_eq(t, (guint64) g_date_time_to_unix(local) * G_USEC_PER_SEC);
        ck_assert(stewardctl_parse_timestamp("2026-12-05", now, &t));
        ck_assert(stewardctl_parse_timestamp("today", now, &t));
        ck_assert_uint_le(t, (guint64) now);
        ck_assert(stewardctl_parse_timestamp("yesterday", now, &t));
        ck_assert_uint_lt(t, (guint64) now - G_GUINT64_CONSTANT(12) * 3600 * G_USEC_PER_SEC);
        ck_assert(!stewardctl_parse_timestamp("someday", now, &t));
        ck_assert(!stewardctl_parse_timestamp("2026-13-40", now, &t));
        ck_assert(!stewardctl_parse_timestamp("2026-12-05 10:30:00x", now, &t));
        ck_assert(!stewardctl_parse_timestamp("-", now, &t));
}
END_TEST

/* stewardctl metrics: label values escaped, a state set with one series per
 * state (and one for a state it does not know), µs as exact seconds, and a
 * family left out when the daemon does not serve its property. */
START_TEST(test_metrics_render)
{
        g_autoptr(GVariant) manager = g_variant_ref_sink(g_variant_new_parsed(
                "{'Version': <'1.2'>, 'Mode': <'system'>, 'Backend': <'scope'>, 'State': <'running'>, "
                "'ChildCount': <uint32 1>, 'EventsTotal': <uint64 42>}"));
        g_autoptr(GPtrArray) sups = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        g_autoptr(GPtrArray) kids = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        g_autofree char *text = NULL;
        g_autofree char *escaped = stewardctl_metrics_escape_label("a\\b\"c\nd");

        ck_assert_str_eq(escaped, "a\\\\b\\\"c\\nd");
        g_ptr_array_add(sups,
                        g_variant_ref_sink(g_variant_new_parsed(
                                "{'Name': <'root'>, 'State': <'running'>, 'RestartCount': <uint32 2>}")));
        g_ptr_array_add(kids,
                        g_variant_ref_sink(g_variant_new_parsed(
                                "{'Name': <'web'>, 'Supervisor': <'root'>, 'State': <'levitating'>, "
                                "'Generation': <uint64 7>, 'Ready': <true>, 'RestartCount': <uint32 3>, "
                                "'FenceWaits': <uint64 2>, 'FenceWaitUSec': <uint64 1500042>, "
                                "'LastExitCode': <'killed'>, 'LastExitStatus': <int32 15>}")));
        text = stewardctl_metrics_render(manager, sups, kids);

        ck_assert_ptr_nonnull(strstr(text, "# HELP steward_build_info "));
        ck_assert_ptr_nonnull(
                strstr(text, "\nsteward_build_info{version=\"1.2\",mode=\"system\",backend=\"scope\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsteward_tree_state{state=\"running\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsteward_tree_state{state=\"stopped\"} 0\n"));
        ck_assert_ptr_nonnull(
                strstr(text, "# TYPE steward_events_total counter\nsteward_events_total 42\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsteward_children 1\n"));
        /* Not served (an older stewardd): no family, not a zero. */
        ck_assert_ptr_null(strstr(text, "steward_bus_calls_denied_total"));
        ck_assert_ptr_null(strstr(text, "steward_child_restart_budget_remaining"));
        ck_assert_ptr_nonnull(strstr(text, "\nsteward_supervisor_restarts_total{supervisor=\"root\"} 2\n"));
        ck_assert_ptr_nonnull(
                strstr(text, "\nsteward_supervisor_state{supervisor=\"root\",state=\"running\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(
                text, "\nsteward_child_state{child=\"web\",supervisor=\"root\",state=\"running\"} 0\n"));
        ck_assert_ptr_nonnull(strstr(
                text, "\nsteward_child_state{child=\"web\",supervisor=\"root\",state=\"levitating\"} 1\n"));
        ck_assert_ptr_nonnull(
                strstr(text, "\nsteward_child_generation{child=\"web\",supervisor=\"root\"} 7\n"));
        ck_assert_ptr_nonnull(strstr(text, "\nsteward_child_ready{child=\"web\",supervisor=\"root\"} 1\n"));
        ck_assert_ptr_nonnull(strstr(text,
                                     "# TYPE steward_child_restarts_total counter\n"
                                     "steward_child_restarts_total{child=\"web\",supervisor=\"root\"} 3\n"));
        ck_assert_ptr_nonnull(
                strstr(text, "\nsteward_child_fence_waits_total{child=\"web\",supervisor=\"root\"} 2\n"));
        ck_assert_ptr_nonnull(strstr(
                text,
                "\nsteward_child_fence_wait_seconds_total{child=\"web\",supervisor=\"root\"} 1.500042\n"));
        ck_assert_ptr_nonnull(strstr(
                text,
                "\nsteward_child_last_exit_status{child=\"web\",supervisor=\"root\",code=\"killed\"} 15\n"));
        /* Every family's HELP and TYPE once, before its samples. */
        ck_assert_ptr_eq(strstr(text, "# TYPE steward_child_state "),
                         g_strrstr(text, "# TYPE steward_child_state "));
        ck_assert(g_str_has_suffix(text, "\n"));
}
END_TEST

/* An empty tree still names the daemon; no family without samples. */
START_TEST(test_metrics_render_empty)
{
        g_autoptr(GVariant) manager = g_variant_ref_sink(g_variant_new_parsed("@a{sv} {}"));
        g_autoptr(GPtrArray) none = g_ptr_array_new();
        g_autofree char *text = stewardctl_metrics_render(manager, none, none);

        ck_assert_ptr_nonnull(strstr(text, "steward_build_info{version=\"\",mode=\"\",backend=\"\"} 1\n"));
        ck_assert_ptr_null(strstr(text, "steward_child_"));
        ck_assert_ptr_null(strstr(text, "steward_supervisor_"));
}
END_TEST

/* Where stewardctl looks for stewardd's private socket, and when it does
 * not: STEWARDCTL_FORCE_BUS true, or no absolute XDG_RUNTIME_DIR. */
/* One Event signal's fields: its command id, or none for NULL. */
static GVariant *
event_fields(const char *command_id)
{
        GVariantDict d;

        g_variant_dict_init(&d, NULL);
        if (command_id)
                g_variant_dict_insert(&d, "command_id", "s", command_id);
        return g_variant_ref_sink(g_variant_dict_end(&d));
}

static StewardctlWaitStep
wait_event(StewardctlWait *w, const char *kind, const char *child, guint64 generation,
           const char *command_id)
{
        g_autoptr(GVariant) fields = event_fields(command_id);

        return stewardctl_wait_event(w, kind, child, generation, fields);
}

static void
wait_init(StewardctlWait *w, const char *outcome)
{
        g_autoptr(GVariant) v = parsed(outcome);

        stewardctl_wait_init(w, "api", v);
}

/* What an answer asks the caller to wait for. */
START_TEST(test_wait_kind)
{
        static const struct {
                const char *outcome;
                StewardctlWaitKind kind;
        } cases[] = {
                { "{'decision': <'queued_after_stop'>, 'target_generation': <uint64 4>, 'state': "
                  "<'stopping'>, "
                  "'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_UP },
                { "{'decision': <'started_immediately'>, 'target_generation': <uint64 1>, 'state': "
                  "<'starting'>, "
                  "'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_UP },
                { "{'decision': <'already_pending'>, 'target_generation': <uint64 4>, 'command_id': "
                  "<'c-1'>}",
                  STEWARDCTL_WAIT_UP },
                { "{'decision': <'resumed'>, 'target_generation': <uint64 2>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_UP },
                /* A child's first start brings up generation 0. */
                { "{'decision': <'started_immediately'>, 'target_generation': <uint64 0>, "
                  "'state': <'starting'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_UP },
                { "{'decision': <'resumed'>, 'target_generation': <uint64 0>, 'state': <'starting'>, "
                  "'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_UP },
                /* Resumed under a supervisor that starts it itself, later. */
                { "{'decision': <'resumed'>, 'target_generation': <uint64 0>, 'state': <'stopped'>, "
                  "'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                /* A stopped child queued behind its supervisor's restart. */
                { "{'decision': <'already_pending'>, 'target_generation': <uint64 0>, 'command_id': "
                  "<'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                { "{'decision': <'already_running'>, 'target_generation': <uint64 0>, 'state': <'running'>, "
                  "'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                { "{'decision': <'waiting_for_primary'>, 'command_id': <'c-1'>}", STEWARDCTL_WAIT_NONE },
                { "{'decision': <'blocked_by_quarantine'>, 'command_id': <'c-1'>}", STEWARDCTL_WAIT_NONE },
                { "{'decision': <'stop_delivered'>, 'state': <'stopping'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_DOWN },
                { "{'decision': <'paused'>, 'state': <'stopping'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_DOWN },
                { "{'decision': <'quarantined'>, 'state': <'stopping'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_DOWN },
                /* Nothing was running: it is down already. */
                { "{'decision': <'paused'>, 'state': <'paused'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                { "{'decision': <'stopped_immediately'>, 'state': <'stopped'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                /* A Type=notify child's reload under way; a Type=simple
                 * one's is done before the answer. */
                { "{'decision': <'reload_requested'>, 'state': <'reloading'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_RELOAD },
                { "{'decision': <'already_reloading'>, 'state': <'reloading'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_RELOAD },
                { "{'decision': <'reload_requested'>, 'state': <'running'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                { "{'decision': <'not_running'>, 'state': <'stopped'>, 'command_id': <'c-1'>}",
                  STEWARDCTL_WAIT_NONE },
                /* Without a command id nothing can be told apart from older events. */
                { "{'decision': <'queued_after_stop'>, 'target_generation': <uint64 4>}",
                  STEWARDCTL_WAIT_NONE },
                { "@a{sv} {}", STEWARDCTL_WAIT_NONE },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                StewardctlWait w;

                wait_init(&w, cases[i].outcome);
                ck_assert_msg(w.kind == cases[i].kind, "%s: %d", cases[i].outcome, w.kind);
                if (w.kind == STEWARDCTL_WAIT_NONE)
                        ck_assert_int_eq(wait_event(&w, "child_started", "api", 9, "c-1"),
                                         STEWARDCTL_WAIT_DONE);
                stewardctl_wait_clear(&w);
        }
}
END_TEST

/* A restart: the old generation's end, then the target's start. */
START_TEST(test_wait_up)
{
        StewardctlWait w;

        wait_init(&w, "{'decision': <'queued_after_stop'>, 'target_generation': <uint64 4>, "
                      "'state': <'stopping'>, 'command_id': <'c-1'>}");
        /* Older than the command: emitted between the subscription and the
         * call, they say nothing of it. */
        ck_assert_int_eq(wait_event(&w, "child_stopped", "api", 3, "c-0"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_started", "api", 4, NULL), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "tree_shutdown_started", "", 0, "c-0"), STEWARDCTL_WAIT_PENDING);
        ck_assert(!w.since_command);
        ck_assert_int_eq(wait_event(&w, "child_restart_fence_entered", "api", 3, "c-1"),
                         STEWARDCTL_WAIT_PENDING);
        ck_assert(w.since_command);
        ck_assert_int_eq(wait_event(&w, "child_exited", "api", 3, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_control_stop_completed", "api", 3, "c-1"),
                         STEWARDCTL_WAIT_PENDING);
        /* Another child's events are none of its business. */
        ck_assert_int_eq(wait_event(&w, "child_exited", "db", 4, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_stopped", "db", 4, NULL), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_starting", "api", 4, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_started", "api", 4, "c-1"), STEWARDCTL_WAIT_ASK_READY);
        /* Not up yet (Type=notify): READY=1 ends it. */
        ck_assert_int_eq(wait_event(&w, "child_restart_fence_released", "api", 4, "c-1"),
                         STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_ready", "api", 4, "c-1"), STEWARDCTL_WAIT_DONE);
        stewardctl_wait_clear(&w);
        ck_assert(!w.child && !w.command_id);

        /* Merged into a pending restart: the new generation's events carry
         * the first command's id, which this one never learns. */
        wait_init(&w, "{'decision': <'already_pending'>, 'target_generation': <uint64 4>, "
                      "'command_id': <'c-2'>}");
        ck_assert_int_eq(wait_event(&w, "child_restart_conflict", "api", 3, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "command_completed", "api", 3, "c-2"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_started", "api", 4, "c-1"), STEWARDCTL_WAIT_ASK_READY);
        /* A later generation is past the target too. */
        ck_assert_int_eq(wait_event(&w, "child_ready", "api", 5, NULL), STEWARDCTL_WAIT_DONE);
        stewardctl_wait_clear(&w);
}
END_TEST

/* After the command's own @first event (of "api" at @first_generation,
 * id c-1), the event @kind of @child, @generation and @id steps the wait
 * for @outcome to @step. */
static void
assert_step_after(const char *outcome, const char *first, guint64 first_generation, const char *kind,
                  const char *child, guint64 generation, const char *id, StewardctlWaitStep step)
{
        StewardctlWait w;

        wait_init(&w, outcome);
        ck_assert_int_eq(wait_event(&w, first, "api", first_generation, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_msg(wait_event(&w, kind, child, generation, id) == step,
                      "%s of %s, generation %" G_GUINT64_FORMAT, kind, child, generation);
        stewardctl_wait_clear(&w);
}

/* What ends a start that did not come up. */
START_TEST(test_wait_up_failed)
{
        static const char *const ends[] = { "child_spawn_failed", "child_exited", "child_start_timeout" };
        static const char *const put_down[] = { "child_stopped", "child_paused", "child_quarantined",
                                                "child_removed" };
        const char *outcome = "{'decision': <'started_immediately'>, 'target_generation': <uint64 2>, "
                              "'state': <'starting'>, 'command_id': <'c-1'>}";

        for (gsize i = 0; i < G_N_ELEMENTS(ends); i++) {
                /* The end of an older generation is not the target's. */
                assert_step_after(outcome, "child_starting", 2, ends[i], "api", 1, "c-1",
                                  STEWARDCTL_WAIT_PENDING);
                assert_step_after(outcome, "child_starting", 2, ends[i], "api", 2, "c-1",
                                  STEWARDCTL_WAIT_FAILED);
        }
        /* Another command took it down before it came up: whatever the
         * generation, and whoever's id. */
        for (gsize i = 0; i < G_N_ELEMENTS(put_down); i++)
                assert_step_after(outcome, "child_starting", 2, put_down[i], "api", 1, "c-9",
                                  STEWARDCTL_WAIT_FAILED);
        assert_step_after(outcome, "child_starting", 2, "tree_shutdown_started", "", 0, "c-9",
                          STEWARDCTL_WAIT_FAILED);
}
END_TEST

/* A stop: done once the last incarnation is gone, not when it exits. */
START_TEST(test_wait_down)
{
        static const char *const gone[] = { "child_control_stop_completed", "child_stopped", "child_paused",
                                            "child_quarantined" };
        StewardctlWait w;

        for (gsize i = 0; i < G_N_ELEMENTS(gone); i++) {
                wait_init(&w,
                          "{'decision': <'stop_delivered'>, 'state': <'stopping'>, 'command_id': <'c-1'>}");
                ck_assert_int_eq(wait_event(&w, gone[i], "api", 3, "c-0"), STEWARDCTL_WAIT_PENDING);
                ck_assert_int_eq(wait_event(&w, "child_control_cancel_delivered", "api", 3, "c-1"),
                                 STEWARDCTL_WAIT_PENDING);
                ck_assert_int_eq(wait_event(&w, "child_exited", "api", 3, "c-1"), STEWARDCTL_WAIT_PENDING);
                ck_assert_int_eq(wait_event(&w, gone[i], "db", 3, "c-1"), STEWARDCTL_WAIT_PENDING);
                /* A shutdown or a removal stops it as well: its end still
                 * ends the wait. */
                ck_assert_int_eq(wait_event(&w, "tree_shutdown_started", "", 0, "c-2"),
                                 STEWARDCTL_WAIT_PENDING);
                ck_assert_int_eq(wait_event(&w, "child_removed", "api", 3, "c-3"), STEWARDCTL_WAIT_PENDING);
                ck_assert_int_eq(wait_event(&w, gone[i], "api", 3, NULL), STEWARDCTL_WAIT_DONE);
                stewardctl_wait_clear(&w);
        }

        /* RemoveChild: child_removed first, under its id, then the stop of
         * the last incarnation, whose end is the retired child's
         * child_stopped. */
        stewardctl_wait_init_gone(&w, "api", "c-4");
        ck_assert(w.kind == STEWARDCTL_WAIT_DOWN);
        ck_assert_int_eq(wait_event(&w, "child_stopped", "api", 3, "c-0"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_removed", "api", 3, "c-4"), STEWARDCTL_WAIT_PENDING);
        ck_assert(w.since_command);
        ck_assert_int_eq(wait_event(&w, "child_exited", "api", 3, "c-4"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_stopped", "api", 3, "c-4"), STEWARDCTL_WAIT_DONE);
        stewardctl_wait_clear(&w);
        stewardctl_wait_init_gone(&w, "api", "");
        ck_assert(w.kind == STEWARDCTL_WAIT_NONE);
}
END_TEST

/* A reload: READY=1 after RELOADING=1 ends it; child_reload_failed (a
 * timeout, an exit, a stop) fails it. */
START_TEST(test_wait_reload)
{
        const char *outcome =
                "{'decision': <'reload_requested'>, 'state': <'reloading'>, 'command_id': <'c-1'>}";
        StewardctlWait w;

        wait_init(&w, outcome);
        ck_assert_int_eq(wait_event(&w, "child_reloaded", "api", 3, "c-0"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_reloading", "api", 3, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_reloaded", "db", 3, "c-1"), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_status", "api", 3, NULL), STEWARDCTL_WAIT_PENDING);
        ck_assert_int_eq(wait_event(&w, "child_reloaded", "api", 3, "c-1"), STEWARDCTL_WAIT_DONE);
        stewardctl_wait_clear(&w);
        assert_step_after(outcome, "child_reloading", 3, "child_reload_failed", "api", 3, "c-1",
                          STEWARDCTL_WAIT_FAILED);
}
END_TEST

/* An a{sv} as sd-bus reads it, into the GVariant that stewardctl's
 * formatting takes: the basic types, containers left out. */
START_TEST(test_sd_bus_vardict)
{
        __attribute__((cleanup(sd_bus_unrefp))) sd_bus *bus = NULL;
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *m = NULL;
        g_autoptr(GVariant) dict = NULL;
        g_autofree char *text = NULL;
        int fds[2];

        /* A bus object that is never spoken on: messages are built and
         * read in place. */
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
        ck_assert_int_ge(sd_bus_new(&bus), 0);
        ck_assert_int_ge(sd_bus_set_fd(bus, fds[0], fds[0]), 0);
        ck_assert_int_ge(sd_bus_start(bus), 0);
        ck_assert_int_ge(sd_bus_message_new_signal(bus, &m, "/o", "o.i", "S"), 0);
        ck_assert_int_ge(sd_bus_message_append(m, "a{sv}", 8, "decision", "s", "queued_after_stop",
                                               "generation", "t", (uint64_t) 3, "cancel_delivered", "b", 1,
                                               "merged", "u", (uint32_t) 2, "exit_status", "i", (int32_t) -9,
                                               "path", "o", "/org/x", "list", "as", 2, "a", "b", "ratio",
                                               "d", 0.5),
                         0);
        ck_assert_int_ge(sd_bus_message_seal(m, 1, 0), 0);
        ck_assert_int_ge(sd_bus_message_rewind(m, 1), 0);
        ck_assert_int_eq(stewardctl_sd_bus_read_vardict(m, &dict), 1);
        g_variant_ref_sink(dict);
        text = g_variant_print(dict, TRUE);
        ck_assert_str_eq(text, "{'decision': <'queued_after_stop'>, 'generation': <uint64 3>, "
                               "'cancel_delivered': <true>, 'merged': <uint32 2>, 'exit_status': <-9>, "
                               "'path': <objectpath '/org/x'>, 'ratio': <0.5>}");
        /* Read to its end: nothing of the message is left. */
        ck_assert_int_gt(sd_bus_message_at_end(m, TRUE), 0);
        (void) close(fds[1]);
}
END_TEST

START_TEST(test_private_socket)
{
        static const struct {
                const char *force, *runtime_dir;
                const char *system, *user;
        } cases[] = {
                { NULL, "/run/user/1000", "/run/steward/private", "/run/user/1000/steward/private" },
                { "0", "/run/user/1000", "/run/steward/private", "/run/user/1000/steward/private" },
                { "no", "/run/user/1000", "/run/steward/private", "/run/user/1000/steward/private" },
                /* Not a boolean: as if unset, as systemctl's getenv_bool(). */
                { "bogus", "/run/user/1000", "/run/steward/private", "/run/user/1000/steward/private" },
                { "1", "/run/user/1000", NULL, NULL },
                { "yes", "/run/user/1000", NULL, NULL },
                { "TRUE", "/run/user/1000", NULL, NULL },
                { NULL, NULL, "/run/steward/private", NULL },
                { NULL, "run/user/1000", "/run/steward/private", NULL },
        };

        for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *system = NULL;
                g_autofree char *user = NULL;

                if (cases[i].force)
                        g_setenv("STEWARDCTL_FORCE_BUS", cases[i].force, TRUE);
                else
                        g_unsetenv("STEWARDCTL_FORCE_BUS");
                if (cases[i].runtime_dir)
                        g_setenv("XDG_RUNTIME_DIR", cases[i].runtime_dir, TRUE);
                else
                        g_unsetenv("XDG_RUNTIME_DIR");
                system = stewardctl_private_socket(TRUE);
                user = stewardctl_private_socket(FALSE);
                ck_assert_msg(g_strcmp0(system, cases[i].system) == 0, "case %zu: system '%s'", i, system);
                ck_assert_msg(g_strcmp0(user, cases[i].user) == 0, "case %zu: user '%s'", i, user);
        }
        g_unsetenv("STEWARDCTL_FORCE_BUS");
}
END_TEST

/* A path as a D-Bus address: what the address syntax reserves is escaped. */
START_TEST(test_private_address)
{
        g_autofree char *usual = stewardctl_private_address("/run/user/1000/steward/private");
        g_autofree char *odd = stewardctl_private_address("/tmp/a b,c;d=e/steward/private");
        g_autoptr(GError) error = NULL;

        ck_assert_str_eq(usual, "unix:path=/run/user/1000/steward/private");
        ck_assert_msg(g_dbus_is_address(odd), "%s", odd);
        ck_assert_msg(!strchr(odd, ' ') && !strchr(odd, ',') && !strchr(odd, ';'), "%s", odd);
        ck_assert(g_dbus_is_supported_address(odd, &error));
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("stewardctl");
        TCase *tc = tcase_create("format");

        tcase_add_test(tc, test_exit_codes);
        tcase_add_test(tc, test_error_message);
        tcase_add_test(tc, test_state_color);
        tcase_add_test(tc, test_timespan);
        tcase_add_test(tc, test_exit);
        tcase_add_test(tc, test_value);
        tcase_add_test(tc, test_escape_text);
        tcase_add_test(tc, test_outcome);
        tcase_add_test(tc, test_wait_kind);
        tcase_add_test(tc, test_wait_up);
        tcase_add_test(tc, test_wait_up_failed);
        tcase_add_test(tc, test_wait_down);
        tcase_add_test(tc, test_wait_reload);
        tcase_add_test(tc, test_sd_bus_vardict);
        tcase_add_test(tc, test_reload);
        tcase_add_test(tc, test_event);
        tcase_add_test(tc, test_json);
        tcase_add_test(tc, test_tables);
        tcase_add_test(tc, test_status_tree);
        tcase_add_test(tc, test_status_subtree_and_child);
        tcase_add_test(tc, test_status_memory_column);
        tcase_add_test(tc, test_status_budget);
        tcase_add_test(tc, test_event_from_journal);
        tcase_add_test(tc, test_parse_timestamp);
        tcase_add_test(tc, test_metrics_render);
        tcase_add_test(tc, test_metrics_render_empty);
        tcase_add_test(tc, test_private_socket);
        tcase_add_test(tc, test_private_address);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-journal.c: stewardd events in the journal: fields, order, bus match, catalog, German, console. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"
#include "steward-journal-fields.h"

#define BUS_NAME "org.steward.Supervisor1"
#define OBJECT_PATH "/org/steward/Supervisor1"
#define MANAGER_IFACE "org.steward.Supervisor1.Manager"

/* One long-running child that ends at once on SIGTERM. */
static const char config_api[] = "[Child api]\n"
                                 "ExecStart=/bin/sh -c 'exec sleep infinity'\n";

/* ---- the journal side ---------------------------------------------------- */

/* The entries of the daemon pid matching match (journalctl arguments), in
 * journal order, as parsed -o json objects. Synced first, so whatever the
 * daemon sent before is there. */
static GPtrArray *
journal_entries(GPid pid, const char *const *match)
{
        const char *const sync[] = { "journalctl", "--sync", NULL };
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify) json_object_unref);
        g_autofree char *out = NULL;
        g_auto(GStrv) lines = NULL;

        ck_assert_int_eq(itest_run(sync, NULL), 0);
        g_ptr_array_add(argv, g_strdup("journalctl"));
        g_ptr_array_add(argv, g_strdup("--no-pager"));
        g_ptr_array_add(argv, g_strdup("--output=json"));
        g_ptr_array_add(argv, g_strdup_printf("_PID=%d", (int) pid));
        for (const char *const *m = match; m && *m; m++)
                g_ptr_array_add(argv, g_strdup(*m));
        g_ptr_array_add(argv, NULL);
        ck_assert_int_eq(itest_run((const char *const *) argv->pdata, &out), 0);

        lines = g_strsplit(out, "\n", -1);
        for (char **l = lines; *l; l++) {
                g_autoptr(JsonParser) parser = json_parser_new();
                g_autoptr(GError) error = NULL;

                if (!**l)
                        continue;
                ck_assert_msg(json_parser_load_from_data(parser, *l, -1, &error), "%s: %s", error->message,
                              *l);
                g_ptr_array_add(entries,
                                json_object_ref(json_node_get_object(json_parser_get_root(parser))));
        }
        return g_steal_pointer(&entries);
}

/* A field of an entry as a string; NULL when absent (or not a string,
 * which journalctl only makes of binary or repeated fields). */
static const char *
field(JsonObject *entry, const char *name)
{
        JsonNode *n = json_object_get_member(entry, name);

        return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_string(n) : NULL;
}

static guint64
field_u64(JsonObject *entry, const char *name)
{
        const char *v = field(entry, name);
        guint64 n = 0;

        ck_assert_msg(v && g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &n, NULL), "%s='%s'", name,
                      v ? v : "(none)");
        return n;
}

/* ---- driving the daemon the way a user does --------------------------------- */

/* Runs argv with its stdout in a file, so its pid is known (the actor the
 * daemon records); returns stdout. busctl bounds itself with --timeout. */
static char *
run_keep_pid(const char *const *argv, GPid *pid)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *path = NULL;
        g_autofree char *out = NULL;
        int fd, status;

        fd = g_file_open_tmp("steward-journal-XXXXXX", &path, &error);
        ck_assert_msg(fd >= 0, "%s", error ? error->message : "");
        ck_assert_msg(g_spawn_async_with_pipes_and_fds(
                              NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                              -1, fd, -1, NULL, NULL, 0, pid, NULL, NULL, NULL, &error),
                      "%s: %s", argv[0], error ? error->message : "");
        close(fd);
        ck_assert_int_eq(waitpid(*pid, &status, 0), *pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed (status %d)", argv[0],
                      status);
        ck_assert(g_file_get_contents(path, &out, NULL, NULL));
        (void) unlink(path);
        return g_steal_pointer(&out);
}

/* busctl's --json=short answer of an a{sv} method: the string or number
 * behind key. */
static char *
outcome_value(const char *json, const char *key)
{
        g_autoptr(JsonParser) parser = json_parser_new();
        JsonObject *dict, *value;
        JsonNode *data;

        ck_assert_msg(json_parser_load_from_data(parser, json, -1, NULL), "busctl said '%s'", json);
        /* {"type":"a{sv}","data":[{"key":{"type":"s","data":...},...}]} */
        dict = json_array_get_object_element(
                json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)), "data"), 0);
        ck_assert_msg(json_object_has_member(dict, key), "no '%s' in '%s'", key, json);
        value = json_object_get_object_member(dict, key);
        data = json_object_get_member(value, "data");
        if (json_node_get_value_type(data) == G_TYPE_STRING)
                return g_strdup(json_node_get_string(data));
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(data));
}

typedef struct {
        GPid actor; /* busctl's pid */
        char *command_id;
        char *decision;
        char *target_generation;
} Restart;

static void
restart_clear(Restart *r)
{
        g_free(r->command_id);
        g_free(r->decision);
        g_free(r->target_generation);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Restart, restart_clear)

/* RestartChild through busctl, as an administrator would. */
static void
busctl_restart(const char *child, const char *reason, Restart *r)
{
        const char *const argv[] = {
                "busctl",      "--user",       "--json=short", "--timeout=30", "call", BUS_NAME, OBJECT_PATH,
                MANAGER_IFACE, "RestartChild", "ss",           child,          reason, NULL
        };
        g_autofree char *out = run_keep_pid(argv, &r->actor);

        r->command_id = outcome_value(out, "command_id");
        r->decision = outcome_value(out, "decision");
        r->target_generation = outcome_value(out, "target_generation");
}

/* Starts the daemon on config and waits until child api runs. */
static ItestDaemon *
daemon_with_api(const char *const *extra_args)
{
        ItestDaemon *d = itest_daemon_start(config_api, extra_args);

        ck_assert_msg(itest_child_wait_property(d, "api", "State", g_variant_new_string("running"),
                                                ITEST_TIMEOUT_SEC),
                      "api never ran");
        return d;
}

/* The kinds of a commanded restart of a running child, in the order docs/ARCHITECTURE.md ("The restart
 * fence") gives. */
static const char *const restart_kinds[] = {
        "child_restart_fence_entered",
        "child_control_cancel_delivered",
        "child_control_stop_completed",
        "child_starting",
        "child_started",
        /* Once the new incarnation exists, not before its spawn. */
        "child_restart_fence_released",
};

static gboolean
event_is(GVariant *ev, const char *kind, const char *child, guint64 generation)
{
        const char *k, *c;
        guint64 g;

        g_variant_get(ev, "(t&s&st@a{sv})", NULL, &k, &c, &g, NULL);
        return g_str_equal(k, kind) && g_str_equal(c, child) && g == generation;
}

/* ---- tests ------------------------------------------------------------------ */

/* (a) the fence entry of a busctl restart carries the right generation,
 * the command id the method answered with, and busctl as the actor. */
START_TEST(test_restart_entry_fields)
{
        g_autoptr(ItestDaemon) d = daemon_with_api(NULL);
        g_autoptr(GPtrArray) entries = NULL;
        g_auto(Restart) r = { 0 };
        g_autofree char *uid = g_strdup_printf("%u", (unsigned) getuid());
        g_autofree char *actor = NULL;
        const char *const match[] = { STEWARD_FIELD_EVENT "=child_restart_fence_entered",
                                      STEWARD_FIELD_CHILD "=api", NULL };
        JsonObject *e;

        busctl_restart("api", "deploy", &r);
        ck_assert_str_eq(r.decision, "queued_after_stop");
        ck_assert_msg(itest_events_wait_generation(d->events, "child_started", "api", 1, ITEST_TIMEOUT_SEC),
                      "generation 1 never started");

        entries = journal_entries(d->pid, match);
        ck_assert_uint_eq(entries->len, 1);
        e = g_ptr_array_index(entries, 0);
        ck_assert_str_eq(field(e, "SYSLOG_IDENTIFIER"), "stewardd");
        ck_assert_str_eq(field(e, "MESSAGE_ID"),
                         steward_event_kind_message_id(STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED));
        ck_assert_str_eq(field(e, "PRIORITY"), "6");
        ck_assert_str_eq(field(e, STEWARD_FIELD_GENERATION), "0");
        ck_assert_str_eq(field(e, STEWARD_FIELD_TARGET_GENERATION), r.target_generation);
        ck_assert_str_eq(field(e, STEWARD_FIELD_TARGET_GENERATION), "1");
        ck_assert_str_eq(field(e, STEWARD_FIELD_SUPERVISOR), "root");
        ck_assert_str_eq(field(e, STEWARD_FIELD_DECISION), "queued_after_stop");
        ck_assert_str_eq(field(e, STEWARD_FIELD_REASON), "deploy");
        ck_assert_str_eq(field(e, STEWARD_FIELD_COMMAND_ID), r.command_id);
        ck_assert_str_eq(field(e, STEWARD_FIELD_UNIT), "steward-api-0.scope");
        ck_assert_str_eq(field(e, STEWARD_FIELD_ACTOR_UID), uid);
        actor = g_strdup_printf("%d", (int) r.actor);
        ck_assert_str_eq(field(e, STEWARD_FIELD_ACTOR_PID), actor);
        ck_assert_str_eq(field(e, STEWARD_FIELD_ACTOR_COMM), "busctl");
        ck_assert_str_eq(field(e, "MESSAGE"),
                         "Restart of child 'api' fenced: generation 1 starts after generation 0 is gone.");
}
END_TEST

/* (b) the whole restart, in order, each entry numbered as its bus signal. */
START_TEST(test_restart_sequence_matches_bus)
{
        g_autoptr(ItestDaemon) d = daemon_with_api(NULL);
        g_autoptr(GPtrArray) entries = NULL;
        g_auto(Restart) r = { 0 };
        const char *const match[] = { STEWARD_FIELD_CHILD "=api", NULL };
        guint64 last = 0, first_recorded;
        guint k = 0;

        busctl_restart("api", "deploy", &r);
        /* The last of the restart's events: every one before it has its signal too. */
        ck_assert_msg(itest_events_wait_generation(d->events, "child_restart_fence_released", "api", 1,
                                                   ITEST_TIMEOUT_SEC),
                      "generation 1 never started");
        g_variant_get(g_ptr_array_index(d->events->events, 0), "(t&s&st@a{sv})", &first_recorded, NULL, NULL,
                      NULL, NULL);

        entries = journal_entries(d->pid, match);
        for (guint i = 0; i < entries->len && k < G_N_ELEMENTS(restart_kinds); i++) {
                JsonObject *e = g_ptr_array_index(entries, i);
                guint64 seq = field_u64(e, STEWARD_FIELD_SEQUENCE);
                const char *kind = field(e, STEWARD_FIELD_EVENT);
                GVariant *ev;
                guint64 gen;

                /* Before the command: not part of the restart. */
                if (k == 0 && g_strcmp0(field(e, STEWARD_FIELD_COMMAND_ID), r.command_id) != 0)
                        continue;
                if (!g_str_equal(kind, restart_kinds[k]))
                        continue; /* child_exited and the like, in between */
                ck_assert_msg(seq > last, "%s has sequence %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT,
                              kind, seq, last);
                last = seq;
                k++;

                /* The bus said the same thing under the same number. */
                ck_assert_uint_ge(seq, first_recorded);
                ev = itest_events_find_sequence(d->events, seq);
                ck_assert_msg(ev, "no Event signal with sequence %" G_GUINT64_FORMAT " (%s)", seq, kind);
                gen = field(e, STEWARD_FIELD_GENERATION) ? field_u64(e, STEWARD_FIELD_GENERATION) : 0;
                ck_assert_msg(event_is(ev, kind, "api", gen), "signal %" G_GUINT64_FORMAT " is not %s", seq,
                              kind);
        }
        ck_assert_msg(k == G_N_ELEMENTS(restart_kinds),
                      "only %u of the restart's events in order; missing %s", k,
                      restart_kinds[MIN(k, G_N_ELEMENTS(restart_kinds) - 1)]);
}
END_TEST

/* Every entry of a daemon is numbered 1, 2, ... without a gap, and each
 * signal the bus carried has its entry: nothing lost on either side. */
START_TEST(test_sequence_has_no_gaps)
{
        g_autoptr(ItestDaemon) d = daemon_with_api(NULL);
        g_autoptr(GPtrArray) entries = NULL;
        g_auto(Restart) r = { 0 };
        g_autoptr(GHashTable) by_seq = g_hash_table_new(g_int64_hash, g_int64_equal);
        const char *first_invocation = NULL;
        guint64 *seqs;

        busctl_restart("api", "deploy", &r);
        ck_assert_msg(itest_events_wait_generation(d->events, "child_started", "api", 1, ITEST_TIMEOUT_SEC),
                      "generation 1 never started");

        entries = journal_entries(d->pid, NULL);
        seqs = g_new0(guint64, entries->len + 1);
        for (guint i = 0, n = 0; i < entries->len; i++) {
                JsonObject *e = g_ptr_array_index(entries, i);
                const char *invocation;

                if (!field(e, STEWARD_FIELD_EVENT))
                        continue; /* g_message() and the like */
                /* One run, one invocation id, on every entry. */
                invocation = field(e, STEWARD_FIELD_INVOCATION_ID);
                ck_assert_msg(invocation && strlen(invocation) == 32 &&
                                      strspn(invocation, "0123456789abcdef") == 32,
                              "entry %u: invocation '%s'", i, invocation ? invocation : "(none)");
                if (!first_invocation)
                        first_invocation = invocation;
                ck_assert_str_eq(invocation, first_invocation);
                seqs[n] = field_u64(e, STEWARD_FIELD_SEQUENCE);
                ck_assert_uint_eq(seqs[n], n + 1);
                g_hash_table_insert(by_seq, &seqs[n], e);
                n++;
        }
        for (guint i = 0; i < d->events->events->len; i++) {
                GVariant *ev = g_ptr_array_index(d->events->events, i);
                const char *kind, *child;
                guint64 seq;
                JsonObject *e;

                g_variant_get(ev, "(t&s&st@a{sv})", &seq, &kind, &child, NULL, NULL);
                e = g_hash_table_lookup(by_seq, &seq);
                ck_assert_msg(e, "signal %" G_GUINT64_FORMAT " (%s) has no journal entry", seq, kind);
                ck_assert_str_eq(field(e, STEWARD_FIELD_EVENT), kind);
                ck_assert_str_eq(field(e, STEWARD_FIELD_CHILD) ? field(e, STEWARD_FIELD_CHILD) : "", child);
        }
        g_free(seqs);
}
END_TEST

/* Copies the host's catalogs and ours into dir. */
static void
catalog_dir_fill(const char *dir)
{
        const char *srcdir = g_getenv("STEWARD_SOURCE_DIR");
        g_autoptr(GDir) host = g_dir_open("/usr/lib/systemd/catalog", 0, NULL);
        const char *name;

        ck_assert_msg(srcdir, "STEWARD_SOURCE_DIR is not set");
        while (host && (name = g_dir_read_name(host))) {
                g_autofree char *from = g_build_filename("/usr/lib/systemd/catalog", name, NULL);
                g_autofree char *to = g_build_filename(dir, name, NULL);
                g_autofree char *text = NULL;
                gsize len;

                if (g_file_get_contents(from, &text, &len, NULL))
                        ck_assert(g_file_set_contents(to, text, len, NULL));
        }
        for (const char *const *c = (const char *const[]){ "steward.catalog", "steward.de.catalog", NULL };
             *c; c++) {
                g_autofree char *from = g_build_filename(srcdir, "units", *c, NULL);
                g_autofree char *to = g_build_filename(dir, *c, NULL);
                g_autofree char *text = NULL;
                gsize len;

                ck_assert(g_file_get_contents(from, &text, &len, NULL));
                ck_assert(g_file_set_contents(to, text, len, NULL));
        }
}

/* Installs the catalog where journalctl reads it, for this test process
 * and what it starts only: a mount namespace of its own (inside the
 * harness's), the catalog directory replaced by a copy with ours added,
 * and a tmpfs for the database, so the host's /usr and /var stay as they
 * are. */
static void
install_catalog_privately(void)
{
        g_autofree char *dir = g_dir_make_tmp("steward-catalog-XXXXXX", NULL);

        ck_assert(dir);
        catalog_dir_fill(dir);
        ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare: %s", g_strerror(errno));
        ck_assert_msg(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "%s", g_strerror(errno));
        ck_assert_msg(mount(dir, "/usr/lib/systemd/catalog", NULL, MS_BIND, NULL) == 0, "bind catalog: %s",
                      g_strerror(errno));
        ck_assert_msg(g_file_test("/var/lib/systemd/catalog", G_FILE_TEST_IS_DIR),
                      "/var/lib/systemd/catalog does not exist");
        ck_assert_msg(
                mount("tmpfs", "/var/lib/systemd/catalog", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0,
                "tmpfs on the catalog database: %s", g_strerror(errno));
}

/* (c) journalctl --update-catalog takes our catalog, and -x explains an
 * entry with its fields substituted. */
START_TEST(test_catalog_explains_entries)
{
        const char *const update[] = { "journalctl", "--update-catalog", NULL };
        g_autoptr(ItestDaemon) d = NULL;
        g_auto(Restart) r = { 0 };
        g_autofree char *pid_match = NULL;
        g_autofree char *out = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *flat = NULL;

        install_catalog_privately();
        ck_assert_int_eq(itest_run(update, NULL), 0);

        d = daemon_with_api(NULL);
        busctl_restart("api", "deploy", &r);
        ck_assert_msg(itest_events_wait_generation(d->events, "child_started", "api", 1, ITEST_TIMEOUT_SEC),
                      "generation 1 never started");
        ck_assert(itest_run((const char *const[]){ "journalctl", "--sync", NULL }, NULL) == 0);

        pid_match = g_strdup_printf("_PID=%d", (int) d->pid);
        ck_assert_int_eq(
                itest_run((const char *const[]){ "journalctl", "--no-pager", "-x", "-t", "stewardd",
                                                 pid_match,
                                                 STEWARD_FIELD_EVENT "=child_restart_fence_entered", NULL },
                          &out),
                0);
        /* TAP takes one line per message. */
        flat = g_strdelimit(g_strdup(out), "\n", '|');
        ck_assert_msg(strstr(out, "Subject: Restart of child api waits for generation 0 to end"), "-x: %s",
                      flat);
        ck_assert_msg(strstr(out, "Defined-By: steward"), "-x: %s", flat);
        ck_assert_msg(strstr(out, "Documentation: man:stewardd(8)"), "-x: %s", flat);
        ck_assert_msg(strstr(out, "A restart of child api was requested (command\n"), "-x: %s", flat);
        /* Every field substituted, line by line as the catalog has them. */
        expected = g_strdup_printf("%s, by busctl, uid %u,\n", r.command_id, (unsigned) getuid());
        ck_assert_msg(strstr(out, expected), "no '%s' in -x: %s", expected, flat);
        g_free(expected);
        expected = g_strdup_printf("PID %d). Generation 0 is still running,\n", (int) r.actor);
        ck_assert_msg(strstr(out, expected), "no '%s' in -x: %s", expected, flat);
        ck_assert_msg(strstr(out, "so the restart is fenced (queued_after_stop): generation\n"), "-x: %s",
                      flat);
        ck_assert_msg(strstr(out, "1 starts only once every process of the old one\n"), "-x: %s", flat);
}
END_TEST

/* Every machine-readable field of a (STEWARD_*, MESSAGE_ID, PRIORITY) is in
 * b with the same value; MAIN_PID and INVOCATION_ID (two runs) only need to
 * be there. */
static void
assert_same_machine_fields(JsonObject *a, JsonObject *b)
{
        g_autoptr(GList) names = json_object_get_members(a);

        for (GList *l = names; l; l = l->next) {
                const char *name = l->data;

                if (!g_str_has_prefix(name, "STEWARD_") && !g_str_equal(name, "MESSAGE_ID") &&
                    !g_str_equal(name, "PRIORITY"))
                        continue;
                ck_assert_msg(field(b, name), "%s only in one language", name);
                if (!g_str_equal(name, STEWARD_FIELD_MAIN_PID) &&
                    !g_str_equal(name, STEWARD_FIELD_INVOCATION_ID))
                        ck_assert_msg(g_str_equal(field(a, name), field(b, name)), "%s: '%s' against '%s'",
                                      name, field(a, name), field(b, name));
        }
}

/* (d) LANGUAGE=de: German MESSAGE, the same machine-readable fields. */
START_TEST(test_german_message_same_fields)
{
        const char *build = g_getenv("STEWARD_BUILD_DIR");
        g_autofree char *localedir = NULL;
        g_autoptr(GPtrArray) en = NULL;
        g_autoptr(GPtrArray) de = NULL;
        g_autofree char *started = NULL;
        const char *const match[] = { STEWARD_FIELD_CHILD "=api", NULL };

        ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
        localedir = g_build_filename(build, "po", NULL);

        /* The same daemon and config twice: English, then German. */
        for (int lang = 0; lang < 2; lang++) {
                g_autoptr(ItestDaemon) d = NULL;

                if (lang == 1) {
                        /* LC_ALL=C.UTF-8 (the test environment) is not "C",
                         * so gettext honours LANGUAGE. */
                        g_setenv("LANGUAGE", "de", TRUE);
                        g_setenv("STEWARD_LOCALEDIR", localedir, TRUE);
                }
                d = daemon_with_api(NULL);
                if (lang == 0)
                        en = journal_entries(d->pid, match);
                else
                        de = journal_entries(d->pid, match);
        }
        g_unsetenv("LANGUAGE");
        g_unsetenv("STEWARD_LOCALEDIR");

        ck_assert_uint_ge(de->len, 2);
        ck_assert_uint_eq(en->len, de->len);
        for (guint i = 0; i < de->len; i++) {
                JsonObject *e = g_ptr_array_index(en, i), *g = g_ptr_array_index(de, i);

                /* Only the PIDs of the two runs differ. */
                assert_same_machine_fields(e, g);
                assert_same_machine_fields(g, e);
                ck_assert_str_ne(field(e, "MESSAGE"), field(g, "MESSAGE"));
        }
        ck_assert_str_eq(field(g_ptr_array_index(de, 0), STEWARD_FIELD_EVENT), "child_starting");
        ck_assert_str_eq(field(g_ptr_array_index(de, 0), "MESSAGE"),
                         "Kind „api“ wird gestartet (Generation 0, Versuch 1).");
        ck_assert_str_eq(field(g_ptr_array_index(de, 1), STEWARD_FIELD_EVENT), "child_started");
        started = g_strdup_printf("Kind „api“ wurde mit PID %s gestartet (Generation 0).",
                                  field(g_ptr_array_index(de, 1), STEWARD_FIELD_MAIN_PID));
        ck_assert_str_eq(field(g_ptr_array_index(de, 1), "MESSAGE"), started);
}
END_TEST

/* Starts the daemon with --log-target=console and its stderr in a file:
 * itest_daemon_start() passes our stderr on, so it is pointed at the file
 * for the spawn only. */
static ItestDaemon *
daemon_on_console(const char *log)
{
        const char *const args[] = { "--log-target=console", NULL };
        int fd, saved;
        ItestDaemon *d;

        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        ck_assert_int_ge(saved, 0);
        ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        d = itest_daemon_start(config_api, args);
        ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        close(fd);
        ck_assert_msg(itest_child_wait_property(d, "api", "State", g_variant_new_string("running"),
                                                ITEST_TIMEOUT_SEC),
                      "api never ran");
        return d;
}

/* The event lines of a console log, in order. */
static GPtrArray *
console_events(const char *log)
{
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *text = NULL;
        g_auto(GStrv) all = NULL;

        ck_assert(g_file_get_contents(log, &text, NULL, NULL));
        all = g_strsplit(text, "\n", -1);
        for (char **l = all; *l; l++)
                if (g_str_has_prefix(*l, "stewardd: event="))
                        g_ptr_array_add(lines, g_strdup(*l));
        return g_steal_pointer(&lines);
}

/* (e) --log-target=console: one stable key=value line per event on stderr,
 * numbered like the journal would be, and nothing in the journal. */
START_TEST(test_console_lines)
{
        g_autofree char *dir = g_dir_make_tmp("steward-console-XXXXXX", NULL);
        g_autofree char *log = g_build_filename(dir, "stderr", NULL);
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GPtrArray) lines = NULL;
        g_autoptr(GPtrArray) journal = NULL;
        g_autoptr(GVariant) main_pid = NULL;
        g_auto(Restart) r = { 0 };
        gboolean fence_seen = FALSE;
        GPid pid;

        d = daemon_on_console(log);
        pid = d->pid;
        main_pid = itest_child_property(d, "api", "MainPID");
        busctl_restart("api", "deploy", &r);
        ck_assert_msg(itest_events_wait_generation(d->events, "child_started", "api", 1, ITEST_TIMEOUT_SEC),
                      "generation 1 never started");
        /* Stopped, so every line it will write is written. */
        g_clear_pointer(&d, itest_daemon_free);

        lines = console_events(log);
        ck_assert_uint_ge(lines->len, 10);
        ck_assert_str_eq(
                g_ptr_array_index(lines, 0),
                "stewardd: event=manager_started sequence=1 message=\"Supervisor manager started.\"");
        ck_assert_str_eq(g_ptr_array_index(lines, 1),
                         "stewardd: event=config_loaded sequence=2 message=\"Configuration loaded.\"");
        ck_assert_str_eq(g_ptr_array_index(lines, 2),
                         "stewardd: event=child_starting sequence=3 child=api supervisor=root generation=0 "
                         "attempt=1 message=\"Starting child 'api' (generation 0, attempt 1).\"");
        for (guint i = 0; i < lines->len; i++) {
                const char *line = g_ptr_array_index(lines, i);
                g_auto(GStrv) words = g_strsplit(line, " ", 4);
                g_autofree char *sequence = g_strdup_printf("sequence=%u", i + 1);

                /* The kind first, numbered without a gap, the message last. */
                ck_assert_msg(g_strv_length(words) == 4 && g_str_equal(words[2], sequence), "line %u: %s",
                              i + 1, line);
                ck_assert_msg(g_str_has_suffix(line, "\""), "line %u: %s", i + 1, line);
                ck_assert_msg(strstr(line, " message=\""), "line %u: %s", i + 1, line);
                if (g_str_has_prefix(line, "stewardd: event=child_restart_fence_entered ")) {
                        g_autofree char *expected = NULL;

                        expected = g_strdup_printf("stewardd: event=child_restart_fence_entered sequence=%u "
                                                   "child=api supervisor=root generation=0 attempt=1 "
                                                   "unit=steward-api-0.scope main_pid=%u command_id=%s "
                                                   "reason=deploy decision=queued_after_stop actor_uid=%u "
                                                   "actor_pid=%d actor_comm=busctl target_generation=1 "
                                                   "message=\"Restart of child 'api' fenced: generation 1 "
                                                   "starts after generation 0 is gone.\"",
                                                   i + 1, g_variant_get_uint32(main_pid), r.command_id,
                                                   (unsigned) getuid(), (int) r.actor);
                        ck_assert_str_eq(line, expected);
                        fence_seen = TRUE;
                }
        }
        ck_assert(fence_seen);
        ck_assert_msg(g_str_has_prefix(g_ptr_array_index(lines, lines->len - 1),
                                       "stewardd: event=manager_stopping "),
                      "last: %s", (char *) g_ptr_array_index(lines, lines->len - 1));

        journal = journal_entries(pid, (const char *const[]){ "STEWARD_EVENT=manager_started", NULL });
        ck_assert_uint_eq(journal->len, 0);
}
END_TEST

/* A translated message stays readable UTF-8 on the console, not octal. */
START_TEST(test_console_keeps_utf8)
{
        const char *build = g_getenv("STEWARD_BUILD_DIR");
        g_autofree char *dir = g_dir_make_tmp("steward-console-XXXXXX", NULL);
        g_autofree char *log = g_build_filename(dir, "stderr", NULL);
        g_autofree char *localedir = NULL;
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GPtrArray) lines = NULL;

        ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
        localedir = g_build_filename(build, "po", NULL);
        g_setenv("LANGUAGE", "de", TRUE);
        g_setenv("STEWARD_LOCALEDIR", localedir, TRUE);
        d = daemon_on_console(log);
        g_unsetenv("LANGUAGE");
        g_unsetenv("STEWARD_LOCALEDIR");
        g_clear_pointer(&d, itest_daemon_free);

        lines = console_events(log);
        ck_assert_uint_ge(lines->len, 3);
        ck_assert_str_eq(g_ptr_array_index(lines, 2),
                         "stewardd: event=child_starting sequence=3 child=api supervisor=root generation=0 "
                         "attempt=1 message=\"Kind „api“ wird gestartet (Generation 0, Versuch 1).\"");
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("journal");
        TCase *tc = tcase_create("journal");

        /* Each test starts and stops its own daemon, well inside this. */
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_restart_entry_fields);
        tcase_add_test(tc, test_restart_sequence_matches_bus);
        tcase_add_test(tc, test_sequence_has_no_gaps);
        tcase_add_test(tc, test_catalog_explains_entries);
        tcase_add_test(tc, test_german_message_same_fields);
        tcase_add_test(tc, test_console_lines);
        tcase_add_test(tc, test_console_keeps_utf8);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-metrics.c: stewardctl metrics against the real stewardd, linted by promtool and scraped through a
 * real prometheus-node-exporter's textfile collector. */
#include "config.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "itest.h"

/* A supervisor with a child to restart through the fence, and a child
 * that exits with a status and is not restarted (Restart=temporary). */
static const char config[] = "[Supervisor tier]\n"
                             "[Child api]\n"
                             "Supervisor=tier\n"
                             "ExecStart=/bin/sh -c 'exec sleep 1000'\n"
                             "[Child once]\n"
                             "ExecStart=/bin/sh -c 'exit 3'\n"
                             "Restart=temporary\n";

/* CI installs them (build-aux/debian-packages.txt): missing is a failure, not a skip. */
static void
require_program(const char *name)
{
        g_autofree char *path = g_find_program_in_path(name);

        ck_assert_msg(path, "%s is not installed (build-aux/debian-packages.txt)", name);
}

/* Runs stewardctl --user with @args; returns its exit status, stdout in @out. */
static int
ctl(char **out, const char *const *args)
{
        const char *build = g_getenv("STEWARD_BUILD_DIR");
        g_autofree char *path = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new();

        ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
        path = g_build_filename(build, "src", "stewardctl", NULL);
        g_ptr_array_add(argv, path);
        g_ptr_array_add(argv, (gpointer) "--user");
        for (const char *const *a = args; *a; a++)
                g_ptr_array_add(argv, (gpointer) *a);
        g_ptr_array_add(argv, NULL);
        return itest_run((const char *const *) argv->pdata, out);
}

/* The value of the sample @series (name and labels, exactly as printed), NULL when there is none. */
static char *
sample(const char *text, const char *series)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

        for (char **l = lines; *l; l++)
                if (g_str_has_prefix(*l, series) && (*l)[strlen(series)] == ' ')
                        return g_strdup(*l + strlen(series) + 1);
        return NULL;
}

static guint64
sample_u64(const char *text, const char *series)
{
        g_autofree char *v = sample(text, series);

        if (!v)
                fprintf(stderr, "# no sample %s in:\n%s\n", series, text);
        ck_assert_msg(v, "no sample %s", series);
        return g_ascii_strtoull(v, NULL, 10);
}

/* A child's property, u or t. */
static guint64
child_number(ItestDaemon *d, const char *child, const char *property)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, property);

        if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
                return g_variant_get_uint32(v);
        return g_variant_get_uint64(v);
}

/* `promtool check metrics` reads the exposition on stdin and prints every
 * problem, lint included; nothing printed and exit 0 is a pass. */
static void
assert_promtool_clean(const char *text)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GSubprocess) p = NULL;
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;

        require_program("promtool");
        p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &error, "promtool", "check", "metrics", NULL);
        ck_assert_msg(p, "%s", error ? error->message : "");
        ck_assert_msg(g_subprocess_communicate_utf8(p, text, NULL, &out, &err, &error), "%s",
                      error ? error->message : "");
        ck_assert_msg(g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0 && !*out &&
                              !*err,
                      "promtool check metrics found problems: %.400s%.400s", out, err);
}

START_TEST(test_metrics_match_the_bus)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, NULL);
        g_autoptr(GVariant) restart = NULL;
        g_autofree char *out = NULL;
        g_autofree char *build = NULL;
        guint64 events_before, events_after, events, fence_usec;
        const char *api = "{child=\"api\",supervisor=\"tier\"}";

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "once", "failed"));
        restart = itest_child_command(d, "RestartChild", "api", "metrics");
        ck_assert_str_eq(itest_outcome_str(restart, "decision"), "queued_after_stop");
        ck_assert(itest_events_wait(d->events, "child_restart_fence_released", "api", NULL,
                                    ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));

        events_before = itest_manager_u64(d, "EventsTotal");
        ck_assert_int_eq(ctl(&out, (const char *const[]){ "metrics", NULL }), 0);
        events_after = itest_manager_u64(d, "EventsTotal");

        /* Each family once, from the properties. */
        build = g_strdup_printf("steward_build_info{version=\"%s\",mode=\"user\",backend=\"scope\"}",
                                PACKAGE_VERSION);
        ck_assert_uint_eq(sample_u64(out, build), 1);
        ck_assert_uint_eq(sample_u64(out, "steward_tree_state{state=\"running\"}"), 1);
        ck_assert_uint_eq(sample_u64(out, "steward_tree_state{state=\"stopping\"}"), 0);
        ck_assert_uint_eq(sample_u64(out, "steward_children"), 2);
        events = sample_u64(out, "steward_events_total");
        ck_assert_uint_ge(events, events_before);
        ck_assert_uint_le(events, events_after);
        ck_assert_uint_gt(events, 0);
        ck_assert_uint_eq(sample_u64(out, "steward_notify_messages_dropped_total"),
                          itest_manager_u64(d, "NotifyMessagesDropped"));
        ck_assert_uint_eq(sample_u64(out, "steward_journal_entries_lost_total"),
                          itest_manager_u64(d, "JournalEntriesLost"));
        ck_assert_uint_eq(sample_u64(out, "steward_bus_calls_denied_total"),
                          itest_manager_u64(d, "CallsDenied"));

        ck_assert_uint_eq(sample_u64(out, "steward_supervisor_state{supervisor=\"tier\",state=\"running\"}"),
                          1);
        ck_assert_uint_eq(sample_u64(out, "steward_supervisor_state{supervisor=\"root\",state=\"running\"}"),
                          1);
        ck_assert_uint_eq(sample_u64(out, "steward_supervisor_restarts_total{supervisor=\"tier\"}"), 0);

        ck_assert_uint_eq(
                sample_u64(out, "steward_child_state{child=\"api\",supervisor=\"tier\",state=\"running\"}"),
                1);
        ck_assert_uint_eq(
                sample_u64(out, "steward_child_state{child=\"api\",supervisor=\"tier\",state=\"stopping\"}"),
                0);
        ck_assert_uint_eq(
                sample_u64(out, "steward_child_state{child=\"once\",supervisor=\"root\",state=\"failed\"}"),
                1);
        {
                g_autofree char *gen = g_strconcat("steward_child_generation", api, NULL);
                g_autofree char *ready = g_strconcat("steward_child_ready", api, NULL);
                g_autofree char *restarts = g_strconcat("steward_child_restarts_total", api, NULL);
                g_autofree char *remaining =
                        g_strconcat("steward_child_restart_budget_remaining", api, NULL);
                g_autofree char *waits = g_strconcat("steward_child_fence_waits_total", api, NULL);
                g_autofree char *wait_s = g_strconcat("steward_child_fence_wait_seconds_total", api, NULL);
                g_autofree char *seconds = NULL;
                g_autofree char *expect = NULL;

                ck_assert_uint_eq(sample_u64(out, gen), 1);
                ck_assert_uint_eq(sample_u64(out, gen), itest_child_u64(d, "api", "Generation"));
                ck_assert_uint_eq(sample_u64(out, ready), 1);
                ck_assert_uint_eq(sample_u64(out, restarts), child_number(d, "api", "RestartCount"));
                ck_assert_uint_eq(sample_u64(out, remaining), child_number(d, "api", "RestartsRemaining"));
                /* One fence, released: its time no longer grows, the property and the sample agree. */
                ck_assert_uint_eq(sample_u64(out, waits), 1);
                ck_assert_uint_eq(itest_child_u64(d, "api", "FenceWaits"), 1);
                fence_usec = itest_child_u64(d, "api", "FenceWaitUSec");
                ck_assert_uint_gt(fence_usec, 0);
                seconds = sample(out, wait_s);
                expect = g_strdup_printf("%" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT,
                                         fence_usec / G_USEC_PER_SEC, fence_usec % G_USEC_PER_SEC);
                ck_assert_str_eq(seconds, expect);
        }
        ck_assert_uint_eq(sample_u64(out, "steward_child_last_exit_status{child=\"once\",supervisor="
                                          "\"root\",code=\"exited\"}"),
                          3);
        ck_assert_uint_eq(
                sample_u64(out, "steward_child_fence_waits_total{child=\"once\",supervisor=\"root\"}"), 0);

        assert_promtool_clean(out);

        /* One format: --json is refused, not ignored; --output-file only for metrics. */
        ck_assert_int_eq(ctl(NULL, (const char *const[]){ "metrics", "--json", NULL }), 2);
        ck_assert_int_eq(ctl(NULL, (const char *const[]){ "list", "--output-file=/dev/null", NULL }), 2);
}
END_TEST

/* The exporter, socket-activated on a socket of ours: no port to race for,
 * and a connection waits in the backlog until it serves, so nothing needs
 * to wait for it to start. It dies with this test process (PDEATHSIG), so
 * a failed assertion leaves nothing running. */
static void
exporter_child_setup(gpointer user_data)
{
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocess *
exporter_start(const char *textfile_dir, guint16 *port)
{
        g_autoptr(GSubprocessLauncher) launcher =
                g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
        g_autoptr(GError) error = NULL;
        g_autofree char *dir_arg = g_strdup_printf("--collector.textfile.directory=%s", textfile_dir);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        GSubprocess *p;

        require_program("prometheus-node-exporter");
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(fd, 16), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        *port = ntohs(sa.sin_port);

        g_subprocess_launcher_take_fd(launcher, fd, 3);
        g_subprocess_launcher_setenv(launcher, "LISTEN_FDS", "1", TRUE);
        g_subprocess_launcher_unsetenv(launcher, "LISTEN_FDNAMES");
        g_subprocess_launcher_set_child_setup(launcher, exporter_child_setup, NULL, NULL);
        /* LISTEN_PID is the exporter's own: the shell's, which it execs into. */
        p = g_subprocess_launcher_spawn(launcher, &error, "/bin/sh", "-c",
                                        "LISTEN_PID=$$ exec prometheus-node-exporter \"$@\"", "sh",
                                        "--web.systemd-socket", "--collector.disable-defaults",
                                        "--collector.textfile", dir_arg, NULL);
        ck_assert_msg(p, "%s", error ? error->message : "");
        /* The launcher's copy of the socket goes with it: if the exporter
         * dies, a connection is refused rather than left waiting. */
        return p;
}

/* GET /metrics over HTTP/1.0, which the server answers and closes. */
static char *
http_get_metrics(guint16 port)
{
        g_autoptr(GSocketClient) client = g_socket_client_new();
        g_autoptr(GSocketConnection) conn = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GByteArray) body = g_byte_array_new();
        static const char request[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        GInputStream *in;
        guint8 buf[16384];
        gssize n;

        g_socket_client_set_timeout(client, ITEST_TIMEOUT_SEC);
        conn = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, &error);
        ck_assert_msg(conn, "cannot connect to the exporter: %s", error ? error->message : "");
        ck_assert_msg(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), request,
                                                strlen(request), NULL, NULL, &error),
                      "%s", error ? error->message : "");
        in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
        while ((n = g_input_stream_read(in, buf, sizeof(buf), NULL, &error)) > 0)
                g_byte_array_append(body, buf, (guint) n);
        ck_assert_msg(n == 0, "reading from the exporter: %s", error ? error->message : "");
        g_byte_array_append(body, (const guint8 *) "", 1);
        return (char *) g_byte_array_free(g_steal_pointer(&body), FALSE);
}

START_TEST(test_textfile_through_node_exporter)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, NULL);
        g_autofree char *dir = g_dir_make_tmp("steward-textfile-XXXXXX", NULL);
        g_autofree char *file = g_build_filename(dir, "steward.prom", NULL);
        g_autofree char *file_arg = g_strdup_printf("--output-file=%s", file);
        g_autofree char *text = NULL;
        g_autofree char *scraped = NULL;
        g_autofree char *mtime = NULL;
        g_autoptr(GSubprocess) exporter = NULL;
        struct stat st;
        guint16 port;
        guint64 gen;

        ck_assert(itest_wait_state(d, "api", "running"));
        gen = itest_child_u64(d, "api", "Generation");
        /* The file a timer writes: mode 0644 whatever was there, no temporary left. */
        ck_assert(g_file_set_contents(file, "stale", -1, NULL));
        ck_assert_int_eq(chmod(file, 0600), 0);
        ck_assert_int_eq(ctl(NULL, (const char *const[]){ "metrics", file_arg, NULL }), 0);
        ck_assert_int_eq(stat(file, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0644);
        ck_assert(g_file_get_contents(file, &text, NULL, NULL));
        ck_assert(g_str_has_prefix(text, "# HELP steward_build_info "));
        {
                g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
                const char *name;
                guint n = 0;

                while ((name = g_dir_read_name(listing)))
                        n++;
                ck_assert_uint_eq(n, 1);
        }
        assert_promtool_clean(text);

        exporter = exporter_start(dir, &port);
        scraped = http_get_metrics(port);
        g_subprocess_force_exit(exporter);
        ck_assert(g_subprocess_wait(exporter, NULL, NULL));

        ck_assert_msg(g_str_has_prefix(scraped, "HTTP/1.0 200 OK\r\n"), "%.200s", scraped);
        ck_assert_uint_eq(sample_u64(scraped, "node_textfile_scrape_error"), 0);
        mtime = g_strdup_printf("node_textfile_mtime_seconds{file=\"%s\"}", file);
        {
                g_autofree char *seen = sample(scraped, mtime);

                if (!seen)
                        fprintf(stderr, "# scraped:\n%s\n", scraped);
                ck_assert_msg(seen, "the exporter did not read %s", file);
        }
        ck_assert_uint_eq(sample_u64(scraped, "steward_child_generation{child=\"api\",supervisor=\"tier\"}"),
                          gen);
        ck_assert_uint_eq(
                sample_u64(scraped,
                           "steward_child_state{child=\"api\",state=\"running\",supervisor=\"tier\"}"),
                1);
        /* It orders labels by name; the types went through. */
        ck_assert(strstr(scraped, "# TYPE steward_child_fence_waits_total counter\n"));
        (void) g_remove(file);
        (void) g_rmdir(dir);
}
END_TEST

static Suite *
metrics_suite(void)
{
        Suite *s = suite_create("metrics");
        TCase *tc = tcase_create("metrics");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_metrics_match_the_bus);
        tcase_add_test(tc, test_textfile_through_node_exporter);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(metrics_suite)

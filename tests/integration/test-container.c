/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-container.c: stewardd without systemd: as PID 1 of a container (no bus, process groups, orphans
 * reaped), and on a bus that goes away or sends what is no D-Bus. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

typedef struct {
        GDataInputStream *err;
        GPtrArray *lines;
        gboolean ended;
        GPid pid;
        gboolean exited;
        int status;
        /* What the current wait is for. */
        const char *needle;
        guint want;
        gboolean satisfied;
} Container;

static guint count_lines(Container *c, const char *needle);

/* "event=KIND child=NAME" matches a console event line with other keys
 * between: every space-separated word of the needle must be there. */
static gboolean
line_matches(const char *line, const char *needle)
{
        g_auto(GStrv) words = g_strsplit(needle, " ", -1);

        for (char **w = words; *w; w++)
                if (!strstr(line, *w))
                        return FALSE;
        return TRUE;
}

static void
on_line(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Container *c = user_data;
        char *line = g_data_input_stream_read_line_finish(c->err, res, NULL, NULL);

        if (!line) {
                c->ended = c->satisfied = TRUE;
                return;
        }
        g_ptr_array_add(c->lines, line);
        if (c->needle && count_lines(c, c->needle) >= c->want)
                c->satisfied = TRUE;
        g_data_input_stream_read_line_async(c->err, G_PRIORITY_DEFAULT, NULL, on_line, c);
}

static void
on_container_exit(GPid pid, int status, gpointer user_data)
{
        Container *c = user_data;

        c->exited = TRUE;
        c->status = status;
        g_spawn_close_pid(pid);
}

static guint
count_lines(Container *c, const char *needle)
{
        guint n = 0;

        for (guint i = 0; i < c->lines->len; i++)
                if (line_matches(g_ptr_array_index(c->lines, i), needle))
                        n++;
        return n;
}

/* Waits until want lines containing needle were printed, woken by each
 * line the daemon prints. */
static gboolean
wait_lines(Container *c, const char *needle, guint want)
{
        c->needle = needle;
        c->want = want;
        c->satisfied = count_lines(c, needle) >= want || c->ended;
        (void) itest_wait_flag(&c->satisfied, ITEST_TIMEOUT_SEC);
        c->needle = NULL;
        return count_lines(c, needle) >= want;
}

/* Starts @argv (stewardd under a shell that merges its output) with
 * @env, and reads its lines as they come. */
static void
container_spawn(Container *c, const char *const *argv, char **env)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GInputStream) raw = NULL;
        int err_fd;

        c->lines = g_ptr_array_new_with_free_func(g_free);
        ck_assert_msg(g_spawn_async_with_pipes(NULL, (char **) argv, env,
                                               G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                               &c->pid, NULL, &err_fd, NULL, &error),
                      "%s", error ? error->message : "");
        g_child_watch_add(c->pid, on_container_exit, c);
        raw = g_unix_input_stream_new(err_fd, TRUE);
        c->err = g_data_input_stream_new(raw);
        g_data_input_stream_read_line_async(c->err, G_PRIORITY_DEFAULT, NULL, on_line, c);
}

/* Once it has exited: waits for the end of its output. */
static void
container_clear(Container *c)
{
        c->needle = NULL;
        (void) itest_wait_flag(&c->ended, ITEST_TIMEOUT_SEC);
        g_clear_object(&c->err);
        g_clear_pointer(&c->lines, g_ptr_array_unref);
}

/* The container's PID 1 (stewardd), as the host sees it: unshare's child. */
static pid_t
container_init(Container *c)
{
        g_autofree char *children_file = g_strdup_printf("/proc/%d/task/%d/children", c->pid, c->pid);
        g_autofree char *children = NULL;
        pid_t init;

        ck_assert(g_file_get_contents(children_file, &children, NULL, NULL));
        init = (pid_t) g_ascii_strtoll(children, NULL, 10);
        ck_assert_int_gt(init, 0);
        return init;
}

/* A Manager method called with busctl in the container, as docker exec
 * would run it, on stewardd's private socket: with @child (and a reason)
 * as arguments if not NULL (else the arguments end at the method).
 * busctl's exit status, its output in @out. */
static int
manage_inside(Container *c, const char *socket, const char *method, const char *child, char **out)
{
        g_autofree char *target = g_strdup_printf("--target=%d", (int) container_init(c));
        g_autofree char *address = g_strdup_printf("--address=unix:path=%s", socket);
        const char *argv[] = { "nsenter",
                               target,
                               "--pid",
                               "busctl",
                               address,
                               "call",
                               "org.steward.Supervisor1",
                               "/org/steward/Supervisor1",
                               "org.steward.Supervisor1.Manager",
                               method,
                               child ? "ss" : NULL,
                               child,
                               "from inside",
                               NULL };

        g_autofree char *ignored = NULL;

        /* Never on stdout, which is TAP's. */
        return itest_run(argv, out ? out : &ignored);
}

START_TEST(test_pid1_without_bus)
{
        g_autofree char *dir = g_dir_make_tmp("steward-container-XXXXXX", NULL);
        g_autofree char *conf = g_build_filename(dir, "steward.conf", NULL);
        g_autofree char *stewardd = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardd", NULL);
        g_autofree char *config_arg = g_strdup_printf("--config=%s", dir);
        g_autofree char *runtime = g_build_filename(dir, "run", NULL);
        g_autofree char *private_socket = g_build_filename(runtime, "private", NULL);
        g_auto(GStrv) env = NULL;
        Container c = { 0 };
        /* Debug lines go to stdout, events to stderr: read both as one. */
        const char *argv[] = { "sh",
                               "-c",
                               "exec \"$@\" 2>&1",
                               "sh",
                               "unshare",
                               "--pid",
                               "--fork",
                               "--mount-proc",
                               "--kill-child",
                               stewardd,
                               "--user",
                               "--backend=process",
                               "--log-target=console",
                               "--verbose",
                               config_arg,
                               NULL };

        /* Five orphans that exit at once, and a main process that stays. */
        ck_assert(g_file_set_contents(conf,
                                      "[Child app]\n"
                                      "ExecStart=/bin/sh -c 'for i in 1 2 3 4 5; do (/bin/true &); done; "
                                      "exec sleep 1000'\n"
                                      "[Child helper]\n"
                                      "ExecStart=/bin/sh -c 'exec sleep 1000'\n",
                                      -1, NULL));
        /* A container has no bus: stewardd must not need one. */
        env = g_environ_setenv(g_get_environ(), "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus",
                               TRUE);
        env = g_environ_setenv(env, "RUNTIME_DIRECTORY", runtime, TRUE);
        container_spawn(&c, argv, env);

        ck_assert_msg(wait_lines(&c, "event=child_started child=app", 1), "app never started");
        ck_assert_msg(wait_lines(&c, "event=child_started child=helper", 1), "helper never started");

        /* PID 1 adopts every orphan of the container and reaps it. */
        ck_assert_msg(wait_lines(&c, "Reaped orphan", 5), "%u orphans reaped",
                      count_lines(&c, "Reaped orphan"));
        ck_assert_uint_eq(count_lines(&c, "event=child_exited"), 0);

        /* Without a bus, the private socket is how it is managed: the
         * objects of the bus API, answered by stewardd itself, to a client
         * in the container (docker exec): its pid means nothing outside,
         * and sd-bus takes no credentials without one. stewardd listens
         * before the tree starts. */
        {
                g_autofree char *out = NULL;

                ck_assert_int_eq(manage_inside(&c, private_socket, "ListChildren", NULL, &out), 0);
                ck_assert_msg(g_str_has_prefix(out, "a(ssstto) 2 "), "%s", out);
                ck_assert_int_eq(manage_inside(&c, private_socket, "RestartChild", "helper", NULL), 0);
                ck_assert_msg(wait_lines(&c, "event=child_started child=helper", 2),
                              "helper was not restarted");
        }

        /* docker stop: SIGTERM to PID 1 stops the tree in reverse order.
         * PID 1 is unshare's child; unshare passes its exit status on. */
        ck_assert_int_eq(kill(container_init(&c), SIGTERM), 0);
        ck_assert(wait_lines(&c, "event=tree_shutdown_completed", 1));
        ck_assert(itest_wait_flag(&c.exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(c.status));
        ck_assert_int_eq(WEXITSTATUS(c.status), 0);
        {
                guint helper = 0, app = 0;
                for (guint i = 0; i < c.lines->len; i++) {
                        const char *l = g_ptr_array_index(c.lines, i);
                        if (line_matches(l, "event=child_stopped child=helper"))
                                helper = i;
                        else if (line_matches(l, "event=child_stopped child=app"))
                                app = i;
                }
                ck_assert_msg(helper && app && helper < app, "stopped out of order");
        }
        ck_assert_msg(!g_file_test(private_socket, G_FILE_TEST_EXISTS),
                      "the private socket outlived stewardd");

        container_clear(&c);
        (void) g_remove(conf);
        (void) itest_remove_tree(runtime);
        (void) g_rmdir(dir);
}
END_TEST

/* Starts a bus daemon of its own listening at @socket; its address. */
static char *
bus_daemon_start(const char *socket, GPid *ret_pid)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *listen = g_strdup_printf("--address=unix:path=%s", socket);
        const char *argv[] = { "dbus-daemon", "--session", "--nofork", "--print-address=1", listen, NULL };
        g_autoptr(GInputStream) raw = NULL;
        g_autoptr(GDataInputStream) in = NULL;
        char *address;
        int out;

        ck_assert_msg(g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                               G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                               ret_pid, NULL, &out, NULL, &error),
                      "%s", error ? error->message : "");
        /* It prints the address once it listens. */
        raw = g_unix_input_stream_new(out, TRUE);
        in = g_data_input_stream_new(raw);
        address = g_data_input_stream_read_line(in, NULL, NULL, NULL);
        ck_assert_msg(address && *address, "the bus daemon printed no address");
        return address;
}

static void
bus_daemon_kill(GPid pid)
{
        int status;

        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        g_spawn_close_pid(pid);
}

/* stewardd of the process backend with one child, on the bus at @address. */
static void
stewardd_on_bus(Container *c, const char *dir, const char *address)
{
        g_autofree char *conf = g_build_filename(dir, "steward.conf", NULL);
        g_autofree char *runtime = g_build_filename(dir, "run", NULL);
        g_autofree char *stewardd = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardd", NULL);
        g_autofree char *config_arg = g_strdup_printf("--config=%s", dir);
        g_auto(GStrv) env = NULL;
        const char *argv[] = { "sh",       "-c",     "exec \"$@\" 2>&1",  "sh",
                               stewardd,   "--user", "--backend=process", "--log-target=console",
                               config_arg, NULL };

        ck_assert(g_file_set_contents(conf, "[Child app]\nExecStart=/bin/sh -c 'exec sleep 1000'\n", -1,
                                      NULL));
        env = g_environ_setenv(g_get_environ(), "DBUS_SESSION_BUS_ADDRESS", address, TRUE);
        env = g_environ_setenv(env, "RUNTIME_DIRECTORY", runtime, TRUE);
        container_spawn(c, argv, env);
        /* The tree starts only once the name is stewardd's. */
        ck_assert_msg(wait_lines(c, "event=child_started child=app", 1), "app never started");
}

/* With nobody able to reach it, stewardd stops the tree and exits with a
 * failure, so that its service manager restarts it on a bus again. */
static void
assert_left_the_bus(Container *c)
{
        ck_assert_msg(wait_lines(c, "event=child_stopped child=app", 1), "app was not stopped");
        ck_assert(wait_lines(c, "event=tree_shutdown_completed", 1));
        ck_assert(itest_wait_flag(&c->exited, ITEST_TIMEOUT_SEC));
        ck_assert(WIFEXITED(c->status));
        ck_assert_int_eq(WEXITSTATUS(c->status), 1);
        container_clear(c);
}

static void
stewardd_dir_remove(char *dir)
{
        g_autofree char *conf = g_build_filename(dir, "steward.conf", NULL);
        g_autofree char *runtime = g_build_filename(dir, "run", NULL);

        (void) g_remove(conf);
        (void) itest_remove_tree(runtime);
        (void) g_rmdir(dir);
        g_free(dir);
}

/* The bus goes away under a running tree (its daemon killed, say). */
START_TEST(test_bus_lost)
{
        g_autofree char *dir = g_dir_make_tmp("steward-bus-lost-XXXXXX", NULL);
        g_autofree char *socket = g_build_filename(dir, "bus", NULL);
        g_autofree char *address = NULL;
        Container c = { 0 };
        GPid bus_pid;

        address = bus_daemon_start(socket, &bus_pid);
        stewardd_on_bus(&c, dir, address);
        bus_daemon_kill(bus_pid);
        assert_left_the_bus(&c);
        (void) g_remove(socket);
        stewardd_dir_remove(g_steal_pointer(&dir));
}
END_TEST

/* The bytes between a bus daemon and stewardd, passed on by a thread of
 * the test, which puts bytes that are no D-Bus among them when told. */
typedef struct {
        int listener; /* where stewardd connects */
        const char *bus_socket;
        int wake[2]; /* a byte written: the garbage now */
        GThread *thread;
} Relay;

static gboolean
pass_on(int from, int to)
{
        char buf[65536];
        ssize_t n = read(from, buf, sizeof(buf));

        if (n <= 0)
                return n < 0 && errno == EINTR;
        for (ssize_t done = 0, w; done < n; done += w)
                if ((w = write(to, buf + done, (size_t) (n - done))) < 0)
                        return FALSE;
        return TRUE;
}

static gpointer
relay_run(gpointer data)
{
        Relay *r = data;
        int client = accept4(r->listener, NULL, NULL, SOCK_CLOEXEC);
        int bus = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        g_strlcpy(sa.sun_path, r->bus_socket, sizeof(sa.sun_path));
        if (client >= 0 && bus >= 0 && connect(bus, (struct sockaddr *) &sa, sizeof(sa)) == 0)
                for (;;) {
                        struct pollfd p[] = { { client, POLLIN, 0 },
                                              { bus, POLLIN, 0 },
                                              { r->wake[0], POLLIN, 0 } };

                        if (poll(p, G_N_ELEMENTS(p), -1) < 0 && errno != EINTR)
                                break;
                        if (p[2].revents) {
                                /* Where a message's first byte says its byte order: neither. */
                                static const char garbage[16] = "XXXXXXXXXXXXXXX";

                                (void) read(r->wake[0], (char[1]){ 0 }, 1);
                                if (write(client, garbage, sizeof(garbage)) != sizeof(garbage))
                                        break;
                        }
                        /* Passed on still after it: the connection stays open until stewardd closes it. */
                        if ((p[0].revents && !pass_on(client, bus)) ||
                            (p[1].revents && !pass_on(bus, client)))
                                break;
                }
        if (client >= 0)
                (void) close(client);
        if (bus >= 0)
                (void) close(bus);
        return NULL;
}

/* The bus sends stewardd what it cannot read as a message: sd-bus gives
 * the connection up without the Disconnected of a closed one, and
 * stewardd, whose API is on it, leaves as if the bus had gone. */
START_TEST(test_bus_unreadable)
{
        g_autofree char *dir = g_dir_make_tmp("steward-bus-unreadable-XXXXXX", NULL);
        g_autofree char *bus_socket = g_build_filename(dir, "bus", NULL);
        g_autofree char *relay_socket = g_build_filename(dir, "relay", NULL);
        g_autofree char *relay_address = g_strdup_printf("unix:path=%s", relay_socket);
        g_autofree char *address = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        Relay r = { .bus_socket = bus_socket };
        Container c = { 0 };
        GPid bus_pid;

        address = bus_daemon_start(bus_socket, &bus_pid);
        r.listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_strlcpy(sa.sun_path, relay_socket, sizeof(sa.sun_path));
        ck_assert_int_eq(bind(r.listener, (struct sockaddr *) &sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(r.listener, 1), 0);
        ck_assert_int_eq(pipe2(r.wake, O_CLOEXEC), 0);
        r.thread = g_thread_new("relay", relay_run, &r);

        stewardd_on_bus(&c, dir, relay_address);
        ck_assert_int_eq(write(r.wake[1], "", 1), 1);
        ck_assert_msg(wait_lines(&c, "the bus connection failed", 1), "stewardd did not notice");
        assert_left_the_bus(&c);

        g_thread_join(r.thread);
        (void) close(r.listener);
        (void) close(r.wake[0]);
        (void) close(r.wake[1]);
        bus_daemon_kill(bus_pid);
        (void) g_remove(bus_socket);
        (void) g_remove(relay_socket);
        stewardd_dir_remove(g_steal_pointer(&dir));
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("container");
        TCase *tc = tcase_create("container");

        tcase_set_timeout(tc, 2 * ITEST_TIMEOUT_SEC);
        tcase_add_test(tc, test_pid1_without_bus);
        tcase_add_test(tc, test_bus_lost);
        tcase_add_test(tc, test_bus_unreadable);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

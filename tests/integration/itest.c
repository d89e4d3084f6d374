/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* itest.c: helpers shared by the integration suites that run inside steward-harness. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>

#include "itest.h"

void
itest_require_harness(void)
{
        if (!g_getenv("STEWARD_HARNESS")) {
                /* TAP's way of saying the whole suite was skipped. */
                printf("1..0 # SKIP not running inside steward-harness\n");
                exit(77);
        }
}

int
itest_run(const char *const *argv, char **out)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *err = NULL;
        int status = 0;

        if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, out, &err, &status,
                          &error)) {
                fprintf(stderr, "# cannot run '%s': %s\n", argv[0], error->message);
                return -1;
        }
        if (err && *err)
                fprintf(stderr, "# %s: %s", argv[0], err);
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

GDBusConnection *
itest_bus(void)
{
        g_autoptr(GError) error = NULL;
        GDBusConnection *bus = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);

        ck_assert_msg(bus != NULL, "cannot connect to the user bus: %s", error ? error->message : "?");
        return bus;
}

void
itest_bus_sync(GDBusConnection *bus)
{
        g_autoptr(GVariant) id = NULL;

        /* GDBus sends a match rule from its worker thread and does not wait
         * for it. The bus daemon handles a connection's messages in order,
         * so once it answered a call sent after the rule, the rule is in
         * place. A peer-to-peer connection (stewardd's private socket) has
         * no bus daemon and no rule to wait for. */
        if (!g_dbus_connection_get_unique_name(bus))
                return;
        id = g_dbus_connection_call_sync(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                         "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE("(s)"),
                                         G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(id);
}

static gboolean
on_wait_timeout(gpointer user_data)
{
        gboolean *expired = user_data;

        *expired = TRUE;
        return G_SOURCE_REMOVE;
}

static void
on_capture_line(GObject *source, GAsyncResult *res, gpointer user_data)
{
        ItestCapture *c = user_data;
        g_autofree char *line = g_data_input_stream_read_line_finish(c->in, res, NULL, NULL);
        gint64 now = g_get_monotonic_time();

        if (!line) {
                c->ended = TRUE;
                return;
        }
        fprintf(stderr, "# stewardd: %s\n", line);
        g_string_append_printf(c->text, "%s\n", line);
        g_array_append_val(c->arrived, now);
        g_ptr_array_add(c->lines, g_steal_pointer(&line));
        g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, NULL, on_capture_line, c);
}

ItestDaemon *
itest_daemon_start_captured(const char *config, const char *const *extra_args, ItestCapture *c)
{
        g_autoptr(GInputStream) raw = NULL;
        ItestDaemon *d;
        int p[2], saved_out, saved_err;

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        fflush(stdout);
        saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        ck_assert_int_ge(saved_out, 0);
        ck_assert_int_ge(saved_err, 0);
        ck_assert_int_ge(dup2(p[1], STDOUT_FILENO), 0);
        ck_assert_int_ge(dup2(p[1], STDERR_FILENO), 0);
        d = itest_daemon_start(config, extra_args);
        ck_assert_int_ge(dup2(saved_out, STDOUT_FILENO), 0);
        ck_assert_int_ge(dup2(saved_err, STDERR_FILENO), 0);
        (void) close(saved_out);
        (void) close(saved_err);
        (void) close(p[1]);
        c->text = g_string_new(NULL);
        c->lines = g_ptr_array_new_with_free_func(g_free);
        c->arrived = g_array_new(FALSE, FALSE, sizeof(gint64));
        raw = g_unix_input_stream_new(p[0], TRUE);
        c->in = g_data_input_stream_new(raw);
        g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, NULL, on_capture_line, c);
        return d;
}

/* Iterates the loop, bounded, until @done holds of @c or its pipe ended. */
static gboolean
capture_wait_until(ItestCapture *c, gboolean (*done)(ItestCapture *c, gconstpointer data),
                   gconstpointer data)
{
        gboolean expired = FALSE;
        guint id = g_timeout_add_seconds(ITEST_TIMEOUT_SEC, on_wait_timeout, &expired);

        while (!done(c, data) && !expired && !c->ended)
                g_main_context_iteration(NULL, TRUE);
        if (!expired)
                g_source_remove(id);
        return done(c, data);
}

static gboolean
capture_has(ItestCapture *c, gconstpointer needle)
{
        return strstr(c->text->str, needle) != NULL;
}

gboolean
itest_capture_wait(ItestCapture *c, const char *needle)
{
        return capture_wait_until(c, capture_has, needle);
}

static gboolean
capture_has_lines(ItestCapture *c, gconstpointer n)
{
        return c->lines->len >= GPOINTER_TO_UINT(n);
}

gboolean
itest_capture_wait_lines(ItestCapture *c, guint n)
{
        return capture_wait_until(c, capture_has_lines, GUINT_TO_POINTER(n));
}

void
itest_capture_clear(ItestCapture *c)
{
        (void) itest_wait_flag(&c->ended, ITEST_TIMEOUT_SEC);
        g_clear_object(&c->in);
        g_string_free(c->text, TRUE);
        g_ptr_array_unref(c->lines);
        g_array_unref(c->arrived);
}

gboolean
itest_wait_flag(const gboolean *flag, guint timeout_sec)
{
        gboolean expired = FALSE;
        guint id = g_timeout_add_seconds(timeout_sec, on_wait_timeout, &expired);

        while (!*flag && !expired)
                g_main_context_iteration(NULL, TRUE);
        if (!expired)
                g_source_remove(id);
        return *flag;
}

gboolean
itest_journal_contains(const char *const *match, const char *needle)
{
        const char *const sync[] = { "journalctl", "--sync", NULL };
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autofree char *out = NULL;

        /* --sync returns once journald has written everything it received
         * before the call, so no retry loop is needed. */
        if (itest_run(sync, NULL) != 0)
                return FALSE;
        g_ptr_array_add(argv, (gpointer) "journalctl");
        g_ptr_array_add(argv, (gpointer) "--no-pager");
        g_ptr_array_add(argv, (gpointer) "-o");
        g_ptr_array_add(argv, (gpointer) "cat");
        for (const char *const *m = match; *m; m++)
                g_ptr_array_add(argv, (gpointer) *m);
        g_ptr_array_add(argv, NULL);
        if (itest_run((const char *const *) argv->pdata, &out) != 0)
                return FALSE;
        return strstr(out, needle) != NULL;
}

/* ---- the harness's journald ---------------------------------------------- */

static const char *
journald_pid_file(void)
{
        const char *path = g_getenv("STEWARD_HARNESS_JOURNALD_PID_FILE");

        ck_assert_msg(path, "STEWARD_HARNESS_JOURNALD_PID_FILE is not set: an old steward-harness?");
        return path;
}

pid_t
itest_journald_pid(void)
{
        g_autofree char *text = NULL;
        g_autofree char *stat_path = NULL;
        g_autofree char *stat = NULL;
        guint64 pid;
        const char *state;

        if (!g_file_get_contents(journald_pid_file(), &text, NULL, NULL) ||
            !g_ascii_string_to_unsigned(g_strstrip(text), 10, 1, G_MAXINT32, &pid, NULL))
                return 0;
        /* Gone, or a zombie nobody reaped (its parent was a test process
         * that ended): not running either way. */
        stat_path = g_strdup_printf("/proc/%" G_GUINT64_FORMAT "/stat", pid);
        if (!g_file_get_contents(stat_path, &stat, NULL, NULL))
                return 0;
        state = strrchr(stat, ')');
        if (!state || g_str_has_prefix(state, ") Z") || g_str_has_prefix(state, ") X"))
                return 0;
        return (pid_t) pid;
}

int
itest_pidfd_open(pid_t pid)
{
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);

        ck_assert_msg(fd >= 0, "pidfd_open(%d): %s", (int) pid, g_strerror(errno));
        return fd;
}

gboolean
itest_pidfd_wait_exit(int pidfd, guint timeout_sec)
{
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        /* Readable once it has exited, reaped or not. */
        gboolean exited = poll(&p, 1, (int) timeout_sec * 1000) == 1;

        (void) close(pidfd);
        return exited;
}

void
itest_journald_kill(void)
{
        pid_t pid = itest_journald_pid();
        int pidfd;

        ck_assert_msg(pid > 0, "no journald runs");
        pidfd = itest_pidfd_open(pid);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        /* Its sockets closed with it. */
        ck_assert_msg(itest_pidfd_wait_exit(pidfd, ITEST_TIMEOUT_SEC), "journald outlived SIGKILL");
        /* Ours to reap when a test of this process started it. */
        (void) waitpid(pid, NULL, WNOHANG);
}

void
itest_journald_stop(void)
{
        pid_t pid = itest_journald_pid();

        ck_assert_msg(pid > 0, "no journald runs");
        ck_assert_int_eq(kill(pid, SIGSTOP), 0);
}

void
itest_journald_cont(void)
{
        pid_t pid = itest_journald_pid();

        if (pid > 0)
                ck_assert_int_eq(kill(pid, SIGCONT), 0);
}

static void
journald_child_setup(gpointer user_data)
{
        int fd = open(user_data, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        /* Out of the test's process group: check kills that group when the
         * test ends, and this journald is for the tests after it too. */
        (void) setsid();

        if (fd >= 0) {
                (void) dup2(fd, STDOUT_FILENO);
                (void) dup2(fd, STDERR_FILENO);
        }
}

void
itest_journald_start(void)
{
        const char *binary = g_getenv("STEWARD_HARNESS_JOURNALD");
        g_autofree char *dir = g_path_get_dirname(journald_pid_file());
        g_autofree char *log = g_build_filename(dir, "journald.log", NULL);
        g_autofree char *notify_dir = NULL;
        g_autofree char *notify_path = NULL;
        g_autofree char *pid_text = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) env = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char *argv[] = { (char *) binary, NULL };
        gint64 deadline;
        gboolean ready = FALSE;
        GPid pid;
        int fd;

        if (itest_journald_pid() > 0) {
                itest_journald_cont();
                return;
        }
        ck_assert_msg(binary, "STEWARD_HARNESS_JOURNALD is not set");

        /* Its READY=1 comes once its sockets are bound: only then does a
         * test's next entry reach it. */
        notify_dir = g_dir_make_tmp("itest-journald-XXXXXX", &error);
        ck_assert_msg(notify_dir, "%s", error ? error->message : "");
        notify_path = g_build_filename(notify_dir, "notify", NULL);
        g_strlcpy(sa.sun_path, notify_path, sizeof(sa.sun_path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_msg(bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0, "bind: %s", g_strerror(errno));

        env = g_environ_setenv(g_get_environ(), "NOTIFY_SOCKET", notify_path, TRUE);
        ck_assert_msg(g_spawn_async(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                                    journald_child_setup, log, &pid, &error),
                      "%s", error ? error->message : "");

        deadline = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;
        while (!ready) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                gint64 left = (deadline - g_get_monotonic_time()) / 1000;
                char buf[4096];
                ssize_t n;

                ck_assert_msg(left > 0 && poll(&p, 1, (int) left) == 1, "journald sent no READY=1");
                n = recv(fd, buf, sizeof(buf) - 1, 0);
                if (n <= 0)
                        continue;
                buf[n] = '\0';
                for (const char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                        if (g_str_has_prefix(l, "READY=1"))
                                ready = TRUE;
        }
        (void) close(fd);
        (void) unlink(notify_path);
        (void) rmdir(notify_dir);

        pid_text = g_strdup_printf("%d\n", (int) pid);
        ck_assert(g_file_set_contents(journald_pid_file(), pid_text, -1, NULL));
}

guint
itest_journal_fill(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/systemd/journal/socket" };
        static const char entry[] = "MESSAGE=itest: filling the journal socket\nSYSLOG_IDENTIFIER=itest\n";
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        int sndbuf = 8 * 1024 * 1024;
        guint n = 0;

        ck_assert_int_ge(fd, 0);
        /* Our own send buffer must not be what runs out first. */
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
        for (;;) {
                ssize_t r = sendto(fd, entry, sizeof(entry) - 1, MSG_NOSIGNAL, (struct sockaddr *) &sa,
                                   sizeof(sa));

                if (r < 0) {
                        ck_assert_msg(errno == EAGAIN, "filling the journal: %s", g_strerror(errno));
                        break;
                }
                n++;
                ck_assert_msg(n < 1000000, "the journal socket never filled: is journald stopped?");
        }
        (void) close(fd);
        return n;
}

typedef struct {
        const char *path;
        gboolean want_empty; /* gone or empty, rather than there */
        gboolean done;
} FileWait;

static gboolean
file_wait_done(const FileWait *w)
{
        GStatBuf st;

        if (w->want_empty)
                return g_stat(w->path, &st) < 0 || st.st_size == 0;
        return g_file_test(w->path, G_FILE_TEST_EXISTS);
}

static void
on_dir_changed(GFileMonitor *mon, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
        FileWait *w = user_data;

        w->done = file_wait_done(w);
}

void
itest_fifo_write(const char *fifo, const char *text)
{
        int fd = open(fifo, O_WRONLY | O_CLOEXEC);
        size_t n = strlen(text);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, text, n), (ssize_t) n);
        ck_assert_int_eq(close(fd), 0);
}

static gboolean
file_wait(const char *path, gboolean want_empty, guint timeout_sec)
{
        g_autofree char *dirname = g_path_get_dirname(path);
        g_autoptr(GFile) dir = g_file_new_for_path(dirname);
        g_autoptr(GFileMonitor) mon = NULL;
        FileWait w = { .path = path, .want_empty = want_empty };
        gulong handler;

        mon = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
        if (!mon)
                return FALSE;
        handler = g_signal_connect(mon, "changed", G_CALLBACK(on_dir_changed), &w);
        /* Checked after the monitor exists, so a change in between is seen. */
        w.done = file_wait_done(&w);
        (void) itest_wait_flag(&w.done, timeout_sec);
        /* The monitor may outlive this frame (a pending emission holds it):
         * w must not be reached after the return. */
        g_signal_handler_disconnect(mon, handler);
        g_file_monitor_cancel(mon);
        return w.done;
}

gboolean
itest_wait_file(const char *path, guint timeout_sec)
{
        return file_wait(path, FALSE, timeout_sec);
}

gboolean
itest_wait_file_gone_or_empty(const char *path, guint timeout_sec)
{
        return file_wait(path, TRUE, timeout_sec);
}

typedef struct {
        GDataInputStream *in;
        const char *needle;
        gboolean found;
        gboolean ended;
        gboolean done; /* found or ended */
} JournalFollow;

static void
on_journal_line(GObject *source, GAsyncResult *res, gpointer user_data)
{
        JournalFollow *f = user_data;
        g_autofree char *line = g_data_input_stream_read_line_finish(f->in, res, NULL, NULL);

        if (!line) {
                f->ended = f->done = TRUE;
                return;
        }
        if (strstr(line, f->needle)) {
                f->found = f->done = TRUE;
                return;
        }
        g_data_input_stream_read_line_async(f->in, G_PRIORITY_DEFAULT, NULL, on_journal_line, f);
}

gboolean
itest_journal_wait(const char *const *match, const char *needle, guint timeout_sec)
{
        g_autoptr(GPtrArray) argv = g_ptr_array_new();
        g_autoptr(GError) error = NULL;
        g_autoptr(GInputStream) raw = NULL;
        JournalFollow f = { .needle = needle };
        gboolean done = FALSE;
        GPid pid;
        int out;

        g_ptr_array_add(argv, (gpointer) "journalctl");
        g_ptr_array_add(argv, (gpointer) "--follow");
        g_ptr_array_add(argv, (gpointer) "--no-pager");
        g_ptr_array_add(argv, (gpointer) "--lines=all");
        g_ptr_array_add(argv, (gpointer) "-o");
        g_ptr_array_add(argv, (gpointer) "cat");
        for (const char *const *m = match; *m; m++)
                g_ptr_array_add(argv, (gpointer) *m);
        g_ptr_array_add(argv, NULL);
        if (!g_spawn_async_with_pipes(NULL, (char **) argv->pdata, NULL,
                                      G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                      NULL, &out, NULL, &error)) {
                fprintf(stderr, "# journalctl: %s\n", error->message);
                return FALSE;
        }
        raw = g_unix_input_stream_new(out, TRUE);
        f.in = g_data_input_stream_new(raw);
        g_data_input_stream_read_line_async(f.in, G_PRIORITY_DEFAULT, NULL, on_journal_line, &f);
        (void) itest_wait_flag(&f.done, timeout_sec);
        done = f.found;
        (void) kill(pid, SIGTERM);
        /* A read still pending completes with EOF now; let it, so it does
         * not run after f is gone. */
        if (!f.found)
                (void) itest_wait_flag(&f.ended, ITEST_TIMEOUT_SEC);
        (void) waitpid(pid, NULL, 0);
        g_clear_object(&f.in);
        return done;
}

static void
on_daemon_exit(GPid pid, int status, gpointer user_data)
{
        ItestDaemon *d = user_data;

        d->exited = TRUE;
        d->status = status;
        g_spawn_close_pid(pid);
}

typedef struct {
        gboolean appeared;
} NameWait;

static void
on_name_appeared(GDBusConnection *c, const char *name, const char *owner, gpointer user_data)
{
        NameWait *w = user_data;

        w->appeared = TRUE;
}

static void
on_name_vanished(GDBusConnection *c, const char *name, gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
}

/* In the forked child, before the exec: async-signal-safe calls only. */
static void
daemon_child_setup(gpointer user_data)
{
        const ItestDaemon *d = user_data;
        struct rlimit rl = { d->nofile, d->nofile };

        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                _exit(127);
}

/* Starts (another) stewardd on d's directory and waits for its bus name. */
static void
daemon_spawn(ItestDaemon *d)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *run = g_build_filename(d->dir, "run", NULL);
        g_auto(GStrv) env = g_get_environ();
        const char *build = g_getenv("STEWARD_BUILD_DIR");
        NameWait w = { 0 };
        guint watch;

        ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
        g_ptr_array_add(argv, g_build_filename(build, "src", "stewardd", NULL));
        g_ptr_array_add(argv, g_strdup("--user"));
        g_ptr_array_add(argv, g_strdup_printf("--config=%s", d->dir));
        for (char **a = d->extra_args; a && *a; a++)
                g_ptr_array_add(argv, g_strdup(*a));
        g_ptr_array_add(argv, NULL);
        /* Its own runtime directory, as RuntimeDirectory= would give it:
         * the state file and the notify socket of one test are not another's.
         * A test that sets RUNTIME_DIRECTORY itself chooses its own. */
        env = g_environ_setenv(env, "RUNTIME_DIRECTORY", run, FALSE);

        {
                /* A daemon an earlier failed test left running would answer
                 * for this one: refuse to start on top of it. One that was
                 * just killed holds the name until the bus has noticed. */
                gboolean vanished = FALSE;
                guint free_watch = g_bus_watch_name_on_connection(d->bus, "org.steward.Supervisor1",
                                                                  G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                                                  on_name_vanished, &vanished, NULL);

                ck_assert_msg(itest_wait_flag(&vanished, ITEST_TIMEOUT_SEC),
                              "org.steward.Supervisor1 is already owned: a stewardd from an earlier test");
                g_bus_unwatch_name(free_watch);
        }
        /* Listening before starting: no event and no name can pass unseen. */
        g_clear_pointer(&d->events, itest_events_free);
        d->events = itest_events_new(d->bus);
        d->exited = FALSE;
        d->status = 0;
        watch = g_bus_watch_name_on_connection(d->bus, "org.steward.Supervisor1",
                                               G_BUS_NAME_WATCHER_FLAGS_NONE, on_name_appeared, NULL, &w,
                                               NULL);
        ck_assert_msg(g_spawn_async(NULL, (char **) argv->pdata, env, G_SPAWN_DO_NOT_REAP_CHILD,
                                    d->nofile ? daemon_child_setup : NULL, d, &d->pid, &error),
                      "%s", error ? error->message : "");
        g_child_watch_add(d->pid, on_daemon_exit, d);
        itest_wait_flag(&w.appeared, ITEST_TIMEOUT_SEC);
        g_bus_unwatch_name(watch);
        ck_assert_msg(w.appeared, "stewardd never took its bus name (exited: %d)", d->exited);
}

/* What an earlier test that failed half way left running: a new stewardd
 * would take its scopes over (live restore) and the next test would start
 * from its state. Killed and waited for (systemctl stop returns once the
 * units are stopped). */
static void
clear_leftover_scopes(void)
{
        const char *kill_argv[] = {
                "systemctl", "--user", "kill", "--signal=KILL", "steward-*.scope", NULL
        };
        const char *stop_argv[] = { "systemctl", "--user", "stop", "steward-*.scope", NULL };

        (void) itest_run(kill_argv, NULL);
        (void) itest_run(stop_argv, NULL);
}

ItestDaemon *
itest_daemon_start_nofile(const char *config, const char *const *extra_args, guint nofile)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *conf = NULL;
        ItestDaemon *d = g_new0(ItestDaemon, 1);

        d->dir = g_dir_make_tmp("steward-itest-XXXXXX", &error);
        ck_assert_msg(d->dir, "%s", error ? error->message : "");
        conf = g_build_filename(d->dir, "steward.conf", NULL);
        ck_assert(g_file_set_contents(conf, config, -1, NULL));
        d->extra_args = g_strdupv((char **) extra_args);
        d->nofile = nofile;
        d->bus = itest_bus();
        clear_leftover_scopes();
        daemon_spawn(d);
        return d;
}

ItestDaemon *
itest_daemon_start(const char *config, const char *const *extra_args)
{
        return itest_daemon_start_nofile(config, extra_args, 0);
}

ItestDaemon *
itest_daemon_start_xdg(const char *config, const char *const *extra_args, char **ret_xdg)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *xdg = g_dir_make_tmp("steward-xdg-XXXXXX", &error);
        g_autofree char *run = NULL;
        g_autofree char *saved = g_strdup(g_getenv("RUNTIME_DIRECTORY"));
        ItestDaemon *d;

        ck_assert_msg(xdg, "%s", error ? error->message : "");
        run = g_build_filename(xdg, "steward", NULL);
        ck_assert_int_eq(g_mkdir(run, 0755), 0);
        /* daemon_spawn() takes the test process's own when it has one. */
        g_setenv("RUNTIME_DIRECTORY", run, TRUE);
        d = itest_daemon_start(config, extra_args);
        if (saved)
                g_setenv("RUNTIME_DIRECTORY", saved, TRUE);
        else
                g_unsetenv("RUNTIME_DIRECTORY");
        *ret_xdg = g_steal_pointer(&xdg);
        return d;
}

void
itest_daemon_kill(ItestDaemon *d)
{
        gboolean vanished = FALSE;
        guint watch;

        ck_assert(!d->exited);
        ck_assert_int_eq(kill(d->pid, SIGKILL), 0);
        ck_assert_msg(itest_wait_flag(&d->exited, ITEST_TIMEOUT_SEC), "stewardd outlived SIGKILL");
        /* The bus learns of the death on its own time: the name is free
         * only once it says so. */
        watch = g_bus_watch_name_on_connection(d->bus, "org.steward.Supervisor1",
                                               G_BUS_NAME_WATCHER_FLAGS_NONE, NULL, on_name_vanished,
                                               &vanished, NULL);
        ck_assert_msg(itest_wait_flag(&vanished, ITEST_TIMEOUT_SEC), "the killed stewardd's name stayed");
        g_bus_unwatch_name(watch);
}

void
itest_daemon_restart(ItestDaemon *d)
{
        ck_assert_msg(d->exited, "the previous stewardd still runs");
        daemon_spawn(d);
}

int
itest_daemon_wait(ItestDaemon *d, guint timeout_sec)
{
        ck_assert_msg(itest_wait_flag(&d->exited, timeout_sec), "stewardd did not exit");
        return WIFEXITED(d->status) ? WEXITSTATUS(d->status) : 128 + WTERMSIG(d->status);
}

int
itest_remove_tree(const char *dir)
{
        g_autoptr(GDir) dh = g_dir_open(dir, 0, NULL);
        const char *name;

        while (dh && (name = g_dir_read_name(dh))) {
                g_autofree char *path = g_build_filename(dir, name, NULL);
                if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
                        itest_remove_tree(path);
                else
                        (void) unlink(path);
        }
        return rmdir(dir);
}

void
itest_daemon_free(ItestDaemon *d)
{
        if (!d)
                return;
        if (!d->exited) {
                (void) kill(d->pid, SIGTERM);
                (void) itest_wait_flag(&d->exited, ITEST_TIMEOUT_SEC);
                if (!d->exited)
                        (void) kill(d->pid, SIGKILL);
        }
        if (d->dir)
                (void) itest_remove_tree(d->dir);
        g_free(d->dir);
        g_strfreev(d->extra_args);
        g_clear_pointer(&d->events, itest_events_free);
        g_clear_object(&d->bus);
        g_free(d);
}

GVariant *
itest_manager_call_error(ItestDaemon *d, const char *method, GVariant *params, const char *reply_type,
                         GError **error)
{
        return g_dbus_connection_call_sync(d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                                           "org.steward.Supervisor1.Manager", method, params,
                                           reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
                                           G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, error);
}

GVariant *
itest_manager_call(ItestDaemon *d, const char *method, GVariant *params, const char *reply_type)
{
        g_autoptr(GError) error = NULL;
        GVariant *reply = itest_manager_call_error(d, method, params, reply_type, &error);

        ck_assert_msg(reply, "%s: %s", method, error ? error->message : "");
        return reply;
}

GDBusConnection *
itest_connect_private(const char *path)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *escaped = g_dbus_address_escape_value(path);
        g_autofree char *address = g_strdup_printf("unix:path=%s", escaped);
        GDBusConnection *c = g_dbus_connection_new_for_address_sync(
                address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL, NULL, &error);

        ck_assert_msg(c, "%s: %s", path, error ? error->message : "");
        g_dbus_connection_set_exit_on_close(c, FALSE);
        return c;
}

GVariant *
itest_direct_call(GDBusConnection *direct, const char *method, GVariant *params, const char *reply_type)
{
        g_autoptr(GError) error = NULL;
        GVariant *reply = g_dbus_connection_call_sync(
                direct, NULL, "/org/steward/Supervisor1", "org.steward.Supervisor1.Manager", method, params,
                reply_type ? G_VARIANT_TYPE(reply_type) : NULL, G_DBUS_CALL_FLAGS_NONE,
                ITEST_TIMEOUT_SEC * 1000, NULL, &error);

        ck_assert_msg(reply, "%s: %s", method, error ? error->message : "");
        return reply;
}

/* The object path of a child or supervisor, its name escaped as stewardd
 * does (a bus label). */
static char *
object_path(const char *prefix, const char *name)
{
        GString *s = g_string_new(prefix);

        for (const char *p = name; *p; p++) {
                if (g_ascii_isalpha(*p) || (p > name && g_ascii_isdigit(*p)))
                        g_string_append_c(s, *p);
                else
                        g_string_append_printf(s, "_%02x", (unsigned char) *p);
        }
        return g_string_free(s, FALSE);
}

static char *
child_path(const char *name)
{
        return object_path("/org/steward/Supervisor1/child/", name);
}

static GVariant *
object_property(ItestDaemon *d, const char *path, const char *iface, const char *name, const char *property)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        GVariant *value;

        reply = g_dbus_connection_call_sync(d->bus, "org.steward.Supervisor1", path,
                                            "org.freedesktop.DBus.Properties", "Get",
                                            g_variant_new("(ss)", iface, property), G_VARIANT_TYPE("(v)"),
                                            G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, &error);
        ck_assert_msg(reply, "Get %s.%s: %s", name, property, error ? error->message : "");
        g_variant_get(reply, "(v)", &value);
        return value;
}

GVariant *
itest_child_property(ItestDaemon *d, const char *name, const char *property)
{
        g_autofree char *path = child_path(name);

        return object_property(d, path, "org.steward.Supervisor1.Child", name, property);
}

GVariant *
itest_supervisor_property(ItestDaemon *d, const char *name, const char *property)
{
        g_autofree char *path = object_path("/org/steward/Supervisor1/supervisor/", name);

        return object_property(d, path, "org.steward.Supervisor1.Supervisor", name, property);
}

typedef struct {
        const char *property;
        GVariant *value;
        gboolean equal;
} PropertyWait;

static void
on_properties(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
              const char *signal, GVariant *params, gpointer user_data)
{
        PropertyWait *w = user_data;
        g_autoptr(GVariant) changed = NULL;
        g_autoptr(GVariant) v = NULL;

        g_variant_get(params, "(&s@a{sv}@as)", NULL, &changed, NULL);
        v = g_variant_lookup_value(changed, w->property, NULL);
        if (v && g_variant_equal(v, w->value))
                w->equal = TRUE;
}

static gboolean
object_wait_property(ItestDaemon *d, const char *path, const char *iface, const char *name,
                     const char *property, GVariant *value, guint timeout_sec)
{
        g_autoptr(GVariant) current = NULL;
        g_autoptr(GVariant) expected = g_variant_ref_sink(value);
        PropertyWait w = { .property = property, .value = expected };
        guint sub;

        sub = g_dbus_connection_signal_subscribe(
                d->bus, "org.steward.Supervisor1", "org.freedesktop.DBus.Properties", "PropertiesChanged",
                path, iface, G_DBUS_SIGNAL_FLAGS_NONE, on_properties, &w, NULL);
        /* Read after subscribing, so a change in between is not lost. */
        current = object_property(d, path, iface, name, property);
        if (g_variant_equal(current, expected))
                w.equal = TRUE;
        itest_wait_flag(&w.equal, timeout_sec);
        g_dbus_connection_signal_unsubscribe(d->bus, sub);
        return w.equal;
}

gboolean
itest_child_wait_property(ItestDaemon *d, const char *name, const char *property, GVariant *value,
                          guint timeout_sec)
{
        g_autofree char *path = child_path(name);

        return object_wait_property(d, path, "org.steward.Supervisor1.Child", name, property, value,
                                    timeout_sec);
}

gboolean
itest_supervisor_wait_property(ItestDaemon *d, const char *name, const char *property, GVariant *value,
                               guint timeout_sec)
{
        g_autofree char *path = object_path("/org/steward/Supervisor1/supervisor/", name);

        return object_wait_property(d, path, "org.steward.Supervisor1.Supervisor", name, property, value,
                                    timeout_sec);
}

static void
on_event(GDBusConnection *bus, const char *sender, const char *path, const char *iface, const char *signal,
         GVariant *params, gpointer user_data)
{
        ItestEvents *e = user_data;

        g_ptr_array_add(e->events, g_variant_ref(params));
}

ItestEvents *
itest_events_new(GDBusConnection *bus)
{
        ItestEvents *e = g_new0(ItestEvents, 1);

        e->bus = bus;
        e->events = g_ptr_array_new_with_free_func((GDestroyNotify) g_variant_unref);
        /* Any sender: in the harness only stewardd sends these. A
         * subscription to the well-known name also needs GDBus to have
         * followed the name to the new stewardd's unique name (GLib's
         * sender checks since CVE-2024-34397) before its first signal, and
         * beside a full suite a chaos run lost the tree_adopted of a
         * stewardd started again, which it had logged. */
        e->subscription = g_dbus_connection_signal_subscribe(bus, NULL, "org.steward.Supervisor1.Manager",
                                                             "Event", "/org/steward/Supervisor1", NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE, on_event, e, NULL);
        /* A stewardd started right after, on a loaded machine, sent its
         * first events before the bus daemon had the rule (a test counted
         * no child_starting of a child that had started). */
        itest_bus_sync(bus);
        return e;
}

void
itest_events_free(ItestEvents *e)
{
        if (!e)
                return;
        g_dbus_connection_signal_unsubscribe(e->bus, e->subscription);
        g_ptr_array_unref(e->events);
        g_free(e);
}

#define ANY_GENERATION G_MAXUINT64

static gboolean
event_matches(GVariant *ev, const char *kind, const char *child, guint64 generation)
{
        const char *k, *c;
        guint64 g;

        g_variant_get(ev, "(t&s&st@a{sv})", NULL, &k, &c, &g, NULL);
        return g_str_equal(k, kind) && (!child || g_str_equal(c, child)) &&
               (generation == ANY_GENERATION || g == generation);
}

guint
itest_events_count(ItestEvents *e, const char *kind, const char *child)
{
        guint n = 0;

        for (guint i = 0; i < e->events->len; i++)
                if (event_matches(g_ptr_array_index(e->events, i), kind, child, ANY_GENERATION))
                        n++;
        return n;
}

static gboolean
on_events_timeout(gpointer user_data)
{
        gboolean *expired = user_data;

        *expired = TRUE;
        return G_SOURCE_REMOVE;
}

static GVariant *
events_wait(ItestEvents *e, const char *kind, const char *child, guint64 generation, guint *from,
            guint timeout_sec)
{
        gboolean expired = FALSE;
        guint id = g_timeout_add_seconds(timeout_sec, on_events_timeout, &expired);
        guint i = from ? *from : 0;
        GVariant *found = NULL;

        while (!found) {
                for (; i < e->events->len && !found; i++)
                        if (event_matches(g_ptr_array_index(e->events, i), kind, child, generation))
                                found = g_ptr_array_index(e->events, i);
                if (found || expired)
                        break;
                g_main_context_iteration(NULL, TRUE);
        }
        if (!expired)
                g_source_remove(id);
        if (found && from)
                *from = i;
        return found;
}

GVariant *
itest_events_wait(ItestEvents *e, const char *kind, const char *child, guint *from, guint timeout_sec)
{
        return events_wait(e, kind, child, ANY_GENERATION, from, timeout_sec);
}

GVariant *
itest_events_wait_generation(ItestEvents *e, const char *kind, const char *child, guint64 generation,
                             guint timeout_sec)
{
        return events_wait(e, kind, child, generation, NULL, timeout_sec);
}

GVariant *
itest_events_find_sequence(ItestEvents *e, guint64 seq)
{
        for (guint i = 0; i < e->events->len; i++) {
                GVariant *ev = g_ptr_array_index(e->events, i);
                guint64 s;

                g_variant_get(ev, "(t&s&st@a{sv})", &s, NULL, NULL, NULL, NULL);
                if (s == seq)
                        return ev;
        }
        return NULL;
}

char *
itest_overlap_probe_config(const char *dir, const char *timeout_stop)
{
        /* A zombie waiting for its reaper is out of the scope already, so
         * only a process in any other state counts as overlapping.
         *
         * Its stop signal is SIGWINCH, which a process ignores from its
         * first instruction by default: a trap for SIGTERM takes effect
         * only once sh gets to it, and a loaded machine let a RestartChild
         * right after "running" end the old incarnation before that (two
         * child_starting, not one). The trap stays for the manager's own
         * stop of the scope, which sends SIGTERM. */
        return g_strdup_printf("[Child api]\n"
                               "ExecStart=/bin/sh -c 'if [ -e %s/grandchild ] && "
                               "grep -qs \"^State:.[^Z]\" /proc/$(cat %s/grandchild)/status; "
                               "then echo overlap >> %s/result; fi; trap \"\" TERM; sleep 1000 & "
                               "echo $! > %s/grandchild; exec sleep 1000'\n"
                               "KillSignal=SIGWINCH\n"
                               "TimeoutStopSec=%s\n",
                               dir, dir, dir, dir, timeout_stop);
}

char *
itest_scope_child(const char *unit)
{
        const char *start = unit + strlen("steward-");
        const char *dash = strrchr(unit, '-');

        return dash && dash > start ? g_strndup(start, (gsize) (dash - start)) : g_strdup(unit);
}

GPid
itest_scope_hold(const char *unit)
{
        g_autofree char *unit_arg = g_strconcat("--unit=", unit, NULL);
        const char *argv[] = { "systemd-run", "--user", "--scope", unit_arg,
                               "--quiet",     "sh",     "-c",      "echo up; exec sleep 1000",
                               NULL };
        g_autoptr(GError) error = NULL;
        g_autoptr(GIOChannel) out = NULL;
        g_autofree char *line = NULL;
        GPid pid;
        int out_fd;

        ck_assert_msg(g_spawn_async_with_pipes(NULL, (char **) argv, NULL,
                                               G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                               &pid, NULL, &out_fd, NULL, &error),
                      "%s", error ? error->message : "");
        out = g_io_channel_unix_new(out_fd);
        g_io_channel_set_close_on_unref(out, TRUE);
        ck_assert_int_eq(g_io_channel_read_line(out, &line, NULL, NULL, NULL), G_IO_STATUS_NORMAL);
        ck_assert_msg(g_str_equal(line, "up\n"), "%s said '%s', not 'up'", unit, line);
        return pid;
}

void
itest_scope_release(GPid pid)
{
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, NULL, 0);
}

GPtrArray *
itest_live_scopes(void)
{
        g_autoptr(GDBusConnection) bus = itest_bus();
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariantIter) iter = NULL;
        GPtrArray *units = g_ptr_array_new_with_free_func(g_free);
        const char *patterns[] = { "steward-*.scope", NULL };
        const char *name, *active;

        reply = g_dbus_connection_call_sync(
                bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns",
                g_variant_new("(^as^as)", (const char *const[]){ NULL }, patterns),
                G_VARIANT_TYPE("(a(ssssssouso))"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(reply);
        g_variant_get(reply, "(a(ssssssouso))", &iter);
        while (g_variant_iter_next(iter, "(&s&s&s&s&s&s&ou&s&o)", &name, NULL, NULL, &active, NULL, NULL,
                                   NULL, NULL, NULL, NULL))
                if (!g_str_equal(active, "inactive") && !g_str_equal(active, "failed"))
                        g_ptr_array_add(units, g_strdup(name));
        return units;
}

/* Every child of @parent (of each of its threads: GLib may have spawned
 * from any). */
static GArray *
children_of(GPid parent)
{
        g_autofree char *dir = g_strdup_printf("/proc/%d/task", (int) parent);
        g_autoptr(GDir) tasks = g_dir_open(dir, 0, NULL);
        GArray *children = g_array_new(FALSE, FALSE, sizeof(pid_t));
        const char *tid;

        while (tasks && (tid = g_dir_read_name(tasks))) {
                g_autofree char *path = g_strdup_printf("%s/%s/children", dir, tid);
                g_autofree char *text = NULL;
                g_auto(GStrv) pids = NULL;

                if (!g_file_get_contents(path, &text, NULL, NULL))
                        continue;
                pids = g_strsplit(g_strstrip(text), " ", -1);
                for (char **p = pids; *p && **p; p++) {
                        pid_t pid = (pid_t) g_ascii_strtoll(*p, NULL, 10);
                        g_array_append_val(children, pid);
                }
        }
        return children;
}

static gboolean
comm_is(pid_t pid, const char *name)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/comm", (int) pid);
        g_autofree char *comm = NULL;

        return g_file_get_contents(path, &comm, NULL, NULL) && g_str_equal(g_strstrip(comm), name);
}

/* The spawner, even while it forks: it is named steward-exec around the
 * fork. Its command line says --spawner, and so does a fork's until it
 * clears it, which it does before it starts its own session: the
 * spawner's session is its own from the start. */
static gboolean
is_spawner(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/cmdline", (int) pid);
        g_autofree char *cmdline = NULL;
        gsize len;

        if (comm_is(pid, "steward-spawner"))
                return TRUE;
        if (!g_file_get_contents(path, &cmdline, &len, NULL))
                return FALSE;
        /* "steward-exec\0--spawner\0" */
        return len > strlen(cmdline) + 1 && g_str_equal(cmdline + strlen(cmdline) + 1, "--spawner") &&
               getsid(pid) == pid;
}

pid_t
itest_spare_of(GPid parent, pid_t except)
{
        g_autofree char *executor = realpath(g_getenv("STEWARD_EXECUTOR_PATH"), NULL);
        g_autoptr(GArray) children = children_of(parent);
        pid_t found = 0;

        ck_assert_msg(executor, "STEWARD_EXECUTOR_PATH: %s", g_strerror(errno));
        for (guint i = 0; i < children->len; i++) {
                pid_t pid = g_array_index(children, pid_t, i);
                g_autofree char *exe_path = g_strdup_printf("/proc/%d/exe", (int) pid);
                g_autofree char *exe = g_file_read_link(exe_path, NULL);

                if (pid == except || !exe || !g_str_equal(exe, executor) || is_spawner(pid))
                        continue;
                ck_assert_msg(found == 0, "two spares: %d and %d", (int) found, (int) pid);
                found = pid;
        }
        return found;
}

pid_t
itest_spawner_of(GPid parent)
{
        g_autoptr(GArray) children = children_of(parent);
        pid_t found = 0;

        for (guint i = 0; i < children->len; i++) {
                pid_t pid = g_array_index(children, pid_t, i);

                if (!is_spawner(pid))
                        continue;
                ck_assert_msg(found == 0, "two spawners: %d and %d", (int) found, (int) pid);
                found = pid;
        }
        return found;
}

static int
compare_durations(gconstpointer a, gconstpointer b)
{
        gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

        return (x > y) - (x < y);
}

double
itest_quantile_ms(GArray *durations, double q)
{
        g_assert(durations->len > 0);
        g_array_sort(durations, compare_durations);
        return g_array_index(durations, gint64, (guint) (q * (durations->len - 1) + 0.5)) / 1e3;
}

guint64
itest_proc_rss_kib(GPid pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);
        g_autofree char *status = NULL;
        const char *rss;

        if (!g_file_get_contents(path, &status, NULL, NULL) || !(rss = strstr(status, "VmRSS:")))
                return 0;
        return g_ascii_strtoull(rss + strlen("VmRSS:"), NULL, 10);
}

/* The fields of /proc/@pid/stat after the name, from the state (field 3)
 * on; NULL when it is gone. */
static char **
proc_stat_fields(GPid pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
        g_autofree char *stat = NULL;
        const char *after_comm;
        char **fields;

        if (!g_file_get_contents(path, &stat, NULL, NULL) || !(after_comm = strrchr(stat, ')')))
                return NULL;
        fields = g_strsplit(after_comm + 2, " ", -1);
        if (g_strv_length(fields) < 13)
                g_clear_pointer(&fields, g_strfreev);
        return fields;
}

double
itest_proc_cpu_seconds(GPid pid)
{
        g_auto(GStrv) fields = proc_stat_fields(pid);

        /* utime and stime are fields 14 and 15. */
        if (!fields)
                return 0;
        return (double) (g_ascii_strtoull(fields[11], NULL, 10) + g_ascii_strtoull(fields[12], NULL, 10)) /
               (double) sysconf(_SC_CLK_TCK);
}

double
itest_proc_waited_seconds(GPid pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/schedstat", (int) pid);
        g_autofree char *contents = NULL;
        g_auto(GStrv) fields = NULL;

        /* Time on a CPU, time waiting on a run queue (both in ns), and the
         * number of time slices. */
        if (!g_file_get_contents(path, &contents, NULL, NULL))
                return 0;
        fields = g_strsplit(contents, " ", 3);
        if (g_strv_length(fields) < 2)
                return 0;
        return (double) g_ascii_strtoull(fields[1], NULL, 10) / 1e9;
}

GPid
itest_proc_parent(GPid pid)
{
        g_auto(GStrv) fields = proc_stat_fields(pid);

        /* ppid is field 4. */
        return fields ? (GPid) g_ascii_strtoll(fields[1], NULL, 10) : 0;
}

const char *
itest_event_str(GVariant *ev, const char *field)
{
        g_autoptr(GVariant) fields = g_variant_get_child_value(ev, 4);
        const char *v = NULL;

        /* The string lives as long as the event does. */
        (void) g_variant_lookup(fields, field, "&s", &v);
        return v;
}

guint64
itest_event_sequence(GVariant *ev)
{
        guint64 seq;

        g_variant_get_child(ev, 0, "t", &seq);
        return seq;
}

GPid
itest_name_pid(GDBusConnection *bus, const char *name)
{
        g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
                bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "GetConnectionUnixProcessID", g_variant_new("(s)", name), G_VARIANT_TYPE("(u)"),
                G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        guint32 pid = 0;

        if (reply)
                g_variant_get(reply, "(u)", &pid);
        return (GPid) pid;
}

void
itest_peers_begin(GDBusConnection *bus, ItestPeers *p)
{
        p->manager = itest_name_pid(bus, "org.freedesktop.systemd1");
        p->journald = itest_journald_pid();
        p->bus = itest_name_pid(bus, "org.freedesktop.DBus");
        p->at_begin = (ItestPeersCpu){
                .manager = itest_proc_cpu_seconds(p->manager),
                .journald = itest_proc_cpu_seconds(p->journald),
                .bus = itest_proc_cpu_seconds(p->bus),
                .manager_waited = itest_proc_waited_seconds(p->manager),
        };
}

void
itest_peers_spent(const ItestPeers *p, ItestPeersCpu *ret)
{
        *ret = (ItestPeersCpu){
                .manager = itest_proc_cpu_seconds(p->manager) - p->at_begin.manager,
                .journald = itest_proc_cpu_seconds(p->journald) - p->at_begin.journald,
                .bus = itest_proc_cpu_seconds(p->bus) - p->at_begin.bus,
                .manager_waited = itest_proc_waited_seconds(p->manager) - p->at_begin.manager_waited,
        };
}

char *
itest_state_path(ItestDaemon *d)
{
        return g_build_filename(d->dir, "run", "state", NULL);
}

guint64
itest_saved_sequence(const char *path)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();

        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
                return 0;
        return g_key_file_get_uint64(kf, "State", "Sequence", NULL);
}

typedef struct {
        const char *path;
        guint64 sequence;
        gboolean done;
} SavedWait;

static void
on_run_dir_changed(GFileMonitor *mon, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
        SavedWait *w = user_data;

        if (itest_saved_sequence(w->path) >= w->sequence)
                w->done = TRUE;
}

gboolean
itest_wait_saved_path(const char *path, guint64 sequence)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autoptr(GFile) f = g_file_new_for_path(dir);
        g_autoptr(GFileMonitor) mon = NULL;
        SavedWait w = { .path = path, .sequence = sequence };
        gulong handler;

        if (!itest_wait_file(path, ITEST_TIMEOUT_SEC))
                return FALSE;
        mon = g_file_monitor_directory(f, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
        if (!mon)
                return FALSE;
        handler = g_signal_connect(mon, "changed", G_CALLBACK(on_run_dir_changed), &w);
        w.done = itest_saved_sequence(path) >= sequence;
        (void) itest_wait_flag(&w.done, ITEST_TIMEOUT_SEC);
        /* The monitor may outlive this frame (its sources hold it): w must
         * not be reached after the return. */
        g_signal_handler_disconnect(mon, handler);
        g_file_monitor_cancel(mon);
        return w.done;
}

gboolean
itest_wait_saved(ItestDaemon *d, guint64 sequence)
{
        g_autofree char *path = itest_state_path(d);

        return itest_wait_saved_path(path, sequence);
}

gboolean
itest_sanitized(void)
{
        return g_getenv("STEWARD_SANITIZED") != NULL;
}

const char *
itest_outcome_str(GVariant *outcome, const char *key)
{
        const char *v = NULL;

        ck_assert_msg(g_variant_lookup(outcome, key, "&s", &v), "outcome has no %s", key);
        return v;
}

gboolean
itest_outcome_bool(GVariant *outcome, const char *key)
{
        gboolean v = FALSE;

        ck_assert_msg(g_variant_lookup(outcome, key, "b", &v), "outcome has no %s", key);
        return v;
}

GVariant *
itest_child_command(ItestDaemon *d, const char *method, const char *child, const char *reason)
{
        g_autoptr(GVariant) reply =
                itest_manager_call(d, method, g_variant_new("(ss)", child, reason), "(a{sv})");
        GVariant *outcome;

        g_variant_get(reply, "(@a{sv})", &outcome);
        return outcome;
}

guint64
itest_child_u64(ItestDaemon *d, const char *child, const char *property)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, property);

        return g_variant_get_uint64(v);
}

guint32
itest_child_main_pid(ItestDaemon *d, const char *child)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, "MainPID");

        return g_variant_get_uint32(v);
}

char *
itest_child_str(ItestDaemon *d, const char *child, const char *property)
{
        g_autoptr(GVariant) v = itest_child_property(d, child, property);

        return g_variant_dup_string(v, NULL);
}

gboolean
itest_wait_state(ItestDaemon *d, const char *child, const char *state)
{
        return itest_child_wait_property(d, child, "State", g_variant_new_string(state), ITEST_TIMEOUT_SEC);
}

guint32
itest_child_count(ItestDaemon *d)
{
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) v = NULL;

        reply = g_dbus_connection_call_sync(
                d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                "org.freedesktop.DBus.Properties", "Get",
                g_variant_new("(ss)", "org.steward.Supervisor1.Manager", "ChildCount"),
                G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert(reply);
        g_variant_get(reply, "(v)", &v);
        return g_variant_get_uint32(v);
}

guint64
itest_manager_u64(ItestDaemon *d, const char *property)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) v = NULL;

        reply = g_dbus_connection_call_sync(
                d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                "org.freedesktop.DBus.Properties", "Get",
                g_variant_new("(ss)", "org.steward.Supervisor1.Manager", property), G_VARIANT_TYPE("(v)"),
                G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
        ck_assert_msg(reply, "%s: %s", property, error ? error->message : "");
        g_variant_get(reply, "(v)", &v);
        ck_assert_msg(g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64), "%s is no t", property);
        return g_variant_get_uint64(v);
}

char *
itest_notify_child_path(void)
{
        const char *build = g_getenv("STEWARD_BUILD_DIR");

        ck_assert_msg(build, "STEWARD_BUILD_DIR is not set");
        return g_build_filename(build, "tests", "integration", "notify-child", NULL);
}

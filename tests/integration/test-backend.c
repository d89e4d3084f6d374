/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-backend.c: both backends against the real manager and journal: exits, stop escalation, failures. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include "itest.h"
#include "steward-backend.h"
#include "steward-names.h"

/* Loop index of each test: which backend runs it. */
static const StewardBackendKind kinds[] = { STEWARD_BACKEND_SCOPE, STEWARD_BACKEND_PROCESS };

typedef struct {
        GString *log; /* "spawned exited gone" in the order they came */
        gboolean spawned, exited, gone, failed;
        pid_t pid;
        int status;
        char *failure;
        char *unit;
} Record;

static void
on_spawned(gpointer data, const char *child, guint64 generation, pid_t pid, const char *unit)
{
        Record *r = data;

        g_string_append(r->log, "spawned ");
        r->spawned = TRUE;
        r->pid = pid;
        r->unit = g_strdup(unit);
}

static void
on_spawn_failed(gpointer data, const char *child, guint64 generation, const char *message)
{
        Record *r = data;

        g_string_append(r->log, "failed ");
        r->failed = TRUE;
        r->failure = g_strdup(message);
}

static void
on_exited(gpointer data, const char *child, guint64 generation, int status, StewardExitCause cause)
{
        Record *r = data;

        g_string_append(r->log, "exited ");
        r->exited = TRUE;
        r->status = status;
}

static void
on_gone(gpointer data, const char *child, guint64 generation)
{
        Record *r = data;

        g_string_append(r->log, "gone ");
        r->gone = TRUE;
}

static const StewardBackendEvents events = {
        .spawned = on_spawned,
        .spawn_failed = on_spawn_failed,
        .exited = on_exited,
        .gone = on_gone,
};

typedef struct {
        GDBusConnection *bus;
        StewardReaper *reaper;
        StewardBackend *backend;
        Record record;
} Fixture;

static void
on_orphan(pid_t pid, int status, gpointer user_data)
{
        Fixture *f = user_data;

        if (f->backend)
                steward_backend_orphan_reaped(f->backend);
}

static void
fixture_init_mode(Fixture *f, StewardBackendKind kind, StewardMode mode)
{
        g_autoptr(GError) error = NULL;
        StewardBackendOptions o = {
                .kind = kind,
                .mode = mode,
                .slice = "steward-test.slice",
                .events = &events,
                .user_data = &f->record,
        };

        f->record.log = g_string_new(NULL);
        f->bus = itest_bus();
        f->reaper = steward_reaper_new(on_orphan, f, &error);
        ck_assert_msg(f->reaper, "%s", error ? error->message : "");
        /* The user manager is on the session bus, in system mode too. */
        o.manager_bus_address = g_getenv("DBUS_SESSION_BUS_ADDRESS");
        o.reaper = f->reaper;
        f->backend = steward_backend_new(&o, &error);
        ck_assert_msg(f->backend, "%s", error ? error->message : "");
        ck_assert_int_eq(steward_backend_get_kind(f->backend), kind);
}

static void
fixture_clear(Fixture *f)
{
        g_clear_pointer(&f->backend, steward_backend_free);
        g_clear_pointer(&f->reaper, steward_reaper_free);
        g_clear_object(&f->bus);
        g_string_free(f->record.log, TRUE);
        g_free(f->record.failure);
        g_free(f->record.unit);
}

static void
fixture_init(Fixture *f, StewardBackendKind kind)
{
        fixture_init_mode(f, kind, STEWARD_MODE_USER);
}

static StewardChildSpec *
child_new(const char *name, const char *script)
{
        StewardChildSpec *c = steward_child_spec_new(name);
        const char *argv[] = { "/bin/sh", "-c", script, NULL };

        c->argv = g_strdupv((char **) argv);
        c->timeout_stop_usec = G_USEC_PER_SEC;
        return c;
}

static gboolean
unit_is_active(const char *unit)
{
        const char *const argv[] = { "systemctl", "--user", "is-active", "--quiet", unit, NULL };

        return itest_run(argv, NULL) == 0;
}

/* A process is alive if it exists and is not a zombie. */
static gboolean
pid_is_alive(pid_t pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int) pid);
        g_autofree char *stat = NULL;
        const char *end;

        if (!g_file_get_contents(path, &stat, NULL, NULL))
                return FALSE;
        end = strrchr(stat, ')');
        return end && end[1] == ' ' && end[2] != 'Z';
}

START_TEST(test_exit_status_and_output)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = NULL;
        g_autofree char *marker = g_uuid_string_random();
        g_autofree char *dir = g_dir_make_tmp("steward-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(dir, "go", NULL);
        g_autofree char *script = NULL;
        g_autofree char *name = g_strdup_printf("out-%d", _i);
        g_autofree char *unit_match = NULL;
        const char *match[] = { "-t", name, NULL };

        fixture_init(&f, kinds[_i]);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        /* The child stays until told to go: journald attributes a line by
         * looking the sender up in /proc, which needs it alive. */
        script = g_strdup_printf("echo \"stdout $MARK\"; echo \"stderr $MARK\" >&2; read go < %s; exit 3",
                                 fifo);
        c = child_new(name, script);
        c->environment = g_new0(char *, 2);
        c->environment[0] = g_strdup_printf("MARK=%s", marker);

        steward_backend_spawn(f.backend, c, 0, NULL, NULL);
        ck_assert(itest_wait_flag(&f.record.spawned, ITEST_TIMEOUT_SEC));
        ck_assert_msg(itest_journal_wait(match, "stdout", ITEST_TIMEOUT_SEC), "stdout not in the journal");
        ck_assert_msg(itest_journal_wait(match, "stderr", ITEST_TIMEOUT_SEC), "stderr not in the journal");
        if (kinds[_i] == STEWARD_BACKEND_SCOPE) {
                const char *by_unit[] = { "_SYSTEMD_UNIT=steward-out-0-0.scope", NULL };
                ck_assert_str_eq(f.record.unit, "steward-out-0-0.scope");
                ck_assert_msg(itest_journal_wait(by_unit, marker, ITEST_TIMEOUT_SEC),
                              "output not attributed to the scope");
        } else
                ck_assert_ptr_null(f.record.unit);

        itest_fifo_write(fifo, "go\n");

        ck_assert_msg(itest_wait_flag(&f.record.gone, ITEST_TIMEOUT_SEC), "log: %s", f.record.log->str);
        ck_assert_str_eq(f.record.log->str, "spawned exited gone ");
        ck_assert(WIFEXITED(f.record.status));
        ck_assert_int_eq(WEXITSTATUS(f.record.status), 3);

        (void) g_remove(fifo);
        (void) g_rmdir(dir);
        fixture_clear(&f);
}
END_TEST

START_TEST(test_stop_kills_grandchildren)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = NULL;
        g_autofree char *dir = g_dir_make_tmp("steward-XXXXXX", NULL);
        g_autofree char *pidfile = g_build_filename(dir, "grandchild", NULL);
        g_autofree char *script = NULL;
        g_autofree char *text = NULL;
        g_autofree char *name = g_strdup_printf("stubborn-%d", _i);
        pid_t grandchild;

        fixture_init(&f, kinds[_i]);
        /* SIG_IGN survives exec: both processes ignore SIGTERM. The pid
         * file appears once both exist. */
        script = g_strdup_printf(
                "trap '' TERM; sleep 1000 & echo $! > %s.tmp && mv %s.tmp %s; exec sleep 1000", pidfile,
                pidfile, pidfile);
        c = child_new(name, script);
        steward_backend_spawn(f.backend, c, 0, NULL, NULL);
        ck_assert(itest_wait_flag(&f.record.spawned, ITEST_TIMEOUT_SEC));

        ck_assert_msg(itest_wait_file(pidfile, ITEST_TIMEOUT_SEC), "%s never appeared", pidfile);
        ck_assert(g_file_get_contents(pidfile, &text, NULL, NULL));
        grandchild = (pid_t) g_ascii_strtoll(text, NULL, 10);
        ck_assert(pid_is_alive(grandchild));
        ck_assert(steward_backend_owns_pid(f.backend, name, f.record.pid));
        ck_assert(steward_backend_owns_pid(f.backend, name, grandchild));
        ck_assert(!steward_backend_owns_pid(f.backend, name, getpid()));
        /* The notify sender check: the grandchild speaks for the incarnation. */
        {
                const char *who = NULL;
                guint64 generation = G_MAXUINT64;

                ck_assert(steward_backend_lookup_pid(f.backend, grandchild, &who, &generation));
                ck_assert_str_eq(who, name);
                ck_assert_uint_eq(generation, 0);
                ck_assert(!steward_backend_lookup_pid(f.backend, getpid(), NULL, NULL));
                if (kinds[_i] == STEWARD_BACKEND_SCOPE) {
                        g_autofree char *unit = steward_backend_unit_name(name, 0);

                        ck_assert_str_eq(steward_backend_get_unit(f.backend, name, 0), unit);
                } else
                        ck_assert_ptr_null(steward_backend_get_unit(f.backend, name, 0));
        }

        steward_backend_stop(f.backend, name, 0, SIGTERM);
        if (kinds[_i] == STEWARD_BACKEND_PROCESS)
                /* The engine's abort; the scope's manager does it on its own
                 * after TimeoutStopSec=. */
                steward_backend_kill(f.backend, name, 0);

        ck_assert_msg(itest_wait_flag(&f.record.gone, ITEST_TIMEOUT_SEC), "log: %s", f.record.log->str);
        ck_assert_str_eq(f.record.log->str, "spawned exited gone ");
        ck_assert(WIFSIGNALED(f.record.status));
        ck_assert_int_eq(WTERMSIG(f.record.status), SIGKILL);
        ck_assert_msg(!pid_is_alive(grandchild), "grandchild %d outlived the incarnation", grandchild);
        if (kinds[_i] == STEWARD_BACKEND_SCOPE)
                ck_assert(!unit_is_active("steward-stubborn-0-0.scope"));

        (void) g_remove(pidfile);
        (void) g_rmdir(dir);
        fixture_clear(&f);
}
END_TEST

START_TEST(test_missing_executable)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = steward_child_spec_new("missing");
        const char *argv[] = { "/nonexistent/steward-test", NULL };

        fixture_init(&f, kinds[_i]);
        c->argv = g_strdupv((char **) argv);
        steward_backend_spawn(f.backend, c, 4, NULL, NULL);
        ck_assert_msg(itest_wait_flag(&f.record.failed, ITEST_TIMEOUT_SEC), "log: %s", f.record.log->str);
        ck_assert_str_eq(f.record.log->str, "failed ");
        ck_assert_str_eq(f.record.failure, "exec '/nonexistent/steward-test': No such file or directory");
        if (kinds[_i] == STEWARD_BACKEND_SCOPE)
                ck_assert(!unit_is_active("steward-missing-4.scope"));
        fixture_clear(&f);
}
END_TEST

START_TEST(test_missing_working_directory)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = child_new("nocwd", "exit 0");

        fixture_init(&f, kinds[_i]);
        c->working_directory = g_strdup("/nonexistent");
        steward_backend_spawn(f.backend, c, 0, NULL, NULL);
        ck_assert(itest_wait_flag(&f.record.failed, ITEST_TIMEOUT_SEC));
        ck_assert_str_eq(f.record.failure, "chdir '/nonexistent': No such file or directory");
        fixture_clear(&f);
}
END_TEST

START_TEST(test_scope_properties)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = child_new("limited", "exec sleep 1000");
        const char *show[] = { "systemctl",
                               "--user",
                               "show",
                               "-p",
                               "MemoryMax",
                               "-p",
                               "TasksMax",
                               "-p",
                               "KillSignal",
                               "-p",
                               "TimeoutStopUSec",
                               "-p",
                               "Slice",
                               "steward-limited-7.scope",
                               NULL };
        g_autofree char *out = NULL;

        fixture_init(&f, STEWARD_BACKEND_SCOPE);
        c->resources.memory_max.value = 512 * 1024 * 1024;
        c->resources.tasks_max.value = 64;
        c->kill_signal = SIGINT;
        steward_backend_spawn(f.backend, c, 7, NULL, NULL);
        ck_assert(itest_wait_flag(&f.record.spawned, ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(itest_run(show, &out), 0);
        ck_assert_msg(strstr(out, "MemoryMax=536870912\n"), "%s", out);
        ck_assert_msg(strstr(out, "TasksMax=64\n"), "%s", out);
        ck_assert_msg(strstr(out, "KillSignal=2\n"), "%s", out);
        ck_assert_msg(strstr(out, "TimeoutStopUSec=1s\n"), "%s", out);
        ck_assert_msg(strstr(out, "Slice=steward-test.slice\n"), "%s", out);

        steward_backend_kill(f.backend, "limited", 7);
        ck_assert(itest_wait_flag(&f.record.gone, ITEST_TIMEOUT_SEC));
        fixture_clear(&f);
}
END_TEST

START_TEST(test_scope_name_collision)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = child_new("clash", "exec sleep 1000 # steward-clash-marker");
        const char *stray[] = { "pgrep", "-f", "steward-clash-marker", NULL };
        GPid holder;

        fixture_init(&f, STEWARD_BACKEND_SCOPE);
        /* A scope left over with the name we want, held active. */
        holder = itest_scope_hold("steward-clash-0.scope");

        steward_backend_spawn(f.backend, c, 0, NULL, NULL);
        ck_assert(itest_wait_flag(&f.record.failed, ITEST_TIMEOUT_SEC));
        ck_assert_msg(strstr(f.record.failure, "steward-clash-0.scope"), "%s", f.record.failure);
        /* Nothing of ours was left behind. */
        ck_assert_int_ne(itest_run(stray, NULL), 0);

        itest_scope_release(holder);
        fixture_clear(&f);
}
END_TEST

static char *
proc_file(pid_t pid, const char *name)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int) pid, name);
        char *contents = NULL;
        gsize len = 0;

        ck_assert_msg(g_file_get_contents(path, &contents, &len, NULL), "cannot read %s", path);
        /* environ is NUL-separated: make it lines. */
        for (gsize k = 0; k + 1 < len; k++)
                if (contents[k] == '\0')
                        contents[k] = '\n';
        return contents;
}

/* What a child finds when it starts: its own session, default signal
 * handling, nothing open but 0, 1 and 2, the environment it was given and
 * none of stewardd's protocol variables, its working directory, and in
 * system mode the User= it asked for. Read from /proc of the exec'd
 * program, once the backend says the exec went through; the descriptors
 * from the program itself (fd-report.c), once it has settled. */
START_TEST(test_exec_environment)
{
        Fixture f = { 0 };
        g_autofree char *dir = g_dir_make_tmp("steward-env-XXXXXX", NULL);
        g_autoptr(StewardChildSpec) c = steward_child_spec_new("env");
        g_autofree char *program =
                g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "tests", "integration", "fd-report", NULL);
        g_autofree char *report = g_build_filename(dir, "fds", NULL);
        const char *argv[] = { program, report, NULL };
        g_autofree char *status = NULL;
        g_autofree char *stat = NULL;
        g_autofree char *environ = NULL;
        g_autofree char *cwd_link = NULL;
        g_autofree char *cwd = NULL;
        g_auto(GStrv) stat_fields = NULL;

        /* As if stewardd itself ran under a manager: none of it may leak. */
        g_setenv("NOTIFY_SOCKET", "/run/bogus/notify", TRUE);
        g_setenv("WATCHDOG_USEC", "1", TRUE);
        g_setenv("RUNTIME_DIRECTORY", "/run/bogus", TRUE);
        fixture_init_mode(&f, kinds[_i], STEWARD_MODE_SYSTEM);
        c->argv = g_strdupv((char **) argv);
        c->environment = g_new0(char *, 2);
        c->environment[0] = g_strdup("MARK=hello world");
        c->working_directory = g_strdup(dir);
        /* The child writes its report here as nobody. */
        ck_assert_int_eq(chmod(dir, 0777), 0);
        /* By name on one backend, by number on the other: both are User=. */
        c->user = g_strdup(_i == 0 ? "nobody" : "65534");
        steward_backend_spawn(f.backend, c, 0, NULL, NULL);
        ck_assert_msg(itest_wait_flag(&f.record.spawned, ITEST_TIMEOUT_SEC), "log: %s", f.record.log->str);

        {
                g_autofree char *fds = NULL;

                ck_assert_msg(itest_wait_file(report, ITEST_TIMEOUT_SEC), "%s never appeared", report);
                ck_assert(g_file_get_contents(report, &fds, NULL, NULL));
                ck_assert_str_eq(fds, "0 1 2");
        }

        status = proc_file(f.record.pid, "status");
        ck_assert_msg(strstr(status, "SigBlk:\t0000000000000000\n"), "%s", status);
        ck_assert_msg(strstr(status, "SigIgn:\t0000000000000000\n"), "%s", status);
        ck_assert_msg(strstr(status, "\nUid:\t65534\t65534\t65534\t65534\n"), "%s", status);
        ck_assert_msg(strstr(status, "\nGid:\t65534\t65534\t65534\t65534\n"), "%s", status);

        /* Its own session and process group: fields after "pid (comm) state ppid". */
        stat = proc_file(f.record.pid, "stat");
        stat_fields = g_strsplit(strrchr(stat, ')') + 2, " ", -1);
        ck_assert_int_eq(g_ascii_strtoll(stat_fields[2], NULL, 10), f.record.pid);
        ck_assert_int_eq(g_ascii_strtoll(stat_fields[3], NULL, 10), f.record.pid);

        environ = proc_file(f.record.pid, "environ");
        ck_assert_msg(strstr(environ, "MARK=hello world\n"), "%s", environ);
        ck_assert_msg(strstr(environ, "\nUSER=nobody\n"), "%s", environ);
        ck_assert_msg(!strstr(environ, "NOTIFY_SOCKET="), "%s", environ);
        ck_assert_msg(!strstr(environ, "WATCHDOG_USEC="), "%s", environ);
        ck_assert_msg(!strstr(environ, "RUNTIME_DIRECTORY="), "%s", environ);

        cwd_link = g_strdup_printf("/proc/%d/cwd", (int) f.record.pid);
        cwd = g_file_read_link(cwd_link, NULL);
        ck_assert_str_eq(cwd, dir);

        steward_backend_kill(f.backend, "env", 0);
        ck_assert_msg(itest_wait_flag(&f.record.gone, ITEST_TIMEOUT_SEC), "log: %s", f.record.log->str);
        g_unsetenv("NOTIFY_SOCKET");
        g_unsetenv("WATCHDOG_USEC");
        g_unsetenv("RUNTIME_DIRECTORY");
        (void) g_remove(report);
        (void) g_rmdir(dir);
        fixture_clear(&f);
}
END_TEST

/* ---- the reaper ---------------------------------------------------------------------------- */

#define MERGED_EXITS 20

typedef struct {
        int status[MERGED_EXITS];
        pid_t pid[MERGED_EXITS];
        guint reaped;
        gboolean all;
} Merged;

static void
on_merged_reaped(pid_t pid, int status, gpointer user_data)
{
        Merged *m = user_data;

        for (guint i = 0; i < MERGED_EXITS; i++)
                if (m->pid[i] == pid)
                        m->status[i] = status;
        m->all = ++m->reaped == MERGED_EXITS;
}

/* Exits whose SIGCHLDs merged (all of them before the signalfd is read
 * once) are each reaped with their own status: the one a signal names by
 * its pid, the others by the sweep. */
START_TEST(test_reaper_merged_signals)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardReaper) r = steward_reaper_new(NULL, NULL, &error);
        Merged m = { 0 };

        ck_assert_msg(r, "%s", error ? error->message : "");
        for (guint i = 0; i < MERGED_EXITS; i++) {
                m.pid[i] = fork();
                ck_assert_int_ge(m.pid[i], 0);
                if (m.pid[i] == 0)
                        _exit((int) i);
                m.status[i] = -1;
                steward_reaper_watch(r, m.pid[i], on_merged_reaped, &m);
        }
        /* Every one has exited, none reaped, before the loop runs. */
        for (guint i = 0; i < MERGED_EXITS; i++) {
                siginfo_t si = { 0 };

                ck_assert_int_eq(waitid(P_PID, (id_t) m.pid[i], &si, WEXITED | WNOWAIT), 0);
        }
        ck_assert_msg(itest_wait_flag(&m.all, ITEST_TIMEOUT_SEC), "only %u of %d reaped", m.reaped,
                      MERGED_EXITS);
        for (guint i = 0; i < MERGED_EXITS; i++) {
                ck_assert(WIFEXITED(m.status[i]));
                ck_assert_int_eq(WEXITSTATUS(m.status[i]), (int) i);
        }
}
END_TEST

static void
record_reset(Record *r)
{
        g_string_truncate(r->log, 0);
        r->spawned = r->exited = r->gone = r->failed = FALSE;
        g_clear_pointer(&r->unit, g_free);
}

/* Spawns @c's @generation and waits for it to run. */
static void
spawn_wait(Fixture *f, StewardChildSpec *c, guint64 generation)
{
        record_reset(&f->record);
        steward_backend_spawn(f->backend, c, generation, NULL, NULL);
        ck_assert_msg(itest_wait_flag(&f->record.spawned, ITEST_TIMEOUT_SEC), "log: %s", f->record.log->str);
}

/* Stops @name's @generation and waits for it to be gone. */
static void
stop_wait(Fixture *f, const char *name, guint64 generation)
{
        steward_backend_stop(f->backend, name, generation, SIGTERM);
        ck_assert_msg(itest_wait_flag(&f->record.gone, ITEST_TIMEOUT_SEC), "log: %s", f->record.log->str);
}

/* A spawn leaves a spare steward-exec behind (asked of the spawner with
 * it, or spawned once nothing else is to be done), and the next spawn (a
 * restart's) is that process; a backend that ends lets its spare go. */
START_TEST(test_spare_becomes_next_incarnation)
{
        Fixture f = { 0 };
        g_autofree char *name = g_strdup_printf("spare-%d", _i);
        g_autoptr(StewardChildSpec) c = NULL;
        pid_t spare, next_spare;
        int status;

        fixture_init(&f, kinds[_i]);
        c = child_new(name, "exec sleep 1000");
        spawn_wait(&f, c, 0);
        while (g_main_context_iteration(NULL, FALSE))
                ;
        spare = steward_backend_get_spare_pid(f.backend);
        ck_assert_msg(spare > 0, "no spare after the first spawn");
        ck_assert_int_eq(itest_spare_of(getpid(), f.record.pid), spare);

        stop_wait(&f, name, 0);
        spawn_wait(&f, c, 1);
        ck_assert_int_eq(f.record.pid, spare);
        while (g_main_context_iteration(NULL, FALSE))
                ;
        next_spare = steward_backend_get_spare_pid(f.backend);
        ck_assert_msg(next_spare > 0 && next_spare != spare, "no new spare after the restart");
        ck_assert_int_eq(itest_spare_of(getpid(), f.record.pid), next_spare);

        stop_wait(&f, name, 1);
        /* Reaped here: nothing dispatches the reaper from now on. */
        fixture_clear(&f);
        ck_assert_int_eq(waitpid(next_spare, &status, 0), next_spare);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 127);
}
END_TEST

/* Helpers are forked by the spawner, and are this process's children as
 * a spawned one is (CLONE_PARENT). A spawner killed costs no spawn: the
 * spawn that finds it gone spawns its helper itself, and the next one
 * starts a new spawner. */
START_TEST(test_spawner_forks_helpers)
{
        Fixture f = { 0 };
        g_autofree char *name = g_strdup_printf("spawned-%d", _i);
        g_autoptr(StewardChildSpec) c = NULL;
        pid_t spawner, next;
        int pidfd;

        fixture_init(&f, kinds[_i]);
        c = child_new(name, "exec sleep 1000");
        spawn_wait(&f, c, 0);
        ck_assert_int_eq(itest_proc_parent(f.record.pid), getpid());
        /* Nothing left for the spawner to fork. */
        (void) steward_backend_get_spare_pid(f.backend);
        spawner = itest_spawner_of(getpid());
        ck_assert_msg(spawner > 0, "no spawner after a spawn");
        ck_assert_int_ne(spawner, f.record.pid);
        ck_assert_int_eq(itest_proc_parent(spawner), getpid());

        /* Gone, and its end not seen yet. */
        pidfd = itest_pidfd_open(spawner);
        ck_assert_int_eq(kill(spawner, SIGKILL), 0);
        ck_assert(itest_pidfd_wait_exit(pidfd, ITEST_TIMEOUT_SEC));
        stop_wait(&f, name, 0);
        /* The third spawn takes a spare the new spawner answered for. */
        for (guint64 generation = 1; generation <= 3; generation++) {
                spawn_wait(&f, c, generation);
                ck_assert_int_eq(itest_proc_parent(f.record.pid), getpid());
                stop_wait(&f, name, generation);
        }
        (void) steward_backend_get_spare_pid(f.backend);
        next = itest_spawner_of(getpid());
        ck_assert_msg(next > 0 && next != spawner, "no new spawner (the old one was %d)", (int) spawner);
        fixture_clear(&f);
}
END_TEST

/* A spawner that does not answer (stopped here) holds a spawn up for its
 * timeout at most: it is killed, the helper spawned without it, and the
 * next spare asks a new spawner. The spare asked for before the stop may
 * have been answered, so the spawn that waits is the first or the second. */
START_TEST(test_spawner_stopped)
{
        Fixture f = { 0 };
        g_autoptr(StewardChildSpec) c = child_new("stopped", "exec sleep 1000");
        pid_t spawner, next;
        int pidfd;

        fixture_init(&f, STEWARD_BACKEND_PROCESS);
        spawn_wait(&f, c, 0);
        /* The spare was asked for with the spawn; once it is there, the
         * spawner has nothing left to fork. */
        while (g_main_context_iteration(NULL, FALSE))
                ;
        ck_assert_int_gt(steward_backend_get_spare_pid(f.backend), 0);
        spawner = itest_spawner_of(getpid());
        ck_assert_msg(spawner > 0, "no spawner after a spawn");
        pidfd = itest_pidfd_open(spawner);
        ck_assert_int_eq(kill(spawner, SIGSTOP), 0);

        for (guint64 generation = 1; generation <= 3; generation++) {
                stop_wait(&f, "stopped", generation - 1);
                spawn_wait(&f, c, generation);
                ck_assert_int_eq(itest_proc_parent(f.record.pid), getpid());
                while (g_main_context_iteration(NULL, FALSE))
                        ;
                if (generation == 2)
                        ck_assert_msg(itest_pidfd_wait_exit(pidfd, ITEST_TIMEOUT_SEC),
                                      "the stopped spawner %d was not killed", (int) spawner);
        }
        /* The third spawn took a spare the new spawner answered for. */
        (void) steward_backend_get_spare_pid(f.backend);
        next = itest_spawner_of(getpid());
        ck_assert_msg(next > 0 && next != spawner, "no new spawner (the stopped one was %d)", (int) spawner);
        stop_wait(&f, "stopped", 3);
        fixture_clear(&f);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s;
        TCase *tc, *scope, *reaper;

        /* Before any thread exists, as stewardd does: the reaper's
         * signalfd must be the only place SIGCHLD goes. */
        steward_reaper_block_sigchld();
        s = suite_create("backend");
        tc = tcase_create("lifecycle");
        scope = tcase_create("scope");

        tcase_set_timeout(tc, 2 * ITEST_TIMEOUT_SEC);
        tcase_add_loop_test(tc, test_exit_status_and_output, 0, G_N_ELEMENTS(kinds));
        tcase_add_loop_test(tc, test_stop_kills_grandchildren, 0, G_N_ELEMENTS(kinds));
        tcase_add_loop_test(tc, test_missing_executable, 0, G_N_ELEMENTS(kinds));
        tcase_add_loop_test(tc, test_missing_working_directory, 0, G_N_ELEMENTS(kinds));
        tcase_add_loop_test(tc, test_exec_environment, 0, G_N_ELEMENTS(kinds));
        tcase_add_loop_test(tc, test_spare_becomes_next_incarnation, 0, G_N_ELEMENTS(kinds));
        tcase_add_loop_test(tc, test_spawner_forks_helpers, 0, G_N_ELEMENTS(kinds));
        tcase_add_test(tc, test_spawner_stopped);
        suite_add_tcase(s, tc);

        tcase_set_timeout(scope, 2 * ITEST_TIMEOUT_SEC);
        tcase_add_test(scope, test_scope_properties);
        tcase_add_test(scope, test_scope_name_collision);
        suite_add_tcase(s, scope);

        reaper = tcase_create("reaper");
        tcase_set_timeout(reaper, 2 * ITEST_TIMEOUT_SEC);
        tcase_add_test(reaper, test_reaper_merged_signals);
        suite_add_tcase(s, reaper);
        return s;
}

ITEST_MAIN(make_suite)

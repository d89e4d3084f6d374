/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spawn.c: unit tests of the spawn path: steward-exec held at its gate, its stages and their reports.
 */
#include "config.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steward-spawn.h"
#include "steward-test.h"
#include "steward-util.h"

typedef struct {
        gboolean reported;
        StewardSpawnReport report;
        int wait_status;
        pid_t pid;
} Outcome;

/* How a test's helper is started: the loop tests run once each way. */
enum {
        SPAWN_NEW, /* posix_spawn() for this spawn */
        SPAWN_SPARE, /* a spare, spawned before the parameters existed */
};

/* Starts @spec (@how), lets it through the gate (or sends it away there),
 * and waits for its report (or EOF) and the process. */
static Outcome
run(const StewardChildSpec *spec, char **extra_env, gboolean release, int how)
{
        g_autoptr(StewardExecPlan) plan = NULL;
        g_autoptr(GError) error = NULL;
        StewardSpawned s = STEWARD_SPAWNED_INIT;
        StewardSpare spare = STEWARD_SPARE_INIT;
        Outcome o = { 0 };
        ssize_t n;

        plan = steward_exec_plan_new(spec, extra_env, FALSE, FALSE, &error);
        ck_assert_msg(plan, "%s", error ? error->message : "");
        if (how == SPAWN_SPARE)
                ck_assert_msg(steward_spawn_spare(&spare, &error), "%s", error ? error->message : "");
        ck_assert_msg(steward_spawn_fork(plan, &spare, &s, &error), "%s", error ? error->message : "");
        if (how == SPAWN_SPARE) {
                /* The spare became the incarnation, and is no spare any more. */
                ck_assert_int_eq(spare.proc.fd, -1);
                ck_assert_int_eq(spare.proc.pid, 0);
        }
        o.pid = s.pid;
        if (release)
                ck_assert_msg(steward_spawn_release(&s, &error), "%s", error ? error->message : "");
        else
                steward_spawn_abort(&s);
        do
                n = read(s.fd, &o.report, sizeof(o.report));
        while (n < 0 && errno == EINTR);
        o.reported = n == sizeof(o.report);
        steward_close_fdp(&s.fd);
        ck_assert_int_eq(waitpid(s.pid, &o.wait_status, 0), s.pid);
        return o;
}

static StewardChildSpec *
shell_child(const char *script)
{
        StewardChildSpec *spec = steward_child_spec_new("t");

        spec->argv = g_new0(char *, 4);
        spec->argv[0] = g_strdup("/bin/sh");
        spec->argv[1] = g_strdup("-c");
        spec->argv[2] = g_strdup(script);
        return spec;
}

static char *
temp_path(void)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("test-spawn-XXXXXX", &error);

        ck_assert_msg(dir, "%s", error ? error->message : "");
        return g_build_filename(dir, "out", NULL);
}

/* Removes what temp_path() made. */
static void
temp_remove(const char *path)
{
        g_autofree char *dir = g_path_get_dirname(path);

        (void) g_remove(path);
        (void) g_rmdir(dir);
}

/* The program runs with the environment it was given, WATCHDOG_PID= its
 * own PID (the one stewardd holds), in its own session, no signal blocked
 * or ignored, only 0, 1 and 2 open. */
START_TEST(test_exec_what_the_program_sees)
{
        g_autofree char *out = temp_path();
        g_autofree char *script = g_strdup_printf(
                "echo \"$WATCHDOG_PID $FOO\" > %s; exec cat /proc/self/stat /proc/self/status "
                ">> %s",
                out, out);
        g_autoptr(StewardChildSpec) spec = shell_child(script);
        char *extra_env[] = { (char *) "WATCHDOG_PID=" STEWARD_EXEC_OWN_PID, NULL };
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;
        g_autofree char *expected = NULL;
        g_auto(GStrv) stat = NULL;
        Outcome o;

        spec->environment = g_new0(char *, 2);
        spec->environment[0] = g_strdup("FOO=bar baz");
        o = run(spec, extra_env, TRUE, _i);
        ck_assert(!o.reported);
        ck_assert(WIFEXITED(o.wait_status));
        ck_assert_int_eq(WEXITSTATUS(o.wait_status), 0);

        ck_assert(g_file_get_contents(out, &text, NULL, NULL));
        lines = g_strsplit(text, "\n", -1);
        expected = g_strdup_printf("%d bar baz", (int) o.pid);
        ck_assert_str_eq(lines[0], expected);
        /* /proc/PID/stat: pid (comm) state ppid pgrp session ... */
        stat = g_strsplit(strrchr(lines[1], ')') + 2, " ", -1);
        ck_assert_int_eq(atoi(stat[2]), o.pid); /* its own process group */
        ck_assert_int_eq(atoi(stat[3]), o.pid); /* and session */
        ck_assert_msg(strstr(text, "\nSigBlk:\t0000000000000000\n"), "%s", text);
        ck_assert_msg(strstr(text, "\nSigIgn:\t0000000000000000\n"), "%s", text);
        temp_remove(out);
}
END_TEST

START_TEST(test_exec_fails)
{
        g_autoptr(StewardChildSpec) spec = steward_child_spec_new("t");
        g_autoptr(StewardExecPlan) plan = NULL;
        g_autofree char *message = NULL;
        Outcome o;

        spec->argv = g_new0(char *, 2);
        spec->argv[0] = g_strdup("/nonexistent/program");
        o = run(spec, NULL, TRUE, _i);
        ck_assert(o.reported);
        ck_assert_int_eq(o.report.stage, STEWARD_EXEC_STAGE_EXEC);
        ck_assert_int_eq(o.report.error, ENOENT);
        plan = steward_exec_plan_new(spec, NULL, FALSE, FALSE, NULL);
        message = steward_spawn_report_to_string(plan, &o.report);
        ck_assert_str_eq(message, "exec '/nonexistent/program': No such file or directory");
}
END_TEST

START_TEST(test_chdir_fails)
{
        g_autoptr(StewardChildSpec) spec = shell_child("exit 0");
        Outcome o;

        spec->working_directory = g_strdup("/nonexistent/dir");
        o = run(spec, NULL, TRUE, _i);
        ck_assert(o.reported);
        ck_assert_int_eq(o.report.stage, STEWARD_EXEC_STAGE_CHDIR);
        ck_assert_int_eq(o.report.error, ENOENT);
}
END_TEST

/* Sent away at the gate (the scope was refused), it leaves without
 * running anything of the program and without a report. */
START_TEST(test_gate_closed)
{
        g_autofree char *out = temp_path();
        g_autofree char *script = g_strdup_printf("echo ran > %s", out);
        g_autoptr(StewardChildSpec) spec = shell_child(script);
        Outcome o = run(spec, NULL, FALSE, _i);

        ck_assert(!o.reported);
        ck_assert(WIFEXITED(o.wait_status));
        ck_assert_int_eq(WEXITSTATUS(o.wait_status), 127);
        ck_assert(!g_file_test(out, G_FILE_TEST_EXISTS));
        temp_remove(out);
}
END_TEST

/* Parameters larger than a message takes go in a memfd: the program gets
 * them whole all the same. */
START_TEST(test_params_large)
{
        g_autoptr(StewardChildSpec) spec = shell_child("test ${#BIG} -eq 100000");
        Outcome o;

        spec->environment = g_new0(char *, 2);
        spec->environment[0] = g_strdup_printf("BIG=%0100000d", 0);
        o = run(spec, NULL, TRUE, _i);
        ck_assert(!o.reported);
        ck_assert(WIFEXITED(o.wait_status));
        ck_assert_int_eq(WEXITSTATUS(o.wait_status), 0);
}
END_TEST

/* A socket buffer smaller than the parameters (a host's wmem_default set
 * low) refuses them as a message (EMSGSIZE): they go in a memfd. */
START_TEST(test_params_socket_small)
{
        g_autoptr(StewardChildSpec) spec = shell_child("test ${#BIG} -eq 20000");
        g_autoptr(StewardExecPlan) plan = NULL;
        g_autoptr(GError) error = NULL;
        StewardSpawned s = STEWARD_SPAWNED_INIT;
        StewardSpare spare = STEWARD_SPARE_INIT;
        int size = 4096, status;
        pid_t pid;

        spec->environment = g_new0(char *, 2);
        spec->environment[0] = g_strdup_printf("BIG=%020000d", 0);
        plan = steward_exec_plan_new(spec, NULL, FALSE, FALSE, &error);
        ck_assert_msg(steward_spawn_spare(&spare, &error), "%s", error ? error->message : "");
        pid = steward_spare_pid(&spare);
        ck_assert_int_gt(pid, 0);
        ck_assert_int_eq(setsockopt(spare.proc.fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
        ck_assert_msg(steward_spawn_fork(plan, &spare, &s, &error), "%s", error ? error->message : "");
        ck_assert_int_eq(s.pid, pid);
        ck_assert(steward_spawn_release(&s, &error));
        ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 0);
        steward_close_fdp(&s.fd);
}
END_TEST

/* steward-exec of another version, or anything but stewardd, handing it
 * parameters it cannot read: it says so on its socket and runs nothing. */
START_TEST(test_params_mismatch)
{
        static const char params[] = "steward-exec/0\0"
                                     "1\0/bin/true\0";
        const char *executor = steward_spawn_executor_path();
        int params_fd = memfd_create("params", 0);
        StewardExecFdMessage m;
        StewardSpawnReport r;
        int pair[2];
        int status;
        pid_t pid;

        ck_assert_int_ge(params_fd, 0);
        ck_assert_int_eq(write(params_fd, params, sizeof(params)), sizeof(params));
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                /* Out of the way of the number before moving onto it. */
                int theirs = fcntl(pair[1], F_DUPFD, 10);

                if (dup2(theirs, STEWARD_EXEC_FD) < 0)
                        _exit(99);
                execl(executor, "steward-exec", NULL);
                _exit(98);
        }
        (void) close(pair[1]);
        steward_exec_fd_message_set(&m, &params_fd, 1);
        ck_assert_int_eq(sendmsg(pair[0], &m.msg, MSG_NOSIGNAL), 1);
        ck_assert_int_eq(read(pair[0], &r, sizeof(r)), sizeof(r));
        ck_assert_int_eq(r.stage, STEWARD_EXEC_STAGE_PARAMS);
        ck_assert_int_eq(r.error, EPROTO);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 127);
        (void) close(pair[0]);
        (void) close(params_fd);
}
END_TEST

/* A spare let go before it was needed leaves quietly: the program's
 * first stage is never reached. */
START_TEST(test_spare_let_go)
{
        g_autoptr(GError) error = NULL;
        StewardSpare spare = STEWARD_SPARE_INIT;
        g_autofree char *comm = NULL;
        g_autofree char *path = NULL;
        pid_t pid;
        int status;

        ck_assert_msg(steward_spawn_spare(&spare, &error), "%s", error ? error->message : "");
        pid = steward_spare_pid(&spare);
        ck_assert_int_gt(pid, 0);
        /* One is enough: asked again, it keeps the one it has. */
        ck_assert(steward_spawn_spare(&spare, &error));
        ck_assert_int_eq(steward_spare_pid(&spare), pid);
        steward_spare_clear(&spare);
        ck_assert_int_eq(spare.proc.fd, -1);
        ck_assert_int_eq(spare.proc.pid, 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 127);
}
END_TEST

/* A spare that died before it was needed (killed by someone) is noticed at
 * the hand-over, and the spawn starts a helper of its own instead. */
START_TEST(test_spare_gone)
{
        g_autoptr(StewardChildSpec) spec = shell_child("exit 7");
        g_autoptr(StewardExecPlan) plan = NULL;
        g_autoptr(GError) error = NULL;
        StewardSpawned s = STEWARD_SPAWNED_INIT;
        StewardSpare spare = STEWARD_SPARE_INIT;
        pid_t dead;
        int status;

        ck_assert_msg(steward_spawn_spare(&spare, &error), "%s", error ? error->message : "");
        dead = steward_spare_pid(&spare);
        ck_assert_int_eq(kill(dead, SIGKILL), 0);
        ck_assert_int_eq(waitpid(dead, &status, 0), dead);
        plan = steward_exec_plan_new(spec, NULL, FALSE, FALSE, &error);
        ck_assert_msg(steward_spawn_fork(plan, &spare, &s, &error), "%s", error ? error->message : "");
        ck_assert_int_ne(s.pid, dead);
        ck_assert_int_eq(spare.proc.fd, -1);
        ck_assert(steward_spawn_release(&s, &error));
        ck_assert_int_eq(waitpid(s.pid, &status, 0), s.pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 7);
        steward_close_fdp(&s.fd);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("spawn");
        TCase *tc = tcase_create("spawn");

        tcase_add_loop_test(tc, test_exec_what_the_program_sees, SPAWN_NEW, SPAWN_SPARE + 1);
        tcase_add_loop_test(tc, test_exec_fails, SPAWN_NEW, SPAWN_SPARE + 1);
        tcase_add_loop_test(tc, test_chdir_fails, SPAWN_NEW, SPAWN_SPARE + 1);
        tcase_add_loop_test(tc, test_gate_closed, SPAWN_NEW, SPAWN_SPARE + 1);
        tcase_add_loop_test(tc, test_params_large, SPAWN_NEW, SPAWN_SPARE + 1);
        tcase_add_test(tc, test_params_socket_small);
        tcase_add_test(tc, test_params_mismatch);
        tcase_add_test(tc, test_spare_let_go);
        tcase_add_test(tc, test_spare_gone);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

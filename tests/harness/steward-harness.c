/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-harness.c: runs a command beside its own systemd-journald, systemd --user manager and user bus.
 *
 * Usage: steward-harness COMMAND [ARG...]
 *
 * The command runs inside a private mount and PID namespace with a tmpfs on
 * /run (and on /var/log/journal), so the journal, the manager's runtime
 * directory and the bus socket are the harness's own, and in a cgroup of its
 * own (steward-harness-PID in every hierarchy), so the manager's scopes get
 * real cgroups without touching the host's. When the command ends the
 * manager and journald are asked to exit; the namespace's init then leaves,
 * which makes the kernel kill whatever is left, and the cgroups are removed.
 * journald's PID is kept in $STEWARD_HARNESS_JOURNALD_PID_FILE for tests
 * that kill, stop or replace it (itest_journald_*()); a replacement is the
 * test's, not the harness's, and ends with the namespace.
 *
 * Exit status: the command's; 77 when the harness cannot exist here (not
 * root, no namespaces, no systemd), with the reason on stderr; 1 when the
 * manager or journald did not come up, with their logs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "steward-util.h"

#define EXIT_SKIP 77
#define SYSTEMD_PATH "/lib/systemd/systemd"
#define JOURNALD_PATH "/lib/systemd/systemd-journald"
#define STATE_DIR "/run/steward-harness"
#define JOURNALD_PID_FILE STATE_DIR "/journald.pid"
#define RUNTIME_DIR "/run/user/0"
#define BUS_ADDRESS "unix:path=" RUNTIME_DIR "/bus"
#define SYSTEMD_BUS_NAME "org.freedesktop.systemd1"

/* Bounds for each step of bringing the world up and down. */
#define STARTUP_TIMEOUT_SEC 60
#define SHUTDOWN_TIMEOUT_SEC 20

/* ---- cgroups (outside the namespace) ---------------------------------- */

typedef struct {
        char *path; /* MOUNT/steward-harness-PID */
        gboolean join; /* the hierarchy systemd tracks processes in */
} HarnessCgroup;

static void
harness_cgroup_free(HarnessCgroup *c)
{
        if (!c)
                return;
        g_free(c->path);
        g_free(c);
}

/* Every cgroup and cgroup2 mount gets a directory of ours. The process
 * joins the named systemd hierarchy (legacy and hybrid layouts) and the
 * cgroup2 one: the manager takes its own cgroup there as the root of
 * everything it creates, and creates the same path in the v1 controllers. */
static GPtrArray *
harness_cgroups_create(const char *leaf, GError **error)
{
        g_autoptr(GPtrArray) cgroups = g_ptr_array_new_with_free_func((GDestroyNotify) harness_cgroup_free);
        g_autofree char *mountinfo = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_file_get_contents("/proc/self/mountinfo", &mountinfo, NULL, error))
                return NULL;
        lines = g_strsplit(mountinfo, "\n", -1);
        for (char **l = lines; *l && **l; l++) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
                g_auto(GStrv) f = g_strsplit(*l, " ", -1);
                guint n = g_strv_length(f), sep;
                HarnessCgroup *c;

                for (sep = 6; sep < n && !g_str_equal(f[sep], "-"); sep++)
                        ;
                if (n < 5 || sep + 3 >= n)
                        continue;
                if (!g_str_equal(f[sep + 1], "cgroup") && !g_str_equal(f[sep + 1], "cgroup2"))
                        continue;

                c = g_new0(HarnessCgroup, 1);
                c->path = g_build_filename(f[4], leaf, NULL);
                c->join = g_str_equal(f[sep + 1], "cgroup2") || strstr(f[sep + 3], "name=systemd") != NULL;
                g_ptr_array_add(cgroups, c);
                if (mkdir(c->path, 0755) < 0 && errno != EEXIST) {
                        int errsv = errno;
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                                    "cannot create cgroup '%s': %s", c->path, g_strerror(errsv));
                        return NULL;
                }
        }
        if (cgroups->len == 0) {
                g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                    "no cgroup file system is mounted");
                return NULL;
        }
        return g_steal_pointer(&cgroups);
}

static gboolean
harness_cgroups_join(GPtrArray *cgroups, GError **error)
{
        for (guint i = 0; i < cgroups->len; i++) {
                HarnessCgroup *c = g_ptr_array_index(cgroups, i);
                g_autofree char *procs = NULL;

                if (!c->join)
                        continue;
                procs = g_build_filename(c->path, "cgroup.procs", NULL);
                if (!g_file_set_contents_full(procs, "0", -1, G_FILE_SET_CONTENTS_NONE, 0644, error))
                        return FALSE;
        }
        return TRUE;
}

static int
remove_cgroup_dir(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        /* A cgroup goes offline asynchronously after its rmdir, and until
         * it has, its parent's rmdir fails with EBUSY: the kernel tells
         * nobody when that is done, so this one place retries, bounded. */
        for (int tries = 0; type == FTW_DP && rmdir(path) < 0; tries++) {
                if (errno == ENOENT)
                        break;
                if (errno != EBUSY || tries >= 200) {
                        g_printerr("steward-harness: cannot remove cgroup '%s': %s, ignoring\n", path,
                                   g_strerror(errno));
                        break;
                }
                g_usleep(10 * 1000);
        }
        return 0;
}

static void
harness_cgroups_remove(GPtrArray *cgroups)
{
        for (guint i = 0; cgroups && i < cgroups->len; i++) {
                HarnessCgroup *c = g_ptr_array_index(cgroups, i);
                (void) nftw(c->path, remove_cgroup_dir, 16, FTW_DEPTH | FTW_PHYS);
        }
}

/* ---- inside the namespace ---------------------------------------------- */

typedef struct {
        GMainLoop *loop;
        GPid journald;
        GPid manager;
        GPid command;
        int command_status;
        gboolean command_done;
        /* what the current wait is for */
        GPid want_ready;
        gboolean ready;
        gboolean timed_out;
        gboolean name_appeared;
        const char *failed; /* a daemon that exited while we waited */
} Harness;

static gboolean
on_timeout(gpointer user_data)
{
        Harness *h = user_data;

        h->timed_out = TRUE;
        g_main_loop_quit(h->loop);
        return G_SOURCE_REMOVE;
}

/* Runs the loop until *flag is set, a daemon dies or the bound passes. */
static gboolean
harness_wait(Harness *h, const gboolean *flag, guint timeout_sec)
{
        guint timeout_id;

        h->timed_out = FALSE;
        if (*flag)
                return TRUE;
        timeout_id = g_timeout_add_seconds(timeout_sec, on_timeout, h);
        while (!*flag && !h->timed_out && !h->failed)
                g_main_loop_run(h->loop);
        if (!h->timed_out)
                g_source_remove(timeout_id);
        return *flag;
}

static void
on_daemon_exit(GPid pid, int status, gpointer user_data)
{
        Harness *h = user_data;

        if (pid == h->journald) {
                h->journald = 0;
                h->failed = "systemd-journald";
        } else if (pid == h->manager) {
                h->manager = 0;
                h->failed = "systemd --user";
        }
        g_spawn_close_pid(pid);
        g_main_loop_quit(h->loop);
}

static void
on_command_exit(GPid pid, int status, gpointer user_data)
{
        Harness *h = user_data;

        h->command_status = status;
        h->command_done = TRUE;
        g_spawn_close_pid(pid);
        g_main_loop_quit(h->loop);
}

static gboolean
on_notify(int fd, GIOCondition cond, gpointer user_data)
{
        Harness *h = user_data;
        char buf[4096];
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(struct ucred))];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        struct ucred *cred = NULL;
        ssize_t n;

        n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return G_SOURCE_CONTINUE;
        buf[n] = '\0';
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
                        cred = (struct ucred *) CMSG_DATA(c);

        if (cred && cred->pid == h->want_ready) {
                g_auto(GStrv) lines = g_strsplit(buf, "\n", -1);
                for (char **l = lines; *l; l++)
                        if (g_str_equal(*l, "READY=1")) {
                                h->ready = TRUE;
                                g_main_loop_quit(h->loop);
                        }
        }
        return G_SOURCE_CONTINUE;
}

static int
notify_socket_open(const char *path, GError **error)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int one = 1;
        steward_autofd int fd = -1;

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "notify socket: %s",
                            g_strerror(errsv));
                return -1;
        }
        g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "bind '%s': %s", path,
                            g_strerror(errsv));
                return -1;
        }
        return g_steal_fd(&fd);
}

static gboolean
mount_tmpfs(const char *where, const char *options, GError **error)
{
        if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, options) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "mount tmpfs on '%s': %s",
                            where, g_strerror(errsv));
                return FALSE;
        }
        return TRUE;
}

static gboolean
harness_mounts(GError **error)
{
        static const char *const dirs[] = {
                "/run/systemd/system", "/run/systemd/journal", "/run/log/journal",
                STATE_DIR "/home",     STATE_DIR "/tmp",       RUNTIME_DIR,
        };

        /* Nothing we mount may reach the host's mount table. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "mount: %s", g_strerror(errsv));
                return FALSE;
        }
        if (!mount_tmpfs("/run", "mode=0755", error))
                return FALSE;
        /* journald stores persistently when /var/log/journal exists. */
        if (g_file_test("/var/log/journal", G_FILE_TEST_IS_DIR) &&
            !mount_tmpfs("/var/log/journal", "mode=2755", error))
                return FALSE;
        for (guint i = 0; i < G_N_ELEMENTS(dirs); i++)
                if (g_mkdir_with_parents(dirs[i], 0755) < 0) {
                        int errsv = errno;
                        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "mkdir '%s': %s",
                                    dirs[i], g_strerror(errsv));
                        return FALSE;
                }
        (void) chmod(RUNTIME_DIR, 0700);
        (void) chmod(STATE_DIR "/tmp", 01777);
        return TRUE;
}

static char **
harness_environ(void)
{
        char **env = g_get_environ();
        static const char *const drop[] = {
                "NOTIFY_SOCKET",           "LISTEN_PID",        "LISTEN_FDS",    "LISTEN_FDNAMES",
                "INVOCATION_ID",           "JOURNAL_STREAM",    "WATCHDOG_PID",  "WATCHDOG_USEC",
                "DBUS_SYSTEM_BUS_ADDRESS", "XDG_CONFIG_HOME",   "XDG_DATA_HOME", "XDG_STATE_HOME",
                "XDG_CACHE_HOME",          "SYSTEMD_LOG_LEVEL",
        };

        for (guint i = 0; i < G_N_ELEMENTS(drop); i++)
                env = g_environ_unsetenv(env, drop[i]);
        env = g_environ_setenv(env, "XDG_RUNTIME_DIR", RUNTIME_DIR, TRUE);
        env = g_environ_setenv(env, "DBUS_SESSION_BUS_ADDRESS", BUS_ADDRESS, TRUE);
        env = g_environ_setenv(env, "HOME", STATE_DIR "/home", TRUE);
        /* Temporary files of a test (and of what it runs) go with the
         * harness's /run, so a test that fails half way leaves nothing in
         * the host's /tmp. Not a tmpfs on /tmp itself: the build tree may
         * live there. */
        env = g_environ_setenv(env, "TMPDIR", STATE_DIR "/tmp", TRUE);
        env = g_environ_setenv(env, "STEWARD_HARNESS", "1", TRUE);
        /* A test may kill, stop or replace journald (itest_journald_*()):
         * the binary, and where the PID of the running one is kept. */
        env = g_environ_setenv(env, "STEWARD_HARNESS_JOURNALD", JOURNALD_PATH, TRUE);
        env = g_environ_setenv(env, "STEWARD_HARNESS_JOURNALD_PID_FILE", JOURNALD_PID_FILE, TRUE);
        return env;
}

static void
redirect_to_log(gpointer user_data)
{
        const char *log = user_data;
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        if (fd >= 0) {
                (void) dup2(fd, STDOUT_FILENO);
                (void) dup2(fd, STDERR_FILENO);
        }
        (void) setsid();
}

static GPid
spawn_daemon(Harness *h, char **argv, char **env, const char *log, GError **error)
{
        GPid pid;

        if (!g_spawn_async(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                           redirect_to_log, (gpointer) log, &pid, error))
                return 0;
        g_child_watch_add(pid, on_daemon_exit, h);
        return pid;
}

static gboolean
wait_ready(Harness *h, GPid pid, const char *what, GError **error)
{
        h->want_ready = pid;
        h->ready = FALSE;
        if (!harness_wait(h, &h->ready, STARTUP_TIMEOUT_SEC)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s before READY=1", what,
                            h->failed ? "exited" : "timed out");
                return FALSE;
        }
        return TRUE;
}

static void
on_name_appeared(GDBusConnection *c, const char *name, const char *owner, gpointer user_data)
{
        Harness *h = user_data;

        h->name_appeared = TRUE;
        g_main_loop_quit(h->loop);
}

static void
dump_log(const char *log)
{
        g_autofree char *text = NULL;

        if (g_file_get_contents(log, &text, NULL, NULL))
                g_printerr("---- %s ----\n%s\n", log, text);
}

/* Stops a daemon: SIGTERM, then SIGKILL past the bound. */
static void
stop_daemon(Harness *h, GPid *pid)
{
        gboolean gone = FALSE;
        guint bound;

        if (*pid <= 0)
                return;
        (void) kill(*pid, SIGTERM);
        h->failed = NULL;
        bound = g_timeout_add_seconds(SHUTDOWN_TIMEOUT_SEC, on_timeout, h);
        h->timed_out = FALSE;
        while (*pid > 0 && !h->timed_out)
                g_main_loop_run(h->loop);
        gone = *pid <= 0;
        if (!h->timed_out)
                g_source_remove(bound);
        if (!gone) {
                g_printerr("steward-harness: pid %d did not exit in %d s, killing it\n", *pid,
                           SHUTDOWN_TIMEOUT_SEC);
                (void) kill(*pid, SIGKILL);
        }
}

static int
harness_inside(char **command)
{
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) bus = NULL;
        g_auto(GStrv) env = NULL;
        g_auto(GStrv) daemon_env = NULL;
        Harness h = { .loop = loop };
        steward_autofd int notify_fd = -1;
        guint watch;
        char *journald_argv[] = { (char *) JOURNALD_PATH, NULL };
        char *manager_argv[] = { (char *) SYSTEMD_PATH, (char *) "--user", NULL };
        GPid command_pid;
        int ret;

        if (!harness_mounts(&error)) {
                g_printerr("steward-harness: %s\n", error->message);
                return EXIT_FAILURE;
        }
        env = harness_environ();

        notify_fd = notify_socket_open(STATE_DIR "/notify", &error);
        if (notify_fd < 0) {
                g_printerr("steward-harness: %s\n", error->message);
                return EXIT_FAILURE;
        }
        g_unix_fd_add(notify_fd, G_IO_IN, on_notify, &h);
        daemon_env = g_environ_setenv(g_strdupv(env), "NOTIFY_SOCKET", STATE_DIR "/notify", TRUE);

        h.journald = spawn_daemon(&h, journald_argv, daemon_env, STATE_DIR "/journald.log", &error);
        if (!h.journald || !wait_ready(&h, h.journald, "systemd-journald", &error)) {
                g_printerr("steward-harness: %s\n", error->message);
                dump_log(STATE_DIR "/journald.log");
                return EXIT_FAILURE;
        }
        {
                g_autofree char *pid = g_strdup_printf("%d\n", (int) h.journald);

                if (!g_file_set_contents(JOURNALD_PID_FILE, pid, -1, &error)) {
                        g_printerr("steward-harness: %s\n", error->message);
                        stop_daemon(&h, &h.journald);
                        return EXIT_FAILURE;
                }
        }

        h.manager = spawn_daemon(&h, manager_argv, daemon_env, STATE_DIR "/manager.log", &error);
        if (!h.manager || !wait_ready(&h, h.manager, "systemd --user", &error)) {
                g_printerr("steward-harness: %s\n", error->message);
                dump_log(STATE_DIR "/manager.log");
                stop_daemon(&h, &h.journald);
                return EXIT_FAILURE;
        }

        /* Connecting activates dbus.service; the manager then takes its name. */
        bus = g_dbus_connection_new_for_address_sync(BUS_ADDRESS,
                                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                     NULL, NULL, &error);
        if (!bus) {
                g_printerr("steward-harness: cannot connect to the user bus: %s\n", error->message);
                dump_log(STATE_DIR "/manager.log");
                stop_daemon(&h, &h.manager);
                stop_daemon(&h, &h.journald);
                return EXIT_FAILURE;
        }
        watch = g_bus_watch_name_on_connection(bus, SYSTEMD_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                               on_name_appeared, NULL, &h, NULL);
        if (!harness_wait(&h, &h.name_appeared, STARTUP_TIMEOUT_SEC)) {
                g_printerr("steward-harness: %s never appeared on the user bus\n", SYSTEMD_BUS_NAME);
                dump_log(STATE_DIR "/manager.log");
                g_bus_unwatch_name(watch);
                stop_daemon(&h, &h.manager);
                stop_daemon(&h, &h.journald);
                return EXIT_FAILURE;
        }
        g_bus_unwatch_name(watch);
        g_clear_object(&bus);

        if (!g_spawn_async(NULL, command, env,
                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                           NULL, NULL, &command_pid, &error)) {
                g_printerr("steward-harness: %s\n", error->message);
                ret = EXIT_FAILURE;
        } else {
                g_child_watch_add(command_pid, on_command_exit, &h);
                while (!h.command_done)
                        g_main_loop_run(loop);
                if (WIFEXITED(h.command_status))
                        ret = WEXITSTATUS(h.command_status);
                else
                        ret = 128 + WTERMSIG(h.command_status);
        }

        stop_daemon(&h, &h.manager);
        stop_daemon(&h, &h.journald);
        return ret;
}

/* ---- outside ------------------------------------------------------------- */

static GPid namespace_pid;

static gboolean
on_terminate(gpointer user_data)
{
        /* The namespace's parent kills its init, which takes every process
         * in it along, and exits once they are all gone (on_enter_terminate()). */
        if (namespace_pid > 0)
                (void) kill(namespace_pid, SIGTERM);
        return G_SOURCE_CONTINUE;
}

static void
on_namespace_exit(GPid pid, int status, gpointer user_data)
{
        int *ret = user_data;

        if (WIFEXITED(status))
                *ret = WEXITSTATUS(status);
        else
                *ret = 128 + WTERMSIG(status);
        namespace_pid = 0;
        g_spawn_close_pid(pid);
}

static int G_GNUC_NORETURN
skip(const char *why)
{
        g_print("steward-harness: skipping: %s\n", why);
        exit(EXIT_SKIP);
}

/* The namespace's init, as its parent outside sees it; 0 before the fork. */
static volatile sig_atomic_t init_pid;

/* The harness was told to stop (the outside's on_terminate(), or a
 * signal to the whole process group, as meson's timeout sends): the init
 * is killed, which kills everything in the namespace, and is still waited
 * for. Its exit completes once every other process of the namespace has
 * exited, so that the outside, which waits for this process, removes
 * cgroups that are empty by then. Dying at once instead left the kernel
 * still killing the tree's processes while the outside removed their
 * cgroups: the removal failed, and a run killed at a bench's 5,000
 * scopes left 3,000 cgroups behind. */
static void
on_enter_terminate(int sig)
{
        pid_t pid = init_pid;

        if (pid > 0)
                (void) kill(pid, SIGKILL);
}

/* Runs in the forked child: joins the cgroups, enters new namespaces and
 * forks their init, and outlives it only to pass its exit status on. */
static int
harness_enter(GPtrArray *cgroups, char **command)
{
        static const int stops[] = { SIGTERM, SIGINT, SIGHUP };
        struct sigaction sa = { .sa_handler = on_enter_terminate };
        g_autoptr(GError) error = NULL;
        sigset_t mask, old;
        pid_t init;
        int status;

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                return EXIT_FAILURE;
        if (!harness_cgroups_join(cgroups, &error)) {
                g_printerr("steward-harness: %s\n", error->message);
                return EXIT_FAILURE;
        }
        if (unshare(CLONE_NEWNS | CLONE_NEWPID) < 0) {
                g_print("steward-harness: skipping: cannot create namespaces: %s\n", g_strerror(errno));
                return EXIT_SKIP;
        }
        /* A stop between the fork and the handlers waits until they are in place. */
        sigemptyset(&mask);
        for (guint i = 0; i < G_N_ELEMENTS(stops); i++)
                sigaddset(&mask, stops[i]);
        if (sigprocmask(SIG_BLOCK, &mask, &old) < 0)
                return EXIT_FAILURE;
        init = fork();
        if (init < 0)
                return EXIT_FAILURE;
        if (init == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || sigprocmask(SIG_SETMASK, &old, NULL) < 0)
                        _exit(EXIT_FAILURE);
                _exit(harness_inside(command));
        }
        init_pid = init;
        sigemptyset(&sa.sa_mask);
        for (guint i = 0; i < G_N_ELEMENTS(stops); i++)
                if (sigaction(stops[i], &sa, NULL) < 0)
                        (void) kill(init, SIGKILL);
        if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
                (void) kill(init, SIGKILL);
        while (waitpid(init, &status, 0) < 0)
                if (errno != EINTR)
                        return EXIT_FAILURE;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int
main(int argc, char **argv)
{
        g_autoptr(GPtrArray) cgroups = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GMainLoop) loop = NULL;
        g_autofree char *leaf = NULL;
        int ret = EXIT_FAILURE;
        pid_t pid;

        if (argc < 2 || g_str_equal(argv[1], "--help")) {
                g_printerr("Usage: steward-harness COMMAND [ARG...]\n");
                return argc < 2 ? 2 : EXIT_SUCCESS;
        }
        if (geteuid() != 0)
                skip("root is needed for mount and PID namespaces and cgroups");
        if (access(SYSTEMD_PATH, X_OK) < 0 || access(JOURNALD_PATH, X_OK) < 0)
                skip("systemd and systemd-journald are not installed");
        if (access("/usr/lib/systemd/user/dbus.socket", R_OK) < 0)
                skip("dbus-user-session is not installed");

        leaf = g_strdup_printf("steward-harness-%d", (int) getpid());
        cgroups = harness_cgroups_create(leaf, &error);
        if (!cgroups) {
                harness_cgroups_remove(cgroups);
                g_printerr("steward-harness: %s\n", error->message);
                return EXIT_FAILURE;
        }

        /* Flush before fork so buffered output is not written twice. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                g_printerr("steward-harness: fork: %s\n", g_strerror(errno));
                harness_cgroups_remove(cgroups);
                return EXIT_FAILURE;
        }
        if (pid == 0)
                _exit(harness_enter(cgroups, argv + 1));

        namespace_pid = pid;
        loop = g_main_loop_new(NULL, FALSE);
        g_unix_signal_add(SIGTERM, on_terminate, NULL);
        g_unix_signal_add(SIGINT, on_terminate, NULL);
        g_unix_signal_add(SIGHUP, on_terminate, NULL);
        g_child_watch_add(pid, on_namespace_exit, &ret);
        while (namespace_pid > 0)
                g_main_context_iteration(NULL, TRUE);

        harness_cgroups_remove(cgroups);
        return ret;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-spawn.c: forking an incarnation that waits at a gate, and what it execs once let through.
 *
 * GSubprocess does not fit here: it returns only after the exec, and the
 * child must not exec before its scope exists. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "steward-names.h"
#include "steward-parse.h"
#include "steward-spawn.h"
#include "steward-util.h"

struct _StewardExecPlan {
        char **argv;
        char **envp;
        char *cwd;
        char *identifier; /* NULL: keep stewardd's stdout/stderr */
        gboolean set_credentials;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        int n_groups;
        /* The value of an envp entry the child fills with its own PID,
         * room for any pid_t; NULL when none. */
        char *own_pid_slot;
};

void
steward_exec_plan_free(StewardExecPlan *p)
{
        if (!p)
                return;
        g_strfreev(p->argv);
        g_strfreev(p->envp);
        g_free(p->cwd);
        g_free(p->identifier);
        g_free(p->groups);
        g_free(p);
}

/* The variables of the supervision protocol belong to stewardd's own
 * manager; a child gets its own or none. */
static const char *const protocol_variables[] = {
        "NOTIFY_SOCKET",  "WATCHDOG_PID",  "WATCHDOG_USEC",  "LISTEN_PID", "LISTEN_FDS",
        "LISTEN_FDNAMES", "INVOCATION_ID", "JOURNAL_STREAM", "MAINPID",    "MANAGERPID",
};

/* A decimal id as systemd takes one for User=/Group=: digits only, and
 * not (uid_t) -1. */
static gboolean
parse_id(const char *s, guint32 *ret)
{
        guint64 v;

        if (!steward_parse_uint(s, G_MAXUINT32 - 1, &v))
                return FALSE;
        *ret = (guint32) v;
        return TRUE;
}

static gboolean
resolve_credentials(StewardExecPlan *p, const StewardChildSpec *spec, GError **error)
{
        struct passwd pw, *pwr = NULL;
        struct group gr, *grr = NULL;
        g_autofree char *buf = NULL;
        long size = sysconf(_SC_GETPW_R_SIZE_MAX);
        const char *user_name = NULL;
        int n = 64, r = 0;
        guint32 id;

        if (size < 16384)
                size = 16384;
        buf = g_malloc(size);

        if (spec->user) {
                gboolean numeric = parse_id(spec->user, &id);

                r = numeric ? getpwuid_r(id, &pw, buf, size, &pwr)
                            : getpwnam_r(spec->user, &pw, buf, size, &pwr);
                if (pwr) {
                        p->uid = pw.pw_uid;
                        p->gid = pw.pw_gid;
                        user_name = pw.pw_name;
                } else if (numeric) {
                        /* An id with no passwd entry runs as itself, as in systemd. */
                        p->uid = id;
                        p->gid = id;
                } else {
                        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "user '%s': %s", spec->user,
                                    r ? g_strerror(r) : "no such user");
                        return FALSE;
                }
        } else {
                p->uid = getuid();
                p->gid = getgid();
        }
        if (spec->group) {
                if (parse_id(spec->group, &id))
                        p->gid = id;
                else {
                        r = getgrnam_r(spec->group, &gr, buf, size, &grr);
                        if (!grr) {
                                g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "group '%s': %s",
                                            spec->group, r ? g_strerror(r) : "no such group");
                                return FALSE;
                        }
                        p->gid = gr.gr_gid;
                }
        }

        p->groups = g_new(gid_t, n);
        if (user_name) {
                if (getgrouplist(user_name, p->gid, p->groups, &n) < 0) {
                        p->groups = g_renew(gid_t, p->groups, n);
                        (void) getgrouplist(user_name, p->gid, p->groups, &n);
                }
        } else {
                p->groups[0] = p->gid;
                n = 1;
        }
        p->n_groups = n;
        p->set_credentials = TRUE;
        return TRUE;
}

StewardExecPlan *
steward_exec_plan_new(const StewardChildSpec *spec, char **extra_env, gboolean use_journal,
                      gboolean allow_credentials, GError **error)
{
        g_autoptr(StewardExecPlan) p = g_new0(StewardExecPlan, 1);
        char **env;

        if (!spec->argv || !spec->argv[0]) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no ExecStart= for '%s'",
                            spec->name);
                return NULL;
        }
        p->argv = g_strdupv(spec->argv);
        p->cwd = g_strdup(spec->working_directory);
        if (use_journal)
                p->identifier = g_strdup(spec->syslog_identifier ? spec->syslog_identifier : spec->name);

        env = g_get_environ();
        for (guint i = 0; i < G_N_ELEMENTS(protocol_variables); i++)
                env = g_environ_unsetenv(env, protocol_variables[i]);
        for (char **e = spec->environment; e && *e; e++) {
                g_auto(GStrv) kv = g_strsplit(*e, "=", 2);
                if (kv[0] && kv[1])
                        env = g_environ_setenv(env, kv[0], kv[1], TRUE);
        }
        for (char **e = extra_env; e && *e; e++) {
                g_auto(GStrv) kv = g_strsplit(*e, "=", 2);
                if (kv[0] && kv[1])
                        env = g_environ_setenv(env, kv[0], kv[1], TRUE);
        }
        p->envp = env;
        for (char **e = p->envp; *e; e++) {
                const char *eq = strchr(*e, '=');

                if (eq && g_str_equal(eq + 1, STEWARD_EXEC_OWN_PID)) {
                        gsize key = eq + 1 - *e;
                        /* "KEY=" and up to 20 digits, zero-filled: always terminated. */
                        char *entry = g_malloc0(key + 21);

                        memcpy(entry, *e, key);
                        g_free(*e);
                        *e = entry;
                        p->own_pid_slot = entry + key;
                }
        }

        if (allow_credentials && (spec->user || spec->group)) {
                if (!resolve_credentials(p, spec, error))
                        return NULL;
                if (spec->user) {
                        struct passwd pw, *pwr = NULL;
                        char buf[4096];
                        if (getpwuid_r(p->uid, &pw, buf, sizeof(buf), &pwr) == 0 && pwr) {
                                p->envp = g_environ_setenv(p->envp, "USER", pw.pw_name, TRUE);
                                p->envp = g_environ_setenv(p->envp, "LOGNAME", pw.pw_name, TRUE);
                                p->envp = g_environ_setenv(p->envp, "HOME", pw.pw_dir, TRUE);
                                p->envp = g_environ_setenv(p->envp, "SHELL", pw.pw_shell, TRUE);
                        }
                }
        }
        return g_steal_pointer(&p);
}

static const char *
stage_name(int stage)
{
        switch (stage) {
        case STEWARD_SPAWN_STAGE_GATE:
                return "waiting to be placed in the scope";
        case STEWARD_SPAWN_STAGE_SESSION:
                return "setsid";
        case STEWARD_SPAWN_STAGE_STDIO:
                return "connecting stdio";
        case STEWARD_SPAWN_STAGE_CHDIR:
                return "chdir";
        case STEWARD_SPAWN_STAGE_CREDENTIALS:
                return "changing user";
        case STEWARD_SPAWN_STAGE_EXEC:
                return "exec";
        default:
                return "spawn";
        }
}

char *
steward_spawn_report_to_string(const StewardExecPlan *plan, const StewardSpawnReport *r)
{
        if (r->stage == STEWARD_SPAWN_STAGE_EXEC)
                return g_strdup_printf("exec '%s': %s", plan->argv[0], g_strerror(r->error));
        if (r->stage == STEWARD_SPAWN_STAGE_CHDIR)
                return g_strdup_printf("chdir '%s': %s", plan->cwd, g_strerror(r->error));
        return g_strdup_printf("%s: %s", stage_name(r->stage), g_strerror(r->error));
}

/* From here on we are the forked child: async-signal-safe calls only. */

/* Writes @pid in decimal into the slot the plan reserved (20 bytes,
 * zero-filled): no snprintf after fork. */
static void
fill_own_pid(char *slot, pid_t pid)
{
        char digits[20];
        int n = 0;
        unsigned long v = (unsigned long) pid;

        do {
                digits[n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v && n < (int) sizeof(digits));
        for (int i = 0; i < n; i++)
                slot[i] = digits[n - 1 - i];
        slot[n] = '\0';
}

static void G_GNUC_NORETURN
child_fail(int report_fd, StewardSpawnStage stage, int error)
{
        StewardSpawnReport r = { .stage = stage, .error = error };

        (void) !write(report_fd, &r, sizeof(r));
        _exit(127);
}

static void
close_range_safe(unsigned lo, unsigned hi)
{
        if (lo <= hi)
                (void) syscall(SYS_close_range, lo, hi, 0);
}

/* Closes every descriptor above 2 but a and b, first thing after fork, so
 * a sibling held at its gate does not keep our pipes open. */
static void
close_all_but(int a, int b)
{
        unsigned lo = (unsigned) MIN(a, b), hi = (unsigned) MAX(a, b);

        close_range_safe(3, lo - 1);
        close_range_safe(lo + 1, hi - 1);
        close_range_safe(hi + 1, ~0U);
}

/* Every signal back to SIG_DFL. glibc's sigaction() refuses the real-time
 * signals it reserves for itself (32 and 33) with EINVAL, yet a parent may
 * have left them ignored (ninja does), and an ignored signal survives
 * execve(): those go through the system call. The kernel's struct is all
 * zeros for SIG_DFL with no flags and an empty mask, whatever the
 * architecture's layout, and is smaller than the buffer on every one. */
static void
reset_signal_dispositions(void)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        static const unsigned char kernel_sa_default[128];

        for (int sig = 1; sig < NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                if (sigaction(sig, &sa, NULL) < 0 && errno == EINVAL)
                        (void) syscall(SYS_rt_sigaction, sig, kernel_sa_default, NULL, (NSIG - 1) / 8);
        }
}

static void G_GNUC_NORETURN
child_run(const StewardExecPlan *p, int gate_fd, int report_fd)
{
        sigset_t none;
        char go;
        ssize_t n;
        int null_fd;

        close_all_but(gate_fd, report_fd);
        reset_signal_dispositions();
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);

        if (setsid() < 0)
                child_fail(report_fd, STEWARD_SPAWN_STAGE_SESSION, errno);
        /* WATCHDOG_PID=: we are the main process the watchdog is about. */
        if (p->own_pid_slot)
                fill_own_pid(p->own_pid_slot, getpid());

        do
                n = read(gate_fd, &go, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1)
                /* stewardd gave up on this incarnation (scope refused): leave quietly. */
                _exit(127);

        null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0)
                child_fail(report_fd, STEWARD_SPAWN_STAGE_STDIO, errno);
        if (p->identifier) {
                /* Connected from here, inside the scope, so journald attributes
                 * the stream to it. sd_journal_stream_fd() only uses the stack. */
                int fd = sd_journal_stream_fd(p->identifier, LOG_INFO, 1);
                if (fd < 0)
                        child_fail(report_fd, STEWARD_SPAWN_STAGE_STDIO, -fd);
                if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
                        child_fail(report_fd, STEWARD_SPAWN_STAGE_STDIO, errno);
        }
        (void) close(gate_fd);

        if (p->cwd && chdir(p->cwd) < 0)
                child_fail(report_fd, STEWARD_SPAWN_STAGE_CHDIR, errno);

        if (p->set_credentials) {
                if (setgroups(p->n_groups, p->groups) < 0 || setresgid(p->gid, p->gid, p->gid) < 0 ||
                    setresuid(p->uid, p->uid, p->uid) < 0)
                        child_fail(report_fd, STEWARD_SPAWN_STAGE_CREDENTIALS, errno);
        }

        execve(p->argv[0], p->argv, p->envp);
        child_fail(report_fd, STEWARD_SPAWN_STAGE_EXEC, errno);
}

gboolean
steward_spawn_fork(const StewardExecPlan *p, StewardSpawned *out, GError **error)
{
        int gate[2], report[2];
        pid_t pid;

        if (pipe2(gate, O_CLOEXEC) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "pipe: %s", g_strerror(errsv));
                return FALSE;
        }
        if (pipe2(report, O_CLOEXEC) < 0) {
                int errsv = errno;
                steward_close_fdp(&gate[0]);
                steward_close_fdp(&gate[1]);
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "pipe: %s", g_strerror(errsv));
                return FALSE;
        }

        pid = fork();
        if (pid < 0) {
                int errsv = errno;
                steward_close_fdp(&gate[0]);
                steward_close_fdp(&gate[1]);
                steward_close_fdp(&report[0]);
                steward_close_fdp(&report[1]);
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "fork: %s", g_strerror(errsv));
                return FALSE;
        }
        if (pid == 0) {
                (void) close(gate[1]);
                (void) close(report[0]);
                child_run(p, gate[0], report[1]);
        }

        steward_close_fdp(&gate[0]);
        steward_close_fdp(&report[1]);
        out->pid = pid;
        out->gate_fd = gate[1];
        out->report_fd = report[0];
        return TRUE;
}

gboolean
steward_spawn_release(StewardSpawned *s, GError **error)
{
        const char go = 1;

        if (write(s->gate_fd, &go, 1) != 1) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "releasing pid %d: %s",
                            (int) s->pid, g_strerror(errsv));
                return FALSE;
        }
        steward_close_fdp(&s->gate_fd);
        return TRUE;
}

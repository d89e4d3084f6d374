/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-reaper.c: reaps every child of stewardd from one signalfd and tells whoever waits for it.
 *
 * GLib 2.74's child watches waitpid() each watched pid, which cannot reap
 * the orphans a subreaper (or PID 1 in a container) adopts; one waitid(P_ALL)
 * loop on a signalfd reaps both and dispatches by pid.
 *
 * But waitid(P_ALL) walks every child of the process in the kernel, and
 * every child of stewardd's is a main process: in a restart of every
 * child of 2,500 the two walks per exit were a fifth of the main thread
 * (0.4 ms an exit), and they grow with the tree.
 * So the child a SIGCHLD names is reaped by its pid, which the kernel finds
 * at once (Linux 5.14 and later), and the walk (the sweep) is deferred: it
 * finds what no signal named, an exit whose SIGCHLD merged with one still
 * pending, or an orphan, and runs at most once every REAPER_SWEEP_MSEC,
 * that long after a SIGCHLD. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "steward-reaper.h"
#include "steward-util.h"

typedef struct {
        StewardReaperFunc func;
        gpointer user_data;
} Watch;

/* How late an exit no signal named is reaped, at most. */
#define REAPER_SWEEP_MSEC 50

/* signalfd_siginfo read at once. */
#define REAPER_BATCH 32

struct _StewardReaper {
        int fd;
        guint source;
        guint sweep_source;
        GHashTable *watches; /* pid -> Watch* */
        StewardReaperFunc orphan;
        gpointer orphan_data;
};

void
steward_reaper_block_sigchld(void)
{
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        (void) pthread_sigmask(SIG_BLOCK, &mask, NULL);
}

static int
wait_status_of(const siginfo_t *si)
{
        /* Rebuild the waitpid() status so callers can use W*() macros. */
        switch (si->si_code) {
        case CLD_EXITED:
                return (si->si_status & 0xff) << 8;
        case CLD_KILLED:
                return si->si_status & 0x7f;
        case CLD_DUMPED:
                return (si->si_status & 0x7f) | 0x80;
        default:
                return 0;
        }
}

/* Reaps one exited child of @type/@id, if there is one. */
static gboolean
reap_one(StewardReaper *r, idtype_t type, id_t id)
{
        siginfo_t si = { 0 };
        Watch *w;
        pid_t pid;
        int status;

        if (waitid(type, id, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
                return FALSE;
        pid = si.si_pid;
        status = wait_status_of(&si);
        w = g_hash_table_lookup(r->watches, GINT_TO_POINTER(pid));
        if (w) {
                Watch copy = *w;
                /* Removed before the call: the callback may watch a new pid. */
                g_hash_table_remove(r->watches, GINT_TO_POINTER(pid));
                copy.func(pid, status, copy.user_data);
        } else if (r->orphan)
                r->orphan(pid, status, r->orphan_data);
        return TRUE;
}

static void
reap_all(StewardReaper *r)
{
        while (reap_one(r, P_ALL, 0))
                ;
}

static gboolean
on_sweep(gpointer user_data)
{
        StewardReaper *r = user_data;

        r->sweep_source = 0;
        reap_all(r);
        return G_SOURCE_REMOVE;
}

static gboolean
on_signalfd(int fd, GIOCondition cond, gpointer user_data)
{
        StewardReaper *r = user_data;
        struct signalfd_siginfo info[REAPER_BATCH];
        ssize_t n;

        while ((n = read(fd, info, sizeof(info))) > 0) {
                for (size_t i = 0; i < (size_t) n / sizeof(info[0]); i++)
                        /* A stop or a continue is named too: nothing to reap then. */
                        if (info[i].ssi_pid > 0)
                                (void) reap_one(r, P_PID, info[i].ssi_pid);
        }
        if (!r->sweep_source)
                r->sweep_source = g_timeout_add(REAPER_SWEEP_MSEC, on_sweep, r);
        return G_SOURCE_CONTINUE;
}

StewardReaper *
steward_reaper_new(StewardReaperFunc orphan, gpointer orphan_data, GError **error)
{
        StewardReaper *r;
        sigset_t mask;
        int fd;

        steward_reaper_block_sigchld();
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "signalfd: %s",
                            g_strerror(errsv));
                return NULL;
        }
        r = g_new0(StewardReaper, 1);
        r->fd = fd;
        r->watches = g_hash_table_new_full(NULL, NULL, NULL, g_free);
        r->orphan = orphan;
        r->orphan_data = orphan_data;
        r->source = steward_unix_fd_add(G_PRIORITY_DEFAULT, fd, G_IO_IN, on_signalfd, r);
        /* Children may have exited before the signalfd existed. */
        reap_all(r);
        return r;
}

void
steward_reaper_free(StewardReaper *r)
{
        if (!r)
                return;
        g_source_remove(r->source);
        g_clear_handle_id(&r->sweep_source, g_source_remove);
        steward_close_fdp(&r->fd);
        g_hash_table_unref(r->watches);
        g_free(r);
}

void
steward_reaper_watch(StewardReaper *r, pid_t pid, StewardReaperFunc func, gpointer user_data)
{
        Watch *w = g_new(Watch, 1);

        w->func = func;
        w->user_data = user_data;
        g_hash_table_replace(r->watches, GINT_TO_POINTER(pid), w);
}

void
steward_reaper_unwatch(StewardReaper *r, pid_t pid)
{
        g_hash_table_remove(r->watches, GINT_TO_POINTER(pid));
}

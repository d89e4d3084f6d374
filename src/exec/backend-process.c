/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend-process.c: incarnations in process groups of their own, where no systemd manager is reachable.
 *
 * The helper leads its own process group (and session); the incarnation is
 * gone when the group has no member left, checked whenever we reap:
 * stewardd is a subreaper, so orphans of the group come back to us. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "backend-private.h"

static gboolean
process_init(StewardBackend *b, const StewardBackendOptions *o, GError **error)
{
        /* Orphans of our process groups come back to us, so we see the last
         * member of a group die. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "PR_SET_CHILD_SUBREAPER: %s",
                            g_strerror(errsv));
                return FALSE;
        }
        return TRUE;
}

static void
process_finalize(StewardBackend *b)
{
}

/* Nothing to wait for: the process group is the helper's from the start. */
static void
process_place(Incarnation *inc)
{
        backend_incarnation_release(inc);
}

/* Nothing is left in the group once kill() finds nobody to signal. */
static gboolean
process_all_gone(Incarnation *inc)
{
        return kill(-inc->proc.pid, 0) < 0 && errno == ESRCH;
}

static void
process_deliver(Incarnation *inc, int signal, gboolean kill_all)
{
        (void) kill(-inc->proc.pid, signal);
}

static gboolean
process_owns_pid(Incarnation *inc, pid_t pid)
{
        return getpgid(pid) == inc->proc.pid;
}

static Incarnation *
process_find_pid(StewardBackend *b, pid_t pid)
{
        pid_t pgid = getpgid(pid);

        return pgid > 0 ? g_hash_table_lookup(b->by_leader, GINT_TO_POINTER(pgid)) : NULL;
}

/* Process groups carry no name: a previous run's are not ours to find
 * (the daemon refuses to start beside them instead, from its state file). */
static void
process_survey(StewardBackend *b, GTask *task)
{
        g_task_return_pointer(task, g_ptr_array_new_with_free_func((GDestroyNotify) steward_leftover_free),
                              (GDestroyNotify) g_ptr_array_unref);
        g_object_unref(task);
}

/* An orphan's death may be what empties a group: only incarnations whose
 * main process is dead wait on theirs. */
static void
process_orphan_reaped(StewardBackend *b)
{
        g_autoptr(GPtrArray) waiting = g_ptr_array_new();
        GHashTableIter iter;
        Incarnation *inc;

        g_hash_table_iter_init(&iter, b->incarnations);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &inc))
                if (inc->main_exited)
                        g_ptr_array_add(waiting, inc);
        for (guint i = 0; i < waiting->len; i++)
                backend_incarnation_advance(g_ptr_array_index(waiting, i));
}

/* setpgid(2) cannot join a group of another session, and the incarnation
 * leads a session of its own: the probe stays in its own group. */
static void
process_place_probe(Probe *probe, Incarnation *inc)
{
        backend_probe_release(probe);
}

const BackendOps backend_process_ops = {
        .init = process_init,
        .finalize = process_finalize,
        .place = process_place,
        .all_gone = process_all_gone,
        .deliver = process_deliver,
        .owns_pid = process_owns_pid,
        .find_pid = process_find_pid,
        .survey = process_survey,
        .orphan_reaped = process_orphan_reaped,
        .place_probe = process_place_probe,
};

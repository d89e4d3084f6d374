/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-notify-router.c: children's sd_notify messages, checked against the backend and fed to the engine.
 *
 * Who sent a message is the backend's to say: it holds every live
 * incarnation and the processes in it. What is kept here is only what the
 * engine has no use for: the last ERRNO= of each incarnation, so a child
 * repeating it is logged once, and whether it was told that FDSTORE=1 is
 * refused, so that is logged once per incarnation too.
 *
 * MAINPID= is taken from the current main process only, as systemd's
 * NotifyAccess=main would (which is what systemd recommends for it): any
 * process of the scope may report readiness or status, but who the main
 * process is stays the main process's own word, so a helper cannot move
 * the incarnation's end elsewhere. A forking daemon's first process names
 * its successor before it exits (sd_notify_barrier() makes sure stewardd
 * read it first); the backend then follows the new main process. */
#include "config.h"

#include "steward-notify-router.h"
#include "steward-notify.h"

typedef struct {
        guint64 generation;
        int last_errno; /* 0: none */
        gboolean fdstore_refused; /* this incarnation was told, once */
} LastErrno;

struct _StewardNotifyRouter {
        StewardBackend *backend;
        StewardEngine *engine;
        GArray *actions;
        StewardNotifyRouterDispatch dispatch;
        gpointer user_data;
        StewardNotifyListener *listener;
        GHashTable *errnos; /* interned child -> LastErrno* */
};

/* What is kept of @child's incarnation @generation, fresh for a new one. */
static LastErrno *
router_said(StewardNotifyRouter *r, const char *child, guint64 generation)
{
        const char *key = g_intern_string(child);
        LastErrno *e = g_hash_table_lookup(r->errnos, key);

        if (!e) {
                e = g_new0(LastErrno, 1);
                g_hash_table_insert(r->errnos, (gpointer) key, e);
        }
        if (e->generation != generation) {
                e->generation = generation;
                e->last_errno = 0;
                e->fdstore_refused = FALSE;
        }
        return e;
}

/* ERRNO= is logged once per change, not per message. */
static void
router_errno(StewardNotifyRouter *r, const char *child, guint64 generation, int value)
{
        LastErrno *e = router_said(r, child, generation);

        if (value == e->last_errno)
                return;
        e->last_errno = value;
        g_message("Child '%s' reports ERRNO=%d (%s)", child, value, g_strerror(value));
}

/* Nothing is kept for a child: its descriptors are closed by the listener
 * and it is told once per incarnation, not per datagram, since a daemon
 * that stores fds usually does so repeatedly. The rest of the message acts. */
static void
router_fdstore(StewardNotifyRouter *r, const char *child, guint64 generation, guint n_fds)
{
        LastErrno *e = router_said(r, child, generation);

        if (e->fdstore_refused)
                return;
        e->fdstore_refused = TRUE;
        g_message("Child '%s' passed %u file descriptor(s) to keep (FDSTORE=1): stewardd has no file "
                  "descriptor store, closing them",
                  child, n_fds);
}

/* MAINPID=: from the main process only (see the top of this file). */
static void
router_main_pid(StewardNotifyRouter *r, const char *child, guint64 gen, pid_t sender, pid_t main_pid,
                guint64 t)
{
        g_autoptr(GError) error = NULL;
        pid_t current = steward_backend_get_main_pid(r->backend, child, gen);

        if (sender != current) {
                g_message("Child '%s' sent MAINPID=%d from PID %d, not its main process %d, ignoring", child,
                          (int) main_pid, (int) sender, (int) current);
                return;
        }
        if (!steward_backend_follow_main(r->backend, child, gen, main_pid, &error)) {
                g_message("Child '%s' sent MAINPID=%d: %s, ignoring", child, (int) main_pid, error->message);
                return;
        }
        steward_engine_child_main_pid(r->engine, child, gen, (guint32) main_pid, t, r->actions);
}

static gboolean
on_notify(pid_t pid, uid_t uid, const StewardNotifyMessage *msg, gpointer user_data)
{
        StewardNotifyRouter *r = user_data;
        StewardEngine *e = r->engine;
        GArray *out = r->actions;
        const char *found = NULL;
        g_autofree char *child = NULL;
        guint64 gen, t = (guint64) g_get_monotonic_time();

        if (!steward_backend_lookup_pid(r->backend, pid, &found, &gen))
                return FALSE;
        /* Valid while the incarnation is, which an engine input may end. */
        child = g_strdup(found);
        /* In systemd's order: who the main process is, then state, then timers. */
        if (msg->fields & STEWARD_NOTIFY_MAINPID)
                router_main_pid(r, child, gen, pid, msg->main_pid, t);
        if (msg->fields & STEWARD_NOTIFY_STATUS)
                steward_engine_child_status(e, child, gen, *msg->status ? msg->status : NULL, t, out);
        if (msg->fields & STEWARD_NOTIFY_ERRNO) {
                router_errno(r, child, gen, msg->errno_value);
                steward_engine_child_errno(e, child, gen, msg->errno_value, t, out);
        }
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG_USEC)
                steward_engine_child_watchdog_usec(e, child, gen, msg->watchdog_usec, t, out);
        /* RELOADING=1 before READY=1: a message with both is a reload
         * that is over already, as systemd reads it. */
        if (msg->fields & STEWARD_NOTIFY_RELOADING)
                steward_engine_child_reloading(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_READY)
                steward_engine_child_ready(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_STOPPING)
                steward_engine_child_stopping(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_EXTEND_TIMEOUT)
                steward_engine_child_extend_timeout(e, child, gen, msg->extend_timeout_usec, t, out);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG)
                steward_engine_child_watchdog(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG_TRIGGER)
                steward_engine_child_watchdog_trigger(e, child, gen, t, out);
        if ((msg->fields & STEWARD_NOTIFY_FDSTORE) && msg->n_fds > 0)
                router_fdstore(r, child, gen, msg->n_fds);
        /* BARRIER=1 needs nothing here: the listener closes its descriptor
         * once this returns, after everything sent before it. */
        r->dispatch(r->user_data);
        return TRUE;
}

StewardNotifyRouter *
steward_notify_router_new(StewardMode mode, StewardBackend *backend, StewardEngine *engine, GArray *actions,
                          StewardNotifyRouterDispatch dispatch, gpointer user_data, GError **error)
{
        g_autoptr(StewardNotifyRouter) r = g_new0(StewardNotifyRouter, 1);
        g_autofree char *path = steward_notify_default_path(mode);

        r->backend = backend;
        r->engine = engine;
        r->actions = actions;
        r->dispatch = dispatch;
        r->user_data = user_data;
        r->errnos = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
        if (!path)
                g_message("No runtime directory (XDG_RUNTIME_DIR is not set): children's notify socket "
                          "will not outlive this stewardd");
        r->listener = steward_notify_listener_new(path, on_notify, r, error);
        if (!r->listener)
                return NULL;
        return g_steal_pointer(&r);
}

void
steward_notify_router_free(StewardNotifyRouter *r)
{
        if (!r)
                return;
        g_clear_pointer(&r->listener, steward_notify_listener_free);
        g_clear_pointer(&r->errnos, g_hash_table_unref);
        g_free(r);
}

const char *
steward_notify_router_get_address(StewardNotifyRouter *r)
{
        return steward_notify_listener_get_address(r->listener);
}

void
steward_notify_router_drain(StewardNotifyRouter *r)
{
        steward_notify_listener_drain(r->listener);
}

int
steward_notify_router_get_fd(StewardNotifyRouter *r)
{
        return steward_notify_listener_get_fd(r->listener);
}

guint64
steward_notify_router_get_dropped(StewardNotifyRouter *r)
{
        return steward_notify_listener_get_dropped(r->listener);
}

void
steward_notify_router_forget(StewardNotifyRouter *r, const char *child, guint64 generation)
{
        LastErrno *e = g_hash_table_lookup(r->errnos, g_intern_string(child));

        if (e && e->generation == generation)
                g_hash_table_remove(r->errnos, g_intern_string(child));
}

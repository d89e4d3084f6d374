/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-notify-router.c: children's sd_notify messages, checked against the backend and fed to the engine.
 *
 * Who sent a message is the backend's to say: it holds every live
 * incarnation and the processes in it. What is kept here is only what the
 * engine has no use for: the last ERRNO= of each incarnation, so a child
 * repeating it is logged once. */
#include "config.h"

#include "steward-notify-router.h"
#include "steward-notify.h"

typedef struct {
        guint64 generation;
        int last_errno; /* 0: none */
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

/* ERRNO= is recorded once per change, not per message. */
static void
router_errno(StewardNotifyRouter *r, const char *child, guint64 generation, int value)
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
        }
        if (value == e->last_errno)
                return;
        e->last_errno = value;
        g_message("Child '%s' reports ERRNO=%d (%s)", child, value, g_strerror(value));
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
        if (msg->fields & STEWARD_NOTIFY_MAINPID) {
                if (steward_backend_owns_pid(r->backend, child, msg->main_pid))
                        steward_engine_child_main_pid(e, child, gen, (guint32) msg->main_pid, t, out);
                else
                        g_message("Child '%s' sent MAINPID=%d, not a process of it, ignoring", child,
                                  (int) msg->main_pid);
        }
        if (msg->fields & STEWARD_NOTIFY_STATUS)
                steward_engine_child_status(e, child, gen, *msg->status ? msg->status : NULL, t, out);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG_USEC)
                steward_engine_child_watchdog_usec(e, child, gen, msg->watchdog_usec, t, out);
        if (msg->fields & STEWARD_NOTIFY_READY)
                steward_engine_child_ready(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_RELOADING)
                /* No reloading state in the API: READY=1 ends it, and the
                 * child is ready already. */
                g_debug("Child '%s' is reloading", child);
        if (msg->fields & STEWARD_NOTIFY_STOPPING)
                steward_engine_child_stopping(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_EXTEND_TIMEOUT)
                steward_engine_child_extend_timeout(e, child, gen, msg->extend_timeout_usec, t, out);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG)
                steward_engine_child_watchdog(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_WATCHDOG_TRIGGER)
                steward_engine_child_watchdog_trigger(e, child, gen, t, out);
        if (msg->fields & STEWARD_NOTIFY_ERRNO)
                router_errno(r, child, gen, msg->errno_value);
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

void
steward_notify_router_forget(StewardNotifyRouter *r, const char *child, guint64 generation)
{
        LastErrno *e = g_hash_table_lookup(r->errnos, g_intern_string(child));

        if (e && e->generation == generation)
                g_hash_table_remove(r->errnos, g_intern_string(child));
}

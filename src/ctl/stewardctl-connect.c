/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-connect.c: which connection reaches stewardd: its private socket, or the bus.
 *
 * stewardd serves the same objects on a private socket as on the bus,
 * peer to peer, the way systemd serves /run/systemd/private to systemctl:
 * a reply does not pass through the bus daemon (a listing of 10,000
 * children is 1 MB it would copy), and a container without a bus daemon
 * still has a stewardctl. Where the socket cannot be reached, stewardctl
 * uses the bus as it always did. */
#include "config.h"

#include "steward-names.h"
#include "steward-parse.h"
#include "stewardctl-connect.h"

char *
stewardctl_private_socket(gboolean system)
{
        const char *force = g_getenv("STEWARDCTL_FORCE_BUS");
        const char *dir;
        gboolean forced = FALSE;

        /* As systemctl's SYSTEMCTL_FORCE_BUS: the bus, even where the socket is. */
        if (force && steward_parse_boolean(force, &forced) && forced)
                return NULL;
        if (system)
                return g_strdup(STEWARD_PRIVATE_SOCKET_SYSTEM);
        dir = g_getenv("XDG_RUNTIME_DIR");
        if (!dir || !g_path_is_absolute(dir))
                return NULL;
        return g_build_filename(dir, STEWARD_PRIVATE_SOCKET_USER, NULL);
}

char *
stewardctl_private_address(const char *path)
{
        g_autofree char *escaped = g_dbus_address_escape_value(path);

        return g_strconcat("unix:path=", escaped, NULL);
}

GDBusConnection *
stewardctl_connect_private(gboolean system)
{
        g_autofree char *path = stewardctl_private_socket(system);
        g_autofree char *address = NULL;
        g_autoptr(GError) error = NULL;
        GDBusConnection *c;

        if (!path)
                return NULL;
        address = stewardctl_private_address(path);
        c = g_dbus_connection_new_for_address_sync(address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                                                   NULL, NULL, &error);
        /* Not there, refused (a stewardd that stopped left it behind) or
         * not ours to open: the bus will tell whether stewardd runs. */
        if (!c)
                g_debug("Not using %s, using the bus: %s", path, error->message);
        return c;
}

struct StewardctlSocketWatch {
        char *address;
        GFileMonitor *monitor;
        GDBusConnection *old;
        gulong closed_handler;
        GCancellable *cancel;
        gboolean closed; /* @old is closed: what answers now is the new image */
        gboolean changed; /* the directory changed since the last try */
        gboolean trying; /* a connection is being made */
        gboolean back;
};

static void try_connect(StewardctlSocketWatch *w);

static void
on_connected(GObject *source, GAsyncResult *res, gpointer user_data)
{
        StewardctlSocketWatch *w = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GDBusConnection) c = g_dbus_connection_new_for_address_finish(res, &error);

        w->trying = FALSE;
        if (c) {
                w->back = TRUE;
                return;
        }
        /* Bound but not yet listening, or not even bound: the next change
         * in its directory tells when to try again. */
        g_debug("No answer on the private socket yet: %s", error->message);
        try_connect(w);
}

/* A connection that authenticates is served by the new image's loop. */
static void
try_connect(StewardctlSocketWatch *w)
{
        if (!w->closed || !w->changed || w->trying || w->back || g_cancellable_is_cancelled(w->cancel))
                return;
        w->changed = FALSE;
        w->trying = TRUE;
        g_dbus_connection_new_for_address(w->address, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT, NULL,
                                          w->cancel, on_connected, w);
}

/* Any change in the socket's directory is a time to try, not only the
 * socket's own: stewardd renames a listening socket into place, but one
 * that bound in place and listened after (as it once did) made its last
 * file event before listen(), and a try then was refused. What the new
 * image writes there next (its state, its event numbers) is a later
 * chance either way. */
static void
on_dir_changed(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
        StewardctlSocketWatch *w = user_data;

        w->changed = TRUE;
        try_connect(w);
}

static void
on_old_closed(GDBusConnection *c, gboolean remote_peer_vanished, GError *error, gpointer user_data)
{
        StewardctlSocketWatch *w = user_data;

        w->closed = TRUE;
        /* The socket may be served again already (or never have stopped
         * being: a listening socket kept across the exec). */
        w->changed = TRUE;
        try_connect(w);
}

StewardctlSocketWatch *
stewardctl_socket_watch_new(gboolean system, GDBusConnection *old, GError **error)
{
        g_autoptr(StewardctlSocketWatch) w = g_new0(StewardctlSocketWatch, 1);
        g_autofree char *path = stewardctl_private_socket(system);
        g_autoptr(GFile) socket = NULL;
        g_autoptr(GFile) dir = NULL;

        if (!path) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No private socket to watch");
                return NULL;
        }
        w->address = stewardctl_private_address(path);
        w->cancel = g_cancellable_new();
        socket = g_file_new_for_path(path);
        dir = g_file_get_parent(socket);
        w->monitor = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, error);
        if (!w->monitor)
                return NULL;
        g_signal_connect(w->monitor, "changed", G_CALLBACK(on_dir_changed), w);
        w->old = g_object_ref(old);
        w->closed_handler = g_signal_connect(old, "closed", G_CALLBACK(on_old_closed), w);
        return g_steal_pointer(&w);
}

static gboolean
on_timeout(gpointer user_data)
{
        *(gboolean *) user_data = TRUE;
        return G_SOURCE_REMOVE;
}

gboolean
stewardctl_socket_watch_wait(StewardctlSocketWatch *w, guint timeout_sec)
{
        gboolean timed_out = FALSE;
        guint timeout = g_timeout_add_seconds(timeout_sec, on_timeout, &timed_out);

        /* Closed before its "closed" could be seen. */
        if (!w->closed && g_dbus_connection_is_closed(w->old))
                on_old_closed(w->old, TRUE, NULL, w);
        while (!w->back && !timed_out)
                g_main_context_iteration(NULL, TRUE);
        if (!timed_out)
                g_source_remove(timeout);
        return w->back;
}

void
stewardctl_socket_watch_free(StewardctlSocketWatch *w)
{
        if (!w)
                return;
        if (w->cancel) {
                g_cancellable_cancel(w->cancel);
                /* The callback of a try still out points at @w. */
                while (w->trying)
                        g_main_context_iteration(NULL, TRUE);
        }
        if (w->old) {
                g_signal_handler_disconnect(w->old, w->closed_handler);
                g_object_unref(w->old);
        }
        if (w->monitor) {
                g_signal_handlers_disconnect_by_data(w->monitor, w);
                g_file_monitor_cancel(w->monitor);
                g_object_unref(w->monitor);
        }
        g_clear_object(&w->cancel);
        g_free(w->address);
        g_free(w);
}

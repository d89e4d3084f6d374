/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-direct.c: the private socket, where clients reach stewardd's objects without a bus daemon.
 *
 * As systemctl reaches systemd on /run/systemd/private: a client of
 * stewardd's own user (root, for the system instance) connects to the
 * socket file and talks D-Bus with stewardd itself. Nothing passes through
 * dbus-daemon, which at 10,000 children spends as long copying and
 * checking a ListChildren reply as stewardd spends writing it, and a
 * container without a bus daemon still has stewardctl
 * (docs/ARCHITECTURE.md, "The private socket"). */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward-direct.h"
#include "steward-names.h"
#include "steward-socket-file.h"
#include "steward-util.h"

/* Connections taken at one wake-up; the rest wait for the next. */
#define ACCEPT_PER_DISPATCH 16

struct _StewardDirect {
        StewardBus *objects;
        char *path;
        int fd;
        guint source;
        dev_t dev; /* the socket file's, to tell it from another's later */
        ino_t ino;
};

char *
steward_direct_default_path(StewardMode mode)
{
        g_autofree char *dir = steward_runtime_dir(mode);

        return dir ? g_build_filename(dir, STEWARD_PRIVATE_SOCKET_NAME, NULL) : NULL;
}

static gboolean
on_incoming(gint fd, GIOCondition condition, gpointer user_data)
{
        StewardDirect *d = user_data;

        for (guint i = 0; i < ACCEPT_PER_DISPATCH; i++) {
                g_autoptr(GError) error = NULL;
                int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

                if (client < 0) {
                        /* ECONNABORTED and the like concern that client alone. */
                        if (errno != EAGAIN && errno != EINTR)
                                g_debug("Accepting on %s: %s", d->path, g_strerror(errno));
                        if (errno == EAGAIN)
                                break;
                        continue;
                }
                if (!steward_bus_add_direct(d->objects, client, &error))
                        g_debug("Hanging up on a client of %s: %s", d->path, error->message);
        }
        return G_SOURCE_CONTINUE;
}

StewardDirect *
steward_direct_new(const char *path, StewardBus *objects, GError **error)
{
        g_autoptr(StewardDirect) d = g_new0(StewardDirect, 1);
        struct stat st;

        d->objects = objects;
        d->path = g_strdup(path);
        d->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (d->fd < 0) {
                steward_set_errno_error(error, errno, "the private socket");
                return NULL;
        }
        /* Listening, with its mode, before its file appears. */
        if (!steward_socket_file_bind(d->fd, path, 0600, "private socket", error))
                return NULL;
        if (lstat(path, &st) == 0) {
                d->dev = st.st_dev;
                d->ino = st.st_ino;
        }
        d->source = steward_unix_fd_add(G_PRIORITY_DEFAULT, d->fd, G_IO_IN, on_incoming, d);
        return g_steal_pointer(&d);
}

void
steward_direct_free(StewardDirect *d)
{
        struct stat st;

        if (!d)
                return;
        g_clear_handle_id(&d->source, g_source_remove);
        if (d->fd >= 0) {
                if (d->ino != 0 && lstat(d->path, &st) == 0 && st.st_dev == d->dev && st.st_ino == d->ino)
                        (void) unlink(d->path);
                (void) close(d->fd);
        }
        g_free(d->path);
        g_free(d);
}

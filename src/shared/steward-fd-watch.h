/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-fd-watch.h: many descriptors watched through one epoll instance, so that a main loop iteration
 * costs the same with ten children as with ten thousand. */
#pragma once

#include <glib-unix.h>

G_BEGIN_DECLS

/* GLib polls every descriptor source of a context in every iteration of
 * its loop: with one per child (a pidfd, a cgroup's event file) each
 * wake-up of stewardd costs a poll() over all of them, and the work per
 * child grows with the tree. These watches share one epoll instance per
 * priority, a single source in the thread-default main context of the
 * first watch at that priority, and a wake-up costs what is ready.
 *
 * Level-triggered, as g_unix_fd_add(): @condition takes G_IO_IN, G_IO_PRI
 * and G_IO_OUT (G_IO_ERR and G_IO_HUP are always reported), and @func
 * returns G_SOURCE_REMOVE to end its watch. A watch must be removed before
 * its descriptor is closed. */
typedef struct _StewardFdWatch StewardFdWatch;

StewardFdWatch *steward_fd_watch_add(int priority, int fd, GIOCondition condition, GUnixFDSourceFunc func,
                                     gpointer user_data);
/* Ends @watch; safe from inside its own callback. */
void steward_fd_watch_remove(StewardFdWatch *watch);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-connect.h: which connection reaches stewardd: its private socket, or the bus. */
#pragma once

#include <gio/gio.h>

/* The path of stewardd's private socket for the system or the user
 * instance, or NULL when stewardctl is not to try it: STEWARDCTL_FORCE_BUS
 * is set, or the user mode has no XDG_RUNTIME_DIR. */
char *stewardctl_private_socket(gboolean system);

/* That path as a D-Bus address ("unix:path=..."). */
char *stewardctl_private_address(const char *path);

/* A peer-to-peer connection to stewardd's private socket (no bus names),
 * or NULL when there is none to be had: no socket, nobody listening on it
 * (that of a stewardd that stopped), no permission to connect, or anything
 * else, said with g_debug() alone. The caller then uses the bus. */
GDBusConnection *stewardctl_connect_private(gboolean system);

/* What daemon-reexec waits for on the private socket: the connection it
 * was asked on to close, then the socket to take a connection again. */
typedef struct StewardctlSocketWatch StewardctlSocketWatch;

/* Starts watching the socket's directory: before the daemon is asked, so
 * that nothing it does to the socket is missed. */
StewardctlSocketWatch *stewardctl_socket_watch_new(gboolean system, GDBusConnection *old, GError **error);
/* Waits until @old has closed and the socket answers again, or
 * @timeout_sec passed (FALSE). */
gboolean stewardctl_socket_watch_wait(StewardctlSocketWatch *w, guint timeout_sec);
void stewardctl_socket_watch_free(StewardctlSocketWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardctlSocketWatch, stewardctl_socket_watch_free)

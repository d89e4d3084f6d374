/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-notify-router.h: children's sd_notify messages, checked against the backend and fed to the engine.
 */
#pragma once

#include <glib.h>

#include "steward-backend.h"
#include "steward-engine.h"
#include "steward-mode.h"

G_BEGIN_DECLS

typedef struct _StewardNotifyRouter StewardNotifyRouter;

/* Called after a message was fed to the engine, to perform what it decided. */
typedef void (*StewardNotifyRouterDispatch)(gpointer user_data);

/**
 * steward_notify_router_new:
 * @actions: where the engine's actions go, performed by @dispatch
 *
 * Opens the notify socket, in @mode's runtime directory
 * (steward_notify_default_path()). A message counts only when its sender
 * is a process of a live incarnation (steward_backend_lookup_pid()).
 */
StewardNotifyRouter *steward_notify_router_new(StewardMode mode, StewardBackend *backend,
                                               StewardEngine *engine, GArray *actions,
                                               StewardNotifyRouterDispatch dispatch, gpointer user_data,
                                               GError **error);
void steward_notify_router_free(StewardNotifyRouter *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardNotifyRouter, steward_notify_router_free)

/* NOTIFY_SOCKET= for the children. */
const char *steward_notify_router_get_address(StewardNotifyRouter *r);

/* The socket, for the hand-over across re-exec (steward_notify_listener_get_fd()). */
int steward_notify_router_get_fd(StewardNotifyRouter *r);

/* Routes what the socket holds now, before the engine judges a deadline
 * (WatchdogSec=, TimeoutStartSec=): a ping sent in time counts even when
 * stewardd was late to read it. */
void steward_notify_router_drain(StewardNotifyRouter *r);

/* Messages the socket refused or dropped since it was opened (NotifyMessagesDropped): malformed,
 * or from a process of no live incarnation. */
guint64 steward_notify_router_get_dropped(StewardNotifyRouter *r);

/* The incarnation is gone: what it said is forgotten. */
void steward_notify_router_forget(StewardNotifyRouter *r, const char *child, guint64 generation);

G_END_DECLS

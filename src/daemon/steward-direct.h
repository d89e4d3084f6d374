/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-direct.h: the private socket, where clients reach stewardd's objects without a bus daemon. */
#pragma once

#include <gio/gio.h>

#include "steward-bus.h"
#include "steward-mode.h"

G_BEGIN_DECLS

typedef struct _StewardDirect StewardDirect;

/* Where stewardd in @mode listens: "private" in its runtime directory
 * (steward_runtime_dir()); NULL when it has none. */
char *steward_direct_default_path(StewardMode mode);

/* Listens on @path, a socket file only stewardd's user may connect to
 * (0600), and serves every client that connects with @objects
 * (steward_bus_add_direct()), which must outlive the result. */
StewardDirect *steward_direct_new(const char *path, StewardBus *objects, GError **error);
/* Stops listening and removes the socket file, unless another stewardd
 * has put its own in its place meanwhile. */
void steward_direct_free(StewardDirect *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardDirect, steward_direct_free)

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-sd-bus.h: an sd-bus connection served by a GLib main loop. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus, sd_bus_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(sd_bus_message, sd_bus_message_unref)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(sd_bus_error, sd_bus_error_free)

/* A source that runs @bus's I/O, timeouts and callbacks (sd_bus_process())
 * in the context it is attached to; it holds a reference on @bus. It stops
 * by itself once the connection is closed and its callbacks have been told
 * (the Disconnected message), or once sd-bus fails to process it (a peer
 * that does not speak D-Bus), which sends no Disconnected: a callback set
 * with g_source_set_callback() runs then, either way, once. */
GSource *steward_sd_bus_source_new(sd_bus *bus);

G_END_DECLS

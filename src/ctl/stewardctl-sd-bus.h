/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-sd-bus.h: stewardctl's calls with sd-bus: the connection, the call, errors and values as GDBus
 * gives them. */
#pragma once

#include <gio/gio.h>
#include <systemd/sd-bus.h>

/* Connects to stewardd's private socket for the system or the user
 * instance, else to that bus as g_bus_get_sync() would
 * (stewardctl-connect.h says when which). */
sd_bus *stewardctl_sd_bus_connect(gboolean system, GError **error);

/* Where stewardd is on @bus: its name on a bus, NULL on its private
 * socket, where there is only stewardd. */
const char *stewardctl_sd_bus_destination(sd_bus *bus);

/* A failed call's error (@r, @e) as GDBus would have made it from the same
 * reply, the remote error's name included; FALSE. */
gboolean stewardctl_sd_bus_set_error(GError **error, int r, const sd_bus_error *e);

/* Calls @member of stewardd's @interface at @path, without auto-starting
 * stewardd (asking must not start a tree), with the arguments @types
 * describes, as sd_bus_message_append() takes them. */
gboolean stewardctl_sd_bus_call(sd_bus *bus, const char *path, const char *interface, const char *member,
                                sd_bus_message **reply, GError **error, const char *types, ...);

/* Reads an a{sv} into a floating GVariant vardict: values of basic types;
 * any other is skipped, its key left out. */
int stewardctl_sd_bus_read_vardict(sd_bus_message *m, GVariant **ret);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bus-flood.c: many RestartChild calls from one connection, for test-auth: what came back, counted.
 *
 *   bus-flood ADDRESS N
 *
 * Calls org.steward.Supervisor1.Manager.RestartChild("api", "flood") N
 * times, one after the other, and prints "ok=A denied=D limited=L other=O". */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
        g_autoptr(GDBusConnection) bus = NULL;
        g_autoptr(GError) error = NULL;
        guint ok = 0, denied = 0, limited = 0, other = 0;
        guint n;

        if (argc != 3) {
                fprintf(stderr, "usage: bus-flood ADDRESS N\n");
                return 2;
        }
        n = (guint) atoi(argv[2]);
        bus = g_dbus_connection_new_for_address_sync(argv[1],
                                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                     NULL, NULL, &error);
        if (!bus) {
                fprintf(stderr, "bus-flood: %s\n", error->message);
                return 1;
        }
        for (guint i = 0; i < n; i++) {
                g_autoptr(GVariant) reply = NULL;
                g_autoptr(GError) call_error = NULL;

                reply = g_dbus_connection_call_sync(bus, "org.steward.Supervisor1",
                                                    "/org/steward/Supervisor1",
                                                    "org.steward.Supervisor1.Manager", "RestartChild",
                                                    g_variant_new("(ss)", "api", "flood"), NULL,
                                                    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &call_error);
                if (reply)
                        ok++;
                else if (g_error_matches(call_error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
                        denied++;
                else if (g_error_matches(call_error, G_DBUS_ERROR, G_DBUS_ERROR_LIMITS_EXCEEDED))
                        limited++;
                else {
                        if (other++ == 0)
                                fprintf(stderr, "bus-flood: %s\n", call_error->message);
                }
        }
        printf("ok=%u denied=%u limited=%u other=%u\n", ok, denied, limited, other);
        return 0;
}

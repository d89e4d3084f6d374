/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-list.c: ListChildren and ListSupervisors, read in place with sd-bus.
 *
 * A listing is the one reply that grows with the tree: at 10,000 children
 * it is a 1 MB array of 70,000 values. GDBus parses a reply into a tree of
 * GVariants, one allocation or more per value, in a thread whose heap is
 * new in a process that lives for one call: some 4,000 page faults, and
 * 100 ms of the 130 ms stewardctl list took. sd-bus reads each value where
 * it lies in the message, so a row costs a few pointers (measured in
 * docs/ARCHITECTURE.md, "What is not flat yet"). Every other call is
 * small and stays on GDBus. */
#include "config.h"

#include <errno.h>

#include "steward-error.h"
#include "steward-names.h"
#include "stewardctl-connect.h"
#include "stewardctl-list.h"

/* The error as GDBus would have made it from the same reply. */
static gboolean
set_error(GError **error, int r, const sd_bus_error *e)
{
        if (sd_bus_error_is_set(e)) {
                /* Our own domain's names are known once it is registered. */
                (void) steward_error_quark();
                g_propagate_error(error,
                                  g_dbus_error_new_for_dbus_error(e->name, e->message ? e->message : ""));
        } else
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "%s", g_strerror(-r));
        return FALSE;
}

/* stewardd's private socket, as stewardctl_connect_private() connects to it. */
static sd_bus *
connect_private(gboolean system)
{
        __attribute__((cleanup(sd_bus_unrefp))) sd_bus *bus = NULL;
        g_autofree char *path = stewardctl_private_socket(system);
        g_autofree char *address = NULL;
        int r;

        if (!path)
                return NULL;
        address = stewardctl_private_address(path);
        /* Not a bus client: no Hello, no names. */
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_start(bus);
        /* sd_bus_start() only connects. Authenticating tells a stewardd
         * that serves us from one that hangs up (past its limit of clients,
         * or on its way out), which is as much a reason for the bus, as it
         * is for stewardctl_connect_private(). */
        while (r >= 0 && (r = sd_bus_is_ready(bus)) == 0)
                if ((r = sd_bus_process(bus, NULL)) == 0)
                        r = sd_bus_wait(bus, UINT64_MAX);
        if (r < 0) {
                g_debug("Not using %s, using the bus: %s", path, g_strerror(-r));
                return NULL;
        }
        return g_steal_pointer(&bus);
}

sd_bus *
stewardctl_list_connect(gboolean system, GError **error)
{
        sd_bus *bus = connect_private(system);
        int r;

        if (bus)
                return bus;
        r = system ? sd_bus_open_system(&bus) : sd_bus_open_user(&bus);
        if (r < 0) {
                set_error(error, r, NULL);
                return NULL;
        }
        return bus;
}

static int
read_rows(sd_bus_message *reply, gboolean children, GArray *rows)
{
        const char *type = children ? "(ssstto)" : "(ssso)";
        StewardctlRow row = { 0 };
        int r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, type);
        if (r < 0)
                return r;
        for (;;) {
                if (children)
                        r = sd_bus_message_read(reply, type, &row.name, &row.parent, &row.state,
                                                &row.generation, &row.attempt, &row.path);
                else
                        r = sd_bus_message_read(reply, type, &row.name, &row.parent, &row.state, &row.path);
                if (r <= 0)
                        break;
                g_array_append_val(rows, row);
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

gboolean
stewardctl_list_read(sd_bus *bus, gboolean children, StewardctlListing *out, GError **error)
{
        __attribute__((cleanup(sd_bus_message_unrefp))) sd_bus_message *call = NULL;
        __attribute__((cleanup(sd_bus_error_free))) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        out->reply = NULL;
        out->rows = g_array_new(FALSE, FALSE, sizeof(StewardctlRow));
        /* No destination peer to peer: there is only stewardd. */
        r = sd_bus_message_new_method_call(
                bus, &call, sd_bus_is_bus_client(bus) > 0 ? STEWARD_BUS_NAME : NULL, STEWARD_OBJECT_PATH,
                STEWARD_MANAGER_INTERFACE, children ? "ListChildren" : "ListSupervisors");
        /* As every call of stewardctl's: asking must not start a tree. */
        if (r >= 0)
                r = sd_bus_message_set_auto_start(call, 0);
        if (r >= 0)
                r = sd_bus_call(bus, call, 0, &e, &out->reply);
        if (r < 0) {
                stewardctl_listing_clear(out);
                return set_error(error, r, &e);
        }
        r = read_rows(out->reply, children, out->rows);
        if (r < 0) {
                stewardctl_listing_clear(out);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s returned no %s: %s",
                            children ? "ListChildren" : "ListSupervisors",
                            children ? "a(ssstto)" : "a(ssso)", g_strerror(-r));
                return FALSE;
        }
        return TRUE;
}

void
stewardctl_listing_clear(StewardctlListing *l)
{
        g_clear_pointer(&l->rows, g_array_unref);
        l->reply = sd_bus_message_unref(l->reply);
}

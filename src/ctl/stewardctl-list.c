/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-list.c: ListChildren and ListSupervisors, read in place with sd-bus.
 *
 * A listing is the one reply that grows with the tree: at 10,000 children
 * it is a 1 MB array of 70,000 values. GDBus parses a reply into a tree of
 * GVariants, one allocation or more per value, in a thread whose heap is
 * new in a process that lives for one call: some 4,000 page faults, and
 * 100 ms of the 130 ms stewardctl list took. sd-bus reads each value where
 * it lies in the message, so a row costs a few pointers (measured in
 * docs/ARCHITECTURE.md, "What is not flat yet"). */
#include "config.h"

#include "steward-names.h"
#include "stewardctl-list.h"
#include "stewardctl-sd-bus.h"

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
        int r;

        out->reply = NULL;
        out->rows = g_array_new(FALSE, FALSE, sizeof(StewardctlRow));
        if (!stewardctl_sd_bus_call(bus, STEWARD_OBJECT_PATH, STEWARD_MANAGER_INTERFACE,
                                    children ? "ListChildren" : "ListSupervisors", &out->reply, error,
                                    NULL)) {
                stewardctl_listing_clear(out);
                return FALSE;
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

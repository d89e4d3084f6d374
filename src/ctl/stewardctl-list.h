/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-list.h: ListChildren and ListSupervisors, read in place with sd-bus. */
#pragma once

#include <gio/gio.h>
#include <systemd/sd-bus.h>

#include "stewardctl-format.h"

/* The rows of one reply; their strings point into it. */
typedef struct {
        sd_bus_message *reply;
        GArray *rows; /* StewardctlRow */
} StewardctlListing;

/* Calls ListChildren (@children) or ListSupervisors, without auto-starting
 * stewardd, and reads every row. The error is a GDBus one, with the remote
 * error's name as GDBus would give it. */
gboolean stewardctl_list_read(sd_bus *bus, gboolean children, StewardctlListing *out, GError **error);

void stewardctl_listing_clear(StewardctlListing *l);

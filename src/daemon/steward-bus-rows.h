/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-bus-rows.h: ListChildren's rows, written in GVariant's serialized form in one pass. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An a(ssstto) being written: one buffer and where each row ends. */
typedef struct {
        GByteArray *data;
        GArray *ends; /* gsize */
} StewardBusRows;

void steward_bus_rows_init(StewardBusRows *rows, guint n_hint);
/* Appends a row; the strings must be valid UTF-8, @path an object path. */
void steward_bus_rows_add(StewardBusRows *rows, const char *name, const char *supervisor, const char *state,
                          guint64 generation, guint64 attempt, const char *path);
/* The array (floating, trusted), the same bytes as GLib's serializer gives; @rows is emptied. */
GVariant *steward_bus_rows_end(StewardBusRows *rows);

G_END_DECLS

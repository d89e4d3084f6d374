/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-bus.h: the org.steward.Supervisor1 objects on the bus: methods, properties, signals. */
#pragma once

#include <gio/gio.h>

#include "steward-event.h"
#include "steward-error.h"

G_BEGIN_DECLS

typedef struct _StewardManager StewardManager;
typedef struct _StewardBus StewardBus;

/* The longest reason a command may carry, in bytes. */
#define STEWARD_REASON_MAX 1024

/* A child property the engine does not track: the live incarnation's unit. */
#define STEWARD_BUS_PROPERTY_UNIT (1u << 16)
/* A manager property the engine does not track: ConfigFiles, after a reload. */
#define STEWARD_BUS_PROPERTY_CONFIG_FILES (1u << 17)

/* Registers the manager, child and supervisor objects on @bus. */
StewardBus *steward_bus_new(GDBusConnection *bus, StewardManager *manager, GError **error);
void steward_bus_free(StewardBus *b);

/* The Event signal of one event, numbered as its journal entry. */
void steward_bus_emit_event(StewardBus *b, guint64 sequence, const StewardEvent *ev, const char *unit);

/* PropertiesChanged for the properties in @changed (StewardProperty bits,
 * plus STEWARD_BUS_PROPERTY_UNIT). */
void steward_bus_child_changed(StewardBus *b, const char *child, guint changed);
void steward_bus_supervisor_changed(StewardBus *b, const char *supervisor);
/* PropertiesChanged of the manager: State and ChildCount (StewardProperty
 * bits), ConfigFiles (STEWARD_BUS_PROPERTY_CONFIG_FILES). */
void steward_bus_manager_changed(StewardBus *b, guint changed);

G_END_DECLS

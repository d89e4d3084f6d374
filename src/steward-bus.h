/* steward-bus.h: the org.steward.Supervisor1 objects on the bus: methods, properties, signals. */
#pragma once

#include <gio/gio.h>

#include "steward-event.h"

G_BEGIN_DECLS

typedef struct _StewardManager StewardManager;
typedef struct _StewardBus StewardBus;

/* Errors of SPEC §3, registered as a D-Bus error domain. */
#define STEWARD_BUS_ERROR (steward_bus_error_quark())
GQuark steward_bus_error_quark(void);

typedef enum {
        STEWARD_BUS_ERROR_NO_SUCH_CHILD,
        STEWARD_BUS_ERROR_NO_SUCH_SUPERVISOR,
        STEWARD_BUS_ERROR_SHUTTING_DOWN,
        STEWARD_BUS_ERROR_INVALID_CONFIG,
        STEWARD_BUS_ERROR_NOT_SUPPORTED,
} StewardBusError;

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-bus.h: the org.steward.Supervisor1 objects on the bus: methods, properties, signals. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "steward-child-change.h"
#include "steward-engine.h"
#include "steward-error.h"
#include "steward-event.h"
#include "steward-log.h"
#include "steward-memory.h"
#include "steward-mode.h"
#include "steward-properties.h"

G_BEGIN_DECLS

typedef struct _StewardBus StewardBus;

/* What the objects serve, from whoever runs the tree (the manager in
 * stewardd, a fake in the tests). Strings returned stay valid until the
 * next call into the table. */
typedef struct {
        /* A mutating method, once its caller may manage (steward_manager_command()). */
        gboolean (*command)(gpointer user_data, StewardCommandKind kind, const char *target,
                            const char *reason, const StewardActor *actor, StewardCommandOutcome *outcome,
                            char **command_id, GError **error);
        /* A caller who may not manage asked for @method. */
        void (*command_denied)(gpointer user_data, const char *method, const char *target,
                               const StewardActor *actor);
        gboolean (*reload)(gpointer user_data, const StewardActor *actor, GStrv *added, GStrv *removed,
                           GStrv *changed, GError **error);
        /* AddChild and RemoveChild (steward_manager_add_child()). */
        gboolean (*add_child)(gpointer user_data, const char *fragment, gboolean persist, const char *reason,
                              const StewardActor *actor, StewardChildChange *change, GError **error);
        gboolean (*remove_child)(gpointer user_data, const char *name, const char *reason,
                                 const StewardActor *actor, StewardChildChange *change, GError **error);
        /* Reexecute: stewardd replaces itself once the reply is out. */
        gboolean (*reexecute)(gpointer user_data, const StewardActor *actor, GError **error);

        StewardTreeState (*get_tree_state)(gpointer user_data);
        gboolean (*is_shutting_down)(gpointer user_data);
        guint (*get_n_children)(gpointer user_data);
        gboolean (*get_child_at)(gpointer user_data, guint index, StewardChildInfo *info);
        gboolean (*get_child)(gpointer user_data, const char *name, StewardChildInfo *info);
        guint (*get_n_supervisors)(gpointer user_data);
        gboolean (*get_supervisor_at)(gpointer user_data, guint index, StewardSupervisorInfo *info);
        gboolean (*get_supervisor)(gpointer user_data, const char *name, StewardSupervisorInfo *info);
        /* The scope of a child's live incarnation, NULL when none. */
        const char *(*get_unit)(gpointer user_data, const char *child);

        StewardMode (*get_mode)(gpointer user_data);
        const char *(*get_backend_name)(gpointer user_data);
        const char *const *(*get_config_files)(gpointer user_data);
        /* The group allowed to manage besides root, (gid_t) -1 when none. */
        gid_t (*get_allowed_gid)(gpointer user_data);
        /* NotifyMessagesDropped; NULL: 0. */
        guint64 (*get_notify_dropped)(gpointer user_data);
} StewardBusOps;

/* Registers the manager, child and supervisor objects on @bus (NULL: none,
 * for direct clients alone), whose messages are dispatched by the caller
 * (steward_sd_bus_source_new()); @ops must outlive the result. */
StewardBus *steward_bus_new(sd_bus *bus, const StewardBusOps *ops, gpointer user_data, GError **error);
void steward_bus_free(StewardBus *b);

/* Serves the objects to a client connected straight to stewardd, over
 * @fd (the private socket's, taken: closed on failure too), without a bus
 * daemon: the same methods, properties and signals as on the bus, every
 * signal sent, the caller judged by the socket's credentials
 * (SO_PEERCRED). The connection is dropped when the client hangs up,
 * when it reads nothing of STEWARD_BUS_DIRECT_QUEUE_MAX messages, or with
 * @b; at most STEWARD_BUS_DIRECT_MAX at once. */
gboolean steward_bus_add_direct(StewardBus *b, int fd, GError **error);
guint steward_bus_get_n_direct(StewardBus *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardBus, steward_bus_free)

/* The log whose lost entries JournalEntriesLost shows; @log must outlive @b. Without one it is 0. */
void steward_bus_set_log(StewardBus *b, StewardLog *log);
/* Each call @b answers is an input of @memory's (steward_memory_input()),
 * so that a burst of reads (a GetAll of every child) is followed by a trim
 * as a burst of commands is; @memory must outlive @b, or be unset (NULL). */
void steward_bus_set_memory(StewardBus *b, StewardMemory *memory);

/* The tree has started (after the adoption of a previous run's children):
 * mutating methods called before were held until now, and run now, in the
 * order they came. */
void steward_bus_tree_started(StewardBus *b);

/* The Event signal of one event, numbered as its journal entry. */
void steward_bus_emit_event(StewardBus *b, guint64 sequence, const StewardEvent *ev, const char *unit);

/* PropertiesChanged for the properties in @changed (StewardProperty bits
 * and STEWARD_PROPERTY_EXTRA_UNIT, _ROLE). */
void steward_bus_child_changed(StewardBus *b, const char *child, guint changed);
/* PropertiesChanged of a supervisor: State (STEWARD_PROPERTY_STATE), RestartCount always, the budget
 * (STEWARD_PROPERTY_RESTART_BUDGET). */
void steward_bus_supervisor_changed(StewardBus *b, const char *supervisor, guint changed);
/* PropertiesChanged of the manager: State and ChildCount (StewardProperty
 * bits), ConfigFiles (STEWARD_PROPERTY_EXTRA_CONFIG_FILES). */
void steward_bus_manager_changed(StewardBus *b, guint changed);

G_END_DECLS

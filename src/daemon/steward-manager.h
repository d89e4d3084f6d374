/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-manager.h: the daemon: drives the engine from the backend's reports, commands and the clock. */
#pragma once

#include <gio/gio.h>
#include <systemd/sd-bus.h>

#include "steward-backend.h"
#include "steward-child-change.h"
#include "steward-config.h"
#include "steward-engine.h"
#include "steward-error.h"
#include "steward-properties.h"

G_BEGIN_DECLS

typedef struct _StewardManager StewardManager;

typedef struct {
        StewardMode mode;
        gboolean backend_forced;
        /* Manager calls on the bus, never on the manager's private socket. */
        gboolean manager_bus_only;
        StewardBackendKind backend; /* when forced */
        const char *config_path; /* NULL: the mode's default location */
} StewardManagerOptions;

/* What the manager tells the parts above it (bus objects, journal, our own
 * service manager). Events flow up through this table only: the manager
 * knows nothing of who listens. Every member may be NULL. */
typedef struct {
        /* One event, numbered: the journal entry and the Event signal share @sequence.
         * @unit: (nullable): the incarnation's scope */
        void (*event)(gpointer user_data, guint64 sequence, const StewardEvent *ev, const char *unit);
        /* Properties of a child changed: StewardProperty bits and STEWARD_PROPERTY_EXTRA_*. */
        void (*child_changed)(gpointer user_data, const char *child, guint changed);
        void (*supervisor_changed)(gpointer user_data, const char *supervisor, guint changed);
        /* The manager's State, ChildCount (StewardProperty bits) or ConfigFiles. */
        void (*manager_changed)(gpointer user_data, guint changed);
        /* A reload begins (@reloading TRUE) or is over, applied or not. */
        void (*reloading)(gpointer user_data, gboolean reloading);
        /* Every change of one input was told: a moment to sum them up. */
        void (*settled)(gpointer user_data);
        /* The tree is down: the daemon should exit with @exit_code. */
        void (*exit)(gpointer user_data, int exit_code);
        /* The tree has started, after the adoption of what a previous
         * run left: commands may act on it from now on. */
        void (*started)(gpointer user_data);
        /* Reexecute: the state file is written, the daemon should exec
         * itself now. Returning means the exec failed: the daemon goes on. */
        void (*reexecute)(gpointer user_data);
        /* The bus connection is of no more use: closed (after sd-bus's
         * Disconnected), or failed in a way sd-bus tells nobody of (a
         * message it cannot read). Nobody reaches the API through it. */
        void (*bus_ended)(gpointer user_data);
} StewardManagerListener;

/* Loads and validates the configuration and sets up the bus connection
 * and the backend; nothing starts yet. */
StewardManager *steward_manager_new(const StewardManagerOptions *options, GError **error);
void steward_manager_free(StewardManager *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardManager, steward_manager_free)

/* Listeners are told in the order they were added; @listener must outlive @m. */
void steward_manager_add_listener(StewardManager *m, const StewardManagerListener *listener,
                                  gpointer user_data);

/* The manager_started and config_loaded events, once the listeners are there. */
void steward_manager_announce_started(StewardManager *m);
/* Finds what a previous run left running (docs/LIVE-RESTORE.md), touching
 * nothing, then calls @prepared: the daemon may take its bus name. */
void steward_manager_prepare(StewardManager *m, void (*prepared)(gpointer user_data), gpointer user_data);
/* After the preparation, once the bus name is ours: adopts what was found
 * and starts the rest of the tree, at once, so that the first call served
 * under the name sees the adopted tree. A second call does nothing. */
void steward_manager_start(StewardManager *m);
/* Shuts the tree down, as ShutdownTree would, on behalf of the daemon itself. */
void steward_manager_shutdown(StewardManager *m, const char *reason);
/* The manager_stopping event, the last one. */
void steward_manager_announce_stopping(StewardManager *m);

/**
 * steward_manager_command:
 * @actor: who asked, from the caller's credentials
 * @command_id: (out) (transfer full) (optional): the id it is recorded under
 *
 * Runs a command and performs what follows from it.
 */
gboolean steward_manager_command(StewardManager *m, StewardCommandKind kind, const char *target,
                                 const char *reason, const StewardActor *actor,
                                 StewardCommandOutcome *outcome, char **command_id, GError **error);

/* Records a refused command (command_denied). */
void steward_manager_command_denied(StewardManager *m, const char *method, const char *target,
                                    const StewardActor *actor);

/**
 * steward_manager_reload:
 * @actor: who asked, from the caller's credentials
 * @added, @removed, @changed: (out): child names
 *
 * Reads the configuration again and applies it (steward_engine_reload()).
 * An invalid one leaves everything as it is and fails with
 * STEWARD_ERROR_INVALID_CONFIG and every problem in the message;
 * one that cannot be applied in place fails with the engine's error (or
 * STEWARD_ERROR_FAILED for Slice=), also leaving everything as it is.
 */
gboolean steward_manager_reload(StewardManager *m, const StewardActor *actor, GStrv *added, GStrv *removed,
                                GStrv *changed, GError **error);

/* At most this many run-time children (AddChild without persist): each is
 * a file in the runtime directory and a child in the tree. */
#define STEWARD_MANAGER_RUNTIME_CHILDREN_MAX 1024

/**
 * steward_manager_add_child:
 * @fragment: one [Child NAME] section in the syntax of steward.conf
 * @persist: write it to the configuration's drop-in directory rather than
 *   the runtime directory's
 * @reason: (nullable): recorded with the command
 * @change: (out caller-allocates): what was added, where, under which id
 *
 * Validates @fragment as the loader validates the files, with everything
 * they declare (problems as "AddChild:LINE: ..."), writes it as a drop-in
 * and adds the child to the running tree as a Reload adds one: it starts
 * at its place, behind the readiness of the siblings before it. On
 * failure nothing changed.
 */
gboolean steward_manager_add_child(StewardManager *m, const char *fragment, gboolean persist,
                                   const char *reason, const StewardActor *actor, StewardChildChange *change,
                                   GError **error);

/**
 * steward_manager_remove_child:
 *
 * Removes a child AddChild added to the runtime directory: deletes its
 * drop-in and takes it out of the tree as a Reload removes one, stopped
 * through the fence. A child of the configuration files is refused,
 * naming its file: a Reload would bring it back.
 */
gboolean steward_manager_remove_child(StewardManager *m, const char *child, const char *reason,
                                      const StewardActor *actor, StewardChildChange *change, GError **error);

/**
 * steward_manager_reexecute:
 *
 * Asks for a re-exec (docs/LIVE-RESTORE.md, "Re-exec"): once no spawn is
 * in flight, from the main loop (so a bus reply goes out first), the state
 * file is written and the listeners' reexecute is called. Fails with
 * STEWARD_ERROR_NOT_SUPPORTED where a new image could not adopt the
 * children: the process backend, or no runtime directory.
 */
gboolean steward_manager_reexecute(StewardManager *m, const StewardActor *actor, GError **error);

/* The notify socket children send to, for the hand-over across a re-exec. */
int steward_manager_get_notify_fd(StewardManager *m);

/* The connection to the bus of the mode, NULL when there is none. */
sd_bus *steward_manager_get_connection(StewardManager *m);
/* Writes out what is queued on the bus and on the backend's connection to the systemd manager,
 * before a re-exec. */
void steward_manager_flush(StewardManager *m);
StewardEngine *steward_manager_get_engine(StewardManager *m);
StewardMode steward_manager_get_mode(StewardManager *m);
const char *steward_manager_get_backend_name(StewardManager *m);
const char *const *steward_manager_get_config_files(StewardManager *m);
/* The group allowed to manage besides root, (gid_t) -1 when none resolves. */
gid_t steward_manager_get_allowed_gid(StewardManager *m);
/* The scope of a child's live incarnation, NULL when none. */
const char *steward_manager_get_unit(StewardManager *m, const char *child);
/* Notify messages dropped since this stewardd opened its socket; 0 without one. */
guint64 steward_manager_get_notify_dropped(StewardManager *m);

G_END_DECLS

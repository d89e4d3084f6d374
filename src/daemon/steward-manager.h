/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-manager.h: the daemon: drives the engine from the backend's reports, the bus and the clock. */
#pragma once

#include <gio/gio.h>

#include "steward-backend.h"
#include "steward-config.h"
#include "steward-engine.h"
#include "steward-log.h"
#include "steward-error.h"

G_BEGIN_DECLS

typedef struct _StewardManager StewardManager;

typedef struct {
        StewardMode mode;
        gboolean backend_forced;
        StewardBackendKind backend; /* when forced */
        const char *config_path; /* NULL: the mode's default location */
        StewardLogTarget log_target;
} StewardManagerOptions;

/* Loads and validates the configuration and sets up the bus connection
 * and the backend; nothing starts yet. */
StewardManager *steward_manager_new(const StewardManagerOptions *options, GError **error);
void steward_manager_free(StewardManager *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardManager, steward_manager_free)

/* Starts the tree, takes the bus name, and runs until the tree is down.
 * Returns the daemon's exit code (docs/ARCHITECTURE.md, "Exit codes"). */
int steward_manager_run(StewardManager *m);

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

StewardEngine *steward_manager_get_engine(StewardManager *m);
StewardMode steward_manager_get_mode(StewardManager *m);
const char *steward_manager_get_backend_name(StewardManager *m);
const char *const *steward_manager_get_config_files(StewardManager *m);
/* The group allowed to manage besides root, (gid_t) -1 when none resolves. */
gid_t steward_manager_get_allowed_gid(StewardManager *m);
/* The scope of a child's live incarnation, NULL when none. */
const char *steward_manager_get_unit(StewardManager *m, const char *child);

G_END_DECLS

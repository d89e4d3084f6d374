/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-spawn.h: forking an incarnation that waits at a gate, and what it execs once let through. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "steward-spec.h"

G_BEGIN_DECLS

/* Everything the forked child needs, prepared before fork(): after it
 * the child of a threaded process may only make async-signal-safe calls. */
typedef struct _StewardExecPlan StewardExecPlan;

/* In extra_env, "WATCHDOG_PID=" STEWARD_EXEC_OWN_PID: the PID is only known
 * after fork, so the child writes it into a slot the plan reserved. */
#define STEWARD_EXEC_OWN_PID "@pid"

/**
 * steward_exec_plan_new:
 * @spec: the child
 * @extra_env: (nullable): protocol variables (NOTIFY_SOCKET, ...) set on top;
 *   one whose value is STEWARD_EXEC_OWN_PID gets the forked child's own PID
 * @use_journal: connect stdout and stderr to the journal under the child's
 *   SyslogIdentifier=; otherwise they are stewardd's own
 * @allow_credentials: honour User=/Group= (system mode)
 *
 * Resolves users and groups now, so the child does not have to.
 */
StewardExecPlan *steward_exec_plan_new(const StewardChildSpec *spec, char **extra_env, gboolean use_journal,
                                       gboolean allow_credentials, GError **error);
void steward_exec_plan_free(StewardExecPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardExecPlan, steward_exec_plan_free)

/* A forked incarnation, held before exec until released. */
typedef struct {
        pid_t pid;
        int gate_fd; /* write end: one byte lets the child exec, closing aborts it */
        int report_fd; /* read end: EOF on a successful exec, a StewardSpawnReport otherwise */
} StewardSpawned;

typedef struct {
        int stage; /* StewardSpawnStage */
        int error; /* errno */
} StewardSpawnReport;

typedef enum {
        STEWARD_SPAWN_STAGE_GATE,
        STEWARD_SPAWN_STAGE_SESSION,
        STEWARD_SPAWN_STAGE_STDIO,
        STEWARD_SPAWN_STAGE_CHDIR,
        STEWARD_SPAWN_STAGE_CREDENTIALS,
        STEWARD_SPAWN_STAGE_EXEC,
} StewardSpawnStage;

/* "exec '/usr/bin/api': No such file or directory" and the like. */
char *steward_spawn_report_to_string(const StewardExecPlan *plan, const StewardSpawnReport *report);

/**
 * steward_spawn_fork:
 *
 * Forks the incarnation. The child starts a new session (so it is the
 * leader of its own process group), resets signal dispositions and mask,
 * and waits on the gate before it touches anything else, so it can be put
 * in its scope before it runs a single instruction of its own.
 */
gboolean steward_spawn_fork(const StewardExecPlan *plan, StewardSpawned *out, GError **error);

/* Lets the child go on to exec. */
gboolean steward_spawn_release(StewardSpawned *s, GError **error);

G_END_DECLS

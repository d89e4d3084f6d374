/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-spawn.h: starting an incarnation through steward-exec, held at a gate until it is placed. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "steward-exec-protocol.h"
#include "steward-spec.h"

G_BEGIN_DECLS

/* Everything steward-exec needs, resolved in stewardd (users and groups
 * through NSS) and serialized once per incarnation. */
typedef struct _StewardExecPlan StewardExecPlan;

/* In extra_env, "WATCHDOG_PID=" STEWARD_EXEC_OWN_PID: the PID is only known
 * once the incarnation's process exists, so steward-exec fills it in. */
#define STEWARD_EXEC_OWN_PID "@pid"

/**
 * steward_exec_plan_new:
 * @spec: the child
 * @extra_env: (nullable): protocol variables (NOTIFY_SOCKET, ...) set on top;
 *   one whose value is STEWARD_EXEC_OWN_PID gets the incarnation's own PID
 * @use_journal: connect stdout and stderr to the journal under the child's
 *   SyslogIdentifier=; otherwise they are stewardd's own
 * @allow_credentials: honour User=/Group= (system mode)
 *
 * Resolves users and groups now, so the child does not have to.
 */
StewardExecPlan *steward_exec_plan_new(const StewardChildSpec *spec, char **extra_env, gboolean use_journal,
                                       gboolean allow_credentials, GError **error);
void steward_exec_plan_free(StewardExecPlan *plan);
/* Whether steward-exec connects the incarnation's stdout/stderr to the journal. */
gboolean steward_exec_plan_uses_journal(const StewardExecPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardExecPlan, steward_exec_plan_free)

/* A started incarnation, held before exec until released. */
typedef struct {
        pid_t pid;
        /* Its socket (steward-exec-protocol.h): the gate and, back, EOF
         * on a successful exec or a StewardSpawnReport. */
        int fd;
} StewardSpawned;

/* What steward-exec writes when a stage fails (steward-exec-protocol.h). */
typedef StewardExecReport StewardSpawnReport;

/* "exec '/usr/bin/api': No such file or directory" and the like. */
char *steward_spawn_report_to_string(const StewardExecPlan *plan, const StewardSpawnReport *report);

/* The steward-exec binary: $STEWARD_EXECUTOR_PATH when set (an uninstalled
 * build, the test suite), else the installed one in libexecdir. */
const char *steward_spawn_executor_path(void);

/* stewardd keeps several descriptors per child (pidfd, cgroup counters,
 * pipes while it starts), more than the usual soft limit of 1024 allows
 * for a large tree: it raises its soft limit to the hard one, once, at
 * start. Every helper steward_spawn_fork() starts gets the inherited limit
 * back before it can exec, and a re-exec restores it first, so the next
 * image sees what this one was given. */
void steward_spawn_raise_nofile(void);
void steward_spawn_restore_nofile(void);

/* A steward-exec made before it is needed (steward-exec-protocol.h): the
 * next spawn hands it its parameters instead of waiting for a fork and the
 * helper's start-up, which a restart would. */
typedef struct {
        /* fd -1: no spare; pid 0 while the spawner's answer is not read. */
        StewardSpawned proc;
} StewardSpare;

#define STEWARD_SPAWNED_INIT       \
        {                          \
                .pid = 0, .fd = -1 \
        }
#define STEWARD_SPARE_INIT                   \
        {                                    \
                .proc = STEWARD_SPAWNED_INIT \
        }

/* Makes a spare into @spare unless it holds one: asks the spawner (its
 * answer, the PID, is read when the spare is taken or asked for), or
 * spawns it when there is no spawner to be had. @spare stays where it is
 * until it is taken or cleared: it is remembered while its answer is due. */
gboolean steward_spawn_spare(StewardSpare *spare, GError **error);
/* Asks a running spawner for a spare into @spare unless it holds one, at
 * once: it costs a message. FALSE when that cannot be (no spawner running,
 * or it went away): steward_spawn_spare() spawns one then. */
gboolean steward_spawn_spare_ask(StewardSpare *spare);
/* The spare's PID, read now if it was not; 0: there is none (any more). */
pid_t steward_spare_pid(StewardSpare *spare);
/* Lets the spare go: it sees EOF and exits 127, to be reaped by the caller. */
void steward_spare_clear(StewardSpare *spare);

/**
 * steward_spawn_fork:
 *
 * Starts the incarnation: hands the parameters to @spare's helper
 * (nullable), when it has one that is still there (it has none after), or
 * else to a steward-exec made now: forked by the spawner, or
 * posix_spawn()ed without one (CLONE_VM|CLONE_VFORK, which does not copy
 * stewardd). It runs in a new session (so it leads its own process group)
 * with every signal at its default and none blocked.
 * It waits at the gate before it touches anything else, so it can be put
 * in its scope before it runs a single instruction of the program.
 */
gboolean steward_spawn_fork(const StewardExecPlan *plan, StewardSpare *spare, StewardSpawned *out,
                            GError **error);

/* Lets the incarnation go on to exec. */
gboolean steward_spawn_release(StewardSpawned *s, GError **error);
/* Sends it away before it execs (it leaves quietly where it waits); what
 * it reported can still be read. */
void steward_spawn_abort(StewardSpawned *s);

G_END_DECLS

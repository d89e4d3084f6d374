/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-event.h: the event kinds, their severities, and the event record the engine emits. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every kind docs/ARCHITECTURE.md lists under "Events", engine-emitted or
 * not: the names live in one table in steward-event.c, so the journal
 * catalog and the bus layer take them from there. */
typedef enum {
        STEWARD_EVENT_MANAGER_STARTED,
        STEWARD_EVENT_MANAGER_READY,
        STEWARD_EVENT_MANAGER_STOPPING,
        STEWARD_EVENT_CONFIG_LOADED,
        STEWARD_EVENT_CONFIG_REJECTED,
        STEWARD_EVENT_CHILD_STARTING,
        STEWARD_EVENT_CHILD_STARTED,
        STEWARD_EVENT_CHILD_READY,
        STEWARD_EVENT_CHILD_STATUS,
        STEWARD_EVENT_CHILD_EXITED,
        STEWARD_EVENT_CHILD_SPAWN_FAILED,
        STEWARD_EVENT_CHILD_START_TIMEOUT,
        STEWARD_EVENT_CHILD_WATCHDOG_EXPIRED,
        STEWARD_EVENT_CHILD_BACKOFF_SCHEDULED,
        STEWARD_EVENT_CHILD_RESTARTING,
        STEWARD_EVENT_CHILD_STOPPED,
        STEWARD_EVENT_CHILD_PAUSED,
        STEWARD_EVENT_CHILD_RESUMED,
        STEWARD_EVENT_CHILD_QUARANTINED,
        STEWARD_EVENT_CHILD_QUARANTINE_ENTERED, /* QuarantineChild */
        STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED,
        STEWARD_EVENT_CHILD_CONTROL_CANCEL_DELIVERED,
        STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED,
        STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED,
        STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED,
        STEWARD_EVENT_CHILD_RESTART_CONFLICT,
        STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT,
        STEWARD_EVENT_SUPERVISOR_RESTARTING,
        STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED,
        STEWARD_EVENT_TREE_SHUTDOWN_STARTED,
        STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED,
        STEWARD_EVENT_COMMAND_DENIED,
        /* Live restore (docs/LIVE-RESTORE.md). */
        STEWARD_EVENT_STATE_DISCARDED,
        STEWARD_EVENT_CHILD_ADOPTED,
        STEWARD_EVENT_CHILD_LOST,
        STEWARD_EVENT_LEFTOVER_STOPPED,
        STEWARD_EVENT_TREE_ADOPTED,
        /* A command answered without any other event carrying its id. */
        STEWARD_EVENT_COMMAND_COMPLETED,
        /* AddChild / RemoveChild: a child joined or left the tree at run time. */
        STEWARD_EVENT_CHILD_ADDED,
        STEWARD_EVENT_CHILD_REMOVED,
        /* A child's stdout/stderr could not reach the journal (once per
         * outage), and reach it again. */
        STEWARD_EVENT_JOURNAL_UNAVAILABLE,
        STEWARD_EVENT_JOURNAL_AVAILABLE,
        /* Health checks and heartbeats (ExecHealthCheck=, HeartbeatSec=). */
        STEWARD_EVENT_CHILD_HEALTHY,
        STEWARD_EVENT_CHILD_UNHEALTHY,
        STEWARD_EVENT_CHILD_STALE,
        /* ReloadChild, or a child's own RELOADING=1: asked, done (READY=1), failed (timeout). */
        STEWARD_EVENT_CHILD_RELOADING,
        STEWARD_EVENT_CHILD_RELOADED,
        STEWARD_EVENT_CHILD_RELOAD_FAILED,
        _STEWARD_EVENT_KIND_MAX,
} StewardEventKind;

/* Numerically the syslog priorities, so they go to PRIORITY= as they are. */
typedef enum {
        STEWARD_SEVERITY_ERROR = 3,
        STEWARD_SEVERITY_WARNING = 4,
        STEWARD_SEVERITY_NOTICE = 5,
        STEWARD_SEVERITY_INFO = 6,
} StewardSeverity;

/* How the main process ended (LastExitCode in org.steward.Supervisor1(5)). */
typedef enum {
        STEWARD_EXIT_CODE_NONE, /* no incarnation has ended yet */
        STEWARD_EXIT_CODE_EXITED,
        STEWARD_EXIT_CODE_KILLED,
        STEWARD_EXIT_CODE_DUMPED,
        STEWARD_EXIT_CODE_UNKNOWN, /* an adopted main process: its parent, not stewardd, reaped it */
} StewardExitCode;

/* What the kernel says ended an incarnation, beyond its wait status
 * (LastExitCause in org.steward.Supervisor1(5)): read from its scope's
 * cgroup, so only the scope backend knows one. */
typedef enum {
        STEWARD_EXIT_CAUSE_NONE, /* nothing known beyond the wait status */
        STEWARD_EXIT_CAUSE_OOM_KILL, /* the OOM killer killed a process of it (memory.events oom_kill) */
        STEWARD_EXIT_CAUSE_TASKS_MAX, /* a fork was refused at TasksMax= (pids.events max) */
        _STEWARD_EXIT_CAUSE_MAX,
} StewardExitCause;

/* Every decision string the engine puts in an event or a command outcome.
 * The first four are the fence's answers (docs/ARCHITECTURE.md) to RestartChild; the verdicts go in
 * child_exited; the rest answer the other commands. */
typedef enum {
        STEWARD_DECISION_NONE,
        STEWARD_DECISION_STARTED_IMMEDIATELY,
        STEWARD_DECISION_QUEUED_AFTER_STOP,
        STEWARD_DECISION_ALREADY_PENDING,
        STEWARD_DECISION_BLOCKED_BY_SHUTDOWN,
        STEWARD_DECISION_BLOCKED_BY_QUARANTINE,
        STEWARD_DECISION_BLOCKED_BY_SUPERVISOR,
        STEWARD_DECISION_WAITING_FOR_PRIMARY,
        STEWARD_DECISION_ALREADY_RUNNING,
        STEWARD_DECISION_STOP_DELIVERED,
        STEWARD_DECISION_STOPPED_IMMEDIATELY,
        STEWARD_DECISION_ALREADY_STOPPED,
        STEWARD_DECISION_ALREADY_STOPPING,
        STEWARD_DECISION_PAUSED,
        STEWARD_DECISION_ALREADY_PAUSED,
        STEWARD_DECISION_RESUMED,
        STEWARD_DECISION_NOT_PAUSED,
        STEWARD_DECISION_NOT_QUARANTINED,
        STEWARD_DECISION_QUARANTINED,
        STEWARD_DECISION_ALREADY_QUARANTINED,
        STEWARD_DECISION_SHUTDOWN_STARTED,
        STEWARD_DECISION_ALREADY_SHUTTING_DOWN,
        /* Exit verdicts. */
        STEWARD_DECISION_SUCCESS,
        STEWARD_DECISION_FAILURE,
        STEWARD_DECISION_STOP,
        /* Restart policy and strategies. */
        STEWARD_DECISION_RESTART,
        STEWARD_DECISION_GIVEN_UP,
        STEWARD_DECISION_FINISHED,
        STEWARD_DECISION_ONE_FOR_ONE,
        STEWARD_DECISION_ONE_FOR_ALL,
        STEWARD_DECISION_REST_FOR_ONE,
        STEWARD_DECISION_ESCALATE_PARENT,
        STEWARD_DECISION_ESCALATE_SHUTDOWN,
        STEWARD_DECISION_ESCALATE_QUARANTINE,
        STEWARD_DECISION_CLEAN,
        STEWARD_DECISION_TIMEOUT,
        /* child_restart_conflict: the restart policy gave way to a command. */
        STEWARD_DECISION_RUNTIME_POLICY,
        /* ReloadChild. */
        STEWARD_DECISION_RELOAD_REQUESTED,
        STEWARD_DECISION_ALREADY_RELOADING,
        STEWARD_DECISION_NOT_RUNNING,
        _STEWARD_DECISION_MAX,
} StewardDecision;

/* Which members of a StewardEvent apply (docs/ARCHITECTURE.md: "where they apply"). */
typedef enum {
        STEWARD_EVENT_FIELD_CHILD = 1 << 0,
        STEWARD_EVENT_FIELD_SUPERVISOR = 1 << 1,
        STEWARD_EVENT_FIELD_GENERATION = 1 << 2,
        STEWARD_EVENT_FIELD_ATTEMPT = 1 << 3,
        STEWARD_EVENT_FIELD_MAIN_PID = 1 << 4,
        STEWARD_EVENT_FIELD_COMMAND_ID = 1 << 5,
        STEWARD_EVENT_FIELD_REASON = 1 << 6,
        STEWARD_EVENT_FIELD_DECISION = 1 << 7,
        STEWARD_EVENT_FIELD_EXIT = 1 << 8, /* exit_code and exit_status */
        STEWARD_EVENT_FIELD_ACTOR = 1 << 9,
        STEWARD_EVENT_FIELD_ERROR = 1 << 10,
        STEWARD_EVENT_FIELD_TARGET_GENERATION = 1 << 11,
        STEWARD_EVENT_FIELD_DELAY = 1 << 12, /* delay_usec and next_usec */
        STEWARD_EVENT_FIELD_STATUS_TEXT = 1 << 13,
        STEWARD_EVENT_FIELD_SIGNAL = 1 << 14,
        STEWARD_EVENT_FIELD_MERGED = 1 << 15,
        /* A summary: the entries like it that rate limiting held back (docs/ARCHITECTURE.md, "Rate limits").
         */
        STEWARD_EVENT_FIELD_SUPPRESSED = 1 << 16,
} StewardEventFields;

/* Who issued a command, from the caller's bus credentials (org.steward.Supervisor1(5)). */
typedef struct {
        guint32 uid;
        guint32 pid;
        const char *comm;
} StewardActor;

/* One event. There is no sequence number here: every event is numbered
 * (docs/ARCHITECTURE.md, "Events"), the daemon's own (manager_*, config_*, command_denied) included, so the
 * daemon assigns STEWARD_SEQUENCE when it emits. child and supervisor are
 * interned strings (g_intern_string) and need no freeing; the others are
 * owned and released by steward_event_clear(). */
typedef struct {
        StewardEventKind kind;
        guint fields; /* StewardEventFields */
        guint64 time_usec; /* the monotonic time of the input that caused it */
        const char *child;
        const char *supervisor;
        guint64 generation;
        guint64 attempt;
        guint64 target_generation;
        guint32 main_pid;
        char *command_id;
        char *reason;
        StewardDecision decision;
        StewardExitCode exit_code;
        int exit_status;
        guint32 actor_uid;
        guint32 actor_pid;
        char *actor_comm;
        char *error;
        guint64 delay_usec;
        guint64 next_usec; /* monotonic time the delay ends */
        char *status_text;
        int signal;
        guint merged; /* already_pending: restarts merged into the pending command so far */
        StewardExitCause exit_cause; /* with STEWARD_EVENT_FIELD_EXIT: what the kernel says ended it */
        guint64 suppressed; /* entries of the same kind and key held back before this one */
} StewardEvent;

/* The snake_case name of @kind (STEWARD_EVENT), NULL when out of range. */
const char *steward_event_kind_to_string(StewardEventKind kind);
gboolean steward_event_kind_from_string(const char *s, StewardEventKind *ret);
StewardSeverity steward_event_kind_severity(StewardEventKind kind);

const char *steward_decision_to_string(StewardDecision d);
gboolean steward_decision_from_string(const char *s, StewardDecision *ret);

/* "exited", "killed", "dumped", "unknown"; "" for NONE (LastExitCode in org.steward.Supervisor1(5)). */
const char *steward_exit_code_to_string(StewardExitCode code);
/* "oom-kill", "tasks-max"; "" for NONE. */
const char *steward_exit_cause_to_string(StewardExitCause cause);
gboolean steward_exit_cause_from_string(const char *s, StewardExitCause *ret);

/* Splits a wait(2) status into LastExitCode/LastExitStatus. */
void steward_exit_code_from_wait_status(int wait_status, StewardExitCode *code, int *status);

/* Frees what @ev owns and zeroes it; NULL is fine. */
void steward_event_clear(StewardEvent *ev);
/* @dst (cleared or zeroed) becomes a deep copy of @src. */
void steward_event_copy(StewardEvent *dst, const StewardEvent *src);

G_END_DECLS

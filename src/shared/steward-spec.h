/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-spec.h: the validated supervision tree as the config loader hands it to the engine. */
#pragma once

#include <glib.h>

#include "steward-names.h"

G_BEGIN_DECLS

#define STEWARD_ROOT_SUPERVISOR "root"

/* "unset" for the optional 64-bit limits and weights (MemoryMax=, CPUWeight=, ...). */
#define STEWARD_LIMIT_UNSET G_MAXUINT64

/* MemoryMax=, MemoryHigh=, TasksMax=: an absolute value, or a share of
 * what the machine has (systemd's MemoryMaxScale= and the like), or
 * unset (value STEWARD_LIMIT_UNSET, not relative): no limit. */
typedef struct {
        guint64 value; /* bytes or tasks; permyriad (10000 = 100%) when relative */
        gboolean relative;
} StewardLimit;

/* The cgroup settings of a child's scope or a supervisor's slice, with
 * systemd's names and meanings. Unset keys leave the manager's default. */
typedef struct {
        StewardLimit memory_max;
        StewardLimit memory_high;
        StewardLimit tasks_max;
        guint64 cpu_weight; /* 1..10000, 0 (STEWARD_CPU_WEIGHT_IDLE) for idle, or UNSET */
        guint64 cpu_quota; /* permyriad of one CPU, > 0, or UNSET */
        guint64 io_weight; /* 1..10000 or UNSET */
        GBytes *allowed_cpus; /* bitmask as systemd's AllowedCPUs property; NULL: unset */
} StewardResources;

typedef enum {
        STEWARD_STRATEGY_ONE_FOR_ONE,
        STEWARD_STRATEGY_ONE_FOR_ALL,
        STEWARD_STRATEGY_REST_FOR_ONE,
} StewardStrategy;

typedef enum {
        STEWARD_ESCALATION_PARENT,
        STEWARD_ESCALATION_SHUTDOWN,
        STEWARD_ESCALATION_QUARANTINE,
} StewardEscalation;

typedef enum {
        STEWARD_ROLE_SERVICE,
        STEWARD_ROLE_WORKER,
        STEWARD_ROLE_JOB,
        STEWARD_ROLE_SIDECAR,
} StewardRole;

typedef enum {
        STEWARD_RESTART_PERMANENT,
        STEWARD_RESTART_TRANSIENT,
        STEWARD_RESTART_TEMPORARY,
} StewardRestart;

typedef enum {
        STEWARD_CHILD_SIMPLE,
        STEWARD_CHILD_NOTIFY,
} StewardChildType;

/* HealthAction=: what an unhealthy child gets besides the report. */
typedef enum {
        STEWARD_HEALTH_ACTION_NONE,
        STEWARD_HEALTH_ACTION_RESTART,
} StewardHealthAction;

/* Where a section was declared, for FILE:LINE messages at run time. */
typedef struct {
        char *file;
        int line;
        /* Position among all [Supervisor] and [Child] sections in the order
         * they were read, so a supervisor's members (children and nested
         * supervisors alike) can be started in declaration order. */
        guint order;
} StewardOrigin;

typedef struct {
        char *name;
        char *parent; /* NULL only for the root supervisor */
        StewardStrategy strategy;
        guint restart_intensity;
        guint64 restart_period_usec;
        StewardEscalation escalation;
        StewardResources resources; /* of its slice, shared by the whole subtree */
        StewardOrigin origin;
} StewardSupervisorSpec;

typedef struct {
        char *name;
        char *supervisor;
        StewardRole role;
        StewardRestart restart;
        StewardChildType type;

        char **argv; /* ExecStart=, split without a shell; argv[0] absolute */
        char **environment; /* Environment=, "KEY=VALUE" strings */
        char *working_directory;
        char *user;
        char *group;
        char *syslog_identifier; /* defaults to the child's name */
        char *sidecar_of; /* Role=sidecar only */

        /* Backoff: RestartSec= doubling per consecutive failure up to
         * RestartMaxDelaySec=, spread by RestartJitter= (0.0 ... 1.0). The
         * failure count resets once an incarnation stayed up (ready, for
         * Type=notify) for RestartStableSec=. */
        guint64 restart_usec;
        guint64 restart_max_delay_usec;
        double restart_jitter;
        guint64 restart_stable_usec;

        /* The child's own restart budget (role default, overridable):
         * more than restart_intensity restarts within restart_period_usec
         * and the child is given up as failed. */
        guint restart_intensity;
        guint64 restart_period_usec;

        guint64 watchdog_usec; /* 0: no watchdog */
        int watchdog_signal;
        guint64 timeout_start_usec; /* 0: infinity */
        guint64 timeout_stop_usec; /* 0: infinity */
        int kill_signal;
        int reload_signal; /* ReloadChild: sent to the main process */
        GArray *success_exit_status; /* of int, besides 0 */

        /* Health checks: ExecHealthCheck= (NULL: none) runs every
         * HealthCheckIntervalSec= after the previous one ended, killed after
         * HealthCheckTimeoutSec=; HealthCheckRetries= consecutive failures
         * make the child unhealthy, failures within HealthCheckStartPeriodSec=
         * of its start do not count. HeartbeatSec= (0: none): without a
         * WATCHDOG=1 for that long the child is stale, reported only. */
        char **health_argv;
        guint64 health_interval_usec;
        guint64 health_timeout_usec;
        guint health_retries;
        guint64 health_start_period_usec;
        guint64 heartbeat_usec;
        StewardHealthAction health_action;

        StewardResources resources; /* of its scope */

        StewardOrigin origin;
} StewardChildSpec;

typedef struct {
        char *slice;
        char *allowed_group;
        guint64 shutdown_timeout_usec;

        /* Root first, then declaration order. */
        GPtrArray *supervisors; /* of StewardSupervisorSpec*, owned */
        /* Declaration (file) order. */
        GPtrArray *children; /* of StewardChildSpec*, owned */

        char **files; /* the files read, in the order read */
} StewardSpec;

/* Every key unset. */
void steward_resources_init(StewardResources *r);
void steward_resources_clear(StewardResources *r);
/* @dst, cleared first, becomes @src's equal; they share allowed_cpus. */
void steward_resources_copy(StewardResources *dst, const StewardResources *src);
/* Whether any key is set. */
gboolean steward_resources_is_set(const StewardResources *r);
gboolean steward_resources_equal(const StewardResources *a, const StewardResources *b);

StewardSupervisorSpec *steward_supervisor_spec_new(const char *name);
void steward_supervisor_spec_free(StewardSupervisorSpec *spec);

/* A child spec with the defaults of Role=service applied. */
StewardChildSpec *steward_child_spec_new(const char *name);
void steward_child_spec_free(StewardChildSpec *spec);
/* Resets the keys whose defaults depend on the role. */
void steward_child_spec_apply_role(StewardChildSpec *spec, StewardRole role);

/* An empty tree: the manager defaults and the implicit root supervisor. */
StewardSpec *steward_spec_new(void);
void steward_spec_free(StewardSpec *spec);

StewardSupervisorSpec *steward_spec_find_supervisor(const StewardSpec *spec, const char *name);
StewardChildSpec *steward_spec_find_child(const StewardSpec *spec, const char *name);

gboolean steward_name_is_valid(const char *name);

const char *steward_strategy_to_string(StewardStrategy s);
gboolean steward_strategy_from_string(const char *s, StewardStrategy *ret);
const char *steward_escalation_to_string(StewardEscalation e);
gboolean steward_escalation_from_string(const char *s, StewardEscalation *ret);
const char *steward_role_to_string(StewardRole r);
gboolean steward_role_from_string(const char *s, StewardRole *ret);
const char *steward_restart_to_string(StewardRestart r);
gboolean steward_restart_from_string(const char *s, StewardRestart *ret);
const char *steward_child_type_to_string(StewardChildType t);
gboolean steward_child_type_from_string(const char *s, StewardChildType *ret);
const char *steward_health_action_to_string(StewardHealthAction a);
gboolean steward_health_action_from_string(const char *s, StewardHealthAction *ret);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardSupervisorSpec, steward_supervisor_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardChildSpec, steward_child_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardSpec, steward_spec_free)

G_END_DECLS

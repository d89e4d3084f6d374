/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend-private.h: the backend core's incarnations and the operations each backend (scope, process)
 * provides. */
#pragma once

#include <gio/gio.h>
#include <systemd/sd-bus.h>

#include "steward-backend.h"
#include "steward-cgroup.h"
#include "steward-fd-watch.h"
#include "steward-spawn.h"

typedef struct _BackendOps BackendOps;

typedef enum {
        PHASE_QUEUED, /* waiting for a place among the spawns in flight; nothing forked yet */
        PHASE_PLACING, /* forked, held at the gate, scope being created */
        PHASE_EXECING, /* released, exec outcome not known yet */
        PHASE_RUNNING, /* exec succeeded */
        PHASE_FAILED, /* spawn failed; waiting for nothing to be left */
} Phase;

typedef struct {
        StewardBackend *backend;
        char *child;
        guint64 generation;
        char *key;
        char *unit; /* scope backend */
        StewardExecPlan *plan;
        StewardSpawned proc;
        Phase phase;
        guint report_source; /* adoption's first advance, from the main loop */
        /* The helper's socket, in the epoll set with the pidfds: with
         * a source of its own each of the 64 spawns in flight was polled
         * in every iteration of the loop. */
        StewardFdWatch *report_watch;
        int wait_status;
        guint state_retry_source; /* scope backend: its state asked again once the manager is back */
        guint main_exited : 1;
        guint scope_gone : 1; /* scope backend: inactive or removed */
        guint cgroup_empty : 1; /* scope backend: the kernel says its cgroup has no process */
        guint scope_created : 1;
        guint exited_reported : 1;
        guint stop_requested : 1;
        guint journal_refused : 1; /* steward-exec fell back from the journal */
        guint in_queue : 1; /* in StewardBackend.queued, by queue_link */
        guint sent_pidfds : 1; /* the pending StartTransientUnit passed PIDFDs */
        /* MAINPID=: the process now taken as the main one, when not
         * proc.pid (which stays the process group's leader); 0: none. */
        pid_t followed;
        int pidfd; /* adopted or followed: the main process, when it is not our child; else -1 */
        StewardFdWatch *pidfd_watch;
        char *failure;
        GList queue_link; /* in StewardBackend.queued, when in_queue */
        /* What StartTransientUnit sets besides the scope's own: made into
         * the call's properties when it is sent, not before (a bring-up
         * queues thousands of incarnations, and a tree of GVariants made
         * for each and freed as each scope came up was most of what it
         * left scattered in the heap). */
        guint64 scope_timeout_stop_usec; /* TimeoutStopUSec */
        StewardResources resources;
        char *job; /* the scope's start job, once the manager named it */
        int kill_signal; /* KillSignal=, what StopUnit sends */
        char *slice; /* NULL: the backend's */
        char *cgroup; /* scope backend: the scope's ControlGroup, once a probe asked for it */
        /* JobRemoved seen for the unit before we knew our job's path:
         * someone else's job on a unit of that name, or ours racing its reply. */
        GHashTable *early_jobs; /* job path -> result */
        StewardCgroupCounters *counters; /* scope backend: its cgroup's, NULL when none can be read */
        int empty_watch; /* scope backend: its cgroup's end (StewardCgroupEmptyWatch), 0: none */
} Incarnation;

/* A health check run inside an incarnation (steward_backend_probe()). */
typedef struct {
        StewardBackend *backend;
        char *child;
        guint64 generation;
        guint64 number;
        StewardExecPlan *plan;
        StewardSpawned proc;
        gboolean released; /* past the gate */
        char *failure; /* it will not run its program: why */
        guint idle_source; /* reporting a failure before anything was forked */
} Probe;

/* The manager's signals the scope backend listens to on a connection:
 * JobRemoved, UnitRemoved, its units' PropertiesChanged, and the
 * connection's own end. */
#define MANAGER_MATCHES 4

/* A connection to the systemd manager (scope backend): its private
 * socket, or the bus of the mode, run by the main loop. */
typedef struct {
        StewardBackend *backend;
        sd_bus *bus;
        GSource *source;
        sd_bus_slot *matches[MANAGER_MATCHES]; /* NULL while not listening there */
        gboolean subscribed; /* Subscribe() sent, on the bus */
} ManagerLink;

struct _StewardBackend {
        StewardBackendKind kind;
        const BackendOps *ops;
        StewardMode mode;
        /* The scope backend's connection for every manager call: the
         * manager's private socket, or bus_link. */
        ManagerLink *manager;
        ManagerLink *bus_link; /* the bus of the mode, once it was needed; kept to the end */
        char *bus_address; /* NULL: the bus of the mode */
        char *private_socket; /* NULL: the bus only (--manager-connection=bus, or nowhere to look) */
        ManagerLink *probe; /* a new private connection, not answering yet */
        guint reconnect_source;
        guint reconnect_tries;
        guint subscribe_retry_source; /* Subscribe() on bus_link, again once the manager is back */
        GQueue failed_calls; /* of ManagerCall, that could not be sent: told from failed_source */
        guint failed_source;
        char *slice;
        StewardReaper *reaper;
        const StewardBackendEvents *events;
        gpointer user_data;
        gboolean use_journal;
        gboolean pidfds_unsupported;
        GCancellable *cancellable;
        GHashTable *incarnations; /* key "child/generation" -> Incarnation* */
        GHashTable *current; /* child -> Incarnation* (borrowed), the newest */
        GHashTable *by_leader; /* GINT_TO_POINTER(forked pid) -> Incarnation* (borrowed) */
        GHashTable *probes; /* &Probe.number -> Probe*, until its end is reported */
        /* Spawns waiting for one of the SPAWNS_IN_FLIGHT_MAX places, oldest
         * first; a stop moves one to the front (backend_pump()). */
        GQueue queued;
        guint in_flight; /* incarnations in PHASE_PLACING or PHASE_EXECING */
        guint pump_source;
        /* A helper spawned ahead of the next spawn, from spare_source once
         * a spawn took the last one (backend_spare_soon()). */
        StewardSpare spare;
        guint spare_source;
        /* The scope backend's, set up and torn down by its init/finalize. */
        GHashTable *by_unit; /* unit name -> Incarnation* (borrowed) */
        StewardCgroupEmptyWatch *cgroup_empty; /* NULL: the manager's reports alone */
};

/* What differs between the backends; the core (steward-backend.c) does the
 * rest: the incarnation tables, spawning through steward-exec, the report
 * pipe, reaping, and the order of the reports. */
struct _BackendOps {
        /* Sets up what the backend needs (the manager's signals; the
         * subreaper flag). */
        gboolean (*init)(StewardBackend *b, const StewardBackendOptions *o, GError **error);
        void (*finalize)(StewardBackend *b);
        /* Takes from @spec and @slice what placing @inc will need, before
         * it waits for its turn; NULL when the backend needs nothing. */
        void (*prepare)(Incarnation *inc, const StewardChildSpec *spec, const char *slice);
        /* After the helper is spawned and waits at its gate: put it where
         * it belongs, then release it (or fail the incarnation). */
        void (*place)(Incarnation *inc);
        /* New cgroup settings for a spawn still waiting for its turn; NULL
         * for a backend without units. */
        void (*restage)(Incarnation *inc, const StewardResources *resources);
        /* @inc is being freed: let go of what the backend keeps of it;
         * NULL when it keeps nothing. */
        void (*discard)(Incarnation *inc);
        /* The main process has exited: is anything of the incarnation left? */
        gboolean (*all_gone)(Incarnation *inc);
        /* @signal (a stop) or SIGKILL to everything (@kill_all) of a placed incarnation. */
        void (*deliver)(Incarnation *inc, int signal, gboolean kill_all);
        /* Is @pid a process of the running incarnation @inc? */
        gboolean (*owns_pid)(Incarnation *inc, pid_t pid);
        /* The incarnation @pid belongs to, running or not; NULL for none. */
        Incarnation *(*find_pid)(StewardBackend *b, pid_t pid);
        /* Lists what a previous run left (a GPtrArray of StewardLeftover),
         * then returns @task (owned). */
        void (*survey)(StewardBackend *b, GTask *task);
        /* Takes over an incarnation a previous run left, @leftover NULL
         * when it is not there any more; NULL for a backend that cannot. */
        gboolean (*adopt)(Incarnation *inc, const StewardChildSpec *spec, const StewardLeftover *leftover,
                          GError **error);
        /* Stops a leftover that belongs to no child. */
        void (*stop_leftover)(StewardBackend *b, const StewardLeftover *leftover);
        /* What the kernel says ended @inc, asked as its main process's end
         * is reported; NULL when the backend cannot know. */
        StewardExitCause (*exit_cause)(Incarnation *inc);
        /* Applies cgroup settings to @unit in place, returning once the
         * manager has them if @wait; NULL for a backend without units. */
        void (*set_resources)(StewardBackend *b, const char *unit, const StewardResources *resources,
                              gboolean wait);
        /* An orphan was reaped; NULL when that tells the backend nothing. */
        void (*orphan_reaped)(StewardBackend *b);
        /* Puts a probe held at its gate into the running incarnation @inc, then releases it
         * (backend_probe_release()) or fails it (backend_probe_fail()). */
        void (*place_probe)(Probe *probe, Incarnation *inc);
};

extern const BackendOps backend_scope_ops;

extern const BackendOps backend_process_ops;

/* The core's helpers the backends call. */
Incarnation *backend_lookup(StewardBackend *b, const char *child, guint64 generation);
/* Moves an incarnation's reports along as far as what is known allows; may free it. */
void backend_incarnation_advance(Incarnation *inc);
/* Gives up on an incarnation that has not exec'd. */
void backend_incarnation_fail(Incarnation *inc, const char *message);
/* Lets a placed incarnation go on to exec. */
void backend_incarnation_release(Incarnation *inc);
/* The probe numbered @number, NULL once reported. */
Probe *backend_probe_lookup(StewardBackend *b, guint64 number);
/* Lets a placed probe go on to exec. */
void backend_probe_release(Probe *probe);
/* Gives up on a probe held at its gate: it leaves without running its program. */
void backend_probe_fail(Probe *probe, const char *message);

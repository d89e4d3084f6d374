/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-backend.h: running incarnations for real, in transient scopes or in process groups. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "steward-event.h"
#include "steward-mode.h"
#include "steward-reaper.h"
#include "steward-spec.h"

G_BEGIN_DECLS

typedef struct _StewardBackend StewardBackend;

/* What the backend learns about an incarnation, in this order for each:
 * spawned, then exited (the main process's wait status), then gone (no
 * process of it is left: scope empty, process group empty). spawn_failed
 * replaces all three and comes only once nothing of the incarnation is
 * alive. */
typedef struct {
        void (*spawned)(gpointer user_data, const char *child, guint64 generation, pid_t pid,
                        const char *unit);
        void (*spawn_failed)(gpointer user_data, const char *child, guint64 generation, const char *message);
        /* @cause: what the kernel says ended it, when the backend can tell (the scope backend) */
        void (*exited)(gpointer user_data, const char *child, guint64 generation, int wait_status,
                       StewardExitCause cause);
        void (*gone)(gpointer user_data, const char *child, guint64 generation);
        /* Optional, and only for incarnations whose output goes to the
         * journal: @error is why the journal refused the stream (the
         * incarnation starts anyway, writing to stewardd's stderr or
         * /dev/null), as soon as steward-exec says so; NULL once the
         * program runs with its stream connected. */
        void (*journal)(gpointer user_data, const char *child, guint64 generation, const char *error);
        /* A probe (steward_backend_probe()) ended: its wait status, or @error when it never ran its
         * program (the incarnation is gone, placing or exec failed; @wait_status is then 0). Always
         * once per probe, cancelled ones included, and never from inside steward_backend_probe(). */
        void (*probe_ended)(gpointer user_data, const char *child, guint64 generation, guint64 probe,
                            int wait_status, const char *error);
        /* Optional: a main process ended, before anything is concluded from
         * it. What its incarnation sent before may name a new main process
         * (MAINPID=, steward_backend_follow_main()): the caller reads it
         * now, as systemd reads its notify socket before SIGCHLD. */
        void (*main_exiting)(gpointer user_data);
} StewardBackendEvents;

typedef struct {
        StewardBackendKind kind;
        StewardMode mode;
        /* scope: the address of the bus where the manager is, NULL for the bus of @mode */
        const char *manager_bus_address;
        /* scope: every manager call on that bus, never on the manager's private socket */
        gboolean manager_bus_only;
        const char *slice; /* scope: parent slice of every scope */
        StewardReaper *reaper;
        const StewardBackendEvents *events;
        gpointer user_data;
} StewardBackendOptions;

/**
 * steward_backend_new:
 *
 * For the scope backend this subscribes to the manager's signals, so it
 * fails when no manager answers. It talks to the manager on its private
 * socket where that accepts us (the system manager's for root, a user
 * manager's below $XDG_RUNTIME_DIR), else on the bus of the mode (its own
 * connection there, with sd-bus), and says which (g_info()); a private connection
 * the manager closes (its daemon-reexec) is replaced, by the bus at once
 * and by the private socket again as soon as it answers.
 */
StewardBackend *steward_backend_new(const StewardBackendOptions *options, GError **error);
void steward_backend_free(StewardBackend *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardBackend, steward_backend_free)

/* The wait status reported for a main process stewardd did not reap (an
 * adopted one: the service manager, its parent now, reaped it). */
#define STEWARD_BACKEND_WAIT_STATUS_UNKNOWN (-1)

/* A scope a previous run of stewardd left: steward-CHILD-GENERATION.scope. */
typedef struct {
        char *unit;
        char *child; /* from the name */
        guint64 generation;
        gboolean stopping; /* the manager is stopping it (deactivating) */
        GArray *pids; /* of pid_t, the scope's processes as the manager listed them; never NULL */
} StewardLeftover;

void steward_leftover_free(StewardLeftover *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardLeftover, steward_leftover_free)

/**
 * steward_backend_survey:
 *
 * Scope backend: lists the steward-*.scope units of the manager that are
 * alive (active or deactivating) with their processes, for live restore.
 * The previous run's scopes are ours by name: one stewardd per manager
 * holds the bus name. Completes with an empty list for the process
 * backend (process groups carry no name) and when the manager cannot be
 * asked (logged).
 */
void steward_backend_survey(StewardBackend *b, GAsyncReadyCallback callback, gpointer user_data);
/* (transfer full): of StewardLeftover, by unit name; NULL only when cancelled. */
GPtrArray *steward_backend_survey_finish(StewardBackend *b, GAsyncResult *res, GError **error);

/**
 * steward_backend_adopt:
 * @main_pid: the incarnation's main process, 0 when it is gone already
 *
 * Takes over @leftover as @spec's incarnation @generation (the leftover's),
 * reported from here on exactly as one this backend spawned: exited (with
 * STEWARD_BACKEND_WAIT_STATUS_UNKNOWN unless the main process is still
 * stewardd's own child, as after a re-exec), then gone. With @main_pid 0
 * only gone comes. @leftover NULL: the scope was not found, and gone is
 * reported at once (from an idle source). Reports come from the main
 * loop, never from inside this call.
 */
gboolean steward_backend_adopt(StewardBackend *b, const StewardChildSpec *spec,
                               const StewardLeftover *leftover, guint64 generation, pid_t main_pid,
                               GError **error);

/* Stops a scope of a previous run that belongs to no child (its child was
 * removed from the configuration), as a stop of our own would. */
void steward_backend_stop_leftover(StewardBackend *b, const StewardLeftover *leftover);

StewardBackendKind steward_backend_get_kind(StewardBackend *b);

/* The unit of an incarnation: steward-CHILD-GENERATION.scope. */
char *steward_backend_unit_name(const char *child, guint64 generation);

/* Starts an incarnation; everything after is reported through the events.
 * @slice: (nullable): the scope's parent slice, NULL for the backend's own
 * @extra_env: protocol variables for the child (NOTIFY_SOCKET, ...). */
void steward_backend_spawn(StewardBackend *b, const StewardChildSpec *spec, guint64 generation,
                           const char *slice, char **extra_env);

/* Sends @signal to every process of the incarnation; the scope backend
 * asks the manager to stop the scope, which escalates to SIGKILL itself
 * after TimeoutStopSec=. */
void steward_backend_stop(StewardBackend *b, const char *child, guint64 generation, int signal);

/* SIGKILL to every process of the incarnation. */
void steward_backend_kill(StewardBackend *b, const char *child, guint64 generation);

/**
 * steward_backend_probe:
 * @spec: the child; the probe runs its ExecHealthCheck= with its environment, working directory, user
 *   and group, through steward-exec as an incarnation does, its output under its SyslogIdentifier=
 * @probe: the engine's number for it, given back in probe_ended
 *
 * Runs a health check inside incarnation @generation: the scope backend attaches it to the
 * incarnation's scope (its cgroup.procs) before it runs anything, so it counts in the scope's
 * resources and is stopped with it; the process backend cannot place it in the incarnation's process
 * group (another session), so it runs in one of its own. Either way it leads its own process group,
 * which steward_backend_cancel_probe() kills.
 */
void steward_backend_probe(StewardBackend *b, const StewardChildSpec *spec, guint64 generation,
                           guint64 probe);
/* SIGKILL to the probe's process group; its end is still reported. */
void steward_backend_cancel_probe(StewardBackend *b, guint64 probe);

/* Does @pid belong to the live incarnation of @child (its scope's cgroup or
 * its process group)? For the notify protocol's sender check. */
gboolean steward_backend_owns_pid(StewardBackend *b, const char *child, pid_t pid);

/**
 * steward_backend_follow_main:
 *
 * MAINPID=: from now on @pid, a process of @child's live incarnation
 * @generation, is its main process: the exited report is about its end
 * (its wait status when it is stewardd's child, as the one a subreaper
 * adopted, else STEWARD_BACKEND_WAIT_STATUS_UNKNOWN), and the previous
 * main's end no longer counts (it is still reaped). Fails when the
 * incarnation is not running or its main process ended already, or @pid
 * is not one of its processes or is gone.
 */
gboolean steward_backend_follow_main(StewardBackend *b, const char *child, guint64 generation, pid_t pid,
                                     GError **error);

/* The main process of @child's incarnation @generation as the backend
 * watches it (the one followed after MAINPID=), 0 when none. */
pid_t steward_backend_get_main_pid(StewardBackend *b, const char *child, guint64 generation);

/* Sends @signal to the main process alone (ReloadSignal=). FALSE when the
 * incarnation has no main process any more. */
gboolean steward_backend_signal_main(StewardBackend *b, const char *child, guint64 generation, int signal);

/* The spare steward-exec's PID (the next spawn's helper), its spawner's
 * answer read now if it was not; 0 when there is none. */
pid_t steward_backend_get_spare_pid(StewardBackend *b);

/* The scope of @child's incarnation @generation, from the moment the
 * manager created it until the incarnation's gone report has been
 * delivered; NULL for the process backend and for incarnations the backend
 * does not hold. */
const char *steward_backend_get_unit(StewardBackend *b, const char *child, guint64 generation);

/**
 * steward_backend_lookup_pid:
 * @ret_child: (out) (optional) (transfer none): valid while the incarnation is
 *
 * Whose running incarnation @pid belongs to: the scope whose cgroup holds
 * it, or the process group it is in. Only the newest incarnation of a child
 * whose program runs counts. For the notify protocol's sender check.
 */
gboolean steward_backend_lookup_pid(StewardBackend *b, pid_t pid, const char **ret_child,
                                    guint64 *ret_generation);

/**
 * steward_backend_set_child_resources:
 * @wait: return only once the manager has taken them, as before a
 *   re-exec: the manager checks who asks, and a caller gone by then is
 *   refused
 *
 * Scope backend: applies @resources to the scope of @child's newest
 * incarnation while it runs, in place (the manager's SetUnitProperties,
 * at run time): the processes keep running. A key @resources leaves unset
 * goes back to no limit, as "systemctl set-property UNIT KEY=" does. The
 * process backend has nothing to apply them to.
 */
void steward_backend_set_child_resources(StewardBackend *b, const char *child,
                                         const StewardResources *resources, gboolean wait);

/**
 * steward_backend_set_slice_resources:
 *
 * Scope backend: applies @resources to @slice, whether or not it is
 * active, so that every scope below it shares them; unset keys and
 * @wait as above.
 * Sent before the scopes placed after it, on the same connection, so the
 * manager has the settings before the first scope lands in the slice.
 */
void steward_backend_set_slice_resources(StewardBackend *b, const char *slice,
                                         const StewardResources *resources, gboolean wait);

/* Writes out every manager call still queued on the backend's own
 * connection (the manager's private socket), as before a re-exec: a
 * fire-and-forget StopUnit must not die with this image. */
void steward_backend_flush(StewardBackend *b);

/* To be called for every orphan the reaper collects (process backend:
 * an orphan's death may be what empties a process group). */
void steward_backend_orphan_reaped(StewardBackend *b);

G_END_DECLS

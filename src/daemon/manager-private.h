/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager-private.h: the manager's state, shared by its files (steward-manager.c, manager-restore.c). */
#pragma once

#include "steward-manager.h"
#include "steward-notify-router.h"
#include "steward-reaper.h"
#include "steward-state.h"

typedef struct {
        const StewardManagerListener *l;
        gpointer data;
} Listener;

struct _StewardManager {
        StewardMode mode;
        char *config_path;
        char *runtime_dropin_dir; /* of AddChild's children; NULL: no runtime directory */
        StewardSpec *spec;
        GHashTable *child_specs; /* name -> StewardChildSpec* (in spec) */
        GHashTable *supervisor_slices; /* supervisor name -> its slice unit */
        gid_t allowed_gid;

        StewardReaper *reaper;
        StewardBackend *backend;
        StewardEngine *engine;
        sd_bus *bus; /* NULL: no bus (a container without one) */
        GSource *bus_source; /* dispatches @bus */
        StewardNotifyRouter *notify;
        GArray *listeners; /* Listener */

        GSource *timer;
        GArray *actions;
        gboolean dispatching;
        guint64 sequence;
        guint64 sequence_reserved; /* numbers up to it may have been given: the file says so */
        char *sequence_path; /* NULL: no runtime directory */
        guint64 command_counter;
        guint spawns_in_flight; /* SPAWNs without their spawned/spawn_failed report yet */
        gboolean started;
        /* Live restore (manager-restore.c). */
        char *state_path; /* NULL: no runtime directory, no state file */
        StewardState *previous; /* what the previous run left, NULL when not believed */
        StewardStateProblem previous_problem;
        guint save_source;
        guint64 last_save_usec; /* monotonic, when the last began; 0 before the first */
        guint64 last_save_cost_usec; /* how long it took */
        StewardState *saved; /* as of the last save: its unchanged records are the next's */
        /* Changes written ahead of the state file (manager_note_changes()). */
        char *changes_path; /* NULL without a state file */
        int changes_fd; /* -1: not open */
        gboolean changes_unsaved; /* the file has lines the state file may not hold */
        GHashTable *noted_modes; /* child (interned) -> StewardChildMode + 1, as last noted */
        GHashTable *noted_quarantines; /* supervisor (interned) -> quarantined + 1, as last noted */
        GPtrArray *leftovers; /* of StewardLeftover: the survey, until the start */
        void (*prepared)(gpointer user_data);
        gpointer prepared_data;
        gboolean reexec_requested;
        guint reexec_source;
        gboolean ready_reported;
        gboolean exited;
        /* The incarnation whose gone report is being delivered: the backend
         * holds it until the report returns, but its Unit is "" already. */
        const char *gone_child; /* interned */
        /* A child's output was refused by the journal and none has been
         * connected since: journal_unavailable was said, once. */
        gboolean journal_unavailable;
        guint64 gone_generation;
        GHashTable *limits; /* key -> its rate limit (manager-ratelimit.c) */
};

/* Actions of one input past which their array's storage is freed once
 * they are performed rather than kept for the next. */
#define MANAGER_ACTIONS_KEPT 256

/* For every listener that has @member, @l pointing at it. */
#define FOR_EACH_LISTENER(m, l, member)                                                             \
        for (guint i_ = 0; i_ < (m)->listeners->len; i_++)                                          \
                for (const Listener *l = &g_array_index((m)->listeners, Listener, i_); l; l = NULL) \
                        if (l->l->member)

guint64 manager_now(void);
/* Numbers an event and tells the listeners. @unit: (nullable): its scope,
 * when not one the backend holds. */
void manager_emit(StewardManager *m, const StewardEvent *ev, const char *unit);
/* The same without the rate limits: a summary, already judged. */
void manager_emit_now(StewardManager *m, const StewardEvent *ev, const char *unit);
/* Performs every pending action, then tells the listeners it settled. */
void manager_dispatch(StewardManager *m);

/* The file name AddChild's problems are reported under, as FILE:LINE. */
#define MANAGER_FRAGMENT_FILE "AddChild"

/* An event of the daemon's own, outside the engine, with @error if any. */
void manager_emit_simple(StewardManager *m, StewardEventKind kind, const char *error);
/* Reads the configuration (with the run-time drop-ins, and @fragment read
 * last when not NULL, naming its child in @ret_child); every problem is
 * in the error's message, warnings are logged. */
StewardSpec *manager_load_config(StewardManager *m, StewardBackendKind backend, const char *fragment,
                                 char **ret_child, GError **error);
/* The listeners' manager_changed. */
void manager_tell_manager_changed(StewardManager *m, guint changed);
/* m->spec changed: the lookups follow it. */
void manager_index_spec(StewardManager *m);
/* Applies the cgroup settings of @spec that differ from @old's (NULL: at
 * start, those set) to the slices and running scopes; @wait: block until
 * the manager took them. */
void manager_apply_resources(StewardManager *m, const StewardSpec *old, const StewardSpec *spec,
                             gboolean wait);

/* manager-children.c: AddChild and RemoveChild. */

/* steward.conf.d in the runtime directory, NULL without one. */
char *manager_runtime_dropin_dir(StewardMode mode);

/* manager-ratelimit.c: whether @ev goes out now (TRUE), or is held back
 * and counted for the summary at its window's end. */
gboolean manager_ratelimit_pass(StewardManager *m, const StewardEvent *ev);
/* Every summary still waiting for its window's end, now. */
void manager_ratelimit_flush_all(StewardManager *m);
void manager_ratelimit_init(StewardManager *m);
void manager_ratelimit_clear(StewardManager *m);

/* manager-restore.c: live restore (docs/LIVE-RESTORE.md). */

/* Reads what the previous run left (steward_manager_new()); fails only for
 * the process backend beside a previous run's processes. */
gboolean manager_restore_load(StewardManager *m, GError **error);
/* Lists what the previous run left running, then calls m->prepared. */
void manager_restore_survey(StewardManager *m);
/* Adopts what the survey found, then starts the tree. */
void manager_restore_start(StewardManager *m);
/* The engine's state changed: write the state file soon. */
void manager_state_changed(StewardManager *m);
/* Reload of a change that cannot be applied in place (@why): a re-exec
 * applies it, from @spec's files. FALSE when stewardd cannot re-exec. */
gboolean manager_reload_by_reexec(StewardManager *m, const StewardSpec *spec, const char *why, GStrv *added,
                                  GStrv *removed, GStrv *changed);
/* Calls the listeners' reexecute if one was asked for and may go ahead. */
void manager_reexec_check(StewardManager *m);
/* What @ev changed that a kill before the next save must not lose (a
 * Type=notify child's READY=1, a child's mode), kept at once. */
void manager_note_changes(StewardManager *m, const StewardEvent *ev);
/* The same of a supervisor's quarantine, once its State changed. */
void manager_note_supervisor(StewardManager *m, const char *supervisor);
/* The tree is down for good: nothing is left to adopt. */
void manager_state_remove(StewardManager *m);
/* The next event's number, reserved ahead in the runtime directory. */
void manager_sequence_next(StewardManager *m);
void manager_restore_clear(StewardManager *m);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager-restore.c: live restore: the state file one stewardd leaves, and the adoption of what it left
 * running.
 *
 * docs/LIVE-RESTORE.md is the design. At start the manager reads the state
 * file (steward-state.c) and asks the backend for the scopes of the
 * previous run; what the live processes confirm of the file is believed,
 * the rest is taken from the scopes alone. Each configured child's newest
 * scope is adopted (backend and engine), older ones and those of children
 * no longer configured are stopped, and only then does the engine start
 * what has no incarnation. From then on the state file follows the
 * engine, written from an idle source after every change. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "manager-private.h"

/* ---- the state file ---------------------------------------------------------- */

static const StewardStateOperator operator_of_mode[_STEWARD_CHILD_MODE_MAX] = {
        [STEWARD_CHILD_MODE_RUNNING] = STEWARD_STATE_OPERATOR_RUNNING,
        [STEWARD_CHILD_MODE_STOPPED] = STEWARD_STATE_OPERATOR_STOPPED,
        [STEWARD_CHILD_MODE_PAUSED] = STEWARD_STATE_OPERATOR_PAUSED,
        [STEWARD_CHILD_MODE_FAILED] = STEWARD_STATE_OPERATOR_FAILED,
        /* With Quarantined=true: a reader before it keeps the child down as paused. */
        [STEWARD_CHILD_MODE_QUARANTINED] = STEWARD_STATE_OPERATOR_PAUSED,
};

static const StewardChildMode mode_of_operator[_STEWARD_STATE_OPERATOR_MAX] = {
        [STEWARD_STATE_OPERATOR_RUNNING] = STEWARD_CHILD_MODE_RUNNING,
        [STEWARD_STATE_OPERATOR_STOPPED] = STEWARD_CHILD_MODE_STOPPED,
        [STEWARD_STATE_OPERATOR_PAUSED] = STEWARD_CHILD_MODE_PAUSED,
        /* Children are quarantined only with their supervisor, restored with it. */
        [STEWARD_STATE_OPERATOR_QUARANTINED] = STEWARD_CHILD_MODE_RUNNING,
        [STEWARD_STATE_OPERATOR_FAILED] = STEWARD_CHILD_MODE_FAILED,
};

/* The mode a record gives its child: a quarantine is written as paused,
 * Quarantined=true. */
static StewardChildMode
record_mode(const StewardChildRecord *r)
{
        return r->quarantined ? STEWARD_CHILD_MODE_QUARANTINED : mode_of_operator[r->operator_state];
}

/* The spawn error as the file keeps it: cut at a character's start. */
static gsize
spawn_error_length(const char *s)
{
        const char *end;

        (void) g_utf8_validate(s, MIN(strlen(s), STEWARD_STATE_SPAWN_ERROR_MAX), &end);
        return end - s;
}

static const char *
pending_kind_name(StewardCommandKind kind)
{
        return kind == STEWARD_COMMAND_START ? "start" : "restart";
}

static gboolean
pending_matches(const StewardStateCommand *p, const StewardChildSave *save)
{
        if (!p || !save->pending_command_id)
                return !p && !save->pending_command_id;
        return g_str_equal(p->id, save->pending_command_id) &&
               g_str_equal(p->kind, pending_kind_name(save->pending_kind)) &&
               g_str_equal(p->reason, save->pending_reason ? save->pending_reason : "");
}

static gboolean
spawn_error_matches(const char *kept, const char *error)
{
        gsize length;

        if (!kept || !error)
                return !kept && !error;
        length = spawn_error_length(error);
        return strlen(kept) == length && memcmp(kept, error, length) == 0;
}

static gboolean
window_matches(const GArray *kept, const StewardChildSave *save)
{
        /* An empty window has no data to compare, nor a pointer to give memcmp(). */
        return kept->len == save->n_restart_window &&
               (kept->len == 0 ||
                memcmp(kept->data, save->restart_window, kept->len * sizeof(guint64)) == 0);
}

/* Whether @r, the child's record at the last save, says what @save says. A
 * main process whose start time could not be read (gone unseen) is not in
 * the record; its child is recorded afresh, and the time read again. */
static gboolean
child_record_matches(const StewardChildRecord *r, const StewardChildSave *save)
{
        return r->generation == save->generation && r->attempt == save->attempt && r->ready == save->ready &&
               r->alive == save->alive && r->stopping == save->stopping &&
               r->restart_count == save->restart_count && r->backoff_failures == save->backoff_failures &&
               r->operator_state == operator_of_mode[save->mode] &&
               r->quarantined == (save->mode == STEWARD_CHILD_MODE_QUARANTINED) &&
               r->main_pid == save->main_pid && window_matches(r->restart_window, save) &&
               g_strcmp0(r->fingerprint, save->fingerprint) == 0 && pending_matches(r->pending, save) &&
               spawn_error_matches(r->spawn_error, save->spawn_error);
}

/* @previous: the state of the last save, NULL before the first. */
static void
state_record_child(StewardManager *m, StewardState *state, const char *name, StewardState *previous)
{
        StewardChildRecord *known = steward_state_find_child(previous, name);
        StewardChildSave save;
        StewardChildRecord *r;

        if (!steward_engine_save_child(m->engine, name, &save))
                return;
        if (known && child_record_matches(known, &save)) {
                steward_state_add_child_record(state, known);
                return;
        }
        r = steward_state_add_child(state, name);
        r->generation = save.generation;
        r->attempt = save.attempt;
        r->ready = save.ready;
        r->alive = save.alive;
        r->stopping = save.stopping;
        r->restart_count = save.restart_count;
        r->backoff_failures = save.backoff_failures;
        r->operator_state = operator_of_mode[save.mode];
        r->quarantined = save.mode == STEWARD_CHILD_MODE_QUARANTINED;
        if (save.main_pid > 0) {
                guint64 start;

                /* A start time never changes for a process: read once per
                 * incarnation, not per save. A zombie still has one; a
                 * process gone unseen has none. */
                if (known && known->main_pid == save.main_pid && known->generation == save.generation)
                        start = known->main_pid_start_time;
                else
                        start = steward_state_pid_start_time(save.main_pid);
                if (start != 0) {
                        r->main_pid = save.main_pid;
                        r->main_pid_start_time = start;
                }
        }
        if (save.pending_command_id)
                steward_child_record_set_pending(r, save.pending_command_id,
                                                 pending_kind_name(save.pending_kind),
                                                 save.pending_reason ? save.pending_reason : "");
        g_array_append_vals(r->restart_window, save.restart_window, save.n_restart_window);
        r->fingerprint = g_strdup(save.fingerprint);
        if (save.spawn_error)
                r->spawn_error = g_strndup(save.spawn_error, spawn_error_length(save.spawn_error));
}

/* The state now. A child unchanged since the last save keeps that save's
 * record, and its text: a save formats what changed, which in a storm of
 * thousands is a few children, not the tree. Frozen: its new records keep
 * the text this save makes of them, for the next save to share. */
static StewardState *
state_snapshot(StewardManager *m)
{
        g_autoptr(StewardState) state = steward_state_new();

        state->sequence = m->sequence;
        state->command_counter = m->command_counter;
        for (guint i = 0; i < steward_engine_get_n_children(m->engine); i++) {
                StewardChildInfo info;

                if (steward_engine_get_child_at(m->engine, i, &info))
                        state_record_child(m, state, info.name, m->saved);
        }
        for (guint i = 0; i < steward_engine_get_n_supervisors(m->engine); i++) {
                StewardSupervisorInfo info;
                StewardSupervisorSave save;
                StewardSupervisorRecord *r;

                if (!steward_engine_get_supervisor_at(m->engine, i, &info))
                        continue;
                r = steward_state_add_supervisor(state, info.name);
                if (!steward_engine_save_supervisor(m->engine, info.name, &save))
                        continue;
                r->quarantined = save.quarantined;
                g_array_append_vals(r->restart_window, save.restart_window, save.n_restart_window);
        }
        steward_state_freeze(state);
        return g_steal_pointer(&state);
}

/* ---- changes written ahead --------------------------------------------------- */

/* The state file is written when the loop is idle, at 10,000 children
 * seconds apart, and a stewardd killed in between would lose what nothing
 * else can tell the next one: a Type=notify child's READY=1, which it says
 * once (the next stewardd would wait for it, judge a start timeout and
 * restart a healthy program), what an operator made of a child (a
 * StopChild answered and done would be undone: the next stewardd would
 * find the scope gone and restart the child by its policy), and a
 * supervisor's quarantine or its ResumeSupervisor. These are appended to
 * the file "changes" beside the state file as they happen (one write(2),
 * a few µs), and the file is emptied once a save holds them
 * (steward-state.h). Everything else a kill can lose there is either
 * learned again from the scopes or allowed to be lost
 * (docs/LIVE-RESTORE.md). */

static void
changes_append(StewardManager *m, char *line, gsize length)
{
        g_autofree char *owned = line;
        ssize_t n;

        if (m->changes_fd < 0) {
                /* The runtime directory exists: the notify socket is in it. */
                m->changes_fd =
                        open(m->changes_path,
                             O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
                if (m->changes_fd < 0) {
                        g_message("Cannot open %s: %m; a change not saved yet is lost if stewardd dies",
                                  m->changes_path);
                        g_clear_pointer(&m->changes_path, g_free);
                        m->changes_unsaved = FALSE;
                        return;
                }
        }
        do
                n = write(m->changes_fd, owned, length);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t) length)
                g_message("Cannot write %s: %s, ignoring", m->changes_path,
                          n < 0 ? g_strerror(errno) : "short write");
        m->changes_unsaved = TRUE;
}

/* A supervisor's quarantine is part of its State, and is noted when that
 * changes: no event tells it. The engine sets it after the events of its
 * escalation (supervisor_intensity_exceeded, then the children's
 * child_quarantined, when there are any), and publishes the State once
 * the input that decided it is done. */
void
manager_note_supervisor(StewardManager *m, const char *supervisor)
{
        StewardSupervisorSave sup;
        gpointer noted;
        gsize length;
        char *line;

        if (!m->changes_path || !m->started || !steward_engine_save_supervisor(m->engine, supervisor, &sup))
                return;
        noted = g_hash_table_lookup(m->noted_quarantines, supervisor);
        if ((noted ? GPOINTER_TO_INT(noted) - 1 : FALSE) == !!sup.quarantined)
                return;
        g_hash_table_insert(m->noted_quarantines, (gpointer) g_intern_string(supervisor),
                            GINT_TO_POINTER(!!sup.quarantined + 1));
        line = steward_state_note_supervisor(supervisor, sup.quarantined, &length);
        changes_append(m, line, length);
}

void
manager_note_changes(StewardManager *m, const StewardEvent *ev)
{
        StewardChildSave save;
        gpointer noted;
        gsize length;
        char *line;

        if (!m->changes_path || !m->started || !ev->child)
                return;
        if (ev->kind == STEWARD_EVENT_CHILD_READY) {
                line = steward_state_note_ready(ev->child, ev->generation, &length);
                changes_append(m, line, length);
        }
        /* A mode changes by a command or a verdict, each of which says
         * something about the child. It is noted against what the files
         * say (changes_saved()), RUNNING before the first save: at worst
         * a mode is noted once more. The readiness's append may have given
         * up on the file. */
        if (!m->changes_path || !steward_engine_save_child(m->engine, ev->child, &save))
                return;
        noted = g_hash_table_lookup(m->noted_modes, ev->child);
        if ((noted ? GPOINTER_TO_INT(noted) - 1 : STEWARD_CHILD_MODE_RUNNING) == (int) save.mode)
                return;
        g_hash_table_insert(m->noted_modes, (gpointer) g_intern_string(ev->child),
                            GINT_TO_POINTER(save.mode + 1));
        line = steward_state_note_mode(ev->child,
                                       save.mode == STEWARD_CHILD_MODE_QUARANTINED
                                               ? STEWARD_STATE_OPERATOR_QUARANTINED
                                               : operator_of_mode[save.mode],
                                       &length);
        changes_append(m, line, length);
}

/* The state file just written holds every change noted so far, and
 * what it says is what a later change is noted against: a mode or a
 * quarantine may change before the event that says so, or after it. */
static void
changes_saved(StewardManager *m)
{
        for (guint i = 0; i < m->saved->children->len; i++) {
                const StewardChildRecord *r = g_ptr_array_index(m->saved->children, i);

                g_hash_table_insert(m->noted_modes, (gpointer) g_intern_string(r->name),
                                    GINT_TO_POINTER(record_mode(r) + 1));
        }
        for (guint i = 0; i < m->saved->supervisors->len; i++) {
                const StewardSupervisorRecord *r = g_ptr_array_index(m->saved->supervisors, i);

                g_hash_table_insert(m->noted_quarantines, (gpointer) g_intern_string(r->name),
                                    GINT_TO_POINTER(!!r->quarantined + 1));
        }
        if (!m->changes_unsaved)
                return;
        m->changes_unsaved = FALSE;
        /* Not open yet: what is there is the previous run's, and goes. */
        if (m->changes_fd >= 0 ? ftruncate(m->changes_fd, 0) < 0
                               : g_unlink(m->changes_path) < 0 && errno != ENOENT)
                g_message("Cannot empty %s: %m, ignoring", m->changes_path);
}

/* What the previous run noted after its last save. */
static void
changes_load(StewardManager *m)
{
        g_autofree char *dir = g_path_get_dirname(m->state_path);
        g_autoptr(GError) error = NULL;
        guint applied = 0;

        m->changes_path = g_build_filename(dir, "changes", NULL);
        m->noted_modes = g_hash_table_new(NULL, NULL);
        m->noted_quarantines = g_hash_table_new(NULL, NULL);
        /* Whatever it holds, the first save makes it superfluous. */
        m->changes_unsaved = TRUE;
        if (!m->previous)
                return;
        if (!steward_state_load_notes(m->previous, m->changes_path, &applied, &error))
                g_message("Not believing %s: %s", m->changes_path, error->message);
        else if (applied > 0)
                g_info("%u children changed after the last save of the state, as %s says", applied,
                       m->changes_path);
}

static gboolean
state_save(StewardManager *m, GError **error)
{
        g_autoptr(StewardState) state = state_snapshot(m);
        g_autofree char *dir = g_path_get_dirname(m->state_path);
        gboolean saved;

        if (g_mkdir_with_parents(dir, 0755) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s: %s", dir,
                            g_strerror(errsv));
                return FALSE;
        }
        saved = steward_state_save(state, m->state_path, error);
        /* Written or not, its records are now: the next save compares with them. */
        steward_state_free(m->saved);
        m->saved = g_steal_pointer(&state);
        if (saved)
                changes_saved(m);
        return saved;
}

static gboolean
on_save(gpointer user_data)
{
        StewardManager *m = user_data;
        g_autoptr(GError) error = NULL;

        m->save_source = 0;
        m->last_save_usec = manager_now();
        /* Next time, then: a later stewardd falls back on the scopes. */
        if (!state_save(m, &error))
                g_message("Cannot write %s: %s, ignoring", m->state_path, error->message);
        m->last_save_cost_usec = manager_now() - m->last_save_usec;
        return G_SOURCE_REMOVE;
}

/* A save costs time in the number of children (a µs or so for each that
 * did not change, 10 to 40 for each that did, here), so a storm of
 * changes (a bring-up of thousands, a restart loop) must not cost one
 * each: the next save begins no sooner than STATE_SAVE_SPACING times the
 * last one's duration, nor than STATE_SAVE_USEC_PER_CHILD for each child,
 * after that one began. Spacing by the cost alone held saves to a
 * twentieth of the daemon's time however cheap they were, so cheaper saves
 * only came more often: in a bring-up of 10,000 children they took a third
 * of stewardd's CPU time. Spaced by the children, saves cost a fixed
 * share of the wall time (about a µs a child, a millisecond a child
 * apart: a thousandth of a CPU); but a bring-up's wall time a child grows
 * with the manager's own cost a unit, and their cost a child with it. At
 * 200 µs a child they were 9 % of stewardd's CPU in a bring-up of 2,500
 * and 14 % at 5,000; at 1 ms, 3 % at 2,500. A small tree's saves
 * still come all but at once (a few ms apart), 1,000 children's 1 s
 * apart, 10,000 children's 10 s apart. A save that a loaded
 * machine made slow still leaves at most STATE_SAVE_INTERVAL_MAX_USEC to
 * the next. The first save after a quiet spell is at once. What a crash
 * loses in between is at most that much of the latest history; the live
 * processes are verified anyway. */
#define STATE_SAVE_SPACING 20
#define STATE_SAVE_USEC_PER_CHILD 1000
#define STATE_SAVE_INTERVAL_MAX_USEC (30 * G_TIME_SPAN_SECOND)

void
manager_state_changed(StewardManager *m)
{
        guint64 now, next, spacing;

        /* Nothing to keep before the tree starts, nor after it is down. */
        if (!m->state_path || !m->started || m->exited || m->save_source)
                return;
        now = manager_now();
        spacing = MAX(m->last_save_cost_usec * STATE_SAVE_SPACING,
                      (guint64) steward_engine_get_n_children(m->engine) * STATE_SAVE_USEC_PER_CHILD);
        next = m->last_save_usec + MIN(spacing, STATE_SAVE_INTERVAL_MAX_USEC);
        if (m->last_save_usec == 0 || now >= next)
                /* A burst within one turn of the loop costs one write. */
                m->save_source = g_idle_add_full(G_PRIORITY_LOW, on_save, m, NULL);
        else
                m->save_source = g_timeout_add_full(G_PRIORITY_LOW, (guint) ((next - now + 999) / 1000),
                                                    on_save, m, NULL);
}

/* A pending save is not wanted any more (or is about to be done now). */
static void
state_save_cancel(StewardManager *m)
{
        if (m->save_source)
                g_source_remove(m->save_source);
        m->save_source = 0;
}

void
manager_state_remove(StewardManager *m)
{
        state_save_cancel(m);
        if (m->state_path && g_unlink(m->state_path) < 0 && errno != ENOENT)
                g_message("Cannot remove %s: %m, ignoring", m->state_path);
        if (m->changes_path && g_unlink(m->changes_path) < 0 && errno != ENOENT)
                g_message("Cannot remove %s: %m, ignoring", m->changes_path);
        m->changes_unsaved = FALSE;
        /* A clean end: the next run numbers from 1, as it starts afresh. */
        if (m->sequence_path && g_unlink(m->sequence_path) < 0 && errno != ENOENT)
                g_message("Cannot remove %s: %m, ignoring", m->sequence_path);
        m->sequence_reserved = G_MAXUINT64;
}

void
manager_restore_clear(StewardManager *m)
{
        state_save_cancel(m);
        if (m->reexec_source)
                g_source_remove(m->reexec_source);
        m->reexec_source = 0;
        g_clear_pointer(&m->previous, steward_state_free);
        g_clear_pointer(&m->leftovers, g_ptr_array_unref);
        g_clear_pointer(&m->saved, steward_state_free);
        g_clear_pointer(&m->state_path, g_free);
        g_clear_pointer(&m->sequence_path, g_free);
        g_clear_pointer(&m->changes_path, g_free);
        g_clear_pointer(&m->noted_modes, g_hash_table_unref);
        g_clear_pointer(&m->noted_quarantines, g_hash_table_unref);
        if (m->changes_fd >= 0)
                (void) close(m->changes_fd);
        m->changes_fd = -1;
}

static void sequence_load(StewardManager *m);

/* ---- reading what the previous run left ----------------------------------------- */

gboolean
manager_restore_load(StewardManager *m, GError **error)
{
        g_autoptr(GError) local = NULL;

        m->state_path = steward_state_default_path(m->mode);
        if (!m->state_path)
                return TRUE;
        if (!steward_state_load(m->state_path, &m->previous, &m->previous_problem, &local)) {
                if (m->previous_problem != STEWARD_STATE_PROBLEM_MISSING)
                        g_message("Not believing %s: %s", m->state_path, local->message);
                sequence_load(m);
                changes_load(m);
                return TRUE;
        }
        /* Before the first event of this run: numbering goes on. */
        m->sequence = m->previous->sequence;
        m->command_counter = m->previous->command_counter;
        sequence_load(m);
        changes_load(m);
        if (steward_backend_get_kind(m->backend) != STEWARD_BACKEND_PROCESS || getpid() == 1)
                return TRUE;
        /* Process groups carry no name and are not ours to adopt: refuse to
         * start a second incarnation beside one of the previous run. */
        for (guint i = 0; i < m->previous->children->len; i++) {
                const StewardChildRecord *r = g_ptr_array_index(m->previous->children, i);

                if (steward_state_pid_matches(r->main_pid, r->main_pid_start_time)) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_FAILED,
                                    _("Child '%s' of a previous stewardd still runs as PID %u; the process "
                                      "backend cannot adopt it: stop it first, or remove %s"),
                                    r->name, r->main_pid, m->state_path);
                        return FALSE;
                }
        }
        return TRUE;
}

/* ---- adoption ------------------------------------------------------------------------ */

static StewardEvent *
restore_event(StewardEventKind kind, const char *child, guint64 generation)
{
        StewardEvent *ev = g_new0(StewardEvent, 1);

        ev->kind = kind;
        ev->time_usec = manager_now();
        if (child) {
                ev->fields |= STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_GENERATION;
                ev->child = g_intern_string(child);
                ev->generation = generation;
        }
        return ev;
}

/* @unit: (nullable): the scope, for one the backend does not hold. */
static void
restore_emit(StewardManager *m, StewardEvent *ev, const char *unit)
{
        manager_emit(m, ev, unit);
        steward_event_clear(ev);
        g_free(ev);
}

static gint
leftover_compare(gconstpointer a, gconstpointer b)
{
        const StewardLeftover *x = *(StewardLeftover *const *) a;
        const StewardLeftover *y = *(StewardLeftover *const *) b;
        int c = g_strcmp0(x->child, y->child);

        if (c != 0)
                return c;
        return x->generation < y->generation ? -1 : x->generation > y->generation;
}

/* The scope's main process: the one the state file names, if it is still
 * that process and in that scope; without one, the scope's oldest
 * process, which is the one stewardd spawned, as every other was forked
 * after it (docs/LIVE-RESTORE.md). 0 when it is gone. */
static pid_t
leftover_main_pid(const StewardLeftover *l, const StewardChildRecord *r)
{
        guint64 oldest = G_MAXUINT64;
        pid_t main_pid = 0;

        /* A record without one was saved while the spawn was in flight. */
        if (r && r->main_pid) {
                for (guint i = 0; i < l->pids->len; i++)
                        if ((guint32) g_array_index(l->pids, pid_t, i) == r->main_pid &&
                            steward_state_pid_matches(r->main_pid, r->main_pid_start_time))
                                return (pid_t) r->main_pid;
                return 0;
        }
        for (guint i = 0; i < l->pids->len; i++) {
                pid_t pid = g_array_index(l->pids, pid_t, i);
                guint64 start = steward_state_pid_start_time((guint32) pid);

                if (start != 0 && (start < oldest || (start == oldest && pid < main_pid))) {
                        oldest = start;
                        main_pid = pid;
                }
        }
        return main_pid;
}

typedef struct {
        guint adopted, lost, stopped;
} RestoreCounts;

/* What the record keeps of a child apart from its incarnation. */
static gboolean
restore_child_record(StewardManager *m, const char *name, const StewardChildRecord *r, GError **error)
{
        return steward_engine_restore_child_mode(m->engine, name, record_mode(r), error) &&
               steward_engine_restore_child_spawn_error(m->engine, name, r->spawn_error, error) &&
               steward_engine_restore_child_counters(m->engine, name, r->restart_count, r->backoff_failures,
                                                     (const guint64 *) r->restart_window->data,
                                                     r->restart_window->len, error);
}

/* @l: the child's newest scope, NULL when it has none. */
static void
restore_child(StewardManager *m, const StewardChildSpec *spec, const StewardLeftover *l,
              RestoreCounts *counts)
{
        const StewardChildRecord *r = m->previous ? steward_state_find_child(m->previous, spec->name) : NULL;
        /* The record describes this incarnation only if it names its generation. */
        const StewardChildRecord *same = r && l && r->generation == l->generation ? r : NULL;
        g_autoptr(GError) error = NULL;
        StewardAdoption a = { 0 };
        guint64 next = 0;
        StewardEvent *ev;

        /* Attempt 0: nothing ran yet (a first spawn in flight at the save included),
         * so generation 0 is still to come. */
        if (r)
                next = r->attempt > 0 ? r->generation + 1 : r->generation;
        if (l)
                next = MAX(next, l->generation + 1);
        if (next > 0)
                steward_engine_set_next_generation(m->engine, spec->name, next);
        if (r && !restore_child_record(m, spec->name, r, &error)) {
                g_message("Cannot restore the state of '%s': %s, ignoring", spec->name, error->message);
                g_clear_error(&error);
        }

        if (!l && !(r && r->alive))
                return;
        if (l) {
                a.generation = l->generation;
                a.main_pid = (guint32) leftover_main_pid(l, same);
                a.stopping = l->stopping || (same && same->stopping);
        } else {
                /* The record's incarnation ended while no stewardd watched:
                 * adopted as gone, its end is judged by the restart policy. */
                a.generation = r->generation;
                a.main_pid = 0;
                a.stopping = r->stopping;
        }
        /* Without a record, a notify child that runs is taken as ready:
         * it said so long ago, and will not say it again. */
        a.ready = same ? same->ready : l != NULL;
        if (same || !l) {
                a.attempt = r->attempt;
                a.restart_count = r->restart_count;
                a.backoff_failures = r->backoff_failures;
                a.pending_command_id = r->pending ? r->pending->id : NULL;
                a.pending_reason = r->pending ? r->pending->reason : NULL;
                a.fingerprint = r->fingerprint;
        }
        /* The backend first: what it watches reports only from the loop, after the start. */
        if (!steward_backend_adopt(m->backend, spec, l, a.generation, (pid_t) a.main_pid, &error) ||
            !steward_engine_adopt_child(m->engine, spec->name, &a, manager_now(), m->actions, &error)) {
                /* Never for a configured child seen once; stopped like a leftover. */
                g_warning("Cannot adopt %s: %s", l ? l->unit : spec->name, error->message);
                if (l)
                        steward_backend_stop_leftover(m->backend, l);
                return;
        }
        if (!l) {
                /* Its gone report follows from the loop, after the start. */
                counts->lost++;
                restore_emit(m, restore_event(STEWARD_EVENT_CHILD_LOST, spec->name, a.generation), NULL);
                return;
        }
        counts->adopted++;
        ev = restore_event(STEWARD_EVENT_CHILD_ADOPTED, spec->name, a.generation);
        ev->fields |= STEWARD_EVENT_FIELD_ATTEMPT | STEWARD_EVENT_FIELD_MAIN_PID;
        ev->attempt = a.attempt > 0 ? a.attempt : a.generation + 1;
        ev->main_pid = a.main_pid;
        restore_emit(m, ev, NULL);
}

/* @why: the event's reason. */
static void
restore_stop_leftover(StewardManager *m, const StewardLeftover *l, const char *why, RestoreCounts *counts)
{
        StewardEvent *ev = restore_event(STEWARD_EVENT_LEFTOVER_STOPPED, l->child, l->generation);

        steward_backend_stop_leftover(m->backend, l);
        counts->stopped++;
        ev->fields |= STEWARD_EVENT_FIELD_REASON;
        ev->reason = g_strdup(why);
        restore_emit(m, ev, l->unit);
}

static void
restore_apply(StewardManager *m, GPtrArray *leftovers)
{
        g_autoptr(GHashTable) newest = g_hash_table_new(g_str_hash, g_str_equal);
        RestoreCounts counts = { 0 };
        StewardEvent *ev;

        if (!m->previous && (m->previous_problem != STEWARD_STATE_PROBLEM_MISSING || leftovers->len > 0)) {
                /* No file and nothing running is a first start, not news. */
                ev = restore_event(STEWARD_EVENT_STATE_DISCARDED, NULL, 0);
                ev->fields |= STEWARD_EVENT_FIELD_ERROR;
                ev->error = g_strdup(steward_state_problem_to_string(m->previous_problem));
                restore_emit(m, ev, NULL);
        }

        /* Per child, the newest scope is the incarnation; an older one still
         * there is what a fence was waiting for, and goes now. */
        g_ptr_array_sort(leftovers, leftover_compare);
        for (guint i = 0; i < leftovers->len; i++) {
                StewardLeftover *l = g_ptr_array_index(leftovers, i);
                StewardLeftover *next = i + 1 < leftovers->len ? g_ptr_array_index(leftovers, i + 1) : NULL;

                if (!g_hash_table_contains(m->child_specs, l->child))
                        restore_stop_leftover(m, l, "no longer configured", &counts);
                else if (next && g_str_equal(next->child, l->child))
                        restore_stop_leftover(m, l, "a newer generation runs", &counts);
                else
                        g_hash_table_insert(newest, l->child, l);
        }
        for (guint i = 0; i < m->spec->children->len; i++) {
                const StewardChildSpec *spec = g_ptr_array_index(m->spec->children, i);

                restore_child(m, spec, g_hash_table_lookup(newest, spec->name), &counts);
        }
        /* The adopted scopes were made with the previous run's settings. */
        manager_apply_resources(m, NULL, m->spec, FALSE);
        for (guint i = 0; m->previous && i < m->previous->supervisors->len; i++) {
                const StewardSupervisorRecord *r = g_ptr_array_index(m->previous->supervisors, i);
                g_autoptr(GError) error = NULL;

                if (steward_engine_get_supervisor(m->engine, r->name, &(StewardSupervisorInfo){ 0 }) &&
                    !steward_engine_restore_supervisor(m->engine, r->name, r->quarantined,
                                                       (const guint64 *) r->restart_window->data,
                                                       r->restart_window->len, &error))
                        g_message("Cannot restore supervisor '%s': %s, ignoring", r->name, error->message);
        }
        /* A first start has nothing to report. */
        if (m->previous || leftovers->len > 0) {
                ev = restore_event(STEWARD_EVENT_TREE_ADOPTED, NULL, 0);
                ev->fields |= STEWARD_EVENT_FIELD_REASON;
                ev->reason = g_strdup_printf("%u adopted, %u lost, %u stopped", counts.adopted, counts.lost,
                                             counts.stopped);
                restore_emit(m, ev, NULL);
        }
        g_clear_pointer(&m->previous, steward_state_free);
        steward_engine_start(m->engine, manager_now(), m->actions);
        manager_dispatch(m);
        FOR_EACH_LISTENER(m, l, started)
        l->l->started(l->data);
}

static void
on_survey(GObject *source, GAsyncResult *res, gpointer user_data)
{
        StewardManager *m;
        GPtrArray *leftovers;
        g_autoptr(GError) error = NULL;

        /* NULL only when cancelled: the manager is gone. */
        leftovers = steward_backend_survey_finish(NULL, res, &error);
        if (!leftovers)
                return;
        m = user_data;
        m->leftovers = leftovers;
        m->prepared(m->prepared_data);
}

void
manager_restore_survey(StewardManager *m)
{
        steward_backend_survey(m->backend, on_survey, m);
}

void
manager_restore_start(StewardManager *m)
{
        g_autoptr(GPtrArray) leftovers = g_steal_pointer(&m->leftovers);

        restore_apply(m, leftovers);
}

/* ---- event numbers ------------------------------------------------------------------- */

/* Numbers are reserved ahead in a file of their own, "sequence" beside the
 * state file: the state is saved when the loop is idle, so a stewardd
 * killed right after an event would leave a Sequence= below numbers it
 * gave out, and the next run would give them again. The next run starts
 * above the reservation instead: after a crash the numbering has a gap of
 * at most this many, never a repeat. A re-exec reserves exactly what was
 * given, so its numbering goes on without a gap. One small write per this
 * many events. */
#define SEQUENCE_RESERVE 4096

static void
sequence_reserve(StewardManager *m, guint64 upto)
{
        g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", upto);
        g_autoptr(GError) error = NULL;

        m->sequence_reserved = upto;
        if (!g_file_set_contents_full(m->sequence_path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                      &error))
                g_message("Cannot write %s: %s, ignoring", m->sequence_path, error->message);
}

void
manager_sequence_next(StewardManager *m)
{
        m->sequence++;
        if (m->sequence_path && m->sequence > m->sequence_reserved)
                sequence_reserve(m, m->sequence + SEQUENCE_RESERVE);
}

/* Before the first event of a run: above whatever a previous run of this
 * boot may have given out. */
static void
sequence_load(StewardManager *m)
{
        g_autofree char *dir = NULL;
        g_autofree char *text = NULL;
        guint64 reserved;

        if (!m->state_path)
                return;
        dir = g_path_get_dirname(m->state_path);
        m->sequence_path = g_build_filename(dir, "sequence", NULL);
        if (g_file_get_contents(m->sequence_path, &text, NULL, NULL) &&
            g_ascii_string_to_unsigned(g_strchomp(text), 10, 0, G_MAXUINT64 - SEQUENCE_RESERVE - 1,
                                       &reserved, NULL))
                m->sequence = MAX(m->sequence, reserved);
        m->sequence_reserved = m->sequence;
}

/* ---- re-exec --------------------------------------------------------------------------- */

static gboolean
on_reexec(gpointer user_data)
{
        StewardManager *m = user_data;
        g_autoptr(GError) error = NULL;

        m->reexec_source = 0;
        /* A helper waiting at its gate would see the gate close in the
         * exec and leave; its spawn report comes soon, and so do we. */
        if (m->spawns_in_flight > 0)
                return G_SOURCE_REMOVE;
        m->reexec_requested = FALSE;
        state_save_cancel(m);
        if (!state_save(m, &error)) {
                g_warning("Not re-executing: cannot write %s: %s", m->state_path, error->message);
                return G_SOURCE_REMOVE;
        }
        /* What the rate limits hold back would not survive the exec. */
        manager_ratelimit_flush_all(m);
        /* The next image numbers on from exactly here. */
        if (m->sequence_path)
                sequence_reserve(m, m->sequence);
        FOR_EACH_LISTENER(m, l, reexecute)
        l->l->reexecute(l->data);
        return G_SOURCE_REMOVE;
}

void
manager_reexec_check(StewardManager *m)
{
        if (m->reexec_requested && !m->reexec_source && m->spawns_in_flight == 0)
                m->reexec_source = g_idle_add(on_reexec, m);
}

static void
reexec_request(StewardManager *m)
{
        m->reexec_requested = TRUE;
        manager_reexec_check(m);
}

static gboolean
manager_can_reexecute(StewardManager *m, GError **error)
{
        if (steward_backend_get_kind(m->backend) != STEWARD_BACKEND_SCOPE) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                                    _("The process backend cannot adopt its children after a re-exec"));
                return FALSE;
        }
        if (!m->state_path) {
                g_set_error_literal(
                        error, STEWARD_ERROR, STEWARD_ERROR_NOT_SUPPORTED,
                        _("No runtime directory for the state file (XDG_RUNTIME_DIR is not set)"));
                return FALSE;
        }
        return TRUE;
}

gboolean
manager_reload_by_reexec(StewardManager *m, const StewardSpec *spec, const char *why, GStrv *added,
                         GStrv *removed, GStrv *changed)
{
        g_autoptr(GStrvBuilder) a = g_strv_builder_new();
        g_autoptr(GStrvBuilder) r = g_strv_builder_new();
        g_autoptr(GStrvBuilder) c = g_strv_builder_new();
        g_autoptr(GHashTable) now_configured = g_hash_table_new(g_str_hash, g_str_equal);

        if (!manager_can_reexecute(m, NULL))
                return FALSE;
        /* The answer says what the new image will do, as a reload in place
         * would have: added ones start, removed ones stop, changed ones
         * restart through the fence. */
        for (guint i = 0; i < spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(spec->children, i);
                const char *old = steward_engine_get_child_fingerprint(m->engine, cs->name);
                g_autofree char *fp = NULL;

                g_hash_table_add(now_configured, cs->name);
                if (!old) {
                        g_strv_builder_add(a, cs->name);
                        continue;
                }
                fp = steward_child_spec_fingerprint(cs);
                if (!g_str_equal(fp, old))
                        g_strv_builder_add(c, cs->name);
        }
        for (guint i = 0; i < m->spec->children->len; i++) {
                const StewardChildSpec *cs = g_ptr_array_index(m->spec->children, i);

                if (!g_hash_table_contains(now_configured, cs->name))
                        g_strv_builder_add(r, cs->name);
        }
        *added = g_strv_builder_end(a);
        *removed = g_strv_builder_end(r);
        *changed = g_strv_builder_end(c);
        g_message("%s: re-executing to apply it", why);
        reexec_request(m);
        return TRUE;
}

gboolean
steward_manager_reexecute(StewardManager *m, const StewardActor *actor, GError **error)
{
        if (!manager_can_reexecute(m, error))
                return FALSE;
        g_message("Re-executing, as uid %u (PID %u, %s) asked", actor->uid, actor->pid,
                  actor->comm ? actor->comm : "?");
        reexec_request(m);
        return TRUE;
}

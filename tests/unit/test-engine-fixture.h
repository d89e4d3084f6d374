/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-engine-fixture.h: building specs, driving the engine and asserting on its actions, for the engine
 * suites. */
#pragma once

#include <signal.h>
#include <string.h>

#include "steward-engine.h"
#include "steward-test.h"

/* Spec building: every section gets the next declaration order. */
typedef struct {
        StewardSpec *spec;
        guint order;
} SpecBuilder;

static inline void
sb_init(SpecBuilder *b)
{
        b->spec = steward_spec_new();
        b->order = 1;
        b->spec->shutdown_timeout_usec = 90 * G_USEC_PER_SEC;
}

static inline StewardSupervisorSpec *
sb_sup(SpecBuilder *b, const char *name, const char *parent, StewardStrategy strategy)
{
        StewardSupervisorSpec *s = steward_supervisor_spec_new(name);

        s->parent = g_strdup(parent);
        s->strategy = strategy;
        s->origin.order = b->order++;
        g_ptr_array_add(b->spec->supervisors, s);
        return s;
}

static inline StewardSupervisorSpec *
sb_root(SpecBuilder *b)
{
        return g_ptr_array_index(b->spec->supervisors, 0);
}

static inline StewardChildSpec *
sb_child(SpecBuilder *b, const char *name, const char *sup)
{
        StewardChildSpec *c = steward_child_spec_new(name);

        g_free(c->supervisor);
        c->supervisor = g_strdup(sup ? sup : STEWARD_ROOT_SUPERVISOR);
        c->origin.order = b->order++;
        /* Round numbers make the expected timings readable. */
        c->restart_usec = 100 * 1000;
        c->restart_max_delay_usec = 1600 * 1000;
        c->timeout_stop_usec = 5 * G_USEC_PER_SEC;
        c->timeout_start_usec = 10 * G_USEC_PER_SEC;
        g_ptr_array_add(b->spec->children, c);
        return c;
}

static inline StewardChildSpec *
sb_notify(SpecBuilder *b, const char *name, const char *sup)
{
        StewardChildSpec *c = sb_child(b, name, sup);

        c->type = STEWARD_CHILD_NOTIFY;
        return c;
}

/* A running engine plus a log of the actions it returned, rendered as
 * "kind child generation [decision]" items joined with ", ". */
typedef struct {
        StewardEngine *e;
        GArray *out;
        GString *log;
        guint64 now;
        guint32 next_pid;
        int exit_code; /* -1 until EXIT */
        guint n_spawns;
        /* Child name -> the generation its last SPAWN carried (as a pointer). A
         * spawn in flight is not on the bus yet: reports about it carry this. */
        GHashTable *spawned_gen;
        guint64 last_probe; /* the number the last PROBE carried */
} T;

static inline void
t_record(T *t)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);
                const char *sep = t->log->len ? ", " : "";

                switch (a->type) {
                case STEWARD_ACTION_SPAWN:
                        t->n_spawns++;
                        g_hash_table_replace(t->spawned_gen, g_strdup(a->child),
                                             GSIZE_TO_POINTER((gsize) a->generation));
                        g_string_append_printf(t->log, "%sSPAWN %s %" G_GUINT64_FORMAT, sep, a->child,
                                               a->generation);
                        break;
                case STEWARD_ACTION_STOP:
                        g_string_append_printf(t->log, "%sSTOP %s %" G_GUINT64_FORMAT, sep, a->child,
                                               a->generation);
                        break;
                case STEWARD_ACTION_KILL:
                        g_string_append_printf(t->log, "%sKILL %s %" G_GUINT64_FORMAT, sep, a->child,
                                               a->generation);
                        break;
                case STEWARD_ACTION_PROBE:
                        t->last_probe = a->probe;
                        g_string_append_printf(t->log, "%sPROBE %s %" G_GUINT64_FORMAT, sep, a->child,
                                               a->generation);
                        break;
                case STEWARD_ACTION_CANCEL_PROBE:
                        g_string_append_printf(t->log, "%sCANCEL_PROBE %s %" G_GUINT64_FORMAT, sep, a->child,
                                               a->generation);
                        break;
                case STEWARD_ACTION_SIGNAL:
                        g_string_append_printf(t->log, "%sSIGNAL %s %" G_GUINT64_FORMAT " %d", sep, a->child,
                                               a->generation, a->signal);
                        break;
                case STEWARD_ACTION_EXIT:
                        t->exit_code = a->exit_code;
                        g_string_append_printf(t->log, "%sEXIT %d", sep, a->exit_code);
                        break;
                case STEWARD_ACTION_STATE_CHANGED:
                        break;
                case STEWARD_ACTION_EVENT: {
                        const StewardEvent *ev = &a->event;
                        const char *kind = steward_event_kind_to_string(ev->kind);
                        g_string_append_printf(t->log, "%s%s", sep, kind);
                        /* Supervisor and tree events name the supervisor first. */
                        if (!g_str_has_prefix(kind, "child_"))
                                g_string_append_printf(t->log, " %s", ev->supervisor);
                        if (ev->child)
                                g_string_append_printf(t->log, " %s", ev->child);
                        if (ev->fields & STEWARD_EVENT_FIELD_GENERATION)
                                g_string_append_printf(t->log, " %" G_GUINT64_FORMAT, ev->generation);
                        if ((ev->fields & STEWARD_EVENT_FIELD_DECISION) &&
                            ev->decision != STEWARD_DECISION_NONE)
                                g_string_append_printf(t->log, " %s",
                                                       steward_decision_to_string(ev->decision));
                        break;
                }
                }
        }
}

/* Returns the log since the last call and forgets it. */
static inline char *
t_take(T *t)
{
        char *s = g_strdup(t->log->str);

        g_string_truncate(t->log, 0);
        return s;
}

#define t_expect(t, expected)                      \
        do {                                       \
                g_autofree char *_got = t_take(t); \
                ck_assert_str_eq(_got, expected);  \
        } while (0)

static inline void
t_begin(T *t)
{
        g_array_set_size(t->out, 0);
}

static inline void
t_end(T *t)
{
        t_record(t);
}

static inline T *
t_new(StewardSpec *spec, StewardEngineRandom rng, gpointer data)
{
        T *t = g_new0(T, 1);

        t->e = steward_engine_new(spec, rng, data);
        t->out = steward_actions_new();
        t->log = g_string_new(NULL);
        t->now = 1000 * G_USEC_PER_SEC;
        t->next_pid = 100;
        t->exit_code = -1;
        t->spawned_gen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        return t;
}

static inline void
t_free(T *t)
{
        if (!t)
                return;
        steward_engine_free(t->e);
        g_array_unref(t->out);
        g_string_free(t->log, TRUE);
        g_hash_table_unref(t->spawned_gen);
        g_free(t);
}

static inline StewardChildInfo
t_info(T *t, const char *name)
{
        StewardChildInfo info;

        ck_assert_msg(steward_engine_get_child(t->e, name, &info), "no child %s", name);
        return info;
}

static inline const char *
t_state(T *t, const char *name)
{
        return steward_child_state_to_string(t_info(t, name).state);
}

static inline guint64
t_gen(T *t, const char *name)
{
        return t_info(t, name).generation;
}

/* The generation of @name's incarnation the backend would report on: the
 * one its last SPAWN carried, while that is not behind what the bus shows
 * (an adopted incarnation has no SPAWN). */
static inline guint64
t_inc_gen(T *t, const char *name)
{
        gpointer p;
        guint64 shown = t_gen(t, name);

        if (g_hash_table_lookup_extended(t->spawned_gen, name, NULL, &p) &&
            (guint64) GPOINTER_TO_SIZE(p) >= shown)
                return (guint64) GPOINTER_TO_SIZE(p);
        return shown;
}

static inline void
t_start(T *t)
{
        t_begin(t);
        steward_engine_start(t->e, t->now, t->out);
        t_end(t);
}

static inline void
t_spawned(T *t, const char *name)
{
        t_begin(t);
        steward_engine_child_spawned(t->e, name, t_inc_gen(t, name), t->next_pid++, t->now, t->out);
        t_end(t);
}

static inline void
t_spawned_gen(T *t, const char *name, guint64 gen)
{
        t_begin(t);
        steward_engine_child_spawned(t->e, name, gen, t->next_pid++, t->now, t->out);
        t_end(t);
}

static inline void
t_ready(T *t, const char *name)
{
        t_begin(t);
        steward_engine_child_ready(t->e, name, t_inc_gen(t, name), t->now, t->out);
        t_end(t);
}

static inline void
t_exited_gen(T *t, const char *name, guint64 gen, StewardExitCode code, int status)
{
        t_begin(t);
        steward_engine_child_exited(t->e, name, gen, code, status, t->now, t->out);
        t_end(t);
}

static inline void
t_exited(T *t, const char *name, StewardExitCode code, int status)
{
        t_exited_gen(t, name, t_inc_gen(t, name), code, status);
}

static inline void
t_gone_gen(T *t, const char *name, guint64 gen)
{
        t_begin(t);
        steward_engine_child_gone(t->e, name, gen, t->now, t->out);
        t_end(t);
}

static inline void
t_gone(T *t, const char *name)
{
        t_gone_gen(t, name, t_inc_gen(t, name));
}

/* Main process and scope end together. */
static inline void
t_crash(T *t, const char *name, int status)
{
        t_exited(t, name, STEWARD_EXIT_CODE_EXITED, status);
        t_gone(t, name);
}

static inline void
t_spawn_failed(T *t, const char *name, const char *error)
{
        t_begin(t);
        steward_engine_child_spawn_failed(t->e, name, t_inc_gen(t, name), error, t->now, t->out);
        t_end(t);
}

/* Advances the clock and fires what is due. */
static inline void
t_advance(T *t, guint64 usec)
{
        t->now += usec;
        t_begin(t);
        steward_engine_tick(t->e, t->now, t->out);
        t_end(t);
}

/* Advances straight to the next deadline. */
static inline void
t_next(T *t)
{
        guint64 d = steward_engine_next_deadline(t->e);

        ck_assert_msg(d != G_MAXUINT64, "no deadline armed");
        ck_assert_uint_ge(d, t->now);
        t_advance(t, d - t->now);
}

static inline StewardCommandOutcome
t_cmd(T *t, StewardCommandKind kind, const char *target, const char *id)
{
        StewardCommand cmd = {
                .kind = kind,
                .target = target,
                .command_id = id,
                .reason = "test",
                .actor = { .uid = 1000, .pid = 4242, .comm = "stewardctl" },
        };
        StewardCommandOutcome o;
        g_autoptr(GError) error = NULL;

        t_begin(t);
        ck_assert_msg(steward_engine_command(t->e, &cmd, t->now, t->out, &o, &error), "command failed: %s",
                      error ? error->message : "");
        t_end(t);
        return o;
}

/* Reloads @spec (consumed) as the actor of t_cmd(); returns
 * "added a,b; removed c; changed d", or the error message. */
static inline char *
t_reload(T *t, StewardSpec *spec)
{
        StewardCommand cmd = {
                .command_id = "reload",
                .reason = "reload",
                .actor = { .uid = 1000, .pid = 4242, .comm = "stewardctl" },
        };
        g_auto(GStrv) added = NULL, removed = NULL, changed = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *a = NULL, *r = NULL, *c = NULL;
        gboolean ok;

        t_begin(t);
        ok = steward_engine_reload(t->e, spec, &cmd, t->now, t->out, &added, &removed, &changed, &error);
        steward_spec_free(spec);
        if (!ok) {
                ck_assert_uint_eq(t->out->len, 0);
                return g_strdup(error->message);
        }
        t_end(t);
        a = g_strjoinv(",", added);
        r = g_strjoinv(",", removed);
        c = g_strjoinv(",", changed);
        return g_strdup_printf("added %s; removed %s; changed %s", a, r, c);
}

static inline const char *
dec(StewardDecision d)
{
        return steward_decision_to_string(d);
}

/* Adopts @name's incarnation as the daemon does before the start (live restore). */
static inline void
t_adopt(T *t, const char *name, StewardAdoption a)
{
        g_autoptr(GError) error = NULL;

        t_begin(t);
        ck_assert_msg(steward_engine_adopt_child(t->e, name, &a, t->now, t->out, &error), "adopt failed: %s",
                      error ? error->message : "");
        t_end(t);
}

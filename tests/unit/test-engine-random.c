/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-engine-random.c: seeded random interleavings against a fake world, checking the engine's invariants
 * after every step. */
#include "config.h"

#include "test-engine-fixture.h"

/*
 * The world plays backend: SPAWN/STOP/KILL become reports it delivers later,
 * in random order across incarnations but in the backend's order (spawned,
 * exited, gone) within one. Some incarnations ignore their stop, some leave
 * processes behind when their main process dies. Reloads add, remove and
 * change children (and try what must be refused) along the way, so the
 * set of children changes. Some runs begin as a restarted stewardd would:
 * live incarnations adopted (running, ready or not, stopping, main process
 * gone, a restart pending), generations continued, operator stops kept;
 * and stewardd restarts mid-run now and then, saving and restoring.
 * Reproduce a failure with
 * STEWARD_TEST_SEED=<seed> (the failing seed is in the message).
 */

typedef enum {
        R_SPAWNED,
        R_SPAWN_FAILED,
        R_EXITED,
        R_GONE,
} ReportKind;

typedef struct {
        ReportKind kind;
        StewardExitCode code;
        int status;
} Report;

typedef struct {
        const char *child;
        guint64 gen;
        GArray *queue; /* of Report, delivered head first */
        gboolean spawn_reported;
        gboolean main_alive;
        gboolean scope_alive; /* until its gone (or spawn_failed) is delivered */
        gboolean exit_queued;
        gboolean end_queued; /* gone or spawn_failed */
        gboolean stubborn;
        gboolean stop_seen;
        guint64 stop_at;
        gboolean killed;
        gboolean killed_in_shutdown;
        gboolean end_recorded; /* child_exited or child_spawn_failed seen */
        guint64 timeout_stop;
        gboolean adopted; /* from a previous stewardd: its exit status is unknown */
} Inc;

typedef struct {
        guint seed;
        GRand *rand;
        SpecBuilder b;
        T *t;
        GPtrArray *incs; /* of Inc*, every incarnation ever */
        GHashTable *live; /* child → Inc* whose scope is alive */
        GHashTable *last_gen; /* child → the last generation that ran (spawned, adopted) + 1 */
        GHashTable *floor; /* child → the next generation live restore asked for */
        GHashTable *timeout_stop; /* child → TimeoutStopSec */
        gboolean shutdown_seen;
        gboolean exit_seen;
        StewardSpec *spec; /* the tree last loaded */
        GHashTable *removed; /* name -> StewardChildSpec* as it was when a reload removed it */
        GHashTable *lost; /* names removed and forgotten before stewardd restarted: never added again */
        guint n_sups;
        guint steps;
        gboolean cooperative;
} World;

static void
inc_free(Inc *inc)
{
        g_array_unref(inc->queue);
        g_free(inc);
}

static void
inc_push(Inc *inc, ReportKind kind, StewardExitCode code, int status)
{
        Report r = { kind, code, status };

        if (kind == R_EXITED && inc->adopted)
                r.code = STEWARD_EXIT_CODE_UNKNOWN, r.status = 0;
        g_array_append_val(inc->queue, r);
        if (kind == R_EXITED)
                inc->exit_queued = TRUE;
        if (kind == R_GONE || kind == R_SPAWN_FAILED)
                inc->end_queued = TRUE;
}

/* Not ck_assert_msg(): check records every passing assertion through a
 * pipe, which would dominate the run time here. */
#define W_ASSERT(w, cond, ...)                                                                \
        do {                                                                                  \
                if (!(cond) && g_getenv("STEWARD_TEST_SEED"))                                 \
                        g_printerr("%s\n", (w)->t->log->str);                                 \
                if (!(cond))                                                                  \
                        ck_abort_msg("seed %u step %u: " #cond ": %s", (w)->seed, (w)->steps, \
                                     g_strdup_printf(__VA_ARGS__));                           \
        } while (0)

static Inc *
world_find(World *w, const char *child, guint64 gen)
{
        for (guint i = w->incs->len; i > 0; i--) {
                Inc *inc = g_ptr_array_index(w->incs, i - 1);
                if (inc->child == child && inc->gen == gen)
                        return inc;
        }
        return NULL;
}

/* Makes a stopped or killed incarnation end: main exit, then empty scope. */
static void
inc_end(World *w, Inc *inc, StewardExitCode code, int status)
{
        if (inc->end_queued)
                return;
        if (!inc->spawn_reported && inc->queue->len == 0) {
                /* Not even spawned yet from the world's point of view. */
                inc_push(inc, R_SPAWNED, 0, 0);
        }
        if (!inc->exit_queued)
                inc_push(inc, R_EXITED, code, status);
        inc_push(inc, R_GONE, 0, 0);
}

/* Turns the engine's last actions into world state; checks the action-level
 * invariants on the way. */
static void
world_apply(World *w)
{
        GArray *out = w->t->out;

        for (guint i = 0; i < out->len; i++) {
                const StewardAction *a = &g_array_index(out, StewardAction, i);
                Inc *inc;

                switch (a->type) {
                case STEWARD_ACTION_SPAWN: {
                        gpointer last = g_hash_table_lookup(w->last_gen, a->child);

                        W_ASSERT(w, !w->shutdown_seen, "spawn of %s after shutdown began", a->child);
                        W_ASSERT(w, !w->exit_seen, "spawn of %s after exit", a->child);
                        W_ASSERT(w, !g_hash_table_contains(w->live, a->child),
                                 "second live incarnation of %s (gen %" G_GUINT64_FORMAT ")", a->child,
                                 a->generation);
                        W_ASSERT(w, a->generation + 1 > GPOINTER_TO_SIZE(last),
                                 "generation of %s went backwards", a->child);
                        W_ASSERT(w, a->attempt == a->generation + 1, "attempt of %s", a->child);
                        W_ASSERT(w,
                                 a->generation >= GPOINTER_TO_SIZE(g_hash_table_lookup(w->floor, a->child)),
                                 "generation of %s below the one set", a->child);
                        /* The generation is the incarnation's once it is spawned (world_deliver()):
                         * a failed spawn's is given to the next. */
                        inc = g_new0(Inc, 1);
                        inc->child = a->child;
                        inc->gen = a->generation;
                        inc->queue = g_array_new(FALSE, FALSE, sizeof(Report));
                        inc->main_alive = TRUE;
                        inc->scope_alive = TRUE;
                        inc->stubborn = !w->cooperative && g_rand_int_range(w->rand, 0, 5) == 0;
                        inc->timeout_stop = GPOINTER_TO_SIZE(g_hash_table_lookup(w->timeout_stop, a->child));
                        g_ptr_array_add(w->incs, inc);
                        g_hash_table_insert(w->live, (gpointer) a->child, inc);
                        if (g_rand_int_range(w->rand, 0, 10) == 0)
                                inc_push(inc, R_SPAWN_FAILED, 0, 0);
                        else
                                inc_push(inc, R_SPAWNED, 0, 0);
                        break;
                }
                case STEWARD_ACTION_STOP:
                        inc = world_find(w, a->child, a->generation);
                        W_ASSERT(w, inc != NULL, "stop of unknown %s", a->child);
                        if (!inc->stop_seen) {
                                inc->stop_seen = TRUE;
                                inc->stop_at = w->t->now;
                        }
                        if (!inc->stubborn || w->cooperative)
                                inc_end(w, inc, STEWARD_EXIT_CODE_KILLED, a->signal);
                        break;
                case STEWARD_ACTION_KILL:
                        inc = world_find(w, a->child, a->generation);
                        W_ASSERT(w, inc != NULL, "kill of unknown %s", a->child);
                        /* The shared shutdown deadline: nobody is killed
                         * before it was sent its stop. */
                        if (w->shutdown_seen && inc->spawn_reported && !inc->adopted)
                                W_ASSERT(w, inc->stop_seen, "%s killed in the shutdown without its stop",
                                         a->child);
                        if (w->shutdown_seen)
                                inc->killed_in_shutdown = TRUE;
                        inc->killed = TRUE;
                        inc_end(w, inc, STEWARD_EXIT_CODE_KILLED, SIGKILL);
                        break;
                case STEWARD_ACTION_EVENT:
                        if (a->event.kind == STEWARD_EVENT_TREE_SHUTDOWN_STARTED)
                                w->shutdown_seen = TRUE;
                        if (a->event.kind == STEWARD_EVENT_CHILD_EXITED ||
                            a->event.kind == STEWARD_EVENT_CHILD_SPAWN_FAILED) {
                                inc = world_find(w, g_intern_string(a->event.child), a->event.generation);
                                if (inc)
                                        inc->end_recorded = TRUE;
                                /* A shutdown that gave up on a spawn never reported takes it as
                                 * having run: the backend may have lost it. */
                                if (inc && !inc->spawn_reported &&
                                    a->event.kind == STEWARD_EVENT_CHILD_EXITED)
                                        g_hash_table_insert(w->last_gen, (gpointer) inc->child,
                                                            GSIZE_TO_POINTER((gsize) inc->gen + 1));
                        }
                        break;
                case STEWARD_ACTION_EXIT:
                        W_ASSERT(w, !w->exit_seen, "second EXIT");
                        w->exit_seen = TRUE;
                        /* Every end the shutdown caused is recorded first. */
                        for (guint j = 0; j < w->incs->len; j++) {
                                Inc *k = g_ptr_array_index(w->incs, j);

                                W_ASSERT(w, !k->killed_in_shutdown || k->end_recorded,
                                         "%s %" G_GUINT64_FORMAT " killed, its end not recorded", k->child,
                                         k->gen);
                        }
                        break;
                case STEWARD_ACTION_STATE_CHANGED:
                case STEWARD_ACTION_PROBE:
                case STEWARD_ACTION_CANCEL_PROBE:
                case STEWARD_ACTION_SIGNAL: /* no command here reloads */
                        break;
                }
        }
}

/* After every step: the engine's view agrees with the world's. */
static void
world_check(World *w)
{
        GHashTableIter iter;
        gpointer key;

        /* A child is forgotten only once nothing of it is alive. */
        g_hash_table_iter_init(&iter, w->live);
        while (g_hash_table_iter_next(&iter, &key, NULL))
                W_ASSERT(w, steward_engine_get_child(w->t->e, key, &(StewardChildInfo){ 0 }),
                         "%s forgotten with a live incarnation", (const char *) key);
        for (guint i = 0; i < steward_engine_get_n_children(w->t->e); i++) {
                StewardChildInfo info;
                const char *name;

                ck_assert(steward_engine_get_child_at(w->t->e, i, &info));
                name = g_intern_string(info.name);
                Inc *inc = g_hash_table_lookup(w->live, name);
                gboolean engine_live = info.state == STEWARD_CHILD_STATE_STARTING ||
                                       info.state == STEWARD_CHILD_STATE_RUNNING ||
                                       info.state == STEWARD_CHILD_STATE_READY ||
                                       info.state == STEWARD_CHILD_STATE_STOPPING;
                gsize last = GPOINTER_TO_SIZE(g_hash_table_lookup(w->last_gen, name));

                gsize floor = GPOINTER_TO_SIZE(g_hash_table_lookup(w->floor, name));

                /* A child a reload brings back shows where live restore said
                 * its numbering goes on, if that is higher. */
                if (last > 0)
                        W_ASSERT(w,
                                 info.generation == last - 1 ||
                                         (floor > last && info.generation == floor - 1),
                                 "%s: engine generation %" G_GUINT64_FORMAT, name, info.generation);
                if (inc) {
                        /* Alive in the world: the engine must know. */
                        W_ASSERT(w, engine_live, "%s has a live incarnation but is %s", name,
                                 steward_child_state_to_string(info.state));
                        /* A spawn in flight shows the last incarnation that ran. */
                        W_ASSERT(w, inc->gen == info.generation || !inc->spawn_reported,
                                 "%s: live generation differs", name);
                }
                if (info.state == STEWARD_CHILD_STATE_RUNNING || info.state == STEWARD_CHILD_STATE_READY)
                        W_ASSERT(w, inc && inc->main_alive, "%s is %s without a process", name,
                                 steward_child_state_to_string(info.state));
                /* A stop that outlives TimeoutStopSec= is escalated. */
                if (inc && inc->stop_seen && !inc->killed && !w->exit_seen && inc->scope_alive)
                        W_ASSERT(w, w->t->now < inc->stop_at + inc->timeout_stop,
                                 "%s: stop not escalated after its timeout", name);
        }
}

static void
world_step_done(World *w)
{
        world_apply(w);
        world_check(w);
        w->steps++;
}

/* Delivers the next report of one random incarnation that has any. */
static gboolean
world_deliver(World *w, gboolean random_pick)
{
        GPtrArray *ready = g_ptr_array_new();
        Inc *inc;
        Report r;

        for (guint i = 0; i < w->incs->len; i++) {
                inc = g_ptr_array_index(w->incs, i);
                if (inc->queue->len > 0)
                        g_ptr_array_add(ready, inc);
        }
        if (ready->len == 0) {
                g_ptr_array_unref(ready);
                return FALSE;
        }
        inc = g_ptr_array_index(ready, random_pick ? (guint) g_rand_int_range(w->rand, 0, ready->len) : 0);
        g_ptr_array_unref(ready);
        r = g_array_index(inc->queue, Report, 0);
        g_array_remove_index(inc->queue, 0);

        t_begin(w->t);
        switch (r.kind) {
        case R_SPAWNED:
                inc->spawn_reported = TRUE;
                if (inc->gen + 1 > GPOINTER_TO_SIZE(g_hash_table_lookup(w->last_gen, inc->child)))
                        g_hash_table_insert(w->last_gen, (gpointer) inc->child,
                                            GSIZE_TO_POINTER((gsize) inc->gen + 1));
                steward_engine_child_spawned(w->t->e, inc->child, inc->gen, 1000 + w->steps, w->t->now,
                                             w->t->out);
                break;
        case R_SPAWN_FAILED:
                inc->main_alive = inc->scope_alive = FALSE;
                g_hash_table_remove(w->live, inc->child);
                steward_engine_child_spawn_failed(w->t->e, inc->child, inc->gen, "ENOENT", w->t->now,
                                                  w->t->out);
                break;
        case R_EXITED:
                inc->main_alive = FALSE;
                steward_engine_child_exited(w->t->e, inc->child, inc->gen, r.code, r.status, w->t->now,
                                            w->t->out);
                break;
        case R_GONE:
                inc->scope_alive = FALSE;
                if (g_hash_table_lookup(w->live, inc->child) == inc)
                        g_hash_table_remove(w->live, inc->child);
                steward_engine_child_gone(w->t->e, inc->child, inc->gen, w->t->now, w->t->out);
                break;
        }
        t_end(w->t);
        world_step_done(w);
        return TRUE;
}

/* A child the engine knows, NULL when it knows none. */
static const char *
world_pick(World *w)
{
        guint n = steward_engine_get_n_children(w->t->e);
        StewardChildInfo info;

        if (n == 0 || !steward_engine_get_child_at(w->t->e, g_rand_int_range(w->rand, 0, n), &info))
                return NULL;
        return g_intern_string(info.name);
}

static void
world_crash(World *w)
{
        const char *name = world_pick(w);
        Inc *inc = g_hash_table_lookup(w->live, name);
        static const StewardExitCode codes[] = { STEWARD_EXIT_CODE_EXITED, STEWARD_EXIT_CODE_KILLED,
                                                 STEWARD_EXIT_CODE_DUMPED };

        if (!name || !inc || !inc->spawn_reported || inc->exit_queued || inc->end_queued)
                return;
        inc_push(inc, R_EXITED, codes[g_rand_int_range(w->rand, 0, 3)], g_rand_int_range(w->rand, 0, 3));
        /* Sometimes the main process leaves something behind. */
        if (g_rand_boolean(w->rand))
                inc_push(inc, R_GONE, 0, 0);
}

static void
world_ready(World *w)
{
        const char *name = world_pick(w);
        Inc *inc = g_hash_table_lookup(w->live, name);

        if (!name || !inc || !inc->spawn_reported || !inc->main_alive)
                return;
        t_begin(w->t);
        if (g_rand_boolean(w->rand))
                steward_engine_child_ready(w->t->e, name, inc->gen, w->t->now, w->t->out);
        else
                steward_engine_child_watchdog(w->t->e, name, inc->gen, w->t->now, w->t->out);
        t_end(w->t);
        world_step_done(w);
}

/* About a child a reload removed and the engine forgot: ignored. */
static void
world_stale_forgotten(World *w, Inc *inc)
{
        t_begin(w->t);
        steward_engine_child_exited(w->t->e, inc->child, inc->gen, STEWARD_EXIT_CODE_EXITED, 1, w->t->now,
                                    w->t->out);
        steward_engine_child_gone(w->t->e, inc->child, inc->gen, w->t->now, w->t->out);
        t_end(w->t);
        W_ASSERT(w, w->t->out->len == 0, "report about forgotten %s produced %u actions", inc->child,
                 w->t->out->len);
        world_step_done(w);
}

/* A report about a dead incarnation must change nothing. */
static void
world_stale(World *w)
{
        Inc *inc;
        const StewardAction *a;

        if (w->incs->len == 0)
                return;
        inc = g_ptr_array_index(w->incs, g_rand_int_range(w->rand, 0, w->incs->len));
        if (inc->scope_alive || inc->queue->len > 0)
                return;
        /* A failed spawn's generation goes to the next one: the backend reports nothing
         * after spawn_failed, so no report of the failed one can come late. */
        if (world_find(w, inc->child, inc->gen) != inc)
                return;
        if (!steward_engine_get_child(w->t->e, inc->child, &(StewardChildInfo){ 0 })) {
                world_stale_forgotten(w, inc);
                return;
        }
        t_begin(w->t);
        switch (g_rand_int_range(w->rand, 0, 4)) {
        case 0:
                steward_engine_child_exited(w->t->e, inc->child, inc->gen, STEWARD_EXIT_CODE_EXITED, 1,
                                            w->t->now, w->t->out);
                break;
        case 1:
                steward_engine_child_gone(w->t->e, inc->child, inc->gen, w->t->now, w->t->out);
                break;
        case 2:
                steward_engine_child_spawned(w->t->e, inc->child, inc->gen, 1, w->t->now, w->t->out);
                break;
        default:
                steward_engine_child_ready(w->t->e, inc->child, inc->gen, w->t->now, w->t->out);
                break;
        }
        t_end(w->t);
        W_ASSERT(w, w->t->out->len == 1, "stale report produced %u actions", w->t->out->len);
        a = &g_array_index(w->t->out, StewardAction, 0);
        W_ASSERT(w,
                 a->type == STEWARD_ACTION_EVENT &&
                         a->event.kind == STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT,
                 "stale report not recorded as such");
        world_step_done(w);
}

static void
world_command(World *w)
{
        static const StewardCommandKind kinds[] = {
                STEWARD_COMMAND_START,      STEWARD_COMMAND_STOP,  STEWARD_COMMAND_RESTART,
                STEWARD_COMMAND_RESTART,    STEWARD_COMMAND_PAUSE, STEWARD_COMMAND_RESUME,
                STEWARD_COMMAND_QUARANTINE,
        };
        StewardCommandKind kind = kinds[g_rand_int_range(w->rand, 0, G_N_ELEMENTS(kinds))];
        const char *target = world_pick(w);
        StewardCommandOutcome o;
        guint spawns = w->t->n_spawns;
        g_autoptr(GError) error = NULL;

        if (g_rand_int_range(w->rand, 0, 300) == 0) {
                kind = STEWARD_COMMAND_SHUTDOWN;
        } else if (g_rand_int_range(w->rand, 0, 20) == 0) {
                StewardSupervisorInfo si;
                guint n = steward_engine_get_n_supervisors(w->t->e);
                ck_assert(steward_engine_get_supervisor_at(w->t->e, g_rand_int_range(w->rand, 0, n), &si));
                kind = STEWARD_COMMAND_RESUME_SUPERVISOR;
                target = si.name;
        }
        if (!target && kind != STEWARD_COMMAND_SHUTDOWN && kind != STEWARD_COMMAND_RESUME_SUPERVISOR)
                return;
        {
                StewardCommand cmd = {
                        .kind = kind, .target = target, .command_id = "random", .reason = "test"
                };

                t_begin(w->t);
                if (!steward_engine_command(w->t->e, &cmd, w->t->now, w->t->out, &o, &error)) {
                        /* Only a child a reload removed refuses commands. */
                        W_ASSERT(w,
                                 g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD) &&
                                         !steward_spec_find_child(w->spec, target),
                                 "command failed: %s", error->message);
                        W_ASSERT(w, w->t->out->len == 0, "failed command acted");
                        world_step_done(w);
                        return;
                }
                t_end(w->t);
        }
        if (o.decision == STEWARD_DECISION_STARTED_IMMEDIATELY)
                W_ASSERT(w, w->t->n_spawns == spawns + 1, "started_immediately without a spawn");
        if (o.decision == STEWARD_DECISION_BLOCKED_BY_SHUTDOWN || o.idempotent)
                W_ASSERT(w, w->t->n_spawns == spawns, "%s spawned", dec(o.decision));
        if (o.decision == STEWARD_DECISION_QUEUED_AFTER_STOP) {
                /* The next one, or the one live restore set if higher; a spawn in flight
                 * (not shown yet) takes the next one itself. */
                Inc *live = g_hash_table_lookup(w->live, g_intern_string(target));
                guint64 next = live && !live->spawn_reported ? live->gen + 1 : o.generation + 1;

                W_ASSERT(w,
                         o.target_generation == MAX(next, GPOINTER_TO_SIZE(g_hash_table_lookup(
                                                                  w->floor, g_intern_string(target)))),
                         "target generation %" G_GUINT64_FORMAT " of %s at %" G_GUINT64_FORMAT,
                         o.target_generation, target, o.generation);
        }
        world_step_done(w);
}

static void
world_time(World *w)
{
        guint64 d = steward_engine_next_deadline(w->t->e);

        if (d != G_MAXUINT64 && g_rand_boolean(w->rand))
                w->t->now = MAX(w->t->now, d);
        else
                w->t->now += g_rand_int_range(w->rand, 1, 1500) * 1000;
        t_begin(w->t);
        steward_engine_tick(w->t->e, w->t->now, w->t->out);
        t_end(w->t);
        world_step_done(w);
}

static void
world_build(World *w)
{
        guint n_sups = g_rand_int_range(w->rand, 0, 3);
        const char *sup_names[] = { "root", "s1", "s2" };
        guint n_children = g_rand_int_range(w->rand, 2, 9);

        sb_init(&w->b);
        w->b.spec->shutdown_timeout_usec = g_rand_int_range(w->rand, 5, 30) * G_USEC_PER_SEC;
        for (guint i = 0; i <= n_sups; i++) {
                StewardSupervisorSpec *s =
                        i == 0 ? sb_root(&w->b)
                               : sb_sup(&w->b, sup_names[i], sup_names[g_rand_int_range(w->rand, 0, i)], 0);
                s->strategy = g_rand_int_range(w->rand, 0, 3);
                s->escalation = g_rand_int_range(w->rand, 0, 3);
                s->restart_intensity = g_rand_int_range(w->rand, 1, 8);
                s->restart_period_usec = g_rand_int_range(w->rand, 1, 10) * G_USEC_PER_SEC;
        }
        w->n_sups = n_sups;
        for (guint i = 0; i < n_children; i++) {
                g_autofree char *name = g_strdup_printf("c%u", i);
                StewardChildSpec *c =
                        sb_child(&w->b, name, sup_names[g_rand_int_range(w->rand, 0, n_sups + 1)]);

                steward_child_spec_apply_role(c, g_rand_int_range(w->rand, 0, 4));
                if (c->role == STEWARD_ROLE_SIDECAR && i > 0)
                        c->sidecar_of = g_strdup_printf("c%u", g_rand_int_range(w->rand, 0, i));
                c->restart = g_rand_int_range(w->rand, 0, 3);
                c->type = g_rand_int_range(w->rand, 0, 2);
                c->restart_usec = g_rand_int_range(w->rand, 0, 500) * 1000;
                c->restart_jitter = g_rand_boolean(w->rand) ? 0.3 : 0.0;
                c->restart_stable_usec = g_rand_int_range(w->rand, 1, 5) * G_USEC_PER_SEC;
                c->timeout_start_usec = g_rand_int_range(w->rand, 0, 4) * G_USEC_PER_SEC;
                c->timeout_stop_usec = g_rand_int_range(w->rand, 1, 4) * G_USEC_PER_SEC;
                c->watchdog_usec = g_rand_boolean(w->rand) ? 2 * G_USEC_PER_SEC : 0;
                g_hash_table_insert(w->timeout_stop, (gpointer) g_intern_string(name),
                                    GSIZE_TO_POINTER((gsize) c->timeout_stop_usec));
        }
}

static StewardChildSpec *
child_spec_copy(const StewardChildSpec *o)
{
        StewardChildSpec *c = g_new(StewardChildSpec, 1);

        *c = *o;
        c->name = g_strdup(o->name);
        c->supervisor = g_strdup(o->supervisor);
        c->argv = g_strdupv(o->argv);
        c->environment = g_strdupv(o->environment);
        c->working_directory = g_strdup(o->working_directory);
        c->user = g_strdup(o->user);
        c->group = g_strdup(o->group);
        c->syslog_identifier = g_strdup(o->syslog_identifier);
        c->sidecar_of = g_strdup(o->sidecar_of);
        c->success_exit_status = o->success_exit_status ? g_array_copy(o->success_exit_status) : NULL;
        c->origin.file = g_strdup(o->origin.file);
        return c;
}

static StewardSpec *
spec_copy(const StewardSpec *o)
{
        StewardSpec *s = steward_spec_new();

        s->shutdown_timeout_usec = o->shutdown_timeout_usec;
        g_ptr_array_set_size(s->supervisors, 0);
        for (guint i = 0; i < o->supervisors->len; i++) {
                const StewardSupervisorSpec *os = g_ptr_array_index(o->supervisors, i);
                StewardSupervisorSpec *ns = steward_supervisor_spec_new(os->name);

                ns->parent = g_strdup(os->parent);
                ns->strategy = os->strategy;
                ns->restart_intensity = os->restart_intensity;
                ns->restart_period_usec = os->restart_period_usec;
                ns->escalation = os->escalation;
                ns->origin.order = os->origin.order;
                g_ptr_array_add(s->supervisors, ns);
        }
        for (guint i = 0; i < o->children->len; i++)
                g_ptr_array_add(s->children, child_spec_copy(g_ptr_array_index(o->children, i)));
        return s;
}

/* Reloads the current tree with a child removed, one added (a new name or
 * one removed before) and one changed, each by chance; now and then with a
 * change that must be refused, which must leave everything as it was. */
static void
world_reload(World *w)
{
        static const char *const sup_names[] = { "root", "s1", "s2" };
        StewardSpec *spec = spec_copy(w->spec);
        StewardCommand cmd = { .command_id = "reload", .reason = "random" };
        g_auto(GStrv) added = NULL, removed = NULL, changed = NULL;
        g_autoptr(GError) error = NULL;
        gboolean refuse = g_rand_int_range(w->rand, 0, 6) == 0;
        guint order = 0;

        for (guint i = 0; i < spec->children->len; i++)
                order = MAX(order,
                            ((StewardChildSpec *) g_ptr_array_index(spec->children, i))->origin.order);
        if (refuse) {
                StewardSupervisorSpec *s = g_ptr_array_index(spec->supervisors, 0);
                s->strategy = (s->strategy + 1) % 3;
        }
        if (spec->children->len > 0 && g_rand_boolean(w->rand)) {
                guint i = g_rand_int_range(w->rand, 0, spec->children->len);
                StewardChildSpec *c = g_ptr_array_index(spec->children, i);
                gboolean primary = FALSE;

                for (guint j = 0; j < spec->children->len; j++)
                        primary |= g_strcmp0(((StewardChildSpec *) g_ptr_array_index(spec->children, j))
                                                     ->sidecar_of,
                                             c->name) == 0;
                if (!primary) {
                        g_hash_table_replace(w->removed, g_strdup(c->name), child_spec_copy(c));
                        g_ptr_array_remove_index(spec->children, i);
                }
        }
        if (g_rand_boolean(w->rand)) {
                g_autofree char *name = g_strdup_printf("c%u", g_rand_int_range(w->rand, 0, 12));

                StewardChildSpec *old = g_hash_table_lookup(w->removed, name);
                /* One still on its way out comes back only where it was. */
                gboolean still_known = steward_engine_get_child(w->t->e, name, &(StewardChildInfo){ 0 });

                if (still_known && old && old->sidecar_of && !steward_spec_find_child(spec, old->sidecar_of))
                        still_known = FALSE, old = NULL, name[0] = '\0';
                /* The numbering of a name the state file did not have is gone. */
                if (g_hash_table_contains(w->lost, g_intern_string(name)))
                        still_known = FALSE, old = NULL, name[0] = '\0';
                if (*name && !steward_spec_find_child(spec, name) && still_known) {
                        StewardChildSpec *c = child_spec_copy(old);
                        guint at = g_rand_int_range(w->rand, 0, spec->children->len + 1);

                        c->origin.order =
                                at < spec->children->len
                                        ? ((StewardChildSpec *) g_ptr_array_index(spec->children, at))
                                                  ->origin.order
                                        : order + 1;
                        for (guint j = 0; j < spec->children->len; j++) {
                                StewardChildSpec *o = g_ptr_array_index(spec->children, j);
                                if (o->origin.order >= c->origin.order)
                                        o->origin.order++;
                        }
                        g_ptr_array_add(spec->children, c);
                } else if (*name && !steward_spec_find_child(spec, name)) {
                        /* Between the others: its place in the file decides when it starts. */
                        StewardChildSpec *c = steward_child_spec_new(name);
                        guint at = g_rand_int_range(w->rand, 0, spec->children->len + 1);

                        g_free(c->supervisor);
                        c->supervisor = g_strdup(sup_names[g_rand_int_range(w->rand, 0, w->n_sups + 1)]);
                        c->type = g_rand_int_range(w->rand, 0, 2);
                        c->restart = g_rand_int_range(w->rand, 0, 3);
                        c->restart_usec = g_rand_int_range(w->rand, 0, 500) * 1000;
                        c->timeout_start_usec = g_rand_int_range(w->rand, 0, 4) * G_USEC_PER_SEC;
                        c->timeout_stop_usec = GPOINTER_TO_SIZE(
                                g_hash_table_lookup(w->timeout_stop, g_intern_string(name)));
                        if (c->timeout_stop_usec == 0)
                                c->timeout_stop_usec = g_rand_int_range(w->rand, 1, 4) * G_USEC_PER_SEC;
                        /* TimeoutStopSec= stays what it was for a name: the world judges
                         * the stop of a live incarnation by it. */
                        g_hash_table_insert(w->timeout_stop, (gpointer) g_intern_string(name),
                                            GSIZE_TO_POINTER((gsize) c->timeout_stop_usec));
                        c->origin.order =
                                at < spec->children->len
                                        ? ((StewardChildSpec *) g_ptr_array_index(spec->children, at))
                                                  ->origin.order
                                        : order + 1;
                        /* Orders stay unique: the ones after move on. */
                        for (guint j = 0; j < spec->children->len; j++) {
                                StewardChildSpec *o = g_ptr_array_index(spec->children, j);
                                if (o->origin.order >= c->origin.order)
                                        o->origin.order++;
                        }
                        g_ptr_array_add(spec->children, c);
                }
        }
        if (spec->children->len > 0 && g_rand_boolean(w->rand)) {
                StewardChildSpec *c =
                        g_ptr_array_index(spec->children, g_rand_int_range(w->rand, 0, spec->children->len));

                c->restart_usec += 1000;
                c->kill_signal = c->kill_signal == SIGTERM ? SIGINT : SIGTERM;
        }

        t_begin(w->t);
        if (!steward_engine_reload(w->t->e, spec, &cmd, w->t->now, w->t->out, &added, &removed, &changed,
                                   &error)) {
                W_ASSERT(w, refuse || w->shutdown_seen, "reload refused: %s", error->message);
                W_ASSERT(w, w->t->out->len == 0, "a refused reload acted");
                steward_spec_free(spec);
                world_step_done(w);
                return;
        }
        W_ASSERT(w, !refuse && !w->shutdown_seen, "reload not refused");
        t_end(w->t);
        for (char **n = removed; *n; n++)
                W_ASSERT(w, !steward_spec_find_child(spec, *n), "%s removed but configured", *n);
        for (char **n = added; *n; n++)
                W_ASSERT(w, !steward_spec_find_child(w->spec, *n), "%s added but configured before", *n);
        steward_spec_free(w->spec);
        w->spec = spec;
        world_step_done(w);
}

/* Live restore: before the start, some children have an incarnation left
 * by a previous stewardd, some a generation to continue from, some were
 * stopped by the operator. */
static void
world_adopt(World *w)
{
        for (guint i = 0; i < steward_engine_get_n_children(w->t->e); i++) {
                StewardChildInfo info;
                const char *name;
                StewardAdoption a = { 0 };
                g_autoptr(GError) error = NULL;
                Inc *inc;

                ck_assert(steward_engine_get_child_at(w->t->e, i, &info));
                name = g_intern_string(info.name);
                if (g_rand_int_range(w->rand, 0, 4) == 0) {
                        guint64 next = g_rand_int_range(w->rand, 0, 9);

                        steward_engine_set_next_generation(w->t->e, name, next);
                        g_hash_table_insert(w->floor, (gpointer) name, GSIZE_TO_POINTER((gsize) next));
                }
                if (g_rand_int_range(w->rand, 0, 6) == 0) {
                        ck_assert(steward_engine_restore_child_stopped(w->t->e, name,
                                                                       g_rand_boolean(w->rand), &error));
                }
                if (g_rand_boolean(w->rand))
                        continue;
                a.generation = g_rand_int_range(w->rand, 0, 6);
                a.main_pid = g_rand_int_range(w->rand, 0, 5) == 0 ? 0 : 500 + i;
                a.ready = g_rand_boolean(w->rand);
                a.stopping = g_rand_int_range(w->rand, 0, 4) == 0;
                a.pending_command_id = g_rand_int_range(w->rand, 0, 6) == 0 ? "pending" : NULL;
                a.restart_count = g_rand_int_range(w->rand, 0, 3);
                t_begin(w->t);
                ck_assert_msg(steward_engine_adopt_child(w->t->e, name, &a, w->t->now, w->t->out, &error),
                              "%s", error ? error->message : "");
                t_end(w->t);
                /* Twice is refused and changes nothing. */
                t_begin(w->t);
                ck_assert(!steward_engine_adopt_child(w->t->e, name, &a, w->t->now, w->t->out, NULL));
                ck_assert_uint_eq(w->t->out->len, 0);

                inc = g_new0(Inc, 1);
                inc->child = name;
                inc->gen = a.generation;
                inc->queue = g_array_new(FALSE, FALSE, sizeof(Report));
                inc->adopted = TRUE;
                inc->spawn_reported = TRUE;
                inc->main_alive = a.main_pid > 0;
                inc->exit_queued = a.main_pid == 0; /* no exit report can come */
                inc->scope_alive = TRUE;
                inc->stubborn = g_rand_int_range(w->rand, 0, 5) == 0;
                inc->timeout_stop = GPOINTER_TO_SIZE(g_hash_table_lookup(w->timeout_stop, name));
                g_ptr_array_add(w->incs, inc);
                g_hash_table_insert(w->live, (gpointer) name, inc);
                /* The engine must never spawn this generation or an older one. */
                g_hash_table_insert(w->last_gen, (gpointer) name,
                                    GSIZE_TO_POINTER((gsize) a.generation + 1));
                if (a.stopping) {
                        /* The previous stewardd's stop: it ends, or needs KILL. */
                        inc->stop_seen = TRUE;
                        inc->stop_at = w->t->now;
                        if (!inc->stubborn)
                                inc_end(w, inc, STEWARD_EXIT_CODE_KILLED, SIGTERM);
                }
        }
        world_step_done(w);
}

static double
world_rng(gpointer data)
{
        return g_rand_double(data);
}

/* Live restore in the middle of a run: stewardd restarts. What the engine
 * saved goes to a fresh one as the daemon would hand it over, the
 * incarnations staying as they are (one whose spawn failed leaves nothing
 * to find), now and then with a configuration that changed meanwhile; the
 * invariants must hold on. The state file has the configured children
 * only: not while a removed one is on its way out, and a name removed
 * before is not added again (its numbering was not saved). */
static void
world_relive(World *w)
{
        StewardEngine *e;
        g_autoptr(GError) error = NULL;
        GHashTableIter iter;
        gpointer key;

        if (w->shutdown_seen || w->exit_seen ||
            steward_engine_get_n_children(w->t->e) != w->spec->children->len)
                return;
        g_hash_table_iter_init(&iter, w->removed);
        while (g_hash_table_iter_next(&iter, &key, NULL))
                if (!steward_spec_find_child(w->spec, key))
                        g_hash_table_add(w->lost, (gpointer) g_intern_string(key));
        e = steward_engine_new(w->spec, world_rng, w->rand);
        if (g_getenv("STEWARD_TEST_SEED"))
                g_string_append(w->t->log, ", (stewardd restarts)");
        for (guint i = 0; i < steward_engine_get_n_supervisors(w->t->e); i++) {
                StewardSupervisorInfo si;
                StewardSupervisorSave ss;

                ck_assert(steward_engine_get_supervisor_at(w->t->e, i, &si));
                ck_assert(steward_engine_save_supervisor(w->t->e, si.name, &ss));
                ck_assert_msg(steward_engine_restore_supervisor(e, si.name, ss.quarantined,
                                                                ss.restart_window, ss.n_restart_window,
                                                                &error),
                              "%s", error->message);
        }
        t_begin(w->t);
        for (guint i = 0; i < steward_engine_get_n_children(w->t->e); i++) {
                StewardChildInfo info;
                StewardChildSave cs;
                StewardAdoption a;
                const char *name;
                Inc *inc;
                gboolean failed_spawn = FALSE;
                gboolean in_flight;

                ck_assert(steward_engine_get_child_at(w->t->e, i, &info));
                name = g_intern_string(info.name);
                ck_assert(steward_engine_save_child(w->t->e, name, &cs));
                ck_assert(steward_engine_restore_child_mode(e, name, cs.mode, &error));
                steward_engine_set_next_generation(e, name, cs.next_generation);
                ck_assert(steward_engine_restore_child_counters(e, name, cs.restart_count,
                                                                cs.backoff_failures, cs.restart_window,
                                                                cs.n_restart_window, &error));
                inc = g_hash_table_lookup(w->live, name);
                /* A spawn in flight is no incarnation of the record's. */
                in_flight = inc && !inc->spawn_reported;
                W_ASSERT(w, cs.alive == (inc != NULL && !in_flight), "%s saved %s", name,
                         cs.alive ? "alive" : "gone");
                for (guint j = 0; inc && j < inc->queue->len; j++)
                        failed_spawn |= g_array_index(inc->queue, Report, j).kind == R_SPAWN_FAILED;
                if (failed_spawn) {
                        g_array_set_size(inc->queue, 0);
                        inc->main_alive = inc->scope_alive = FALSE;
                        g_hash_table_remove(w->live, name);
                }
                if (!inc || failed_spawn) {
                        ck_assert(steward_engine_restore_child_last(e, name, cs.generation, cs.attempt,
                                                                    &error));
                        continue;
                }
                if (in_flight) {
                        /* It went through: the daemon finds its scope, whose name says its
                         * generation, and adopts it without the record's word on it. */
                        W_ASSERT(w, inc->gen == cs.next_generation, "%s: saved next generation differs",
                                 name);
                        W_ASSERT(w, g_array_index(inc->queue, Report, 0).kind == R_SPAWNED,
                                 "%s: in flight without a spawned report", name);
                        g_array_remove_index(inc->queue, 0);
                        inc->spawn_reported = TRUE;
                        g_hash_table_insert(w->last_gen, (gpointer) name,
                                            GSIZE_TO_POINTER((gsize) inc->gen + 1));
                        a = (StewardAdoption){
                                .generation = inc->gen,
                                .main_pid = inc->main_alive && !inc->exit_queued ? 2000 + i : 0,
                                .ready = TRUE,
                                .restart_count = cs.restart_count,
                                .backoff_failures = cs.backoff_failures,
                        };
                } else {
                        W_ASSERT(w, inc->gen == cs.generation, "%s: saved generation differs", name);
                        a = (StewardAdoption){
                                .generation = cs.generation,
                                .attempt = cs.attempt,
                                /* As the daemon finds it. */
                                .main_pid = inc->main_alive && !inc->exit_queued ? 2000 + i : 0,
                                .ready = cs.ready,
                                .stopping = cs.stopping,
                                .pending_command_id = cs.pending_command_id,
                                .pending_reason = cs.pending_reason,
                                .restart_count = cs.restart_count,
                                .backoff_failures = cs.backoff_failures,
                                .fingerprint =
                                        g_rand_int_range(w->rand, 0, 8) == 0 ? "changed" : cs.fingerprint,
                        };
                }
                ck_assert_msg(steward_engine_adopt_child(e, name, &a, w->t->now, w->t->out, &error), "%s",
                              error->message);
                /* No longer stewardd's child: its exit status is unknown. */
                inc->adopted = TRUE;
                for (guint j = 0; j < inc->queue->len; j++) {
                        Report *r = &g_array_index(inc->queue, Report, j);

                        if (r->kind == R_EXITED)
                                r->code = STEWARD_EXIT_CODE_UNKNOWN, r->status = 0;
                }
                /* The new stewardd's stop timeout runs afresh. */
                if (inc->stop_seen)
                        inc->stop_at = w->t->now;
        }
        steward_engine_free(w->t->e);
        w->t->e = e;
        steward_engine_start(e, w->t->now, w->t->out);
        t_end(w->t);
        world_step_done(w);
}

static void
run_seed(guint seed, guint steps)
{
        World w = { .seed = seed };

        w.rand = g_rand_new_with_seed(seed);
        w.incs = g_ptr_array_new_with_free_func((GDestroyNotify) inc_free);
        w.live = g_hash_table_new(NULL, NULL);
        w.last_gen = g_hash_table_new(NULL, NULL);
        w.floor = g_hash_table_new(NULL, NULL);
        w.timeout_stop = g_hash_table_new(NULL, NULL);
        w.removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) steward_child_spec_free);
        w.lost = g_hash_table_new(NULL, NULL);
        world_build(&w);
        if (g_getenv("STEWARD_TEST_SEED")) {
                /* The tree this seed built, for the post-mortem. */
                for (guint i = 0; i < w.b.spec->supervisors->len; i++) {
                        StewardSupervisorSpec *s = g_ptr_array_index(w.b.spec->supervisors, i);
                        g_printerr("sup %s parent %s %s esc %s int %u/%" G_GUINT64_FORMAT "\n", s->name,
                                   s->parent, steward_strategy_to_string(s->strategy),
                                   steward_escalation_to_string(s->escalation), s->restart_intensity,
                                   s->restart_period_usec);
                }
                for (guint i = 0; i < w.b.spec->children->len; i++) {
                        StewardChildSpec *c = g_ptr_array_index(w.b.spec->children, i);
                        g_printerr("child %s sup %s %s %s %s sidecar_of %s\n", c->name, c->supervisor,
                                   steward_role_to_string(c->role), steward_restart_to_string(c->restart),
                                   steward_child_type_to_string(c->type), c->sidecar_of);
                }
        }
        w.t = t_new(w.b.spec, world_rng, w.rand);
        w.spec = w.b.spec;

        if (seed % 2 == 0)
                world_adopt(&w);
        t_start(w.t);
        world_step_done(&w);
        for (guint i = 0; i < steps && !w.exit_seen; i++) {
                switch (g_rand_int_range(w.rand, 0, 13)) {
                case 0:
                case 1:
                case 2:
                case 3:
                        (void) world_deliver(&w, TRUE);
                        break;
                case 4:
                case 5:
                        world_crash(&w);
                        break;
                case 6:
                        world_ready(&w);
                        break;
                case 7:
                        world_stale(&w);
                        break;
                case 8:
                case 9:
                        world_command(&w);
                        break;
                case 10:
                        world_reload(&w);
                        break;
                case 12:
                        if (g_rand_int_range(w.rand, 0, 6) == 0) {
                                world_relive(&w);
                                break;
                        }
                        world_time(&w);
                        break;
                default:
                        world_time(&w);
                        break;
                }
        }

        /* Liveness: with a world that obeys from now on, a shutdown ends in
         * EXIT, and nothing of any incarnation outlives it unkilled. */
        w.cooperative = TRUE;
        for (guint i = 0; i < w.incs->len; i++) {
                Inc *inc = g_ptr_array_index(w.incs, i);
                if (inc->stop_seen && inc->scope_alive)
                        inc_end(&w, inc, STEWARD_EXIT_CODE_KILLED, SIGTERM);
        }
        for (guint i = 0; i < 100000 && !w.exit_seen; i++) {
                if (world_deliver(&w, FALSE))
                        continue;
                if (!w.shutdown_seen) {
                        StewardCommandOutcome o = t_cmd(w.t, STEWARD_COMMAND_SHUTDOWN, NULL, "final");
                        ck_assert_int_eq(o.decision, STEWARD_DECISION_SHUTDOWN_STARTED);
                        world_step_done(&w);
                        continue;
                }
                W_ASSERT(&w, steward_engine_next_deadline(w.t->e) != G_MAXUINT64,
                         "shutdown stuck: no report pending and no deadline");
                world_time(&w);
        }
        W_ASSERT(&w, w.exit_seen, "no EXIT");
        while (world_deliver(&w, FALSE))
                ;
        /* With a seed given, show what happened for the post-mortem. */
        if (g_getenv("STEWARD_TEST_SEED"))
                g_printerr("%s\n", w.t->log->str);
        W_ASSERT(&w, g_hash_table_size(w.live) == 0, "incarnations outlived the shutdown");
        ck_assert(steward_engine_get_tree_state(w.t->e) == STEWARD_TREE_STATE_STOPPED);

        t_free(w.t);
        g_ptr_array_unref(w.incs);
        g_hash_table_unref(w.live);
        g_hash_table_unref(w.last_gen);
        g_hash_table_unref(w.floor);
        g_hash_table_unref(w.timeout_stop);
        steward_spec_free(w.spec);
        g_hash_table_unref(w.removed);
        g_hash_table_unref(w.lost);
        g_rand_free(w.rand);
}

START_TEST(test_random_interleavings)
{
        const char *env = g_getenv("STEWARD_TEST_SEED");

        if (env) {
                run_seed((guint) g_ascii_strtoull(env, NULL, 10), 2000);
                return;
        }
        for (guint seed = 1; seed <= 1500; seed++)
                run_seed(seed, 600);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("engine-random");
        TCase *tc = tcase_create("engine-random");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_random_interleavings);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

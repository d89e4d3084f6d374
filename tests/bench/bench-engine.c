/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-engine.c: drives 10,000 children through 100,000 engine inputs and reports inputs per second and
 * memory per child. */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "steward-engine.h"

#define N_SUPERVISORS 100
#define N_PER_SUPERVISOR 100
#define N_EVENTS 100000

typedef enum {
        R_SPAWNED,
        R_EXITED,
        R_GONE,
} ReportKind;

typedef struct {
        ReportKind kind;
        const char *child;
        guint64 gen;
        int status;
} Report;

typedef struct {
        StewardEngine *e;
        GArray *out;
        GQueue pending; /* of Report* */
        guint64 now;
        guint64 inputs;
        guint64 actions;
        guint64 spawns;
        GRand *rand;
        const char **names;
        guint n_children;
} Bench;

static void
push(Bench *b, ReportKind kind, const char *child, guint64 gen, int status)
{
        Report *r = g_new(Report, 1);

        *r = (Report){ kind, child, gen, status };
        g_queue_push_tail(&b->pending, r);
}

/* The fake backend: every spawn succeeds, every stop is obeyed. */
static void
apply(Bench *b)
{
        for (guint i = 0; i < b->out->len; i++) {
                const StewardAction *a = &g_array_index(b->out, StewardAction, i);

                switch (a->type) {
                case STEWARD_ACTION_SPAWN:
                        b->spawns++;
                        push(b, R_SPAWNED, a->child, a->generation, 0);
                        break;
                case STEWARD_ACTION_STOP:
                case STEWARD_ACTION_KILL:
                        push(b, R_EXITED, a->child, a->generation, -1);
                        push(b, R_GONE, a->child, a->generation, 0);
                        break;
                default:
                        break;
                }
        }
        b->actions += b->out->len;
        g_array_set_size(b->out, 0);
        b->inputs++;
}

static void
deliver(Bench *b)
{
        Report *r = g_queue_pop_head(&b->pending);

        switch (r->kind) {
        case R_SPAWNED:
                steward_engine_child_spawned(b->e, r->child, r->gen, 1000, b->now, b->out);
                break;
        case R_EXITED:
                if (r->status < 0)
                        steward_engine_child_exited(b->e, r->child, r->gen, STEWARD_EXIT_CODE_KILLED, 15,
                                                    b->now, b->out);
                else
                        steward_engine_child_exited(b->e, r->child, r->gen, STEWARD_EXIT_CODE_EXITED,
                                                    r->status, b->now, b->out);
                break;
        case R_GONE:
                steward_engine_child_gone(b->e, r->child, r->gen, b->now, b->out);
                break;
        }
        g_free(r);
        apply(b);
}

static StewardSpec *
make_spec(Bench *b)
{
        StewardSpec *spec = steward_spec_new();
        guint order = 1;
        StewardSupervisorSpec *root = g_ptr_array_index(spec->supervisors, 0);

        root->restart_intensity = G_MAXUINT;
        b->n_children = N_SUPERVISORS * N_PER_SUPERVISOR;
        b->names = g_new0(const char *, b->n_children);
        for (guint s = 0; s < N_SUPERVISORS; s++) {
                StewardSupervisorSpec *ss = steward_supervisor_spec_new(NULL);

                ss->name = g_strdup_printf("s%u", s);
                ss->parent = g_strdup("root");
                /* Mostly one-for-one, as real trees are; a few of the others. */
                ss->strategy = s % 10 == 0   ? STEWARD_STRATEGY_REST_FOR_ONE
                               : s % 10 == 1 ? STEWARD_STRATEGY_ONE_FOR_ALL
                                             : STEWARD_STRATEGY_ONE_FOR_ONE;
                ss->restart_intensity = 100000;
                ss->origin.order = order++;
                g_ptr_array_add(spec->supervisors, ss);
                for (guint c = 0; c < N_PER_SUPERVISOR; c++) {
                        g_autofree char *name = g_strdup_printf("c%u-%u", s, c);
                        StewardChildSpec *cs = steward_child_spec_new(name);

                        g_free(cs->supervisor);
                        cs->supervisor = g_strdup(ss->name);
                        cs->restart_intensity = 100000;
                        cs->restart_usec = 1000;
                        cs->origin.order = order++;
                        g_ptr_array_add(spec->children, cs);
                        b->names[s * N_PER_SUPERVISOR + c] = g_intern_string(name);
                }
        }
        return spec;
}

static size_t
heap_in_use(void)
{
        struct mallinfo2 mi = mallinfo2();

        return mi.uordblks + mi.hblkhd;
}

int
main(void)
{
        Bench b = { 0 };
        StewardSpec *spec;
        size_t before, after, spec_size;
        gint64 t0, t1;
        guint64 inputs0;

        b.rand = g_rand_new_with_seed(42);
        b.now = G_USEC_PER_SEC;
        spec = make_spec(&b);

        before = heap_in_use();
        b.e = steward_engine_new(spec, NULL, NULL);
        b.out = steward_actions_new();
        steward_engine_start(b.e, b.now, b.out);
        apply(&b);
        while (!g_queue_is_empty(&b.pending))
                deliver(&b);
        /* The start's burst of actions grew the action array; that is the
         * caller's memory, not the engine's. */
        g_array_unref(b.out);
        after = heap_in_use();
        b.out = steward_actions_new();
        /* Freed only now so that it counts on both sides. */
        spec_size = heap_in_use();
        steward_spec_free(spec);
        spec_size -= heap_in_use();

        /* The measured part: random crashes, restart commands and timer
         * ticks over the whole tree, with the backend's reports in between. */
        inputs0 = b.inputs;
        t0 = g_get_monotonic_time();
        while (b.inputs - inputs0 < N_EVENTS) {
                guint r = g_rand_int_range(b.rand, 0, 100);

                if (!g_queue_is_empty(&b.pending) && r < 60) {
                        deliver(&b);
                } else if (r < 80) {
                        const char *name = b.names[g_rand_int_range(b.rand, 0, b.n_children)];
                        StewardChildInfo info;

                        if (steward_engine_get_child(b.e, name, &info) &&
                            info.state == STEWARD_CHILD_STATE_RUNNING) {
                                steward_engine_child_exited(b.e, name, info.generation,
                                                            STEWARD_EXIT_CODE_EXITED, 1, b.now, b.out);
                                push(&b, R_GONE, name, info.generation, 0);
                                apply(&b);
                        }
                } else if (r < 90) {
                        StewardCommand cmd = {
                                .kind = STEWARD_COMMAND_RESTART,
                                .target = b.names[g_rand_int_range(b.rand, 0, b.n_children)],
                                .command_id = "bench",
                                .reason = "bench",
                        };
                        StewardCommandOutcome o;

                        (void) steward_engine_command(b.e, &cmd, b.now, b.out, &o, NULL);
                        apply(&b);
                } else {
                        b.now += 500;
                        steward_engine_tick(b.e, b.now, b.out);
                        apply(&b);
                }
        }
        t1 = g_get_monotonic_time();

        printf("children:            %u in %u supervisors\n", b.n_children, N_SUPERVISORS);
        printf("inputs:              %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
               " actions, %" G_GUINT64_FORMAT " spawns)\n",
               b.inputs - inputs0, b.actions, b.spawns);
        printf("time:                %.3f s\n", (double) (t1 - t0) / G_USEC_PER_SEC);
        printf("inputs per second:   %.0f\n",
               (double) (b.inputs - inputs0) * G_USEC_PER_SEC / (double) (t1 - t0));
        printf("engine heap:         %zu bytes (%.0f bytes per child, tree started)\n", after - before,
               (double) (after - before) / b.n_children);

        while (!g_queue_is_empty(&b.pending))
                g_free(g_queue_pop_head(&b.pending));
        g_array_unref(b.out);
        b.out = NULL;
        printf("engine heap after:   %zu bytes (%.0f bytes per child, restart windows allocated)\n",
               heap_in_use() - before + spec_size,
               (double) (heap_in_use() - before + spec_size) / b.n_children);
        steward_engine_free(b.e);
        g_free(b.names);
        g_rand_free(b.rand);
        return EXIT_SUCCESS;
}

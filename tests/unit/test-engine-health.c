/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-engine-health.c: unit tests of the engine's health checks and heartbeats, on the injected clock. */
#include "config.h"

#include "test-engine-fixture.h"

#define EXITED STEWARD_EXIT_CODE_EXITED
#define KILLED STEWARD_EXIT_CODE_KILLED
#define MS (G_GUINT64_CONSTANT(1000))
#define SEC (G_USEC_PER_SEC)

static char *probe_argv[] = { (char *) "/bin/check", NULL };

/* One Type=simple child "a" with ExecHealthCheck=, interval 10 s, timeout 3 s, 2 retries. */
static StewardChildSpec *
probed(SpecBuilder *b)
{
        StewardChildSpec *c = sb_child(b, "a", NULL);

        c->health_argv = g_strdupv(probe_argv);
        c->health_interval_usec = 10 * SEC;
        c->health_timeout_usec = 3 * SEC;
        c->health_retries = 2;
        return c;
}

static T *
t_new_started(SpecBuilder *b)
{
        T *t = t_new(b->spec, NULL, NULL);

        steward_spec_free(b->spec);
        t_start(t);
        t_spawned(t, "a");
        g_free(t_take(t));
        return t;
}

static const char *
t_health(T *t, const char *name)
{
        return steward_child_health_to_string(t_info(t, name).health);
}

static void
t_probe_ended_num(T *t, const char *name, guint64 probe, StewardExitCode code, int status, const char *error)
{
        t_begin(t);
        steward_engine_child_probe_ended(t->e, name, t_inc_gen(t, name), probe, code, status, error, t->now,
                                         t->out);
        t_end(t);
}

static void
t_probe_ended(T *t, const char *name, int status)
{
        t_probe_ended_num(t, name, t->last_probe, EXITED, status, NULL);
}

/* The StewardProperty bits of @child's STATE_CHANGED in the last input, 0 when none. */
static guint
t_child_changed(T *t, const char *child)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);

                if (a->type == STEWARD_ACTION_STATE_CHANGED && g_strcmp0(a->child, child) == 0)
                        return a->changed;
        }
        return 0;
}

static void
t_ping(T *t, const char *name)
{
        t_begin(t);
        steward_engine_child_watchdog(t->e, name, t_inc_gen(t, name), t->now, t->out);
        t_end(t);
}

START_TEST(test_health_none_without_checks)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = t_new_started(&b);
        ck_assert_str_eq(t_health(t, "a"), "");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

/* HealthCheckRetries= failures in a row make it unhealthy; a success in between starts the count
 * afresh; the next probe comes an interval after the previous one ended, never earlier. */
START_TEST(test_health_retries)
{
        SpecBuilder b;
        StewardChildInfo info;
        T *t;

        sb_init(&b);
        probed(&b);
        t = t_new_started(&b);
        ck_assert_str_eq(t_health(t, "a"), "starting");

        t_advance(t, 10 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "PROBE a 0");
        /* While it runs nothing else is asked for, however long the interval. */
        t_advance(t, 2 * SEC);
        t_expect(t, "");
        t_probe_ended(t, "a", 0);
        t_expect(t, "child_healthy a 0");
        ck_assert_str_eq(t_health(t, "a"), "healthy");
        ck_assert(t_child_changed(t, "a") & STEWARD_PROPERTY_HEALTH);

        /* No overlap: the next interval starts at the end of this probe. */
        t_advance(t, 10 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "PROBE a 0");
        t_probe_ended(t, "a", 1);
        t_expect(t, "");
        ck_assert_str_eq(t_health(t, "a"), "healthy");

        /* A success resets the count. */
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 0);
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        g_free(t_take(t));
        ck_assert_str_eq(t_health(t, "a"), "healthy");

        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 3);
        t_expect(t, "PROBE a 0, child_unhealthy a 0");
        ck_assert_str_eq(t_health(t, "a"), "unhealthy");
        /* HealthAction=none: reported, not restarted. */
        info = t_info(t, "a");
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert_uint_eq(info.generation, 0);
        ck_assert_uint_eq(info.restart_count, 0);

        /* It keeps being probed, and recovers. */
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 0);
        t_expect(t, "PROBE a 0, child_healthy a 0");
        t_free(t);
}
END_TEST

/* The unhealthy event carries the last probe's exit. */
START_TEST(test_health_unhealthy_event_fields)
{
        SpecBuilder b;
        const StewardEvent *ev = NULL;
        T *t;

        sb_init(&b);
        probed(&b)->health_retries = 1;
        t = t_new_started(&b);
        t_advance(t, 10 * SEC);
        t_probe_ended_num(t, "a", t->last_probe, KILLED, SIGTERM, NULL);
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);
                if (a->type == STEWARD_ACTION_EVENT && a->event.kind == STEWARD_EVENT_CHILD_UNHEALTHY)
                        ev = &a->event;
        }
        ck_assert_ptr_nonnull(ev);
        ck_assert(ev->fields & STEWARD_EVENT_FIELD_EXIT);
        ck_assert_int_eq(ev->exit_code, KILLED);
        ck_assert_int_eq(ev->exit_status, SIGTERM);
        t_free(t);
}
END_TEST

/* Failures within HealthCheckStartPeriodSec= do not count; a success there does. */
START_TEST(test_health_start_period)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        probed(&b)->health_start_period_usec = 25 * SEC;
        t = t_new_started(&b);

        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_expect(t, "PROBE a 0, PROBE a 0");
        ck_assert_str_eq(t_health(t, "a"), "starting");
        /* Past the start period: two more make it unhealthy. */
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_expect(t, "PROBE a 0");
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_expect(t, "PROBE a 0, child_unhealthy a 0");
        t_free(t);
}
END_TEST

/* HealthCheckTimeoutSec=: the probe is killed and counts as a failure; the next interval waits for its
 * end, and a late end of a cancelled probe is ignored. */
START_TEST(test_health_timeout)
{
        SpecBuilder b;
        guint64 hung;
        T *t;

        sb_init(&b);
        probed(&b);
        t = t_new_started(&b);

        t_advance(t, 10 * SEC);
        t_expect(t, "PROBE a 0");
        hung = t->last_probe;
        t_advance(t, 3 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "CANCEL_PROBE a 0");
        ck_assert_uint_eq(g_array_index(t->out, StewardAction, 0).probe, hung);
        /* Not ended yet: no interval runs, so no second probe however long it takes. */
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_advance(t, 60 * SEC);
        t_expect(t, "");
        t_probe_ended_num(t, "a", hung, KILLED, SIGKILL, NULL);
        t_expect(t, "");
        t_advance(t, 10 * SEC);
        t_expect(t, "PROBE a 0");
        /* The second timeout is the second failure in a row. */
        t_advance(t, 3 * SEC);
        t_expect(t, "CANCEL_PROBE a 0, child_unhealthy a 0");
        /* A report with another number changes nothing. */
        t_probe_ended_num(t, "a", hung, EXITED, 0, NULL);
        t_expect(t, "");
        ck_assert_str_eq(t_health(t, "a"), "unhealthy");
        t_free(t);
}
END_TEST

/* A probe running when the incarnation stops being up is cancelled; its end is ignored, and the next
 * incarnation starts its checks afresh. */
START_TEST(test_health_cancelled_with_incarnation)
{
        SpecBuilder b;
        guint64 running;
        T *t;

        sb_init(&b);
        probed(&b);
        t = t_new_started(&b);

        t_advance(t, 10 * SEC);
        t_expect(t, "PROBE a 0");
        running = t->last_probe;
        t_exited(t, "a", EXITED, 1);
        t_expect(t, "child_exited a 0 failure, STOP a 0, CANCEL_PROBE a 0");
        ck_assert_str_eq(t_health(t, "a"), "");
        t_probe_ended_num(t, "a", running, KILLED, SIGKILL, NULL);
        t_expect(t, "");
        t_gone(t, "a");
        t_next(t); /* backoff */
        t_spawned(t, "a");
        g_free(t_take(t));
        ck_assert_str_eq(t_health(t, "a"), "starting");
        t_advance(t, 10 * SEC);
        t_expect(t, "PROBE a 1");
        ck_assert_uint_ne(t->last_probe, running);
        t_free(t);
}
END_TEST

/* Type=notify: probes only once ready. */
START_TEST(test_health_waits_for_ready)
{
        SpecBuilder b;
        StewardChildSpec *c;
        T *t;

        sb_init(&b);
        c = sb_notify(&b, "n", NULL);
        c->health_argv = g_strdupv(probe_argv);
        c->health_interval_usec = 1 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "n");
        g_free(t_take(t));
        ck_assert_str_eq(t_health(t, "n"), "");
        t_advance(t, 5 * SEC);
        t_expect(t, "");
        t_ready(t, "n");
        t_expect(t, "child_ready n 0");
        ck_assert_str_eq(t_health(t, "n"), "starting");
        t_advance(t, 1 * SEC);
        t_expect(t, "PROBE n 0");
        t_free(t);
}
END_TEST

/* HealthAction=restart: exactly one fenced restart, counted against the budget like a crash. */
START_TEST(test_health_action_restart)
{
        SpecBuilder b;
        StewardChildInfo info;
        T *t;

        sb_init(&b);
        probed(&b)->health_action = STEWARD_HEALTH_ACTION_RESTART;
        t = t_new_started(&b);

        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_expect(t, "PROBE a 0, PROBE a 0, child_unhealthy a 0 restart, child_restart_fence_entered a 0 "
                    "queued_after_stop, child_control_cancel_delivered a 0, STOP a 0");
        info = t_info(t, "a");
        ck_assert_uint_eq(info.restart_count, 1);
        ck_assert_uint_eq(info.n_restart_window, 1);
        ck_assert_str_eq(t_state(t, "a"), "stopping");
        ck_assert_str_eq(t_health(t, "a"), "");
        /* Nothing more while it goes: no second restart, no probe. */
        t_advance(t, 60 * SEC);
        t_expect(t, "child_restart_fence_abort_requested a 0, KILL a 0");
        t_exited(t, "a", KILLED, SIGKILL);
        t_gone(t, "a");
        t_expect(t, "child_exited a 0 stop, child_control_stop_completed a 0, child_restarting a 1, "
                    "child_starting a 1, SPAWN a 1");
        t_spawned(t, "a");
        t_expect(t, "child_started a 1, child_restart_fence_released a 1");
        info = t_info(t, "a");
        ck_assert_uint_eq(info.generation, 1);
        ck_assert_uint_eq(info.restart_count, 1);
        ck_assert_str_eq(t_health(t, "a"), "starting");
        t_free(t);
}
END_TEST

/* HealthAction=restart with the budget spent gives the child up. */
START_TEST(test_health_action_restart_budget)
{
        SpecBuilder b;
        StewardChildSpec *c;
        T *t;

        sb_init(&b);
        c = probed(&b);
        c->health_action = STEWARD_HEALTH_ACTION_RESTART;
        c->health_retries = 1;
        c->restart_intensity = 0;
        t = t_new_started(&b);

        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 1);
        t_expect(t, "PROBE a 0, child_unhealthy a 0 given_up, STOP a 0");
        t_crash(t, "a", 0);
        t_expect(t,
                 "child_exited a 0 failure, child_control_stop_completed a 0, child_stopped a 0 given_up");
        ck_assert_str_eq(t_state(t, "a"), "failed");
        t_free(t);
}
END_TEST

/* HeartbeatSec=: no WATCHDOG=1 within it makes the child stale, reported only; the next ping lifts it. */
START_TEST(test_heartbeat_stale)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL)->heartbeat_usec = 5 * SEC;
        t = t_new_started(&b);
        ck_assert_str_eq(t_health(t, "a"), "starting");

        t_advance(t, 4 * SEC);
        t_ping(t, "a");
        t_expect(t, "child_healthy a 0");
        t_advance(t, 4 * SEC);
        t_ping(t, "a");
        t_advance(t, 5 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "child_stale a 0");
        ck_assert_str_eq(t_health(t, "a"), "stale");
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert_uint_eq(t_info(t, "a").main_pid, 100);
        /* Nothing else happens, however long it stays silent. */
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_ping(t, "a");
        t_expect(t, "child_healthy a 0");
        t_free(t);
}
END_TEST

/* WatchdogSec= and HeartbeatSec= together: the heartbeat reports, the watchdog kills. */
START_TEST(test_heartbeat_with_watchdog)
{
        SpecBuilder b;
        StewardChildSpec *c;
        T *t;

        sb_init(&b);
        c = sb_notify(&b, "a", NULL);
        c->heartbeat_usec = 2 * SEC;
        c->watchdog_usec = 5 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_ready(t, "a");
        g_free(t_take(t));
        t_advance(t, 2 * SEC);
        t_expect(t, "child_stale a 0");
        t_advance(t, 3 * SEC);
        t_expect(t, "child_watchdog_expired a 0 failure, STOP a 0");
        t_free(t);
}
END_TEST

/* Probes and heartbeat together: stale shows over the probes' verdict while it lasts. */
START_TEST(test_heartbeat_and_probe)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        probed(&b)->heartbeat_usec = 15 * SEC;
        t = t_new_started(&b);
        t_advance(t, 10 * SEC);
        t_probe_ended(t, "a", 0);
        t_expect(t, "PROBE a 0, child_healthy a 0");
        t_advance(t, 5 * SEC);
        t_expect(t, "child_stale a 0");
        t_advance(t, 5 * SEC);
        t_probe_ended(t, "a", 0);
        t_expect(t, "PROBE a 0");
        ck_assert_str_eq(t_health(t, "a"), "stale");
        t_ping(t, "a");
        t_expect(t, "child_healthy a 0");
        t_free(t);
}
END_TEST

/* An adopted incarnation is probed again, from "starting". */
START_TEST(test_health_adopted)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        probed(&b);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_adopt(t, "a", (StewardAdoption){ .generation = 4, .main_pid = 77 });
        t_start(t);
        g_free(t_take(t));
        ck_assert_str_eq(t_health(t, "a"), "starting");
        t_advance(t, 10 * SEC);
        t_expect(t, "PROBE a 4");
        t_free(t);
}
END_TEST

/* A spawn failure of the probe counts as a failure. */
START_TEST(test_health_probe_error)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        probed(&b)->health_retries = 1;
        t = t_new_started(&b);
        t_advance(t, 10 * SEC);
        t_probe_ended_num(t, "a", t->last_probe, STEWARD_EXIT_CODE_UNKNOWN, 0,
                          "exec '/bin/check': No such file");
        t_expect(t, "PROBE a 0, child_unhealthy a 0");
        t_free(t);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("engine-health");
        TCase *tc = tcase_create("health");

        tcase_add_test(tc, test_health_none_without_checks);
        tcase_add_test(tc, test_health_retries);
        tcase_add_test(tc, test_health_unhealthy_event_fields);
        tcase_add_test(tc, test_health_start_period);
        tcase_add_test(tc, test_health_timeout);
        tcase_add_test(tc, test_health_cancelled_with_incarnation);
        tcase_add_test(tc, test_health_waits_for_ready);
        tcase_add_test(tc, test_health_action_restart);
        tcase_add_test(tc, test_health_action_restart_budget);
        tcase_add_test(tc, test_heartbeat_stale);
        tcase_add_test(tc, test_heartbeat_with_watchdog);
        tcase_add_test(tc, test_heartbeat_and_probe);
        tcase_add_test(tc, test_health_adopted);
        tcase_add_test(tc, test_health_probe_error);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

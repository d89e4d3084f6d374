/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-engine.c: unit tests of the supervision engine's behaviour, one scenario per rule of steward.conf(5)
 * and docs/ARCHITECTURE.md. */
#include "config.h"

#include "test-engine-fixture.h"

#define EXITED STEWARD_EXIT_CODE_EXITED
#define KILLED STEWARD_EXIT_CODE_KILLED
#define DUMPED STEWARD_EXIT_CODE_DUMPED
#define MS (G_GUINT64_CONSTANT(1000))
#define SEC (G_USEC_PER_SEC)

static T *
three_simple(StewardStrategy strategy)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_root(&b)->strategy = strategy;
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        sb_child(&b, "c", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "b");
        t_spawned(t, "c");
        g_free(t_take(t));
        return t;
}

START_TEST(test_start_declaration_order)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        sb_child(&b, "w1", "web");
        sb_child(&b, "b", NULL);
        sb_child(&b, "w2", "web");
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);

        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "starting");
        ck_assert_str_eq(t_state(t, "a"), "stopped");
        t_start(t);
        t_expect(t, "child_starting a 0, SPAWN a 0, child_starting w1 0, SPAWN w1 0, "
                    "child_starting w2 0, SPAWN w2 0, child_starting b 0, SPAWN b 0");
        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "running");
        ck_assert_str_eq(t_state(t, "a"), "starting");
        t_spawned(t, "a");
        t_expect(t, "child_started a 0");
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert(t_info(t, "a").ready);
        ck_assert_uint_eq(t_info(t, "a").attempt, 1);
        ck_assert_uint_eq(t_info(t, "a").main_pid, 100);

        /* A second start does nothing. */
        t_start(t);
        t_expect(t, "");

        /* Children in declaration order for the bus layer. */
        StewardChildInfo info;
        ck_assert(steward_engine_get_child_at(t->e, 1, &info));
        ck_assert_str_eq(info.name, "w1");
        ck_assert_str_eq(info.supervisor, "web");
        ck_assert(!steward_engine_get_child_at(t->e, 4, &info));
        t_free(t);
}
END_TEST

START_TEST(test_notify_holds_siblings_until_ready)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL);
        sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        sb_notify(&b, "api", "web");
        sb_child(&b, "cache", "web");
        sb_child(&b, "tail", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);

        t_start(t);
        t_expect(t, "child_starting db 0, SPAWN db 0");
        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "starting");
        t_spawned(t, "db");
        t_expect(t, "child_started db 0");
        ck_assert_str_eq(t_state(t, "db"), "starting");
        ck_assert_str_eq(t_state(t, "api"), "starting"); /* queued */
        t_ready(t, "db");
        /* A nested supervisor holds its parent's younger members too. */
        t_expect(t, "child_ready db 0, child_starting api 0, SPAWN api 0");
        ck_assert_str_eq(t_state(t, "db"), "ready");
        t_spawned(t, "api");
        t_ready(t, "api");
        t_expect(t, "child_started api 0, child_ready api 0, child_starting cache 0, SPAWN cache 0, "
                    "child_starting tail 0, SPAWN tail 0");
        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "running");
        t_free(t);
}
END_TEST

START_TEST(test_notify_failure_releases_hold)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL);
        sb_child(&b, "app", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);

        t_start(t);
        t_spawned(t, "db");
        g_free(t_take(t));
        t_exited(t, "db", EXITED, 1);
        t_expect(t, "child_exited db 0 failure, STOP db 0, child_starting app 0, SPAWN app 0");
        ck_assert_str_eq(t_state(t, "db"), "stopping");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "db").fence_state), "stopping_old");
        t_gone(t, "db");
        t_expect(t, "child_backoff_scheduled db 0");
        ck_assert_str_eq(t_state(t, "db"), "backoff");
        ck_assert_uint_eq(t_info(t, "db").next_restart_usec, t->now + 100 * MS);
        t_free(t);
}
END_TEST

START_TEST(test_start_timeout_releases_hold_and_fails)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->timeout_start_usec = 3 * SEC;
        sb_child(&b, "app", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);

        t_start(t);
        t_spawned(t, "db");
        g_free(t_take(t));
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 3 * SEC);
        t_advance(t, 3 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "child_start_timeout db 0 failure, STOP db 0, child_starting app 0, SPAWN app 0");
        /* Killed by the stop we sent, but the verdict stays failure. */
        t_exited(t, "db", KILLED, SIGTERM);
        t_expect(t, "child_exited db 0 failure");
        t_gone(t, "db");
        t_expect(t, "child_control_stop_completed db 0, child_backoff_scheduled db 0");
        t_free(t);
}
END_TEST

START_TEST(test_watchdog)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->watchdog_usec = 2 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);

        t_start(t);
        t_spawned(t, "db");
        t_ready(t, "db");
        g_free(t_take(t));
        t_advance(t, 1500 * MS);
        t_begin(t);
        steward_engine_child_watchdog(t->e, "db", 0, t->now, t->out);
        t_end(t);
        t_advance(t, 1500 * MS);
        t_expect(t, "");
        t_advance(t, 500 * MS);
        t_expect(t, "child_watchdog_expired db 0 failure, STOP db 0");
        ck_assert_int_eq(g_array_index(t->out, StewardAction, 1).signal, SIGABRT);
        t_crash(t, "db", 0);
        t_expect(t, "child_exited db 0 failure, child_control_stop_completed db 0, child_backoff_scheduled "
                    "db 0");
        t_free(t);
}
END_TEST

static T *
one_ready_notify(guint64 watchdog_usec)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->watchdog_usec = watchdog_usec;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "db");
        t_ready(t, "db");
        g_free(t_take(t));
        return t;
}

START_TEST(test_watchdog_trigger)
{
        T *t = one_ready_notify(0);

        t_begin(t);
        steward_engine_child_watchdog_trigger(t->e, "db", 0, t->now, t->out);
        t_end(t);
        /* Even without WatchdogSec=, as systemd: the program asked for it. */
        t_expect(t, "child_watchdog_expired db 0 failure, STOP db 0");
        ck_assert_int_eq(g_array_index(t->out, StewardAction, 1).signal, SIGABRT);
        /* About an older incarnation it is stale. */
        t_begin(t);
        steward_engine_child_watchdog_trigger(t->e, "db", 7, t->now, t->out);
        t_end(t);
        t_expect(t, "child_attempt_stale_report db 7");
        t_free(t);
}
END_TEST

START_TEST(test_watchdog_usec_override)
{
        T *t = one_ready_notify(2 * SEC);

        t_advance(t, 1 * SEC);
        t_begin(t);
        steward_engine_child_watchdog_usec(t->e, "db", 0, 5 * SEC, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        t_advance(t, 4 * SEC);
        t_begin(t);
        steward_engine_child_watchdog(t->e, "db", 0, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        /* 0 turns it off. */
        t_begin(t);
        steward_engine_child_watchdog_usec(t->e, "db", 0, 0, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_expect(t, "");
        /* The next incarnation starts from WatchdogSec= again. */
        t_crash(t, "db", 1);
        t_next(t);
        t_spawned(t, "db");
        t_ready(t, "db");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 2 * SEC);
        t_free(t);
}
END_TEST

START_TEST(test_watchdog_needs_notify)
{
        SpecBuilder b;
        T *t;

        /* The config warns that WatchdogSec= does nothing for Type=simple:
         * such a child has no way to ping, so it must not be killed. */
        sb_init(&b);
        sb_child(&b, "a", NULL)->watchdog_usec = 2 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

START_TEST(test_extend_timeout)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->timeout_start_usec = 3 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "db");
        g_free(t_take(t));
        t_advance(t, 2 * SEC);
        t_begin(t);
        steward_engine_child_extend_timeout(t->e, "db", 0, 10 * SEC, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 10 * SEC);
        /* Never earlier. */
        t_begin(t);
        steward_engine_child_extend_timeout(t->e, "db", 0, 1 * SEC, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 10 * SEC);
        t_advance(t, 10 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "child_start_timeout db 0 failure, STOP db 0");
        t_free(t);
}
END_TEST

static guint t_child_changed(T *t, const char *child);

/* EXTEND_TIMEOUT_USEC= while stewardd stops the child: the stop deadline
 * (its KILL) moves, as systemd's stop timeout does; never earlier, and not
 * once the KILL was sent. */
START_TEST(test_extend_timeout_while_stopping)
{
        SpecBuilder b;
        StewardCommandOutcome o;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->timeout_stop_usec = 3 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "db");
        t_ready(t, "db");
        o = t_cmd(t, STEWARD_COMMAND_STOP, "db", "s-1");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_STOP_DELIVERED);
        g_free(t_take(t));
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 3 * SEC);
        t_advance(t, 2 * SEC);
        t_begin(t);
        steward_engine_child_extend_timeout(t->e, "db", 0, 10 * SEC, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 10 * SEC);
        t_begin(t);
        steward_engine_child_extend_timeout(t->e, "db", 0, 1 * SEC, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 10 * SEC);
        /* Past the original TimeoutStopSec=: nothing is killed. */
        t_advance(t, 10 * SEC - 1);
        t_expect(t, "");
        t_advance(t, 1);
        t_expect(t, "child_restart_fence_abort_requested db 0, KILL db 0");
        /* Once the abort went, no extension brings it back. */
        t_begin(t);
        steward_engine_child_extend_timeout(t->e, "db", 0, 10 * SEC, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

/* ERRNO= is StatusErrno until the next incarnation. */
START_TEST(test_notify_errno)
{
        SpecBuilder b;
        StewardChildInfo info;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "db");
        t_begin(t);
        steward_engine_child_errno(t->e, "db", 0, 2, t->now, t->out);
        ck_assert(t_child_changed(t, "db") & STEWARD_PROPERTY_STATUS_ERRNO);
        t_end(t);
        info = t_info(t, "db");
        ck_assert_int_eq(info.status_errno, 2);
        /* The same again changes nothing. */
        t_begin(t);
        steward_engine_child_errno(t->e, "db", 0, 2, t->now, t->out);
        ck_assert_uint_eq(t_child_changed(t, "db"), 0);
        t_end(t);
        /* An older generation's is stale. */
        t_crash(t, "db", 1);
        t_next(t);
        t_spawned(t, "db");
        info = t_info(t, "db");
        ck_assert_int_eq(info.status_errno, 0);
        g_free(t_take(t));
        t_begin(t);
        steward_engine_child_errno(t->e, "db", 0, 5, t->now, t->out);
        t_end(t);
        t_expect(t, "child_attempt_stale_report db 0");
        ck_assert_int_eq(t_info(t, "db").status_errno, 0);
        t_free(t);
}
END_TEST

static void
t_reloading(T *t, const char *name)
{
        t_begin(t);
        steward_engine_child_reloading(t->e, name, t_gen(t, name), t->now, t->out);
        t_end(t);
}

/* ReloadChild as Type=notify-reload: the signal, state reloading until
 * RELOADING=1 then READY=1; a timeout leaves the child running. */
START_TEST(test_reload_child)
{
        SpecBuilder b;
        StewardChildSpec *c;
        StewardCommandOutcome o;
        T *t;

        sb_init(&b);
        c = sb_notify(&b, "db", NULL);
        c->timeout_start_usec = 5 * SEC;
        c->reload_signal = SIGUSR1;
        c->watchdog_usec = 2 * SEC;
        sb_child(&b, "web", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        /* Not up yet: nothing to reload. */
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-0");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_NOT_RUNNING);
        t_spawned(t, "db");
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-0b");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_NOT_RUNNING);
        t_ready(t, "db");
        t_spawned(t, "web");
        g_free(t_take(t));

        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-1");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_RELOAD_REQUESTED);
        ck_assert_int_eq(o.state, STEWARD_CHILD_STATE_RELOADING);
        t_expect(t, "SIGNAL db 0 10, child_reloading db 0");
        ck_assert_str_eq(t_state(t, "db"), "reloading");
        ck_assert(t_info(t, "db").ready);
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-2");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_ALREADY_RELOADING);
        ck_assert(o.idempotent);
        g_free(t_take(t));
        /* READY=1 before RELOADING=1 does not end it. */
        t_ready(t, "db");
        ck_assert_str_eq(t_state(t, "db"), "reloading");
        t_reloading(t, "db");
        ck_assert_str_eq(t_state(t, "db"), "reloading");
        /* The watchdog still runs meanwhile. */
        t_begin(t);
        steward_engine_child_watchdog(t->e, "db", 0, t->now, t->out);
        t_end(t);
        t_ready(t, "db");
        t_expect(t, "child_reloaded db 0");
        ck_assert_str_eq(t_state(t, "db"), "ready");

        /* A reload that times out: reported, the child left alone. */
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-3");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_RELOAD_REQUESTED);
        g_free(t_take(t));
        for (guint i = 0; i < 4; i++) {
                t_advance(t, 1 * SEC);
                t_begin(t);
                steward_engine_child_watchdog(t->e, "db", 0, t->now, t->out);
                t_end(t);
        }
        t_expect(t, "");
        t_advance(t, 1 * SEC);
        t_expect(t, "child_reload_failed db 0 timeout");
        ck_assert_str_eq(t_state(t, "db"), "ready");
        ck_assert_uint_eq(t_gen(t, "db"), 0);

        /* RELOADING=1 on its own is a reload too, READY=1 in the same
         * message ends it. */
        t_reloading(t, "db");
        t_ready(t, "db");
        t_expect(t, "child_reloading db 0, child_reloaded db 0");

        /* Type=simple: signalled, and done. */
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "web", "r-4");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_RELOAD_REQUESTED);
        t_expect(t, "SIGNAL web 0 1, child_reloading web 0, child_reloaded web 0");

        /* A reload the incarnation's stop interrupts fails with it. */
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-5");
        g_free(t_take(t));
        o = t_cmd(t, STEWARD_COMMAND_STOP, "db", "s-1");
        t_expect(t, "child_reload_failed db 0 stop, child_control_cancel_delivered db 0, STOP db 0");
        ck_assert_str_eq(t_state(t, "db"), "stopping");
        o = t_cmd(t, STEWARD_COMMAND_RELOAD, "db", "r-6");
        ck_assert_int_eq(o.decision, STEWARD_DECISION_NOT_RUNNING);
        t_free(t);
}
END_TEST

START_TEST(test_notify_stopping)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->watchdog_usec = 2 * SEC;
        sb_child(&b, "app", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "db");
        g_free(t_take(t));
        /* Before ready: it stops holding app, and the start timeout ends. */
        t_begin(t);
        steward_engine_child_stopping(t->e, "db", 0, t->now, t->out);
        t_end(t);
        t_expect(t, "child_starting app 0, SPAWN app 0");
        ck_assert_str_eq(t_state(t, "db"), "stopping");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        /* A late READY=1 changes nothing. */
        t_ready(t, "db");
        t_expect(t, "");
        ck_assert_str_eq(t_state(t, "db"), "stopping");
        /* Its exit is judged as any other: 0 is a success, and permanent restarts. */
        t_crash(t, "db", 0);
        t_expect(t, "child_exited db 0 success, STOP db 0, child_backoff_scheduled db 0");
        t_free(t);
}
END_TEST

START_TEST(test_notify_stopping_hangs)
{
        T *t = one_ready_notify(2 * SEC);

        t_begin(t);
        steward_engine_child_stopping(t->e, "db", 0, t->now, t->out);
        t_end(t);
        t_advance(t, 5 * SEC);
        t_expect(t, "child_restart_fence_abort_requested db 0, KILL db 0");
        t_exited(t, "db", KILLED, SIGKILL);
        /* What it left behind goes too (the engine's leftover rule). */
        t_expect(t, "child_exited db 0 failure, STOP db 0");
        t_free(t);
}
END_TEST

START_TEST(test_notify_main_pid)
{
        T *t = one_ready_notify(0);
        StewardAction *a;

        t_begin(t);
        steward_engine_child_main_pid(t->e, "db", 0, 4321, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(t_info(t, "db").main_pid, 4321);
        ck_assert_uint_eq(t->out->len, 1);
        a = &g_array_index(t->out, StewardAction, 0);
        ck_assert_int_eq(a->type, STEWARD_ACTION_STATE_CHANGED);
        ck_assert_uint_eq(a->changed, STEWARD_PROPERTY_MAIN_PID);
        t_free(t);
}
END_TEST

START_TEST(test_shutdown_reverse_order_waits_for_gone)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;

        o = t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "cmd-1");
        ck_assert_str_eq(dec(o.decision), "shutdown_started");
        ck_assert(!o.idempotent);
        t_expect(t, "tree_shutdown_started root, STOP c 0");
        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "stopping");
        /* The main process exiting is not enough: the scope must be empty. */
        t_exited(t, "c", KILLED, SIGTERM);
        t_expect(t, "child_exited c 0 stop");
        t_gone(t, "c");
        t_expect(t, "child_control_stop_completed c 0, child_stopped c 0 stop, STOP b 0");
        t_crash(t, "b", 0);
        t_expect(
                t,
                "child_exited b 0 stop, child_control_stop_completed b 0, child_stopped b 0 stop, STOP a 0");

        /* Idempotent, and nothing starts any more. */
        o = t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "cmd-2");
        ck_assert_str_eq(dec(o.decision), "already_shutting_down");
        ck_assert(o.idempotent);
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "c", "cmd-3");
        ck_assert_str_eq(dec(o.decision), "blocked_by_shutdown");
        o = t_cmd(t, STEWARD_COMMAND_START, "b", "cmd-4");
        ck_assert_str_eq(dec(o.decision), "blocked_by_shutdown");
        /* Changed nothing, but every command id is recorded, with why. */
        t_expect(t, "command_completed root already_shutting_down, command_completed root c 0 "
                    "blocked_by_shutdown, command_completed root b 0 blocked_by_shutdown");

        t_crash(t, "a", 1);
        t_expect(t, "child_exited a 0 stop, child_control_stop_completed a 0, child_stopped a 0 stop, "
                    "tree_shutdown_completed root clean, EXIT 0");
        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "stopped");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

START_TEST(test_shutdown_timeout_kills_everything)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        b.spec->shutdown_timeout_usec = 8 * SEC;
        sb_child(&b, "a", NULL)->timeout_stop_usec = 0;
        sb_child(&b, "b", NULL)->timeout_stop_usec = 0;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "b");
        g_free(t_take(t));

        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "x");
        t_expect(t, "tree_shutdown_started root, STOP b 0");
        /* Half the deadline: a gets its stop although b is still there. */
        t_advance(t, 4 * SEC);
        t_expect(t, "STOP a 0");
        t_advance(t, 4 * SEC);
        t_expect(t, "child_restart_fence_abort_requested b 0 timeout, KILL b 0, "
                    "child_restart_fence_abort_requested a 0 timeout, KILL a 0");
        /* The shutdown ends once the killed are gone, each end recorded. */
        t_exited(t, "a", KILLED, SIGKILL);
        t_gone(t, "a");
        t_expect(t, "child_exited a 0 stop, child_control_stop_completed a 0, child_stopped a 0 stop");
        t_exited(t, "b", KILLED, SIGKILL);
        t_gone(t, "b");
        t_expect(t, "child_exited b 0 stop, child_control_stop_completed b 0, child_stopped b 0 stop, "
                    "tree_shutdown_completed root timeout, EXIT 1");
        ck_assert_int_eq(t->exit_code, 1);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

/* A child that never stops by itself, declared last, does not keep the
 * earlier ones from their graceful stop: the hand-over point gives it to
 * them, still in reverse order. */
START_TEST(test_shutdown_hand_over_past_infinite_stop)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        b.spec->shutdown_timeout_usec = 3 * SEC;
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        sb_child(&b, "c", NULL)->timeout_stop_usec = 0;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "b");
        t_spawned(t, "c");
        g_free(t_take(t));

        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "x");
        t_expect(t, "tree_shutdown_started root, STOP c 0");
        t_advance(t, 1499 * MS);
        t_expect(t, "");
        t_advance(t, 1 * MS);
        t_expect(t, "STOP b 0, STOP a 0");
        /* The earlier ones stop within their TimeoutStopSec=; the walk
         * still waits for c before it counts them. */
        t_crash(t, "a", 0);
        t_expect(t, "child_exited a 0 stop, child_control_stop_completed a 0, child_stopped a 0 stop");
        t_crash(t, "b", 0);
        t_expect(t, "child_exited b 0 stop, child_control_stop_completed b 0, child_stopped b 0 stop");
        t_advance(t, 1500 * MS);
        t_expect(t, "child_restart_fence_abort_requested c 0 timeout, KILL c 0");
        t_exited(t, "c", KILLED, SIGKILL);
        t_gone(t, "c");
        t_expect(t, "child_exited c 0 stop, child_control_stop_completed c 0, child_stopped c 0 stop, "
                    "tree_shutdown_completed root timeout, EXIT 1");
        ck_assert_int_eq(t->exit_code, 1);
        t_free(t);
}
END_TEST

/* Everybody stops promptly: one at a time in reverse order, no hand-over,
 * a clean exit. */
START_TEST(test_shutdown_prompt_keeps_reverse_order)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        b.spec->shutdown_timeout_usec = 4 * SEC;
        sb_child(&b, "a", NULL);
        sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        sb_child(&b, "w1", "web");
        sb_child(&b, "w2", "web");
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "w1");
        t_spawned(t, "w2");
        g_free(t_take(t));

        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "x");
        t_expect(t, "tree_shutdown_started root, STOP w2 0");
        t_advance(t, 500 * MS);
        t_crash(t, "w2", 0);
        t_expect(t, "child_exited w2 0 stop, child_control_stop_completed w2 0, child_stopped w2 0 stop, "
                    "STOP w1 0");
        t_advance(t, 500 * MS);
        t_crash(t, "w1", 0);
        t_expect(t, "child_exited w1 0 stop, child_control_stop_completed w1 0, child_stopped w1 0 stop, "
                    "STOP a 0");
        t_advance(t, 500 * MS);
        t_crash(t, "a", 0);
        t_expect(t, "child_exited a 0 stop, child_control_stop_completed a 0, child_stopped a 0 stop, "
                    "tree_shutdown_completed root clean, EXIT 0");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

/* The hand-over reaches into nested supervisors, in reverse order; the
 * stragglers are killed at the deadline, and those whose end never comes
 * are recorded with an unknown status when stewardd stops waiting. */
START_TEST(test_shutdown_stragglers_nested_and_give_up)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        b.spec->shutdown_timeout_usec = 6 * SEC;
        sb_child(&b, "a", NULL)->timeout_stop_usec = 0;
        sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        sb_child(&b, "w1", "web")->timeout_stop_usec = 0;
        sb_child(&b, "w2", "web")->timeout_stop_usec = 0;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "w1");
        t_spawned(t, "w2");
        g_free(t_take(t));

        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "x");
        t_expect(t, "tree_shutdown_started root, STOP w2 0");
        t_advance(t, 3 * SEC);
        t_expect(t, "STOP w1 0, STOP a 0");
        t_crash(t, "w1", 0);
        t_expect(t, "child_exited w1 0 stop, child_control_stop_completed w1 0, child_stopped w1 0 stop");
        t_advance(t, 3 * SEC);
        t_expect(t, "child_restart_fence_abort_requested w2 0 timeout, KILL w2 0, "
                    "child_restart_fence_abort_requested a 0 timeout, KILL a 0");
        /* w2 reports; a never does (stuck in the kernel, say). */
        t_exited(t, "w2", KILLED, SIGKILL);
        t_gone(t, "w2");
        t_expect(t, "child_exited w2 0 stop, child_control_stop_completed w2 0, child_stopped w2 0 stop");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        t_advance(t, 5 * SEC);
        t_expect(t, "child_exited a 0 stop, tree_shutdown_completed root timeout, EXIT 1");
        ck_assert_int_eq(t_info(t, "a").last_exit_code, STEWARD_EXIT_CODE_UNKNOWN);
        ck_assert_int_eq(t->exit_code, 1);
        t_free(t);
}
END_TEST

START_TEST(test_shutdown_before_start)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "x");
        t_expect(t, "tree_shutdown_started root, tree_shutdown_completed root clean, EXIT 0");
        t_start(t);
        t_expect(t, "");
        t_free(t);
}
END_TEST

START_TEST(test_one_for_one)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);

        t_crash(t, "b", 3);
        t_expect(t, "child_exited b 0 failure, STOP b 0, child_backoff_scheduled b 0");
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert_str_eq(t_state(t, "c"), "running");
        ck_assert_int_eq(t_info(t, "b").last_exit_code, EXITED);
        ck_assert_int_eq(t_info(t, "b").last_exit_status, 3);
        t_advance(t, 100 * MS);
        t_expect(t, "child_restarting b 1, child_starting b 1, SPAWN b 1");
        ck_assert_uint_eq(t_info(t, "b").restart_count, 1);
        /* Generation and attempt are the new incarnation's once it exists. */
        ck_assert_uint_eq(t_info(t, "b").attempt, 1);
        t_spawned(t, "b");
        ck_assert_uint_eq(t_info(t, "b").attempt, 2);
        t_free(t);
}
END_TEST

START_TEST(test_one_for_all)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ALL);
        StewardSupervisorInfo si;

        t_exited(t, "b", KILLED, SIGSEGV);
        t_expect(t,
                 "child_exited b 0 failure, STOP b 0, supervisor_restarting root b one-for-all, STOP c 0");
        ck_assert(steward_engine_get_supervisor(t->e, "root", &si));
        ck_assert_str_eq(steward_supervisor_state_to_string(si.state), "restarting");
        /* c goes first (reverse order), and a is not asked until c is gone. */
        t_crash(t, "c", 0);
        t_expect(t, "child_exited c 0 stop, child_control_stop_completed c 0");
        t_gone(t, "b");
        t_expect(t, "STOP a 0");
        t_exited(t, "a", EXITED, 0);
        t_expect(t, "child_exited a 0 stop");
        /* Nothing restarts until a's scope is empty as well: the only
         * deadline is a's stop timeout. */
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        ck_assert_str_eq(t_state(t, "b"), "stopped");
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 0");
        ck_assert_str_eq(t_state(t, "a"), "backoff");
        ck_assert_str_eq(t_state(t, "c"), "backoff");
        t_next(t);
        t_expect(t, "child_restarting a 1, child_starting a 1, SPAWN a 1, child_restarting b 1, "
                    "child_starting b 1, SPAWN b 1, child_restarting c 1, child_starting c 1, SPAWN c 1");
        ck_assert(steward_engine_get_supervisor(t->e, "root", &si));
        ck_assert_str_eq(steward_supervisor_state_to_string(si.state), "running");
        t_free(t);
}
END_TEST

START_TEST(test_rest_for_one)
{
        T *t = three_simple(STEWARD_STRATEGY_REST_FOR_ONE);

        t_crash(t, "b", 1);
        t_expect(t,
                 "child_exited b 0 failure, STOP b 0, supervisor_restarting root b rest-for-one, STOP c 0");
        t_crash(t, "c", 0);
        t_expect(t, "child_exited c 0 stop, child_control_stop_completed c 0");
        ck_assert_str_eq(t_state(t, "a"), "running");
        t_next(t);
        t_expect(t, "child_restarting b 1, child_starting b 1, SPAWN b 1, child_restarting c 1, "
                    "child_starting c 1, SPAWN c 1");
        ck_assert_uint_eq(t_gen(t, "a"), 0);
        t_free(t);
}
END_TEST

START_TEST(test_restart_types_and_verdicts)
{
        SpecBuilder b;
        T *t;
        StewardChildSpec *c;

        sb_init(&b);
        sb_child(&b, "perm", NULL);
        c = sb_child(&b, "trans", NULL);
        c->restart = STEWARD_RESTART_TRANSIENT;
        g_array_append_val(c->success_exit_status, (int){ 75 });
        sb_child(&b, "temp", NULL)->restart = STEWARD_RESTART_TEMPORARY;
        c = sb_child(&b, "job", NULL);
        steward_child_spec_apply_role(c, STEWARD_ROLE_JOB);
        c->restart = STEWARD_RESTART_PERMANENT; /* a job's success is final even so */
        sb_child(&b, "trans2", NULL)->restart = STEWARD_RESTART_TRANSIENT;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "perm");
        t_spawned(t, "trans");
        t_spawned(t, "temp");
        t_spawned(t, "job");
        t_spawned(t, "trans2");
        g_free(t_take(t));

        /* permanent: even a success is restarted. */
        t_crash(t, "perm", 0);
        t_expect(t, "child_exited perm 0 success, STOP perm 0, child_backoff_scheduled perm 0");
        /* transient: SuccessExitStatus= is a success, not restarted. */
        t_crash(t, "trans", 75);
        t_expect(t, "child_exited trans 0 success, STOP trans 0, child_stopped trans 0 finished");
        ck_assert_str_eq(t_state(t, "trans"), "stopped");
        /* transient: a core dump is a failure. */
        t_exited(t, "trans2", DUMPED, SIGABRT);
        t_gone(t, "trans2");
        t_expect(t, "child_exited trans2 0 failure, STOP trans2 0, child_backoff_scheduled trans2 0");
        /* temporary: never restarted; its failure shows. */
        t_crash(t, "temp", 2);
        t_expect(t, "child_exited temp 0 failure, STOP temp 0, child_stopped temp 0 finished");
        ck_assert_str_eq(t_state(t, "temp"), "failed");
        /* job: success ends it for good. */
        t_crash(t, "job", 0);
        t_expect(t, "child_exited job 0 success, STOP job 0, child_stopped job 0 finished");
        ck_assert_str_eq(t_state(t, "job"), "stopped");
        t_free(t);
}
END_TEST

START_TEST(test_job_failure_restarts_then_gives_up)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        steward_child_spec_apply_role(sb_child(&b, "job", NULL), STEWARD_ROLE_JOB);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "job");
        t_crash(t, "job", 1);
        t_next(t);
        t_spawned(t, "job");
        g_free(t_take(t));
        /* Budget 1 restart per 60 s: the second failure gives up. */
        t_crash(t, "job", 1);
        t_expect(t, "child_exited job 1 failure, STOP job 1, child_stopped job 1 given_up");
        ck_assert_str_eq(t_state(t, "job"), "failed");
        t_free(t);
}
END_TEST

static double
fixed_rng(gpointer data)
{
        return *(double *) data;
}

START_TEST(test_backoff_doubles_caps_jitters_and_resets)
{
        SpecBuilder b;
        T *t;
        StewardChildSpec *c;
        double r = 1.0 - 1e-9;
        const guint64 expected[] = { 100, 200, 400, 800, 1600, 1600 };

        sb_init(&b);
        sb_root(&b)->restart_intensity = 100;
        c = sb_child(&b, "a", NULL);
        c->restart_intensity = 100;
        c->restart_stable_usec = 10 * SEC;
        t = t_new(b.spec, fixed_rng, &r);
        steward_spec_free(b.spec);
        t_start(t);
        for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
                t_spawned(t, "a");
                t_crash(t, "a", 1);
                ck_assert_uint_eq(t_info(t, "a").next_restart_usec - t->now, expected[i] * MS);
                t_next(t);
        }
        /* Up for the stable time: the next failure starts from RestartSec= again. */
        t_spawned(t, "a");
        t_advance(t, 10 * SEC);
        t_crash(t, "a", 1);
        ck_assert_uint_eq(t_info(t, "a").next_restart_usec - t->now, 100 * MS);
        t_free(t);

        /* Jitter: ±RestartJitter= from the injected source. */
        sb_init(&b);
        sb_child(&b, "a", NULL)->restart_jitter = 0.5;
        t = t_new(b.spec, fixed_rng, &r);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        r = 0.0;
        t_crash(t, "a", 1);
        ck_assert_uint_eq(t_info(t, "a").next_restart_usec - t->now, 50 * MS);
        t_next(t);
        t_spawned(t, "a");
        r = 0.75;
        t_advance(t, 20 * SEC); /* stable again: base delay */
        t_crash(t, "a", 1);
        ck_assert_uint_eq(t_info(t, "a").next_restart_usec - t->now, 125 * MS);
        t_free(t);
}
END_TEST

START_TEST(test_notify_stable_time_counts_from_ready)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "a", NULL)->restart_stable_usec = 5 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_crash(t, "a", 1);
        t_next(t);
        t_spawned(t, "a");
        /* Up for long, but never ready: not stable, the delay doubles. */
        t_advance(t, 9 * SEC);
        t_crash(t, "a", 1);
        ck_assert_uint_eq(t_info(t, "a").next_restart_usec - t->now, 200 * MS);
        t_next(t);
        t_spawned(t, "a");
        t_ready(t, "a");
        t_advance(t, 5 * SEC);
        t_crash(t, "a", 1);
        ck_assert_uint_eq(t_info(t, "a").next_restart_usec - t->now, 100 * MS);
        t_free(t);
}
END_TEST

START_TEST(test_sidecar_follows_primary)
{
        SpecBuilder b;
        T *t;
        StewardChildSpec *sc;

        sb_init(&b);
        sb_notify(&b, "api", NULL);
        sc = sb_child(&b, "proxy", NULL);
        steward_child_spec_apply_role(sc, STEWARD_ROLE_SIDECAR);
        sc->sidecar_of = g_strdup("api");
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "api");
        t_ready(t, "api");
        t_spawned(t, "proxy");
        g_free(t_take(t));

        /* Primary dies: the sidecar is stopped with it (not a failure). */
        t_crash(t, "api", 1);
        t_expect(t, "child_exited api 0 failure, STOP api 0, STOP proxy 0, child_backoff_scheduled api 0");
        t_crash(t, "proxy", 0);
        t_expect(t, "child_exited proxy 0 stop, child_control_stop_completed proxy 0");
        ck_assert_str_eq(t_state(t, "proxy"), "stopped");
        /* It comes back once the primary is up again. */
        t_next(t);
        t_spawned(t, "api");
        t_expect(t, "child_restarting api 1, child_starting api 1, SPAWN api 1, child_started api 1");
        t_ready(t, "api");
        t_expect(t, "child_ready api 1, child_restarting proxy 1, child_starting proxy 1, SPAWN proxy 1");
        t_spawned(t, "proxy");

        /* Stopping the primary stops the sidecar too. */
        g_free(t_take(t));
        (void) t_cmd(t, STEWARD_COMMAND_STOP, "api", "s1");
        t_expect(t, "child_control_cancel_delivered api 1, STOP api 1");
        t_exited(t, "api", KILLED, SIGTERM);
        t_expect(t, "child_exited api 1 stop, STOP proxy 1");
        t_free(t);
}
END_TEST

START_TEST(test_child_budget_counts_for_supervisor)
{
        SpecBuilder b;
        T *t;
        StewardChildSpec *c;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 1;
        sb_root(&b)->restart_period_usec = 60 * SEC;
        sb_root(&b)->escalation = STEWARD_ESCALATION_QUARANTINE;
        c = sb_child(&b, "a", NULL);
        c->restart_intensity = 0; /* no restart at all */
        sb_child(&b, "b", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "b");
        g_free(t_take(t));

        t_crash(t, "a", 1);
        t_expect(t, "child_exited a 0 failure, STOP a 0, child_stopped a 0 given_up");
        ck_assert_str_eq(t_state(t, "a"), "failed");
        ck_assert_str_eq(t_state(t, "b"), "running");
        /* The give-up was one failure for root; b's restart is the second. */
        t_crash(t, "b", 1);
        t_expect(t, "child_exited b 0 failure, STOP b 0, supervisor_intensity_exceeded root b "
                    "escalate_quarantine, "
                    "child_stopped b 0 stop, child_quarantined b 0");
        ck_assert_str_eq(t_state(t, "b"), "quarantined");
        ck_assert_str_eq(t_state(t, "a"), "failed");
        t_free(t);
}
END_TEST

static T *
nested_intensity(StewardEscalation esc, StewardStrategy root_strategy)
{
        SpecBuilder b;
        T *t;
        StewardSupervisorSpec *s;

        sb_init(&b);
        sb_root(&b)->strategy = root_strategy;
        sb_child(&b, "first", NULL);
        s = sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        s->restart_intensity = 1;
        s->restart_period_usec = 10 * SEC;
        s->escalation = esc;
        sb_child(&b, "w1", "web");
        sb_child(&b, "w2", "web");
        sb_child(&b, "last", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "first");
        t_spawned(t, "w1");
        t_spawned(t, "w2");
        t_spawned(t, "last");
        /* One restart is within the intensity. */
        t_crash(t, "w1", 1);
        t_next(t);
        t_spawned(t, "w1");
        g_free(t_take(t));
        return t;
}

START_TEST(test_intensity_escalates_to_parent)
{
        T *t = nested_intensity(STEWARD_ESCALATION_PARENT, STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardSupervisorInfo si;

        t_exited(t, "w1", EXITED, 1);
        /* web stops its members in reverse order: w2 first, then w1's leftovers. */
        t_expect(t, "child_exited w1 1 failure, STOP w1 1, supervisor_intensity_exceeded web w1 "
                    "escalate_parent, "
                    "STOP w2 0");
        ck_assert(steward_engine_get_supervisor(t->e, "web", &si));
        ck_assert_str_eq(steward_supervisor_state_to_string(si.state), "failing");
        t_gone(t, "w1"); /* out of order: w2 is still waited for */
        t_expect(t, "child_stopped w1 1 stop");
        t_crash(t, "w2", 0);
        /* root restarts web (one-for-one): its members start afresh in order. */
        t_expect(t, "child_exited w2 0 stop, child_control_stop_completed w2 0, child_stopped w2 0 stop, "
                    "supervisor_restarting web one-for-one, child_restarting w1 2, child_starting w1 2, "
                    "SPAWN w1 2, "
                    "child_restarting w2 1, child_starting w2 1, SPAWN w2 1");
        ck_assert_str_eq(t_state(t, "first"), "running");
        ck_assert_str_eq(t_state(t, "last"), "running");
        t_free(t);
}
END_TEST

START_TEST(test_intensity_escalates_to_parent_strategy)
{
        T *t = nested_intensity(STEWARD_ESCALATION_PARENT, STEWARD_STRATEGY_REST_FOR_ONE);

        t_crash(t, "w1", 1);
        t_crash(t, "w2", 0);
        /* root is rest-for-one: "last" goes too, then web and last restart. */
        t_expect(t, "child_exited w1 1 failure, STOP w1 1, supervisor_intensity_exceeded web w1 "
                    "escalate_parent, "
                    "STOP w2 0, child_stopped w1 1 stop, child_exited w2 0 stop, "
                    "child_control_stop_completed w2 0, "
                    "child_stopped w2 0 stop, supervisor_restarting root web rest-for-one, STOP last 0");
        t_crash(t, "last", 0);
        t_expect(t,
                 "child_exited last 0 stop, child_control_stop_completed last 0, child_restarting w1 2, "
                 "child_starting w1 2, SPAWN w1 2, child_restarting w2 1, child_starting w2 1, SPAWN w2 1, "
                 "child_restarting last 1, child_starting last 1, SPAWN last 1");
        ck_assert_uint_eq(t_gen(t, "first"), 0);
        t_free(t);
}
END_TEST

START_TEST(test_intensity_escalates_to_shutdown)
{
        T *t = nested_intensity(STEWARD_ESCALATION_SHUTDOWN, STEWARD_STRATEGY_ONE_FOR_ONE);

        t_crash(t, "w1", 1);
        t_crash(t, "w2", 0);
        t_expect(t, "child_exited w1 1 failure, STOP w1 1, supervisor_intensity_exceeded web w1 "
                    "escalate_shutdown, "
                    "STOP w2 0, child_stopped w1 1 stop, child_exited w2 0 stop, "
                    "child_control_stop_completed w2 0, "
                    "child_stopped w2 0 stop, tree_shutdown_started web escalate_shutdown, STOP last 0");
        t_crash(t, "last", 0);
        t_crash(t, "first", 0);
        ck_assert_int_eq(t->exit_code, 1);
        t_free(t);
}
END_TEST

START_TEST(test_root_gives_up)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 0;
        sb_child(&b, "a", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        g_free(t_take(t));
        t_crash(t, "a", 1);
        t_expect(t,
                 "child_exited a 0 failure, STOP a 0, supervisor_intensity_exceeded root a escalate_parent, "
                 "child_stopped a 0 stop, tree_shutdown_started root escalate_shutdown, "
                 "tree_shutdown_completed root clean, EXIT 1");
        t_free(t);
}
END_TEST

START_TEST(test_intensity_quarantine_and_resume)
{
        T *t = nested_intensity(STEWARD_ESCALATION_QUARANTINE, STEWARD_STRATEGY_ONE_FOR_ALL);
        StewardCommandOutcome o;
        StewardSupervisorInfo si;

        t_crash(t, "w1", 1);
        t_crash(t, "w2", 0);
        t_expect(t, "child_exited w1 1 failure, STOP w1 1, supervisor_intensity_exceeded web w1 "
                    "escalate_quarantine, "
                    "STOP w2 0, child_stopped w1 1 stop, child_exited w2 0 stop, "
                    "child_control_stop_completed w2 0, "
                    "child_stopped w2 0 stop, child_quarantined w1 1, child_quarantined w2 0");
        ck_assert_str_eq(t_state(t, "w1"), "quarantined");
        ck_assert(steward_engine_get_supervisor(t->e, "web", &si));
        ck_assert_str_eq(steward_supervisor_state_to_string(si.state), "quarantined");
        /* Held: not even a command starts a member. */
        o = t_cmd(t, STEWARD_COMMAND_START, "w1", "c1");
        ck_assert_str_eq(dec(o.decision), "blocked_by_quarantine");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_expect(t, "command_completed web w1 1 blocked_by_quarantine");

        o = t_cmd(t, STEWARD_COMMAND_RESUME_SUPERVISOR, "web", "c2");
        ck_assert_str_eq(dec(o.decision), "resumed");
        ck_assert_str_eq(steward_supervisor_state_to_string(o.supervisor_state), "running");
        t_expect(
                t,
                "supervisor_restarting web resumed, child_restarting w1 2, child_starting w1 2, SPAWN w1 2, "
                "child_restarting w2 1, child_starting w2 1, SPAWN w2 1");
        o = t_cmd(t, STEWARD_COMMAND_RESUME_SUPERVISOR, "web", "c3");
        ck_assert_str_eq(dec(o.decision), "not_quarantined");
        ck_assert(o.idempotent);
        t_free(t);
}
END_TEST

START_TEST(test_restart_fence_queued_after_stop)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;
        const StewardAction *a;

        o = t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-1");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        ck_assert(o.cancel_delivered);
        ck_assert(!o.idempotent);
        ck_assert_uint_eq(o.generation, 0);
        ck_assert_uint_eq(o.target_generation, 1);
        ck_assert_str_eq(steward_child_state_to_string(o.state), "stopping");
        /* The events carry the command. */
        a = &g_array_index(t->out, StewardAction, 0);
        ck_assert_str_eq(a->event.command_id, "r-1");
        ck_assert_str_eq(a->event.actor_comm, "stewardctl");
        ck_assert_uint_eq(a->event.actor_uid, 1000);
        ck_assert_uint_eq(a->event.target_generation, 1);
        t_expect(t, "child_restart_fence_entered b 0 queued_after_stop, child_control_cancel_delivered b 0, "
                    "STOP b 0");

        /* Merged, counted, nothing delivered again. */
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-2");
        ck_assert_str_eq(dec(o.decision), "already_pending");
        ck_assert(o.idempotent);
        ck_assert(!o.cancel_delivered);
        ck_assert_uint_eq(o.merged, 1);
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-3");
        ck_assert_uint_eq(o.merged, 2);
        t_expect(t,
                 "child_restart_conflict b 0 already_pending, command_completed root b 0 already_pending, "
                 "child_restart_conflict b 0 already_pending, command_completed root b 0 already_pending");

        /* The main process is gone but the scope is not: still fenced. */
        t_exited(t, "b", KILLED, SIGTERM);
        t_expect(t, "child_exited b 0 stop");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "b").fence_state), "stopping_old");
        t_gone(t, "b");
        t_expect(t, "child_control_stop_completed b 0, child_restarting b 1, "
                    "child_starting b 1, SPAWN b 1");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "b").fence_state), "idle");
        /* A commanded restart is not an automatic one. */
        ck_assert_uint_eq(t_info(t, "b").restart_count, 0);
        t_free(t);
}
END_TEST

START_TEST(test_restart_fence_abort)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;

        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        g_free(t_take(t));
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        t_advance(t, 5 * SEC);
        t_expect(t, "child_restart_fence_abort_requested a 0, KILL a 0");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "a").fence_state), "aborting_old");
        t_exited(t, "a", KILLED, SIGKILL);
        t_expect(t, "child_exited a 0 stop");
        /* Even after the abort, the next waits for the scope to be empty. */
        ck_assert_str_eq(t_state(t, "a"), "stopping");
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 0, child_restarting a 1, "
                    "child_starting a 1, SPAWN a 1");
        (void) o;
        t_free(t);
}
END_TEST

START_TEST(test_restart_started_immediately)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;

        (void) t_cmd(t, STEWARD_COMMAND_STOP, "a", "s-1");
        t_crash(t, "a", 0);
        g_free(t_take(t));
        ck_assert_str_eq(t_state(t, "a"), "stopped");
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert_str_eq(dec(o.decision), "started_immediately");
        ck_assert(!o.cancel_delivered);
        /* The new incarnation is not there yet: the answer shows the last. */
        ck_assert_uint_eq(o.generation, 0);
        ck_assert_uint_eq(o.attempt, 1);
        ck_assert_uint_eq(o.target_generation, 1);
        ck_assert_str_eq(steward_child_state_to_string(o.state), "starting");
        t_expect(t, "child_restarting a 1, child_starting a 1, SPAWN a 1");
        t_free(t);
}
END_TEST

START_TEST(test_restart_conflict_runtime_policy)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;
        const StewardAction *a;

        /* The main process crashed; its leftovers are being stopped and
         * the policy would restart it: the command takes over. */
        t_exited(t, "a", EXITED, 1);
        g_free(t_take(t));
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        ck_assert(!o.cancel_delivered); /* the stop was already on its way */
        a = &g_array_index(t->out, StewardAction, 0);
        ck_assert_str_eq(a->event.command_id, "r-1");
        t_expect(t, "child_restart_conflict a 0 runtime_policy, child_restart_fence_entered a 0 "
                    "queued_after_stop");
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 0, child_restarting a 1, "
                    "child_starting a 1, SPAWN a 1");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);

        /* Restart pending while a watchdog-killed incarnation fails. */
        t_spawned(t, "b");
        g_free(t_take(t));
        t_free(t);
}
END_TEST

START_TEST(test_restart_conflict_while_pending)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "a", NULL)->timeout_start_usec = SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        /* Restart requested while the spawn is in flight: the stop waits. */
        StewardCommandOutcome o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        ck_assert(!o.cancel_delivered);
        g_free(t_take(t));
        t_spawned(t, "a");
        t_expect(t, "child_started a 0, child_control_cancel_delivered a 0, STOP a 0");
        t_crash(t, "a", 0);
        t_expect(t, "child_exited a 0 stop, child_control_stop_completed a 0, "
                    "child_restarting a 1, child_starting a 1, SPAWN a 1");
        /* Start timeout forces a failure; a restart command during its
         * stop suppresses the automatic restart. */
        t_spawned(t, "a");
        t_advance(t, SEC);
        t_expect(t, "child_started a 1, child_restart_fence_released a 1, child_start_timeout a 1 failure, "
                    "STOP a 1");
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-2");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        t_expect(t, "child_restart_fence_entered a 1 queued_after_stop");
        t_exited(t, "a", KILLED, SIGTERM);
        t_expect(t, "child_exited a 1 failure, child_restart_conflict a 1 runtime_policy");
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 1, child_restarting a 2, "
                    "child_starting a 2, SPAWN a 2");
        t_free(t);
}
END_TEST

/* The @nth (from 0) event of @kind in the last input's output. */
static const StewardEvent *
t_nth_event(T *t, StewardEventKind kind, guint nth)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);

                if (a->type == STEWARD_ACTION_EVENT && a->event.kind == kind && nth-- == 0)
                        return &a->event;
        }
        ck_abort_msg("no event %s", steward_event_kind_to_string(kind));
        return NULL;
}

/* The command id @ev carries, "" for none. */
static const char *
ev_id(const StewardEvent *ev)
{
        return ev->fields & STEWARD_EVENT_FIELD_COMMAND_ID ? ev->command_id : "";
}

START_TEST(test_restart_merge_recorded)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        const StewardEvent *ev;
        StewardCommandOutcome o;

        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-1");
        g_free(t_take(t));
        /* The duplicate is recorded under the command it merged into, with
         * the count; its own id and reason in command_completed. */
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-2");
        ck_assert_uint_eq(o.merged, 1);
        t_expect(t,
                 "child_restart_conflict b 0 already_pending, command_completed root b 0 already_pending");
        ev = t_nth_event(t, STEWARD_EVENT_CHILD_RESTART_CONFLICT, 0);
        ck_assert_str_eq(ev_id(ev), "r-1");
        ck_assert(ev->fields & STEWARD_EVENT_FIELD_MERGED);
        ck_assert_uint_eq(ev->merged, 1);
        ck_assert_str_eq(ev->actor_comm, "stewardctl");
        ev = t_nth_event(t, STEWARD_EVENT_COMMAND_COMPLETED, 0);
        ck_assert_str_eq(ev_id(ev), "r-2");
        ck_assert_str_eq(ev->reason, "test");
        ck_assert_str_eq(dec(ev->decision), "already_pending");

        /* A StartChild merges the same way. */
        o = t_cmd(t, STEWARD_COMMAND_START, "b", "s-3");
        ck_assert_str_eq(dec(o.decision), "already_pending");
        ck_assert_uint_eq(o.merged, 2);
        ev = t_nth_event(t, STEWARD_EVENT_CHILD_RESTART_CONFLICT, 0);
        ck_assert_str_eq(ev_id(ev), "r-1");
        ck_assert_uint_eq(ev->merged, 2);
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_COMMAND_COMPLETED, 0)), "s-3");
        g_free(t_take(t));

        /* The merges change nothing of what follows: one restart, under r-1. */
        t_crash(t, "b", 0);
        t_expect(t, "child_exited b 0 stop, child_control_stop_completed b 0, "
                    "child_restarting b 1, child_starting b 1, SPAWN b 1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTING, 0)), "r-1");
        t_free(t);
}
END_TEST

START_TEST(test_restart_conflict_strategy)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ALL);
        const StewardEvent *ev;

        /* b is fenced; a sibling's crash restarts all: b's automatic
         * restart gives way to the command, which the strategy serves. */
        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-1");
        g_free(t_take(t));
        t_exited(t, "a", EXITED, 1);
        t_expect(t, "child_exited a 0 failure, STOP a 0, supervisor_restarting root a one-for-all, "
                    "child_restart_conflict b 0 runtime_policy, STOP c 0");
        ev = t_nth_event(t, STEWARD_EVENT_CHILD_RESTART_CONFLICT, 0);
        ck_assert_str_eq(ev_id(ev), "r-1");
        ck_assert_str_eq(ev->reason, "test");
        /* Once per job, however often its steps pass b. */
        t_gone(t, "a");
        t_crash(t, "c", 0);
        t_expect(t, "child_exited c 0 stop, child_control_stop_completed c 0");
        t_exited(t, "b", KILLED, SIGTERM);
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_EXITED, 0)), "r-1");
        t_gone(t, "b");
        t_expect(t, "child_exited b 0 stop, child_control_stop_completed b 0");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED, 0)), "r-1");
        t_next(t);
        t_expect(t, "child_restarting a 1, child_starting a 1, SPAWN a 1, "
                    "child_restarting b 1, child_starting b 1, SPAWN b 1, child_restarting c 1, "
                    "child_starting c 1, SPAWN c 1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTING, 0)), "");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTING, 1)), "r-1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTING, 2)), "");
        t_spawned(t, "b");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTED, 0)), "r-1");
        t_spawned(t, "c");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTED, 0)), "");
        t_free(t);
}
END_TEST

START_TEST(test_restart_correlated)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "a", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_ready(t, "a");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_READY, 0)), "");
        g_free(t_take(t));

        /* Every event the restart causes carries r-1, the old
         * incarnation's end and the new one's start and readiness too. */
        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        g_free(t_take(t));
        t_exited(t, "a", KILLED, SIGTERM);
        t_expect(t, "child_exited a 0 stop");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_EXITED, 0)), "r-1");
        t_gone(t, "a");
        g_free(t_take(t));
        t_spawned(t, "a");
        t_expect(t, "child_started a 1, child_restart_fence_released a 1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTED, 0)), "r-1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED, 0)), "r-1");
        t_ready(t, "a");
        t_expect(t, "child_ready a 1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_READY, 0)), "r-1");

        /* An automatic restart after it carries none. */
        t_crash(t, "a", 1);
        g_free(t_take(t));
        t_next(t);
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTING, 0)), "");
        t_spawned(t, "a");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STARTED, 0)), "");

        /* A stop's exit and rest carry the stop's id. */
        (void) t_cmd(t, STEWARD_COMMAND_STOP, "a", "s-1");
        t_exited(t, "a", KILLED, SIGTERM);
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_EXITED, 0)), "s-1");
        t_gone(t, "a");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STOPPED, 0)), "s-1");

        /* A crash is no command's. */
        (void) t_cmd(t, STEWARD_COMMAND_START, "a", "s-2");
        t_spawned(t, "a");
        t_exited(t, "a", EXITED, 1);
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_EXITED, 0)), "");
        t_free(t);
}
END_TEST

START_TEST(test_idempotent_command_recorded)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        const StewardEvent *ev;
        StewardCommandOutcome o;

        o = t_cmd(t, STEWARD_COMMAND_START, "a", "cmd-1");
        ck_assert_str_eq(dec(o.decision), "already_running");
        t_expect(t, "command_completed root a 0 already_running");
        ev = t_nth_event(t, STEWARD_EVENT_COMMAND_COMPLETED, 0);
        ck_assert_str_eq(ev_id(ev), "cmd-1");
        ck_assert_str_eq(ev->reason, "test");
        ck_assert_str_eq(ev->actor_comm, "stewardctl");
        ck_assert_uint_eq(ev->actor_uid, 1000);
        ck_assert_str_eq(ev->child, "a");
        ck_assert_str_eq(dec(ev->decision), "already_running");
        ck_assert_str_eq(steward_event_kind_to_string(ev->kind), "command_completed");

        /* A supervisor's command, and one with an event of its own: none. */
        o = t_cmd(t, STEWARD_COMMAND_RESUME_SUPERVISOR, "root", "cmd-2");
        ck_assert_str_eq(dec(o.decision), "not_quarantined");
        t_expect(t, "command_completed root not_quarantined");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_COMMAND_COMPLETED, 0)), "cmd-2");
        (void) t_cmd(t, STEWARD_COMMAND_STOP, "a", "cmd-3");
        t_expect(t, "child_control_cancel_delivered a 0, STOP a 0");
        t_free(t);
}
END_TEST

START_TEST(test_shutdown_correlated)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);

        /* Each child's end and rest belong to the ShutdownTree. */
        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "sd-1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_TREE_SHUTDOWN_STARTED, 0)), "sd-1");
        g_free(t_take(t));
        t_exited(t, "c", KILLED, SIGTERM);
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_EXITED, 0)), "sd-1");
        t_gone(t, "c");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STOPPED, 0)), "sd-1");
        t_crash(t, "b", 0);
        t_crash(t, "a", 0);
        t_expect(
                t,
                "child_exited c 0 stop, child_control_stop_completed c 0, child_stopped c 0 stop, STOP b 0, "
                "child_exited b 0 stop, child_control_stop_completed b 0, "
                "child_stopped b 0 stop, STOP a 0, child_exited a 0 stop, child_control_stop_completed a 0, "
                "child_stopped a 0 stop, tree_shutdown_completed root clean, EXIT 0");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_STOPPED, 0)), "sd-1");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED, 0)), "sd-1");
        t_free(t);
}
END_TEST

START_TEST(test_stale_reports)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        const StewardAction *a;

        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        t_crash(t, "a", 0);
        t_spawned(t, "a");
        g_free(t_take(t));
        ck_assert_uint_eq(t_gen(t, "a"), 1);

        /* Late reports about generation 0: recorded, nothing else. */
        t_exited_gen(t, "a", 0, EXITED, 1);
        a = &g_array_index(t->out, StewardAction, 0);
        ck_assert_uint_eq(a->event.generation, 0);
        ck_assert_str_eq(a->event.reason, "exited");
        ck_assert_uint_eq(t->out->len, 1);
        t_gone_gen(t, "a", 0);
        t_spawned_gen(t, "a", 0);
        t_begin(t);
        steward_engine_child_ready(t->e, "a", 0, t->now, t->out);
        steward_engine_child_status(t->e, "a", 0, "old", t->now, t->out);
        t_end(t);
        /* A report from the future is stale as well. */
        t_gone_gen(t, "a", 7);
        t_expect(t, "child_attempt_stale_report a 0, child_attempt_stale_report a 0, "
                    "child_attempt_stale_report a 0, "
                    "child_attempt_stale_report a 0, child_attempt_stale_report a 0, "
                    "child_attempt_stale_report a 7");
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert_int_eq(t_info(t, "a").last_exit_status, 0);
        ck_assert_uint_eq(t_gen(t, "a"), 1);

        /* A second exit report of the same incarnation is stale too. */
        t_exited(t, "a", EXITED, 1);
        g_free(t_take(t));
        t_exited(t, "a", EXITED, 2);
        t_expect(t, "child_attempt_stale_report a 1");
        ck_assert_int_eq(t_info(t, "a").last_exit_status, 1);

        /* Unknown children are ignored. */
        t_begin(t);
        steward_engine_child_gone(t->e, "nobody", 0, t->now, t->out);
        t_end(t);
        t_expect(t, "");
        t_free(t);
}
END_TEST

START_TEST(test_spawn_failure_keeps_verdict)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardChildInfo info;

        t_exited(t, "a", KILLED, SIGSEGV);
        t_gone(t, "a");
        t_next(t);
        g_free(t_take(t));
        t_spawn_failed(t, "a", "exec '/bin/a': No such file or directory");
        /* The failed spawn names the generation it would have had; what
         * follows names the last incarnation that ran. */
        t_expect(t, "child_spawn_failed a 1, child_backoff_scheduled a 0");
        info = t_info(t, "a");
        ck_assert_int_eq(info.last_exit_code, KILLED);
        ck_assert_int_eq(info.last_exit_status, SIGSEGV);
        ck_assert_str_eq(info.last_spawn_error, "exec '/bin/a': No such file or directory");
        ck_assert_str_eq(steward_child_state_to_string(info.state), "backoff");
        /* Second consecutive failure: the delay doubled. */
        ck_assert_uint_eq(info.next_restart_usec - t->now, 200 * MS);
        /* A spawn that failed took no generation and no attempt. */
        ck_assert_uint_eq(info.generation, 0);
        ck_assert_uint_eq(info.attempt, 1);
        t_next(t);
        t_expect(t, "child_restarting a 1, child_starting a 1, SPAWN a 1");
        t_spawned(t, "a");
        info = t_info(t, "a");
        ck_assert_uint_eq(info.generation, 1);
        ck_assert_uint_eq(info.attempt, 2);
        ck_assert_str_eq(info.last_spawn_error, "");
        t_free(t);
}
END_TEST

static StewardChildSave t_save(T *t, const char *name);

/* The STATE_CHANGED of @child in the last input's output; 0 when none. */
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

/* FenceWaits and FenceWaitUSec: one wait per fence entered (a merged restart
 * is none), timed from child_restart_fence_entered to
 * child_restart_fence_released, growing while it lasts; a fence the failed
 * spawn abandoned ends there. */
START_TEST(test_fence_wait_counted)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardChildInfo info;

        info = t_info(t, "b");
        ck_assert_uint_eq(info.fence_waits, 0);
        ck_assert(!info.fence_waiting);
        ck_assert_uint_eq(steward_child_fence_wait_usec(&info, t->now), 0);

        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-1");
        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-2");
        g_free(t_take(t));
        info = t_info(t, "b");
        ck_assert_uint_eq(info.fence_waits, 1);
        ck_assert(info.fence_waiting);
        t_advance(t, 2 * SEC);
        info = t_info(t, "b");
        ck_assert_uint_eq(steward_child_fence_wait_usec(&info, t->now), 2 * SEC);
        t_exited(t, "b", KILLED, SIGTERM);
        t_advance(t, 1 * SEC);
        t_gone(t, "b");
        g_free(t_take(t));
        /* Gone, but the next incarnation does not exist yet: still fenced. */
        t->now += SEC / 2;
        t_spawned(t, "b");
        t_expect(t, "child_started b 1, child_restart_fence_released b 1");
        info = t_info(t, "b");
        ck_assert(!info.fence_waiting);
        ck_assert_uint_eq(info.fence_waits, 1);
        ck_assert_uint_eq(steward_child_fence_wait_usec(&info, t->now + 60 * SEC), 3 * SEC + SEC / 2);
        /* The others were never fenced. */
        info = t_info(t, "a");
        ck_assert_uint_eq(info.fence_waits, 0);
        ck_assert_uint_eq(steward_child_fence_wait_usec(&info, t->now), 0);

        /* A second fence, abandoned by a failed spawn: its wait ends with it. */
        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r-3");
        t_exited(t, "b", KILLED, SIGTERM);
        t->now += SEC;
        t_gone(t, "b");
        t_spawn_failed(t, "b", "exec '/bin/b': No such file or directory");
        g_free(t_take(t));
        info = t_info(t, "b");
        ck_assert(!info.fence_waiting);
        ck_assert_uint_eq(info.fence_waits, 2);
        ck_assert_uint_eq(steward_child_fence_wait_usec(&info, t->now + 60 * SEC), 4 * SEC + SEC / 2);
        t_free(t);
}
END_TEST

/* A commanded restart whose spawn fails (the executable vanished while the
 * old incarnation drained): no generation, no attempt, no fence release;
 * the policy retries, and the retry gets the generation the failed spawn
 * would have had. */
START_TEST(test_fenced_spawn_failure)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;
        StewardChildInfo info;
        guint changed;

        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        ck_assert_uint_eq(o.target_generation, 1);
        g_free(t_take(t));
        t_exited(t, "a", KILLED, SIGTERM);
        g_free(t_take(t));
        t_gone(t, "a");
        /* The fence is released only once the new incarnation exists. */
        t_expect(t, "child_control_stop_completed a 0, child_restarting a 1, child_starting a 1, SPAWN a 1");
        ck_assert_uint_eq(t_gen(t, "a"), 0);
        ck_assert_uint_eq(t_info(t, "a").attempt, 1);

        t_spawn_failed(t, "a", "exec '/bin/a': No such file or directory");
        t_expect(t, "child_spawn_failed a 1, child_backoff_scheduled a 0");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_SPAWN_FAILED, 0)), "r-1");
        changed = t_child_changed(t, "a");
        ck_assert(changed & STEWARD_PROPERTY_LAST_SPAWN_ERROR);
        ck_assert(!(changed &
                    (STEWARD_PROPERTY_GENERATION | STEWARD_PROPERTY_ATTEMPT | STEWARD_PROPERTY_LAST_EXIT)));
        info = t_info(t, "a");
        ck_assert_uint_eq(info.generation, 0);
        ck_assert_uint_eq(info.attempt, 1);
        ck_assert_int_eq(info.last_exit_code, KILLED);
        ck_assert_int_eq(info.last_exit_status, SIGTERM);
        ck_assert_str_eq(info.last_spawn_error, "exec '/bin/a': No such file or directory");
        ck_assert_str_eq(steward_child_state_to_string(info.state), "backoff");
        /* The state file names the last incarnation that ran, and the failure. */
        ck_assert_str_eq(t_save(t, "a").spawn_error, "exec '/bin/a': No such file or directory");
        ck_assert(!t_save(t, "a").alive);
        ck_assert_uint_eq(t_save(t, "a").generation, 0);
        ck_assert_uint_eq(t_save(t, "a").next_generation, 1);

        /* The policy's retry: the same generation, now for real; the
         * command's fence went with the failed spawn. */
        t_next(t);
        t_expect(t, "child_restarting a 1, child_starting a 1, SPAWN a 1");
        t_spawned(t, "a");
        t_expect(t, "child_started a 1");
        info = t_info(t, "a");
        ck_assert_uint_eq(info.generation, 1);
        ck_assert_uint_eq(info.attempt, 2);
        ck_assert_str_eq(info.last_spawn_error, "");
        ck_assert(t_child_changed(t, "a") & STEWARD_PROPERTY_LAST_SPAWN_ERROR);
        t_free(t);
}
END_TEST

/* A restart commanded while the first spawn is in flight, which then
 * fails: the fence spawns the same generation again at once, never two
 * at a time, and releases once that one exists. */
START_TEST(test_spawn_failure_with_restart_pending)
{
        SpecBuilder b;
        T *t;
        StewardCommandOutcome o;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_expect(t, "child_starting a 0, SPAWN a 0");
        ck_assert_uint_eq(t_info(t, "a").attempt, 0);
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        ck_assert_uint_eq(o.generation, 0);
        ck_assert_uint_eq(o.attempt, 0);
        g_free(t_take(t));
        t_spawn_failed(t, "a", "chdir '/srv/a': No such file or directory");
        t_expect(t, "child_spawn_failed a 0, child_restarting a 0, child_starting a 0, SPAWN a 0");
        ck_assert_uint_eq(t_info(t, "a").attempt, 0);
        ck_assert_uint_eq(t->n_spawns, 2);
        t_spawned(t, "a");
        t_expect(t, "child_started a 0, child_restart_fence_released a 0");
        ck_assert_str_eq(ev_id(t_nth_event(t, STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED, 0)), "r-1");
        ck_assert_uint_eq(t_info(t, "a").attempt, 1);
        t_free(t);
}
END_TEST

START_TEST(test_commands_stop_start_pause_resume)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;
        g_autoptr(GError) error = NULL;
        StewardCommand bad = { .kind = STEWARD_COMMAND_STOP, .target = "nope", .command_id = "x" };

        o = t_cmd(t, STEWARD_COMMAND_START, "a", "1");
        ck_assert_str_eq(dec(o.decision), "already_running");
        ck_assert(o.idempotent);

        o = t_cmd(t, STEWARD_COMMAND_STOP, "a", "2");
        ck_assert_str_eq(dec(o.decision), "stop_delivered");
        ck_assert(o.cancel_delivered);
        o = t_cmd(t, STEWARD_COMMAND_STOP, "a", "3");
        ck_assert_str_eq(dec(o.decision), "already_stopping");
        ck_assert(o.idempotent);
        t_crash(t, "a", 0);
        t_expect(t,
                 "command_completed root a 0 already_running, child_control_cancel_delivered a 0, STOP a 0, "
                 "command_completed root a 0 already_stopping, child_exited a 0 stop, "
                 "child_control_stop_completed a 0, child_stopped a 0 stop");
        o = t_cmd(t, STEWARD_COMMAND_STOP, "a", "4");
        ck_assert_str_eq(dec(o.decision), "already_stopped");
        ck_assert(o.idempotent);
        o = t_cmd(t, STEWARD_COMMAND_START, "a", "5");
        ck_assert_str_eq(dec(o.decision), "started_immediately");
        t_expect(t, "command_completed root a 0 already_stopped, child_starting a 1, SPAWN a 1");
        t_spawned(t, "a");

        o = t_cmd(t, STEWARD_COMMAND_PAUSE, "a", "6");
        ck_assert_str_eq(dec(o.decision), "paused");
        ck_assert(o.cancel_delivered);
        o = t_cmd(t, STEWARD_COMMAND_PAUSE, "a", "7");
        ck_assert(o.idempotent);
        t_crash(t, "a", 0);
        ck_assert_str_eq(t_state(t, "a"), "paused");
        o = t_cmd(t, STEWARD_COMMAND_PAUSE, "a", "8");
        ck_assert_str_eq(dec(o.decision), "already_paused");
        ck_assert(o.idempotent);
        o = t_cmd(t, STEWARD_COMMAND_RESUME, "b", "9");
        ck_assert_str_eq(dec(o.decision), "not_paused");
        ck_assert(o.idempotent);
        g_free(t_take(t));
        o = t_cmd(t, STEWARD_COMMAND_RESUME, "a", "10");
        ck_assert_str_eq(dec(o.decision), "resumed");
        t_expect(t, "child_resumed a 1, child_starting a 2, SPAWN a 2");

        /* In backoff: stop cancels the pending restart at once. */
        t_crash(t, "c", 1);
        g_free(t_take(t));
        o = t_cmd(t, STEWARD_COMMAND_STOP, "c", "11");
        ck_assert_str_eq(dec(o.decision), "stopped_immediately");
        t_expect(t, "child_stopped c 0 stop");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);

        ck_assert(!steward_engine_command(t->e, &bad, t->now, t->out, &o, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD));
        t_free(t);
}
END_TEST

START_TEST(test_stop_during_strategy_restart)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ALL);
        StewardCommandOutcome o;

        t_crash(t, "a", 1);
        /* c is being stopped by the strategy; stopping it for good holds. */
        o = t_cmd(t, STEWARD_COMMAND_STOP, "c", "s");
        ck_assert_str_eq(dec(o.decision), "stop_delivered");
        ck_assert(!o.cancel_delivered);
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r");
        ck_assert_str_eq(dec(o.decision), "already_pending");
        t_crash(t, "c", 0);
        t_crash(t, "b", 0);
        g_free(t_take(t));
        t_next(t);
        t_expect(t, "child_restarting a 1, child_starting a 1, SPAWN a 1, child_restarting b 1, "
                    "child_starting b 1, SPAWN b 1");
        ck_assert_str_eq(t_state(t, "c"), "stopped");
        t_free(t);
}
END_TEST

START_TEST(test_state_changed)
{
        SpecBuilder b;
        T *t;
        const StewardAction *a;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        /* child (state), root (state), manager (state). */
        guint n = 0;
        for (guint i = 0; i < t->out->len; i++) {
                a = &g_array_index(t->out, StewardAction, i);
                if (a->type != STEWARD_ACTION_STATE_CHANGED)
                        continue;
                n++;
                if (a->child) {
                        ck_assert_str_eq(a->child, "a");
                        ck_assert_uint_eq(a->changed, STEWARD_PROPERTY_STATE);
                }
        }
        ck_assert_uint_eq(n, 3);
        t_spawned(t, "a");
        a = &g_array_index(t->out, StewardAction, t->out->len - 1);
        ck_assert_uint_eq(a->type, STEWARD_ACTION_STATE_CHANGED);
        /* Attempt is the incarnation's once it exists. */
        ck_assert_uint_eq(a->changed, STEWARD_PROPERTY_STATE | STEWARD_PROPERTY_ATTEMPT |
                                              STEWARD_PROPERTY_MAIN_PID | STEWARD_PROPERTY_READY);
        /* Nothing observable changed: no STATE_CHANGED. */
        t_begin(t);
        steward_engine_child_ready(t->e, "a", 0, t->now, t->out);
        t_end(t);
        ck_assert_uint_eq(t->out->len, 0);
        t_free(t);
}
END_TEST

START_TEST(test_event_table)
{
        StewardEventKind k;
        StewardDecision d;
        StewardExitCode code;
        int status;

        for (guint i = 0; i < _STEWARD_EVENT_KIND_MAX; i++) {
                const char *name = steward_event_kind_to_string(i);
                ck_assert_ptr_nonnull(name);
                ck_assert(steward_event_kind_from_string(name, &k));
                ck_assert_uint_eq(k, i);
                ck_assert_int_ge(steward_event_kind_severity(i), STEWARD_SEVERITY_ERROR);
                ck_assert_int_le(steward_event_kind_severity(i), STEWARD_SEVERITY_INFO);
        }
        ck_assert_ptr_null(steward_event_kind_to_string(_STEWARD_EVENT_KIND_MAX));
        ck_assert(!steward_event_kind_from_string("child_exploded", &k));
        ck_assert_str_eq(steward_event_kind_to_string(STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT),
                         "child_attempt_stale_report");
        ck_assert_int_eq(steward_event_kind_severity(STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED),
                         STEWARD_SEVERITY_ERROR);
        for (guint i = 1; i < _STEWARD_DECISION_MAX; i++) {
                ck_assert(steward_decision_from_string(steward_decision_to_string(i), &d));
                ck_assert_uint_eq(d, i);
        }
        ck_assert(!steward_decision_from_string("", &d));
        steward_exit_code_from_wait_status(75 << 8, &code, &status);
        ck_assert_str_eq(steward_exit_code_to_string(code), "exited");
        ck_assert_int_eq(status, 75);
        steward_exit_code_from_wait_status(SIGKILL, &code, &status);
        ck_assert_str_eq(steward_exit_code_to_string(code), "killed");
        steward_exit_code_from_wait_status(SIGSEGV | 0x80, &code, &status);
        ck_assert_str_eq(steward_exit_code_to_string(code), "dumped");
        ck_assert_int_eq(status, SIGSEGV);
        steward_event_clear(NULL);
        steward_engine_free(NULL);
}
END_TEST

/* The trees of the reload tests: a, b and c under root in that order, each
 * optional, plus what a test sets on top. */
static StewardSpec *
reload_spec(const char *names, const char *argv_of_a)
{
        SpecBuilder b;

        sb_init(&b);
        for (const char *n = names; *n; n++) {
                char name[2] = { *n, '\0' };
                StewardChildSpec *c = g_ascii_isupper(*n)
                                              ? sb_notify(&b, (name[0] = g_ascii_tolower(*n), name), NULL)
                                              : sb_child(&b, name, NULL);

                if (g_str_equal(name, "a") && argv_of_a) {
                        g_strfreev(c->argv);
                        c->argv = g_strsplit(argv_of_a, " ", -1);
                }
        }
        return b.spec;
}

static T *
reload_tree(const char *names)
{
        StewardSpec *spec = reload_spec(names, NULL);
        T *t = t_new(spec, NULL, NULL);

        steward_spec_free(spec);
        t_start(t);
        for (const char *n = names; *n; n++) {
                char name[2] = { g_ascii_tolower(*n), '\0' };
                t_spawned(t, name);
                if (g_ascii_isupper(*n))
                        t_ready(t, name);
        }
        g_free(t_take(t));
        return t;
}

/* Did the last input tell the daemon ChildCount changed? */
static gboolean
child_count_announced(T *t)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);
                if (a->type == STEWARD_ACTION_STATE_CHANGED && !a->child && !a->supervisor &&
                    (a->changed & STEWARD_PROPERTY_CHILD_COUNT))
                        return TRUE;
        }
        return FALSE;
}

START_TEST(test_reload_unchanged)
{
        T *t = reload_tree("ab");
        g_autofree char *r = t_reload(t, reload_spec("ab", NULL));

        ck_assert_str_eq(r, "added ; removed ; changed ");
        t_expect(t, "");
        ck_assert_uint_eq(t->out->len, 0);
        ck_assert_uint_eq(t_gen(t, "a"), 0);
        t_free(t);
}
END_TEST

/* Added children start where the file puts them, a notify child holding
 * the younger ones as at start-up. */
START_TEST(test_reload_adds_in_order)
{
        T *t = reload_tree("a");
        g_autofree char *r = t_reload(t, reload_spec("aBc", NULL));

        ck_assert_str_eq(r, "added b,c; removed ; changed ");
        ck_assert(child_count_announced(t));
        t_expect(t, "child_starting b 0, SPAWN b 0");
        ck_assert_str_eq(t_state(t, "c"), "starting");
        ck_assert_uint_eq(steward_engine_get_n_children(t->e), 3);
        t_spawned(t, "b");
        t_ready(t, "b");
        t_expect(t, "child_started b 0, child_ready b 0, child_starting c 0, SPAWN c 0");
        t_spawned(t, "c");
        ck_assert_str_eq(t_state(t, "c"), "running");
        /* Declaration order for the bus layer. */
        StewardChildInfo info;
        ck_assert(steward_engine_get_child_at(t->e, 1, &info));
        ck_assert_str_eq(info.name, "b");
        t_free(t);
}
END_TEST

/* Removed: stopped through the fence, forgotten once gone. */
START_TEST(test_reload_removes_fenced)
{
        T *t = reload_tree("abc");
        g_autofree char *r = t_reload(t, reload_spec("ac", NULL));
        StewardCommand cmd = {
                .kind = STEWARD_COMMAND_START, .target = "b", .command_id = "x", .reason = "x"
        };
        StewardCommandOutcome o;
        g_autoptr(GError) error = NULL;
        StewardChildInfo info;

        ck_assert_str_eq(r, "added ; removed b; changed ");
        t_expect(t, "child_control_cancel_delivered b 0, STOP b 0");
        ck_assert(!child_count_announced(t));
        ck_assert_str_eq(t_state(t, "b"), "stopping");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "b").fence_state), "stopping_old");
        /* On its way out: no command brings it back. */
        t_begin(t);
        ck_assert(!steward_engine_command(t->e, &cmd, t->now, t->out, &o, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_NO_SUCH_CHILD));
        /* It ignores SIGTERM: TimeoutStopSec= aborts it. */
        t_exited(t, "b", KILLED, SIGTERM);
        t_expect(t, "child_exited b 0 stop");
        t_next(t);
        t_expect(t, "child_restart_fence_abort_requested b 0, KILL b 0");
        t_gone(t, "b");
        t_expect(t, "child_control_stop_completed b 0, child_stopped b 0 stop");
        ck_assert(child_count_announced(t));
        ck_assert(!steward_engine_get_child(t->e, "b", &info));
        ck_assert_uint_eq(steward_engine_get_n_children(t->e), 2);
        /* Late reports about it are ignored. */
        t_gone_gen(t, "b", 0);
        t_expect(t, "");
        /* The rest of the tree is as it was. */
        ck_assert_uint_eq(t_gen(t, "a"), 0);
        ck_assert_uint_eq(t_gen(t, "c"), 0);
        t_crash(t, "c", 1);
        t_next(t);
        t_expect(t, "child_exited c 0 failure, STOP c 0, child_backoff_scheduled c 0, child_restarting c 1, "
                    "child_starting c 1, SPAWN c 1");
        t_free(t);
}
END_TEST

/* A child at rest is forgotten at once, a pending restart called off. */
START_TEST(test_reload_removes_at_rest)
{
        T *t = reload_tree("ab");
        g_autofree char *r1 = NULL, *r2 = NULL;
        StewardChildInfo info;

        t_crash(t, "b", 1);
        t_expect(t, "child_exited b 0 failure, STOP b 0, child_backoff_scheduled b 0");
        r1 = t_reload(t, reload_spec("a", NULL));
        ck_assert_str_eq(r1, "added ; removed b; changed ");
        t_expect(t, "child_stopped b 0 stop");
        ck_assert(!steward_engine_get_child(t->e, "b", &info));
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);

        (void) t_cmd(t, STEWARD_COMMAND_STOP, "a", "stop-a");
        t_crash(t, "a", 0);
        g_free(t_take(t));
        r2 = t_reload(t, reload_spec("", NULL));
        ck_assert_str_eq(r2, "added ; removed a; changed ");
        t_expect(t, "");
        ck_assert_uint_eq(steward_engine_get_n_children(t->e), 0);
        t_free(t);
}
END_TEST

/* Changed: the new keys, and a fenced restart as RestartChild does it. */
START_TEST(test_reload_changed_restarts_fenced)
{
        T *t = reload_tree("ab");
        g_autofree char *r = t_reload(t, reload_spec("ab", "/bin/new --flag"));

        ck_assert_str_eq(r, "added ; removed ; changed a");
        t_expect(t, "child_restart_fence_entered a 0 queued_after_stop, child_control_cancel_delivered a 0, "
                    "STOP a 0");
        ck_assert_str_eq(t_state(t, "a"), "stopping");
        t_exited(t, "a", KILLED, SIGTERM);
        t_expect(t, "child_exited a 0 stop");
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 0, child_restarting a 1, "
                    "child_starting a 1, SPAWN a 1");
        t_spawned(t, "a");
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert_uint_eq(t_info(t, "a").attempt, 2);
        ck_assert_uint_eq(t_gen(t, "b"), 0);
        t_free(t);
}
END_TEST

/* A changed child that is not running is not started by the reload: its
 * next start uses the new keys. */
START_TEST(test_reload_changed_at_rest_waits)
{
        T *t = reload_tree("ab");
        g_autofree char *r = NULL;
        StewardChildSpec *a;
        StewardSpec *spec;

        (void) t_cmd(t, STEWARD_COMMAND_STOP, "a", "stop-a");
        t_crash(t, "a", 0);
        g_free(t_take(t));
        spec = reload_spec("ab", NULL);
        a = g_ptr_array_index(spec->children, 0);
        a->type = STEWARD_CHILD_NOTIFY;
        r = t_reload(t, spec);
        ck_assert_str_eq(r, "added ; removed ; changed a");
        t_expect(t, "");
        ck_assert_str_eq(t_state(t, "a"), "stopped");
        (void) t_cmd(t, STEWARD_COMMAND_START, "a", "start-a");
        t_spawned(t, "a");
        /* Type=notify now: starting until READY=1. */
        ck_assert_str_eq(t_state(t, "a"), "starting");
        t_free(t);
}
END_TEST

/* What cannot be applied in place is refused before anything changes. */
START_TEST(test_reload_refused_untouched)
{
        T *t = reload_tree("ab");
        SpecBuilder b;
        g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *r5 = NULL;
        StewardSpec *spec;

        /* A new supervisor, and a removal and change beside it. */
        sb_init(&b);
        sb_child(&b, "a", NULL)->restart_usec = 1;
        sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        r1 = t_reload(t, b.spec);
        ck_assert_str_eq(r1, "Adding supervisor 'web' needs a restart of stewardd");

        spec = reload_spec("a", NULL);
        sb_root(&(SpecBuilder){ .spec = spec })->strategy = STEWARD_STRATEGY_ONE_FOR_ALL;
        r2 = t_reload(t, spec);
        ck_assert(g_str_has_prefix(r2, "Changing supervisor 'root'"));

        spec = reload_spec("ab", NULL);
        ((StewardChildSpec *) g_ptr_array_index(spec->children, 1))->sidecar_of = g_strdup("a");
        r3 = t_reload(t, spec);
        ck_assert(g_str_has_prefix(r3, "Moving child 'b'"));

        t_expect(t, "");
        ck_assert_uint_eq(steward_engine_get_n_children(t->e), 2);
        ck_assert_str_eq(t_state(t, "b"), "running");
        ck_assert_uint_eq(t_gen(t, "a"), 0);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);

        /* The tree as it was still reloads. */
        r4 = t_reload(t, reload_spec("ab", NULL));
        ck_assert_str_eq(r4, "added ; removed ; changed ");

        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "down");
        g_free(t_take(t));
        r5 = t_reload(t, reload_spec("abc", NULL));
        ck_assert_str_eq(r5, "The tree is shutting down");
        t_free(t);
}
END_TEST

/* Generations go on per name: a child removed and added again never
 * reuses steward-NAME-GEN.scope, and one added back before it was gone
 * starts behind the fence. */
START_TEST(test_reload_readd_keeps_generations)
{
        T *t = reload_tree("ab");
        g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;

        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "b", "r");
        t_crash(t, "b", 0);
        t_spawned(t, "b");
        g_free(t_take(t));
        ck_assert_uint_eq(t_gen(t, "b"), 1);

        r1 = t_reload(t, reload_spec("a", NULL));
        t_crash(t, "b", 0);
        g_free(t_take(t));
        r2 = t_reload(t, reload_spec("ab", NULL));
        ck_assert_str_eq(r2, "added b; removed ; changed ");
        t_expect(t, "child_starting b 2, SPAWN b 2");
        t_spawned(t, "b");
        g_free(t_take(t));
        ck_assert_uint_eq(t_info(t, "b").attempt, 3);

        /* Removed, and back before its incarnation is gone. */
        r3 = t_reload(t, reload_spec("a", NULL));
        t_expect(t, "child_control_cancel_delivered b 2, STOP b 2");
        r4 = t_reload(t, reload_spec("ab", NULL));
        ck_assert_str_eq(r4, "added b; removed ; changed ");
        t_expect(t, "");
        t_exited(t, "b", KILLED, SIGTERM);
        t_gone(t, "b");
        t_expect(t, "child_exited b 2 stop, child_control_stop_completed b 2, "
                    "child_starting b 3, SPAWN b 3");
        t_free(t);
}
END_TEST

/* a, and b its sidecar, each optional, in that order. */
static StewardSpec *
sidecar_reload_spec(gboolean with_a, gboolean with_b)
{
        SpecBuilder b;

        sb_init(&b);
        if (with_a)
                sb_child(&b, "a", NULL)->origin.order = 1;
        if (with_b) {
                StewardChildSpec *sc = sb_child(&b, "b", NULL);

                steward_child_spec_apply_role(sc, STEWARD_ROLE_SIDECAR);
                sc->sidecar_of = g_strdup("a");
                sc->origin.order = 2;
        }
        return b.spec;
}

/* A sidecar removed, then its primary removed and forgotten while the
 * sidecar's incarnation is still on its way out, then both added back as
 * they were: the sidecar comes back where it was, with SidecarOf= the
 * primary's new record, not refused as moved. Found by test-engine-random. */
START_TEST(test_reload_readd_retiring_sidecar)
{
        StewardSpec *spec = sidecar_reload_spec(TRUE, TRUE);
        T *t = t_new(spec, NULL, NULL);
        g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL;

        steward_spec_free(spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "b");
        g_free(t_take(t));

        r1 = t_reload(t, sidecar_reload_spec(TRUE, FALSE));
        ck_assert_str_eq(r1, "added ; removed b; changed ");
        t_expect(t, "child_control_cancel_delivered b 0, STOP b 0");
        r2 = t_reload(t, sidecar_reload_spec(FALSE, FALSE));
        ck_assert_str_eq(r2, "added ; removed a; changed ");
        t_crash(t, "a", 0);
        t_expect(t, "child_control_cancel_delivered a 0, STOP a 0, child_exited a 0 stop, "
                    "child_control_stop_completed a 0, child_stopped a 0 stop");
        ck_assert(!steward_engine_get_child(t->e, "a", &(StewardChildInfo){ 0 }));
        r3 = t_reload(t, sidecar_reload_spec(TRUE, FALSE));
        ck_assert_str_eq(r3, "added a; removed ; changed ");
        t_spawned(t, "a");
        t_expect(t, "child_starting a 1, SPAWN a 1, child_started a 1");
        /* b's old incarnation ignores its stop still. */
        ck_assert_str_eq(t_state(t, "b"), "stopping");
        r4 = t_reload(t, sidecar_reload_spec(TRUE, TRUE));
        ck_assert_str_eq(r4, "added b; removed ; changed ");
        t_expect(t, "");
        t_crash(t, "b", 0);
        t_expect(t,
                 "child_exited b 0 stop, child_control_stop_completed b 0, child_starting b 1, SPAWN b 1");
        t_spawned(t, "b");
        g_free(t_take(t));
        /* A sidecar of the new a: stopped with it. */
        t_crash(t, "a", 1);
        t_expect(t, "child_exited a 1 failure, STOP a 1, STOP b 1, child_backoff_scheduled a 1");
        t_free(t);
}
END_TEST

/* A child added while its supervisor restarts its members comes up with them. */
START_TEST(test_reload_during_strategy_restart)
{
        SpecBuilder b;
        StewardSpec *spec;
        g_autofree char *r = NULL;
        T *t;

        sb_init(&b);
        sb_root(&b)->strategy = STEWARD_STRATEGY_ONE_FOR_ALL;
        sb_child(&b, "a", NULL);
        sb_child(&b, "c", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "c");
        t_crash(t, "a", 1);
        g_free(t_take(t));
        ck_assert_str_eq(t_state(t, "c"), "stopping");

        sb_init(&b);
        sb_root(&b)->strategy = STEWARD_STRATEGY_ONE_FOR_ALL;
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        sb_child(&b, "c", NULL);
        spec = b.spec;
        r = t_reload(t, spec);
        ck_assert_str_eq(r, "added b; removed ; changed ");
        t_expect(t, "");
        t_crash(t, "c", 0);
        t_next(t);
        t_expect(t, "child_exited c 0 stop, child_control_stop_completed c 0, child_restarting a 1, "
                    "child_starting a 1, SPAWN a 1, "
                    "child_starting b 0, SPAWN b 0, child_restarting c 1, child_starting c 1, SPAWN c 1");
        t_free(t);
}
END_TEST

/* ---- live restore ---- */

static T *
adopt_tree(SpecBuilder *b)
{
        T *t = t_new(b->spec, NULL, NULL);

        steward_spec_free(b->spec);
        return t;
}

static const StewardEvent *
t_find_event(T *t, StewardEventKind kind)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);
                if (a->type == STEWARD_ACTION_EVENT && a->event.kind == kind)
                        return &a->event;
        }
        return NULL;
}

/* What the kernel said ended an incarnation goes into child_exited and
 * LastExitCause, and an end without one clears it. */
START_TEST(test_exit_cause)
{
        SpecBuilder b;
        T *t;
        const StewardEvent *ev;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);

        t_start(t);
        t_spawned(t, "a");
        g_free(t_take(t));
        t_begin(t);
        steward_engine_child_exited_with_cause(t->e, "a", 0, STEWARD_EXIT_CODE_KILLED, SIGKILL,
                                               STEWARD_EXIT_CAUSE_OOM_KILL, t->now, t->out);
        t_end(t);
        ev = t_find_event(t, STEWARD_EVENT_CHILD_EXITED);
        ck_assert(ev && (ev->fields & STEWARD_EVENT_FIELD_EXIT));
        ck_assert_int_eq(ev->exit_cause, STEWARD_EXIT_CAUSE_OOM_KILL);
        ck_assert_int_eq(ev->decision, STEWARD_DECISION_FAILURE);
        ck_assert_str_eq(steward_exit_cause_to_string(t_info(t, "a").last_exit_cause), "oom-kill");
        g_free(t_take(t));

        t_gone(t, "a");
        t_next(t);
        t_spawned(t, "a");
        t_exited(t, "a", STEWARD_EXIT_CODE_EXITED, 1);
        ev = t_find_event(t, STEWARD_EVENT_CHILD_EXITED);
        ck_assert_int_eq(ev->exit_cause, STEWARD_EXIT_CAUSE_NONE);
        ck_assert_str_eq(steward_exit_cause_to_string(t_info(t, "a").last_exit_cause), "");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_simple)
{
        SpecBuilder b;
        T *t;
        const StewardAction *a;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_notify(&b, "n", NULL);
        sb_child(&b, "c", NULL);
        t = adopt_tree(&b);

        t_adopt(t, "a", (StewardAdoption){ .generation = 3, .main_pid = 500, .restart_count = 2 });
        /* Properties only: no event, no SPAWN, nothing signalled. */
        t_expect(t, "");
        ck_assert_uint_eq(t->out->len, 1);
        a = &g_array_index(t->out, StewardAction, 0);
        ck_assert_int_eq(a->type, STEWARD_ACTION_STATE_CHANGED);
        ck_assert_str_eq(a->child, "a");
        ck_assert_uint_eq(a->generation, 3);
        ck_assert_uint_eq(a->changed & (STEWARD_PROPERTY_STATE | STEWARD_PROPERTY_GENERATION |
                                        STEWARD_PROPERTY_ATTEMPT | STEWARD_PROPERTY_MAIN_PID |
                                        STEWARD_PROPERTY_READY | STEWARD_PROPERTY_RESTART_COUNT),
                          STEWARD_PROPERTY_STATE | STEWARD_PROPERTY_GENERATION | STEWARD_PROPERTY_ATTEMPT |
                                  STEWARD_PROPERTY_MAIN_PID | STEWARD_PROPERTY_READY |
                                  STEWARD_PROPERTY_RESTART_COUNT);
        ck_assert_str_eq(t_state(t, "a"), "running");
        ck_assert_uint_eq(t_info(t, "a").attempt, 4);
        ck_assert_uint_eq(t_info(t, "a").main_pid, 500);
        ck_assert(t_info(t, "a").ready);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);

        /* The start skips it; the notify sibling holds the next as usual. */
        t_start(t);
        t_expect(t, "child_starting n 0, SPAWN n 0");
        t_spawned(t, "n");
        t_ready(t, "n");
        t_expect(t, "child_started n 0, child_ready n 0, child_starting c 0, SPAWN c 0");
        ck_assert_uint_eq(t->n_spawns, 2);

        /* Reports about it work as for a spawned one; numbering goes on. */
        t_exited(t, "a", EXITED, 1);
        t_expect(t, "child_exited a 3 failure, STOP a 3");
        t_gone(t, "a");
        t_expect(t, "child_backoff_scheduled a 3");
        t_next(t);
        t_expect(t, "child_restarting a 4, child_starting a 4, SPAWN a 4");
        t_spawned(t, "a");
        ck_assert_uint_eq(t_info(t, "a").attempt, 5);
        ck_assert_uint_eq(t_info(t, "a").restart_count, 3);
        t_free(t);
}
END_TEST

START_TEST(test_adopt_attempt_given)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .generation = 3, .attempt = 9, .main_pid = 500 });
        ck_assert_uint_eq(t_info(t, "a").attempt, 9);
        t_start(t);
        t_expect(t, "");
        t_crash(t, "a", 1);
        t_next(t);
        t_expect(t, "child_exited a 3 failure, STOP a 3, child_backoff_scheduled a 3, child_restarting a 4, "
                    "child_starting a 4, SPAWN a 4");
        t_spawned(t, "a");
        ck_assert_uint_eq(t_info(t, "a").attempt, 10);
        t_free(t);
}
END_TEST

START_TEST(test_adopt_notify_not_ready_holds)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->timeout_start_usec = 3 * SEC;
        sb_child(&b, "app", NULL);
        t = adopt_tree(&b);

        t_adopt(t, "db", (StewardAdoption){ .generation = 1, .main_pid = 500 });
        ck_assert_str_eq(t_state(t, "db"), "starting");
        ck_assert(!t_info(t, "db").ready);
        /* TimeoutStartSec= afresh from the adoption. */
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 3 * SEC);
        t->now += SEC;
        t_start(t);
        t_expect(t, "");
        ck_assert_str_eq(t_state(t, "app"), "starting"); /* queued behind db */
        t_ready(t, "db");
        t_expect(t, "child_ready db 1, child_starting app 0, SPAWN app 0");
        ck_assert_str_eq(t_state(t, "db"), "ready");
        t_free(t);

        /* Not ready in time: failure, and the hold is released. */
        sb_init(&b);
        sb_notify(&b, "db", NULL)->timeout_start_usec = 3 * SEC;
        sb_child(&b, "app", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "db", (StewardAdoption){ .generation = 1, .main_pid = 500 });
        t_start(t);
        t_advance(t, 3 * SEC);
        t_expect(t, "child_start_timeout db 1 failure, STOP db 1, child_starting app 0, SPAWN app 0");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_notify_ready_watchdog)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_notify(&b, "db", NULL)->watchdog_usec = 2 * SEC;
        sb_child(&b, "app", NULL);
        t = adopt_tree(&b);

        t_adopt(t, "db", (StewardAdoption){ .generation = 5, .main_pid = 500, .ready = TRUE });
        ck_assert_str_eq(t_state(t, "db"), "ready");
        /* A full interval from the adoption: the grace for the gap. */
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 2 * SEC);
        t_start(t);
        t_expect(t, "child_starting app 0, SPAWN app 0");
        t_advance(t, 1500 * MS);
        t_begin(t);
        steward_engine_child_watchdog(t->e, "db", 5, t->now, t->out);
        t_end(t);
        t_advance(t, 1999 * MS);
        t_expect(t, "");
        t_advance(t, 1 * MS);
        t_expect(t, "child_watchdog_expired db 5 failure, STOP db 5");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_exit_unknown)
{
        SpecBuilder b;
        T *t;
        StewardCommandOutcome o;

        sb_init(&b);
        sb_child(&b, "a", NULL)->restart = STEWARD_RESTART_TRANSIENT;
        sb_child(&b, "b", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .main_pid = 500 });
        t_adopt(t, "b", (StewardAdoption){ .main_pid = 501 });
        t_start(t);
        t_expect(t, "");

        /* On its own: a failure, even for a transient child. */
        t_exited(t, "a", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_exited a 0 failure, STOP a 0");
        ck_assert_str_eq(steward_exit_code_to_string(t_info(t, "a").last_exit_code), "unknown");
        t_gone(t, "a");
        t_expect(t, "child_backoff_scheduled a 0");

        /* After the engine asked it to stop: stop. */
        o = t_cmd(t, STEWARD_COMMAND_STOP, "b", "s-1");
        ck_assert_str_eq(dec(o.decision), "stop_delivered");
        t_expect(t, "child_control_cancel_delivered b 0, STOP b 0");
        t_exited(t, "b", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_exited b 0 stop");
        t_gone(t, "b");
        t_expect(t, "child_control_stop_completed b 0, child_stopped b 0 stop");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_main_gone)
{
        SpecBuilder b;
        T *t;
        const StewardEvent *ev;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .generation = 2, .main_pid = 0 });
        ck_assert_str_eq(t_state(t, "a"), "stopping");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "a").fence_state), "stopping_old");
        ck_assert_uint_eq(t_info(t, "a").main_pid, 0);
        /* Adoption signals nothing; the start stops what is left. */
        t_expect(t, "");
        t->now += SEC;
        t_start(t);
        t_expect(t, "STOP a 2, child_starting b 0, SPAWN b 0");
        ck_assert_int_eq(g_array_index(t->out, StewardAction, 0).signal, SIGTERM);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        /* The exit report cannot come: its main process is gone already. */
        t_exited(t, "a", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_attempt_stale_report a 2");
        /* Gone: judged as an exit with unknown status, then the policy. */
        t_gone(t, "a");
        t_expect(t, "child_exited a 2 failure, child_backoff_scheduled a 2");
        ev = t_find_event(t, STEWARD_EVENT_CHILD_EXITED);
        ck_assert_int_eq(ev->exit_code, STEWARD_EXIT_CODE_UNKNOWN);
        ck_assert(ev->fields & STEWARD_EVENT_FIELD_EXIT);
        ck_assert_str_eq(steward_exit_code_to_string(t_info(t, "a").last_exit_code), "unknown");
        t_next(t);
        t_expect(t, "child_restarting a 3, child_starting a 3, SPAWN a 3");
        t_free(t);

        /* What is left ignores the stop: KILL after TimeoutStopSec=. */
        sb_init(&b);
        sb_child(&b, "a", NULL)->restart = STEWARD_RESTART_TEMPORARY;
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .generation = 2, .main_pid = 0 });
        t_start(t);
        t_expect(t, "STOP a 2");
        t_advance(t, 5 * SEC);
        t_expect(t, "child_restart_fence_abort_requested a 2, KILL a 2");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "a").fence_state), "aborting_old");
        t_gone(t, "a");
        t_expect(t, "child_exited a 2 failure, child_stopped a 2 finished");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_stopping)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .generation = 1, .main_pid = 700, .stopping = TRUE });
        ck_assert_str_eq(t_state(t, "a"), "stopping");
        ck_assert_str_eq(steward_fence_state_to_string(t_info(t, "a").fence_state), "stopping_old");
        /* The stop timeout runs afresh from the adoption. */
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), t->now + 5 * SEC);
        t_start(t);
        /* Recorded as delivered, but the previous stewardd may have died
         * before the manager had it: asked again, announced once. */
        t_expect(t, "STOP a 1");
        t_advance(t, 5 * SEC);
        t_expect(t, "child_restart_fence_abort_requested a 1, KILL a 1");
        t_exited(t, "a", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_exited a 1 stop");
        /* Its reason went with the previous daemon: supervised, it comes back. */
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 1, child_restarting a 2, child_starting a 2, SPAWN a 2");
        ck_assert_uint_eq(t_info(t, "a").restart_count, 1);
        t_free(t);

        /* Main process gone too: judged stop when gone. */
        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .generation = 1, .stopping = TRUE });
        t_start(t);
        t_expect(t, "STOP a 1");
        t_gone(t, "a");
        t_expect(t, "child_exited a 1 stop, child_control_stop_completed a 1, child_restarting a 2, "
                    "child_starting a 2, SPAWN a 2");
        t_free(t);

        /* Stopped by command meanwhile: it stays stopped. */
        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a", (StewardAdoption){ .generation = 1, .main_pid = 700, .stopping = TRUE });
        t_start(t);
        t_expect(t, "STOP a 1");
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_STOP, "a", "s-1").decision), "stop_delivered");
        /* Answered with no event of its own yet: recorded as answered. */
        t_expect(t, "command_completed root a 1 stop_delivered");
        t_crash(t, "a", 0);
        t_expect(t, "child_exited a 1 stop, child_control_stop_completed a 1, child_stopped a 1 stop");
        t_free(t);
}
END_TEST

/* An adopted incarnation whose main process had ended unwatched has its
 * end judged when its scope empties. A shutdown that gives up on that
 * scope records the end itself, as it does for a main process never
 * reported: the journal has every incarnation's end. Found by
 * test-engine-random: paused, stewardd restarts, resumed, killed at the
 * stop timeout, the scope never empties. */
START_TEST(test_adopt_main_gone_shutdown_gives_up)
{
        SpecBuilder b;
        T *t;
        g_autoptr(GError) error = NULL;
        const StewardEvent *ev;

        sb_init(&b);
        b.spec->shutdown_timeout_usec = 10 * SEC;
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        ck_assert(steward_engine_restore_child_stopped(t->e, "a", TRUE, &error));
        t_adopt(t, "a", (StewardAdoption){ .generation = 0, .stopping = TRUE });
        t_start(t);
        /* The previous stewardd asked for its stop; asked again, in case
         * it was killed before the manager had it. */
        t_expect(t, "STOP a 0");
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_RESUME, "a", "res-1").decision), "resumed");
        t_expect(t, "child_resumed a 0");
        t_advance(t, 5 * SEC);
        t_expect(t, "child_restart_fence_abort_requested a 0, KILL a 0");
        /* The exit report cannot come: its main process was gone already. */
        t_exited(t, "a", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_attempt_stale_report a 0");
        (void) t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "x");
        t_expect(t, "tree_shutdown_started root");
        t_advance(t, 5 * SEC);
        t_expect(t, "");
        t_advance(t, 5 * SEC);
        t_expect(t, "child_restart_fence_abort_requested a 0 timeout, KILL a 0");
        /* Its scope never empties. */
        t_advance(t, 5 * SEC);
        ev = t_find_event(t, STEWARD_EVENT_CHILD_EXITED);
        t_expect(t, "child_exited a 0 stop, tree_shutdown_completed root timeout, EXIT 1");
        ck_assert_ptr_nonnull(ev);
        ck_assert_int_eq(ev->exit_code, STEWARD_EXIT_CODE_UNKNOWN);
        ck_assert_int_eq(t_info(t, "a").last_exit_code, STEWARD_EXIT_CODE_UNKNOWN);
        /* Recorded once: a gone after all judges nothing again. */
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 0, child_stopped a 0 stop");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_pending_restart)
{
        SpecBuilder b;
        T *t;
        StewardCommandOutcome o;
        const StewardEvent *ev;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a",
                (StewardAdoption){ .generation = 3,
                                   .main_pid = 700,
                                   .stopping = TRUE,
                                   .pending_command_id = "cmd-17",
                                   .pending_reason = "upgrade" });
        t_start(t);
        t_expect(t, "STOP a 3");
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-2");
        ck_assert_str_eq(dec(o.decision), "already_pending");
        ck_assert(o.idempotent);
        ck_assert_uint_eq(o.merged, 1);
        ck_assert_uint_eq(o.target_generation, 4);
        t_expect(t,
                 "child_restart_conflict a 3 already_pending, command_completed root a 3 already_pending");
        t_exited(t, "a", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_exited a 3 stop");
        t_gone(t, "a");
        t_expect(t, "child_control_stop_completed a 3, child_restarting a 4, "
                    "child_starting a 4, SPAWN a 4");
        ev = t_find_event(t, STEWARD_EVENT_CHILD_STARTING);
        ck_assert_str_eq(ev->command_id, "cmd-17");
        t_spawned(t, "a");
        t_expect(t, "child_started a 4, child_restart_fence_released a 4");
        ev = t_find_event(t, STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED);
        ck_assert_str_eq(ev->command_id, "cmd-17");
        ck_assert_str_eq(ev->reason, "upgrade");
        ck_assert_uint_eq(ev->target_generation, 4);
        t_free(t);

        /* The stop had not been delivered yet: the start delivers it. */
        sb_init(&b);
        sb_child(&b, "a", NULL);
        t = adopt_tree(&b);
        t_adopt(t, "a",
                (StewardAdoption){ .generation = 3, .main_pid = 700, .pending_command_id = "cmd-17" });
        ck_assert_str_eq(t_state(t, "a"), "stopping");
        t_start(t);
        t_expect(t, "child_control_cancel_delivered a 3, STOP a 3");
        t_crash(t, "a", 0);
        t_expect(t, "child_exited a 3 stop, child_control_stop_completed a 3, "
                    "child_restarting a 4, child_starting a 4, SPAWN a 4");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_refused)
{
        SpecBuilder b;
        T *t;
        g_autoptr(GError) error = NULL;
        StewardAdoption a = { .generation = 1, .main_pid = 500 };

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        t = adopt_tree(&b);

        t_begin(t);
        ck_assert(!steward_engine_adopt_child(t->e, "nope", &a, t->now, t->out, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        g_clear_error(&error);
        a.generation = G_MAXUINT64;
        ck_assert(!steward_engine_adopt_child(t->e, "a", &a, t->now, t->out, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        g_clear_error(&error);
        ck_assert_uint_eq(t->out->len, 0);
        ck_assert_str_eq(t_state(t, "a"), "stopped");

        a.generation = 1;
        t_adopt(t, "a", a);
        a.generation = 4;
        a.main_pid = 600;
        t_begin(t);
        ck_assert(!steward_engine_adopt_child(t->e, "a", &a, t->now, t->out, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        g_clear_error(&error);
        ck_assert_uint_eq(t->out->len, 0);
        ck_assert_uint_eq(t_gen(t, "a"), 1);
        ck_assert_uint_eq(t_info(t, "a").main_pid, 500);

        ck_assert(!steward_engine_restore_child_stopped(t->e, "nope", FALSE, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        g_clear_error(&error);

        t_start(t);
        t_expect(t, "child_starting b 0, SPAWN b 0");
        t_begin(t);
        ck_assert(!steward_engine_adopt_child(t->e, "b", &a, t->now, t->out, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        g_clear_error(&error);
        ck_assert(!steward_engine_restore_child_stopped(t->e, "b", FALSE, &error));
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS));
        ck_assert_uint_eq(t->out->len, 0);
        ck_assert_str_eq(t_state(t, "b"), "starting");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_next_generation)
{
        SpecBuilder b;
        T *t;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        sb_child(&b, "c", NULL);
        t = adopt_tree(&b);

        /* Nothing alive: numbering continues anyway, shown as left. */
        steward_engine_set_next_generation(t->e, "b", 7);
        steward_engine_set_next_generation(t->e, "b", 3); /* never lower */
        steward_engine_set_next_generation(t->e, "nope", 3);
        ck_assert_uint_eq(t_gen(t, "b"), 6);
        ck_assert_uint_eq(t_info(t, "b").attempt, 7);
        /* Alive: the next one after the higher of the two. */
        t_adopt(t, "a", (StewardAdoption){ .generation = 5, .main_pid = 500 });
        steward_engine_set_next_generation(t->e, "a", 10);
        steward_engine_set_next_generation(t->e, "c", 2);
        t_adopt(t, "c", (StewardAdoption){ .generation = 5, .main_pid = 501 });
        t_start(t);
        t_expect(t, "child_starting b 7, SPAWN b 7");
        t_spawned(t, "b");
        ck_assert_uint_eq(t_info(t, "b").attempt, 8);
        t_crash(t, "a", 1);
        t_crash(t, "c", 1);
        g_free(t_take(t));
        t_next(t);
        t_expect(t, "child_restarting a 10, child_starting a 10, SPAWN a 10, child_restarting c 6, "
                    "child_starting c 6, SPAWN c 6");
        t_spawned(t, "a");
        t_spawned(t, "c");
        ck_assert_uint_eq(t_info(t, "a").attempt, 11);
        ck_assert_uint_eq(t_info(t, "c").attempt, 7);
        t_free(t);
}
END_TEST

START_TEST(test_adopt_restore_stopped)
{
        SpecBuilder b;
        T *t;
        g_autoptr(GError) error = NULL;
        StewardCommandOutcome o;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        sb_child(&b, "c", NULL);
        sb_child(&b, "d", NULL);
        sb_child(&b, "e", NULL);
        t = adopt_tree(&b);

        ck_assert(steward_engine_restore_child_stopped(t->e, "a", FALSE, &error));
        /* Alive and stopped by the operator: on its way out, in either order. */
        ck_assert(steward_engine_restore_child_stopped(t->e, "c", FALSE, &error));
        t_adopt(t, "c", (StewardAdoption){ .generation = 2, .main_pid = 500, .stopping = TRUE });
        t_adopt(t, "e", (StewardAdoption){ .generation = 1, .main_pid = 501, .pending_command_id = "r-9" });
        ck_assert(steward_engine_restore_child_stopped(t->e, "e", TRUE, &error));
        g_free(t_take(t));
        ck_assert(steward_engine_restore_child_stopped(t->e, "b", TRUE, &error));
        t_start(t);
        t_expect(t, "STOP c 2, child_control_cancel_delivered e 1, STOP e 1, child_starting d 0, SPAWN d 0");
        ck_assert_str_eq(t_state(t, "a"), "stopped");
        ck_assert_str_eq(t_state(t, "b"), "paused");
        ck_assert_str_eq(t_state(t, "c"), "stopping");
        ck_assert_str_eq(t_state(t, "e"), "stopping");
        /* Published by the start. */
        gboolean seen = FALSE;
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);
                seen |= a->type == STEWARD_ACTION_STATE_CHANGED && g_strcmp0(a->child, "b") == 0;
        }
        ck_assert(seen);
        t_crash(t, "c", 0);
        t_expect(t, "child_exited c 2 stop, child_control_stop_completed c 2, child_stopped c 2 stop");
        /* The pause drops the restart that was pending. */
        t_crash(t, "e", 0);
        t_expect(t, "child_exited e 1 stop, child_control_stop_completed e 1, child_paused e 1");
        o = t_cmd(t, STEWARD_COMMAND_RESUME, "b", "res-1");
        ck_assert_str_eq(dec(o.decision), "resumed");
        t_expect(t, "child_resumed b, child_starting b 0, SPAWN b 0");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_sidecar_and_strategy)
{
        SpecBuilder b;
        T *t;

        /* An adopted ready primary lets its sidecar start at once; one-for-all
         * stops adopted members like any other. */
        sb_init(&b);
        sb_root(&b)->strategy = STEWARD_STRATEGY_ONE_FOR_ALL;
        sb_notify(&b, "db", NULL);
        sb_child(&b, "log", NULL)->sidecar_of = g_strdup("db");
        sb_child(&b, "app", NULL);
        t = adopt_tree(&b);
        b.spec = NULL;
        t_adopt(t, "db", (StewardAdoption){ .generation = 4, .main_pid = 500, .ready = TRUE });
        t_adopt(t, "app", (StewardAdoption){ .generation = 2, .main_pid = 501 });
        t_start(t);
        t_expect(t, "child_starting log 0, SPAWN log 0");
        t_spawned(t, "log");
        g_free(t_take(t));
        t_exited(t, "app", EXITED, 1);
        t_expect(t, "child_exited app 2 failure, STOP app 2, supervisor_restarting root app one-for-all");
        t_gone(t, "app");
        t_expect(t, "STOP log 0");
        t_crash(t, "log", 0);
        t_expect(t, "child_exited log 0 stop, child_control_stop_completed log 0, STOP db 4");
        t_crash(t, "db", 0);
        t_expect(t, "child_exited db 4 stop, child_control_stop_completed db 4");
        t_next(t);
        t_expect(t, "child_restarting db 5, child_starting db 5, SPAWN db 5");
        t_free(t);
}
END_TEST

/* ---- live restore: saving ---- */

static StewardChildSave
t_save(T *t, const char *name)
{
        StewardChildSave s;

        ck_assert_msg(steward_engine_save_child(t->e, name, &s), "no child %s", name);
        return s;
}

static StewardSupervisorSave
t_save_sup(T *t, const char *name)
{
        StewardSupervisorSave s;

        ck_assert_msg(steward_engine_save_supervisor(t->e, name, &s), "no supervisor %s", name);
        return s;
}

/* What a restarted stewardd does with what @old saved: a fresh engine of
 * @spec at the same moment, restored and adopted as the daemon would (the
 * main processes alive as saved). Not started. */
static T *
t_relive(T *old, StewardSpec *spec)
{
        T *t = t_new(spec, NULL, NULL);
        g_autoptr(GError) error = NULL;

        t->now = old->now;
        t->next_pid = old->next_pid;
        for (guint i = 0; i < steward_engine_get_n_supervisors(old->e); i++) {
                StewardSupervisorInfo si;
                StewardSupervisorSave ss;

                ck_assert(steward_engine_get_supervisor_at(old->e, i, &si));
                ss = t_save_sup(old, si.name);
                ck_assert_msg(steward_engine_restore_supervisor(t->e, si.name, ss.quarantined,
                                                                ss.restart_window, ss.n_restart_window,
                                                                &error),
                              "%s", error->message);
        }
        for (guint i = 0; i < steward_engine_get_n_children(old->e); i++) {
                StewardChildInfo ci;
                StewardChildSave cs;

                ck_assert(steward_engine_get_child_at(old->e, i, &ci));
                cs = t_save(old, ci.name);
                ck_assert(steward_engine_restore_child_mode(t->e, ci.name, cs.mode, &error));
                steward_engine_set_next_generation(t->e, ci.name, cs.next_generation);
                ck_assert(steward_engine_restore_child_counters(t->e, ci.name, cs.restart_count,
                                                                cs.backoff_failures, cs.restart_window,
                                                                cs.n_restart_window, &error));
                if (!cs.alive) {
                        ck_assert(steward_engine_restore_child_last(t->e, ci.name, cs.generation, cs.attempt,
                                                                    &error));
                        continue;
                }
                t_adopt(t, ci.name,
                        (StewardAdoption){
                                .generation = cs.generation,
                                .attempt = cs.attempt,
                                .main_pid = cs.main_pid,
                                .ready = cs.ready,
                                .stopping = cs.stopping,
                                .pending_command_id = cs.pending_command_id,
                                .pending_reason = cs.pending_reason,
                                .restart_count = cs.restart_count,
                                .backoff_failures = cs.backoff_failures,
                                .fingerprint = cs.fingerprint,
                        });
        }
        g_free(t_take(t));
        return t;
}

/* Runs the statements with tw bound to each of the two engines in turn. */
#define BOTH(a, b, ...)                            \
        do {                                       \
                T *_tw[2] = { (a), (b) };          \
                for (guint _i = 0; _i < 2; _i++) { \
                        T *tw = _tw[_i];           \
                        __VA_ARGS__;               \
                }                                  \
        } while (0)

/* Both engines said the same since the last call: that, once. */
static char *
twin_take(T *a, T *b)
{
        g_autofree char *x = t_take(a);
        char *y = t_take(b);

        ck_assert_msg(g_str_equal(x, y), "before the restart of stewardd:\n%s\nafter:\n%s", x, y);
        return y;
}

#define twin_expect(a, b, expected)                          \
        do {                                                 \
                g_autofree char *_got = twin_take((a), (b)); \
                ck_assert_str_eq(_got, expected);            \
        } while (0)

/* What the bus shows, and when the next deadline is, are the same. */
static void
assert_same_view(T *a, T *b)
{
        ck_assert_uint_eq(steward_engine_get_n_children(a->e), steward_engine_get_n_children(b->e));
        for (guint i = 0; i < steward_engine_get_n_children(a->e); i++) {
                StewardChildInfo x, y;

                ck_assert(steward_engine_get_child_at(a->e, i, &x));
                ck_assert(steward_engine_get_child_at(b->e, i, &y));
                ck_assert_str_eq(x.name, y.name);
                ck_assert_str_eq(x.supervisor, y.supervisor);
                ck_assert_int_eq(x.role, y.role);
                ck_assert_msg(x.state == y.state, "%s: %s, then %s", x.name,
                              steward_child_state_to_string(x.state),
                              steward_child_state_to_string(y.state));
                ck_assert_uint_eq(x.generation, y.generation);
                ck_assert_uint_eq(x.attempt, y.attempt);
                ck_assert_uint_eq(x.main_pid, y.main_pid);
                ck_assert_int_eq(x.ready, y.ready);
                ck_assert_uint_eq(x.restart_count, y.restart_count);
                ck_assert_uint_eq(x.next_restart_usec, y.next_restart_usec);
                ck_assert_int_eq(x.fence_state, y.fence_state);
        }
        for (guint i = 0; i < steward_engine_get_n_supervisors(a->e); i++) {
                StewardSupervisorInfo x, y;

                ck_assert(steward_engine_get_supervisor_at(a->e, i, &x));
                ck_assert(steward_engine_get_supervisor_at(b->e, i, &y));
                ck_assert_str_eq(x.name, y.name);
                ck_assert_int_eq(x.state, y.state);
        }
        ck_assert_int_eq(steward_engine_get_tree_state(a->e), steward_engine_get_tree_state(b->e));
        ck_assert_uint_eq(steward_engine_next_deadline(a->e), steward_engine_next_deadline(b->e));
}

static gboolean
is_sha256_hex(const char *s)
{
        if (!s || strlen(s) != 64)
                return FALSE;
        for (; *s; s++)
                if (!g_ascii_isdigit(*s) && !(*s >= 'a' && *s <= 'f'))
                        return FALSE;
        return TRUE;
}

/* LastSpawnError goes to the next stewardd; the next spawn that succeeds clears it. */
START_TEST(test_restore_spawn_error)
{
        SpecBuilder b;
        T *t;
        g_autoptr(GError) error = NULL;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        t = adopt_tree(&b);
        ck_assert(steward_engine_restore_child_spawn_error(t->e, "a", "exec '/bin/a': Permission denied",
                                                           NULL));
        ck_assert(steward_engine_restore_child_spawn_error(t->e, "b", "", NULL));
        ck_assert(!steward_engine_restore_child_spawn_error(t->e, "nope", "x", NULL));
        ck_assert_str_eq(t_info(t, "a").last_spawn_error, "exec '/bin/a': Permission denied");
        ck_assert_str_eq(t_info(t, "b").last_spawn_error, "");
        ck_assert_ptr_null(t_save(t, "b").spawn_error);
        t_start(t);
        ck_assert_str_eq(t_info(t, "a").last_spawn_error, "exec '/bin/a': Permission denied");
        ck_assert(!steward_engine_restore_child_spawn_error(t->e, "a", NULL, &error));
        t_spawned(t, "a");
        ck_assert_str_eq(t_info(t, "a").last_spawn_error, "");
        ck_assert_ptr_null(t_save(t, "a").spawn_error);
        t_free(t);
}
END_TEST

START_TEST(test_save_states)
{
        SpecBuilder b;
        T *t;
        StewardChildSave s;
        StewardSupervisorSave ss;
        StewardCommandOutcome o;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 10;
        sb_child(&b, "a", NULL);
        sb_notify(&b, "n", NULL);
        sb_child(&b, "p", NULL);
        sb_child(&b, "s", NULL);
        sb_child(&b, "z", NULL);
        sb_child(&b, "f", NULL)->restart_intensity = 0;
        sb_child(&b, "k", NULL);
        t = adopt_tree(&b);
        ck_assert(!steward_engine_save_child(t->e, "nope", &s));
        ck_assert(!steward_engine_save_supervisor(t->e, "nope", &ss));

        /* Never started. */
        s = t_save(t, "a");
        ck_assert(!s.alive);
        ck_assert_uint_eq(s.generation, 0);
        ck_assert_uint_eq(s.attempt, 0);
        ck_assert_uint_eq(s.next_generation, 0);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_RUNNING);
        ck_assert(is_sha256_hex(s.fingerprint));
        ck_assert_str_eq(s.fingerprint, steward_engine_get_child_fingerprint(t->e, "a"));
        ck_assert_ptr_null(steward_engine_get_child_fingerprint(t->e, "nope"));
        ss = t_save_sup(t, "root");
        ck_assert(!ss.quarantined);
        ck_assert_uint_eq(ss.n_restart_window, 0);

        /* Spawning: not an incarnation yet, it may never run; its generation
         * is still the next one's. */
        t_start(t);
        s = t_save(t, "a");
        ck_assert(!s.alive);
        ck_assert_uint_eq(s.main_pid, 0);
        ck_assert(!s.ready && !s.stopping);
        ck_assert_uint_eq(s.generation, 0);
        ck_assert_uint_eq(s.attempt, 0);
        ck_assert_uint_eq(s.next_generation, 0);
        /* Queued behind the notify child: not alive. */
        ck_assert(!t_save(t, "p").alive);

        /* Running. */
        t_spawned(t, "a");
        s = t_save(t, "a");
        ck_assert(s.alive && s.ready && !s.stopping);
        ck_assert_uint_eq(s.main_pid, 100);
        ck_assert_uint_eq(s.attempt, 1);
        ck_assert_uint_eq(s.next_generation, 1);
        ck_assert_ptr_null(s.pending_command_id);
        ck_assert_ptr_null(s.pending_reason);

        /* Type=notify starting, then ready. */
        t_spawned(t, "n");
        s = t_save(t, "n");
        ck_assert(s.alive && !s.ready);
        ck_assert_uint_eq(s.main_pid, 101);
        t_ready(t, "n");
        ck_assert(t_save(t, "n").ready);
        t_spawned(t, "p");
        t_spawned(t, "s");
        t_spawned(t, "z");
        t_spawned(t, "f");
        t_spawned(t, "k");
        g_free(t_take(t));

        /* A commanded restart the fence holds. */
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "p", "r-1");
        ck_assert_str_eq(dec(o.decision), "queued_after_stop");
        s = t_save(t, "p");
        ck_assert(s.alive && s.stopping);
        ck_assert_str_eq(s.pending_command_id, "r-1");
        ck_assert_str_eq(s.pending_reason, "test");
        ck_assert_int_eq(s.pending_kind, STEWARD_COMMAND_RESTART);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_RUNNING);
        ck_assert_uint_eq(s.next_generation, 1);

        /* Stopping, then a start queued behind the stop, then stopped. */
        t_cmd(t, STEWARD_COMMAND_STOP, "s", "s-1");
        s = t_save(t, "s");
        ck_assert(s.alive && s.stopping);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_STOPPED);
        ck_assert_ptr_null(s.pending_command_id);
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_START, "s", "st-1").decision), "queued_after_stop");
        s = t_save(t, "s");
        ck_assert_str_eq(s.pending_command_id, "st-1");
        ck_assert_int_eq(s.pending_kind, STEWARD_COMMAND_START);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_RUNNING);
        t_crash(t, "s", 0);
        t_spawned(t, "s");
        t_cmd(t, STEWARD_COMMAND_STOP, "s", "s-2");
        t_crash(t, "s", 0);
        s = t_save(t, "s");
        ck_assert(!s.alive && !s.stopping && !s.ready);
        ck_assert_uint_eq(s.main_pid, 0);
        ck_assert_uint_eq(s.generation, 1);
        ck_assert_uint_eq(s.next_generation, 2);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_STOPPED);

        /* Paused. */
        t_cmd(t, STEWARD_COMMAND_PAUSE, "z", "z-1");
        ck_assert_int_eq(t_save(t, "z").mode, STEWARD_CHILD_MODE_PAUSED);
        ck_assert(t_save(t, "z").stopping);
        t_crash(t, "z", 0);
        s = t_save(t, "z");
        ck_assert(!s.alive);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_PAUSED);
        ck_assert_str_eq(steward_child_mode_to_string(s.mode), "paused");

        /* Given up on its own budget: failed, the restart counted. */
        t_crash(t, "f", 1);
        s = t_save(t, "f");
        ck_assert(!s.alive);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_FAILED);
        ck_assert_uint_eq(s.n_restart_window, 1);
        ck_assert_uint_eq(s.restart_window[0], t->now);

        /* Backoff: nothing alive, the failure and the restart counted. */
        t->now += SEC;
        t_exited(t, "k", EXITED, 1);
        /* What the main process left is being stopped. */
        s = t_save(t, "k");
        ck_assert(s.alive && s.stopping && !s.ready);
        ck_assert_uint_eq(s.main_pid, 0);
        t_gone(t, "k");
        ck_assert_str_eq(t_state(t, "k"), "backoff");
        s = t_save(t, "k");
        ck_assert(!s.alive);
        ck_assert_uint_eq(s.backoff_failures, 1);
        ck_assert_uint_eq(s.restart_count, 0);
        ck_assert_uint_eq(s.n_restart_window, 1);
        ck_assert_uint_eq(s.restart_window[0], t->now);
        ck_assert_uint_eq(s.next_generation, 1);
        ss = t_save_sup(t, "root");
        ck_assert_uint_eq(ss.n_restart_window, 2);
        ck_assert_uint_eq(ss.restart_window[0], t->now - SEC);
        ck_assert_uint_eq(ss.restart_window[1], t->now);
        t_next(t);
        t_spawned(t, "k");
        s = t_save(t, "k");
        ck_assert(s.alive);
        ck_assert_uint_eq(s.generation, 1);
        ck_assert_uint_eq(s.attempt, 2);
        ck_assert_uint_eq(s.restart_count, 1);
        ck_assert_uint_eq(s.backoff_failures, 1);

        /* Shutdown: the stops it delivered, nothing else changes. */
        g_free(t_take(t));
        t_cmd(t, STEWARD_COMMAND_SHUTDOWN, NULL, "down");
        t_expect(t, "tree_shutdown_started root, STOP k 1");
        s = t_save(t, "k");
        ck_assert(s.alive && s.stopping);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_RUNNING);
        ck_assert(!t_save(t, "a").stopping);
        t_free(t);
}
END_TEST

/* A restart of stewardd in the middle changes nothing one can see or
 * that follows: the same properties, deadlines and decisions. */
START_TEST(test_save_round_trip)
{
        SpecBuilder b;
        T *t, *r;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 3;
        sb_child(&b, "a", NULL);
        sb_notify(&b, "n", NULL)->watchdog_usec = 3 * SEC;
        sb_child(&b, "p", NULL);
        sb_child(&b, "s", NULL);
        sb_child(&b, "z", NULL);
        sb_notify(&b, "m", NULL)->timeout_start_usec = 4 * SEC;
        t = t_new(b.spec, NULL, NULL);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "n");
        t_crash(t, "a", 1);
        t_next(t);
        t_spawned(t, "a");
        t_ready(t, "n");
        t_spawned(t, "p");
        t_spawned(t, "s");
        t_spawned(t, "z");
        t_spawned(t, "m");
        t_cmd(t, STEWARD_COMMAND_RESTART, "p", "r-1");
        t_cmd(t, STEWARD_COMMAND_STOP, "s", "s-1");
        t_crash(t, "s", 0);
        t_cmd(t, STEWARD_COMMAND_PAUSE, "z", "z-1");
        g_free(t_take(t));

        r = t_relive(t, b.spec);
        t_start(r);
        /* Everything was adopted or stays at rest: nothing to do but ask
         * again for the stops the first one had asked for (p's restart,
         * z's pause), which a kill might have lost. */
        t_expect(r, "STOP p 0, STOP z 0");
        assert_same_view(t, r);
        ck_assert_uint_eq(t_info(r, "a").restart_count, 1);
        ck_assert_str_eq(t_state(r, "m"), "starting");

        /* The pending restart merges and is served the same way. */
        BOTH(t, r,
             ck_assert_str_eq(dec(t_cmd(tw, STEWARD_COMMAND_RESTART, "p", "r-2").decision),
                              "already_pending"));
        BOTH(t, r, t_crash(tw, "p", 0));
        twin_expect(
                t, r,
                "child_restart_conflict p 0 already_pending, command_completed root p 0 already_pending, "
                "child_exited p 0 stop, child_control_stop_completed p 0, "
                "child_restarting p 1, child_starting p 1, SPAWN p 1");
        BOTH(t, r, t_spawned(tw, "p"));
        /* The pause stays a pause. */
        BOTH(t, r, t_crash(tw, "z", 0));
        twin_expect(t, r,
                    "child_started p 1, child_restart_fence_released p 1, child_exited z 0 stop, "
                    "child_control_stop_completed z 0, "
                    "child_paused z 0");
        /* The start timeout and the watchdog run to the same deadlines. */
        BOTH(t, r, t_advance(tw, 2 * SEC); steward_engine_child_watchdog(tw->e, "n", 0, tw->now, tw->out));
        BOTH(t, r, t_advance(tw, 3 * SEC));
        twin_expect(
                t, r,
                "child_start_timeout m 0 failure, STOP m 0, child_watchdog_expired n 0 failure, STOP n 0");
        BOTH(t, r, t_crash(tw, "n", 0); t_next(tw); t_spawned(tw, "n"); t_ready(tw, "n"));
        g_free(twin_take(t, r));
        /* The root's intensity: a's earlier restart and n's count, so the
         * next two of a exceed it, at the same restart. */
        BOTH(t, r, t_crash(tw, "a", 1); t_next(tw));
        twin_expect(t, r,
                    "child_exited a 1 failure, STOP a 1, child_backoff_scheduled a 1, child_restarting a 2, "
                    "child_starting a 2, SPAWN a 2");
        BOTH(t, r, t_spawned(tw, "a"); t_crash(tw, "a", 1));
        {
                g_autofree char *log = twin_take(t, r);
                ck_assert_ptr_nonnull(strstr(log, "supervisor_intensity_exceeded root a"));
        }
        assert_same_view(t, r);
        t_free(t);
        t_free(r);
        steward_spec_free(b.spec);
}
END_TEST

/* a restarted once, 6 s later c once; both running again. */
static T *
windows_run(StewardSpec *spec)
{
        T *t = t_new(spec, NULL, NULL);

        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "c");
        t_crash(t, "a", 1);
        t_next(t);
        t_spawned(t, "a");
        t->now += 6 * SEC;
        t_crash(t, "c", 1);
        t_next(t);
        t_spawned(t, "c");
        g_free(t_take(t));
        return t;
}

/* Windows go on with the timestamps saved: the old ones drop out at the
 * next restart as usual, so the daemon's restart neither forgives nor
 * adds a restart. */
START_TEST(test_save_windows_across_restart)
{
        SpecBuilder b;
        T *t, *r;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 2;
        sb_root(&b)->restart_period_usec = 10 * SEC;
        sb_child(&b, "a", NULL);
        sb_child(&b, "c", NULL)->restart_intensity = 1;
        t = windows_run(b.spec);
        ck_assert_uint_eq(t_save_sup(t, "root").n_restart_window, 2);
        ck_assert_uint_eq(t_save(t, "c").n_restart_window, 1);

        /* Within the period: the third restart exceeds the root's intensity. */
        r = t_relive(t, b.spec);
        t_start(r);
        t_expect(r, "");
        assert_same_view(t, r);
        BOTH(t, r, t_crash(tw, "a", 1));
        {
                g_autofree char *log = twin_take(t, r);
                ck_assert_ptr_nonnull(strstr(log, "supervisor_intensity_exceeded root a escalate_parent"));
        }
        t_free(t);
        t_free(r);

        /* After the period, a's restart has dropped out of the root's window:
         * c's restart is within its intensity again, but two of c within
         * 10 s exceed c's own budget: given up. */
        t = windows_run(b.spec);
        r = t_relive(t, b.spec);
        t_start(r);
        BOTH(t, r, tw->now += 5 * SEC);
        BOTH(t, r, t_crash(tw, "c", 1));
        twin_expect(t, r, "child_exited c 1 failure, STOP c 1, child_stopped c 1 given_up");
        assert_same_view(t, r);
        ck_assert_str_eq(t_state(r, "c"), "failed");
        t_free(t);
        t_free(r);
        steward_spec_free(b.spec);
}
END_TEST

static StewardSpec *
quarantine_spec(void)
{
        SpecBuilder b;
        StewardSupervisorSpec *s;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 10;
        sb_child(&b, "first", NULL);
        s = sb_sup(&b, "web", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        s->restart_intensity = 1;
        s->restart_period_usec = 10 * SEC;
        s->escalation = STEWARD_ESCALATION_QUARANTINE;
        sb_child(&b, "w1", "web");
        sb_child(&b, "w2", "web");
        sb_child(&b, "last", NULL);
        return b.spec;
}

START_TEST(test_save_quarantine)
{
        StewardSpec *spec = quarantine_spec();
        T *t = t_new(spec, NULL, NULL);
        T *r;
        StewardSupervisorSave ss;
        StewardChildSave s;

        t_start(t);
        t_spawned(t, "first");
        t_spawned(t, "w1");
        t_spawned(t, "w2");
        t_spawned(t, "last");
        t_crash(t, "w1", 1);
        t_next(t);
        t_spawned(t, "w1");
        t_crash(t, "w1", 1);
        t_crash(t, "w2", 0);
        ck_assert_str_eq(t_state(t, "w1"), "quarantined");
        g_free(t_take(t));

        ss = t_save_sup(t, "web");
        ck_assert(ss.quarantined);
        ck_assert_uint_eq(ss.n_restart_window, 2);
        ck_assert(!t_save_sup(t, "root").quarantined);
        s = t_save(t, "w1");
        ck_assert(!s.alive);
        ck_assert(s.quarantined);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_RUNNING);
        ck_assert(!t_save(t, "first").quarantined);

        /* Quarantined it stays: none of its members starts. */
        r = t_relive(t, spec);
        t_start(r);
        t_expect(r, "");
        assert_same_view(t, r);
        ck_assert_str_eq(t_state(r, "w2"), "quarantined");
        ck_assert_str_eq(dec(t_cmd(r, STEWARD_COMMAND_START, "w1", "c-1").decision),
                         "blocked_by_quarantine");
        g_free(t_take(r));
        /* Lifted the same way, with a fresh window. */
        BOTH(t, r, t_cmd(tw, STEWARD_COMMAND_RESUME_SUPERVISOR, "web", "c-2"));
        twin_expect(
                t, r,
                "supervisor_restarting web resumed, child_restarting w1 2, child_starting w1 2, SPAWN w1 2, "
                "child_restarting w2 1, child_starting w2 1, SPAWN w2 1");
        assert_same_view(t, r);
        ck_assert_uint_eq(t_save_sup(r, "web").n_restart_window, 0);
        t_free(t);
        t_free(r);
        steward_spec_free(spec);
}
END_TEST

/* What is found alive under a quarantined supervisor is stopped as its
 * failing job would have stopped it, and rests quarantined. */
START_TEST(test_restore_quarantine_stops_adopted)
{
        StewardSpec *spec = quarantine_spec();
        T *t = t_new(spec, NULL, NULL);
        g_autoptr(GError) error = NULL;
        const guint64 window[] = { t->now - 2 * SEC, t->now - SEC };
        StewardSupervisorInfo si;

        ck_assert(steward_engine_restore_supervisor(t->e, "web", TRUE, window, 2, &error));
        t_adopt(t, "w1", (StewardAdoption){ .generation = 1, .main_pid = 500 });
        t_adopt(t, "w2", (StewardAdoption){ .generation = 4, .main_pid = 0, .pending_command_id = "r-1" });
        t_adopt(t, "first", (StewardAdoption){ .generation = 2, .main_pid = 501 });
        ck_assert_str_eq(t_state(t, "w1"), "running");
        t_start(t);
        /* No command, no event: the quarantine was announced before. */
        t_expect(t, "STOP w1 1, STOP w2 4, child_starting last 0, SPAWN last 0");
        ck_assert_int_eq(g_array_index(t->out, StewardAction, 0).signal, SIGTERM);
        ck_assert(steward_engine_get_supervisor(t->e, "web", &si));
        ck_assert_str_eq(steward_supervisor_state_to_string(si.state), "quarantined");
        ck_assert_str_eq(t_state(t, "w1"), "stopping");
        t_exited(t, "w1", STEWARD_EXIT_CODE_UNKNOWN, 0);
        t_expect(t, "child_exited w1 1 stop");
        t_gone(t, "w1");
        t_expect(t, "child_control_stop_completed w1 1");
        ck_assert_str_eq(t_state(t, "w1"), "quarantined");
        /* Its main process had gone already: judged a stop, nothing counted. */
        t_gone(t, "w2");
        t_expect(t, "child_exited w2 4 stop, child_control_stop_completed w2 4");
        ck_assert_str_eq(t_state(t, "w2"), "quarantined");
        ck_assert_uint_eq(t_save_sup(t, "web").n_restart_window, 2);
        ck_assert_uint_eq(t_save_sup(t, "root").n_restart_window, 0);
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_RESUME_SUPERVISOR, "web", "c-1").decision), "resumed");
        t_expect(
                t,
                "supervisor_restarting web resumed, child_restarting w1 2, child_starting w1 2, SPAWN w1 2, "
                "child_restarting w2 5, child_starting w2 5, SPAWN w2 5");
        t_free(t);

        /* A quarantined root: the tree is up with nothing started. */
        t = t_new(spec, NULL, NULL);
        ck_assert(steward_engine_restore_supervisor(t->e, "root", TRUE, NULL, 0, &error));
        t_start(t);
        t_expect(t, "");
        ck_assert_str_eq(steward_tree_state_to_string(steward_engine_get_tree_state(t->e)), "running");
        ck_assert_str_eq(t_state(t, "first"), "quarantined");
        ck_assert_str_eq(t_state(t, "w1"), "quarantined");
        t_cmd(t, STEWARD_COMMAND_RESUME_SUPERVISOR, "root", "c-1");
        t_expect(t, "supervisor_restarting root resumed, child_starting first 0, SPAWN first 0, "
                    "child_starting w1 0, SPAWN w1 0, child_starting w2 0, SPAWN w2 0, "
                    "child_starting last 0, SPAWN last 0");
        t_free(t);
        steward_spec_free(spec);
}
END_TEST

START_TEST(test_restore_refused)
{
        StewardSpec *spec = quarantine_spec();
        T *t = t_new(spec, NULL, NULL);
        g_autoptr(GError) error = NULL;
        const guint64 window[] = { 10, 20, 30, 40, 50 };
        const guint64 unsorted[] = { 20, 10 };
        StewardSupervisorSave ss;
        StewardChildSave s;

#define REFUSED(call)                                                                         \
        do {                                                                                  \
                ck_assert(!(call));                                                           \
                ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS)); \
                g_clear_error(&error);                                                        \
        } while (0)

        REFUSED(steward_engine_restore_supervisor(t->e, "nope", TRUE, NULL, 0, &error));
        REFUSED(steward_engine_restore_supervisor(t->e, NULL, TRUE, NULL, 0, &error));
        REFUSED(steward_engine_restore_supervisor(t->e, "web", TRUE, unsorted, 2, &error));
        REFUSED(steward_engine_restore_supervisor(t->e, "web", TRUE, NULL, 1, &error));
        REFUSED(steward_engine_restore_child_counters(t->e, "nope", 1, 1, NULL, 0, &error));
        REFUSED(steward_engine_restore_child_counters(t->e, "w1", 1, 1, unsorted, 2, &error));
        REFUSED(steward_engine_restore_child_mode(t->e, "nope", STEWARD_CHILD_MODE_STOPPED, &error));
        REFUSED(steward_engine_restore_child_mode(t->e, "w1", _STEWARD_CHILD_MODE_MAX, &error));
        /* Nothing changed by any of them. */
        ss = t_save_sup(t, "web");
        ck_assert(!ss.quarantined);
        ck_assert_uint_eq(ss.n_restart_window, 0);
        s = t_save(t, "w1");
        ck_assert_uint_eq(s.restart_count, 0);
        ck_assert_uint_eq(s.n_restart_window, 0);
        ck_assert_int_eq(s.mode, STEWARD_CHILD_MODE_RUNNING);

        /* Of a longer window the newest RestartIntensity= + 1 are kept. */
        ck_assert(steward_engine_restore_supervisor(t->e, "web", FALSE, window, 5, &error));
        ss = t_save_sup(t, "web");
        ck_assert_uint_eq(ss.n_restart_window, 2);
        ck_assert_uint_eq(ss.restart_window[0], 40);
        ck_assert_uint_eq(ss.restart_window[1], 50);
        ck_assert(steward_engine_restore_child_counters(t->e, "w1", 7, 3, window, 5, &error));
        s = t_save(t, "w1");
        ck_assert_uint_eq(s.restart_count, 7);
        ck_assert_uint_eq(s.backoff_failures, 3);
        ck_assert_uint_eq(s.n_restart_window, 5);
        ck_assert_uint_eq(t_info(t, "w1").restart_count, 7);
        ck_assert(steward_engine_restore_child_mode(t->e, "w2", STEWARD_CHILD_MODE_FAILED, &error));
        ck_assert(steward_engine_restore_child_mode(t->e, "last", STEWARD_CHILD_MODE_RUNNING, &error));

        t_start(t);
        t_expect(t, "child_starting first 0, SPAWN first 0, child_starting w1 0, SPAWN w1 0, "
                    "child_starting last 0, SPAWN last 0");
        g_free(t_take(t));
        ck_assert_str_eq(t_state(t, "w2"), "failed");
        /* After the start: refused, nothing changed. */
        t_begin(t);
        REFUSED(steward_engine_restore_supervisor(t->e, "web", TRUE, NULL, 0, &error));
        REFUSED(steward_engine_restore_child_counters(t->e, "w1", 1, 1, NULL, 0, &error));
        REFUSED(steward_engine_restore_child_mode(t->e, "w1", STEWARD_CHILD_MODE_PAUSED, &error));
        ck_assert_uint_eq(t->out->len, 0);
        ck_assert(!t_save_sup(t, "web").quarantined);
        ck_assert_uint_eq(t_save_sup(t, "web").n_restart_window, 2);
        ck_assert_uint_eq(t_info(t, "w1").restart_count, 7);
        ck_assert_int_eq(t_save(t, "w1").mode, STEWARD_CHILD_MODE_RUNNING);
#undef REFUSED
        t_free(t);
        steward_spec_free(spec);
}
END_TEST

enum { FP_VARIANTS = 27 };

/* A child "x" (or @name) after a primary "p", as variant @v changes it. */
static StewardSpec *
fp_spec(guint v, const char *name, guint shift)
{
        SpecBuilder b;
        StewardChildSpec *c;
        int three = 3;

        sb_init(&b);
        sb_sup(&b, "s", "root", STEWARD_STRATEGY_ONE_FOR_ONE);
        sb_child(&b, "p", NULL);
        b.order += shift;
        c = sb_child(&b, name, NULL);
        g_strfreev(c->argv);
        c->argv = g_strsplit("/bin/sleep|1 0", "|", -1);
        g_free(c->syslog_identifier);
        c->syslog_identifier = g_strdup("same");
        switch (v) {
        case 0:
                break;
        case 1:
                g_free(c->supervisor);
                c->supervisor = g_strdup("s");
                break;
        case 2:
                c->sidecar_of = g_strdup("p");
                break;
        case 3:
                c->role = STEWARD_ROLE_JOB;
                break;
        case 4:
                c->restart = STEWARD_RESTART_TEMPORARY;
                break;
        case 5:
                c->type = STEWARD_CHILD_NOTIFY;
                break;
        case 6:
                g_strfreev(c->argv);
                c->argv = g_strsplit("/bin/sleep 1 0", " ", -1);
                break;
        case 7:
                g_strfreev(c->argv);
                c->argv = g_strsplit("/bin/sleep|1 0|", "|", -1);
                break;
        case 8:
                c->environment = g_strsplit("A=1", " ", -1);
                break;
        case 9:
                c->working_directory = g_strdup("/tmp");
                break;
        case 10:
                c->working_directory = g_strdup("");
                break;
        case 11:
                c->user = g_strdup("u");
                break;
        case 12:
                c->group = g_strdup("g");
                break;
        case 13:
                g_free(c->syslog_identifier);
                c->syslog_identifier = NULL;
                break;
        case 14:
                c->restart_usec++;
                break;
        case 15:
                c->restart_max_delay_usec++;
                break;
        case 16:
                c->restart_jitter = 0.5;
                break;
        case 17:
                c->restart_stable_usec++;
                break;
        case 18:
                c->restart_intensity++;
                break;
        case 19:
                c->restart_period_usec++;
                break;
        case 20:
                c->watchdog_usec = SEC;
                break;
        case 21:
                c->watchdog_signal = SIGUSR1;
                break;
        case 22:
                c->timeout_start_usec++;
                break;
        case 23:
                c->timeout_stop_usec++;
                break;
        case 24:
                c->kill_signal = SIGINT;
                break;
        case 25:
                g_array_append_val(c->success_exit_status, three);
                break;
        case 26:
                /* Added later: only a value other than the default counts. */
                c->reload_signal = SIGUSR2;
                break;
        default:
                g_assert_not_reached();
        }
        return b.spec;
}

static char *
fp_of(guint v, const char *name, guint shift)
{
        StewardSpec *spec = fp_spec(v, name, shift);
        StewardEngine *e = steward_engine_new(spec, NULL, NULL);
        char *fp = g_strdup(steward_engine_get_child_fingerprint(e, name));

        steward_engine_free(e);
        steward_spec_free(spec);
        return fp;
}

START_TEST(test_fingerprint)
{
        g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autofree char *base = fp_of(0, "x", 0);
        g_autofree char *renamed = fp_of(0, "y", 5);

        /* Not the name nor the place in the file; the same in any process:
         * a change of this value makes every adopted child restart after
         * an upgrade of stewardd. */
        ck_assert(is_sha256_hex(base));
        ck_assert_str_eq(base, renamed);
        ck_assert_str_eq(base, "11132b91fea0d5e2e7afca76843db028eb1c5396ba8336119d160d53a109f7cb");

        for (guint v = 0; v < FP_VARIANTS; v++) {
                char *fp = fp_of(v, "x", 0);
                g_autofree char *again = fp_of(v, "x", 0);

                ck_assert_str_eq(fp, again);
                ck_assert_msg(g_hash_table_add(seen, fp), "variant %u has the fingerprint of another", v);
        }

        /* Exactly what Reload takes for a change. */
        for (guint v = 0; v < FP_VARIANTS; v++) {
                StewardSpec *spec = fp_spec(0, "x", 0);
                T *t = t_new(spec, NULL, NULL);
                g_autofree char *res = NULL;

                steward_spec_free(spec);
                t_start(t);
                res = t_reload(t, fp_spec(v, "x", 0));
                if (v == 0)
                        ck_assert_str_eq(res, "added ; removed ; changed ");
                else if (v == 1 || v == 2)
                        ck_assert_ptr_nonnull(strstr(res, "Moving child 'x'"));
                else
                        ck_assert_msg(g_str_equal(res, "added ; removed ; changed x"), "variant %u: %s", v,
                                      res);
                t_free(t);
        }
}
END_TEST

/* The cgroup settings are applied in place: neither a reload nor live
 * restore takes them for a change of the child, and the fingerprint of a
 * child with some is the one earlier versions saved for it without. */
START_TEST(test_fingerprint_ignores_resources)
{
        g_autofree char *base = fp_of(0, "x", 0);
        StewardSpec *spec = fp_spec(0, "x", 0);
        StewardSpec *limited = fp_spec(0, "x", 0);
        StewardChildSpec *c = steward_spec_find_child(limited, "x");
        static const guint8 cpus[] = { 0x0f };
        g_autofree char *res = NULL, *fp = NULL;
        T *t;

        c->resources.memory_max = (StewardLimit){ 1 << 20, FALSE };
        c->resources.memory_high = (StewardLimit){ 5000, TRUE };
        c->resources.tasks_max = (StewardLimit){ 10, FALSE };
        c->resources.cpu_weight = 50;
        c->resources.cpu_quota = 15000;
        c->resources.io_weight = 200;
        c->resources.allowed_cpus = g_bytes_new_static(cpus, sizeof(cpus));
        fp = steward_child_spec_fingerprint(c);
        ck_assert_str_eq(fp, base);

        t = t_new(spec, NULL, NULL);
        steward_spec_free(spec);
        t_start(t);
        res = t_reload(t, limited);
        ck_assert_str_eq(res, "added ; removed ; changed ");
        t_free(t);
}
END_TEST

START_TEST(test_adopt_changed_fingerprint)
{
        StewardSpec *old_spec = reload_spec("abcde", "/bin/old");
        StewardSpec *new_spec = reload_spec("abcde", "/bin/new");
        T *t = t_new(old_spec, NULL, NULL);
        g_autofree char *old_fp = g_strdup(steward_engine_get_child_fingerprint(t->e, "a"));
        g_autofree char *reload_log = NULL;
        const StewardEvent *ev;
        StewardCommandOutcome o;

        /* What a reload does to a changed, running child... */
        t_adopt(t, "a", (StewardAdoption){ .generation = 3, .main_pid = 500 });
        t_start(t);
        g_free(t_take(t));
        {
                g_autofree char *res = t_reload(t, reload_spec("abcde", "/bin/new"));
                ck_assert_str_eq(res, "added ; removed ; changed a");
        }
        reload_log = t_take(t);
        ck_assert_str_eq(reload_log, "child_restart_fence_entered a 3 queued_after_stop, "
                                     "child_control_cancel_delivered a 3, STOP a 3");
        t_free(t);

        /* ... start() does to one adopted with another fingerprint: once. */
        t = t_new(new_spec, NULL, NULL);
        ck_assert_str_ne(old_fp, steward_engine_get_child_fingerprint(t->e, "a"));
        t_adopt(t, "a", (StewardAdoption){ .generation = 3, .main_pid = 500, .fingerprint = old_fp });
        /* The same, unknown, or already on its way out: left alone. */
        t_adopt(t, "b",
                (StewardAdoption){ .generation = 1,
                                   .main_pid = 501,
                                   .fingerprint = steward_engine_get_child_fingerprint(t->e, "b") });
        t_adopt(t, "c", (StewardAdoption){ .generation = 1, .main_pid = 502 });
        t_adopt(t, "d",
                (StewardAdoption){ .generation = 1, .main_pid = 503, .stopping = TRUE, .fingerprint = "x" });
        t_adopt(t, "e", (StewardAdoption){ .generation = 1, .main_pid = 504, .fingerprint = "x" });
        ck_assert(steward_engine_restore_child_stopped(t->e, "e", FALSE, NULL));
        g_free(t_take(t));
        t_start(t);
        {
                g_autofree char *log = t_take(t);

                ck_assert(g_str_has_prefix(log, reload_log));
                ck_assert_str_eq(log + strlen(reload_log),
                                 ", STOP d 1, child_control_cancel_delivered e 1, STOP e 1");
        }
        ev = t_find_event(t, STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED);
        ck_assert_str_eq(ev->command_id, "live-restore");
        ck_assert_str_eq(ev->reason, "the configuration changed while stewardd was down");
        ck_assert(!(ev->fields & STEWARD_EVENT_FIELD_ACTOR));
        ck_assert_uint_eq(ev->target_generation, 4);
        o = t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert_str_eq(dec(o.decision), "already_pending");
        t_crash(t, "a", 0);
        t_expect(t,
                 "child_restart_conflict a 3 already_pending, command_completed root a 3 already_pending, "
                 "child_exited a 3 stop, child_control_stop_completed a 3, "
                 "child_restarting a 4, child_starting a 4, SPAWN a 4");
        ev = t_find_event(t, STEWARD_EVENT_CHILD_STARTING);
        ck_assert_str_eq(ev->command_id, "live-restore");
        t_spawned(t, "a");
        t_expect(t, "child_started a 4, child_restart_fence_released a 4");
        ck_assert_str_eq(t_state(t, "a"), "running");
        /* d comes back once gone, with the new keys, as any adopted stop. */
        t_crash(t, "d", 0);
        t_expect(t, "child_exited d 1 stop, child_control_stop_completed d 1, child_restarting d 2, "
                    "child_starting d 2, SPAWN d 2");
        t_free(t);
        steward_spec_free(old_spec);
        steward_spec_free(new_spec);
}
END_TEST

/* ---- QuarantineChild and restart budgets ---- */

/* Does an event of @kind about @child in the last input carry @id? */
static gboolean
t_event_has_id(T *t, const char *kind, const char *child, const char *id)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);

                if (a->type == STEWARD_ACTION_EVENT &&
                    g_str_equal(steward_event_kind_to_string(a->event.kind), kind) &&
                    g_strcmp0(a->event.child, child) == 0)
                        return g_strcmp0(a->event.command_id, id) == 0;
        }
        ck_abort_msg("no %s of %s", kind, child);
        return FALSE;
}

START_TEST(test_quarantine_child)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ALL);
        StewardCommandOutcome o;
        g_autofree char *log = NULL;

        o = t_cmd(t, STEWARD_COMMAND_QUARANTINE, "b", "q-1");
        ck_assert_str_eq(dec(o.decision), "quarantined");
        ck_assert(o.cancel_delivered);
        ck_assert(!o.idempotent);
        t_expect(t,
                 "child_quarantine_entered b 0 quarantined, child_control_cancel_delivered b 0, STOP b 0");
        ck_assert_str_eq(t_state(t, "b"), "stopping");
        /* Its end is a stop, whatever the status: nothing restarts it. */
        t_crash(t, "b", 1);
        t_expect(t, "child_exited b 0 stop, child_control_stop_completed b 0");
        ck_assert_str_eq(t_state(t, "b"), "quarantined");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);

        /* A sibling's one-for-all restart leaves it down. */
        t_crash(t, "a", 1);
        t_crash(t, "c", 0);
        t_next(t);
        log = t_take(t);
        ck_assert_msg(strstr(log, "SPAWN a 1") && strstr(log, "SPAWN c 1"), "%s", log);
        ck_assert_msg(!strstr(log, "SPAWN b"), "%s", log);
        ck_assert_str_eq(t_state(t, "b"), "quarantined");

        /* Held: no command but resume moves it. */
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_START, "b", "q-2").decision), "blocked_by_quarantine");
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_RESTART, "b", "q-3").decision),
                         "blocked_by_quarantine");
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_STOP, "b", "q-4").decision), "blocked_by_quarantine");
        ck_assert_str_eq(dec(t_cmd(t, STEWARD_COMMAND_PAUSE, "b", "q-5").decision), "blocked_by_quarantine");
        o = t_cmd(t, STEWARD_COMMAND_QUARANTINE, "b", "q-6");
        ck_assert_str_eq(dec(o.decision), "already_quarantined");
        ck_assert(o.idempotent);
        g_free(t_take(t));
        ck_assert_str_eq(t_state(t, "b"), "quarantined");

        /* The way back: ResumeChild starts it, once, under its command. */
        o = t_cmd(t, STEWARD_COMMAND_RESUME, "b", "q-7");
        ck_assert_str_eq(dec(o.decision), "resumed");
        ck_assert(t_event_has_id(t, "child_starting", "b", "q-7"));
        t_expect(t, "child_resumed b 0, child_starting b 1, SPAWN b 1");
        ck_assert_uint_eq(t->n_spawns, 3 + 2 + 1);
        t_spawned(t, "b");
        ck_assert_str_eq(t_state(t, "b"), "running");
        /* And the restart policy applies again. */
        t_crash(t, "b", 1);
        log = (g_free(log), t_take(t));
        ck_assert_msg(strstr(log, "child_exited b 1 failure"), "%s", log);
        t_free(t);
}
END_TEST

/* A child at rest (in backoff here) is quarantined at once; permanent or
 * not, its backoff restart is called off. */
START_TEST(test_quarantine_child_in_backoff)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        StewardCommandOutcome o;

        t_crash(t, "a", 1);
        ck_assert_str_eq(t_state(t, "a"), "backoff");
        g_free(t_take(t));
        o = t_cmd(t, STEWARD_COMMAND_QUARANTINE, "a", "q-1");
        ck_assert_str_eq(dec(o.decision), "quarantined");
        ck_assert(!o.cancel_delivered);
        t_expect(t, "child_quarantine_entered a 0 quarantined");
        ck_assert_str_eq(t_state(t, "a"), "quarantined");
        ck_assert_uint_eq(steward_engine_next_deadline(t->e), G_MAXUINT64);
        t_free(t);
}
END_TEST

/* Quarantine is kept across a restart of stewardd: saved, restored, and
 * an adopted incarnation of it is stopped, not restarted. */
START_TEST(test_quarantine_child_saved)
{
        SpecBuilder b;
        T *t, *r;

        sb_init(&b);
        sb_child(&b, "a", NULL);
        sb_child(&b, "b", NULL);
        t = t_new(b.spec, NULL, NULL);
        t_start(t);
        t_spawned(t, "a");
        t_spawned(t, "b");
        (void) t_cmd(t, STEWARD_COMMAND_QUARANTINE, "a", "q-1");
        t_crash(t, "a", 0);
        /* b quarantined while its stop is still under way. */
        (void) t_cmd(t, STEWARD_COMMAND_QUARANTINE, "b", "q-2");
        g_free(t_take(t));
        ck_assert_int_eq(t_save(t, "a").mode, STEWARD_CHILD_MODE_QUARANTINED);
        ck_assert_int_eq(t_save(t, "b").mode, STEWARD_CHILD_MODE_QUARANTINED);
        ck_assert_str_eq(steward_child_mode_to_string(STEWARD_CHILD_MODE_QUARANTINED), "quarantined");

        r = t_relive(t, b.spec);
        t_start(r);
        /* b's incarnation had its stop delivered: asked again, announced once. */
        t_expect(r, "STOP b 0");
        ck_assert_str_eq(t_state(r, "a"), "quarantined");
        t_crash(r, "b", 1);
        ck_assert_str_eq(t_state(r, "b"), "quarantined");
        ck_assert_uint_eq(r->n_spawns, 0);
        ck_assert_str_eq(dec(t_cmd(r, STEWARD_COMMAND_RESUME, "a", "q-3").decision), "resumed");
        ck_assert_uint_eq(r->n_spawns, 1);
        t_free(r);
        t_free(t);
        steward_spec_free(b.spec);
}
END_TEST

/* Every start a ResumeSupervisor brings carries its command id. */
START_TEST(test_resume_supervisor_correlated)
{
        T *t = nested_intensity(STEWARD_ESCALATION_QUARANTINE, STEWARD_STRATEGY_ONE_FOR_ALL);

        t_crash(t, "w1", 1);
        t_crash(t, "w2", 0);
        g_free(t_take(t));
        (void) t_cmd(t, STEWARD_COMMAND_RESUME_SUPERVISOR, "web", "c-1");
        ck_assert(t_event_has_id(t, "child_restarting", "w1", "c-1"));
        ck_assert(t_event_has_id(t, "child_starting", "w1", "c-1"));
        ck_assert(t_event_has_id(t, "child_starting", "w2", "c-1"));
        g_free(t_take(t));
        t_spawned(t, "w2");
        ck_assert(t_event_has_id(t, "child_started", "w2", "c-1"));
        /* The sequence is through: a later policy restart carries none. */
        t_spawned(t, "w1");
        t_crash(t, "w1", 1);
        t_next(t);
        ck_assert(t_event_has_id(t, "child_starting", "w1", NULL));
        t_free(t);
}
END_TEST

static void
t_budget(T *t, const char *name, guint *used, guint *remaining, guint64 *expiry)
{
        StewardChildInfo i = t_info(t, name);

        steward_restart_budget(i.restart_limit_burst, i.restart_limit_interval_usec, i.restart_window,
                               i.n_restart_window, t->now, used, remaining, expiry);
}

/* Was RESTART_BUDGET announced for @child (or the supervisor, @child NULL) in the last input? */
static gboolean
t_budget_changed(T *t, const char *child, const char *sup)
{
        for (guint i = 0; i < t->out->len; i++) {
                const StewardAction *a = &g_array_index(t->out, StewardAction, i);

                if (a->type == STEWARD_ACTION_STATE_CHANGED && g_strcmp0(a->child, child) == 0 &&
                    (child || g_strcmp0(a->supervisor, sup) == 0) &&
                    (a->changed & STEWARD_PROPERTY_RESTART_BUDGET))
                        return TRUE;
        }
        return FALSE;
}

START_TEST(test_restart_budget_window_slides)
{
        SpecBuilder b;
        StewardChildSpec *c;
        StewardSupervisorInfo si;
        T *t;
        guint used, remaining;
        guint64 expiry, first;

        sb_init(&b);
        sb_root(&b)->restart_intensity = 5;
        sb_root(&b)->restart_period_usec = 30 * SEC;
        c = sb_child(&b, "a", NULL);
        c->restart_intensity = 3;
        c->restart_period_usec = 10 * SEC;
        t = t_new(b.spec, NULL, NULL);
        steward_spec_free(b.spec);
        t_start(t);
        t_spawned(t, "a");

        t_budget(t, "a", &used, &remaining, &expiry);
        ck_assert_uint_eq(used, 0);
        ck_assert_uint_eq(remaining, 3);
        ck_assert_uint_eq(expiry, 0);
        ck_assert_uint_eq(t_info(t, "a").restart_limit_burst, 3);
        ck_assert_uint_eq(t_info(t, "a").restart_limit_interval_usec, 10 * SEC);

        first = t->now;
        t_exited(t, "a", STEWARD_EXIT_CODE_EXITED, 1);
        ck_assert(t_budget_changed(t, "a", NULL));
        ck_assert(t_budget_changed(t, NULL, "root"));
        t_gone(t, "a");
        t_budget(t, "a", &used, &remaining, &expiry);
        ck_assert_uint_eq(used, 1);
        ck_assert_uint_eq(remaining, 2);
        ck_assert_uint_eq(expiry, first + 10 * SEC);

        t_next(t); /* the backoff: 100 ms */
        t_spawned(t, "a");
        t_advance(t, 4 * SEC);
        t_crash(t, "a", 1);
        t_budget(t, "a", &used, &remaining, &expiry);
        ck_assert_uint_eq(used, 2);
        ck_assert_uint_eq(remaining, 1);
        ck_assert_uint_eq(expiry, first + 10 * SEC);
        ck_assert(steward_engine_get_supervisor(t->e, "root", &si));
        steward_restart_budget(si.restart_limit_burst, si.restart_limit_interval_usec, si.restart_window,
                               si.n_restart_window, t->now, &used, &remaining, &expiry);
        ck_assert_uint_eq(si.restart_limit_burst, 5);
        ck_assert_uint_eq(used, 2);
        ck_assert_uint_eq(remaining, 3);
        ck_assert_uint_eq(expiry, first + 30 * SEC);

        /* The oldest leaves the window: the next expiry is the second's. */
        t->now = first + 10 * SEC;
        t_budget(t, "a", &used, &remaining, &expiry);
        ck_assert_uint_eq(used, 1);
        ck_assert_uint_eq(remaining, 2);
        ck_assert_uint_eq(expiry, first + 100 * 1000 + 4 * SEC + 10 * SEC);
        t->now = first + 30 * SEC;
        t_budget(t, "a", &used, &remaining, &expiry);
        ck_assert_uint_eq(used, 0);
        ck_assert_uint_eq(remaining, 3);
        ck_assert_uint_eq(expiry, 0);

        /* Spent: remaining 0 at intensity, never below. */
        steward_restart_budget(1, 10, (const guint64[]){ 5, 6, 7 }, 3, 8, &used, &remaining, &expiry);
        ck_assert_uint_eq(used, 3);
        ck_assert_uint_eq(remaining, 0);
        ck_assert_uint_eq(expiry, 15);
        t_free(t);
}
END_TEST

/* A commanded start begins the budget afresh, and says so. */
START_TEST(test_restart_budget_reset_announced)
{
        T *t = three_simple(STEWARD_STRATEGY_ONE_FOR_ONE);
        guint used;

        t_crash(t, "a", 1);
        t_budget(t, "a", &used, NULL, NULL);
        ck_assert_uint_eq(used, 1);
        (void) t_cmd(t, STEWARD_COMMAND_RESTART, "a", "r-1");
        ck_assert(t_budget_changed(t, "a", NULL));
        t_budget(t, "a", &used, NULL, NULL);
        ck_assert_uint_eq(used, 0);
        t_free(t);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("engine");
        TCase *tc = tcase_create("engine");

        tcase_add_test(tc, test_start_declaration_order);
        tcase_add_test(tc, test_notify_holds_siblings_until_ready);
        tcase_add_test(tc, test_notify_failure_releases_hold);
        tcase_add_test(tc, test_start_timeout_releases_hold_and_fails);
        tcase_add_test(tc, test_watchdog);
        tcase_add_test(tc, test_watchdog_trigger);
        tcase_add_test(tc, test_watchdog_usec_override);
        tcase_add_test(tc, test_watchdog_needs_notify);
        tcase_add_test(tc, test_extend_timeout);
        tcase_add_test(tc, test_extend_timeout_while_stopping);
        tcase_add_test(tc, test_notify_errno);
        tcase_add_test(tc, test_reload_child);
        tcase_add_test(tc, test_notify_stopping);
        tcase_add_test(tc, test_notify_stopping_hangs);
        tcase_add_test(tc, test_notify_main_pid);
        tcase_add_test(tc, test_shutdown_reverse_order_waits_for_gone);
        tcase_add_test(tc, test_shutdown_timeout_kills_everything);
        tcase_add_test(tc, test_shutdown_hand_over_past_infinite_stop);
        tcase_add_test(tc, test_shutdown_prompt_keeps_reverse_order);
        tcase_add_test(tc, test_shutdown_stragglers_nested_and_give_up);
        tcase_add_test(tc, test_shutdown_before_start);
        tcase_add_test(tc, test_one_for_one);
        tcase_add_test(tc, test_one_for_all);
        tcase_add_test(tc, test_rest_for_one);
        tcase_add_test(tc, test_restart_types_and_verdicts);
        tcase_add_test(tc, test_job_failure_restarts_then_gives_up);
        tcase_add_test(tc, test_backoff_doubles_caps_jitters_and_resets);
        tcase_add_test(tc, test_notify_stable_time_counts_from_ready);
        tcase_add_test(tc, test_sidecar_follows_primary);
        tcase_add_test(tc, test_child_budget_counts_for_supervisor);
        tcase_add_test(tc, test_intensity_escalates_to_parent);
        tcase_add_test(tc, test_intensity_escalates_to_parent_strategy);
        tcase_add_test(tc, test_intensity_escalates_to_shutdown);
        tcase_add_test(tc, test_root_gives_up);
        tcase_add_test(tc, test_intensity_quarantine_and_resume);
        tcase_add_test(tc, test_restart_fence_queued_after_stop);
        tcase_add_test(tc, test_restart_fence_abort);
        tcase_add_test(tc, test_restart_started_immediately);
        tcase_add_test(tc, test_restart_conflict_runtime_policy);
        tcase_add_test(tc, test_restart_conflict_while_pending);
        tcase_add_test(tc, test_restart_merge_recorded);
        tcase_add_test(tc, test_restart_conflict_strategy);
        tcase_add_test(tc, test_restart_correlated);
        tcase_add_test(tc, test_idempotent_command_recorded);
        tcase_add_test(tc, test_shutdown_correlated);
        tcase_add_test(tc, test_stale_reports);
        tcase_add_test(tc, test_spawn_failure_keeps_verdict);
        tcase_add_test(tc, test_fenced_spawn_failure);
        tcase_add_test(tc, test_fence_wait_counted);
        tcase_add_test(tc, test_spawn_failure_with_restart_pending);
        tcase_add_test(tc, test_commands_stop_start_pause_resume);
        tcase_add_test(tc, test_stop_during_strategy_restart);
        tcase_add_test(tc, test_state_changed);
        tcase_add_test(tc, test_event_table);
        tcase_add_test(tc, test_reload_unchanged);
        tcase_add_test(tc, test_fingerprint_ignores_resources);
        tcase_add_test(tc, test_reload_adds_in_order);
        tcase_add_test(tc, test_reload_removes_fenced);
        tcase_add_test(tc, test_reload_removes_at_rest);
        tcase_add_test(tc, test_reload_changed_restarts_fenced);
        tcase_add_test(tc, test_reload_changed_at_rest_waits);
        tcase_add_test(tc, test_reload_refused_untouched);
        tcase_add_test(tc, test_reload_readd_keeps_generations);
        tcase_add_test(tc, test_reload_readd_retiring_sidecar);
        tcase_add_test(tc, test_reload_during_strategy_restart);
        tcase_add_test(tc, test_quarantine_child);
        tcase_add_test(tc, test_quarantine_child_in_backoff);
        tcase_add_test(tc, test_resume_supervisor_correlated);
        tcase_add_test(tc, test_restart_budget_window_slides);
        tcase_add_test(tc, test_restart_budget_reset_announced);
        suite_add_tcase(s, tc);

        tc = tcase_create("adopt");
        tcase_add_test(tc, test_adopt_simple);
        tcase_add_test(tc, test_adopt_attempt_given);
        tcase_add_test(tc, test_adopt_notify_not_ready_holds);
        tcase_add_test(tc, test_adopt_notify_ready_watchdog);
        tcase_add_test(tc, test_adopt_exit_unknown);
        tcase_add_test(tc, test_adopt_main_gone);
        tcase_add_test(tc, test_adopt_stopping);
        tcase_add_test(tc, test_adopt_main_gone_shutdown_gives_up);
        tcase_add_test(tc, test_adopt_pending_restart);
        tcase_add_test(tc, test_adopt_refused);
        tcase_add_test(tc, test_adopt_next_generation);
        tcase_add_test(tc, test_adopt_restore_stopped);
        tcase_add_test(tc, test_adopt_sidecar_and_strategy);
        suite_add_tcase(s, tc);

        tc = tcase_create("save");
        tcase_add_test(tc, test_save_states);
        tcase_add_test(tc, test_restore_spawn_error);
        tcase_add_test(tc, test_save_round_trip);
        tcase_add_test(tc, test_save_windows_across_restart);
        tcase_add_test(tc, test_save_quarantine);
        tcase_add_test(tc, test_restore_quarantine_stops_adopted);
        tcase_add_test(tc, test_quarantine_child_saved);
        tcase_add_test(tc, test_restore_refused);
        tcase_add_test(tc, test_exit_cause);
        tcase_add_test(tc, test_fingerprint);
        tcase_add_test(tc, test_adopt_changed_fingerprint);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* engine-health.c: health checks (ExecHealthCheck=) and heartbeats (HeartbeatSec=) of the incarnation that
 * is up.
 *
 * The engine owns all of their timing, on its own timers and the injected
 * clock: it asks for a probe (STEWARD_ACTION_PROBE), the daemon runs it
 * inside the incarnation and reports its end, as with SPAWN and spawned.
 * The semantics are in "Health" at the top of steward-engine.h. */
#include "config.h"

#include "engine-private.h"

static gboolean
health_wanted(Child *c)
{
        return c->has_probe || c->heartbeat_usec > 0;
}

/* Running, or ready for Type=notify, and not on its way out. */
static gboolean
health_child_up(Child *c)
{
        return c->inc == INC_UP && c->ready && !c->stopping && !c->notified_stopping;
}

static void
health_arm(StewardEngine *e, StewardTimer *t, TimerKind kind, guint64 delay)
{
        guint64 when = G_MAXUINT64 - e->now > delay ? e->now + delay : G_MAXUINT64 - 1;

        steward_timers_arm(&e->timers, t, when, kind);
}

static void
health_disarm(StewardEngine *e, StewardTimer *t)
{
        if (steward_timer_is_armed(t))
                steward_timers_disarm(&e->timers, t);
}

StewardChildHealth
engine_child_health(Child *c)
{
        if (!c->health_active)
                return STEWARD_CHILD_HEALTH_NONE;
        if (c->stale)
                return STEWARD_CHILD_HEALTH_STALE;
        if (!c->has_probe)
                return c->heartbeat_seen ? STEWARD_CHILD_HEALTH_HEALTHY : STEWARD_CHILD_HEALTH_STARTING;
        return c->probe_health;
}

static void
health_push_probe_action(StewardEngine *e, StewardActionType type, Child *c)
{
        StewardAction *a = engine_push_action(e, type);

        a->child = c->node.name;
        a->generation = c->generation;
        a->attempt = c->attempt;
        a->probe = c->probe;
}

/* One event per change of what Health shows: child_healthy, child_unhealthy, child_stale. Coming up
 * (starting) and going down ("") are told by the child's state already. */
static void
health_publish(StewardEngine *e, Child *c, StewardDecision action)
{
        StewardChildHealth h = engine_child_health(c);
        StewardEvent *ev;

        if (h == c->health_shown)
                return;
        c->health_shown = h;
        mark_child(e, c);
        switch (h) {
        case STEWARD_CHILD_HEALTH_HEALTHY:
                (void) engine_emit_child(e, STEWARD_EVENT_CHILD_HEALTHY, c);
                break;
        case STEWARD_CHILD_HEALTH_UNHEALTHY:
                ev = engine_emit_child(e, STEWARD_EVENT_CHILD_UNHEALTHY, c);
                if (c->probe_error) {
                        ev->error = g_strdup(c->probe_error);
                        ev->fields |= STEWARD_EVENT_FIELD_ERROR;
                } else {
                        ev->exit_code = c->probe_code;
                        ev->exit_status = c->probe_status;
                        ev->fields |= STEWARD_EVENT_FIELD_EXIT;
                }
                if (action != STEWARD_DECISION_NONE)
                        engine_ev_decision(ev, action);
                break;
        case STEWARD_CHILD_HEALTH_STALE:
                (void) engine_emit_child(e, STEWARD_EVENT_CHILD_STALE, c);
                break;
        case STEWARD_CHILD_HEALTH_NONE:
        case STEWARD_CHILD_HEALTH_STARTING:
        case _STEWARD_CHILD_HEALTH_MAX:
                break;
        }
}

static void
health_start(StewardEngine *e, Child *c)
{
        c->health_active = TRUE;
        c->health_generation = c->generation;
        c->health_since = e->now;
        c->probe_health = STEWARD_CHILD_HEALTH_STARTING;
        c->health_shown = STEWARD_CHILD_HEALTH_STARTING;
        c->stale = FALSE;
        c->heartbeat_seen = FALSE;
        c->health_failures = 0;
        c->probe_running = FALSE;
        c->probe_timed_out = FALSE;
        g_clear_pointer(&c->probe_error, g_free);
        if (c->has_probe)
                health_arm(e, &c->probe_timer, TIMER_PROBE_INTERVAL, c->health_interval_usec);
        if (c->heartbeat_usec > 0)
                health_arm(e, &c->heartbeat_timer, TIMER_HEARTBEAT, c->heartbeat_usec);
        mark_child(e, c);
}

/* The incarnation is no longer up (or gone): its checks end with it. */
void
engine_child_health_stop(StewardEngine *e, Child *c)
{
        if (!c->health_active)
                return;
        c->health_active = FALSE;
        health_disarm(e, &c->probe_timer);
        health_disarm(e, &c->heartbeat_timer);
        /* One that timed out was killed already; its end is ignored like this one's. */
        if (c->probe_running && !c->probe_timed_out)
                health_push_probe_action(e, STEWARD_ACTION_CANCEL_PROBE, c);
        c->probe_running = FALSE;
        c->probe_timed_out = FALSE;
        c->stale = FALSE;
        c->health_shown = STEWARD_CHILD_HEALTH_NONE;
        mark_child(e, c);
}

/* Called for every child an input touched, before its properties are compared: checks start when an
 * incarnation comes up, whichever way it did (spawned, READY=1, adopted), and end when it is no
 * longer up, whichever way that happened. */
void
engine_child_health_sync(StewardEngine *e, Child *c)
{
        gboolean up = health_wanted(c) && health_child_up(c);

        if (c->health_active && (!up || c->health_generation != c->generation))
                engine_child_health_stop(e, c);
        if (up && !c->health_active)
                health_start(e, c);
}

/* HealthAction=restart: once through the fence, counted like a crash (@exceeded: the child's budget
 * is spent by it). */
static void
health_restart(StewardEngine *e, Child *c, gboolean exceeded)
{
        Sup *s = c->node.parent;
        StewardCommandOutcome o = { 0 };
        Cmd cmd = { 0 };

        if (exceeded) {
                /* Given up, as the policy gives up a child that crashes too often. */
                c->mode = MODE_FAILED;
                c->rest_decision = STEWARD_DECISION_GIVEN_UP;
                c->forced_failure = TRUE;
                engine_child_request_stop(e, c, STOP_FORCED, c->kill_signal);
                if (engine_sup_count_restart(e, s))
                        engine_sup_fail(e, s, &c->node);
                return;
        }
        if (engine_sup_count_restart(e, s)) {
                engine_sup_fail(e, s, &c->node);
                return;
        }
        c->restart_count++;
        cmd.id = g_strdup_printf("health-%s-%" G_GUINT64_FORMAT, c->node.name, c->generation);
        cmd.reason = g_strdup("the health check failed");
        engine_child_restart_fenced(e, c, &cmd, &o);
        engine_cmd_clear(&cmd);
}

static gboolean
health_may_restart(StewardEngine *e, Child *c)
{
        return c->health_action == STEWARD_HEALTH_ACTION_RESTART && c->mode == MODE_AUTO && !c->stopping &&
               !c->restart_pending && !e->shutting_down && engine_node_blocked(e, &c->node) == BLOCK_NONE;
}

/* A probe's verdict: success, or one more failure unless within the start period. */
static void
health_judge(StewardEngine *e, Child *c, gboolean success)
{
        gboolean became_unhealthy = FALSE;
        gboolean restart, exceeded = FALSE;

        if (success) {
                c->health_failures = 0;
                c->probe_health = STEWARD_CHILD_HEALTH_HEALTHY;
        } else if (e->now - c->health_since < c->health_start_period_usec) {
                /* Still starting: a failure now does not count. */
        } else if (c->health_failures < G_MAXUINT) {
                c->health_failures++;
                if (c->health_failures >= c->health_retries &&
                    c->probe_health != STEWARD_CHILD_HEALTH_UNHEALTHY) {
                        c->probe_health = STEWARD_CHILD_HEALTH_UNHEALTHY;
                        became_unhealthy = TRUE;
                }
        }
        restart = became_unhealthy && health_may_restart(e, c);
        if (restart)
                exceeded = engine_window_exceeded(&c->budget, c->intensity, c->period_usec, e->now);
        health_publish(e, c,
                       !restart   ? STEWARD_DECISION_NONE
                       : exceeded ? STEWARD_DECISION_GIVEN_UP
                                  : STEWARD_DECISION_RESTART);
        if (restart)
                health_restart(e, c, exceeded);
}

void
engine_child_health_timer_fired(StewardEngine *e, Child *c, TimerKind kind)
{
        switch (kind) {
        case TIMER_PROBE_INTERVAL:
                c->probe = ++e->next_probe;
                c->probe_running = TRUE;
                c->probe_timed_out = FALSE;
                health_push_probe_action(e, STEWARD_ACTION_PROBE, c);
                health_arm(e, &c->probe_timer, TIMER_PROBE_TIMEOUT, c->health_timeout_usec);
                break;
        case TIMER_PROBE_TIMEOUT:
                /* Killed, and judged now; the next interval waits for its end all the same. */
                c->probe_timed_out = TRUE;
                health_push_probe_action(e, STEWARD_ACTION_CANCEL_PROBE, c);
                g_free(c->probe_error);
                c->probe_error = g_strdup("timeout");
                health_judge(e, c, FALSE);
                break;
        case TIMER_HEARTBEAT:
                c->stale = TRUE;
                health_publish(e, c, STEWARD_DECISION_NONE);
                break;
        default:
                g_assert_not_reached();
        }
}

void
engine_child_probe_ended(StewardEngine *e, Child *c, StewardExitCode code, int status, const char *error)
{
        gboolean timed_out = c->probe_timed_out;

        c->probe_running = FALSE;
        c->probe_timed_out = FALSE;
        health_disarm(e, &c->probe_timer);
        /* Never two at once: the next interval starts once this one is over. */
        health_arm(e, &c->probe_timer, TIMER_PROBE_INTERVAL, c->health_interval_usec);
        if (timed_out)
                return;
        c->probe_code = code;
        c->probe_status = status;
        g_free(c->probe_error);
        c->probe_error = error ? g_strdup(error) : NULL;
        health_judge(e, c, !error && code == STEWARD_EXIT_CODE_EXITED && status == 0);
}

/* WATCHDOG=1 of the incarnation that is up. */
void
engine_child_heartbeat(StewardEngine *e, Child *c)
{
        if (!c->health_active || c->heartbeat_usec == 0)
                return;
        c->heartbeat_seen = TRUE;
        c->stale = FALSE;
        health_arm(e, &c->heartbeat_timer, TIMER_HEARTBEAT, c->heartbeat_usec);
        health_publish(e, c, STEWARD_DECISION_NONE);
}

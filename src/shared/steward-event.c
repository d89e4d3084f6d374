/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-event.c: the one table of event kinds and severities, decision names and exit-code names. */
#include "config.h"

#include <sys/wait.h>

#include "steward-event.h"
#include "steward-journal-fields.h"

typedef struct {
        const char *name;
        StewardSeverity severity;
} KindInfo;

/* Indexed by StewardEventKind: the only place a kind's name is spelled. */
static const KindInfo kind_table[_STEWARD_EVENT_KIND_MAX] = {
        [STEWARD_EVENT_MANAGER_STARTED] = { "manager_started", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_MANAGER_READY] = { "manager_ready", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_MANAGER_STOPPING] = { "manager_stopping", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CONFIG_LOADED] = { "config_loaded", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CONFIG_REJECTED] = { "config_rejected", STEWARD_SEVERITY_ERROR },
        [STEWARD_EVENT_CHILD_STARTING] = { "child_starting", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_STARTED] = { "child_started", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_READY] = { "child_ready", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_STATUS] = { "child_status", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_EXITED] = { "child_exited", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_SPAWN_FAILED] = { "child_spawn_failed", STEWARD_SEVERITY_ERROR },
        [STEWARD_EVENT_CHILD_START_TIMEOUT] = { "child_start_timeout", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_WATCHDOG_EXPIRED] = { "child_watchdog_expired", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_BACKOFF_SCHEDULED] = { "child_backoff_scheduled", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_RESTARTING] = { "child_restarting", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_STOPPED] = { "child_stopped", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_PAUSED] = { "child_paused", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_RESUMED] = { "child_resumed", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_QUARANTINED] = { "child_quarantined", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_QUARANTINE_ENTERED] = { "child_quarantine_entered", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED] = { "child_restart_fence_entered",
                                                        STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_CONTROL_CANCEL_DELIVERED] = { "child_control_cancel_delivered",
                                                           STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED] = { "child_restart_fence_abort_requested",
                                                                STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED] = { "child_control_stop_completed",
                                                         STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED] = { "child_restart_fence_released",
                                                         STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_RESTART_CONFLICT] = { "child_restart_conflict", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT] = { "child_attempt_stale_report", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_SUPERVISOR_RESTARTING] = { "supervisor_restarting", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED] = { "supervisor_intensity_exceeded",
                                                          STEWARD_SEVERITY_ERROR },
        [STEWARD_EVENT_TREE_SHUTDOWN_STARTED] = { "tree_shutdown_started", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED] = { "tree_shutdown_completed", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_COMMAND_DENIED] = { "command_denied", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_STATE_DISCARDED] = { "state_discarded", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_ADOPTED] = { "child_adopted", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_LOST] = { "child_lost", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_LEFTOVER_STOPPED] = { "leftover_stopped", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_TREE_ADOPTED] = { "tree_adopted", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_COMMAND_COMPLETED] = { "command_completed", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_ADDED] = { "child_added", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_REMOVED] = { "child_removed", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_JOURNAL_UNAVAILABLE] = { "journal_unavailable", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_JOURNAL_AVAILABLE] = { "journal_available", STEWARD_SEVERITY_NOTICE },
        [STEWARD_EVENT_CHILD_HEALTHY] = { "child_healthy", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_UNHEALTHY] = { "child_unhealthy", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_STALE] = { "child_stale", STEWARD_SEVERITY_WARNING },
        [STEWARD_EVENT_CHILD_RELOADING] = { "child_reloading", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_RELOADED] = { "child_reloaded", STEWARD_SEVERITY_INFO },
        [STEWARD_EVENT_CHILD_RELOAD_FAILED] = { "child_reload_failed", STEWARD_SEVERITY_WARNING },
};

static const char *const decision_table[_STEWARD_DECISION_MAX] = {
        [STEWARD_DECISION_NONE] = "",
        [STEWARD_DECISION_STARTED_IMMEDIATELY] = "started_immediately",
        [STEWARD_DECISION_QUEUED_AFTER_STOP] = "queued_after_stop",
        [STEWARD_DECISION_ALREADY_PENDING] = "already_pending",
        [STEWARD_DECISION_BLOCKED_BY_SHUTDOWN] = "blocked_by_shutdown",
        [STEWARD_DECISION_BLOCKED_BY_QUARANTINE] = "blocked_by_quarantine",
        [STEWARD_DECISION_BLOCKED_BY_SUPERVISOR] = "blocked_by_supervisor",
        [STEWARD_DECISION_WAITING_FOR_PRIMARY] = "waiting_for_primary",
        [STEWARD_DECISION_ALREADY_RUNNING] = "already_running",
        [STEWARD_DECISION_STOP_DELIVERED] = "stop_delivered",
        [STEWARD_DECISION_STOPPED_IMMEDIATELY] = "stopped_immediately",
        [STEWARD_DECISION_ALREADY_STOPPED] = "already_stopped",
        [STEWARD_DECISION_ALREADY_STOPPING] = "already_stopping",
        [STEWARD_DECISION_PAUSED] = "paused",
        [STEWARD_DECISION_ALREADY_PAUSED] = "already_paused",
        [STEWARD_DECISION_RESUMED] = "resumed",
        [STEWARD_DECISION_NOT_PAUSED] = "not_paused",
        [STEWARD_DECISION_NOT_QUARANTINED] = "not_quarantined",
        [STEWARD_DECISION_QUARANTINED] = "quarantined",
        [STEWARD_DECISION_ALREADY_QUARANTINED] = "already_quarantined",
        [STEWARD_DECISION_SHUTDOWN_STARTED] = "shutdown_started",
        [STEWARD_DECISION_ALREADY_SHUTTING_DOWN] = "already_shutting_down",
        [STEWARD_DECISION_SUCCESS] = "success",
        [STEWARD_DECISION_FAILURE] = "failure",
        [STEWARD_DECISION_STOP] = "stop",
        [STEWARD_DECISION_RESTART] = "restart",
        [STEWARD_DECISION_GIVEN_UP] = "given_up",
        [STEWARD_DECISION_FINISHED] = "finished",
        [STEWARD_DECISION_ONE_FOR_ONE] = "one-for-one",
        [STEWARD_DECISION_ONE_FOR_ALL] = "one-for-all",
        [STEWARD_DECISION_REST_FOR_ONE] = "rest-for-one",
        [STEWARD_DECISION_ESCALATE_PARENT] = "escalate_parent",
        [STEWARD_DECISION_ESCALATE_SHUTDOWN] = "escalate_shutdown",
        [STEWARD_DECISION_ESCALATE_QUARANTINE] = "escalate_quarantine",
        [STEWARD_DECISION_CLEAN] = "clean",
        [STEWARD_DECISION_TIMEOUT] = "timeout",
        [STEWARD_DECISION_RUNTIME_POLICY] = "runtime_policy",
        [STEWARD_DECISION_RELOAD_REQUESTED] = "reload_requested",
        [STEWARD_DECISION_ALREADY_RELOADING] = "already_reloading",
        [STEWARD_DECISION_NOT_RUNNING] = "not_running",
};

const char *
steward_event_kind_to_string(StewardEventKind kind)
{
        if ((guint) kind >= _STEWARD_EVENT_KIND_MAX)
                return NULL;
        return kind_table[kind].name;
}

gboolean
steward_event_kind_from_string(const char *s, StewardEventKind *ret)
{
        if (!s)
                return FALSE;
        for (guint i = 0; i < _STEWARD_EVENT_KIND_MAX; i++)
                if (g_str_equal(kind_table[i].name, s)) {
                        *ret = (StewardEventKind) i;
                        return TRUE;
                }
        return FALSE;
}

StewardSeverity
steward_event_kind_severity(StewardEventKind kind)
{
        if ((guint) kind >= _STEWARD_EVENT_KIND_MAX)
                return STEWARD_SEVERITY_ERROR;
        return kind_table[kind].severity;
}

const char *
steward_decision_to_string(StewardDecision d)
{
        if ((guint) d >= _STEWARD_DECISION_MAX)
                return NULL;
        return decision_table[d];
}

gboolean
steward_decision_from_string(const char *s, StewardDecision *ret)
{
        /* "" is NONE's name but not a decision anyone sends. */
        if (!s || !*s)
                return FALSE;
        for (guint i = 0; i < _STEWARD_DECISION_MAX; i++)
                if (g_str_equal(decision_table[i], s)) {
                        *ret = (StewardDecision) i;
                        return TRUE;
                }
        return FALSE;
}

const char *
steward_exit_code_to_string(StewardExitCode code)
{
        switch (code) {
        case STEWARD_EXIT_CODE_EXITED:
                return "exited";
        case STEWARD_EXIT_CODE_KILLED:
                return "killed";
        case STEWARD_EXIT_CODE_DUMPED:
                return "dumped";
        case STEWARD_EXIT_CODE_UNKNOWN:
                return "unknown";
        case STEWARD_EXIT_CODE_NONE:
                break;
        }
        return "";
}

const char *
steward_exit_cause_to_string(StewardExitCause cause)
{
        switch (cause) {
        case STEWARD_EXIT_CAUSE_OOM_KILL:
                return "oom-kill";
        case STEWARD_EXIT_CAUSE_TASKS_MAX:
                return "tasks-max";
        case STEWARD_EXIT_CAUSE_NONE:
        case _STEWARD_EXIT_CAUSE_MAX:
                break;
        }
        return "";
}

gboolean
steward_exit_cause_from_string(const char *s, StewardExitCause *ret)
{
        for (int c = STEWARD_EXIT_CAUSE_NONE; c < _STEWARD_EXIT_CAUSE_MAX; c++)
                if (g_strcmp0(s, steward_exit_cause_to_string(c)) == 0) {
                        *ret = c;
                        return TRUE;
                }
        return FALSE;
}

void
steward_exit_code_from_wait_status(int wait_status, StewardExitCode *code, int *status)
{
        if (WIFEXITED(wait_status)) {
                *code = STEWARD_EXIT_CODE_EXITED;
                *status = WEXITSTATUS(wait_status);
        } else if (WIFSIGNALED(wait_status)) {
                *code = WCOREDUMP(wait_status) ? STEWARD_EXIT_CODE_DUMPED : STEWARD_EXIT_CODE_KILLED;
                *status = WTERMSIG(wait_status);
        } else {
                /* Stopped/continued are not terminations; nobody should pass them. */
                *code = STEWARD_EXIT_CODE_NONE;
                *status = 0;
        }
}

void
steward_event_clear(StewardEvent *ev)
{
        if (!ev)
                return;
        g_free(ev->command_id);
        g_free(ev->reason);
        g_free(ev->actor_comm);
        g_free(ev->error);
        g_free(ev->status_text);
        memset(ev, 0, sizeof(*ev));
}

void
steward_event_copy(StewardEvent *dst, const StewardEvent *src)
{
        *dst = *src;
        dst->command_id = g_strdup(src->command_id);
        dst->reason = g_strdup(src->reason);
        dst->actor_comm = g_strdup(src->actor_comm);
        dst->error = g_strdup(src->error);
        dst->status_text = g_strdup(src->status_text);
}

/* Generated once with systemd-id128 new; never change one. */
static const char *const message_ids[_STEWARD_EVENT_KIND_MAX] = {
        [STEWARD_EVENT_MANAGER_STARTED] = "43968639ff4942908db7b1ffeb32c999",
        [STEWARD_EVENT_MANAGER_READY] = "6a0da16aef834922ae688043a0f86383",
        [STEWARD_EVENT_MANAGER_STOPPING] = "0e1ba09c7dbd458999d9d22f33e67675",
        [STEWARD_EVENT_CONFIG_LOADED] = "27afb53f58824511a1e80fe407a6b06f",
        [STEWARD_EVENT_CONFIG_REJECTED] = "cfbbe735f994470394a724a8174ddf87",
        [STEWARD_EVENT_CHILD_STARTING] = "71c825bfb9184511999384a902e94ff3",
        [STEWARD_EVENT_CHILD_STARTED] = "f69a157e6d2a462f9463a686f092efdc",
        [STEWARD_EVENT_CHILD_READY] = "8198abefad344485be2f0d78266fa467",
        [STEWARD_EVENT_CHILD_STATUS] = "c39c80568a08469f91d08a099f1e613c",
        [STEWARD_EVENT_CHILD_EXITED] = "c719d5fe28e6455a8b100fb766e11638",
        [STEWARD_EVENT_CHILD_SPAWN_FAILED] = "7583e10b966f4d79becbf6650a5da423",
        [STEWARD_EVENT_CHILD_START_TIMEOUT] = "204fc39ee23044f99aab86a8f032f731",
        [STEWARD_EVENT_CHILD_WATCHDOG_EXPIRED] = "f73f0a3121584770aceff9dc7f140d76",
        [STEWARD_EVENT_CHILD_BACKOFF_SCHEDULED] = "7becc25650fe4f98b8d525cc70a1cceb",
        [STEWARD_EVENT_CHILD_RESTARTING] = "a46c265d8ec349a6a4419a43c657aa57",
        [STEWARD_EVENT_CHILD_STOPPED] = "9e11cb39ae434d0cb3e1ab899905a35a",
        [STEWARD_EVENT_CHILD_PAUSED] = "3013e4ae1d144f6a8be895d0fe88496e",
        [STEWARD_EVENT_CHILD_RESUMED] = "3dbd82b1fe0a4cf8a832505f5b43d1f8",
        [STEWARD_EVENT_CHILD_QUARANTINED] = "b784c940658a422b966b893007dfba3c",
        [STEWARD_EVENT_CHILD_QUARANTINE_ENTERED] = "c646f47d33ed42a2bf638c2413fc6941",
        [STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED] = "9422d0ea38b641df8fd003526246a4e2",
        [STEWARD_EVENT_CHILD_CONTROL_CANCEL_DELIVERED] = "4ab2308a1b1d44f492398df18c8196a8",
        [STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED] = "c75d206891ef484582dbb864c5d41e20",
        [STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED] = "f979eb9bc2cc4a4aad5147379ca353f9",
        [STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED] = "d5e4fec0148f4df2b2259fa79080e969",
        [STEWARD_EVENT_CHILD_RESTART_CONFLICT] = "629b92fb5ade40bdbf4255a95b7a2c4d",
        [STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT] = "84a3ea878cbb400aa60c23efd833bc04",
        [STEWARD_EVENT_SUPERVISOR_RESTARTING] = "892f2b8f9da64b16a87c1c1605e550b0",
        [STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED] = "f71a0a396e2149918f3adedacea6d5b8",
        [STEWARD_EVENT_TREE_SHUTDOWN_STARTED] = "26308ea3b65d45b5a03c508339bf232b",
        [STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED] = "bb03795f544d4d11b1686144930e71ac",
        [STEWARD_EVENT_COMMAND_DENIED] = "230f4d67ea144e3a91af27b369c14b78",
        [STEWARD_EVENT_STATE_DISCARDED] = "03aebadab4a64c298488871031d81b27",
        [STEWARD_EVENT_CHILD_ADOPTED] = "4207a7019c1a49a79e9922f5419bb9ed",
        [STEWARD_EVENT_CHILD_LOST] = "13347884f3cf4114925dc9e9e7ab5b55",
        [STEWARD_EVENT_LEFTOVER_STOPPED] = "7639d5d212d9430d8107221fa84d21ce",
        [STEWARD_EVENT_TREE_ADOPTED] = "56ac9c510b944305880cbb1e8593a201",
        [STEWARD_EVENT_COMMAND_COMPLETED] = "ddbd4c619a4049a2a2631971cba8e7cc",
        [STEWARD_EVENT_CHILD_ADDED] = "74b9e88a3e0f49e281a83d0c786883b4",
        [STEWARD_EVENT_CHILD_REMOVED] = "9beb8a47c59f428585db63b13514ead8",
        [STEWARD_EVENT_JOURNAL_UNAVAILABLE] = "96d0ca60dcad4d83840c5d52b2d7c733",
        [STEWARD_EVENT_JOURNAL_AVAILABLE] = "c9548f47d16c4b4e930f5c4c0194fdb2",
        [STEWARD_EVENT_CHILD_HEALTHY] = "1abdaa0a833e4d3a8ba09a84627a3ad3",
        [STEWARD_EVENT_CHILD_UNHEALTHY] = "9d01c9bb8f824457918f2c9e112cac8f",
        [STEWARD_EVENT_CHILD_STALE] = "06f1b665b91e4723ab061e37042e5dbe",
        [STEWARD_EVENT_CHILD_RELOADING] = "7a9cdee0bda143bc83d9c2124c387050",
        [STEWARD_EVENT_CHILD_RELOADED] = "43dd59268ff749678ac80b07c4d7cb13",
        [STEWARD_EVENT_CHILD_RELOAD_FAILED] = "ba82dfd3b92547da88dd3ff3f1f378f2",
};

const char *
steward_event_kind_message_id(StewardEventKind kind)
{
        return (guint) kind < _STEWARD_EVENT_KIND_MAX ? message_ids[kind] : NULL;
}

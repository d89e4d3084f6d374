/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-journal-fields.h: the journal field names and the MESSAGE_ID of every event kind
 * (docs/ARCHITECTURE.md, "Events"). */
#pragma once

#include "steward-event.h"

/* Structured fields of every steward event entry. */
#define STEWARD_FIELD_EVENT "STEWARD_EVENT"
#define STEWARD_FIELD_SEQUENCE "STEWARD_SEQUENCE"
#define STEWARD_FIELD_CHILD "STEWARD_CHILD"
#define STEWARD_FIELD_SUPERVISOR "STEWARD_SUPERVISOR"
#define STEWARD_FIELD_GENERATION "STEWARD_GENERATION"
#define STEWARD_FIELD_ATTEMPT "STEWARD_ATTEMPT"
#define STEWARD_FIELD_UNIT "STEWARD_UNIT"
#define STEWARD_FIELD_MAIN_PID "STEWARD_MAIN_PID"
#define STEWARD_FIELD_COMMAND_ID "STEWARD_COMMAND_ID"
#define STEWARD_FIELD_REASON "STEWARD_REASON"
#define STEWARD_FIELD_DECISION "STEWARD_DECISION"
#define STEWARD_FIELD_EXIT_CODE "STEWARD_EXIT_CODE"
#define STEWARD_FIELD_EXIT_STATUS "STEWARD_EXIT_STATUS"
#define STEWARD_FIELD_ACTOR_UID "STEWARD_ACTOR_UID"
#define STEWARD_FIELD_ACTOR_PID "STEWARD_ACTOR_PID"
#define STEWARD_FIELD_ACTOR_COMM "STEWARD_ACTOR_COMM"
/* More fields, where an event has them (docs/ARCHITECTURE.md, "Events"). */
#define STEWARD_FIELD_ERROR "STEWARD_ERROR"
#define STEWARD_FIELD_TARGET_GENERATION "STEWARD_TARGET_GENERATION"
#define STEWARD_FIELD_DELAY_USEC "STEWARD_DELAY_USEC"
#define STEWARD_FIELD_STATUS_TEXT "STEWARD_STATUS_TEXT"
#define STEWARD_FIELD_SIGNAL "STEWARD_SIGNAL"
#define STEWARD_FIELD_MERGED "STEWARD_MERGED"
#define STEWARD_FIELD_BACKEND "STEWARD_BACKEND"
/* child_exited: what the kernel says ended it (oom-kill, tasks-max), when it says. */
#define STEWARD_FIELD_EXIT_CAUSE "STEWARD_EXIT_CAUSE"
/* A rate-limited kind's summary entry: how many like it were held back. */
#define STEWARD_FIELD_SUPPRESSED "STEWARD_SUPPRESSED"
/* Every entry: the daemon run that wrote it (its unit's INVOCATION_ID, or a
 * fresh id per exec), so child + generation + invocation names one
 * incarnation across any number of stewardd runs. */
#define STEWARD_FIELD_INVOCATION_ID "STEWARD_INVOCATION_ID"
/* Not an event: the entry stewardd writes once the journal takes entries
 * again, counting those it could not write meanwhile. */
#define STEWARD_FIELD_JOURNAL_LOST "STEWARD_JOURNAL_LOST"

/* The MESSAGE_ID of @kind, as 32 hex digits (sd_id128 string form); NULL
 * when out of range. units/steward.catalog has an entry for every one of
 * them; a unit test keeps the two in step. */
const char *steward_event_kind_message_id(StewardEventKind kind);

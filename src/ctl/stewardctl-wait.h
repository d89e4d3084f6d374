/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-wait.h: when a command is carried out, told from stewardd's events, as systemctl waits for a
 * job. */
#pragma once

#include <glib.h>

/* A child command's answer says what stewardd decided; the command is
 * carried out afterwards: the next incarnation spawned and up, the last one
 * gone. What the caller waits for, from the outcome: */
typedef enum {
        STEWARDCTL_WAIT_NONE, /* nothing: the answer is the end of it */
        STEWARDCTL_WAIT_UP, /* the target generation up (running, or ready for Type=notify) */
        STEWARDCTL_WAIT_DOWN, /* every process of the child gone */
        STEWARDCTL_WAIT_RELOAD, /* a Type=notify child's reload done (READY=1 after RELOADING=1) */
} StewardctlWaitKind;

/* What an event means for the wait. */
typedef enum {
        STEWARDCTL_WAIT_PENDING,
        /* The target generation started: it is up if the child's Ready reads
         * true (Type=simple); a Type=notify child waits for child_ready. */
        STEWARDCTL_WAIT_ASK_READY,
        STEWARDCTL_WAIT_DONE,
        STEWARDCTL_WAIT_FAILED,
} StewardctlWaitStep;

typedef struct {
        StewardctlWaitKind kind;
        char *child;
        char *command_id;
        guint64 target_generation;
        /* An event of the command was seen. Every command's id is in at least
         * one event, emitted before its answer (command_completed when
         * nothing else records it), and events are numbered in order: an
         * event before it is older than the command and says nothing of it. */
        gboolean since_command;
} StewardctlWait;

/* From the answer to a child command (StartChild, RestartChild, ...,
 * ReloadChild) for @child. */
void stewardctl_wait_init(StewardctlWait *w, const char *child, GVariant *outcome);
/* RemoveChild of a child whose last incarnation is still stopping
 * (gone false), as @command_id: until every process of it is gone. */
void stewardctl_wait_init_gone(StewardctlWait *w, const char *child, const char *command_id);
/* An Event signal's values, in the order stewardd emitted them. */
StewardctlWaitStep stewardctl_wait_event(StewardctlWait *w, const char *kind, const char *child,
                                         guint64 generation, GVariant *fields);
void stewardctl_wait_clear(StewardctlWait *w);

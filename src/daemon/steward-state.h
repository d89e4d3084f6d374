/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-state.h: the state file one stewardd leaves to the next, so that a restart adopts the running
 * children. */
#pragma once

/*
 * The state file: the contract between two stewardd versions.
 *
 * What the service manager cannot tell a later stewardd about the running
 * incarnations (docs/LIVE-RESTORE.md, "The state file"). A GKeyFile:
 *
 *     [State]
 *     Version=1                      the layout below; another is discarded
 *     BootID=<32 lowercase hex>      sd_id128 of the boot; another is discarded
 *     Sequence=<n>                   the last event sequence number
 *     CommandCounter=<n>             the last command number
 *
 *     [Child NAME]                   one per child, NAME as steward_name_is_valid()
 *     Generation=<n>
 *     Attempt=<n>
 *     MainPID=<pid>                  optional: absent when no main process runs
 *     MainPIDStartTime=<ticks>       with MainPID=: /proc/PID/stat field 22
 *     Ready=true|false
 *     OperatorState=running|stopped|paused|quarantined|failed
 *     RestartWindow=<µs> <µs> ...    CLOCK_MONOTONIC of each counted restart, oldest first
 *     BackoffFailures=<n>            consecutive failures
 *     PendingCommand=ID KIND REASON  optional: a command the fence holds; ID and KIND
 *                                    as steward_name_is_valid(), REASON the rest of the
 *                                    value (may be empty), escaped as GKeyFile strings
 *     RestartCount=<n>               optional (0): the child's RestartCount
 *     Alive=true|false               optional (MainPID= given): an incarnation runs, its
 *                                    main process or what is left of it
 *     Stopping=true|false            optional (false): a stop was delivered to it
 *     Fingerprint=<text>             optional: steward_engine_get_child_fingerprint() of
 *                                    the spec the incarnation was started with; 1 to
 *                                    STEWARD_STATE_FINGERPRINT_MAX printable ASCII
 *                                    characters without spaces (an earlier reader
 *                                    ignores it: the adoption takes the spec unchanged)
 *     LastSpawnError=<text>          optional (none): the child's LastSpawnError, the
 *                                    failure of its last spawn; UTF-8, up to
 *                                    STEWARD_STATE_SPAWN_ERROR_MAX bytes, escaped as a
 *                                    GKeyFile string
 *     Quarantined=true|false         optional (false): QuarantineChild holds it down; written
 *                                    with OperatorState=paused, so that an earlier reader
 *                                    keeps it down too (and lets ResumeChild lift it)
 *
 *     [Supervisor NAME]
 *     State=running|quarantined
 *     RestartWindow=<µs> <µs> ...
 *
 * Numbers are unsigned decimals without sign or spaces, up to G_MAXUINT64
 * (MainPID= 1 to G_MAXINT32, BackoffFailures= up to G_MAXUINT32). Every
 * key is required unless marked optional. A repeated group or key, a value
 * out of range, a name that is not valid, or more than
 * STEWARD_STATE_SIZE_MAX bytes make the whole file corrupt: it is written
 * by stewardd alone, so anything else was not.
 *
 * Keys and groups this version does not know are ignored, so that a later
 * stewardd may add information an earlier one can do without under the
 * same Version=. Anything a reader must understand needs a new Version=.
 *
 * CLOCK_MONOTONIC is one clock for the whole boot and the BootID= check
 * keeps the file within one boot, so the timestamps mean the same to the
 * reader. (MainPID=, MainPIDStartTime=) names a process without a race
 * against PID reuse: steward_state_pid_matches().
 */

#include <glib.h>

#include "steward-mode.h"

G_BEGIN_DECLS

#define STEWARD_STATE_VERSION 1
/* Larger files are refused unread. */
#define STEWARD_STATE_SIZE_MAX (16 * 1024 * 1024)
/* The longest Fingerprint= (a SHA-256 in hex is 64). */
#define STEWARD_STATE_FINGERPRINT_MAX 128
/* The longest LastSpawnError=; a longer one is cut when saved. */
#define STEWARD_STATE_SPAWN_ERROR_MAX 4096

/* What an operator made of a child, as the state file spells it. */
typedef enum {
        STEWARD_STATE_OPERATOR_RUNNING,
        STEWARD_STATE_OPERATOR_STOPPED,
        STEWARD_STATE_OPERATOR_PAUSED,
        STEWARD_STATE_OPERATOR_QUARANTINED,
        STEWARD_STATE_OPERATOR_FAILED, /* given up by its restart policy */
        _STEWARD_STATE_OPERATOR_MAX,
} StewardStateOperator;

/* Why a state file was not believed: the reason of the state_discarded event. */
typedef enum {
        STEWARD_STATE_PROBLEM_NONE,
        STEWARD_STATE_PROBLEM_MISSING, /* no file */
        STEWARD_STATE_PROBLEM_UNREADABLE, /* not a regular file of ours, or a read error */
        STEWARD_STATE_PROBLEM_CORRUPT, /* too large, not a key file, or a malformed value */
        STEWARD_STATE_PROBLEM_OTHER_VERSION, /* Version= is not STEWARD_STATE_VERSION */
        STEWARD_STATE_PROBLEM_OTHER_BOOT, /* BootID= is not this boot's */
        _STEWARD_STATE_PROBLEM_MAX,
} StewardStateProblem;

/* A command the fence held when the state was written. */
typedef struct {
        char *id;
        char *kind;
        char *reason; /* "" when none */
} StewardStateCommand;

typedef struct {
        char *name;
        guint64 generation;
        guint64 attempt;
        guint32 main_pid; /* 0: none */
        guint64 main_pid_start_time; /* clock ticks since boot, with main_pid */
        gboolean ready;
        StewardStateOperator operator_state;
        GArray *restart_window; /* of guint64 monotonic µs, oldest first; never NULL */
        guint backoff_failures;
        StewardStateCommand *pending; /* NULL: none */
        guint restart_count;
        gboolean alive; /* an incarnation runs (main process or leftovers of it) */
        gboolean stopping; /* a stop was delivered to it */
        char *fingerprint; /* NULL: not known */
        char *spawn_error; /* LastSpawnError=; NULL: the last spawn did not fail */
        gboolean quarantined; /* Quarantined=, with operator_state paused */
        /* steward-state.c's own. A save shares the records of the children
         * that did not change since the last (steward_state_add_child_record()),
         * and a frozen record keeps its group as steward_state_to_data() wrote
         * it: only what changed is formatted, and only once. */
        grefcount ref;
        gboolean frozen; /* never to be changed again: shared, or its state frozen */
        char *text;
        gsize text_length;
} StewardChildRecord;

typedef struct {
        char *name;
        gboolean quarantined;
        GArray *restart_window; /* of guint64 monotonic µs, oldest first; never NULL */
} StewardSupervisorRecord;

typedef struct {
        guint version; /* STEWARD_STATE_VERSION */
        char *boot_id; /* 32 lowercase hex digits */
        guint64 sequence;
        guint64 command_counter;
        GPtrArray *children; /* of StewardChildRecord, in the order added */
        GPtrArray *supervisors; /* of StewardSupervisorRecord, in the order added */
        /* Their index by name (steward_state_add_*()): a save of every
         * child must not look each up in a list. */
        GHashTable *children_by_name;
        GHashTable *supervisors_by_name;
} StewardState;

const char *steward_state_operator_to_string(StewardStateOperator s);
gboolean steward_state_operator_from_string(const char *s, StewardStateOperator *ret);
/* "missing", "unreadable", "corrupt", "other-version", "other-boot" ("" for NONE). */
const char *steward_state_problem_to_string(StewardStateProblem p);

/* An empty state of this boot (boot_id NULL when the boot id cannot be
 * read: steward_state_save() then refuses it). */
StewardState *steward_state_new(void);
void steward_state_free(StewardState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardState, steward_state_free)

void steward_state_command_free(StewardStateCommand *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(StewardStateCommand, steward_state_command_free)
/* Sets @r's pending command (NULL @id: none); copies the strings. */
void steward_child_record_set_pending(StewardChildRecord *r, const char *id, const char *kind,
                                      const char *reason);

/* Adds a record for @name, which must be valid and not yet in @state; the
 * record belongs to @state. */
StewardChildRecord *steward_state_add_child(StewardState *state, const char *name);
StewardSupervisorRecord *steward_state_add_supervisor(StewardState *state, const char *name);
/* Adds @r, a record of another state, to @state too (a reference), for a
 * child whose record is what it was at the last save; its name must not be
 * in @state yet. From then on neither state may change @r. */
void steward_state_add_child_record(StewardState *state, StewardChildRecord *r);
/* Declares that no child record of @state will be changed again, so that
 * its text, made at the next save, is kept for the states that share them. */
void steward_state_freeze(StewardState *state);
StewardChildRecord *steward_state_find_child(const StewardState *state, const char *name);
StewardSupervisorRecord *steward_state_find_supervisor(const StewardState *state, const char *name);

/* Whether @state is one that steward_state_save() writes and
 * steward_state_load() accepts: names, boot id, windows oldest first,
 * pending commands. STEWARD_ERROR_INVALID_ARGS saying what is not. */
gboolean steward_state_validate(const StewardState *state, GError **error);

/* The file's text; NULL with an error for a state that does not validate.
 * A frozen record written once is not formatted (nor validated) again. */
char *steward_state_to_data(const StewardState *state, gsize *ret_length, GError **error);

/**
 * steward_state_from_data:
 * @boot_id: the boot the state must be of (32 lowercase hex digits)
 * @problem: (out) (optional): why not, STEWARD_STATE_PROBLEM_NONE on success
 *
 * Parses a state file's text (at most STEWARD_STATE_SIZE_MAX bytes).
 */
gboolean steward_state_from_data(const char *data, gsize length, const char *boot_id, StewardState **ret,
                                 StewardStateProblem *problem, GError **error);

/* Writes @state to @path atomically (a temporary file in the same
 * directory, renamed over @path: a reader sees the old file or the new,
 * never part of one), mode 0600. The directory must exist. */
gboolean steward_state_save(const StewardState *state, const char *path, GError **error);

/**
 * steward_state_load:
 * @problem: (out) (optional): why the file was refused
 *
 * Reads the state at @path, refusing a file that is missing, not a regular
 * file owned by us (symlinks are not followed), larger than
 * STEWARD_STATE_SIZE_MAX, malformed, of another Version= or of another
 * boot than this one. Never reads more than STEWARD_STATE_SIZE_MAX + 1
 * bytes.
 */
gboolean steward_state_load(const char *path, StewardState **ret, StewardStateProblem *problem,
                            GError **error);

/*
 * Changes written ahead of the state file. The state file is written only
 * when stewardd's loop is idle (and seconds apart in a big tree), so what
 * a kill in between must not lose is appended as it happens to a file of
 * its own, "changes" beside the state file, emptied once a save holds it
 * (docs/LIVE-RESTORE.md, "Written ahead"). A line each, in one write(2),
 * so that what a kill leaves is whole lines:
 *
 *     ready NAME GENERATION     a Type=notify child's READY=1, which it
 *                               says once
 *     mode NAME STATE           what an operator made of the child, or its
 *                               restart policy (failed): STATE as
 *                               OperatorState= spells it
 *     supervisor NAME STATE     a supervisor quarantined (its intensity
 *                               exceeded) or running again (ResumeSupervisor):
 *                               STATE "quarantined" or "running"
 *
 * NAME as steward_name_is_valid(), GENERATION an unsigned decimal.
 */

/* The lines, free with g_free(); *@ret_length their length. */
char *steward_state_note_ready(const char *child, guint64 generation, gsize *ret_length);
char *steward_state_note_mode(const char *child, StewardStateOperator mode, gsize *ret_length);
char *steward_state_note_supervisor(const char *supervisor, gboolean quarantined, gsize *ret_length);
/* Applies the lines of @data to @state's records: a readiness to the
 * record of that child and generation (another generation changes
 * nothing), a child's last mode to its record (quarantined as the state
 * file spells it: paused, Quarantined=), a supervisor's last quarantine
 * to its record. A child the state does not know (added since) gets a
 * record if it has a mode line: that mode, the newest generation it was
 * ready as (0 if none) counted as run, ready if it was. A supervisor the
 * state does not know is left out. A last line without its newline is
 * ignored. Any other malformed line, or more than STEWARD_STATE_SIZE_MAX
 * bytes, refuse the whole text (STEWARD_ERROR_INVALID_ARGS) and change
 * nothing. @state's records must not be frozen. *@ret_applied: how many
 * records changed or were made. */
gboolean steward_state_apply_notes(StewardState *state, const char *data, gsize length, guint *ret_applied,
                                   GError **error);
/* steward_state_apply_notes() with the file at @path, read as
 * steward_state_load() reads the state file; no file is an empty one. */
gboolean steward_state_load_notes(StewardState *state, const char *path, guint *ret_applied, GError **error);

/* This boot's id, 32 lowercase hex digits. */
char *steward_state_boot_id(GError **error);

/* The start time of process @pid (/proc/PID/stat field 22, clock ticks
 * since boot); 0 when there is no such process. A zombie still has one. */
guint64 steward_state_pid_start_time(guint32 pid);
/* Whether @pid is still the process that started at @start_time. */
gboolean steward_state_pid_matches(guint32 pid, guint64 start_time);

/* Where the state file lives: "state" in steward_runtime_dir(), e.g.
 * /run/steward/state. NULL for the user mode without XDG_RUNTIME_DIR.
 * Creates nothing. */
char *steward_state_default_path(StewardMode mode);

G_END_DECLS

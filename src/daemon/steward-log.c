/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-log.c: writing events as structured journal entries, or as key=value lines on stderr. */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "steward-journal-fields.h"
#include "steward-log.h"
#include "steward-names.h"
#include "steward-util.h"

/* Entries waiting for the writer thread, at most: about as many as a
 * restart storm of a large tree writes while journald takes a breath.
 * Past it an entry is dropped and counted, never waited for. */
#define QUEUE_MAX 4096

/* How long steward_log_flush() and steward_log_free() wait for the writer to empty the queue: a
 * stopped journald must not keep stewardd from exiting. */
#define FLUSH_TIMEOUT_USEC (5 * G_USEC_PER_SEC)

/* The journal side of a StewardLog: sd_journal_sendv() blocks while
 * journald's socket is full (journald stopped, or busy), and libsystemd
 * offers no way to make it not block. So the main loop only queues the
 * entry; one writer thread does the blocking. Shared with that thread
 * and, when it is still stuck at exit, left to it. */
typedef struct {
        GMutex lock;
        GCond cond;
        GQueue queue; /* of GStrv: the entry's KEY=value fields */
        gboolean quit;
        gboolean done; /* the writer left its loop */
        gboolean sending; /* the writer holds an entry outside the queue */
        /* Who waits on cond, so that nobody is woken for nothing (each
         * g_cond_broadcast() is a system call): the writer for an entry,
         * and steward_log_flush() for the queue to empty. */
        gboolean writer_waiting;
        guint flushers;
        guint64 failures; /* entries never written: dropped or refused */
        guint64 lost_pending; /* of those, not yet reported in the journal */
        guint queue_max;
        StewardLogSendFunc send;
        gpointer send_data;
        char *invocation_field;
} Writer;

struct _StewardLog {
        StewardLogTarget target;
        char *invocation_field; /* STEWARD_INVOCATION_ID=... */
        Writer *writer; /* journal target only */
        GThread *thread;
};

/* The log the GLib writer queues to; NULL: GLib's default writer. A
 * process has one GLib writer for its whole life, a StewardLog does not. */
static GMutex glib_lock;
static StewardLog *glib_log;

/* The unit's invocation when stewardd runs as one (systemd sets
 * INVOCATION_ID), else a fresh id for this exec. */
static char *
invocation_field_new(void)
{
        const char *env = g_getenv("INVOCATION_ID");
        char id[SD_ID128_STRING_MAX];
        sd_id128_t v;

        if (!env || sd_id128_from_string(env, &v) < 0)
                if (sd_id128_randomize(&v) < 0)
                        v = SD_ID128_NULL;
        return g_strconcat(STEWARD_FIELD_INVOCATION_ID "=", sd_id128_to_string(v, id), NULL);
}

gboolean
steward_log_target_from_string(const char *s, StewardLogTarget *ret)
{
        if (g_strcmp0(s, "auto") == 0)
                *ret = STEWARD_LOG_TARGET_AUTO;
        else if (g_strcmp0(s, "journal") == 0)
                *ret = STEWARD_LOG_TARGET_JOURNAL;
        else if (g_strcmp0(s, "console") == 0)
                *ret = STEWARD_LOG_TARGET_CONSOLE;
        else
                return FALSE;
        return TRUE;
}

static int
journal_sendv(const struct iovec *iov, int n, gpointer user_data)
{
        return sd_journal_sendv(iov, n);
}

static int
send_fields(Writer *w, char **fields)
{
        guint n = g_strv_length(fields);
        g_autofree struct iovec *iov = g_new(struct iovec, n);

        for (guint i = 0; i < n; i++) {
                iov[i].iov_base = fields[i];
                iov[i].iov_len = strlen(fields[i]);
        }
        return w->send(iov, (int) n, w->send_data);
}

/* Once writing works again: how many entries the journal is missing, in
 * one entry of its own, as journald says "Suppressed N messages". */
static int
send_lost_summary(Writer *w, guint64 lost)
{
        g_autofree char *message = g_strdup_printf(
                "MESSAGE=%" G_GUINT64_FORMAT " entries of stewardd could not be written to the journal "
                "(queue full or journal not running); the same events went out on the bus.",
                lost);
        g_autofree char *count = g_strdup_printf(STEWARD_FIELD_JOURNAL_LOST "=%" G_GUINT64_FORMAT, lost);
        g_autofree char *priority = g_strdup_printf("PRIORITY=%d", STEWARD_SEVERITY_WARNING);
        char *fields[] = { message, priority, (char *) "SYSLOG_IDENTIFIER=stewardd", w->invocation_field,
                           count,   NULL };

        return send_fields(w, fields);
}

static gpointer
writer_thread(gpointer data)
{
        Writer *w = data;

        g_mutex_lock(&w->lock);
        for (;;) {
                g_auto(GStrv) fields = NULL;
                guint64 lost = 0;
                int r;

                while (g_queue_is_empty(&w->queue) && !w->quit) {
                        w->writer_waiting = TRUE;
                        g_cond_wait(&w->cond, &w->lock);
                        w->writer_waiting = FALSE;
                }
                if (g_queue_is_empty(&w->queue))
                        break;
                fields = g_queue_pop_head(&w->queue);
                w->sending = TRUE;
                g_mutex_unlock(&w->lock);

                r = send_fields(w, fields);
                if (r < 0)
                        /* Counted and reported, never lost without a
                         * trace: the event still goes out on the bus. */
                        fprintf(stderr, "stewardd: journal write failed (%s): %s\n", g_strerror(-r),
                                fields[0] + strlen("MESSAGE="));

                g_mutex_lock(&w->lock);
                if (r < 0) {
                        w->failures++;
                        w->lost_pending++;
                } else if (w->lost_pending > 0) {
                        lost = w->lost_pending;
                        w->lost_pending = 0;
                        g_mutex_unlock(&w->lock);
                        r = send_lost_summary(w, lost);
                        g_mutex_lock(&w->lock);
                        if (r < 0)
                                w->lost_pending += lost;
                }
                w->sending = FALSE;
                /* Whoever waits for the queue to empty (steward_log_flush()). */
                if (w->flushers > 0)
                        g_cond_broadcast(&w->cond);
        }
        w->done = TRUE;
        g_cond_broadcast(&w->cond);
        g_mutex_unlock(&w->lock);
        return NULL;
}

static void
writer_free(Writer *w)
{
        g_queue_clear_full(&w->queue, (GDestroyNotify) g_strfreev);
        g_mutex_clear(&w->lock);
        g_cond_clear(&w->cond);
        g_free(w->invocation_field);
        g_free(w);
}

static StewardLog *
log_new(StewardLogTarget target, StewardLogSendFunc send, gpointer send_data, guint queue_max)
{
        StewardLog *log = g_new0(StewardLog, 1);

        log->target = target;
        log->invocation_field = invocation_field_new();
        if (target == STEWARD_LOG_TARGET_JOURNAL) {
                log->writer = g_new0(Writer, 1);
                g_mutex_init(&log->writer->lock);
                g_cond_init(&log->writer->cond);
                g_queue_init(&log->writer->queue);
                log->writer->queue_max = queue_max;
                log->writer->send = send;
                log->writer->send_data = send_data;
                log->writer->invocation_field = g_strdup(log->invocation_field);
                log->thread = g_thread_new("journal-writer", writer_thread, log->writer);
        }
        return log;
}

StewardLog *
steward_log_new(StewardLogTarget target)
{
        if (target == STEWARD_LOG_TARGET_AUTO)
                target = g_file_test("/run/systemd/journal/socket", G_FILE_TEST_EXISTS)
                                 ? STEWARD_LOG_TARGET_JOURNAL
                                 : STEWARD_LOG_TARGET_CONSOLE;
        return log_new(target, journal_sendv, NULL, QUEUE_MAX);
}

StewardLog *
steward_log_new_journal(StewardLogSendFunc send, gpointer user_data, guint queue_max)
{
        return log_new(STEWARD_LOG_TARGET_JOURNAL, send, user_data, queue_max);
}

/* With the lock held: waits until the writer is idle (or, @quit, has
 * left) or the deadline passed; says what is still unwritten. */
static gboolean
writer_wait_locked(Writer *w, gboolean quit, gint64 deadline)
{
        gboolean idle;

        w->flushers++;
        for (;;) {
                idle = quit ? w->done : g_queue_is_empty(&w->queue) && !w->sending;
                if (idle || !g_cond_wait_until(&w->cond, &w->lock, deadline))
                        break;
        }
        w->flushers--;
        idle = quit ? w->done : g_queue_is_empty(&w->queue) && !w->sending;
        if (!idle)
                fprintf(stderr, "stewardd: the journal does not take entries; %u were not written\n",
                        g_queue_get_length(&w->queue) + (w->sending ? 1 : 0));
        return idle;
}

void
steward_log_flush(StewardLog *log)
{
        Writer *w = log ? log->writer : NULL;

        if (!w)
                return;
        g_mutex_lock(&w->lock);
        (void) writer_wait_locked(w, FALSE, g_get_monotonic_time() + FLUSH_TIMEOUT_USEC);
        g_mutex_unlock(&w->lock);
}

void
steward_log_free(StewardLog *log)
{
        Writer *w;
        gboolean done;

        if (!log)
                return;
        g_mutex_lock(&glib_lock);
        if (glib_log == log)
                glib_log = NULL;
        g_mutex_unlock(&glib_lock);
        w = log->writer;
        if (w) {
                /* What is queued still goes out, for a bounded time. */
                g_mutex_lock(&w->lock);
                w->quit = TRUE;
                g_cond_broadcast(&w->cond);
                done = writer_wait_locked(w, TRUE, g_get_monotonic_time() + FLUSH_TIMEOUT_USEC);
                g_mutex_unlock(&w->lock);
                if (done) {
                        g_thread_join(log->thread);
                        writer_free(w);
                } else
                        /* Stuck in sd_journal_sendv(): it keeps the writer,
                         * and the process is about to end. */
                        g_thread_unref(log->thread);
        }
        g_free(log->invocation_field);
        g_free(log);
}

guint64
steward_log_get_failures(StewardLog *log)
{
        guint64 n;

        if (!log->writer)
                return 0;
        g_mutex_lock(&log->writer->lock);
        n = log->writer->failures;
        g_mutex_unlock(&log->writer->lock);
        return n;
}

int
steward_event_priority(const StewardEvent *ev)
{
        if (ev->kind == STEWARD_EVENT_CHILD_EXITED && ev->decision == STEWARD_DECISION_FAILURE)
                return STEWARD_SEVERITY_WARNING;
        return steward_event_kind_severity(ev->kind);
}

static const char *
str(const char *s)
{
        return s ? s : "";
}

/* The 64-bit numbers in these messages are formatted with PRIu64, not
 * G_GUINT64_FORMAT: xgettext and gettext understand <inttypes.h> macros
 * inside a msgid, but cut a msgid short at any other macro, which left
 * every such message untranslated. */
static char *
format_message(const StewardEvent *ev)
{
        const char *child = str(ev->child);
        const char *sup = str(ev->supervisor);
        guint64 gen = ev->generation;

        switch (ev->kind) {
        case STEWARD_EVENT_MANAGER_STARTED:
                return g_strdup(_("Supervisor manager started."));
        case STEWARD_EVENT_MANAGER_READY:
                return g_strdup(_("Supervision tree is up."));
        case STEWARD_EVENT_MANAGER_STOPPING:
                return g_strdup(_("Supervisor manager stopping."));
        case STEWARD_EVENT_CONFIG_LOADED:
                return g_strdup(_("Configuration loaded."));
        case STEWARD_EVENT_CONFIG_REJECTED:
                return g_strdup_printf(_("Configuration rejected: %s"), str(ev->error));
        case STEWARD_EVENT_CHILD_STARTING:
                return g_strdup_printf(
                        _("Starting child '%s' (generation %" PRIu64 ", attempt %" PRIu64 ")."), child, gen,
                        ev->attempt);
        case STEWARD_EVENT_CHILD_STARTED:
                return g_strdup_printf(_("Child '%s' started with PID %u (generation %" PRIu64 ")."), child,
                                       ev->main_pid, gen);
        case STEWARD_EVENT_CHILD_READY:
                return g_strdup_printf(_("Child '%s' is ready (generation %" PRIu64 ")."), child, gen);
        case STEWARD_EVENT_CHILD_STATUS:
                return g_strdup_printf(_("Child '%s' status: %s"), child, str(ev->status_text));
        case STEWARD_EVENT_CHILD_EXITED:
                if (ev->exit_code == STEWARD_EXIT_CODE_EXITED)
                        return g_strdup_printf(
                                _("Child '%s' exited with status %d (generation %" PRIu64 ", %s)."), child,
                                ev->exit_status, gen, steward_decision_to_string(ev->decision));
                /* Adopted: the service manager reaped it, so there is no status to show. */
                if (ev->exit_code == STEWARD_EXIT_CODE_UNKNOWN)
                        return g_strdup_printf(
                                _("Child '%s' ended with an unknown exit status (generation %" PRIu64
                                  ", %s)."),
                                child, gen, steward_decision_to_string(ev->decision));
                return g_strdup_printf(_("Child '%s' was killed by signal %d (generation %" PRIu64 ", %s)."),
                                       child, ev->exit_status, gen,
                                       steward_decision_to_string(ev->decision));
        case STEWARD_EVENT_CHILD_SPAWN_FAILED:
                return g_strdup_printf(_("Child '%s' could not be started: %s"), child, str(ev->error));
        case STEWARD_EVENT_CHILD_START_TIMEOUT:
                return g_strdup_printf(
                        _("Child '%s' did not become ready in time (generation %" PRIu64 ")."), child, gen);
        case STEWARD_EVENT_CHILD_WATCHDOG_EXPIRED:
                return g_strdup_printf(_("Child '%s' missed its watchdog (generation %" PRIu64 ")."), child,
                                       gen);
        case STEWARD_EVENT_CHILD_BACKOFF_SCHEDULED:
                return g_strdup_printf(_("Child '%s' will be restarted in %" PRIu64 " ms."), child,
                                       ev->delay_usec / 1000);
        case STEWARD_EVENT_CHILD_RESTARTING:
                return g_strdup_printf(_("Restarting child '%s'."), child);
        case STEWARD_EVENT_CHILD_STOPPED:
                return g_strdup_printf(_("Child '%s' stopped (generation %" PRIu64 ")."), child, gen);
        case STEWARD_EVENT_CHILD_PAUSED:
                return g_strdup_printf(_("Child '%s' paused."), child);
        case STEWARD_EVENT_CHILD_RESUMED:
                return g_strdup_printf(_("Child '%s' resumed."), child);
        case STEWARD_EVENT_CHILD_QUARANTINED:
                return g_strdup_printf(_("Child '%s' is quarantined with its supervisor '%s'."), child, sup);
        case STEWARD_EVENT_CHILD_QUARANTINE_ENTERED:
                return g_strdup_printf(_("Child '%s' quarantined."), child);
        case STEWARD_EVENT_CHILD_RESTART_FENCE_ENTERED:
                return g_strdup_printf(_("Restart of child '%s' fenced: generation %" PRIu64
                                         " starts after generation %" PRIu64 " is gone."),
                                       child, ev->target_generation, gen);
        case STEWARD_EVENT_CHILD_CONTROL_CANCEL_DELIVERED:
                return g_strdup_printf(_("Stop delivered to child '%s' (generation %" PRIu64 ")."), child,
                                       gen);
        case STEWARD_EVENT_CHILD_RESTART_FENCE_ABORT_REQUESTED:
                return g_strdup_printf(
                        _("Child '%s' outlived its stop timeout; killing generation %" PRIu64 "."), child,
                        gen);
        case STEWARD_EVENT_CHILD_CONTROL_STOP_COMPLETED:
                return g_strdup_printf(_("Every process of child '%s' generation %" PRIu64 " is gone."),
                                       child, gen);
        case STEWARD_EVENT_CHILD_RESTART_FENCE_RELEASED:
                return g_strdup_printf(_("Restart fence of child '%s' released."), child);
        case STEWARD_EVENT_CHILD_RESTART_CONFLICT:
                if (ev->decision == STEWARD_DECISION_ALREADY_PENDING)
                        return g_strdup_printf(_("Restart of child '%s' merged into the pending command %s "
                                                 "(%u merged so far)."),
                                               child, str(ev->command_id), ev->merged);
                return g_strdup_printf(
                        _("Automatic restart of child '%s' suppressed: a commanded restart is pending."),
                        child);
        case STEWARD_EVENT_CHILD_ATTEMPT_STALE_REPORT:
                return g_strdup_printf(_("Ignored a late report about child '%s' generation %" PRIu64 "."),
                                       child, gen);
        case STEWARD_EVENT_SUPERVISOR_RESTARTING:
                return g_strdup_printf(_("Supervisor '%s' is restarting its children (%s)."), sup,
                                       steward_decision_to_string(ev->decision));
        case STEWARD_EVENT_SUPERVISOR_INTENSITY_EXCEEDED:
                return g_strdup_printf(
                        _("Supervisor '%s' exceeded its restart intensity and gives up (%s)."), sup,
                        steward_decision_to_string(ev->decision));
        case STEWARD_EVENT_TREE_SHUTDOWN_STARTED:
                return g_strdup(_("Shutting down the supervision tree."));
        case STEWARD_EVENT_TREE_SHUTDOWN_COMPLETED:
                return g_strdup(_("Supervision tree shut down."));
        case STEWARD_EVENT_COMMAND_DENIED:
                return g_strdup_printf(_("Command denied to uid %u (%s)."), ev->actor_uid,
                                       str(ev->actor_comm));
        case STEWARD_EVENT_STATE_DISCARDED:
                return g_strdup_printf(_("State file of the previous run not used (%s); adopting from the "
                                         "scopes alone."),
                                       str(ev->error));
        case STEWARD_EVENT_CHILD_ADOPTED:
                return g_strdup_printf(_("Adopted child '%s' generation %" PRIu64 " (PID %u) from the "
                                         "previous run."),
                                       child, gen, ev->main_pid);
        case STEWARD_EVENT_CHILD_LOST:
                return g_strdup_printf(_("Child '%s' generation %" PRIu64 " ended while stewardd was not "
                                         "running."),
                                       child, gen);
        case STEWARD_EVENT_LEFTOVER_STOPPED:
                return g_strdup_printf(_("Stopping child '%s' generation %" PRIu64 ", left by the previous "
                                         "run: %s."),
                                       child, gen, str(ev->reason));
        case STEWARD_EVENT_TREE_ADOPTED:
                return g_strdup_printf(_("Took over from the previous run: %s."), str(ev->reason));
        case STEWARD_EVENT_COMMAND_COMPLETED:
                if (ev->child)
                        return g_strdup_printf(_("Command %s for child '%s' answered: %s."),
                                               str(ev->command_id), child,
                                               steward_decision_to_string(ev->decision));
                return g_strdup_printf(_("Command %s for supervisor '%s' answered: %s."),
                                       str(ev->command_id), sup, steward_decision_to_string(ev->decision));
        case STEWARD_EVENT_CHILD_ADDED:
                return g_strdup_printf(_("Child '%s' added to supervisor '%s' by command %s (%s)."), child,
                                       sup, str(ev->command_id), str(ev->reason));
        case STEWARD_EVENT_CHILD_REMOVED:
                return g_strdup_printf(_("Child '%s' removed from supervisor '%s' by command %s (%s)."),
                                       child, sup, str(ev->command_id), str(ev->reason));
        case STEWARD_EVENT_JOURNAL_UNAVAILABLE:
                return g_strdup_printf(_("The journal refused the output of child '%s' (%s); it and the "
                                         "children after it log to stewardd's standard error until the "
                                         "journal is back."),
                                       child, str(ev->error));
        case STEWARD_EVENT_JOURNAL_AVAILABLE:
                return g_strdup_printf(_("The journal takes the output of child '%s' again."), child);
        case STEWARD_EVENT_CHILD_HEALTHY:
                return g_strdup_printf(_("Child '%s' is healthy (generation %" PRIu64 ")."), child, gen);
        case STEWARD_EVENT_CHILD_UNHEALTHY:
                if (ev->fields & STEWARD_EVENT_FIELD_ERROR)
                        return g_strdup_printf(_("Child '%s' is unhealthy (generation %" PRIu64
                                                 "): health check failed: %s."),
                                               child, gen, str(ev->error));
                return g_strdup_printf(
                        _("Child '%s' is unhealthy (generation %" PRIu64 "): health check ended %s %d."),
                        child, gen, steward_exit_code_to_string(ev->exit_code), ev->exit_status);
        case STEWARD_EVENT_CHILD_STALE:
                return g_strdup_printf(_("Child '%s' missed its heartbeat (generation %" PRIu64 ")."), child,
                                       gen);
        case STEWARD_EVENT_CHILD_RELOADING:
                return g_strdup_printf(_("Child '%s' is reloading (generation %" PRIu64 ")."), child, gen);
        case STEWARD_EVENT_CHILD_RELOADED:
                return g_strdup_printf(_("Child '%s' reloaded (generation %" PRIu64 ")."), child, gen);
        case STEWARD_EVENT_CHILD_RELOAD_FAILED:
                return g_strdup_printf(_("Reload of child '%s' failed (generation %" PRIu64 ", %s)."), child,
                                       gen, steward_decision_to_string(ev->decision));
        case _STEWARD_EVENT_KIND_MAX:
        default:
                break;
        }
        return g_strdup(steward_event_kind_to_string(ev->kind));
}

/* The cause of an end the kernel told (STEWARD_EXIT_CAUSE), as a sentence. */
static const char *
exit_cause_sentence(StewardExitCause cause)
{
        switch (cause) {
        case STEWARD_EXIT_CAUSE_OOM_KILL:
                return _("The kernel's OOM killer killed a process of it (MemoryMax=).");
        case STEWARD_EXIT_CAUSE_TASKS_MAX:
                return _("A fork was refused at its task limit (TasksMax=).");
        case STEWARD_EXIT_CAUSE_NONE:
        case _STEWARD_EXIT_CAUSE_MAX:
                break;
        }
        return NULL;
}

char *
steward_event_format_message(const StewardEvent *ev)
{
        g_autofree char *message = format_message(ev);

        if (ev->kind == STEWARD_EVENT_CHILD_EXITED && exit_cause_sentence(ev->exit_cause)) {
                char *with_cause = g_strconcat(message, " ", exit_cause_sentence(ev->exit_cause), NULL);

                g_free(message);
                message = with_cause;
        }

        if (!(ev->fields & STEWARD_EVENT_FIELD_SUPPRESSED))
                return g_steal_pointer(&message);
        /* The summary of a rate-limited window (docs/ARCHITECTURE.md, "Rate limits"). */
        return g_strdup_printf(_("%s (%" PRIu64 " similar entries before it were suppressed.)"), message,
                               ev->suppressed);
}

/* The fields of an event as KEY=value strings, in the order docs/ARCHITECTURE.md lists them. */
static GPtrArray *
event_fields(guint64 sequence, const StewardEvent *ev, const char *unit)
{
        GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
        guint m = ev->fields;

#define ADD(...) g_ptr_array_add(f, g_strdup_printf(__VA_ARGS__))
        ADD(STEWARD_FIELD_EVENT "=%s", steward_event_kind_to_string(ev->kind));
        ADD(STEWARD_FIELD_SEQUENCE "=%" G_GUINT64_FORMAT, sequence);
        if (m & STEWARD_EVENT_FIELD_CHILD)
                ADD(STEWARD_FIELD_CHILD "=%s", str(ev->child));
        if (m & STEWARD_EVENT_FIELD_SUPERVISOR)
                ADD(STEWARD_FIELD_SUPERVISOR "=%s", str(ev->supervisor));
        if (m & STEWARD_EVENT_FIELD_GENERATION)
                ADD(STEWARD_FIELD_GENERATION "=%" G_GUINT64_FORMAT, ev->generation);
        if (m & STEWARD_EVENT_FIELD_ATTEMPT)
                ADD(STEWARD_FIELD_ATTEMPT "=%" G_GUINT64_FORMAT, ev->attempt);
        if (unit)
                ADD(STEWARD_FIELD_UNIT "=%s", unit);
        if (m & STEWARD_EVENT_FIELD_MAIN_PID)
                ADD(STEWARD_FIELD_MAIN_PID "=%u", ev->main_pid);
        if (m & STEWARD_EVENT_FIELD_COMMAND_ID)
                ADD(STEWARD_FIELD_COMMAND_ID "=%s", str(ev->command_id));
        if (m & STEWARD_EVENT_FIELD_REASON)
                ADD(STEWARD_FIELD_REASON "=%s", str(ev->reason));
        if (m & STEWARD_EVENT_FIELD_DECISION)
                ADD(STEWARD_FIELD_DECISION "=%s", steward_decision_to_string(ev->decision));
        if (m & STEWARD_EVENT_FIELD_EXIT) {
                ADD(STEWARD_FIELD_EXIT_CODE "=%s", steward_exit_code_to_string(ev->exit_code));
                ADD(STEWARD_FIELD_EXIT_STATUS "=%d", ev->exit_status);
                if (ev->exit_cause != STEWARD_EXIT_CAUSE_NONE)
                        ADD(STEWARD_FIELD_EXIT_CAUSE "=%s", steward_exit_cause_to_string(ev->exit_cause));
        }
        if (m & STEWARD_EVENT_FIELD_ACTOR) {
                ADD(STEWARD_FIELD_ACTOR_UID "=%u", ev->actor_uid);
                ADD(STEWARD_FIELD_ACTOR_PID "=%u", ev->actor_pid);
                ADD(STEWARD_FIELD_ACTOR_COMM "=%s", str(ev->actor_comm));
        }
        if (m & STEWARD_EVENT_FIELD_ERROR)
                ADD(STEWARD_FIELD_ERROR "=%s", str(ev->error));
        if (m & STEWARD_EVENT_FIELD_TARGET_GENERATION)
                ADD(STEWARD_FIELD_TARGET_GENERATION "=%" G_GUINT64_FORMAT, ev->target_generation);
        if (m & STEWARD_EVENT_FIELD_DELAY)
                ADD(STEWARD_FIELD_DELAY_USEC "=%" G_GUINT64_FORMAT, ev->delay_usec);
        if (m & STEWARD_EVENT_FIELD_STATUS_TEXT)
                ADD(STEWARD_FIELD_STATUS_TEXT "=%s", str(ev->status_text));
        if (m & STEWARD_EVENT_FIELD_SIGNAL)
                ADD(STEWARD_FIELD_SIGNAL "=%d", ev->signal);
        if (m & STEWARD_EVENT_FIELD_MERGED)
                ADD(STEWARD_FIELD_MERGED "=%u", ev->merged);
        if (m & STEWARD_EVENT_FIELD_SUPPRESSED)
                ADD(STEWARD_FIELD_SUPPRESSED "=%" G_GUINT64_FORMAT, ev->suppressed);
#undef ADD
        return f;
}

/* Never blocks: the writer thread sends, and a full queue drops. Takes
 * @entry, a NULL-terminated array of KEY=value fields, MESSAGE= first. */
static void
writer_enqueue(Writer *w, char **entry)
{
        g_mutex_lock(&w->lock);
        if (g_queue_get_length(&w->queue) >= w->queue_max) {
                /* No line on stderr either: that may be a stream to the
                 * same stuck journald. The summary entry counts it. */
                w->failures++;
                w->lost_pending++;
                g_strfreev(entry);
        } else {
                g_queue_push_tail(&w->queue, entry);
                /* A writer busy sending finds it when it is done. */
                if (w->writer_waiting)
                        g_cond_broadcast(&w->cond);
        }
        g_mutex_unlock(&w->lock);
}

static void
log_journal(StewardLog *log, const StewardEvent *ev, GPtrArray *fields)
{
        g_autofree char *message = steward_event_format_message(ev);
        GPtrArray *b = g_ptr_array_new();

        /* MESSAGE= first: the writer names a failed entry by it. */
        g_ptr_array_add(b, g_strconcat("MESSAGE=", message, NULL));
        g_ptr_array_add(b, g_strconcat("MESSAGE_ID=", steward_event_kind_message_id(ev->kind), NULL));
        g_ptr_array_add(b, g_strdup_printf("PRIORITY=%d", steward_event_priority(ev)));
        g_ptr_array_add(b, g_strdup("SYSLOG_IDENTIFIER=stewardd"));
        g_ptr_array_add(b, g_strdup(log->invocation_field));
        for (guint i = 0; i < fields->len; i++)
                g_ptr_array_add(b, g_strdup(g_ptr_array_index(fields, i)));
        g_ptr_array_add(b, NULL);
        writer_enqueue(log->writer, (char **) g_ptr_array_free(b, FALSE));
}

/* ---- GLib's own messages ------------------------------------------------- */

static int
syslog_priority(GLogLevelFlags level)
{
        if (level & G_LOG_LEVEL_ERROR)
                return 3;
        if (level & G_LOG_LEVEL_CRITICAL)
                return 4; /* as GLib's own journal writer maps them */
        if (level & G_LOG_LEVEL_WARNING)
                return 4;
        if (level & G_LOG_LEVEL_MESSAGE)
                return 5;
        if (level & G_LOG_LEVEL_INFO)
                return 6;
        return 7;
}

/* What GLib's journal writer would send, queued instead of sent: a
 * child's bogus MAINPID= or a refused notify message is logged with
 * g_message(), and must not stop the main loop on a stuck journald. */
static GLogWriterOutput
glib_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
        const char *domain = NULL;
        const char *message = NULL;
        GPtrArray *b;

        for (gsize i = 0; i < n_fields; i++) {
                if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
                        domain = fields[i].value;
                else if (g_str_equal(fields[i].key, "MESSAGE"))
                        message = fields[i].value;
        }
        /* A fatal message is written before the process aborts, and a
         * message without text is not ours to shape. */
        if ((level & G_LOG_FLAG_FATAL) || (level & G_LOG_LEVEL_ERROR) || !message)
                return g_log_writer_default(level, fields, n_fields, user_data);
        if (g_log_writer_default_would_drop(level, domain))
                return G_LOG_WRITER_HANDLED;

        g_mutex_lock(&glib_lock);
        if (!glib_log) {
                g_mutex_unlock(&glib_lock);
                return g_log_writer_default(level, fields, n_fields, user_data);
        }
        b = g_ptr_array_new();
        g_ptr_array_add(b, g_strconcat("MESSAGE=", message, NULL));
        g_ptr_array_add(b, g_strdup_printf("PRIORITY=%d", syslog_priority(level)));
        g_ptr_array_add(b, g_strdup("SYSLOG_IDENTIFIER=stewardd"));
        g_ptr_array_add(b, g_strdup(glib_log->invocation_field));
        for (gsize i = 0; i < n_fields; i++) {
                const char *k = fields[i].key;

                /* Text fields only (GLib's CODE_*, GLIB_DOMAIN, ...);
                 * PRIORITY is GLib's level, mapped above. */
                if (fields[i].length != -1 || g_str_equal(k, "MESSAGE") || g_str_equal(k, "PRIORITY"))
                        continue;
                g_ptr_array_add(b, g_strdup_printf("%s=%s", k, (const char *) fields[i].value));
        }
        g_ptr_array_add(b, NULL);
        writer_enqueue(glib_log->writer, (char **) g_ptr_array_free(b, FALSE));
        g_mutex_unlock(&glib_lock);
        return G_LOG_WRITER_HANDLED;
}

void
steward_log_route_glib(StewardLog *log)
{
        static gsize installed;

        if (!log->writer)
                return; /* the console: GLib's default writer is right */
        g_mutex_lock(&glib_lock);
        glib_log = log;
        g_mutex_unlock(&glib_lock);
        if (g_once_init_enter(&installed)) {
                g_log_set_writer_func(glib_writer, NULL, NULL);
                g_once_init_leave(&installed, 1);
        }
}

/* A value goes out bare only when nothing in it could end it early or
 * reach the terminal as a control sequence (a child's STATUS= is its own). */
static gboolean
needs_quotes(const char *value)
{
        if (!*value)
                return TRUE;
        for (const unsigned char *p = (const unsigned char *) value; *p; p++)
                if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\')
                        return TRUE;
        return steward_text_has_controls(value);
}

/* key=value with the STEWARD_ prefix dropped and the key lower-cased,
 * values quoted (and escaped) when needs_quotes() says so. */
static void
log_console(const StewardEvent *ev, GPtrArray *fields)
{
        g_autofree char *message = steward_event_format_message(ev);
        g_autoptr(GString) line = g_string_new("stewardd:");

        for (guint i = 0; i < fields->len; i++) {
                const char *kv = g_ptr_array_index(fields, i);
                const char *eq = strchr(kv, '=');
                g_autofree char *key =
                        g_ascii_strdown(kv + strlen("STEWARD_"), eq - kv - strlen("STEWARD_"));
                const char *value = eq + 1;

                g_string_append_printf(line, " %s=", key);
                if (!needs_quotes(value))
                        g_string_append(line, value);
                else {
                        g_autofree char *escaped = steward_escape_text(value);
                        g_string_append_printf(line, "\"%s\"", escaped);
                }
        }
        {
                g_autofree char *escaped = steward_escape_text(message);
                g_string_append_printf(line, " message=\"%s\"\n", escaped);
        }
        fputs(line->str, stderr);
}

void
steward_log_event(StewardLog *log, guint64 sequence, const StewardEvent *ev, const char *unit)
{
        g_autoptr(GPtrArray) fields = event_fields(sequence, ev, unit);

        if (log->target == STEWARD_LOG_TARGET_JOURNAL)
                log_journal(log, ev, fields);
        else
                log_console(ev, fields);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-journal.c: stewardd's past events, read back from the journal with sd-journal. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "steward-util.h"
#include "stewardctl-journal.h"

static void
event_free(StewardctlEvent *ev)
{
        stewardctl_event_clear(ev);
        g_free(ev);
}

static gboolean
add_match(sd_journal *j, const char *field, const char *value, GError **error)
{
        g_autofree char *match = g_strdup_printf("%s=%s", field, value);
        int r = sd_journal_add_match(j, match, 0);

        if (r < 0)
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), _("journal match %s: %s"), match,
                            g_strerror(-r));
        return r >= 0;
}

/* The current entry as an event; FALSE for an entry that is none. */
static gboolean
entry_event(sd_journal *j, StewardctlEvent *ev)
{
        g_autoptr(GPtrArray) data = g_ptr_array_new();
        g_autoptr(GArray) lengths = g_array_new(FALSE, FALSE, sizeof(gsize));
        const void *d;
        size_t l;

        SD_JOURNAL_FOREACH_DATA(j, d, l)
        {
                gsize len = l;

                g_ptr_array_add(data, (gpointer) d);
                g_array_append_val(lengths, len);
        }
        return stewardctl_event_from_journal((const char *const *) data->pdata,
                                             (const gsize *) lengths->data, data->len, ev);
}

gboolean
stewardctl_journal_read_events(const StewardctlJournalQuery *q, StewardctlEventFunc func, gpointer user_data,
                               GError **error)
{
        g_autoptr(GQueue) last = g_queue_new();
        sd_journal *j = NULL;
        gboolean ok = FALSE;
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), _("cannot open the journal: %s"),
                            g_strerror(-r));
                return FALSE;
        }
        /* Fields of one name are ORed by sd-journal, of different names ANDed. */
        if (!add_match(j, "SYSLOG_IDENTIFIER", "stewardd", error))
                goto out;
        if (q->user) {
                g_autofree char *uid = g_strdup_printf("%u", (unsigned) getuid());
                if (!add_match(j, "_UID", uid, error))
                        goto out;
        }
        if (q->child && !add_match(j, "STEWARD_CHILD", q->child, error))
                goto out;
        if (q->command_id && !add_match(j, "STEWARD_COMMAND_ID", q->command_id, error))
                goto out;

        r = q->since_usec ? sd_journal_seek_realtime_usec(j, q->since_usec) : sd_journal_seek_head(j);
        if (r < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
                            _("cannot seek in the journal: %s"), g_strerror(-r));
                goto out;
        }
        while ((r = sd_journal_next(j)) > 0) {
                StewardctlEvent ev = { 0 };
                guint64 when = 0;

                if (sd_journal_get_realtime_usec(j, &when) >= 0 && q->until_usec && when > q->until_usec)
                        break;
                if (!entry_event(j, &ev))
                        continue;
                if (q->lines == 0) {
                        func(&ev, user_data);
                        continue;
                }
                /* Only the last q->lines are wanted: keep that many. */
                g_queue_push_tail(last, g_memdup2(&ev, sizeof(ev)));
                if (g_queue_get_length(last) > q->lines)
                        event_free(g_queue_pop_head(last));
        }
        if (r < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), _("cannot read the journal: %s"),
                            g_strerror(-r));
                goto out;
        }
        for (StewardctlEvent *ev; (ev = g_queue_pop_head(last));) {
                func(ev, user_data);
                g_free(ev);
        }
        ok = TRUE;
out:
        g_queue_free_full(g_steal_pointer(&last), (GDestroyNotify) event_free);
        sd_journal_close(j);
        return ok;
}

static char *
entry_field(sd_journal *j, const char *field)
{
        const void *d;
        size_t l;
        gsize len = strlen(field) + 1;

        if (sd_journal_get_data(j, field, &d, &l) < 0 || l < len)
                return NULL;
        return g_strndup((const char *) d + len, l - len);
}

/* journalctl's short format, the message made safe for a terminal. */
static char *
entry_line(sd_journal *j)
{
        g_autofree char *ident = entry_field(j, "SYSLOG_IDENTIFIER");
        g_autofree char *comm = ident ? NULL : entry_field(j, "_COMM");
        g_autofree char *pid = entry_field(j, "_PID");
        g_autofree char *message = entry_field(j, "MESSAGE");
        g_autofree char *valid = NULL;
        g_autofree char *safe = NULL;
        g_autofree char *when = NULL;
        g_autoptr(GDateTime) t = NULL;
        guint64 usec = 0;

        if (!message)
                return NULL;
        if (sd_journal_get_realtime_usec(j, &usec) >= 0 &&
            (t = g_date_time_new_from_unix_local((gint64) (usec / G_USEC_PER_SEC))))
                when = g_date_time_format(t, "%b %d %H:%M:%S");
        valid = g_utf8_make_valid(message, -1);
        safe = steward_escape_text(valid);
        return g_strdup_printf("%s %s%s%s%s: %s", when ? when : "-",
                               ident  ? ident
                               : comm ? comm
                                      : "?",
                               pid ? "[" : "", pid ? pid : "", pid ? "]" : "", safe);
}

char **
stewardctl_journal_child_lines(const char *child, const char *unit, guint n, gboolean user, GError **error)
{
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *uid = g_strdup_printf("%u", (unsigned) getuid());
        sd_journal *j = NULL;
        guint taken = 0;
        int r;

        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), _("cannot open the journal: %s"),
                            g_strerror(-r));
                return NULL;
        }
        /* (the scope's output) OR (stewardd's events about the child). A
         * user manager's scope is a _SYSTEMD_USER_UNIT, unless that manager
         * runs outside user@.service, as in a container. */
        if (*unit) {
                if (!add_match(j, "_SYSTEMD_UNIT", unit, error) || sd_journal_add_disjunction(j) < 0 ||
                    !add_match(j, "_SYSTEMD_USER_UNIT", unit, error) || sd_journal_add_disjunction(j) < 0)
                        goto fail;
        }
        if (!add_match(j, "SYSLOG_IDENTIFIER", "stewardd", error) ||
            !add_match(j, "STEWARD_CHILD", child, error) || (user && !add_match(j, "_UID", uid, error)))
                goto fail;
        if ((r = sd_journal_seek_tail(j)) < 0)
                goto fail_errno;
        while (taken < n && (r = sd_journal_previous(j)) > 0) {
                char *line = entry_line(j);

                if (!line)
                        continue;
                g_ptr_array_insert(lines, 0, line);
                taken++;
        }
        if (r < 0)
                goto fail_errno;
        sd_journal_close(j);
        g_ptr_array_add(lines, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&lines), FALSE);

fail_errno:
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), _("cannot read the journal: %s"),
                    g_strerror(-r));
fail:
        sd_journal_close(j);
        return NULL;
}

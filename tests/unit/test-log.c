/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-log.c: stewardd's journal writer: never blocking the caller, bounded, counting what it loses. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "steward-journal-fields.h"
#include "steward-log.h"

#define WAIT_USEC (30 * G_USEC_PER_SEC)

/* A journal the test controls: closed, it holds the writer in the send
 * (journald stopped); down, it refuses (journald not running). */
typedef struct {
        GMutex lock;
        GCond cond;
        gboolean open;
        gboolean down;
        guint calls; /* sends that began */
        GPtrArray *entries; /* of char*: each accepted entry, fields joined by '\n' */
} Journal;

static int
journal_send(const struct iovec *iov, int n, gpointer user_data)
{
        Journal *j = user_data;
        g_autoptr(GString) entry = g_string_new(NULL);
        int r = 0;

        for (int i = 0; i < n; i++) {
                g_string_append_len(entry, iov[i].iov_base, (gssize) iov[i].iov_len);
                g_string_append_c(entry, '\n');
        }
        g_mutex_lock(&j->lock);
        j->calls++;
        g_cond_broadcast(&j->cond);
        while (!j->open && !j->down)
                g_cond_wait(&j->cond, &j->lock);
        if (j->down)
                r = -ECONNREFUSED;
        else
                g_ptr_array_add(j->entries, g_string_free(g_steal_pointer(&entry), FALSE));
        g_cond_broadcast(&j->cond);
        g_mutex_unlock(&j->lock);
        return r;
}

static Journal *
journal_new(gboolean open)
{
        Journal *j = g_new0(Journal, 1);

        g_mutex_init(&j->lock);
        g_cond_init(&j->cond);
        j->open = open;
        j->entries = g_ptr_array_new_with_free_func(g_free);
        return j;
}

static void
journal_free(Journal *j)
{
        g_ptr_array_unref(j->entries);
        g_mutex_clear(&j->lock);
        g_cond_clear(&j->cond);
        g_free(j);
}

static void
journal_set(Journal *j, gboolean open, gboolean down)
{
        g_mutex_lock(&j->lock);
        j->open = open;
        j->down = down;
        g_cond_broadcast(&j->cond);
        g_mutex_unlock(&j->lock);
}

/* Waits, bounded, until at least n sends began / n entries were taken. */
static void
journal_wait(Journal *j, guint *counter, guint n)
{
        gint64 deadline = g_get_monotonic_time() + WAIT_USEC;

        g_mutex_lock(&j->lock);
        while (*counter < n)
                ck_assert_msg(g_cond_wait_until(&j->cond, &j->lock, deadline), "waited for %u, have %u", n,
                              *counter);
        g_mutex_unlock(&j->lock);
}

static void
log_event(StewardLog *log, guint64 seq)
{
        StewardEvent ev = { .kind = STEWARD_EVENT_CHILD_STARTED,
                            .fields = STEWARD_EVENT_FIELD_CHILD | STEWARD_EVENT_FIELD_GENERATION,
                            .child = "api",
                            .generation = seq };

        steward_log_event(log, seq, &ev, NULL);
}

static gboolean
entry_has(const char *entry, const char *field)
{
        g_autofree char *line = g_strconcat("\n", field, "\n", NULL);
        g_autofree char *padded = g_strconcat("\n", entry, NULL);

        return strstr(padded, line) != NULL;
}

/* A journal that takes its time loses nothing, and the caller never
 * waits for it. */
START_TEST(test_slow_journal_loses_nothing)
{
        Journal *j = journal_new(FALSE);
        StewardLog *log = steward_log_new_journal(journal_send, j, 8);
        guint taken;

        /* One in the writer's hands, eight in the queue: none dropped, and
         * each call came back with the journal still closed. */
        log_event(log, 1);
        journal_wait(j, &j->calls, 1);
        for (guint64 s = 2; s <= 9; s++)
                log_event(log, s);
        ck_assert_uint_eq(steward_log_get_failures(log), 0);

        journal_set(j, TRUE, FALSE);
        journal_wait(j, &j->entries->len, 9);
        steward_log_flush(log);
        g_mutex_lock(&j->lock);
        taken = j->entries->len;
        g_mutex_unlock(&j->lock);
        ck_assert_uint_eq(taken, 9);
        for (guint i = 0; i < 9; i++) {
                g_autofree char *seq = g_strdup_printf(STEWARD_FIELD_SEQUENCE "=%u", i + 1);
                ck_assert_msg(entry_has(g_ptr_array_index(j->entries, i), seq), "entry %u: %s", i,
                              (char *) g_ptr_array_index(j->entries, i));
        }
        ck_assert_uint_eq(steward_log_get_failures(log), 0);
        steward_log_free(log);
        journal_free(j);
}
END_TEST

/* Past the bound an entry is dropped at once and counted, and the count
 * reaches the journal with the first entry that does. */
START_TEST(test_full_queue_drops_and_reports)
{
        Journal *j = journal_new(FALSE);
        StewardLog *log = steward_log_new_journal(journal_send, j, 4);

        log_event(log, 1);
        journal_wait(j, &j->calls, 1);
        for (guint64 s = 2; s <= 8; s++)
                log_event(log, s);
        /* 2..5 queued, 6..8 dropped. */
        ck_assert_uint_eq(steward_log_get_failures(log), 3);

        journal_set(j, TRUE, FALSE);
        /* 1..5, then the summary. */
        journal_wait(j, &j->entries->len, 6);
        steward_log_flush(log);
        ck_assert_uint_eq(j->entries->len, 6);
        ck_assert(entry_has(g_ptr_array_index(j->entries, 0), STEWARD_FIELD_SEQUENCE "=1"));
        ck_assert(entry_has(g_ptr_array_index(j->entries, 1), STEWARD_FIELD_JOURNAL_LOST "=3"));
        ck_assert(entry_has(g_ptr_array_index(j->entries, 5), STEWARD_FIELD_SEQUENCE "=5"));
        ck_assert_uint_eq(steward_log_get_failures(log), 3);
        steward_log_free(log);
        journal_free(j);
}
END_TEST

/* A journal that refuses (not running) costs those entries, counted; once
 * it takes one again, the count follows it. */
START_TEST(test_refused_then_back)
{
        Journal *j = journal_new(FALSE);
        StewardLog *log = steward_log_new_journal(journal_send, j, 16);

        journal_set(j, FALSE, TRUE);
        log_event(log, 1);
        log_event(log, 2);
        journal_wait(j, &j->calls, 2);
        steward_log_flush(log);
        ck_assert_uint_eq(steward_log_get_failures(log), 2);
        ck_assert_uint_eq(j->entries->len, 0);

        journal_set(j, TRUE, FALSE);
        log_event(log, 3);
        journal_wait(j, &j->entries->len, 2);
        steward_log_flush(log);
        ck_assert_uint_eq(j->entries->len, 2);
        ck_assert(entry_has(g_ptr_array_index(j->entries, 0), STEWARD_FIELD_SEQUENCE "=3"));
        ck_assert(entry_has(g_ptr_array_index(j->entries, 1), STEWARD_FIELD_JOURNAL_LOST "=2"));
        ck_assert(entry_has(g_ptr_array_index(j->entries, 1), "SYSLOG_IDENTIFIER=stewardd"));
        steward_log_free(log);
        journal_free(j);
}
END_TEST

/* GLib's own messages take the same queue: g_message() comes back while
 * the journal holds the writer, and the entry follows once it lets go. */
START_TEST(test_glib_messages_queued)
{
        Journal *j = journal_new(FALSE);
        StewardLog *log = steward_log_new_journal(journal_send, j, 16);
        guint before;

        steward_log_route_glib(log);
        g_message("notify: %d bytes from PID %d, not KEY=VALUE", 12, 4242);
        g_debug("not asked for: G_MESSAGES_DEBUG is not set");
        journal_wait(j, &j->calls, 1);
        journal_set(j, TRUE, FALSE);
        journal_wait(j, &j->entries->len, 1);
        steward_log_flush(log);
        ck_assert_uint_eq(j->entries->len, 1);
        ck_assert(entry_has(g_ptr_array_index(j->entries, 0),
                            "MESSAGE=notify: 12 bytes from PID 4242, not KEY=VALUE"));
        ck_assert(entry_has(g_ptr_array_index(j->entries, 0), "PRIORITY=5"));
        ck_assert(entry_has(g_ptr_array_index(j->entries, 0), "SYSLOG_IDENTIFIER=stewardd"));
        ck_assert_ptr_nonnull(strstr(g_ptr_array_index(j->entries, 0), "\nSTEWARD_INVOCATION_ID="));

        /* Once the log is gone, GLib's default writer has them again. */
        before = j->entries->len;
        steward_log_free(log);
        g_message("after the log");
        ck_assert_uint_eq(j->entries->len, before);
        journal_free(j);
}
END_TEST

static Suite *
log_suite(void)
{
        Suite *s = suite_create("log");
        TCase *tc = tcase_create("writer");

        tcase_add_test(tc, test_slow_journal_loses_nothing);
        tcase_add_test(tc, test_full_queue_drops_and_reports);
        tcase_add_test(tc, test_refused_then_back);
        tcase_add_test(tc, test_glib_messages_queued);
        suite_add_tcase(s, tc);
        return s;
}

int
main(void)
{
        SRunner *sr = srunner_create(log_suite());
        int failed;

        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_SILENT);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? 0 : 1;
}

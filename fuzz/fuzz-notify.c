/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-notify.c: libFuzzer target feeding arbitrary bytes to the sd_notify parser as one datagram's payload.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "steward-notify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What was understood, written back as a datagram a child could send. */
static char *
format_message(const StewardNotifyMessage *m)
{
        GString *s = g_string_new(NULL);

        if (m->fields & STEWARD_NOTIFY_READY)
                g_string_append(s, "READY=1\n");
        if (m->fields & STEWARD_NOTIFY_STOPPING)
                g_string_append(s, "STOPPING=1\n");
        if (m->fields & STEWARD_NOTIFY_RELOADING)
                g_string_append(s, "RELOADING=1\n");
        /* Both, when both were sent: each line of a flag counts. */
        if (m->fields & STEWARD_NOTIFY_WATCHDOG)
                g_string_append(s, "WATCHDOG=1\n");
        if (m->fields & STEWARD_NOTIFY_WATCHDOG_TRIGGER)
                g_string_append(s, "WATCHDOG=trigger\n");
        if (m->fields & STEWARD_NOTIFY_STATUS)
                g_string_append_printf(s, "STATUS=%s\n", m->status);
        if (m->fields & STEWARD_NOTIFY_WATCHDOG_USEC)
                g_string_append_printf(s, "WATCHDOG_USEC=%" G_GUINT64_FORMAT "\n", m->watchdog_usec);
        if (m->fields & STEWARD_NOTIFY_EXTEND_TIMEOUT)
                g_string_append_printf(s, "EXTEND_TIMEOUT_USEC=%" G_GUINT64_FORMAT "\n",
                                       m->extend_timeout_usec);
        if (m->fields & STEWARD_NOTIFY_MAINPID)
                g_string_append_printf(s, "MAINPID=%d\n", (int) m->main_pid);
        if (m->fields & STEWARD_NOTIFY_ERRNO)
                g_string_append_printf(s, "ERRNO=%d\n", m->errno_value);
        if (m->fields & STEWARD_NOTIFY_BARRIER)
                g_string_append(s, "BARRIER=1\n");
        if (m->fields & STEWARD_NOTIFY_FDSTORE)
                g_string_append(s, "FDSTORE=1\n");
        return g_string_free(s, FALSE);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        g_auto(StewardNotifyMessage) msg = { 0 };
        g_auto(StewardNotifyMessage) again = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;

        if (!steward_notify_parse((const char *) data, size, &msg, &error)) {
                g_assert(error);
                /* The reason is logged with the sender's PID. */
                g_assert(g_utf8_validate(error->message, -1, NULL));
                g_assert(msg.fields == 0 && !msg.status);
                return 0;
        }
        g_assert_no_error(error);

        /* Whatever reaches the engine is one line of text or a number in range. */
        if (msg.fields & STEWARD_NOTIFY_STATUS) {
                g_assert(msg.status);
                g_assert(g_utf8_validate(msg.status, -1, NULL));
                g_assert(!strchr(msg.status, '\n'));
        } else
                g_assert(!msg.status);
        if (msg.fields & STEWARD_NOTIFY_MAINPID)
                g_assert(msg.main_pid > 0);
        if (msg.fields & STEWARD_NOTIFY_ERRNO)
                g_assert(msg.errno_value >= 0);

        /* What was understood, sent again, is understood the same way:
         * no field depends on another or on what was ignored. */
        text = format_message(&msg);
        if (strlen(text) > STEWARD_NOTIFY_PAYLOAD_MAX)
                return 0;
        g_assert(steward_notify_parse(text, strlen(text), &again, &error));
        g_assert(again.fields == msg.fields);
        g_assert(g_strcmp0(again.status, msg.status) == 0);
        g_assert(again.watchdog_usec == msg.watchdog_usec);
        g_assert(again.extend_timeout_usec == msg.extend_timeout_usec);
        g_assert(again.main_pid == msg.main_pid);
        g_assert(again.errno_value == msg.errno_value);
        return 0;
}

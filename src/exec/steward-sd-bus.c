/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-sd-bus.c: an sd-bus connection served by a GLib main loop.
 *
 * sd-bus reads and parses in the thread that calls it, only as far as a
 * message is looked at: a connection that carries many messages nobody
 * reads in full costs little, where GDBus parses every message whole in a
 * thread of its own and hands it over. */
#include "config.h"

#include <errno.h>

#include "steward-sd-bus.h"
#include "steward-util.h"

/* Messages handled in one dispatch before the loop runs anything else:
 * a manager that floods us must not starve the rest of stewardd. */
#define SD_BUS_DISPATCH_MAX 64

typedef struct {
        GSource source;
        sd_bus *bus;
        gpointer fd_tag;
        GIOCondition events; /* polled for on fd_tag */
        /* The last dispatch stopped at SD_BUS_DISPATCH_MAX with work maybe
         * left that no poll() shows: a message already read into sd-bus's
         * buffer (one that came with the handshake's end, for one). */
        gboolean more;
} SdBusSource;

/* Changing what is polled for wakes the context up: only on a change. */
static void
sd_bus_source_poll(SdBusSource *s, GIOCondition events)
{
        if (events == s->events)
                return;
        s->events = events;
        g_source_modify_unix_fd((GSource *) s, s->fd_tag, events);
}

static gboolean
sd_bus_source_prepare(GSource *source, gint *timeout)
{
        SdBusSource *s = (SdBusSource *) source;
        int events = sd_bus_get_events(s->bus);
        guint64 until;
        int r;

        *timeout = -1;
        if (s->more) {
                *timeout = 0;
                return TRUE;
        }
        /* Closed: nothing to wait for any more. POLLIN and POLLOUT are
         * G_IO_IN and G_IO_OUT. */
        sd_bus_source_poll(s, events < 0 ? 0 : (GIOCondition) events);
        if (events < 0)
                return FALSE;
        r = sd_bus_get_timeout(s->bus, &until);
        if (r <= 0 || until == G_MAXUINT64)
                return FALSE;
        {
                gint64 now = g_get_monotonic_time();

                /* Both CLOCK_MONOTONIC, in microseconds. */
                if ((gint64) until <= now)
                        *timeout = 0;
                else
                        *timeout = (gint) MIN((until - (guint64) now + 999) / 1000, (guint64) G_MAXINT);
        }
        return *timeout == 0;
}

static gboolean
sd_bus_source_check(GSource *source)
{
        SdBusSource *s = (SdBusSource *) source;
        guint64 until;

        if (s->more || g_source_query_unix_fd(source, s->fd_tag) != 0)
                return TRUE;
        return sd_bus_get_timeout(s->bus, &until) > 0 && until != G_MAXUINT64 &&
               (gint64) until <= g_get_monotonic_time();
}

static gboolean
sd_bus_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
        SdBusSource *s = (SdBusSource *) source;

        s->more = TRUE;
        for (guint i = 0; i < SD_BUS_DISPATCH_MAX; i++) {
                int r = sd_bus_process(s->bus, NULL);

                if (r < 0) {
                        /* Closed, and every callback told; or unusable (a
                         * peer that sent no D-Bus): done, and its owner told. */
                        if (r != -ECONNRESET && r != -ENOTCONN)
                                g_debug("sd-bus: %s", g_strerror(-r));
                        if (callback)
                                (void) callback(user_data);
                        return G_SOURCE_REMOVE;
                }
                if (r == 0 || g_source_is_destroyed(source)) {
                        s->more = FALSE;
                        break;
                }
        }
        return G_SOURCE_CONTINUE;
}

static void
sd_bus_source_finalize(GSource *source)
{
        SdBusSource *s = (SdBusSource *) source;

        s->bus = sd_bus_unref(s->bus);
}

static GSourceFuncs sd_bus_source_funcs = {
        .prepare = sd_bus_source_prepare,
        .check = sd_bus_source_check,
        .dispatch = sd_bus_source_dispatch,
        .finalize = sd_bus_source_finalize,
};

GSource *
steward_sd_bus_source_new(sd_bus *bus)
{
        GSource *source = g_source_new(&sd_bus_source_funcs, sizeof(SdBusSource));
        SdBusSource *s = (SdBusSource *) source;

        s->bus = sd_bus_ref(bus);
        s->events = G_IO_IN;
        s->fd_tag = g_source_add_unix_fd(source, sd_bus_get_fd(bus), s->events);
        g_source_set_static_name(source, "sd-bus");
        steward_source_unblocked(source);
        return source;
}

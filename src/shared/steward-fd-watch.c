/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-fd-watch.c: many descriptors watched through one epoll instance, so that a main loop iteration
 * costs the same with ten children as with ten thousand. */
#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "steward-fd-watch.h"
#include "steward-util.h"

/* Events taken from the epoll instance per dispatch; more wait for the next. */
#define DISPATCH_BATCH 256

typedef struct {
        GSource source;
        int epoll_fd;
        gboolean dispatching;
        GSList *removed; /* watches removed while dispatching: freed after the batch */
} WatchSet;

struct _StewardFdWatch {
        WatchSet *set;
        int fd;
        GUnixFDSourceFunc func;
        gpointer user_data;
        gboolean removed;
};

/* One set per priority in use (stewardd has two), for the process's life. */
static GPtrArray *sets;

static gboolean
watch_set_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
        WatchSet *set = (WatchSet *) source;
        struct epoll_event events[DISPATCH_BATCH];
        int n;

        n = epoll_wait(set->epoll_fd, events, DISPATCH_BATCH, 0);
        if (n < 0) {
                if (errno != EINTR)
                        g_warning("epoll_wait: %s", g_strerror(errno));
                return G_SOURCE_CONTINUE;
        }
        set->dispatching = TRUE;
        for (int i = 0; i < n; i++) {
                StewardFdWatch *w = events[i].data.ptr;

                /* Removed by an earlier callback of this batch. */
                if (w->removed)
                        continue;
                if (!w->func(w->fd, (GIOCondition) events[i].events, w->user_data))
                        steward_fd_watch_remove(w);
        }
        set->dispatching = FALSE;
        g_slist_free_full(g_steal_pointer(&set->removed), g_free);
        return G_SOURCE_CONTINUE;
}

static void
watch_set_finalize(GSource *source)
{
        WatchSet *set = (WatchSet *) source;

        if (set->epoll_fd >= 0)
                (void) close(set->epoll_fd);
}

static GSourceFuncs watch_set_funcs = {
        .dispatch = watch_set_dispatch,
        .finalize = watch_set_finalize,
};

static WatchSet *
watch_set_get(int priority)
{
        WatchSet *set;
        int fd;

        if (!sets)
                sets = g_ptr_array_new();
        for (guint i = 0; i < sets->len; i++) {
                set = g_ptr_array_index(sets, i);
                if (g_source_get_priority(&set->source) == priority)
                        return set;
        }
        fd = epoll_create1(EPOLL_CLOEXEC);
        if (fd < 0)
                return NULL;
        set = (WatchSet *) g_source_new(&watch_set_funcs, sizeof(WatchSet));
        set->epoll_fd = fd;
        g_source_set_priority(&set->source, priority);
        g_source_set_static_name(&set->source, "steward-fd-watch");
        steward_source_unblocked(&set->source);
        g_source_add_unix_fd(&set->source, fd, G_IO_IN);
        g_source_attach(&set->source, g_main_context_get_thread_default());
        g_ptr_array_add(sets, set);
        return set;
}

StewardFdWatch *
steward_fd_watch_add(int priority, int fd, GIOCondition condition, GUnixFDSourceFunc func,
                     gpointer user_data)
{
        WatchSet *set = watch_set_get(priority);
        struct epoll_event ev = { 0 };
        StewardFdWatch *w;

        g_return_val_if_fail(fd >= 0 && func, NULL);
        if (!set)
                return NULL;
        w = g_new0(StewardFdWatch, 1);
        w->set = set;
        w->fd = fd;
        w->func = func;
        w->user_data = user_data;
        /* poll()'s bits and epoll's are the same numbers. */
        ev.events = condition & (G_IO_IN | G_IO_PRI | G_IO_OUT);
        ev.data.ptr = w;
        if (epoll_ctl(set->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                g_warning("epoll_ctl(ADD, %d): %s", fd, g_strerror(errno));
                g_free(w);
                return NULL;
        }
        return w;
}

void
steward_fd_watch_remove(StewardFdWatch *w)
{
        if (!w || w->removed)
                return;
        w->removed = TRUE;
        (void) epoll_ctl(w->set->epoll_fd, EPOLL_CTL_DEL, w->fd, NULL);
        if (w->set->dispatching)
                w->set->removed = g_slist_prepend(w->set->removed, w);
        else
                g_free(w);
}

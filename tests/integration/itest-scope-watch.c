/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* itest-scope-watch.c: the kernel's view of the fence, from outside stewardd.
 *
 * The fence promises that an incarnation's scope is created only once the
 * previous one's cgroup is empty. This watch follows the manager's mkdir
 * of every scope's cgroup (IN_CREATE in its slice's directory, through
 * inotify in a thread of its own) and notes every scope of a child created
 * while another scope of that child still had a process.
 *
 * Whether a scope has a process is what its cgroup.events says when it is
 * read. The kernel updates that file as the last process exits and wakes
 * poll() at once (stewardd learns of the end that way), but its inotify
 * IN_MODIFY comes from a work item, later and in no set order with other
 * events. A creation can thus be read before the change that let stewardd
 * ask for it, so a scope the watch still counts as alive is read again
 * when a sibling appears, and only a scope that still says "populated 1"
 * then is an overlap. The watch never reports one that did not happen; it
 * misses one that ended before its thread read the creation, which an
 * incarnation left running beside its successor never does. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "itest.h"

typedef struct {
        char *unit;
        char *child;
        char *events; /* its cgroup.events */
        int wd; /* the watch of events, -1: none */
        gboolean alive; /* created, and not yet seen empty */
        gboolean removed; /* its cgroup is gone */
} Scope;

struct _ItestScopeWatch {
        int fd; /* inotify */
        int stop_fd; /* eventfd: the thread leaves */
        GThread *thread;
        GMutex lock;
        GCond changed;
        GHashTable *dirs; /* GINT_TO_POINTER(wd) -> directory path: the root and its slices */
        GHashTable *events; /* GINT_TO_POINTER(wd) -> Scope* (borrowed): cgroup.events watches */
        GHashTable *scopes; /* unit -> Scope* */
        GString *overlaps; /* "CHILD: A and B\n" for every overlap seen */
};

static void
scope_free(gpointer data)
{
        Scope *s = data;

        g_free(s->unit);
        g_free(s->child);
        g_free(s->events);
        g_free(s);
}

static gboolean
is_steward_scope(const char *name)
{
        return g_str_has_prefix(name, "steward-") && g_str_has_suffix(name, ".scope");
}

/* Whether the cgroup whose cgroup.events is @events has a process; a file
 * that cannot be read is a cgroup removed. */
static gboolean
events_populated(const char *events)
{
        g_autofree char *text = NULL;
        const char *line;

        if (!g_file_get_contents(events, &text, NULL, NULL))
                return FALSE;
        line = strstr(text, "populated ");
        return line && line[strlen("populated ")] == '1';
}

static void watch_dir(ItestScopeWatch *w, const char *path);

/* A scope's cgroup was created (or found, when the watch began). */
static void
scope_created(ItestScopeWatch *w, const char *dir, const char *unit)
{
        g_autofree char *child = itest_scope_child(unit);
        GHashTableIter iter;
        Scope *s, *other;

        g_hash_table_iter_init(&iter, w->scopes);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *) &other)) {
                if (!other->alive || !g_str_equal(other->child, child) || g_str_equal(other->unit, unit))
                        continue;
                /* Its end may be known to poll() and not yet to inotify. */
                other->alive = events_populated(other->events);
                if (other->alive)
                        g_string_append_printf(w->overlaps, "%s: %s created while %s had a process\n", child,
                                               unit, other->unit);
        }
        /* A failed spawn's name comes again with the next attempt. */
        if ((s = g_hash_table_lookup(w->scopes, unit)) && s->wd >= 0) {
                g_hash_table_remove(w->events, GINT_TO_POINTER(s->wd));
                (void) inotify_rm_watch(w->fd, s->wd);
        }
        s = g_new0(Scope, 1);
        s->unit = g_strdup(unit);
        s->child = g_steal_pointer(&child);
        s->events = g_build_filename(dir, unit, "cgroup.events", NULL);
        g_hash_table_replace(w->scopes, s->unit, s);
        s->wd = inotify_add_watch(w->fd, s->events, IN_MODIFY);
        if (s->wd >= 0)
                g_hash_table_replace(w->events, GINT_TO_POINTER(s->wd), s);
        /* Read once the watch exists: the manager may not have moved a
         * process in yet (its change comes next), or it came and went. */
        s->alive = s->wd >= 0 && events_populated(s->events);
        s->removed = s->wd < 0;
}

static void
scan_dir(ItestScopeWatch *w, const char *path)
{
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
                g_autofree char *sub = g_build_filename(path, name, NULL);

                if (g_str_has_suffix(name, ".slice"))
                        watch_dir(w, sub);
                else if (is_steward_scope(name) && !g_hash_table_contains(w->scopes, name))
                        scope_created(w, path, name);
        }
}

/* The root and every slice: where the manager creates scopes. */
static void
watch_dir(ItestScopeWatch *w, const char *path)
{
        int wd = inotify_add_watch(w->fd, path, IN_CREATE | IN_DELETE | IN_ONLYDIR);

        if (wd < 0 || g_hash_table_contains(w->dirs, GINT_TO_POINTER(wd)))
                return;
        g_hash_table_insert(w->dirs, GINT_TO_POINTER(wd), g_strdup(path));
        /* What was there before the watch. */
        scan_dir(w, path);
}

static void
on_event(ItestScopeWatch *w, const struct inotify_event *ev)
{
        const char *dir;
        Scope *s;

        if (ev->mask & IN_Q_OVERFLOW) {
                g_string_append(w->overlaps, "the watch lost events: its queue overflowed\n");
                return;
        }
        if ((dir = g_hash_table_lookup(w->dirs, GINT_TO_POINTER(ev->wd)))) {
                if (ev->mask & IN_IGNORED) {
                        g_hash_table_remove(w->dirs, GINT_TO_POINTER(ev->wd));
                        return;
                }
                if (!(ev->mask & IN_ISDIR) || ev->len == 0)
                        return;
                if ((ev->mask & IN_CREATE) && g_str_has_suffix(ev->name, ".slice")) {
                        g_autofree char *sub = g_build_filename(dir, ev->name, NULL);
                        watch_dir(w, sub);
                } else if ((ev->mask & IN_CREATE) && is_steward_scope(ev->name))
                        scope_created(w, dir, ev->name);
                else if ((ev->mask & IN_DELETE) && (s = g_hash_table_lookup(w->scopes, ev->name))) {
                        s->alive = FALSE;
                        s->removed = TRUE;
                }
                return;
        }
        if (!(s = g_hash_table_lookup(w->events, GINT_TO_POINTER(ev->wd))))
                return;
        if (ev->mask & IN_IGNORED) {
                g_hash_table_remove(w->events, GINT_TO_POINTER(ev->wd));
                s->wd = -1;
        } else if (!s->removed)
                s->alive = events_populated(s->events);
}

static gpointer
watch_thread(gpointer user_data)
{
        ItestScopeWatch *w = user_data;
        char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));

        for (;;) {
                struct pollfd fds[] = { { .fd = w->fd, .events = POLLIN },
                                        { .fd = w->stop_fd, .events = POLLIN } };
                ssize_t n;

                if (poll(fds, G_N_ELEMENTS(fds), -1) < 0 && errno != EINTR)
                        break;
                if (fds[1].revents)
                        break;
                g_mutex_lock(&w->lock);
                while ((n = read(w->fd, buf, sizeof(buf))) > 0)
                        for (char *p = buf; p < buf + n;) {
                                const struct inotify_event *ev = (const struct inotify_event *) p;
                                p += sizeof(*ev) + ev->len;
                                on_event(w, ev);
                        }
                g_cond_broadcast(&w->changed);
                g_mutex_unlock(&w->lock);
        }
        return NULL;
}

/* The unified hierarchy's directory of the manager's own cgroup. */
static char *
manager_cgroup_dir(void)
{
        g_autoptr(GDBusConnection) bus = itest_bus();
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) value = NULL;
        const char *root;

        if (g_file_test("/sys/fs/cgroup/cgroup.controllers", G_FILE_TEST_EXISTS))
                root = "/sys/fs/cgroup";
        else if (g_file_test("/sys/fs/cgroup/unified/cgroup.procs", G_FILE_TEST_EXISTS))
                root = "/sys/fs/cgroup/unified";
        else
                ck_abort_msg("no unified cgroup hierarchy: the fence's watch needs its cgroup.events");
        reply = g_dbus_connection_call_sync(
                bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.DBus.Properties", "Get",
                g_variant_new("(ss)", "org.freedesktop.systemd1.Manager", "ControlGroup"),
                G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        ck_assert_msg(reply, "the manager's ControlGroup");
        g_variant_get(reply, "(v)", &value);
        return g_build_filename(root, g_variant_get_string(value, NULL), NULL);
}

ItestScopeWatch *
itest_scope_watch_new(void)
{
        ItestScopeWatch *w = g_new0(ItestScopeWatch, 1);
        g_autofree char *root = manager_cgroup_dir();

        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        w->stop_fd = eventfd(0, EFD_CLOEXEC);
        ck_assert_msg(w->fd >= 0 && w->stop_fd >= 0, "inotify: %s", g_strerror(errno));
        g_mutex_init(&w->lock);
        g_cond_init(&w->changed);
        w->dirs = g_hash_table_new_full(NULL, NULL, NULL, g_free);
        w->events = g_hash_table_new(NULL, NULL);
        w->scopes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, scope_free);
        w->overlaps = g_string_new(NULL);
        watch_dir(w, root);
        ck_assert_msg(g_hash_table_size(w->dirs) > 0, "cannot watch %s: %s", root, g_strerror(errno));
        w->thread = g_thread_new("scope-watch", watch_thread, w);
        return w;
}

void
itest_scope_watch_free(ItestScopeWatch *w)
{
        if (!w)
                return;
        (void) eventfd_write(w->stop_fd, 1);
        g_thread_join(w->thread);
        close(w->fd);
        close(w->stop_fd);
        g_hash_table_unref(w->events);
        g_hash_table_unref(w->scopes);
        g_hash_table_unref(w->dirs);
        g_string_free(w->overlaps, TRUE);
        g_mutex_clear(&w->lock);
        g_cond_clear(&w->changed);
        g_free(w);
}

char *
itest_scope_watch_overlaps(ItestScopeWatch *w)
{
        char *text;

        g_mutex_lock(&w->lock);
        text = g_strdup(w->overlaps->str);
        g_mutex_unlock(&w->lock);
        return text;
}

void
itest_scope_watch_assert_none(ItestScopeWatch *w)
{
        g_autofree char *overlaps = itest_scope_watch_overlaps(w);

        ck_assert_msg(!*overlaps, "two scopes of one child at once: %s", overlaps);
}

/* Waits until @done holds of @w, under its lock. */
static gboolean
wait_until(ItestScopeWatch *w, gboolean (*done)(ItestScopeWatch *w, const char *unit), const char *unit,
           guint timeout_sec)
{
        gint64 deadline = g_get_monotonic_time() + timeout_sec * G_TIME_SPAN_SECOND;
        gboolean result;

        g_mutex_lock(&w->lock);
        while (!(result = done(w, unit)) && g_cond_wait_until(&w->changed, &w->lock, deadline))
                ;
        g_mutex_unlock(&w->lock);
        return result;
}

static gboolean
is_gone(ItestScopeWatch *w, const char *unit)
{
        Scope *s = g_hash_table_lookup(w->scopes, unit);

        return s && s->removed;
}

gboolean
itest_scope_watch_wait_gone(ItestScopeWatch *w, const char *unit, guint timeout_sec)
{
        return wait_until(w, is_gone, unit, timeout_sec);
}

static gboolean
is_seen(ItestScopeWatch *w, const char *unit)
{
        return g_hash_table_contains(w->scopes, unit);
}

gboolean
itest_scope_watch_wait_seen(ItestScopeWatch *w, const char *unit, guint timeout_sec)
{
        return wait_until(w, is_seen, unit, timeout_sec);
}

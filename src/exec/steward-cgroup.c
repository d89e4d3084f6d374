/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-cgroup.c: what the kernel counted in an incarnation's cgroup (OOM kills, refused forks), for its
 * exit cause, and when the cgroup has no process left.
 *
 * The files are found while the scope runs and read once more when its
 * main process has ended, which comes before the manager removes the
 * scope's cgroup. A count the kernel made is also read as it is made:
 * on the unified hierarchy memory.events and pids.events are kept open
 * and wake poll() when they change, and a v1 memory.oom_control signals
 * an eventfd registered through cgroup.event_control when the cgroup runs
 * out of memory (these wake-ups come ahead of the main process's exit);
 * the eventfd only where a memory limit applies, since no other OOM is
 * notified on v1. What nothing wakes for (v1 pids.events) is read by
 * path, so a scope holds at most two descriptors, and none on a hybrid
 * host without memory limits. Once the manager has removed the cgroup
 * nothing can be read: a count made while stewardd could not run (a
 * loaded host) and followed by the main process's exit at once is lost,
 * and the cause is not named.
 *
 * A cgroup's end is the kernel's "populated 0" in its cgroup.events on the
 * unified hierarchy, which changes when its last process exits, before
 * the manager has read it, removed the cgroup and reported the unit
 * inactive (systemd watches the same file). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "steward-cgroup.h"
#include "steward-fd-watch.h"
#include "steward-util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

gboolean
steward_cgroup_counter(const char *text, const char *key, guint64 *ret)
{
        size_t n = strlen(key);

        for (const char *line = text; line && *line;
             line = strchr(line, '\n'), line = line ? line + 1 : NULL)
                if (strncmp(line, key, n) == 0 && line[n] == ' ') {
                        g_autofree char *value = g_strndup(line + n + 1, strcspn(line + n + 1, "\n"));
                        return g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, ret, NULL);
                }
        return FALSE;
}

/* Whether the comma-separated @list (@n bytes) names @name. */
static gboolean
list_has(const char *list, size_t n, const char *name)
{
        size_t len = strlen(name);

        for (const char *p = list, *end = list + n; p < end;) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                const char *stop = comma ? comma : end;

                if ((size_t) (stop - p) == len && memcmp(p, name, len) == 0)
                        return TRUE;
                p = stop + 1;
        }
        return FALSE;
}

char *
steward_cgroup_path_of(const char *proc_cgroup, const char *controller)
{
        /* "ID:CONTROLLERS:PATH", the unified hierarchy's as "0::PATH";
         * scanned where it lies, as every spawn reads it. */
        for (const char *line = proc_cgroup; line && *line;) {
                const char *eol = strchrnul(line, '\n');
                const char *c1 = memchr(line, ':', (size_t) (eol - line));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t) (eol - c1 - 1)) : NULL;
                const char *path = c2 ? c2 + 1 : NULL;
                gboolean match;

                if (path && path < eol && *path == '/') {
                        if (!controller)
                                match = c1 - line == 1 && line[0] == '0' && c2 == c1 + 1;
                        else
                                match = c2 > c1 + 1 && list_has(c1 + 1, (size_t) (c2 - c1 - 1), controller);
                        if (match)
                                return g_strndup(path, (size_t) (eol - path));
                }
                line = *eol ? eol + 1 : NULL;
        }
        return NULL;
}

StewardExitCause
steward_cgroup_exit_cause(guint64 oom_kills, guint64 pids_max)
{
        if (oom_kills > 0)
                return STEWARD_EXIT_CAUSE_OOM_KILL;
        if (pids_max > 0)
                return STEWARD_EXIT_CAUSE_TASKS_MAX;
        return STEWARD_EXIT_CAUSE_NONE;
}

/* Longer than any cgroup or /proc file read here. */
#define KERNEL_FILE_MAX (1024 * 1024)
/* The smallest buffer a seq_file fills (a page), and the longest line of
 * the files of "key value" lines read here (memory.stat, cgroup.events):
 * a key of a few dozen characters and a 64-bit number. */
#define KERNEL_PAGE 4096
#define KEY_VALUE_LINE_MAX 128

/* The text of a kernel file (in /proc or a cgroup: made at each read, of
 * no size stat() knows); NULL with errno set when it cannot be read. One
 * open() and a read() or two: g_file_get_contents() goes through a stdio
 * stream (fstat(), fdopen(), a buffer of its own), which at every spawn
 * cost more than the kernel's own work.
 *
 * The kernel makes such a file a page at a time and hands out whole lines
 * as long as the next fits in that page: a first read that comes back
 * short of a page by more than @line_max (the longest line the file can
 * have) is the whole file, and the read that would only say EOF is
 * skipped. @line_max 0: lines have no such bound (a cgroup's path), read
 * to EOF. */
static char *
kernel_file_read(const char *path, gsize line_max)
{
        steward_autofd int fd = open(path, O_RDONLY | O_CLOEXEC);
        g_autofree char *text = NULL;
        gsize length;

        if (fd < 0)
                return NULL;
        if (line_max > 0 && line_max < KERNEL_PAGE) {
                char buf[KERNEL_PAGE];
                ssize_t n;

                do
                        n = read(fd, buf, sizeof(buf));
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        return NULL;
                if ((gsize) n < KERNEL_PAGE - line_max)
                        return g_strndup(buf, (gsize) n);
                if (lseek(fd, 0, SEEK_SET) < 0)
                        return NULL;
        }
        if (!steward_read_fd(fd, KERNEL_FILE_MAX, &text, &length))
                return NULL;
        if (length > KERNEL_FILE_MAX) {
                errno = EFBIG;
                return NULL;
        }
        return g_steal_pointer(&text);
}

/* @unit's own cgroup (@path ends in it, not a parent's). */
static gboolean
path_is_unit(const char *path, const char *unit)
{
        size_t n = path ? strlen(path) : 0, u = strlen(unit);

        return n > u && g_str_has_suffix(path, unit) && path[n - u - 1] == '/';
}

/* A cgroup file read by path when asked, as DIR/UNIT/FILE: DIR, the
 * parent of the scope's cgroup (its slice's), is the same for every scope
 * in it and shared (an interned GRefString); FILE is a constant. Only the
 * unit's name is the scope's own: a whole path is 100 bytes and more, and
 * a scope may keep three. */
typedef struct {
        char *dir;
        char *unit;
        const char *file;
} CgroupFile;

/* @file (a constant) in the cgroup at @cgroup. */
static void
cgroup_file_set(CgroupFile *f, const char *cgroup, const char *file)
{
        g_autofree char *dir = g_path_get_dirname(cgroup);

        f->dir = g_ref_string_new_intern(dir);
        f->unit = g_path_get_basename(cgroup);
        f->file = file;
}

static char *
cgroup_file_path(const CgroupFile *f)
{
        return f->dir ? g_build_filename(f->dir, f->unit, f->file, NULL) : NULL;
}

static void
cgroup_file_clear(CgroupFile *f)
{
        g_clear_pointer(&f->dir, g_ref_string_release);
        g_clear_pointer(&f->unit, g_free);
}

typedef struct {
        gboolean have; /* opened: the file is the scope's own, and reads */
        int fd; /* held for poll() on the unified hierarchy; -1: read by path */
        CgroupFile file;
        const char *key;
        guint64 base; /* at open: a count from before is not this incarnation's */
        guint64 seen; /* the latest read */
        StewardFdWatch *watch; /* wake-ups of fd, or of event_fd */
        int event_fd; /* v1 memory.oom_control's OOM notifications */
        guint64 notified; /* of those, the ones that came while the cgroup was there */
} Counter;

struct _StewardCgroupCounters {
        Counter oom; /* memory.events oom_kill, or v1 memory.oom_control oom_kill */
        Counter pids; /* pids.events max */
};

static gboolean
counter_read(Counter *c)
{
        char buf[1024];
        ssize_t n;
        guint64 v;

        if (c->fd >= 0)
                n = pread(c->fd, buf, sizeof(buf) - 1, 0);
        else {
                g_autofree char *path = cgroup_file_path(&c->file);
                int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;

                n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
                steward_close_fdp(&fd);
        }
        if (n < 0)
                return FALSE; /* ENODEV, ENOENT: the cgroup is gone; keep what was seen */
        buf[n] = '\0';
        if (!steward_cgroup_counter(buf, c->key, &v))
                return FALSE;
        c->seen = v;
        return TRUE;
}

static gboolean
on_counter_changed(int fd, GIOCondition cond, gpointer user_data)
{
        Counter *c = user_data;

        /* Once gone, the file reports an error for ever. */
        if (!counter_read(c)) {
                c->watch = NULL;
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

static gboolean
on_counter_event(int fd, GIOCondition cond, gpointer user_data)
{
        Counter *c = user_data;
        eventfd_t n = 0;

        /* The kernel signals before it picks its victim, so the count may
         * not show the kill yet: the notification itself is kept. It
         * signals once more when the cgroup is removed; then the read
         * fails, and the rest is not counted. */
        if (eventfd_read(fd, &n) < 0 && errno != EAGAIN)
                return G_SOURCE_CONTINUE;
        if (!counter_read(c)) {
                c->watch = NULL;
                return G_SOURCE_REMOVE;
        }
        c->notified += n;
        return G_SOURCE_CONTINUE;
}

/* Whether the v1 memory cgroup at @dir can run out of memory: its
 * memory.stat's hierarchical limits are the lowest on the way to the root,
 * and where there is none, the memory controller's OOM handling never
 * runs for it. The global OOM killer still may kill in it (and counts the
 * kill in oom_kill), but notifies nobody. A file that cannot be read says
 * yes. */
static gboolean
v1_memory_limited(const char *dir)
{
        static const char *const keys[] = { "hierarchical_memory_limit", "hierarchical_memsw_limit" };
        g_autofree char *path = g_build_filename(dir, "memory.stat", NULL);
        g_autofree char *text = NULL;
        long page = sysconf(_SC_PAGESIZE);
        guint64 unlimited, v;

        if (page <= 0 || !(text = kernel_file_read(path, KEY_VALUE_LINE_MAX)))
                return TRUE;
        /* PAGE_COUNTER_MAX pages: what "max" reads as in bytes. */
        unlimited = (guint64) (G_MAXINT64 / page) * (guint64) page;
        for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
                if (steward_cgroup_counter(text, keys[i], &v) && v < unlimited)
                        return TRUE;
        return FALSE;
}

/* Asks the v1 memory controller to signal an eventfd when the cgroup at
 * @dir runs out of memory; without it the count is read at the end only.
 * Only where a limit applies (v1_memory_limited()): an eventfd is a
 * descriptor, which every spawn's clone() copies with the rest of the
 * table, and one per child made a spawn's cost grow with the tree. The
 * registration names memory.oom_control's descriptor only while it is
 * made: @oom_fd, or (-1) one opened for it. */
static void
counter_watch_v1(Counter *c, const char *dir, int oom_fd)
{
        g_autofree char *control = g_build_filename(dir, "cgroup.event_control", NULL);
        g_autofree char *line = NULL;
        steward_autofd int opened = -1, fd = -1;
        gboolean armed;

        if (c->event_fd >= 0 || !v1_memory_limited(dir))
                return;
        if (oom_fd < 0) {
                g_autofree char *oom_control = g_build_filename(dir, "memory.oom_control", NULL);

                oom_fd = opened = open(oom_control, O_RDONLY | O_CLOEXEC);
                if (oom_fd < 0)
                        return;
        }
        c->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (c->event_fd < 0)
                return;
        line = g_strdup_printf("%d %d", c->event_fd, oom_fd);
        fd = open(control, O_WRONLY | O_CLOEXEC);
        armed = fd >= 0 && write(fd, line, strlen(line)) == (ssize_t) strlen(line);
        if (!armed) {
                steward_close_fdp(&c->event_fd);
                return;
        }
        c->watch = steward_fd_watch_add(G_PRIORITY_HIGH, c->event_fd, G_IO_IN, on_counter_event, c);
}

/* @root/@path/@file when @path ends in @unit (its own cgroup, not a
 * parent's). @fresh: the cgroup was made for this incarnation, so its
 * counts are 0, and a file nothing polls is not opened until it is read. */
static gboolean
counter_open(Counter *c, const char *root, const char *path, const char *unit, const char *file,
             const char *key, gboolean pollable, gboolean fresh)
{
        g_autofree char *full = NULL;
        g_autofree char *cgroup = NULL;

        c->fd = c->event_fd = -1;
        if (!path_is_unit(path, unit))
                return FALSE;
        cgroup = g_build_filename(root, path, NULL);
        c->key = key;
        if (pollable || !fresh) {
                full = g_build_filename(cgroup, file, NULL);
                c->fd = open(full, O_RDONLY | O_CLOEXEC);
                if (c->fd < 0)
                        return FALSE;
                if (!counter_read(c)) {
                        steward_close_fdp(&c->fd);
                        return FALSE;
                }
                c->base = c->seen;
        }
        c->have = TRUE;
        /* Ahead of the main process's exit, which may come in the same wake-up. */
        if (pollable) {
                c->watch = steward_fd_watch_add(G_PRIORITY_HIGH, c->fd, G_IO_PRI, on_counter_changed, c);
                return TRUE;
        }
        if (g_str_equal(file, "memory.oom_control"))
                counter_watch_v1(c, cgroup, c->fd);
        /* Nothing to poll: read by path when asked, which works as long
         * as the cgroup does, as a held descriptor would. A large tree
         * keeps one descriptor fewer per child and file. */
        steward_close_fdp(&c->fd);
        cgroup_file_set(&c->file, cgroup, file);
        return TRUE;
}

static void
counter_close(Counter *c)
{
        g_clear_pointer(&c->watch, steward_fd_watch_remove);
        steward_close_fdp(&c->event_fd);
        steward_close_fdp(&c->fd);
        cgroup_file_clear(&c->file);
}

typedef enum {
        LAYOUT_PURE = 1, /* the unified hierarchy alone, at the root */
        LAYOUT_HYBRID, /* v1 controllers, the unified hierarchy at CGROUP_ROOT/unified */
        LAYOUT_LEGACY, /* v1 alone */
} Layout;

/* How the host mounts its cgroups, looked at once: it does not change
 * while stewardd runs, and every spawn asks. */
static Layout
cgroup_layout(void)
{
        static gsize layout = 0;

        if (g_once_init_enter(&layout)) {
                Layout l = g_file_test(CGROUP_ROOT "/cgroup.controllers", G_FILE_TEST_EXISTS) ? LAYOUT_PURE
                           : g_file_test(CGROUP_ROOT "/unified/cgroup.procs", G_FILE_TEST_EXISTS)
                                   ? LAYOUT_HYBRID
                                   : LAYOUT_LEGACY;
                g_once_init_leave(&layout, l);
        }
        return (Layout) layout;
}

/* On a hybrid host, whether the unified hierarchy has @controller (often
 * it has none, or hugetlb alone). A controller is on one hierarchy only,
 * and stays there while it is in use: looked at once, not with two failed
 * opens at every spawn. */
static gboolean
unified_has(const char *controller)
{
        static char **controllers = NULL;

        if (g_once_init_enter(&controllers)) {
                g_autofree char *text = NULL;
                char **c;

                if (g_file_get_contents(CGROUP_ROOT "/unified/cgroup.controllers", &text, NULL, NULL))
                        c = g_strsplit_set(g_strstrip(text), " ", -1);
                else
                        c = g_new0(char *, 1);
                g_once_init_leave(&controllers, c);
        }
        return g_strv_contains((const char *const *) controllers, controller);
}

StewardCgroupCounters *
steward_cgroup_counters_open(pid_t pid, const char *unit, gboolean fresh, char **ret_unified_dir)
{
        g_autofree char *proc = g_strdup_printf("/proc/%d/cgroup", (int) pid);
        g_autofree char *text = NULL;
        g_autofree char *unified = NULL;
        g_autofree char *memory = NULL;
        g_autofree char *pids = NULL;
        g_autoptr(StewardCgroupCounters) c = g_new0(StewardCgroupCounters, 1);
        Layout layout = cgroup_layout();
        gboolean have;

        c->oom.fd = c->pids.fd = c->oom.event_fd = c->pids.event_fd = -1;
        if (ret_unified_dir)
                *ret_unified_dir = NULL;
        if (!(text = kernel_file_read(proc, 0)))
                return NULL;
        unified = steward_cgroup_path_of(text, NULL);
        /* The unified hierarchy is mounted at the root (pure v2) or below
         * it (hybrid); a "0::/" of a v1-only host names nothing. */
        if (ret_unified_dir && path_is_unit(unified, unit) && layout != LAYOUT_LEGACY)
                *ret_unified_dir = g_build_filename(
                        layout == LAYOUT_PURE ? CGROUP_ROOT : CGROUP_ROOT "/unified", unified, NULL);
        /* Where a controller is on the unified hierarchy, its files are
         * in the one tree; a v1 hierarchy of its own has its own. */
        if (layout == LAYOUT_PURE) {
                have = counter_open(&c->oom, CGROUP_ROOT, unified, unit, "memory.events", "oom_kill", TRUE,
                                    fresh);
                have |= counter_open(&c->pids, CGROUP_ROOT, unified, unit, "pids.events", "max", TRUE,
                                     fresh);
        } else {
                memory = steward_cgroup_path_of(text, "memory");
                pids = steward_cgroup_path_of(text, "pids");
                have = unified_has("memory") && counter_open(&c->oom, CGROUP_ROOT "/unified", unified, unit,
                                                             "memory.events", "oom_kill", TRUE, fresh);
                if (!have)
                        have = counter_open(&c->oom, CGROUP_ROOT "/memory", memory, unit,
                                            "memory.oom_control", "oom_kill", FALSE, fresh);
                have |= (unified_has("pids") && counter_open(&c->pids, CGROUP_ROOT "/unified", unified, unit,
                                                             "pids.events", "max", TRUE, fresh)) ||
                        counter_open(&c->pids, CGROUP_ROOT "/pids", pids, unit, "pids.events", "max", FALSE,
                                     fresh);
        }
        return have ? g_steal_pointer(&c) : NULL;
}

StewardExitCause
steward_cgroup_counters_cause(StewardCgroupCounters *c)
{
        if (!c)
                return STEWARD_EXIT_CAUSE_NONE;
        guint64 oom_kills;

        if (!c->oom.have)
                oom_kills = 0;
        else if (counter_read(&c->oom) || c->oom.seen > c->oom.base)
                oom_kills = c->oom.seen - c->oom.base;
        else
                /* Gone before the kill could be read: the notification
                 * that came first says it. */
                oom_kills = c->oom.notified > 0 ? 1 : 0;
        (void) counter_read(&c->pids);
        return steward_cgroup_exit_cause(oom_kills, c->pids.have ? c->pids.seen - c->pids.base : 0);
}

void
steward_cgroup_counters_limits_changed(StewardCgroupCounters *c)
{
        g_autofree char *dir = NULL;

        if (!c || !c->oom.have || c->oom.fd >= 0 || !c->oom.file.dir ||
            !g_str_equal(c->oom.file.file, "memory.oom_control"))
                return;
        dir = g_build_filename(c->oom.file.dir, c->oom.file.unit, NULL);
        counter_watch_v1(&c->oom, dir, -1);
}

void
steward_cgroup_counters_free(StewardCgroupCounters *c)
{
        if (!c)
                return;
        counter_close(&c->oom);
        counter_close(&c->pids);
        g_free(c);
}

gboolean
steward_cgroup_populated(const char *text, gboolean *ret)
{
        guint64 v;

        if (!steward_cgroup_counter(text, "populated", &v))
                return FALSE;
        *ret = v != 0;
        return TRUE;
}

typedef struct {
        CgroupFile events; /* the cgroup's cgroup.events */
        StewardCgroupEmptyFunc func;
        gpointer user_data;
} EmptyWatch;

struct _StewardCgroupEmptyWatch {
        int fd; /* inotify */
        StewardFdWatch *watch;
        GHashTable *by_wd; /* GINT_TO_POINTER(wd) -> EmptyWatch* */
        gboolean limit_reached; /* said once: no watch left */
};

static void
empty_watch_free(gpointer data)
{
        EmptyWatch *e = data;

        cgroup_file_clear(&e->events);
        g_free(e);
}

/* TRUE when the file says populated 0, or cannot be read: the cgroup is
 * gone. A file that reads but makes no sense is taken as populated: the
 * manager's report still comes. */
static gboolean
events_say_empty(const char *events)
{
        g_autofree char *text = kernel_file_read(events, KEY_VALUE_LINE_MAX);
        gboolean populated = TRUE;

        if (!text)
                return errno == ENOENT || errno == ENODEV;
        (void) steward_cgroup_populated(text, &populated);
        return !populated;
}

static gboolean
empty_watch_says_empty(const EmptyWatch *e)
{
        g_autofree char *events = cgroup_file_path(&e->events);

        return events_say_empty(events);
}

/* Ends the watch @wd and calls its function; @removed: the kernel ended
 * the watch already (the cgroup was removed). */
static void
empty_watch_fire(StewardCgroupEmptyWatch *w, int wd, gboolean removed)
{
        gpointer key = GINT_TO_POINTER(wd), value;
        EmptyWatch *e;

        if (!g_hash_table_steal_extended(w->by_wd, key, NULL, &value))
                return;
        e = value;
        if (!removed)
                (void) inotify_rm_watch(w->fd, wd);
        e->func(e->user_data);
        empty_watch_free(e);
}

/* After the queue overflowed: which of the watched cgroups emptied meanwhile. */
static void
empty_watch_check_all(StewardCgroupEmptyWatch *w)
{
        g_autoptr(GArray) empty = g_array_new(FALSE, FALSE, sizeof(int));
        GHashTableIter iter;
        gpointer key, value;

        g_hash_table_iter_init(&iter, w->by_wd);
        while (g_hash_table_iter_next(&iter, &key, &value))
                if (empty_watch_says_empty(value)) {
                        int wd = GPOINTER_TO_INT(key);
                        g_array_append_val(empty, wd);
                }
        for (guint i = 0; i < empty->len; i++)
                empty_watch_fire(w, g_array_index(empty, int, i), FALSE);
}

static gboolean
on_inotify(int fd, GIOCondition cond, gpointer user_data)
{
        StewardCgroupEmptyWatch *w = user_data;
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        gboolean overflow = FALSE;
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) p;
                        EmptyWatch *e;

                        p += sizeof(*ev) + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                overflow = TRUE;
                                continue;
                        }
                        if (!(e = g_hash_table_lookup(w->by_wd, GINT_TO_POINTER(ev->wd))))
                                continue;
                        if (ev->mask & IN_IGNORED)
                                empty_watch_fire(w, ev->wd, TRUE);
                        else if (empty_watch_says_empty(e))
                                empty_watch_fire(w, ev->wd, FALSE);
                }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
                g_warning("Reading the cgroup watch failed, waiting for the manager's reports: %s",
                          g_strerror(errno));
                w->watch = NULL;
                return G_SOURCE_REMOVE;
        }
        if (overflow)
                empty_watch_check_all(w);
        return G_SOURCE_CONTINUE;
}

StewardCgroupEmptyWatch *
steward_cgroup_empty_watch_new(GError **error)
{
        g_autoptr(StewardCgroupEmptyWatch) w = g_new0(StewardCgroupEmptyWatch, 1);

        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->fd < 0) {
                int errsv = errno;
                g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errsv), "inotify: %s",
                            g_strerror(errsv));
                return NULL;
        }
        w->by_wd = g_hash_table_new_full(NULL, NULL, NULL, empty_watch_free);
        w->watch = steward_fd_watch_add(G_PRIORITY_DEFAULT, w->fd, G_IO_IN, on_inotify, w);
        return g_steal_pointer(&w);
}

void
steward_cgroup_empty_watch_free(StewardCgroupEmptyWatch *w)
{
        if (!w)
                return;
        g_clear_pointer(&w->watch, steward_fd_watch_remove);
        g_clear_pointer(&w->by_wd, g_hash_table_unref);
        steward_close_fdp(&w->fd);
        g_free(w);
}

int
steward_cgroup_empty_watch_add(StewardCgroupEmptyWatch *w, const char *dir, StewardCgroupEmptyFunc func,
                               gpointer user_data)
{
        g_autofree char *events = g_build_filename(dir, "cgroup.events", NULL);
        EmptyWatch *e;
        int wd;

        if (!w->watch)
                return 0;
        /* The file changes (IN_MODIFY) when "populated" does; the watch
         * ends (IN_IGNORED) when the cgroup is removed. */
        wd = inotify_add_watch(w->fd, events, IN_MODIFY);
        if (wd < 0) {
                if (errno == ENOSPC && !w->limit_reached) {
                        w->limit_reached = TRUE;
                        g_message("No inotify watch left (fs.inotify.max_user_watches): the ends of "
                                  "further scopes come from the manager's reports");
                }
                return 0;
        }
        /* One watch per file: a cgroup is one incarnation's. */
        if (g_hash_table_contains(w->by_wd, GINT_TO_POINTER(wd)))
                return 0;
        /* Read after the watch exists: an end before it shows here. */
        if (events_say_empty(events)) {
                (void) inotify_rm_watch(w->fd, wd);
                return 0;
        }
        e = g_new0(EmptyWatch, 1);
        cgroup_file_set(&e->events, dir, "cgroup.events");
        e->func = func;
        e->user_data = user_data;
        g_hash_table_insert(w->by_wd, GINT_TO_POINTER(wd), e);
        return wd;
}

void
steward_cgroup_empty_watch_remove(StewardCgroupEmptyWatch *w, int id)
{
        if (id > 0 && g_hash_table_remove(w->by_wd, GINT_TO_POINTER(id)))
                (void) inotify_rm_watch(w->fd, id);
}

gboolean
steward_cgroup_empty_watch_check(StewardCgroupEmptyWatch *w, int id)
{
        EmptyWatch *e = id > 0 ? g_hash_table_lookup(w->by_wd, GINT_TO_POINTER(id)) : NULL;

        if (!e || !empty_watch_says_empty(e))
                return FALSE;
        steward_cgroup_empty_watch_remove(w, id);
        return TRUE;
}

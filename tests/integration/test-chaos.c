/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-chaos.c: random commands and faults against a small tree, invariants checked from systemd's side
 * after each.
 *
 * One run is a seed and a number of steps (STEWARD_CHAOS_SEED,
 * STEWARD_CHAOS_STEPS; docs/HACKING.md). Each step is a command (restart,
 * stop, start, pause, resume, quarantine, reload with an edited file,
 * AddChild/RemoveChild) or a fault (SIGKILL of a child or a grandchild,
 * SIGSTOP/SIGCONT of stewardd, journald killed and started again, a
 * daemon-reexec of the service manager, a burst of property reads from a
 * second connection, a notify flood, stewardd killed and restarted). The
 * test keeps a model of what each child should be; after every step it
 * waits, bounded and woken by events and PropertiesChanged, until every
 * child is what its model says, and then checks what the kernel and
 * systemd say: never a scope of a child created while another of it had a
 * process (itest-scope-watch.c), a running child's processes all in its
 * scope and nothing of the others left, stewardd's descriptors and memory
 * flat, and every event numbered one more than the one before. Every
 * step is printed, and every failure names the seed and the step, so a
 * run replays exactly. */
#include "config.h"

#include <dirent.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "itest.h"

/* Fits in about two minutes on a loaded 2-core machine. */
#define CHAOS_DEFAULT_STEPS 500
#define CHAOS_DEFAULT_SEED 17
/* Descriptors and memory are compared with the highest seen in the first
 * steps, when the caches of GLib and GDBus fill up. */
#define CHAOS_WARMUP_STEPS 15
#define CHAOS_FD_SLACK 12
#define CHAOS_RSS_SLACK_KIB 8192
#define CHAOS_FLOOD 300

#define CHAOS_CHECK(c, cond, fmt, ...)                                                                  \
        ck_assert_msg((cond), "STEWARD_CHAOS_SEED=%" G_GUINT64_FORMAT " step %u (%s): " fmt, (c)->seed, \
                      (c)->step, (c)->what ? (c)->what : "setup", ##__VA_ARGS__)

typedef enum {
        WANT_ABSENT,
        WANT_RUNNING,
        WANT_STOPPED,
        WANT_PAUSED,
        WANT_QUARANTINED,
} Want;

static const char *const want_names[] = { "absent", "running", "stopped", "paused", "quarantined" };

typedef struct {
        const char *name;
        const char *supervisor;
        const char *marker; /* argument of its sleep processes; NULL: not checked */
        gboolean grandchild; /* its main process forks one */
        gboolean notify;
        gboolean runtime; /* AddChild's, not the file's */
        Want want;
        guint edits; /* Environment=CHAOS_EDIT= of its section */
} ChaosChild;

typedef struct {
        guint64 seed;
        guint step;
        guint steps;
        char *what;
        GRand *rand;
        char *files; /* the overlap probe's */
        char *probe_result;
        ItestDaemon *d;
        ItestScopeWatch *w;
        ChaosChild *children;
        guint n_children;
        guint checked; /* events of this run checked so far */
        guint64 last_seq; /* of this run, 0 before its first */
        guint64 floor; /* the first event of this run is numbered above */
        gboolean journald_down;
        guint64 base_fds, base_rss;
        guint64 max_fds, max_rss;
} Chaos;

static ChaosChild chaos_tree[] = {
        /* The overlap probe: ignores SIGTERM and leaves a grandchild that
         * does too, and notes if an incarnation starts beside it. */
        { .name = "api", .supervisor = "ofo" },
        { .name = "a", .supervisor = "ofo", .marker = "7770001" },
        { .name = "b", .supervisor = "ofo", .marker = "7770002", .grandchild = TRUE },
        { .name = "dog", .supervisor = "ofo", .notify = TRUE },
        { .name = "c", .supervisor = "ofa", .marker = "7770003" },
        { .name = "e", .supervisor = "ofa", .marker = "7770004", .grandchild = TRUE },
        { .name = "extra", .supervisor = "ofa", .marker = "7770005", .runtime = TRUE },
};

/* ---- the tree, as a file --------------------------------------------------------- */

static char *
child_section(Chaos *c, const ChaosChild *ch)
{
        g_autoptr(GString) s = g_string_new(NULL);

        if (g_str_equal(ch->name, "api")) {
                g_autofree char *probe = itest_overlap_probe_config(c->files, "1s");

                g_string_append(s, probe);
        } else {
                g_string_append_printf(s, "[Child %s]\n", ch->name);
                if (ch->notify) {
                        g_autofree char *nc = itest_notify_child_path();

                        g_string_append_printf(s,
                                               "Type=notify\n"
                                               "WatchdogSec=5s\n"
                                               "ExecStart=%s flood=%u notify=READY=1 ping=4000000000\n",
                                               nc, CHAOS_FLOOD);
                } else if (ch->grandchild)
                        g_string_append_printf(s,
                                               "ExecStart=/bin/sh -c '/bin/sleep %s & exec /bin/sleep %s'\n",
                                               ch->marker, ch->marker);
                else
                        g_string_append_printf(s, "ExecStart=/bin/sleep %s\n", ch->marker);
        }
        g_string_append_printf(s,
                               "Supervisor=%s\n"
                               "RestartSec=0\n"
                               "RestartIntensity=100000\n"
                               "RestartPeriodSec=1s\n"
                               "Environment=CHAOS_EDIT=%u\n",
                               ch->supervisor, ch->edits);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
chaos_config(Chaos *c)
{
        g_autoptr(GString) s = g_string_new(NULL);

        /* A budget no fault of a run exhausts: every state is the model's. */
        g_string_append(s, "[Supervisor root]\n"
                           "RestartIntensity=100000\n"
                           "RestartPeriodSec=1s\n"
                           "[Supervisor ofo]\n"
                           "Strategy=one-for-one\n"
                           "RestartIntensity=100000\n"
                           "RestartPeriodSec=1s\n"
                           "[Supervisor ofa]\n"
                           "Strategy=one-for-all\n"
                           "RestartIntensity=100000\n"
                           "RestartPeriodSec=1s\n");
        for (guint i = 0; i < c->n_children; i++) {
                g_autofree char *section = NULL;

                if (c->children[i].runtime)
                        continue;
                section = child_section(c, &c->children[i]);
                g_string_append(s, section);
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- what the daemon says ---------------------------------------------------------- */

static void chaos_say(Chaos *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
chaos_say(Chaos *c, const char *fmt, ...)
{
        va_list ap;

        g_free(c->what);
        va_start(ap, fmt);
        c->what = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        g_printerr("# chaos seed %" G_GUINT64_FORMAT " step %u/%u: %s\n", c->seed, c->step, c->steps,
                   c->what);
}

static GVariant *
chaos_call(Chaos *c, const char *method, GVariant *params, const char *reply_type)
{
        g_autoptr(GError) error = NULL;
        GVariant *reply = itest_manager_call_error(c->d, method, params, reply_type, &error);

        CHAOS_CHECK(c, reply, "%s failed: %s", method, error ? error->message : "?");
        return reply;
}

static const char *
outcome_decision(GVariant *reply, char **out)
{
        g_autoptr(GVariant) outcome = NULL;
        const char *decision = NULL;

        g_variant_get(reply, "(@a{sv})", &outcome);
        if (!g_variant_lookup(outcome, "decision", "s", out))
                *out = g_strdup("");
        decision = *out;
        return decision;
}

static void
chaos_command(Chaos *c, const char *method, const char *child)
{
        g_autoptr(GVariant) reply = chaos_call(c, method, g_variant_new("(ss)", child, "chaos"), "(a{sv})");
        g_autofree char *decision = NULL;

        outcome_decision(reply, &decision);
        g_printerr("#   %s %s: %s\n", method, child, decision);
}

/* A property of a child, read as itest_child_property() does, but a
 * failure names the seed and the step. */
static GVariant *
child_property(Chaos *c, const char *child, const char *property)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) path = NULL;
        g_autoptr(GVariant) reply = NULL;
        const char *object;
        GVariant *value;

        path = itest_manager_call_error(c->d, "GetChild", g_variant_new("(s)", child), "(o)", &error);
        CHAOS_CHECK(c, path, "GetChild %s: %s", child, error ? error->message : "?");
        g_variant_get(path, "(&o)", &object);
        reply = g_dbus_connection_call_sync(
                c->d->bus, "org.steward.Supervisor1", object, "org.freedesktop.DBus.Properties", "Get",
                g_variant_new("(ss)", "org.steward.Supervisor1.Child", property), G_VARIANT_TYPE("(v)"),
                G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, &error);
        CHAOS_CHECK(c, reply, "Get %s.%s: %s", child, property, error ? error->message : "?");
        g_variant_get(reply, "(v)", &value);
        return value;
}

static char *
child_string(Chaos *c, const char *child, const char *property)
{
        g_autoptr(GVariant) v = child_property(c, child, property);

        return g_variant_dup_string(v, NULL);
}

static guint32
child_main_pid(Chaos *c, const char *child)
{
        g_autoptr(GVariant) v = child_property(c, child, "MainPID");

        return g_variant_get_uint32(v);
}

static guint64
child_generation(Chaos *c, const char *child)
{
        g_autoptr(GVariant) v = child_property(c, child, "Generation");

        return g_variant_get_uint64(v);
}

static gboolean
child_exists(Chaos *c, const char *child)
{
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply =
                itest_manager_call_error(c->d, "GetChild", g_variant_new("(s)", child), "(o)", &error);

        return reply != NULL;
}

/* ---- invariants ---------------------------------------------------------------------- */

static const char *
want_state(const ChaosChild *ch)
{
        if (ch->want == WANT_RUNNING)
                return ch->notify ? "ready" : "running";
        return want_names[ch->want];
}

/* Every event of this run numbered one more than the one before; the
 * first above what the previous run numbered. */
static void
check_events(Chaos *c)
{
        GPtrArray *events = c->d->events->events;

        for (; c->checked < events->len; c->checked++) {
                guint64 seq = itest_event_sequence(g_ptr_array_index(events, c->checked));

                if (c->last_seq == 0)
                        CHAOS_CHECK(c, seq > c->floor,
                                    "first event of this run numbered %" G_GUINT64_FORMAT
                                    ", the previous run's went up to %" G_GUINT64_FORMAT,
                                    seq, c->floor);
                else
                        CHAOS_CHECK(c, seq == c->last_seq + 1,
                                    "event %" G_GUINT64_FORMAT " follows %" G_GUINT64_FORMAT, seq,
                                    c->last_seq);
                c->last_seq = seq;
        }
}

/* Every steward-*.scope the manager knows, with its states: for a
 * failure's message. */
static char *
describe_scopes(void)
{
        g_autoptr(GDBusConnection) bus = itest_bus();
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariantIter) iter = NULL;
        g_autoptr(GString) s = g_string_new(NULL);
        const char *patterns[] = { "steward-*.scope", NULL };
        const char *name, *active, *sub;

        reply = g_dbus_connection_call_sync(
                bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns",
                g_variant_new("(^as^as)", (const char *const[]){ NULL }, patterns),
                G_VARIANT_TYPE("(a(ssssssouso))"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        if (!reply)
                return g_strdup("(no answer)");
        g_variant_get(reply, "(a(ssssssouso))", &iter);
        while (g_variant_iter_next(iter, "(&s&s&s&s&s&s&ou&s&o)", &name, NULL, NULL, &active, &sub, NULL,
                                   NULL, NULL, NULL, NULL))
                g_string_append_printf(s, "%s %s/%s; ", name, active, sub);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The last events of this run, for a failure's context. */
static void
dump_events(Chaos *c)
{
        GPtrArray *events = c->d->events->events;

        for (guint i = events->len > 40 ? events->len - 40 : 0; i < events->len; i++) {
                GVariant *ev = g_ptr_array_index(events, i);
                g_autofree char *fields = NULL;
                g_autoptr(GVariant) f = NULL;
                const char *kind, *child;
                guint64 seq, gen;

                g_variant_get(ev, "(t&s&st@a{sv})", &seq, &kind, &child, &gen, &f);
                fields = g_variant_print(f, FALSE);
                g_printerr("#   event %" G_GUINT64_FORMAT " %s %s/%" G_GUINT64_FORMAT " %s\n", seq, kind,
                           child, gen, fields);
        }
}

/* Waits until every child is in the state its model says. */
static void
check_settled(Chaos *c)
{
        for (guint i = 0; i < c->n_children; i++) {
                ChaosChild *ch = &c->children[i];
                g_autofree char *state = NULL;

                if (ch->want == WANT_ABSENT) {
                        CHAOS_CHECK(c, !child_exists(c, ch->name), "%s still exists", ch->name);
                        continue;
                }
                if (itest_child_wait_property(c->d, ch->name, "State", g_variant_new_string(want_state(ch)),
                                              ITEST_TIMEOUT_SEC))
                        continue;
                state = child_string(c, ch->name, "State");
                dump_events(c);
                CHAOS_CHECK(c, FALSE, "%s is %s, not %s (MainPID %u, fence %s); scopes: %s", ch->name, state,
                            want_state(ch), child_main_pid(c, ch->name),
                            child_string(c, ch->name, "FenceState"), describe_scopes());
        }
}

static ChaosChild *
chaos_child(Chaos *c, const char *name)
{
        for (guint i = 0; i < c->n_children; i++)
                if (g_str_equal(c->children[i].name, name))
                        return &c->children[i];
        return NULL;
}

/* Whether a scope the manager still calls active has a process left. It
 * may be one whose end the manager has not read yet: stewardd reads the
 * cgroup's end as soon as the main process is reaped, the manager when
 * the kernel's notification comes, which may be held back by up to 10 ms.
 * The manager removes the cgroup then; one with a process never goes. */
static gboolean
scope_lingers(Chaos *c, const char *unit)
{
        return !itest_scope_watch_wait_gone(c->w, unit, ITEST_TIMEOUT_SEC);
}

/* systemd's scopes: one per running child, its Unit; none of the others. */
static void
check_scopes(Chaos *c)
{
        g_autoptr(GPtrArray) scopes = itest_live_scopes();
        g_autofree char *overlaps = itest_scope_watch_overlaps(c->w);

        CHAOS_CHECK(c, !*overlaps, "two scopes of one child at once: %s; now: %s", overlaps,
                    describe_scopes());
        CHAOS_CHECK(c, !g_file_test(c->probe_result, G_FILE_TEST_EXISTS),
                    "an incarnation of api started beside the previous one's grandchild");
        for (guint i = 0; i < c->n_children; i++) {
                ChaosChild *ch = &c->children[i];
                g_autofree char *unit = ch->want == WANT_RUNNING ? child_string(c, ch->name, "Unit") : NULL;
                gboolean found = FALSE;

                for (guint j = 0; j < scopes->len; j++) {
                        const char *scope = g_ptr_array_index(scopes, j);
                        g_autofree char *owner = itest_scope_child(scope);

                        if (!g_str_equal(owner, ch->name))
                                continue;
                        if (unit && g_str_equal(scope, unit)) {
                                found = TRUE;
                                continue;
                        }
                        CHAOS_CHECK(c, !scope_lingers(c, scope),
                                    "%s is %s (generation %" G_GUINT64_FORMAT ", fence %s, Unit %s) but %s "
                                    "has a process: %s",
                                    ch->name, want_names[ch->want], child_generation(c, ch->name),
                                    child_string(c, ch->name, "FenceState"), unit ? unit : "none", scope,
                                    describe_scopes());
                }
                if (unit)
                        CHAOS_CHECK(c, found, "%s's Unit %s is not among the live scopes", ch->name, unit);
        }
        for (guint j = 0; j < scopes->len; j++) {
                g_autofree char *owner = itest_scope_child(g_ptr_array_index(scopes, j));

                CHAOS_CHECK(c, chaos_child(c, owner), "scope %s of no child",
                            (const char *) g_ptr_array_index(scopes, j));
        }
}

/* The child whose marker a process's command line carries, or NULL. */
static ChaosChild *
process_child(Chaos *c, const char *pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%s/cmdline", pid);
        g_autofree char *cmdline = NULL;
        gsize len;

        /* A zombie's is empty: it is out of its scope already. */
        if (!g_file_get_contents(path, &cmdline, &len, NULL) || len == 0)
                return NULL;
        if (!g_str_has_suffix(cmdline, "sleep") || strlen(cmdline) + 1 >= len)
                return NULL;
        for (guint i = 0; i < c->n_children; i++)
                if (c->children[i].marker &&
                    g_str_equal(cmdline + strlen(cmdline) + 1, c->children[i].marker))
                        return &c->children[i];
        return NULL;
}

/* The unit a process's cgroup is named after ("" at the root). */
static char *
process_unit(const char *pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%s/cgroup", pid);
        g_autofree char *text = NULL;
        const char *line, *slash;

        if (!g_file_get_contents(path, &text, NULL, NULL) || !(line = strstr(text, "0::")))
                return NULL;
        g_strchomp((char *) line);
        slash = strrchr(line, '/');
        return g_strdup(slash ? slash + 1 : "");
}

/* Every process of the tree's programs is in its child's scope, and a
 * child that should not run has none. */
static void
check_processes(Chaos *c)
{
        g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
        const char *pid;

        CHAOS_CHECK(c, proc, "cannot read /proc");
        while ((pid = g_dir_read_name(proc))) {
                g_autofree char *unit = NULL;
                g_autofree char *want_unit = NULL;
                ChaosChild *ch;

                if (!g_ascii_isdigit(pid[0]) || !(ch = process_child(c, pid)))
                        continue;
                unit = process_unit(pid);
                if (!unit)
                        continue; /* gone meanwhile */
                CHAOS_CHECK(c, ch->want == WANT_RUNNING, "process %s of %s (%s) runs, in %s", pid, ch->name,
                            want_names[ch->want], unit);
                want_unit = child_string(c, ch->name, "Unit");
                CHAOS_CHECK(c, g_str_equal(unit, want_unit), "process %s of %s is in %s, not in %s", pid,
                            ch->name, unit, want_unit);
        }
}

static guint64
count_fds(GPid pid)
{
        g_autofree char *path = g_strdup_printf("/proc/%d/fd", pid);
        g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
        guint64 n = 0;

        while (dir && g_dir_read_name(dir))
                n++;
        return n;
}

/* stewardd's descriptors and resident memory stay what they were after
 * the warm-up, within a margin. */
static void
check_daemon(Chaos *c)
{
        guint64 fds = count_fds(c->d->pid);
        guint64 rss = itest_proc_rss_kib(c->d->pid);

        CHAOS_CHECK(c, fds > 0 && rss > 0, "stewardd %d is gone", c->d->pid);
        c->max_fds = MAX(c->max_fds, fds);
        c->max_rss = MAX(c->max_rss, rss);
        if (c->step <= CHAOS_WARMUP_STEPS) {
                c->base_fds = MAX(c->base_fds, fds);
                c->base_rss = MAX(c->base_rss, rss);
                return;
        }
        CHAOS_CHECK(c, fds <= c->base_fds + CHAOS_FD_SLACK,
                    "stewardd holds %" G_GUINT64_FORMAT " descriptors, %" G_GUINT64_FORMAT
                    " after the warm-up",
                    fds, c->base_fds);
        /* AddressSanitizer's quarantine keeps what was freed resident:
         * there, only the descriptors tell. */
        if (itest_sanitized())
                return;
        CHAOS_CHECK(c, rss <= c->base_rss + MAX(c->base_rss / 2, CHAOS_RSS_SLACK_KIB),
                    "stewardd's RSS is %" G_GUINT64_FORMAT " KiB, %" G_GUINT64_FORMAT " after the warm-up",
                    rss, c->base_rss);
}

static void
check_all(Chaos *c)
{
        check_settled(c);
        check_events(c);
        check_scopes(c);
        check_processes(c);
        check_daemon(c);
}

/* ---- choosing ------------------------------------------------------------------------ */

/* A random child whose model is one of the wants in the mask, or NULL. */
static ChaosChild *
pick(Chaos *c, guint want_mask, gboolean runtime_too)
{
        ChaosChild *found[G_N_ELEMENTS(chaos_tree)];
        guint n = 0;

        for (guint i = 0; i < c->n_children; i++)
                if ((want_mask & (1u << c->children[i].want)) && (runtime_too || !c->children[i].runtime))
                        found[n++] = &c->children[i];
        return n ? found[g_rand_int_range(c->rand, 0, (gint32) n)] : NULL;
}

#define W(x) (1u << (x))

/* ---- faults ----------------------------------------------------------------------------- */

static void
wait_pid_exit(Chaos *c, pid_t pid)
{
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        struct pollfd p;

        if (fd < 0)
                return; /* gone already */
        p = (struct pollfd){ .fd = fd, .events = POLLIN };
        CHAOS_CHECK(c, poll(&p, 1, ITEST_TIMEOUT_SEC * 1000) == 1, "process %d outlived SIGKILL", (int) pid);
        close(fd);
}

/* SIGKILL to the main process; the next incarnation is waited for by
 * check_settled(), once the daemon has seen this one end. */
static void
kill_main(Chaos *c, ChaosChild *ch, guint32 pid, guint64 gen)
{
        CHAOS_CHECK(c, pid > 0, "%s runs without a MainPID", ch->name);
        g_printerr("#   SIGKILL %s pid %u generation %" G_GUINT64_FORMAT "\n", ch->name, pid, gen);
        CHAOS_CHECK(c, kill((pid_t) pid, SIGKILL) == 0, "kill %u: %m", pid);
}

static void
wait_exited(Chaos *c, ChaosChild *ch, guint64 gen)
{
        CHAOS_CHECK(
                c,
                itest_events_wait_generation(c->d->events, "child_exited", ch->name, gen, ITEST_TIMEOUT_SEC),
                "no child_exited for %s generation %" G_GUINT64_FORMAT, ch->name, gen);
}

/* A crash of @ch restarts it and, under the one-for-all supervisor, every
 * running sibling: their generations before it. */
static guint
crash_restarts(Chaos *c, ChaosChild *ch, ChaosChild **who, guint64 *gens)
{
        guint n = 0;

        for (guint i = 0; i < c->n_children; i++) {
                ChaosChild *s = &c->children[i];

                if (s == ch || (g_str_equal(ch->supervisor, "ofa") && g_str_equal(s->supervisor, "ofa") &&
                                s->want == WANT_RUNNING)) {
                        who[n] = s;
                        gens[n++] = child_generation(c, s->name);
                }
        }
        return n;
}

/* Until every child the crash restarts runs its next incarnation: a
 * sibling that the one-for-all strategy stops only once the crashed one is
 * gone still shows its old incarnation "running" meanwhile. */
static void
wait_restarted(Chaos *c, ChaosChild **who, const guint64 *gens, guint n)
{
        for (guint i = 0; i < n; i++)
                CHAOS_CHECK(c,
                            itest_events_wait_generation(c->d->events, "child_started", who[i]->name,
                                                         gens[i] + 1, ITEST_TIMEOUT_SEC),
                            "%s generation %" G_GUINT64_FORMAT " was not restarted", who[i]->name, gens[i]);
}

static void
fault_kill_child(Chaos *c)
{
        ChaosChild *ch = pick(c, W(WANT_RUNNING), TRUE);
        ChaosChild *who[G_N_ELEMENTS(chaos_tree)];
        guint64 gens[G_N_ELEMENTS(chaos_tree)];
        guint n;
        guint64 gen;

        if (!ch)
                return;
        chaos_say(c, "SIGKILL the main process of %s", ch->name);
        gen = child_generation(c, ch->name);
        n = crash_restarts(c, ch, who, gens);
        kill_main(c, ch, child_main_pid(c, ch->name), gen);
        wait_exited(c, ch, gen);
        wait_restarted(c, who, gens, n);
}

static void
fault_kill_grandchild(Chaos *c)
{
        ChaosChild *candidates[G_N_ELEMENTS(chaos_tree)];
        ChaosChild *ch;
        g_autoptr(GDir) proc = NULL;
        const char *pid;
        guint n = 0;
        guint32 main_pid;
        guint64 gen;
        pid_t victim = 0;

        for (guint i = 0; i < c->n_children; i++)
                if (c->children[i].grandchild && c->children[i].want == WANT_RUNNING)
                        candidates[n++] = &c->children[i];
        if (n == 0)
                return;
        ch = candidates[g_rand_int_range(c->rand, 0, (gint32) n)];
        main_pid = child_main_pid(c, ch->name);
        gen = child_generation(c, ch->name);
        proc = g_dir_open("/proc", 0, NULL);
        while (proc && (pid = g_dir_read_name(proc)))
                if (g_ascii_isdigit(pid[0]) && process_child(c, pid) == ch &&
                    (guint32) atoi(pid) != main_pid)
                        victim = atoi(pid);
        /* Killed before, in this incarnation: a zombie is no grandchild. */
        if (victim == 0)
                return;
        chaos_say(c, "SIGKILL the grandchild of %s", ch->name);
        g_printerr("#   SIGKILL grandchild %d\n", (int) victim);
        CHAOS_CHECK(c, kill(victim, SIGKILL) == 0, "kill %d: %m", (int) victim);
        wait_pid_exit(c, victim);
        /* Its main process runs on: the same incarnation. */
        CHAOS_CHECK(c, child_main_pid(c, ch->name) == main_pid && child_generation(c, ch->name) == gen,
                    "%s was restarted for its grandchild", ch->name);
}

static void
fault_freeze_daemon(Chaos *c)
{
        ChaosChild *ch = pick(c, W(WANT_RUNNING), TRUE);
        ChaosChild *who[G_N_ELEMENTS(chaos_tree)];
        guint64 gens[G_N_ELEMENTS(chaos_tree)];
        guint n;
        guint32 pid;
        guint64 gen;

        if (!ch)
                return;
        chaos_say(c, "SIGSTOP stewardd, SIGKILL %s, SIGCONT stewardd", ch->name);
        /* Asked first: a stopped stewardd answers nothing. */
        gen = child_generation(c, ch->name);
        pid = child_main_pid(c, ch->name);
        n = crash_restarts(c, ch, who, gens);
        CHAOS_CHECK(c, kill(c->d->pid, SIGSTOP) == 0, "SIGSTOP: %m");
        kill_main(c, ch, pid, gen);
        CHAOS_CHECK(c, kill(c->d->pid, SIGCONT) == 0, "SIGCONT: %m");
        wait_exited(c, ch, gen);
        wait_restarted(c, who, gens, n);
}

static void
fault_journald(Chaos *c)
{
        if (c->journald_down) {
                chaos_say(c, "start journald again");
                itest_journald_start();
        } else {
                chaos_say(c, "SIGKILL journald");
                itest_journald_kill();
        }
        c->journald_down = !c->journald_down;
}

static void
fault_manager_reexec(Chaos *c)
{
        chaos_say(c, "systemctl --user daemon-reexec");
        /* Once the new manager is on the bus: the checks after the step ask it. */
        itest_manager_reexec();
}

typedef struct {
        guint pending;
        guint failed;
        GString *errors;
} Burst;

static void
on_burst_reply(GObject *source, GAsyncResult *res, gpointer user_data)
{
        Burst *b = user_data;
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

        if (!reply) {
                b->failed++;
                if (b->errors->len < 512)
                        g_string_append_printf(b->errors, "%s; ", error->message);
        }
        b->pending--;
}

static gboolean
burst_done(const Burst *b)
{
        return b->pending == 0;
}

/* A burst of property reads from a connection of its own, all in flight
 * at once; every one must be answered. */
static void
fault_dbus_pressure(Chaos *c)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, &error);
        g_autoptr(GDBusConnection) bus = NULL;
        g_autoptr(GString) errors = g_string_new(NULL);
        Burst b = { .errors = errors };
        g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
        gboolean done;

        chaos_say(c, "a burst of property reads from a second connection");
        CHAOS_CHECK(c, address, "no bus address: %s", error ? error->message : "?");
        bus = g_dbus_connection_new_for_address_sync(address,
                                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                     NULL, NULL, &error);
        CHAOS_CHECK(c, bus, "second connection: %s", error ? error->message : "?");
        for (guint i = 0; i < c->n_children; i++) {
                g_autoptr(GVariant) reply = NULL;
                char *path;

                if (c->children[i].want == WANT_ABSENT)
                        continue;
                reply = chaos_call(c, "GetChild", g_variant_new("(s)", c->children[i].name), "(o)");
                g_variant_get(reply, "(o)", &path);
                g_ptr_array_add(paths, path);
        }
        for (guint i = 0; i < 400; i++) {
                const char *path = g_ptr_array_index(paths, i % paths->len);

                b.pending++;
                if (i % 4 == 0)
                        g_dbus_connection_call(bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                                               "org.freedesktop.DBus.Properties", "GetAll",
                                               g_variant_new("(s)", "org.steward.Supervisor1.Manager"), NULL,
                                               G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL,
                                               on_burst_reply, &b);
                else
                        g_dbus_connection_call(
                                bus, "org.steward.Supervisor1", path, "org.freedesktop.DBus.Properties",
                                "GetAll", g_variant_new("(s)", "org.steward.Supervisor1.Child"), NULL,
                                G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, on_burst_reply, &b);
        }
        /* Every call carries its own bound: the loop ends either way. */
        while (!burst_done(&b))
                g_main_context_iteration(NULL, TRUE);
        done = b.failed == 0;
        CHAOS_CHECK(c, done, "%u of 400 reads failed: %s", b.failed, errors->str);
}

/* The notify-child of dog sends a flood of STATUS= on SIGUSR1, the last
 * one naming the step: seen in StatusText, the daemon has read them all. */
static void
fault_notify_flood(Chaos *c)
{
        ChaosChild *dog = chaos_child(c, "dog");
        g_autofree char *want = g_strdup_printf("flooded %u", c->step);
        union sigval value = { .sival_int = (int) c->step };
        guint32 pid;

        if (dog->want != WANT_RUNNING)
                return;
        chaos_say(c, "a flood of %u notify messages from dog", CHAOS_FLOOD);
        pid = child_main_pid(c, "dog");
        CHAOS_CHECK(c, sigqueue((pid_t) pid, SIGUSR1, value) == 0, "sigqueue %u: %m", pid);
        CHAOS_CHECK(c,
                    itest_child_wait_property(c->d, "dog", "StatusText", g_variant_new_string(want),
                                              ITEST_TIMEOUT_SEC),
                    "dog's StatusText never became '%s'", want);
}

static char *
state_path(Chaos *c)
{
        return g_build_filename(c->d->dir, "run", "state", NULL);
}

/* Until the state file holds everything up to event @sequence: what the
 * daemon said is what a kill leaves. Woken by a monitor of its directory. */
static void
wait_saved(Chaos *c, guint64 sequence)
{
        g_autofree char *path = state_path(c);

        CHAOS_CHECK(c, itest_wait_saved_path(path, sequence),
                    "the state file never held event %" G_GUINT64_FORMAT " (it has %" G_GUINT64_FORMAT ")",
                    sequence, itest_saved_sequence(path));
}

/* Brings the events seen up to what stewardd has sent: its signals come
 * before its answer to a round trip, and wait in our main context until
 * dispatched (a command's reply, waited for synchronously, does not
 * dispatch the events it caused). */
static void
sync_events(Chaos *c)
{
        g_autoptr(GVariant) reply =
                g_dbus_connection_call_sync(c->d->bus, "org.steward.Supervisor1", "/org/steward/Supervisor1",
                                            "org.freedesktop.DBus.Peer", "Ping", NULL, NULL,
                                            G_DBUS_CALL_FLAGS_NONE, ITEST_TIMEOUT_SEC * 1000, NULL, NULL);

        while (g_main_context_iteration(NULL, FALSE))
                ;
        check_events(c);
}

/* SIGKILL of stewardd and a new one on the same directory: it adopts,
 * and numbers on from where the first stopped. With @saved, once the
 * state file holds every event stewardd sent, including those of a
 * command answered a moment ago. */
static void
daemon_kill_restart(Chaos *c, gboolean saved)
{
        g_autofree char *path = state_path(c);

        if (saved) {
                sync_events(c);
                wait_saved(c, c->last_seq);
        } else
                /* "At once": no round trip before the kill. */
                check_events(c);
        itest_daemon_kill(c->d);
        /* Its last signals came before its name went. */
        check_events(c);
        g_printerr("#   killed at event %" G_GUINT64_FORMAT ", saved %" G_GUINT64_FORMAT "\n", c->last_seq,
                   itest_saved_sequence(path));
        /* Numbers are reserved ahead of the state file: whatever the
         * file says, the next run numbers above every event seen. */
        c->floor = c->last_seq;
        c->last_seq = 0;
        c->checked = 0;
        itest_daemon_restart(c->d);
        CHAOS_CHECK(c, itest_events_wait(c->d->events, "tree_adopted", NULL, NULL, ITEST_TIMEOUT_SEC),
                    "no tree_adopted");
}

/* Once its state is saved: every child's state is the model's. */
static void
fault_daemon_kill(Chaos *c)
{
        chaos_say(c, "SIGKILL stewardd and start it again");
        daemon_kill_restart(c, TRUE);
}

/* A restart commanded and stewardd killed at once, its state maybe not
 * saved: the restart happens or not, the child runs either way, and
 * what was numbered before the kill is not numbered again. What came
 * before is saved first: a command of the step before (StartChild of a
 * stopped child) lost with the restart would be restored as it was
 * saved, not as the model has it. */
static void
fault_restart_and_kill(Chaos *c)
{
        ChaosChild *ch = pick(c, W(WANT_RUNNING), TRUE);

        if (!ch)
                return;
        chaos_say(c, "RestartChild %s and SIGKILL stewardd at once", ch->name);
        sync_events(c);
        wait_saved(c, c->last_seq);
        chaos_command(c, "RestartChild", ch->name);
        daemon_kill_restart(c, FALSE);
}

/* ---- commands ---------------------------------------------------------------------------- */

/* @method on a child whose model is in @from_mask; its model becomes @to
 * (WANT_ABSENT: stays what it is, as for a restart). */
static void
command_simple(Chaos *c, const char *method, guint from_mask, Want to)
{
        ChaosChild *ch = pick(c, from_mask, TRUE);

        if (!ch)
                return;
        chaos_say(c, "%s %s (%s)", method, ch->name, want_names[ch->want]);
        chaos_command(c, method, ch->name);
        if (to != WANT_ABSENT)
                ch->want = to;
}

static void
command_reload(Chaos *c)
{
        ChaosChild *ch =
                pick(c, W(WANT_RUNNING) | W(WANT_STOPPED) | W(WANT_PAUSED) | W(WANT_QUARANTINED), FALSE);
        g_autofree char *config = NULL;
        g_autofree char *conf = NULL;
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autofree const char **changed = NULL;

        if (!ch)
                return;
        chaos_say(c, "edit %s in the file and Reload", ch->name);
        ch->edits++;
        config = chaos_config(c);
        conf = g_build_filename(c->d->dir, "steward.conf", NULL);
        CHAOS_CHECK(c, g_file_set_contents(conf, config, -1, NULL), "cannot write %s", conf);
        reply = chaos_call(c, "Reload", NULL, "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        CHAOS_CHECK(c, g_variant_lookup(outcome, "changed", "^a&s", &changed),
                    "Reload's outcome has no changed");
        CHAOS_CHECK(c, g_strv_length((char **) changed) == 1 && g_str_equal(changed[0], ch->name),
                    "Reload changed %u children, not %s", g_strv_length((char **) changed), ch->name);
}

static void
command_add_remove(Chaos *c)
{
        ChaosChild *extra = chaos_child(c, "extra");
        g_autoptr(GVariant) reply = NULL;

        if (extra->want == WANT_ABSENT) {
                g_autofree char *fragment = child_section(c, extra);
                GVariantBuilder options;

                chaos_say(c, "AddChild extra");
                g_variant_builder_init(&options, G_VARIANT_TYPE("a{sv}"));
                reply = chaos_call(c, "AddChild", g_variant_new("(sa{sv})", fragment, &options), "(a{sv})");
                extra->want = WANT_RUNNING;
        } else if (extra->want == WANT_RUNNING) {
                guint from = c->d->events->events->len;

                chaos_say(c, "RemoveChild extra");
                reply = chaos_call(c, "RemoveChild", g_variant_new("(ss)", "extra", "chaos"), "(a{sv})");
                /* The object goes once its scope is empty. */
                CHAOS_CHECK(
                        c,
                        itest_events_wait(c->d->events, "child_stopped", "extra", &from, ITEST_TIMEOUT_SEC),
                        "extra was never stopped");
                extra->want = WANT_ABSENT;
        }
}

/* ---- the run --------------------------------------------------------------------------------- */

typedef void (*ChaosAction)(Chaos *c);

static void
do_restart(Chaos *c)
{
        command_simple(c, "RestartChild", W(WANT_RUNNING), WANT_ABSENT);
}

static void
do_stop(Chaos *c)
{
        command_simple(c, "StopChild", W(WANT_RUNNING), WANT_STOPPED);
}

static void
do_start(Chaos *c)
{
        command_simple(c, "StartChild", W(WANT_STOPPED) | W(WANT_PAUSED), WANT_RUNNING);
}

static void
do_pause(Chaos *c)
{
        command_simple(c, "PauseChild", W(WANT_RUNNING), WANT_PAUSED);
}

static void
do_resume(Chaos *c)
{
        command_simple(c, "ResumeChild", W(WANT_PAUSED) | W(WANT_QUARANTINED), WANT_RUNNING);
}

static void
do_quarantine(Chaos *c)
{
        command_simple(c, "QuarantineChild", W(WANT_RUNNING), WANT_QUARANTINED);
}

static const struct {
        const char *name;
        ChaosAction action;
        guint weight;
} chaos_actions[] = {
        { "restart", do_restart, 10 },
        { "stop", do_stop, 5 },
        { "start", do_start, 8 },
        { "pause", do_pause, 4 },
        { "resume", do_resume, 8 },
        { "quarantine", do_quarantine, 4 },
        { "reload", command_reload, 5 },
        { "add-remove", command_add_remove, 5 },
        { "kill-child", fault_kill_child, 12 },
        { "kill-grandchild", fault_kill_grandchild, 5 },
        { "freeze-daemon", fault_freeze_daemon, 5 },
        { "journald", fault_journald, 4 },
        { "manager-reexec", fault_manager_reexec, 3 },
        { "dbus-pressure", fault_dbus_pressure, 4 },
        { "notify-flood", fault_notify_flood, 4 },
        { "daemon-kill", fault_daemon_kill, 5 },
        { "restart-and-kill", fault_restart_and_kill, 3 },
};

/* STEWARD_CHAOS_ONLY=kill-child,manager-reexec draws from these actions
 * alone: to find which of them a failure needs. */
static guint
action_weight(guint i)
{
        const char *only = g_getenv("STEWARD_CHAOS_ONLY");
        g_auto(GStrv) names = NULL;

        if (!only || !*only)
                return chaos_actions[i].weight;
        names = g_strsplit(only, ",", -1);
        return g_strv_contains((const char *const *) names, chaos_actions[i].name) ? chaos_actions[i].weight
                                                                                   : 0;
}

static void
chaos_step(Chaos *c)
{
        guint total = 0, r;

        for (guint i = 0; i < G_N_ELEMENTS(chaos_actions); i++)
                total += action_weight(i);
        CHAOS_CHECK(c, total > 0, "STEWARD_CHAOS_ONLY names no action");
        /* An action with nothing to act on says nothing: draw again. */
        g_clear_pointer(&c->what, g_free);
        while (!c->what) {
                r = (guint) g_rand_int_range(c->rand, 0, (gint32) total);
                for (guint i = 0; i < G_N_ELEMENTS(chaos_actions); i++) {
                        if (r < action_weight(i)) {
                                chaos_actions[i].action(c);
                                break;
                        }
                        r -= action_weight(i);
                }
        }
        check_all(c);
}

static guint64
env_u64(const char *name, guint64 fallback)
{
        const char *v = g_getenv(name);

        return v && *v ? g_ascii_strtoull(v, NULL, 10) : fallback;
}

/* Nothing of the run may stay: journald runs, stewardd is stopped, its
 * scopes are gone. */
static void
chaos_teardown(Chaos *c)
{
        g_autoptr(GPtrArray) scopes = NULL;

        c->step = c->steps + 1;
        chaos_say(c, "teardown");
        if (c->journald_down)
                itest_journald_start();
        c->journald_down = FALSE;
        itest_daemon_free(g_steal_pointer(&c->d));
        scopes = itest_live_scopes();
        CHAOS_CHECK(c, scopes->len == 0, "%u scopes outlived stewardd, the first %s", scopes->len,
                    scopes->len ? (const char *) g_ptr_array_index(scopes, 0) : "");
        {
                g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
                const char *pid;
                ChaosChild *ch;

                while (proc && (pid = g_dir_read_name(proc)))
                        CHAOS_CHECK(c, !g_ascii_isdigit(pid[0]) || !(ch = process_child(c, pid)),
                                    "process %s of %s outlived stewardd", pid, ch->name);
        }
}

START_TEST(test_chaos)
{
        Chaos c = {
                .seed = env_u64("STEWARD_CHAOS_SEED", CHAOS_DEFAULT_SEED),
                .steps = (guint) env_u64("STEWARD_CHAOS_STEPS", CHAOS_DEFAULT_STEPS),
                .children = chaos_tree,
                .n_children = G_N_ELEMENTS(chaos_tree),
        };
        g_autofree char *config = NULL;
        double t0 = (double) g_get_monotonic_time() / G_USEC_PER_SEC;

        c.rand = g_rand_new_with_seed_array((const guint32[]){ (guint32) c.seed, (guint32) (c.seed >> 32) },
                                            2);
        c.files = g_dir_make_tmp("steward-chaos-XXXXXX", NULL);
        ck_assert(c.files);
        c.probe_result = g_build_filename(c.files, "result", NULL);
        for (guint i = 0; i < c.n_children; i++)
                c.children[i].want = c.children[i].runtime ? WANT_ABSENT : WANT_RUNNING;
        g_printerr("# chaos: STEWARD_CHAOS_SEED=%" G_GUINT64_FORMAT " STEWARD_CHAOS_STEPS=%u\n", c.seed,
                   c.steps);

        c.w = itest_scope_watch_new();
        config = chaos_config(&c);
        c.d = itest_daemon_start(config, NULL);
        check_all(&c);
        for (c.step = 1; c.step <= c.steps; c.step++)
                chaos_step(&c);
        g_printerr("# chaos: %u steps in %.0f s; stewardd at most %" G_GUINT64_FORMAT
                   " descriptors, %" G_GUINT64_FORMAT " KiB (%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   " after the warm-up)\n",
                   c.steps, (double) g_get_monotonic_time() / G_USEC_PER_SEC - t0, c.max_fds, c.max_rss,
                   c.base_fds, c.base_rss);
        chaos_teardown(&c);

        itest_scope_watch_free(c.w);
        {
                g_autofree char *grandchild = g_build_filename(c.files, "grandchild", NULL);

                (void) g_unlink(grandchild);
                (void) g_unlink(c.probe_result);
                (void) g_rmdir(c.files);
        }
        g_free(c.probe_result);
        g_free(c.files);
        g_free(c.what);
        g_rand_free(c.rand);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("chaos");
        TCase *tc = tcase_create("chaos");
        guint64 steps = env_u64("STEWARD_CHAOS_STEPS", CHAOS_DEFAULT_STEPS);

        /* A backstop for a hang, not a measure: a step takes well under a
         * second, one with stewardd restarted a few. */
        tcase_set_timeout(tc, (double) MIN(60 + 2 * steps, (guint64) G_MAXINT32));
        tcase_add_test(tc, test_chaos);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

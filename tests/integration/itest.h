/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* itest.h: helpers shared by the integration suites that run inside steward-harness. */
#pragma once

#include <check.h>
#include <gio/gio.h>

/* Default bound for any wait in an integration test. */
#define ITEST_TIMEOUT_SEC 30

/* Runs argv to completion; returns its exit status (or 128+signal) and,
 * when asked, what it printed on stdout. */
int itest_run(const char *const *argv, char **out);

/* The harness's user bus; fails the test when it cannot be reached. */
GDBusConnection *itest_bus(void);
/* Returns once the bus daemon has handled everything sent on @bus so far,
 * a signal subscription's match rule included: subscribe, then this, then
 * cause the signal. */
void itest_bus_sync(GDBusConnection *bus);

/* Iterates the default main context until *flag is set or the bound
 * passes; returns *flag. */
gboolean itest_wait_flag(const gboolean *flag, guint timeout_sec);

/* Waits until path exists, woken by a monitor of its directory. */
gboolean itest_wait_file(const char *path, guint timeout_sec);
/* Until @path is gone or empty, watched as itest_wait_file() does. */
gboolean itest_wait_file_gone_or_empty(const char *path, guint timeout_sec);
/* Writes @text into @fifo: opening it for writing waits until a child has
 * opened it to read, so this returns once that child can read it. */
void itest_fifo_write(const char *fifo, const char *text);

/* Waits until journalctl, run with the given match arguments, prints a line
 * containing needle: the journal is synced first, so an entry that was sent
 * is found without sleeping. */
gboolean itest_journal_contains(const char *const *match, const char *needle);

/* Follows the journal (journalctl --follow with the match arguments) until
 * a line containing needle arrives or the bound passes. */
gboolean itest_journal_wait(const char *const *match, const char *needle, guint timeout_sec);

/* The harness's systemd-journald, as a test may break it: the PID of the
 * one running now (the harness's, or the one itest_journald_start() ran
 * last), 0 when none runs. */
pid_t itest_journald_pid(void);
/* SIGKILL, and waits until it is gone (its sockets with it). */
void itest_journald_kill(void);
/* SIGSTOP / SIGCONT: a journald that takes no entries and no streams. */
void itest_journald_stop(void);
void itest_journald_cont(void);
/* Starts a new journald unless one runs, and waits for its READY=1, sent
 * once its sockets accept entries and streams. For teardown too: it also
 * continues a stopped one. */
void itest_journald_start(void);
/* Fills the journal's native socket with entries of our own until a send
 * would block (journald stopped): a writer that blocks then blocks at once.
 * Returns how many went in. */
guint itest_journal_fill(void);

/* Every Event signal of a daemon, recorded from before it started. */
typedef struct {
        GDBusConnection *bus;
        guint subscription;
        GPtrArray *events; /* of GVariant* (tssta{sv}) */
} ItestEvents;

/* Records every Event signal on @bus from now on: of an ItestDaemon's
 * stewardd, or of one the test starts otherwise (a service). */
ItestEvents *itest_events_new(GDBusConnection *bus);
void itest_events_free(ItestEvents *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ItestEvents, itest_events_free)

/* Waits for an event of kind about child (NULL: any) at or after index
 * *from (NULL: 0); returns it (borrowed) and sets *from past it, or NULL. */
GVariant *itest_events_wait(ItestEvents *e, const char *kind, const char *child, guint *from,
                            guint timeout_sec);
/* Waits for an event of kind about that generation of child, anywhere in
 * the record; returns it (borrowed) or NULL once the bound passed. */
GVariant *itest_events_wait_generation(ItestEvents *e, const char *kind, const char *child,
                                       guint64 generation, guint timeout_sec);
/* The recorded event numbered seq, or NULL. */
GVariant *itest_events_find_sequence(ItestEvents *e, guint64 seq);
/* Counts the recorded events of kind about child (NULL: any). */
guint itest_events_count(ItestEvents *e, const char *kind, const char *child);

/* A stewardd of the build tree, running inside the harness. */
typedef struct {
        GPid pid;
        char *dir; /* temporary config directory; its run/ is the RUNTIME_DIRECTORY,
                    * unless the test process sets one */
        char **extra_args;
        GDBusConnection *bus;
        ItestEvents *events; /* its Event signals, all of them */
        gboolean exited;
        int status; /* wait status once exited */
        guint nofile; /* RLIMIT_NOFILE stewardd is started with, soft and hard; 0: the test's */
} ItestDaemon;

/* Writes config to a fresh directory's steward.conf, starts
 * $STEWARD_BUILD_DIR/src/stewardd --user --config=DIR with extra_args, and
 * waits until org.steward.Supervisor1 is on the bus. NULL extra_args: none. */
ItestDaemon *itest_daemon_start(const char *config, const char *const *extra_args);
/* itest_daemon_start() with @nofile descriptors allowed, soft and hard, so
 * stewardd cannot raise its limit. */
ItestDaemon *itest_daemon_start_nofile(const char *config, const char *const *extra_args, guint nofile);
/* itest_daemon_start() with stewardd's runtime directory in "steward" of a
 * new temporary directory, *ret_xdg: stewardctl --user finds its private
 * socket there when that directory is its XDG_RUNTIME_DIR. The caller
 * removes it (itest_remove_tree()) once stewardd is gone. */
ItestDaemon *itest_daemon_start_xdg(const char *config, const char *const *extra_args, char **ret_xdg);
/* What stewardd writes to stdout and stderr (GLib's informational and
 * debug messages go to stdout, the rest to stderr), read line by line from
 * a pipe as it comes, each line echoed to the test's stderr: for what it
 * logs rather than signals. */
typedef struct {
        GDataInputStream *in;
        GString *text;
        GPtrArray *lines; /* each line, as text has them */
        GArray *arrived; /* gint64: when each line was read (monotonic, µs) */
        gboolean ended;
} ItestCapture;

/* itest_daemon_start() with stewardd's output on @c. */
ItestDaemon *itest_daemon_start_captured(const char *config, const char *const *extra_args, ItestCapture *c);
/* Waits, bounded, until stewardd has written a line containing @needle. */
gboolean itest_capture_wait(ItestCapture *c, const char *needle);
/* Waits, bounded, until @n lines in all have been read. */
gboolean itest_capture_wait_lines(ItestCapture *c, guint n);
/* After the daemon is gone: its end of the pipe closed, the read ends. */
void itest_capture_clear(ItestCapture *c);
/* SIGKILL to the daemon, and waits until it is gone: its children stay. */
void itest_daemon_kill(ItestDaemon *d);
/* Starts a new stewardd on the same directory (configuration, runtime
 * directory and arguments) once the previous one has exited, with a fresh
 * record of events, and waits for its bus name. */
void itest_daemon_restart(ItestDaemon *d);
/* Waits for the daemon to exit by itself; returns its exit status. */
int itest_daemon_wait(ItestDaemon *d, guint timeout_sec);
/* Removes @dir and everything below it (symlinks themselves, not what
 * they point to); rmdir()'s result. */
int itest_remove_tree(const char *dir);
/* Stops the daemon (SIGTERM unless it is gone already), waits, frees. */
void itest_daemon_free(ItestDaemon *d);
/* Shorthands of the suites. A command's outcome dictionary's string and
 * boolean members (must be there); the outcome (a{sv}, the caller's) of
 * @method (s name, s reason) on the Manager; a child's property as a
 * number or a string (the caller's); waits for a child's State; the
 * Manager's ChildCount. */
const char *itest_outcome_str(GVariant *outcome, const char *key);
gboolean itest_outcome_bool(GVariant *outcome, const char *key);
GVariant *itest_child_command(ItestDaemon *d, const char *method, const char *child, const char *reason);
guint64 itest_child_u64(ItestDaemon *d, const char *child, const char *property);
guint32 itest_child_main_pid(ItestDaemon *d, const char *child);
char *itest_child_str(ItestDaemon *d, const char *child, const char *property);
gboolean itest_wait_state(ItestDaemon *d, const char *child, const char *state);
guint32 itest_child_count(ItestDaemon *d);
/* A t property of the Manager: its counters (EventsTotal, ...). */
guint64 itest_manager_u64(ItestDaemon *d, const char *property);

/* The daemon's state file (RUNTIME_DIRECTORY/state), and the event
 * number its Sequence= holds (0: no file, or none). */
char *itest_state_path(ItestDaemon *d);
guint64 itest_saved_sequence(const char *path);
/* The state file is written once the loop is idle after a change: waits,
 * woken by a monitor of its directory and bounded, until the file at @path
 * holds what the daemon announced up to event @sequence, so that a kill
 * finds all of it saved. */
gboolean itest_wait_saved_path(const char *path, guint64 sequence);
gboolean itest_wait_saved(ItestDaemon *d, guint64 sequence);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ItestDaemon, itest_daemon_free)

/* Calls a method of the manager object and returns its reply, failing the
 * test on an error. */
GVariant *itest_manager_call(ItestDaemon *d, const char *method, GVariant *params, const char *reply_type);
/* A client connection straight to stewardd's private socket at @path, no
 * bus daemon between: calls name no destination (NULL). */
GDBusConnection *itest_connect_private(const char *path);
/* A method of the Manager over @direct (itest_connect_private()), which must succeed. */
GVariant *itest_direct_call(GDBusConnection *direct, const char *method, GVariant *params,
                            const char *reply_type);
/* The same, returning the error instead (NULL reply). */
GVariant *itest_manager_call_error(ItestDaemon *d, const char *method, GVariant *params,
                                   const char *reply_type, GError **error);
/* A property of the child object of name. */
GVariant *itest_child_property(ItestDaemon *d, const char *name, const char *property);
/* A property of the supervisor object of name. */
GVariant *itest_supervisor_property(ItestDaemon *d, const char *name, const char *property);
/* Waits until the child's property equals value (compared as GVariants),
 * woken by PropertiesChanged. */
gboolean itest_child_wait_property(ItestDaemon *d, const char *name, const char *property, GVariant *value,
                                   guint timeout_sec);
/* The same of a supervisor's property. */
gboolean itest_supervisor_wait_property(ItestDaemon *d, const char *name, const char *property,
                                        GVariant *value, guint timeout_sec);

/* A child "api" for fence tests: it ignores its stop signal (SIGWINCH)
 * and SIGTERM and leaves a grandchild that does too, so its scope outlives
 * a stop by TimeoutStopSec=
 * (@timeout_stop, e.g. "1s"); each incarnation writes "overlap" to
 * DIR/result if the previous one's grandchild (DIR/grandchild) still runs
 * when it starts. */
char *itest_overlap_probe_config(const char *dir, const char *timeout_stop);

/* The kernel's view of the fence (itest-scope-watch.c): notes every
 * steward-*.scope created while another scope of the same child still had
 * a process. */
typedef struct _ItestScopeWatch ItestScopeWatch;

ItestScopeWatch *itest_scope_watch_new(void);
void itest_scope_watch_free(ItestScopeWatch *w);
/* "CHILD: A created while B had a process\n" for every overlap seen so
 * far, "" for none. */
char *itest_scope_watch_overlaps(ItestScopeWatch *w);
/* Fails the test with the overlaps seen, if any. */
void itest_scope_watch_assert_none(ItestScopeWatch *w);
/* Waits until @unit's cgroup is removed (the manager is done with it);
 * FALSE when @timeout_sec passes first. */
gboolean itest_scope_watch_wait_gone(ItestScopeWatch *w, const char *unit, guint timeout_sec);
/* Waits until the watch has seen @unit's cgroup created, and judged that
 * creation; FALSE when @timeout_sec passes first. */
gboolean itest_scope_watch_wait_seen(ItestScopeWatch *w, const char *unit, guint timeout_sec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ItestScopeWatch, itest_scope_watch_free)
/* Runs a process in a transient scope named @unit (systemd-run --scope),
 * returned once it runs; itest_scope_release() kills and reaps it. */
GPid itest_scope_hold(const char *unit);
void itest_scope_release(GPid pid);
/* "steward-api-3.scope" -> "api" */
char *itest_scope_child(const char *unit);
/* Every steward-*.scope the manager has loaded and not inactive or
 * failed, by name. */
GPtrArray *itest_live_scopes(void);

/* A process's resident set (VmRSS) in KiB, 0 when it is gone. */
guint64 itest_proc_rss_kib(GPid pid);

/* The spare steward-exec (stewardd(8)) among @parent's children, other than
 * @except, found by its executable: that is its own once posix_spawn()
 * returns, where its argv and its name are set a moment later; the
 * spawner, which forks the helpers, is told apart by its name
 * (steward-spawner), which its forks never have, or, while it forks and
 * is named steward-exec, by its command line (steward-exec --spawner) and
 * a session of its own: a fork keeps that command line only while it is
 * still in the spawner's session. 0 when there is none; fails the test
 * on two. */
pid_t itest_spare_of(GPid parent, pid_t except);
/* The spawner (steward-exec --spawner) among @parent's children, told
 * apart as above; 0 when there is none; fails the test on two. */
pid_t itest_spawner_of(GPid parent);

/* Benches: the duration (gint64 µs, @durations sorted in place) below
 * which a fraction @q of them are, in ms: 0.5 is the median. */
double itest_quantile_ms(GArray *durations, double q);
/* Built with a sanitizer: memory is no measure (quarantine, shadow), and
 * every program of the tree, steward-exec included, needs more of it. */
gboolean itest_sanitized(void);
/* The user and system CPU time a process has used so far (execve() keeps
 * counting), 0 when it is gone. */
double itest_proc_cpu_seconds(GPid pid);
/* How long a process's main thread has waited so far for a CPU while it
 * was ready to run (/proc/PID/schedstat), 0 when it is gone. */
double itest_proc_waited_seconds(GPid pid);

/* The harness's daemons, the other ends of what a bench measures: the
 * CPU time each of them spends meanwhile is part of the cost. */
typedef struct {
        double manager, journald, bus; /* seconds */
        /* How long the manager was ready to run but had no CPU: what the
         * other work on the machine took from its pace. */
        double manager_waited;
} ItestPeersCpu;

typedef struct {
        GPid manager, journald, bus;
        ItestPeersCpu at_begin;
} ItestPeers;

void itest_peers_begin(GDBusConnection *bus, ItestPeers *p);
/* What each spent since itest_peers_begin(). */
void itest_peers_spent(const ItestPeers *p, ItestPeersCpu *ret);
/* A pidfd of @pid, which must exist (the test fails otherwise). */
int itest_pidfd_open(pid_t pid);
/* Whether the process of @pidfd exits (reaped or not) within
 * @timeout_sec; closes @pidfd. */
gboolean itest_pidfd_wait_exit(int pidfd, guint timeout_sec);
/* A process's parent, 0 when it is gone. */
GPid itest_proc_parent(GPid pid);
/* A string field of a recorded event (tssta{sv}), NULL when it has none. */
const char *itest_event_str(GVariant *ev, const char *field);
/* An event's number (STEWARD_SEQUENCE). */
guint64 itest_event_sequence(GVariant *ev);
/* The process owning the bus name @name (for org.freedesktop.DBus the bus
 * daemon itself); 0 when it has no owner. */
GPid itest_name_pid(GDBusConnection *bus, const char *name);

/* The manager's jobs and units whose names start with @prefix, counted
 * from the manager's signals (itest-systemd.c). */
typedef struct {
        GDBusConnection *bus;
        char *prefix;
        guint job_sub, unit_sub;
        guint want; /* JobRemoved with result "done" wanted, then UnitRemoved */
        guint done, removed;
        gboolean reached, gone, failed;
        GError *error; /* why the first call of itest_pipelined_scopes() failed */
        guint pending; /* calls of itest_pipelined_scopes() in flight */
        gint64 first_usec; /* the first JobRemoved "done" */
} ItestJobs;

ItestJobs *itest_jobs_new(GDBusConnection *bus, const char *prefix, guint want);
void itest_jobs_free(ItestJobs *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ItestJobs, itest_jobs_free)
/* systemd's fastest bring-up of @n processes each in a scope of its own
 * (issue #14's reference): fork them, then StartTransientUnit for each,
 * all in flight at once on one connection, in @slice (NULL: the
 * manager's default). The seconds until every job is done, -1 on a
 * failure; *@ret_spent what the manager, journald and the bus daemon
 * spent in them. The processes are killed and the scopes gone from the
 * manager on return. */
double itest_pipelined_scopes(GDBusConnection *bus, guint n, const char *prefix, const char *slice,
                              ItestPeersCpu *ret_spent);

/* systemctl --user daemon-reexec, returning once the new manager holds
 * its bus name again (a call to it before then fails). */
void itest_manager_reexec(void);

/* tests/integration/notify-child in the build tree; free with g_free(). */
char *itest_notify_child_path(void);

/* Suites of this directory skip (exit 77) outside steward-harness. */
void itest_require_harness(void);

#define ITEST_MAIN(make_suite)                      \
        int main(void)                              \
        {                                           \
                SRunner *sr;                        \
                int failed;                         \
                itest_require_harness();            \
                sr = srunner_create(make_suite());  \
                srunner_set_tap(sr, "-");           \
                srunner_run_all(sr, CK_SILENT);     \
                failed = srunner_ntests_failed(sr); \
                srunner_free(sr);                   \
                return failed == 0 ? 0 : 1;         \
        }

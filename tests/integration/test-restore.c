/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-restore.c: live restore: stewardd killed, restarted or re-executed while its children run.
 *
 * Each case kills stewardd with SIGKILL (or asks it to Reexecute) with its
 * children in some state, starts a new one on the same configuration and
 * runtime directory, and checks that the same processes in the same
 * scopes live on, that numbering continues and that the fence holds: a
 * watch of the scopes' cgroups fails the test whenever a scope of a child
 * was created while another of that child still had a process
 * (itest_scope_watch_new()). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <signal.h>

#include "itest.h"

/* ---- helpers -------------------------------------------------------------------- */

static GVariant *
restart_child(ItestDaemon *d, const char *child)
{
        g_autoptr(GVariant) reply =
                itest_manager_call(d, "RestartChild", g_variant_new("(ss)", child, "test"), "(a{sv})");
        GVariant *outcome;

        g_variant_get(reply, "(@a{sv})", &outcome);
        return outcome;
}

/* The restarted daemon's tree_adopted event, at or after *from (NULL: 0). */
static GVariant *
wait_adopted_from(ItestDaemon *d, guint *from)
{
        GVariant *ev = itest_events_wait(d->events, "tree_adopted", NULL, from, ITEST_TIMEOUT_SEC);

        ck_assert_msg(ev, "no tree_adopted");
        return ev;
}

static GVariant *
wait_adopted(ItestDaemon *d)
{
        return wait_adopted_from(d, NULL);
}

static void
write_config(ItestDaemon *d, const char *config)
{
        g_autofree char *conf = g_build_filename(d->dir, "steward.conf", NULL);

        ck_assert(g_file_set_contents(conf, config, -1, NULL));
}

/* The sequence number of the first event of @kind about @child (NULL:
 * any), waited for. */
static guint64
event_seq(ItestDaemon *d, const char *kind, const char *child)
{
        GVariant *ev = itest_events_wait(d->events, kind, child, NULL, ITEST_TIMEOUT_SEC);
        guint64 seq;

        ck_assert_msg(ev, "no %s event about %s", kind, child ? child : "anything");
        g_variant_get_child(ev, 0, "t", &seq);
        return seq;
}

/* ---- running children ------------------------------------------------------------ */

static const char simple_config[] = "[Child api]\n"
                                    "ExecStart=/bin/sleep 1000\n"
                                    "[Child worker]\n"
                                    "ExecStart=/bin/sleep 1000\n";

START_TEST(test_kill_keeps_children)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GPtrArray) scopes = NULL;
        g_autofree char *unit = NULL;
        g_autofree char *unit_after = NULL;
        guint32 api_pid, worker_pid;
        guint64 gen, last_seq;
        g_autofree char *path_of_state = itest_state_path(d);

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        /* A restart first, so there is a generation to continue. */
        g_clear_pointer(&outcome, g_variant_unref);
        outcome = restart_child(d, "api");
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        api_pid = itest_child_main_pid(d, "api");
        worker_pid = itest_child_main_pid(d, "worker");
        gen = itest_child_u64(d, "api", "Generation");
        unit = itest_child_str(d, "api", "Unit");
        ck_assert_str_eq(unit, "steward-api-1.scope");

        {
                GVariant *ev = itest_events_wait_generation(d->events, "child_started", "api", 1,
                                                            ITEST_TIMEOUT_SEC);
                guint64 seq;

                ck_assert(ev);
                g_variant_get_child(ev, 0, "t", &seq);
                ck_assert(itest_wait_saved(d, MAX(seq, event_seq(d, "child_started", "worker"))));
        }
        last_seq = itest_saved_sequence(path_of_state);
        itest_daemon_kill(d);
        ck_assert_int_eq(kill((pid_t) api_pid, 0), 0);
        ck_assert_int_eq(kill((pid_t) worker_pid, 0), 0);
        itest_daemon_restart(d);
        wait_adopted(d);
        /* Numbering goes on from the previous run's, from the first event. */
        ck_assert_uint_gt(itest_event_sequence(g_ptr_array_index(d->events->events, 0)), last_seq);

        ck_assert(itest_events_wait(d->events, "child_adopted", "api", NULL, 1));
        ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
        ck_assert_int_eq(itest_child_main_pid(d, "worker"), worker_pid);
        ck_assert_int_eq(itest_child_u64(d, "api", "Generation"), gen);
        unit_after = itest_child_str(d, "api", "Unit");
        ck_assert_str_eq(unit_after, unit);
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_int_eq(itest_events_count(d->events, "child_starting", NULL), 0);
        scopes = itest_live_scopes();
        ck_assert_int_eq(scopes->len, 2);

        /* A restart after the adoption is fenced as ever, and numbering goes on. */
        g_clear_pointer(&outcome, g_variant_unref);
        outcome = restart_child(d, "api");
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(gen + 1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_events_wait(d->events, "child_restart_fence_released", "api", NULL,
                                    ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_int_ne(itest_child_main_pid(d, "api"), api_pid);
        itest_scope_watch_assert_none(w);
}
END_TEST

/* ---- the fence across the restart ----------------------------------------------- */

/* The old incarnation ignores SIGTERM and leaves a grandchild that does
 * too; the next incarnation writes "overlap" if that grandchild still
 * runs when it starts. */
/* The overlap probe of the fence tests (itest_overlap_probe_config()),
 * its files in a directory of its own. */
typedef struct {
        char *files;
        char *result;
        char *grandchild;
        ItestDaemon *d;
} Probe;

static Probe *
probe_start(void)
{
        Probe *p = g_new0(Probe, 1);
        g_autofree char *config = NULL;

        p->files = g_dir_make_tmp("steward-restore-XXXXXX", NULL);
        ck_assert(p->files);
        p->result = g_build_filename(p->files, "result", NULL);
        p->grandchild = g_build_filename(p->files, "grandchild", NULL);
        config = itest_overlap_probe_config(p->files, "3s");
        p->d = itest_daemon_start(config, NULL);
        ck_assert(itest_wait_state(p->d, "api", "running"));
        ck_assert(itest_wait_file(p->grandchild, ITEST_TIMEOUT_SEC));
        return p;
}

static void
probe_free(Probe *p)
{
        itest_daemon_free(p->d);
        (void) g_unlink(p->grandchild);
        (void) g_unlink(p->result);
        (void) g_rmdir(p->files);
        g_free(p->grandchild);
        g_free(p->result);
        g_free(p->files);
        g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Probe, probe_free)

START_TEST(test_kill_during_fence)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(Probe) probe = probe_start();
        ItestDaemon *d = probe->d;
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GVariant) again = NULL;
        GVariant *started;
        const char *command_id = NULL;
        const char *decision = NULL;

        outcome = restart_child(d, "api");
        ck_assert(g_variant_lookup(outcome, "command_id", "&s", &command_id));
        ck_assert(itest_events_wait(d->events, "child_control_cancel_delivered", "api", NULL,
                                    ITEST_TIMEOUT_SEC));
        /* The state file has the pending restart once it is written. */
        ck_assert(itest_wait_saved(d, event_seq(d, "child_control_cancel_delivered", "api")));
        itest_daemon_kill(d);
        itest_daemon_restart(d);
        wait_adopted(d);

        /* While the old scope drains, the restart is still the pending one. */
        again = restart_child(d, "api");
        ck_assert(g_variant_lookup(again, "decision", "&s", &decision));
        ck_assert_str_eq(decision, "already_pending");
        started = itest_events_wait_generation(d->events, "child_starting", "api", 1, ITEST_TIMEOUT_SEC);
        ck_assert_msg(started, "generation 1 never started");
        ck_assert_str_eq(itest_event_str(started, "command_id"), command_id);
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_msg(!g_file_test(probe->result, G_FILE_TEST_EXISTS),
                      "generation 1 started beside generation 0");
        itest_scope_watch_assert_none(w);
}
END_TEST

/* ---- operator state, readiness and the watchdog ----------------------------------- */

/* A child "fl" that sends 100 STATUS= at once: more than the rate limit
 * lets through, so a summary of the rest follows when its window ends. */
static char *
status_flood_config(void)
{
        g_autofree char *child = itest_notify_child_path();

        return g_strdup_printf("[Child fl]\n"
                               "Type=notify\n"
                               "ExecStart=%s notify=READY=1 statuses=100\n",
                               child);
}

/* An event from outside the engine's work, here the rate limiter's summary
 * of held-back child_status events (sent from a timer when its window
 * ends), is in the state file too, so a kill after it leaves a file that
 * says it. */
START_TEST(test_summary_event_saved)
{
        g_autofree char *config = status_flood_config();
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, NULL);
        GVariant *summary = NULL;
        guint from = 0;

        while (!summary) {
                GVariant *ev = itest_events_wait(d->events, "child_status", "fl", &from, ITEST_TIMEOUT_SEC);
                g_autoptr(GVariant) fields = NULL;

                ck_assert_msg(ev, "no summary of the held-back child_status events");
                fields = g_variant_get_child_value(ev, 4);
                if (g_variant_lookup(fields, "suppressed", "t", NULL))
                        summary = ev;
        }
        ck_assert(itest_wait_saved(d, itest_event_sequence(summary)));
}
END_TEST

START_TEST(test_kill_keeps_states)
{
        g_autofree char *nc = itest_notify_child_path();
        g_autofree char *config = g_strdup_printf("[Child api]\n"
                                                  "ExecStart=/bin/sleep 1000\n"
                                                  "[Child stopped]\n"
                                                  "ExecStart=/bin/sleep 1000\n"
                                                  "[Child paused]\n"
                                                  "ExecStart=/bin/sleep 1000\n"
                                                  "[Child dog]\n"
                                                  "Type=notify\n"
                                                  "WatchdogSec=2s\n"
                                                  "ExecStart=%s notify=READY=1 ping=100000\n",
                                                  nc);
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, NULL);
        g_autoptr(GVariant) r1 = NULL;
        g_autoptr(GVariant) r2 = NULL;
        guint32 dog_pid;

        ck_assert(itest_wait_state(d, "dog", "ready"));
        ck_assert(itest_wait_state(d, "stopped", "running"));
        ck_assert(itest_wait_state(d, "paused", "running"));
        r1 = itest_manager_call(d, "StopChild", g_variant_new("(ss)", "stopped", "test"), "(a{sv})");
        r2 = itest_manager_call(d, "PauseChild", g_variant_new("(ss)", "paused", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "stopped", "stopped"));
        ck_assert(itest_wait_state(d, "paused", "paused"));
        dog_pid = itest_child_main_pid(d, "dog");
        ck_assert(itest_wait_saved(
                d, MAX(event_seq(d, "child_paused", "paused"),
                       MAX(event_seq(d, "child_stopped", "stopped"), event_seq(d, "child_ready", "dog")))));

        itest_daemon_kill(d);
        itest_daemon_restart(d);
        wait_adopted(d);

        ck_assert(itest_wait_state(d, "stopped", "stopped"));
        ck_assert(itest_wait_state(d, "paused", "paused"));
        /* Ready as it was: it will not say READY=1 again. */
        ck_assert(itest_wait_state(d, "dog", "ready"));
        ck_assert_int_eq(itest_child_main_pid(d, "dog"), dog_pid);
        /* Fed through the same socket: two full watchdog intervals pass
         * without an expiry. */
        ck_assert(!itest_events_wait(d->events, "child_watchdog_expired", "dog", NULL, 5));
        ck_assert_int_eq(itest_child_main_pid(d, "dog"), dog_pid);
}
END_TEST

/* A stop the state file records as delivered may never have reached the
 * manager: stewardd writes the file once it has asked, and a kill can
 * come before the request leaves. The next stewardd asks again, instead
 * of waiting TimeoutStopSec= (90 s here) for a scope nobody stops. */
START_TEST(test_kill_before_stop_sent)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autofree char *path = itest_state_path(d);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        guint32 api_pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        ck_assert(itest_wait_saved(
                d, MAX(event_seq(d, "child_started", "api"), event_seq(d, "child_started", "worker"))));
        itest_daemon_kill(d);
        /* What the file says when the kill came between the two. */
        ck_assert(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
        g_key_file_set_boolean(kf, "Child api", "Stopping", TRUE);
        ck_assert(g_key_file_save_to_file(kf, path, NULL));
        itest_daemon_restart(d);
        wait_adopted(d);

        ck_assert(itest_events_wait(d->events, "child_exited", "api", NULL, ITEST_TIMEOUT_SEC));
        /* Its reason went with the killed stewardd: supervised, it comes back. */
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_int_ne(itest_child_main_pid(d, "api"), api_pid);
        itest_scope_watch_assert_none(w);
}
END_TEST

/* From here on no save of @d's state file succeeds, as if stewardd died
 * before the next: a directory in the file's place fails its rename().
 * saves_mend() puts the last saved file back. */
static void
saves_break(ItestDaemon *d)
{
        g_autofree char *path = itest_state_path(d);
        g_autofree char *kept = g_strconcat(path, ".kept", NULL);

        ck_assert_int_eq(g_rename(path, kept), 0);
        ck_assert_int_eq(g_mkdir(path, 0700), 0);
}

static void
saves_mend(ItestDaemon *d)
{
        g_autofree char *path = itest_state_path(d);
        g_autofree char *kept = g_strconcat(path, ".kept", NULL);

        ck_assert_int_eq(g_rmdir(path), 0);
        ck_assert_int_eq(g_rename(kept, path), 0);
}

/* The file of changes written ahead of the state file. */
static char *
changes_path(ItestDaemon *d)
{
        return g_build_filename(d->dir, "run", "changes", NULL);
}

/* A stewardd with one Type=notify child, "slow", that says READY=1 once a
 * byte is written to @fifo (made here): started, its scope named, and the
 * state file saved with it starting. *@ret_pid: its main process. */
static ItestDaemon *
start_gated_notify(const char *fifo, guint32 *ret_pid)
{
        g_autofree char *nc = itest_notify_child_path();
        g_autofree char *config = NULL;
        ItestDaemon *d;
        guint64 seq;

        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        config = g_strdup_printf("[Child slow]\n"
                                 "Type=notify\n"
                                 "TimeoutStartSec=1min\n"
                                 "ExecStart=%s wait=%s notify=READY=1\n",
                                 nc, fifo);
        d = itest_daemon_start(config, NULL);
        ck_assert(itest_wait_state(d, "slow", "starting"));
        /* The scope is named before its process exists: MainPID is known once child_started is. */
        seq = event_seq(d, "child_started", "slow");
        ck_assert(itest_child_wait_property(d, "slow", "Unit", g_variant_new_string("steward-slow-0.scope"),
                                            ITEST_TIMEOUT_SEC));
        *ret_pid = itest_child_main_pid(d, "slow");
        ck_assert_uint_gt(*ret_pid, 0);
        ck_assert(itest_wait_saved(d, seq));
        return d;
}

/* A Type=notify child not ready yet is adopted starting, and its READY=1,
 * sent to the same socket after the restart, makes it ready. */
START_TEST(test_kill_while_starting)
{
        g_autofree char *files = g_dir_make_tmp("steward-restore-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(files, "gate", NULL);
        guint32 pid;
        g_autoptr(ItestDaemon) d = start_gated_notify(fifo, &pid);
        g_autofree char *path = itest_state_path(d);
        g_autofree char *changes = changes_path(d);

        itest_daemon_kill(d);
        itest_daemon_restart(d);
        wait_adopted(d);
        ck_assert(itest_wait_state(d, "slow", "starting"));
        ck_assert_int_eq(itest_child_main_pid(d, "slow"), pid);

        itest_fifo_write(fifo, "x");
        ck_assert(itest_wait_state(d, "slow", "ready"));
        ck_assert_int_eq(itest_child_main_pid(d, "slow"), pid);

        /* Its readiness was noted ahead, then saved; a shutdown leaves
         * nothing to take over, neither file. */
        ck_assert(itest_wait_saved(d, event_seq(d, "child_ready", "slow")));
        ck_assert(g_file_test(changes, G_FILE_TEST_IS_REGULAR));
        ck_assert_int_eq(kill(d->pid, SIGTERM), 0);
        ck_assert_int_eq(itest_daemon_wait(d, ITEST_TIMEOUT_SEC), 0);
        ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
        ck_assert(!g_file_test(changes, G_FILE_TEST_EXISTS));
        (void) g_unlink(fifo);
        (void) g_rmdir(files);
}
END_TEST

/* A READY=1 read after the last save of the state file is not lost with
 * stewardd: it was written ahead (the file "changes" beside the state
 * file), and the next stewardd adopts the child ready, instead of waiting
 * for a READY=1 that does not come again and restarting a healthy program
 * at its start timeout. */
START_TEST(test_kill_after_ready_before_save)
{
        g_autofree char *files = g_dir_make_tmp("steward-restore-XXXXXX", NULL);
        g_autofree char *fifo = g_build_filename(files, "gate", NULL);
        guint32 pid;
        g_autoptr(ItestDaemon) d = start_gated_notify(fifo, &pid);
        g_autofree char *changes = changes_path(d);
        g_autofree char *state = NULL;
        g_autofree char *noted = NULL;

        saves_break(d);
        itest_fifo_write(fifo, "x");
        ck_assert(itest_wait_state(d, "slow", "ready"));
        ck_assert(g_file_get_contents(changes, &noted, NULL, NULL));
        ck_assert_str_eq(noted, "ready slow 0\n");
        itest_daemon_kill(d);
        saves_mend(d);

        itest_daemon_restart(d);
        wait_adopted(d);
        /* Ready from the adoption on, the same process. */
        state = itest_child_str(d, "slow", "State");
        ck_assert_str_eq(state, "ready");
        ck_assert_int_eq(itest_child_main_pid(d, "slow"), pid);
        /* Once a save holds it, the note is gone: emptied right after the
         * state file is renamed into place, which the test may see first. */
        ck_assert(itest_wait_saved(d, event_seq(d, "tree_adopted", NULL)));
        ck_assert(itest_wait_file_gone_or_empty(changes, ITEST_TIMEOUT_SEC));
        (void) g_unlink(fifo);
        (void) g_rmdir(files);
}
END_TEST

/* What an operator made of a child after the last save of the state file
 * is not undone by stewardd's death: the stop was written ahead, and the
 * next stewardd keeps the child stopped, instead of finding its scope
 * gone and restarting it by its policy. The start of a stopped one is
 * kept as well. */
START_TEST(test_kill_after_stop_before_save)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autoptr(GVariant) r1 = NULL;
        g_autoptr(GVariant) r2 = NULL;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        r1 = itest_manager_call(d, "StopChild", g_variant_new("(ss)", "worker", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "worker", "stopped"));
        ck_assert(itest_wait_saved(d, MAX(event_seq(d, "child_started", "api"),
                                          event_seq(d, "child_control_stop_completed", "worker"))));

        saves_break(d);
        g_clear_pointer(&r1, g_variant_unref);
        r1 = itest_manager_call(d, "StopChild", g_variant_new("(ss)", "api", "test"), "(a{sv})");
        r2 = itest_manager_call(d, "StartChild", g_variant_new("(ss)", "worker", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "api", "stopped"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        itest_daemon_kill(d);
        saves_mend(d);

        itest_daemon_restart(d);
        wait_adopted(d);
        ck_assert(itest_wait_state(d, "worker", "running"));
        ck_assert_uint_eq(itest_child_u64(d, "worker", "Generation"), 1);
        /* Nothing of api's runs again: once the tree started, nothing is spawned for it. */
        ck_assert(itest_wait_saved(d, event_seq(d, "tree_adopted", NULL)));
        ck_assert(itest_wait_state(d, "api", "stopped"));
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "api"), 0);
}
END_TEST

/* A supervisor quarantined stays so, its children not started again. */
START_TEST(test_kill_keeps_quarantine)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Supervisor flaky]\n"
                                                      "RestartIntensity=1\n"
                                                      "RestartPeriodSec=1min\n"
                                                      "Escalation=quarantine\n"
                                                      "[Child crash]\n"
                                                      "Supervisor=flaky\n"
                                                      "ExecStart=/bin/false\n"
                                                      "RestartSec=0\n"
                                                      "[Child steady]\n"
                                                      "ExecStart=/bin/sleep 1000\n",
                                                      NULL);
        g_autoptr(GVariant) state = NULL;
        guint32 steady_pid;

        ck_assert(itest_events_wait(d->events, "child_quarantined", "crash", NULL, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "steady", "running"));
        steady_pid = itest_child_main_pid(d, "steady");
        ck_assert(itest_wait_saved(d, MAX(event_seq(d, "child_quarantined", "crash"),
                                          event_seq(d, "child_started", "steady"))));
        itest_daemon_kill(d);
        itest_daemon_restart(d);
        wait_adopted(d);

        state = itest_supervisor_property(d, "flaky", "State");
        ck_assert_str_eq(g_variant_get_string(state, NULL), "quarantined");
        ck_assert_int_eq(itest_child_main_pid(d, "steady"), steady_pid);
        ck_assert_int_eq(itest_events_count(d->events, "child_starting", "crash"), 0);
}
END_TEST

/* A child added at run time after the last save of the state file, and
 * then stopped, stays stopped across stewardd's death: its drop-in brings
 * it back to the configuration, the file of changes its mode, and with
 * that a record of its own, so that its next incarnation is a new
 * generation. */
START_TEST(test_kill_after_add_and_stop_before_save)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autoptr(GVariant) added = NULL;
        g_autoptr(GVariant) stopped = NULL;
        g_autoptr(GVariant) started = NULL;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        ck_assert(itest_wait_saved(
                d, MAX(event_seq(d, "child_started", "api"), event_seq(d, "child_started", "worker"))));

        saves_break(d);
        added = itest_manager_call(
                d, "AddChild", g_variant_new("(sa{sv})", "[Child late]\nExecStart=/bin/sleep 1000\n", NULL),
                "(a{sv})");
        ck_assert(itest_wait_state(d, "late", "running"));
        stopped = itest_manager_call(d, "StopChild", g_variant_new("(ss)", "late", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "late", "stopped"));
        itest_daemon_kill(d);
        saves_mend(d);

        itest_daemon_restart(d);
        wait_adopted(d);
        ck_assert(itest_wait_saved(d, event_seq(d, "tree_adopted", NULL)));
        ck_assert(itest_wait_state(d, "late", "stopped"));
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "late"), 0);

        started = itest_manager_call(d, "StartChild", g_variant_new("(ss)", "late", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "late", "running"));
        ck_assert_uint_eq(itest_child_u64(d, "late", "Generation"), 1);
}
END_TEST

/* A supervisor "flaky" that is quarantined once its child "crash" fails
 * twice in a minute; "crash" runs while the file @fixed exists and exits
 * 1 at once without it. It is ready once it has looked: its state says
 * whether the file may go (a "running" child may not have looked yet, and
 * a removal then makes it exit by itself). */
static char *
flaky_config(const char *fixed)
{
        g_autofree char *nc = itest_notify_child_path();

        return g_strdup_printf("[Supervisor flaky]\n"
                               "RestartIntensity=1\n"
                               "RestartPeriodSec=1min\n"
                               "Escalation=quarantine\n"
                               "[Child crash]\n"
                               "Supervisor=flaky\n"
                               "Type=notify\n"
                               "ExecStart=/bin/sh -c 'test -e %s || exit 1; exec %s notify=READY=1'\n"
                               "RestartSec=0\n",
                               fixed, nc);
}

/* An operator's ResumeSupervisor after the last save of the state file
 * is not undone by stewardd's death: the next stewardd restores the
 * supervisor running, not quarantined, and keeps its child running. */
START_TEST(test_kill_after_resume_before_save)
{
        g_autofree char *files = g_dir_make_tmp("steward-restore-XXXXXX", NULL);
        g_autofree char *fixed = g_build_filename(files, "fixed", NULL);
        g_autofree char *config = flaky_config(fixed);
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) state = NULL;
        guint32 pid;

        ck_assert(itest_events_wait(d->events, "child_quarantined", "crash", NULL, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_saved(d, event_seq(d, "child_quarantined", "crash")));
        ck_assert(g_file_set_contents(fixed, "", -1, NULL));

        saves_break(d);
        reply = itest_manager_call(d, "ResumeSupervisor", g_variant_new("(ss)", "flaky", "fixed"),
                                   "(a{sv})");
        ck_assert(itest_wait_state(d, "crash", "ready"));
        pid = itest_child_main_pid(d, "crash");
        itest_daemon_kill(d);
        saves_mend(d);

        itest_daemon_restart(d);
        wait_adopted(d);
        state = itest_supervisor_property(d, "flaky", "State");
        ck_assert_str_ne(g_variant_get_string(state, NULL), "quarantined");
        ck_assert(itest_wait_state(d, "crash", "ready"));
        ck_assert_int_eq(itest_child_main_pid(d, "crash"), pid);
        (void) g_unlink(fixed);
        (void) g_rmdir(files);
}
END_TEST

/* A supervisor's quarantine decided after the last save of the state file
 * is not forgotten by stewardd's death: the next stewardd restores the
 * supervisor quarantined and does not start its child again, as it would
 * for a child the file calls running whose scope is gone. */
START_TEST(test_kill_after_quarantine_before_save)
{
        g_autofree char *files = g_dir_make_tmp("steward-restore-XXXXXX", NULL);
        g_autofree char *fixed = g_build_filename(files, "fixed", NULL);
        g_autofree char *config = flaky_config(fixed);
        g_autoptr(ItestDaemon) d = NULL;
        g_autoptr(GVariant) state = NULL;

        ck_assert(g_file_set_contents(fixed, "", -1, NULL));
        d = itest_daemon_start(config, NULL);
        ck_assert(itest_wait_state(d, "crash", "ready"));
        ck_assert(itest_wait_saved(d, event_seq(d, "child_ready", "crash")));

        /* It crashes, and once more on its restart: the supervisor's
         * intensity is spent, and it is quarantined with no save. */
        saves_break(d);
        ck_assert_int_eq(g_unlink(fixed), 0);
        ck_assert_int_eq(kill((pid_t) itest_child_main_pid(d, "crash"), SIGKILL), 0);
        ck_assert(itest_supervisor_wait_property(d, "flaky", "State", g_variant_new_string("quarantined"),
                                                 ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "crash", "quarantined"));
        itest_daemon_kill(d);
        saves_mend(d);

        /* Fixed meanwhile: only the quarantine keeps it from running. */
        ck_assert(g_file_set_contents(fixed, "", -1, NULL));
        itest_daemon_restart(d);
        wait_adopted(d);
        ck_assert(itest_wait_saved(d, event_seq(d, "tree_adopted", NULL)));
        state = itest_supervisor_property(d, "flaky", "State");
        ck_assert_str_eq(g_variant_get_string(state, NULL), "quarantined");
        ck_assert_uint_eq(itest_events_count(d->events, "child_starting", "crash"), 0);
        (void) g_unlink(fixed);
        (void) g_rmdir(files);
}
END_TEST

/* A quarantined child stays so across a kill of stewardd: the new one
 * neither starts it nor lets a one-for-all restart of its sibling do so,
 * and ResumeChild is still the way back. */
START_TEST(test_kill_keeps_child_quarantine)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Supervisor root]\n"
                                                      "Strategy=one-for-all\n"
                                                      "RestartIntensity=100\n"
                                                      "[Child held]\n"
                                                      "Restart=permanent\n"
                                                      "RestartSec=0\n"
                                                      "ExecStart=/bin/sleep 1000\n"
                                                      "[Child steady]\n"
                                                      "RestartSec=0\n"
                                                      "ExecStart=/bin/sleep 1000\n",
                                                      NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autofree char *path = itest_state_path(d);
        GVariant *started;
        guint32 steady_pid;

        ck_assert(itest_wait_state(d, "held", "running"));
        ck_assert(itest_wait_state(d, "steady", "running"));
        reply = itest_manager_call(d, "QuarantineChild", g_variant_new("(ss)", "held", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "held", "quarantined"));
        steady_pid = itest_child_main_pid(d, "steady");
        ck_assert(itest_wait_saved(d, event_seq(d, "child_control_stop_completed", "held")));
        ck_assert(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
        ck_assert(g_key_file_get_boolean(kf, "Child held", "Quarantined", NULL));

        itest_daemon_kill(d);
        itest_daemon_restart(d);
        wait_adopted(d);
        ck_assert(itest_wait_state(d, "held", "quarantined"));
        ck_assert_int_eq(itest_child_main_pid(d, "steady"), steady_pid);

        /* A strategy restart after the restore leaves it down too. */
        ck_assert_int_eq(kill((pid_t) steady_pid, SIGKILL), 0);
        ck_assert(itest_child_wait_property(d, "steady", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "steady", "running"));
        ck_assert_int_eq(itest_events_count(d->events, "child_starting", "held"), 0);
        ck_assert(itest_wait_state(d, "held", "quarantined"));

        g_clear_pointer(&reply, g_variant_unref);
        reply = itest_manager_call(d, "ResumeChild", g_variant_new("(ss)", "held", "fixed"), "(a{sv})");
        started = itest_events_wait(d->events, "child_started", "held", NULL, ITEST_TIMEOUT_SEC);
        ck_assert_msg(started, "not started by ResumeChild");
        ck_assert(itest_wait_state(d, "held", "running"));
        ck_assert_uint_eq(itest_child_u64(d, "held", "Generation"), 1);
}
END_TEST

/* Killed in the middle of a shutdown: the children being stopped are
 * adopted on their way out and, once gone, started again for the new
 * stewardd, never beside their old incarnation. */
START_TEST(test_kill_during_shutdown)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(Probe) probe = probe_start();
        ItestDaemon *d = probe->d;
        g_autoptr(GVariant) reply = NULL;
        reply = itest_manager_call(d, "ShutdownTree", g_variant_new("(s)", "test"), "(a{sv})");
        ck_assert(itest_wait_state(d, "api", "stopping"));
        ck_assert(itest_wait_saved(d, event_seq(d, "tree_shutdown_started", NULL)));
        itest_daemon_kill(d);
        itest_daemon_restart(d);
        wait_adopted(d);

        ck_assert(itest_events_wait_generation(d->events, "child_starting", "api", 1, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_msg(!g_file_test(probe->result, G_FILE_TEST_EXISTS),
                      "generation 1 started beside generation 0");
        itest_scope_watch_assert_none(w);
}
END_TEST

/* ---- what cannot be believed ---------------------------------------------------------- */

START_TEST(test_corrupt_state)
{
        static const char *const garbage[] = {
                "[State]\nVersion=1\nBootID=nonsense\n",
                "[State]\nVersion=999\n",
                "\x01\x02 not a key file",
        };
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autofree char *path = itest_state_path(d);
        g_autofree char *changes = changes_path(d);
        guint32 api_pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        for (guint i = 0; i < G_N_ELEMENTS(garbage); i++) {
                GVariant *ev;

                itest_daemon_kill(d);
                ck_assert(g_file_set_contents(path, garbage[i], -1, NULL));
                itest_daemon_restart(d);
                ev = itest_events_wait(d->events, "state_discarded", NULL, NULL, ITEST_TIMEOUT_SEC);
                ck_assert_msg(ev, "state file %u was believed", i);
                wait_adopted(d);
                /* The scopes alone tell enough: nothing is started twice. */
                ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
                ck_assert(itest_wait_state(d, "api", "running"));
                ck_assert_int_eq(itest_events_count(d->events, "child_starting", NULL), 0);
        }

        /* Changes written ahead that are not ours, beside a good state
         * file: not believed, not even the line that would parse. */
        ck_assert(itest_wait_saved(d, event_seq(d, "tree_adopted", NULL)));
        itest_daemon_kill(d);
        ck_assert(g_file_set_contents(changes, "mode api stopped\nmode api sleepy\n", -1, NULL));
        itest_daemon_restart(d);
        wait_adopted(d);
        ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_int_eq(itest_events_count(d->events, "child_starting", NULL), 0);
}
END_TEST

START_TEST(test_config_changed_while_down)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        guint32 api_pid, worker_pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        worker_pid = itest_child_main_pid(d, "worker");
        ck_assert(itest_wait_saved(
                d, MAX(event_seq(d, "child_started", "api"), event_seq(d, "child_started", "worker"))));
        itest_daemon_kill(d);

        /* worker removed, api changed, newbie added. */
        write_config(d, "[Child api]\n"
                        "ExecStart=/bin/sleep 1001\n"
                        "[Child newbie]\n"
                        "ExecStart=/bin/sleep 1000\n");
        itest_daemon_restart(d);
        wait_adopted(d);

        ck_assert(itest_events_wait(d->events, "leftover_stopped", NULL, NULL, ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "newbie", "running"));
        /* The changed child goes through the fence, once. */
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert_int_ne(itest_child_main_pid(d, "api"), api_pid);
        ck_assert(itest_events_wait(d->events, "child_restart_fence_released", "api", NULL,
                                    ITEST_TIMEOUT_SEC));
        ck_assert_int_eq(itest_events_count(d->events, "child_restart_fence_entered", "api"), 1);
        (void) worker_pid;
        itest_scope_watch_assert_none(w);
}
END_TEST

START_TEST(test_scope_lost_while_down)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autofree char *unit = NULL;
        const char *argv[] = { "systemctl", "--user", "stop", NULL, NULL };
        GVariant *exited;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        unit = itest_child_str(d, "api", "Unit");
        ck_assert(itest_wait_saved(
                d, MAX(event_seq(d, "child_started", "api"), event_seq(d, "child_started", "worker"))));
        itest_daemon_kill(d);
        argv[3] = unit;
        ck_assert_int_eq(itest_run(argv, NULL), 0);
        itest_daemon_restart(d);

        ck_assert(itest_events_wait(d->events, "child_lost", "api", NULL, ITEST_TIMEOUT_SEC));
        /* Its end is unknown and judged a failure: Restart=always (the
         * default) starts the next generation. */
        exited = itest_events_wait(d->events, "child_exited", "api", NULL, ITEST_TIMEOUT_SEC);
        ck_assert(exited);
        ck_assert_str_eq(itest_event_str(exited, "exit_code"), "unknown");
        ck_assert(itest_child_wait_property(d, "api", "Generation", g_variant_new_uint64(1),
                                            ITEST_TIMEOUT_SEC));
        ck_assert(itest_wait_state(d, "api", "running"));
}
END_TEST

/* ---- re-exec ---------------------------------------------------------------------- */

START_TEST(test_reexecute)
{
        g_autoptr(ItestScopeWatch) w = itest_scope_watch_new();
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autoptr(GVariant) reply = NULL;
        guint32 api_pid;
        GPid daemon_pid;
        guint from;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        daemon_pid = d->pid;
        from = d->events->events->len;
        reply = itest_manager_call(d, "Reexecute", NULL, NULL);
        /* The same process, a new image: it announces its adoption. */
        wait_adopted_from(d, &from);
        ck_assert(!d->exited);
        ck_assert_int_eq(d->pid, daemon_pid);
        ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
        ck_assert(itest_wait_state(d, "api", "running"));
        for (guint i = from; i < d->events->events->len; i++) {
                GVariant *ev = g_ptr_array_index(d->events->events, i);
                const char *kind = NULL;

                g_variant_get_child(ev, 1, "&s", &kind);
                ck_assert_str_ne(kind, "child_starting");
        }
        itest_scope_watch_assert_none(w);
}
END_TEST

/* A re-exec within a rate-limit window: the summary of what was held back
 * is sent by the old image, not lost with it. */
START_TEST(test_reexecute_writes_summaries)
{
        g_autofree char *config = status_flood_config();
        g_autoptr(ItestDaemon) d = itest_daemon_start(config, NULL);
        g_autoptr(GVariant) reply = NULL;
        guint from, adopted, summary = 0;
        guint64 total = 0;

        ck_assert(itest_child_wait_property(d, "fl", "StatusText", g_variant_new_string("step 100"),
                                            ITEST_TIMEOUT_SEC));
        from = d->events->events->len;
        reply = itest_manager_call(d, "Reexecute", NULL, NULL);
        wait_adopted_from(d, &from);
        adopted = from;
        for (guint i = 0; i < adopted; i++) {
                GVariant *ev = g_ptr_array_index(d->events->events, i);
                g_autoptr(GVariant) fields = g_variant_get_child_value(ev, 4);
                const char *kind = NULL;
                guint64 suppressed;

                g_variant_get_child(ev, 1, "&s", &kind);
                if (!g_str_equal(kind, "child_status"))
                        continue;
                if (g_variant_lookup(fields, "suppressed", "t", &suppressed)) {
                        total += suppressed;
                        summary = i;
                        ck_assert_str_eq(itest_event_str(ev, "status_text"), "step 100");
                } else
                        total++;
        }
        ck_assert_msg(summary > 0, "no summary before the new image's tree_adopted");
        ck_assert_uint_eq(total, 100);
}
END_TEST

/* stewardctl daemon-reexec returns once the new image holds the name. */
START_TEST(test_stewardctl_daemon_reexec)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        g_autofree char *ctl = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardctl", NULL);
        const char *argv[] = { ctl, "--user", "daemon-reexec", NULL };
        g_autofree char *out = NULL;
        guint32 api_pid;
        guint from;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        from = d->events->events->len;
        ck_assert_int_eq(itest_run(argv, &out), 0);
        ck_assert_str_eq(out, "stewardd re-executed\n");
        /* The name is back: the new image answers, and has adopted. */
        ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
        wait_adopted_from(d, &from);
        ck_assert(!d->exited);
}
END_TEST

/* A reload of what cannot change in place (a supervisor's strategy, a new
 * supervisor) is applied by a re-exec: nothing unchanged restarts. */
START_TEST(test_reload_by_reexec)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start("[Supervisor web]\n"
                                                      "Strategy=one-for-one\n"
                                                      "[Child api]\n"
                                                      "Supervisor=web\n"
                                                      "ExecStart=/bin/sleep 1000\n",
                                                      NULL);
        g_autoptr(GVariant) reply = NULL;
        g_autoptr(GVariant) outcome = NULL;
        g_autoptr(GVariant) strategy = NULL;
        g_autofree const char **added = NULL;
        g_autofree const char **changed = NULL;
        guint32 api_pid;
        guint from;

        ck_assert(itest_wait_state(d, "api", "running"));
        api_pid = itest_child_main_pid(d, "api");
        write_config(d, "[Supervisor web]\n"
                        "Strategy=one-for-all\n"
                        "[Supervisor db]\n"
                        "[Child api]\n"
                        "Supervisor=web\n"
                        "ExecStart=/bin/sleep 1000\n"
                        "[Child pg]\n"
                        "Supervisor=db\n"
                        "ExecStart=/bin/sleep 1000\n");
        from = d->events->events->len;
        reply = itest_manager_call(d, "Reload", NULL, "(a{sv})");
        g_variant_get(reply, "(@a{sv})", &outcome);
        ck_assert(g_variant_lookup(outcome, "added", "^a&s", &added));
        ck_assert(g_variant_lookup(outcome, "changed", "^a&s", &changed));
        ck_assert_uint_eq(g_strv_length((char **) added), 1);
        ck_assert_str_eq(added[0], "pg");
        ck_assert_uint_eq(g_strv_length((char **) changed), 0);

        wait_adopted_from(d, &from);
        ck_assert(itest_wait_state(d, "pg", "running"));
        ck_assert_int_eq(itest_child_main_pid(d, "api"), api_pid);
        strategy = itest_supervisor_property(d, "web", "Strategy");
        ck_assert_str_eq(g_variant_get_string(strategy, NULL), "one-for-all");
}
END_TEST

/* The process backend cannot take process groups over: a new stewardd
 * refuses to start beside the previous run's children. */
START_TEST(test_process_backend_refuses)
{
        const char *args[] = { "--backend=process", NULL };
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, args);
        g_autofree char *stewardd = g_build_filename(g_getenv("STEWARD_BUILD_DIR"), "src", "stewardd", NULL);
        g_autofree char *config = g_strdup_printf("--config=%s", d->dir);
        g_autofree char *run = g_build_filename(d->dir, "run", NULL);
        const char *argv[] = { stewardd, "--user", "--backend=process", config, NULL };
        guint32 api_pid, worker_pid;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        api_pid = itest_child_main_pid(d, "api");
        worker_pid = itest_child_main_pid(d, "worker");
        ck_assert(itest_wait_saved(
                d, MAX(event_seq(d, "child_started", "api"), event_seq(d, "child_started", "worker"))));
        itest_daemon_kill(d);

        g_setenv("RUNTIME_DIRECTORY", run, TRUE);
        ck_assert_int_eq(itest_run(argv, NULL), 1);
        g_unsetenv("RUNTIME_DIRECTORY");
        /* Refused, and nothing of the previous run touched. */
        ck_assert_int_eq(kill((pid_t) api_pid, 0), 0);
        ck_assert_int_eq(kill((pid_t) worker_pid, 0), 0);
        /* Each incarnation leads a process group of its own. */
        ck_assert_int_eq(kill(-(pid_t) api_pid, SIGKILL), 0);
        ck_assert_int_eq(kill(-(pid_t) worker_pid, SIGKILL), 0);
}
END_TEST

/* ---- many ------------------------------------------------------------------------------ */

START_TEST(test_many_children)
{
        enum { N = 200 };
        g_autoptr(GString) config = g_string_new(NULL);
        g_autoptr(ItestDaemon) d = NULL;
        guint32 pids[N];
        GVariant *ev;

        for (guint i = 0; i < N; i++)
                g_string_append_printf(config, "[Child c%u]\nExecStart=/bin/sleep 1000\n", i);
        d = itest_daemon_start(config->str, NULL);
        ck_assert(itest_events_wait(d->events, "manager_ready", NULL, NULL, ITEST_TIMEOUT_SEC));
        for (guint i = 0; i < N; i++) {
                g_autofree char *name = g_strdup_printf("c%u", i);
                pids[i] = itest_child_main_pid(d, name);
                ck_assert_uint_ne(pids[i], 0);
        }
        ck_assert(itest_wait_saved(d, event_seq(d, "manager_ready", NULL)));
        itest_daemon_kill(d);
        itest_daemon_restart(d);
        ev = wait_adopted(d);
        ck_assert_str_eq(itest_event_str(ev, "reason"), "200 adopted, 0 lost, 0 stopped");
        for (guint i = 0; i < N; i++) {
                g_autofree char *name = g_strdup_printf("c%u", i);
                ck_assert_int_eq(itest_child_main_pid(d, name), pids[i]);
        }
        ck_assert_int_eq(itest_events_count(d->events, "child_starting", NULL), 0);
}
END_TEST

/* stewardd spawns its spare once a spawn is on its way and nothing else
 * waits in its main loop; every property read makes it go round once. */
static pid_t
wait_spare(ItestDaemon *d)
{
        gint64 deadline = g_get_monotonic_time() + ITEST_TIMEOUT_SEC * G_USEC_PER_SEC;
        pid_t spare;

        while (!(spare = itest_spare_of(d->pid, 0)) && g_get_monotonic_time() < deadline)
                (void) itest_child_count(d);
        ck_assert_msg(spare > 0, "stewardd has no spare steward-exec");
        return spare;
}

/* The spare and the spawner leave with the stewardd that spawned them:
 * killed (_i 0) or re-executed (_i 1), nothing remains of them for the
 * next to find. */
START_TEST(test_spare_leaves_with_stewardd)
{
        g_autoptr(ItestDaemon) d = itest_daemon_start(simple_config, NULL);
        pid_t spare, spawner;
        int spare_fd, spawner_fd;

        ck_assert(itest_wait_state(d, "api", "running"));
        ck_assert(itest_wait_state(d, "worker", "running"));
        spare = wait_spare(d);
        spawner = itest_spawner_of(d->pid);
        ck_assert_msg(spawner > 0, "stewardd has no spawner");
        spare_fd = itest_pidfd_open(spare);
        spawner_fd = itest_pidfd_open(spawner);
        if (_i == 0) {
                itest_daemon_kill(d);
                /* A new stewardd, with events of its own. */
                itest_daemon_restart(d);
                wait_adopted(d);
        } else {
                guint from = d->events->events->len;
                g_autoptr(GVariant) reply = itest_manager_call(d, "Reexecute", NULL, NULL);

                wait_adopted_from(d, &from);
        }
        ck_assert_msg(itest_pidfd_wait_exit(spare_fd, ITEST_TIMEOUT_SEC),
                      "the spare %d outlived its stewardd", (int) spare);
        ck_assert_msg(itest_pidfd_wait_exit(spawner_fd, ITEST_TIMEOUT_SEC),
                      "the spawner %d outlived its stewardd", (int) spawner);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("restore");
        TCase *tc = tcase_create("restore");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_kill_keeps_children);
        tcase_add_test(tc, test_kill_during_fence);
        tcase_add_test(tc, test_kill_keeps_states);
        tcase_add_test(tc, test_summary_event_saved);
        tcase_add_test(tc, test_kill_while_starting);
        tcase_add_test(tc, test_kill_after_ready_before_save);
        tcase_add_test(tc, test_kill_after_stop_before_save);
        tcase_add_test(tc, test_kill_after_resume_before_save);
        tcase_add_test(tc, test_kill_after_quarantine_before_save);
        tcase_add_test(tc, test_kill_after_add_and_stop_before_save);
        tcase_add_test(tc, test_kill_before_stop_sent);
        tcase_add_test(tc, test_kill_keeps_quarantine);
        tcase_add_test(tc, test_kill_keeps_child_quarantine);
        tcase_add_test(tc, test_kill_during_shutdown);
        tcase_add_test(tc, test_corrupt_state);
        tcase_add_test(tc, test_config_changed_while_down);
        tcase_add_test(tc, test_scope_lost_while_down);
        tcase_add_test(tc, test_reexecute);
        tcase_add_test(tc, test_stewardctl_daemon_reexec);
        tcase_add_test(tc, test_reexecute_writes_summaries);
        tcase_add_test(tc, test_reload_by_reexec);
        tcase_add_test(tc, test_process_backend_refuses);
        tcase_add_test(tc, test_many_children);
        tcase_add_loop_test(tc, test_spare_leaves_with_stewardd, 0, 2);
        suite_add_tcase(s, tc);
        return s;
}

ITEST_MAIN(make_suite)

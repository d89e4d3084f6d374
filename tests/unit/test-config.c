/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-config.c: unit tests of the config loader: every key, every refusal with its exact message and line,
 * drop-ins and default paths. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "steward-config.h"
#include "steward-test.h"

#define SEC G_GUINT64_CONSTANT(1000000)

static StewardConfigOptions system_scope = { STEWARD_MODE_SYSTEM, STEWARD_BACKEND_SCOPE, FALSE };

/* Every problem formatted, one per line. */
static char *
format_problems(GPtrArray *problems)
{
        g_autoptr(GString) s = g_string_new(NULL);

        for (guint i = 0; problems && i < problems->len; i++) {
                g_autofree char *line = steward_problem_format(g_ptr_array_index(problems, i));
                g_string_append_printf(s, "%s\n", line);
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static StewardSpec *
load_with(const StewardConfigOptions *options, const char *text, char **ret_problems)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        StewardSpec *spec;

        spec = steward_config_load_data("t.conf", text, -1, options, &problems, &error);
        ck_assert_ptr_nonnull(problems);
        if (!spec)
                ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        else
                ck_assert_ptr_null(error);
        *ret_problems = format_problems(problems);
        return spec;
}

/* Loads @text, which must be valid and draw no problem at all. */
static StewardSpec *
load_ok(const char *text)
{
        g_autofree char *problems = NULL;
        StewardSpec *spec = load_with(&system_scope, text, &problems);

        ck_assert_msg(spec, "refused:\n%s", problems);
        ck_assert_str_eq(problems, "");
        return spec;
}

/* Whether any line of @problems is an error rather than a warning. */
static gboolean
has_error(const char *problems)
{
        g_auto(GStrv) lines = g_strsplit(problems, "\n", -1);

        for (char **l = lines; *l; l++)
                if (**l && !strstr(*l, ": warning: "))
                        return TRUE;
        return FALSE;
}

/* Loads @text with @options; its problems must be exactly @expected and it
 * must be refused exactly when they hold an error. */
static void
assert_problems_with(const StewardConfigOptions *options, const char *text, const char *expected)
{
        g_autofree char *problems = NULL;
        g_autoptr(StewardSpec) spec = load_with(options, text, &problems);

        ck_assert_str_eq(problems, expected);
        ck_assert_int_eq(spec == NULL, has_error(expected));
}

static void
assert_problems(const char *text, const char *expected)
{
        assert_problems_with(&system_scope, text, expected);
}

START_TEST(test_empty)
{
        g_autoptr(StewardSpec) spec = load_ok("");
        g_autoptr(StewardSpec) comments = load_ok("# nothing here\n\n   \n# at all\n");

        ck_assert_uint_eq(spec->supervisors->len, 1);
        ck_assert_str_eq(((StewardSupervisorSpec *) g_ptr_array_index(spec->supervisors, 0))->name, "root");
        ck_assert_uint_eq(spec->children->len, 0);
        ck_assert_str_eq(spec->slice, "steward.slice");
        ck_assert_uint_eq(g_strv_length(spec->files), 1);
        ck_assert_str_eq(spec->files[0], "t.conf");
        ck_assert_uint_eq(comments->children->len, 0);
}
END_TEST

START_TEST(test_manager_keys)
{
        g_autoptr(StewardSpec) spec = load_ok("[Manager]\n"
                                              "Slice=apps-steward.slice\n"
                                              "AllowedGroup=wheel\n"
                                              "ShutdownTimeoutSec=1min 30s\n");

        ck_assert_str_eq(spec->slice, "apps-steward.slice");
        ck_assert_str_eq(spec->allowed_group, "wheel");
        ck_assert_uint_eq(spec->shutdown_timeout_usec, 90 * SEC);
}
END_TEST

START_TEST(test_supervisor_keys)
{
        g_autoptr(StewardSpec) spec = load_ok("[Supervisor root]\n"
                                              "Strategy=rest-for-one\n"
                                              "RestartIntensity=7\n"
                                              "RestartPeriodSec=20s\n"
                                              "Escalation=shutdown\n"
                                              "\n"
                                              "[Supervisor web]\n"
                                              "Strategy=one-for-all\n"
                                              "Escalation=quarantine\n"
                                              "[Supervisor db]\n"
                                              "Parent=web\n"
                                              "RestartIntensity=0\n");
        StewardSupervisorSpec *root = steward_spec_find_supervisor(spec, "root");
        StewardSupervisorSpec *web = steward_spec_find_supervisor(spec, "web");
        StewardSupervisorSpec *db = steward_spec_find_supervisor(spec, "db");

        ck_assert_uint_eq(spec->supervisors->len, 3);
        ck_assert_ptr_eq(g_ptr_array_index(spec->supervisors, 0), root);
        ck_assert_ptr_eq(g_ptr_array_index(spec->supervisors, 1), web);
        ck_assert_ptr_eq(g_ptr_array_index(spec->supervisors, 2), db);
        ck_assert_ptr_null(root->parent);
        ck_assert_int_eq(root->strategy, STEWARD_STRATEGY_REST_FOR_ONE);
        ck_assert_uint_eq(root->restart_intensity, 7);
        ck_assert_uint_eq(root->restart_period_usec, 20 * SEC);
        ck_assert_int_eq(root->escalation, STEWARD_ESCALATION_SHUTDOWN);
        ck_assert_str_eq(root->origin.file, "t.conf");
        ck_assert_int_eq(root->origin.line, 1);

        ck_assert_str_eq(web->parent, "root");
        ck_assert_int_eq(web->strategy, STEWARD_STRATEGY_ONE_FOR_ALL);
        ck_assert_int_eq(web->escalation, STEWARD_ESCALATION_QUARANTINE);
        /* untouched defaults */
        ck_assert_uint_eq(web->restart_intensity, 5);
        ck_assert_uint_eq(web->restart_period_usec, 10 * SEC);
        ck_assert_int_eq(web->origin.line, 7);

        ck_assert_str_eq(db->parent, "web");
        ck_assert_uint_eq(db->restart_intensity, 0);
        ck_assert_int_eq(db->strategy, STEWARD_STRATEGY_ONE_FOR_ONE);
        ck_assert_int_eq(db->origin.line, 10);
}
END_TEST

START_TEST(test_child_every_key)
{
        g_autoptr(StewardSpec) spec = load_ok("[Supervisor web]\n"
                                              "[Child api]\n"
                                              "Supervisor=web\n"
                                              "ExecStart=/usr/bin/api --port 8080 \"two words\"\n"
                                              "Role=worker\n"
                                              "Restart=temporary\n"
                                              "Type=notify\n"
                                              "RestartSec=250ms\n"
                                              "RestartMaxDelaySec=1min\n"
                                              "RestartJitter=0.25\n"
                                              "RestartStableSec=2min\n"
                                              "RestartIntensity=4\n"
                                              "RestartPeriodSec=30s\n"
                                              "WatchdogSec=10s\n"
                                              "WatchdogSignal=SIGQUIT\n"
                                              "TimeoutStartSec=30s\n"
                                              "TimeoutStopSec=infinity\n"
                                              "KillSignal=INT\n"
                                              "ReloadSignal=USR1\n"
                                              "SuccessExitStatus=0 75 3\n"
                                              "Environment=LOG=info \"GREETING=hello world\"\n"
                                              "WorkingDirectory=/srv/api\n"
                                              "User=api\n"
                                              "Group=www-data\n"
                                              "SyslogIdentifier=api-server\n"
                                              "MemoryMax=512M\n"
                                              "TasksMax=64\n");
        StewardChildSpec *c = steward_spec_find_child(spec, "api");

        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->supervisor, "web");
        ck_assert_uint_eq(g_strv_length(c->argv), 4);
        ck_assert_str_eq(c->argv[0], "/usr/bin/api");
        ck_assert_str_eq(c->argv[3], "two words");
        ck_assert_int_eq(c->role, STEWARD_ROLE_WORKER);
        ck_assert_int_eq(c->restart, STEWARD_RESTART_TEMPORARY);
        ck_assert_int_eq(c->type, STEWARD_CHILD_NOTIFY);
        ck_assert_uint_eq(c->restart_usec, 250000);
        ck_assert_uint_eq(c->restart_max_delay_usec, 60 * SEC);
        ck_assert_double_eq_tol(c->restart_jitter, 0.25, 1e-9);
        ck_assert_uint_eq(c->restart_stable_usec, 120 * SEC);
        ck_assert_uint_eq(c->restart_intensity, 4);
        ck_assert_uint_eq(c->restart_period_usec, 30 * SEC);
        ck_assert_uint_eq(c->watchdog_usec, 10 * SEC);
        ck_assert_int_eq(c->watchdog_signal, SIGQUIT);
        ck_assert_uint_eq(c->timeout_start_usec, 30 * SEC);
        ck_assert_uint_eq(c->timeout_stop_usec, 0);
        ck_assert_int_eq(c->kill_signal, SIGINT);
        ck_assert_int_eq(c->reload_signal, SIGUSR1);
        ck_assert_uint_eq(c->success_exit_status->len, 3);
        ck_assert_int_eq(g_array_index(c->success_exit_status, int, 1), 75);
        ck_assert_uint_eq(g_strv_length(c->environment), 2);
        ck_assert_str_eq(c->environment[1], "GREETING=hello world");
        ck_assert_str_eq(c->working_directory, "/srv/api");
        ck_assert_str_eq(c->user, "api");
        ck_assert_str_eq(c->group, "www-data");
        ck_assert_str_eq(c->syslog_identifier, "api-server");
        ck_assert_uint_eq(c->resources.memory_max.value, 512ull << 20);
        ck_assert_uint_eq(c->resources.tasks_max.value, 64);
        ck_assert_ptr_null(c->sidecar_of);
        ck_assert_str_eq(c->origin.file, "t.conf");
        ck_assert_int_eq(c->origin.line, 2);
}
END_TEST

/* systemd's names and meanings, on a child's scope and a supervisor's slice. */
START_TEST(test_resource_keys)
{
        g_autoptr(StewardSpec) spec = load_ok("[Supervisor web]\n"
                                              "MemoryMax=2G\n"
                                              "MemoryHigh=25%\n"
                                              "TasksMax=10.5%\n"
                                              "CPUWeight=idle\n"
                                              "CPUQuota=250%\n"
                                              "IOWeight=10000\n"
                                              "AllowedCPUs=0-3,5\n"
                                              "[Child api]\n"
                                              "Supervisor=web\n"
                                              "ExecStart=/bin/true\n"
                                              "MemoryMax=50%\n"
                                              "MemoryHigh=1.5G\n"
                                              "TasksMax=32\n"
                                              "CPUWeight=200\n"
                                              "CPUQuota=20.5%\n"
                                              "IOWeight=1\n"
                                              "AllowedCPUs=\n"
                                              "[Child plain]\n"
                                              "ExecStart=/bin/true\n"
                                              "MemoryHigh=infinity\n");
        const StewardSupervisorSpec *web = steward_spec_find_supervisor(spec, "web");
        const StewardChildSpec *api = steward_spec_find_child(spec, "api");
        const StewardChildSpec *plain = steward_spec_find_child(spec, "plain");
        const guint8 *cpus;
        gsize n;

        ck_assert_uint_eq(web->resources.memory_max.value, 2ull << 30);
        ck_assert(!web->resources.memory_max.relative);
        ck_assert_uint_eq(web->resources.memory_high.value, 2500);
        ck_assert(web->resources.memory_high.relative);
        ck_assert_uint_eq(web->resources.tasks_max.value, 1050);
        ck_assert(web->resources.tasks_max.relative);
        ck_assert_uint_eq(web->resources.cpu_weight, 0); /* idle */
        ck_assert_uint_eq(web->resources.cpu_quota, 25000);
        ck_assert_uint_eq(web->resources.io_weight, 10000);
        cpus = g_bytes_get_data(web->resources.allowed_cpus, &n);
        ck_assert_uint_eq(n, 1);
        ck_assert_uint_eq(cpus[0], 0x2f);
        ck_assert(steward_resources_is_set(&web->resources));

        ck_assert_uint_eq(api->resources.memory_max.value, 5000);
        ck_assert(api->resources.memory_max.relative);
        ck_assert_uint_eq(api->resources.memory_high.value, 3ull << 29);
        ck_assert(!api->resources.memory_high.relative);
        ck_assert_uint_eq(api->resources.tasks_max.value, 32);
        ck_assert_uint_eq(api->resources.cpu_weight, 200);
        ck_assert_uint_eq(api->resources.cpu_quota, 2050);
        ck_assert_uint_eq(api->resources.io_weight, 1);
        /* Empty is the default, as in systemd. */
        ck_assert_ptr_null(api->resources.allowed_cpus);
        ck_assert(!steward_resources_equal(&api->resources, &web->resources));

        ck_assert(!steward_resources_is_set(&plain->resources));
        ck_assert(!steward_resources_is_set(&steward_spec_find_supervisor(spec, "root")->resources));
}
END_TEST

START_TEST(test_child_defaults)
{
        g_autoptr(StewardSpec) spec = load_ok("[Child api]\nExecStart=/bin/true\n");
        StewardChildSpec *c = steward_spec_find_child(spec, "api");

        ck_assert_str_eq(c->supervisor, "root");
        ck_assert_int_eq(c->role, STEWARD_ROLE_SERVICE);
        ck_assert_int_eq(c->restart, STEWARD_RESTART_PERMANENT);
        ck_assert_uint_eq(c->restart_intensity, 10);
        ck_assert_uint_eq(c->restart_period_usec, 60 * SEC);
        ck_assert_str_eq(c->syslog_identifier, "api");
        ck_assert_uint_eq(c->resources.memory_max.value, STEWARD_LIMIT_UNSET);
        ck_assert_uint_eq(c->resources.tasks_max.value, STEWARD_LIMIT_UNSET);
        ck_assert_uint_eq(c->success_exit_status->len, 0);
        ck_assert_ptr_null(c->environment);
        ck_assert_int_eq(c->kill_signal, SIGTERM);
        ck_assert_uint_eq(c->timeout_stop_usec, 90 * SEC);
}
END_TEST

/* Role= sets defaults first; explicit keys win wherever they stand. */
START_TEST(test_role_defaults_and_overrides)
{
        g_autoptr(StewardSpec) spec = load_ok("[Child job]\n"
                                              "ExecStart=/bin/true\n"
                                              "Role=job\n"
                                              "[Child w]\n"
                                              "RestartIntensity=9\n"
                                              "Restart=permanent\n"
                                              "Role=worker\n"
                                              "ExecStart=/bin/true\n"
                                              "[Child side]\n"
                                              "Role=sidecar\n"
                                              "SidecarOf=w\n"
                                              "ExecStart=/bin/true\n"
                                              "TimeoutStartSec=0\n"
                                              "MemoryMax=infinity\n"
                                              "TasksMax=infinity\n");
        StewardChildSpec *job = steward_spec_find_child(spec, "job");
        StewardChildSpec *w = steward_spec_find_child(spec, "w");
        StewardChildSpec *side = steward_spec_find_child(spec, "side");

        ck_assert_int_eq(job->role, STEWARD_ROLE_JOB);
        ck_assert_int_eq(job->restart, STEWARD_RESTART_TRANSIENT);
        ck_assert_uint_eq(job->restart_intensity, 1);
        ck_assert_int_eq(w->role, STEWARD_ROLE_WORKER);
        ck_assert_int_eq(w->restart, STEWARD_RESTART_PERMANENT);
        ck_assert_uint_eq(w->restart_intensity, 9);
        ck_assert_int_eq(side->role, STEWARD_ROLE_SIDECAR);
        ck_assert_int_eq(side->restart, STEWARD_RESTART_PERMANENT);
        ck_assert_str_eq(side->sidecar_of, "w");
        ck_assert_uint_eq(side->timeout_start_usec, 0);
        ck_assert_uint_eq(side->resources.memory_max.value, STEWARD_LIMIT_UNSET);
        ck_assert_uint_eq(side->resources.tasks_max.value, STEWARD_LIMIT_UNSET);
}
END_TEST

START_TEST(test_order_and_origin)
{
        g_autoptr(StewardSpec) spec = load_ok("[Manager]\n"
                                              "[Child a]\n"
                                              "ExecStart=/bin/true\n"
                                              "[Supervisor s]\n"
                                              "[Child b]\n"
                                              "Supervisor=s\n"
                                              "ExecStart=/bin/true\n"
                                              "[Supervisor root]\n"
                                              "[Child c]\n"
                                              "ExecStart=/bin/true\n");
        StewardChildSpec *a = g_ptr_array_index(spec->children, 0);
        StewardChildSpec *b = g_ptr_array_index(spec->children, 1);
        StewardChildSpec *c = g_ptr_array_index(spec->children, 2);
        StewardSupervisorSpec *s = steward_spec_find_supervisor(spec, "s");
        StewardSupervisorSpec *root = g_ptr_array_index(spec->supervisors, 0);

        ck_assert_str_eq(a->name, "a");
        ck_assert_str_eq(b->name, "b");
        ck_assert_str_eq(c->name, "c");
        ck_assert_uint_eq(a->origin.order, 0);
        ck_assert_uint_eq(s->origin.order, 1);
        ck_assert_uint_eq(b->origin.order, 2);
        ck_assert_uint_eq(root->origin.order, 3);
        ck_assert_uint_eq(c->origin.order, 4);
        ck_assert_int_eq(a->origin.line, 2);
        ck_assert_int_eq(s->origin.line, 4);
        ck_assert_int_eq(b->origin.line, 5);
        ck_assert_int_eq(c->origin.line, 9);
        ck_assert_str_eq(root->name, "root");
}
END_TEST

/* An empty value restores the default, so a drop-in can take a key back. */
START_TEST(test_empty_value_is_default)
{
        g_autoptr(StewardSpec) spec = load_ok("[Manager]\n"
                                              "Slice=\n"
                                              "[Child a]\n"
                                              "ExecStart=/bin/true\n"
                                              "Role=\n"
                                              "RestartSec=\n"
                                              "Environment=\n"
                                              "Supervisor=\n"
                                              "SyslogIdentifier=\n");
        StewardChildSpec *a = steward_spec_find_child(spec, "a");

        ck_assert_str_eq(spec->slice, "steward.slice");
        ck_assert_int_eq(a->role, STEWARD_ROLE_SERVICE);
        ck_assert_uint_eq(a->restart_usec, 100000);
        ck_assert_str_eq(a->supervisor, "root");
        ck_assert_str_eq(a->syslog_identifier, "a");
}
END_TEST

START_TEST(test_whitespace_and_quoting)
{
        g_autoptr(StewardSpec) spec = load_ok("  [Child a]  \n"
                                              "  ExecStart =  /bin/sh -c 'echo \"a\\tb\" $HOME'   \n"
                                              "\tRestartSec = 1.5s\n");
        StewardChildSpec *a = steward_spec_find_child(spec, "a");

        ck_assert_str_eq(a->argv[2], "echo \"a\tb\" $HOME");
        ck_assert_uint_eq(a->restart_usec, 1500000);
        ck_assert_int_eq(a->origin.line, 1);
}
END_TEST

typedef struct {
        const char *text;
        const char *expected;
} Case;

/* Each refusal with its exact message and line. */
static const Case refusals[] = {
        { "[Manager]\nSlice=steward\n",
          "t.conf:2: Slice=: 'steward' is not a slice unit name (expected e.g. steward.slice)\n" },
        { "[Manager]\nSlice=.slice\n",
          "t.conf:2: Slice=: '.slice' is not a slice unit name (expected e.g. steward.slice)\n" },
        { "[Manager]\nAllowedGroup=9lives\n",
          "t.conf:2: AllowedGroup=: invalid user or group name '9lives'\n" },
        { "[Manager]\nShutdownTimeoutSec=forever\n", "t.conf:2: ShutdownTimeoutSec=: invalid time span "
                                                     "'forever' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Manager]\nShutdownTimeoutSec=infinity\n",
          "t.conf:2: ShutdownTimeoutSec=: 'infinity' is not allowed here, expected a finite time span\n" },
        { "[Manager]\nShutdownTimeoutSec=0\n",
          "t.conf:2: ShutdownTimeoutSec=: '0' must be greater than 0\n" },
        { "[Manager x]\n", "t.conf:1: section [Manager x] takes no name, expected [Manager]\n" },
        { "[Child]\n", "t.conf:1: section [Child] needs a name, as in [Child NAME]\n" },
        { "[Supervisor]\n", "t.conf:1: section [Supervisor] needs a name, as in [Supervisor NAME]\n" },
        { "[Service foo]\n", "t.conf:1: unknown section [Service foo] (expected [Manager], [Supervisor "
                             "NAME] or [Child NAME])\n" },
        { "[child foo]\nExecStart=/bin/true\n",
          "t.conf:1: unknown section [child foo], did you mean [Child foo]?\n" },
        { "[Supervisr web]\n",
          "t.conf:1: unknown section [Supervisr web], did you mean [Supervisor web]?\n" },
        { "[Supervisor w]\nStrategy=all\n", "t.conf:2: Strategy=: unknown value 'all' (expected one of "
                                            "one-for-one, one-for-all, rest-for-one)\n" },
        { "[Supervisor w]\nRestartIntensity=many\n", "t.conf:2: RestartIntensity=: invalid number 'many' "
                                                     "(expected an integer from 0 to 2147483647)\n" },
        { "[Supervisor w]\nRestartIntensity=2147483648\n",
          "t.conf:2: RestartIntensity=: invalid number '2147483648' (expected an integer from 0 to "
          "2147483647)\n" },
        { "[Supervisor w]\nRestartPeriodSec=0\n",
          "t.conf:2: RestartPeriodSec=: '0' must be greater than 0\n" },
        { "[Supervisor w]\nEscalation=Parent\n",
          "t.conf:2: Escalation=: unknown value 'Parent', did you mean 'parent'?\n" },
        { "[Supervisor w]\nParent=no/slash\n",
          "t.conf:2: Parent=: invalid name 'no/slash' (expected 1 to 64 of A-Z a-z 0-9 _ . -)\n" },
        { "[Supervisor w]\nParent=nowhere\n", "t.conf:2: Parent=: no supervisor named 'nowhere'\n" },
        { "[Supervisor w]\nParent=w\n", "t.conf:2: Parent=: 'w' makes a cycle: w -> w\n" },
        { "[Supervisor a]\nParent=c\n[Supervisor b]\nParent=a\n[Supervisor c]\nParent=b\n",
          "t.conf:2: Parent=: 'c' makes a cycle: a -> c -> b -> a\n" },
        /* reached first from outside it, and reported at its earliest member */
        { "[Supervisor t]\nParent=b\n[Supervisor a]\nParent=b\n[Supervisor b]\nParent=a\n"
          "[Supervisor c]\nParent=c\n",
          "t.conf:4: Parent=: 'b' makes a cycle: a -> b -> a\n"
          "t.conf:8: Parent=: 'c' makes a cycle: c -> c\n" },
        { "[Supervisor root]\nParent=root\n",
          "t.conf:2: Parent=: the root supervisor has no parent, 'root' is not allowed\n" },
        { "[Supervisor w]\nExecStart=/bin/true\n",
          "t.conf:2: unknown key ExecStart= in [Supervisor w]; it belongs in a [Child NAME] section\n" },
        { "[Manager]\nStrategy=one-for-one\n",
          "t.conf:2: unknown key Strategy= in [Manager]; it belongs in a [Supervisor NAME] section\n" },
        { "[Child a]\nExecStart=/bin/true\nSlice=x.slice\n",
          "t.conf:3: unknown key Slice= in [Child a]; it belongs in a [Manager] section\n" },
        { "[Child a]\nExecStart=/bin/true\nrestartsec=1\n",
          "t.conf:3: unknown key restartsec= in [Child a], did you mean RestartSec=?\n" },
        { "[Child a]\nExecStart=/bin/true\nRestratSec=1\n",
          "t.conf:3: unknown key RestratSec= in [Child a], did you mean RestartSec=?\n" },
        { "[Child a]\nExecStart=/bin/true\nX=1\n", "t.conf:3: unknown key X= in [Child a]\n" },
        { "[Child a]\nExecStart=/bin/true\nExecStart[de]=/bin/false\n",
          "t.conf:3: unknown key ExecStart[de]= in [Child a]\n" },
        { "[Child a]\n", "t.conf:1: [Child a] has no ExecStart=\n" },
        { "[Child a]\nExecStart=\n", "t.conf:2: ExecStart= is empty\n" },
        { "[Child a]\nExecStart=   \n", "t.conf:2: ExecStart= is empty\n" },
        { "[Child a]\nExecStart=\"\"\n", "t.conf:2: ExecStart=: '' is not an absolute path\n" },
        { "[Child a]\nExecStart=true\n", "t.conf:2: ExecStart=: 'true' is not an absolute path\n" },
        { "[Child a]\nExecStart=-/bin/true\n",
          "t.conf:2: ExecStart=: '-/bin/true' is not an absolute path\n" },
        { "[Child a]\nExecStart=/bin/echo \"oops\n",
          "t.conf:2: ExecStart=: cannot parse '/bin/echo \"oops': the quote \" is not closed\n" },
        { "[Child a]\nExecStart=/bin/echo \\z\n",
          "t.conf:2: ExecStart=: cannot parse '/bin/echo \\z': unknown escape sequence '\\z'\n" },
        { "[Child a]\nExecStart=/bin/\\x82\n",
          "t.conf:2: ExecStart=: cannot parse '/bin/\\x82': the escape sequences make invalid UTF-8\n" },
        { "[Child a]\nExecStart=/bin/true\nRole=primary\n",
          "t.conf:3: Role=: unknown value 'primary' (expected one of service, worker, job, sidecar)\n" },
        { "[Child a]\nExecStart=/bin/true\nRole=workr\n",
          "t.conf:3: Role=: unknown value 'workr', did you mean 'worker'?\n" },
        { "[Child a]\nExecStart=/bin/true\nRestart=on-failure\n",
          "t.conf:3: Restart=: unknown value 'on-failure' (expected one of permanent, transient, "
          "temporary)\n" },
        { "[Child a]\nExecStart=/bin/true\nType=notfy\n",
          "t.conf:3: Type=: unknown value 'notfy', did you mean 'notify'?\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartSec=1 fortnight\n",
          "t.conf:3: RestartSec=: invalid time span '1 fortnight' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartSec=infinity\n",
          "t.conf:3: RestartSec=: 'infinity' is not allowed here, expected a finite time span\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartMaxDelaySec=-1\n",
          "t.conf:3: RestartMaxDelaySec=: invalid time span '-1' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartStableSec=x\n",
          "t.conf:3: RestartStableSec=: invalid time span 'x' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartJitter=1.01\n",
          "t.conf:3: RestartJitter=: invalid value '1.01' (expected a number from 0.0 to 1.0)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartJitter=-0.5\n",
          "t.conf:3: RestartJitter=: invalid value '-0.5' (expected a number from 0.0 to 1.0)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartJitter=20%\n",
          "t.conf:3: RestartJitter=: invalid value '20%' (expected a number from 0.0 to 1.0)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartIntensity=1.5\n",
          "t.conf:3: RestartIntensity=: invalid number '1.5' (expected an integer from 0 to 2147483647)\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartPeriodSec=0\n",
          "t.conf:3: RestartPeriodSec=: '0' must be greater than 0\n" },
        { "[Child a]\nExecStart=/bin/true\nType=notify\nWatchdogSec=soon\n",
          "t.conf:4: WatchdogSec=: invalid time span 'soon' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Child a]\nExecStart=/bin/true\nWatchdogSignal=SIGNONE\n",
          "t.conf:3: WatchdogSignal=: invalid signal 'SIGNONE' (expected e.g. SIGTERM, TERM or 15)\n" },
        { "[Child a]\nExecStart=/bin/true\nTimeoutStartSec=never\n",
          "t.conf:3: TimeoutStartSec=: invalid time span 'never' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Child a]\nExecStart=/bin/true\nTimeoutStopSec=5s s\n",
          "t.conf:3: TimeoutStopSec=: invalid time span '5s s' (expected e.g. 250ms, 5s or 1min 30s)\n" },
        { "[Child a]\nExecStart=/bin/true\nKillSignal=term\n",
          "t.conf:3: KillSignal=: invalid signal 'term' (expected e.g. SIGTERM, TERM or 15)\n" },
        { "[Child a]\nExecStart=/bin/true\nSuccessExitStatus=0 SIGTERM\n",
          "t.conf:3: SuccessExitStatus=: invalid exit status 'SIGTERM' (expected numbers from 0 to 255)\n" },
        { "[Child a]\nExecStart=/bin/true\nEnvironment=A=1 B\n",
          "t.conf:3: Environment=: cannot parse 'A=1 B': 'B' is not an assignment NAME=VALUE\n" },
        { "[Child a]\nExecStart=/bin/true\nEnvironment=\"A=1\n",
          "t.conf:3: Environment=: cannot parse '\"A=1': the quote \" is not closed\n" },
        { "[Child a]\nExecStart=/bin/true\nWorkingDirectory=~\n",
          "t.conf:3: WorkingDirectory=: '~' is not an absolute path\n" },
        { "[Child a]\nExecStart=/bin/true\nUser=-root\n",
          "t.conf:3: User=: invalid user or group name '-root'\n" },
        { "[Child a]\nExecStart=/bin/true\nGroup=a b\n",
          "t.conf:3: Group=: invalid user or group name 'a b'\n" },
        { "[Child a]\nExecStart=/bin/true\nMemoryMax=150%\n",
          "t.conf:3: MemoryMax=: invalid size '150%' (expected bytes with an optional K, M, G or T suffix, "
          "a percentage, or infinity)\n" },
        { "[Child a]\nExecStart=/bin/true\nMemoryMax=0\n",
          "t.conf:3: MemoryMax=: invalid size '0' (expected bytes with an optional K, M, G or T suffix, "
          "a percentage, or infinity)\n" },
        { "[Child a]\nExecStart=/bin/true\nMemoryHigh=1X\n",
          "t.conf:3: MemoryHigh=: invalid size '1X' (expected bytes with an optional K, M, G or T suffix, "
          "a percentage, or infinity)\n" },
        { "[Child a]\nExecStart=/bin/true\nTasksMax=-1\n",
          "t.conf:3: TasksMax=: invalid number '-1' (expected a positive integer, a percentage, or "
          "infinity)\n" },
        { "[Child a]\nExecStart=/bin/true\nTasksMax=101%\n",
          "t.conf:3: TasksMax=: invalid number '101%' (expected a positive integer, a percentage, or "
          "infinity)\n" },
        { "[Child a]\nExecStart=/bin/true\nCPUWeight=0\n",
          "t.conf:3: CPUWeight=: invalid weight '0' (expected idle or an integer from 1 to 10000)\n" },
        { "[Child a]\nExecStart=/bin/true\nCPUWeight=10001\n",
          "t.conf:3: CPUWeight=: invalid weight '10001' (expected idle or an integer from 1 to 10000)\n" },
        { "[Child a]\nExecStart=/bin/true\nIOWeight=idle\n",
          "t.conf:3: IOWeight=: invalid weight 'idle' (expected an integer from 1 to 10000)\n" },
        { "[Child a]\nExecStart=/bin/true\nCPUQuota=0%\n",
          "t.conf:3: CPUQuota=: invalid quota '0%' (expected a percentage above 0%, e.g. 150%)\n" },
        { "[Child a]\nExecStart=/bin/true\nCPUQuota=2\n",
          "t.conf:3: CPUQuota=: invalid quota '2' (expected a percentage above 0%, e.g. 150%)\n" },
        { "[Child a]\nExecStart=/bin/true\nAllowedCPUs=3-1\n",
          "t.conf:3: AllowedCPUs=: invalid CPU list '3-1' (expected CPU numbers and ranges such as "
          "0-3,5)\n" },
        { "[Supervisor s]\nMemoryMax=lots\n",
          "t.conf:2: MemoryMax=: invalid size 'lots' (expected bytes with an optional K, M, G or T suffix, "
          "a percentage, or infinity)\n" },
        { "[Supervisor s]\nTasksMax=0\n",
          "t.conf:2: TasksMax=: invalid number '0' (expected a positive integer, a percentage, or "
          "infinity)\n" },
        { "[Supervisor s]\nAllowedCPUs=a\n",
          "t.conf:2: AllowedCPUs=: invalid CPU list 'a' (expected CPU numbers and ranges such as 0-3,5)\n" },
        { "[Child a]\nExecStart=/bin/true\nSupervisor=nope\n",
          "t.conf:3: Supervisor=: no supervisor named 'nope'\n" },
        { "[Supervisor web]\n[Child a]\nExecStart=/bin/true\nSupervisor=wbe\n",
          "t.conf:4: Supervisor=: no supervisor named 'wbe', did you mean 'web'?\n" },
        { "[Child a]\nExecStart=/bin/true\n[Child b]\nExecStart=/bin/true\nSupervisor=a\n",
          "t.conf:5: Supervisor=: 'a' is a child, not a supervisor\n" },
        { "[Child a]\nExecStart=/bin/true\n[Supervisor s]\nParent=a\n",
          "t.conf:4: Parent=: 'a' is a child, not a supervisor\n" },
        { "[Child a]\nRole=sidecar\nExecStart=/bin/true\n",
          "t.conf:2: Role=sidecar needs SidecarOf= naming the child it serves\n" },
        { "[Child a]\nExecStart=/bin/true\nSidecarOf=b\n[Child b]\nExecStart=/bin/true\n",
          "t.conf:3: SidecarOf=: only a Role=sidecar child has one, this child has Role=service\n" },
        { "[Child a]\nRole=sidecar\nExecStart=/bin/true\nSidecarOf=a\n",
          "t.conf:4: SidecarOf=: 'a' is this child itself\n" },
        { "[Child api]\nExecStart=/bin/true\n[Child a]\nRole=sidecar\nExecStart=/bin/true\nSidecarOf=apj\n",
          "t.conf:6: SidecarOf=: no child named 'apj', did you mean 'api'?\n" },
        { "[Child a]\nRole=sidecar\nExecStart=/bin/true\nSidecarOf=zzzzzz\n",
          "t.conf:4: SidecarOf=: no child named 'zzzzzz'\n" },
        { "[Supervisor s]\n[Child a]\nRole=sidecar\nExecStart=/bin/true\nSidecarOf=s\n",
          "t.conf:5: SidecarOf=: 's' is a supervisor, not a child\n" },
        { "[Supervisor s]\n[Child p]\nSupervisor=s\nExecStart=/bin/true\n"
          "[Child a]\nRole=sidecar\nExecStart=/bin/true\nSidecarOf=p\n",
          "t.conf:8: SidecarOf=: 'p' is under supervisor 's' but this sidecar under 'root'\n" },
        { "[Child p]\nExecStart=/bin/true\n[Child q]\nRole=sidecar\nSidecarOf=p\nExecStart=/bin/true\n"
          "[Child a]\nRole=sidecar\nExecStart=/bin/true\nSidecarOf=q\n",
          "t.conf:10: SidecarOf=: 'q' is a sidecar itself\n" },
        { "[Child a b]\nExecStart=/bin/true\n",
          "t.conf:1: [Child a b]: invalid name 'a b' (expected 1 to 64 of A-Z a-z 0-9 _ . -)\n" },
        { "[Child "
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nExecStart=/bin/true\n",
          "t.conf:1: [Child aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]: invalid "
          "name "
          "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' (expected 1 to 64 of A-Z a-z "
          "0-9 _ . "
          "-)\n" },
        { "[Child root]\nExecStart=/bin/true\n",
          "t.conf:1: [Child root]: the name 'root' belongs to the root supervisor\n" },
        { "[Supervisor x]\n[Child x]\nExecStart=/bin/true\n",
          "t.conf:2: [Child x]: the name 'x' is taken by [Supervisor x] at t.conf:1\n" },
        { "[Child x]\nExecStart=/bin/true\n[Supervisor x]\n",
          "t.conf:3: [Supervisor x]: the name 'x' is taken by [Child x] at t.conf:1\n" },
        { "[Child x]\nExecStart=/bin/true\n[Child x]\nRestartSec=1\n",
          "t.conf:3: section [Child x] is declared again (first at line 1)\n" },
        { "Key=1\n[Child x]\nExecStart=/bin/true\n",
          "t.conf:1: 'Key=1' comes before the first [Section] header\n" },
        { "[Child x]\nExecStart=/bin/true\nnot a key\n",
          "t.conf:3: 'not a key' is not a [Section] header, a Key=value line or a # comment\n" },
        { "[Child x]\nExecStart=/bin/true\n; ini comment\n",
          "t.conf:3: '; ini comment' is not a [Section] header, a Key=value line or a # comment\n" },
        /* Keys under a header that does not parse are not blamed on the
         * section before it. */
        { "[Child x]\nExecStart=/bin/true\n[Child y\nBogus=1\n",
          "t.conf:3: '[Child y' is not a [Section] header, a Key=value line or a # comment\n" },
        { "[Child x]\nExecStart=/bin/true\n=1\n",
          "t.conf:3: '=1' is not a [Section] header, a Key=value line or a # comment\n" },
        { "[Child x]\nExecStart=/bin/true\n\xff\n",
          "t.conf:3: invalid UTF-8 or a NUL byte, ignoring the file\n" },
};

START_TEST(test_refusal)
{
        assert_problems(refusals[_i].text, refusals[_i].expected);
}
END_TEST

START_TEST(test_every_problem_at_once)
{
        assert_problems(
                "[Manager]\n"
                "ShutdownTimeoutSec=x\n"
                "oops\n"
                "[Child a]\n"
                "RestartSec=y\n"
                "Type=z\n"
                "[Child b]\n"
                "oops again\n",
                "t.conf:2: ShutdownTimeoutSec=: invalid time span 'x' (expected e.g. 250ms, 5s or 1min "
                "30s)\n"
                "t.conf:3: 'oops' is not a [Section] header, a Key=value line or a # comment\n"
                "t.conf:4: [Child a] has no ExecStart=\n"
                "t.conf:5: RestartSec=: invalid time span 'y' (expected e.g. 250ms, 5s or 1min 30s)\n"
                "t.conf:6: Type=: unknown value 'z' (expected one of simple, notify)\n"
                "t.conf:7: [Child b] has no ExecStart=\n"
                "t.conf:8: 'oops again' is not a [Section] header, a Key=value line or a # comment\n");
}
END_TEST

START_TEST(test_too_many_syntax_errors)
{
        g_autoptr(GString) text = g_string_new("[Child a]\nExecStart=/bin/true\n");
        g_autofree char *problems = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_auto(GStrv) lines = NULL;

        for (int i = 0; i < 30; i++)
                g_string_append(text, "garbage\n");
        spec = load_with(&system_scope, text->str, &problems);
        ck_assert_ptr_null(spec);
        lines = g_strsplit(problems, "\n", -1);
        ck_assert_uint_eq(g_strv_length(lines), 22);
        ck_assert_str_eq(lines[0],
                         "t.conf:3: 'garbage' is not a [Section] header, a Key=value line or a # comment");
        ck_assert_str_eq(lines[19],
                         "t.conf:22: 'garbage' is not a [Section] header, a Key=value line or a # comment");
        ck_assert_str_eq(lines[20], "t.conf: too many syntax errors, giving up on this file");
}
END_TEST

/* The health keys: Docker's defaults, and what they accept. */
START_TEST(test_health_keys)
{
        g_autoptr(StewardSpec) defaults = load_ok("[Child a]\nExecStart=/bin/true\n");
        g_autoptr(StewardSpec) spec = load_ok("[Child a]\n"
                                              "ExecStart=/bin/true\n"
                                              "ExecHealthCheck=/bin/sh -c 'test -e /run/ok'\n"
                                              "HealthCheckIntervalSec=5s\n"
                                              "HealthCheckTimeoutSec=2s\n"
                                              "HealthCheckRetries=1\n"
                                              "HealthCheckStartPeriodSec=1min\n"
                                              "HealthAction=restart\n"
                                              "HeartbeatSec=10s\n");
        StewardChildSpec *d = steward_spec_find_child(defaults, "a");
        StewardChildSpec *c = steward_spec_find_child(spec, "a");

        ck_assert_ptr_null(d->health_argv);
        ck_assert_uint_eq(d->health_interval_usec, 30 * G_USEC_PER_SEC);
        ck_assert_uint_eq(d->health_timeout_usec, 30 * G_USEC_PER_SEC);
        ck_assert_uint_eq(d->health_retries, 3);
        ck_assert_uint_eq(d->health_start_period_usec, 0);
        ck_assert_int_eq(d->health_action, STEWARD_HEALTH_ACTION_NONE);
        ck_assert_uint_eq(d->heartbeat_usec, 0);

        ck_assert_str_eq(c->health_argv[0], "/bin/sh");
        ck_assert_str_eq(c->health_argv[2], "test -e /run/ok");
        ck_assert_uint_eq(c->health_interval_usec, 5 * G_USEC_PER_SEC);
        ck_assert_uint_eq(c->health_timeout_usec, 2 * G_USEC_PER_SEC);
        ck_assert_uint_eq(c->health_retries, 1);
        ck_assert_uint_eq(c->health_start_period_usec, 60 * G_USEC_PER_SEC);
        ck_assert_int_eq(c->health_action, STEWARD_HEALTH_ACTION_RESTART);
        ck_assert_uint_eq(c->heartbeat_usec, 10 * G_USEC_PER_SEC);

        assert_problems("[Child a]\nExecStart=/bin/true\nExecHealthCheck=check\nHealthCheckRetries=0\n"
                        "HealthCheckIntervalSec=0\nHealthAction=kill\n",
                        "t.conf:3: ExecHealthCheck=: 'check' is not an absolute path\n"
                        "t.conf:4: HealthCheckRetries=: invalid number '0' (expected an integer from 1 to "
                        "2147483647)\n"
                        "t.conf:5: HealthCheckIntervalSec=: '0' must be greater than 0\n"
                        "t.conf:6: HealthAction=: unknown value 'kill' (expected one of none, restart)\n");
}
END_TEST

START_TEST(test_repeated_key_warns)
{
        g_autofree char *problems = NULL;
        g_autoptr(StewardSpec) spec = load_with(&system_scope,
                                                "[Child a]\n"
                                                "ExecStart=/bin/true\n"
                                                "Environment=A=1\n"
                                                "Environment=B=2\n"
                                                "Environment=C=3\n",
                                                &problems);

        ck_assert_ptr_nonnull(spec);
        ck_assert_str_eq(problems, "t.conf:3: warning: Environment= is set again in [Child a] at line 5, "
                                   "which wins; ignoring this one\n"
                                   "t.conf:4: warning: Environment= is set again in [Child a] at line 5, "
                                   "which wins; ignoring this one\n");
        ck_assert_str_eq(steward_spec_find_child(spec, "a")->environment[0], "C=3");
        ck_assert_ptr_null(steward_spec_find_child(spec, "a")->environment[1]);
}
END_TEST

static const Case warnings[] = {
        { "[Child a]\nExecStart=/bin/true\nRole=job\nRestart=permanent\n",
          "t.conf:4: warning: Restart=permanent on a Role=job child restarts it even after it succeeds\n" },
        { "[Child a]\nExecStart=/bin/true\nWatchdogSec=3s\n",
          "t.conf:3: warning: WatchdogSec= has no effect without Type=notify, ignoring\n" },
        { "[Child a]\nExecStart=/bin/true\nHealthCheckRetries=2\nHealthAction=restart\n",
          "t.conf:3: warning: HealthCheckRetries= has no effect without ExecHealthCheck=, ignoring\n"
          "t.conf:4: warning: HealthAction= has no effect without ExecHealthCheck=, ignoring\n" },
        { "[Child a]\nExecStart=/bin/true\nRestartSec=5s\nRestartMaxDelaySec=1s\n",
          "t.conf:4: warning: RestartMaxDelaySec= '1s' is shorter than RestartSec=, every delay will be "
          "'1s'\n" },
};

START_TEST(test_warning)
{
        g_autofree char *problems = NULL;
        g_autoptr(StewardSpec) spec = load_with(&system_scope, warnings[_i].text, &problems);

        ck_assert_ptr_nonnull(spec);
        ck_assert_str_eq(problems, warnings[_i].expected);
}
END_TEST

START_TEST(test_mode_and_backend_warnings)
{
        static const char text[] = "[Manager]\nSlice=x.slice\n"
                                   "[Child a]\nExecStart=/bin/true\nUser=nobody\nGroup=nogroup\n"
                                   "MemoryMax=1G\nTasksMax=10\nCPUWeight=idle\nAllowedCPUs=0\n"
                                   "[Supervisor s]\nIOWeight=10\nCPUQuota=50%\nMemoryHigh=10%\n";
        StewardConfigOptions user_process = { STEWARD_MODE_USER, STEWARD_BACKEND_PROCESS, FALSE };
        StewardConfigOptions user_scope = { STEWARD_MODE_USER, STEWARD_BACKEND_SCOPE, FALSE };
        g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
        g_autoptr(StewardSpec) s1 = load_with(&user_process, text, &p1);
        g_autoptr(StewardSpec) s2 = load_with(&user_scope, text, &p2);
        g_autoptr(StewardSpec) s3 = load_with(&system_scope, text, &p3);

        ck_assert_ptr_nonnull(s1);
        ck_assert_ptr_nonnull(s2);
        ck_assert_ptr_nonnull(s3);
        ck_assert_str_eq(p1, "t.conf:2: warning: Slice= is ignored by the process backend\n"
                             "t.conf:5: warning: User= is ignored in user mode, children run as the user\n"
                             "t.conf:6: warning: Group= is ignored in user mode, children run as the user\n"
                             "t.conf:7: warning: MemoryMax= is ignored by the process backend\n"
                             "t.conf:8: warning: TasksMax= is ignored by the process backend\n"
                             "t.conf:9: warning: CPUWeight= is ignored by the process backend\n"
                             "t.conf:10: warning: AllowedCPUs= is ignored by the process backend\n"
                             "t.conf:12: warning: IOWeight= is ignored by the process backend\n"
                             "t.conf:13: warning: CPUQuota= is ignored by the process backend\n"
                             "t.conf:14: warning: MemoryHigh= is ignored by the process backend\n");
        ck_assert_str_eq(p2,
                         "t.conf:5: warning: User= is ignored in user mode, children run as the user\n"
                         "t.conf:6: warning: Group= is ignored in user mode, children run as the user\n");
        ck_assert_str_eq(p3, "");
        /* The values are kept: the backend decides what to do with them. */
        ck_assert_str_eq(steward_spec_find_child(s1, "a")->user, "nobody");
        ck_assert_uint_eq(steward_spec_find_child(s1, "a")->resources.memory_max.value, 1ull << 30);
}
END_TEST

START_TEST(test_check_executables)
{
        StewardConfigOptions check = { STEWARD_MODE_SYSTEM, STEWARD_BACKEND_SCOPE, TRUE };
        g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
        g_autoptr(StewardSpec) s1 = NULL, s2 = NULL, s3 = NULL;

        s1 = load_with(&check, "[Child a]\nExecStart=/nonexistent/prog --flag\n", &p1);
        ck_assert_ptr_null(s1);
        ck_assert_str_eq(p1, "t.conf:2: ExecStart=: '/nonexistent/prog' is not an executable file\n");
        s2 = load_with(&check, "[Child a]\nExecStart=/\n", &p2);
        ck_assert_ptr_null(s2);
        ck_assert_str_eq(p2, "t.conf:2: ExecStart=: '/' is not an executable file\n");
        s3 = load_with(&system_scope, "[Child a]\nExecStart=/nonexistent/prog --flag\n", &p3);
        ck_assert_ptr_nonnull(s3);
        ck_assert_str_eq(p3, "");
        /* /bin/sh is a symbolic link on most systems; it counts. */
        g_autofree char *p4 = NULL;
        g_autoptr(StewardSpec) s4 = load_with(&check, "[Child a]\nExecStart=/bin/sh -c true\n", &p4);
        ck_assert_ptr_nonnull(s4);
}
END_TEST

START_TEST(test_problem_format)
{
        StewardProblem e = { STEWARD_PROBLEM_ERROR, (char *) "f.conf", 3, (char *) "bad" };
        StewardProblem w = { STEWARD_PROBLEM_WARNING, (char *) "f.conf", 4, (char *) "meh" };
        StewardProblem n = { STEWARD_PROBLEM_ERROR, (char *) "f.conf", 0, (char *) "unreadable" };
        g_autofree char *fe = steward_problem_format(&e);
        g_autofree char *fw = steward_problem_format(&w);
        g_autofree char *fn = steward_problem_format(&n);

        ck_assert_str_eq(fe, "f.conf:3: bad");
        ck_assert_str_eq(fw, "f.conf:4: warning: meh");
        ck_assert_str_eq(fn, "f.conf: unreadable");
        steward_problem_free(NULL);
}
END_TEST

START_TEST(test_too_large)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autofree char *big = g_malloc0(STEWARD_CONFIG_FILE_MAX + 1);
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *text = NULL;

        memset(big, '#', STEWARD_CONFIG_FILE_MAX);
        spec = steward_config_load_data("big.conf", big, STEWARD_CONFIG_FILE_MAX + 1, NULL, &problems,
                                        &error);
        ck_assert_ptr_null(spec);
        text = format_problems(problems);
        ck_assert_str_eq(text, "big.conf: the file is larger than 1048576 bytes, refusing to read it\n");
}
END_TEST

START_TEST(test_nul_byte)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *text = NULL;

        spec = steward_config_load_data("n.conf", "[Manager]\n\nSlice=a\0.slice\n", 25, NULL, &problems,
                                        NULL);
        ck_assert_ptr_null(spec);
        text = format_problems(problems);
        ck_assert_str_eq(text, "n.conf:3: invalid UTF-8 or a NUL byte, ignoring the file\n");
}
END_TEST

/* Validation stays linear in the size of the tree and of a value: a
 * Parent= chain 4,000 deep took 51 s (a walk to the root from every
 * supervisor, each step a scan of the list), and libcheck's timeout fails
 * this test if it comes back. */
START_TEST(test_deep_chain)
{
        g_autoptr(GString) text = g_string_new("[Supervisor s0]\n");
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *problems = NULL;
        g_autofree char *expected = NULL;

        for (guint i = 1; i < 4000; i++)
                g_string_append_printf(text, "[Supervisor s%u]\nParent=s%u\n", i, i - 1);
        spec = load_ok(text->str);
        ck_assert_uint_eq(spec->supervisors->len, 4001);
        ck_assert_str_eq(steward_spec_find_supervisor(spec, "s3999")->parent, "s3998");
        g_clear_pointer(&spec, steward_spec_free);

        /* The same chain closed into a cycle is reported once. */
        g_string_truncate(text, 0);
        for (guint i = 0; i < 4000; i++)
                g_string_append_printf(text, "[Supervisor s%u]\nParent=s%u\n", i, (i + 3999) % 4000);
        spec = load_with(&system_scope, text->str, &problems);
        ck_assert_ptr_null(spec);
        ck_assert(g_str_has_prefix(problems, "t.conf:2: Parent=: 's3999' makes a cycle: s0 -> s3999 -> "));
        ck_assert(g_str_has_suffix(problems, " -> s1 -> s0\n"));
        ck_assert_ptr_eq(strchr(problems, '\n'), problems + strlen(problems) - 1);
}
END_TEST

/* 60,000 assignments took 5 s: each was looked for among the kept ones. */
START_TEST(test_many_environment)
{
        g_autoptr(GString) text = g_string_new("[Child a]\nExecStart=/bin/true\nEnvironment=");
        g_autoptr(StewardSpec) spec = NULL;
        char **env;

        for (guint i = 0; i < 60000; i++)
                g_string_append_printf(text, "V%u=%u ", i % 59999, i);
        g_string_append_c(text, '\n');
        spec = load_ok(text->str);
        env = steward_spec_find_child(spec, "a")->environment;
        /* V0 is given twice: the later wins, in its place. */
        ck_assert_uint_eq(g_strv_length(env), 59999);
        ck_assert_str_eq(env[0], "V1=1");
        ck_assert_str_eq(env[59998], "V0=59999");
}
END_TEST

/* ---- files, drop-ins, default paths ------------------------------------ */

static void
write_file(const char *dir, const char *name, const char *text)
{
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *parent = g_path_get_dirname(path);

        ck_assert_int_eq(g_mkdir_with_parents(parent, 0755), 0);
        ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static char *
make_tmpdir(void)
{
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("steward-test-config-XXXXXX", &error);

        ck_assert_msg(dir, "%s", error ? error->message : "");
        return dir;
}

static void
rm_rf(const char *path)
{
        g_autofree char *cmd = NULL;
        g_autofree char *quoted = g_shell_quote(path);

        cmd = g_strdup_printf("rm -rf %s", quoted);
        /* A cleanup that fails leaves a temporary directory, nothing more;
         * system() is declared warn_unused_result, which (void) does not quiet. */
        if (system(cmd) != 0)
                g_debug("'%s' failed, ignoring", cmd);
}

/* Loads DIR/steward.conf; it must be refused with exactly @expected_problem. */
static void
assert_main_file_refused(const char *dir, const char *expected_problem)
{
        g_autofree char *file = g_build_filename(dir, "steward.conf", NULL);
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *text = NULL;
        g_autofree char *expected = NULL;

        spec = steward_config_load(dir, &system_scope, &problems, &error);
        ck_assert_ptr_null(spec);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        text = format_problems(problems);
        expected = g_strdup_printf("%s: %s\n", file, expected_problem);
        ck_assert_str_eq(text, expected);
}

/* A FIFO would block the open() or the read() until a writer came, which
 * hangs --check-config, start-up and Reload. Should it still block, each
 * test runs in its own process (CK_FORK) and libcheck's timeout fails it. */
START_TEST(test_fifo)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *file = g_build_filename(dir, "steward.conf", NULL);

        ck_assert_int_eq(mkfifo(file, 0600), 0);
        assert_main_file_refused(dir, "not a regular file");
        rm_rf(dir);
}
END_TEST

/* Endless: without a limit on what is read, this grows until memory runs out. */
START_TEST(test_symlink_to_device)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *file = g_build_filename(dir, "steward.conf", NULL);

        ck_assert_int_eq(symlink("/dev/zero", file), 0);
        assert_main_file_refused(dir, "not a regular file");
        rm_rf(dir);
}
END_TEST

START_TEST(test_directory)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *file = g_build_filename(dir, "steward.conf", NULL);

        ck_assert_int_eq(g_mkdir(file, 0755), 0);
        assert_main_file_refused(dir, "not a regular file");
        rm_rf(dir);
}
END_TEST

/* A drop-in that is not a regular file is skipped, as documented (it is
 * how a link to /dev/null masks one), and never read: not a FIFO, not an
 * endless device, not a directory. A link to a regular file is read, as
 * systemd reads one. */
START_TEST(test_dropin_not_regular)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *fifo = g_build_filename(dir, "steward.conf.d", "20-fifo.conf", NULL);
        g_autofree char *zero = g_build_filename(dir, "steward.conf.d", "30-zero.conf", NULL);
        g_autofree char *subdir = g_build_filename(dir, "steward.conf.d", "x.conf", NULL);
        g_autofree char *linked = g_build_filename(dir, "steward.conf.d", "50-link.conf", NULL);
        g_autofree char *target = g_build_filename(dir, "target", NULL);
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;

        write_file(dir, "steward.conf", "[Child a]\nExecStart=/bin/true\n");
        write_file(dir, "steward.conf.d/10-a.conf", "[Child a]\nRestartSec=2s\n");
        write_file(dir, "target", "[Child a]\nRestartSec=5s\n");
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        ck_assert_int_eq(symlink("/dev/zero", zero), 0);
        ck_assert_int_eq(g_mkdir(subdir, 0755), 0);
        ck_assert_int_eq(symlink(target, linked), 0);

        spec = steward_config_load(dir, &system_scope, &problems, &error);
        ck_assert_msg(spec, "%s", error ? error->message : "");
        ck_assert_uint_eq(problems->len, 0);
        ck_assert_uint_eq(g_strv_length(spec->files), 3);
        ck_assert_str_eq(spec->files[2], linked);
        ck_assert_uint_eq(steward_spec_find_child(spec, "a")->restart_usec, 5 * SEC);
        rm_rf(dir);
}
END_TEST

/* The limit holds for what is read from the file, exactly. */
START_TEST(test_file_at_limit)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *file = g_build_filename(dir, "steward.conf", NULL);
        g_autofree char *text = g_malloc(STEWARD_CONFIG_FILE_MAX + 2);
        static const char head[] = "[Child a]\nExecStart=/bin/true\n#";
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *message = NULL;

        memset(text, 'x', STEWARD_CONFIG_FILE_MAX + 1);
        memcpy(text, head, strlen(head));
        text[STEWARD_CONFIG_FILE_MAX - 1] = '\n';
        text[STEWARD_CONFIG_FILE_MAX] = '\0';
        ck_assert(g_file_set_contents(file, text, STEWARD_CONFIG_FILE_MAX, NULL));
        spec = steward_config_load(dir, &system_scope, &problems, &error);
        ck_assert_msg(spec, "%s", error ? error->message : "");
        ck_assert_uint_eq(problems->len, 0);
        g_clear_pointer(&problems, g_ptr_array_unref);

        text[STEWARD_CONFIG_FILE_MAX] = '\n';
        ck_assert(g_file_set_contents(file, text, STEWARD_CONFIG_FILE_MAX + 1, NULL));
        message = g_strdup_printf("the file is larger than %d bytes, refusing to read it",
                                  STEWARD_CONFIG_FILE_MAX);
        assert_main_file_refused(dir, message);
        rm_rf(dir);
}
END_TEST

START_TEST(test_dropins)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *main_file = g_build_filename(dir, "steward.conf", NULL);
        g_autofree char *d10 = g_build_filename(dir, "steward.conf.d", "10-a.conf", NULL);
        g_autofree char *d20 = g_build_filename(dir, "steward.conf.d", "20-b.conf", NULL);
        g_autofree char *masked = g_build_filename(dir, "steward.conf.d", "15-masked.conf", NULL);
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        StewardChildSpec *api, *extra;

        write_file(dir, "steward.conf",
                   "[Manager]\nShutdownTimeoutSec=10s\n"
                   "[Child api]\nExecStart=/bin/main\nRestartSec=1s\nTimeoutStopSec=3s\nEnvironment=A=1\n");
        /* 20 wins over 10 key by key; written first to show that lexical
         * order, not creation order, counts. */
        write_file(dir, "steward.conf.d/20-b.conf",
                   "[Child api]\nRestartSec=3s\n[Child extra]\nExecStart=/bin/extra\n");
        write_file(dir, "steward.conf.d/10-a.conf",
                   "[Child "
                   "api]\nRestartSec=2s\nExecStart=/bin/dropin\nEnvironment=\n[Manager]\nSlice=d.slice\n");
        write_file(dir, "steward.conf.d/README", "not = a [conf");
        write_file(dir, "steward.conf.d/.hidden.conf", "garbage");
        ck_assert_int_eq(symlink("/dev/null", masked), 0);

        spec = steward_config_load(dir, &system_scope, &problems, &error);
        ck_assert_msg(spec, "%s", error ? error->message : "");
        ck_assert_uint_eq(problems->len, 0);
        ck_assert_uint_eq(g_strv_length(spec->files), 3);
        ck_assert_str_eq(spec->files[0], main_file);
        ck_assert_str_eq(spec->files[1], d10);
        ck_assert_str_eq(spec->files[2], d20);

        ck_assert_uint_eq(spec->shutdown_timeout_usec, 10 * SEC);
        ck_assert_str_eq(spec->slice, "d.slice");
        api = steward_spec_find_child(spec, "api");
        ck_assert_uint_eq(api->restart_usec, 3 * SEC);
        ck_assert_uint_eq(api->timeout_stop_usec, 3 * SEC);
        ck_assert_str_eq(api->argv[0], "/bin/dropin");
        /* emptied by the drop-in: back to the default */
        ck_assert_ptr_null(api->environment);
        ck_assert_str_eq(api->origin.file, main_file);
        ck_assert_int_eq(api->origin.line, 3);
        extra = steward_spec_find_child(spec, "extra");
        ck_assert_str_eq(extra->origin.file, d20);
        ck_assert_int_eq(extra->origin.line, 3);
        ck_assert_uint_eq(extra->origin.order, 1);
        ck_assert_ptr_eq(g_ptr_array_index(spec->children, 1), extra);
        rm_rf(dir);
}
END_TEST

START_TEST(test_dropin_problems_in_file_order)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *file = g_build_filename(dir, "app.conf", NULL);
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *text = NULL;
        g_autofree char *expected = NULL;

        /* --config=FILE reads FILE.d/ beside it. */
        write_file(dir, "app.conf", "[Child api]\nExecStart=/bin/true\nRestartSec=bad\n");
        write_file(dir, "app.conf.d/a.conf", "\n[Child api]\nType=bad\n");
        write_file(dir, "app.conf.d/b.conf", "[Child api]\nRestartSec=1s\nKillSignal=bad\n");
        spec = steward_config_load(file, &system_scope, &problems, &error);
        ck_assert_ptr_null(spec);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        ck_assert_str_eq(error->message, "2 errors in the configuration");
        text = format_problems(problems);
        /* RestartSec=bad is overridden by b.conf, so not a problem. */
        expected = g_strdup_printf(
                "%s/app.conf.d/a.conf:3: Type=: unknown value 'bad' (expected one of simple, "
                "notify)\n"
                "%s/app.conf.d/b.conf:3: KillSignal=: invalid signal 'bad' (expected e.g. "
                "SIGTERM, TERM or 15)\n",
                dir, dir);
        ck_assert_str_eq(text, expected);
        rm_rf(dir);
}
END_TEST

/* Run-time drop-ins (AddChild's children) come after the configured ones. */
START_TEST(test_runtime_dropins)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *run = g_build_filename(dir, "run", "steward.conf.d", NULL);
        g_autofree char *runtime_file = g_build_filename(run, "50-runtime-extra.conf", NULL);
        StewardConfigOptions options = system_scope;
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autoptr(StewardSpec) without = NULL;
        g_autofree char *conf = g_build_filename(dir, "conf", NULL);
        StewardChildSpec *extra;

        write_file(dir, "conf/steward.conf", "[Child api]\nExecStart=/bin/main\n");
        write_file(dir, "conf/steward.conf.d/90-z.conf", "[Supervisor web]\n");
        write_file(dir, "run/steward.conf.d/50-runtime-extra.conf",
                   "[Child extra]\nExecStart=/bin/extra\nSupervisor=web\n");
        options.runtime_dropin_dir = run;
        spec = steward_config_load(conf, &options, &problems, &error);
        ck_assert_msg(spec, "%s", error ? error->message : "");
        ck_assert_uint_eq(g_strv_length(spec->files), 3);
        ck_assert_str_eq(spec->files[2], runtime_file);
        extra = steward_spec_find_child(spec, "extra");
        ck_assert_ptr_nonnull(extra);
        ck_assert_str_eq(extra->origin.file, runtime_file);
        ck_assert_str_eq(extra->supervisor, "web");
        ck_assert_ptr_eq(g_ptr_array_index(spec->children, 1), extra);

        /* Without the option they are not read at all. */
        without = steward_config_load(conf, &system_scope, NULL, NULL);
        ck_assert_ptr_nonnull(without);
        ck_assert_ptr_null(steward_spec_find_child(without, "extra"));
        rm_rf(dir);
}
END_TEST

/* Loads DIR/steward.conf with @fragment; its problems must be exactly
 * @expected (@DIR@: DIR), and it is refused exactly when they hold an error. */
static void
assert_fragment(const char *dir, const char *fragment, const char *expected_text, const char *child)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *name = NULL;
        g_autofree char *text = NULL;
        g_autoptr(GString) expected = g_string_new(expected_text);

        spec = steward_config_load_fragment(dir, &system_scope, "AddChild", fragment, -1, &name, &problems,
                                            &error);
        text = format_problems(problems);
        g_string_replace(expected, "@DIR@", dir, 0);
        ck_assert_str_eq(text, expected->str);
        ck_assert_str_eq(name ? name : "", child);
        if (has_error(text)) {
                ck_assert_ptr_null(spec);
                ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        } else {
                ck_assert_ptr_nonnull(spec);
                ck_assert_ptr_nonnull(steward_spec_find_child(spec, child));
        }
}

START_TEST(test_fragment)
{
        g_autofree char *dir = make_tmpdir();

        write_file(dir, "steward.conf", "[Child api]\nExecStart=/bin/main\n[Supervisor web]\n");
        write_file(dir, "steward.conf.d/10-a.conf", "[Child db]\nExecStart=/bin/db\n");
        /* Valid: joins its supervisor, validated with everything else. */
        assert_fragment(dir, "[Child extra]\nExecStart=/bin/extra\nSupervisor=web\n", "", "extra");
        /* A syntax error. */
        assert_fragment(
                dir, "[Child extra]\nExecStart=/bin/extra\nnot a key\n",
                "AddChild:3: 'not a key' is not a [Section] header, a Key=value line or a # comment\n",
                "extra");
        /* An unknown key, with the loader's own hint. */
        assert_fragment(dir, "[Child extra]\nExecStart=/bin/extra\nRestrat=always\n",
                        "AddChild:3: unknown key Restrat= in [Child extra], did you mean Restart=?\n",
                        "extra");
        /* A supervisor the files do not declare. */
        assert_fragment(dir, "[Child extra]\nExecStart=/bin/extra\nSupervisor=wbe\n",
                        "AddChild:3: Supervisor=: no supervisor named 'wbe', did you mean 'web'?\n",
                        "extra");
        /* Names the files have: a child (in a drop-in too), a supervisor. */
        assert_fragment(
                dir, "[Child api]\nExecStart=/bin/other\n",
                "AddChild:1: [Child api]: the child exists already, declared at @DIR@/steward.conf:1\n",
                "api");
        assert_fragment(dir, "\n[Child db]\nExecStart=/bin/other\n",
                        "AddChild:2: [Child db]: the child exists already, declared at "
                        "@DIR@/steward.conf.d/10-a.conf:1\n",
                        "db");
        assert_fragment(dir, "[Child web]\nExecStart=/bin/other\n",
                        "AddChild:1: [Child web]: the name 'web' is taken by [Supervisor web] at "
                        "@DIR@/steward.conf:3\n",
                        "web");
        /* One [Child NAME] and nothing else. */
        assert_fragment(dir, "[Child a]\nExecStart=/bin/a\n[Child b]\nExecStart=/bin/b\n",
                        "AddChild:3: [Child b]: only one [Child NAME] section can be added at a time\n",
                        "a");
        assert_fragment(dir, "[Supervisor db2]\n",
                        "AddChild:1: [Supervisor db2]: only a [Child NAME] section can be added\n", "");
        assert_fragment(dir, "[Manager]\nSlice=x.slice\n",
                        "AddChild:1: [Manager]: only a [Child NAME] section can be added\n", "");
        assert_fragment(dir, "# nothing\n", "AddChild: no [Child NAME] section\n", "");
        rm_rf(dir);
}
END_TEST

START_TEST(test_not_found)
{
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *dir = make_tmpdir();
        g_autofree char *expected =
                g_strdup_printf("%s/steward.conf: the configuration file does not exist", dir);

        /* A directory without steward.conf */
        spec = steward_config_load(dir, &system_scope, &problems, &error);
        ck_assert_ptr_null(spec);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND));
        ck_assert_str_eq(error->message, expected);
        ck_assert_uint_eq(problems->len, 0);
        g_clear_error(&error);
        g_clear_pointer(&problems, g_ptr_array_unref);

        spec = steward_config_load("/nonexistent/x.conf", &system_scope, &problems, &error);
        ck_assert_ptr_null(spec);
        ck_assert_str_eq(error->message, "/nonexistent/x.conf: the configuration file does not exist");
        rm_rf(dir);
}
END_TEST

START_TEST(test_default_dirs)
{
        g_autofree char *xdg = make_tmpdir();
        g_autofree char *user_dir = NULL;
        g_autofree char *system_dir = steward_config_default_dir(STEWARD_MODE_SYSTEM);
        g_autofree char *expected_user = g_build_filename(xdg, "steward", NULL);
        StewardConfigOptions user = { STEWARD_MODE_USER, STEWARD_BACKEND_SCOPE, FALSE };
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) empty = NULL, spec = NULL;

        /* Each test runs in its own process (CK_FORK), so GLib has not
         * cached the user config dir yet. */
        g_setenv("XDG_CONFIG_HOME", xdg, TRUE);
        user_dir = steward_config_default_dir(STEWARD_MODE_USER);
        ck_assert_str_eq(user_dir, expected_user);
        ck_assert_str_eq(system_dir, SYSCONFDIR "/steward");

        /* Nothing configured: the empty tree. */
        empty = steward_config_load_default(&user, &problems, &error);
        ck_assert_ptr_nonnull(empty);
        ck_assert_ptr_null(error);
        ck_assert_uint_eq(empty->supervisors->len, 1);
        ck_assert_uint_eq(empty->children->len, 0);
        ck_assert_uint_eq(g_strv_length(empty->files), 0);
        g_clear_pointer(&problems, g_ptr_array_unref);

        write_file(user_dir, "steward.conf", "[Child a]\nExecStart=/bin/true\n");
        write_file(user_dir, "steward.conf.d/x.conf", "[Child a]\nRestartSec=7s\n");
        spec = steward_config_load_default(&user, &problems, &error);
        ck_assert_ptr_nonnull(spec);
        ck_assert_uint_eq(spec->children->len, 1);
        ck_assert_uint_eq(steward_spec_find_child(spec, "a")->restart_usec, 7 * SEC);
        ck_assert_uint_eq(g_strv_length(spec->files), 2);
        g_clear_pointer(&spec, steward_spec_free);
        g_clear_pointer(&problems, g_ptr_array_unref);

        /* A present but invalid default config is refused, not emptied. */
        write_file(user_dir, "steward.conf", "[Child a]\n");
        spec = steward_config_load_default(&user, &problems, &error);
        ck_assert_ptr_null(spec);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        ck_assert_uint_eq(problems->len, 1);
        rm_rf(xdg);
}
END_TEST

START_TEST(test_unreadable)
{
        g_autofree char *dir = make_tmpdir();
        g_autofree char *file = g_build_filename(dir, "steward.conf", NULL);
        g_autoptr(GPtrArray) problems = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(StewardSpec) spec = NULL;
        g_autofree char *text = NULL;
        g_autofree char *expected = NULL;

        /* A symbolic link to itself exists but cannot be read, even by root. */
        ck_assert_int_eq(symlink("steward.conf", file), 0);
        spec = steward_config_load(dir, &system_scope, &problems, &error);
        ck_assert_ptr_null(spec);
        ck_assert(g_error_matches(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG));
        text = format_problems(problems);
        expected = g_strdup_printf("%s: cannot read the file: %s\n", file, g_strerror(ELOOP));
        ck_assert_str_eq(text, expected);
        rm_rf(dir);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("keys");
        TCase *refuse = tcase_create("refusals");
        TCase *files = tcase_create("files");

        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_manager_keys);
        tcase_add_test(tc, test_supervisor_keys);
        tcase_add_test(tc, test_child_every_key);
        tcase_add_test(tc, test_child_defaults);
        tcase_add_test(tc, test_resource_keys);
        tcase_add_test(tc, test_role_defaults_and_overrides);
        tcase_add_test(tc, test_order_and_origin);
        tcase_add_test(tc, test_empty_value_is_default);
        tcase_add_test(tc, test_whitespace_and_quoting);
        tcase_add_test(tc, test_problem_format);
        suite_add_tcase(s, tc);

        tcase_add_loop_test(refuse, test_refusal, 0, G_N_ELEMENTS(refusals));
        tcase_add_test(refuse, test_every_problem_at_once);
        tcase_add_test(refuse, test_too_many_syntax_errors);
        tcase_add_test(refuse, test_repeated_key_warns);
        tcase_add_test(refuse, test_health_keys);
        tcase_add_loop_test(refuse, test_warning, 0, G_N_ELEMENTS(warnings));
        tcase_add_test(refuse, test_mode_and_backend_warnings);
        tcase_add_test(refuse, test_check_executables);
        tcase_add_test(refuse, test_too_large);
        tcase_add_test(refuse, test_nul_byte);
        tcase_add_test(refuse, test_deep_chain);
        tcase_add_test(refuse, test_many_environment);
        suite_add_tcase(s, refuse);

        tcase_add_test(files, test_dropins);
        tcase_add_test(files, test_dropin_problems_in_file_order);
        tcase_add_test(files, test_runtime_dropins);
        tcase_add_test(files, test_fragment);
        tcase_add_test(files, test_not_found);
        tcase_add_test(files, test_default_dirs);
        tcase_add_test(files, test_unreadable);
        tcase_add_test(files, test_fifo);
        tcase_add_test(files, test_symlink_to_device);
        tcase_add_test(files, test_directory);
        tcase_add_test(files, test_dropin_not_regular);
        tcase_add_test(files, test_file_at_limit);
        suite_add_tcase(s, files);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

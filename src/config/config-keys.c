/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-keys.c: the keys of [Manager], [Supervisor] and [Child], their value parsers, "did you
 * mean" suggestions, and the merged sections into a StewardSpec. */
#include "config.h"

#include <glib/gi18n.h>
#include <stddef.h>
#include <string.h>

#include "config-private.h"
#include "steward-parse.h"

/* ---- values ---------------------------------------------------------- */

typedef void (*ParseFunc)(Loader *l, const Entry *e, const char *key, gpointer field);

typedef struct {
        const char *key;
        ParseFunc parse;
        size_t offset;
} KeyDesc;

static void
parse_time(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (!steward_parse_time_span(e->value, &v))
                error_at(l, e, _("%s=: invalid time span '%s' (expected e.g. 250ms, 5s or 1min 30s)"), key,
                         e->value);
        else if (v == STEWARD_USEC_INFINITY)
                error_at(l, e, _("%s=: '%s' is not allowed here, expected a finite time span"), key,
                         e->value);
        else
                *(guint64 *) field = v;
}

static void
parse_time_positive(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v = 0;

        parse_time(l, e, key, &v);
        if (v > 0)
                *(guint64 *) field = v;
        else if (steward_parse_time_span(e->value, &v) && v == 0)
                error_at(l, e, _("%s=: '%s' must be greater than 0"), key, e->value);
}

/* TimeoutStartSec=, TimeoutStopSec=, WatchdogSec=: "infinity" and 0 both
 * switch the timer off, as in systemd; the spec stores that as 0. */
static void
parse_timeout(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (!steward_parse_time_span(e->value, &v))
                error_at(l, e, _("%s=: invalid time span '%s' (expected e.g. 250ms, 5s or 1min 30s)"), key,
                         e->value);
        else
                *(guint64 *) field = v == STEWARD_USEC_INFINITY ? 0 : v;
}

static void
parse_intensity(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (!steward_parse_uint(e->value, G_MAXINT32, &v))
                error_at(l, e, _("%s=: invalid number '%s' (expected an integer from 0 to %d)"), key,
                         e->value, G_MAXINT32);
        else
                *(guint *) field = (guint) v;
}

/* HealthCheckRetries=: at least one failure makes a child unhealthy. */
static void
parse_retries(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (!steward_parse_uint(e->value, G_MAXINT32, &v) || v == 0)
                error_at(l, e, _("%s=: invalid number '%s' (expected an integer from 1 to %d)"), key,
                         e->value, G_MAXINT32);
        else
                *(guint *) field = (guint) v;
}

static void
parse_jitter(Loader *l, const Entry *e, const char *key, gpointer field)
{
        double v;

        if (!steward_parse_double(e->value, &v) || v > 1.0)
                error_at(l, e, _("%s=: invalid value '%s' (expected a number from 0.0 to 1.0)"), key,
                         e->value);
        else
                *(double *) field = v;
}

static void
parse_signal(Loader *l, const Entry *e, const char *key, gpointer field)
{
        int v;

        if (!steward_parse_signal(e->value, &v))
                error_at(l, e, _("%s=: invalid signal '%s' (expected e.g. SIGTERM, TERM or 15)"), key,
                         e->value);
        else
                *(int *) field = v;
}

/* MemoryMax=, MemoryHigh=: bytes, a share of the machine's memory, or
 * "infinity" (no limit, which the spec spells UNSET). As systemd, a limit
 * of 0 bytes is refused: nothing could run under it. */
static void
parse_memory_limit(Loader *l, const Entry *e, const char *key, gpointer field)
{
        StewardLimit *limit = field;
        guint64 v;

        if (g_str_equal(e->value, "infinity"))
                *limit = (StewardLimit){ STEWARD_LIMIT_UNSET, FALSE };
        else if (steward_parse_permyriad(e->value, 10000, &v))
                *limit = (StewardLimit){ v, TRUE };
        else if (!steward_parse_size(e->value, &v) || v == 0)
                error_at(l, e,
                         _("%s=: invalid size '%s' (expected bytes with an optional K, M, G or T suffix, a "
                           "percentage, or infinity)"),
                         key, e->value);
        else
                *limit = (StewardLimit){ v, FALSE };
}

static void
parse_tasks(Loader *l, const Entry *e, const char *key, gpointer field)
{
        StewardLimit *limit = field;
        guint64 v;

        if (g_str_equal(e->value, "infinity"))
                *limit = (StewardLimit){ STEWARD_LIMIT_UNSET, FALSE };
        else if (steward_parse_permyriad(e->value, 10000, &v))
                *limit = (StewardLimit){ v, TRUE };
        else if (!steward_parse_uint(e->value, G_MAXUINT64 - 1, &v) || v == 0)
                error_at(l, e,
                         _("%s=: invalid number '%s' (expected a positive integer, a percentage, or "
                           "infinity)"),
                         key, e->value);
        else
                *limit = (StewardLimit){ v, FALSE };
}

static void
parse_cpu_weight(Loader *l, const Entry *e, const char *key, gpointer field)
{
        if (!steward_parse_cpu_weight(e->value, field))
                error_at(l, e, _("%s=: invalid weight '%s' (expected idle or an integer from 1 to 10000)"),
                         key, e->value);
}

static void
parse_weight(Loader *l, const Entry *e, const char *key, gpointer field)
{
        if (!steward_parse_weight(e->value, field))
                error_at(l, e, _("%s=: invalid weight '%s' (expected an integer from 1 to 10000)"), key,
                         e->value);
}

/* CPUQuota=: a share of one CPU, above 100% for more than one; 0% would
 * never let the processes run, so systemd refuses it. */
static void
parse_cpu_quota(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (!steward_parse_permyriad(e->value, G_MAXUINT32, &v) || v == 0)
                error_at(l, e, _("%s=: invalid quota '%s' (expected a percentage above 0%%, e.g. 150%%)"),
                         key, e->value);
        else
                *(guint64 *) field = v;
}

static void
parse_cpu_set(Loader *l, const Entry *e, const char *key, gpointer field)
{
        GBytes *set;

        if (!steward_parse_cpu_set(e->value, &set)) {
                error_at(l, e,
                         _("%s=: invalid CPU list '%s' (expected CPU numbers and ranges such as 0-3,5)"),
                         key, e->value);
                return;
        }
        g_clear_pointer((GBytes **) field, g_bytes_unref);
        *(GBytes **) field = set;
}

static void
parse_exit_statuses(Loader *l, const Entry *e, const char *key, gpointer field)
{
        g_autoptr(GArray) statuses = NULL;
        g_autofree char *bad = NULL;
        GArray **target = field;

        if (!steward_parse_exit_status_list(e->value, &statuses, &bad)) {
                error_at(l, e, _("%s=: invalid exit status '%s' (expected numbers from 0 to 255)"), key,
                         bad);
                return;
        }
        g_clear_pointer(target, g_array_unref);
        *target = g_steal_pointer(&statuses);
}

static void
parse_exec(Loader *l, const Entry *e, const char *key, gpointer field)
{
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) argv = NULL;
        char ***target = field;

        if (!*e->value) {
                error_at(l, e, _("%s= is empty"), key);
                return;
        }
        argv = steward_parse_command_line(e->value, &error);
        if (!argv) {
                error_at(l, e, _("%s=: cannot parse '%s': %s"), key, e->value, error->message);
                return;
        }
        if (!g_path_is_absolute(argv[0])) {
                error_at(l, e, _("%s=: '%s' is not an absolute path"), key, argv[0]);
                return;
        }
        if (!config_check_executable(l, e, key, argv[0]))
                return;
        g_strfreev(*target);
        *target = g_steal_pointer(&argv);
}

static void
parse_environment(Loader *l, const Entry *e, const char *key, gpointer field)
{
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) env = NULL;
        char ***target = field;

        env = steward_parse_environment(e->value, &error);
        if (!env) {
                error_at(l, e, _("%s=: cannot parse '%s': %s"), key, e->value, error->message);
                return;
        }
        g_strfreev(*target);
        *target = g_steal_pointer(&env);
}

static void
set_string(char **target, const char *value)
{
        g_free(*target);
        *target = g_strdup(value);
}

static void
parse_absolute_path(Loader *l, const Entry *e, const char *key, gpointer field)
{
        if (!g_path_is_absolute(e->value))
                error_at(l, e, _("%s=: '%s' is not an absolute path"), key, e->value);
        else
                set_string(field, e->value);
}

/* systemd's relaxed user and group names, or a numeric id. */
static gboolean
user_name_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 31)
                return FALSE;
        if (g_ascii_isdigit(s[0])) {
                guint64 id;
                return steward_parse_uint(s, G_MAXUINT32 - 1, &id);
        }
        if (!g_ascii_isalpha(s[0]) && s[0] != '_')
                return FALSE;
        for (size_t i = 1; i < n; i++)
                if (!g_ascii_isalnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.' &&
                    !(s[i] == '$' && i == n - 1))
                        return FALSE;
        return TRUE;
}

static void
parse_user_name(Loader *l, const Entry *e, const char *key, gpointer field)
{
        if (!user_name_is_valid(e->value))
                error_at(l, e, _("%s=: invalid user or group name '%s'"), key, e->value);
        else
                set_string(field, e->value);
}

static void
parse_slice(Loader *l, const Entry *e, const char *key, gpointer field)
{
        gboolean valid = g_str_has_suffix(e->value, STEWARD_SLICE_SUFFIX) &&
                         strlen(e->value) > strlen(STEWARD_SLICE_SUFFIX) &&
                         strlen(e->value) <= STEWARD_UNIT_NAME_MAX;

        for (const char *p = e->value; valid && *p; p++)
                valid = g_ascii_isalnum(*p) || strchr(":-_.\\", *p);
        if (!valid)
                error_at(l, e, _("%s=: '%s' is not a slice unit name (expected e.g. steward.slice)"), key,
                         e->value);
        else
                set_string(field, e->value);
}

static void
parse_identifier(Loader *l, const Entry *e, const char *key, gpointer field)
{
        set_string(field, e->value);
}

/* Parent=, Supervisor=, SidecarOf=: the name must be well-formed here;
 * whether it names anything is judged once the whole tree is read. */
static void
parse_name_ref(Loader *l, const Entry *e, const char *key, gpointer field)
{
        if (!steward_name_is_valid(e->value))
                error_at(l, e, _("%s=: invalid name '%s' (expected 1 to %d of A-Z a-z 0-9 _ . -)"), key,
                         e->value, STEWARD_NAME_MAX);
        else
                set_string(field, e->value);
}

/* NULL-terminated for g_strjoinv(). */
static const char *const role_names[] = { "service", "worker", "job", "sidecar", NULL };

static void
report_bad_enum(Loader *l, const Entry *e, const char *key, const char *const *names, size_t n)
{
        const char *hint = config_closest(e->value, names, n);
        g_autofree char *expected = NULL;

        if (hint) {
                error_at(l, e, _("%s=: unknown value '%s', did you mean '%s'?"), key, e->value, hint);
                return;
        }
        expected = g_strjoinv(", ", (char **) (const char **) names);
        error_at(l, e, _("%s=: unknown value '%s' (expected one of %s)"), key, e->value, expected);
}

/* The name tables end with NULL for g_strjoinv(); G_N_ELEMENTS() - 1 is
 * their length. */
#define DEFINE_ENUM_PARSER(func, type, from_string, ...)                             \
        static void func(Loader *l, const Entry *e, const char *key, gpointer field) \
        {                                                                            \
                static const char *const names[] = { __VA_ARGS__, NULL };            \
                type v;                                                              \
                if (!from_string(e->value, &v))                                      \
                        report_bad_enum(l, e, key, names, G_N_ELEMENTS(names) - 1);  \
                else                                                                 \
                        *(type *) field = v;                                         \
        }

DEFINE_ENUM_PARSER(parse_strategy, StewardStrategy, steward_strategy_from_string, "one-for-one",
                   "one-for-all", "rest-for-one")
DEFINE_ENUM_PARSER(parse_escalation, StewardEscalation, steward_escalation_from_string, "parent", "shutdown",
                   "quarantine")
DEFINE_ENUM_PARSER(parse_restart, StewardRestart, steward_restart_from_string, "permanent", "transient",
                   "temporary")
DEFINE_ENUM_PARSER(parse_child_type, StewardChildType, steward_child_type_from_string, "simple", "notify")
DEFINE_ENUM_PARSER(parse_health_action, StewardHealthAction, steward_health_action_from_string, "none",
                   "restart")

static const KeyDesc manager_keys[] = {
        { "Slice", parse_slice, offsetof(StewardSpec, slice) },
        { "AllowedGroup", parse_user_name, offsetof(StewardSpec, allowed_group) },
        { "ShutdownTimeoutSec", parse_time_positive, offsetof(StewardSpec, shutdown_timeout_usec) },
};

/* The cgroup settings, of a child's scope or a supervisor's slice. */
/* clang-format off */
#define RESOURCE_KEYS(type)                                                             \
        { "MemoryMax", parse_memory_limit, offsetof(type, resources.memory_max) },      \
        { "MemoryHigh", parse_memory_limit, offsetof(type, resources.memory_high) },    \
        { "TasksMax", parse_tasks, offsetof(type, resources.tasks_max) },               \
        { "CPUWeight", parse_cpu_weight, offsetof(type, resources.cpu_weight) },        \
        { "CPUQuota", parse_cpu_quota, offsetof(type, resources.cpu_quota) },           \
        { "IOWeight", parse_weight, offsetof(type, resources.io_weight) },              \
        { "AllowedCPUs", parse_cpu_set, offsetof(type, resources.allowed_cpus) }
/* clang-format on */

static const char *const resource_keys[] = { "MemoryMax", "MemoryHigh", "TasksMax",    "CPUWeight",
                                             "CPUQuota",  "IOWeight",   "AllowedCPUs", NULL };

static const KeyDesc supervisor_keys[] = {
        { "Parent", parse_name_ref, offsetof(StewardSupervisorSpec, parent) },
        { "Strategy", parse_strategy, offsetof(StewardSupervisorSpec, strategy) },
        { "RestartIntensity", parse_intensity, offsetof(StewardSupervisorSpec, restart_intensity) },
        { "RestartPeriodSec", parse_time_positive, offsetof(StewardSupervisorSpec, restart_period_usec) },
        { "Escalation", parse_escalation, offsetof(StewardSupervisorSpec, escalation) },
        RESOURCE_KEYS(StewardSupervisorSpec),
};

/* Role= is read before every other key (its defaults come first), so it
 * has no parser here. */
static const KeyDesc child_keys[] = {
        { "Supervisor", parse_name_ref, offsetof(StewardChildSpec, supervisor) },
        { "ExecStart", parse_exec, offsetof(StewardChildSpec, argv) },
        { "Role", NULL, 0 },
        { "Restart", parse_restart, offsetof(StewardChildSpec, restart) },
        { "Type", parse_child_type, offsetof(StewardChildSpec, type) },
        { "RestartSec", parse_time, offsetof(StewardChildSpec, restart_usec) },
        { "RestartMaxDelaySec", parse_time, offsetof(StewardChildSpec, restart_max_delay_usec) },
        { "RestartJitter", parse_jitter, offsetof(StewardChildSpec, restart_jitter) },
        { "RestartStableSec", parse_time, offsetof(StewardChildSpec, restart_stable_usec) },
        { "RestartIntensity", parse_intensity, offsetof(StewardChildSpec, restart_intensity) },
        { "RestartPeriodSec", parse_time_positive, offsetof(StewardChildSpec, restart_period_usec) },
        { "WatchdogSec", parse_timeout, offsetof(StewardChildSpec, watchdog_usec) },
        { "WatchdogSignal", parse_signal, offsetof(StewardChildSpec, watchdog_signal) },
        { "ExecHealthCheck", parse_exec, offsetof(StewardChildSpec, health_argv) },
        { "HealthCheckIntervalSec", parse_time_positive, offsetof(StewardChildSpec, health_interval_usec) },
        { "HealthCheckTimeoutSec", parse_time_positive, offsetof(StewardChildSpec, health_timeout_usec) },
        { "HealthCheckRetries", parse_retries, offsetof(StewardChildSpec, health_retries) },
        { "HealthCheckStartPeriodSec", parse_time, offsetof(StewardChildSpec, health_start_period_usec) },
        { "HealthAction", parse_health_action, offsetof(StewardChildSpec, health_action) },
        { "HeartbeatSec", parse_timeout, offsetof(StewardChildSpec, heartbeat_usec) },
        { "TimeoutStartSec", parse_timeout, offsetof(StewardChildSpec, timeout_start_usec) },
        { "TimeoutStopSec", parse_timeout, offsetof(StewardChildSpec, timeout_stop_usec) },
        { "KillSignal", parse_signal, offsetof(StewardChildSpec, kill_signal) },
        { "ReloadSignal", parse_signal, offsetof(StewardChildSpec, reload_signal) },
        { "SuccessExitStatus", parse_exit_statuses, offsetof(StewardChildSpec, success_exit_status) },
        { "Environment", parse_environment, offsetof(StewardChildSpec, environment) },
        { "WorkingDirectory", parse_absolute_path, offsetof(StewardChildSpec, working_directory) },
        { "User", parse_user_name, offsetof(StewardChildSpec, user) },
        { "Group", parse_user_name, offsetof(StewardChildSpec, group) },
        { "SyslogIdentifier", parse_identifier, offsetof(StewardChildSpec, syslog_identifier) },
        RESOURCE_KEYS(StewardChildSpec),
        { "SidecarOf", parse_name_ref, offsetof(StewardChildSpec, sidecar_of) },
};

static const char *const section_kinds[] = { "Manager", "Supervisor", "Child" };
/* How messages name each kind of section. */
static const char *const section_kind_labels[] = { "Manager", "Supervisor NAME", "Child NAME" };

static const KeyDesc *
lookup_key(const KeyDesc *keys, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (g_str_equal(keys[i].key, key))
                        return &keys[i];
        return NULL;
}

static void
keys_of(SectionKind kind, const KeyDesc **ret, size_t *ret_n)
{
        switch (kind) {
        case SECTION_MANAGER:
                *ret = manager_keys;
                *ret_n = G_N_ELEMENTS(manager_keys);
                break;
        case SECTION_SUPERVISOR:
                *ret = supervisor_keys;
                *ret_n = G_N_ELEMENTS(supervisor_keys);
                break;
        case SECTION_CHILD:
        case SECTION_UNKNOWN:
                *ret = child_keys;
                *ret_n = G_N_ELEMENTS(child_keys);
                break;
        }
}

char **
steward_config_list_keys(const char *section)
{
        g_autoptr(GStrvBuilder) b = NULL;

        for (SectionKind k = SECTION_MANAGER; k <= SECTION_CHILD; k++) {
                const KeyDesc *keys;
                size_t n;

                if (g_strcmp0(section, section_kinds[k]) != 0)
                        continue;
                b = g_strv_builder_new();
                keys_of(k, &keys, &n);
                for (size_t i = 0; i < n; i++)
                        g_strv_builder_add(b, keys[i].key);
                return g_strv_builder_end(b);
        }
        return NULL;
}

static void
report_unknown_key(Loader *l, const Section *s, SectionKind kind, const char *key, const Entry *e)
{
        g_autofree const char **names = NULL;
        const KeyDesc *keys;
        const char *hint;
        size_t n;

        keys_of(kind, &keys, &n);
        names = g_new(const char *, n);
        for (size_t i = 0; i < n; i++)
                names[i] = keys[i].key;
        hint = config_closest(key, names, n);
        if (hint) {
                error_at(l, e, _("unknown key %s= in [%s], did you mean %s=?"), key, s->group, hint);
                return;
        }
        /* A key of another kind of section is a misplaced key, not a typo. */
        for (SectionKind other = SECTION_MANAGER; other <= SECTION_CHILD; other++) {
                const KeyDesc *other_keys;
                size_t other_n;

                if (other == kind)
                        continue;
                keys_of(other, &other_keys, &other_n);
                if (lookup_key(other_keys, other_n, key)) {
                        error_at(l, e, _("unknown key %s= in [%s]; it belongs in a [%s] section"), key,
                                 s->group, section_kind_labels[other]);
                        return;
                }
        }
        error_at(l, e, _("unknown key %s= in [%s]"), key, s->group);
}

/* Applies every key of @s found in @keys to @target, reporting the rest. */
static void
apply_keys(Loader *l, const Section *s, SectionKind kind, gpointer target)
{
        const KeyDesc *keys;
        size_t n;

        keys_of(kind, &keys, &n);
        for (guint i = 0; i < s->keys->len; i++) {
                const char *key = g_ptr_array_index(s->keys, i);
                const Entry *e = g_hash_table_lookup(s->entries, key);
                const KeyDesc *desc = lookup_key(keys, n, key);

                if (!desc) {
                        report_unknown_key(l, s, kind, key, e);
                        continue;
                }
                if (!desc->parse)
                        continue;
                /* An empty value restores the default, as in systemd; that
                 * is how a drop-in takes back a key of the main file.
                 * ExecStart= has no default to restore. */
                if (!*e->value && !g_str_equal(key, "ExecStart"))
                        continue;
                desc->parse(l, e, key, (char *) target + desc->offset);
        }
}

/* ---- building the spec ----------------------------------------------- */

static SectionKind
section_kind(Loader *l, const Section *s, const char **ret_name)
{
        const char *space = strchr(s->group, ' ');
        g_autofree char *word =
                space ? g_strndup(s->group, (size_t) (space - s->group)) : g_strdup(s->group);
        const char *hint;
        Entry tmp;

        *ret_name = space ? space + 1 : NULL;
        for (SectionKind k = SECTION_MANAGER; k <= SECTION_CHILD; k++) {
                if (!g_str_equal(word, section_kinds[k]))
                        continue;
                if (k == SECTION_MANAGER && !space)
                        return k;
                if (k != SECTION_MANAGER && space)
                        return k;
                if (k == SECTION_MANAGER)
                        error_at(l, section_header(s, &tmp),
                                 _("section [%s] takes no name, expected [Manager]"), s->group);
                else
                        error_at(l, section_header(s, &tmp), _("section [%s] needs a name, as in [%s]"),
                                 s->group, section_kind_labels[k]);
                return SECTION_UNKNOWN;
        }
        hint = config_closest(word, section_kinds, G_N_ELEMENTS(section_kinds));
        if (hint)
                error_at(l, section_header(s, &tmp), _("unknown section [%s], did you mean [%s%s%s]?"),
                         s->group, hint, space ? " " : "", space ? space + 1 : "");
        else
                error_at(l, section_header(s, &tmp),
                         _("unknown section [%s] (expected [Manager], [Supervisor NAME] or [Child NAME])"),
                         s->group);
        return SECTION_UNKNOWN;
}

static void
build_manager(Loader *l, const Section *s, StewardSpec *spec)
{
        const Entry *e;

        apply_keys(l, s, SECTION_MANAGER, spec);
        if ((e = section_entry(s, "Slice")) && *e->value && l->options->backend == STEWARD_BACKEND_PROCESS)
                warn_at(l, e, _("%s= is ignored by the process backend"), "Slice");
}

/* The process backend has no cgroup to put a limit on. */
static void
warn_resources_ignored(Loader *l, const Section *s)
{
        const Entry *e;

        if (l->options->backend != STEWARD_BACKEND_PROCESS)
                return;
        for (const char *const *k = resource_keys; *k; k++)
                if ((e = section_entry(s, *k)) && *e->value)
                        warn_at(l, e, _("%s= is ignored by the process backend"), *k);
}

static void
build_supervisor(Loader *l, const Section *s, const char *name, StewardSpec *spec, guint order)
{
        StewardSupervisorSpec *sup;
        const Entry *e;

        if (g_str_equal(name, STEWARD_ROOT_SUPERVISOR)) {
                sup = steward_spec_find_supervisor(spec, STEWARD_ROOT_SUPERVISOR);
                apply_keys(l, s, SECTION_SUPERVISOR, sup);
                if ((e = section_entry(s, "Parent")) && *e->value) {
                        error_at(l, e, _("Parent=: the root supervisor has no parent, '%s' is not allowed"),
                                 e->value);
                        g_clear_pointer(&sup->parent, g_free);
                }
        } else {
                sup = steward_supervisor_spec_new(name);
                sup->parent = g_strdup(STEWARD_ROOT_SUPERVISOR);
                g_ptr_array_add(spec->supervisors, sup);
                apply_keys(l, s, SECTION_SUPERVISOR, sup);
        }
        set_string(&sup->origin.file, s->file);
        sup->origin.line = s->line;
        sup->origin.order = order;
        warn_resources_ignored(l, s);
}

static void
build_child(Loader *l, const Section *s, const char *name, StewardSpec *spec, guint order)
{
        StewardChildSpec *c = steward_child_spec_new(name);
        gboolean role_given = FALSE;
        const Entry *e;
        Entry tmp;

        g_ptr_array_add(spec->children, c);
        set_string(&c->origin.file, s->file);
        c->origin.line = s->line;
        c->origin.order = order;

        /* The role sets defaults that explicit keys override wherever they
         * stand, so it goes first. */
        if ((e = section_entry(s, "Role")) && *e->value) {
                StewardRole role;
                if (steward_role_from_string(e->value, &role)) {
                        steward_child_spec_apply_role(c, role);
                        role_given = TRUE;
                } else
                        report_bad_enum(l, e, "Role", role_names, G_N_ELEMENTS(role_names) - 1);
        }
        apply_keys(l, s, SECTION_CHILD, c);

        if (!c->syslog_identifier)
                c->syslog_identifier = g_strdup(c->name);
        if (!section_entry(s, "ExecStart"))
                error_at(l, section_header(s, &tmp), _("[%s] has no ExecStart="), s->group);

        if (c->role == STEWARD_ROLE_JOB && c->restart == STEWARD_RESTART_PERMANENT &&
            (e = section_entry(s, "Restart")))
                warn_at(l, e, _("Restart=permanent on a Role=job child restarts it even after it succeeds"));
        if (c->watchdog_usec > 0 && c->type != STEWARD_CHILD_NOTIFY && (e = section_entry(s, "WatchdogSec")))
                warn_at(l, e, _("WatchdogSec= has no effect without Type=notify, ignoring"));
        /* An ExecHealthCheck= that did not parse has its own error already. */
        if (!c->health_argv && !section_entry(s, "ExecHealthCheck"))
                for (const char *const *k =
                             (const char *const[]){ "HealthCheckIntervalSec", "HealthCheckTimeoutSec",
                                                    "HealthCheckRetries", "HealthCheckStartPeriodSec",
                                                    NULL };
                     *k; k++)
                        if ((e = section_entry(s, *k)))
                                warn_at(l, e, _("%s= has no effect without ExecHealthCheck=, ignoring"), *k);
        if (c->health_action != STEWARD_HEALTH_ACTION_NONE && !section_entry(s, "ExecHealthCheck") &&
            (e = section_entry(s, "HealthAction")))
                warn_at(l, e, _("HealthAction= has no effect without ExecHealthCheck=, ignoring"));
        if (c->restart_max_delay_usec < c->restart_usec && (e = section_entry(s, "RestartMaxDelaySec")))
                warn_at(l, e,
                        _("RestartMaxDelaySec= '%s' is shorter than RestartSec=, every delay will be '%s'"),
                        e->value, e->value);
        if (role_given && c->role == STEWARD_ROLE_SIDECAR && !c->sidecar_of &&
            !section_entry(s, "SidecarOf"))
                error_at(l, section_entry(s, "Role"),
                         _("Role=sidecar needs SidecarOf= naming the child it serves"));

        if (l->options->mode == STEWARD_MODE_USER)
                for (const char *const *k = (const char *const[]){ "User", "Group", NULL }; *k; k++)
                        if ((e = section_entry(s, *k)) && *e->value)
                                warn_at(l, e, _("%s= is ignored in user mode, children run as the user"),
                                        *k);
        warn_resources_ignored(l, s);
}

void
config_build_spec(Loader *l, StewardSpec *spec)
{
        /* name -> Section* of the supervisor or child that took it first */
        g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
        guint order = 0;

        for (guint i = 0; i < l->sections->len; i++) {
                const Section *s = g_ptr_array_index(l->sections, i);
                const char *name = NULL;
                SectionKind kind = section_kind(l, s, &name);

                if (kind == SECTION_MANAGER) {
                        build_manager(l, s, spec);
                        continue;
                }
                if (kind == SECTION_UNKNOWN || !config_check_name(l, s, kind, name, names))
                        continue;
                if (kind == SECTION_SUPERVISOR)
                        build_supervisor(l, s, name, spec, order++);
                else
                        build_child(l, s, name, spec, order++);
        }
}

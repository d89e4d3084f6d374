/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-config.c: reads steward.conf and its drop-ins with GKeyFile, validates them and builds the
 * StewardSpec. */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "steward-config.h"
#include "steward-parse.h"

/* A bad file is reported this many syntax errors deep, then given up on:
 * each costs a few re-parses of the file. */
#define MAX_SYNTAX_ERRORS 20

#define MAIN_FILE "steward.conf"

/* The merged value of one key: the last file that set it wins. */
typedef struct {
        char *value; /* stripped of surrounding whitespace */
        const char *file; /* owned by Loader.files */
        int line;
} Entry;

/* One [Section] as merged over the main file and its drop-ins. */
typedef struct {
        char *group;
        const char *file; /* where it was first declared */
        int line;
        GPtrArray *keys; /* of char*, in the order first seen */
        GHashTable *entries; /* key -> Entry* */
} Section;

typedef struct {
        const StewardConfigOptions *options;
        GPtrArray *files; /* of char*, in the order read */
        GPtrArray *problems; /* of StewardProblem* */
        GPtrArray *sections; /* of Section*, in the order first declared */
        GHashTable *by_group; /* group -> Section* */
} Loader;

/* Where each [Section] header and Key= line of one file is. GKeyFile keeps
 * no line numbers, so this scans the raw lines for them; it only locates,
 * the values always come from GKeyFile. */
typedef struct {
        GHashTable *headers; /* group -> GArray of int */
        GHashTable *keys; /* "group\nkey" -> GArray of int */
        GPtrArray *key_order; /* of "group\nkey", in file order */
} LineIndex;

static void
entry_free(Entry *e)
{
        if (!e)
                return;
        g_free(e->value);
        g_free(e);
}

static void
section_free(Section *s)
{
        if (!s)
                return;
        g_free(s->group);
        g_clear_pointer(&s->keys, g_ptr_array_unref);
        g_clear_pointer(&s->entries, g_hash_table_unref);
        g_free(s);
}

static void
line_index_clear(LineIndex *idx)
{
        g_clear_pointer(&idx->headers, g_hash_table_unref);
        g_clear_pointer(&idx->keys, g_hash_table_unref);
        g_clear_pointer(&idx->key_order, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(LineIndex, line_index_clear)

void
steward_problem_free(StewardProblem *p)
{
        if (!p)
                return;
        g_free(p->file);
        g_free(p->message);
        g_free(p);
}

char *
steward_problem_format(const StewardProblem *p)
{
        const char *prefix = p->severity == STEWARD_PROBLEM_WARNING ? _("warning: ") : "";

        if (p->line <= 0)
                return g_strdup_printf("%s: %s%s", p->file, prefix, p->message);
        return g_strdup_printf("%s:%d: %s%s", p->file, p->line, prefix, p->message);
}

char *
steward_config_default_dir(StewardMode mode)
{
        if (mode == STEWARD_MODE_SYSTEM)
                return g_build_filename(SYSCONFDIR, "steward", NULL);
        return g_build_filename(g_get_user_config_dir(), "steward", NULL);
}

static void G_GNUC_PRINTF(5, 0) reportv(Loader *l, StewardProblemSeverity severity, const char *file,
                                        int line, const char *format, va_list ap)
{
        StewardProblem *p = g_new0(StewardProblem, 1);

        p->severity = severity;
        /* Never NULL: a problem always names a file, the first one read if
         * nothing better is known. */
        p->file = g_strdup(file ? file : l->files->len > 0 ? g_ptr_array_index(l->files, 0) : "");
        p->line = line;
        p->message = g_strdup_vprintf(format, ap);
        g_ptr_array_add(l->problems, p);
}

static void G_GNUC_PRINTF(5, 6) report(Loader *l, StewardProblemSeverity severity, const char *file,
                                       int line, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        reportv(l, severity, file, line, format, ap);
        va_end(ap);
}

/* A problem located at the key (or section header) @e. */
static void G_GNUC_PRINTF(4, 5)
        report_at(Loader *l, StewardProblemSeverity severity, const Entry *e, const char *format, ...)
{
        va_list ap;

        va_start(ap, format);
        reportv(l, severity, e ? e->file : NULL, e ? e->line : 0, format, ap);
        va_end(ap);
}

#define error_at(l, e, ...) report_at((l), STEWARD_PROBLEM_ERROR, (e), __VA_ARGS__)
#define warn_at(l, e, ...) report_at((l), STEWARD_PROBLEM_WARNING, (e), __VA_ARGS__)

/* Edit distance with adjacent transpositions (optimal string alignment),
 * ignoring ASCII case: "restartsec" and "RestratSec" are near misses of
 * "RestartSec", not strangers. */
static guint
edit_distance(const char *a, const char *b)
{
        size_t na = strlen(a), nb = strlen(b), w = nb + 1;
        g_autofree guint *d = NULL;

        /* Names and keys are short; a long word is no near miss of them. */
        if (na > 128 || nb > 128)
                return G_MAXUINT;
        d = g_new(guint, (na + 1) * w);
        for (size_t i = 0; i <= na; i++)
                d[i * w] = (guint) i;
        for (size_t j = 0; j <= nb; j++)
                d[j] = (guint) j;
        for (size_t i = 1; i <= na; i++)
                for (size_t j = 1; j <= nb; j++) {
                        char ca = g_ascii_tolower(a[i - 1]), cb = g_ascii_tolower(b[j - 1]);
                        guint v = MIN(d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1);

                        v = MIN(v, d[(i - 1) * w + j - 1] + (ca == cb ? 0 : 1));
                        if (i > 1 && j > 1 && ca == g_ascii_tolower(b[j - 2]) &&
                            g_ascii_tolower(a[i - 2]) == cb)
                                v = MIN(v, d[(i - 2) * w + j - 2] + 1);
                        d[i * w + j] = v;
                }
        return d[na * w + nb];
}

/* The candidate closest to @word if it is a plausible typo of it: at most
 * two edits, and fewer edits than @word has characters. */
static const char *
closest(const char *word, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        guint best_d = G_MAXUINT;

        for (size_t i = 0; i < n; i++) {
                guint d = edit_distance(word, candidates[i]);
                if (d < best_d) {
                        best_d = d;
                        best = candidates[i];
                }
        }
        if (!best || best_d > 2 || best_d >= strlen(word))
                return NULL;
        return best;
}

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

/* MemoryMax=: "infinity" is no limit, which the spec spells UNSET. */
static void
parse_size(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (!steward_parse_size(e->value, &v))
                error_at(l, e,
                         _("%s=: invalid size '%s' (expected bytes with an optional K, M, G or T suffix, or "
                           "infinity)"),
                         key, e->value);
        else
                *(guint64 *) field = v == STEWARD_SIZE_INFINITY ? STEWARD_LIMIT_UNSET : v;
}

static void
parse_tasks(Loader *l, const Entry *e, const char *key, gpointer field)
{
        guint64 v;

        if (g_str_equal(e->value, "infinity"))
                *(guint64 *) field = STEWARD_LIMIT_UNSET;
        else if (!steward_parse_uint(e->value, G_MAXUINT64 - 1, &v) || v == 0)
                error_at(l, e, _("%s=: invalid number '%s' (expected a positive integer or infinity)"), key,
                         e->value);
        else
                *(guint64 *) field = v;
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
        if (l->options->check_executables &&
            (!g_file_test(argv[0], G_FILE_TEST_IS_REGULAR) || access(argv[0], X_OK) < 0)) {
                error_at(l, e, _("%s=: '%s' is not an executable file"), key, argv[0]);
                return;
        }
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
        gboolean valid = g_str_has_suffix(e->value, ".slice") && strlen(e->value) > strlen(".slice") &&
                         strlen(e->value) <= 255;

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
                error_at(l, e, _("%s=: invalid name '%s' (expected 1 to 64 of A-Z a-z 0-9 _ . -)"), key,
                         e->value);
        else
                set_string(field, e->value);
}

/* NULL-terminated for g_strjoinv(). */
static const char *const role_names[] = { "service", "worker", "job", "sidecar", NULL };

static void
report_bad_enum(Loader *l, const Entry *e, const char *key, const char *const *names, size_t n)
{
        const char *hint = closest(e->value, names, n);
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

static const KeyDesc manager_keys[] = {
        { "Slice", parse_slice, offsetof(StewardSpec, slice) },
        { "AllowedGroup", parse_user_name, offsetof(StewardSpec, allowed_group) },
        { "ShutdownTimeoutSec", parse_time_positive, offsetof(StewardSpec, shutdown_timeout_usec) },
};

static const KeyDesc supervisor_keys[] = {
        { "Parent", parse_name_ref, offsetof(StewardSupervisorSpec, parent) },
        { "Strategy", parse_strategy, offsetof(StewardSupervisorSpec, strategy) },
        { "RestartIntensity", parse_intensity, offsetof(StewardSupervisorSpec, restart_intensity) },
        { "RestartPeriodSec", parse_time_positive, offsetof(StewardSupervisorSpec, restart_period_usec) },
        { "Escalation", parse_escalation, offsetof(StewardSupervisorSpec, escalation) },
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
        { "TimeoutStartSec", parse_timeout, offsetof(StewardChildSpec, timeout_start_usec) },
        { "TimeoutStopSec", parse_timeout, offsetof(StewardChildSpec, timeout_stop_usec) },
        { "KillSignal", parse_signal, offsetof(StewardChildSpec, kill_signal) },
        { "SuccessExitStatus", parse_exit_statuses, offsetof(StewardChildSpec, success_exit_status) },
        { "Environment", parse_environment, offsetof(StewardChildSpec, environment) },
        { "WorkingDirectory", parse_absolute_path, offsetof(StewardChildSpec, working_directory) },
        { "User", parse_user_name, offsetof(StewardChildSpec, user) },
        { "Group", parse_user_name, offsetof(StewardChildSpec, group) },
        { "SyslogIdentifier", parse_identifier, offsetof(StewardChildSpec, syslog_identifier) },
        { "MemoryMax", parse_size, offsetof(StewardChildSpec, memory_max) },
        { "TasksMax", parse_tasks, offsetof(StewardChildSpec, tasks_max) },
        { "SidecarOf", parse_name_ref, offsetof(StewardChildSpec, sidecar_of) },
};

typedef enum {
        SECTION_MANAGER,
        SECTION_SUPERVISOR,
        SECTION_CHILD,
        SECTION_UNKNOWN,
} SectionKind;

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
        hint = closest(key, names, n);
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

static const Entry *
section_entry(const Section *s, const char *key)
{
        return g_hash_table_lookup(s->entries, key);
}

static const Entry *
section_header(const Section *s, Entry *tmp)
{
        tmp->value = NULL;
        tmp->file = s->file;
        tmp->line = s->line;
        return tmp;
}

/* ---- reading files --------------------------------------------------- */

static gboolean
parse_header(const char *line, char **ret_group)
{
        size_t n = strlen(line);

        if (n < 2 || line[0] != '[' || line[n - 1] != ']')
                return FALSE;
        *ret_group = g_strndup(line + 1, n - 2);
        return TRUE;
}

static void
index_add(GHashTable *table, const char *key, int line)
{
        GArray *lines = g_hash_table_lookup(table, key);

        if (!lines) {
                lines = g_array_new(FALSE, FALSE, sizeof(int));
                g_hash_table_insert(table, g_strdup(key), lines);
        }
        g_array_append_val(lines, line);
}

static void
line_index_build(LineIndex *idx, char **lines)
{
        g_autofree char *group = NULL;

        idx->headers =
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
        idx->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
        idx->key_order = g_ptr_array_new_with_free_func(g_free);
        for (int i = 0; lines[i]; i++) {
                g_autofree char *line = g_strstrip(g_strdup(lines[i]));
                g_autofree char *header = NULL;
                const char *eq;

                if (!*line || line[0] == '#')
                        continue;
                if (parse_header(line, &header)) {
                        index_add(idx->headers, header, i + 1);
                        g_free(group);
                        group = g_steal_pointer(&header);
                } else if (group && (eq = strchr(line, '='))) {
                        g_autofree char *key = g_strchomp(g_strndup(line, (size_t) (eq - line)));
                        g_autofree char *id = g_strconcat(group, "\n", key, NULL);

                        if (!g_hash_table_contains(idx->keys, id))
                                g_ptr_array_add(idx->key_order, g_strdup(id));
                        index_add(idx->keys, id, i + 1);
                }
        }
}

static GArray *
line_index_key_lines(const LineIndex *idx, const char *group, const char *key)
{
        g_autofree char *id = g_strconcat(group, "\n", key, NULL);

        return g_hash_table_lookup(idx->keys, id);
}

static gboolean
prefix_parses(char **lines, guint n, GError **error)
{
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GString) text = g_string_new(NULL);

        for (guint i = 0; i < n; i++) {
                g_string_append(text, lines[i]);
                g_string_append_c(text, '\n');
        }
        return g_key_file_load_from_data(kf, text->str, text->len, G_KEY_FILE_NONE, error);
}

/* Loads @lines with GKeyFile. GKeyFile stops at the first bad line and does
 * not say which; the shortest prefix that fails to load ends with it, so a
 * bisection over prefixes finds it. It is reported, neutralised, and the
 * file loaded again, so that every syntax error is reported at once.
 * @placeholders collects the group names put in place of bad headers, so
 * that the keys under such a header are not taken for the previous
 * section's. */
static GKeyFile *
load_key_file(Loader *l, const char *file, char **lines, GHashTable *placeholders)
{
        guint n = g_strv_length(lines);

        for (guint attempt = 0;; attempt++) {
                g_autoptr(GKeyFile) kf = g_key_file_new();
                g_autoptr(GError) error = NULL;
                g_autofree char *text = g_strjoinv("\n", lines);
                g_autofree char *bad = NULL;
                guint lo = 1, hi = n;

                if (g_key_file_load_from_data(kf, text, strlen(text), G_KEY_FILE_NONE, &error))
                        return g_steal_pointer(&kf);
                if (attempt == MAX_SYNTAX_ERRORS) {
                        report(l, STEWARD_PROBLEM_ERROR, file, 0,
                               _("too many syntax errors, giving up on this file"));
                        return NULL;
                }
                g_clear_error(&error);
                while (lo < hi) {
                        guint mid = lo + (hi - lo) / 2;
                        if (prefix_parses(lines, mid, NULL))
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo == 0 || lo > n || prefix_parses(lines, lo, &error)) {
                        /* Not a line's fault after all; nothing left to blame. */
                        report(l, STEWARD_PROBLEM_ERROR, file, 0, _("cannot parse the file"));
                        return NULL;
                }
                bad = g_strstrip(g_strdup(lines[lo - 1]));
                if (g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
                        report(l, STEWARD_PROBLEM_ERROR, file, (int) lo,
                               _("'%s' comes before the first [Section] header"), bad);
                else if (g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_UNKNOWN_ENCODING))
                        report(l, STEWARD_PROBLEM_ERROR, file, (int) lo, _("'%s': only UTF-8 is supported"),
                               bad);
                else
                        report(l, STEWARD_PROBLEM_ERROR, file, (int) lo,
                               _("'%s' is not a [Section] header, a Key=value line or a # comment"), bad);
                g_free(lines[lo - 1]);
                if (bad[0] == '[') {
                        char *placeholder = g_strdup_printf("[steward invalid section %u]", lo);
                        g_hash_table_add(placeholders, g_strndup(placeholder + 1, strlen(placeholder) - 2));
                        lines[lo - 1] = placeholder;
                } else
                        lines[lo - 1] = g_strdup("");
        }
}

static Section *
loader_section(Loader *l, const char *group, const char *file, int line, gboolean *ret_new)
{
        Section *s = g_hash_table_lookup(l->by_group, group);

        *ret_new = !s;
        if (s)
                return s;
        s = g_new0(Section, 1);
        s->group = g_strdup(group);
        s->file = file;
        s->line = line;
        s->keys = g_ptr_array_new_with_free_func(g_free);
        s->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify) entry_free);
        g_ptr_array_add(l->sections, s);
        g_hash_table_insert(l->by_group, s->group, s);
        return s;
}

static void
section_set(Section *s, const char *key, const char *value, const char *file, int line)
{
        Entry *e = g_new0(Entry, 1);
        char *k;

        e->value = g_strstrip(g_strdup(value));
        e->file = file;
        e->line = line;
        if (g_hash_table_lookup_extended(s->entries, key, (gpointer *) &k, NULL)) {
                g_hash_table_replace(s->entries, k, e);
                return;
        }
        k = g_strdup(key);
        g_ptr_array_add(s->keys, k);
        g_hash_table_insert(s->entries, k, e);
}

/* Reads one file's text into the merged sections. */
static void
loader_add_data(Loader *l, const char *path, const char *data, gsize length)
{
        g_autoptr(GHashTable) placeholders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GKeyFile) kf = NULL;
        g_auto(LineIndex) idx = { 0 };
        g_auto(GStrv) groups = NULL;
        g_auto(GStrv) lines = NULL;
        g_autofree char *text = NULL;
        const char *file, *end;

        file = g_strdup(path);
        g_ptr_array_add(l->files, (char *) file);

        if (length > STEWARD_CONFIG_FILE_MAX) {
                report(l, STEWARD_PROBLEM_ERROR, file, 0,
                       _("the file is larger than %d bytes, refusing to read it"), STEWARD_CONFIG_FILE_MAX);
                return;
        }
        /* GKeyFile would take invalid UTF-8 into values and names, and those
         * end up in messages and on the bus. */
        if (!g_utf8_validate_len(data, length, &end)) {
                int line = 1;
                for (const char *p = data; p < end; p++)
                        line += *p == '\n';
                report(l, STEWARD_PROBLEM_ERROR, file, line,
                       _("invalid UTF-8 or a NUL byte, ignoring the file"));
                return;
        }
        text = g_strndup(data, length);
        lines = g_strsplit(text, "\n", -1);
        kf = load_key_file(l, file, lines, placeholders);
        if (!kf)
                return;
        line_index_build(&idx, lines);

        groups = g_key_file_get_groups(kf, NULL);
        for (char **g = groups; *g; g++) {
                GArray *headers = g_hash_table_lookup(idx.headers, *g);
                g_auto(GStrv) keys = NULL;
                gboolean created;
                Section *s;

                if (g_hash_table_contains(placeholders, *g))
                        continue;
                s = loader_section(l, *g, file, headers ? g_array_index(headers, int, 0) : 0, &created);
                /* Within one file a repeated header is a mistake (two
                 * children meant, one name typed twice); across files it is
                 * how a drop-in changes a section. */
                for (guint i = 1; headers && i < headers->len; i++)
                        report(l, STEWARD_PROBLEM_ERROR, file, g_array_index(headers, int, i),
                               _("section [%s] is declared again (first at line %d)"), *g,
                               g_array_index(headers, int, 0));

                keys = g_key_file_get_keys(kf, *g, NULL, NULL);
                for (char **k = keys; keys && *k; k++) {
                        g_autofree char *value = NULL;
                        GArray *at;
                        int line;

                        gboolean seen = FALSE;

                        /* get_keys() lists a repeated key once per line. */
                        for (char **p = keys; p < k && !seen; p++)
                                seen = g_str_equal(*p, *k);
                        if (seen)
                                continue;
                        value = g_key_file_get_value(kf, *g, *k, NULL);
                        if (!value)
                                continue;
                        at = line_index_key_lines(&idx, *g, *k);
                        line = at ? g_array_index(at, int, at->len - 1) : 0;
                        /* GKeyFile keeps the last; say so, since systemd
                         * users expect Environment= lines to add up. */
                        for (guint i = 0; at && i + 1 < at->len; i++)
                                report(l, STEWARD_PROBLEM_WARNING, file, g_array_index(at, int, i),
                                       _("%s= is set again in [%s] at line %d, which wins; ignoring this "
                                         "one"),
                                       *k, *g, line);
                        section_set(s, *k, value, file, line);
                }
        }

        /* GKeyFile hides localized keys (Key[de]=) from get_keys(); steward
         * has none, so each is an unknown key. */
        for (guint i = 0; i < idx.key_order->len; i++) {
                const char *id = g_ptr_array_index(idx.key_order, i);
                const char *key = strchr(id, '\n') + 1;
                g_autofree char *group = g_strndup(id, (size_t) (key - 1 - id));
                GArray *at = g_hash_table_lookup(idx.keys, id);

                if (strchr(key, '[') && !g_hash_table_contains(placeholders, group))
                        report(l, STEWARD_PROBLEM_ERROR, file, g_array_index(at, int, 0),
                               _("unknown key %s= in [%s]"), key, group);
        }
}

/* Reads @path; FALSE if it does not exist. */
static gboolean
loader_add_file(Loader *l, const char *path)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        GStatBuf st;
        gsize length;

        if (g_stat(path, &st) < 0) {
                if (errno == ENOENT)
                        return FALSE;
                report(l, STEWARD_PROBLEM_ERROR, path, 0, _("cannot read the file: %s"), g_strerror(errno));
                g_ptr_array_add(l->files, g_strdup(path));
                return TRUE;
        }
        /* Every resource a config can make the daemon allocate is bounded. */
        if (S_ISREG(st.st_mode) && st.st_size > STEWARD_CONFIG_FILE_MAX) {
                report(l, STEWARD_PROBLEM_ERROR, path, 0,
                       _("the file is larger than %d bytes, refusing to read it"), STEWARD_CONFIG_FILE_MAX);
                g_ptr_array_add(l->files, g_strdup(path));
                return TRUE;
        }
        if (!g_file_get_contents(path, &data, &length, &error)) {
                report(l, STEWARD_PROBLEM_ERROR, path, 0, _("cannot read the file: %s"), error->message);
                g_ptr_array_add(l->files, g_strdup(path));
                return TRUE;
        }
        loader_add_data(l, path, data, length);
        return TRUE;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The *.conf files of DIR in lexical order, as systemd reads drop-ins. A drop-in that
 * is not a regular file (a link to /dev/null, say) masks nothing and is
 * skipped. */
static void
loader_add_dropins(Loader *l, const char *dir)
{
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) d = NULL;
        const char *name;

        d = g_dir_open(dir, 0, &error);
        if (!d) {
                if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT) &&
                    !g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
                        report(l, STEWARD_PROBLEM_ERROR, dir, 0, _("cannot read the directory: %s"),
                               error->message);
                return;
        }
        while ((name = g_dir_read_name(d)))
                if (name[0] != '.' && g_str_has_suffix(name, ".conf"))
                        g_ptr_array_add(names, g_strdup(name));
        g_ptr_array_sort(names, compare_names);
        for (guint i = 0; i < names->len; i++) {
                g_autofree char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);

                if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
                        (void) loader_add_file(l, path);
        }
}

/* ---- building the tree ----------------------------------------------- */

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
        hint = closest(word, section_kinds, G_N_ELEMENTS(section_kinds));
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
        if (l->options->backend == STEWARD_BACKEND_PROCESS)
                for (const char *const *k = (const char *const[]){ "MemoryMax", "TasksMax", NULL }; *k; k++)
                        if ((e = section_entry(s, *k)) && *e->value)
                                warn_at(l, e, _("%s= is ignored by the process backend"), *k);
}

/* Names of every supervisor, for "did you mean". */
static const char **
supervisor_names(const StewardSpec *spec)
{
        const char **names = g_new0(const char *, spec->supervisors->len + 1);

        for (guint i = 0; i < spec->supervisors->len; i++)
                names[i] = ((StewardSupervisorSpec *) g_ptr_array_index(spec->supervisors, i))->name;
        return names;
}

static const char **
child_names(const StewardSpec *spec)
{
        const char **names = g_new0(const char *, spec->children->len + 1);

        for (guint i = 0; i < spec->children->len; i++)
                names[i] = ((StewardChildSpec *) g_ptr_array_index(spec->children, i))->name;
        return names;
}

static void
check_supervisor_ref(Loader *l, const StewardSpec *spec, const Entry *e, const char *key, const char *target)
{
        g_autofree const char **names = NULL;
        const char *hint;

        if (!e || !target || steward_spec_find_supervisor(spec, target))
                return;
        if (steward_spec_find_child(spec, target)) {
                error_at(l, e, _("%s=: '%s' is a child, not a supervisor"), key, target);
                return;
        }
        names = supervisor_names(spec);
        hint = closest(target, names, spec->supervisors->len);
        if (hint)
                error_at(l, e, _("%s=: no supervisor named '%s', did you mean '%s'?"), key, target, hint);
        else
                error_at(l, e, _("%s=: no supervisor named '%s'"), key, target);
}

static const Entry *
entry_of(Loader *l, const char *kind, const char *name, const char *key)
{
        g_autofree char *group = g_strconcat(kind, " ", name, NULL);
        const Section *s = g_hash_table_lookup(l->by_group, group);

        return s ? section_entry(s, key) : NULL;
}

/* Every supervisor must reach the root through Parent=. A cycle is
 * reported once, at its earliest declared member. */
static void
check_cycles(Loader *l, const StewardSpec *spec)
{
        guint n = spec->supervisors->len;

        for (guint i = 1; i < n; i++) {
                StewardSupervisorSpec *start = g_ptr_array_index(spec->supervisors, i);
                StewardSupervisorSpec *cur = start, *earliest = start;
                g_autoptr(GString) path = g_string_new(start->name);
                gboolean cycle = FALSE;

                for (guint steps = 0; steps < n && cur && cur->parent; steps++) {
                        cur = steward_spec_find_supervisor(spec, cur->parent);
                        if (!cur)
                                break;
                        g_string_append_printf(path, " -> %s", cur->name);
                        if (cur == start) {
                                cycle = TRUE;
                                break;
                        }
                        if (cur->origin.order < earliest->origin.order)
                                earliest = cur;
                }
                if (cycle && earliest == start)
                        error_at(l, entry_of(l, "Supervisor", start->name, "Parent"),
                                 _("Parent=: '%s' makes a cycle: %s"), start->parent, path->str);
        }
}

/* A sidecar lives and dies with its primary, so both must be under one
 * supervisor: its strategy restarts and stops them together, and a
 * subtree never reaches into another. A sidecar of a sidecar is refused
 * too: the chain would have no single primary. */
static void
check_sidecar(Loader *l, const StewardSpec *spec, const StewardChildSpec *c)
{
        const Entry *e = entry_of(l, "Child", c->name, "SidecarOf");
        g_autofree const char **names = NULL;
        const StewardChildSpec *primary;
        const char *hint;

        if (!c->sidecar_of || !e)
                return;
        if (c->role != STEWARD_ROLE_SIDECAR) {
                error_at(l, e, _("SidecarOf=: only a Role=sidecar child has one, this child has Role=%s"),
                         steward_role_to_string(c->role));
                return;
        }
        if (g_str_equal(c->sidecar_of, c->name)) {
                error_at(l, e, _("SidecarOf=: '%s' is this child itself"), c->sidecar_of);
                return;
        }
        primary = steward_spec_find_child(spec, c->sidecar_of);
        if (!primary) {
                if (steward_spec_find_supervisor(spec, c->sidecar_of)) {
                        error_at(l, e, _("SidecarOf=: '%s' is a supervisor, not a child"), c->sidecar_of);
                        return;
                }
                names = child_names(spec);
                hint = closest(c->sidecar_of, names, spec->children->len);
                if (hint)
                        error_at(l, e, _("SidecarOf=: no child named '%s', did you mean '%s'?"),
                                 c->sidecar_of, hint);
                else
                        error_at(l, e, _("SidecarOf=: no child named '%s'"), c->sidecar_of);
                return;
        }
        if (primary->role == STEWARD_ROLE_SIDECAR)
                error_at(l, e, _("SidecarOf=: '%s' is a sidecar itself"), c->sidecar_of);
        else if (!g_str_equal(primary->supervisor, c->supervisor))
                error_at(l, e, _("SidecarOf=: '%s' is under supervisor '%s' but this sidecar under '%s'"),
                         c->sidecar_of, primary->supervisor, c->supervisor);
}

static void
check_tree(Loader *l, const StewardSpec *spec)
{
        for (guint i = 1; i < spec->supervisors->len; i++) {
                StewardSupervisorSpec *sup = g_ptr_array_index(spec->supervisors, i);
                check_supervisor_ref(l, spec, entry_of(l, "Supervisor", sup->name, "Parent"), "Parent",
                                     sup->parent);
        }
        check_cycles(l, spec);
        for (guint i = 0; i < spec->children->len; i++) {
                StewardChildSpec *c = g_ptr_array_index(spec->children, i);
                check_supervisor_ref(l, spec, entry_of(l, "Child", c->name, "Supervisor"), "Supervisor",
                                     c->supervisor);
                check_sidecar(l, spec, c);
        }
}

static void
build_spec(Loader *l, StewardSpec *spec)
{
        /* name -> Section* of the supervisor or child that took it first */
        g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
        guint order = 0;

        for (guint i = 0; i < l->sections->len; i++) {
                const Section *s = g_ptr_array_index(l->sections, i);
                const Section *other;
                const char *name = NULL;
                SectionKind kind = section_kind(l, s, &name);
                Entry tmp;

                if (kind == SECTION_MANAGER) {
                        build_manager(l, s, spec);
                        continue;
                }
                if (kind == SECTION_UNKNOWN)
                        continue;
                if (!steward_name_is_valid(name)) {
                        error_at(l, section_header(s, &tmp),
                                 _("[%s]: invalid name '%s' (expected 1 to 64 of A-Z a-z 0-9 _ . -)"),
                                 s->group, name);
                        continue;
                }
                if (kind == SECTION_CHILD && g_str_equal(name, STEWARD_ROOT_SUPERVISOR)) {
                        error_at(l, section_header(s, &tmp),
                                 _("[%s]: the name '%s' belongs to the root supervisor"), s->group, name);
                        continue;
                }
                if ((other = g_hash_table_lookup(names, name))) {
                        error_at(l, section_header(s, &tmp),
                                 _("[%s]: the name '%s' is taken by [%s] at %s:%d"), s->group, name,
                                 other->group, other->file, other->line);
                        continue;
                }
                g_hash_table_insert(names, (gpointer) name, (gpointer) s);
                if (kind == SECTION_SUPERVISOR)
                        build_supervisor(l, s, name, spec, order++);
                else
                        build_child(l, s, name, spec, order++);
        }
        check_tree(l, spec);
}

typedef struct {
        StewardProblem *problem;
        guint file;
        guint seq;
} SortedProblem;

static int
compare_problems(gconstpointer a, gconstpointer b)
{
        const SortedProblem *x = a, *y = b;

        if (x->file != y->file)
                return x->file < y->file ? -1 : 1;
        /* A problem of the whole file (line 0) comes after its lines: it
         * is either alone or the "giving up" after them. */
        if (x->problem->line != y->problem->line)
                return (guint) (x->problem->line - 1) < (guint) (y->problem->line - 1) ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* File order, then line order; stable, so that problems on one line keep
 * the order they were found in. */
static void
sort_problems(Loader *l)
{
        g_autofree SortedProblem *sorted = g_new(SortedProblem, l->problems->len + 1);

        for (guint i = 0; i < l->problems->len; i++) {
                StewardProblem *p = g_ptr_array_index(l->problems, i);
                sorted[i].problem = p;
                sorted[i].seq = i;
                sorted[i].file = G_MAXUINT;
                for (guint f = 0; f < l->files->len; f++)
                        if (g_str_equal(g_ptr_array_index(l->files, f), p->file)) {
                                sorted[i].file = f;
                                break;
                        }
        }
        qsort(sorted, l->problems->len, sizeof(SortedProblem), compare_problems);
        for (guint i = 0; i < l->problems->len; i++)
                l->problems->pdata[i] = sorted[i].problem;
}

static void
loader_init(Loader *l, const StewardConfigOptions *options)
{
        static const StewardConfigOptions defaults = { 0 };

        l->options = options ? options : &defaults;
        l->files = g_ptr_array_new_with_free_func(g_free);
        l->problems = g_ptr_array_new_with_free_func((GDestroyNotify) steward_problem_free);
        l->sections = g_ptr_array_new_with_free_func((GDestroyNotify) section_free);
        l->by_group = g_hash_table_new(g_str_hash, g_str_equal);
}

static void
loader_clear(Loader *l)
{
        g_clear_pointer(&l->files, g_ptr_array_unref);
        g_clear_pointer(&l->problems, g_ptr_array_unref);
        g_clear_pointer(&l->by_group, g_hash_table_unref);
        g_clear_pointer(&l->sections, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Loader, loader_clear)

static StewardSpec *
loader_finish(Loader *l, GPtrArray **problems, GError **error)
{
        g_autoptr(StewardSpec) spec = steward_spec_new();
        guint errors = 0;

        build_spec(l, spec);
        sort_problems(l);
        g_strfreev(spec->files);
        g_ptr_array_add(l->files, NULL);
        spec->files = g_strdupv((char **) l->files->pdata);
        g_ptr_array_set_size(l->files, l->files->len - 1);

        for (guint i = 0; i < l->problems->len; i++)
                errors += ((StewardProblem *) g_ptr_array_index(l->problems, i))->severity ==
                          STEWARD_PROBLEM_ERROR;
        if (problems)
                *problems = g_ptr_array_ref(l->problems);
        if (errors > 0) {
                g_set_error(
                        error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                        ngettext("%u error in the configuration", "%u errors in the configuration", errors),
                        errors);
                return NULL;
        }
        return g_steal_pointer(&spec);
}

/* The main file @path names: itself, or DIR/steward.conf for a directory
 * (or for a path that does not exist and does not look like a file). */
static char *
main_file_of(const char *path)
{
        if (g_file_test(path, G_FILE_TEST_IS_DIR) ||
            (!g_file_test(path, G_FILE_TEST_EXISTS) && !g_str_has_suffix(path, ".conf")))
                return g_build_filename(path, MAIN_FILE, NULL);
        return g_strdup(path);
}

StewardSpec *
steward_config_load(const char *path, const StewardConfigOptions *options, GPtrArray **problems,
                    GError **error)
{
        g_auto(Loader) l = { 0 };
        g_autofree char *main_file = NULL;
        g_autofree char *dropin_dir = NULL;

        g_return_val_if_fail(path, NULL);

        if (problems)
                *problems = NULL;
        loader_init(&l, options);
        main_file = main_file_of(path);
        if (!loader_add_file(&l, main_file)) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND,
                            _("%s: the configuration file does not exist"), main_file);
                if (problems)
                        *problems = g_ptr_array_new_with_free_func((GDestroyNotify) steward_problem_free);
                return NULL;
        }
        dropin_dir = g_strconcat(main_file, ".d", NULL);
        loader_add_dropins(&l, dropin_dir);
        return loader_finish(&l, problems, error);
}

StewardSpec *
steward_config_load_default(const StewardConfigOptions *options, GPtrArray **problems, GError **error)
{
        static const StewardConfigOptions defaults = { 0 };
        g_autofree char *dir = steward_config_default_dir((options ? options : &defaults)->mode);
        g_autoptr(GError) local_error = NULL;
        StewardSpec *spec;

        spec = steward_config_load(dir, options, problems, &local_error);
        if (g_error_matches(local_error, STEWARD_ERROR, STEWARD_ERROR_NOT_FOUND))
                return steward_spec_new();
        if (local_error)
                g_propagate_error(error, g_steal_pointer(&local_error));
        return spec;
}

StewardSpec *
steward_config_load_data(const char *file, const char *data, gssize length,
                         const StewardConfigOptions *options, GPtrArray **problems, GError **error)
{
        g_auto(Loader) l = { 0 };

        g_return_val_if_fail(file, NULL);
        g_return_val_if_fail(data || length == 0, NULL);

        if (problems)
                *problems = NULL;
        loader_init(&l, options);
        loader_add_data(&l, file, data ? data : "", length < 0 ? strlen(data) : (gsize) length);
        return loader_finish(&l, problems, error);
}

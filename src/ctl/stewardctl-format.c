/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-format.c: how stewardctl prints what the bus returns, as text or JSON, and which exit code an
 * error means. */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "steward-names.h"
#include "steward-parse.h"
#include "steward-util.h"
#include "stewardctl-format.h"

#define ANSI_GREEN "\x1B[0;1;32m"
#define ANSI_YELLOW "\x1B[0;1;33m"
#define ANSI_RED "\x1B[0;1;31m"
#define ANSI_NORMAL "\x1B[0m"

int
stewardctl_exit_code_for_error(const GError *error)
{
        g_autofree char *remote = NULL;

        if (!error)
                return STEWARDCTL_EXIT_SUCCESS;
        remote = g_dbus_error_get_remote_error(error);
        if (remote) {
                if (g_str_equal(remote, STEWARD_ERROR_NAME_NO_SUCH_CHILD) ||
                    g_str_equal(remote, STEWARD_ERROR_NAME_NO_SUCH_SUPERVISOR))
                        return STEWARDCTL_EXIT_NO_SUCH;
                if (g_str_equal(remote, DBUS_ERROR_ACCESS_DENIED))
                        return STEWARDCTL_EXIT_ACCESS_DENIED;
                /* The bus itself answers these when nobody owns the name and
                 * it cannot be (or was told not to be) activated. */
                if (g_str_equal(remote, DBUS_ERROR_SERVICE_UNKNOWN) ||
                    g_str_equal(remote, DBUS_ERROR_NAME_HAS_NO_OWNER) ||
                    g_str_has_prefix(remote, DBUS_ERROR_SPAWN_PREFIX))
                        return STEWARDCTL_EXIT_NOT_RUNNING;
                /* The client checks names and reasons before sending, so the
                 * daemon refusing them is still the user's input at fault. */
                if (g_str_equal(remote, DBUS_ERROR_INVALID_ARGS))
                        return STEWARDCTL_EXIT_USAGE;
                return STEWARDCTL_EXIT_FAILURE;
        }
        /* GIO knows the standard bus errors without a remote name once it
         * has mapped them to G_DBUS_ERROR codes. */
        if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
                return STEWARDCTL_EXIT_ACCESS_DENIED;
        if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
            g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
                return STEWARDCTL_EXIT_NOT_RUNNING;
        return STEWARDCTL_EXIT_FAILURE;
}

char *
stewardctl_error_message(const GError *error)
{
        g_autoptr(GError) copy = NULL;

        if (!error)
                return g_strdup(_("unknown error"));
        copy = g_error_copy(error);
        (void) g_dbus_error_strip_remote_error(copy);
        return g_strdup(copy->message);
}

const char *
stewardctl_state_color(const char *state)
{
        static const char *const green[] = { "ready", "running", NULL };
        static const char *const yellow[] = { "starting",   "stopping",  "backoff",
                                              "restarting", "reloading", NULL };
        static const char *const red[] = { "failed", "quarantined", "failing", NULL };

        if (!state)
                return "";
        if (g_strv_contains(green, state))
                return ANSI_GREEN;
        if (g_strv_contains(yellow, state))
                return ANSI_YELLOW;
        if (g_strv_contains(red, state))
                return ANSI_RED;
        return "";
}

/* The units are systemd's own ("1min 30s"), which systemctl does not translate either. */
char *
stewardctl_format_timespan(guint64 usec)
{
        static const struct {
                const char *suffix;
                guint64 usec;
        } units[] = {
                { "d", 24ULL * 3600 * G_USEC_PER_SEC },
                { "h", 3600ULL * G_USEC_PER_SEC },
                { "min", 60ULL * G_USEC_PER_SEC },
                { "s", G_USEC_PER_SEC },
                { "ms", 1000 },
                { "us", 1 },
        };
        g_autoptr(GString) s = g_string_new(NULL);
        guint shown = 0;

        if (usec == 0)
                return g_strdup("0");
        /* Two units are enough to read at a glance, as systemctl does. */
        for (gsize i = 0; i < G_N_ELEMENTS(units) && shown < 2; i++) {
                guint64 n = usec / units[i].usec;

                if (n == 0) {
                        /* Skipping a unit inside the span would misplace the next one. */
                        if (shown > 0)
                                break;
                        continue;
                }
                g_string_append_printf(s, "%s%" G_GUINT64_FORMAT "%s", shown ? " " : "", n, units[i].suffix);
                usec -= n * units[i].usec;
                shown++;
                /* Below a second, a second unit is noise. */
                if (units[i].usec < G_USEC_PER_SEC)
                        break;
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Untranslated: the codes are LastExitCode's values, "status=" and
 * "signal=" what systemctl prints for a unit's main process. */
char *
stewardctl_format_exit(const char *code, gint32 status)
{
        if (!code || !*code)
                return NULL;
        if (g_str_equal(code, "exited"))
                return g_strdup_printf("exited, status=%d", status);
        if (g_str_equal(code, "killed") || g_str_equal(code, "dumped")) {
                const char *name = sigabbrev_np(status);

                if (name)
                        return g_strdup_printf("%s, signal=%s", code, name);
                return g_strdup_printf("%s, signal=%d", code, status);
        }
        /* An adopted main process was reaped by the service manager: its 0 is no status. */
        if (g_str_equal(code, "unknown"))
                return g_strdup("unknown");
        return g_strdup_printf("%s, status=%d", code, status);
}

/* Whether a string can stand after "key=" without quotes. */
static gboolean
is_bare(const char *s)
{
        if (!*s)
                return FALSE;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p == ' ' || *p == '"' || *p == '\\')
                        return FALSE;
        return !steward_text_has_controls(s);
}

/* In double quotes, with C escapes for the ASCII that needs them. */
static char *
quote(const char *s)
{
        g_autofree char *escaped = steward_escape_text(s);

        return g_strdup_printf("\"%s\"", escaped);
}

char *
stewardctl_format_value(GVariant *value)
{
        g_autoptr(GVariant) inner = NULL;

        if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)) {
                inner = g_variant_get_variant(value);
                value = inner;
        }
        if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING) ||
            g_variant_is_of_type(value, G_VARIANT_TYPE_OBJECT_PATH)) {
                const char *s = g_variant_get_string(value, NULL);

                return is_bare(s) ? g_strdup(s) : quote(s);
        }
        if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING_ARRAY)) {
                g_autofree const char **v = g_variant_get_strv(value, NULL);
                g_autofree char *joined = g_strjoinv(",", (char **) v);

                return is_bare(joined) ? g_steal_pointer(&joined) : quote(joined);
        }
        return g_variant_print(value, FALSE);
}

static const char *
lookup_str(GVariant *dict, const char *key)
{
        const char *s = NULL;

        if (dict && g_variant_lookup(dict, key, "&s", &s))
                return s;
        return "";
}

static gboolean
lookup_u64(GVariant *dict, const char *key, guint64 *ret)
{
        return dict && g_variant_lookup(dict, key, "t", ret);
}

static guint32
lookup_u32(GVariant *dict, const char *key)
{
        guint32 u = 0;

        if (dict)
                (void) g_variant_lookup(dict, key, "u", &u);
        return u;
}

static gint32
lookup_i32(GVariant *dict, const char *key)
{
        gint32 i = 0;

        if (dict)
                (void) g_variant_lookup(dict, key, "i", &i);
        return i;
}

static gboolean
lookup_bool(GVariant *dict, const char *key)
{
        gboolean b = FALSE;

        if (dict)
                (void) g_variant_lookup(dict, key, "b", &b);
        return b;
}

static void
append_colored(GString *s, const char *text, const char *color, const StewardctlStyle *style)
{
        if (style->color && *color)
                g_string_append_printf(s, "%s%s%s", color, text, ANSI_NORMAL);
        else
                g_string_append(s, text);
}

char *
stewardctl_format_outcome(const char *subject, GVariant *outcome, gboolean has_generations,
                          const StewardctlStyle *style)
{
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
        const char *decision = lookup_str(outcome, "decision");
        const char *state = lookup_str(outcome, "state");
        const char *command_id = lookup_str(outcome, "command_id");
        guint64 generation, target;
        guint32 merged = lookup_u32(outcome, "merged");

        /* Supervisors and the tree have no generation of their own; the
         * daemon still fills the key, with 0. */
        if (has_generations && lookup_u64(outcome, "generation", &generation)) {
                /* target_generation is 0 when the command brings nothing up. */
                if (lookup_u64(outcome, "target_generation", &target) && target > generation)
                        g_ptr_array_add(parts, g_strdup_printf(_("generation %" PRIu64 " %s %" PRIu64),
                                                               (uint64_t) generation,
                                                               style->utf8 ? "→" : "->", (uint64_t) target));
                else
                        g_ptr_array_add(parts,
                                        g_strdup_printf(_("generation %" PRIu64), (uint64_t) generation));
        }
        if (lookup_bool(outcome, "cancel_delivered"))
                g_ptr_array_add(parts, g_strdup(_("cancel delivered")));
        if (merged > 0)
                g_ptr_array_add(parts, g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u merged", "%u merged",
                                                                   merged),
                                                       merged));
        if (lookup_bool(outcome, "idempotent"))
                g_ptr_array_add(parts, g_strdup(_("nothing changed")));
        /* The state and the decision are the protocol's names, as scripts and
         * the journal's STEWARD_DECISION= know them: untranslated. */
        if (*state)
                g_ptr_array_add(parts, g_strdup_printf(_("state %s"), state));
        if (*command_id)
                g_ptr_array_add(parts, g_strdup_printf(_("command %s"), command_id));
        g_ptr_array_add(parts, NULL);

        g_string_append_printf(s, "%s: %s", subject, *decision ? decision : _("done"));
        if (parts->len > 1) {
                g_autofree char *joined = g_strjoinv(", ", (char **) parts->pdata);

                g_string_append_printf(s, " (%s)", joined);
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

char *
stewardctl_format_reload(GVariant *outcome)
{
        static const struct {
                const char *key, *label;
        } keys[] = {
                { "added", N_("added") },
                { "removed", N_("removed") },
                { "changed", N_("changed") },
        };
        g_autoptr(GString) s = g_string_new(NULL);

        for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
                g_autofree const char **names = NULL;

                if (!outcome || !g_variant_lookup(outcome, keys[i].key, "^a&s", &names) || !names[0])
                        continue;
                g_autofree char *joined = g_strjoinv(" ", (char **) names);
                g_string_append_printf(s, "%s: %s\n", _(keys[i].label), joined);
        }
        if (s->len == 0) {
                g_string_append(s, _("no changes"));
                g_string_append_c(s, '\n');
        }
        /* Callers print lines; the last newline is theirs. */
        g_string_truncate(s, s->len - 1);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static gint
compare_strings(gconstpointer a, gconstpointer b)
{
        return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

/* The keys of an a{sv}, sorted, so lines compare equal run to run. */
static GPtrArray *
sorted_keys(GVariant *dict)
{
        GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
        GVariantIter iter;
        const char *key;

        if (!dict)
                return keys;
        g_variant_iter_init(&iter, dict);
        while (g_variant_iter_next(&iter, "{&sv}", &key, NULL))
                g_ptr_array_add(keys, g_strdup(key));
        g_ptr_array_sort(keys, compare_strings);
        return keys;
}

/* Untranslated: kinds and keys are the Event signal's, for grep as much as for eyes. */
char *
stewardctl_format_event(guint64 sequence, const char *kind, const char *child, guint64 generation,
                        GVariant *fields)
{
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GPtrArray) keys = sorted_keys(fields);

        g_string_append_printf(s, "%" G_GUINT64_FORMAT " %s", sequence, kind);
        if (child && *child)
                g_string_append_printf(s, " child=%s generation=%" G_GUINT64_FORMAT, child, generation);
        for (guint i = 0; i < keys->len; i++) {
                const char *key = g_ptr_array_index(keys, i);
                g_autoptr(GVariant) value = g_variant_lookup_value(fields, key, NULL);
                g_autofree char *text = stewardctl_format_value(value);

                g_string_append_printf(s, " %s=%s", key, text);
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
node_to_string(JsonNode *node, gboolean pretty)
{
        g_autoptr(JsonGenerator) gen = json_generator_new();

        json_generator_set_pretty(gen, pretty);
        json_generator_set_root(gen, node);
        return json_generator_to_data(gen, NULL);
}

char *
stewardctl_variant_to_json(GVariant *value, gboolean pretty)
{
        g_autoptr(JsonNode) node = json_gvariant_serialize(value);

        return node_to_string(node, pretty);
}

char *
stewardctl_event_to_json(guint64 sequence, const char *kind, const char *child, guint64 generation,
                         GVariant *fields)
{
        g_autoptr(JsonBuilder) b = json_builder_new();
        g_autoptr(JsonNode) root = NULL;

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "sequence");
        json_builder_add_int_value(b, (gint64) sequence);
        json_builder_set_member_name(b, "kind");
        json_builder_add_string_value(b, kind);
        json_builder_set_member_name(b, "child");
        json_builder_add_string_value(b, child ? child : "");
        json_builder_set_member_name(b, "generation");
        json_builder_add_int_value(b, (gint64) generation);
        json_builder_set_member_name(b, "fields");
        if (fields)
                json_builder_add_value(b, json_gvariant_serialize(fields));
        else {
                json_builder_begin_object(b);
                json_builder_end_object(b);
        }
        json_builder_end_object(b);
        root = json_builder_get_root(b);
        return node_to_string(root, FALSE);
}

/* Columns padded to their widest cell; the last one is not padded. */
/* @cells, @ncols to a row, in columns as wide as their widest cell, the
 * last one unpadded; no newline after the last row. */
static char *
format_table(const char *const *cells, gsize nrows, guint ncols)
{
        g_autoptr(GString) s = g_string_sized_new(nrows * ncols * 12);
        g_autofree gsize *width = g_new0(gsize, ncols);
        g_autofree gsize *length = g_new(gsize, nrows * ncols);

        /* By characters, not bytes: a translated header may hold umlauts. */
        for (gsize i = 0; i < nrows * ncols; i++) {
                length[i] = g_utf8_strlen(cells[i], -1);
                width[i % ncols] = MAX(width[i % ncols], length[i]);
        }
        for (gsize i = 0; i < nrows * ncols; i++) {
                guint c = i % ncols;

                g_string_append(s, cells[i]);
                if (c + 1 < ncols)
                        for (gsize pad = length[i]; pad <= width[c]; pad++)
                                g_string_append_c(s, ' ');
                else if (i + 1 < nrows * ncols)
                        g_string_append_c(s, '\n');
        }
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A table's cells, the translated header first if @legend: the cells
 * below it are the protocol's names. */
static GPtrArray *
table_new(gsize nrows, gboolean legend, const char *const *headers)
{
        GPtrArray *cells = g_ptr_array_sized_new((nrows + 1) * g_strv_length((char **) headers));

        if (legend)
                for (const char *const *h = headers; *h; h++)
                        g_ptr_array_add(cells, (gpointer) _(*h));
        return cells;
}

char *
stewardctl_format_child_table(const StewardctlRow *rows, gsize n, gboolean legend)
{
        static const char *const headers[] = { N_("NAME"),       N_("SUPERVISOR"), N_("STATE"),
                                               N_("GENERATION"), N_("ATTEMPT"),    NULL };
        g_autoptr(GPtrArray) cells = table_new(n, legend, headers);
        /* The numbers' text, in blocks that do not move as they fill. */
        g_autoptr(GStringChunk) numbers = g_string_chunk_new(MAX(n, 1) * 8);

        for (gsize i = 0; i < n; i++) {
                char number[2][24];

                g_snprintf(number[0], sizeof(number[0]), "%" G_GUINT64_FORMAT, rows[i].generation);
                g_snprintf(number[1], sizeof(number[1]), "%" G_GUINT64_FORMAT, rows[i].attempt);
                g_ptr_array_add(cells, (gpointer) rows[i].name);
                g_ptr_array_add(cells, (gpointer) rows[i].parent);
                g_ptr_array_add(cells, (gpointer) rows[i].state);
                g_ptr_array_add(cells, g_string_chunk_insert(numbers, number[0]));
                g_ptr_array_add(cells, g_string_chunk_insert(numbers, number[1]));
        }
        return format_table((const char *const *) cells->pdata, cells->len / 5, 5);
}

char *
stewardctl_format_supervisor_table(const StewardctlRow *rows, gsize n, gboolean legend)
{
        static const char *const headers[] = { N_("NAME"), N_("PARENT"), N_("STATE"), NULL };
        g_autoptr(GPtrArray) cells = table_new(n, legend, headers);

        for (gsize i = 0; i < n; i++) {
                g_ptr_array_add(cells, (gpointer) rows[i].name);
                g_ptr_array_add(cells, (gpointer) (*rows[i].parent ? rows[i].parent : "-"));
                g_ptr_array_add(cells, (gpointer) rows[i].state);
        }
        return format_table((const char *const *) cells->pdata, cells->len / 3, 3);
}

/* The glyphs of the tree, UTF-8 or ASCII. */
typedef struct {
        const char *branch, *last, *down, *blank, *bullet;
} Glyphs;

static const Glyphs *
glyphs(const StewardctlStyle *style)
{
        static const Glyphs utf8 = { "├─", "└─", "│ ", "  ", "●" };
        static const Glyphs ascii = { "|-", "`-", "| ", "  ", "*" };

        return style->utf8 ? &utf8 : &ascii;
}

/* The labels of a child's details, untranslated; append_detail() translates them. */
static const char *const detail_labels[] = {
        N_("Supervisor"), N_("Generation"),   N_("Main PID"),  N_("Unit"),  N_("Memory"),
        N_("Tasks"),      N_("CPU"),          N_("Processes"), N_("Ready"), N_("Health"),
        N_("Last exit"),  N_("Spawn error"),  N_("Status"),    N_("Error"), N_("Restarts"),
        N_("Budget"),     N_("Next restart"), N_("Fence"),
};

/* The labels are right-aligned, as systemctl status aligns its own, to the
 * widest of them in the language they are shown in: 12 in English. */
static gsize
label_width(void)
{
        static gsize width;

        if (width == 0)
                for (gsize i = 0; i < G_N_ELEMENTS(detail_labels); i++)
                        width = MAX(width, (gsize) g_utf8_strlen(_(detail_labels[i]), -1));
        return width;
}

/* Characters, not bytes: printf's widths count bytes, and a translated label may hold umlauts. */
static void
append_padded(GString *s, const char *text, gsize width)
{
        for (gsize n = g_utf8_strlen(text, -1); n < width; n++)
                g_string_append_c(s, ' ');
        g_string_append(s, text);
}

/* @label: one of detail_labels, untranslated. */
static void
append_detail(GString *s, const char *prefix, const char *label, const char *value)
{
        g_string_append(s, prefix);
        append_padded(s, _(label), label_width());
        g_string_append_printf(s, ": %s\n", value);
}

/* "2 of 5 in 10s, 3 left, next frees in 4s": a restart budget
 * (RestartsInWindow and the rest), NULL while no restart is in its window,
 * so a quiet child shows no budget line. */
static char *
format_budget(GVariant *props, const StewardctlStyle *style)
{
        guint32 used = lookup_u32(props, "RestartsInWindow");
        guint64 interval = 0, expiry = 0;
        g_autofree char *span = NULL;
        g_autofree char *frees = NULL;

        if (used == 0)
                return NULL;
        (void) lookup_u64(props, "RestartLimitIntervalUSec", &interval);
        (void) lookup_u64(props, "RestartWindowExpiryUSec", &expiry);
        span = stewardctl_format_timespan(interval);
        if (expiry > 0) {
                gint64 delta = (gint64) expiry - style->now_usec;
                g_autofree char *in = stewardctl_format_timespan(delta > 0 ? (guint64) delta : 0);

                frees = g_strdup_printf(_(", next frees in %s"), in);
        }
        return g_strdup_printf(_("%u of %u in %s, %u left%s"), used, lookup_u32(props, "RestartLimitBurst"),
                               span, lookup_u32(props, "RestartsRemaining"), frees ? frees : "");
}

/* systemd's "no value": unlimited, or not counted. */
#define SCOPE_UNSET G_MAXUINT64

static char *
format_bytes(guint64 bytes)
{
        return g_format_size_full(bytes, G_FORMAT_SIZE_IEC_UNITS);
}

/* What systemctl status shows of a unit's resources, from the scope's
 * properties stewardctl added as "Resources", and its processes. */
static void
append_scope(GString *s, GVariant *props, const char *prefix)
{
        g_autoptr(GVariant) res = g_variant_lookup_value(props, "Resources", G_VARIANT_TYPE_VARDICT);
        g_autoptr(GVariant) procs = g_variant_lookup_value(props, "Processes", G_VARIANT_TYPE("a(us)"));
        guint64 current, peak, max, high, tasks, tasks_max, cpu;

        if (res && lookup_u64(res, "MemoryCurrent", &current) && current != SCOPE_UNSET) {
                g_autoptr(GString) line = NULL;
                g_autofree char *now = format_bytes(current);
                const char *sep = " (";

                line = g_string_new(now);
                if (lookup_u64(res, "MemoryPeak", &peak) && peak != SCOPE_UNSET) {
                        g_autofree char *v = format_bytes(peak);
                        g_string_append(line, sep);
                        g_string_append_printf(line, _("peak: %s"), v);
                        sep = ", ";
                }
                if (lookup_u64(res, "MemoryHigh", &high) && high != SCOPE_UNSET) {
                        g_autofree char *v = format_bytes(high);
                        g_string_append(line, sep);
                        g_string_append_printf(line, _("high: %s"), v);
                        sep = ", ";
                }
                if (lookup_u64(res, "MemoryMax", &max) && max != SCOPE_UNSET) {
                        g_autofree char *v = format_bytes(max);
                        g_string_append(line, sep);
                        g_string_append_printf(line, _("max: %s"), v);
                        sep = ", ";
                }
                if (!g_str_equal(sep, " ("))
                        g_string_append_c(line, ')');
                append_detail(s, prefix, "Memory", line->str);
        }
        if (res && lookup_u64(res, "TasksCurrent", &tasks) && tasks != SCOPE_UNSET) {
                g_autofree char *line = lookup_u64(res, "TasksMax", &tasks_max) && tasks_max != SCOPE_UNSET
                                                ? g_strdup_printf(_("%" PRIu64 " (limit: %" PRIu64 ")"),
                                                                  (uint64_t) tasks, (uint64_t) tasks_max)
                                                : g_strdup_printf("%" G_GUINT64_FORMAT, tasks);

                append_detail(s, prefix, "Tasks", line);
        }
        if (res && lookup_u64(res, "CPUUsageNSec", &cpu) && cpu != SCOPE_UNSET) {
                g_autofree char *line = stewardctl_format_timespan(cpu / 1000);

                append_detail(s, prefix, "CPU", line);
        }
        if (procs && g_variant_n_children(procs) > 0) {
                GVariantIter iter;
                const char *cmdline;
                guint32 pid;
                gboolean first = TRUE;

                g_variant_iter_init(&iter, procs);
                while (g_variant_iter_next(&iter, "(u&s)", &pid, &cmdline)) {
                        g_autofree char *safe = steward_escape_text(cmdline);
                        g_autofree char *line = g_strdup_printf("%u %s", pid, safe);

                        if (first)
                                append_detail(s, prefix, "Processes", line);
                        else {
                                g_string_append(s, prefix);
                                append_padded(s, "", label_width() + 2);
                                g_string_append_printf(s, "%s\n", line);
                        }
                        first = FALSE;
                }
        }
}

/* The tree's memory column: where each child's header line is in the text,
 * and what goes after it. */
typedef struct {
        gsize start, end; /* the line's first byte, and its '\n' */
        char *memory; /* NULL: nothing to show */
} HeaderLine;

static void
header_line_clear(gpointer data)
{
        HeaderLine *h = data;

        g_free(h->memory);
}

/* How wide text shows on a terminal: characters, without the ANSI colors. */
static gsize
visible_width(const char *text, gsize len)
{
        const char *end = text + len;
        gsize width = 0;

        for (const char *p = text; p < end;) {
                if (*p == '\x1B') {
                        while (p < end && *p != 'm')
                                p++;
                        p++;
                        continue;
                }
                p = g_utf8_next_char(p);
                width++;
        }
        return width;
}

/* Puts each child's memory after its header line, in one column right of
 * the widest header, so that no name is cut however deep the tree. The
 * text is copied once with the cells in place: an insertion per line
 * would move the rest of the text each time, quadratic in the tree. */
static void
insert_memory_column(GString *s, GArray *headers)
{
        g_autoptr(GString) out = NULL;
        gsize width = 0, memory_width = 0, copied = 0;

        for (guint i = 0; i < headers->len; i++) {
                HeaderLine *h = &g_array_index(headers, HeaderLine, i);

                width = MAX(width, visible_width(s->str + h->start, h->end - h->start));
                if (h->memory)
                        memory_width = MAX(memory_width, (gsize) g_utf8_strlen(h->memory, -1));
        }
        if (memory_width == 0)
                return;
        out = g_string_sized_new(s->len + headers->len * (memory_width + 2));
        for (guint i = 0; i < headers->len; i++) {
                HeaderLine *h = &g_array_index(headers, HeaderLine, i);

                if (!h->memory)
                        continue;
                g_string_append_len(out, s->str + copied, (gssize) (h->end - copied));
                copied = h->end;
                append_padded(out, "", width - visible_width(s->str + h->start, h->end - h->start) + 2);
                append_padded(out, h->memory, memory_width);
        }
        g_string_append_len(out, s->str + copied, (gssize) (s->len - copied));
        g_string_assign(s, out->str);
}

/* A child's header line (without prefix) and its detail lines, each after
 * prefix. @headers (NULL: no memory column) gets the header line, with
 * @memory_bytes (NULL: unknown). */
static void
append_child(GString *s, GVariant *props, const guint64 *uptime_usec, const guint64 *memory_bytes,
             GArray *headers, const char *head_prefix, const char *prefix, const StewardctlStyle *style)
{
        const char *state = lookup_str(props, "State");
        const char *role = lookup_str(props, "Role");
        const char *unit = lookup_str(props, "Unit");
        const char *status_text = lookup_str(props, "StatusText");
        const char *spawn_error = lookup_str(props, "LastSpawnError");
        const char *fence = lookup_str(props, "FenceState");
        const char *health = lookup_str(props, "Health");
        guint64 generation = 0, attempt = 0, next = 0;
        guint32 pid = lookup_u32(props, "MainPID");
        g_autofree char *exit = stewardctl_format_exit(lookup_str(props, "LastExitCode"),
                                                       lookup_i32(props, "LastExitStatus"));
        g_autofree char *line = NULL;
        gsize line_start;

        (void) lookup_u64(props, "Generation", &generation);
        (void) lookup_u64(props, "Attempt", &attempt);
        (void) lookup_u64(props, "NextRestartUSec", &next);

        /* The role and the state are the protocol's names: untranslated, as
         * systemctl leaves "active (running)" alone. */
        line_start = s->len;
        g_string_append(s, head_prefix);
        append_colored(s, glyphs(style)->bullet, stewardctl_state_color(state), style);
        g_string_append_printf(s, " %s", lookup_str(props, "Name"));
        if (*role)
                g_string_append_printf(s, " (%s)", role);
        g_string_append(s, ": ");
        append_colored(s, *state ? state : "unknown", stewardctl_state_color(state), style);
        if (headers) {
                HeaderLine h = {
                        .start = line_start,
                        .end = s->len,
                        .memory = memory_bytes ? format_bytes(*memory_bytes) : NULL,
                };

                g_array_append_val(headers, h);
        }
        g_string_append_c(s, '\n');

        line = g_strdup_printf(_("%" PRIu64 ", attempt %" PRIu64), (uint64_t) generation,
                               (uint64_t) attempt);
        append_detail(s, prefix, "Generation", line);
        if (pid > 0) {
                g_autofree char *up = uptime_usec ? stewardctl_format_timespan(*uptime_usec) : NULL;
                g_autofree char *pid_line =
                        up ? g_strdup_printf(_("%u, up %s"), pid, up) : g_strdup_printf("%u", pid);

                append_detail(s, prefix, "Main PID", pid_line);
        }
        if (*unit)
                append_detail(s, prefix, "Unit", unit);
        append_scope(s, props, prefix);
        append_detail(s, prefix, "Ready", lookup_bool(props, "Ready") ? _("yes") : _("no"));
        /* Only for a child with checks that is up: "" says there is nothing
         * to judge. The value, like the fence's, is the property's. */
        if (*health)
                append_detail(s, prefix, "Health", health);
        if (exit) {
                const char *cause = lookup_str(props, "LastExitCause");

                /* What the kernel said ended it, where its status alone does not. */
                if (*cause) {
                        g_autofree char *with_cause = g_strdup_printf("%s, cause=%s", exit, cause);
                        append_detail(s, prefix, "Last exit", with_cause);
                } else
                        append_detail(s, prefix, "Last exit", exit);
        }
        /* The last spawn failed: nothing of it ran, so it is not the last exit. */
        if (*spawn_error)
                append_detail(s, prefix, "Spawn error", spawn_error);
        if (*status_text) {
                g_autofree char *quoted = quote(status_text);

                append_detail(s, prefix, "Status", quoted);
        }
        if (lookup_i32(props, "StatusErrno") > 0) {
                int errnum = lookup_i32(props, "StatusErrno");
                g_autofree char *err = g_strdup_printf("%d (%s)", errnum, g_strerror(errnum));

                append_detail(s, prefix, "Error", err);
        }
        {
                g_autofree char *restarts = g_strdup_printf("%u", lookup_u32(props, "RestartCount"));

                g_autofree char *budget = format_budget(props, style);

                append_detail(s, prefix, "Restarts", restarts);
                if (budget)
                        append_detail(s, prefix, "Budget", budget);
        }
        if (next > 0) {
                gint64 delta = (gint64) next - style->now_usec;
                g_autofree char *span = stewardctl_format_timespan(delta > 0 ? (guint64) delta : 0);
                g_autofree char *when =
                        delta > 0 ? g_strdup_printf(_("in %s"), span) : g_strdup(_("due now"));

                append_detail(s, prefix, "Next restart", when);
        }
        if (*fence && !g_str_equal(fence, "idle"))
                append_detail(s, prefix, "Fence", fence);
}

char *
stewardctl_format_child(GVariant *props, const guint64 *uptime_usec, const StewardctlStyle *style)
{
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GString) supervisor = g_string_new(NULL);
        g_autofree const char **logs = NULL;

        append_detail(supervisor, "  ", "Supervisor", lookup_str(props, "Supervisor"));
        append_child(s, props, uptime_usec, NULL, NULL, "", "  ", style);
        /* The supervisor goes right under the header, as systemctl puts Loaded: there. */
        {
                const char *nl = strchr(s->str, '\n');

                g_string_insert(s, nl - s->str + 1, supervisor->str);
        }
        /* Its last journal lines, after a blank line, as systemctl status. */
        if (g_variant_lookup(props, "Logs", "^a&s", &logs) && logs[0]) {
                g_string_append_c(s, '\n');
                for (const char **l = logs; *l; l++)
                        g_string_append_printf(s, "%s\n", *l);
        }
        g_string_truncate(s, s->len - 1);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
append_supervisor(GString *s, const StewardctlStatus *status, GArray *headers, GVariant *sup,
                  const char *head_prefix, const char *prefix, const StewardctlStyle *style)
{
        const Glyphs *g = glyphs(style);
        const char *name = lookup_str(sup, "Name");
        const char *state = lookup_str(sup, "State");
        const char *escalation = lookup_str(sup, "Escalation");
        guint32 restarts = lookup_u32(sup, "RestartCount");
        g_autoptr(GPtrArray) members = g_ptr_array_new();
        g_autoptr(GPtrArray) subs = g_ptr_array_new();

        for (guint i = 0; i < status->children->len; i++) {
                GVariant *c = g_ptr_array_index(status->children, i);

                if (g_str_equal(lookup_str(c, "Supervisor"), name))
                        g_ptr_array_add(members, c);
        }
        for (guint i = 0; i < status->supervisors->len; i++) {
                GVariant *c = g_ptr_array_index(status->supervisors, i);

                if (g_str_equal(lookup_str(c, "Parent"), name))
                        g_ptr_array_add(subs, c);
        }

        g_string_append(s, head_prefix);
        append_colored(s, g->bullet, stewardctl_state_color(state), style);
        g_string_append_printf(s, " %s [%s", name, lookup_str(sup, "Strategy"));
        /* The strategy and the escalation are the config's values. */
        if (*escalation) {
                g_string_append(s, ", ");
                g_string_append_printf(s, _("escalation %s"), escalation);
        }
        if (restarts > 0) {
                g_string_append(s, ", ");
                g_string_append_printf(
                        s, g_dngettext(GETTEXT_PACKAGE, "%u restart", "%u restarts", restarts), restarts);
        }
        {
                g_autofree char *budget = format_budget(sup, style);

                if (budget) {
                        g_string_append(s, ", ");
                        g_string_append_printf(s, _("budget %s"), budget);
                }
        }
        g_string_append(s, "]: ");
        append_colored(s, *state ? state : "unknown", stewardctl_state_color(state), style);
        g_string_append_c(s, '\n');

        /* Children first, in declaration order, then nested supervisors: the
         * bus does not say how the two interleave in the file. */
        for (guint i = 0; i < members->len + subs->len; i++) {
                gboolean last = i + 1 == members->len + subs->len;
                g_autofree char *head = g_strconcat(prefix, last ? g->last : g->branch, NULL);
                g_autofree char *next = g_strconcat(prefix, last ? g->blank : g->down, NULL);

                if (i < members->len) {
                        GVariant *c = g_ptr_array_index(members, i);
                        g_autofree char *detail = g_strconcat(next, "  ", NULL);
                        const guint64 *up =
                                status->uptimes ? g_hash_table_lookup(status->uptimes, lookup_str(c, "Name"))
                                                : NULL;

                        const guint64 *memory =
                                status->memory ? g_hash_table_lookup(status->memory, lookup_str(c, "Name"))
                                               : NULL;

                        append_child(s, c, up, memory, headers, head, detail, style);
                } else {
                        append_supervisor(s, status, headers, g_ptr_array_index(subs, i - members->len),
                                          head, next, style);
                }
        }
}

/* Whether the supervisor's parent is among those shown: tops are drawn at the left margin. */
static gboolean
has_parent_in(GPtrArray *supervisors, GVariant *sup)
{
        const char *parent = lookup_str(sup, "Parent");

        for (guint i = 0; *parent && i < supervisors->len; i++)
                if (g_str_equal(lookup_str(g_ptr_array_index(supervisors, i), "Name"), parent))
                        return TRUE;
        return FALSE;
}

char *
stewardctl_format_status_tree(const StewardctlStatus *status, const StewardctlStyle *style)
{
        g_autoptr(GString) s = g_string_new(NULL);
        g_autoptr(GArray) headers = g_array_new(FALSE, FALSE, sizeof(HeaderLine));

        g_array_set_clear_func(headers, header_line_clear);
        if (status->manager) {
                const char *state = lookup_str(status->manager, "State");
                g_autofree const char **files = NULL;
                guint32 count = lookup_u32(status->manager, "ChildCount");

                /* The mode, backend and state are the properties' values. */
                g_string_append_printf(
                        s, _("stewardd %s (%s mode, %s backend): "), lookup_str(status->manager, "Version"),
                        lookup_str(status->manager, "Mode"), lookup_str(status->manager, "Backend"));
                append_colored(s, *state ? state : "unknown", stewardctl_state_color(state), style);
                g_string_append(s, ", ");
                g_string_append_printf(s, g_dngettext(GETTEXT_PACKAGE, "%u child", "%u children", count),
                                       count);
                g_string_append_c(s, '\n');
                if (g_variant_lookup(status->manager, "ConfigFiles", "^a&s", &files) && files[0]) {
                        g_autofree char *joined = g_strjoinv(" ", (char **) files);

                        g_string_append_printf(s, _("Config: %s\n"), joined);
                }
                g_string_append_c(s, '\n');
        }
        for (guint i = 0; i < status->supervisors->len; i++) {
                GVariant *sup = g_ptr_array_index(status->supervisors, i);

                if (!has_parent_in(status->supervisors, sup))
                        append_supervisor(s, status, headers, sup, "", "", style);
        }
        insert_memory_column(s, headers);
        if (s->len > 0 && s->str[s->len - 1] == '\n')
                g_string_truncate(s, s->len - 1);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- events read back from the journal ------------------------------------ */

void
stewardctl_event_clear(StewardctlEvent *ev)
{
        g_clear_pointer(&ev->kind, g_free);
        g_clear_pointer(&ev->child, g_free);
        g_clear_pointer(&ev->fields, g_variant_unref);
        g_clear_pointer(&ev->invocation, g_free);
}

/* The Event signal's fields and their types (steward_bus_emit_event()); the
 * journal has each as STEWARD_ and the name in capitals. Journal fields not
 * listed are not the signal's (STEWARD_BACKEND, STEWARD_JOURNAL_LOST). */
static const struct {
        const char *name;
        char type;
} signal_fields[] = {
        { "supervisor", 's' }, { "attempt", 't' },     { "unit", 's' },
        { "main_pid", 'u' },   { "command_id", 's' },  { "reason", 's' },
        { "decision", 's' },   { "exit_code", 's' },   { "exit_status", 'i' },
        { "exit_cause", 's' }, { "actor_uid", 'u' },   { "actor_pid", 'u' },
        { "actor_comm", 's' }, { "error", 's' },       { "target_generation", 't' },
        { "delay_usec", 't' }, { "status_text", 's' }, { "signal", 'i' },
        { "merged", 'u' },     { "suppressed", 't' },
};

static GVariant *
field_value(char type, const char *text)
{
        guint64 u;
        gint64 i;

        switch (type) {
        case 't':
        case 'u':
                if (!g_ascii_string_to_unsigned(text, 10, 0, type == 't' ? G_MAXUINT64 : G_MAXUINT32, &u,
                                                NULL))
                        return NULL;
                return type == 't' ? g_variant_new_uint64(u) : g_variant_new_uint32((guint32) u);
        case 'i':
                if (!g_ascii_string_to_signed(text, 10, G_MININT32, G_MAXINT32, &i, NULL))
                        return NULL;
                return g_variant_new_int32((gint32) i);
        default: {
                /* The journal takes any bytes; the bus only UTF-8. */
                g_autofree char *valid = g_utf8_make_valid(text, -1);
                return g_variant_new_string(valid);
        }
        }
}

gboolean
stewardctl_event_from_journal(const char *const *data, const gsize *lengths, gsize n, StewardctlEvent *ret)
{
        g_auto(StewardctlEvent) ev = { 0 };
        g_autoptr(GVariantBuilder) fields = g_variant_builder_new(G_VARIANT_TYPE("a{sv}"));
        gboolean have_sequence = FALSE;

        for (gsize i = 0; i < n; i++) {
                g_autofree char *entry = g_strndup(data[i], lengths[i]);
                char *eq = strchr(entry, '=');
                const char *key, *value;

                if (!eq || !g_str_has_prefix(entry, "STEWARD_"))
                        continue;
                *eq = '\0';
                key = entry + strlen("STEWARD_");
                value = eq + 1;
                if (g_str_equal(key, "EVENT"))
                        g_free(ev.kind), ev.kind = g_utf8_make_valid(value, -1);
                else if (g_str_equal(key, "SEQUENCE"))
                        have_sequence =
                                g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &ev.sequence, NULL);
                else if (g_str_equal(key, "CHILD"))
                        g_free(ev.child), ev.child = g_utf8_make_valid(value, -1);
                else if (g_str_equal(key, "GENERATION"))
                        (void) g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &ev.generation, NULL);
                else if (g_str_equal(key, "INVOCATION_ID"))
                        g_free(ev.invocation), ev.invocation = g_strdup(value);
                else {
                        g_autofree char *name = g_ascii_strdown(key, -1);

                        for (guint f = 0; f < G_N_ELEMENTS(signal_fields); f++) {
                                GVariant *v;

                                if (!g_str_equal(name, signal_fields[f].name))
                                        continue;
                                if ((v = field_value(signal_fields[f].type, value)))
                                        g_variant_builder_add(fields, "{sv}", name, v);
                                break;
                        }
                }
        }
        if (!ev.kind || !have_sequence)
                return FALSE;
        if (!ev.child)
                ev.child = g_strdup("");
        if (!ev.invocation)
                ev.invocation = g_strdup("");
        ev.fields = g_variant_ref_sink(g_variant_builder_end(fields));
        *ret = ev;
        ev = (StewardctlEvent){ 0 };
        return TRUE;
}

gboolean
stewardctl_parse_timestamp(const char *s, gint64 now_usec, guint64 *ret_usec)
{
        g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(now_usec / G_USEC_PER_SEC);
        g_autoptr(GDateTime) t = NULL;
        g_autoptr(GTimeZone) local = g_time_zone_new_local();
        guint64 span, secs;
        int y, mo, d, h = 0, mi = 0, sec = 0;
        char tail;

        if (!now)
                return FALSE;
        if (g_str_equal(s, "now")) {
                *ret_usec = (guint64) now_usec;
                return TRUE;
        }
        if (g_str_equal(s, "today") || g_str_equal(s, "yesterday")) {
                t = g_date_time_new(local, g_date_time_get_year(now), g_date_time_get_month(now),
                                    g_date_time_get_day_of_month(now), 0, 0, 0);
                if (t && g_str_equal(s, "yesterday")) {
                        GDateTime *before = g_date_time_add_days(t, -1);
                        g_date_time_unref(t);
                        t = before;
                }
        } else if (s[0] == '-') {
                if (!steward_parse_time_span(s + 1, &span) || span > (guint64) now_usec)
                        return FALSE;
                *ret_usec = (guint64) now_usec - span;
                return TRUE;
        } else if (s[0] == '@') {
                if (!g_ascii_string_to_unsigned(s + 1, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &secs, NULL))
                        return FALSE;
                *ret_usec = secs * G_USEC_PER_SEC;
                return TRUE;
        } else if (sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail) == 6 ||
                   (sec = 0, sscanf(s, "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) == 5) ||
                   (h = mi = 0, sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3))
                t = g_date_time_new(local, y, mo, d, h, mi, sec);
        if (!t)
                return FALSE;
        *ret_usec = (guint64) g_date_time_to_unix(t) * G_USEC_PER_SEC;
        return TRUE;
}

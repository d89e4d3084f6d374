/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-metrics.c: stewardctl metrics, the tree's properties as Prometheus text exposition.
 *
 * The output is the text exposition format 0.0.4, not OpenMetrics: it is
 * what node_exporter's textfile collector parses and `promtool check
 * metrics` lints, and the two differ exactly where a counter is named
 * (OpenMetrics types the family without _total, 0.0.4 with it). The names
 * keep to the conventions both share: base units, counters in _total.
 *
 * HELP texts stay English whatever the locale: they are part of the data a
 * monitoring system stores, not messages to whoever runs the command. */
#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "stewardctl-metrics.h"

/* One family of samples, one per object, read from one property: u, t, i
 * or b (1 for true); usec: a t in µs, written in seconds. */
typedef struct {
        const char *name;
        const char *type;
        const char *help;
        const char *property;
        gboolean usec;
} Family;

static const Family child_families[] = {
        { "steward_child_generation", "gauge",
          "The generation of the child's current (or last) incarnation.", "Generation", FALSE },
        { "steward_child_ready", "gauge",
          "1 while the child's incarnation is up (and said READY=1, for Type=notify).", "Ready", FALSE },
        { "steward_child_restarts_total", "counter", "Automatic restarts of the child.", "RestartCount",
          FALSE },
        { "steward_child_restart_budget_limit", "gauge",
          "Restarts the child's budget allows within its period (RestartIntensity=).", "RestartLimitBurst",
          FALSE },
        { "steward_child_restart_budget_used", "gauge",
          "Restarts the child's budget counts within its period (RestartPeriodSec=).", "RestartsInWindow",
          FALSE },
        { "steward_child_restart_budget_remaining", "gauge",
          "Restarts the child's budget still allows; 0: the next one gives it up.", "RestartsRemaining",
          FALSE },
        { "steward_child_fence_waits_total", "counter",
          "Restarts of the child that waited behind its generation fence, since stewardd started.",
          "FenceWaits", FALSE },
        { "steward_child_fence_wait_seconds_total", "counter",
          "Time restarts of the child waited behind its generation fence, since stewardd started.",
          "FenceWaitUSec", TRUE },
};

static const Family supervisor_families[] = {
        { "steward_supervisor_restarts_total", "counter",
          "Restarts counted against the supervisor's intensity.", "RestartCount", FALSE },
        { "steward_supervisor_restart_budget_limit", "gauge",
          "Restarts the supervisor's intensity allows within its period.", "RestartLimitBurst", FALSE },
        { "steward_supervisor_restart_budget_used", "gauge",
          "Restarts the supervisor's intensity counts within its period.", "RestartsInWindow", FALSE },
        { "steward_supervisor_restart_budget_remaining", "gauge",
          "Restarts the supervisor's intensity still allows; 0: the next one escalates.",
          "RestartsRemaining", FALSE },
};

static const Family manager_families[] = {
        { "steward_children", "gauge", "Children in the tree.", "ChildCount", FALSE },
        { "steward_events_total", "counter", "Events stewardd recorded since it started.", "EventsTotal",
          FALSE },
        { "steward_notify_messages_dropped_total", "counter",
          "sd_notify messages stewardd dropped since it started: malformed, or from no live incarnation.",
          "NotifyMessagesDropped", FALSE },
        { "steward_journal_entries_lost_total", "counter",
          "Journal entries stewardd could not write since it started.", "JournalEntriesLost", FALSE },
        { "steward_bus_calls_denied_total", "counter",
          "Calls to manage the tree stewardd refused (AccessDenied, LimitsExceeded) since it started.",
          "CallsDenied", FALSE },
};

/* The states org.steward.Supervisor1(5) documents: each object has one
 * series per state, 1 for the one it is in (a state set), so that a state
 * that is left shows 0 rather than vanishing. */
static const char *const child_states[] = {
        "starting", "running", "ready",     "stopping",    "backoff", "stopped",
        "failed",   "paused",  "reloading", "quarantined", NULL,
};
static const char *const supervisor_states[] = {
        "stopped", "starting", "running", "restarting", "failing", "stopping", "quarantined", NULL,
};
static const char *const tree_states[] = { "starting", "running", "stopping", "stopped", NULL };

char *
stewardctl_metrics_escape_label(const char *value)
{
        GString *s = g_string_sized_new(strlen(value));

        for (const char *p = value; *p; p++)
                if (*p == '\\')
                        g_string_append(s, "\\\\");
                else if (*p == '"')
                        g_string_append(s, "\\\"");
                else if (*p == '\n')
                        g_string_append(s, "\\n");
                else
                        g_string_append_c(s, *p);
        return g_string_free(s, FALSE);
}

/* KEY="value" for a label set; @value escaped. */
static void
append_label(GString *labels, const char *key, const char *value)
{
        g_autofree char *escaped = stewardctl_metrics_escape_label(value);

        g_string_append_printf(labels, "%s%s=\"%s\"", labels->len ? "," : "", key, escaped);
}

static const char *
lookup_string(GVariant *props, const char *property)
{
        const char *s = "";

        (void) g_variant_lookup(props, property, "&s", &s);
        return s;
}

/* The property as a sample value; FALSE when it is missing or of a type no
 * number is read from. */
static gboolean
sample_value(GVariant *props, const Family *f, GString *out)
{
        g_autoptr(GVariant) v = g_variant_lookup_value(props, f->property, NULL);

        if (!v)
                return FALSE;
        if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64) && f->usec) {
                guint64 usec = g_variant_get_uint64(v);

                /* Exact, without going through a double. */
                g_string_append_printf(out, "%" PRIu64 ".%06" PRIu64, usec / G_USEC_PER_SEC,
                                       usec % G_USEC_PER_SEC);
        } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64))
                g_string_append_printf(out, "%" PRIu64, (uint64_t) g_variant_get_uint64(v));
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
                g_string_append_printf(out, "%" PRIu32, (uint32_t) g_variant_get_uint32(v));
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
                g_string_append_printf(out, "%" PRId32, (int32_t) g_variant_get_int32(v));
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN))
                g_string_append(out, g_variant_get_boolean(v) ? "1" : "0");
        else
                return FALSE;
        return TRUE;
}

static void
append_header(GString *out, const char *name, const char *type, const char *help)
{
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family's samples, one per object with the property; nothing at all
 * when none has it. */
static void
append_family(GString *out, const Family *f, GVariant *const *objects, char *const *labels, guint n)
{
        g_autoptr(GString) samples = g_string_new(NULL);

        for (guint i = 0; i < n; i++) {
                gsize mark = samples->len;

                g_string_append_printf(samples, "%s%s%s%s ", f->name, *labels[i] ? "{" : "", labels[i],
                                       *labels[i] ? "}" : "");
                if (!sample_value(objects[i], f, samples)) {
                        g_string_truncate(samples, mark);
                        continue;
                }
                g_string_append_c(samples, '\n');
        }
        if (samples->len == 0)
                return;
        append_header(out, f->name, f->type, f->help);
        g_string_append(out, samples->str);
}

/* A state set: one series per known state, and one for a state this
 * stewardctl does not know yet (a newer stewardd), so nothing is hidden. */
static void
append_state_set(GString *out, const char *name, const char *help, const char *const *states,
                 GVariant *const *objects, char *const *labels, guint n)
{
        if (n == 0)
                return;
        append_header(out, name, "gauge", help);
        for (guint i = 0; i < n; i++) {
                const char *state = lookup_string(objects[i], "State");
                const char *sep = *labels[i] ? "," : "";

                for (const char *const *s = states; *s; s++)
                        g_string_append_printf(out, "%s{%s%sstate=\"%s\"} %d\n", name, labels[i], sep, *s,
                                               g_str_equal(*s, state));
                if (*state && !g_strv_contains(states, state)) {
                        g_autofree char *escaped = stewardctl_metrics_escape_label(state);

                        g_string_append_printf(out, "%s{%s%sstate=\"%s\"} 1\n", name, labels[i], sep,
                                               escaped);
                }
        }
}

/* How the last incarnation's main process ended: its status (or signal),
 * labelled with how (exited, killed, dumped, unknown); none before any. */
static void
append_last_exit(GString *out, GVariant *const *children, char *const *labels, guint n)
{
        static const char name[] = "steward_child_last_exit_status";
        g_autoptr(GString) samples = g_string_new(NULL);

        for (guint i = 0; i < n; i++) {
                const char *code = lookup_string(children[i], "LastExitCode");
                g_autofree char *escaped = NULL;
                gint32 status = 0;

                if (!*code || !g_variant_lookup(children[i], "LastExitStatus", "i", &status))
                        continue;
                escaped = stewardctl_metrics_escape_label(code);
                g_string_append_printf(samples, "%s{%s,code=\"%s\"} %" PRId32 "\n", name, labels[i], escaped,
                                       status);
        }
        if (samples->len == 0)
                return;
        append_header(out, name, "gauge",
                      "Exit status (or signal) of the last incarnation's main process; code: how it ended.");
        g_string_append(out, samples->str);
}

static GPtrArray *
labels_new(void)
{
        return g_ptr_array_new_with_free_func(g_free);
}

char *
stewardctl_metrics_render(GVariant *manager, GPtrArray *supervisors, GPtrArray *children)
{
        g_autoptr(GString) out = g_string_new(NULL);
        g_autoptr(GPtrArray) child_labels = labels_new();
        g_autoptr(GPtrArray) sup_labels = labels_new();
        g_autoptr(GString) build = g_string_new(NULL);
        char *no_labels[] = { (char *) "" };

        for (guint i = 0; i < children->len; i++) {
                GVariant *c = g_ptr_array_index(children, i);
                GString *l = g_string_new(NULL);

                append_label(l, "child", lookup_string(c, "Name"));
                append_label(l, "supervisor", lookup_string(c, "Supervisor"));
                g_ptr_array_add(child_labels, g_string_free(l, FALSE));
        }
        for (guint i = 0; i < supervisors->len; i++) {
                GVariant *s = g_ptr_array_index(supervisors, i);
                GString *l = g_string_new(NULL);

                append_label(l, "supervisor", lookup_string(s, "Name"));
                g_ptr_array_add(sup_labels, g_string_free(l, FALSE));
        }

        append_label(build, "version", lookup_string(manager, "Version"));
        append_label(build, "mode", lookup_string(manager, "Mode"));
        append_label(build, "backend", lookup_string(manager, "Backend"));
        append_header(out, "steward_build_info", "gauge", "stewardd's version, mode and backend; always 1.");
        g_string_append_printf(out, "steward_build_info{%s} 1\n", build->str);
        append_state_set(out, "steward_tree_state", "1 for the state the tree is in.", tree_states, &manager,
                         no_labels, 1);
        for (gsize i = 0; i < G_N_ELEMENTS(manager_families); i++)
                append_family(out, &manager_families[i], &manager, no_labels, 1);

        append_state_set(out, "steward_supervisor_state", "1 for the state the supervisor is in.",
                         supervisor_states, (GVariant *const *) supervisors->pdata,
                         (char *const *) sup_labels->pdata, supervisors->len);
        for (gsize i = 0; i < G_N_ELEMENTS(supervisor_families); i++)
                append_family(out, &supervisor_families[i], (GVariant *const *) supervisors->pdata,
                              (char *const *) sup_labels->pdata, supervisors->len);

        append_state_set(out, "steward_child_state", "1 for the state the child is in.", child_states,
                         (GVariant *const *) children->pdata, (char *const *) child_labels->pdata,
                         children->len);
        for (gsize i = 0; i < G_N_ELEMENTS(child_families); i++)
                append_family(out, &child_families[i], (GVariant *const *) children->pdata,
                              (char *const *) child_labels->pdata, children->len);
        append_last_exit(out, (GVariant *const *) children->pdata, (char *const *) child_labels->pdata,
                         children->len);
        return g_string_free(g_steal_pointer(&out), FALSE);
}

gboolean
stewardctl_metrics_write_file(const char *path, const char *text, GError **error)
{
        GError *local = NULL;

        /* A temporary file beside @path, renamed over it: node_exporter
         * never reads half a file. */
        if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local)) {
                g_propagate_prefixed_error(error, local, _("Cannot write the metrics: "));
                return FALSE;
        }
        return TRUE;
}

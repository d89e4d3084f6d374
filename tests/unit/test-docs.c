/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-docs.c: the man pages in man/ and ARCHITECTURE.md against what the code accepts: config keys,
 * bus members, options, commands, event kinds, exit code names. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "steward-bus.h"
#include "steward-config.h"
#include "steward-names.h"
#include "steward-test.h"

/* stewardd and stewardctl, from meson: their --help is what the pages
 * must cover. */
static const char *stewardd_path, *stewardctl_path;

static char *
read_source(const char *relpath)
{
        const char *srcdir = g_getenv("STEWARD_SOURCE_DIR");
        g_autofree char *path = NULL;
        g_autoptr(GError) error = NULL;
        char *text = NULL;

        ck_assert_msg(srcdir, "STEWARD_SOURCE_DIR is not set");
        path = g_build_filename(srcdir, relpath, NULL);
        ck_assert_msg(g_file_get_contents(path, &text, NULL, &error), "%s: %s", path,
                      error ? error->message : "");
        return text;
}

/* The lines of the scdoc section "# @heading" of @page, up to the next
 * top-level heading; NULL if the page has no such section. */
static char **
page_section(const char *page, const char *heading)
{
        g_auto(GStrv) lines = g_strsplit(page, "\n", -1);
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        g_autofree char *header = g_strconcat("# ", heading, NULL);
        gboolean inside = FALSE, found = FALSE;

        for (char **l = lines; *l; l++) {
                if (g_str_has_prefix(*l, "# ")) {
                        inside = g_str_equal(*l, header);
                        found |= inside;
                        continue;
                }
                if (inside)
                        g_strv_builder_add(b, *l);
        }
        return found ? g_strv_builder_end(b) : NULL;
}

/* A term of a definition list: a line at column 0 that starts with '*'. */
static gboolean
is_term(const char *line)
{
        return line[0] == '*';
}

/* The index of the term line equal to @term (or, with @prefix, starting
 * with it) in @lines, -1 if there is none. */
static int
find_term(char **lines, const char *term, gboolean prefix)
{
        for (int i = 0; lines[i]; i++)
                if (is_term(lines[i]) &&
                    (prefix ? g_str_has_prefix(lines[i], term) : g_str_equal(lines[i], term)))
                        return i;
        return -1;
}

/* The text of the definition that starts at @lines[@i]: up to the next
 * term or heading. */
static char *
definition_at(char **lines, int i)
{
        g_autoptr(GString) s = g_string_new(lines[i]);

        for (int j = i + 1; lines[j] && !is_term(lines[j]) && lines[j][0] != '#'; j++)
                g_string_append_printf(s, "\n%s", lines[j]);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- steward.conf(5) ------------------------------------------------------ */

static const struct {
        const char *kind; /* as steward_config_list_keys() names it */
        const char *heading; /* in steward.conf.5.scd */
} conf_sections[] = {
        { "Manager", "[MANAGER] SECTION" },
        { "Supervisor", "[SUPERVISOR] SECTION" },
        { "Child", "[CHILD] SECTION" },
};

/* Every key the loader accepts has an entry "*Key=*" in the section of
 * its kind, and the entry gives the default. */
START_TEST(test_conf_documents_every_key)
{
        g_autofree char *page = read_source("man/steward.conf.5.scd");
        guint total = 0;

        for (gsize s = 0; s < G_N_ELEMENTS(conf_sections); s++) {
                g_auto(GStrv) keys = steward_config_list_keys(conf_sections[s].kind);
                g_auto(GStrv) lines = page_section(page, conf_sections[s].heading);

                ck_assert_msg(keys && keys[0], "the loader lists no keys for [%s]", conf_sections[s].kind);
                ck_assert_msg(lines, "steward.conf.5.scd has no section '# %s'", conf_sections[s].heading);
                for (char **k = keys; *k; k++) {
                        g_autofree char *term = g_strdup_printf("*%s=*", *k);
                        g_autofree char *entry = NULL;
                        int at = find_term(lines, term, FALSE);

                        ck_assert_msg(at >= 0, "steward.conf.5.scd: %s= of [%s] is not documented in '# %s'",
                                      *k, conf_sections[s].kind, conf_sections[s].heading);
                        entry = definition_at(lines, at);
                        ck_assert_msg(strstr(entry, "Default"),
                                      "steward.conf.5.scd: %s= of [%s] has no default", *k,
                                      conf_sections[s].kind);
                        ck_assert_msg(strstr(entry, "Example"),
                                      "steward.conf.5.scd: %s= of [%s] has no example", *k,
                                      conf_sections[s].kind);
                        total++;
                }
        }
        /* The tables cannot have shrunk to nothing unnoticed. */
        ck_assert_uint_ge(total, 30);
}
END_TEST

/* Every "*Key=*" entry names a key the loader accepts in that section:
 * the page documents nothing that would be refused. */
START_TEST(test_conf_documents_no_other_key)
{
        g_autofree char *page = read_source("man/steward.conf.5.scd");

        for (gsize s = 0; s < G_N_ELEMENTS(conf_sections); s++) {
                g_auto(GStrv) keys = steward_config_list_keys(conf_sections[s].kind);
                g_auto(GStrv) lines = page_section(page, conf_sections[s].heading);

                ck_assert_ptr_nonnull(lines);
                for (char **l = lines; *l; l++) {
                        gsize n = strlen(*l);
                        g_autofree char *key = NULL;

                        if (!is_term(*l) || n < 4 || !g_str_has_suffix(*l, "=*"))
                                continue;
                        key = g_strndup(*l + 1, n - 3);
                        ck_assert_msg(
                                g_strv_contains((const char *const *) keys, key),
                                "steward.conf.5.scd documents %s= in '# %s', which the loader refuses there",
                                key, conf_sections[s].heading);
                }
        }
}
END_TEST

/* ---- org.steward.Supervisor1(5) ------------------------------------------- */

/* "(_s_ name, _s_ reason) → _a{sv}_ outcome", as the page writes a
 * method's or signal's arguments. */
static char *
format_args(GDBusArgInfo **in, GDBusArgInfo **out)
{
        g_autoptr(GString) s = g_string_new("(");

        for (GDBusArgInfo **a = in; a && *a; a++)
                g_string_append_printf(s, "%s_%s_ %s", a == in ? "" : ", ", (*a)->signature, (*a)->name);
        g_string_append_c(s, ')');
        for (GDBusArgInfo **a = out; a && *a; a++)
                g_string_append_printf(s, "%s_%s_ %s", a == out ? " → " : ", ", (*a)->signature, (*a)->name);
        return g_string_free(g_steal_pointer(&s), FALSE);
}

static GDBusNodeInfo *
load_interface_xml(void)
{
        g_autofree char *xml = read_source("dbus/" STEWARD_BUS_NAME ".xml");
        g_autoptr(GError) error = NULL;
        GDBusNodeInfo *node = g_dbus_node_info_new_for_xml(xml, &error);

        ck_assert_msg(node, "dbus/%s.xml: %s", STEWARD_BUS_NAME, error ? error->message : "");
        ck_assert_msg(node->interfaces && node->interfaces[0], "the interface XML declares no interface");
        return node;
}

/* Every method, signal and property of every interface in the XML has an
 * entry in the page's section of that interface, with the XML's exact
 * signature: "*Name*(args) → out", "*Signal*(args)", "*Property* _type_". */
START_TEST(test_bus_documents_every_member)
{
        g_autoptr(GDBusNodeInfo) node = load_interface_xml();
        g_autofree char *page = read_source("man/" STEWARD_BUS_NAME ".5.scd");
        guint total = 0;

        for (GDBusInterfaceInfo **i = node->interfaces; *i; i++) {
                g_autofree char *heading = g_strconcat("INTERFACE ", (*i)->name, NULL);
                g_auto(GStrv) lines = page_section(page, heading);

                ck_assert_msg(lines, "%s.5.scd has no section '# %s'", STEWARD_BUS_NAME, heading);
                for (GDBusMethodInfo **m = (*i)->methods; m && *m; m++) {
                        g_autofree char *args = format_args((*m)->in_args, (*m)->out_args);
                        g_autofree char *term = g_strdup_printf("*%s*%s", (*m)->name, args);

                        ck_assert_msg(find_term(lines, term, FALSE) >= 0,
                                      "%s.5.scd: method %s.%s is not documented as '%s' in '# %s'",
                                      STEWARD_BUS_NAME, (*i)->name, (*m)->name, term, heading);
                        total++;
                }
                for (GDBusSignalInfo **s = (*i)->signals; s && *s; s++) {
                        g_autofree char *args = format_args((*s)->args, NULL);
                        g_autofree char *term = g_strdup_printf("*%s*%s", (*s)->name, args);

                        ck_assert_msg(find_term(lines, term, FALSE) >= 0,
                                      "%s.5.scd: signal %s.%s is not documented as '%s' in '# %s'",
                                      STEWARD_BUS_NAME, (*i)->name, (*s)->name, term, heading);
                        total++;
                }
                for (GDBusPropertyInfo **p = (*i)->properties; p && *p; p++) {
                        g_autofree char *term = g_strdup_printf("*%s* _%s_", (*p)->name, (*p)->signature);

                        ck_assert_msg(find_term(lines, term, FALSE) >= 0,
                                      "%s.5.scd: property %s.%s is not documented as '%s' in '# %s'",
                                      STEWARD_BUS_NAME, (*i)->name, (*p)->name, term, heading);
                        total++;
                }
        }
        ck_assert_uint_ge(total, 40);
}
END_TEST

static gboolean
interface_has_member(GDBusInterfaceInfo *iface, const char *name)
{
        return g_dbus_interface_info_lookup_method(iface, name) ||
               g_dbus_interface_info_lookup_signal(iface, name) ||
               g_dbus_interface_info_lookup_property(iface, name);
}

/* Every member entry of an interface section is a member of that
 * interface in the XML: nothing stale is documented. */
START_TEST(test_bus_documents_no_other_member)
{
        g_autoptr(GDBusNodeInfo) node = load_interface_xml();
        g_autofree char *page = read_source("man/" STEWARD_BUS_NAME ".5.scd");

        for (GDBusInterfaceInfo **i = node->interfaces; *i; i++) {
                g_autofree char *heading = g_strconcat("INTERFACE ", (*i)->name, NULL);
                g_auto(GStrv) lines = page_section(page, heading);

                ck_assert_ptr_nonnull(lines);
                for (char **l = lines; *l; l++) {
                        const char *end;
                        g_autofree char *name = NULL;

                        if (!is_term(*l) || !(end = strchr(*l + 1, '*')) || (end[1] != '(' && end[1] != ' '))
                                continue;
                        name = g_strndup(*l + 1, (gsize) (end - *l - 1));
                        ck_assert_msg(interface_has_member(*i, name),
                                      "%s.5.scd documents %s in '# %s', which the XML does not declare",
                                      STEWARD_BUS_NAME, name, heading);
                }
        }
}
END_TEST

/* Every error stewardd registers in its D-Bus error domain is listed. */
START_TEST(test_bus_documents_every_error)
{
        g_autofree char *page = read_source("man/" STEWARD_BUS_NAME ".5.scd");
        g_auto(GStrv) lines = page_section(page, "ERRORS");
        guint n = 0;

        ck_assert_msg(lines, "%s.5.scd has no section '# ERRORS'", STEWARD_BUS_NAME);
        (void) STEWARD_ERROR; /* registers the domain */
        for (int code = 0; code < _STEWARD_ERROR_MAX; code++) {
                g_autoptr(GError) error = g_error_new_literal(STEWARD_ERROR, code, "");
                g_autoptr(GError) sent = steward_error_to_dbus(error);
                g_autofree char *name = g_dbus_error_encode_gerror(sent);
                g_autofree char *term = NULL;

                /* INVALID_ARGS and ACCESS_DENIED go out as the bus's own. */
                if (!g_str_has_prefix(name, STEWARD_ERROR_PREFIX)) {
                        ck_assert_msg(g_str_has_prefix(name, "org.freedesktop.DBus.Error."), "%s", name);
                        continue;
                }
                term = g_strdup_printf("*%s*", name);
                ck_assert_msg(find_term(lines, term, FALSE) >= 0,
                              "%s.5.scd: error %s is not listed in '# ERRORS'", STEWARD_BUS_NAME, name);
                n++;
        }
        ck_assert_uint_ge(n, 4);
}
END_TEST

/* ---- docs/ARCHITECTURE.md, exit codes --------------------------------------- */

/* The lines of the Markdown section "## @heading" of @text, up to the next
 * heading of that level or above; NULL if there is none. */
static char **
markdown_section(const char *text, const char *heading)
{
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        g_autofree char *header = g_strconcat("## ", heading, NULL);
        gboolean inside = FALSE, found = FALSE;

        for (char **l = lines; *l; l++) {
                if (g_str_has_prefix(*l, "# ") || g_str_has_prefix(*l, "## ")) {
                        inside = g_str_equal(*l, header);
                        found |= inside;
                        continue;
                }
                if (inside)
                        g_strv_builder_add(b, *l);
        }
        return found ? g_strv_builder_end(b) : NULL;
}

/* The event table of ARCHITECTURE.md's "Events" lists every kind of the
 * kind table once, and nothing else: a new kind cannot go undocumented.
 * A row's first cell names one kind or more, each in backquotes. */
START_TEST(test_architecture_lists_every_event)
{
        g_autofree char *doc = read_source("docs/ARCHITECTURE.md");
        g_auto(GStrv) lines = markdown_section(doc, "Events");
        guint count[_STEWARD_EVENT_KIND_MAX] = { 0 };

        ck_assert_msg(lines, "ARCHITECTURE.md has no section '## Events'");
        for (char **l = lines; *l; l++) {
                const char *cell, *end;

                if (!g_str_has_prefix(*l, "| `"))
                        continue;
                cell = *l + 1;
                end = strchr(cell, '|');
                ck_assert_msg(end, "ARCHITECTURE.md: a row of one cell: %s", *l);
                for (const char *q = strchr(cell, '`'); q && q < end; q = strchr(q + 1, '`')) {
                        const char *close = strchr(q + 1, '`');
                        g_autofree char *name = NULL;
                        StewardEventKind kind;

                        ck_assert_msg(close && close < end, "ARCHITECTURE.md: unpaired '`' in %s", *l);
                        name = g_strndup(q + 1, (gsize) (close - q - 1));
                        ck_assert_msg(steward_event_kind_from_string(name, &kind),
                                      "ARCHITECTURE.md lists '%s' under Events, which is no event kind",
                                      name);
                        count[kind]++;
                        q = close;
                }
        }
        for (guint k = 0; k < _STEWARD_EVENT_KIND_MAX; k++)
                ck_assert_msg(count[k] == 1,
                              "ARCHITECTURE.md: event %s is listed %u times under Events, expected once",
                              steward_event_kind_to_string(k), count[k]);
}
END_TEST

/* Every name LastExitCode can take is explained where the property is
 * documented: the page's entry and the interface XML's comment. */
START_TEST(test_exit_code_names_documented)
{
        g_autofree char *page = read_source("man/" STEWARD_BUS_NAME ".5.scd");
        g_autofree char *xml = read_source("dbus/" STEWARD_BUS_NAME ".xml");
        g_auto(GStrv) lines = page_section(page, "INTERFACE " STEWARD_CHILD_INTERFACE);
        g_autofree char *entry = NULL;
        g_autofree char *comment = NULL;
        const char *start, *property;
        int at, n = 0;

        ck_assert_msg(lines, "%s.5.scd has no section for %s", STEWARD_BUS_NAME, STEWARD_CHILD_INTERFACE);
        at = find_term(lines, "*LastExitCode* _s_", FALSE);
        ck_assert_msg(at >= 0, "%s.5.scd does not document LastExitCode", STEWARD_BUS_NAME);
        entry = definition_at(lines, at);

        property = strstr(xml, "<property name=\"LastExitCode\"");
        start = strstr(xml, "LastExitCode:");
        ck_assert_msg(property && start && start < property, "the XML has no comment on LastExitCode");
        comment = g_strndup(start, (gsize) (property - start));

        /* The codes after NONE, up to the first without a name (past the
         * last, steward_exit_code_to_string() says ""). */
        for (int c = STEWARD_EXIT_CODE_NONE + 1; *steward_exit_code_to_string((StewardExitCode) c); c++) {
                const char *name = steward_exit_code_to_string((StewardExitCode) c);
                g_autofree char *term = g_strdup_printf("*%s*", name);

                n++;
                ck_assert_msg(strstr(entry, term), "%s.5.scd: LastExitCode does not name %s",
                              STEWARD_BUS_NAME, term);
                ck_assert_msg(strstr(comment, name), "%s.xml: LastExitCode does not name %s",
                              STEWARD_BUS_NAME, name);
        }
        ck_assert_int_ge(n, 4);
}
END_TEST

/* ---- stewardd(8), stewardctl(1) ------------------------------------------- */

static char *
help_of(const char *program)
{
        const char *argv[] = { program, "--help", NULL };
        g_autoptr(GError) error = NULL;
        char *out = NULL;
        int status = 0;

        ck_assert_msg(program, "the path of the program is not passed to the test");
        ck_assert_msg(g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                                   NULL, &status, &error),
                      "%s --help: %s", program, error ? error->message : "");
        ck_assert_msg(g_spawn_check_wait_status(status, NULL), "%s --help failed", program);
        return out;
}

/* The long options --help lists: "  -v, --verbose   ..." and
 * "  --config=PATH   ...". */
static GPtrArray *
long_options(const char *help)
{
        g_auto(GStrv) lines = g_strsplit(help, "\n", -1);
        GPtrArray *opts = g_ptr_array_new_with_free_func(g_free);

        for (char **l = lines; *l; l++) {
                const char *p = *l, *dash;
                gsize n;

                while (*p == ' ')
                        p++;
                if (p == *l || *p != '-' || !(dash = strstr(p, "--")))
                        continue;
                n = strspn(dash + 2, "abcdefghijklmnopqrstuvwxyz-");
                if (n > 0)
                        g_ptr_array_add(opts, g_strndup(dash, n + 2));
        }
        return opts;
}

/* Every option in @program's --help has a term in the page's OPTIONS. */
static void
check_options(const char *program, const char *page_path)
{
        g_autofree char *help = help_of(program);
        g_autofree char *page = read_source(page_path);
        g_auto(GStrv) lines = page_section(page, "OPTIONS");
        g_autoptr(GPtrArray) opts = long_options(help);

        ck_assert_msg(lines, "%s has no section '# OPTIONS'", page_path);
        ck_assert_uint_ge(opts->len, 3);
        for (guint i = 0; i < opts->len; i++) {
                const char *opt = g_ptr_array_index(opts, i);
                g_autofree char *bare = g_strdup_printf("*%s*", opt);
                g_autofree char *with_value = g_strdup_printf("*%s=", opt);
                gboolean found = FALSE;

                /* "--help-all" and the like are GLib's, not ours. */
                if (g_str_has_prefix(opt, "--help-"))
                        continue;
                for (char **l = lines; *l && !found; l++)
                        found = is_term(*l) && (strstr(*l, bare) || strstr(*l, with_value));
                ck_assert_msg(found, "%s: option %s of %s --help is not documented in '# OPTIONS'",
                              page_path, opt, program);
        }
}

START_TEST(test_stewardd_documents_every_option)
{
        check_options(stewardd_path, "man/stewardd.8.scd");
}
END_TEST

START_TEST(test_stewardctl_documents_every_option)
{
        check_options(stewardctl_path, "man/stewardctl.1.scd");
}
END_TEST

/* Every command under "Commands:" in stewardctl --help has a term in the
 * page's COMMANDS. */
START_TEST(test_stewardctl_documents_every_command)
{
        g_autofree char *help = help_of(stewardctl_path);
        g_autofree char *page = read_source("man/stewardctl.1.scd");
        g_auto(GStrv) lines = page_section(page, "COMMANDS");
        g_auto(GStrv) help_lines = g_strsplit(help, "\n", -1);
        gboolean inside = FALSE;
        guint n = 0;

        ck_assert_msg(lines, "stewardctl.1.scd has no section '# COMMANDS'");
        for (char **l = help_lines; *l; l++) {
                g_autofree char *command = NULL;
                g_autofree char *term = NULL;
                const char *p = *l;

                if (g_str_equal(*l, "Commands:")) {
                        inside = TRUE;
                        continue;
                }
                if (!inside)
                        continue;
                if (!g_str_has_prefix(*l, "  "))
                        break;
                while (*p == ' ')
                        p++;
                command = g_strndup(p, strcspn(p, " "));
                term = g_strdup_printf("*%s*", command);
                ck_assert_msg(find_term(lines, term, TRUE) >= 0,
                              "stewardctl.1.scd: command '%s' of stewardctl --help is not documented in '# "
                              "COMMANDS'",
                              command);
                n++;
        }
        ck_assert_uint_ge(n, 10);
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("docs");
        TCase *tc = tcase_create("docs");

        tcase_add_test(tc, test_conf_documents_every_key);
        tcase_add_test(tc, test_conf_documents_no_other_key);
        tcase_add_test(tc, test_bus_documents_every_member);
        tcase_add_test(tc, test_bus_documents_no_other_member);
        tcase_add_test(tc, test_bus_documents_every_error);
        tcase_add_test(tc, test_architecture_lists_every_event);
        tcase_add_test(tc, test_exit_code_names_documented);
        tcase_add_test(tc, test_stewardd_documents_every_option);
        tcase_add_test(tc, test_stewardctl_documents_every_option);
        tcase_add_test(tc, test_stewardctl_documents_every_command);
        suite_add_tcase(s, tc);
        return s;
}

int
main(int argc, char **argv)
{
        SRunner *sr;
        int failed;

        /* meson passes the programs whose --help the pages must cover. */
        stewardd_path = argc > 1 ? argv[1] : NULL;
        stewardctl_path = argc > 2 ? argv[2] : NULL;
        sr = srunner_create(make_suite());
        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_SILENT);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

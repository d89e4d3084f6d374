/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-catalog.c: the journal catalogs in units/ and the MESSAGE texts against the event kinds. */
#include "config.h"

#include <systemd/sd-id128.h>

#include "steward-journal-fields.h"
#include "steward-log.h"
#include "steward-test.h"

/* Every field a catalog text may substitute as @FIELD@: a misspelt one
 * would print its own name under journalctl -x. */
static const char *const known_fields[] = {
        STEWARD_FIELD_EVENT,
        STEWARD_FIELD_SEQUENCE,
        STEWARD_FIELD_CHILD,
        STEWARD_FIELD_SUPERVISOR,
        STEWARD_FIELD_GENERATION,
        STEWARD_FIELD_ATTEMPT,
        STEWARD_FIELD_UNIT,
        STEWARD_FIELD_MAIN_PID,
        STEWARD_FIELD_COMMAND_ID,
        STEWARD_FIELD_REASON,
        STEWARD_FIELD_DECISION,
        STEWARD_FIELD_EXIT_CODE,
        STEWARD_FIELD_EXIT_STATUS,
        STEWARD_FIELD_ACTOR_UID,
        STEWARD_FIELD_ACTOR_PID,
        STEWARD_FIELD_ACTOR_COMM,
        STEWARD_FIELD_ERROR,
        STEWARD_FIELD_TARGET_GENERATION,
        STEWARD_FIELD_DELAY_USEC,
        STEWARD_FIELD_STATUS_TEXT,
        STEWARD_FIELD_SIGNAL,
        STEWARD_FIELD_MERGED,
        STEWARD_FIELD_BACKEND,
        STEWARD_FIELD_INVOCATION_ID,
        NULL,
};

typedef struct {
        char *id;
        char *lang; /* NULL: the default language */
        GHashTable *headers; /* "Subject" -> value */
        char *body;
        guint line;
        char *label; /* the "# kind" comment just above the entry line, NULL if none */
} Entry;

static void
entry_free(Entry *e)
{
        if (!e)
                return;
        g_free(e->id);
        g_free(e->lang);
        g_clear_pointer(&e->headers, g_hash_table_unref);
        g_free(e->body);
        g_free(e->label);
        g_free(e);
}

/* Reads a catalog the way systemd's catalog_import_file() does: '#' lines
 * are comments, an entry starts with "-- ID [LANG]" after an empty line,
 * "Key: value" headers run to the first empty line, the body follows. */
static GPtrArray *
catalog_parse(const char *name)
{
        const char *srcdir = g_getenv("STEWARD_SOURCE_DIR");
        g_autofree char *path = NULL;
        g_autofree char *text = NULL;
        g_autoptr(GError) error = NULL;
        g_auto(GStrv) lines = NULL;
        g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func((GDestroyNotify) entry_free);
        GString *body = NULL;
        Entry *cur = NULL;
        gboolean in_headers = FALSE, after_empty = TRUE;

        ck_assert_msg(srcdir, "STEWARD_SOURCE_DIR is not set");
        path = g_build_filename(srcdir, "units", name, NULL);
        ck_assert_msg(g_file_get_contents(path, &text, NULL, &error), "%s", error ? error->message : "");
        ck_assert_msg(g_utf8_validate(text, -1, NULL), "%s is not UTF-8", name);
        lines = g_strsplit(text, "\n", -1);

        for (guint n = 0; lines[n]; n++) {
                const char *l = lines[n];

                if (*l == '#')
                        continue;
                if (g_str_has_prefix(l, "-- ")) {
                        g_auto(GStrv) words = g_strsplit(l + 3, " ", -1);

                        ck_assert_msg(after_empty, "%s:%u: an entry must follow an empty line", name, n + 1);
                        ck_assert_msg(g_strv_length(words) == 1 || g_strv_length(words) == 2,
                                      "%s:%u: bad entry line '%s'", name, n + 1, l);
                        if (cur)
                                cur->body = g_string_free(g_steal_pointer(&body), FALSE);
                        cur = g_new0(Entry, 1);
                        cur->id = g_strdup(words[0]);
                        cur->lang = g_strdup(words[1]);
                        cur->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                        cur->line = n + 1;
                        if (n > 0 && g_str_has_prefix(lines[n - 1], "# "))
                                cur->label = g_strdup(lines[n - 1] + 2);
                        g_ptr_array_add(entries, cur);
                        body = g_string_new(NULL);
                        in_headers = TRUE;
                        after_empty = FALSE;
                        continue;
                }
                after_empty = *l == '\0';
                if (!cur) {
                        ck_assert_msg(*l == '\0', "%s:%u: text outside an entry", name, n + 1);
                        continue;
                }
                if (in_headers) {
                        const char *colon = strstr(l, ": ");

                        if (*l == '\0') {
                                in_headers = FALSE;
                                continue;
                        }
                        ck_assert_msg(colon, "%s:%u: header without 'Key: value'", name, n + 1);
                        ck_assert_msg(g_hash_table_insert(cur->headers, g_strndup(l, colon - l),
                                                          g_strdup(colon + 2)),
                                      "%s:%u: repeated header", name, n + 1);
                        continue;
                }
                g_string_append_printf(body, "%s\n", l);
        }
        if (cur)
                cur->body = g_string_free(g_steal_pointer(&body), FALSE);
        return g_steal_pointer(&entries);
}

static gboolean
kind_of_id(const char *id, StewardEventKind *ret)
{
        for (guint k = 0; k < _STEWARD_EVENT_KIND_MAX; k++)
                if (g_str_equal(steward_event_kind_message_id(k), id)) {
                        *ret = (StewardEventKind) k;
                        return TRUE;
                }
        return FALSE;
}

/* The same check as journalctl's: 32 hex digits, which sd_id128 reads back
 * to the same string (so lower case, no dashes). */
static void
assert_id_valid(const char *where, const char *id)
{
        sd_id128_t parsed;
        char back[SD_ID128_STRING_MAX];

        ck_assert_msg(strlen(id) == 32, "%s: '%s' is not 32 hex digits", where, id);
        ck_assert_msg(sd_id128_from_string(id, &parsed) >= 0, "%s: '%s' is not a 128-bit id", where, id);
        ck_assert_msg(!sd_id128_is_null(parsed), "%s: the null id", where);
        ck_assert_str_eq(sd_id128_to_string(parsed, back), id);
}

START_TEST(test_code_ids)
{
        g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

        /* Every kind has its own valid id: the daemon sends
         * steward_event_kind_message_id(kind) for each event. */
        for (guint k = 0; k < _STEWARD_EVENT_KIND_MAX; k++) {
                const char *id = steward_event_kind_message_id(k);

                ck_assert_msg(id, "kind %s has no MESSAGE_ID", steward_event_kind_to_string(k));
                assert_id_valid(steward_event_kind_to_string(k), id);
                ck_assert_msg(g_hash_table_add(seen, (gpointer) id), "%s shares its MESSAGE_ID %s",
                              steward_event_kind_to_string(k), id);
        }
}
END_TEST

/* Every @FIELD@ in text is one stewardd writes. */
static void
check_substitutions(const char *where, const char *text)
{
        for (const char *at = strchr(text, '@'); at; at = strchr(at + 1, '@')) {
                const char *end = strchr(at + 1, '@');
                g_autofree char *field = NULL;

                ck_assert_msg(end, "%s: unpaired '@'", where);
                field = g_strndup(at + 1, end - at - 1);
                ck_assert_msg(g_strv_contains(known_fields, field), "%s: @%s@ is no steward field", where,
                              field);
                at = end;
        }
}

/* Both ways: each kind once in the catalog, nothing in it that no kind sends. */
static void
check_catalog(const char *name)
{
        g_autoptr(GPtrArray) entries = catalog_parse(name);
        guint count[_STEWARD_EVENT_KIND_MAX] = { 0 };

        for (guint i = 0; i < entries->len; i++) {
                Entry *e = g_ptr_array_index(entries, i);
                g_autofree char *where = g_strdup_printf("%s:%u", name, e->line);
                StewardEventKind kind;

                assert_id_valid(where, e->id);
                ck_assert_msg(kind_of_id(e->id, &kind), "%s: %s is the MESSAGE_ID of no event kind", where,
                              e->id);
                count[kind]++;
                /* A copied entry whose id was not changed would explain the wrong kind. */
                ck_assert_msg(e->label, "%s: no '# KIND' comment above the entry", where);
                ck_assert_msg(g_str_equal(e->label, steward_event_kind_to_string(kind)),
                              "%s: the entry is labelled '%s' but %s is the MESSAGE_ID of %s", where,
                              e->label, e->id, steward_event_kind_to_string(kind));
                /* The language comes from the file name (steward.LANG.catalog);
                 * journalctl warns about a header that repeats it. */
                ck_assert_msg(!e->lang, "%s: language '%s' in the entry line", where, e->lang);

                for (const char *const *h = (const char *const[]){ "Subject", "Defined-By", "Support",
                                                                   "Documentation", NULL };
                     *h; h++) {
                        const char *v = g_hash_table_lookup(e->headers, *h);
                        ck_assert_msg(v && *v, "%s: no %s: header", where, *h);
                }
                ck_assert_str_eq(g_hash_table_lookup(e->headers, "Defined-By"), "steward");
                ck_assert_msg(strstr(g_hash_table_lookup(e->headers, "Documentation"), "man:stewardd(8)"),
                              "%s: Documentation: does not name man:stewardd(8)", where);
                ck_assert_msg(strlen(g_strstrip(e->body)) > 40, "%s: no text to speak of", where);

                check_substitutions(where, g_hash_table_lookup(e->headers, "Subject"));
                check_substitutions(where, e->body);
        }
        for (guint k = 0; k < _STEWARD_EVENT_KIND_MAX; k++)
                ck_assert_msg(count[k] == 1, "%s: %s (%s) has %u entries, expected one", name,
                              steward_event_kind_to_string(k), steward_event_kind_message_id(k), count[k]);
}

START_TEST(test_catalog_matches_kinds)
{
        check_catalog("steward.catalog");
}
END_TEST

START_TEST(test_german_catalog_matches_kinds)
{
        check_catalog("steward.de.catalog");
}
END_TEST

static Entry *
find_entry(GPtrArray *entries, const char *id)
{
        for (guint i = 0; i < entries->len; i++) {
                Entry *e = g_ptr_array_index(entries, i);

                if (g_str_equal(e->id, id))
                        return e;
        }
        return NULL;
}

/* The German entries are translations, not the English text copied over
 * to make the count right. */
START_TEST(test_german_catalog_is_translated)
{
        g_autoptr(GPtrArray) en = catalog_parse("steward.catalog");
        g_autoptr(GPtrArray) de = catalog_parse("steward.de.catalog");

        for (guint k = 0; k < _STEWARD_EVENT_KIND_MAX; k++) {
                const char *id = steward_event_kind_message_id(k);
                Entry *e = find_entry(en, id), *d = find_entry(de, id);

                ck_assert_ptr_nonnull(e);
                ck_assert_ptr_nonnull(d);
                ck_assert_msg(!g_str_equal(g_hash_table_lookup(e->headers, "Subject"),
                                           g_hash_table_lookup(d->headers, "Subject")),
                              "steward.de.catalog: the Subject of %s is the English one",
                              steward_event_kind_to_string(k));
                ck_assert_msg(!g_str_equal(e->body, d->body),
                              "steward.de.catalog: the text of %s is the English one",
                              steward_event_kind_to_string(k));
        }
}
END_TEST

/* Every kind has a MESSAGE of its own: a kind missing from
 * steward_event_format_message() would be logged as its bare name. */
START_TEST(test_every_kind_has_a_message)
{
        for (guint k = 0; k < _STEWARD_EVENT_KIND_MAX; k++) {
                StewardEvent ev = { .kind = (StewardEventKind) k };
                g_autofree char *message = steward_event_format_message(&ev);

                ck_assert_msg(message && *message, "%s has no message", steward_event_kind_to_string(k));
                ck_assert_msg(!g_str_equal(message, steward_event_kind_to_string(k)),
                              "%s has no message of its own in steward_event_format_message()",
                              steward_event_kind_to_string(k));
        }
}
END_TEST

static Suite *
make_suite(void)
{
        Suite *s = suite_create("catalog");
        TCase *tc = tcase_create("catalog");

        tcase_add_test(tc, test_code_ids);
        tcase_add_test(tc, test_catalog_matches_kinds);
        tcase_add_test(tc, test_german_catalog_matches_kinds);
        tcase_add_test(tc, test_german_catalog_is_translated);
        tcase_add_test(tc, test_every_kind_has_a_message);
        suite_add_tcase(s, tc);
        return s;
}

STEWARD_TEST_MAIN(make_suite)

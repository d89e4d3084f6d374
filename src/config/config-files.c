/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-files.c: reads steward.conf and its drop-ins with GKeyFile into sections merged key by key,
 * and finds the line of every header and key for FILE:LINE. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-private.h"
#include "steward-util.h"

/* A bad file is reported this many syntax errors deep, then given up on:
 * each costs a few re-parses of the file. */
#define MAX_SYNTAX_ERRORS 20

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

void
config_section_free(Section *s)
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
                        config_report(l, STEWARD_PROBLEM_ERROR, file, 0,
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
                        config_report(l, STEWARD_PROBLEM_ERROR, file, 0, _("cannot parse the file"));
                        return NULL;
                }
                bad = g_strstrip(g_strdup(lines[lo - 1]));
                if (g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
                        config_report(l, STEWARD_PROBLEM_ERROR, file, (int) lo,
                                      _("'%s' comes before the first [Section] header"), bad);
                else if (g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_UNKNOWN_ENCODING))
                        config_report(l, STEWARD_PROBLEM_ERROR, file, (int) lo,
                                      _("'%s': only UTF-8 is supported"), bad);
                else
                        config_report(l, STEWARD_PROBLEM_ERROR, file, (int) lo,
                                      _("'%s' is not a [Section] header, a Key=value line or a # comment"),
                                      bad);
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
void
config_loader_add_data(Loader *l, const char *path, const char *data, gsize length)
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
                config_report(l, STEWARD_PROBLEM_ERROR, file, 0,
                              _("the file is larger than %d bytes, refusing to read it"),
                              STEWARD_CONFIG_FILE_MAX);
                return;
        }
        /* GKeyFile would take invalid UTF-8 into values and names, and those
         * end up in messages and on the bus. */
        if (!g_utf8_validate_len(data, length, &end)) {
                int line = 1;
                for (const char *p = data; p < end; p++)
                        line += *p == '\n';
                config_report(l, STEWARD_PROBLEM_ERROR, file, line,
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
                        config_report(l, STEWARD_PROBLEM_ERROR, file, g_array_index(headers, int, i),
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
                                config_report(
                                        l, STEWARD_PROBLEM_WARNING, file, g_array_index(at, int, i),
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
                        config_report(l, STEWARD_PROBLEM_ERROR, file, g_array_index(at, int, 0),
                                      _("unknown key %s= in [%s]"), key, group);
        }
}

typedef enum {
        OPEN_OK,
        OPEN_MISSING,
        OPEN_NOT_REGULAR,
        OPEN_FAILED, /* errno says why */
} OpenResult;

/* Opens @path for reading if it is a regular file (or a link to one). The
 * type is judged on the open descriptor, not on a path that may change in
 * between; O_NONBLOCK keeps a FIFO from blocking the open(), and a device
 * is never read, so that neither hangs nor balloons the daemon. */
static OpenResult
open_regular(const char *path, int *ret_fd)
{
        steward_autofd int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        struct stat st;

        if (fd < 0)
                return errno == ENOENT ? OPEN_MISSING : OPEN_FAILED;
        if (fstat(fd, &st) < 0)
                return OPEN_FAILED;
        if (!S_ISREG(st.st_mode))
                return OPEN_NOT_REGULAR;
        *ret_fd = g_steal_fd(&fd);
        return OPEN_OK;
}

/* Reads the regular file open as @fd into the merged sections. */
static void
loader_add_fd(Loader *l, const char *path, int fd)
{
        g_autofree char *data = NULL;
        gsize length;

        /* Every resource a config can make the daemon allocate is bounded. */
        if (!steward_read_fd(fd, STEWARD_CONFIG_FILE_MAX, &data, &length)) {
                config_report(l, STEWARD_PROBLEM_ERROR, path, 0, _("cannot read the file: %s"),
                              g_strerror(errno));
                g_ptr_array_add(l->files, g_strdup(path));
                return;
        }
        /* add_data refuses it by its length, over the limit. */
        config_loader_add_data(l, path, data, length);
}

/* Reads @path; FALSE if it does not exist. */
gboolean
config_loader_add_file(Loader *l, const char *path)
{
        steward_autofd int fd = -1;

        switch (open_regular(path, &fd)) {
        case OPEN_MISSING:
                return FALSE;
        case OPEN_NOT_REGULAR:
                config_report(l, STEWARD_PROBLEM_ERROR, path, 0, _("not a regular file"));
                g_ptr_array_add(l->files, g_strdup(path));
                return TRUE;
        case OPEN_FAILED:
                config_report(l, STEWARD_PROBLEM_ERROR, path, 0, _("cannot read the file: %s"),
                              g_strerror(errno));
                g_ptr_array_add(l->files, g_strdup(path));
                return TRUE;
        case OPEN_OK:
                break;
        }
        loader_add_fd(l, path, fd);
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
void
config_loader_add_dropins(Loader *l, const char *dir)
{
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;
        g_autoptr(GDir) d = NULL;
        const char *name;

        d = g_dir_open(dir, 0, &error);
        if (!d) {
                if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT) &&
                    !g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
                        config_report(l, STEWARD_PROBLEM_ERROR, dir, 0, _("cannot read the directory: %s"),
                                      error->message);
                return;
        }
        while ((name = g_dir_read_name(d)))
                if (name[0] != '.' && g_str_has_suffix(name, ".conf"))
                        g_ptr_array_add(names, g_strdup(name));
        g_ptr_array_sort(names, compare_names);
        for (guint i = 0; i < names->len; i++) {
                g_autofree char *path = g_build_filename(dir, g_ptr_array_index(names, i), NULL);
                steward_autofd int fd = -1;

                /* Gone since the listing, or not a regular file (a mask):
                 * as if it were not there. */
                switch (open_regular(path, &fd)) {
                case OPEN_MISSING:
                case OPEN_NOT_REGULAR:
                        break;
                case OPEN_FAILED:
                        config_report(l, STEWARD_PROBLEM_ERROR, path, 0, _("cannot read the file: %s"),
                                      g_strerror(errno));
                        g_ptr_array_add(l->files, g_strdup(path));
                        break;
                case OPEN_OK:
                        loader_add_fd(l, path, fd);
                        break;
                }
        }
}

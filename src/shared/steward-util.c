/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-util.c: small helpers shared by the daemon's modules. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

#include "steward-names.h"
#include "steward-util.h"

char *
steward_bus_label_escape(const char *s)
{
        GString *out = g_string_new(NULL);

        if (!*s)
                return g_string_free(out, FALSE);
        for (const char *p = s; *p; p++) {
                if (g_ascii_isalpha(*p) || (p > s && g_ascii_isdigit(*p)))
                        g_string_append_c(out, *p);
                else
                        g_string_append_printf(out, "_%02x", (unsigned char) *p);
        }
        return g_string_free(out, FALSE);
}

char *
steward_bus_label_unescape(const char *label)
{
        GString *out = g_string_new(NULL);

        for (const char *p = label; *p; p++) {
                if (*p == '_') {
                        int hi = g_ascii_xdigit_value(p[1]), lo = hi >= 0 ? g_ascii_xdigit_value(p[2]) : -1;
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                g_string_free(out, TRUE);
                                return NULL;
                        }
                        g_string_append_c(out, (char) (hi << 4 | lo));
                        p += 2;
                } else
                        g_string_append_c(out, *p);
        }
        return g_string_free(out, FALSE);
}

char *
steward_bus_object_path(const char *prefix, const char *name)
{
        g_autofree char *label = steward_bus_label_escape(name);

        return g_strconcat(prefix, "/", label, NULL);
}

char *
steward_unit_object_path(const char *unit)
{
        return steward_bus_object_path(SYSTEMD_OBJECT_PATH "/unit", unit);
}

char *
steward_unit_name_escape(const char *s)
{
        GString *out = g_string_new(NULL);

        for (const char *p = s; *p; p++) {
                if (g_ascii_isalnum(*p) || *p == ':' || *p == '_' || (*p == '.' && p > s))
                        g_string_append_c(out, *p);
                else
                        g_string_append_printf(out, "\\x%02x", (unsigned char) *p);
        }
        return g_string_free(out, FALSE);
}

/* Code points that drive a terminal though they are not ASCII: the C1
 * controls (U+009B is CSI, as ESC [ is) and the bidirectional embeddings,
 * overrides and isolates, which reorder what follows them on the screen. */
static gboolean
is_hidden_control(gunichar c)
{
        return (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

gboolean
steward_text_has_controls(const char *s)
{
        if (!g_utf8_validate(s, -1, NULL))
                return TRUE;
        for (const char *p = s; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);

                if (c < 0x20 || c == 0x7f || is_hidden_control(c))
                        return TRUE;
        }
        return FALSE;
}

static void
append_escaped(GString *out, const char *s, gsize length, const char *exceptions)
{
        g_autofree char *part = g_strndup(s, length);
        g_autofree char *escaped = g_strescape(part, exceptions);

        g_string_append(out, escaped);
}

char *
steward_escape_text(const char *s)
{
        char high[129]; /* every byte from 0x80 to 0xff: left as they are */
        GString *out;
        const char *run = s;

        if (!g_utf8_validate(s, -1, NULL))
                return g_strescape(s, NULL);
        for (guint i = 0; i < 128; i++)
                high[i] = (char) (0x80 + i);
        high[128] = '\0';
        out = g_string_new(NULL);
        for (const char *p = s; *p; p = g_utf8_next_char(p)) {
                gunichar c = g_utf8_get_char(p);

                if (!is_hidden_control(c))
                        continue;
                append_escaped(out, run, (gsize) (p - run), high);
                g_string_append_printf(out, "\\u%04x", c);
                run = g_utf8_next_char(p);
        }
        append_escaped(out, run, strlen(run), high);
        return g_string_free(out, FALSE);
}

gboolean
steward_set_errno_error(GError **error, int errsv, const char *what)
{
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s: %s", what, g_strerror(errsv));
        return FALSE;
}

gboolean
steward_read_fd(int fd, gsize limit, char **ret_data, gsize *ret_length)
{
        gsize size = MIN(limit, 4094) + 2, length = 0;
        g_autofree char *data = g_malloc(size);

        g_return_val_if_fail(limit < G_MAXSIZE - 2, FALSE);
        while (length <= limit) {
                ssize_t n;

                /* Room for a byte and the NUL, at least. */
                if (size - length < 2) {
                        size = size <= limit / 2 ? size * 2 : limit + 2;
                        data = g_realloc(data, size);
                }
                n = read(fd, data + length, MIN(size - 1, limit + 1) - length);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return FALSE;
                if (n == 0)
                        break;
                length += (gsize) n;
        }
        data[length] = '\0';
        *ret_data = g_steal_pointer(&data);
        *ret_length = length;
        return TRUE;
}

void
steward_source_unblocked(GSource *source)
{
        g_source_set_can_recurse(source, TRUE);
}

guint
steward_unix_fd_add(int priority, int fd, GIOCondition condition, GUnixFDSourceFunc func, gpointer user_data)
{
        GSource *source = g_unix_fd_source_new(fd, condition);
        guint id;

        g_source_set_priority(source, priority);
        g_source_set_callback(source, G_SOURCE_FUNC(func), user_data, NULL);
        steward_source_unblocked(source);
        id = g_source_attach(source, NULL);
        g_source_unref(source);
        return id;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-util.c: small helpers shared by the daemon's modules. */
#include "config.h"

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

char *
steward_escape_text(const char *s)
{
        char high[129]; /* every byte from 0x80 to 0xff: left as they are */

        if (!g_utf8_validate(s, -1, NULL))
                return g_strescape(s, NULL);
        for (guint i = 0; i < 128; i++)
                high[i] = (char) (0x80 + i);
        high[128] = '\0';
        return g_strescape(s, high);
}

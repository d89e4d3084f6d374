/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-parse.c: systemd-compatible parsers for time spans, sizes, signals, exit statuses and command
 * lines. */
#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

#include "steward-parse.h"

typedef struct {
        const char *suffix;
        guint64 factor;
} Unit;

#define USEC_PER_MSEC G_GUINT64_CONSTANT(1000)
#define USEC_PER_SEC G_GUINT64_CONSTANT(1000000)
#define USEC_PER_MIN (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MIN)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK (7 * USEC_PER_DAY)
#define USEC_PER_MONTH (2629800 * USEC_PER_SEC) /* 30.44 days, as systemd */
#define USEC_PER_YEAR (31557600 * USEC_PER_SEC) /* 365.25 days, as systemd */

/* The suffixes systemd's parse_sec() knows, case-sensitive as there
 * ("m" is minutes, "M" months). */
static const Unit time_units[] = {
        { "seconds", USEC_PER_SEC },
        { "second", USEC_PER_SEC },
        { "sec", USEC_PER_SEC },
        { "s", USEC_PER_SEC },
        { "minutes", USEC_PER_MIN },
        { "minute", USEC_PER_MIN },
        { "min", USEC_PER_MIN },
        { "months", USEC_PER_MONTH },
        { "month", USEC_PER_MONTH },
        { "M", USEC_PER_MONTH },
        { "msec", USEC_PER_MSEC },
        { "ms", USEC_PER_MSEC },
        { "m", USEC_PER_MIN },
        { "hours", USEC_PER_HOUR },
        { "hour", USEC_PER_HOUR },
        { "hr", USEC_PER_HOUR },
        { "h", USEC_PER_HOUR },
        { "days", USEC_PER_DAY },
        { "day", USEC_PER_DAY },
        { "d", USEC_PER_DAY },
        { "weeks", USEC_PER_WEEK },
        { "week", USEC_PER_WEEK },
        { "w", USEC_PER_WEEK },
        { "years", USEC_PER_YEAR },
        { "year", USEC_PER_YEAR },
        { "y", USEC_PER_YEAR },
        { "usec", 1 },
        { "us", 1 },
        { "\xc2\xb5s", 1 }, /* MICRO SIGN */
        { "\xce\xbcs", 1 }, /* GREEK SMALL LETTER MU */
};

static const Unit size_units[] = {
        { "B", 1 },
        { "K", G_GUINT64_CONSTANT(1) << 10 },
        { "M", G_GUINT64_CONSTANT(1) << 20 },
        { "G", G_GUINT64_CONSTANT(1) << 30 },
        { "T", G_GUINT64_CONSTANT(1) << 40 },
        { "P", G_GUINT64_CONSTANT(1) << 50 },
        { "E", G_GUINT64_CONSTANT(1) << 60 },
};

static gboolean
is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
add_overflows(guint64 a, guint64 b, guint64 *ret)
{
        if (a > G_MAXUINT64 - b)
                return TRUE;
        *ret = a + b;
        return FALSE;
}

/* The sum of "NUMBER[.FRACTION] [UNIT]" components, each scaled by its unit
 * (or @default_factor without one), as systemd's parse_sec()/parse_size(). */
static gboolean
parse_scaled(const char *s, const Unit *units, size_t n_units, guint64 default_factor, guint64 *ret)
{
        const char *p = s;
        guint64 total = 0;
        gboolean any = FALSE;

        while (*p) {
                guint64 whole = 0, factor = default_factor, value;
                const char *frac = NULL, *unit;
                size_t n_frac = 0, n_unit;
                gboolean digits = FALSE;

                while (is_space(*p))
                        p++;
                if (!*p)
                        break;
                for (; g_ascii_isdigit(*p); p++) {
                        if (whole > (G_MAXUINT64 - 9) / 10)
                                return FALSE;
                        whole = whole * 10 + (guint64) (*p - '0');
                        digits = TRUE;
                }
                if (*p == '.') {
                        frac = ++p;
                        while (g_ascii_isdigit(*p))
                                p++;
                        n_frac = (size_t) (p - frac);
                        digits = digits || n_frac > 0;
                }
                if (!digits)
                        return FALSE;
                while (is_space(*p))
                        p++;
                unit = p;
                while (g_ascii_isalpha(*p) || (guchar) *p >= 0x80)
                        p++;
                n_unit = (size_t) (p - unit);
                if (n_unit > 0) {
                        gboolean found = FALSE;
                        for (size_t i = 0; i < n_units && !found; i++)
                                if (strlen(units[i].suffix) == n_unit &&
                                    memcmp(units[i].suffix, unit, n_unit) == 0) {
                                        factor = units[i].factor;
                                        found = TRUE;
                                }
                        if (!found)
                                return FALSE;
                }
                if (factor != 0 && whole > G_MAXUINT64 / factor)
                        return FALSE;
                value = whole * factor;
                /* The fraction N/D in integer arithmetic, truncated: with
                 * factor = q*D + r, N*factor/D = N*q + N*r/D, and N, r < D
                 * <= 10^9 keep N*r within 64 bits. Digits past the ninth
                 * are below any unit's resolution and ignored. */
                if (n_frac > 0) {
                        guint64 num = 0, den = 1, q, r;

                        for (size_t i = 0; i < n_frac && i < 9; i++) {
                                num = num * 10 + (guint64) (frac[i] - '0');
                                den *= 10;
                        }
                        q = factor / den;
                        r = factor % den;
                        if (q != 0 && num > G_MAXUINT64 / q)
                                return FALSE;
                        if (add_overflows(num * q, num * r / den, &num) || add_overflows(value, num, &value))
                                return FALSE;
                }
                if (add_overflows(total, value, &total))
                        return FALSE;
                any = TRUE;
        }
        if (!any)
                return FALSE;
        *ret = total;
        return TRUE;
}

/* "infinity", or a sum of scaled numbers that stays below it. */
static gboolean
parse_scaled_or_infinity(const char *s, const Unit *units, size_t n_units, guint64 default_scale,
                         guint64 infinity, guint64 *ret)
{
        g_autofree char *t = NULL;
        guint64 v;

        if (!s)
                return FALSE;
        t = g_strstrip(g_strdup(s));
        if (g_str_equal(t, "infinity")) {
                *ret = infinity;
                return TRUE;
        }
        if (!parse_scaled(t, units, n_units, default_scale, &v) || v == infinity)
                return FALSE;
        *ret = v;
        return TRUE;
}

gboolean
steward_parse_time_span(const char *s, guint64 *ret_usec)
{
        return parse_scaled_or_infinity(s, time_units, G_N_ELEMENTS(time_units), USEC_PER_SEC,
                                        STEWARD_USEC_INFINITY, ret_usec);
}

gboolean
steward_parse_size(const char *s, guint64 *ret_bytes)
{
        return parse_scaled_or_infinity(s, size_units, G_N_ELEMENTS(size_units), 1, STEWARD_SIZE_INFINITY,
                                        ret_bytes);
}

gboolean
steward_parse_uint(const char *s, guint64 max, guint64 *ret)
{
        guint64 v;

        /* g_ascii_string_to_unsigned() takes "+1" and " 1"; systemd's
         * safe_atou() does not take a sign either. */
        if (!s || !g_ascii_isdigit(s[0]))
                return FALSE;
        if (!g_ascii_string_to_unsigned(s, 10, 0, max, &v, NULL))
                return FALSE;
        *ret = v;
        return TRUE;
}

gboolean
steward_parse_double(const char *s, double *ret)
{
        const char *p = s;
        char *end = NULL;
        gboolean digits = FALSE;
        double v;

        if (!s)
                return FALSE;
        /* Only DIGITS[.DIGITS]: strtod() would also take "inf", "nan",
         * hex floats and exponents, none of which a config should hold. */
        for (; g_ascii_isdigit(*p); p++)
                digits = TRUE;
        if (*p == '.')
                for (p++; g_ascii_isdigit(*p); p++)
                        digits = TRUE;
        if (!digits || *p)
                return FALSE;
        v = g_ascii_strtod(s, &end);
        if (!end || *end)
                return FALSE;
        *ret = v;
        return TRUE;
}

gboolean
steward_parse_permyriad(const char *s, guint64 max, guint64 *ret)
{
        /* The sign says how many places the number is scaled by and how
         * many decimals it may carry (systemd's parse_permyriad()). */
        static const struct {
                const char *sign;
                guint places;
        } signs[] = {
                { "%", 2 },
                { "\xe2\x80\xb0", 1 }, /* PER MILLE SIGN */
                { "\xe2\x80\xb1", 0 }, /* PER TEN THOUSAND SIGN */
        };

        if (!s)
                return FALSE;
        for (size_t i = 0; i < G_N_ELEMENTS(signs); i++) {
                g_autofree char *number = NULL;
                const char *p, *dot;
                guint64 whole = 0, frac = 0;
                guint n_frac = 0;

                if (!g_str_has_suffix(s, signs[i].sign))
                        continue;
                number = g_strndup(s, strlen(s) - strlen(signs[i].sign));
                dot = strchr(number, '.');
                if (dot) {
                        number[dot - number] = '\0';
                        for (p = dot + 1; *p; p++, n_frac++)
                                if (!g_ascii_isdigit(*p) || n_frac >= signs[i].places)
                                        return FALSE;
                        if (n_frac == 0)
                                return FALSE;
                        frac = g_ascii_strtoull(dot + 1, NULL, 10);
                }
                /* No sign, no spaces, nothing that overflows on scaling. */
                if (!steward_parse_uint(number, G_MAXUINT32, &whole))
                        return FALSE;
                for (guint k = 0; k < signs[i].places; k++)
                        whole *= 10;
                for (guint k = n_frac; k < signs[i].places; k++)
                        frac *= 10;
                if (whole + frac > max)
                        return FALSE;
                *ret = whole + frac;
                return TRUE;
        }
        return FALSE;
}

gboolean
steward_parse_weight(const char *s, guint64 *ret)
{
        guint64 v;

        if (!steward_parse_uint(s, 10000, &v) || v < 1)
                return FALSE;
        *ret = v;
        return TRUE;
}

gboolean
steward_parse_cpu_weight(const char *s, guint64 *ret)
{
        if (g_strcmp0(s, "idle") == 0) {
                *ret = STEWARD_CPU_WEIGHT_IDLE;
                return TRUE;
        }
        return steward_parse_weight(s, ret);
}

gboolean
steward_parse_cpu_set(const char *s, GBytes **ret)
{
        g_autoptr(GByteArray) mask = g_byte_array_new();
        g_auto(GStrv) items = NULL;
        gboolean any = FALSE;

        if (!s)
                return FALSE;
        items = g_strsplit_set(s, ", \t\n", -1);
        for (char **item = items; *item; item++) {
                const char *dash = strchr(*item, '-');
                g_autofree char *first = NULL;
                guint64 lo, hi;

                if (!**item)
                        continue;
                first = dash ? g_strndup(*item, (gsize) (dash - *item)) : g_strdup(*item);
                if (!steward_parse_uint(first, STEWARD_CPU_MAX - 1, &lo))
                        return FALSE;
                hi = lo;
                if (dash && (!steward_parse_uint(dash + 1, STEWARD_CPU_MAX - 1, &hi) || hi < lo))
                        return FALSE;
                if (mask->len <= hi / 8) {
                        guint old = mask->len;

                        g_byte_array_set_size(mask, (guint) (hi / 8 + 1));
                        memset(mask->data + old, 0, mask->len - old);
                }
                for (guint64 cpu = lo; cpu <= hi; cpu++)
                        mask->data[cpu / 8] |= (guint8) (1u << (cpu % 8));
                any = TRUE;
        }
        if (!any)
                return FALSE;
        *ret = g_byte_array_free_to_bytes(g_steal_pointer(&mask));
        return TRUE;
}

typedef struct {
        const char *name;
        int signo;
} SignalName;

static const SignalName signal_names[] = {
        { "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },
        { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },     { "IOT", SIGIOT },   { "BUS", SIGBUS },
        { "FPE", SIGFPE },       { "KILL", SIGKILL },     { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },     { "PIPE", SIGPIPE },     { "ALRM", SIGALRM }, { "TERM", SIGTERM },
#ifdef SIGSTKFLT
        { "STKFLT", SIGSTKFLT },
#endif
        { "CHLD", SIGCHLD },     { "CONT", SIGCONT },     { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
        { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },     { "URG", SIGURG },   { "XCPU", SIGXCPU },
        { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
        { "IO", SIGIO },         { "POLL", SIGPOLL },
#ifdef SIGPWR
        { "PWR", SIGPWR },
#endif
        { "SYS", SIGSYS },
};

const char *
steward_signal_to_string(int signo)
{
        static const char *const full[] = {
                [SIGHUP] = "SIGHUP",       [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT",
                [SIGILL] = "SIGILL",       [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
                [SIGBUS] = "SIGBUS",       [SIGFPE] = "SIGFPE",   [SIGKILL] = "SIGKILL",
                [SIGUSR1] = "SIGUSR1",     [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
                [SIGPIPE] = "SIGPIPE",     [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
                [SIGCHLD] = "SIGCHLD",     [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP",
                [SIGTSTP] = "SIGTSTP",     [SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU",
                [SIGURG] = "SIGURG",       [SIGXCPU] = "SIGXCPU", [SIGXFSZ] = "SIGXFSZ",
                [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
                [SIGIO] = "SIGIO",         [SIGSYS] = "SIGSYS",
        };

        if (signo <= 0 || (size_t) signo >= G_N_ELEMENTS(full))
                return NULL;
        return full[signo];
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" within the real-time range. */
static gboolean
parse_realtime_signal(const char *s, int *ret)
{
        guint64 n = 0;
        int base, sign;

        if (g_str_has_prefix(s, "RTMIN")) {
                base = SIGRTMIN;
                sign = 1;
        } else if (g_str_has_prefix(s, "RTMAX")) {
                base = SIGRTMAX;
                sign = -1;
        } else
                return FALSE;
        s += 5;
        if (*s) {
                if (*s != (sign > 0 ? '+' : '-'))
                        return FALSE;
                if (!steward_parse_uint(s + 1, (guint64) (SIGRTMAX - SIGRTMIN), &n))
                        return FALSE;
        }
        *ret = base + sign * (int) n;
        return TRUE;
}

gboolean
steward_parse_signal(const char *s, int *ret_signo)
{
        guint64 n;

        if (!s || !*s)
                return FALSE;
        if (g_ascii_isdigit(s[0])) {
                if (!steward_parse_uint(s, (guint64) SIGRTMAX, &n) || n == 0)
                        return FALSE;
                *ret_signo = (int) n;
                return TRUE;
        }
        if (g_str_has_prefix(s, "SIG"))
                s += 3;
        for (size_t i = 0; i < G_N_ELEMENTS(signal_names); i++)
                if (g_str_equal(signal_names[i].name, s)) {
                        *ret_signo = signal_names[i].signo;
                        return TRUE;
                }
        return parse_realtime_signal(s, ret_signo);
}

gboolean
steward_parse_boolean(const char *s, gboolean *ret)
{
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return FALSE;
        for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
                if (g_ascii_strcasecmp(s, yes[i]) == 0) {
                        *ret = TRUE;
                        return TRUE;
                }
                if (g_ascii_strcasecmp(s, no[i]) == 0) {
                        *ret = FALSE;
                        return TRUE;
                }
        }
        return FALSE;
}

gboolean
steward_parse_exit_status_list(const char *s, GArray **ret, char **ret_bad)
{
        g_autoptr(GArray) statuses = g_array_new(FALSE, FALSE, sizeof(int));
        g_auto(GStrv) words = NULL;

        if (!s)
                return FALSE;
        words = g_strsplit_set(s, " \t\n\r", -1);
        for (char **w = words; *w; w++) {
                guint64 v;
                int status;
                gboolean seen = FALSE;

                if (!**w)
                        continue;
                if (!steward_parse_uint(*w, 255, &v)) {
                        if (ret_bad)
                                *ret_bad = g_strdup(*w);
                        return FALSE;
                }
                status = (int) v;
                for (guint i = 0; i < statuses->len && !seen; i++)
                        seen = g_array_index(statuses, int, i) == status;
                if (!seen)
                        g_array_append_val(statuses, status);
        }
        *ret = g_steal_pointer(&statuses);
        return TRUE;
}

static int
hex_value(char c)
{
        return g_ascii_xdigit_value(c);
}

/* One C escape after a backslash at *p (p points past the backslash);
 * appends it to @word and advances *p. systemd's cunescape() rules. */
static gboolean
unescape_one(const char **p, GString *word, GError **error)
{
        const char *q = *p;
        gunichar u = 0;
        int digits;

        switch (*q) {
        case 'a':
                g_string_append_c(word, '\a');
                break;
        case 'b':
                g_string_append_c(word, '\b');
                break;
        case 'f':
                g_string_append_c(word, '\f');
                break;
        case 'n':
                g_string_append_c(word, '\n');
                break;
        case 'r':
                g_string_append_c(word, '\r');
                break;
        case 't':
                g_string_append_c(word, '\t');
                break;
        case 'v':
                g_string_append_c(word, '\v');
                break;
        case 's':
                g_string_append_c(word, ' ');
                break;
        case '\\':
        case '"':
        case '\'':
        case ';':
                g_string_append_c(word, *q);
                break;
        case 'x':
                if (hex_value(q[1]) < 0 || hex_value(q[2]) < 0) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("\\x needs two hexadecimal digits"));
                        return FALSE;
                }
                u = (gunichar) (hex_value(q[1]) << 4 | hex_value(q[2]));
                if (u == 0) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("a NUL byte cannot be part of an argument"));
                        return FALSE;
                }
                g_string_append_c(word, (char) u);
                q += 2;
                break;
        case 'u':
        case 'U':
                digits = *q == 'u' ? 4 : 8;
                for (int i = 1; i <= digits; i++) {
                        if (hex_value(q[i]) < 0) {
                                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                            _("\\%c needs %d hexadecimal digits"), *q, digits);
                                return FALSE;
                        }
                        u = u << 4 | (gunichar) hex_value(q[i]);
                }
                if (u == 0 || !g_unichar_validate(u)) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("\\%c escape is not a valid character"), *q);
                        return FALSE;
                }
                g_string_append_unichar(word, u);
                q += digits;
                break;
        case '0':
        case '1':
        case '2':
        case '3':
                if (q[1] < '0' || q[1] > '7' || q[2] < '0' || q[2] > '7') {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("an octal escape needs three digits"));
                        return FALSE;
                }
                u = (gunichar) ((q[0] - '0') << 6 | (q[1] - '0') << 3 | (q[2] - '0'));
                if (u == 0) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("a NUL byte cannot be part of an argument"));
                        return FALSE;
                }
                g_string_append_c(word, (char) u);
                q += 2;
                break;
        case '\0':
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                            _("a backslash ends the line"));
                return FALSE;
        default:
                if ((guchar) *q < 0x80 && g_ascii_isprint(*q))
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("unknown escape sequence '\\%c'"), *q);
                else
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("unknown escape sequence"));
                return FALSE;
        }
        *p = q + 1;
        return TRUE;
}

char **
steward_split_words(const char *s, GError **error)
{
        g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
        const char *p = s;

        g_return_val_if_fail(s, NULL);

        for (;;) {
                g_autoptr(GString) word = NULL;
                char quote = 0;

                while (is_space(*p))
                        p++;
                if (!*p)
                        break;
                word = g_string_new(NULL);
                while (*p && (quote || !is_space(*p))) {
                        if (*p == '\\') {
                                p++;
                                if (!unescape_one(&p, word, error))
                                        return NULL;
                        } else if (quote && *p == quote) {
                                quote = 0;
                                p++;
                        } else if (!quote && (*p == '"' || *p == '\'')) {
                                quote = *p++;
                        } else
                                g_string_append_c(word, *p++);
                }
                if (quote) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("the quote %c is not closed"), quote);
                        return NULL;
                }
                /* \xNN and \NNN can spell any byte; arguments and variables
                 * end up in messages and on the bus, which take UTF-8 only.
                 * (Found by fuzz/regressions/crash-invalid-utf8-escape.conf.) */
                if (!g_utf8_validate_len(word->str, word->len, NULL)) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("the escape sequences make invalid UTF-8"));
                        return NULL;
                }
                /* Kept for the life of the spec: the string, not the GString's 64 bytes or more. */
                g_ptr_array_add(words, g_strndup(word->str, word->len));
        }
        g_ptr_array_add(words, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&words), FALSE);
}

char **
steward_parse_command_line(const char *s, GError **error)
{
        g_auto(GStrv) argv = NULL;

        g_return_val_if_fail(s, NULL);

        argv = steward_split_words(s, error);
        if (!argv)
                return NULL;
        if (!argv[0]) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG, _("no command given"));
                return NULL;
        }
        return g_steal_pointer(&argv);
}

gboolean
steward_environment_assignment_is_valid(const char *s)
{
        const char *eq;

        if (!s)
                return FALSE;
        eq = strchr(s, '=');
        if (!eq || eq == s || g_ascii_isdigit(s[0]))
                return FALSE;
        for (const char *p = s; p < eq; p++)
                if (!g_ascii_isalnum(*p) && *p != '_')
                        return FALSE;
        return TRUE;
}

char **
steward_parse_environment(const char *s, GError **error)
{
        g_autoptr(GHashTable) last = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_autoptr(GPtrArray) env = g_ptr_array_new_with_free_func(g_free);
        g_auto(GStrv) words = NULL;
        guint i = 0;

        g_return_val_if_fail(s, NULL);

        words = steward_split_words(s, error);
        if (!words)
                return NULL;
        /* Later wins, in the later one's place, as systemd's
         * strv_env_merge(). A table of each name's last word keeps this
         * linear: a scan of the kept words for each was quadratic. */
        for (char **w = words; *w; w++, i++) {
                if (!steward_environment_assignment_is_valid(*w)) {
                        g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_CONFIG,
                                    _("'%s' is not an assignment NAME=VALUE"), *w);
                        return NULL;
                }
                g_hash_table_replace(last, g_strndup(*w, (gsize) (strchr(*w, '=') - *w)),
                                     GUINT_TO_POINTER(i));
        }
        i = 0;
        for (char **w = words; *w; w++, i++) {
                g_autofree char *name = g_strndup(*w, (gsize) (strchr(*w, '=') - *w));

                if (GPOINTER_TO_UINT(g_hash_table_lookup(last, name)) == i)
                        g_ptr_array_add(env, g_strdup(*w));
        }
        g_ptr_array_add(env, NULL);
        return (char **) g_ptr_array_free(g_steal_pointer(&env), FALSE);
}

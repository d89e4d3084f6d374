/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-parse.h: systemd-compatible parsers for the values of steward.conf keys. */
#pragma once

#include <glib.h>
#include "steward-error.h"

G_BEGIN_DECLS

/* What steward_parse_time_span() and steward_parse_size() return for "infinity". */
#define STEWARD_USEC_INFINITY G_MAXUINT64
#define STEWARD_SIZE_INFINITY G_MAXUINT64

/**
 * steward_parse_time_span:
 * @s: a time span as systemd writes them: "250ms", "5s", "1min 30s",
 *   "1.5h", a bare number (seconds) or "infinity"
 * @ret_usec: (out): microseconds, STEWARD_USEC_INFINITY for "infinity"
 *
 * Returns: whether @s is a valid, finite-or-infinity time span.
 */
gboolean steward_parse_time_span(const char *s, guint64 *ret_usec);

/**
 * steward_parse_size:
 * @s: bytes with an optional K, M, G, T, P or E suffix (base 1024, as
 *   systemd's MemoryMax=), fractions allowed ("1.5G"), or "infinity"
 * @ret_bytes: (out): bytes, STEWARD_SIZE_INFINITY for "infinity"
 */
gboolean steward_parse_size(const char *s, guint64 *ret_bytes);

/**
 * steward_parse_permyriad:
 * @s: a share as systemd writes them: "50%", "12.5%", "12.34%", "125‰"
 *   or "1250‱"
 * @max: the largest share taken, in permyriad (10000 is 100%)
 * @ret: (out): the share in permyriad (1/10000)
 *
 * Returns: whether @s is such a share, no greater than @max.
 */
gboolean steward_parse_permyriad(const char *s, guint64 max, guint64 *ret);

/* CPUWeight=: "idle" (STEWARD_CPU_WEIGHT_IDLE) or 1 to 10000, as systemd. */
#define STEWARD_CPU_WEIGHT_IDLE G_GUINT64_CONSTANT(0)
gboolean steward_parse_cpu_weight(const char *s, guint64 *ret);

/* IOWeight= and the like: 1 to 10000. */
gboolean steward_parse_weight(const char *s, guint64 *ret);

/* CPU numbers an AllowedCPUs= may name: 0 to STEWARD_CPU_MAX - 1 (systemd's cap). */
#define STEWARD_CPU_MAX 8192

/**
 * steward_parse_cpu_set:
 * @s: CPUs and ranges separated by commas or whitespace, as systemd's
 *   AllowedCPUs=: "0-3,5 7"
 * @ret: (out) (transfer full): the set as systemd passes it on the bus,
 *   a bitmask of bytes (CPU n is bit n % 8 of byte n / 8), no longer than
 *   its highest CPU needs
 */
gboolean steward_parse_cpu_set(const char *s, GBytes **ret);

/* An unsigned decimal integer no greater than @max; no sign, no spaces. */
gboolean steward_parse_uint(const char *s, guint64 max, guint64 *ret);

/* A decimal fraction such as "0.2" or "1"; no exponents, no NaN. */
gboolean steward_parse_double(const char *s, double *ret);

/* "SIGTERM", "TERM", "15", "SIGRTMIN+3", "RTMAX-1". */
gboolean steward_parse_signal(const char *s, int *ret_signo);
/* "SIGTERM" for SIGTERM; NULL for a number that is no signal. */
const char *steward_signal_to_string(int signo);

/* systemd's booleans: 1/yes/y/true/t/on and 0/no/n/false/f/off, any case. */
gboolean steward_parse_boolean(const char *s, gboolean *ret);

/**
 * steward_parse_exit_status_list:
 * @s: exit statuses (0 to 255) separated by whitespace, as SuccessExitStatus=
 * @ret: (out): a new GArray of int
 * @ret_bad: (out) (optional): the first word that is not an exit status
 */
gboolean steward_parse_exit_status_list(const char *s, GArray **ret, char **ret_bad);

/**
 * steward_split_words:
 * @s: words separated by whitespace, quoted and escaped the way systemd's
 *   ExecStart= and Environment= are: '...' and "..." group, C escapes
 *   (\n, \t, \", \xNN, \NNN, \uNNNN, \s for a space, \; for ';') work
 *   inside and outside quotes. No variables, specifiers or globs are
 *   expanded: "$HOME" and "%n" are literal text.
 *
 * Returns: (transfer full): the words, or NULL with STEWARD_ERROR.
 */
char **steward_split_words(const char *s, GError **error);

/* ExecStart=: split as steward_split_words(); at least one word. No shell
 * runs it; whether argv[0] is absolute is for the caller to judge. */
char **steward_parse_command_line(const char *s, GError **error);

/* Environment=: split as steward_split_words(), each word NAME=VALUE with
 * NAME in [A-Za-z_][A-Za-z0-9_]*; a NAME given twice keeps the later value. */
char **steward_parse_environment(const char *s, GError **error);

/* Whether @s is NAME=VALUE with a valid NAME, as above. */
gboolean steward_environment_assignment_is_valid(const char *s);

G_END_DECLS

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* stewardctl-metrics.h: stewardctl metrics, the tree's properties as Prometheus text exposition. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * stewardctl_metrics_render:
 * @manager: the Manager's properties (a{sv}, GetAll)
 * @supervisors: (element-type GVariant): each supervisor's properties
 * @children: (element-type GVariant): each child's properties
 *
 * The text exposition format (version 0.0.4) that Prometheus scrapes and
 * node_exporter's textfile collector reads: every family once, its # HELP
 * and # TYPE before its samples. Names follow Prometheus's conventions
 * (steward_ prefix, base units, counters ending in _total); a property the
 * daemon does not serve (an older stewardd) leaves its family out.
 */
char *stewardctl_metrics_render(GVariant *manager, GPtrArray *supervisors, GPtrArray *children);

/* A label value as the format escapes it: backslash, double quote and newline. */
char *stewardctl_metrics_escape_label(const char *value);

/* Writes @text to @path atomically, mode 0644: a scraper reading the file at
 * any moment sees the previous contents or the new ones, never a part. */
gboolean stewardctl_metrics_write_file(const char *path, const char *text, GError **error);

G_END_DECLS

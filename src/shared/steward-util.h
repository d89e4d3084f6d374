/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-util.h: small helpers GLib 2.74 (Debian 12) does not have yet. */
#pragma once

#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <unistd.h>

G_BEGIN_DECLS

static inline void
steward_close_fdp(int *fd)
{
        if (*fd >= 0) {
                int errsv = errno;
                (void) close(*fd);
                errno = errsv;
                *fd = -1;
        }
}

/* g_autofd arrived in GLib 2.76; this is the same thing for 2.74. */
#define steward_autofd __attribute__((cleanup(steward_close_fdp)))

/* Sets @error to the errno value @errsv (a libsystemd call's negative
 * return, negated) as "@what: its text"; returns FALSE. */
gboolean steward_set_errno_error(GError **error, int errsv, const char *what);

/* Reads @fd to its end, but at most @limit + 1 bytes (a longer file is
 * told by its length without being read whole), into @ret_data,
 * NUL-terminated, in a buffer that grows from a page as the data comes.
 * FALSE, errno set, when a read fails. */
gboolean steward_read_fd(int fd, gsize limit, char **ret_data, gsize *ret_length);

/* systemd's object path label escaping (bus_label_escape): [A-Za-z0-9]
 * stay, but a leading digit, and every other byte becomes _XX. */
char *steward_bus_label_escape(const char *s);
/* The inverse; NULL for a label that is not a valid escape. */
char *steward_bus_label_unescape(const char *label);
/* @prefix, '/' and @name escaped (steward_bus_label_escape()): the object
 * path of a child or supervisor under its prefix (STEWARD_CHILD_PATH_PREFIX,
 * STEWARD_SUPERVISOR_PATH_PREFIX), as stewardd exports it. */
char *steward_bus_object_path(const char *prefix, const char *name);
/* The systemd manager's object path of @unit (SYSTEMD_UNIT_PATH_PREFIX and
 * the unit name escaped), as the manager exports it. */
char *steward_unit_object_path(const char *unit);

/* A name as one component of a unit name, as systemd's unit_name_escape()
 * writes it: '-' (which nests slices) and a leading '.' become \\xNN. */
char *steward_unit_name_escape(const char *s);

/* C escapes as g_strescape() makes them, except that valid UTF-8 stays as
 * it is: g_strescape() alone turns every byte above 0x7f into an octal
 * escape, which makes translated text unreadable. The code points that
 * steer a terminal outside ASCII (C1 controls, bidirectional overrides and
 * isolates) become \uXXXX. Text that is not UTF-8 is escaped whole. */
char *steward_escape_text(const char *s);
/* Whether @s holds anything steward_escape_text() would escape as a
 * control: a C0 control, DEL, a C1 control, a bidirectional override or
 * isolate, or bytes that are not UTF-8. */
gboolean steward_text_has_controls(const char *s);

/* Lets GLib dispatch @source without blocking it first. GLib 2.74 takes
 * the descriptors of a source that may not recurse out of the poll set for
 * the length of each dispatch and puts them back after, and each of the
 * two wakes the context up through its eventfd: two writes, a read and one
 * more turn of the loop for every dispatch. None of stewardd's callbacks
 * runs the main loop, so its descriptor sources are allowed to "recurse",
 * which they never do. */
void steward_source_unblocked(GSource *source);
/* g_unix_fd_add_full(), the source steward_source_unblocked(). */
guint steward_unix_fd_add(int priority, int fd, GIOCondition condition, GUnixFDSourceFunc func,
                          gpointer user_data);

G_END_DECLS

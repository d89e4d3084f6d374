/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-socket-file.h: a unix socket bound to a file in stewardd's runtime directory. */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Binds the AF_UNIX socket @fd to @path and gives the file @mode. The
 * directory is created (0755) if missing and must be writable by nobody
 * but its owner, us or root, since the path is only as safe as its
 * directory. A socket file left by a stewardd that is gone is replaced; one
 * somebody still listens on fails with G_IO_ERROR_ADDRESS_IN_USE. The
 * directory is locked meanwhile, so that two stewardd starting at once
 * cannot both take a stale socket's place. A stream socket is made to
 * listen, and its file appears only then. @what names the socket in errors
 * ("notify socket"). */
gboolean steward_socket_file_bind(int fd, const char *path, mode_t mode, const char *what, GError **error);

G_END_DECLS

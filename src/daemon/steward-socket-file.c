/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-socket-file.c: a unix socket bound to a file in stewardd's runtime directory.
 *
 * The notify socket and the private socket live there. Both outlive a
 * stewardd that is killed, as files: the next one must tell such a stale
 * file from a socket another stewardd still serves. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "steward-socket-file.h"
#include "steward-util.h"

static gboolean
set_errno_error(GError **error, int errsv, const char *what, const char *path)
{
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s '%s': %s", what, path,
                    g_strerror(errsv));
        return FALSE;
}

/* Whether a socket file is still bound by someone: connecting a socket of
 * its type to it succeeds only then (ECONNREFUSED for a stale one). */
static gboolean
socket_file_is_live(const char *path, int type, const char *what, GError **error)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        /* Made before the socket: its allocation could change errno. */
        g_autofree char *probing = g_strdup_printf("Cannot probe the %s", what);
        steward_autofd int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return set_errno_error(error, errno, probing, path);
        memcpy(sa.sun_path, path, strlen(path));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                            "The %s '%s' is in use: another stewardd runs with this runtime directory", what,
                            path);
                return TRUE;
        }
        if (errno != ECONNREFUSED)
                return set_errno_error(error, errno, probing, path);
        return FALSE;
}

/* Makes room for the socket file @name in the directory @dfd: nothing is
 * there, or a socket nobody listens on any more (a stewardd that was
 * killed), or something that is no socket at all. Never follows a symlink:
 * it is removed, as anything else that is not a directory. */
static gboolean
clear_socket_path(int dfd, const char *name, const char *path, int type, const char *what, GError **error)
{
        struct stat st;
        g_autoptr(GError) probe_error = NULL;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return TRUE;
                return set_errno_error(error, errno, "Cannot look at the socket file", path);
        }
        if (S_ISDIR(st.st_mode)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY, "The %s '%s' is a directory", what,
                            path);
                return FALSE;
        }
        if (S_ISSOCK(st.st_mode)) {
                if (socket_file_is_live(path, type, what, &probe_error) || probe_error) {
                        g_propagate_error(error, g_steal_pointer(&probe_error));
                        return FALSE;
                }
                g_debug("Replacing the stale %s '%s'", what, path);
        } else
                g_message("'%s' is not a socket; replacing it", path);
        if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
                return set_errno_error(error, errno, "Cannot remove", path);
        return TRUE;
}

/* Whether @path fits in a socket address; @error says it does not. */
static gboolean
path_fits(const char *path, const char *what, GError **error)
{
        struct sockaddr_un sa;

        if (strlen(path) < sizeof(sa.sun_path))
                return TRUE;
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                    "The %s path '%s' is longer than %zu bytes", what, path, sizeof(sa.sun_path) - 1);
        return FALSE;
}

static gboolean
set_bind_error(GError **error, int errsv, const char *what, const char *path)
{
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "Cannot bind the %s '%s': %s", what,
                    path, g_strerror(errsv));
        return FALSE;
}

/* Binds @fd to @name in @dir (open as @dfd) and gives the file @mode:
 * bind() applied our umask. */
static gboolean
bind_named(int fd, int dfd, const char *dir, const char *name, mode_t mode, const char *what, GError **error)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (!path_fits(path, what, error))
                return FALSE;
        memcpy(sa.sun_path, path, strlen(path));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return set_bind_error(error, errno, what, path);
        if (fchmodat(dfd, name, mode, 0) < 0)
                return set_errno_error(error, errno, "Cannot set the mode of the socket file", path);
        return TRUE;
}

/* A stream socket appears as @name only once it listens, with its mode:
 * bound under a temporary name beside it, then renamed into place. A
 * client that sees the file (a directory watch) can connect at once, and
 * none ever finds it with our umask's mode. */
static gboolean
bind_listening(int fd, int dfd, const char *dir, const char *name, mode_t mode, const char *what,
               GError **error)
{
        g_autofree char *tmp_name = g_strdup_printf(".#%s%08x", name, g_random_int());

        if (!bind_named(fd, dfd, dir, tmp_name, mode, what, error))
                return FALSE;
        if (listen(fd, SOMAXCONN) < 0 || renameat(dfd, tmp_name, dfd, name) < 0) {
                int errsv = errno;
                g_autofree char *path = g_build_filename(dir, name, NULL);

                (void) unlinkat(dfd, tmp_name, 0);
                return set_bind_error(error, errsv, what, path);
        }
        return TRUE;
}

gboolean
steward_socket_file_bind(int fd, const char *path, mode_t mode, const char *what, GError **error)
{
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *name = g_path_get_basename(path);
        steward_autofd int dfd = -1;
        gboolean created = FALSE;
        struct stat st;
        int type = 0;
        socklen_t len = sizeof(type);

        /* Before anything is touched; bind_named() checks what it binds. */
        if (!path_fits(path, what, error))
                return FALSE;
        if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
                return set_bind_error(error, errno, what, path);
        if (mkdir(dir, 0755) == 0)
                created = TRUE;
        else if (errno != EEXIST)
                return set_errno_error(error, errno, "Cannot create the runtime directory", dir);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fstat(dfd, &st) < 0)
                return set_errno_error(error, errno, "Cannot open the runtime directory", dir);
        /* 0755 whatever our umask, or children of another User= could not
         * reach the notify socket; a directory that exists is left as it is. */
        if (created && fchmod(dfd, 0755) < 0)
                return set_errno_error(error, errno, "Cannot set the mode of the runtime directory", dir);
        if ((st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                g_set_error(
                        error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                        "The runtime directory '%s' is writable by others than its owner (uid %u), refusing "
                        "to put the %s there",
                        dir, (unsigned) st.st_uid, what);
                return FALSE;
        }
        if (flock(dfd, LOCK_EX) < 0)
                return set_errno_error(error, errno, "Cannot lock the runtime directory", dir);
        if (!clear_socket_path(dfd, name, path, type, what, error))
                return FALSE;
        if (type == SOCK_STREAM)
                return bind_listening(fd, dfd, dir, name, mode, what, error);
        return bind_named(fd, dfd, dir, name, mode, what, error);
}

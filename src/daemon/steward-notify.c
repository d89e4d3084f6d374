/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-notify.c: the sd_notify socket on which children report readiness, status and liveness.
 *
 * Children keep the NOTIFY_SOCKET they were started with for their whole
 * life, and a later stewardd adopts them (docs/LIVE-RESTORE.md), so the
 * address is the same in every run: "notify" in the runtime directory. A
 * path, not a fixed abstract name, because any local user could bind an
 * abstract name first, whereas the directory's permissions protect a path;
 * the socket itself is 0666, so a child running as another User= can send.
 * Reaching it proves nothing anyway: what counts is the sender's PID the
 * kernel attaches (SO_PASSCRED), which the caller maps to an incarnation.
 *
 * The socket outlives stewardd where it can: across a re-exec its number is
 * handed over in STEWARD_NOTIFY_FD, and under a service manager it is kept
 * in the unit's file descriptor store (FDSTORE=1), so that what children
 * send while no stewardd runs queues in it instead of being refused. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "steward-notify.h"
#include "steward-socket-file.h"
#include "steward-util.h"

/* At most one log line about dropped messages per this interval: any
 * local process can send to the socket, and must not flood the journal. */
#define DROP_LOG_INTERVAL_USEC (10 * G_USEC_PER_SEC)
/* Datagrams read per wake-up, so a flood cannot starve the main loop. */
#define MAX_PER_DISPATCH 32
/* Room for the credentials and a few descriptors; any that do not fit
 * are closed by the kernel (MSG_CTRUNC), the rest by us. */
#define MAX_FDS_SEEN 16
/* As systemd's notify socket: room for bursts from many children. */
#define RCVBUF_SIZE (8 * 1024 * 1024)
/* The name of the socket in the runtime directory and in the unit's file
 * descriptor store. */
#define SOCKET_NAME "notify"
/* The prefix of the abstract address used without a runtime directory. */
#define ABSTRACT_PREFIX "steward/notify/"

struct _StewardNotifyListener {
        int fd;
        guint source;
        char *address;
        StewardNotifyFunc func;
        gpointer user_data;
        guint64 dropped;
        guint64 dropped_unlogged;
        gint64 last_drop_log;
};

void
steward_notify_message_clear(StewardNotifyMessage *msg)
{
        if (!msg)
                return;
        g_clear_pointer(&msg->status, g_free);
        *msg = (StewardNotifyMessage){ 0 };
}

/* Decimal digits only: no sign, no space, no hex (safe_atou64 in spirit). */
static gboolean
parse_u64(const char *s, guint64 *ret)
{
        if (!*s)
                return FALSE;
        for (const char *p = s; *p; p++)
                if (!g_ascii_isdigit(*p))
                        return FALSE;
        return g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT64, ret, NULL);
}

static gboolean
valid_key(const char *s, gsize len)
{
        if (len == 0)
                return FALSE;
        for (gsize i = 0; i < len; i++)
                if (!g_ascii_isalnum(s[i]) && s[i] != '_')
                        return FALSE;
        return TRUE;
}

/* One KEY=VALUE; the first occurrence of a key counts. */
static void
parse_assignment(StewardNotifyMessage *msg, const char *key, const char *value)
{
        guint64 u;

        if (g_str_equal(key, "READY")) {
                if (g_str_equal(value, "1"))
                        msg->fields |= STEWARD_NOTIFY_READY;
        } else if (g_str_equal(key, "STOPPING")) {
                if (g_str_equal(value, "1"))
                        msg->fields |= STEWARD_NOTIFY_STOPPING;
        } else if (g_str_equal(key, "BARRIER")) {
                if (g_str_equal(value, "1"))
                        msg->fields |= STEWARD_NOTIFY_BARRIER;
        } else if (g_str_equal(key, "FDSTORE")) {
                if (g_str_equal(value, "1"))
                        msg->fields |= STEWARD_NOTIFY_FDSTORE;
        } else if (g_str_equal(key, "RELOADING")) {
                if (g_str_equal(value, "1"))
                        msg->fields |= STEWARD_NOTIFY_RELOADING;
        } else if (g_str_equal(key, "WATCHDOG")) {
                if (g_str_equal(value, "1"))
                        msg->fields |= STEWARD_NOTIFY_WATCHDOG;
                else if (g_str_equal(value, "trigger"))
                        msg->fields |= STEWARD_NOTIFY_WATCHDOG_TRIGGER;
        } else if (g_str_equal(key, "STATUS")) {
                if (!(msg->fields & STEWARD_NOTIFY_STATUS)) {
                        msg->fields |= STEWARD_NOTIFY_STATUS;
                        msg->status = g_strdup(value);
                }
        } else if (g_str_equal(key, "WATCHDOG_USEC")) {
                if (msg->fields & STEWARD_NOTIFY_WATCHDOG_USEC)
                        return;
                if (parse_u64(value, &u)) {
                        msg->fields |= STEWARD_NOTIFY_WATCHDOG_USEC;
                        msg->watchdog_usec = u;
                } else
                        g_debug("notify: WATCHDOG_USEC='%s' is not a number, ignoring", value);
        } else if (g_str_equal(key, "EXTEND_TIMEOUT_USEC")) {
                if (msg->fields & STEWARD_NOTIFY_EXTEND_TIMEOUT)
                        return;
                if (parse_u64(value, &u)) {
                        msg->fields |= STEWARD_NOTIFY_EXTEND_TIMEOUT;
                        msg->extend_timeout_usec = u;
                } else
                        g_debug("notify: EXTEND_TIMEOUT_USEC='%s' is not a number, ignoring", value);
        } else if (g_str_equal(key, "MAINPID")) {
                if (msg->fields & STEWARD_NOTIFY_MAINPID)
                        return;
                if (parse_u64(value, &u) && u > 0 && u <= G_MAXINT32) {
                        msg->fields |= STEWARD_NOTIFY_MAINPID;
                        msg->main_pid = (pid_t) u;
                } else
                        g_debug("notify: MAINPID='%s' is not a PID, ignoring", value);
        } else if (g_str_equal(key, "ERRNO")) {
                if (msg->fields & STEWARD_NOTIFY_ERRNO)
                        return;
                if (parse_u64(value, &u) && u <= G_MAXINT32) {
                        msg->fields |= STEWARD_NOTIFY_ERRNO;
                        msg->errno_value = (int) u;
                } else
                        g_debug("notify: ERRNO='%s' is not an errno, ignoring", value);
        }
        /* Anything else (BUSERROR=, FDNAME=, MONOTONIC_USEC=, X_...) is
         * not ours to act on. */
}

gboolean
steward_notify_parse(const char *data, gsize len, StewardNotifyMessage *msg, GError **error)
{
        g_auto(GStrv) lines = NULL;
        g_autofree char *text = NULL;
        StewardNotifyMessage m = { 0 };

        g_return_val_if_fail(data || len == 0, FALSE);
        if (len > STEWARD_NOTIFY_PAYLOAD_MAX) {
                g_set_error(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            "%" G_GSIZE_FORMAT " bytes, more than %d", len, STEWARD_NOTIFY_PAYLOAD_MAX);
                return FALSE;
        }
        if (memchr(data, '\0', len)) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, "a NUL byte");
                return FALSE;
        }
        if (!g_utf8_validate_len(data, len, NULL)) {
                g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, "not UTF-8");
                return FALSE;
        }
        text = g_strndup(data, len);
        lines = g_strsplit(text, "\n", -1);
        for (char **l = lines; *l; l++) {
                char *eq = strchr(*l, '=');

                if (!**l)
                        continue; /* the usual trailing newline */
                if (!eq || !valid_key(*l, eq - *l)) {
                        steward_notify_message_clear(&m);
                        g_set_error_literal(error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                                            "a line that is not KEY=VALUE");
                        return FALSE;
                }
                *eq = '\0';
                parse_assignment(&m, *l, eq + 1);
        }
        *msg = m;
        return TRUE;
}

/* ---- the socket ---------------------------------------------------------- */

static void
listener_drop(StewardNotifyListener *l, pid_t pid, const GError *why)
{
        gint64 now = g_get_monotonic_time();

        l->dropped++;
        l->dropped_unlogged++;
        if (l->last_drop_log && now - l->last_drop_log < DROP_LOG_INTERVAL_USEC)
                return;
        /* g_message, not g_warning: any local process can cause this, and
         * must not be able to turn it into an abort (G_DEBUG=fatal-warnings). */
        g_message("Dropped %" G_GUINT64_FORMAT " notify message(s) since the last report (%" G_GUINT64_FORMAT
                  " in all), the latest from PID %d: %s, ignoring",
                  l->dropped_unlogged, l->dropped, (int) pid, why->message);
        l->dropped_unlogged = 0;
        l->last_drop_log = now;
}

/* Reads one datagram; FALSE when there is none left to read. */
static gboolean
listener_read_one(StewardNotifyListener *l)
{
        char buf[STEWARD_NOTIFY_PAYLOAD_MAX];
        union {
                struct cmsghdr align;
                char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_FDS_SEEN)];
        } control;
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        g_auto(StewardNotifyMessage) msg = { 0 };
        g_autoptr(GError) error = NULL;
        struct ucred *cred = NULL;
        int fdv[MAX_FDS_SEEN];
        guint n_fds = 0;
        ssize_t n;

        n = recvmsg(l->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
                if (errno == EINTR)
                        return TRUE;
                if (errno != EAGAIN)
                        g_message("Reading the notify socket: %s, ignoring", g_strerror(errno));
                return FALSE;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                        cred = (struct ucred *) CMSG_DATA(c);
                } else if (c->cmsg_type == SCM_RIGHTS) {
                        gsize nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        for (gsize i = 0; i < nfd; i++) {
                                int fd;

                                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                                if (n_fds < G_N_ELEMENTS(fdv))
                                        fdv[n_fds++] = fd;
                                else
                                        (void) close(fd);
                        }
                }
        }
        if (mh.msg_flags & MSG_CTRUNC)
                g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                                    "too many file descriptors passed");
        else if (!cred || cred->pid <= 0)
                g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_ACCESS_DENIED,
                                    "no sender credentials");
        else if ((gsize) n > sizeof(buf) || (mh.msg_flags & MSG_TRUNC))
                g_set_error(&error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, "%zd bytes, more than %d", n,
                            STEWARD_NOTIFY_PAYLOAD_MAX);
        else if (!steward_notify_parse(buf, (gsize) n, &msg, &error))
                ;
        else if (n_fds > 0 && !(msg.fields & (STEWARD_NOTIFY_BARRIER | STEWARD_NOTIFY_FDSTORE)))
                /* Nothing else comes with descriptors: a client that sends
                 * them expects them kept, and must learn that they are not. */
                g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                                    "file descriptors passed");
        else if ((msg.fields & STEWARD_NOTIFY_BARRIER) && !(msg.fields & STEWARD_NOTIFY_FDSTORE) &&
                 n_fds != 1)
                g_set_error(&error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                            "BARRIER=1 with %u file descriptors, not one", n_fds);
        else {
                msg.n_fds = n_fds;
                if (!l->func(cred->pid, cred->uid, &msg, l->user_data))
                        g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_ACCESS_DENIED,
                                            "not a process of a running child");
        }
        /* Only now: a barrier's sender waits for its descriptor to close,
         * and must see everything it sent before handled. The datagrams are
         * read one at a time, in order, so this one's dispatch was the last
         * thing owed to it. */
        for (guint i = 0; i < n_fds; i++)
                (void) close(fdv[i]);
        if (error)
                listener_drop(l, cred ? cred->pid : 0, error);
        return TRUE;
}

/* Everything queued, before a deadline is judged: a ping that was sent in
 * time must count even if stewardd was late to read it (a stall, a long
 * turn of the loop). Bounded, so that a flood cannot hold the loop. */
#define MAX_PER_DRAIN 4096

void
steward_notify_listener_drain(StewardNotifyListener *l)
{
        for (guint i = 0; i < MAX_PER_DRAIN; i++)
                if (!listener_read_one(l))
                        break;
}

static gboolean
on_readable(int fd, GIOCondition cond, gpointer user_data)
{
        StewardNotifyListener *l = user_data;

        for (guint i = 0; i < MAX_PER_DISPATCH; i++)
                if (!listener_read_one(l))
                        break;
        return G_SOURCE_CONTINUE;
}

static gboolean
set_errno_error(GError **error, int errsv, const char *what, const char *path)
{
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "%s '%s': %s", what, path,
                    g_strerror(errsv));
        return FALSE;
}

/* The address @fd is bound to, as NOTIFY_SOCKET spells it ("@..." for an
 * abstract one); NULL when it is not a bound datagram unix socket. */
static char *
socket_address(int fd)
{
        struct sockaddr_un sa = { 0 };
        socklen_t salen = sizeof(sa);
        struct stat st;
        int type = 0;
        socklen_t typelen = sizeof(type);
        gsize n;

        if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) ||
            getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typelen) < 0 || type != SOCK_DGRAM ||
            getsockname(fd, (struct sockaddr *) &sa, &salen) < 0 || sa.sun_family != AF_UNIX ||
            salen <= offsetof(struct sockaddr_un, sun_path) + 1)
                return NULL;
        n = salen - offsetof(struct sockaddr_un, sun_path);
        if (sa.sun_path[0] == '\0')
                return g_strdup_printf("@%.*s", (int) (n - 1), sa.sun_path + 1);
        return g_strndup(sa.sun_path, n);
}

/* Whether a socket handed to us, bound to @address, is the one to listen
 * on: bound to @path, whose file is still a socket (a socket whose file
 * was removed can no longer be reached), or without a runtime directory,
 * to an abstract address of an earlier stewardd. */
static gboolean
socket_is_ours(const char *path, const char *address)
{
        struct stat st;

        if (!address)
                return FALSE;
        if (!path)
                return address[0] == '@' && g_str_has_prefix(address + 1, ABSTRACT_PREFIX);
        return g_str_equal(address, path) && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* The socket a previous image of this process handed over across execve()
 * (STEWARD_NOTIFY_FD), or -1. The variable is removed either way, so no
 * child ever sees it. */
static int
take_inherited(const char *path, char **ret_address)
{
        const char *value = g_getenv(STEWARD_NOTIFY_FD_ENV);
        g_autofree char *address = NULL;
        guint64 n;
        int fd;

        if (!value)
                return -1;
        if (!g_ascii_string_to_unsigned(value, 10, 3, G_MAXINT, &n, NULL) || fcntl((int) n, F_GETFD) < 0) {
                g_message("%s='%s' is not an open descriptor, ignoring", STEWARD_NOTIFY_FD_ENV, value);
                g_unsetenv(STEWARD_NOTIFY_FD_ENV);
                return -1;
        }
        g_unsetenv(STEWARD_NOTIFY_FD_ENV);
        fd = (int) n;
        /* Ours now: it must not reach a child, nor the next execve()
         * unless handed over again. */
        (void) fcntl(fd, F_SETFD, FD_CLOEXEC);
        address = socket_address(fd);
        if (!socket_is_ours(path, address)) {
                g_message("%s=%d is not the notify socket %s, ignoring", STEWARD_NOTIFY_FD_ENV, fd,
                          path ? path : "");
                /* Our old socket, whose file is gone, is closed; anything
                 * else is not ours to close. */
                if (address &&
                    (g_strcmp0(address, path) == 0 || g_str_has_prefix(address, "@" ABSTRACT_PREFIX)))
                        (void) close(fd);
                return -1;
        }
        *ret_address = g_steal_pointer(&address);
        return fd;
}

/* The socket our service manager kept for us in the unit's file descriptor
 * store, or -1. Every other descriptor passed is closed: nothing else is
 * stored (FileDescriptorStoreMax=1), and LISTEN_FDS is consumed here. */
static int
take_stored(const char *path, char **ret_address)
{
        g_auto(GStrv) names = NULL;
        int n, found = -1;

        n = sd_listen_fds_with_names(TRUE, &names);
        if (n < 0) {
                g_message("Passed file descriptors: %s, ignoring", g_strerror(-n));
                return -1;
        }
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                g_autofree char *address = NULL;

                if (found < 0 && names && g_strcmp0(names[i], SOCKET_NAME) == 0) {
                        address = socket_address(fd);
                        if (socket_is_ours(path, address)) {
                                *ret_address = g_steal_pointer(&address);
                                found = fd;
                                continue;
                        }
                        g_message("The stored notify socket is not bound to %s, ignoring", path ? path : "");
                }
                (void) close(fd);
        }
        return found;
}

/* Without a runtime directory: an abstract address with a random UUID, so
 * nobody can bind it first. It does not outlive stewardd. */
static gboolean
bind_abstract(int fd, char **ret_address, GError **error)
{
        g_autofree char *uuid = g_uuid_string_random();
        g_autofree char *address = g_strdup_printf("@" ABSTRACT_PREFIX "%s", uuid);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        gsize len = strlen(address);

        /* sun_path[0] = '\0' makes it abstract; no terminating NUL counts. */
        memcpy(sa.sun_path + 1, address + 1, len - 1);
        if (bind(fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + len) < 0)
                return set_errno_error(error, errno, "Cannot bind the notify socket", address);
        *ret_address = g_steal_pointer(&address);
        return TRUE;
}

static int
socket_new(GError **error)
{
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "notify socket: %s",
                            g_strerror(errsv));
        }
        return fd;
}

/* Into our own unit's file descriptor store, replacing what is stored
 * under the name, so that the socket stays open while no stewardd runs.
 * Nothing happens without a NOTIFY_SOCKET of our own; a manager that
 * refuses (no FileDescriptorStoreMax=) only costs the queueing. */
static void
store_in_manager(int fd)
{
        int r;

        (void) sd_notify(FALSE, "FDSTOREREMOVE=1\nFDNAME=" SOCKET_NAME);
        r = sd_pid_notify_with_fds(0, FALSE, "FDSTORE=1\nFDNAME=" SOCKET_NAME, &fd, 1);
        if (r < 0)
                g_message("Storing the notify socket with the service manager: %s, ignoring",
                          g_strerror(-r));
}

StewardNotifyListener *
steward_notify_listener_new(const char *path, StewardNotifyFunc func, gpointer user_data, GError **error)
{
        g_autoptr(StewardNotifyListener) l = g_new0(StewardNotifyListener, 1);
        g_autofree char *stored_address = NULL;
        int one = 1, size = RCVBUF_SIZE, stored;

        g_return_val_if_fail(!path || g_path_is_absolute(path), NULL);

        l->func = func;
        l->user_data = user_data;
        /* Both are looked at, so that neither variable survives to be
         * misread by a later image; the socket of our own re-exec wins. */
        l->fd = take_inherited(path, &l->address);
        stored = take_stored(path, &stored_address);
        if (l->fd < 0 && stored >= 0) {
                l->fd = stored;
                l->address = g_steal_pointer(&stored_address);
        } else if (stored >= 0) {
                (void) close(stored);
                stored = -1;
        }
        if (l->fd >= 0) {
                /* Read from the main loop, however the last owner used it. */
                (void) fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
                g_debug("Notify socket %s taken over from the %s", l->address,
                        stored >= 0 ? "file descriptor store" : "previous image");
        } else {
                l->fd = socket_new(error);
                if (l->fd < 0)
                        return NULL;
                if (path) {
                        if (!steward_socket_file_bind(l->fd, path, 0666, "notify socket", error))
                                return NULL;
                        l->address = g_strdup(path);
                } else if (!bind_abstract(l->fd, &l->address, error))
                        return NULL;
        }
        if (setsockopt(l->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
                set_errno_error(error, errno, "Cannot ask for credentials on the notify socket", l->address);
                return NULL;
        }
        /* Best effort: beyond rmem_max only a privileged process may go. */
        if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        if (path && stored < 0)
                store_in_manager(l->fd);
        /* Below the backend's spawn reports: a child's first datagram can
         * only come after its exec, whose report is then already readable,
         * so the incarnation is known to be running when its READY=1 is read. */
        l->source = steward_unix_fd_add(G_PRIORITY_DEFAULT + 1, l->fd, G_IO_IN, on_readable, l);
        return g_steal_pointer(&l);
}

void
steward_notify_listener_free(StewardNotifyListener *l)
{
        if (!l)
                return;
        if (l->source)
                g_source_remove(l->source);
        steward_close_fdp(&l->fd);
        g_free(l->address);
        g_free(l);
}

const char *
steward_notify_listener_get_address(StewardNotifyListener *l)
{
        return l->address;
}

int
steward_notify_listener_get_fd(StewardNotifyListener *l)
{
        return l->fd;
}

char *
steward_notify_default_path(StewardMode mode)
{
        g_autofree char *dir = steward_runtime_dir(mode);

        return dir ? g_build_filename(dir, SOCKET_NAME, NULL) : NULL;
}

guint64
steward_notify_listener_get_dropped(StewardNotifyListener *l)
{
        return l->dropped;
}

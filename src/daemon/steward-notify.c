/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* steward-notify.c: the sd_notify socket on which children report readiness, status and liveness.
 *
 * The socket is bound to an abstract address rather than a path under the
 * runtime directory: a child running as another User= needs no write
 * permission on a socket file, nothing is left behind when stewardd dies,
 * and a child that changes its mount namespace still reaches it. Reaching
 * it proves nothing anyway; what counts is the sender's PID the kernel
 * attaches (SO_PASSCRED), which the caller maps to an incarnation. The
 * address carries a random UUID, so nobody can bind it first. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "steward-notify.h"
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
        /* Anything else (BUSERROR=, FDSTORE=, MONOTONIC_USEC=, X_...) is
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
        gboolean fds = FALSE;
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
                        int *fdv = (int *) CMSG_DATA(c);
                        gsize nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        /* Nobody stores descriptors with us (no FDSTORE=). */
                        for (gsize i = 0; i < nfd; i++)
                                (void) close(fdv[i]);
                        fds = TRUE;
                }
        }
        if (fds || (mh.msg_flags & MSG_CTRUNC))
                g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS,
                                    "file descriptors passed");
        else if (!cred || cred->pid <= 0)
                g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_ACCESS_DENIED,
                                    "no sender credentials");
        else if ((gsize) n > sizeof(buf) || (mh.msg_flags & MSG_TRUNC))
                g_set_error(&error, STEWARD_ERROR, STEWARD_ERROR_INVALID_ARGS, "%zd bytes, more than %d", n,
                            STEWARD_NOTIFY_PAYLOAD_MAX);
        else if (steward_notify_parse(buf, (gsize) n, &msg, &error) &&
                 !l->func(cred->pid, cred->uid, &msg, l->user_data))
                g_set_error_literal(&error, STEWARD_ERROR, STEWARD_ERROR_ACCESS_DENIED,
                                    "not a process of a running child");
        if (error)
                listener_drop(l, cred ? cred->pid : 0, error);
        return TRUE;
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

StewardNotifyListener *
steward_notify_listener_new(StewardNotifyFunc func, gpointer user_data, GError **error)
{
        g_autoptr(StewardNotifyListener) l = g_new0(StewardNotifyListener, 1);
        g_autofree char *uuid = g_uuid_string_random();
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int one = 1, size = RCVBUF_SIZE;
        gsize len;

        l->func = func;
        l->user_data = user_data;
        l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (l->fd < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "notify socket: %s",
                            g_strerror(errsv));
                return NULL;
        }
        l->address = g_strdup_printf("@steward/notify/%s", uuid);
        len = strlen(l->address);
        /* sun_path[0] = '\0' makes it abstract; no terminating NUL counts. */
        memcpy(sa.sun_path + 1, l->address + 1, len - 1);
        if (bind(l->fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + len) < 0 ||
            setsockopt(l->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0) {
                int errsv = errno;
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv), "notify socket %s: %s",
                            l->address, g_strerror(errsv));
                return NULL;
        }
        /* Best effort: beyond rmem_max only a privileged process may go. */
        if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
        /* Below the backend's spawn reports: a child's first datagram can
         * only come after its exec, whose report is then already readable,
         * so the incarnation is known to be running when its READY=1 is read. */
        l->source = g_unix_fd_add_full(G_PRIORITY_DEFAULT + 1, l->fd, G_IO_IN, on_readable, l, NULL);
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

guint64
steward_notify_listener_get_dropped(StewardNotifyListener *l)
{
        return l->dropped;
}

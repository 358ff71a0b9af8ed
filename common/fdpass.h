/* fdpass: one message with descriptors attached (SCM_RIGHTS) on a Unix
 * socket. The executor, the launcher and a sandbox's init hand each other
 * descriptors only this way (launcher_proto.h): the launcher's replies, a
 * per-job sandbox's ready message with its scratch root, and a job's stdio. */
#ifndef EXECQ_FDPASS_H
#define EXECQ_FDPASS_H

#include <stddef.h>
#include <sys/types.h>

/* The most descriptors one message carries. */
#define FDPASS_MAX 8

/* Sends len bytes of p as one message (MSG_NOSIGNAL) with nfds descriptors
 * of fds (0..FDPASS_MAX) attached; the caller keeps its own. Rides out
 * EINTR. Returns the bytes sent, or -1 with errno. */
ssize_t fdpass_send(int sock, const void *p, size_t len, const int *fds, int nfds);

/* Receives one message of up to len bytes into p (flags: recvmsg's, such as
 * MSG_WAITALL or MSG_CMSG_CLOEXEC) and the descriptors attached to it, up to
 * max_fds (<= FDPASS_MAX), into fds; *nfds gets how many came, which the
 * caller then owns. A message with more descriptors than that is refused:
 * the ones that came are closed, -1 with EPROTO. Rides out EINTR. Returns
 * the bytes received (0 at end of file), or -1 with errno. */
ssize_t fdpass_recv(int sock, void *p, size_t len, int flags, int *fds, int max_fds, int *nfds);

#endif

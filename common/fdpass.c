/* fdpass: descriptors over a Unix socket (see fdpass.h). */
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Control buffer room for FDPASS_MAX descriptors, aligned for cmsghdr. */
union fdpass_cbuf {
    char buf[CMSG_SPACE(FDPASS_MAX * sizeof(int))];
    struct cmsghdr align;
};

ssize_t fdpass_send(int sock, const void *p, size_t len, const int *fds, int nfds)
{
    union fdpass_cbuf cb;
    struct iovec iov = {(void *)p, len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n;

    if (nfds < 0 || nfds > FDPASS_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (nfds > 0) {
        struct cmsghdr *cm;
        memset(&cb, 0, sizeof(cb));
        mh.msg_control = cb.buf;
        mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        cm = CMSG_FIRSTHDR(&mh);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
    }
    do
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

ssize_t fdpass_recv(int sock, void *p, size_t len, int flags, int *fds, int max_fds, int *nfds)
{
    union fdpass_cbuf cb;
    struct iovec iov = {p, len};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.buf, .msg_controllen = sizeof(cb.buf)};
    int got[FDPASS_MAX * 2], ngot = 0;
    ssize_t n;

    *nfds = 0;
    do
        n = recvmsg(sock, &mh, flags);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        size_t k;
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0))
            continue;
        k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && ngot < (int)(sizeof(got) / sizeof(got[0])); i++)
            memcpy(&got[ngot++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
    if ((mh.msg_flags & MSG_CTRUNC) || ngot > max_fds) {
        for (int i = 0; i < ngot; i++)
            close(got[i]);
        errno = EPROTO;
        return -1;
    }
    if (ngot > 0)
        memcpy(fds, got, (size_t)ngot * sizeof(int));
    *nfds = ngot;
    return n;
}

/* run: the I/O and timeout loop of one job (see run.h). One poll(2) loop over
 * the three pipes and the job's done descriptor: no threads, no signals, and
 * the deadline is a poll timeout on CLOCK_MONOTONIC. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* After the job ends, pipes are read until EOF for at most this long:
 * anything still holding them open has been killed with the rest. */
#define DRAIN_MS 200

struct stream {
    int fd;
    struct buf b;
    size_t max;
    int truncated;
};

/* Reads what is there. Returns 0, or 1 at EOF. */
static int stream_read(struct stream *s)
{
    char chunk[65536];

    for (;;) {
        ssize_t n = read(s->fd, chunk, sizeof(chunk));
        if (n == 0)
            return 1;
        if (n < 0)
            return (errno == EAGAIN || errno == EINTR) ? 0 : 1;
        size_t keep = s->b.len < s->max ? s->max - s->b.len : 0;
        if ((size_t)n > keep)
            s->truncated = 1;
        if (keep && buf_append(&s->b, chunk, (size_t)n < keep ? (size_t)n : keep) < 0)
            s->truncated = 1;
    }
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

int run_job(const struct run_spec *s, struct result *r, char *errstr, size_t errstr_size)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, dsp[2] = {-1, -1}, done_fd = -1, timer = -1;
    struct stream so = {.fd = -1, .max = s->max_output}, se = {.fd = -1, .max = s->max_output};
    struct stream sd = {.fd = -1, .max = s->max_display};
    size_t in_off = 0;
    int status = 0, exited = 0, ret = -1;
    /* Microseconds, and a timerfd for the deadline: poll's own timeout gets
     * 0.1% of its length as slack (3 ms late on a 3 s timeout), and a warm
     * job starts within a millisecond, so a line printed just after the
     * deadline would slip in. The timer uses this thread's slack, set to 1 ns. */
    int64_t start, deadline, drain_until = 0;
    struct itimerspec at = {{0, 0}, {0, 0}};

    buf_init(&so.b);
    buf_init(&se.b);
    buf_init(&sd.b);
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
        pipe2(dsp, O_CLOEXEC) < 0) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto out;
    }
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (timer < 0) {
        snprintf(errstr, errstr_size, "timerfd: %s", strerror(errno));
        goto out;
    }
    start = util_mono_us();
    {
        const int fds[4] = {in[0], out[1], err[1], dsp[1]};
        done_fd = s->spawn(s->ctx, fds, errstr, errstr_size);
    }
    if (done_fd < 0)
        goto out;
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    close_fd(&dsp[1]);
    so.fd = out[0];
    se.fd = err[0];
    sd.fd = dsp[0];
    out[0] = err[0] = dsp[0] = -1;
    fcntl(so.fd, F_SETFL, O_NONBLOCK);
    fcntl(se.fd, F_SETFL, O_NONBLOCK);
    fcntl(sd.fd, F_SETFL, O_NONBLOCK);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    if (!s->stdin_data || s->stdin_len == 0)
        close_fd(&in[1]);   /* the job sees EOF on stdin at once */
    deadline = start + (int64_t)s->timeout_ms * 1000;
    at.it_value.tv_sec = (time_t)(deadline / 1000000);
    at.it_value.tv_nsec = (long)(deadline % 1000000) * 1000;
    if (timerfd_settime(timer, TFD_TIMER_ABSTIME, &at, NULL) < 0) {
        snprintf(errstr, errstr_size, "timerfd: %s", strerror(errno));
        s->kill_all(s->ctx);
        goto out;
    }

    while (!exited || so.fd >= 0 || se.fd >= 0 || sd.fd >= 0) {
        struct pollfd p[6];
        int np = 0, i_out = -1, i_err = -1, i_dsp = -1, i_in = -1, i_done = -1;
        int64_t now = util_mono_us(), wait_us = drain_until > now ? drain_until - now : 0;
        struct timespec wait = {(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};

        if (so.fd >= 0) { i_out = np; p[np++] = (struct pollfd){so.fd, POLLIN, 0}; }
        if (se.fd >= 0) { i_err = np; p[np++] = (struct pollfd){se.fd, POLLIN, 0}; }
        if (sd.fd >= 0) { i_dsp = np; p[np++] = (struct pollfd){sd.fd, POLLIN, 0}; }
        if (in[1] >= 0) { i_in = np; p[np++] = (struct pollfd){in[1], POLLOUT, 0}; }
        if (!exited)    { i_done = np; p[np++] = (struct pollfd){done_fd, POLLIN, 0}; }
        if (!exited && !r->timed_out) p[np++] = (struct pollfd){timer, POLLIN, 0};   /* fires once */
        /* Until the job ends the timer is the only deadline; then the drain's. */
        if (ppoll(p, (nfds_t)np, exited ? &wait : NULL, NULL) < 0 && errno != EINTR) {
            snprintf(errstr, errstr_size, "poll: %s", strerror(errno));
            s->kill_all(s->ctx);
            break;
        }
        if (i_out >= 0 && p[i_out].revents && stream_read(&so))
            close_fd(&so.fd);
        if (i_err >= 0 && p[i_err].revents && stream_read(&se))
            close_fd(&se.fd);
        if (i_dsp >= 0 && p[i_dsp].revents && stream_read(&sd))
            close_fd(&sd.fd);
        if (i_in >= 0 && p[i_in].revents) {
            ssize_t n = write(in[1], s->stdin_data + in_off, s->stdin_len - in_off);
            if (n > 0)
                in_off += (size_t)n;
            if ((n < 0 && errno != EAGAIN) || in_off == s->stdin_len || (p[i_in].revents & (POLLERR | POLLHUP)))
                close_fd(&in[1]);
        }
        if (i_done >= 0 && p[i_done].revents) {
            exited = 1;
            r->execution_time_ms = (long)((util_mono_us() - start) / 1000);
            if (s->done(s->ctx, &status, errstr, errstr_size) < 0)
                goto out;
            /* Killed at the deadline by the job's own timer (sbx) before
             * this thread got to run: that is the timeout too. */
            if (!r->timed_out && util_mono_us() >= deadline && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                r->timed_out = 1;
            /* Ends any leftover still holding the pipes. */
            s->kill_all(s->ctx);
            drain_until = util_mono_us() + DRAIN_MS * 1000;
            close_fd(&in[1]);
        }
        now = util_mono_us();
        if (!exited && now >= deadline && !r->timed_out) {
            r->timed_out = 1;
            s->kill_all(s->ctx);   /* the done descriptor then reports the end */
        }
        if (exited && now >= drain_until) {
            so.truncated |= so.fd >= 0;
            se.truncated |= se.fd >= 0;
            sd.truncated |= sd.fd >= 0;
            break;
        }
    }
    if (!exited) {
        /* Only after a poll failure: make sure it is over. */
        s->kill_all(s->ctx);
        status = SIGKILL;
        r->execution_time_ms = (long)((util_mono_us() - start) / 1000);
    }
    if (r->timed_out) {
        r->exit_code = -1;
    } else if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r->term_signal = WTERMSIG(status);
        r->exit_code = -WTERMSIG(status);
    }
    r->stdout_data = so.b.data;
    r->stdout_len = so.b.len;
    r->stdout_truncated = so.truncated;
    r->stderr_data = se.b.data;
    r->stderr_len = se.b.len;
    r->stderr_truncated = se.truncated;
    if (s->display) {
        s->display->data = sd.b.data;
        s->display->len = sd.b.len;
        s->display->truncated = sd.truncated;
        buf_init(&sd.b);
    }
    buf_init(&so.b);
    buf_init(&se.b);
    ret = 0;
out:
    close_fd(&in[0]); close_fd(&in[1]);
    close_fd(&out[0]); close_fd(&out[1]);
    close_fd(&err[0]); close_fd(&err[1]);
    close_fd(&dsp[0]); close_fd(&dsp[1]);
    close_fd(&so.fd); close_fd(&se.fd); close_fd(&sd.fd);
    close_fd(&timer);
    buf_release(&so.b);
    buf_release(&se.b);
    buf_release(&sd.b);
    return ret;
}

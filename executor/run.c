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

/* The job's output pipes, in the order spawn's fds[1..] take them. */
enum { OUT_STDOUT, OUT_STDERR, OUT_DISPLAY, NOUT };

int run_job(const struct run_spec *s, struct result *r, char *errstr, size_t errstr_size)
{
    int in[2] = {-1, -1}, pipes[NOUT][2], done_fd = -1, timer = -1;
    struct stream st[NOUT];
    const size_t max[NOUT] = {s->max_output, s->max_output, s->max_display};
    size_t in_off = 0;
    int status = 0, exited = 0, ret = -1;
    /* Microseconds, and a timerfd for the deadline: poll's own timeout gets
     * 0.1% of its length as slack (3 ms late on a 3 s timeout), and a warm
     * job starts within a millisecond, so a line printed just after the
     * deadline would slip in. The timer uses this thread's slack, set to 1 ns. */
    int64_t start, deadline, drain_until = 0, progress_at = 0, hard_at = 0;
    struct itimerspec at = {{0, 0}, {0, 0}};

    for (int k = 0; k < NOUT; k++) {
        pipes[k][0] = pipes[k][1] = -1;
        st[k] = (struct stream){.fd = -1, .max = max[k]};
        buf_init(&st[k].b);
    }
    if (pipe2(in, O_CLOEXEC) < 0) {
        snprintf(errstr, errstr_size, "pipe: %s", strerror(errno));
        goto out;
    }
    for (int k = 0; k < NOUT; k++)
        if (pipe2(pipes[k], O_CLOEXEC) < 0) {
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
        const int fds[1 + NOUT] = {in[0], pipes[OUT_STDOUT][1], pipes[OUT_STDERR][1], pipes[OUT_DISPLAY][1]};
        done_fd = s->spawn(s->ctx, fds, errstr, errstr_size);
    }
    if (done_fd < 0)
        goto out;
    close_fd(&in[0]);
    for (int k = 0; k < NOUT; k++) {
        close_fd(&pipes[k][1]);
        st[k].fd = pipes[k][0];
        pipes[k][0] = -1;
        fcntl(st[k].fd, F_SETFL, O_NONBLOCK);
    }
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

    for (;;) {
        struct pollfd p[NOUT + 4];   /* the streams, stdin, done, the timer, cancel */
        int np = 0, i_st[NOUT], i_in = -1, i_done = -1, i_cancel = -1, open = 0;
        int64_t now = util_mono_us(), wait_us = drain_until > now ? drain_until - now : 0;
        struct timespec wait;

        for (int k = 0; k < NOUT; k++) {
            i_st[k] = -1;
            if (st[k].fd >= 0) {
                i_st[k] = np;
                p[np++] = (struct pollfd){st[k].fd, POLLIN, 0};
                open = 1;
            }
        }
        if (exited && !open)
            break;
        if (in[1] >= 0) { i_in = np; p[np++] = (struct pollfd){in[1], POLLOUT, 0}; }
        if (!exited)    { i_done = np; p[np++] = (struct pollfd){done_fd, POLLIN, 0}; }
        if (!exited && !r->timed_out) p[np++] = (struct pollfd){timer, POLLIN, 0};   /* fires once */
        if (!exited && !r->cancelled && s->cancel_fd >= 0) { i_cancel = np; p[np++] = (struct pollfd){s->cancel_fd, POLLIN, 0}; }
        /* Until the job ends the timer is the only deadline (and the
         * progress hook's, when it asked for one); then the drain's. */
        if (!exited && progress_at)
            wait_us = progress_at > now ? progress_at - now : 0;
        if (!exited && hard_at && (!progress_at || hard_at < progress_at))
            wait_us = hard_at > now ? hard_at - now : 0;
        wait = (struct timespec){(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};
        if (ppoll(p, (nfds_t)np, exited || progress_at || hard_at ? &wait : NULL, NULL) < 0 && errno != EINTR) {
            snprintf(errstr, errstr_size, "poll: %s", strerror(errno));
            s->kill_all(s->ctx);
            break;
        }
        for (int k = 0; k < NOUT; k++)
            if (i_st[k] >= 0 && p[i_st[k]].revents && stream_read(&st[k]))
                close_fd(&st[k].fd);
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
        if (i_cancel >= 0 && p[i_cancel].revents && !exited && !r->timed_out) {
            r->cancelled = 1;
            s->kill_all(s->ctx);   /* the done descriptor then reports the end */
            if (s->kill_hard)
                hard_at = util_mono_us() + (int64_t)s->kill_grace_ms * 1000;
        }
        now = util_mono_us();
        if (s->progress && !exited) {
            const struct buf *const out[2] = {&st[OUT_STDOUT].b, &st[OUT_STDERR].b};
            progress_at = s->progress(s->pctx, out, now);
        }
        if (!exited && now >= deadline && !r->timed_out && !(r->cancelled && s->kill_hard)) {
            r->timed_out = 1;
            s->kill_all(s->ctx);   /* the done descriptor then reports the end */
            if (s->kill_hard)
                hard_at = now + (int64_t)s->kill_grace_ms * 1000;
        }
        if (!exited && hard_at && now >= hard_at) {
            hard_at = 0;
            s->kill_hard(s->ctx);   /* it did not stop: the done descriptor reports the end */
        }
        if (exited && now >= drain_until) {
            for (int k = 0; k < NOUT; k++)
                st[k].truncated |= st[k].fd >= 0;
            break;
        }
    }
    if (!exited) {
        /* Only after a poll failure: make sure it is over. */
        s->kill_all(s->ctx);
        status = SIGKILL;
        r->execution_time_ms = (long)((util_mono_us() - start) / 1000);
    }
    if (r->timed_out || r->cancelled) {
        r->exit_code = -1;
    } else if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r->term_signal = WTERMSIG(status);
        r->exit_code = -WTERMSIG(status);
    }
    r->stdout_data = st[OUT_STDOUT].b.data;
    r->stdout_len = st[OUT_STDOUT].b.len;
    r->stdout_truncated = st[OUT_STDOUT].truncated;
    r->stderr_data = st[OUT_STDERR].b.data;
    r->stderr_len = st[OUT_STDERR].b.len;
    r->stderr_truncated = st[OUT_STDERR].truncated;
    buf_init(&st[OUT_STDOUT].b);
    buf_init(&st[OUT_STDERR].b);
    if (s->display) {
        s->display->data = st[OUT_DISPLAY].b.data;
        s->display->len = st[OUT_DISPLAY].b.len;
        s->display->truncated = st[OUT_DISPLAY].truncated;
        buf_init(&st[OUT_DISPLAY].b);
    }
    ret = 0;
out:
    close_fd(&in[0]);
    close_fd(&in[1]);
    for (int k = 0; k < NOUT; k++) {
        close_fd(&pipes[k][0]);
        close_fd(&pipes[k][1]);
        close_fd(&st[k].fd);
        buf_release(&st[k].b);
    }
    close_fd(&timer);
    return ret;
}

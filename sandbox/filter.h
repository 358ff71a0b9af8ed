/* filter: the seccomp filter every job runs under, built once with
 * libseccomp and kept as raw BPF so the sandbox child can load it with one
 * prctl() (no allocation between clone and execve). */
#ifndef EXECQ_FILTER_H
#define EXECQ_FILTER_H

#include <linux/filter.h>
#include <stddef.h>

struct filter {
    struct sock_filter *insns;   /* owned; freed by filter_release() */
    unsigned short len;
};

/* Builds the filter. Returns 0, or -1 with the reason in errstr. */
int filter_build(struct filter *f, char *errstr, size_t errstr_size);
void filter_release(struct filter *f);

/* Loads the filter into the calling thread; needs no_new_privs. Only
 * syscalls: safe in a child of a multi-threaded process. Returns 0 or -1. */
int filter_load(const struct filter *f);

#endif

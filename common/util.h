/* util: small helpers both programs use: clocks, ids, string buffers. */
#ifndef EXECQ_UTIL_H
#define EXECQ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC (for deadlines) and CLOCK_REALTIME (for
 * messages); microseconds on CLOCK_MONOTONIC (the job timeout). */
int64_t util_mono_ms(void);
int64_t util_mono_us(void);
int64_t util_wall_ms(void);

/* Sleeps ms milliseconds (a signal may end it early). */
void util_sleep_ms(long ms);

/* Fills p with n bytes from the kernel's CSPRNG (getrandom, retried). */
void util_random(void *p, size_t n);

/* Writes a random UUIDv4 ("8-4-4-4-12" hex, 36 chars + NUL) into out[37]. */
void util_uuid(char out[37]);

/* Returns 1 if s is a well-formed id as made by util_uuid (safe as a key and in logs). */
int util_id_valid(const char *s);

/* FNV-1a of a NUL-ended string: a stable hash (the same on every host and
 * release), for a fixed choice such as an executor's sessions partition. */
uint32_t util_fnv1a(const char *s);

/* A growable byte buffer. buf_init does not allocate; buf_release frees data. */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};
void buf_init(struct buf *b);
void buf_release(struct buf *b);
/* Appends n bytes and keeps data NUL-terminated. Returns 0, or -1 on ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Copies s into a malloc'd string; the caller frees it. Aborts on ENOMEM. */
char *util_strdup(const char *s);

/* Writes all n bytes to fd (a socket: MSG_NOSIGNAL), riding out EINTR.
 * Returns 0, or -1 with errno. */
int util_send_all(int fd, const void *p, size_t n);



/* Starts a detached thread that ends the process with exit status 1 (and a
 * log line) if it is still alive seconds from now: a clean shutdown that
 * hangs (librdkafka's destroy can, with the brokers gone) must not leave the
 * process running. */
void util_shutdown_watchdog(int seconds);
#endif

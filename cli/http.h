/* http: the command-line client's one way to talk to the API (libcurl).
 * One request at a time, JSON in and out, the API key as a Bearer token. */
#ifndef EXECQ_HTTP_H
#define EXECQ_HTTP_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct http {
    char url[512];       /* base URL, no trailing slash: http://127.0.0.1:8080 */
    char key[256];       /* API key; "" sends no Authorization */
    long timeout_s;      /* whole request, connection included; 0: none (a followed stream, given up after a minute of silence) */
};

struct http_answer {
    long status;         /* HTTP status; 0 when no answer came */
    cJSON *body;         /* the parsed body, or NULL if it was not JSON */
    char job_id[64];     /* the X-Job-Id header, "" if none */
    long retry_after_s;  /* the Retry-After header, 0 if none */
};

/* Once per process, before any request; returns 0 or -1. */
int http_global_init(void);

/* Sends method path (with its query) and body (NULL for none; not taken)
 * with idem as Idempotency-Key when not NULL. Fills *a (release it with
 * http_answer_release). Returns 0 when an answer came, whatever its status,
 * or -1 with the reason in errstr (no connection, timeout). */
int http_request(const struct http *h, const char *method, const char *path, const char *body, const char *idem,
                 struct http_answer *a, char *errstr, size_t errstr_size);

/* The same for an answer that may be a stream of Server-Sent Events
 * (text/event-stream): on_event(ctx, event, data) is called for each event
 * as it arrives (data: its data lines joined by newlines), and a->body is
 * the data of the last one, parsed (a streamed call's result or error).
 * Any other answer fills a->body as http_request does. Comments and ids
 * are skipped. on_event returns 0, or -1 to stop reading (-1 returned). */
int http_stream(const struct http *h, const char *path, const char *body,
                int (*on_event)(void *ctx, const char *event, const char *data), void *ctx, struct http_answer *a,
                char *errstr, size_t errstr_size);

/* The same with GET, for a stream that can be resumed: last_id ("" for
 * none) is sent as Last-Event-ID, and holds the id of the last event read
 * when this returns (whether the stream ended or broke off). */
int http_follow(const struct http *h, const char *path, char last_id[48],
                int (*on_event)(void *ctx, const char *event, const char *data), void *ctx, struct http_answer *a,
                char *errstr, size_t errstr_size);

void http_answer_release(struct http_answer *a);

/* From now on every request ends early (-1, "interrupted") once *flag is
 * non-zero (set by a SIGINT handler; seen within a second). NULL: never. */
#include <signal.h>
void http_interrupt(volatile sig_atomic_t *flag);

/* s percent-encoded for a query string, malloc'd (free it); NULL on ENOMEM. */
char *http_escape(const char *s);

/* The API's error of a non-2xx answer as "code: message" (or the status
 * alone when the body says nothing), into out. */
void http_error_text(const struct http_answer *a, char *out, size_t out_size);

#endif

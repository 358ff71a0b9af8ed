/* req: one HTTP request as the route handlers see it, and the toolkit they
 * answer with (req.c): set an answer or an error, finish or resume a
 * suspended call, wake the GETs waiting on a job, read a query argument,
 * render error and result bodies. Handlers (submit.c, query.c,
 * accounts.c, admin.c) and the Kafka threads (replies.c, results.c) use
 * it; it uses none of them, nor the server (api.c). */
#ifndef EXECQ_REQ_H
#define EXECQ_REQ_H

#include <microhttpd.h>
#include <stdint.h>

#include "api.h"
#include "sse.h"
#include "job.h"
#include "util.h"

enum route { ROUTE_NONE, ROUTE_EXEC, ROUTE_HEALTH, ROUTE_SIGNUP, ROUTE_ACCOUNT, ROUTE_JOBS, ROUTE_JOB,
             ROUTE_BATCHES, ROUTE_BATCH, ROUTE_METRICS, ROUTE_OPENAPI, ROUTE_ADMIN,
             ROUTE_KEY_ROTATE, ROUTE_JOB_CANCEL, ROUTE_JOB_EVENTS, ROUTE_SESSIONS, ROUTE_SESSION,
             ROUTE_SESSION_EXEC, ROUTE_SESSION_FORK, ROUTE_WEBHOOKS, ROUTE_WEBHOOKS_ROTATE,
             ROUTE_WEBHOOK_DELIVERIES, ROUTE_WEBHOOK_REPLAY, ROUTE_JOB_DELIVERIES, ROUTE_ENVS };   /* the last: api.c names each, in order */

/* One HTTP request. Allocated on its first handler call, freed when MHD
 * completes it. While suspended it is referenced by a->pending (sync call)
 * or a->waiters (GET with ?wait=); whoever takes it from there resumes it. */
struct api_req {
    struct MHD_Connection *conn;
    enum route route;
    const char *allow;        /* the route's method, for a 405's Allow header */
    struct buf body;
    int done;                 /* status and resp are set: answer on the next call */
    unsigned status;
    char *resp;               /* malloc'd JSON body */
    char account[40];
    char path_id[37];         /* the {id} of /v1/jobs/{id} and /v1/batches/{id} */
    int64_t wait_deadline;    /* util_mono_ms; 0: the GET does not wait */
    char job_id[37];          /* the job this request made or asks about: X-Job-Id, and job_id in errors */
    int retry_after_s;        /* > 0: a Retry-After header */
    int responded;            /* the answer is queued with MHD (maybe before the body was read) */
    int64_t t0_us;            /* util_mono_us when the request arrived: its latency */
    const char *ctype;        /* Content-Type when not JSON (static) */
    char path[160];           /* the URL's path (admin routes parse the rest) */
    char method[8];
    int sync_counted;         /* counted in the account's waiting sync calls (quota_enter) */
    int wait_counted;         /* counted in the account's waiting GETs */
    int cancel_on_disconnect; /* a sync call's job is cancelled if the caller goes away before its result */
    int session_create;       /* a POST /v1/sessions waiting for its create job: answered by sessions_created */
    char session_id[37];      /* the session it makes */
    atomic_int woken;         /* resumed by req_wake, not handled yet (counted in a->wakes_unhandled) */
    struct sse *sse;          /* a streamed call's events (a reference), or NULL */
    char cors_origin[256];    /* the Origin --cors-origins allows ("": no CORS headers) */
    int preflight;            /* an allowed browser's OPTIONS: 204 with what it may send */
    const struct store_callback *callback;   /* a job's or batch's callback, while it is accepted (NULL: none named) */
};

/* Sets r's answer; body is a malloc'd string r now owns. */
void req_set(struct api_req *r, unsigned status, char *body);
/* An error answer {"ok": false, "error": {code, message}}, with "job_id"
 * when r->job_id is set. */
void req_error(struct api_req *r, unsigned status, const char *code, const char *message);

/* 503 store_unavailable with Retry-After: the store (PostgreSQL or the
 * SQLite file) failed or does not answer in time; nothing was done. */
void req_store_down(struct api_req *r);

/* Finishes a suspended call with status and body (a malloc'd string that the
 * request now owns) and resumes its connection. Any thread. */
void req_finish(struct api_req *r, unsigned status, char *body);

/* Resumes one suspended request without answering it: its handler runs
 * again (a waiting GET then answers with what the store has). */
void req_resume(struct api_req *r);

/* Resumes every GET waiting on key (a job or batch id), paced so that the
 * HTTP thread keeps taking new connections. Any thread. */
void req_wake(struct api *a, const char *key);
/* The HTTP thread calls this as it handles r (or frees it): r is no longer
 * a wake it owes. */
void req_wake_handled(struct api *a, struct api_req *r);

/* 1 if the peer of conn has closed its end (a caller gone while its call
 * waits suspended, which libmicrohttpd does not watch), else 0. Any thread,
 * while conn lives. */
int req_conn_gone(struct MHD_Connection *conn);

/* The status a stored result (the parsed body of a job's "result")
 * was or would be answered with: 200 when the code ran, else by its
 * error's code (expired 504, cancelled 409, the rest 503). */
struct cJSON;
unsigned req_stored_status(const struct cJSON *result);

/* Returns a malloc'd error body {"ok":false,"error":{"code":..,"message":..}}. */
char *req_error_body(const char *code, const char *message);
/* The same with "job_id": id at the top level (id may be NULL or ""). */
char *req_job_error_body(const char *code, const char *message, const char *id);

/* The HTTP answer to a result: the seed's object (200) when the code ran
 * (with "cancelled": true when a cancel killed it), else an error (504
 * expired, 409 cancelled, 503 execution_failed: never ran, refunded).
 * Returns a malloc'd body and sets *status. */
char *req_result_body(const struct result *res, unsigned *status);

/* Reads a whole-number query argument (digits, an optional sign: "null"
 * or "1.5" are malformed). Returns 0 (absent: *v untouched), 1 (read), or
 * -1 (malformed or out of [min, max]). */
int req_query_long(struct api_req *r, const char *name, long min, long max, long *v);

#endif

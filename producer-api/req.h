/* req: one HTTP request as the route handlers see it, and the helpers they
 * answer with. Shared by api.c (the server) and the handlers in submit.c,
 * query.c and accounts.c. */
#ifndef EXECQ_REQ_H
#define EXECQ_REQ_H

#include <microhttpd.h>
#include <stdint.h>

#include "api.h"
#include "util.h"

enum route { ROUTE_NONE, ROUTE_EXEC, ROUTE_HEALTH, ROUTE_SIGNUP, ROUTE_ACCOUNT, ROUTE_JOBS, ROUTE_JOB,
             ROUTE_BATCHES, ROUTE_BATCH, ROUTE_METRICS, ROUTE_OPENAPI, ROUTE_ADMIN,
             ROUTE_KEY_ROTATE };

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
    atomic_int woken;         /* resumed by api_wake, not handled yet (counted in a->wakes_unhandled) */
};

/* Sets r's answer; body is a malloc'd string r now owns. */
void req_set(struct api_req *r, unsigned status, char *body);
/* An error answer {"ok": false, "error": {code, message}}, with "job_id"
 * when r->job_id is set. */
void req_error(struct api_req *r, unsigned status, const char *code, const char *message);

/* 503 store_unavailable with Retry-After: the store (PostgreSQL or the
 * SQLite file) failed or does not answer in time; nothing was done. */
void req_store_down(struct api_req *r);

/* Marks job id, accepted and charged but never handed to Kafka, failed
 * (queue_unavailable, why) and refunded, and wakes whoever waits for it. */
void submit_fail_unqueued(struct api *a, const char *id, const char *why);

/* The route handlers. Each sets r's answer, or suspends r (sync calls and
 * waiting GETs) to be resumed later. */
void submit_exec(struct api *a, struct api_req *r);
void submit_job(struct api *a, struct api_req *r);
void submit_batch(struct api *a, struct api_req *r);
void query_job(struct api *a, struct api_req *r);
void query_batch(struct api *a, struct api_req *r);
/* Answers a repeated sync call (r->path_id: its job) with the job's result,
 * as the first call got it, waiting until r->wait_deadline if needed. */
void query_replay(struct api *a, struct api_req *r);
void accounts_signup(struct api *a, struct api_req *r);
void accounts_get(struct api *a, struct api_req *r);

/* Reads a whole-number query argument (digits, an optional sign: "null"
 * or "1.5" are malformed). Returns 0 (absent: *v untouched), 1 (read), or
 * -1 (malformed or out of [min, max]). */
int req_query_long(struct api_req *r, const char *name, long min, long max, long *v);

#endif

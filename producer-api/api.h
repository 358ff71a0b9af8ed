/* api: the HTTP front (libmicrohttpd). Routes, request validation, and the
 * hand-off of each sync call to Kafka; the call's connection is suspended
 * (no thread held) until replies.c finishes it. */
#ifndef EXECQ_API_H
#define EXECQ_API_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "cfg.h"
#include "job.h"
#include "pending.h"
#include "quota.h"
#include "store.h"

struct api_req;

struct api {
    const struct cfg *cfg;
    struct MHD_Daemon *mhd;
    rd_kafka_t *producer;       /* jobs out; delivery reports served by replies.c */
    rd_kafka_t *replies;        /* results in, group-less, assigned at the end */
    struct pending *pending;    /* job id -> struct api_req * (sync calls) */
    struct pending *waiters;    /* job or batch id -> struct api_req * (GETs with ?wait=) */
    struct store *store;
    rd_kafka_t *results;        /* results in, group: stores every result, commits after */
    pthread_t reply_thread, health_thread, results_thread;
    atomic_int kafka_ok;        /* the health thread's checks answered (read it through api_kafka_up) */
    atomic_int jobs_partitions; /* of the jobs and batch topics (the health thread keeps them; 0: by key) */
    atomic_int batch_partitions;
    atomic_uint next_partition; /* round robin of api_produce_job */
    atomic_int reply_ready;     /* the reply consumer has a position */
    int reply_partition;        /* of the results topic: this API's sync replies (cfg, or claimed) */
    char reply_owner[320];      /* the lease's owner when claimed, else "" */
    atomic_int stopping;
    atomic_int wakes_unhandled; /* waiting GETs api_wake resumed that the HTTP thread has not handled yet */
    struct store_limits limits; /* per-account async/batch limits, from cfg */
    char admin_token[256];      /* the operator token; "" = no admin API */
    struct quota *rate;        /* per-account request rate and own limits */
    /* Jobs Kafka acknowledged, to mark produced in the store: noted by the
     * reply thread's delivery reports, written by the results thread (no
     * store call on the reply path). */
    pthread_mutex_t produced_mu;
    char (*produced)[37];
    size_t nproduced, produced_cap;
};

/* Connects to Kafka, creates topics, assigns the reply consumer, then starts
 * the reply and health threads and the HTTP daemon (served only once the
 * reply consumer has a position). Returns 0, or -1 with the reason. */
int api_start(struct api *a, const struct cfg *c, char *errstr, size_t errstr_size);

/* Answers every waiting call with 503, stops HTTP and the threads, flushes
 * the producer and frees everything. */
void api_stop(struct api *a);

/* Whether Kafka takes jobs: the health thread's checks pass and no
 * producer has seen every broker connection down since. */
int api_kafka_up(struct api *a);

/* Finishes a suspended call with status and body (a malloc'd string that the
 * request now owns) and resumes its connection. Any thread. */
void api_req_finish(struct api_req *r, unsigned status, char *body);

/* Returns a malloc'd error body {"ok":false,"error":{"code":..,"message":..}}. */
char *api_error_json(const char *code, const char *message);
/* The same with "job_id": id at the top level (id may be NULL or ""). */
char *api_job_error_json(const char *code, const char *message, const char *id);

/* The HTTP answer to a result: the seed's object (200) when the code ran,
 * else an error (504 expired, 503 execution_failed: never ran, refunded).
 * Returns a malloc'd body and sets *status. */
char *api_result_body(const struct result *res, unsigned *status);

/* Resumes one suspended request without answering it: its handler runs
 * again (a waiting GET then answers with what the store has). */
void api_resume(struct api_req *r);

/* Resumes every GET waiting on key (a job or batch id). Any thread. */
void api_wake(struct api *a, const char *key);

/* Publishes account's state (suspended or not) as of at_ms (when it was
 * set: executors keep the newest notice of an account, so a re-sent older
 * one never undoes a later change) to the accounts topic, where every
 * executor reads it. Returns 0 or -1 (logged). */
int api_publish_account(struct api *a, const char *account, int suspended, int64_t at_ms);

/* Produces a job message (json: taken, freed by librdkafka) to the jobs
 * topic. Returns 0 or the librdkafka error. */
rd_kafka_resp_err_t api_produce_job(struct api *a, const char *id, const char *kind, char *json);

#endif

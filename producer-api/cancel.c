/* cancel: POST /v1/jobs/{id}/cancel (routes.h). The executors decide what
 * a cancel does, since only they know whether the job has started: a
 * notice on the control topic, which every executor reads, keeps the job
 * from running (failed, cancelled, refunded) or kills it where it runs
 * (completed, cancelled, charged: it ran), and the result says which. A
 * job still held in the store (its account's turn had not come, so no
 * executor has it) is settled here at once, in the same transaction that
 * checks it is held. An ended job cannot be cancelled (409). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "log.h"
#include "produce.h"
#include "req.h"
#include "results.h"
#include "routes.h"
#include "util.h"

/* Longer than any job's deadline after its creation (async jobs: a day). */
#define CANCEL_KEEP_MS (25LL * 3600 * 1000)

/* Settles job id as cancelled if it is still held. Returns 1 if it was
 * (refunded now), 0 if not held, -1 if the store failed. */
static int cancel_held(struct api *a, const char *id)
{
    struct result res;
    struct store_outcome o = {0};
    unsigned status;
    char *body;
    long rc;

    result_init(&res);
    snprintf(res.id, sizeof(res.id), "%s", id);
    res.status = RESULT_FAILED;
    res.cancelled = 1;
    snprintf(res.error, sizeof(res.error), "cancelled before it ran");
    body = req_result_body(&res, &status);
    o.id = id;
    o.http_json = body;
    o.outcome = "cancelled";
    o.refund = 1;
    o.only_held = 1;
    o.finished_ms = util_wall_ms();
    rc = store_results(a->store, &o, 1);
    free(body);
    result_release(&res);
    if (rc < 0)
        return -1;
    if (o.stored) {
        results_count_outcome("cancelled");
        req_wake(a, id);
        if (o.batch_id[0])
            req_wake(a, o.batch_id);
    }
    return o.stored;
}

/* The answer: {"ok", "job_id", "status": cancelled | cancelling}. */
static char *answer(const char *id, const char *status, const char *note)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddBoolToObject(o, "ok", 1);
    cJSON_AddStringToObject(o, "job_id", id);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddStringToObject(o, "note", note);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

void cancel_job(struct api *a, struct api_req *r)
{
    struct store_job j;
    rd_kafka_resp_err_t err;
    int rc;

    memset(&j, 0, sizeof(j));
    rc = store_job_get(a->store, r->path_id, r->account, &j);
    if (rc < 0) {
        req_store_down(r);
        return;
    }
    if (rc > 0) {
        req_error(r, 404, "not_found", "no such job for this key");
        return;
    }
    memcpy(r->job_id, j.id, sizeof(r->job_id));
    if (strcmp(j.status, "completed") == 0) {
        req_error(r, 409, "already_finished", "the job has ended: there is nothing to cancel (see GET /v1/jobs/{id})");
        goto out;
    }
    /* First the notice, so that a held job released meanwhile is caught by
     * the executor that takes it. */
    err = produce_cancel(a, j.id, j.created_ms + CANCEL_KEEP_MS);
    if (err) {
        char msg[200];
        r->retry_after_s = 1;
        snprintf(msg, sizeof(msg), "could not tell the executors: %s; nothing was cancelled", rd_kafka_err2str(err));
        req_error(r, 503, "queue_unavailable", msg);
        goto out;
    }
    rc = cancel_held(a, j.id);
    if (rc < 0) {
        req_store_down(r);
        goto out;
    }
    log_msg(LOG_INFO, "job=%s cancel asked%s", j.id, rc ? ": it was held, cancelled and refunded" : "");
    if (rc)
        req_set(r, 200, answer(j.id, "cancelled", "it never ran; refunded"));
    else
        req_set(r, 202, answer(j.id, "cancelling", "an executor that has not started it never will (refunded); "
                                                   "one running it kills it (charged: it ran). GET /v1/jobs/{id} "
                                                   "with ?wait= gives the result"));
out:
    store_job_release(&j);
}

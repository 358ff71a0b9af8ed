/* query: GET /v1/jobs/{id} and GET /v1/batches/{id}, with ?wait=N; and
 * the answer to a repeated sync call. */
#ifndef EXECQ_QUERY_H
#define EXECQ_QUERY_H

#include "api.h"

struct api_req;

/* The handlers: each sets r's answer, or suspends r until what it asks
 * about ends or its wait is over. */
void query_job(struct api *a, struct api_req *r);
void query_batch(struct api *a, struct api_req *r);

/* Answers a repeated sync call (r->path_id: its job) with the job's result,
 * as the first call got it, waiting until r->wait_deadline if needed. */
void query_replay(struct api *a, struct api_req *r);

#endif

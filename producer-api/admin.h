/* admin: the operator's API, under /v1/admin/, authenticated by the
 * operator token (EXECQ_ADMIN_TOKEN or --admin-token-file; never a user
 * key; with none configured every admin path is 404):
 *   GET  accounts?q=&offset=&limit=        accounts, paged, searched by id
 *   GET  accounts/{id}                     one account and its keys
 *   GET  accounts/{id}/usage?days=N        per day: runs, credits, CPU time
 *   GET  accounts/{id}/audit?limit=N       the operator changes to it, newest first
 *   POST accounts/{id}/credits             {"credits", "reason"}; Idempotency-Key
 *   POST accounts/{id}/keys                {"grace_s", "reason"}: a new key, the old ones expire after grace_s
 *   POST accounts/{id}/keys/revoke         {"reason"}: every key expires now
 *   POST accounts/{id}/suspend|reinstate   {"reason"}: a suspended account's calls get 403
 *   POST accounts/{id}/limits              {"max_queued", "max_open", "requests_per_s",
 *                                           "max_batch_jobs", "reason"}: its own limits (null: default)
 * Each change is written with an audit row (who, when, what, why). */
#ifndef EXECQ_ADMIN_H
#define EXECQ_ADMIN_H

#include "api.h"

struct api_req;

/* Answers r, an authenticated request under /v1/admin/. */
void admin_handle(struct api *a, struct api_req *r);

/* POST /v1/keys/rotate {"grace_s": N}: a new key for the caller's account,
 * shown once; the key the call came with expires after grace_s (default
 * 3600). */
void admin_rotate_own_key(struct api *a, struct api_req *r);

#endif

/* envlist: the environments (package sets) the executors offer, as they
 * announce them on the envs topic (schemas/env.schema.json; executor/envs.h
 * builds them). A thread reads the topic from its start and keeps each
 * executor's latest notice per environment; a notice older than
 * ENVLIST_STALE_MS (its executor gone without a word) no longer counts.
 * GET /v1/envs lists them; every job, batch and session that names an
 * "env" is checked here before anything is charged. */
#ifndef EXECQ_ENVLIST_H
#define EXECQ_ENVLIST_H

#include <stddef.h>

#include "cfg.h"

#define ENVLIST_STALE_MS 180000

struct envlist;

/* Starts the reader (and waits up to 10 s for it to reach the topic's end).
 * Returns the handle, or NULL with the reason in errstr. */
struct envlist *envlist_start(const struct cfg *c, char *errstr, size_t errstr_size);
void envlist_stop(struct envlist *l);   /* NULL-safe */

/* Whether a job may name env ("" or "default": always). Returns 0 if some
 * executor has it ready; else -1 with the answer filled: 400 unknown_env
 * (no executor offers it; msg lists those that do) or 409 env_unavailable
 * (offered, but building or failed everywhere; msg says which and why). */
int envlist_check(struct envlist *l, const char *env, unsigned *status, const char **code, char *msg,
                  size_t msg_size);

/* The body of GET /v1/envs (malloc'd JSON; the caller frees it). */
char *envlist_json(struct envlist *l);

/* Environments known, ready somewhere (metrics). */
long envlist_count(struct envlist *l, int ready_only);

#endif

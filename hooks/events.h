/* events: the body of each callback event (docs/webhooks.md), made once
 * when its subject ends (store_hook_make calls events_make). */
#ifndef EXECQ_EVENTS_H
#define EXECQ_EVENTS_H

#include <stddef.h>

struct store_hook_subject;

struct events_cfg {
    const char *public_url;   /* prefix of the links ("" : paths) */
    size_t max_body;          /* bytes; a larger job result loses its files and images */
};

/* The event's JSON body (malloc'd; the caller frees it): {"id", "type",
 * "created_at_ms", "account", "data"}; data is the job's result (as GET
 * /v1/jobs/{id} has it), the batch's counts or the session's end, with
 * links. arg: a const struct events_cfg *. NULL when out of memory. */
char *events_make(const struct store_hook_subject *x, const char *event_id, void *arg);

#endif

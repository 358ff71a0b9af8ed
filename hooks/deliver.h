/* deliver: execq-hooks' sender. Claims due events from the store (store.h
 * store_hook_claim), POSTs each, signed, over libcurl's multi interface
 * (one thread, up to hooks-max-inflight at once, hooks-per-destination per
 * scheme://host:port), and records every attempt: delivered (a 2xx), or
 * retried with exponential backoff and full jitter, or dead once past
 * its deadline.
 *
 * Safety, at every attempt: https only (unless allow-http-callbacks), no
 * redirect followed, no proxy, the answer's body read to 64 KiB at most,
 * and each address curl is about to connect to checked after DNS
 * (webhook_addr_refused, unless allow-private-callbacks): a name that
 * resolves, or re-resolves, to a private address is refused there. */
#ifndef EXECQ_DELIVER_H
#define EXECQ_DELIVER_H

#include <stddef.h>

struct cfg;
struct store;
struct deliver;

/* owner: this daemon's name in the store's leases. Returns the sender, or
 * NULL with the reason in errstr. The caller frees it with deliver_free. */
struct deliver *deliver_new(const struct cfg *c, struct store *s, const char *owner, char *errstr,
                            size_t errstr_size);
void deliver_free(struct deliver *d);   /* NULL-safe; abandons what is in flight (its leases lapse) */

/* One round: claims due events into free slots (when claim), starts them,
 * waits up to wait_ms for a transfer to progress or deliver_wakeup, and
 * records what finished. Returns the transfers still in flight. */
int deliver_round(struct deliver *d, int claim, long wait_ms);
/* Ends deliver_round's wait early; any thread. */
void deliver_wakeup(struct deliver *d);
/* New events were made: the next round claims at once (the sender's thread). */
void deliver_poke(struct deliver *d);

/* Sends one test event ({"type": "ping"}) to url under c's rules, signed
 * with secret; writes what happened into out. Returns 0 when delivered (a
 * 2xx), 1 when not. `execq-hooks --probe URL`. */
int deliver_probe(const struct cfg *c, const char *url, const char *secret, char *out, size_t out_size);

#endif

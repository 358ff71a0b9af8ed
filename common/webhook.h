/* webhook: what the API and execq-hooks agree on about callbacks: the
 * events, which URLs may be named, which addresses may be connected to,
 * and the signature. Nothing here does I/O. */
#ifndef EXECQ_WEBHOOK_H
#define EXECQ_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;
struct cJSON;

/* Events, as a mask. */
#define WEBHOOK_JOB_COMPLETED 1u
#define WEBHOOK_BATCH_COMPLETED 2u
#define WEBHOOK_SESSION_ENDED 4u
#define WEBHOOK_ALL_EVENTS 7u

#define WEBHOOK_URL_MAX 2048

/* The name of one event bit ("job.completed", ...), or NULL. */
const char *webhook_event_name(unsigned bit);
/* A JSON array of event names into *mask, each one of allowed. v NULL or
 * JSON null: *mask = def. Returns 0, or -1 with the reason in why. */
int webhook_events_parse(const struct cJSON *v, unsigned allowed, unsigned def, unsigned *mask, char *why,
                         size_t why_size);
/* The names of mask's events, as a new JSON array (the caller owns it). */
struct cJSON *webhook_events_json(unsigned mask);

/* A callback URL as written: https (http too with allow_http), a host of
 * RFC 3986's reg-name characters (a name or an IPv4 address; no IPv6
 * literal, no user or password) of at most 255 bytes, a port 1-65535, a
 * path and query of its pchar characters (no fragment, no space or quote:
 * percent-encoded), at most WEBHOOK_URL_MAX bytes in all (the OpenAPI
 * document's pattern says the same). A literal address is held to
 * webhook_addr_refused, and localhost refused, unless allow_private.
 * Names are checked where they are resolved, at connect time
 * (execq-hooks). Returns 0, or -1 with the reason in why. */
int webhook_url_check(const char *url, int allow_http, int allow_private, char *why, size_t why_size);

/* 1 when sa (IPv4 or IPv6; IPv4-mapped IPv6 as IPv4) is an address no
 * callback may reach without --allow-private-callbacks: loopback,
 * private (RFC 1918, unique local), link-local (which holds the clouds'
 * metadata service, 169.254.169.254), carrier-grade NAT, unspecified,
 * multicast, broadcast, reserved, documentation and benchmarking ranges;
 * its kind in why. 0 when it is a public address. */
int webhook_addr_refused(const struct sockaddr *sa, char *why, size_t why_size);

/* The Execq-Signature header's value for body sent at t (unix seconds):
 * "t=<t>,v1=<hex HMAC-SHA256 under secret of "<t>.<body>">", and a second
 * v1 under prev_secret when one is given (a rotation's grace period).
 * Writes at most out_size bytes (160 fit both). */
void webhook_sign(const char *secret, const char *prev_secret, int64_t t, const char *body, size_t body_len, char *out,
                  size_t out_size);

/* A new signing secret: "whsec_" and 64 hex digits (256 random bits). */
void webhook_new_secret(char out[71]);

#endif

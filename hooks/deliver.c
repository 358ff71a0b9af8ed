/* deliver: callbacks over libcurl (deliver.h). */
#include "deliver.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "util.h"
#include "webhook.h"

#define BATCH 32               /* events claimed at most per round */
#define ANSWER_CAP 65536       /* bytes of a receiver's answer read at most */
#define CLAIM_IDLE_MS 250      /* nothing was due: look again this much later (or when poked) */

/* One transfer. */
struct xfer {
    struct store_hook_event ev;
    CURL *h;
    struct curl_slist *hdrs;
    int64_t t0_ms, t0_us;
    size_t answered;           /* bytes of the answer read */
    char refused[160];         /* why an address was refused, or "" */
    char err[CURL_ERROR_SIZE];
    int allow_private;
};

struct deliver {
    const struct cfg *c;
    struct store *s;
    char owner[160];
    CURLM *m;
    struct xfer **x;           /* in flight, hooks_max_inflight slots */
    int nx;
    int64_t claim_at;          /* util_mono_ms before which claiming finds nothing new */
    /* A round's ended transfers and their records (hooks_max_inflight each, made once) */
    struct xfer **done;
    struct store_hook_record *rec;
    char (*err)[300];
};

static struct metric *m_delivered, *m_retried, *m_dead, *m_lost_lease, *m_refused, *m_seconds, *m_inflight;

static void register_metrics(void)
{
    static const double bounds[] = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    static const char *help = "Callback attempts by outcome: delivered (2xx), retried (later), dead (given up).";

    m_delivered = metrics_counter("execq_hook_deliveries_total", help, "outcome=\"delivered\"");
    m_retried = metrics_counter("execq_hook_deliveries_total", help, "outcome=\"retried\"");
    m_dead = metrics_counter("execq_hook_deliveries_total", help, "outcome=\"dead\"");
    m_lost_lease = metrics_counter("execq_hook_lease_lost_total",
                                   "Attempts whose outcome another daemon had taken over (its lease passed).", "");
    m_refused = metrics_counter("execq_hook_refused_total",
                                "Connections refused by the address check (private, loopback, link-local, metadata).",
                                "");
    m_seconds = metrics_histogram("execq_hook_attempt_seconds", "Duration of one callback attempt.", "", bounds,
                                  sizeof(bounds) / sizeof(bounds[0]));
    m_inflight = metrics_gauge("execq_hook_inflight", "Callbacks being sent now by this daemon.", "");
}

/* libcurl asks for each socket it connects: the address after DNS, so a
 * name cannot point at what its literal could not (nor re-point there
 * after the URL was checked: DNS rebinding). */
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = arg;
    char why[64], ip[INET6_ADDRSTRLEN] = "?";

    (void)purpose;
    if (!x->allow_private && webhook_addr_refused(&a->addr, why, sizeof(why))) {
        if (a->family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&a->addr)->sin_addr, ip, sizeof(ip));
        else if (a->family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->addr)->sin6_addr, ip, sizeof(ip));
        snprintf(x->refused, sizeof(x->refused), "address %s is %s: refused (--allow-private-callbacks)", ip, why);
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t on_answer(char *p, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;

    (void)p;
    x->answered += size * n;
    return x->answered > ANSWER_CAP ? 0 : size * n;   /* 0: stop reading (CURLE_WRITE_ERROR) */
}

/* Sets up x's transfer of body to url. Returns 0 or -1. */
static int xfer_setup(struct xfer *x, const struct cfg *c, const char *url, const char *body, const char *id,
                      const char *type, long attempt, const char *secret, const char *prev_secret)
{
    char h[400], sig[200];
    int64_t t = util_wall_ms() / 1000;

    if (!(x->h = curl_easy_init()))
        return -1;
    x->allow_private = (int)c->allow_private_callbacks;
    webhook_sign(secret, prev_secret, t, body, strlen(body), sig, sizeof(sig));
    snprintf(h, sizeof(h), "Execq-Signature: %s", sig);
    x->hdrs = curl_slist_append(x->hdrs, h);
    snprintf(h, sizeof(h), "Execq-Event-Id: %s", id);
    x->hdrs = curl_slist_append(x->hdrs, h);
    snprintf(h, sizeof(h), "Execq-Event-Type: %s", type);
    x->hdrs = curl_slist_append(x->hdrs, h);
    snprintf(h, sizeof(h), "Execq-Attempt: %ld", attempt);
    x->hdrs = curl_slist_append(x->hdrs, h);
    x->hdrs = curl_slist_append(x->hdrs, "Content-Type: application/json");
    x->hdrs = curl_slist_append(x->hdrs, "Expect:");
    curl_easy_setopt(x->h, CURLOPT_URL, url);
    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, c->allow_http_callbacks ? "http,https" : "https");
    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(x->h, CURLOPT_PROXY, "");
    curl_easy_setopt(x->h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, c->hooks_timeout_ms);
    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, c->hooks_timeout_ms);
    curl_easy_setopt(x->h, CURLOPT_USERAGENT, "execq-hooks/1");
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(x->h, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->err);
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
    x->t0_ms = util_wall_ms();
    x->t0_us = util_mono_us();
    return 0;
}

static void xfer_free(struct xfer *x)
{
    if (!x)
        return;
    curl_easy_cleanup(x->h);
    curl_slist_free_all(x->hdrs);
    store_hook_event_release(&x->ev);
    free(x);
}

/* What x's attempt came to: its HTTP status (0: none) and, unless
 * delivered, why not in err. Returns 1 when delivered. */
static int xfer_outcome(struct xfer *x, CURLcode res, long *status, char *err, size_t err_size)
{
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, status);
    if (x->refused[0]) {
        snprintf(err, err_size, "%s", x->refused);
        return 0;
    }
    if ((res == CURLE_OK || res == CURLE_WRITE_ERROR) && *status >= 200 && *status < 300) {
        err[0] = '\0';   /* a 2xx, even with an answer past the cap */
        return 1;
    }
    if (res != CURLE_OK && res != CURLE_WRITE_ERROR)
        snprintf(err, err_size, "%s", x->err[0] ? x->err : curl_easy_strerror(res));
    else if (*status >= 300 && *status < 400)
        snprintf(err, err_size, "HTTP %ld: a redirect (not followed: give the final URL)", *status);
    else
        snprintf(err, err_size, "HTTP %ld", *status);
    return 0;
}

/* The delay before attempt n + 1 after n failed: base * 2^(n-1) capped,
 * with full jitter (uniform in [delay/2, delay]) so a receiver that comes
 * back is not hit by every event at once. */
static int64_t backoff_ms(const struct cfg *c, long n)
{
    double delay = (double)c->hooks_retry_base_ms;
    uint32_t r;

    for (long i = 1; i < n && delay < (double)c->hooks_retry_max_ms; i++)
        delay *= 2;
    if (delay > (double)c->hooks_retry_max_ms)
        delay = (double)c->hooks_retry_max_ms;
    util_random(&r, sizeof(r));
    return (int64_t)(delay / 2 + delay / 2 * (r / 4294967296.0));
}

/* What x's attempt came to, as a record for the store (err: its error's
 * storage, which it points into). */
static void outcome(struct deliver *d, struct xfer *x, CURLcode res, struct store_hook_record *r, char *err,
                    size_t err_size)
{
    long status = 0;
    int64_t now = util_wall_ms();

    memset(r, 0, sizeof(*r));
    r->id = x->ev.id;
    r->a.n = x->ev.attempts + 1;
    r->a.at_ms = x->t0_ms;
    r->a.ms = (long)((util_mono_us() - x->t0_us) / 1000);
    if (xfer_outcome(x, res, &status, err, err_size)) {
        r->state = "delivered";
    } else {
        r->next_ms = now + backoff_ms(d->c, r->a.n);
        r->state = r->next_ms > x->ev.deadline_ms ? "dead" : "pending";
    }
    r->a.status = (int)status;
    r->a.error = err;
}

/* Counts and logs x's recorded attempt (r). */
static void finished(const struct xfer *x, const struct store_hook_record *r, int stored)
{
    if (x->refused[0])
        metrics_add(m_refused, 1);
    metrics_observe(m_seconds, r->a.ms / 1000.0);
    if (stored && r->lost)
        metrics_add(m_lost_lease, 1);
    else if (stored)
        metrics_add(strcmp(r->state, "delivered") == 0 ? m_delivered : strcmp(r->state, "dead") == 0 ? m_dead
                                                                                                   : m_retried,
                    1);
    log_msg(strcmp(r->state, "delivered") == 0 ? LOG_DEBUG : LOG_INFO, "event=%s %s attempt=%ld %s: %s%s", x->ev.id,
            x->ev.type, r->a.n, r->state, r->a.error[0] ? r->a.error : "delivered",
            !stored ? " (not recorded: the store failed; tried again when its lease passes)"
            : r->lost ? " (its lease had passed: not recorded)" : "");
}

struct deliver *deliver_new(const struct cfg *c, struct store *s, const char *owner, char *errstr,
                            size_t errstr_size)
{
    struct deliver *d = calloc(1, sizeof(*d));

    size_t n = (size_t)c->hooks_max_inflight;

    if (!d || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(d->m = curl_multi_init()) ||
        !(d->x = calloc(n, sizeof(*d->x))) || !(d->done = calloc(n, sizeof(*d->done))) ||
        !(d->rec = calloc(n, sizeof(*d->rec))) || !(d->err = calloc(n, sizeof(*d->err)))) {
        snprintf(errstr, errstr_size, "cannot set up libcurl");
        deliver_free(d);
        return NULL;
    }
    d->c = c;
    d->s = s;
    snprintf(d->owner, sizeof(d->owner), "%s", owner);
    register_metrics();
    return d;
}

void deliver_free(struct deliver *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->nx; i++) {
        curl_multi_remove_handle(d->m, d->x[i]->h);
        xfer_free(d->x[i]);
    }
    free(d->x);
    free(d->done);
    free(d->rec);
    free(d->err);
    if (d->m)
        curl_multi_cleanup(d->m);
    free(d);
}

void deliver_wakeup(struct deliver *d)
{
    curl_multi_wakeup(d->m);
}

/* Records r[0..nr) and claims due events into the free slots (one
 * transaction), then starts them. Returns 0, or -1 when the store failed. */
static int record_and_claim(struct deliver *d, struct store_hook_record *r, size_t nr, int do_claim)
{
    struct store_hook_event ev[BATCH];
    long want = do_claim ? d->c->hooks_max_inflight - d->nx : 0, got;
    int64_t now = util_wall_ms();

    if (want > BATCH)
        want = BATCH;
    if (want < 0)
        want = 0;
    if (nr == 0 && want == 0)
        return 0;
    got = store_hook_claim(d->s, d->owner, r, nr, now, now + d->c->hooks_lease_ms, d->c->hooks_per_destination, ev,
                           want);
    if (got < 0)
        return -1;
    /* Nothing more due now: not asked again until something changes (a
     * transfer ends, events are made) or a retry may have come due. */
    d->claim_at = got < want ? util_mono_ms() + CLAIM_IDLE_MS : 0;
    for (long i = 0; i < got; i++) {
        struct xfer *x = calloc(1, sizeof(*x));
        if (!x || xfer_setup(x, d->c, ev[i].url, ev[i].body, ev[i].id, ev[i].type, ev[i].attempts + 1, ev[i].secret,
                             ev[i].prev_secret) < 0) {
            xfer_free(x);   /* its lease lapses; tried again then */
            store_hook_event_release(&ev[i]);
            continue;
        }
        x->ev = ev[i];
        curl_multi_add_handle(d->m, x->h);
        d->x[d->nx++] = x;
    }
    return 0;
}

void deliver_poke(struct deliver *d)
{
    d->claim_at = 0;
}

int deliver_round(struct deliver *d, int do_claim, long wait_ms)
{
    CURLMsg *msg;
    int running, left, ndone = 0, stored;

    curl_multi_perform(d->m, &running);
    if (d->nx > 0 || !do_claim || util_mono_ms() < d->claim_at)
        curl_multi_poll(d->m, NULL, 0, (int)wait_ms, NULL);
    curl_multi_perform(d->m, &running);
    /* Every attempt that ended this round: recorded, and the free slots
     * claimed again, in one transaction. */
    while (ndone < d->nx && (msg = curl_multi_info_read(d->m, &left))) {
        struct xfer *x = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        outcome(d, x, msg->data.result, &d->rec[ndone], d->err[ndone], sizeof(d->err[ndone]));
        curl_multi_remove_handle(d->m, x->h);
        for (int i = 0; i < d->nx; i++)
            if (d->x[i] == x) {
                d->x[i] = d->x[--d->nx];
                break;
            }
        d->done[ndone++] = x;
    }
    if (ndone > 0)
        d->claim_at = 0;
    stored = record_and_claim(d, d->rec, (size_t)ndone, do_claim && util_mono_ms() >= d->claim_at) == 0;
    for (int k = 0; k < ndone; k++) {
        finished(d->done[k], &d->rec[k], stored);
        xfer_free(d->done[k]);
    }
    metrics_set(m_inflight, d->nx);
    return d->nx;
}

int deliver_probe(const struct cfg *c, const char *url, const char *secret, char *out, size_t out_size)
{
    struct xfer x;
    char why[200], err[300], id[37], body[200];
    long status = 0;
    CURLcode res;
    int ok;

    memset(&x, 0, sizeof(x));
    if (webhook_url_check(url, (int)c->allow_http_callbacks, (int)c->allow_private_callbacks, why, sizeof(why)) < 0) {
        snprintf(out, out_size, "not sent: the URL %s", why);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    util_uuid(id);
    snprintf(body, sizeof(body), "{\"id\":\"%s\",\"type\":\"ping\",\"created_at_ms\":%lld,\"data\":{}}", id,
             (long long)util_wall_ms());
    if (xfer_setup(&x, c, url, body, id, "ping", 1, secret, NULL) < 0) {
        snprintf(out, out_size, "not sent: cannot set up libcurl");
        return 1;
    }
    res = curl_easy_perform(x.h);
    ok = xfer_outcome(&x, res, &status, err, sizeof(err));
    snprintf(out, out_size, "%s (HTTP %ld, %lld ms)%s%s", ok ? "delivered" : "not delivered", status,
             (long long)((util_mono_us() - x.t0_us) / 1000), ok ? "" : ": ", ok ? "" : err);
    curl_easy_cleanup(x.h);
    curl_slist_free_all(x.hdrs);
    return !ok;
}

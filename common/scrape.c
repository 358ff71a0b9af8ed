/* scrape: see scrape.h. */
#include "scrape.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "log.h"
#include "metrics.h"

struct scrape {
    struct MHD_Daemon *d;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    unsigned status = MHD_HTTP_OK;
    char *body;

    (void)cls, (void)version, (void)upload, (void)upload_size, (void)con_cls;
    if (strcmp(url, "/metrics") != 0) {
        status = MHD_HTTP_NOT_FOUND;
        body = strdup("only GET /metrics here\n");
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        body = strdup("use GET\n");
    } else {
        body = metrics_render();
    }
    if (!body)
        return MHD_NO;
    resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);   /* MHD frees body */
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            status == MHD_HTTP_OK ? METRICS_CONTENT_TYPE : "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

struct scrape *scrape_start(const char *addr, char *errstr, size_t errstr_size)
{
    struct scrape *s = NULL;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    char host[64];
    const char *colon = strrchr(addr, ':');
    int rc;

    if (!colon || colon == addr || !colon[1] || (size_t)(colon - addr) >= sizeof(host)) {
        snprintf(errstr, errstr_size, "metrics-addr \"%s\": want host:port", addr);
        return NULL;
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
    if ((rc = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
        snprintf(errstr, errstr_size, "metrics-addr %s: %s", addr, gai_strerror(rc));
        return NULL;
    }
    if (!(s = calloc(1, sizeof(*s))))
        goto fail;
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, NULL,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!s->d)
        goto fail;
    log_msg(LOG_INFO, "metrics on http://%s/metrics", addr);
    freeaddrinfo(ai);
    return s;
fail:
    snprintf(errstr, errstr_size, "metrics-addr %s: cannot listen (in use, or not this host's)", addr);
    free(s);
    freeaddrinfo(ai);
    return NULL;
}

void scrape_stop(struct scrape *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}

/* Unit tests of common/metrics.c (the exposition text, histogram buckets,
 * concurrent counting) and of common/log.c's JSON lines. The integration
 * tests parse real scrapes with prometheus_client's parser. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "metrics.h"

static struct metric *shared;

static void *count(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++)
        metrics_add(shared, 1);
    return NULL;
}

static double seven(void *arg)
{
    return *(double *)arg;
}

/* Runs one log line with stderr sent to a pipe; returns what was written. */
static void capture(char *out, size_t size, const char *msg)
{
    int p[2], saved = dup(2);
    ssize_t n;

    CHECK(pipe(p) == 0);
    dup2(p[1], 2);
    log_msg(LOG_INFO, "%s", msg);
    dup2(saved, 2);
    close(saved);
    close(p[1]);
    n = read(p[0], out, size - 1);
    out[n > 0 ? n : 0] = '\0';
    close(p[0]);
}

int main(void)
{
    static const double bounds[] = {0.1, 1};
    double v = 7;
    pthread_t t[4];
    struct metric *c1 = metrics_counter("t_jobs_total", "Jobs.", "outcome=\"a\"");
    struct metric *c2 = metrics_counter("t_jobs_total", "Jobs.", "outcome=\"b\"");
    struct metric *h = metrics_histogram("t_seconds", "Latency.", NULL, bounds, 2);
    struct metric *g = metrics_gauge("t_gauge", "A gauge.", NULL);
    char *text, line[4096];

    CHECK(c1 && c2 && h && g && c1 != c2);
    CHECK(metrics_counter("t_jobs_total", "Jobs.", "outcome=\"a\"") == c1);   /* the same series */
    metrics_add(c1, 2);
    metrics_add(c1, -5);   /* a counter never goes down */
    metrics_add(c2, 1);
    metrics_observe(h, 0.05);
    metrics_observe(h, 0.1);   /* le is inclusive */
    metrics_observe(h, 0.5);
    metrics_observe(h, 30);
    metrics_set(g, -3.5);
    metrics_gauge_fn("t_fn", "Read at scrape time.", NULL, seven, &v);
    metrics_add(NULL, 1);   /* NULL-safe */
    text = metrics_render();
    CHECK(text != NULL);
    CHECK(strstr(text, "# HELP t_jobs_total Jobs.\n# TYPE t_jobs_total counter\n"
                       "t_jobs_total{outcome=\"a\"} 2\nt_jobs_total{outcome=\"b\"} 1\n") != NULL);
    CHECK(strstr(text, "# TYPE t_seconds histogram\n") != NULL);
    CHECK(strstr(text, "t_seconds_bucket{le=\"0.1\"} 2\nt_seconds_bucket{le=\"1\"} 3\n"
                       "t_seconds_bucket{le=\"+Inf\"} 4\nt_seconds_sum 30.649999999999999\nt_seconds_count 4\n") != NULL);
    CHECK(strstr(text, "# TYPE t_gauge gauge\nt_gauge -3.5\n") != NULL);
    CHECK(strstr(text, "t_fn 7\n") != NULL);
    free(text);

    /* Lock-free counting from four threads loses nothing. */
    shared = metrics_counter("t_race_total", "Race.", NULL);
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, count, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    text = metrics_render();
    CHECK(strstr(text, "t_race_total 400000\n") != NULL);
    free(text);

    /* JSON logs: the text, and each key=value token as a field. */
    log_init("t", LOG_INFO);
    log_set_json(1);
    capture(line, sizeof(line), "job=ab-12 slot=1 outcome=completed exit=-9 ran_ms=26 said \"hi\"\tx=");
    CHECK(strstr(line, "\"level\":\"info\",\"prog\":\"t\",\"msg\":\"job=ab-12 slot=1 outcome=completed exit=-9 "
                       "ran_ms=26 said \\\"hi\\\"\\u0009x=\"") != NULL);
    CHECK(strstr(line, ",\"job\":\"ab-12\",\"slot\":1,\"outcome\":\"completed\",\"exit\":-9,\"ran_ms\":26}\n") != NULL);
    log_set_json(0);
    capture(line, sizeof(line), "plain job=x");
    CHECK(strstr(line, " info t: plain job=x\n") != NULL);
    CHECK_DONE();
}

/* Unit tests of producer-api/pending.c: take once, expire by deadline, cap. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "pending.h"

static int expired;
static void on_expire(void *data, void *arg)
{
    (void)arg;
    expired += *(int *)data;
}

/* pending_find and pending_each: the entries' data, in place, none taken. */
static void add_up(void *data, void *arg)
{
    *(int *)arg += *(int *)data;
}

static void test_find_and_each(void)
{
    struct pending *p = pending_new(10, 1);
    int a = 1, b = 20, sum = 0;

    CHECK(pending_add(p, "a", &a, 100) == 0 && pending_add(p, "b", &b, 100) == 0);
    CHECK(pending_find(p, "b", add_up, &sum) == 1 && sum == 20);
    CHECK(pending_find(p, "c", add_up, &sum) == 0 && sum == 20);
    sum = 0;
    pending_each(p, add_up, &sum);
    CHECK(sum == 21 && pending_count(p) == 2);   /* nothing taken */
    CHECK(pending_take(p, "a") == &a);
    sum = 0;
    pending_each(p, add_up, &sum);
    CHECK(sum == 20);
    pending_free(p);
}

int main(void)
{
    struct pending *p = pending_new(3, 1), *w = pending_new(10, 0);
    int a = 1, b = 10, c = 100, d = 1000;

    test_find_and_each();

    CHECK(pending_add(p, "a", &a, 100) == 0);
    CHECK(pending_add(p, "a", &a, 100) == -1);   /* ids are unique */
    CHECK(pending_add(p, "b", &b, 200) == 0);
    CHECK(pending_add(p, "c", &c, 300) == 0);
    CHECK(pending_add(p, "d", &d, 300) == -1);   /* full */
    CHECK(pending_count(p) == 3);
    CHECK(pending_take(p, "b") == &b);
    CHECK(pending_take(p, "b") == NULL);         /* a duplicate result finds nothing */
    CHECK(pending_expire(p, 150, on_expire, NULL) == 1);
    CHECK(expired == 1);
    CHECK(pending_take(p, "a") == NULL);         /* a late result after the 504 */
    CHECK(pending_expire(p, INT64_MAX, on_expire, NULL) == 1);
    CHECK(expired == 101);
    CHECK(pending_count(p) == 0);
    pending_free(p);
    /* Waiters: many per id, each removable by itself. */
    CHECK(pending_add(w, "job", &a, 100) == 0);
    CHECK(pending_add(w, "job", &b, 100) == 0);
    CHECK(pending_remove(w, "job", &c) == 0);
    CHECK(pending_remove(w, "job", &a) == 1);
    CHECK(pending_remove(w, "job", &a) == 0);
    CHECK(pending_take(w, "job") == &b);
    CHECK(pending_take(w, "job") == NULL);
    pending_free(w);
    CHECK_DONE();
}

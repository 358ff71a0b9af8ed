/* Unit tests of executor/answered.c: a job's outcome is remembered as
 * queued, then delivered, until enough newer jobs push it out. */
#include <stdio.h>

#include "answered.h"
#include "check.h"

static void id_of(int n, char out[37])
{
    snprintf(out, 37, "00000000-0000-4000-8000-%012d", n);
}

int main(void)
{
    struct answered *a = answered_new(100);
    char id[37];

    CHECK(a != NULL);
    id_of(1, id);
    CHECK(answered_state(a, id) == ANSWERED_NO);
    answered_queued(a, id);
    CHECK(answered_state(a, id) == ANSWERED_QUEUED);
    answered_delivered(a, id);
    CHECK(answered_state(a, id) == ANSWERED_DELIVERED);
    answered_queued(a, id);   /* a re-send after delivery does not step back */
    CHECK(answered_state(a, id) == ANSWERED_DELIVERED);
    /* The 100 newest are kept, the rest forgotten, through many
     * evictions (the index is rebuilt as tombstones pile up). */
    for (int n = 2; n <= 5000; n++) {
        id_of(n, id);
        answered_queued(a, id);
        if (n % 3 == 0)
            answered_delivered(a, id);
    }
    id_of(1, id);
    CHECK(answered_state(a, id) == ANSWERED_NO);
    id_of(4900, id);
    CHECK(answered_state(a, id) == ANSWERED_NO);
    id_of(4901, id);
    CHECK(answered_state(a, id) == ANSWERED_QUEUED);
    id_of(4902, id);
    CHECK(answered_state(a, id) == ANSWERED_DELIVERED);
    id_of(5000, id);
    CHECK(answered_state(a, id) == ANSWERED_QUEUED);
    answered_free(a);
    answered_free(NULL);
    CHECK_DONE();
}

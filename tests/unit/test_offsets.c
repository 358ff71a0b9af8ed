/* Unit tests of executor/offsets.c: commits never pass an unfinished job. */
#include "check.h"
#include "offsets.h"

int main(void)
{
    struct offsets *o = offsets_new();
    uint64_t g = offsets_begin(o, 0, 10);

    CHECK(g != 0);
    CHECK(offsets_begin(o, 0, 11) == g);
    CHECK(offsets_begin(o, 0, 12) == g);
    CHECK(offsets_begin(o, 3, 7) == g);
    CHECK(offsets_done(o, 0, 11, g) == -1);   /* 10 still running */
    CHECK(offsets_done(o, 0, 12, g) == -1);
    CHECK(offsets_done(o, 0, 10, g) == 13);   /* 10, 11, 12 all done */
    CHECK(offsets_done(o, 3, 7, g) == 8);     /* partitions are independent */
    CHECK(offsets_done(o, 0, 10, g) == -1);   /* a duplicate report moves nothing */
    offsets_begin(o, 0, 20);
    uint64_t g2 = offsets_reset(o);           /* rebalance */
    CHECK(g2 != g);
    CHECK(offsets_done(o, 0, 20, g) == -1);   /* stale ticket ignored */
    CHECK(offsets_begin(o, 0, 5) == g2);
    CHECK(offsets_done(o, 0, 5, g2) == 6);
    offsets_free(o);
    CHECK_DONE();
}

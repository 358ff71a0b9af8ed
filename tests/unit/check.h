/* check.h: the one assertion macro of the unit tests. Every CHECK counts;
 * main() ends with CHECK_DONE(), which prints "N passed, N failed" and
 * exits non-zero if anything failed. */
#ifndef EXECQ_CHECK_H
#define EXECQ_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            check_passed++;                                                      \
        } else {                                                                 \
            check_failed++;                                                      \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                        \
    } while (0)

#define CHECK_DONE()                                                             \
    do {                                                                         \
        printf("%s: %d passed, %d failed\n", __FILE__, check_passed, check_failed); \
        return check_failed ? 1 : 0;                                             \
    } while (0)

#endif

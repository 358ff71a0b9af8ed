/* Unit tests of executor/claim.c: subordinate-id ranges that overlap the
 * sandbox uids are found, disjoint ones are not; two claims on one lock file
 * conflict exactly when their ranges overlap, and a released claim frees
 * its range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "claim.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    char dir[] = "/tmp/execq-claimtest-XXXXXX", sub[300], lock[300], who[300], err[400], cmd[340];
    struct claim a, b, c;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(sub, sizeof(sub), "%s/subuid", dir);
    snprintf(lock, sizeof(lock), "%s/uids.lock", dir);
    put(sub, "# comment\nalice:100000:65536\nbob:300000:10\nbad line\n");
    CHECK(claim_overlaps_others(sub, NULL, 200000, 64, who, sizeof(who)) == 0);
    CHECK(claim_overlaps_others(sub, NULL, 165535, 2, who, sizeof(who)) == 1);   /* alice's last id */
    CHECK(strcmp(who, "alice (100000..165535)") == 0);
    CHECK(claim_overlaps_others(sub, NULL, 299990, 11, who, sizeof(who)) == 1);  /* bob's first id */
    CHECK(claim_overlaps_others(sub, NULL, 299990, 10, who, sizeof(who)) == 0);  /* ends just before */
    CHECK(claim_overlaps_others("/nonexistent/subuid", NULL, 1, 1, who, sizeof(who)) == 0);

    CHECK(claim_uids(&a, 200000, 64, lock, sub, sub, NULL, err, sizeof(err)) == 0);
    /* The same process may not hold two: claims are per open file
     * description, so even here an overlapping second one conflicts. */
    CHECK(claim_uids(&b, 200032, 64, lock, sub, sub, NULL, err, sizeof(err)) == -1);
    CHECK(strstr(err, "200000..200063") && strstr(err, "another executor"));
    CHECK(claim_uids(&b, 200064, 64, lock, sub, sub, NULL, err, sizeof(err)) == 0);   /* adjacent: fine */
    CHECK(claim_uids(&c, 150000, 10, lock, sub, sub, NULL, err, sizeof(err)) == -1);  /* alice's subuids */
    CHECK(strstr(err, "alice") != NULL);
    CHECK(claim_uids(&c, 65530, 10, lock, sub, sub, NULL, err, sizeof(err)) == -1);   /* nobody, 65534 */
    CHECK(strstr(err, "65534") != NULL);
    /* An empty range is refused: to fcntl a length of 0 means "to the end
     * of the file", which took every uid above base (a test executor with
     * slots 0 once blocked every executor above it this way). */
    CHECK(claim_uids(&c, 400000, 0, lock, sub, sub, NULL, err, sizeof(err)) == -1);
    CHECK(strstr(err, "no sandbox uids") != NULL);
    CHECK(claim_uids(&c, 500000, 4, lock, sub, sub, NULL, err, sizeof(err)) == 0);   /* so this one is free */
    claim_release(&c);
    claim_release(&a);
    CHECK(claim_uids(&c, 200032, 32, lock, sub, sub, NULL, err, sizeof(err)) == 0);  /* freed by release */
    claim_release(&b);
    claim_release(&c);
    claim_release(&c);   /* twice is fine */
    {
        /* A rootless executor's user (issue 28): its sandbox uids must lie
         * in one of its own ranges, named by user name or by uid, and in
         * no one else's. */
        struct claim_owner alice = {"alice", 1001}, carol = {"carol", 1003};
        put(sub, "alice:100000:65536\nbob:300000:10\n1003:400000:100\n");
        CHECK(claim_within_subids(sub, &alice, 100010, 20) == 1);
        CHECK(claim_within_subids(sub, &alice, 165530, 20) == 0);   /* runs past its end */
        CHECK(claim_within_subids(sub, &carol, 400000, 100) == 1);   /* by uid */
        CHECK(claim_within_subids(sub, &carol, 400000, 101) == 0);   /* one past its end */
        CHECK(claim_overlaps_others(sub, &alice, 100010, 20, who, sizeof(who)) == 0);   /* its own */
        CHECK(claim_overlaps_others(sub, &carol, 100010, 20, who, sizeof(who)) == 1);   /* alice's */
        CHECK(claim_uids(&a, 100010, 20, lock, sub, sub, &alice, err, sizeof(err)) == 0);
        claim_release(&a);
        CHECK(claim_uids(&a, 100010, 20, lock, sub, sub, &carol, err, sizeof(err)) == -1);
        CHECK(strstr(err, "alice") != NULL);
        CHECK(claim_uids(&a, 500000, 20, lock, sub, sub, &carol, err, sizeof(err)) == -1);   /* nobody's */
        CHECK(strstr(err, "not in a range of carol's") != NULL);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    CHECK_DONE();
}

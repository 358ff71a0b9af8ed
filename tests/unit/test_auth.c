/* Unit tests of producer-api/auth.c. */
#include <string.h>

#include "auth.h"
#include "check.h"

int main(void)
{
    struct cfg c;
    char acct[64], err[160];
    char *argv[] = {"x", NULL};

    cfg_load(&c, CFG_API, 1, argv, err, sizeof(err));
    CHECK(auth_check(&c, "Bearer demo_key_slopshop", acct, sizeof(acct), err, sizeof(err)) == 0);
    CHECK(strcmp(acct, "demo") == 0);
    CHECK(auth_check(&c, "bearer demo_key_slopshop", acct, sizeof(acct), err, sizeof(err)) == 0);
    CHECK(auth_check(&c, NULL, acct, sizeof(acct), err, sizeof(err)) == -1 && strstr(err, "missing"));
    CHECK(auth_check(&c, "Basic abc", acct, sizeof(acct), err, sizeof(err)) == -1);
    CHECK(auth_check(&c, "Bearer demo_key_slopsho", acct, sizeof(acct), err, sizeof(err)) == -1);
    CHECK(auth_check(&c, "Bearer demo_key_slopshopX", acct, sizeof(acct), err, sizeof(err)) == -1);
    CHECK(auth_check(&c, "Bearer ", acct, sizeof(acct), err, sizeof(err)) == -1);
    CHECK_DONE();
}

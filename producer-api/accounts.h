/* accounts: POST /v1/signup (a new account and its first key, shown once)
 * and GET /v1/account (the caller's balance and usage). */
#ifndef EXECQ_ACCOUNTS_H
#define EXECQ_ACCOUNTS_H

#include "api.h"

struct api_req;

void accounts_signup(struct api *a, struct api_req *r);
void accounts_get(struct api *a, struct api_req *r);

#endif

/* session: the client's session commands (the /v1/sessions routes):
 * `execq session create|exec|fork|ls|show|rm` and `execq repl`, a prompt
 * like python3's whose statements run in a session. */
#ifndef EXECQ_CLI_SESSION_H
#define EXECQ_CLI_SESSION_H

#include "http.h"

/* argv[0] is "session" or "repl"; each returns the process's exit code. */
int session_main(struct http *h, int argc, char **argv);
int repl_main(struct http *h, int argc, char **argv);

#endif

// Generated from docs/openapi.json by scripts/gen-types.mjs (openapi-typescript). Do not edit:
// change the document, then `npm run gen`.
export interface paths {
    "/v1/exec-python": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run code and wait for its result (synchronous). */
        post: operations["execPython"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue a job (asynchronous). */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job's status, and its result once it has one. */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a job: a queued one never runs (refunded), a running one is killed (charged: it ran), an ended one answers 409. */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Follow a job: its output so far, then as it prints, then its result (Server-Sent Events); Last-Event-ID resumes. Any API serves any job. */
        get: operations["followJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queue many jobs at once, validated and charged as a whole. */
        post: operations["submitBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/batches/{batch_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A batch's counts and a page of its jobs, in submission order. */
        get: operations["getBatch"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/signup": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new account with the free credits; the key is shown once. */
        post: operations["signup"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/account": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The key's balance and totals. */
        get: operations["getAccount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/envs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The environments (package sets) jobs may name, with their Python, packages and state.
         * @description Each environment an executor offers: built from an operator's requirements file, wheels only, warmed in a zygote of its own. A job, batch or session names one with "env". See docs/api.md, Environments.
         */
        get: operations["listEnvs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether the API can take jobs. */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (text format 0.0.4), no key. */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document. */
        get: operations["openapi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/keys/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new key for the caller's account (shown once); the key of this call expires after grace_s. */
        post: operations["rotateOwnKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Accounts, oldest first, searched by a part of their id. */
        get: operations["adminListAccounts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One account and its keys. */
        get: operations["adminGetAccount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Per day (UTC): runs, credits charged and refunded, CPU time (as long as retention keeps the rows). */
        get: operations["adminUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/credits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Grant credits (what a payment system calls); idempotent with Idempotency-Key. */
        post: operations["adminGrant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new key (shown once); the account's other keys expire after grace_s. */
        post: operations["adminNewKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/keys/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Every key of the account expires now. */
        post: operations["adminRevoke"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Suspend: the account's calls get 403 account_suspended. */
        post: operations["adminSuspend"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/reinstate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Reinstate a suspended account. */
        post: operations["adminReinstate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/limits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Set the account's own limits; a limit left out is kept, null returns it to the default. */
        post: operations["adminLimits"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/admin/accounts/{account_id}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The operator's changes to the account (grants, keys, suspension, limits), newest first: who, when, what, why. */
        get: operations["adminAudit"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's sessions, newest first (the last 100). */
        get: operations["listSessions"];
        put?: never;
        /** Make a session: a Python whose globals, imports, open files and /tmp stay from one exec to the next. */
        post: operations["createSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{session_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A session's state: open or ended (and why), its execs, memory and idle time. */
        get: operations["getSession"];
        put?: never;
        post?: never;
        /** End a session: its process and sandbox go, and it is gone (404 from then on). */
        delete: operations["deleteSession"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{session_id}/exec": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run code in a session: the same interpreter as its execs before (a sync call, 5 credits). */
        post: operations["execSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/sessions/{session_id}/fork": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fork a session: a new session whose state is a copy-on-write copy of this one. */
        post: operations["forkSession"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's webhook settings: its default callback URL and events, and the secret that signs its callbacks (made on the first call). */
        get: operations["getWebhook"];
        put?: never;
        /** Sets the account's default callback URL and events (job.completed, batch.completed, session.ended; all three when none are named) for the jobs, batches and sessions made from now on without their own callback_url. */
        post: operations["setWebhook"];
        /** Removes the account's default callback URL (the secret stays; callbacks named by jobs still go). */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new signing secret; the previous one signs beside it (a second v1) for grace_s (default a day). */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The account's callback events, newest first: ?state=pending|delivered|dead (dead: the dead letters), ?subject= a job, batch or session id (then with every attempt), ?limit= (100, at most 1000). */
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/deliveries/{event_id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sends an event again (a dead letter, or one delivered already): pending from now, with a new 24-hour deadline; the same id and body. */
        post: operations["replayDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{job_id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job's callback events and every attempt to deliver them. */
        get: operations["getJobDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface webhooks {
    "job.completed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A job (async, or a batch's with job.completed asked for) has its result.
         * @description POSTed by execq-hooks to the callback URL (a job's, batch's or session's own, or the account's default: POST /v1/webhooks). A 2xx within 10 s is delivered; anything else is retried with exponential backoff for 24 h, then dead (GET /v1/webhooks/deliveries?state=dead; replay). Redirects are not followed.
         */
        post: operations["jobCompletedCallback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "batch.completed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Every job of a batch has its result.
         * @description POSTed by execq-hooks to the callback URL (a job's, batch's or session's own, or the account's default: POST /v1/webhooks). A 2xx within 10 s is delivered; anything else is retried with exponential backoff for 24 h, then dead (GET /v1/webhooks/deliveries?state=dead; replay). Redirects are not followed.
         */
        post: operations["batchCompletedCallback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "session.ended": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * A session ended (deleted, died, lost, idle or past its lifetime).
         * @description POSTed by execq-hooks to the callback URL (a job's, batch's or session's own, or the account's default: POST /v1/webhooks). A 2xx within 10 s is delivered; anything else is retried with exponential backoff for 24 h, then dead (GET /v1/webhooks/deliveries?state=dead; replay). Redirects are not followed.
         */
        post: operations["sessionEndedCallback"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export interface components {
    schemas: {
        /** @description Unknown fields are ignored. An optional field given as null is as if absent. The whole body is at most --max-body-bytes (1 MiB). */
        JobRequest: {
            /** @description Python source; no NUL. */
            code: string;
            /**
             * @description Seconds; fractions allowed.
             * @default 10
             */
            timeout: number | null;
            /** @description Standard input as text; no NUL. */
            stdin?: string | null;
            /** @description Standard input, any bytes; not with stdin. */
            stdin_b64?: string | null;
            /** @default 256 */
            memory_mb: number | null;
            /**
             * @description MiB of a private, writable /tmp (tmpfs, in memory, counted against memory_mb, gone with the job); HOME and TMPDIR point there, and files left in /tmp/out come back in the result. 0: the filesystem is read-only. At most --max-scratch-mb (512).
             * @default 0
             */
            scratch_mb: number | null;
            /** @description Input files, placed read-only under /input before the code starts; at most --max-input-bytes (8 MiB) together, and within --max-body-bytes. */
            files?: ({
                /** @description A relative path: parts separated by '/', none empty, '.' or '..', no leading '/', no control characters, at most 255 bytes and 8 parts. Distinct, and no file inside another's name. */
                name: string;
                /** @description The file's text, or its bytes in base64 when encoding is base64. */
                content: string;
                /**
                 * @default utf-8
                 * @enum {string|null}
                 */
                encoding: "utf-8" | "base64" | null;
            } & {
                [key: string]: components["schemas"]["AnyNoNul"];
            })[] | null;
            /**
             * @description For POST /v1/jobs and a batch's jobs: true publishes the job's output as it prints from its start, for GET /v1/jobs/{job_id}/events (without it, a job's output is published once it has run --live-after-ms, 1 s). POST /v1/exec-python: the answer itself is the stream (ExecRequest).
             * @default false
             */
            stream: boolean | null;
            /** @description The environment (package set) to run in, as GET /v1/envs lists them: "default" (the same as absent) or an operator's. 400 invalid_env for a malformed name, 400 unknown_env for one no executor offers, 409 env_unavailable for one still building or failed; nothing is charged then. */
            env?: string | null;
            /** @description Only on a server started with --allow-requirements (else 400 requirements_disabled): pip requirement strings (a name, optional [extras], version specifiers such as ==1.12 or >=1,<2; no option, URL, path, marker or space), at most --requirements-max (16). The job runs in an environment of exactly that set over the default packages, built from wheels on its executor's first use (a sync call waits up to --requirements-build-s longer; env_build_ms in the result) and kept: later jobs with the same set (in any order) start from its warm interpreter. Not with env. 400 invalid_requirements for a malformed one; a set that does not build fails the job unrun (503 execution_failed saying which package and why; refunded). */
            requirements?: string[] | null;
        } & {
            [key: string]: components["schemas"]["AnyNoNul"];
        };
        /** @description A job for POST /v1/exec-python: JobRequest's fields, stream and cancel_on_disconnect. */
        ExecRequest: {
            /**
             * @description true: the answer is a stream of Server-Sent Events (text/event-stream) as the job prints: stdout and stderr chunks, then the result object (event result) or the error (event error). The same as an Accept header naming text/event-stream. Errors before the job runs are the usual JSON answers. See docs/api.md, Streaming.
             * @default false
             */
            stream: boolean | null;
            /**
             * @description true: if the caller goes away before the result (the connection closes), the job is cancelled (POST /v1/jobs/{id}/cancel): a queued job never runs and is refunded, a running one is killed. By default it runs on, and its result is kept (GET /v1/jobs/{id}).
             * @default false
             */
            cancel_on_disconnect: boolean | null;
        } & (components["schemas"]["JobRequest"] & unknown);
        /** @description A batch. callback_url and callback_events belong to the batch; a job of the batch naming its own callback_url is refused (400). */
        BatchRequest: ({
            jobs: (components["schemas"]["JobRequest"] & unknown)[];
            /** @description The environment of every job of the batch that names none (a job's own env wins). */
            env?: string | null;
            callback_url?: components["schemas"]["CallbackUrl"];
            /** @description Which events go to callback_url (default ["batch.completed"]; "job.completed" adds one callback per job). Needs callback_url. */
            callback_events?: ("job.completed" | "batch.completed")[] | null;
        } & {
            [key: string]: components["schemas"]["AnyNoNul"];
        }) & unknown;
        Error: {
            /** @constant */
            ok: false;
            job_id?: string;
            error: {
                /** @enum {unknown} */
                code: "invalid_json" | "invalid_request" | "invalid_timeout" | "invalid_memory" | "invalid_scratch" | "invalid_files" | "unauthorized" | "insufficient_credits" | "account_suspended" | "not_found" | "method_not_allowed" | "payload_too_large" | "idempotency_key_reused" | "too_many_signups" | "too_many_jobs" | "rate_limited" | "headers_too_large" | "internal" | "bad_result" | "overloaded" | "queue_unavailable" | "execution_failed" | "shutting_down" | "no_result" | "expired" | "unconfirmed" | "lost" | "store_unavailable" | "cancelled" | "already_finished" | "session_unavailable" | "session_lost" | "session_starting" | "too_many_sessions" | "fork_unsupported" | "invalid_env" | "unknown_env" | "env_unavailable" | "invalid_requirements" | "requirements_disabled" | "invalid_callback_url" | "delivery_pending";
                message: string;
            };
        };
        ExecResult: {
            /** @constant */
            ok: true;
            stdout: components["schemas"]["stdout"];
            stderr: components["schemas"]["stderr"];
            stdout_base64?: components["schemas"]["stdout_base64"];
            stderr_base64?: components["schemas"]["stderr_base64"];
            exit_code: components["schemas"]["exit_code"];
            execution_time_ms: components["schemas"]["execution_time_ms"];
            timed_out: components["schemas"]["timed_out"];
            credits_used: components["schemas"]["credits_used"];
            /** @constant */
            _engine: "real";
            job_id: components["schemas"]["job_id"];
            cpu_time_ms: components["schemas"]["cpu_time_ms"];
            peak_memory_kb: components["schemas"]["peak_memory_kb"];
            memory_exceeded: components["schemas"]["memory_exceeded"];
            stdout_truncated: components["schemas"]["stdout_truncated"];
            stderr_truncated: components["schemas"]["stderr_truncated"];
            signal?: components["schemas"]["signal"];
            files?: components["schemas"]["files"];
            files_truncated?: components["schemas"]["files_truncated"];
            images?: components["schemas"]["images"];
            images_truncated?: components["schemas"]["images_truncated"];
            /** @description present, true, when POST /v1/jobs/{id}/cancel killed the job while it ran: its output so far is here, exit_code is -1, and it is charged (it ran) */
            cancelled?: boolean;
            session?: components["schemas"]["session"];
            env?: components["schemas"]["env"];
            env_cold_start_ms?: components["schemas"]["env_cold_start_ms"];
            env_build_ms?: components["schemas"]["env_build_ms"];
        };
        JobAccepted: {
            /** @constant */
            ok: true;
            job_id: string;
            /** @constant */
            status: "queued";
            credits_charged: number;
        };
        Job: {
            job_id: string;
            /** @enum {unknown} */
            status: "queued" | "running" | "completed";
            /** @enum {unknown} */
            kind: "sync" | "async" | "batch";
            batch_id?: string;
            created_at_ms: number;
            finished_at_ms?: number;
            /** @description Once completed: what the sync call answers (ExecResult), or the error when the job never ran. */
            result?: components["schemas"]["ExecResult"] | components["schemas"]["Error"];
        };
        JobAnswer: {
            /** @constant */
            ok: true;
            job: components["schemas"]["Job"];
        };
        BatchAccepted: {
            /** @constant */
            ok: true;
            batch_id: string;
            size: number;
            credits_charged: number;
            job_ids: string[];
        };
        Batch: {
            /** @constant */
            ok: true;
            batch_id: string;
            size: number;
            completed: boolean;
            counts: {
                queued: number;
                running: number;
                completed: number;
            };
            offset: number;
            limit: number;
            /** @description Where the next page starts; null at the end. A page also stops before 4 MiB of results. */
            next_offset: number | null;
            jobs: components["schemas"]["Job"][];
        };
        Signup: {
            /** @constant */
            ok: true;
            account_id: string;
            api_key: string;
            credits: number;
            note: string;
        };
        Account: {
            /** @constant */
            ok: true;
            account_id: string;
            balance: number;
            credits_granted: number;
            credits_charged: number;
            credits_refunded: number;
            runs: number;
            price_per_run: number;
            created_at_ms: number;
        };
        Health: {
            ok: boolean;
            /** @enum {unknown} */
            kafka: "up" | "down";
            reply_consumer_ready: boolean;
            waiting_calls: number;
        };
        KafkaJob: components["schemas"]["job.schema"];
        KafkaResult: components["schemas"]["result.schema"];
        KafkaStarted: components["schemas"]["started.schema"];
        AdminAccountSummary: {
            account_id: string;
            balance: number;
            credits_granted: number;
            credits_charged: number;
            credits_refunded: number;
            runs: number;
            created_at_ms: number;
            /** @description The reason, while suspended. */
            suspended: string | null;
        };
        AdminAccountList: {
            /** @constant */
            ok: true;
            accounts: components["schemas"]["AdminAccountSummary"][];
            offset: number;
            next_offset: number | null;
        };
        AdminAccount: {
            /** @constant */
            ok: true;
            account_id: string;
            balance: number;
            credits_granted: number;
            credits_charged: number;
            credits_refunded: number;
            runs: number;
            created_at_ms: number;
            /** @description The reason, while suspended. */
            suspended: string | null;
            keys: {
                key_id: string;
                created_at_ms: number;
                expires_at_ms: number | null;
            }[];
            limits: components["schemas"]["AccountLimits"];
            default_limits: components["schemas"]["DefaultLimits"];
        };
        Usage: {
            /** @constant */
            ok: true;
            account_id: string;
            days: {
                /** Format: date */
                day: string;
                runs: number;
                credits_charged: number;
                credits_refunded: number;
                cpu_time_ms: number;
            }[];
        };
        Grant: {
            /** @constant */
            ok: true;
            account_id: string;
            credits_granted: number;
            balance: number;
        };
        KeyIssued: {
            /** @constant */
            ok: true;
            account_id: string;
            api_key: string;
            old_keys_expire_at_ms: number;
            note: string;
        };
        AdminChange: {
            /** @constant */
            ok: true;
            account_id: string;
            suspended?: string | null;
            note?: string;
        };
        /** @description The account's own limits; null: the configured default (0: no limit). */
        AccountLimits: {
            max_queued: number | null;
            max_open: number | null;
            requests_per_s: number | null;
            max_batch_jobs: number | null;
            max_sessions: number | null;
        };
        DefaultLimits: {
            max_queued: number;
            max_open: number;
            requests_per_s: number;
            max_batch_jobs: number;
            max_sessions: number;
        };
        AdminLimits: {
            /** @constant */
            ok: true;
            account_id: string;
            limits: components["schemas"]["AccountLimits"];
            default_limits: components["schemas"]["DefaultLimits"];
        };
        Audit: {
            /** @constant */
            ok: true;
            account_id: string;
            audit: {
                at_ms: number;
                actor: string;
                /** @enum {unknown} */
                action: "grant" | "new key" | "expire keys" | "suspend" | "reinstate" | "limits";
                detail: string;
                reason: string;
            }[];
        };
        KafkaAccount: components["schemas"]["account.schema"];
        /** @description Any JSON value with no NUL character (\u0000) in any string or key: the server refuses a body with one anywhere (400), as its JSON parser would cut the string there. */
        AnyNoNul: unknown;
        KafkaOutput: components["schemas"]["output.schema"];
        CancelAnswer: {
            /** @constant */
            ok: true;
            job_id: string;
            /**
             * @description cancelled: the job was still held in the store and is settled now, never run, refunded; cancelling: every executor is told; the result says what became of it (GET /v1/jobs/{id}?wait=N)
             * @enum {unknown}
             */
            status: "cancelled" | "cancelling";
            note: string;
        };
        KafkaControl: components["schemas"]["control.schema"];
        /** @description One Server-Sent Event of a streamed call ("stream": true, or Accept: text/event-stream) or of a followed job (GET /v1/jobs/{job_id}/events); a comment line every --stream-keepalive-s (15 s) of silence. The stdout events put together are the result's stdout. See docs/api.md, Streaming and Following a job. */
        StreamEvent: {
            /**
             * @description stdout, stderr: {"offset", "text"} or {"offset", "base64"} (bytes that are not UTF-8); dropped: {"stream", "offset", "bytes"}, output not streamed (the client was behind; the result has it); restart: {"run"}, the job runs again from its start elsewhere, output starts over at offset 0; result: the ExecResult object, last; error: the error body of the non-streamed answer plus http_status, last.
             * @enum {unknown}
             */
            event: "stdout" | "stderr" | "dropped" | "restart" | "result" | "error";
            /** @description <stdout bytes>.<stderr bytes> sent so far */
            id?: string;
            /** @description one line of JSON, as the event says */
            data: string;
            retry?: number;
        };
        /** @description POST /v1/sessions: every field optional. callback_url: the session's end (session.ended) is POSTed there, signed, at least once (docs/webhooks.md); without one, the account's default webhook applies, if it takes session.ended. A fork's end goes where its parent's does. Decided when the session is made. */
        SessionRequest: {
            /** @description the session's memory limit, for everything it holds across execs (default --memory-mb, 256; at most --max-memory-mb, 1024) */
            memory_mb?: number | null;
            /** @description MiB of a private tmpfs at /tmp, kept across execs (counted against memory_mb; default 0: none; at most --max-scratch-mb, 512). A session with scratch space cannot be forked yet. */
            scratch_mb?: number | null;
            /**
             * @description the session ends this long after its last exec ended
             * @default 600
             */
            idle_timeout_s: number | null;
            /** @description the session ends this long after it was made, however busy (default and largest: --session-max-lifetime-s, a day) */
            max_lifetime_s?: number | null;
            /** @description The environment the session's interpreter runs in, as for a job (see JobRequest.env); every exec runs in it. */
            env?: string | null;
            callback_url?: components["schemas"]["CallbackUrl"];
            /** @description Which events go to callback_url (default and only: ["session.ended"]). Needs callback_url. */
            callback_events?: "session.ended"[] | null;
        } & unknown;
        Session: {
            session_id: string;
            /**
             * @description open: execs run; ended: its state is gone (ended_because says why); failed: it was never made
             * @enum {unknown}
             */
            state: "starting" | "open" | "ended" | "failed";
            /**
             * @description idle_timeout, max_lifetime, died (its process ended: the code exited, the memory limit, or an exec that would not stop), lost (its executor went away); deleted in DELETE's answer (a deleted session is gone after)
             * @enum {unknown}
             */
            ended_because?: "deleted" | "idle_timeout" | "max_lifetime" | "died" | "lost" | "not_made" | "not_queued";
            memory_mb: number;
            scratch_mb: number;
            idle_timeout_s: number;
            max_lifetime_s: number;
            /** @description execs that ran in it */
            execs: number;
            /** @description its peak memory during its last exec, what it holds included */
            memory_kb: number;
            created_at_ms: number;
            /** @description when its last exec was sent or ended: the idle clock */
            last_used_at_ms: number;
            idle_s: number;
            /** @description open sessions: when it ends unless used (the idle timeout or the lifetime, whichever is first) */
            ends_at_ms?: number;
        };
        SessionList: {
            /** @description the account's sessions, newest first, the last 100 */
            sessions: components["schemas"]["Session"][];
        };
        /** @description POST /v1/sessions/{id}/exec: code, timeout, stdin or stdin_b64, stream and cancel_on_disconnect as POST /v1/exec-python takes them, and interactive. memory_mb and scratch_mb are the session's, set when it is made, and input files are not taken yet: each may only be absent or null here (400 otherwise). Unknown fields are ignored. */
        SessionExecRequest: {
            code: components["schemas"]["JobRequest"]["code"];
            timeout?: components["schemas"]["JobRequest"]["timeout"];
            stdin?: components["schemas"]["JobRequest"]["stdin"];
            stdin_b64?: components["schemas"]["JobRequest"]["stdin_b64"];
            stream?: components["schemas"]["ExecRequest"]["stream"];
            cancel_on_disconnect?: components["schemas"]["ExecRequest"]["cancel_on_disconnect"];
            /**
             * @description true: the code is one statement, compiled as python3's interactive prompt compiles it: an expression's value is printed (sys.displayhook), as `execq repl` shows it. Several statements are a SyntaxError then, as at the prompt.
             * @default false
             */
            interactive: boolean | null;
            /** @description the session's (POST /v1/sessions) */
            memory_mb?: null;
            /** @description the session's (POST /v1/sessions) */
            scratch_mb?: null;
            /** @description not taken by an exec yet */
            files?: null;
        } & {
            [key: string]: components["schemas"]["AnyNoNul"];
        };
        /** @description GET /v1/envs: the environments the executors offer, as they announce them on the envs topic (schemas/env.schema.json; announcements older than 180 s do not count), the default first. */
        EnvList: {
            envs: {
                /** @description what a job names in "env" ("default": the interpreter every job gets unless it names another) */
                name: string;
                /**
                 * @description ready on at least one executor; else building on one; else failed (error says why); unknown: the default when no executor has announced itself lately
                 * @enum {unknown}
                 */
                state: "ready" | "building" | "failed" | "unknown";
                /** @description failed: which package and why */
                error?: string;
                /** @description the interpreter's version */
                python?: string;
                /** @description sha256 of what its build depends on (requirements as written, Python's version, the index): a new hash is a new build */
                hash?: string;
                /** @description modules its warm interpreter imports ahead of every job */
                warm_imports?: string[];
                /** @description ready: the distributions installed in it (for an environment, those it adds over the default's; for the default, all the interpreter sees), as pip freeze names them */
                packages?: {
                    name: string;
                    version: string;
                }[];
                /** @description how many executors have it in each state */
                executors: {
                    ready: number;
                    building: number;
                    failed: number;
                };
            }[];
        };
        KafkaEnv: components["schemas"]["env.schema"];
        /** @description A job (JobRequest) with an optional callback: its result is POSTed to callback_url, signed (Execq-Signature), at least once, by execq-hooks (docs/webhooks.md). Without one, the account's default webhook applies (POST /v1/webhooks), if any. Decided when the job is accepted. */
        JobSubmitRequest: {
            callback_url?: components["schemas"]["CallbackUrl"];
            /** @description Which events go to callback_url (default ["job.completed"]). Needs callback_url. */
            callback_events?: "job.completed"[] | null;
        } & (components["schemas"]["JobRequest"] & unknown);
        WebhookSettings: {
            /** @description The account's default callback URL (null: none): the events below of every job, batch and session made without a callback_url of its own go there. */
            url: string | null;
            events: ("job.completed" | "batch.completed" | "session.ended")[];
            /** @description Signs every callback of the account (Execq-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">). Made on the first call; POST /v1/webhooks/rotate replaces it. */
            secret: string;
            /** @description After a rotation: until when the previous secret still signs (a second v1 in the header). */
            previous_secret_expires_at_ms: number | null;
            updated_at_ms: number;
        };
        Delivery: {
            /** @description The event's id, stable across attempts (the body's id and the Execq-Event-Id header): receivers deduplicate by it. */
            id: string;
            /** @enum {unknown} */
            type: "job.completed" | "batch.completed" | "session.ended";
            job_id?: string;
            batch_id?: string;
            session_id?: string;
            url: string;
            /**
             * @description pending: to be tried (again); delivered: a 2xx came; dead: not delivered within its deadline (a dead letter: replay sends it again).
             * @enum {unknown}
             */
            state: "pending" | "delivered" | "dead";
            attempts: number;
            last_status: number | null;
            last_error: string | null;
            created_at_ms: number;
            next_attempt_at_ms: number | null;
            deadline_at_ms: number;
            done_at_ms: number | null;
            /** @description Every attempt, in order (GET /v1/jobs/{job_id}/deliveries, and a list filtered by subject). */
            attempt_log?: {
                n: number;
                at_ms: number;
                duration_ms: number;
                /** @description The receiver's HTTP status; null when none came (refused address, timeout, connection error). */
                status: number | null;
                /** @description Why it was not delivered; null when it was (a 2xx). */
                error: string | null;
            }[];
        };
        DeliveryList: {
            job_id?: string;
            deliveries: components["schemas"]["Delivery"][];
        };
        /** @description The body of every callback execq-hooks POSTs (docs/webhooks.md), signed: Execq-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>"> with the account's secret (a second v1 while a rotated secret's grace lasts). At least once: deduplicate by id. */
        WebhookEvent: {
            /** @description stable across attempts and replays (also the Execq-Event-Id header) */
            id: string;
            /**
             * @description ping: execq-hooks --probe, an operator's check
             * @enum {unknown}
             */
            type: "job.completed" | "batch.completed" | "session.ended" | "ping";
            created_at_ms: number;
            /** @description the account whose work it is (every type but ping) */
            account?: string;
            /** @description a job's second job.completed, after a late run's result replaced a lost or expired one: the first event's id */
            replaces?: string;
            data: Record<string, never>;
        } & (unknown & unknown & unknown);
        CallbackUrl: string | null;
        stdout: string;
        stderr: string;
        stdout_base64: string;
        stderr_base64: string;
        /** @description exit status; -1 on timeout; -N when killed by signal N */
        exit_code: number;
        execution_time_ms: number;
        timed_out: boolean;
        credits_used: number;
        job_id: string;
        cpu_time_ms: number;
        peak_memory_kb: number;
        memory_exceeded: boolean;
        stdout_truncated: boolean;
        stderr_truncated: boolean;
        signal: number;
        /** @description Regular files the job left under /tmp/out (jobs with scratch_mb), by path below it, sorted; at most 64 and --max-files-bytes (4 MiB) together. Present when there are any or some were left out. */
        files: {
            /** @description A relative path: parts separated by '/', none empty, '.' or '..', no leading '/', no control characters, at most 255 bytes and 8 parts. */
            name: string;
            size: number;
            content_base64: string;
        }[];
        /** @description Some files were left out: over a cap, a name that is not a valid relative path, or more than 10,000 entries. Symlinks, FIFOs, sockets and devices are never returned. */
        files_truncated: boolean;
        /** @description Figures the job displayed (matplotlib: plt.show(), or figures still open when the code ended), in order; at most --max-images-bytes (4 MiB) together. Present when there are any or some were left out. */
        images: {
            /** @description image/png for matplotlib figures */
            mime_type: string;
            size: number;
            content_base64: string;
        }[];
        /** @description Some figures were left out (over the cap, or cut short). */
        images_truncated: boolean;
        /** @description present on the result of a session's create, fork or exec: the session (a create's or fork's: the new one); partition and executor (a create or fork): where its execs go, the sessions topic's partition and the executor instance that holds it; lost: the exec found no such session here (failed, not charged); ended: the session is gone after this exec */
        session: {
            id: string;
            /**
             * @description what this result answers
             * @enum {unknown}
             */
            op?: "create" | "fork" | "exec";
            partition?: number;
            executor?: string;
            lost: boolean;
            ended: boolean;
        };
        /** @description the job's environment, when not the default: a declared one, or req-<hash prefix> for its own requirements */
        env: string;
        /** @description the environment's warm interpreter (zygote) was not running on the executor and was started for this job, taking this long, before the job started (not counted in execution_time_ms); absent when it was running */
        env_cold_start_ms: number;
        /** @description the job's requirements were built for it on this executor, taking this long, before it started (not counted in execution_time_ms); absent when they were built already */
        env_build_ms: number;
        /**
         * execq job
         * @description A job on the jobs topic (default execq.jobs). Key: job_id. Headers: correlation-id (= job_id), reply-to (topic the result goes to), reply-partition (sync jobs: the partition of reply-to the result goes to, the one its API reads), schema-version ("1"), content-type (application/json), job-kind (sync|async), message-type (job).
         */
        "job.schema": {
            /** @constant */
            schema_version: 1;
            job_id: string;
            /** @enum {unknown} */
            kind: "sync" | "async";
            /** @description account id; never an API key */
            account: string;
            /** @description Python source; never contains NUL */
            code: string;
            stdin?: string;
            /** @description stdin as base64, for bytes a JSON string cannot carry (NUL, not UTF-8); never together with stdin */
            stdin_b64?: string;
            timeout_ms: number;
            memory_mb: number;
            /** @description MiB of a private tmpfs at /tmp (with /tmp/out); absent or 0: no writable path */
            scratch_mb?: number;
            /** @description Input files, placed read-only under /input before the code starts */
            files?: {
                /** @description A relative path: parts separated by '/', none empty, '.' or '..', no leading '/', no control characters, at most 255 bytes and 8 parts. */
                name: string;
                size: number;
                content_base64: string;
            }[];
            /** @description what the API charged for this job */
            credits: number;
            /** @description Unix time, ms */
            submitted_at_ms: number;
            /** @description an executor receiving the job later answers status expired and does not run it */
            expires_at_ms: number;
            /** @description the batch the job belongs to, if any */
            batch_id?: string;
            /** @description the environment (package set) the job runs in, as GET /v1/envs lists them; absent: the default interpreter */
            env?: string;
            /** @description the job's own requirements (--allow-requirements), sorted and distinct: it runs in the environment of that set over the default one, built on first use */
            requirements?: string[];
            /** @description true: the executor publishes the job's output as it runs, in chunks on the output topic (output.schema.json), on the partition named by reply-partition; absent: false */
            stream?: boolean;
            /** @description present on a session's message: create (jobs topic, any executor), exec, fork or end (sessions topic, the partition and executor that hold it) */
            session?: {
                id: string;
                /** @enum {unknown} */
                op: "create" | "exec" | "fork" | "end";
                /** @description exec, fork, end: the executor instance that holds the session; the others on the partition skip it */
                executor?: string;
                /** @description fork: the new session's id */
                new_id?: string;
                idle_timeout_s?: number;
                max_lifetime_s?: number;
                /** @description create: executors that had no room and passed it on (each to a partition drawn at random) */
                hops?: number;
                /** @description exec: one statement, run as python3's prompt runs it (an expression's value is printed) */
                interactive?: boolean;
            };
        };
        /**
         * execq result
         * @description A result on the results topic (default execq.results; the job's reply-to). Key: job_id. Headers: correlation-id (= job_id), schema-version ("1"), content-type (application/json), job-kind (sync|async), message-type (result; the same topic also carries small 'started' events, message-type started, described by started.schema.json: filter on the header). Text fields are valid UTF-8: bytes that were not, and NUL, appear as U+FFFD, and then <stream>_base64 holds the exact bytes.
         */
        "result.schema": {
            /** @constant */
            schema_version: 1;
            job_id: string;
            /**
             * @description completed: the code ran (whatever it did); expired: reached an executor after its deadline, not run; failed: no sandbox could be made, not run
             * @enum {unknown}
             */
            status: "completed" | "expired" | "failed";
            stdout: string;
            stderr: string;
            stdout_base64?: string;
            stderr_base64?: string;
            /** @description exit status; -1 on timeout; -N when killed by signal N */
            exit_code: number;
            signal?: number;
            execution_time_ms: number;
            timed_out: boolean;
            credits_used: number;
            cpu_time_ms: number;
            peak_memory_kb: number;
            memory_exceeded: boolean;
            stdout_truncated: boolean;
            stderr_truncated: boolean;
            /** @description present, true, when the job was cancelled (control topic): with status completed it was killed while it ran (charged); with status failed it never ran (refunded) */
            cancelled?: boolean;
            /** @description host:pid of the executor that answered */
            executor: string;
            finished_at_ms: number;
            /** @description why, when status is not completed */
            error?: string;
            /** @description account id of the job's owner; never an API key */
            account: string;
            /** @description the batch the job belongs to, if any */
            batch_id?: string;
            /** @description the job's environment, when not the default: a declared one, or req-<hash prefix> for its own requirements */
            env?: string;
            /** @description the environment's warm interpreter (zygote) was not running on the executor and was started for this job, taking this long, before the job started (not counted in execution_time_ms); absent when it was running */
            env_cold_start_ms?: number;
            /** @description the job's requirements were built for it on this executor, taking this long, before it started (not counted in execution_time_ms); absent when they were built already */
            env_build_ms?: number;
            /** @description Regular files the job left under /tmp/out (jobs with scratch_mb), by path below it, sorted; at most 64 and --max-files-bytes (4 MiB) together. Present when there are any or some were left out. */
            files?: {
                /** @description A relative path: parts separated by '/', none empty, '.' or '..', no leading '/', no control characters, at most 255 bytes and 8 parts. */
                name: string;
                size: number;
                content_base64: string;
            }[];
            /** @description Some files were left out: over a cap, a name that is not a valid relative path, or more than 10,000 entries. Symlinks, FIFOs, sockets and devices are never returned. */
            files_truncated?: boolean;
            /** @description Figures the job displayed (matplotlib: plt.show(), or figures still open when the code ended), in order; at most --max-images-bytes (4 MiB) together. Present when there are any or some were left out. */
            images?: {
                /** @description image/png for matplotlib figures */
                mime_type: string;
                size: number;
                content_base64: string;
            }[];
            /** @description Some figures were left out (over the cap, or cut short). */
            images_truncated?: boolean;
            /** @description present on the result of a session's create, fork or exec: the session (a create's or fork's: the new one); partition and executor (a create or fork): where its execs go, the sessions topic's partition and the executor instance that holds it; lost: the exec found no such session here (failed, not charged); ended: the session is gone after this exec */
            session?: {
                id: string;
                /**
                 * @description what this result answers
                 * @enum {unknown}
                 */
                op?: "create" | "fork" | "exec";
                partition?: number;
                executor?: string;
                lost: boolean;
                ended: boolean;
            };
        };
        /**
         * execq started event
         * @description Published by an executor on the job's reply topic when it takes an async job (message-type header: started). Key: job_id. Lets GET /v1/jobs/{id} say running.
         */
        "started.schema": {
            /** @constant */
            schema_version: 1;
            job_id: string;
            /** @constant */
            status: "running";
            executor: string;
            started_at_ms: number;
        };
        /**
         * execq account notice
         * @description Published by the API on the accounts topic (--accounts-topic, execq.accounts: one partition, compacted; message-type header: account) when an operator suspends or reinstates an account, and for every suspended account at each API start. Key: the account id. Every executor reads the topic from its start, and fails a suspended account's jobs without running them (the API refunds them).
         */
        "account.schema": {
            /** @constant */
            schema_version: 1;
            account: string;
            suspended: boolean;
            /** @description When this state was set (the suspension's audit row; a reinstatement's time): an executor keeps the newest notice of an account, so an older one sent again never undoes a later change. */
            at_ms: number;
        };
        /**
         * execq output chunk
         * @description A chunk of a streamed job's output, published by the executor while the job runs, on the output topic (default execq.output) at the partition of the API that serves the stream (the job's reply-partition header). Key: job_id. Headers as on results, message-type: output. Chunks are coalesced (one at most every 50 ms per stream, or at 16 KiB) and end on a whole UTF-8 character where they can. A chunk the producer cannot queue is dropped, never waited for: the result on the results topic holds every byte of the output within its caps, and is the only outcome of a job.
         */
        "output.schema": {
            /** @constant */
            schema_version: 1;
            job_id: string;
            /** @description which run of the job: a job run again (its executor was lost) has another, and its output starts over at offset 0 */
            run: string;
            /** @enum {unknown} */
            stream: "stdout" | "stderr";
            /** @description where the chunk's first byte is in the stream (bytes the job printed before it, within the output cap) */
            offset: number;
            /** @description the bytes, when they are valid UTF-8 without NUL */
            text?: string;
            /** @description the bytes otherwise */
            base64?: string;
        } & (unknown | unknown);
        /**
         * execq control notice
         * @description A notice on the control topic (default <jobs-topic>.control, one partition, kept two days), published by the API; every executor reads the topic from its start. Key: job_id. Headers: message-type (cancel), schema-version, content-type. action cancel: the job is not to run (an executor that takes it later answers it failed, cancelled, refunded) and an executor running it kills it (its result: completed, cancelled, charged). After expires_at_ms no executor would run the job anyway, and the notice is forgotten.
         */
        "control.schema": {
            /** @constant */
            schema_version: 1;
            job_id: string;
            /** @constant */
            action: "cancel";
            expires_at_ms: number;
            /** @description when the API published it, Unix ms */
            at_ms: number;
        };
        /**
         * execq environment notice
         * @description Published by each executor on the envs topic (--envs-topic, execq.envs: one partition, compacted; message-type header: env) for each environment it offers, the default one included: at its start, at every change of state and every 60 s. Key: <executor instance id>/<env name>; an executor that stops cleanly publishes an empty value (a tombstone) under each of its keys. The API reads the topic from its start, lists the environments at GET /v1/envs and checks a job's "env" against them; a notice older than 180 s (its executor gone without a word) no longer counts.
         */
        "env.schema": {
            /** @constant */
            schema_version: 1;
            /** @description the executor's instance id */
            executor: string;
            /** @description the environment's name ("default": the interpreter every job gets unless it names another) */
            env: string;
            /** @enum {unknown} */
            state: "building" | "ready" | "failed";
            /** @description failed: which package and why */
            error?: string;
            /** @description the interpreter's version (ready) */
            python?: string;
            /** @description sha256 of what the build depends on: the requirements as written, the interpreter's version and the package index */
            hash?: string;
            /** @description modules its warm interpreter imports ahead of every job */
            warm_imports?: string[];
            /** @description ready: the distributions installed in the environment itself (the default: those the interpreter sees), as pip freeze names them */
            packages?: {
                name: string;
                version: string;
            }[];
            /** @description when the notice was published (wall clock) */
            at_ms: number;
        };
    };
    responses: {
        /** @description Delivered: not sent again (unless replayed). */
        CallbackDelivered: {
            headers: {
                [name: string]: unknown;
            };
            content?: never;
        };
        /** @description Not delivered: tried again later (the answer's body is read to 64 KiB and recorded in the delivery's last_error). */
        CallbackNotDelivered: {
            headers: {
                [name: string]: unknown;
            };
            content?: never;
        };
    };
    parameters: {
        /** @description t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> (and a second v1 during a rotation's grace): verify before trusting the body */
        ExecqSignature: string;
        /** @description the body's id */
        ExecqEventId: string;
        /** @description the body's type */
        ExecqEventType: string;
        /** @description 1 for the first attempt */
        ExecqAttempt: number;
    };
    requestBodies: never;
    headers: {
        /** @description The job this answer is about (every answer about one job, errors included). */
        "X-Job-Id": string;
        /** @description Seconds to wait before trying again. */
        "Retry-After": number;
        /** @description Bearer. */
        "WWW-Authenticate": string;
        /** @description The method this path takes. */
        Allow: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    execPython: {
        parameters: {
            query?: never;
            header?: {
                /** @description The same key and body return the first answer (charged once); per account and route; 1 to 255 characters; kept --idempotency-ttl-s (1 day). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ExecRequest"];
            };
        };
        responses: {
            /** @description The code ran, whatever it did (see exit_code, timed_out); or, streamed, the events of the run. */
            200: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecResult"];
                    "text/event-stream": components["schemas"]["StreamEvent"];
                };
            };
            /** @description Bad body: invalid_json, invalid_request, invalid_timeout, invalid_memory, invalid_scratch or invalid_files.; invalid_env (a malformed "env") or unknown_env (no executor offers it). invalid_requirements, requirements_disabled (requirements on a server without --allow-requirements). Costs nothing. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The balance is below the price. Nothing queued. */
            402: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description cancelled: the job was cancelled (POST /v1/jobs/{job_id}/cancel) before it ran; refunded. A job killed while it ran answers 200 with "cancelled": true. env_unavailable: the environment named is still being built, or failed to build, on every executor. Costs nothing. */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body or code over its limit; refused from Content-Length before the key is checked. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another body. */
            422: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); or too_many_jobs: the account already has --account-max-sync (100) sync calls waiting. Nothing done or charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The executor's result could not be read. */
            502: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no_result (no result within timeout + grace), expired (reached an executor after its deadline, refunded) or unconfirmed (Kafka neither took nor refused the job). */
            504: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    submitJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description The same key and body return the first answer (charged once); per account and route; 1 to 255 characters; kept --idempotency-ttl-s (1 day). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobSubmitRequest"];
            };
        };
        responses: {
            /** @description Queued and charged. */
            202: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description Bad body: invalid_json, invalid_request, invalid_timeout, invalid_memory, invalid_scratch or invalid_files.; invalid_env (a malformed "env") or unknown_env (no executor offers it). invalid_requirements, requirements_disabled (requirements on a server without --allow-requirements). Costs nothing. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The balance is below the price. Nothing queued. */
            402: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description env_unavailable: the environment named is still being built, or failed to build, on every executor (the message says which and why). Costs nothing. */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body or code over its limit; refused from Content-Length before the key is checked. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another body. */
            422: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description too_many_jobs: the key already has --account-max-open (10,000) unfinished async and batch jobs; nothing queued or charged; Retry-After. Or rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that). */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: {
                /** @description Whole seconds to wait for completion, from 0 to the server's --max-wait-s (30 by default; a larger value is refused with 400); woken by the result. */
                wait?: number;
            };
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAnswer"];
                };
            };
            /** @description A bad wait. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A sync job replayed by Idempotency-Key has no result yet. */
            504: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Cancelled here: the job was still held in the store (its account's turn had not come); it never runs and is refunded. */
            200: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CancelAnswer"];
                };
            };
            /** @description Every executor is told: one that has not started the job never will (failed, cancelled, refunded); one running it kills it within milliseconds (completed, cancelled: true, charged). The result tells which: GET /v1/jobs/{job_id}?wait=N. */
            202: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CancelAnswer"];
                };
            };
            /** @description A bad wait. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description already_finished: the job has ended; nothing was done. */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description queue_unavailable: the cancel could not be handed to Kafka (nothing was cancelled; Retry-After); or store_unavailable. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    followJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description Resume: the id of the last event received ("<stdout bytes>.<stderr bytes>"); the stream starts after those bytes. Browsers' EventSource sends it when it reconnects. */
                "Last-Event-ID"?: string;
            };
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job's events (text/event-stream): the output it has printed so far (stdout, stderr; dropped for a gap), then each chunk as it comes, then its result (event result; event error for a job that did not run: expired, cancelled before it ran, lost). A job that has ended sends its output and its result at once. A job run again from its start elsewhere sends restart. X-Job-Id names it. */
            200: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": components["schemas"]["StreamEvent"];
                };
            };
            /** @description invalid_request: a Last-Event-ID that is not an event's id ("<stdout bytes>.<stderr bytes>"). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); or too_many_jobs: the key already has --account-max-waits (100) GETs waiting or following; Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable (Retry-After), or overloaded: the API follows as many jobs as it can (--max-pending). */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    submitBatch: {
        parameters: {
            query?: never;
            header?: {
                /** @description The same key and body return the first answer (charged once); per account and route; 1 to 255 characters; kept --idempotency-ttl-s (1 day). */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchRequest"];
            };
        };
        responses: {
            /** @description Queued and charged. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchAccepted"];
                };
            };
            /** @description Bad body: invalid_json, invalid_request, invalid_timeout, invalid_memory, invalid_scratch or invalid_files.; invalid_env (a malformed "env") or unknown_env (no executor offers it). invalid_requirements, requirements_disabled (requirements on a server without --allow-requirements). Costs nothing. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The balance is below the price. Nothing queued. */
            402: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description env_unavailable: the environment named is still being built, or failed to build, on every executor (the message says which and why). Costs nothing. */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body or code over its limit; refused from Content-Length before the key is checked. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another body. */
            422: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description too_many_jobs: the key already has --account-max-open (10,000) unfinished async and batch jobs; nothing queued or charged; Retry-After. Or rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that). */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getBatch: {
        parameters: {
            query?: {
                offset?: number;
                limit?: number;
                /** @description Whole seconds to wait for completion, from 0 to the server's --max-wait-s (30 by default; a larger value is refused with 400); woken by the result. */
                wait?: number;
            };
            header?: never;
            path: {
                batch_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The batch. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Batch"];
                };
            };
            /** @description A bad offset, limit or wait. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    signup: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Signup"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many signups from this address this hour. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listEnvs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The environments. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EnvList"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Kafka reachable and the reply consumer positioned. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not ready: the same fields say which part. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description docs/operations.md#metrics lists every metric. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain; version=0.0.4; charset=utf-8": string;
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    openapi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    rotateOwnKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @default 3600 */
                    grace_s?: number;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description The new key. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyIssued"];
                };
            };
            /** @description A bad grace_s. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminListAccounts: {
        parameters: {
            query?: {
                q?: string;
                offset?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of accounts. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminAccountList"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminGetAccount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The account. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminAccount"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminUsage: {
        parameters: {
            query?: {
                days?: number;
            };
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Usage. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Usage"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminGrant: {
        parameters: {
            query?: never;
            header?: {
                "Idempotency-Key"?: string;
            };
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    credits: number;
                    /** @description Why: kept in the audit log with who and when. */
                    reason: string;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description Granted (or the first answer for a repeated Idempotency-Key). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Grant"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another body. */
            422: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminNewKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @default 86400 */
                    grace_s?: number;
                    /** @description Why: kept in the audit log with who and when. */
                    reason: string;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description The new key. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyIssued"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminRevoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Why: kept in the audit log with who and when. */
                    reason: string;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description Done. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminChange"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminSuspend: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Why: kept in the audit log with who and when. */
                    reason: string;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description Done. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminChange"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminReinstate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Why: kept in the audit log with who and when. */
                    reason: string;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description Done. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminChange"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    max_queued?: number | null;
                    max_open?: number | null;
                    requests_per_s?: number | null;
                    max_batch_jobs?: number | null;
                    reason: string;
                    max_sessions?: number | null;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description The limits now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdminLimits"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    adminAudit: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                account_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Audit rows. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Audit"];
                };
            };
            /** @description A bad body or parameter: invalid_json, invalid_request (a missing reason included). */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not the operator token (a user key never is). */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such account, no such admin endpoint, or no operator token configured (then every admin path is 404). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed. */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listSessions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Its sessions, each as GET /v1/sessions/{session_id} shows it. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SessionList"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a session that is not this key's (another account's is 404 too: never 403). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); or too_many_jobs: the account already has --account-max-sync (100) sync calls waiting. Nothing done or charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createSession: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["SessionRequest"];
            };
        };
        responses: {
            /** @description The session, open: its execs go to POST /v1/sessions/{session_id}/exec. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description invalid_request: a field out of range or unknown (or callback_events without callback_url); invalid_callback_url (not https, a private address, ...); invalid_env (a malformed "env") or unknown_env (no executor offers it). Costs nothing. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The balance is below the price. Nothing queued. */
            402: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a session that is not this key's (another account's is 404 too: never 403). */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description env_unavailable: the environment named is still being built, or failed to build, on every executor (the message says which and why). Costs nothing. */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body or code over its limit; refused from Content-Length before the key is checked. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description too_many_sessions: the account has --session-max-open (5) open sessions; or rate_limited. Nothing charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description session_unavailable: no executor could make it (no room: --session-slots, --session-memory-mb), Retry-After; or queue_unavailable, store_unavailable, shutting_down as for every call. Not charged. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no_result (no result within timeout + grace), expired (reached an executor after its deadline, refunded) or unconfirmed (Kafka neither took nor refused the job). */
            504: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path; a session that is not this key's (another account's is 404 too, never 403); or one that was deleted. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); or too_many_jobs: the account already has --account-max-sync (100) sync calls waiting. Nothing done or charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session as it was, ended (ended_because deleted). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path; a session that is not this key's (another account's is 404 too, never 403); or one that was deleted. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); or too_many_jobs: the account already has --account-max-sync (100) sync calls waiting. Nothing done or charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    execSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SessionExecRequest"];
            };
        };
        responses: {
            /** @description The code ran in the session, whatever it did (its result has session.ended when it ended the session); or, streamed, the events of the run. An exec past its timeout is interrupted (KeyboardInterrupt: timed_out, exit_code -1) and the session lives on; one that does not stop within 1 s (or stopped itself) is killed, and the session with it. */
            200: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ExecResult"];
                    "text/event-stream": components["schemas"]["StreamEvent"];
                };
            };
            /** @description Bad body: invalid_json, invalid_request, invalid_timeout, invalid_memory, invalid_scratch or invalid_files. Costs nothing. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The balance is below the price. Nothing queued. */
            402: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path; a session that is not this key's (another account's is 404 too, never 403); or one that was deleted. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description session_starting: it is still being made; retry (Retry-After). */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description session_lost: the session has ended (idle timeout, lifetime, its process ended, or its executor went away); the message says which. Nothing charged. */
            410: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body or code over its limit; refused from Content-Length before the key is checked. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description This Idempotency-Key was used with another body. */
            422: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); or too_many_jobs: the account already has --account-max-sync (100) sync calls waiting. Nothing done or charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The executor's result could not be read. */
            502: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description overloaded, queue_unavailable (Kafka cannot take jobs; not charged; Retry-After), shutting_down, or execution_failed (no sandbox could be made; refunded); or store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description no_result (no result within timeout + grace), expired (reached an executor after its deadline, refunded) or unconfirmed (Kafka neither took nor refused the job). */
            504: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    forkSession: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                session_id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description The new session: a copy-on-write copy of the live one (globals, imports, objects), made in milliseconds; the two never see each other's later changes. Its limits are its parent's; it lives at most as long as its parent was given. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description invalid_request: a fork takes no fields. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The balance is below the price. Nothing queued. */
            402: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path; a session that is not this key's (another account's is 404 too, never 403); or one that was deleted. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description session_starting (retry), or fork_unsupported: a session with scratch space (its fork would share /tmp). */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description session_lost: the session has ended (idle timeout, lifetime, its process ended, or its executor went away); the message says which. Nothing charged. */
            410: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body or code over its limit; refused from Content-Length before the key is checked. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description too_many_sessions: the account has --session-max-open (5) open sessions; or rate_limited. Nothing charged. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description session_unavailable: no executor could make it (no room: --session-slots, --session-memory-mb), Retry-After; or queue_unavailable, store_unavailable, shutting_down as for every call. Not charged. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The session's executor did not answer in time: not made, not charged. */
            504: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The settings. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSettings"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    setWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description https:// (http:// only on a server started with --allow-http-callbacks): a host name or IPv4 address (RFC 3986 characters, at most 255 bytes; no IPv6 literal, no user or password), an optional port, a path and query of URL characters (percent-encode the rest), no fragment; at most 2,048 bytes. A literal loopback, private, link-local or metadata address (and localhost) is refused with 400 invalid_callback_url unless the server allows private callbacks; a name is checked where it is resolved, at every connection (docs/webhooks.md). */
                    url: string;
                    events?: ("job.completed" | "batch.completed" | "session.ended")[] | null;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description The settings after. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSettings"];
                };
            };
            /** @description A body that is not {url, events}, a refused URL (invalid_callback_url) or an unknown event. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A body over --max-body-bytes. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The settings after (url null). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSettings"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": {
                    /** @default 86400 */
                    grace_s?: number;
                } & {
                    [key: string]: components["schemas"]["AnyNoNul"];
                };
            };
        };
        responses: {
            /** @description The settings with the new secret. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSettings"];
                };
            };
            /** @description A bad grace_s, or a body that is not JSON. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A body over --max-body-bytes. */
            413: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                state?: "pending" | "delivered" | "dead";
                /** @description a job, batch or session id (or an event's own): its events, with every attempt */
                subject?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryList"];
                };
            };
            /** @description A bad state, subject or limit. */
            400: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    replayDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                event_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event as it stands once replayed: pending, or already delivered again if a daemon was quick. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryList"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description delivery_pending: it is pending already. */
            409: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getJobDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                job_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job's events (none when it had no callback, or has not ended). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryList"];
                };
            };
            /** @description No key, not Bearer, or an unknown key. */
            401: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description account_suspended: the operator suspended this account (the reason in the message). */
            403: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Unknown path, or a job or batch that is not this key's. */
            404: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Wrong method. */
            405: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    Allow: components["headers"]["Allow"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description rate_limited: over the key's requests per second (--account-requests-per-s, 200; bursts of twice that); nothing done; or too_many_jobs: the key already has --account-max-waits (100) GETs waiting (?wait=); Retry-After. */
            429: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Request headers over 8 KiB. */
            431: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The store failed (nothing was queued or charged). */
            500: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description store_unavailable: the account and job store failed or did not answer within --store-timeout-ms (3 s); nothing was done or charged; Retry-After. */
            503: {
                headers: {
                    "X-Job-Id": components["headers"]["X-Job-Id"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    jobCompletedCallback: {
        parameters: {
            query?: never;
            header: {
                /** @description t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> (and a second v1 during a rotation's grace): verify before trusting the body */
                "Execq-Signature": components["parameters"]["ExecqSignature"];
                /** @description the body's id */
                "Execq-Event-Id": components["parameters"]["ExecqEventId"];
                /** @description the body's type */
                "Execq-Event-Type": components["parameters"]["ExecqEventType"];
                /** @description 1 for the first attempt */
                "Execq-Attempt": components["parameters"]["ExecqAttempt"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookEvent"];
            };
        };
        responses: {
            "2XX": components["responses"]["CallbackDelivered"];
            default: components["responses"]["CallbackNotDelivered"];
        };
    };
    batchCompletedCallback: {
        parameters: {
            query?: never;
            header: {
                /** @description t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> (and a second v1 during a rotation's grace): verify before trusting the body */
                "Execq-Signature": components["parameters"]["ExecqSignature"];
                /** @description the body's id */
                "Execq-Event-Id": components["parameters"]["ExecqEventId"];
                /** @description the body's type */
                "Execq-Event-Type": components["parameters"]["ExecqEventType"];
                /** @description 1 for the first attempt */
                "Execq-Attempt": components["parameters"]["ExecqAttempt"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookEvent"];
            };
        };
        responses: {
            "2XX": components["responses"]["CallbackDelivered"];
            default: components["responses"]["CallbackNotDelivered"];
        };
    };
    sessionEndedCallback: {
        parameters: {
            query?: never;
            header: {
                /** @description t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> (and a second v1 during a rotation's grace): verify before trusting the body */
                "Execq-Signature": components["parameters"]["ExecqSignature"];
                /** @description the body's id */
                "Execq-Event-Id": components["parameters"]["ExecqEventId"];
                /** @description the body's type */
                "Execq-Event-Type": components["parameters"]["ExecqEventType"];
                /** @description 1 for the first attempt */
                "Execq-Attempt": components["parameters"]["ExecqAttempt"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookEvent"];
            };
        };
        responses: {
            "2XX": components["responses"]["CallbackDelivered"];
            default: components["responses"]["CallbackNotDelivered"];
        };
    };
}

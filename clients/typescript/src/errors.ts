// Errors: one class per error code of the API (docs/api.md, Errors). The
// server answers {"ok": false, "error": {"code", "message"}}; the client
// throws the class of its code with the HTTP status, the job id when a job
// was made, and Retry-After when given. ERRORS is typed by the codes of
// docs/openapi.json: a code added there and not here fails to compile.
import type { components } from "./openapi.js";

export type ErrorCode = components["schemas"]["Error"]["error"]["code"];

export interface ErrorInit {
  code?: string;
  status?: number | undefined;
  jobId?: string | undefined;
  retryAfter?: number | undefined;
  body?: unknown;
}

/** Any error from execq; `code` is the API's error code. */
export class ExecqError extends Error {
  code: string;
  readonly status: number | undefined;
  readonly jobId: string | undefined;
  /** Seconds, from the Retry-After header. */
  readonly retryAfter: number | undefined;
  readonly body: unknown;

  constructor(message: string, init: ErrorInit = {}) {
    super(message);
    this.name = new.target.name;
    this.code = init.code ?? (new.target as unknown as { defaultCode?: string }).defaultCode ?? "error";
    this.status = init.status;
    this.jobId = init.jobId;
    this.retryAfter = init.retryAfter;
    this.body = init.body;
  }

  override toString(): string {
    const where = this.status ? ` (HTTP ${this.status})` : "";
    const job = this.jobId ? ` [job ${this.jobId}]` : "";
    return `${this.code}${where}: ${this.message}${job}`;
  }
}

/** No key, or an unreadable credentials file. */
export class ConfigError extends ExecqError {
  static defaultCode = "config";
}
/** The server could not be reached (after the retries). */
export class ConnectionFailed extends ExecqError {
  static defaultCode = "connection_failed";
}
/** The server's answer was not what the API documents. */
export class ProtocolError extends ExecqError {
  static defaultCode = "protocol";
}
/** 400/413/422: the request was refused; nothing was charged. */
export class InvalidInput extends ExecqError {}
/** 401/403. */
export class AuthError extends ExecqError {}
/** 503: the service could not take or run the job now. */
export class Unavailable extends ExecqError {}
/** 429: over a limit; `retryAfter` says when to come back. */
export class Throttled extends ExecqError {}
/** The job was accepted but produced no result (expired, lost, no_result, ...). */
export class JobFailed extends ExecqError {}

/** The body was not JSON. */
export class InvalidJson extends InvalidInput {
  static defaultCode = "invalid_json";
}

/** A field was missing or malformed. */
export class InvalidRequest extends InvalidInput {
  static defaultCode = "invalid_request";
}

/** timeout not in (0, 30]. */
export class InvalidTimeout extends InvalidInput {
  static defaultCode = "invalid_timeout";
}

/** memory_mb out of range. */
export class InvalidMemory extends InvalidInput {
  static defaultCode = "invalid_memory";
}

/** scratch_mb out of range. */
export class InvalidScratch extends InvalidInput {
  static defaultCode = "invalid_scratch";
}

/** files malformed. */
export class InvalidFiles extends InvalidInput {
  static defaultCode = "invalid_files";
}

/** env is not a name. */
export class InvalidEnv extends InvalidInput {
  static defaultCode = "invalid_env";
}

/** No executor offers that env. */
export class UnknownEnv extends InvalidInput {
  static defaultCode = "unknown_env";
}

/** requirements malformed. */
export class InvalidRequirements extends InvalidInput {
  static defaultCode = "invalid_requirements";
}

/** The server does not take a job's own requirements. */
export class RequirementsDisabled extends InvalidInput {
  static defaultCode = "requirements_disabled";
}

/** Body or code too large. */
export class PayloadTooLarge extends InvalidInput {
  static defaultCode = "payload_too_large";
}

/** Headers over 8 KiB. */
export class HeadersTooLarge extends InvalidInput {
  static defaultCode = "headers_too_large";
}

/** The Idempotency-Key was used with another body. */
export class IdempotencyKeyReused extends InvalidInput {
  static defaultCode = "idempotency_key_reused";
}

/** No such route, job, batch or session for this key. */
export class NotFound extends InvalidInput {
  static defaultCode = "not_found";
}

/** Wrong method. */
export class MethodNotAllowed extends InvalidInput {
  static defaultCode = "method_not_allowed";
}

/** No key, or an unknown or expired one. */
export class Unauthorized extends AuthError {
  static defaultCode = "unauthorized";
}

/** The operator suspended the account. */
export class AccountSuspended extends AuthError {
  static defaultCode = "account_suspended";
}

/** 402: the balance is short; nothing was queued. */
export class InsufficientCredits extends ExecqError {
  static defaultCode = "insufficient_credits";
}

/** Signups per hour from this address. */
export class TooManySignups extends Throttled {
  static defaultCode = "too_many_signups";
}

/** The account's open or waiting jobs are at a limit. */
export class TooManyJobs extends Throttled {
  static defaultCode = "too_many_jobs";
}

/** Over the key's requests per second. */
export class RateLimited extends Throttled {
  static defaultCode = "rate_limited";
}

/** The account's open sessions are at a limit. */
export class TooManySessions extends Throttled {
  static defaultCode = "too_many_sessions";
}

/** 500: a server fault. */
export class Internal extends ExecqError {
  static defaultCode = "internal";
}

/** 502: an executor sent a result the API could not read. */
export class BadResult extends ExecqError {
  static defaultCode = "bad_result";
}

/** Too many calls waiting at the API. */
export class Overloaded extends Unavailable {
  static defaultCode = "overloaded";
}

/** Kafka could not take the job. */
export class QueueUnavailable extends Unavailable {
  static defaultCode = "queue_unavailable";
}

/** No sandbox could be built; nothing ran. */
export class ExecutionFailed extends Unavailable {
  static defaultCode = "execution_failed";
}

/** The API is stopping. */
export class ShuttingDown extends Unavailable {
  static defaultCode = "shutting_down";
}

/** The account store did not answer. */
export class StoreUnavailable extends Unavailable {
  static defaultCode = "store_unavailable";
}

/** No executor had room. */
export class SessionUnavailable extends Unavailable {
  static defaultCode = "session_unavailable";
}

/** 504: no result within the timeout and grace. */
export class NoResult extends JobFailed {
  static defaultCode = "no_result";
}

/** The job reached an executor after its deadline. */
export class Expired extends JobFailed {
  static defaultCode = "expired";
}

/** Kafka neither took nor refused the job. */
export class Unconfirmed extends JobFailed {
  static defaultCode = "unconfirmed";
}

/** The job was lost with its executor. */
export class Lost extends JobFailed {
  static defaultCode = "lost";
}

/** The job was cancelled before it ran (refunded). */
export class Cancelled extends JobFailed {
  static defaultCode = "cancelled";
}

/** Cancel of a job that has ended. */
export class AlreadyFinished extends InvalidInput {
  static defaultCode = "already_finished";
}

/** 410: the session has ended. */
export class SessionLost extends JobFailed {
  static defaultCode = "session_lost";
}

/** 409: the session is still being made. */
export class SessionStarting extends Unavailable {
  static defaultCode = "session_starting";
}

/** A session with scratch cannot be forked. */
export class ForkUnsupported extends InvalidInput {
  static defaultCode = "fork_unsupported";
}

/** The env is building or failed everywhere. */
export class EnvUnavailable extends Unavailable {
  static defaultCode = "env_unavailable";
}

/** A callback_url (or the webhook's url) that is refused: not https, or a private address. */
export class InvalidCallbackUrl extends InvalidInput {
  static defaultCode = "invalid_callback_url";
}

/** 409: a replay of a delivery that is pending already. */
export class DeliveryPending extends InvalidInput {
  static defaultCode = "delivery_pending";
}

/** A webhook whose Execq-Signature does not match its body (parseEvent). */
export class InvalidSignature extends ExecqError {
  static defaultCode = "invalid_signature";
}

export const ERRORS: Record<ErrorCode, typeof ExecqError> = {
  invalid_json: InvalidJson,
  invalid_request: InvalidRequest,
  invalid_timeout: InvalidTimeout,
  invalid_memory: InvalidMemory,
  invalid_scratch: InvalidScratch,
  invalid_files: InvalidFiles,
  invalid_env: InvalidEnv,
  unknown_env: UnknownEnv,
  invalid_requirements: InvalidRequirements,
  requirements_disabled: RequirementsDisabled,
  payload_too_large: PayloadTooLarge,
  headers_too_large: HeadersTooLarge,
  idempotency_key_reused: IdempotencyKeyReused,
  not_found: NotFound,
  method_not_allowed: MethodNotAllowed,
  unauthorized: Unauthorized,
  account_suspended: AccountSuspended,
  insufficient_credits: InsufficientCredits,
  too_many_signups: TooManySignups,
  too_many_jobs: TooManyJobs,
  rate_limited: RateLimited,
  too_many_sessions: TooManySessions,
  internal: Internal,
  bad_result: BadResult,
  overloaded: Overloaded,
  queue_unavailable: QueueUnavailable,
  execution_failed: ExecutionFailed,
  shutting_down: ShuttingDown,
  store_unavailable: StoreUnavailable,
  session_unavailable: SessionUnavailable,
  no_result: NoResult,
  expired: Expired,
  unconfirmed: Unconfirmed,
  lost: Lost,
  cancelled: Cancelled,
  already_finished: AlreadyFinished,
  session_lost: SessionLost,
  session_starting: SessionStarting,
  fork_unsupported: ForkUnsupported,
  env_unavailable: EnvUnavailable,
  invalid_callback_url: InvalidCallbackUrl,
  delivery_pending: DeliveryPending,
};


/** The exception for an error body (or for a body that is not one). */
export function errorFromBody(body: unknown, status?: number, retryAfter?: number, jobId?: string): ExecqError {
  const b = body as { error?: { code?: unknown; message?: unknown }; job_id?: unknown } | null;
  if (b && typeof b === "object" && b.error && typeof b.error === "object") {
    const code = String(b.error.code ?? "error");
    const Cls = (ERRORS as Record<string, typeof ExecqError>)[code] ?? ExecqError;
    return new Cls(String(b.error.message ?? ""), {
      code,
      status,
      jobId: typeof b.job_id === "string" ? b.job_id : jobId,
      retryAfter,
      body,
    });
  }
  return new ProtocolError(`unexpected answer: ${JSON.stringify(body)?.slice(0, 200)}`, { status, jobId, retryAfter });
}

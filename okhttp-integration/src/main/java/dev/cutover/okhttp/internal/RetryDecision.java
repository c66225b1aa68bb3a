package dev.cutover.okhttp.internal;

import dev.cutover.okhttp.CutoverListener.RetryReason;

/** What {@link RetryPolicy} decided about a failed attempt: retry after a wait, or stop. */
sealed interface RetryDecision {

  /**
   * Send the request again after waiting.
   *
   * @param delayNanos how long to wait first; zero when the attempt's address has left DNS, as
   *     the retry goes elsewhere
   * @param reason what kind of failure is being retried
   */
  record Retry(long delayNanos, RetryReason reason) implements RetryDecision {}

  /**
   * Return the response, or throw the failure, exactly as OkHttp produced it.
   *
   * @param reason why
   */
  record Stop(StopReason reason) implements RetryDecision {}

  /** Why an attempt is not retried. */
  enum StopReason {
    /** The call was canceled. */
    CANCELED,
    /** This was the last attempt maxAttempts allows. */
    LAST_ATTEMPT,
    /** The failure is not one a retry helps with (time-out, TLS, protocol error). */
    NOT_RETRYABLE,
    /** The body is one-shot or duplex: its bytes are gone once written. */
    BODY_NOT_REPLAYABLE,
    /** The server may have processed the request, and it may not be processed twice. */
    NOT_IDEMPOTENT,
    /** A 503 from an address DNS still names, and retryUnavailable is off: not a cutover. */
    STILL_IN_DNS,
    /** The server asked for a longer wait than maxRetryAfter: its answer stands. */
    RETRY_AFTER_TOO_LONG,
    /** The wait would run past the call's time-out. */
    CALL_TIMEOUT,
    /** The retry budget is spent. */
    BUDGET_EXHAUSTED
  }
}

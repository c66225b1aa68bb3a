package dev.cutover.okhttp;

import dev.cutover.okhttp.CutoverListener.RetryReason;
import java.util.Objects;

/**
 * How a call that Cutover retried at least once ended, for {@link
 * CutoverListener#retriesCompleted}. A class rather than a list of parameters (or a record, whose
 * components a record pattern would pin down), so that what it tells can grow without breaking
 * listeners. Immutable and thread-safe.
 */
public final class RetryOutcome {
  private final String host;
  private final String method;
  private final RetryReason reason;
  private final int retries;
  private final boolean succeeded;

  /**
   * Creates an outcome; Cutover makes them, a test of a listener may too.
   *
   * @param host the host called
   * @param method the HTTP method
   * @param reason what caused the first retry
   * @param retries how many retries were made, at least 1
   * @param succeeded whether the call ended with a response other than 503
   * @throws NullPointerException if host, method or reason is null
   * @throws IllegalArgumentException if retries is less than 1
   */
  public RetryOutcome(
      String host, String method, RetryReason reason, int retries, boolean succeeded) {
    this.host = Objects.requireNonNull(host, "host");
    this.method = Objects.requireNonNull(method, "method");
    this.reason = Objects.requireNonNull(reason, "reason");
    if (retries < 1) {
      throw new IllegalArgumentException("retries: expected at least 1, got " + retries);
    }
    this.retries = retries;
    this.succeeded = succeeded;
  }

  /**
   * Returns the host the call was made to.
   *
   * @return the host name, as in the request's URL
   */
  public String host() {
    return host;
  }

  /**
   * Returns the call's HTTP method.
   *
   * @return the method, such as {@code GET}
   */
  public String method() {
    return method;
  }

  /**
   * Returns what caused the first retry.
   *
   * @return the reason
   */
  public RetryReason reason() {
    return reason;
  }

  /**
   * Returns how many retries were made (attempts minus one).
   *
   * @return at least 1
   */
  public int retries() {
    return retries;
  }

  /**
   * Returns whether the call ended with a response other than 503.
   *
   * @return true if it did; false for a 503 or an exception
   */
  public boolean succeeded() {
    return succeeded;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RetryOutcome that && host.equals(that.host)
        && method.equals(that.method) && reason == that.reason && retries == that.retries
        && succeeded == that.succeeded;
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, method, reason, retries, succeeded);
  }

  /**
   * Returns a description such as {@code GET api.example.com: 2 retries after status_503,
   * succeeded}.
   *
   * @return the description
   */
  @Override
  public String toString() {
    return method + " " + host + ": " + retries + (retries == 1 ? " retry" : " retries")
        + " after " + reason.name().toLowerCase(java.util.Locale.ROOT)
        + (succeeded ? ", succeeded" : ", failed");
  }
}

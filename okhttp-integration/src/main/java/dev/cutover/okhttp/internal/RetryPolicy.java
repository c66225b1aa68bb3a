package dev.cutover.okhttp.internal;

import dev.cutover.Ticker;
import dev.cutover.okhttp.CutoverListener.RetryReason;
import dev.cutover.okhttp.internal.RetryDecision.Retry;
import dev.cutover.okhttp.internal.RetryDecision.Stop;
import dev.cutover.okhttp.internal.RetryDecision.StopReason;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Decides whether a failed attempt (a 503 or an exception) is retried and after how long: within
 * the attempt limit, the call's time-out and the retry budget, only when the request is safe to
 * send again.
 *
 * <p>What DNS says decides how: when the attempt's address has left the host (a cutover), the
 * retry goes at once, to another address; when DNS still names it, the failure is the server's
 * own (load shedding, a restart) and the retry waits a jittered exponential back-off and the
 * server's {@code Retry-After}, or, for a 503 with {@code retryUnavailable} off, does not happen.
 *
 * <p>Decides only: the {@link RetryInterceptor} logs, notifies and waits. Its one side effect is
 * the budget it draws from, taken last, only for a retry that will happen. Thread-safe.
 */
final class RetryPolicy {
  /** Back-off jitter from the calling thread's own generator. */
  static final RandomGenerator THREAD_LOCAL_RANDOM = () -> ThreadLocalRandom.current().nextLong();

  /**
   * One finished attempt that did not succeed, with what the decision needs from its call.
   *
   * @param request the request as sent
   * @param number the attempt's number, from 1
   * @param response the 503 it got, or null if it failed
   * @param failure why it failed, or null if it got a response
   * @param callStartedNanos ticker time the call started
   * @param callTimeoutNanos the call's time-out; zero for none
   * @param canceled whether the call is canceled
   * @param addressLeft whether DNS no longer names the address the attempt went to
   * @param reachedServer whether this or an earlier attempt of the call, OkHttp's own included,
   *     may have been processed by a server (see {@link ConnectionTracker#reachedServer}); only
   *     recorded for requests that may not be replayed
   */
  record Attempt(Request request, int number, Response response, IOException failure,
      long callStartedNanos, long callTimeoutNanos, boolean canceled, boolean addressLeft,
      boolean reachedServer) {}

  private final RetrySettings settings;
  private final ReplayPolicy replay;
  private final RetryBudget budget;
  private final Ticker ticker;
  private final Clock wallClock;
  private final RandomGenerator random;

  RetryPolicy(RetrySettings settings, RetryBudget budget, Ticker ticker, Clock wallClock,
      RandomGenerator random) {
    this.settings = settings;
    this.replay = new ReplayPolicy(settings.retryNonIdempotent(), settings.idempotencyKeyHeader());
    this.budget = budget;
    this.ticker = ticker;
    this.wallClock = wallClock;
    this.random = random;
  }

  RetrySettings settings() {
    return settings;
  }

  /** Which requests may be sent again; shared with the network interceptor. */
  ReplayPolicy replay() {
    return replay;
  }

  /** Counts a call that started at {@code now} (ticker time) towards the retries' budget. */
  void recordRequest(long now) {
    budget.recordRequest(now);
  }

  /** Whether this response may be worth a retry, rather than the call's answer. */
  static boolean isUnavailable(Response response) {
    return response.code() == 503;
  }

  /**
   * Whether a retry is possible at all for this outcome, whatever DNS says and before any budget
   * is spent: so that nobody waits for DNS evidence about a request that will not be retried.
   *
   * @param reachedServer whether an attempt of the call may have been processed by a server
   *     already (see {@link Attempt#reachedServer})
   */
  boolean mayRetry(Request request, IOException failure, boolean reachedServer) {
    if (!ReplayPolicy.bodyIsReplayable(request)) {
      return failure != null && !reachedServer && ReplayPolicy.bodyUntouched(failure);
    }
    if (reachedServer && !replay.mayRepeat(request)) {
      return false;
    }
    if (failure == null) {
      return replay.mayRepeat(request);
    }
    ReplayPolicy.Reach reach = ReplayPolicy.reach(failure);
    return reach == ReplayPolicy.Reach.NOT_SENT
        || ((reach == ReplayPolicy.Reach.MAYBE_SENT || reach == ReplayPolicy.Reach.NO_ANSWER)
            && replay.mayRepeat(request));
  }

  RetryDecision decide(Attempt attempt) {
    if (attempt.canceled()) {
      return new Stop(StopReason.CANCELED);
    }
    if (attempt.number() >= settings.maxAttempts()) {
      return new Stop(StopReason.LAST_ATTEMPT);
    }
    Request request = attempt.request();
    long minimum = 0;
    RetryReason reason;
    if (attempt.failure() != null) {
      ReplayPolicy.Reach reach = ReplayPolicy.reach(attempt.failure());
      if (reach == ReplayPolicy.Reach.NOT_RETRYABLE
          || (reach == ReplayPolicy.Reach.NO_ANSWER && !attempt.addressLeft())) {
        // A read time-out or garbled answer from a server DNS still names: a slow or broken
        // server, not a cutover, and a retry would only load it more.
        return new Stop(StopReason.NOT_RETRYABLE);
      }
      if (!ReplayPolicy.bodyIsReplayable(request)
          && (attempt.reachedServer() || !ReplayPolicy.bodyUntouched(attempt.failure()))) {
        // Unless no attempt wrote a byte of it (a refused connection): then it is untouched.
        return new Stop(StopReason.BODY_NOT_REPLAYABLE);
      }
      if ((reach != ReplayPolicy.Reach.NOT_SENT || attempt.reachedServer())
          && !replay.mayRepeat(request)) {
        // Also when this attempt sent nothing: one of OkHttp's own attempts before it may have.
        return new Stop(StopReason.NOT_IDEMPOTENT);
      }
      reason = reach == ReplayPolicy.Reach.NOT_SENT
          && ReplayPolicy.isConnectFailure(attempt.failure())
          ? RetryReason.CONNECT_FAILURE : RetryReason.CONNECTION_FAILURE;
    } else {
      if (!ReplayPolicy.bodyIsReplayable(request)) {
        return new Stop(StopReason.BODY_NOT_REPLAYABLE);
      }
      if (!replay.mayRepeat(request)) {
        return new Stop(StopReason.NOT_IDEMPOTENT);
      }
      if (!attempt.addressLeft()) {
        if (!settings.retryUnavailable()) {
          return new Stop(StopReason.STILL_IN_DNS);
        }
        // The server's own answer: its Retry-After counts. From an address that left DNS it
        // does not, as the retry goes elsewhere.
        Duration retryAfter =
            RetryAfter.parse(attempt.response().header("Retry-After"), wallClock);
        if (retryAfter != null) {
          if (retryAfter.compareTo(settings.maxRetryAfter()) > 0) {
            return new Stop(StopReason.RETRY_AFTER_TOO_LONG);
          }
          minimum = retryAfter.toNanos();
        }
      }
      reason = RetryReason.STATUS_503;
    }
    long delay = attempt.addressLeft() ? 0 : Math.max(minimum, backoffNanos(attempt.number()));
    long timeout = attempt.callTimeoutNanos();
    if (timeout > 0 && ticker.read() - attempt.callStartedNanos() + delay >= timeout) {
      return new Stop(StopReason.CALL_TIMEOUT);
    }
    if (!budget.tryAcquire()) {
      return new Stop(StopReason.BUDGET_EXHAUSTED);
    }
    return new Retry(delay, reason);
  }

  /** Exponential back-off with full jitter: uniform in [0, min(max, initial * 2^(n-1))]. */
  long backoffNanos(int attempt) {
    long max = settings.maxBackoff().toNanos();
    long ceiling = settings.initialBackoff().toNanos() << Math.min(attempt - 1, 30);
    if (ceiling <= 0 || ceiling > max) {
      ceiling = max;
    }
    return ceiling <= 0 ? 0 : random.nextLong(ceiling + 1);
  }
}

package dev.cutover.okhttp.internal;

import dev.cutover.CutoverListener;
import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The application interceptor: retries a call whose attempt met a cutover signal (a 503, a
 * refused or reset connection) on a fresh connection, only when that is safe, and within the
 * attempt limit, the call's time-out and the retry budget.
 *
 * <p>It sits after the user's application interceptors, so those still run once per call, and
 * before OkHttp's own retry logic, so every attempt goes through the user's network interceptors
 * and event listener as a normal exchange would.
 */
final class RetryInterceptor implements Interceptor {
  private static final System.Logger LOG = System.getLogger("dev.cutover.okhttp");
  private static final long REFRESH_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long BUDGET_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final RetrySettings settings;
  private final ConnectionTracker tracker;
  private final CutoverResolver resolver;
  private final RetryBudget budget;
  private final ReplayPolicy policy;
  private final Ticker ticker;
  private final Clock wallClock;
  private final Sleeper sleeper;
  private final AtomicLong lastBudgetWarning = new AtomicLong(Long.MIN_VALUE / 2);

  RetryInterceptor(RetrySettings settings, ConnectionTracker tracker, CutoverResolver resolver,
      RetryBudget budget, Ticker ticker, Clock wallClock, Sleeper sleeper) {
    this.settings = settings;
    this.tracker = tracker;
    this.resolver = resolver;
    this.budget = budget;
    this.policy = new ReplayPolicy(settings.retryNonIdempotent(), settings.idempotencyKeyHeader());
    this.ticker = ticker;
    this.wallClock = wallClock;
    this.sleeper = sleeper;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Call call = chain.call();
    budget.recordRequest();
    long started = ticker.read();
    CutoverListener.RetryReason firstReason = null;
    for (int attempt = 1; ; attempt++) {
      Response response = null;
      IOException failure = null;
      try {
        response = chain.proceed(request);
      } catch (IOException e) {
        failure = e;
      }
      TrackedConnection failedOn = tracker.takeFailedAttempt(call);
      if (response != null && response.code() != 503) {
        finished(request, firstReason, attempt - 1, true);
        return response;
      }
      long delay = retryDelay(request, call, attempt, started, response, failure);
      if (delay < 0) {
        finished(request, firstReason, attempt - 1, false);
        if (response != null) {
          return response;
        }
        throw failure;
      }
      if (firstReason == null) {
        firstReason = response != null ? CutoverListener.RetryReason.STATUS_503
            : ReplayPolicy.reach(failure) == ReplayPolicy.Reach.NOT_SENT
                ? CutoverListener.RetryReason.CONNECT_FAILURE
                : CutoverListener.RetryReason.CONNECTION_FAILURE;
      }
      if (response != null) {
        response.close();
      }
      if (failedOn != null) {
        // HTTP/1.1: the call would otherwise reuse its own connection for the retry.
        failedOn.closeExclusive();
      }
      LOG.log(Level.DEBUG, "{0} {1}: {2}, attempt {3} of {4} in {5} ms", request.method(),
          request.url().host(), response != null ? "503" : String.valueOf(failure), attempt + 1,
          settings.maxAttempts(), TimeUnit.NANOSECONDS.toMillis(delay));
      awaitRefresh(request.url().host());
      sleeper.sleep(delay, call);
    }
  }

  /** Returns the delay before the next attempt, or -1 if this outcome must be returned as is. */
  private long retryDelay(Request request, Call call, int attempt, long started,
      Response response, IOException failure) {
    if (call.isCanceled() || attempt >= settings.maxAttempts()) {
      return -1;
    }
    long minimum = 0;
    if (failure != null) {
      ReplayPolicy.Reach reach = ReplayPolicy.reach(failure);
      if (reach == ReplayPolicy.Reach.NOT_RETRYABLE
          || !ReplayPolicy.bodyIsReplayable(request)
          || (reach == ReplayPolicy.Reach.MAYBE_SENT && !policy.mayRepeat(request))) {
        return -1;
      }
    } else {
      if (!policy.mayRepeat(request)) {
        return -1;
      }
      Duration retryAfter = RetryAfter.parse(response.header("Retry-After"), wallClock);
      if (retryAfter != null) {
        if (retryAfter.compareTo(settings.maxRetryAfter()) > 0) {
          return -1; // the server asks for longer than we may wait: its answer stands
        }
        minimum = retryAfter.toNanos();
      }
    }
    long delay = Math.max(minimum, backoffNanos(attempt));
    long callTimeout = call.timeout().timeoutNanos();
    if (callTimeout > 0 && ticker.read() - started + delay >= callTimeout) {
      return -1;
    }
    if (!budget.tryAcquire()) {
      tracker.listeners().fire(l -> l.retryBudgetExhausted(
          request.url().host(), request.method()));
      long now = ticker.read();
      long last = lastBudgetWarning.get();
      if (now - last >= BUDGET_WARNING_INTERVAL_NANOS && lastBudgetWarning.compareAndSet(last, now)) {
        LOG.log(Level.WARNING, "retry budget exhausted: not retrying {0} {1} and others for a"
            + " while (at most {2}% extra requests plus {3}/s)", request.method(),
            request.url().host(), Math.round(settings.retryBudgetRatio() * 100),
            settings.minRetriesPerSecond());
      }
      return -1;
    }
    return delay;
  }

  private void finished(Request request, CutoverListener.RetryReason reason, int retries,
      boolean succeeded) {
    if (retries > 0) {
      tracker.listeners().fire(l -> l.retriesCompleted(
          request.url().host(), request.method(), reason, retries, succeeded));
    }
  }

  /** Exponential back-off with full jitter: uniform in [0, min(max, initial * 2^(n-1))]. */
  private long backoffNanos(int attempt) {
    long ceiling = settings.initialBackoff().toNanos() << Math.min(attempt - 1, 30);
    if (ceiling <= 0 || ceiling > settings.maxBackoff().toNanos()) {
      ceiling = settings.maxBackoff().toNanos();
    }
    return ceiling <= 0 ? 0 : ThreadLocalRandom.current().nextLong(ceiling + 1);
  }

  /**
   * Gives the re-resolution the failure triggered a moment to land, so the retry's new
   * connection uses the new addresses rather than the cached old ones.
   */
  private void awaitRefresh(String host) {
    try {
      resolver.refresh(host).toCompletableFuture().get(REFRESH_WAIT_NANOS, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // DNS trouble is the resolver's to report; the retry goes ahead with what is cached.
    }
  }
}

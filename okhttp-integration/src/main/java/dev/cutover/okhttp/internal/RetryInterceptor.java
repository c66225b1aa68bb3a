package dev.cutover.okhttp.internal;

import dev.cutover.CutoverListener;
import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import dev.cutover.okhttp.internal.RetryDecision.Retry;
import dev.cutover.okhttp.internal.RetryDecision.Stop;
import dev.cutover.okhttp.internal.RetryDecision.StopReason;
import dev.cutover.okhttp.internal.RetryPolicy.Attempt;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The application interceptor: retries a call whose attempt met a cutover signal (a 503, a
 * refused or reset connection) on a fresh connection, when the {@link RetryPolicy} says so.
 * This class carries the decision out: it closes what the failed attempt leaves behind, waits,
 * logs and tells the listeners.
 *
 * <p>It sits after the user's application interceptors, so those still run once per call, and
 * before OkHttp's own retry logic, so every attempt goes through the user's network interceptors
 * and event listener as a normal exchange would.
 */
final class RetryInterceptor implements Interceptor {
  private static final System.Logger LOG = System.getLogger("dev.cutover.okhttp");
  private static final long REFRESH_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long BUDGET_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final RetryPolicy policy;
  private final ConnectionTracker tracker;
  private final CutoverResolver resolver;
  private final Ticker ticker;
  private final Sleeper sleeper;
  private final AtomicLong lastBudgetWarning = new AtomicLong(Long.MIN_VALUE / 2);

  RetryInterceptor(RetryPolicy policy, ConnectionTracker tracker, CutoverResolver resolver,
      Ticker ticker, Sleeper sleeper) {
    this.policy = policy;
    this.tracker = tracker;
    this.resolver = resolver;
    this.ticker = ticker;
    this.sleeper = sleeper;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Call call = chain.call();
    policy.recordRequest();
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
      if (response != null && !RetryPolicy.isUnavailable(response)) {
        finished(request, firstReason, attempt - 1, true);
        return response;
      }
      RetryDecision decision = policy.decide(new Attempt(request, attempt, response, failure,
          started, call.timeout().timeoutNanos(), call.isCanceled()));
      if (decision instanceof Stop stop) {
        if (stop.reason() == StopReason.BUDGET_EXHAUSTED) {
          budgetExhausted(request);
        }
        finished(request, firstReason, attempt - 1, false);
        if (response != null) {
          return response;
        }
        throw failure;
      }
      Retry retry = (Retry) decision;
      if (firstReason == null) {
        firstReason = retry.reason();
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
          policy.settings().maxAttempts(), TimeUnit.NANOSECONDS.toMillis(retry.delayNanos()));
      awaitRefresh(request.url().host());
      sleeper.sleep(retry.delayNanos(), call);
    }
  }

  private void budgetExhausted(Request request) {
    tracker.listeners().fire(l -> l.retryBudgetExhausted(request.url().host(), request.method()));
    long now = ticker.read();
    long last = lastBudgetWarning.get();
    if (now - last >= BUDGET_WARNING_INTERVAL_NANOS && lastBudgetWarning.compareAndSet(last, now)) {
      RetrySettings settings = policy.settings();
      LOG.log(Level.WARNING, "retry budget exhausted: not retrying {0} {1} and others for a"
          + " while (at most {2}% extra requests plus {3}/s)", request.method(),
          request.url().host(), Math.round(settings.retryBudgetRatio() * 100),
          settings.minRetriesPerSecond());
    }
  }

  private void finished(Request request, CutoverListener.RetryReason reason, int retries,
      boolean succeeded) {
    if (retries > 0) {
      tracker.listeners().fire(l -> l.retriesCompleted(
          request.url().host(), request.method(), reason, retries, succeeded));
    }
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

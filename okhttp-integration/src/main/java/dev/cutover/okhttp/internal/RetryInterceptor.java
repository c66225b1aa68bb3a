package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import dev.cutover.okhttp.CutoverListener;
import dev.cutover.okhttp.RetryOutcome;
import dev.cutover.okhttp.internal.RetryDecision.Retry;
import dev.cutover.okhttp.internal.RetryDecision.Stop;
import dev.cutover.okhttp.internal.RetryDecision.StopReason;
import dev.cutover.okhttp.internal.RetryPolicy.Attempt;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The application interceptor: retries a call whose attempt failed (a 503, a refused or reset
 * connection), when the {@link RetryPolicy} says so. Before deciding, it gives the DNS query the
 * failure triggered a short, bounded moment to answer, because the answer decides what the
 * failure was: a cutover (the address left DNS: retry at once, on a fresh connection to another
 * address) or the server's own (retry after back-off, the connection kept). This class carries
 * the decision out: it closes what the failed attempt leaves behind, waits, logs and tells the
 * listeners.
 *
 * <p>It sits after the user's application interceptors, so those still run once per call, and
 * before OkHttp's own retry logic, so every attempt goes through the user's network interceptors
 * and event listener as a normal exchange would.
 */
final class RetryInterceptor implements Interceptor {
  private static final System.Logger LOG = System.getLogger("dev.cutover.okhttp");
  /**
   * The longest an attempt waits for the DNS answer its failure asked for, unless a test says
   * otherwise. A query in flight is normally answered within milliseconds; past this the decision
   * is made on what is known. A rate-limited refresh (one per host per minTtl) is not waited for
   * at all.
   */
  static final java.time.Duration EVIDENCE_WAIT = java.time.Duration.ofMillis(250);
  /** How often a wait for DNS looks whether the call was canceled. */
  private static final long CANCEL_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long BUDGET_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * Attempts refused for a connection Cutover closed that one call may go through before the
   * refusal is given up on and thrown. Each is a different closed connection (OkHttp drops one it
   * finds closed), so this is only a guard against a loop nobody has seen.
   */
  private static final int MAX_REFUSED_CONNECTIONS = 16;

  private final RetryPolicy policy;
  private final ConnectionTracker tracker;
  private final CutoverResolver resolver;
  private final Ticker ticker;
  private final Sleeper sleeper;
  private final long evidenceWaitNanos;
  private final AtomicLong lastBudgetWarning = new AtomicLong(Long.MIN_VALUE / 2);

  RetryInterceptor(RetryPolicy policy, ConnectionTracker tracker, CutoverResolver resolver,
      Ticker ticker, Sleeper sleeper, long evidenceWaitNanos) {
    this.policy = policy;
    this.tracker = tracker;
    this.resolver = resolver;
    this.ticker = ticker;
    this.sleeper = sleeper;
    this.evidenceWaitNanos = evidenceWaitNanos;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Call call = chain.call();
    try {
      return attempts(chain, call);
    } finally {
      // No attempt of this call can follow: OkHttp's own run inside proceed(), and a user's
      // interceptor that calls proceed() again starts a new loop here.
      tracker.forget(call);
    }
  }

  private Response attempts(Chain chain, Call call) throws IOException {
    Request request = chain.request();
    // One ticker read for both: on some virtual machines a read costs tens of nanoseconds.
    long started = ticker.read();
    policy.recordRequest(started);
    CutoverListener.RetryReason firstReason = null;
    int refusedConnections = 0;
    int attempt = 1;
    while (true) {
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
      if (failure instanceof ReplayRefusedException refused) {
        // OkHttp tried to send the request again by itself; the caller gets what plain OkHttp
        // without its own retries would have given.
        finished(request, firstReason, attempt - 1, false);
        throw replayRefused(call, refused);
      }
      boolean reachedServer = tracker.reachedServer(call) != null;
      boolean closedAtAcquire = tracker.takeClosedAtAcquire(call);
      boolean closedUnderIt = failure != null
          && (failure instanceof RetiredConnectionException || closedAtAcquire);
      if (closedUnderIt
          && refusedConnections < MAX_REFUSED_CONNECTIONS && !call.isCanceled()
          && (!reachedServer || policy.replay().mayRepeat(request))) {
        // OkHttp handed this call a connection Cutover had just closed as idle (the close won
        // the race with the call's acquire event; see Retirer.closesOnCount), and the attempt
        // failed before anything was written: OkHttp 5 at once ("Socket is closed", setting its
        // time-out), otherwise refused by the network interceptor. Plain OkHttp would have had
        // that connection, so this is not an attempt: no back-off, no budget, whatever
        // maxAttempts says. OkHttp finds the closed socket unhealthy and gives the next proceed()
        // another connection.
        refusedConnections++;
        continue;
      }
      boolean addressLeft = false;
      if (!call.isCanceled() && attempt < policy.settings().maxAttempts()
          && policy.mayRetry(request, failure, reachedServer)) {
        addressLeft = awaitDnsEvidence(call, request.url().host(), failedOn, started);
      }
      RetryDecision decision = policy.decide(new Attempt(request, attempt, response, failure,
          started, call.timeout().timeoutNanos(), call.isCanceled(), addressLeft,
          reachedServer));
      if (decision instanceof Stop stop) {
        if (stop.reason() == StopReason.BUDGET_EXHAUSTED) {
          budgetExhausted(request);
        }
        finished(request, firstReason, attempt - 1, false);
        if (response != null) {
          return withHiddenHeaderRestored(call, response);
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
      if (addressLeft && failedOn != null) {
        // HTTP/1.1: the call would otherwise reuse its own connection, to the address that left,
        // for the retry. No other call can be using it, or get it, between the close of the
        // response above and this line: OkHttp releases a call's connection only when the whole
        // interceptor chain has returned (RealCall.callDone runs once expectMoreExchanges is
        // false, which only noMoreExchanges() sets, at the chain's end; 4.12 and 5.x alike), and
        // an HTTP/1.1 connection a call holds is not eligible for another (allocation limit 1).
        // Shown by RaceTest.aConnectionClosedBetweenAttemptsIsNeverAnotherCalls.
        failedOn.closeExclusive();
      }
      LOG.log(Level.DEBUG, "{0} {1}: {2}{3}, attempt {4} of {5} in {6} ms", request.method(),
          request.url().host(), response != null ? "503" : String.valueOf(failure),
          addressLeft ? " from an address that left DNS" : "", attempt + 1,
          policy.settings().maxAttempts(), TimeUnit.NANOSECONDS.toMillis(retry.delayNanos()));
      if (retry.delayNanos() > 0) {
        sleeper.sleep(retry.delayNanos(), call);
      }
      attempt++;
    }
  }

  /**
   * The failure of the attempt that may have reached the server, which is what the caller of
   * plain OkHttp without its own retries would get, with the refusal suppressed under it for the
   * record.
   */
  private IOException replayRefused(Call call, ReplayRefusedException refused) {
    IOException earlier = tracker.reachedServer(call);
    if (earlier == null || earlier instanceof CallHistory.Answered) {
      return refused;
    }
    earlier.addSuppressed(refused);
    return earlier;
  }

  /** A 503 whose {@code Retry-After: 0} was hidden from OkHttp gets it back for the caller. */
  private Response withHiddenHeaderRestored(Call call, Response response) {
    String retryAfter = tracker.hiddenRetryAfter(call);
    if (retryAfter == null || response.header("Retry-After") != null) {
      return response;
    }
    return response.newBuilder().header("Retry-After", retryAfter).build();
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
    if (retries > 0 && !tracker.listeners().isEmpty()) {
      RetryOutcome outcome =
          new RetryOutcome(request.url().host(), request.method(), reason, retries, succeeded);
      tracker.listeners().fire(l -> l.retriesCompleted(outcome));
    }
  }

  /**
   * Waits, within {@link #EVIDENCE_WAIT}, the call's time-out and its cancellation, for the
   * DNS query the failure asked for (the same one: the resolver shares a query in flight and
   * rate-limits new ones), then returns whether the failed attempt's address has left the host.
   */
  private boolean awaitDnsEvidence(Call call, String host, TrackedConnection failedOn,
      long callStarted) {
    CompletableFuture<?> answer;
    try {
      answer = resolver.refresh(host).toCompletableFuture();
    } catch (IllegalStateException closed) {
      return false; // no resolver, no evidence: the server's own failure, as far as anyone knows
    }
    long budget = evidenceWaitNanos;
    long callTimeout = call.timeout().timeoutNanos();
    if (callTimeout > 0) {
      budget = Math.min(budget, callTimeout - (ticker.read() - callStarted));
    }
    long deadline = System.nanoTime() + budget;
    while (!answer.isDone() && !call.isCanceled()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        answer.get(Math.min(left, CANCEL_CHECK_NANOS), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        // A failed query is the resolver's to report; a slow one is given up on at the deadline.
      }
    }
    return failedOn != null && tracker.addressLeft(failedOn);
  }
}

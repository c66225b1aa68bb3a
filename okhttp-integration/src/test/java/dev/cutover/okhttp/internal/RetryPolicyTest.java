package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.okhttp.CutoverListener.RetryReason;
import dev.cutover.okhttp.OneShotBody;
import dev.cutover.okhttp.internal.RetryDecision.Retry;
import dev.cutover.okhttp.internal.RetryDecision.Stop;
import dev.cutover.okhttp.internal.RetryDecision.StopReason;
import dev.cutover.okhttp.internal.RetryPolicy.Attempt;
import dev.cutover.testkit.FakeTicker;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The retry decision, from plain values: a real request, a real 503 or exception, a fake clock. */
class RetryPolicyTest {
  private static final long MS = Duration.ofMillis(1).toNanos();
  private static final Clock WALL = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC);
  /** Full jitter at its top: the wait is the whole ceiling. */
  private static final RandomGenerator CEILING = new RandomGenerator() {
    @Override
    public long nextLong() {
      return -1;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  };

  private final FakeTicker ticker = new FakeTicker();

  private boolean retryUnavailable = true;

  private RetryPolicy policy(int maxAttempts, RetryBudget budget) {
    RetrySettings settings = new RetrySettings(maxAttempts, Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofSeconds(5), 0.2, 10, false, "Idempotency-Key",
        retryUnavailable);
    return new RetryPolicy(settings, budget, ticker::read, WALL, CEILING);
  }

  private RetryPolicy policy() {
    return policy(4, new RetryBudget(ticker::read, 0.2, 10));
  }

  @Test
  void a503IsRetriedAfterAJitteredBackOffThatDoublesUpToTheMaximum() {
    RetryPolicy policy = policy();
    Request get = Requests.get();
    assertEquals(new Retry(100 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(get, 1, null)));
    assertEquals(new Retry(200 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(get, 2, null)));
    assertEquals(new Retry(250 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(get, 3, null)), "capped at maxBackoff");
  }

  @Test
  void theJitterIsFullBelowTheCeiling() {
    RetrySettings settings = new RetrySettings(3, Duration.ofMillis(100), Duration.ofSeconds(2),
        Duration.ofSeconds(5), 0.2, 10, false, "Idempotency-Key", true);
    RetryPolicy lowest = new RetryPolicy(settings, new RetryBudget(ticker::read, 0.2, 10),
        ticker::read, WALL, () -> 0L);
    assertEquals(0, lowest.backoffNanos(1));
    RetryPolicy threadLocal = new RetryPolicy(settings, new RetryBudget(ticker::read, 0.2, 10),
        ticker::read, WALL, RetryPolicy.THREAD_LOCAL_RANDOM);
    for (int i = 0; i < 1_000; i++) {
      long delay = threadLocal.backoffNanos(2);
      assertTrue(delay >= 0 && delay <= 200 * MS, String.valueOf(delay));
    }
  }

  @Test
  void theLastAttemptAndCanceledCallsStop() {
    RetryPolicy policy = policy();
    assertEquals(new Stop(StopReason.LAST_ATTEMPT),
        policy.decide(unavailable(Requests.get(), 4, null)));
    Request get = Requests.get();
    Attempt canceled = new Attempt(get, 1, Requests.status(get, 503, null), null, 0, 0, true,
        false, false);
    assertEquals(new Stop(StopReason.CANCELED), policy.decide(canceled));
  }

  @Test
  void retryAfterIsWaitedOutUpToItsCap() {
    RetryPolicy policy = policy();
    Request get = Requests.get();
    assertEquals(new Retry(2_000 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(get, 1, "2")));
    assertEquals(new Retry(3_000 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(get, 1, "Sat, 21 Nov 2026 12:00:03 GMT")));
    assertEquals(new Retry(100 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(get, 1, "0")), "never shorter than the back-off");
    assertEquals(new Stop(StopReason.RETRY_AFTER_TOO_LONG),
        policy.decide(unavailable(get, 1, "6")), "longer than maxRetryAfter: the 503 stands");
  }

  @Test
  void a503IsRetriedOnlyForRequestsThatMayBeProcessedTwice() {
    RetryPolicy policy = policy();
    assertEquals(new Stop(StopReason.NOT_IDEMPOTENT),
        policy.decide(unavailable(Requests.post(), 1, null)));
    Request keyed = Requests.post().newBuilder().header("Idempotency-Key", "k").build();
    assertEquals(new Retry(100 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(keyed, 1, null)));
    assertEquals(new Stop(StopReason.BODY_NOT_REPLAYABLE), policy.decide(
        unavailable(Requests.withBody("PUT", new OneShotBody("once")), 1, null)));
  }

  @Test
  void aConnectionThatNeverCarriedTheRequestIsRetriedForAnyMethod() {
    RetryPolicy policy = policy();
    assertEquals(new Retry(100 * MS, RetryReason.CONNECT_FAILURE),
        policy.decide(failed(Requests.post(), 1, new ConnectException("refused"))));
    assertEquals(new Retry(100 * MS, RetryReason.CONNECT_FAILURE), policy.decide(failed(
        Requests.withBody("POST", new OneShotBody("once")), 1, new ConnectException("refused"))),
        "a body never written is untouched, one-shot or not");
    ConnectException afterReset = new ConnectException("refused");
    afterReset.addSuppressed(new SocketException("Connection reset"));
    assertEquals(new Stop(StopReason.BODY_NOT_REPLAYABLE), policy.decide(failed(
        Requests.withBody("PUT", new OneShotBody("once")), 1, afterReset)),
        "OkHttp's earlier attempt wrote it");
    assertEquals(new Stop(StopReason.BODY_NOT_REPLAYABLE), policy.decide(failed(
        Requests.withBody("PUT", new OneShotBody("once")), 1,
        new okhttp3.internal.http2.StreamResetException(
            okhttp3.internal.http2.ErrorCode.REFUSED_STREAM))),
        "a refused stream was not processed, but its body may have been written");
  }

  @Test
  void aBrokenExchangeIsRetriedOnlyForRequestsThatMayBeProcessedTwice() {
    RetryPolicy policy = policy();
    SocketException reset = new SocketException("Connection reset");
    assertEquals(new Retry(100 * MS, RetryReason.CONNECTION_FAILURE),
        policy.decide(failed(Requests.get(), 1, reset)));
    assertEquals(new Stop(StopReason.NOT_IDEMPOTENT),
        policy.decide(failed(Requests.post(), 1, reset)));
    assertEquals(new Stop(StopReason.NOT_RETRYABLE),
        policy.decide(failed(Requests.get(), 1, new SocketTimeoutException("timeout"))));
  }

  @Test
  void aWaitThatWouldOutlastTheCallTimeoutStops() {
    RetryPolicy policy = policy();
    Request get = Requests.get();
    long timeout = Duration.ofSeconds(1).toNanos();
    ticker.advance(Duration.ofMillis(899));
    Attempt early = new Attempt(get, 1, Requests.status(get, 503, null), null, 0, timeout,
        false, false, false);
    assertEquals(new Retry(100 * MS, RetryReason.STATUS_503), policy.decide(early));
    ticker.advance(Duration.ofMillis(1));
    assertEquals(new Stop(StopReason.CALL_TIMEOUT), policy.decide(early), "900 + 100 ms >= 1 s");
    Attempt noTimeout =
        new Attempt(get, 1, Requests.status(get, 503, null), null, 0, 0, false, false, false);
    assertEquals(new Retry(100 * MS, RetryReason.STATUS_503), policy.decide(noTimeout));
  }

  @Test
  void theBudgetIsDrawnLastAndOnlyForARetry() {
    RetryBudget oneRetry = new RetryBudget(ticker::read, 1.0, 0);
    oneRetry.recordRequest(ticker.read()); // one request, ratio 1, no floor: exactly one retry
    RetryPolicy policy = policy(4, oneRetry);
    assertEquals(new Stop(StopReason.NOT_IDEMPOTENT),
        policy.decide(unavailable(Requests.post(), 1, null)));
    assertEquals(new Stop(StopReason.RETRY_AFTER_TOO_LONG),
        policy.decide(unavailable(Requests.get(), 1, "60")));
    assertEquals(new Retry(100 * MS, RetryReason.STATUS_503),
        policy.decide(unavailable(Requests.get(), 1, null)), "the one retry is still there");
    assertEquals(new Stop(StopReason.BUDGET_EXHAUSTED),
        policy.decide(unavailable(Requests.get(), 1, null)));
  }

  @Test
  void a503FromAnAddressThatLeftDnsIsRetriedAtOnceWhateverItsRetryAfter() {
    RetryPolicy policy = policy();
    Request get = Requests.get();
    assertEquals(new Retry(0, RetryReason.STATUS_503),
        policy.decide(unavailableFromAnAddressThatLeft(get, 1, null)));
    assertEquals(new Retry(0, RetryReason.STATUS_503),
        policy.decide(unavailableFromAnAddressThatLeft(get, 1, "60")),
        "the old server's Retry-After does not bind the retry to the new one");
    assertEquals(new Stop(StopReason.NOT_IDEMPOTENT),
        policy.decide(unavailableFromAnAddressThatLeft(Requests.post(), 1, null)),
        "a cutover does not make a POST safe to repeat");
  }

  @Test
  void with503RetriesOffA503FromAnAddressDnsStillNamesIsReturned() {
    retryUnavailable = false;
    RetryPolicy policy = policy();
    Request get = Requests.get();
    assertEquals(new Stop(StopReason.STILL_IN_DNS), policy.decide(unavailable(get, 1, null)));
    assertEquals(new Retry(0, RetryReason.STATUS_503),
        policy.decide(unavailableFromAnAddressThatLeft(get, 1, null)), "a cutover still is");
    assertEquals(new Retry(100 * MS, RetryReason.CONNECTION_FAILURE),
        policy.decide(failed(get, 1, new SocketException("Connection reset"))),
        "broken connections are not 503s");
  }

  @Test
  void retryIsPossibleOnlyForReplayableRequestsAndRetryableFailures() {
    RetryPolicy policy = policy();
    assertTrue(policy.mayRetry(Requests.get(), null, false));
    assertFalse(policy.mayRetry(Requests.post(), null, false));
    assertTrue(policy.mayRetry(Requests.post(), new ConnectException("refused"), false));
    assertFalse(policy.mayRetry(Requests.post(), new SocketException("Connection reset"), false));
    assertTrue(policy.mayRetry(Requests.get(), new SocketTimeoutException("timeout"), false),
        "worth asking DNS: from an address that left, a GET goes elsewhere");
    assertFalse(policy.mayRetry(Requests.post(), new SocketTimeoutException("timeout"), false));
    assertFalse(policy.mayRetry(Requests.get(), new SSLPeerUnverifiedException("host"), false));
    assertFalse(policy.mayRetry(Requests.withBody("PUT", new OneShotBody("once")), null, false));
  }

  /**
   * OkHttp's own retry of a POST whose exchange broke, ending in a refused connection: the
   * exception on top says "not sent", the one suppressed under it says the POST may have reached
   * the server; and where OkHttp's retry was refused before sending, only the call's history
   * knows.
   */
  @Test
  void aRequestThatMayHaveReachedTheServerInAnEarlierAttemptIsNotRetried() {
    RetryPolicy policy = policy();
    ConnectException refusedAfterReset = new ConnectException("Failed to connect");
    refusedAfterReset.addSuppressed(new SocketException("Connection reset"));
    assertFalse(policy.mayRetry(Requests.post(), refusedAfterReset, false));
    assertEquals(new Stop(StopReason.NOT_IDEMPOTENT),
        policy.decide(failed(Requests.post(), 1, refusedAfterReset)));
    assertTrue(policy.mayRetry(Requests.get(), refusedAfterReset, false), "a GET still may");

    ConnectException refused = new ConnectException("Failed to connect");
    assertFalse(policy.mayRetry(Requests.post(), refused, true));
    assertEquals(new Stop(StopReason.NOT_IDEMPOTENT), policy.decide(
        new Attempt(Requests.post(), 1, null, refused, 0, 0, false, false, true)));
    assertTrue(policy.mayRetry(Requests.post().newBuilder().header("Idempotency-Key", "k")
        .build(), refused, true), "a keyed POST still may");
  }

  @Test
  void onlyA503IsACutoverSignal() {
    Request get = Requests.get();
    assertTrue(RetryPolicy.isUnavailable(Requests.status(get, 503, null)));
    for (int code : new int[] {200, 404, 429, 500, 502, 504}) {
      Response response = Requests.status(get, code, null);
      assertFalse(RetryPolicy.isUnavailable(response), String.valueOf(code));
    }
  }

  private static Attempt unavailable(Request request, int number, String retryAfter) {
    return new Attempt(request, number, Requests.status(request, 503, retryAfter), null, 0, 0,
        false, false, false);
  }

  private static Attempt unavailableFromAnAddressThatLeft(Request request, int number,
      String retryAfter) {
    return new Attempt(request, number, Requests.status(request, 503, retryAfter), null, 0, 0,
        false, true, false);
  }

  /**
   * A read time-out or an unparseable answer from a server DNS still names is a slow or broken
   * server: never retried. From an address that left DNS it is the old environment going away:
   * a request that may be repeated goes elsewhere at once; one that may not, never.
   */
  @Test
  void noAnswerIsRetriedOnlyAwayFromAnAddressThatLeftDns() {
    RetryPolicy policy = policy();
    for (IOException noAnswer : new IOException[] {new SocketTimeoutException("timeout"),
        new java.net.ProtocolException("Unexpected status line: ...")}) {
      assertEquals(new Stop(StopReason.NOT_RETRYABLE),
          policy.decide(failed(Requests.get(), 1, noAnswer)), noAnswer.toString());
      assertEquals(new Retry(0, RetryReason.CONNECTION_FAILURE), policy.decide(
          new Attempt(Requests.get(), 1, null, noAnswer, 0, 0, false, true, false)));
      assertEquals(new Stop(StopReason.NOT_IDEMPOTENT), policy.decide(
          new Attempt(Requests.post(), 1, null, noAnswer, 0, 0, false, true, true)));
    }
  }

  private static Attempt failed(Request request, int number, IOException failure) {
    return new Attempt(request, number, null, failure, 0, 0, false, false, false);
  }
}

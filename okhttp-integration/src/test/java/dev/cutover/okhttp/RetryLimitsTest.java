package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.okhttp.internal.Sleeper;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retry-After within and beyond the cap, the attempt limit, and the retry budget. */
class RetryLimitsTest {
  private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");

  private CutoverFixture fixture;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  /** Runs at each wait, before the retry: lets a test change what the server answers next. */
  private volatile Runnable onSleep = () -> { };

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private OkHttpClient start(Consumer<CutoverOkHttp.Builder> options) throws Exception {
    fixture = new CutoverFixture(false);
    Sleeper recording = (nanos, call) -> {
      sleeps.add(Duration.ofNanos(nanos));
      fixture.ticker.advance(Duration.ofNanos(nanos));
      onSleep.run();
    };
    CutoverOkHttp.Builder builder = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read).sleeper(recording)
        .wallClock(Clock.fixed(NOW, ZoneOffset.UTC));
    options.accept(builder);
    OkHttpClient client = builder.build();
    try (Response warmUp = client.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(warmUp));
    }
    return client;
  }

  /** A 503 from an address DNS still names: the server's own answer, and its wait counts. */
  @Test
  void retryAfterInSecondsIsWaitedOut() throws Exception {
    OkHttpClient client = start(options -> options.maxRetryAfter(Duration.ofSeconds(5)));
    fixture.blue.unavailable("2");
    onSleep = fixture.blue::serve;
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    assertEquals(1, sleeps.size());
    assertTrue(sleeps.get(0).compareTo(Duration.ofSeconds(2)) >= 0,
        "waited " + sleeps.get(0) + ", the server asked for 2 s");
    assertTrue(sleeps.get(0).compareTo(Duration.ofSeconds(3)) < 0, "not much more: " + sleeps);
  }

  @Test
  void retryAfterAsHttpDateIsWaitedOut() throws Exception {
    OkHttpClient client = start(options -> options.maxRetryAfter(Duration.ofSeconds(5)));
    String in3Seconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        NOW.plusSeconds(3).atOffset(ZoneOffset.UTC));
    fixture.blue.unavailable(in3Seconds);
    onSleep = fixture.blue::serve;
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    assertEquals(1, sleeps.size());
    assertTrue(sleeps.get(0).compareTo(Duration.ofSeconds(3)) >= 0, sleeps.toString());
  }

  @Test
  void retryAfterBeyondTheCapReturnsThe503AtOnce() throws Exception {
    OkHttpClient client = start(options -> options.maxRetryAfter(Duration.ofSeconds(5)));
    fixture.blue.unavailable("3600");
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
      assertEquals("3600", response.header("Retry-After"));
    }
    assertEquals(List.of(), sleeps);
    assertEquals(2, fixture.blue.requestCount(), "the warm-up and the one 503");
    assertEquals(0, fixture.green.requestCount());
  }

  /** A 503 from an address that left DNS: the retry goes elsewhere, so its wait does not count. */
  @Test
  void aCutover503IsRetriedElsewhereAtOnceWhateverItsRetryAfter() throws Exception {
    OkHttpClient client = start(options -> options.maxRetryAfter(Duration.ofSeconds(5)));
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.blue.unavailable("3600");
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals("green", body(response));
    }
    assertEquals(List.of(), sleeps);
    assertEquals(2, fixture.blue.requestCount(), "the warm-up and the one 503");
  }

  @Test
  void attemptsAreBoundedWhenEverythingFails() throws Exception {
    OkHttpClient client = start(options -> options.maxAttempts(3));
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.blue.unavailable();
    fixture.green.unavailable();
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
      assertEquals("green unavailable", body(response), "the last attempt's response");
    }
    assertEquals(3, fixture.blue.requestCount() - 1 + fixture.green.requestCount(),
        "exactly maxAttempts attempts");
    assertEquals(1, fixture.blue.requestCount() - 1, "blue's 503 once: it had left DNS");
    assertEquals(1, sleeps.size(), "none before going to green, one before green's retry");
  }

  @Test
  void backoffIsJitteredBelowAnExponentialCeiling() throws Exception {
    OkHttpClient client = start(options -> options.maxAttempts(4)
        .initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(250)));
    fixture.blue.unavailable();
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(3, sleeps.size());
    assertTrue(sleeps.get(0).toMillis() <= 100, sleeps.toString());
    assertTrue(sleeps.get(1).toMillis() <= 200, sleeps.toString());
    assertTrue(sleeps.get(2).toMillis() <= 250, sleeps.toString());
  }

  @Test
  void budgetCapsRetriesWhenGreenFailsToo() throws Exception {
    OkHttpClient client = start(options -> options.maxAttempts(3)
        .retryBudgetRatio(0.2).minRetriesPerSecond(0).initialBackoff(Duration.ZERO)
        .maxBackoff(Duration.ZERO));
    fixture.flipDnsServerOnly("127.0.0.2", "127.0.0.3");
    fixture.blue.unavailable();
    fixture.green.unavailable();
    fixture.blue.resetCounters();
    fixture.green.resetCounters();
    int calls = 100;
    for (int i = 0; i < calls; i++) {
      try (Response response = client.newCall(fixture.get("/")).execute()) {
        assertEquals(503, response.code());
      }
    }
    int attempts = fixture.blue.requestCount() + fixture.green.requestCount();
    int retries = attempts - calls;
    // 101 requests recorded (the warm-up too), 20% of them may be retried, nothing more.
    assertTrue(retries <= 20, "retries " + retries + " exceed 20% of 101 requests");
    assertTrue(retries >= 15, "the budget should still allow retries: " + retries);
    assertTrue(attempts < calls * 3, "without a budget this would be " + calls * 3);
  }

  @Test
  void aRetryThatWouldOutliveTheCallTimeoutIsNotAttempted() throws Exception {
    fixture = new CutoverFixture(false);
    Sleeper recording = (nanos, call) -> sleeps.add(Duration.ofNanos(nanos));
    OkHttpClient client = CutoverOkHttp.builder(
            fixture.plainClient(1).callTimeout(Duration.ofSeconds(3)).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read).sleeper(recording)
        .maxRetryAfter(Duration.ofSeconds(10)).build();
    fixture.blue.unavailable("4"); // within maxRetryAfter, but beyond the 3 s call time-out
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(List.of(), sleeps);
    assertEquals(1, fixture.blue.requestCount());
  }

  @Test
  void aCallCanceledWhileWaitingToRetryStopsPromptly() throws Exception {
    fixture = new CutoverFixture(false);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).maxRetryAfter(Duration.ofSeconds(10)).build();
    fixture.blue.unavailable("5");
    okhttp3.Call call = client.newCall(fixture.get("/"));
    Thread canceller = new Thread(() -> {
      CutoverFixture.await(Duration.ofSeconds(5), "the first attempt",
          () -> fixture.blue.requestCount() == 1);
      call.cancel();
    });
    canceller.start();
    long started = System.nanoTime();
    java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
        java.io.IOException.class, call::execute);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    canceller.join();
    assertTrue(tookMillis < 3_000, "the 5 s wait should end at the cancel, took " + tookMillis
        + " ms: " + e);
    assertEquals(1, fixture.blue.requestCount(), "no attempt after the cancel");
  }
}

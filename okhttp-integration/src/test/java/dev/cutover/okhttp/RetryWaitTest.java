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

/**
 * The waits between attempts as the wrapped client spends them, bounded on both sides: a wait
 * that is skipped fails these as surely as one that is too long. (The back-off's values with its
 * random source pinned are in {@code RetryPolicyTest}; here the client has its real one.)
 */
class RetryWaitTest {
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
    return builder.build();
  }

  @Test
  void eachBackOffIsAboveZeroAndBelowItsDoublingCeiling() throws Exception {
    OkHttpClient client = start(options -> options.maxAttempts(4)
        .initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(250)));
    fixture.blue.unavailable();
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(4, fixture.blue.requestCount(), "maxAttempts attempts, all on blue");
    long[] ceilingsMillis = {100, 200, 250};
    assertEquals(ceilingsMillis.length, sleeps.size(), sleeps.toString());
    for (int i = 0; i < ceilingsMillis.length; i++) {
      Duration sleep = sleeps.get(i);
      // Uniform over [0, ceiling] in nanoseconds: exactly 0 comes once in 10^8 waits.
      assertTrue(sleep.compareTo(Duration.ZERO) > 0, "wait " + i + " skipped: " + sleeps);
      assertTrue(sleep.compareTo(Duration.ofMillis(ceilingsMillis[i])) <= 0,
          "wait " + i + " above its ceiling of " + ceilingsMillis[i] + " ms: " + sleeps);
    }
  }

  @Test
  void retryAfterAsAnHttpDateIsWaitedOutExactly() throws Exception {
    OkHttpClient client = start(options -> options.maxRetryAfter(Duration.ofSeconds(5))
        .initialBackoff(Duration.ofMillis(100)).maxBackoff(Duration.ofMillis(100)));
    String in3Seconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(
        NOW.plusSeconds(3).atOffset(ZoneOffset.UTC));
    fixture.blue.unavailable(in3Seconds);
    onSleep = fixture.blue::serve;
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(200, response.code());
      assertEquals("blue", body(response));
    }
    // The larger of the server's 3 s and the back-off (at most 100 ms): not their sum, and not
    // the date measured against another clock.
    assertEquals(List.of(Duration.ofSeconds(3)), sleeps);
  }
}

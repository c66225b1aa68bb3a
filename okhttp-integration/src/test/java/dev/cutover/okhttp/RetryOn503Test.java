package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.okhttp.internal.Sleeper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Blue answers 503 after DNS moved to green (the client has not looked yet): the 503 makes it
 * look, DNS shows blue has left, and what may be replayed is, at once, on green; what may not be
 * reaches blue exactly once and the caller gets blue's 503 unchanged. A 503 while DNS still names
 * the address is not a cutover: see NotACutoverTest.
 */
class RetryOn503Test {
  private CutoverFixture fixture;
  private final List<Long> sleeps = new CopyOnWriteArrayList<>();


  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private OkHttpClient start(boolean http2, DrainMode mode) throws Exception {
    return start(http2, mode, options -> { });
  }

  private OkHttpClient start(boolean http2, DrainMode mode,
      java.util.function.Consumer<CutoverOkHttp.Builder> customize) throws Exception {
    fixture = new CutoverFixture(http2);
    Sleeper recording = (nanos, call) -> {
      sleeps.add(nanos);
      fixture.ticker.advance(Duration.ofNanos(nanos));
    };
    CutoverOkHttp.Builder builder = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).drainMode(mode).ticker(fixture.ticker::read)
        .sleeper(recording);
    customize.accept(builder);
    OkHttpClient client = builder.build();
    try (Response warmUp = client.newCall(fixture.get("/warm-up")).execute()) {
      assertEquals("blue", body(warmUp));
    }
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2)); // past the resolver's forced-refresh limit
    fixture.blue.unavailable();
    return client;
  }

  /**
   * On HTTP/2 retired by {@code Connection: close} (public-API mode) the shared connection takes
   * one more exchange to retire.
   */
  private static int blueAttempts(boolean http2, DrainMode mode) {
    return http2 && mode == DrainMode.PUBLIC_API ? 2 : 1;
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void getAndPutRecoverOnGreen(boolean http2, DrainMode mode) throws Exception {
    OkHttpClient client = start(http2, mode);
    try (Response response = client.newCall(fixture.get("/get")).execute()) {
      assertEquals(200, response.code());
      assertEquals("green", body(response));
    }
    Request put = new Request.Builder().url(fixture.url("/put"))
        .put(RequestBody.create("x", MediaType.get("text/plain"))).build();
    try (Response response = client.newCall(put).execute()) {
      assertEquals(200, response.code());
      assertEquals("green", body(response));
    }
    assertEquals(1 + blueAttempts(http2, mode), fixture.blue.requestCount("GET"),
        "the warm-up, then the 503 attempts");
    assertEquals(0, fixture.blue.requestCount("PUT"), "the PUT found the green connection");
    assertEquals(1, fixture.green.requestCount("GET"));
    assertEquals(1, fixture.green.requestCount("PUT"));
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void postWithoutIdempotencyKeyGetsThe503AndIsSentOnce(boolean http2, DrainMode mode)
      throws Exception {
    OkHttpClient client = start(http2, mode);
    Request post = new Request.Builder().url(fixture.url("/orders"))
        .post(RequestBody.create("{}", MediaType.get("application/json"))).build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals(503, response.code());
      assertEquals("blue unavailable", body(response), "the caller gets blue's own response");
    }
    assertEquals(1, fixture.blue.requestCount("POST"));
    assertEquals(0, fixture.green.requestCount("POST"));
    assertEquals(List.of(), sleeps, "no retry was even scheduled");
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void postWithIdempotencyKeyIsRetriedOnGreen(boolean http2, DrainMode mode) throws Exception {
    OkHttpClient client = start(http2, mode);
    Request post = new Request.Builder().url(fixture.url("/orders"))
        .header("Idempotency-Key", "order-42")
        .post(RequestBody.create("{}", MediaType.get("application/json"))).build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals(200, response.code());
      assertEquals("green", body(response));
    }
    assertEquals(blueAttempts(http2, mode), fixture.blue.requestCount("POST"));
    assertEquals(1, fixture.green.requestCount("POST"));
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void oneShotBodyIsNeverSentTwiceEvenWhenRetriesAreAllowed(boolean http2, DrainMode mode)
      throws Exception {
    OkHttpClient client = start(http2, mode, options -> options.retryNonIdempotent(true));
    Request post = new Request.Builder().url(fixture.url("/upload"))
        .header("Idempotency-Key", "upload-7").post(new OneShotBody("payload")).build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(1, fixture.blue.requestCount("POST"));
    assertEquals(0, fixture.green.requestCount("POST"));
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void everyDiscardedResponseIsClosed(boolean http2, DrainMode mode) throws Exception {
    OkHttpClient client = start(http2, mode);
    for (int i = 0; i < 5; i++) {
      try (Response response = client.newCall(fixture.get("/get")).execute()) {
        assertEquals("green", body(response));
      }
    }
    // A leaked 503 body would keep its connection in use: evictAll() closes only idle ones.
    client.connectionPool().evictAll();
    assertEquals(0, client.connectionPool().connectionCount());
    assertTrue(fixture.blue.requestCount("GET") >= 2);
  }
}

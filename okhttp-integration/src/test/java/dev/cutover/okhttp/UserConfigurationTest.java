package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.okhttp.internal.Sleeper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The wrapped client keeps what the user configured, and their hooks run as often as before. */
class UserConfigurationTest {
  private CutoverFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void settingsAreKept() throws Exception {
    fixture = new CutoverFixture(true);
    Dispatcher dispatcher = new Dispatcher();
    OkHttpClient existing = fixture.plainClient(4).dispatcher(dispatcher)
        .callTimeout(Duration.ofSeconds(7)).writeTimeout(Duration.ofSeconds(3))
        .retryOnConnectionFailure(false).followRedirects(false).build();
    OkHttpClient wrapped = CutoverOkHttp.wrap(existing, fixture.resolver);
    assertSame(existing.dispatcher(), wrapped.dispatcher());
    assertSame(existing.connectionPool(), wrapped.connectionPool());
    assertSame(existing.sslSocketFactory(), wrapped.sslSocketFactory());
    assertSame(existing.hostnameVerifier(), wrapped.hostnameVerifier());
    assertEquals(existing.callTimeoutMillis(), wrapped.callTimeoutMillis());
    assertEquals(existing.connectTimeoutMillis(), wrapped.connectTimeoutMillis());
    assertEquals(existing.readTimeoutMillis(), wrapped.readTimeoutMillis());
    assertEquals(existing.writeTimeoutMillis(), wrapped.writeTimeoutMillis());
    assertEquals(existing.protocols(), wrapped.protocols());
    assertEquals(existing.retryOnConnectionFailure(), wrapped.retryOnConnectionFailure());
    assertEquals(existing.followRedirects(), wrapped.followRedirects());
    try (Response response = wrapped.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
  }

  @Test
  void hostnameVerificationStillApplies() throws Exception {
    fixture = new CutoverFixture(true);
    fixture.dns.setAddresses("other.cutover.test", CutoverFixture.TTL, "127.0.0.2");
    OkHttpClient wrapped = CutoverOkHttp.wrap(fixture.plainClient(1).build(), fixture.resolver);
    // The certificate names api.cutover.test only: another name on the same server must fail.
    assertThrows(javax.net.ssl.SSLPeerUnverifiedException.class, () -> wrapped.newCall(
        new okhttp3.Request.Builder().url(fixture.blue.url("other.cutover.test", "/")).build())
        .execute().close());
  }

  @Test
  void interceptorsAndListenerRunOncePerCallAndPerAttempt() throws Exception {
    fixture = new CutoverFixture(false);
    AtomicInteger applicationCalls = new AtomicInteger();
    AtomicInteger networkCalls = new AtomicInteger();
    RecordingListener listener = new RecordingListener();
    OkHttpClient existing = fixture.plainClient(1)
        .addInterceptor(chain -> {
          applicationCalls.incrementAndGet();
          return chain.proceed(chain.request());
        })
        .addNetworkInterceptor(chain -> {
          networkCalls.incrementAndGet();
          return chain.proceed(chain.request());
        })
        .eventListener(listener)
        .build();
    Sleeper noWait = (nanos, call) -> fixture.ticker.advance(Duration.ofNanos(nanos));
    OkHttpClient wrapped = CutoverOkHttp.builder(existing).resolver(fixture.resolver)
        .ticker(fixture.ticker::read).sleeper(noWait).build();

    try (Response response = wrapped.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    assertEquals(1, applicationCalls.get());
    assertEquals(1, networkCalls.get());
    assertEquals(Map.of("callStart", 1, "connectionAcquired", 1, "connectionReleased", 1,
        "callEnd", 1), listener.counts(List.of("callStart", "connectionAcquired",
        "connectionReleased", "callEnd")));

    // One call, two attempts: blue's 503, then green.
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.blue.unavailable();
    listener.reset();
    try (Response response = wrapped.newCall(fixture.get("/")).execute()) {
      assertEquals("green", body(response));
    }
    assertEquals(2, applicationCalls.get(), "the user's interceptor: once per call");
    assertEquals(3, networkCalls.get(), "the user's network interceptor: once per attempt");
    assertEquals(1, listener.count("callStart"));
    assertEquals(1, listener.count("callEnd"));
    assertEquals(2, listener.count("responseHeadersEnd"), "one per attempt");
    assertTrue(listener.count("connectStart") >= 1, "the retry connected to green");

    wrapped.connectionPool().evictAll();
    assertEquals(0, wrapped.connectionPool().connectionCount(), "no connection left in use");
  }

  @Test
  void builderRejectsBadSettingsWithTheValueInTheMessage() {
    CutoverOkHttp.Builder builder = CutoverOkHttp.builder(new OkHttpClient());
    assertMessage(() -> builder.maxAttempts(0), "maxAttempts", "0");
    assertMessage(() -> builder.maxAttempts(11), "maxAttempts", "11");
    assertMessage(() -> builder.initialBackoff(Duration.ofMillis(-1)), "initialBackoff");
    assertMessage(() -> builder.maxRetryAfter(null), "maxRetryAfter", "null");
    assertMessage(() -> builder.retryBudgetRatio(1.5), "retryBudgetRatio", "1.5");
    assertMessage(() -> builder.retryBudgetRatio(Double.NaN), "retryBudgetRatio", "NaN");
    assertMessage(() -> builder.minRetriesPerSecond(-1), "minRetriesPerSecond", "-1");
    assertMessage(() -> builder.idempotencyKeyHeader("bad header"), "idempotencyKeyHeader");
    assertMessage(() -> builder.addressQuarantine(Duration.ofSeconds(-1)), "addressQuarantine");
    assertThrows(NullPointerException.class, () -> CutoverOkHttp.wrap(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CutoverOkHttp.builder(new OkHttpClient()).initialBackoff(Duration.ofSeconds(5))
            .maxBackoff(Duration.ofSeconds(1)).build());
    assertTrue(e.getMessage().contains("PT5S") && e.getMessage().contains("PT1S"),
        e.getMessage());
  }

  private static void assertMessage(Runnable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
  }

  /** Counts events by name. */
  static final class RecordingListener extends EventListener {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    private void record(String event) {
      counts.computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet();
    }

    int count(String event) {
      AtomicInteger count = counts.get(event);
      return count == null ? 0 : count.get();
    }

    Map<String, Integer> counts(List<String> events) {
      Map<String, Integer> result = new java.util.HashMap<>();
      for (String event : events) {
        result.put(event, count(event));
      }
      return result;
    }

    void reset() {
      counts.clear();
    }

    @Override
    public void callStart(Call call) {
      record("callStart");
    }

    @Override
    public void callEnd(Call call) {
      record("callEnd");
    }

    @Override
    public void callFailed(Call call, IOException ioe) {
      record("callFailed");
    }

    @Override
    public void connectStart(Call call, java.net.InetSocketAddress address, java.net.Proxy proxy) {
      record("connectStart");
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      record("connectionAcquired");
    }

    @Override
    public void connectionReleased(Call call, Connection connection) {
      record("connectionReleased");
    }

    @Override
    public void responseHeadersEnd(Call call, Response response) {
      record("responseHeadersEnd");
    }
  }
}

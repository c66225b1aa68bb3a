package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.await;
import static dev.cutover.okhttp.CutoverFixture.firstFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.JvmCachingDns;
import dev.cutover.testkit.Load;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client derived from a wrapped one ({@code wrapped.newBuilder()...}) with one of the settings
 * Cutover depends on changed: under load on it and on the wrapped client, DNS flips, and blue
 * stops receiving requests within the bound its drain mode states, without a failed request; a
 * change that takes part of Cutover away is logged once as a WARNING and counted once, and the
 * wrapped client itself never is.
 */
class DerivedClientTest {
  private static final int CALLERS = 8;

  /** The setters of OkHttpClient.Builder that touch what Cutover added. */
  enum Setter {
    EVENT_LISTENER,
    EVENT_LISTENER_FACTORY,
    DNS,
    CONNECTION_POOL
  }

  private CutoverFixture fixture;
  private final Logger log = Logger.getLogger("dev.cutover.okhttp");
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @AfterEach
  void tearDown() {
    log.removeHandler(capture);
    if (fixture != null) {
      fixture.close();
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(Setter.values()).flatMap(setter -> CutoverFixture.setups()
        .map(setup -> Arguments.of(setter, setup.get()[0], setup.get()[1])));
  }

  @ParameterizedTest(name = "{0} http2={1} {2}")
  @MethodSource("cases")
  void drainingGoesOnAndWhatWasLostIsSaidOnce(Setter setter, boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    log.addHandler(capture);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CutoverMetrics metrics = new CutoverMetrics();
    metrics.bindTo(registry);
    OkHttpClient wrapped = CutoverOkHttp.builder(fixture.plainClient(CALLERS).build())
        .resolver(fixture.resolver).drainMode(mode).listener(metrics).build();
    AtomicInteger usersAcquisitions = new AtomicInteger();
    EventListener usersListener = new EventListener() {
      @Override
      public void connectionAcquired(Call call, Connection connection) {
        usersAcquisitions.incrementAndGet();
      }
    };
    OkHttpClient.Builder builder = wrapped.newBuilder();
    switch (setter) {
      case EVENT_LISTENER -> builder.eventListener(usersListener);
      case EVENT_LISTENER_FACTORY -> builder.eventListenerFactory(call -> usersListener);
      case DNS -> builder.dns(new JvmCachingDns(fixture.dns.address(), Duration.ZERO));
      case CONNECTION_POOL ->
          builder.connectionPool(new ConnectionPool(CALLERS * 2, 5, TimeUnit.MINUTES));
      default -> throw new AssertionError(setter);
    }
    OkHttpClient derived = builder.build();

    // Half the callers on each: the derived client shares the wrapped one's pool (unless it was
    // given its own), so a connection may carry calls Cutover counts and calls it cannot see.
    try (Load load = Load.builder(List.of(derived, wrapped), fixture.get("/steady"))
        .callers(CALLERS).start()) {
      await(Duration.ofSeconds(20), "steady load on blue", () -> load.minimumInPhase() >= 20);
      int blueConnections = fixture.blue.connectionCount();

      fixture.flipToGreen(); // the resolver sees the change now, its events delivered
      int blueAtFlip = fixture.blue.requestCount();
      load.markPhase();
      await(Duration.ofSeconds(20), "20 requests per caller after the flip",
          () -> load.minimumInPhase() >= 20);
      int blueAfterFlip = fixture.blue.requestCount() - blueAtFlip;

      assertEquals(List.of(), load.failures(), () -> "no request may fail" + firstFailure(load));
      assertEquals(List.of(), load.bodyFailures(), "draining must not cut a response being read");
      int bound = bound(http2, mode, blueConnections);
      assertTrue(blueAfterFlip <= bound, "blue got " + blueAfterFlip + " requests after the flip;"
          + " bound " + bound + " (" + blueConnections + " connections, " + mode + ")");
      int blueAtEnd = fixture.blue.requestCount();
      load.markPhase();
      await(Duration.ofSeconds(20), "10 more requests per caller",
          () -> load.minimumInPhase() >= 10);
      assertEquals(blueAtEnd, fixture.blue.requestCount(), "then none at all");
    }

    String meter = "cutover.client.derived.changes";
    switch (setter) {
      case EVENT_LISTENER, EVENT_LISTENER_FACTORY -> {
        assertOneWarning("event listener", "CutoverOkHttp.wrap");
        assertEquals(1.0, registry.get(meter).tag("change", "event_listener_replaced")
            .counter().count());
        assertTrue(usersAcquisitions.get() > 0, "the user's own listener hears its events");
      }
      case DNS -> {
        assertOneWarning("Dns", JvmCachingDns.class.getName(), "replaceDns(true)");
        assertEquals(1.0, registry.get(meter).tag("change", "dns_replaced").counter().count());
      }
      case CONNECTION_POOL -> {
        assertEquals(List.of(), messages(), "a pool of its own loses nothing");
        assertNull(registry.find(meter).counter());
      }
      default -> throw new AssertionError(setter);
    }
  }

  /**
   * The case a count cannot see: the derived client's request in flight on a pooled connection
   * the wrapped client's count says is idle, when its address leaves DNS. A POST without a key,
   * so that nothing retries it: were the connection closed under it, the caller would see it.
   */
  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void aRequestTheCountCannotSeeIsNeverCutByADrain(boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    OkHttpClient wrapped = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).drainMode(mode).build();
    assertEquals("blue", CutoverFixture.body(wrapped.newCall(fixture.get("/warm")).execute()));
    OkHttpClient derived = wrapped.newBuilder().eventListener(EventListener.NONE).build();

    fixture.blue.delay(Duration.ofMinutes(1));
    int before = fixture.blue.requestCount();
    java.util.concurrent.CompletableFuture<String> post =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
          try (okhttp3.Response response = derived.newCall(new okhttp3.Request.Builder()
              .url(fixture.url("/order"))
              .post(okhttp3.RequestBody.create("{}", okhttp3.MediaType.get("application/json")))
              .build()).execute()) {
            return response.code() + " " + response.body().string();
          } catch (java.io.IOException e) {
            return e.toString();
          }
        });
    await(Duration.ofSeconds(10), "the POST held by blue",
        () -> fixture.blue.requestCount() == before + 1);
    assertEquals(1, fixture.blue.connectionCount(), "on the wrapped client's pooled connection");

    fixture.flipToGreen(); // retires blue's connection while the POST is in flight on it
    fixture.blue.delay(Duration.ZERO);
    assertEquals("200 blue", post.get(10, TimeUnit.SECONDS));
    if (mode == DrainMode.PUBLIC_API) {
      // Not closed on a count that cannot see it: one more request, which retires it.
      assertEquals("blue", CutoverFixture.body(derived.newCall(fixture.get("/")).execute()));
    }
    assertEquals("green", CutoverFixture.body(derived.newCall(fixture.get("/")).execute()));
  }

  @org.junit.jupiter.api.Test
  void theWrappedClientItselfIsNeverTakenForADerivedOne() throws Exception {
    fixture = new CutoverFixture(false);
    log.addHandler(capture);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CutoverMetrics metrics = new CutoverMetrics();
    metrics.bindTo(registry);
    AtomicInteger proceeds = new AtomicInteger();
    OkHttpClient wrapped = CutoverOkHttp.builder(fixture.plainClient(2)
            // An application interceptor of the user's that sends each call twice.
            .addInterceptor(chain -> {
              proceeds.incrementAndGet();
              chain.proceed(chain.request()).close();
              return chain.proceed(chain.request());
            }).build())
        .resolver(fixture.resolver).listener(metrics).initialBackoff(Duration.ZERO).build();
    // A derived client that changes nothing Cutover needs: a time-out and an interceptor.
    OkHttpClient derived = wrapped.newBuilder().readTimeout(Duration.ofSeconds(9))
        .addInterceptor(chain -> chain.proceed(chain.request())).build();
    for (OkHttpClient client : List.of(wrapped, derived)) {
      assertEquals("blue", CutoverFixture.body(client.newCall(fixture.get("/")).execute()));
      fixture.blue.unavailableEveryOther(); // a 503, retried on the same connection
      assertEquals("blue", CutoverFixture.body(client.newCall(fixture.get("/")).execute()));
      fixture.blue.serve();
    }
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.blue.unavailable(); // a 503 from an address that left DNS: retried on green
    assertEquals("green", CutoverFixture.body(wrapped.newCall(fixture.get("/")).execute()));
    assertEquals("green", CutoverFixture.body(derived.newCall(fixture.get("/")).execute()));
    assertEquals(6, proceeds.get());
    assertEquals(List.of(), messages());
    assertNull(registry.find("cutover.client.derived.changes").counter());
  }

  private void assertOneWarning(String... fragments) {
    List<String> messages = messages();
    assertEquals(1, messages.size(), "one WARNING: " + messages);
    for (String fragment : fragments) {
      assertTrue(messages.get(0).contains(fragment), messages.get(0));
    }
  }

  private List<String> messages() {
    return warnings.stream().map(r -> r.getParameters() == null ? r.getMessage()
        : java.text.MessageFormat.format(r.getMessage(), r.getParameters())).toList();
  }

  /** As in DrainOnAddressChangeTest: what each mode states for a departed address. */
  private static int bound(boolean http2, DrainMode mode, int connections) {
    int inFlight = http2 ? CALLERS : connections;
    if (mode == DrainMode.OKHTTP_INTERNALS) {
      return inFlight;
    }
    return inFlight + (http2 ? CALLERS * connections : connections);
  }
}

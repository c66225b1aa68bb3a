package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static dev.cutover.okhttp.CutoverFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cutover.okhttp.internal.Sleeper;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Scripted cutovers, and the exact meters they leave behind. */
class MetricsTest {
  private CutoverFixture fixture;

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @Test
  void scriptedCutoverIsMeasuredExactly() throws Exception {
    fixture = new CutoverFixture(false);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CutoverMetrics metrics = new CutoverMetrics();
    metrics.bindTo(registry);
    Sleeper noWait = (nanos, call) -> fixture.ticker.advance(Duration.ofNanos(nanos));
    // Registered with the clients only, never with the resolver: the DNS meters come through the
    // clients' registration, once although two clients share the resolver and the metrics.
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read).sleeper(noWait)
        .listener(metrics).build();
    OkHttpClient other = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).listener(metrics).build();
    String host = CutoverFixture.HOST;

    assertEquals("blue", get(client));                // 1st DNS query
    fixture.flipToGreen();                             // 2nd query: blue -> green, 1 drained
    assertEquals("green", get(client));
    fixture.flipDnsServerOnly("127.0.0.2");            // back to blue, but the client's TTL holds
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.green.unavailable();
    assertEquals("blue", get(client));                // green 503 -> 3rd query: green left
                                                       // DNS -> retry at once on blue

    assertEquals(3, registry.get("cutover.dns.queries").tag("target.host", host)
        .tag("result", "success").timer().count());
    assertEquals(2.0, registry.get("cutover.dns.address.changes").counter().count());
    assertEquals(2.0, registry.get("cutover.connections.retired")
        .tag("reason", "address_removed").counter().count(),
        "the idle blue connection, then the green one that said 503 as DNS moved back");
    assertEquals(1, registry.find("cutover.connections.retired").counters().size(),
        "no other reason: a 503 alone retires nothing");
    assertEquals(0, registry.find("cutover.addresses.quarantined").counters().size(),
        "no connect was refused");
    assertEquals(1.0, registry.get("cutover.retries").tag("method", "GET")
        .tag("reason", "status_503").tag("outcome", "success").counter().count());
    assertEquals(0.0, registry.get("cutover.connections.removed.open")
        .tag("target.host", host).gauge().value(), "both drained connections are closed");
    assertEquals(0, registry.find("cutover.retry.budget.exhausted").counters().size());
    assertEquals(0, registry.find("cutover.dns.stale.answers").counters().size());
    other.connectionPool().evictAll(); // the other client is in use until here
  }

  @Test
  void aRequestStillSentToARemovedAddressIsTimedFromTheRemoval() throws Exception {
    fixture = new CutoverFixture(true); // HTTP/2: a busy retired connection takes more calls
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CutoverMetrics metrics = new CutoverMetrics();
    metrics.bindTo(registry);
    fixture.resolver.addListener(metrics);
    OkHttpClient client = CutoverOkHttp.builder(
            fixture.plainClient(2).readTimeout(Duration.ofSeconds(60)).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read).listener(metrics).build();
    assertEquals("blue", get(client));
    fixture.blue.delay(Duration.ofSeconds(50));
    CompletableFuture<String> held = getAsync(client);
    await(Duration.ofSeconds(10), "a call held on blue", () -> fixture.blue.heldCount() == 1);
    fixture.flipToGreen(); // blue's connection has a call in flight: retired, not closed
    fixture.ticker.advance(Duration.ofMillis(250));
    CompletableFuture<String> late = getAsync(client); // PUBLIC_API: OkHttp may still pick it
    await(Duration.ofSeconds(10), "the late call on blue", () -> fixture.blue.heldCount() == 2);
    fixture.blue.delay(Duration.ZERO);
    assertEquals("blue", held.get(10, TimeUnit.SECONDS));
    assertEquals("blue", late.get(10, TimeUnit.SECONDS));
    assertEquals("green", get(client));
    assertEquals(3, fixture.blue.requestCount());

    Timer lag = registry.get("cutover.drain.lag").tag("target.host", CutoverFixture.HOST).timer();
    assertEquals(1, lag.count(), "one request went to the removed address: the late one");
    assertEquals(250.0, lag.max(TimeUnit.MILLISECONDS), "sent 250 ms after the removal");
    assertEquals(250.0, lag.totalTime(TimeUnit.MILLISECONDS));
    assertEquals(1.0, registry.get("cutover.connections.retired").tag("reason", "address_removed")
        .counter().count());
  }

  @Test
  void aConnectionPastItsMaximumAgeIsCountedAsMaxAgeAndAsNothingElse() throws Exception {
    fixture = new CutoverFixture(false);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CutoverMetrics metrics = new CutoverMetrics();
    metrics.bindTo(registry);
    fixture.resolver.addListener(metrics);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read)
        .maxConnectionAge(Duration.ofSeconds(10)).listener(metrics).build();
    assertEquals("blue", get(client));
    fixture.ticker.advance(Duration.ofSeconds(12)); // past the age, even with +10% jitter
    assertEquals("blue", get(client)); // finds it old: retired, and still carries this one
    assertEquals("blue", get(client));
    assertEquals(2, fixture.blue.connectionCount());

    assertEquals(1.0, registry.get("cutover.connections.retired").tag("reason", "max_age")
        .counter().count());
    assertEquals(1, registry.find("cutover.connections.retired").counters().size(),
        "no other reason: DNS did not change");
    assertNull(registry.find("cutover.connections.removed.open").gauge(),
        "the gauge counts removed addresses only");
    assertEquals(0, registry.find("cutover.drain.lag").timers().size(),
        "a request on an aged connection is no request to a removed address");
  }

  /**
   * A call on a thread of its own. Not CompletableFuture's default pool: on JDK 25 with 2 CPUs
   * that is the common pool with one worker, so the late call would wait behind the held one
   * instead of being sent (JDK 17 starts a thread per task there).
   */
  private CompletableFuture<String> getAsync(OkHttpClient client) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        result.complete(get(client));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    }, "metrics-test-call");
    caller.setDaemon(true);
    caller.start();
    return result;
  }

  private String get(OkHttpClient client) throws Exception {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return body(response);
    }
  }
}

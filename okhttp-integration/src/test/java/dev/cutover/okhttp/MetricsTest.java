package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cutover.okhttp.internal.Sleeper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A scripted cutover, and the exact meters it leaves behind. */
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

  private String get(OkHttpClient client) throws Exception {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return body(response);
    }
  }
}

package dev.cutover.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.ResolverListener;
import dev.cutover.okhttp.CutoverListener.RetireReason;
import dev.cutover.okhttp.CutoverListener.RetryReason;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.FakeTicker;
import dev.cutover.testkit.Poll;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's meters beside the resolver's, registered once, leaving with their host. */
class CutoverMetricsTest {
  private static final String HOST = "api.cutover.test";

  private EmbeddedDnsServer dns;
  private final FakeTicker ticker = new FakeTicker();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final CutoverMetrics metrics = new CutoverMetrics();
  private final List<String> forgotten = new CopyOnWriteArrayList<>();
  private CutoverResolver resolver;

  @BeforeEach
  void start() throws Exception {
    dns = EmbeddedDnsServer.start();
    resolver = CutoverResolver.builder().nameServers(dns.address()).hostsFile(null)
        .ticker(ticker::read).resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .idleTimeout(Duration.ofSeconds(20)).build();
    metrics.bindTo(registry);
  }

  @AfterEach
  void stop() {
    resolver.close();
    dns.close();
  }

  private List<Meter> metersOf(String host) {
    return registry.getMeters().stream()
        .filter(meter -> host.equals(meter.getId().getTag("target.host"))).toList();
  }

  @Test
  void oneRegistrationWithTheClientGivesDnsMetersOnceWhileAClientUsesIt() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    OkHttpClient existing = new OkHttpClient();
    OkHttpClient first = CutoverOkHttp.builder(existing).resolver(resolver).listener(metrics)
        .build();
    OkHttpClient second = CutoverOkHttp.builder(existing).resolver(resolver).listener(metrics)
        .build();
    assertEquals(3, WrapLifecycleTest.listenerCount(resolver),
        "each client's tracker, and the metrics once");

    first.dns().lookup(HOST);
    assertEquals(1, registry.get("cutover.dns.queries").tag("target.host", HOST)
        .tag("result", "success").timer().count(), "one query, counted once for two clients");
    metrics.connectionRetired(HOST, InetAddress.getByName("127.0.0.2"),
        RetireReason.ADDRESS_REMOVED);
    assertNotNull(registry.find("cutover.connections.retired").tag("target.host", HOST)
        .counter(), "the client's meters beside the DNS meters");

    second = null;
    first = null;
    Poll.until(Duration.ofSeconds(30), "both clients collected, their registrations released",
        () -> {
          System.gc();
          return WrapLifecycleTest.listenerCount(resolver) == 0;
        });
    ticker.advance(Duration.ofSeconds(5));
    resolver.refresh(HOST).toCompletableFuture().get();
    assertEquals(1, registry.get("cutover.dns.queries").tag("target.host", HOST)
        .tag("result", "success").timer().count(), "no client uses the metrics any more");
  }

  /**
   * The same, with real traffic and a real flip: every meter below comes from what the client
   * and its resolver did, none from calling the metrics by hand.
   */
  @Test
  void oneRegistrationWithTheClientCountsARealFlipInDnsAndClientMeters() throws Exception {
    SimpleMeterRegistry flipRegistry = new SimpleMeterRegistry();
    CutoverMetrics flipMetrics = new CutoverMetrics();
    flipMetrics.bindTo(flipRegistry);
    try (CutoverFixture fixture = new CutoverFixture(false)) {
      OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
          .resolver(fixture.resolver).listener(flipMetrics).build();
      try (okhttp3.Response response = client.newCall(fixture.get("/")).execute()) {
        assertEquals("blue", CutoverFixture.body(response));
      }
      fixture.flipToGreen();
      try (okhttp3.Response response = client.newCall(fixture.get("/")).execute()) {
        assertEquals("green", CutoverFixture.body(response));
      }
      String host = CutoverFixture.HOST;
      assertEquals(2, flipRegistry.get("cutover.dns.queries").tag("target.host", host)
          .tag("result", "success").timer().count(), "the lookup and the flip's refresh");
      assertEquals(1.0, flipRegistry.get("cutover.dns.address.changes")
          .tag("target.host", host).counter().count(), "DNS meters");
      assertEquals(1.0, flipRegistry.get("cutover.connections.retired").tag("target.host", host)
          .tag("reason", "address_removed").counter().count(), "client meters");
    }
  }

  @Test
  void anIdleHostsDnsAndClientMetersAreRemovedWithIt() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    dns.setAddresses("other.cutover.test", Duration.ofSeconds(5), "127.0.0.3");
    OkHttpClient client = CutoverOkHttp.builder(new OkHttpClient()).resolver(resolver)
        .listener(metrics).build();
    resolver.addListener(new ResolverListener() {
      @Override
      public void hostForgotten(String host) {
        forgotten.add(host);
      }
    });
    client.dns().lookup(HOST);
    metrics.connectionRetired(HOST, InetAddress.getByName("127.0.0.9"),
        RetireReason.ADDRESS_REMOVED);
    metrics.retriesCompleted(new RetryOutcome(HOST, "GET", RetryReason.STATUS_503, 1, true));
    assertEquals(4, metersOf(HOST).size(), "queries, retired, removed.open, retries");

    ticker.advance(Duration.ofSeconds(15));
    client.dns().lookup("other.cutover.test"); // keeps that one in use
    ticker.advance(Duration.ofSeconds(6)); // HOST unused for 21 s
    Poll.until(Duration.ofSeconds(5), "HOST forgotten", () -> forgotten.equals(List.of(HOST)));
    assertEquals(List.of(), metersOf(HOST), "every meter of the host is gone");
    assertEquals(1, metersOf("other.cutover.test").size(), "the other host's stay");
  }

  @Test
  void eventsBeforeBindToLeaveNoUnregisteredGauge() throws Exception {
    CutoverMetrics unbound = new CutoverMetrics();
    InetAddress address = InetAddress.getByName("127.0.0.9");
    unbound.connectionRetired(HOST, address, RetireReason.ADDRESS_REMOVED); // not counted
    unbound.bindTo(registry);
    unbound.connectionRetired(HOST, address, RetireReason.ADDRESS_REMOVED);
    assertNotNull(registry.find("cutover.connections.removed.open").tag("target.host", HOST)
        .gauge(), "the gauge is registered once bound");
    assertEquals(1.0, registry.get("cutover.connections.removed.open").gauge().value());
    unbound.retiredConnectionClosed(HOST, address, RetireReason.ADDRESS_REMOVED);
    unbound.retiredConnectionClosed(HOST, address, RetireReason.ADDRESS_REMOVED); // the early one
    assertEquals(0.0, registry.get("cutover.connections.removed.open").gauge().value(),
        "never below zero");
    unbound.retiredConnectionClosed("never.retired.test", address, RetireReason.ADDRESS_REMOVED);
    assertNull(registry.find("cutover.connections.removed.open")
        .tag("target.host", "never.retired.test").gauge(), "a close alone makes no gauge");
  }
}

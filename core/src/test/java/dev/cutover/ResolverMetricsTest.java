package dev.cutover;

import static dev.cutover.Testing.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.EmbeddedDnsServer.Behavior;
import dev.cutover.testkit.FakeTicker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver's meters, and how they leave with the hosts they are about. */
class ResolverMetricsTest {
  private static final String HOST = "api.cutover.test";

  private EmbeddedDnsServer dns;
  private final FakeTicker ticker = new FakeTicker();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ResolverMetrics metrics = new ResolverMetrics();
  private final List<String> forgotten = new CopyOnWriteArrayList<>();
  private CutoverResolver resolver;

  @BeforeEach
  void start() throws Exception {
    dns = EmbeddedDnsServer.start();
  }

  @AfterEach
  void stop() {
    if (resolver != null) {
      resolver.close();
    }
    dns.close();
  }

  private void startResolver(CutoverResolver.Builder builder) {
    resolver = builder.nameServers(dns.address()).hostsFile(null).ticker(ticker::read)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).build();
    metrics.bindTo(registry);
    resolver.addListener(metrics);
    resolver.addListener(new ResolverListener() {
      @Override
      public void hostForgotten(String host) {
        forgotten.add(host);
      }
    });
  }

  private List<Meter> metersOf(String host) {
    return registry.getMeters().stream()
        .filter(meter -> host.equals(meter.getId().getTag("target.host"))).toList();
  }

  @Test
  void anIdleHostsMetersAreRemovedWithIt() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    dns.setAddresses("other.cutover.test", Duration.ofSeconds(5), "127.0.0.3");
    startResolver(CutoverResolver.builder().idleTimeout(Duration.ofSeconds(20)));
    resolver.lookup(HOST);
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.4");
    ticker.advance(Duration.ofSeconds(5));
    resolver.refresh(HOST).toCompletableFuture().get();
    assertEquals(2, metersOf(HOST).size(), "queries, address changes");

    ticker.advance(Duration.ofSeconds(15));
    resolver.lookup("other.cutover.test"); // keeps that one in use
    ticker.advance(Duration.ofSeconds(6)); // HOST unused for 21 s
    await(Duration.ofSeconds(5), "HOST forgotten", () -> forgotten.equals(List.of(HOST)));
    assertEquals(List.of(), metersOf(HOST), "every meter of the host is gone");
    assertEquals(1, metersOf("other.cutover.test").size(), "the other host's stay");

    // Used again: it starts afresh, meters included.
    resolver.lookup(HOST);
    assertEquals(1.0, registry.get("cutover.dns.queries").tag("target.host", HOST).timer()
        .count());
  }

  @Test
  void theHostDroppedAtMaxHostsTakesItsMetersAlong() throws Exception {
    for (int i = 0; i < 3; i++) {
      dns.setAddresses("h" + i + ".cutover.test", Duration.ofSeconds(30), "127.0.0." + (i + 2));
    }
    startResolver(CutoverResolver.builder().maxHosts(2));
    for (int i = 0; i < 3; i++) {
      resolver.lookup("h" + i + ".cutover.test");
      ticker.advance(Duration.ofMillis(100));
    }
    await(Duration.ofSeconds(5), "h0 forgotten", () -> forgotten.equals(List.of("h0.cutover.test")));
    assertEquals(List.of(), metersOf("h0.cutover.test"));
    assertEquals(1, metersOf("h1.cutover.test").size());
    assertEquals(1, metersOf("h2.cutover.test").size());
  }

  @Test
  void aFamilyFailureIsCounted() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "::1");
    dns.behavior(HOST, "AAAA", Behavior.SERVFAIL);
    resolver = CutoverResolver.builder().nameServers(dns.address()).hostsFile(null)
        .ticker(ticker::read).build();
    metrics.bindTo(registry);
    resolver.addListener(metrics);
    assertEquals(List.of(Testing.ip("127.0.0.2")), resolver.lookup(HOST));
    assertEquals(1.0, registry.get("cutover.dns.family.failures").tag("target.host", HOST)
        .tag("type", "AAAA").counter().count());
  }

  @Test
  void eachLookupServedStaleIsCounted() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    startResolver(CutoverResolver.builder().maxStale(Duration.ofSeconds(60)));
    resolver.lookup(HOST);
    dns.behavior(Behavior.SERVFAIL);
    ticker.advance(Duration.ofSeconds(6));
    resolver.lookup(HOST); // expired: served while the refresh runs, not yet known to be stale
    await(Duration.ofSeconds(5), "the failed refresh", () -> registry.find("cutover.dns.queries")
        .tag("target.host", HOST).tag("result", "failure").timer() != null);
    assertNull(registry.find("cutover.dns.stale.answers").counter(), "nothing served stale yet");
    resolver.lookup(HOST);
    resolver.lookup(HOST); // the clock stands still: no retry is due, both are served stale
    assertEquals(2.0, registry.get("cutover.dns.stale.answers").tag("target.host", HOST)
        .counter().count());
  }
}

package dev.cutover;

import static dev.cutover.Testing.await;
import static dev.cutover.Testing.literals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.Bind9Server;
import dev.cutover.testkit.FakeTicker;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The resolver against a real BIND 9, every change made with a real RFC 2136 UPDATE. */
class ResolverBind9Test {
  private static Bind9Server bind;

  @BeforeAll
  static void startBind() throws Exception {
    Testing.requireBind9();
    bind = Bind9Server.start("cutover.test");
  }

  @AfterAll
  static void stopBind() {
    if (bind != null) {
      bind.close();
    }
  }

  @Test
  void recordChangeIsSeenWithinTheTtlPlusAMargin() throws Exception {
    String host = "flip.cutover.test";
    bind.setAddresses(host, Duration.ofSeconds(1), "127.0.0.2");
    RecordingListener listener = new RecordingListener();
    try (CutoverResolver resolver = CutoverResolver.builder().nameServers(bind.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).hostsFile(null).build()) {
      resolver.addListener(listener);
      assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(host)));

      bind.setAddresses(host, Duration.ofSeconds(1), "127.0.0.3");
      long changedAt = System.nanoTime();
      await(Duration.ofSeconds(10), "the new address",
          () -> lookupQuietly(resolver, host).equals(List.of("127.0.0.3")));
      long seenAfterMillis = (System.nanoTime() - changedAt) / 1_000_000;
      assertTrue(seenAfterMillis <= 2_000,
          "TTL 1 s: the change must be seen within 2 s, took " + seenAfterMillis + " ms");

      await(Duration.ofSeconds(5), "the change event", () -> !listener.changes.isEmpty());
      assertEquals(1, listener.changes.size(), listener.changes.toString());
      assertEquals(Set.of(Testing.ip("127.0.0.3")), listener.changes.get(0).added());
      assertEquals(Set.of(Testing.ip("127.0.0.2")), listener.changes.get(0).removed());
    }
  }

  @Test
  void nxdomainFromBindNamesTheHost() throws Exception {
    String host = "gone.cutover.test";
    bind.setAddresses(host, Duration.ofSeconds(1), "127.0.0.2");
    bind.remove(host);
    try (CutoverResolver resolver = CutoverResolver.builder().nameServers(bind.address())
        .hostsFile(null).build()) {
      UnknownHostException e =
          assertThrows(UnknownHostException.class, () -> resolver.lookup(host));
      assertTrue(e.getMessage().contains(host) && e.getMessage().contains("NXDOMAIN"),
          e.getMessage());
    }
  }

  @Test
  void cnameChainTtlFromBind() throws Exception {
    bind.setAddresses("lb.cutover.test", Duration.ofSeconds(60), "127.0.0.2");
    bind.setCname("www.cutover.test", Duration.ofSeconds(5), "lb.cutover.test");
    FakeTicker ticker = new FakeTicker();
    RecordingListener listener = new RecordingListener();
    try (CutoverResolver resolver = CutoverResolver.builder().nameServers(bind.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).hostsFile(null)
        .ticker(ticker::read).build()) {
      resolver.addListener(listener);
      assertEquals(List.of("127.0.0.2"), literals(resolver.lookup("www.cutover.test")));
      ticker.advance(Duration.ofMillis(3_900)); // 80% of the CNAME's 5 s is 4 s
      resolver.lookup("www.cutover.test");
      assertEquals(1, listener.queries.size(), "no refresh before 4 s: " + listener.queries);
      ticker.advance(Duration.ofMillis(200));
      resolver.lookup("www.cutover.test");
      await(Duration.ofSeconds(5), "a refresh at 4 s", () -> listener.queries.size() == 2);
    }
  }

  @Test
  void bindDownServesStaleUntilMaxStaleThenFails() throws Exception {
    String host = "outage.cutover.test";
    bind.setAddresses(host, Duration.ofSeconds(5), "127.0.0.2");
    FakeTicker ticker = new FakeTicker();
    RecordingListener listener = new RecordingListener();
    try (CutoverResolver resolver = CutoverResolver.builder().nameServers(bind.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).hostsFile(null)
        .queryTimeout(Duration.ofMillis(500)).maxStale(Duration.ofSeconds(30))
        .ticker(ticker::read).build()) {
      resolver.addListener(listener);
      resolver.lookup(host);
      bind.stop();
      try {
        ticker.advance(Duration.ofSeconds(6));
        assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(host)));
        await(Duration.ofSeconds(5), "the failed refresh",
            () -> listener.queries.contains(host + " FAILURE"));
        assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(host)));
        assertTrue(!listener.staleServed.isEmpty());

        ticker.advance(Duration.ofSeconds(30)); // 36 s: TTL 5 s + maxStale 30 s has passed
        UnknownHostException e =
            assertThrows(UnknownHostException.class, () -> resolver.lookup(host));
        assertTrue(e.getMessage().contains(host) && e.getMessage().contains("maxStale"),
            e.getMessage());
      } finally {
        bind.restart();
      }
      ticker.advance(Duration.ofSeconds(40)); // past the longest retry back-off
      assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(host)), "back after restart");
    }
  }

  private static List<String> lookupQuietly(CutoverResolver resolver, String host) {
    try {
      return literals(resolver.lookup(host));
    } catch (UnknownHostException e) {
      return List.of(e.getMessage());
    }
  }
}

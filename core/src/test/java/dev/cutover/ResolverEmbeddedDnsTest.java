package dev.cutover;

import static dev.cutover.Testing.await;
import static dev.cutover.Testing.literals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.EmbeddedDnsServer.Behavior;
import dev.cutover.testkit.FakeTicker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The resolver against a real DNS server over real sockets, with a fake clock for TTLs. */
class ResolverEmbeddedDnsTest {
  private static final String HOST = "api.cutover.test";

  private EmbeddedDnsServer dns;
  private final FakeTicker ticker = new FakeTicker();
  private final RecordingListener listener = new RecordingListener();
  private CutoverResolver resolver;

  @BeforeEach
  void startDns() throws Exception {
    dns = EmbeddedDnsServer.start();
  }

  @AfterEach
  void stop() {
    if (resolver != null) {
      resolver.close();
    }
    dns.close();
  }

  private CutoverResolver.Builder builder() {
    return CutoverResolver.builder()
        .nameServers(dns.address())
        .queryTimeout(Duration.ofSeconds(2))
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .hostsFile(null)
        .ticker(ticker::read);
  }

  private CutoverResolver start(CutoverResolver.Builder builder) {
    resolver = builder.build();
    resolver.addListener(listener);
    return resolver;
  }

  @Test
  void changeIsSeenAfterTheTtlAndReportedExactlyOnce() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(10), "127.0.0.2");
    start(builder());
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));

    dns.setAddresses(HOST, Duration.ofSeconds(10), "127.0.0.3");
    ticker.advance(Duration.ofSeconds(7));
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)),
        "before the refresh point (80% of the TTL) the cached answer is served");
    assertEquals(1, dns.queryCount(HOST, "A"), "no query before the refresh point");

    ticker.advance(Duration.ofSeconds(2));
    await(Duration.ofSeconds(5), "the change event", () -> !listener.changes.isEmpty());
    assertEquals(List.of("127.0.0.3"), literals(resolver.lookup(HOST)));
    assertEquals(2, dns.queryCount(HOST, "A"));

    assertEquals(1, listener.changes.size(), "exactly one change event: " + listener.changes);
    AddressChange change = listener.changes.get(0);
    assertEquals(HOST, change.host());
    assertEquals(Set.of(Testing.ip("127.0.0.3")), change.added());
    assertEquals(Set.of(Testing.ip("127.0.0.2")), change.removed());
    assertEquals(List.of(Testing.ip("127.0.0.2")), change.previous());
    assertEquals(List.of(Testing.ip("127.0.0.3")), change.current());
  }

  @Test
  void reorderedAnswerIsNotAChange() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "127.0.0.3");
    start(builder());
    resolver.lookup(HOST);
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3", "127.0.0.2");
    // Not waiting for the queryCompleted event: a change would be told after it. A refresh
    // completes only once its query's events have all been delivered, a change included. (The
    // first forced refresh goes out at once; the clock stands still, so nothing else is due.)
    assertEquals(List.of("127.0.0.2", "127.0.0.3"),
        literals(resolver.refresh(HOST).toCompletableFuture().get(5, TimeUnit.SECONDS)));
    assertEquals(2, listener.queries.size(), "the reordered answer was asked for and seen");
    assertEquals(List.of(), listener.changes);
  }

  @Test
  void partialChangeReportsOnlyTheAddressesThatMoved() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "127.0.0.3");
    start(builder());
    resolver.lookup(HOST);
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "127.0.0.4");
    ticker.advance(Duration.ofSeconds(5));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the change event", () -> listener.changes.size() == 1);
    assertEquals(Set.of(Testing.ip("127.0.0.4")), listener.changes.get(0).added());
    assertEquals(Set.of(Testing.ip("127.0.0.3")), listener.changes.get(0).removed());
  }

  @Test
  void cnameChainTtlIsTheSmallestAlongTheChain() throws Exception {
    dns.setCname(HOST, Duration.ofSeconds(10), "lb.cutover.test");
    dns.setCname("lb.cutover.test", Duration.ofSeconds(300), "lb-1.cutover.test");
    dns.setAddresses("lb-1.cutover.test", Duration.ofSeconds(20), "127.0.0.2");
    start(builder());
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));
    assertEquals(1, dns.queryCount(HOST, "A"));

    // TTL 10 s (the first CNAME), so the refresh is due at 8 s, not at 16 s (20 s * 0.8).
    ticker.advance(Duration.ofMillis(7_900));
    resolver.lookup(HOST);
    assertEquals(1, dns.queryCount(HOST, "A"), "nothing due before 8 s");
    ticker.advance(Duration.ofMillis(200));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "a refresh at 8 s", () -> dns.queryCount(HOST, "A") == 2);
  }

  @Test
  void ttlBelowTheMinimumIsRaisedToMinTtl() throws Exception {
    dns.setAddresses(HOST, Duration.ZERO, "127.0.0.2");
    start(builder().minTtl(Duration.ofSeconds(5)));
    resolver.lookup(HOST);
    ticker.advance(Duration.ofMillis(3_900)); // refresh due at 4 s = 80% of the 5 s floor
    resolver.lookup(HOST);
    assertEquals(1, dns.queryCount(HOST, "A"), "a TTL of 0 must not mean a query per lookup");
    ticker.advance(Duration.ofMillis(200));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "a refresh at 4 s", () -> dns.queryCount(HOST, "A") == 2);
  }

  @Test
  void ttlAboveTheMaximumIsLoweredToMaxTtl() throws Exception {
    dns.setAddresses(HOST, Duration.ofHours(1), "127.0.0.2");
    start(builder().maxTtl(Duration.ofSeconds(10)));
    resolver.lookup(HOST);
    ticker.advance(Duration.ofMillis(7_900)); // refresh due at 8 s = 80% of the 10 s cap
    resolver.lookup(HOST);
    assertEquals(1, dns.queryCount(HOST, "A"));
    ticker.advance(Duration.ofMillis(200));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "a refresh at 8 s", () -> dns.queryCount(HOST, "A") == 2);
  }

  @Test
  void thousandConcurrentLookupsOfAnExpiredNameSendOneQuery() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    // A time-out far beyond the test, so that no hedged second send is due while DNS is held.
    start(builder().queryTimeout(Duration.ofMinutes(2)));
    resolver.lookup(HOST);
    assertEquals(1, dns.queryCount(HOST, "A"));
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3");
    dns.hold(); // the refresh stays in flight until every lookup has been answered
    ticker.advance(Duration.ofSeconds(6)); // past the TTL, well inside maxStale

    List<List<InetAddress>> results = lookUpConcurrently(1000, () -> { });
    assertEquals(1000, results.size());
    for (List<InetAddress> result : results) {
      assertEquals(List.of("127.0.0.2"), literals(result), "the old answer, without waiting");
    }
    assertEquals(1, dns.heldCount(), "exactly one refresh in flight");
    dns.release();
    await(Duration.ofSeconds(5), "the refresh",
        () -> literals(resolver.cachedAddresses(HOST)).equals(List.of("127.0.0.3")));
    assertEquals(2, dns.queryCount(HOST, "A"), "one initial query plus exactly one refresh");
  }

  @Test
  void thousandConcurrentFirstLookupsSendOneQuery() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    dns.hold();
    start(builder().queryTimeout(Duration.ofMinutes(2)));
    // Released once every pool thread is inside a lookup and the one query has arrived: all
    // 100 wait on it together; the other 900 lookups come after and find the answer cached.
    List<List<InetAddress>> results = lookUpConcurrently(1000, () -> {
      await(Duration.ofSeconds(30), "the first query", () -> dns.heldCount() == 1);
      dns.release();
    });
    for (List<InetAddress> result : results) {
      assertEquals(List.of("127.0.0.2"), literals(result));
    }
    assertEquals(1, dns.queryCount(HOST, "A"));
  }

  /**
   * Looks HOST up {@code lookups} times from 100 threads, all starting together, and runs {@code
   * whileAllWait} once every thread has started its first lookup.
   */
  private List<List<InetAddress>> lookUpConcurrently(int lookups, Runnable whileAllWait)
      throws Exception {
    int threads = 100;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch started = new CountDownLatch(threads);
      List<Future<List<InetAddress>>> futures = new ArrayList<>();
      for (int i = 0; i < lookups; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          started.countDown(); // once per thread is enough: later counts change nothing
          return resolver.lookup(HOST);
        }));
      }
      go.countDown();
      started.await();
      whileAllWait.run();
      List<List<InetAddress>> results = new ArrayList<>();
      for (Future<List<InetAddress>> future : futures) {
        results.add(future.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void afterTheFirstLookupExpiryDoesNotWaitForDns() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder());
    resolver.lookup(HOST);
    dns.behavior(Behavior.DROP); // DNS now never answers: any lookup that waited would hang 2 s
    ticker.advance(Duration.ofSeconds(6));
    long started = System.nanoTime();
    List<InetAddress> served = resolver.lookup(HOST);
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(List.of("127.0.0.2"), literals(served));
    assertTrue(tookMillis < 1_000, "the lookup waited " + tookMillis + " ms for a silent DNS");
    await(Duration.ofSeconds(5), "the background refresh to be sent",
        () -> dns.queryCount(HOST, "A") == 2);
  }

  @Test
  void serverFailureServesTheLastAnswerUntilMaxStaleThenFailsClearly() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder().maxStale(Duration.ofSeconds(60)));
    resolver.lookup(HOST);
    dns.behavior(Behavior.SERVFAIL);

    ticker.advance(Duration.ofSeconds(6)); // expired; the refresh will get SERVFAIL
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the failed refresh",
        () -> listener.queries.contains(HOST + " FAILURE"));
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));
    assertTrue(listener.staleServed.size() >= 1, "stale serving is reported");
    assertTrue(listener.staleServed.get(0).contains("SERVFAIL"), listener.staleServed.get(0));

    ticker.advance(Duration.ofSeconds(50)); // 56 s past resolution: 51 s stale, inside 60 s
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));

    ticker.advance(Duration.ofSeconds(10)); // 66 s: beyond TTL + maxStale
    UnknownHostException failure =
        assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    assertTrue(failure.getMessage().contains(HOST), failure.getMessage());
    assertTrue(failure.getMessage().contains("SERVFAIL"), failure.getMessage());
    assertTrue(failure.getMessage().contains("maxStale"), failure.getMessage());
    assertEquals(List.of(), listener.changes, "a failure is not an address change");
  }

  @Test
  void deadNameServerServesTheLastAnswerAndRecovers() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder().queryTimeout(Duration.ofMillis(500)));
    resolver.lookup(HOST);
    dns.behavior(Behavior.DROP);
    ticker.advance(Duration.ofSeconds(6));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the timed-out refresh",
        () -> listener.queries.contains(HOST + " FAILURE"));
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));

    dns.behavior(Behavior.ANSWER);
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3");
    ticker.advance(Duration.ofSeconds(31)); // past any back-off (capped at maxTtl = 30 s)
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "recovery", () -> listener.changes.size() == 1);
    assertEquals(List.of("127.0.0.3"), literals(resolver.lookup(HOST)));
  }

  @Test
  void aNameWhoseFirstLookupsFailedAnswersWithinMinTtlOfDnsComingBack() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    dns.behavior(Behavior.SERVFAIL);
    start(builder()); // minTtl 1 s, maxTtl 30 s
    for (int i = 1; i <= 6; i++) {
      assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
      // One server asked twice per resolution: SERVFAIL hands over to the second send at once.
      assertEquals(2 * i, dns.queryCount(HOST, "A"), "resolution " + i);
      ticker.advance(Duration.ofMillis(1_000));
    }
    // Six failures in a row: the background back-off is at maxTtl now (24 to 36 s), and the
    // ticker stands 1 s (minTtl) after the last failure.
    dns.behavior(Behavior.ANSWER);
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)),
        "answered minTtl after the last failure, not after the back-off");
    assertEquals(13, dns.queryCount(HOST, "A"));
    assertEquals(6, listener.queries.stream().filter(q -> q.endsWith("FAILURE")).count());
  }

  @Test
  void aFailedFirstLookupIsNotRetriedWithinMinTtl() throws Exception {
    dns.behavior(Behavior.SERVFAIL);
    start(builder());
    UnknownHostException first =
        assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    ticker.advance(Duration.ofMillis(999));
    UnknownHostException again =
        assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    assertEquals(first.getMessage(), again.getMessage(), "the same failure, from the cache");
    assertEquals(2, dns.queryCount(HOST, "A"), "no new query within minTtl");
  }

  @Test
  void nxdomainFailsWithTheHostNamedAndIsNotConfusedWithAnOutage() throws Exception {
    start(builder());
    UnknownHostException e =
        assertThrows(UnknownHostException.class, () -> resolver.lookup("missing.cutover.test"));
    assertTrue(e.getMessage().contains("missing.cutover.test"), e.getMessage());
    assertTrue(e.getMessage().contains("NXDOMAIN"), e.getMessage());
    assertEquals(List.of("missing.cutover.test NXDOMAIN"), listener.queries);

    // Cached for negativeTtl (1 s): a second lookup does not query again.
    assertThrows(UnknownHostException.class, () -> resolver.lookup("missing.cutover.test"));
    assertEquals(1, dns.queryCount("missing.cutover.test", "A"));
  }

  @Test
  void negativeTtlZeroKeepsNoNegativeAnswer() throws Exception {
    start(builder().negativeTtl(Duration.ZERO));
    for (int i = 1; i <= 3; i++) {
      UnknownHostException e =
          assertThrows(UnknownHostException.class, () -> resolver.lookup("missing.cutover.test"));
      assertTrue(e.getMessage().contains("NXDOMAIN"), e.getMessage());
      assertEquals(i, dns.queryCount("missing.cutover.test", "A"),
          "not cached: every lookup asks DNS, the clock standing still");
    }
    dns.setAddresses("missing.cutover.test", Duration.ofSeconds(5), "127.0.0.2");
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup("missing.cutover.test")),
        "a name that appears is answered at once");
  }

  @Test
  void maxStaleZeroServesNothingPastTheTtl() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder().maxStale(Duration.ZERO));
    resolver.lookup(HOST);
    dns.behavior(Behavior.SERVFAIL);
    ticker.advance(Duration.ofSeconds(5)); // the TTL is over; with maxStale 0 nothing is left
    UnknownHostException e = assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    assertTrue(e.getMessage().contains("SERVFAIL") && e.getMessage().contains("maxStale of 0 s"),
        e.getMessage());
    assertEquals(List.of(), listener.staleServed, "no stale answer served, not even once");
    assertEquals(List.of(), listener.changes, "a failure is not an address change");
  }

  @Test
  void emptyAnswerFailsAsNoData() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5));
    start(builder());
    UnknownHostException e = assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    assertTrue(e.getMessage().contains(HOST) && e.getMessage().contains("NODATA"), e.getMessage());
  }

  @Test
  void nameThatDisappearsFailsNewLookupsButIsNotReportedAsAChange() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder());
    resolver.lookup(HOST);
    dns.remove(HOST);
    ticker.advance(Duration.ofSeconds(6));
    resolver.lookup(HOST); // still served while the refresh runs
    await(Duration.ofSeconds(5), "the NXDOMAIN refresh",
        () -> listener.queries.contains(HOST + " NXDOMAIN"));
    assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    assertEquals(List.of(), listener.changes);

    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3");
    ticker.advance(Duration.ofSeconds(2));
    assertEquals(List.of("127.0.0.3"), literals(resolver.lookup(HOST)));
    assertEquals(1, listener.changes.size(), "the change is reported against the last addresses");
    assertEquals(Set.of(Testing.ip("127.0.0.2")), listener.changes.get(0).removed());
  }

  @Test
  void deadFirstNameServerStillAnswersWithinTheQueryTimeout() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    try (EmbeddedDnsServer dead = EmbeddedDnsServer.start()) {
      dead.behavior(Behavior.DROP);
      start(builder().nameServers(dead.address(), dns.address())
          .queryTimeout(Duration.ofSeconds(2)));
      long started = System.nanoTime();
      assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMillis < 2_000, "took " + tookMillis + " ms, the query timeout is 2000 ms");
      assertEquals(1, dead.queryCount(HOST, "A"), "the first server was asked first");
    }
  }

  @Test
  void failingFirstNameServerHandsOverAtOnce() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    try (EmbeddedDnsServer broken = EmbeddedDnsServer.start()) {
      broken.behavior(Behavior.SERVFAIL);
      // Two servers: without the hand-over, the second is asked after its share of the time-out,
      // 10 s. The bound is far from both that and from a healthy lookup's few milliseconds.
      start(builder().nameServers(broken.address(), dns.address())
          .queryTimeout(Duration.ofSeconds(20)));
      long started = System.nanoTime();
      assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));
      long tookMillis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(tookMillis < 5_000, "took " + tookMillis + " ms; the second server's turn was"
          + " due after 10,000 ms, and a failed first server must hand over at once");
      assertEquals(1, broken.queryCount(HOST, "A"));
      assertEquals(1, dns.queryCount(HOST, "A"));
    }
  }

  @Test
  void noReachableServerAndNoPreviousAnswerFailsWithinTheTimeout() throws Exception {
    dns.behavior(Behavior.DROP);
    start(builder().queryTimeout(Duration.ofMillis(400)));
    UnknownHostException e = assertThrows(UnknownHostException.class, () -> resolver.lookup(HOST));
    assertTrue(e.getMessage().contains(HOST), e.getMessage());
    assertTrue(e.getMessage().contains("400 ms"), e.getMessage());
    assertTrue(e.getMessage().contains(dns.address().getPort() + ""), e.getMessage());
  }

  @Test
  void bothFamiliesAreQueriedAndIpv4ComesFirstByDefault() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "::1");
    // builder() asks for IPv4 only; the default is what is under test, so nothing is set here.
    start(CutoverResolver.builder().nameServers(dns.address()).queryTimeout(Duration.ofSeconds(2))
        .hostsFile(null).ticker(ticker::read));
    List<InetAddress> addresses = resolver.lookup(HOST);
    assertEquals(List.of(Testing.ip("127.0.0.2"), Testing.ip("::1")), addresses);
    assertEquals(1, dns.queryCount(HOST, "A"));
    assertEquals(1, dns.queryCount(HOST, "AAAA"));
    assertEquals(HOST, addresses.get(0).getHostName(), "addresses carry the host name");
  }

  @Test
  void ipv6PreferredPutsIpv6First() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "::1");
    start(builder().resolvedAddressTypes(ResolvedAddressTypes.IPV6_PREFERRED));
    assertEquals(List.of(Testing.ip("::1"), Testing.ip("127.0.0.2")), resolver.lookup(HOST));
  }

  @Test
  void ipv6OnlyAsksForAaaaAlone() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2", "::1");
    start(builder().resolvedAddressTypes(ResolvedAddressTypes.IPV6_ONLY));
    assertEquals(List.of(Testing.ip("::1")), resolver.lookup(HOST));
    assertEquals(0, dns.queryCount(HOST, "A"));
    assertEquals(1, dns.queryCount(HOST, "AAAA"));
  }

  @Test
  void truncatedAnswerIsRetriedOverTcp() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    dns.behavior(Behavior.TRUNCATE);
    start(builder());
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));
    assertEquals(1, dns.tcpQueryCount());
  }

  @Test
  void forcedRefreshIsRateLimitedPerHost() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.2");
    start(builder().minTtl(Duration.ofSeconds(2)));
    resolver.lookup(HOST);
    dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.3");
    // The first forced refresh goes out at once, even right after the routine lookup.
    assertEquals(List.of("127.0.0.3"),
        literals(resolver.refresh(HOST).toCompletableFuture().get()));
    dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.4");
    for (int i = 0; i < 100; i++) {
      assertEquals(List.of("127.0.0.3"),
          literals(resolver.refresh(HOST).toCompletableFuture().get()));
    }
    assertEquals(2, dns.queryCount(HOST, "A"), "100 more forced refreshes inside minTtl: none sent");

    ticker.advance(Duration.ofSeconds(2));
    List<InetAddress> third = resolver.refresh(HOST).toCompletableFuture().get();
    assertEquals("127.0.0.4", third.get(0).getHostAddress(), "the new answer");
    // 127.0.0.3 was answered once, between two other answers: to the resolver the host now
    // rotates, so it stays a member for a while (see MembershipTest).
    assertEquals(List.of("127.0.0.3", "127.0.0.4"), literals(third));
    assertEquals(3, dns.queryCount(HOST, "A"));
    assertEquals(2, listener.changes.size());
  }

  @Test
  void searchDomainsAreTriedForShortNames() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder().searchDomains("other.test", "cutover.test").ndots(1));
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup("api")));
    assertEquals(1, dns.queryCount("api.other.test", "A"));
    assertEquals(1, dns.queryCount(HOST, "A"));
  }

  @Test
  void idleNamesAreForgottenAndNoLongerRefreshed() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder().idleTimeout(Duration.ofSeconds(20)));
    resolver.lookup(HOST);
    ticker.advance(Duration.ofSeconds(21));
    await(Duration.ofSeconds(5), "the idle name to be dropped",
        () -> resolver.cachedAddresses(HOST).isEmpty());
    int queries = dns.queryCount(HOST, "A");
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3");
    // A forgotten name starts over: the next lookup queries DNS and reports no change, because
    // nothing was being tracked any more.
    assertEquals(List.of("127.0.0.3"), literals(resolver.lookup(HOST)));
    assertEquals(queries + 1, dns.queryCount(HOST, "A"));
    assertEquals(List.of(), listener.changes);
  }

  @Test
  void trackedNamesAreBounded() throws Exception {
    for (int i = 0; i < 5; i++) {
      dns.setAddresses("h" + i + ".cutover.test", Duration.ofSeconds(30), "127.0.0." + (i + 2));
    }
    start(builder().maxHosts(3));
    for (int i = 0; i < 3; i++) {
      resolver.lookup("h" + i + ".cutover.test");
      ticker.advance(Duration.ofMillis(100));
    }
    // h0 came first but is used again: h1 is now the least recently used, so a cache that drops
    // in insertion order would drop h0 instead.
    resolver.lookup("h0.cutover.test");
    ticker.advance(Duration.ofMillis(100));
    resolver.lookup("h3.cutover.test");
    assertEquals(List.of("h0", "h2", "h3"), tracked(5), "h1, the least recently used, goes");
    ticker.advance(Duration.ofMillis(100));
    resolver.lookup("h4.cutover.test");
    assertEquals(List.of("h0", "h3", "h4"), tracked(5), "then h2");
  }

  /** Which of h0 to h{n-1} are cached. */
  private List<String> tracked(int n) {
    List<String> tracked = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (!resolver.cachedAddresses("h" + i + ".cutover.test").isEmpty()) {
        tracked.add("h" + i);
      }
    }
    return tracked;
  }

  @Test
  void closeStopsTheThreadAndRejectsLookups() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
    start(builder());
    resolver.lookup(HOST);
    List<Thread> started = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.getName().startsWith("cutover-resolver-"))
        .toList();
    assertEquals(1, started.size(), "one named thread per resolver: " + started);
    Thread resolverThread = started.get(0);
    assertTrue(resolverThread.isDaemon(), "the resolver thread must not keep the JVM alive");
    resolver.close();
    resolverThread.join(5_000);
    assertTrue(!resolverThread.isAlive(), "close() stops " + resolverThread.getName());
    assertThrows(IllegalStateException.class, () -> resolver.lookup("other.cutover.test"));
  }

  @Test
  void trackKeepsAHostRefreshedWithoutLookupsAndNeverBlocks() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    dns.delay(Duration.ofMillis(500));
    start(builder().idleTimeout(Duration.ofSeconds(20)));
    long started = System.nanoTime();
    resolver.track(HOST); // not tracked yet: resolves in the background
    assertTrue(System.nanoTime() - started < 400_000_000L, "track() must not wait for DNS");
    await(Duration.ofSeconds(5), "the background resolution",
        () -> !resolver.cachedAddresses(HOST).isEmpty());
    dns.delay(Duration.ZERO);
    for (int i = 0; i < 6; i++) {
      ticker.advance(Duration.ofSeconds(5));
      resolver.track(HOST); // in use via pooled connections: no lookup, but not idle either
    }
    assertEquals(List.of("127.0.0.2"), literals(resolver.cachedAddresses(HOST)),
        "30 s without a lookup, but tracked: still cached although idleTimeout is 20 s");
    // Kept refreshed, not only kept: a new record arrives with no lookup at all.
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3");
    ticker.advance(Duration.ofSeconds(5));
    resolver.track(HOST);
    await(Duration.ofSeconds(5), "the tracked host's refresh to bring the new record",
        () -> listener.changes.size() == 1);
    assertEquals(Set.of(Testing.ip("127.0.0.2")), listener.changes.get(0).removed());
    assertEquals(List.of("127.0.0.3"), literals(resolver.cachedAddresses(HOST)));
    resolver.track("10.0.0.1");
    resolver.track("not a host");
    resolver.track(null);
    assertEquals(dns.queryCount(HOST, "A"), dns.queryCount(),
        "literals and malformed names are never sent to DNS");
  }

  @Test
  void singleAddressWeightedAnswersAreNotChangesUntilTheShiftEnds() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    start(builder());
    assertEquals(List.of("127.0.0.2"), literals(resolver.lookup(HOST)));
    // A weighted record answering one address per query: blue, green, blue, green, ... Green's
    // first answer looks exactly like a flip, and is taken for one; from blue's return on, the
    // host is known to rotate.
    String[] answers = {"127.0.0.3", "127.0.0.2", "127.0.0.3", "127.0.0.2"};
    for (int i = 0; i < answers.length; i++) {
      dns.setAddresses(HOST, Duration.ofSeconds(5), answers[i]);
      ticker.advance(Duration.ofSeconds(5));
      resolver.lookup(HOST);
      int queries = i + 2;
      await(Duration.ofSeconds(5), "refresh " + queries, () -> listener.queries.size() == queries);
      if (i > 0) {
        assertEquals(List.of("127.0.0.2", "127.0.0.3"), literals(resolver.lookup(HOST)),
            "both are the host's: new connections go to either, as DNS names them");
      }
    }
    await(Duration.ofSeconds(5), "two changes", () -> listener.changes.size() == 2);
    assertEquals(Set.of(Testing.ip("127.0.0.2")), listener.changes.get(0).removed(), "the flip");
    assertEquals(Set.of(Testing.ip("127.0.0.2")), listener.changes.get(1).added(), "blue back");
    assertEquals(Set.of(), listener.changes.get(1).removed());
    assertEquals(List.of("127.0.0.2", "127.0.0.3"), literals(resolver.cachedAddresses(HOST)));

    // Now the shift is complete: only green. Blue is removed once its absence is clear, at most
    // 8 answers later, as the host alternated between two answers.
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.3");
    int refreshes = 0;
    // The state is in place before listeners hear of the query, so cachedAddresses is current.
    while (literals(resolver.cachedAddresses(HOST)).contains("127.0.0.2")) {
      refreshes++;
      assertTrue(refreshes <= 8, "blue still a member after 8 answers without it");
      ticker.advance(Duration.ofSeconds(5));
      resolver.lookup(HOST);
      int queries = 5 + refreshes;
      await(Duration.ofSeconds(5), "refresh " + queries, () -> listener.queries.size() == queries);
    }
    await(Duration.ofSeconds(5), "blue's removal event", () -> listener.changes.size() == 3);
    assertTrue(refreshes > 1, "blue removed at its first absence: that is a flip's rule");
    assertEquals(Set.of(Testing.ip("127.0.0.2")), listener.changes.get(2).removed());
    assertEquals(List.of("127.0.0.3"), literals(resolver.cachedAddresses(HOST)));
  }

  @Test
  void aListenerAddedTwiceIsCalledOnceAndStaysUntilRemovedTwice() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(5), "127.0.0.2");
    resolver = builder().build();
    RecordingListener twice = new RecordingListener();
    resolver.addListener(twice);
    resolver.addListener(twice);
    // Called after the one above (listeners are called in the order first added): once it has an
    // event, the one above has had its own.
    resolver.addListener(listener);
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the first query's event", () -> listener.queries.size() == 1);
    assertEquals(List.of(HOST + " SUCCESS"), twice.queries, "one event, told once");

    resolver.removeListener(twice);
    ticker.advance(Duration.ofSeconds(5));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the second query's event", () -> listener.queries.size() == 2);
    assertEquals(2, twice.queries.size(), "still registered: added twice, removed once");

    resolver.removeListener(twice);
    resolver.removeListener(twice); // one too many: nothing to undo
    ticker.advance(Duration.ofSeconds(5));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the third query's event", () -> listener.queries.size() == 3);
    assertEquals(2, twice.queries.size(), "removed as often as added: no longer called");
  }
}

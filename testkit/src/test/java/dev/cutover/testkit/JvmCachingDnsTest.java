package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The "plain OkHttp" DNS: the JVM's fixed-time cache, against a real (embedded) DNS server. */
class JvmCachingDnsTest {
  private static final String HOST = "api.cutover.test";
  private static final Duration RECORD_TTL = Duration.ofSeconds(1);
  private static final Duration CACHE = Duration.ofSeconds(30);

  private EmbeddedDnsServer server;
  private final FakeTicker ticker = new FakeTicker();
  private JvmCachingDns dns;

  @BeforeEach
  void start() throws IOException {
    server = EmbeddedDnsServer.start();
    dns = new JvmCachingDns(server.address(), CACHE, ticker::read);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void keepsTheFirstAnswerForItsCacheTimeWhateverTheRecordTtl() throws Exception {
    server.setAddresses(HOST, RECORD_TTL, "127.0.0.2");
    assertEquals(List.of("127.0.0.2"), ips(dns.lookup(HOST)));
    int queries = server.queryCount();

    server.setAddresses(HOST, RECORD_TTL, "127.0.0.3");
    ticker.advance(CACHE.minusNanos(1));
    assertEquals(List.of("127.0.0.2"), ips(dns.lookup(HOST)), "still cached");
    assertEquals(queries, server.queryCount(), "no query while cached");

    ticker.advance(Duration.ofNanos(1));
    assertEquals(List.of("127.0.0.3"), ips(dns.lookup(HOST)), "asked again once expired");
  }

  @Test
  void answersIpv4BeforeIpv6AndNamesTheHost() throws Exception {
    server.setAddresses(HOST, RECORD_TTL, "::1", "127.0.0.2");
    List<InetAddress> addresses = dns.lookup(HOST);
    assertEquals(List.of("127.0.0.2", "0:0:0:0:0:0:0:1"), ips(addresses));
    assertEquals(HOST, addresses.get(0).getHostName());
    assertEquals(1, server.queryCount(HOST, "A"));
    assertEquals(1, server.queryCount(HOST, "AAAA"));
  }

  @Test
  void failsOnceExpiredWhileTheServerDoesNotAnswerAndServesNoStaleAnswer() throws Exception {
    server.setAddresses(HOST, RECORD_TTL, "127.0.0.2");
    dns.lookup(HOST);
    server.behavior(EmbeddedDnsServer.Behavior.SERVFAIL);
    assertEquals(List.of("127.0.0.2"), ips(dns.lookup(HOST)), "cached: DNS not asked");

    ticker.advance(CACHE);
    UnknownHostException thrown = assertThrows(UnknownHostException.class, () -> dns.lookup(HOST));
    assertTrue(thrown.getMessage().contains("SERVFAIL"), thrown.getMessage());

    server.behavior(EmbeddedDnsServer.Behavior.ANSWER);
    server.down();
    UnknownHostException timedOut = assertThrows(UnknownHostException.class,
        () -> dns.lookup(HOST));
    assertTrue(timedOut.getMessage().startsWith(HOST + ": "), timedOut.getMessage());

    server.up();
    assertEquals(List.of("127.0.0.2"), ips(dns.lookup(HOST)), "failures were not cached");
  }

  @Test
  void unknownNamesAndNamesWithoutAddressesFail() throws Exception {
    UnknownHostException nxdomain = assertThrows(UnknownHostException.class,
        () -> dns.lookup("missing.cutover.test"));
    assertEquals("missing.cutover.test: NXDOMAIN", nxdomain.getMessage());

    server.setAddresses("empty.cutover.test", RECORD_TTL);
    UnknownHostException nodata = assertThrows(UnknownHostException.class,
        () -> dns.lookup("empty.cutover.test"));
    assertEquals("empty.cutover.test: NOERROR", nodata.getMessage());
  }

  @Test
  void aZeroCacheTimeAsksEveryTime() throws Exception {
    JvmCachingDns uncached = new JvmCachingDns(server.address(), Duration.ZERO, ticker::read);
    server.setAddresses(HOST, RECORD_TTL, "127.0.0.2");
    assertEquals(List.of("127.0.0.2"), ips(uncached.lookup(HOST)));
    server.setAddresses(HOST, RECORD_TTL, "127.0.0.3");
    assertEquals(List.of("127.0.0.3"), ips(uncached.lookup(HOST)));
  }

  @Test
  void badArgumentsAreRejectedNamingThem() {
    InetSocketAddress address = server.address();
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> new JvmCachingDns(address, Duration.ofSeconds(-1)));
    assertTrue(negative.getMessage().contains("cacheTtl must not be negative"),
        negative.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> new JvmCachingDns(null, CACHE));
    assertTrue(missing.getMessage().contains("server, cacheTtl and nanoClock"),
        missing.getMessage());
  }

  private static List<String> ips(List<InetAddress> addresses) {
    return addresses.stream().map(InetAddress::getHostAddress).collect(Collectors.toList());
  }
}

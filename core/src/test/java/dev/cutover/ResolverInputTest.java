package dev.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.internal.Checks;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a clear error; names that need no DNS get none. */
class ResolverInputTest {
  private EmbeddedDnsServer dns;
  private CutoverResolver resolver;

  @BeforeEach
  void start() throws Exception {
    dns = EmbeddedDnsServer.start();
    resolver = CutoverResolver.builder().nameServers(dns.address()).hostsFile(null).build();
  }

  @AfterEach
  void stop() {
    resolver.close();
    dns.close();
  }

  @Test
  void nullHostIsAnIllegalArgument() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> resolver.lookup(null));
    assertTrue(e.getMessage().contains("host is null"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> resolver.refresh(null));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", ".", "a..b", ".leading.dot", "has space.example",
      "under\u00e9score.example", "999.1.1.1", "1.2.3", "bad:ipv6::literal:x", "g:%1",
      "[g:%1]", "fe80::1%", "fe80::1%no-such-interface-here", "fe80::1%99999999999",
      "a-label-that-is-much-longer-than-sixty-three-characters-which-dns-forbids.example"})
  void malformedHostNamesAreRejectedWithTheValueInTheMessage(String host) {
    UnknownHostException e =
        assertThrows(UnknownHostException.class, () -> resolver.lookup(host));
    assertTrue(e.getMessage().contains("'" + host + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("expected"), e.getMessage());
    assertEquals(0, dns.queryCount(), "a malformed name never reaches DNS");
  }

  @Test
  void tooLongHostNameIsRejected() {
    String host = "a234567890.".repeat(23) + "example";
    UnknownHostException e = assertThrows(UnknownHostException.class, () -> resolver.lookup(host));
    assertTrue(e.getMessage().contains("limit is 253"), e.getMessage());
  }

  @Test
  void ipLiteralsAnswerWithoutDns() throws Exception {
    assertEquals(List.of(InetAddress.getByName("10.1.2.3")), resolver.lookup("10.1.2.3"));
    assertEquals(List.of(InetAddress.getByName("::1")), resolver.lookup("::1"));
    assertEquals(List.of(InetAddress.getByName("2001:db8::7")), resolver.lookup("[2001:db8::7]"));
    Inet6Address scoped = (Inet6Address) resolver.lookup("fe80::1%3").get(0);
    assertEquals(3, scoped.getScopeId());
    assertEquals(InetAddress.getByName("fe80::1%3"), scoped);
    assertEquals(0, dns.queryCount());
  }

  @Test
  void localhostAnswersWithoutDns() throws Exception {
    assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
        resolver.lookup("localhost"));
    assertEquals(2, resolver.lookup("LOCALHOST.").size());
    assertEquals(0, dns.queryCount());
  }

  @Test
  void hostsFileIsReadBeforeDns(@TempDir Path dir) throws Exception {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "# test\n127.0.0.9 pinned.cutover.test pinned\n");
    try (CutoverResolver withHosts = CutoverResolver.builder().nameServers(dns.address())
        .hostsFile(hosts).resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).build()) {
      assertEquals(List.of(InetAddress.getByName("127.0.0.9")),
          withHosts.lookup("pinned.cutover.test"));
      assertEquals(0, dns.queryCount());
    }
  }

  @Test
  void upperCaseNamesShareTheLowerCaseEntry() throws Exception {
    dns.setAddresses("api.cutover.test", Duration.ofSeconds(30), "127.0.0.2");
    resolver.lookup("API.Cutover.Test");
    resolver.lookup("api.cutover.test");
    assertEquals(1, dns.queryCount("api.cutover.test", "A"));
  }

  @Test
  void durationsMustBePositive() {
    CutoverResolver.Builder builder = CutoverResolver.builder();
    assertMessage(() -> builder.queryTimeout(Duration.ZERO), "queryTimeout", "PT0S");
    assertMessage(() -> builder.minTtl(Duration.ofSeconds(-1)), "minTtl", "PT-1S");
    assertMessage(() -> builder.maxTtl(null), "maxTtl", "null");
    assertMessage(() -> builder.idleTimeout(Duration.ZERO), "idleTimeout", "PT0S");
    assertMessage(() -> builder.negativeTtl(Duration.ofMillis(-5)), "negativeTtl", "PT-0.005S");
    assertMessage(() -> builder.maxStale(Duration.ofMinutes(-1)), "maxStale", "PT-1M");
    builder.negativeTtl(Duration.ZERO).maxStale(Duration.ZERO); // zero means "off" for these two
  }

  @Test
  void durationsThatWouldOverflowAreRejectedNamingTheSetter() {
    CutoverResolver.Builder builder = CutoverResolver.builder();
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
    assertMessage(() -> builder.queryTimeout(Duration.ofDays(2)), "queryTimeout",
        "at most 1 day", "PT48H");
    assertMessage(() -> builder.minTtl(huge), "minTtl", "at most 3650 days");
    assertMessage(() -> builder.maxTtl(huge), "maxTtl", "at most 3650 days");
    assertMessage(() -> builder.negativeTtl(huge), "negativeTtl", "at most 3650 days");
    assertMessage(() -> builder.maxStale(huge), "maxStale", "at most 3650 days");
    assertMessage(() -> builder.idleTimeout(huge), "idleTimeout", "at most 3650 days");
  }

  @Test
  void theLongestDurationsAcceptedStillResolveAndServe() throws Exception {
    dns.setAddresses("api.cutover.test", Duration.ofSeconds(30), "127.0.0.2");
    // minTtl of ten years: well past the 2.4 h where the back-off's doubling used to wrap.
    try (CutoverResolver longest = CutoverResolver.builder().nameServers(dns.address())
        .hostsFile(null).queryTimeout(Duration.ofDays(1)).minTtl(Checks.MAX_DURATION)
        .maxTtl(Checks.MAX_DURATION).negativeTtl(Checks.MAX_DURATION)
        .maxStale(Checks.MAX_DURATION).idleTimeout(Checks.MAX_DURATION).build()) {
      assertEquals(List.of(InetAddress.getByName("127.0.0.2")),
          List.of(longest.lookup("api.cutover.test").get(0)));
    }
  }

  @Test
  void minTtlAboveMaxTtlIsRejectedAtBuild() {
    CutoverResolver.Builder builder = CutoverResolver.builder().nameServers(dns.address())
        .minTtl(Duration.ofSeconds(60)).maxTtl(Duration.ofSeconds(30));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
    assertTrue(e.getMessage().contains("PT1M") && e.getMessage().contains("PT30S"),
        e.getMessage());
  }

  @Test
  void nameServersAreValidated() {
    CutoverResolver.Builder builder = CutoverResolver.builder();
    assertMessage(builder::nameServers, "nameServers", "none");
    assertMessage(() -> builder.nameServers(InetSocketAddress.createUnresolved("ns.example", 53)),
        "nameServers", "ns.example");
    assertMessage(() -> builder.nameServers(new InetSocketAddress("127.0.0.1", 0)),
        "nameServers", "port 0");
    IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
        () -> new InetSocketAddress("127.0.0.1", 70_000));
    assertTrue(outOfRange.getMessage().contains("70000"), outOfRange.getMessage());
    assertMessage(() -> builder.maxHosts(0), "maxHosts", "0");
    assertMessage(() -> builder.ndots(16), "ndots", "16");
    assertMessage(() -> builder.maxAddresses(65), "maxAddresses", "1 to 64", "65");
    assertMessage(() -> builder.maxAddresses(0), "maxAddresses", "0");
    assertMessage(() -> builder.maxQueriesInFlight(0), "maxQueriesInFlight", "1 to 65535");
    assertMessage(() -> builder.searchDomains("bad..domain"), "searchDomains", "bad..domain");
  }

  private static void assertMessage(Runnable call, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment),
          "'" + e.getMessage() + "' should mention '" + fragment + "'");
    }
  }
}

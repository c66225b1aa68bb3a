package dev.cutover.jvm.internal;

import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4_FIRST;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6_FIRST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver.LookupPolicy;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the JVM-wide resolver applies the JDK's lookup policy to Cutover's answers, in process.
 * The built-in resolver is not needed for these names, so none is given.
 */
class CutoverInetAddressResolverTest {
  private static final String NAME = "dual.cutover.test";

  @Test
  void theFamilyAskedToComeFirstComesFirstAndEachKeepsItsOrder() throws Exception {
    List<InetAddress> answer = ips("127.0.0.2", "2001:db8::2", "127.0.0.3", "2001:db8::3");
    assertEquals(ips("2001:db8::2", "2001:db8::3", "127.0.0.2", "127.0.0.3"),
        CutoverInetAddressResolver.select(NAME, answer, IPV4 | IPV6 | IPV6_FIRST));
    assertEquals(ips("127.0.0.2", "127.0.0.3", "2001:db8::2", "2001:db8::3"),
        CutoverInetAddressResolver.select(NAME, answer, IPV4 | IPV6 | IPV4_FIRST));
  }

  @Test
  void withoutAnOrderTheResolversOrderIsKept() throws Exception {
    List<InetAddress> answer = ips("2001:db8::2", "127.0.0.2", "2001:db8::3");
    assertEquals(answer, CutoverInetAddressResolver.select(NAME, answer, IPV4 | IPV6));
  }

  @Test
  void onlyTheFamilyAskedForIsReturned() throws Exception {
    List<InetAddress> answer = ips("127.0.0.2", "2001:db8::2");
    assertEquals(ips("127.0.0.2"), CutoverInetAddressResolver.select(NAME, answer, IPV4));
    assertEquals(ips("2001:db8::2"), CutoverInetAddressResolver.select(NAME, answer, IPV6));
  }

  @Test
  void noAddressOfTheFamilyAskedForFailsSayingWhy() {
    UnknownHostException e = assertThrows(UnknownHostException.class,
        () -> CutoverInetAddressResolver.select(NAME, ips("2001:db8::2"), IPV4));
    assertEquals(NAME + ": it has no IPv4 address (DNS gave [" + NAME + "/2001:db8:0:0:0:0:0:2]),"
        + " and this JVM looks up IPv4 addresses only (-Djava.net.preferIPv4Stack=true, or a"
        + " system without IPv6)", e.getMessage());
  }

  @Test
  void lookupsGoToCutoverWithThePolicyAppliedAndItsErrorsKeepTheirMessage() throws Exception {
    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start()
            .setAddresses(NAME, Duration.ofSeconds(30), "127.0.0.2", "2001:db8::2");
        CutoverResolver cutover = CutoverResolver.builder().nameServers(dns.address())
            .hostsFile(null).build()) {
      CutoverInetAddressResolver resolver = new CutoverInetAddressResolver(cutover, null, "box");
      assertEquals(ips("2001:db8::2", "127.0.0.2"),
          resolver.lookupByName(NAME, LookupPolicy.of(IPV4 | IPV6 | IPV6_FIRST)).toList());
      UnknownHostException missing = assertThrows(UnknownHostException.class,
          () -> resolver.lookupByName("gone.cutover.test", LookupPolicy.of(IPV4)));
      assertTrue(missing.getMessage().startsWith("gone.cutover.test: "), missing.getMessage());
      assertTrue(missing.getMessage().contains("NXDOMAIN"), missing.getMessage());
    }
  }

  @Test
  void aClosedResolverFailsLookupsSayingSo() throws Exception {
    CutoverResolver cutover = CutoverResolver.builder()
        .nameServers(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53))
        .hostsFile(null).build();
    cutover.close();
    CutoverInetAddressResolver resolver = new CutoverInetAddressResolver(cutover, null, "box");
    UnknownHostException e = assertThrows(UnknownHostException.class,
        () -> resolver.lookupByName(NAME, LookupPolicy.of(IPV4 | IPV6)));
    assertTrue(e.getMessage().startsWith(NAME + ": the CutoverResolver that answers this JVM's"
        + " host name lookups was closed"), e.getMessage());
  }

  private static List<InetAddress> ips(String... literals) {
    return Arrays.stream(literals).map(literal -> {
      try {
        return InetAddress.getByAddress(NAME, InetAddress.getByName(literal).getAddress());
      } catch (UnknownHostException e) {
        throw new AssertionError(e);
      }
    }).toList();
  }
}

package dev.cutover.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** Which names a host is tried as, and which name server each send of a query goes to. */
class DnsClientTest {
  private static final List<Name> SEARCH = names("svc.cluster.local.", "cluster.local.");

  @Test
  void aTrailingDotMeansThisNameOnly() throws Exception {
    assertEquals(names("api.example.com."),
        DnsClient.candidates("api.example.com.", SEARCH, 1));
    assertEquals(names("api."), DnsClient.candidates("api.", SEARCH, 5));
  }

  @Test
  void enoughDotsTriesTheNameAsItIsFirst() throws Exception {
    assertEquals(names("api.example.com.", "api.example.com.svc.cluster.local.",
        "api.example.com.cluster.local."), DnsClient.candidates("api.example.com", SEARCH, 1));
    assertEquals(names("api.example.com.", "api.example.com.svc.cluster.local.",
        "api.example.com.cluster.local."), DnsClient.candidates("api.example.com", SEARCH, 2));
  }

  @Test
  void fewerDotsThanNdotsTriesTheSearchDomainsFirst() throws Exception {
    assertEquals(names("api.svc.cluster.local.", "api.cluster.local.", "api."),
        DnsClient.candidates("api", SEARCH, 1));
    assertEquals(names("api.example.com.svc.cluster.local.", "api.example.com.cluster.local.",
        "api.example.com."), DnsClient.candidates("api.example.com", SEARCH, 5));
  }

  @Test
  void withoutSearchDomainsOnlyTheNameItself() throws Exception {
    assertEquals(names("api."), DnsClient.candidates("api", List.of(), 1));
    assertEquals(names("api."), DnsClient.candidates("api", List.of(), 0));
  }

  @Test
  void aSearchDomainThatMakesTheNameTooLongIsSkipped() throws Exception {
    String label = "a".repeat(63);
    String host = label + "." + label + "." + label + "." + "b".repeat(50); // 244 octets
    List<Name> search = names("x.", "c".repeat(20) + ".");
    assertEquals(List.of(Name.fromString(host + ".x."), Name.fromString(host + ".")),
        DnsClient.candidates(host, search, 5), "the second domain would exceed 255 octets");
  }

  @Test
  void eachSendGoesToTheNextServerAndOneServerIsAskedTwice() {
    assertEquals(2, NameServers.attempts(1));
    assertEquals(2, NameServers.attempts(2));
    assertEquals(3, NameServers.attempts(3));
    assertEquals(List.of(0, 0), servers(1));
    assertEquals(List.of(0, 1), servers(2));
    assertEquals(List.of(0, 1, 2), servers(3));
  }

  private static List<Integer> servers(int count) {
    List<Integer> order = new ArrayList<>();
    for (int send = 0; send < NameServers.attempts(count); send++) {
      order.add(NameServers.serverFor(send, count));
    }
    return order;
  }

  private static List<Name> names(String... names) {
    List<Name> result = new ArrayList<>();
    for (String name : names) {
      try {
        result.add(Name.fromString(name));
      } catch (TextParseException e) {
        throw new AssertionError(e);
      }
    }
    return result;
  }
}

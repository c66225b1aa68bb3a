package dev.cutover.jvm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code -Ddev.cutover.jvm.resolver.nameServers}: every documented form, and what it rejects. */
class NameServersPropertyTest {
  @Test
  void everyDocumentedFormParses() throws Exception {
    assertEquals(List.of(
            server("10.0.0.2", 53),
            server("10.0.0.3", 5353),
            server("2001:db8::53", 53),
            server("2001:db8::54", 5353),
            server("2001:db8::55", 53)),
        List.of(CutoverResolverProvider.parseNameServers(
            "10.0.0.2, 10.0.0.3:5353,2001:db8::53,[2001:db8::54]:5353,[2001:db8::55]")));
  }

  @Test
  void namesBadPortsAndEmptyListsAreRejectedWithTheFix() {
    for (String bad : List.of("ns1.example", "10.0.0.2:0", "10.0.0.2:http", "[10.0.0.2]",
        "10.0.0.2,,10.0.0.3")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CutoverResolverProvider.parseNameServers(bad), bad);
      assertTrue(e.getMessage().startsWith("-Ddev.cutover.jvm.resolver.nameServers: '"),
          e.getMessage());
      assertTrue(e.getMessage().contains("expected for example 10.0.0.2, 10.0.0.2:5353,"),
          e.getMessage());
    }
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> CutoverResolverProvider.parseNameServers(" "));
    assertTrue(empty.getMessage().contains("is empty"), empty.getMessage());
  }

  private static InetSocketAddress server(String literal, int port) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(literal), port);
  }
}

package dev.cutover.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.xbill.DNS.Name;

/** Every check names the argument, says what is expected, and shows what was given. */
class ChecksTest {

  @Test
  void positiveDurations() {
    assertEquals(Duration.ofMillis(1), Checks.positive("x", Duration.ofMillis(1)));
    assertMessage("x: expected a positive duration, got PT0S",
        () -> Checks.positive("x", Duration.ZERO));
    assertMessage("x: expected a positive duration, got PT-1S",
        () -> Checks.positive("x", Duration.ofSeconds(-1)));
    assertMessage("x: expected a positive duration, got null", () -> Checks.positive("x", null));
  }

  @Test
  void nonNegativeDurations() {
    assertEquals(Duration.ZERO, Checks.nonNegative("y", Duration.ZERO));
    assertMessage("y: expected zero or a positive duration, got PT-0.001S",
        () -> Checks.nonNegative("y", Duration.ofMillis(-1)));
    assertMessage("y: expected zero or a positive duration, got null",
        () -> Checks.nonNegative("y", null));
  }

  @Test
  void durationsBeyondWhatCanBeHonouredAreRefused() {
    assertEquals(Checks.MAX_DURATION, Checks.positive("x", Checks.MAX_DURATION));
    Duration huge = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
    assertMessage("x: expected at most 3650 days, got " + huge,
        () -> Checks.positive("x", huge));
    assertMessage("y: expected at most 3650 days, got PT87600H0.000000001S",
        () -> Checks.nonNegative("y", Checks.MAX_DURATION.plusNanos(1)));
    assertMessage("t: expected at most 1 day, got PT25H",
        () -> Checks.positive("t", Duration.ofHours(25), Duration.ofDays(1)));
    assertMessage("t: expected at most 2 hours, got PT2H1S",
        () -> Checks.positive("t", Duration.ofSeconds(7201), Duration.ofHours(2)));
  }

  @Test
  void integers() {
    assertEquals(1, Checks.inRange("n", 1, 1, 10));
    assertEquals(10, Checks.inRange("n", 10, 1, 10));
    assertMessage("n: expected 1 to 10, got 0", () -> Checks.inRange("n", 0, 1, 10));
    assertMessage("n: expected 1 to 10, got 11", () -> Checks.inRange("n", 11, 1, 10));
    assertEquals(0, Checks.atLeast("m", 0, 0));
    assertMessage("m: expected zero or more, got -1", () -> Checks.atLeast("m", -1, 0));
    assertMessage("m: expected at least 1, got 0", () -> Checks.atLeast("m", 0, 1));
  }

  @Test
  void fractions() {
    assertEquals(0.0, Checks.fraction("r", 0));
    assertEquals(1.0, Checks.fraction("r", 1));
    assertMessage("r: expected 0 to 1, got 1.5", () -> Checks.fraction("r", 1.5));
    assertMessage("r: expected 0 to 1, got NaN", () -> Checks.fraction("r", Double.NaN));
  }

  @Test
  void nameServersMustBeResolvedWithAUsablePort() {
    InetSocketAddress good = new InetSocketAddress("127.0.0.1", 53);
    assertEquals(List.of(good), Checks.nameServers(good));
    assertMessage("nameServers: expected at least one name server address, got none",
        Checks::nameServers);
    assertMessage("nameServers: null in the list of name servers",
        () -> Checks.nameServers(good, null));
    assertThrows(IllegalArgumentException.class,
        () -> Checks.nameServers(InetSocketAddress.createUnresolved("ns.example", 53)));
    assertMessage("nameServers: port 0 of /127.0.0.1:0 is out of range; expected 1 to 65535"
        + " (53 for standard DNS)", () -> Checks.nameServers(new InetSocketAddress("127.0.0.1", 0)));
  }

  @Test
  void searchDomainsBecomeAbsoluteNames() throws Exception {
    assertEquals(List.of(Name.fromString("svc.cluster.local.")),
        Checks.searchDomains("svc.cluster.local"));
    assertEquals(List.of(), Checks.searchDomains());
    assertMessage("searchDomains: expected a domain name such as example.com, got ' '",
        () -> Checks.searchDomains(" "));
    assertThrows(NullPointerException.class, () -> Checks.searchDomains((String[]) null));
  }

  private static void assertMessage(String expected, Executable call) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
  }
}

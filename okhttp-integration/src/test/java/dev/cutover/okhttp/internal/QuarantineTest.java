package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.cutover.testkit.FakeTicker;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A failing address goes last for a while, and is never dropped. */
class QuarantineTest {
  private static final InetAddress BLUE = ip("127.0.0.2");
  private static final InetAddress GREEN = ip("127.0.0.3");
  private static final InetAddress OTHER = ip("127.0.0.4");

  private final FakeTicker ticker = new FakeTicker();
  private final Quarantine quarantine =
      new Quarantine(ticker::read, Duration.ofSeconds(10).toNanos());

  @Test
  void aQuarantinedAddressGoesLastUntilItsTimeIsUp() {
    quarantine.add("api", BLUE);
    assertEquals(List.of(GREEN, OTHER, BLUE), quarantine.reorder("api", List.of(BLUE, GREEN, OTHER)));
    ticker.advance(Duration.ofMillis(9_999));
    assertEquals(List.of(GREEN, BLUE), quarantine.reorder("api", List.of(BLUE, GREEN)));
    ticker.advance(Duration.ofMillis(1));
    List<InetAddress> answer = List.of(BLUE, GREEN);
    assertSame(answer, quarantine.reorder("api", answer), "released: served as answered");
  }

  @Test
  void aForgottenHostLeavesNothingBehind() {
    quarantine.add("api", BLUE);
    quarantine.forget("api");
    List<InetAddress> answer = List.of(BLUE, GREEN);
    assertSame(answer, quarantine.reorder("api", answer), "the host's entries went with it");
  }

  @Test
  void theOrderAmongHealthyAndAmongSuspectAddressesIsKept() {
    quarantine.add("api", OTHER);
    quarantine.add("api", BLUE);
    assertEquals(List.of(GREEN, BLUE, OTHER),
        quarantine.reorder("api", List.of(BLUE, GREEN, OTHER)));
  }

  @Test
  void aSingleAddressIsStillServed() {
    quarantine.add("api", BLUE);
    List<InetAddress> only = List.of(BLUE);
    assertSame(only, quarantine.reorder("api", only));
  }

  @Test
  void otherHostsAndAbsentAddressesAreUntouched() {
    quarantine.add("api", BLUE);
    List<InetAddress> other = List.of(BLUE, GREEN);
    assertSame(other, quarantine.reorder("web", other), "quarantine is per host");
    List<InetAddress> without = List.of(GREEN, OTHER);
    assertSame(without, quarantine.reorder("api", without));
  }

  @Test
  void zeroDurationTurnsItOff() {
    Quarantine off = new Quarantine(ticker::read, 0);
    off.add("api", BLUE);
    List<InetAddress> answer = List.of(BLUE, GREEN);
    assertSame(answer, off.reorder("api", answer));
  }

  private static InetAddress ip(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}

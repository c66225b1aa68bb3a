package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Retry-After as RFC 9110 defines it: delta-seconds or an HTTP-date; anything else ignored. */
class RetryAfterTest {
  private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC);

  @Test
  void secondsAreTakenAsTheyAre() {
    assertEquals(Duration.ZERO, RetryAfter.parse("0", NOW));
    assertEquals(Duration.ofSeconds(2), RetryAfter.parse("2", NOW));
    assertEquals(Duration.ofSeconds(120), RetryAfter.parse(" 120 ", NOW));
  }

  @Test
  void absurdlyLongDelaysDoNotOverflow() {
    assertEquals(Duration.ofSeconds(999_999_999L), RetryAfter.parse("99999999999999999999", NOW));
  }

  @Test
  void anHttpDateIsMeasuredAgainstTheWallClock() {
    assertEquals(Duration.ofSeconds(3), RetryAfter.parse("Sat, 21 Nov 2026 12:00:03 GMT", NOW));
    assertEquals(Duration.ZERO, RetryAfter.parse("Sat, 21 Nov 2026 11:59:00 GMT", NOW),
        "a date in the past means now");
  }

  @Test
  void absentOrUnreadableValuesAreIgnored() {
    assertNull(RetryAfter.parse(null, NOW));
    assertNull(RetryAfter.parse("", NOW));
    assertNull(RetryAfter.parse("   ", NOW));
    assertNull(RetryAfter.parse("-1", NOW));
    assertNull(RetryAfter.parse("1.5", NOW));
    assertNull(RetryAfter.parse("soon", NOW));
    assertNull(RetryAfter.parse("2026-11-21T12:00:03Z", NOW), "not an HTTP-date");
  }
}

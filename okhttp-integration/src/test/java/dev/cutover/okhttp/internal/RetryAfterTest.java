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

  /**
   * RFC 9110 section 5.6.7: recipients must accept the two obsolete forms as well, RFC 850's with
   * a two-digit year and C's asctime(), both in GMT.
   */
  @Test
  void theTwoObsoleteHttpDateFormsAreAcceptedToo() {
    assertEquals(Duration.ofSeconds(3), RetryAfter.parse("Saturday, 21-Nov-26 12:00:03 GMT", NOW));
    assertEquals(Duration.ofSeconds(3), RetryAfter.parse("Sat Nov 21 12:00:03 2026", NOW));
    assertEquals(Duration.ofSeconds(86_403),
        RetryAfter.parse("Sun Nov 22 12:00:03 2026", NOW), "a two-digit day");
    Clock early = Clock.fixed(Instant.parse("2026-11-01T12:00:00Z"), ZoneOffset.UTC);
    assertEquals(Duration.ofSeconds(5), RetryAfter.parse("Sun Nov  1 12:00:05 2026", early),
        "a one-digit day, padded with a space");
    assertEquals(Duration.ZERO, RetryAfter.parse("Wednesday, 21-Nov-90 12:00:03 GMT", NOW),
        "a two-digit year more than 50 years ahead is in the past: 1990, not 2090");
  }

  /** What OkHttp takes for "send it again at once" after a 503. */
  @Test
  void zeroSecondsIsRecognisedAsOkHttpReadsIt() {
    assertEquals(true, RetryAfter.isZeroSeconds("0"));
    assertEquals(true, RetryAfter.isZeroSeconds("00"));
    assertEquals(false, RetryAfter.isZeroSeconds("1"));
    assertEquals(false, RetryAfter.isZeroSeconds("Sat, 21 Nov 2026 12:00:03 GMT"));
    assertEquals(false, RetryAfter.isZeroSeconds(""));
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

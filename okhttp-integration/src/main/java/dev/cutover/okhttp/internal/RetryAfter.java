package dev.cutover.okhttp.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Parses {@code Retry-After} (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date, in any of
 * the three forms RFC 9110 section 5.6.7 requires recipients to accept.
 */
final class RetryAfter {
  /** The preferred form: {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.RFC_1123_DATE_TIME;
  /** C's asctime() form, {@code Sun Nov  6 08:49:37 1994}, once runs of spaces are one. */
  private static final DateTimeFormatter ASCTIME =
      DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy", Locale.US);

  private RetryAfter() {}

  /**
   * Returns the delay the server asked for, {@link Duration#ZERO} for a date in the past, or
   * null if the header is absent or unparseable (then it is ignored, as RFC 9110 allows).
   */
  static Duration parse(String value, Clock wallClock) {
    if (value == null) {
      return null;
    }
    String trimmed = value.trim();
    if (trimmed.isEmpty()) {
      return null;
    }
    if (trimmed.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (trimmed.length() > 9) {
        return Duration.ofSeconds(999_999_999L); // absurd, and surely above any cap
      }
      return Duration.ofSeconds(Long.parseLong(trimmed));
    }
    ZonedDateTime when = parseDate(trimmed, wallClock);
    if (when == null) {
      return null;
    }
    Duration delay = Duration.between(wallClock.instant(), when.toInstant());
    return delay.isNegative() ? Duration.ZERO : delay;
  }

  /**
   * Whether OkHttp reads this value as "retry at once": all digits, and zero. OkHttp then sends
   * the request again after a 503, whatever its method.
   */
  static boolean isZeroSeconds(String value) {
    String trimmed = value.trim();
    return !trimmed.isEmpty() && trimmed.chars().allMatch(c -> c == '0');
  }

  private static ZonedDateTime parseDate(String value, Clock wallClock) {
    try {
      return ZonedDateTime.parse(value, IMF_FIXDATE);
    } catch (DateTimeParseException notImfFixdate) {
      // One of the obsolete forms, below.
    }
    try {
      return LocalDateTime.parse(value, rfc850(wallClock)).atZone(ZoneOffset.UTC);
    } catch (DateTimeParseException notRfc850) {
      // asctime, below.
    }
    try {
      // GMT by definition (RFC 9110 section 5.6.7), though asctime names no zone.
      return LocalDateTime.parse(value.replaceAll(" {2,}", " "), ASCTIME)
          .atZone(ZoneOffset.UTC);
    } catch (DateTimeParseException notAsctime) {
      return null;
    }
  }

  /**
   * The obsolete RFC 850 form, {@code Sunday, 06-Nov-94 08:49:37 GMT}, its two-digit year read as
   * RFC 9110 requires: a year that would be more than 50 years ahead is the most recent past year
   * with the same last two digits.
   */
  private static DateTimeFormatter rfc850(Clock wallClock) {
    int earliest = wallClock.instant().atZone(ZoneOffset.UTC).getYear() - 49;
    return new DateTimeFormatterBuilder()
        .parseCaseInsensitive()
        .appendPattern("EEEE, dd-MMM-")
        .appendValueReduced(ChronoField.YEAR, 2, 2, earliest)
        .appendPattern(" HH:mm:ss 'GMT'")
        .toFormatter(Locale.US);
  }
}

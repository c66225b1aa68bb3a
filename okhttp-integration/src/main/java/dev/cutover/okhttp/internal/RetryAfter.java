package dev.cutover.okhttp.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Parses {@code Retry-After} (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date. */
final class RetryAfter {
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
    try {
      ZonedDateTime when = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME);
      Duration delay = Duration.between(wallClock.instant(), when.toInstant());
      return delay.isNegative() ? Duration.ZERO : delay;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}

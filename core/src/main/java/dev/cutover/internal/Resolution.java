package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import java.net.InetAddress;
import java.util.List;

/**
 * The result of resolving one host through the hosts file or DNS. Immutable.
 *
 * @param outcome how the resolution ended
 * @param addresses the addresses in the order they should be served; empty unless SUCCESS
 * @param ttlSeconds the smallest TTL along the answer (CNAMEs included), in seconds; 0 for
 *     hosts-file answers, -1 unless SUCCESS
 * @param detail the human-readable reason for a negative outcome or failure; null on success
 * @param cause the underlying exception of a failure, if there was one
 */
record Resolution(
    QueryOutcome outcome, List<InetAddress> addresses, long ttlSeconds, String detail,
    Throwable cause) {

  static Resolution success(List<InetAddress> addresses, long ttlSeconds) {
    return new Resolution(QueryOutcome.SUCCESS, List.copyOf(addresses), ttlSeconds, null, null);
  }

  static Resolution negative(QueryOutcome outcome, String detail) {
    return new Resolution(outcome, List.of(), -1, detail, null);
  }

  static Resolution failure(String detail, Throwable cause) {
    return new Resolution(QueryOutcome.FAILURE, List.of(), -1, detail, cause);
  }

  @Override
  public String toString() {
    return outcome + (outcome == QueryOutcome.SUCCESS ? addresses + " ttl=" + ttlSeconds
        : ": " + detail);
  }
}

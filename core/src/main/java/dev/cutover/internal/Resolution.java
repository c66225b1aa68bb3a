package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import java.net.InetAddress;
import java.util.List;
import org.xbill.DNS.Type;

/**
 * The result of resolving one host through the hosts file or DNS. Immutable.
 *
 * @param outcome how the resolution ended
 * @param addresses the addresses in the order they should be served; empty unless SUCCESS
 * @param ttlSeconds the smallest TTL along the answer (CNAMEs included), in seconds; 0 for
 *     hosts-file answers, -1 unless SUCCESS
 * @param detail the human-readable reason for a negative outcome or failure; on a SUCCESS with a
 *     failed type, why that type's query failed; null otherwise
 * @param cause the underlying exception of a failure, if there was one
 * @param failedType on SUCCESS, the record type (A or AAAA) whose query failed while the other
 *     answered; 0 if none did
 * @param candidate which of the host's search-list candidates answered (see {@code
 *     DnsClient.candidates}), when there are several; -1 otherwise
 */
record Resolution(
    QueryOutcome outcome, List<InetAddress> addresses, long ttlSeconds, String detail,
    Throwable cause, int failedType, int candidate) {

  static Resolution success(List<InetAddress> addresses, long ttlSeconds) {
    return new Resolution(QueryOutcome.SUCCESS, List.copyOf(addresses), ttlSeconds, null, null, 0,
        -1);
  }

  /** A success of one family while the query of the other, failedType, failed. */
  static Resolution partial(List<InetAddress> addresses, long ttlSeconds, int failedType,
      String detail, Throwable cause) {
    return new Resolution(QueryOutcome.SUCCESS, List.copyOf(addresses), ttlSeconds, detail,
        cause, failedType, -1);
  }

  static Resolution negative(QueryOutcome outcome, String detail) {
    return new Resolution(outcome, List.of(), -1, detail, null, 0, -1);
  }

  static Resolution failure(String detail, Throwable cause) {
    return new Resolution(QueryOutcome.FAILURE, List.of(), -1, detail, cause, 0, -1);
  }

  /** The same resolution, answered by the candidate at this index. */
  Resolution answeredBy(int index) {
    return new Resolution(outcome, addresses, ttlSeconds, detail, cause, failedType, index);
  }

  @Override
  public String toString() {
    return outcome + (outcome == QueryOutcome.SUCCESS ? addresses + " ttl=" + ttlSeconds
        + (failedType != 0 ? " (" + Type.string(failedType) + " failed: " + detail + ")" : "")
        : ": " + detail);
  }
}

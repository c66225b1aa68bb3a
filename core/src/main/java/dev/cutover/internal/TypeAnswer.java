package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import java.util.List;
import org.xbill.DNS.Record;

/**
 * What DNS said about one name and one record type. Immutable.
 *
 * @param outcome how the query ended
 * @param records the matching records; empty unless SUCCESS
 * @param ttlSeconds the smallest TTL along the answer, CNAMEs included
 * @param detail why a FAILURE failed
 * @param cause the exception behind a FAILURE, unwrapped, if there was one
 */
record TypeAnswer(
    QueryOutcome outcome, List<Record> records, long ttlSeconds, String detail, Throwable cause) {
  /** The answer for a family that was not asked for. */
  static final TypeAnswer ABSENT = new TypeAnswer(QueryOutcome.NO_DATA, List.of(), 0, null, null);

  static TypeAnswer success(List<Record> records, long ttlSeconds) {
    return new TypeAnswer(QueryOutcome.SUCCESS, records, ttlSeconds, null, null);
  }

  static TypeAnswer negative(QueryOutcome outcome) {
    return new TypeAnswer(outcome, List.of(), 0, null, null);
  }

  static TypeAnswer failure(String detail, Throwable cause) {
    return new TypeAnswer(
        QueryOutcome.FAILURE, List.of(), 0, detail, cause == null ? null : DnsClient.unwrap(cause));
  }
}

package dev.cutover.internal;

import java.net.InetAddress;
import java.util.List;

/**
 * Everything the cache knows about one host: the answer it serves, and what is carried from one
 * query to the next. Immutable; each completed query (or failure report that changes the
 * members) replaces it whole (see {@link Transitions}).
 *
 * @param answer what lookups are served; null before the first query completes
 * @param lastGood the members after the last positive answer, which the next change is reported
 *     against; null if there never was one
 * @param membership which addresses the host has, learned from its answers
 * @param failures DNS failures in a row, for the retry back-off
 * @param familyStaleUntil until when an address family whose query fails keeps its last
 *     addresses: the stale deadline (TTL plus maxStale) of the last answer in which every family
 *     asked for answered; {@link Long#MIN_VALUE} if there never was one
 */
record HostState(Answer answer, List<InetAddress> lastGood, Membership membership, int failures,
    long familyStaleUntil) {
  /** A host no query has completed for. */
  static final HostState NEW = new HostState(null, null, Membership.EMPTY, 0, Long.MIN_VALUE);

  /** The same state with another answer, lastGood, membership and failure count. */
  HostState with(Answer answer, List<InetAddress> lastGood, Membership membership, int failures) {
    return new HostState(answer, lastGood, membership, failures, familyStaleUntil);
  }
}

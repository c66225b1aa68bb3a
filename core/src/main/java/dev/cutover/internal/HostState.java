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
 */
record HostState(Answer answer, List<InetAddress> lastGood, Membership membership, int failures) {
  /** A host no query has completed for. */
  static final HostState NEW = new HostState(null, null, Membership.EMPTY, 0);
}

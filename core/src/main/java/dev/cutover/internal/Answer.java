package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What the cache holds for one host at one moment: addresses with their deadlines, a negative
 * answer, or a failure. Immutable, replaced as a whole, so a lookup reads one consistent state
 * without locking.
 */
final class Answer {
  enum Kind { POSITIVE, NEGATIVE, FAILED }

  final Kind kind;
  /** Addresses in served order (preferred family first). Empty unless POSITIVE. */
  final List<InetAddress> addresses;
  /** Pre-built rotations of {@link #addresses}, so a lookup picks one without allocating. */
  final List<List<InetAddress>> rotations;
  /**
   * The addresses the host is considered to have: the answer's, plus, with an address retention,
   * those seen in earlier answers within it. Changes are reported on this set.
   */
  final List<InetAddress> retained;
  final Set<InetAddress> retainedSet;
  /** When the background refresh (or the next retry after a failure) is due. */
  final long refreshAt;
  /** When the TTL (or negative TTL) runs out. For FAILED, when a blocking lookup may try again. */
  final long expiresAt;
  /** POSITIVE only: serving is allowed until here, however long DNS stays unreachable. */
  final long staleUntil;
  /** Why the last renewal failed; non-null only while serving a POSITIVE answer stale. */
  final Throwable staleCause;
  /** For NEGATIVE and FAILED: the outcome and what to tell the caller. */
  final QueryOutcome outcome;
  final String detail;
  final Throwable cause;

  private Answer(
      Kind kind, List<InetAddress> addresses, List<InetAddress> retained, long refreshAt,
      long expiresAt, long staleUntil, Throwable staleCause, QueryOutcome outcome, String detail,
      Throwable cause) {
    this.kind = kind;
    this.addresses = addresses;
    this.rotations = rotations(addresses);
    this.retained = retained;
    this.retainedSet = Set.copyOf(retained);
    this.refreshAt = refreshAt;
    this.expiresAt = expiresAt;
    this.staleUntil = staleUntil;
    this.staleCause = staleCause;
    this.outcome = outcome;
    this.detail = detail;
    this.cause = cause;
  }

  static Answer positive(List<InetAddress> addresses, List<InetAddress> retained,
      long refreshAt, long expiresAt, long staleUntil) {
    return new Answer(Kind.POSITIVE, List.copyOf(addresses), List.copyOf(retained), refreshAt,
        expiresAt, staleUntil, null, QueryOutcome.SUCCESS, null, null);
  }

  /** The same addresses and deadlines, now known to be unrenewable for the time being. */
  Answer stale(Throwable why, long retryAt) {
    return new Answer(Kind.POSITIVE, addresses, retained, retryAt, expiresAt, staleUntil, why,
        QueryOutcome.SUCCESS, null, null);
  }

  static Answer negative(QueryOutcome outcome, String detail, long expiresAt) {
    return new Answer(Kind.NEGATIVE, List.of(), List.of(), expiresAt, expiresAt, expiresAt, null,
        outcome, detail, null);
  }

  static Answer failed(String detail, Throwable cause, long retryAt) {
    return new Answer(Kind.FAILED, List.of(), List.of(), retryAt, retryAt, retryAt, null,
        QueryOutcome.FAILURE, detail, cause);
  }

  /**
   * One rotation of the addresses, chosen at random per call so that new connections spread
   * over every address of the preferred family. Random rather than round-robin: a shared counter
   * would be a write every thread contends for.
   */
  List<InetAddress> pick() {
    int n = rotations.size();
    return n == 1 ? rotations.get(0) : rotations.get(ThreadLocalRandom.current().nextInt(n));
  }

  UnknownHostException toException(String host) {
    UnknownHostException exception = new UnknownHostException(host + ": " + detail);
    if (cause != null) {
      exception.initCause(cause);
    }
    return exception;
  }

  /** Rotates within the leading family only, so the preferred family always comes first. */
  private static List<List<InetAddress>> rotations(List<InetAddress> addresses) {
    if (addresses.size() < 2) {
      return List.of(addresses);
    }
    Class<?> family = addresses.get(0).getClass();
    int leading = 0;
    while (leading < addresses.size() && addresses.get(leading).getClass() == family) {
      leading++;
    }
    List<List<InetAddress>> result = new ArrayList<>(leading);
    for (int shift = 0; shift < leading; shift++) {
      List<InetAddress> rotated = new ArrayList<>(addresses.size());
      for (int i = 0; i < leading; i++) {
        rotated.add(addresses.get((i + shift) % leading));
      }
      rotated.addAll(addresses.subList(leading, addresses.size()));
      result.add(List.copyOf(rotated));
    }
    return List.copyOf(result);
  }
}

package dev.cutover.internal;

import dev.cutover.QueryOutcome;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
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
  /**
   * The host's members (see {@link Membership}), the preferred family first: the latest answer's
   * addresses, then those that left it but still count as the host's. Changes are reported on
   * this set. Empty unless POSITIVE.
   */
  final List<InetAddress> addresses;
  final Set<InetAddress> addressSet;
  /**
   * Rotations of {@link #addresses}, one per member of the preferred family, each starting with
   * that member, so a lookup picks one without allocating. Each is a view over one shared array
   * that reads it from an offset: n members cost n small views, not n copies of n addresses.
   */
  final List<List<InetAddress>> rotations;
  /**
   * Cumulative presence of the preferred family's members, for a pick that follows how often DNS
   * names each (a weighted record's weights); null when they all weigh the same.
   */
  private final double[] cumulative;
  /** The membership the addresses came from; kept to apply failure reports to. */
  final Membership membership;
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
      Kind kind, Membership membership, long refreshAt, long expiresAt, long staleUntil,
      Throwable staleCause, QueryOutcome outcome, String detail, Throwable cause) {
    this.kind = kind;
    this.membership = membership;
    Ordered ordered = Ordered.of(membership.members(), membership.presence());
    this.rotations = rotations(ordered.addresses, ordered.leading);
    this.addresses = rotations.get(0);
    this.addressSet = Set.copyOf(addresses);
    this.cumulative = cumulative(ordered.presence, ordered.leading);
    this.refreshAt = refreshAt;
    this.expiresAt = expiresAt;
    this.staleUntil = staleUntil;
    this.staleCause = staleCause;
    this.outcome = outcome;
    this.detail = detail;
    this.cause = cause;
  }

  /** A positive answer: the members of {@code membership}, which must have at least one. */
  static Answer positive(Membership membership, long refreshAt, long expiresAt,
      long staleUntil) {
    return new Answer(Kind.POSITIVE, membership, refreshAt, expiresAt, staleUntil, null,
        QueryOutcome.SUCCESS, null, null);
  }

  /** The same addresses and deadlines, now known to be unrenewable for the time being. */
  Answer stale(Throwable why, long retryAt) {
    return new Answer(Kind.POSITIVE, membership, retryAt, expiresAt, staleUntil, why,
        QueryOutcome.SUCCESS, null, null);
  }

  /** The same deadlines over other members (after a failure report removed one). */
  Answer withMembership(Membership next) {
    return new Answer(kind, next, refreshAt, expiresAt, staleUntil, staleCause, outcome, detail,
        cause);
  }

  static Answer negative(QueryOutcome outcome, String detail, long expiresAt) {
    return new Answer(Kind.NEGATIVE, Membership.EMPTY, expiresAt, expiresAt, expiresAt, null,
        outcome, detail, null);
  }

  /**
   * A failure with nothing to serve: retried in the background at {@code retryAt} (the
   * back-off), and by a lookup from {@code lookupRetryAt} on.
   */
  static Answer failed(String detail, Throwable cause, long retryAt, long lookupRetryAt) {
    return new Answer(Kind.FAILED, Membership.EMPTY, retryAt, lookupRetryAt, lookupRetryAt, null,
        QueryOutcome.FAILURE, detail, cause);
  }

  /**
   * One rotation of the addresses, chosen at random per call so that new connections spread
   * over every member of the preferred family, each as often as DNS names it: evenly for a
   * stable answer, by weight for a weighted record, over the whole pool for one that rotates
   * (OkHttp connects to the first address it is given). Random rather than round-robin: a shared
   * counter would be a write every thread contends for.
   */
  List<InetAddress> pick() {
    int n = rotations.size();
    if (n == 1) {
      return rotations.get(0);
    }
    if (cumulative == null) {
      return rotations.get(ThreadLocalRandom.current().nextInt(n));
    }
    double target = ThreadLocalRandom.current().nextDouble() * cumulative[n - 1];
    for (int i = 0; i < n - 1; i++) {
      if (target < cumulative[i]) {
        return rotations.get(i);
      }
    }
    return rotations.get(n - 1);
  }

  UnknownHostException toException(String host) {
    UnknownHostException exception = new UnknownHostException(host + ": " + detail);
    if (cause != null) {
      exception.initCause(cause);
    }
    return exception;
  }

  /** Rotates within the leading family only, so the preferred family always comes first. */
  private static List<List<InetAddress>> rotations(InetAddress[] addresses, int leading) {
    if (addresses.length < 2 || leading < 2) {
      return List.of(List.of(addresses)); // nothing to rotate: the members as they are
    }
    Rotation[] result = new Rotation[leading];
    for (int shift = 0; shift < leading; shift++) {
      result[shift] = new Rotation(addresses, leading, shift);
    }
    return List.of(result);
  }

  /**
   * The members read from an offset within the leading family, the rest as they are. Immutable
   * (the array is never written after construction and never leaves this class).
   */
  static final class Rotation extends AbstractList<InetAddress> implements RandomAccess {
    /** Shared by every rotation of one answer. */
    final InetAddress[] items;
    private final int leading;
    private final int shift;

    Rotation(InetAddress[] items, int leading, int shift) {
      this.items = items;
      this.leading = leading;
      this.shift = shift;
    }

    @Override
    public InetAddress get(int index) {
      Objects.checkIndex(index, items.length);
      if (index >= leading) {
        return items[index];
      }
      int rotated = index + shift;
      return items[rotated < leading ? rotated : rotated - leading];
    }

    @Override
    public int size() {
      return items.length;
    }
  }

  private static double[] cumulative(double[] presence, int leading) {
    if (leading < 2) {
      return null;
    }
    boolean even = true;
    for (int i = 1; i < leading; i++) {
      even &= presence[i] == presence[0];
    }
    if (even) {
      return null;
    }
    double[] result = new double[leading];
    double sum = 0;
    for (int i = 0; i < leading; i++) {
      sum += presence[i];
      result[i] = sum;
    }
    return result;
  }

  /**
   * The members with the preferred family (that of the latest answer's first address) first, in
   * their order, and each one's presence alongside.
   */
  private record Ordered(InetAddress[] addresses, double[] presence, int leading) {
    static Ordered of(List<InetAddress> members, double[] presence) {
      if (members.isEmpty()) {
        return new Ordered(new InetAddress[0], presence, 0);
      }
      Class<?> family = members.get(0).getClass();
      InetAddress[] ordered = new InetAddress[members.size()];
      double[] weights = new double[members.size()];
      int next = 0;
      int leading = 0;
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < members.size(); i++) {
          InetAddress address = members.get(i);
          if ((address.getClass() == family) == (pass == 0)) {
            weights[next] = presence[i];
            ordered[next++] = address;
          }
        }
        if (pass == 0) {
          leading = next;
        }
      }
      return new Ordered(ordered, weights, leading);
    }
  }
}

package dev.cutover.internal;

import dev.cutover.AddressChange;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.xbill.DNS.Type;

/**
 * Decides what a host's state becomes when one of its queries completes, and what that means to
 * the world outside: an address change to report, stale serving starting or ending. Pure: no
 * clock, no logging, no listeners; the {@link HostCache} reads the clock, applies the result,
 * logs and notifies. Thread-safe.
 */
final class Transitions {
  /** Something worth a log line that the state change alone does not say. */
  enum Notice {
    NONE,
    /** DNS failed and the last good answer is now served past its TTL. */
    STALE_STARTED,
    /** DNS answers again after a stale period. */
    STALE_ENDED,
    /** A name that had addresses is now NXDOMAIN or NODATA; open connections are kept. */
    NAME_GONE
  }

  /**
   * The result of one completed query.
   *
   * @param state the host's new state
   * @param change the change of the host's address set, or null if there is none to report
   * @param notice what else happened
   */
  record Transition(HostState state, AddressChange change, Notice notice) {}

  private final long minTtlNanos;
  private final long maxTtlNanos;
  private final long negativeTtlNanos;
  private final long maxStaleNanos;
  /** For the back-off jitter; injectable so that tests can pin it. */
  private final RandomGenerator random;
  /** A host before its first answer, its membership sized to maxAddresses. */
  private final HostState initial;

  Transitions(CacheSettings settings, RandomGenerator random) {
    this.initial = new HostState(null, null, Membership.empty(settings.maxAddresses()), 0,
        Long.MIN_VALUE);
    this.minTtlNanos = settings.minTtl().toNanos();
    this.maxTtlNanos = settings.maxTtl().toNanos();
    this.negativeTtlNanos = settings.negativeTtl().toNanos();
    this.maxStaleNanos = settings.maxStale().toNanos();
    this.random = random;
  }

  /** The state of a host no query has completed for. */
  HostState initialState() {
    return initial;
  }

  /** The next state of {@code host} after {@code result} arrived at ticker time {@code now}. */
  Transition afterQuery(String host, HostState previous, Resolution result, long now) {
    switch (result.outcome()) {
      case SUCCESS:
        return afterSuccess(host, previous, result, now);
      case NXDOMAIN:
      case NO_DATA: {
        Answer next = Answer.negative(result.outcome(), result.detail(), now + negativeTtlNanos);
        Answer before = previous.answer();
        boolean gone = previous.lastGood() != null && before != null
            && before.kind == Answer.Kind.POSITIVE;
        return new Transition(
            previous.with(next, previous.lastGood(), previous.membership(), 0), null,
            gone ? Notice.NAME_GONE : Notice.NONE);
      }
      default:
        return afterFailure(previous, result, now);
    }
  }

  private Transition afterSuccess(String host, HostState previous, Resolution result, long now) {
    long ttl = clampTtl(result.ttlSeconds());
    long staleUntil = now + ttl + maxStaleNanos;
    List<InetAddress> observed = result.addresses();
    long familyStaleUntil = staleUntil;
    if (result.failedType() != 0) {
      // One family answered, the other failed: the failure says nothing about the failed
      // family's addresses, so they are taken as unchanged (for as long as a stale answer would
      // be served) rather than as gone, which would drain their connections for nothing.
      familyStaleUntil = previous.familyStaleUntil();
      if (familyStaleUntil != Long.MIN_VALUE && now - familyStaleUntil < 0) {
        observed = withCarried(observed, previous.membership().latest(), result.failedType());
      }
    }
    // Not the answer alone: an address missing from one answer of a rotating or weighted record
    // is still the host's until the membership says otherwise.
    Membership membership = previous.membership().after(observed);
    Answer next = Answer.positive(membership, now + ttl - ttl / 5, now + ttl, staleUntil);
    AddressChange change = changeOf(host, previous.lastGood(), next);
    Answer before = previous.answer();
    Notice notice = before != null && before.staleCause != null ? Notice.STALE_ENDED : Notice.NONE;
    return new Transition(new HostState(next, next.addresses, membership, 0, familyStaleUntil),
        change, notice);
  }

  /**
   * The answered addresses plus the previous answer's addresses of the family that failed, the
   * families in the previous answer's order.
   */
  private static List<InetAddress> withCarried(List<InetAddress> answered,
      List<InetAddress> previous, int failedType) {
    Class<? extends InetAddress> family =
        failedType == Type.AAAA ? Inet6Address.class : Inet4Address.class;
    List<InetAddress> carried = new ArrayList<>();
    for (InetAddress address : previous) {
      if (family.isInstance(address)) {
        carried.add(address);
      }
    }
    if (carried.isEmpty()) {
      return answered;
    }
    List<InetAddress> merged = new ArrayList<>(answered.size() + carried.size());
    boolean carriedFirst = family.isInstance(previous.get(0));
    merged.addAll(carriedFirst ? carried : answered);
    merged.addAll(carriedFirst ? answered : carried);
    return merged;
  }

  /**
   * The state after a report that reaching {@code address} failed, or null if nothing changes:
   * the address leaves the host only if DNS has stopped naming it, or is marked so that the next
   * answer decides (see {@link Membership#afterFailure}); only while a positive answer is served.
   */
  Transition afterFailureReport(String host, HostState previous, InetAddress address) {
    Answer before = previous.answer();
    if (before == null || before.kind != Answer.Kind.POSITIVE) {
      return null;
    }
    Membership membership = previous.membership().afterFailure(address);
    if (membership == previous.membership() || membership.members().isEmpty()) {
      return null;
    }
    if (membership.members().equals(previous.membership().members())) {
      // Only marked: what is served does not change.
      return new Transition(previous.with(before, previous.lastGood(), membership,
          previous.failures()), null, Notice.NONE);
    }
    Answer next = before.withMembership(membership);
    return new Transition(
        previous.with(next, next.addresses, membership, previous.failures()),
        changeOf(host, previous.lastGood(), next), Notice.NONE);
  }

  private static AddressChange changeOf(String host, List<InetAddress> lastGood, Answer next) {
    return lastGood != null && !next.addressSet.equals(Set.copyOf(lastGood))
        ? new AddressChange(host, lastGood, next.addresses) : null;
  }

  private Transition afterFailure(HostState previous, Resolution result, long now) {
    int failures = previous.failures() + 1;
    long retryAt = now + backoffNanos(failures);
    Answer before = previous.answer();
    Answer next;
    Notice notice = Notice.NONE;
    if (before != null && before.kind == Answer.Kind.POSITIVE && now < before.staleUntil) {
      next = before.stale(
          result.cause() != null ? result.cause() : new IOException(result.detail()), retryAt);
      if (before.staleCause == null) {
        notice = Notice.STALE_STARTED;
      }
    } else {
      String detail = "DNS lookup failed: " + result.detail();
      if (before != null && before.kind == Answer.Kind.POSITIVE) {
        detail += "; the last good answer " + before.addresses + " expired "
            + TimeUnit.NANOSECONDS.toSeconds(now - before.expiresAt)
            + " s ago, beyond maxStale of " + TimeUnit.NANOSECONDS.toSeconds(maxStaleNanos)
            + " s";
      }
      // Nothing to serve: a lookup may ask again after minTtl however long the back-off has
      // grown, so a name whose first lookups failed answers within minTtl of DNS coming back.
      next = Answer.failed(detail, result.cause(), retryAt, now + minTtlNanos);
    }
    return new Transition(
        previous.with(next, previous.lastGood(), previous.membership(), failures), null, notice);
  }

  /** The answer a completion gets when deciding it threw: retried after minTtl, nothing else. */
  HostState afterBug(HostState previous, RuntimeException bug, long now) {
    return previous.with(
        Answer.failed("internal error: " + bug, bug, now + minTtlNanos, now + minTtlNanos),
        previous.lastGood(), previous.membership(), previous.failures());
  }

  /** A record's TTL in nanoseconds, clamped to [minTtl, maxTtl]. */
  long clampTtl(long ttlSeconds) {
    long nanos = ttlSeconds >= TimeUnit.NANOSECONDS.toSeconds(Long.MAX_VALUE) / 2
        ? Long.MAX_VALUE / 4 : TimeUnit.SECONDS.toNanos(ttlSeconds);
    return Math.max(minTtlNanos, Math.min(maxTtlNanos, nanos));
  }

  /** minTtl, doubling per consecutive failure up to maxTtl, with 20% jitter either way. */
  long backoffNanos(int failures) {
    int doublings = Math.min(Math.max(failures - 1, 0), 62);
    // Compared before shifting: a long minTtl shifted left would wrap into a negative wait.
    long capped = minTtlNanos > (maxTtlNanos >> doublings)
        ? maxTtlNanos : Math.min(minTtlNanos << doublings, maxTtlNanos);
    double jitter = 0.8 + 0.4 * random.nextDouble();
    return Math.max(1, (long) (capped * jitter));
  }

  long maxStaleNanos() {
    return maxStaleNanos;
  }
}

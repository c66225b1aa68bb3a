package dev.cutover.internal;

import dev.cutover.AddressChange;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

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
  private final long addressRetentionNanos;
  /** For the back-off jitter; injectable so that tests can pin it. */
  private final RandomGenerator random;

  Transitions(CacheSettings settings, RandomGenerator random) {
    this.minTtlNanos = settings.minTtl().toNanos();
    this.maxTtlNanos = settings.maxTtl().toNanos();
    this.negativeTtlNanos = settings.negativeTtl().toNanos();
    this.maxStaleNanos = settings.maxStale().toNanos();
    this.addressRetentionNanos = settings.addressRetention().toNanos();
    this.random = random;
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
        return new Transition(new HostState(next, previous.lastGood(), previous.seen(), 0), null,
            gone ? Notice.NAME_GONE : Notice.NONE);
      }
      default:
        return afterFailure(previous, result, now);
    }
  }

  private Transition afterSuccess(String host, HostState previous, Resolution result, long now) {
    long ttl = clampTtl(result.ttlSeconds());
    AddressHistory seen = previous.seen();
    List<InetAddress> retained = result.addresses();
    if (addressRetentionNanos > 0) {
      // A weighted record that answers one address per query would otherwise look like a change
      // at every refresh.
      seen = seen.after(result.addresses(), now, addressRetentionNanos);
      retained = seen.retained(result.addresses());
    }
    Answer next = Answer.positive(result.addresses(), retained, now + ttl - ttl / 5, now + ttl,
        now + ttl + maxStaleNanos);
    List<InetAddress> lastGood = previous.lastGood();
    AddressChange change = lastGood != null && !next.retainedSet.equals(Set.copyOf(lastGood))
        ? new AddressChange(host, lastGood, next.retained) : null;
    Answer before = previous.answer();
    Notice notice = before != null && before.staleCause != null ? Notice.STALE_ENDED : Notice.NONE;
    return new Transition(new HostState(next, next.retained, seen, 0), change, notice);
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
      next = Answer.failed(detail, result.cause(), retryAt);
    }
    return new Transition(
        new HostState(next, previous.lastGood(), previous.seen(), failures), null, notice);
  }

  /** The answer a completion gets when deciding it threw: retried after minTtl, nothing else. */
  HostState afterBug(HostState previous, RuntimeException bug, long now) {
    return new HostState(Answer.failed("internal error: " + bug, bug, now + minTtlNanos),
        previous.lastGood(), previous.seen(), previous.failures());
  }

  /** A record's TTL in nanoseconds, clamped to [minTtl, maxTtl]. */
  long clampTtl(long ttlSeconds) {
    long nanos = ttlSeconds >= TimeUnit.NANOSECONDS.toSeconds(Long.MAX_VALUE) / 2
        ? Long.MAX_VALUE / 4 : TimeUnit.SECONDS.toNanos(ttlSeconds);
    return Math.max(minTtlNanos, Math.min(maxTtlNanos, nanos));
  }

  /** minTtl, doubling per consecutive failure up to maxTtl, with 20% jitter either way. */
  long backoffNanos(int failures) {
    long base = minTtlNanos << Math.min(failures - 1, 20);
    long capped = base <= 0 ? maxTtlNanos : Math.min(base, maxTtlNanos);
    double jitter = 0.8 + 0.4 * random.nextDouble();
    return Math.max(1, (long) (capped * jitter));
  }

  long maxStaleNanos() {
    return maxStaleNanos;
  }
}

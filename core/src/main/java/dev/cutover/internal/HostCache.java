package dev.cutover.internal;

import dev.cutover.AddressChange;
import dev.cutover.ResolverListener;
import dev.cutover.Ticker;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The resolver's cache: one entry per host, refreshed ahead of expiry on the resolver's thread,
 * so that after the first lookup callers never wait for DNS.
 *
 * <p>Reads are lock-free: an entry's state is one immutable {@link Answer} behind a volatile
 * field. Writes happen only when a query completes, and at most one query per host is in flight
 * at a time, which is what makes a thousand concurrent lookups of an expired name cost one query.
 */
final class HostCache implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.cutover.CutoverResolver");
  /** How often lastUsed is rewritten at most; saves a shared write on every cache hit. */
  private static final long TOUCH_GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How often idle names are dropped and due refreshes started. */
  private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final DnsClient client;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final long minTtlNanos;
  private final long maxTtlNanos;
  private final long negativeTtlNanos;
  private final long maxStaleNanos;
  private final long idleTimeoutNanos;
  private final long addressRetentionNanos;
  private final int maxHosts;
  private final long waitBudgetNanos;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final List<ResolverListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  HostCache(DnsClient client, CacheSettings settings, Ticker ticker,
      ScheduledExecutorService scheduler) {
    this.client = client;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.minTtlNanos = settings.minTtl().toNanos();
    this.maxTtlNanos = settings.maxTtl().toNanos();
    this.negativeTtlNanos = settings.negativeTtl().toNanos();
    this.maxStaleNanos = settings.maxStale().toNanos();
    this.idleTimeoutNanos = settings.idleTimeout().toNanos();
    this.addressRetentionNanos = settings.addressRetention().toNanos();
    this.maxHosts = settings.maxHosts();
    this.waitBudgetNanos = client.worstCaseNanos() + TimeUnit.SECONDS.toNanos(1);
    scheduler.scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL_NANOS, SWEEP_INTERVAL_NANOS,
        TimeUnit.NANOSECONDS);
  }

  void addListener(ResolverListener listener) {
    listeners.add(listener);
  }

  void removeListener(ResolverListener listener) {
    listeners.remove(listener);
  }

  /**
   * Returns the addresses of a cached host without validation, or null if the host is not cached
   * in a servable state (the caller then takes the slow path). This is the hot path.
   */
  List<InetAddress> lookupCached(String host) {
    Entry entry = entries.get(host);
    if (entry == null) {
      return null;
    }
    long now = ticker.read();
    entry.touch(now);
    Answer answer = entry.answer;
    if (answer == null || answer.kind != Answer.Kind.POSITIVE) {
      return null;
    }
    if (now < answer.refreshAt && now < answer.expiresAt) {
      return answer.pick();
    }
    if (now >= answer.refreshAt) {
      startQuery(entry);
    }
    if (now < answer.expiresAt) {
      return answer.pick();
    }
    if (now < answer.staleUntil) {
      List<InetAddress> served = answer.pick();
      if (answer.staleCause != null) {
        notifyStale(entry.host, served, answer.staleCause);
      }
      return served;
    }
    return null;
  }

  /** The slow path: creates the entry if needed and waits for DNS when nothing can be served. */
  List<InetAddress> lookup(String normalizedHost) throws UnknownHostException {
    ensureOpen();
    List<InetAddress> cached = lookupCached(normalizedHost);
    if (cached != null) {
      return cached;
    }
    Entry entry = entryFor(normalizedHost);
    Answer answer = entry.answer;
    long now = ticker.read();
    if (answer != null) {
      if (answer.kind == Answer.Kind.POSITIVE && now < answer.staleUntil) {
        return answer.pick();
      }
      if (answer.kind != Answer.Kind.POSITIVE && now < answer.expiresAt) {
        throw answer.toException(entry.host);
      }
    }
    Answer fresh = await(entry, startQuery(entry));
    if (fresh.kind == Answer.Kind.POSITIVE) {
      return fresh.pick();
    }
    throw fresh.toException(entry.host);
  }

  /**
   * Marks a host as in use without a lookup, so it keeps being refreshed; starts resolving it in
   * the background if it is not tracked. Never blocks.
   */
  void track(String normalizedHost) {
    if (closed || touch(normalizedHost)) {
      return;
    }
    Entry entry = entryFor(normalizedHost);
    if (entry.answer == null) {
      startQuery(entry);
    }
  }

  /** Marks a tracked host as in use; returns false, doing nothing, if it is not tracked. */
  boolean touch(String host) {
    Entry entry = entries.get(host);
    if (entry == null) {
      return false;
    }
    entry.touch(ticker.read());
    return true;
  }

  /** Asks DNS again now, unless this host was queried less than minTtl ago. */
  CompletableFuture<List<InetAddress>> refresh(String normalizedHost) {
    ensureOpen();
    Entry entry = entryFor(normalizedHost);
    entry.touch(ticker.read());
    CompletableFuture<Answer> query = entry.inFlight.get();
    if (query == null) {
      Answer answer = entry.answer;
      long now = ticker.read();
      // Only forced refreshes count against the limit: it exists so that a storm of failure
      // signals cannot become a storm of queries, not to delay the first re-check after a
      // routine lookup.
      if (answer != null && now - entry.lastForcedRefresh < minTtlNanos) {
        query = CompletableFuture.completedFuture(answer);
      } else {
        entry.lastForcedRefresh = now;
        query = startQuery(entry);
      }
    }
    return query.thenApply(answer -> {
      if (answer.kind == Answer.Kind.POSITIVE) {
        return answer.addresses;
      }
      throw new CompletionException(answer.toException(entry.host));
    });
  }

  /** Returns the current addresses of a host without querying, or null if none are known. */
  List<InetAddress> peek(String host) {
    Entry entry = entries.get(host);
    Answer answer = entry == null ? null : entry.answer;
    return answer == null || answer.kind != Answer.Kind.POSITIVE ? null : answer.retained;
  }

  private Entry entryFor(String host) {
    Entry entry = entries.get(host);
    if (entry != null) {
      return entry;
    }
    if (entries.size() >= maxHosts) {
      evictLeastRecentlyUsed();
    }
    return entries.computeIfAbsent(host, key -> new Entry(key, ticker.read()));
  }

  /** Linear, but runs only when a new host arrives at a full cache. */
  private void evictLeastRecentlyUsed() {
    Entry oldest = null;
    for (Entry entry : entries.values()) {
      if (oldest == null || entry.lastUsed - oldest.lastUsed < 0) {
        oldest = entry;
      }
    }
    if (oldest != null) {
      entries.remove(oldest.host, oldest);
      LOG.log(Level.DEBUG, "{0}: no longer tracked, {1} host names is the limit",
          oldest.host, maxHosts);
    }
  }

  private CompletableFuture<Answer> startQuery(Entry entry) {
    while (true) {
      CompletableFuture<Answer> current = entry.inFlight.get();
      if (current != null) {
        return current;
      }
      CompletableFuture<Answer> mine = new CompletableFuture<>();
      if (entry.inFlight.compareAndSet(null, mine)) {
        long started = ticker.read();
        try {
          client.resolve(entry.host).whenCompleteAsync(
              (resolution, error) -> finish(entry, mine, started, resolution, error), scheduler);
        } catch (RejectedExecutionException closedNow) {
          entry.inFlight.set(null);
          mine.completeExceptionally(new IllegalStateException("the resolver is closed"));
        }
        return mine;
      }
    }
  }

  private void finish(
      Entry entry, CompletableFuture<Answer> query, long started, Resolution resolution,
      Throwable error) {
    Resolution result = error != null
        ? Resolution.failure("internal error: " + DnsClient.describe(error), error) : resolution;
    long now = ticker.read();
    AddressChange change = null;
    Answer next;
    try {
      Answer previous = entry.answer;
      switch (result.outcome()) {
        case SUCCESS: {
          long ttl = clampTtl(result.ttlSeconds());
          List<InetAddress> retained = retain(entry, result.addresses(), now);
          next = Answer.positive(result.addresses(), retained, now + ttl - ttl / 5, now + ttl,
              now + ttl + maxStaleNanos);
          if (entry.lastGood != null
              && !next.retainedSet.equals(java.util.Set.copyOf(entry.lastGood))) {
            change = new AddressChange(entry.host, entry.lastGood, next.retained);
          }
          if (previous != null && previous.staleCause != null) {
            LOG.log(Level.INFO, "{0}: DNS answers again, no longer serving stale addresses",
                entry.host);
          }
          entry.lastGood = next.retained;
          entry.failures = 0;
          break;
        }
        case NXDOMAIN:
        case NO_DATA:
          next = Answer.negative(result.outcome(), result.detail(), now + negativeTtlNanos);
          entry.failures = 0;
          if (entry.lastGood != null && previous != null
              && previous.kind == Answer.Kind.POSITIVE) {
            LOG.log(Level.WARNING, "{0}: {1}; new connections to it will fail, existing ones are"
                + " kept", entry.host, result.detail());
          }
          break;
        default: {
          entry.failures++;
          long retryAt = now + backoffNanos(entry.failures);
          if (previous != null && previous.kind == Answer.Kind.POSITIVE
              && now < previous.staleUntil) {
            next = previous.stale(describeCause(result), retryAt);
            if (previous.staleCause == null) {
              LOG.log(Level.WARNING, "{0}: DNS failed ({1}); serving the last good addresses {2}"
                  + " for up to {3} s past their TTL", entry.host, result.detail(),
                  previous.addresses, TimeUnit.NANOSECONDS.toSeconds(maxStaleNanos));
            }
          } else {
            String detail = "DNS lookup failed: " + result.detail();
            if (previous != null && previous.kind == Answer.Kind.POSITIVE) {
              detail += "; the last good answer " + previous.addresses + " expired "
                  + TimeUnit.NANOSECONDS.toSeconds(now - previous.expiresAt)
                  + " s ago, beyond maxStale of " + TimeUnit.NANOSECONDS.toSeconds(maxStaleNanos)
                  + " s";
            }
            next = Answer.failed(detail, result.cause(), retryAt);
          }
          break;
        }
      }
    } catch (RuntimeException bug) {
      next = Answer.failed("internal error: " + bug, bug, now + minTtlNanos);
    }
    entry.answer = next;
    entry.inFlight.set(null);
    Duration elapsed = Duration.ofNanos(now - started);
    for (ResolverListener listener : listeners) {
      try {
        listener.queryCompleted(entry.host, result.outcome(), elapsed);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "listener " + listener + " failed", e);
      }
    }
    if (change != null) {
      LOG.log(Level.INFO, "{0}", change);
      for (ResolverListener listener : listeners) {
        try {
          listener.addressesChanged(change);
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "listener " + listener + " failed", e);
        }
      }
    }
    // Waiters wake only after the listeners ran, so whoever gets this answer can rely on the
    // events for it having been delivered.
    query.complete(next);
  }

  /**
   * The answer's addresses, then those seen in earlier answers within the address retention:
   * a weighted record that answers one address per query would otherwise look like a change
   * at every refresh.
   */
  private List<InetAddress> retain(Entry entry, List<InetAddress> answer, long now) {
    if (addressRetentionNanos <= 0) {
      return answer;
    }
    for (InetAddress address : answer) {
      entry.lastSeen.put(address, now);
    }
    entry.lastSeen.values().removeIf(seen -> now - seen > addressRetentionNanos);
    List<InetAddress> retained = new java.util.ArrayList<>(answer);
    for (InetAddress address : entry.lastSeen.keySet()) {
      if (!retained.contains(address)) {
        retained.add(address);
      }
    }
    return retained;
  }

  private static Throwable describeCause(Resolution result) {
    return result.cause() != null ? result.cause() : new java.io.IOException(result.detail());
  }

  private long clampTtl(long ttlSeconds) {
    long nanos = ttlSeconds >= TimeUnit.NANOSECONDS.toSeconds(Long.MAX_VALUE) / 2
        ? Long.MAX_VALUE / 4 : TimeUnit.SECONDS.toNanos(ttlSeconds);
    return Math.max(minTtlNanos, Math.min(maxTtlNanos, nanos));
  }

  /** minTtl, doubling per consecutive failure up to maxTtl, with 20% jitter either way. */
  private long backoffNanos(int failures) {
    long base = minTtlNanos << Math.min(failures - 1, 20);
    long capped = base <= 0 ? maxTtlNanos : Math.min(base, maxTtlNanos);
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Math.max(1, (long) (capped * jitter));
  }

  private void notifyStale(String host, List<InetAddress> served, Throwable cause) {
    for (ResolverListener listener : listeners) {
      try {
        listener.staleAnswerServed(host, served, cause);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "listener " + listener + " failed", e);
      }
    }
  }

  private Answer await(Entry entry, CompletableFuture<Answer> query) throws UnknownHostException {
    try {
      return query.get(waitBudgetNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw withCause(new UnknownHostException(
          entry.host + ": interrupted while waiting for DNS"), e);
    } catch (ExecutionException e) {
      throw withCause(new UnknownHostException(
          entry.host + ": " + DnsClient.describe(e.getCause())), e.getCause());
    } catch (TimeoutException e) {
      throw withCause(new UnknownHostException(entry.host + ": no answer from DNS within "
          + TimeUnit.NANOSECONDS.toMillis(waitBudgetNanos) + " ms"), e);
    }
  }

  private static UnknownHostException withCause(UnknownHostException e, Throwable cause) {
    e.initCause(cause);
    return e;
  }

  private void sweep() {
    try {
      long now = ticker.read();
      for (Entry entry : entries.values()) {
        if (now - entry.lastUsed > idleTimeoutNanos) {
          entries.remove(entry.host, entry);
          LOG.log(Level.DEBUG, "{0}: unused for {1} s, no longer refreshed", entry.host,
              TimeUnit.NANOSECONDS.toSeconds(idleTimeoutNanos));
          continue;
        }
        Answer answer = entry.answer;
        if (answer != null && now - answer.refreshAt >= 0 && entry.inFlight.get() == null) {
          startQuery(entry);
        }
      }
    } catch (RuntimeException e) {
      // The sweep runs on a fixed delay: an exception would cancel every future sweep.
      LOG.log(Level.ERROR, "refresh sweep failed", e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("this CutoverResolver is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
    for (Entry entry : entries.values()) {
      CompletableFuture<Answer> query = entry.inFlight.get();
      if (query != null) {
        query.completeExceptionally(new IllegalStateException("the resolver was closed"));
      }
    }
    entries.clear();
  }

  /** One tracked host name. */
  private static final class Entry {
    final String host;
    final AtomicReference<CompletableFuture<Answer>> inFlight = new AtomicReference<>();
    volatile Answer answer;
    volatile long lastUsed;
    volatile long lastForcedRefresh;
    /** Only touched while this entry's single query completes, so never concurrently. */
    List<InetAddress> lastGood;
    final Map<InetAddress, Long> lastSeen = new java.util.LinkedHashMap<>();
    int failures;

    Entry(String host, long now) {
      this.host = host;
      this.lastUsed = now;
      this.lastForcedRefresh = now - Long.MAX_VALUE / 2;
    }

    void touch(long now) {
      if (now - lastUsed >= TOUCH_GRANULARITY_NANOS) {
        lastUsed = now;
      }
    }
  }
}

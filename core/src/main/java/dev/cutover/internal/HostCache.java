package dev.cutover.internal;

import dev.cutover.AddressChange;
import dev.cutover.QueryOutcome;
import dev.cutover.ResolverListener;
import dev.cutover.Ticker;
import dev.cutover.internal.Transitions.Notice;
import dev.cutover.internal.Transitions.Transition;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.xbill.DNS.Type;

/**
 * The resolver's cache: one entry per host, refreshed ahead of expiry on the resolver's thread,
 * so that after the first lookup callers never wait for DNS.
 *
 * <p>Reads are lock-free: an entry's state is one immutable {@link HostState} behind a volatile
 * field. Writes happen only when a query completes, and at most one query per host is in flight
 * at a time, which is what makes a thousand concurrent lookups of an expired name cost one query.
 * What a completed query changes is decided by {@link Transitions}; this class applies it, logs
 * and tells the listeners, on listener threads: one host's events in order, and the query's
 * waiters woken after them.
 */
final class HostCache implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.cutover.CutoverResolver");
  /** How often lastUsed is rewritten at most; saves a shared write on every cache hit. */
  private static final long TOUCH_GRANULARITY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** How often idle names are dropped and due refreshes started. */
  private static final long SWEEP_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** At most this many hosts' listeners run at once; a thread ends after a second idle. */
  private static final int LISTENER_THREADS = 8;
  private static final long LISTENER_THREAD_IDLE_SECONDS = 1;
  private static final AtomicInteger LISTENER_IDS = new AtomicInteger();
  /** Back-off jitter, from the calling thread's own generator. */
  private static final RandomGenerator JITTER = () -> ThreadLocalRandom.current().nextLong();

  private final DnsClient client;
  private final Ticker ticker;
  private final ScheduledExecutorService scheduler;
  private final Transitions transitions;
  private final long minTtlNanos;
  private final long idleTimeoutNanos;
  private final int maxHosts;
  private final long waitBudgetNanos;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final ListenerRegistry listeners = new ListenerRegistry();
  /** Where listeners are called: a few threads, so that one slow listener stalls one host. */
  private final ThreadPoolExecutor listenerThreads;
  private volatile boolean closed;

  HostCache(DnsClient client, CacheSettings settings, Ticker ticker,
      ScheduledExecutorService scheduler) {
    this.client = client;
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.transitions = new Transitions(settings, JITTER);
    this.minTtlNanos = settings.minTtl().toNanos();
    this.idleTimeoutNanos = settings.idleTimeout().toNanos();
    this.maxHosts = settings.maxHosts();
    this.waitBudgetNanos = client.worstCaseNanos() + TimeUnit.SECONDS.toNanos(1);
    this.listenerThreads = new ThreadPoolExecutor(LISTENER_THREADS, LISTENER_THREADS,
        LISTENER_THREAD_IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), runnable -> {
          Thread t = new Thread(runnable, "cutover-listeners-" + LISTENER_IDS.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    listenerThreads.allowCoreThreadTimeOut(true);
    scheduler.scheduleWithFixedDelay(this::sweep, SWEEP_INTERVAL_NANOS, SWEEP_INTERVAL_NANOS,
        TimeUnit.NANOSECONDS);
  }

  void addListener(ResolverListener listener) {
    listeners.add(listener);
  }

  void removeListener(ResolverListener listener) {
    listeners.remove(listener);
  }

  int listenerCount() {
    return listeners.size();
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
    Answer answer = entry.state.answer();
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
    Answer answer = entry.state.answer();
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
    if (entry.state.answer() == null) {
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
      Answer answer = entry.state.answer();
      long now = ticker.read();
      // Only forced refreshes count against the limit: it exists so that a storm of failure
      // signals cannot become a storm of queries, not to delay the first re-check after a
      // routine lookup.
      if (answer != null && now - entry.lastForcedRefresh < minTtlNanos) {
        // The current answer, once whatever the resolver's thread has yet to apply (failure
        // reports) is applied and told to listeners: the caller sees their effect.
        CompletableFuture<Answer> current = new CompletableFuture<>();
        try {
          scheduler.execute(() -> deliver(entry, () -> current.complete(entry.state.answer())));
        } catch (RejectedExecutionException closedNow) {
          current.completeExceptionally(new IllegalStateException("the resolver is closed"));
        }
        query = current;
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
    Answer answer = entry == null ? null : entry.state.answer();
    return answer == null || answer.kind != Answer.Kind.POSITIVE ? null : answer.addresses;
  }

  /**
   * Reports that reaching an address of a host failed. Applied on the resolver's thread, in
   * order with query completions (they are the state's only other writer); never blocks.
   */
  void reportFailure(String host, InetAddress address) {
    Entry entry = entries.get(host);
    if (entry == null || closed) {
      return;
    }
    try {
      scheduler.execute(() -> applyFailureReport(entry, address));
    } catch (RejectedExecutionException closedNow) {
      // Closed meanwhile: nothing left to tell.
    }
  }

  private void applyFailureReport(Entry entry, InetAddress address) {
    Transition transition = transitions.afterFailureReport(entry.host, entry.state, address);
    if (transition == null) {
      return;
    }
    entry.state = transition.state();
    AddressChange change = transition.change();
    if (change != null && entries.get(entry.host) == entry) {
      LOG.log(Level.INFO, "{0} (it failed, and DNS no longer names it)", change);
      deliver(entry, () -> fire(listener -> listener.addressesChanged(change)));
    }
  }

  private Entry entryFor(String host) {
    Entry entry = entries.get(host);
    if (entry != null) {
      return entry;
    }
    if (entries.size() >= maxHosts) {
      evictLeastRecentlyUsed();
    }
    return entries.computeIfAbsent(host,
        key -> new Entry(key, ticker.read(), transitions.initialState()));
  }

  /** Linear, but runs only when a new host arrives at a full cache. */
  private void evictLeastRecentlyUsed() {
    Entry oldest = null;
    for (Entry entry : entries.values()) {
      if (oldest == null || entry.lastUsed - oldest.lastUsed < 0) {
        oldest = entry;
      }
    }
    if (oldest != null && entries.remove(oldest.host, oldest)) {
      LOG.log(Level.DEBUG, "{0}: no longer tracked, {1} host names is the limit",
          oldest.host, maxHosts);
      forgotten(oldest);
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
          client.resolve(entry.host, entry.candidate).whenCompleteAsync(
              (resolution, error) -> finish(entry, mine, started, resolution, error), scheduler);
        } catch (RejectedExecutionException closedNow) {
          entry.inFlight.set(null);
          mine.completeExceptionally(new IllegalStateException("the resolver is closed"));
        }
        return mine;
      }
    }
  }

  /** Applies a completed query: the decision is {@link Transitions}', the telling is here. */
  private void finish(
      Entry entry, CompletableFuture<Answer> query, long started, Resolution resolution,
      Throwable error) {
    // At most one query per host is in flight, and this is it; failure reports, the state's only
    // other writer, run on this same thread.
    assert entry.inFlight.get() == query;
    Resolution result = error != null
        ? Resolution.failure("internal error: " + DnsClient.describe(error), error) : resolution;
    long now = ticker.read();
    HostState previous = entry.state;
    Transition transition;
    try {
      transition = transitions.afterQuery(entry.host, previous, result, now);
    } catch (RuntimeException bug) {
      transition = new Transition(transitions.afterBug(previous, bug, now), null, Notice.NONE);
    }
    log(entry.host, previous, result, transition.notice());
    entry.state = transition.state();
    if (result.outcome() != QueryOutcome.FAILURE) {
      // Kept through a failure: the name is still there.
      entry.candidate = (byte) result.candidate();
    }
    Duration elapsed = Duration.ofNanos(now - started);
    String failedType = null;
    if (result.outcome() == QueryOutcome.SUCCESS) {
      failedType = familyOutcome(entry, result);
    }
    AddressChange change = transition.change();
    if (change != null) {
      LOG.log(Level.INFO, "{0}", change);
    }
    Answer answer = transition.state().answer();
    String family = failedType;
    // A host forgotten while its query was out has had its last event (hostForgotten).
    boolean tracked = entries.get(entry.host) == entry;
    // Off this thread, which every query of every host shares: a slow listener holds up its own
    // host's events only. Waiters wake only after the listeners ran, so whoever gets this answer
    // can rely on the events for it having been delivered.
    deliver(entry, () -> {
      if (!tracked) {
        entry.inFlight.set(null);
        query.complete(answer);
        return;
      }
      if (family != null) {
        Throwable cause = result.cause() != null ? result.cause()
            : new IOException(result.detail());
        fire(listener -> listener.addressFamilyFailed(entry.host, family, cause));
      }
      fire(listener -> listener.queryCompleted(entry.host, result.outcome(), elapsed));
      if (change != null) {
        fire(listener -> listener.addressesChanged(change));
      }
      // Only now may the host's next query start: its events come after these.
      entry.inFlight.set(null);
      query.complete(answer);
    });
  }

  /**
   * Runs a host's listener work in order, one task at a time, on the listener threads; at once
   * on this thread when nobody listens and nothing of the host's is queued.
   */
  private void deliver(Entry entry, Runnable task) {
    synchronized (entry) {
      if (entry.events != null || !listeners.isEmpty()) {
        boolean idle = entry.events == null;
        if (idle) {
          entry.events = new Events();
        }
        entry.events.add(task);
        if (!idle) {
          return; // the listener thread at work on this host takes it in turn
        }
        task = null;
      }
    }
    if (task != null) {
      task.run();
      return;
    }
    try {
      listenerThreads.execute(() -> drain(entry));
    } catch (RejectedExecutionException closedNow) {
      // Closed: close() fails whatever still waits.
      synchronized (entry) {
        entry.events = null;
      }
    }
  }

  private static void drain(Entry entry) {
    while (true) {
      Runnable task;
      synchronized (entry) {
        task = entry.events.poll();
        if (task == null) {
          entry.events = null;
          return;
        }
      }
      try {
        task.run();
      } catch (RuntimeException bug) {
        LOG.log(Level.ERROR, "delivering an event of " + entry.host + " failed", bug);
      }
    }
  }

  /**
   * Logs a family that failed while the other answered, and its recovery; returns the failed
   * record type, or null.
   */
  private static String familyOutcome(Entry entry, Resolution result) {
    if (result.failedType() == 0) {
      if (entry.familyFailing) {
        entry.familyFailing = false;
        LOG.log(Level.INFO, "{0}: both address families answer again", entry.host);
      }
      return null;
    }
    String type = Type.string(result.failedType());
    // Many networks fail AAAA queries on every refresh: said once, then at DEBUG.
    LOG.log(entry.familyFailing ? Level.DEBUG : Level.WARNING, "{0}: the {1} query failed ({2});"
        + " serving the other family''s addresses, and the {1} addresses it last had, if any",
        entry.host, type, result.detail());
    entry.familyFailing = true;
    return type;
  }

  private void log(String host, HostState previous, Resolution result, Notice notice) {
    switch (notice) {
      case STALE_ENDED:
        LOG.log(Level.INFO, "{0}: DNS answers again, no longer serving stale addresses", host);
        break;
      case NAME_GONE:
        LOG.log(Level.WARNING, "{0}: {1}; new connections to it will fail, existing ones are"
            + " kept", host, result.detail());
        break;
      case STALE_STARTED:
        LOG.log(Level.WARNING, "{0}: DNS failed ({1}); serving the last good addresses {2}"
            + " for up to {3} s past their TTL", host, result.detail(),
            previous.answer().addresses,
            TimeUnit.NANOSECONDS.toSeconds(transitions.maxStaleNanos()));
        break;
      default:
        break;
    }
  }

  private void fire(Consumer<ResolverListener> event) {
    for (ResolverListener listener : listeners.current()) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "listener " + listener + " failed", e);
      }
    }
  }

  private void notifyStale(String host, List<InetAddress> served, Throwable cause) {
    fire(listener -> listener.staleAnswerServed(host, served, cause));
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
          if (entries.remove(entry.host, entry)) {
            LOG.log(Level.DEBUG, "{0}: unused for {1} s, no longer refreshed", entry.host,
                TimeUnit.NANOSECONDS.toSeconds(idleTimeoutNanos));
            forgotten(entry);
          }
          continue;
        }
        Answer answer = entry.state.answer();
        if (answer != null && now - answer.refreshAt >= 0 && entry.inFlight.get() == null) {
          startQuery(entry);
        }
      }
    } catch (RuntimeException e) {
      // The sweep runs on a fixed delay: an exception would cancel every future sweep.
      LOG.log(Level.ERROR, "refresh sweep failed", e);
    }
  }

  /** Tells listeners, after the host's other events, that it is no longer tracked. */
  private void forgotten(Entry entry) {
    deliver(entry, () -> fire(listener -> listener.hostForgotten(entry.host)));
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
    listenerThreads.shutdownNow();
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
    /**
     * Written only on the resolver's thread: by the completion of the query in {@link
     * #inFlight}, and by failure reports.
     */
    volatile HostState state;
    volatile long lastUsed;
    volatile long lastForcedRefresh;
    /**
     * Which search-list candidate answered last, -1 for none; a byte, as an entry is kept per
     * tracked name. Written only on the resolver's thread.
     */
    volatile byte candidate = -1;
    /** Whether the last resolution had one family fail; only on the resolver's thread. */
    boolean familyFailing;
    /**
     * Listener work for this host, while a listener thread is at it; null otherwise (made only
     * then, as an entry is kept per tracked name). Guarded by this entry.
     */
    Events events;

    Entry(String host, long now, HostState initial) {
      this.host = host;
      this.state = initial;
      this.lastUsed = now;
      this.lastForcedRefresh = now - Long.MAX_VALUE / 2;
    }

    void touch(long now) {
      if (now - lastUsed >= TOUCH_GRANULARITY_NANOS) {
        lastUsed = now;
      }
    }
  }

  /** A host's listener work, oldest first. Guarded by the host's entry. */
  private static final class Events {
    private Node first;
    private Node last;

    void add(Runnable task) {
      Node node = new Node(task);
      if (last == null) {
        first = node;
      } else {
        last.next = node;
      }
      last = node;
    }

    /** The oldest work, removed; null if there is none. */
    Runnable poll() {
      Node node = first;
      if (node == null) {
        return null;
      }
      first = node.next;
      if (first == null) {
        last = null;
      }
      return node.task;
    }

    private static final class Node {
      final Runnable task;
      Node next;

      Node(Runnable task) {
        this.task = task;
      }
    }
  }
}

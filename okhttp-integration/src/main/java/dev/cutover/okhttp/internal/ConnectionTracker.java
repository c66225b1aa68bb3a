package dev.cutover.okhttp.internal;

import dev.cutover.AddressChange;
import dev.cutover.CutoverResolver;
import dev.cutover.ResolverListener;
import dev.cutover.Ticker;
import dev.cutover.okhttp.CutoverListener.DerivedChange;
import dev.cutover.okhttp.CutoverListener.RetireReason;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import kotlin.jvm.functions.Function0;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.Dns;
import okhttp3.Route;

/**
 * Follows every connection the wrapped client uses and retires the ones that should take no new
 * requests: those whose address is no longer one of the host's (see {@link CutoverResolver}), and
 * those past their maximum age. Learns of connections from the call event listener, of DNS
 * changes from the resolver.
 *
 * <p>A 503 or a broken exchange retires nothing by itself: a healthy server sheds load with 503s,
 * and keep-alive connections break. Each is reported to the resolver as a failure of its address
 * and makes it ask DNS again (rate-limited); only if DNS no longer names the address do its
 * connections go, through the change event like any other removal.
 *
 * <p>Connections through a proxy are not tracked: their socket goes to the proxy, which resolves
 * the target itself.
 *
 * <p>A client derived from the wrapped one ({@code newBuilder()}) shares this tracker through its
 * interceptors. If it replaced the event listener, its calls are not counted here: see {@link
 * #adoptUncounted}. If it replaced the {@code Dns}, its connections go where that {@code Dns}
 * says: they are drained on the resolver's changes all the same, but not retired for being absent
 * from the resolver's answer when acquired (the resolver is not what chose them).
 */
final class ConnectionTracker implements ResolverListener {
  private static final System.Logger LOG = System.getLogger("dev.cutover.okhttp");

  private final CutoverResolver resolver;
  private final Retirer retirer;
  private final Quarantine quarantine;
  private final Map<Connection, TrackedConnection> connections = new ConcurrentHashMap<>();
  /**
   * What earlier attempts of a call did, for its later attempts; only on failure paths, removed
   * when the retry interceptor is done with the call and again at callEnd / callFailed.
   */
  private final Map<Call, CallHistory> histories = new ConcurrentHashMap<>();
  /**
   * Where a call's client cannot be asked (see {@link #counts}): the tag this tracker puts on the
   * calls whose acquisitions it hears. Null where the client can be asked.
   */
  private final CountedMark countedMark =
      OkHttpCompat.canTellClientOfCall() || !OkHttpCompat.canTagCalls()
          ? null : new CountedMark(this);
  private volatile int purgeAt = 64;
  /** The wrapped client's own Dns; a connection made under another came from a derived client. */
  private final Dns dns;
  private final AtomicBoolean listenerReplacedReported = new AtomicBoolean();
  private final AtomicBoolean dnsReplacedReported = new AtomicBoolean();

  private final Ticker ticker;
  /** Zero: connections never age out. */
  private final long maxAgeNanos;

  private final Listeners listeners;

  ConnectionTracker(CutoverResolver resolver, Dns dns, Retirer retirer, Quarantine quarantine,
      Ticker ticker, long maxAgeNanos, Listeners listeners) {
    this.listeners = listeners;
    this.dns = dns;
    this.resolver = resolver;
    this.retirer = retirer;
    this.quarantine = quarantine;
    this.ticker = ticker;
    this.maxAgeNanos = maxAgeNanos;
  }

  /**
   * A connection's age limit, jittered by up to 10% either way so that connections made
   * together (after a deploy, at start-up) do not all expire in the same instant.
   */
  private long expiryFor(long now) {
    if (maxAgeNanos <= 0) {
      return Long.MAX_VALUE;
    }
    double jitter = 0.9 + 0.2 * ThreadLocalRandom.current().nextDouble();
    return now + (long) (maxAgeNanos * jitter);
  }

  TrackedConnection get(Connection connection) {
    return connection == null ? null : connections.get(connection);
  }

  /**
   * A call was handed this connection; returns the connection as tracked and counted in use, or
   * null if it is not (through a proxy, or already closed). If Cutover had closed it in the
   * meantime (a drain of a connection its own count said was idle, racing OkHttp's hand-out), the
   * call is marked: nothing can have been sent on it, and whatever the attempt fails with (OkHttp
   * 5 fails at once, setting the closed socket's time-out; the network interceptor refuses the
   * rest) is not a failure of the request. OkHttp 4.12 hands out a pooled connection before its
   * health check and then discards it if closed: marked too, and cleared when the attempt reaches
   * the network on another connection.
   */
  TrackedConnection acquired(Call call, Connection connection) {
    if (countedMark != null) {
      countedMark.putOn(call);
    }
    if (!isDirect(connection)) {
      return null;
    }
    TrackedConnection tracked = connections.get(connection);
    boolean seenBefore = tracked != null;
    if (!seenBefore) {
      tracked = track(connection);
    }
    // The check follows the acquire: from then on Cutover cannot close the connection on its
    // count, so whatever closed it did so before, and is seen here.
    if (!tracked.acquire()) {
      historyFor(call).closedAtAcquire = true;
      return null;
    }
    if (isClosed(connection, tracked, seenBefore)) {
      tracked.markClosed(); // for every call holding it: nothing can be sent on it
      historyFor(call).closedAtAcquire = true;
      return null;
    }
    tracked.confirmOpen();
    inUse(tracked, connection);
    return tracked;
  }

  /**
   * Whether a connection handed to a call is closed. Cutover's own closes show in the tracked
   * state; the socket is asked only where something else may have closed it unseen (on JDK 17 a
   * plain socket's {@code isClosed()} enters a monitor, one of the larger items Cutover added to
   * an HTTP/1.1 request in JFR profiles): a connection that is not tracked, or was not before this
   * call (new, or closed and forgotten since, by Cutover racing OkHttp's hand-out), or whose entry
   * no call has yet found open after taking its count (another call made it a moment ago), one
   * used by a call whose acquisition this tracker did not hear, and any on an OkHttp that hands
   * out connections before their health check ({@link
   * OkHttpCompat#handsOutUncheckedConnections}).
   *
   * @param seenByTracker whether the tracker has followed this connection, and this call's use of
   *     it, since before the call was handed it
   */
  static boolean isClosed(Connection connection, TrackedConnection tracked,
      boolean seenByTracker) {
    if (tracked != null && tracked.isKnownClosed()) {
      return true;
    }
    boolean unseen = tracked == null || !seenByTracker || !tracked.isConfirmedOpen()
        || OkHttpCompat.handsOutUncheckedConnections();
    return unseen && connection.socket().isClosed();
  }

  /**
   * Whether this call's use of its connection is counted: the client that made it creates its
   * event listeners with this tracker's factory, the wrapped client's or one derived from it that
   * kept it, so its acquisitions and releases are heard. A client whose listener was replaced
   * (or a call whose client cannot be told) is not. Asked of the call, not remembered by the
   * tracker, so that a request costs no map entry and a call whose response is never closed
   * leaves nothing here. Where the call's client cannot be asked (OkHttp 5 on the module path
   * exports the package of its {@code RealCall} to its own modules only), the tracker's listener
   * puts a tag on the call when it hears it acquire a connection ({@link CountedMark}), which
   * lives and dies with the call.
   */
  boolean counts(Call call) {
    if (countedMark != null) {
      return countedMark.isOn(call);
    }
    return OkHttpCompat.listenerFactoryOf(call) instanceof CutoverEventListenerFactory factory
        && factory.tracker() == this;
  }

  /**
   * A call this tracker does not count (see {@link #counts}) reached the network interceptor: it
   * runs on a client derived from the wrapped one whose event listener was replaced, and neither
   * its acquisitions nor its releases will be heard. Its connection is tracked all the same, so
   * that it is drained when its address leaves DNS, but for good as uncounted: the count of
   * calls in use is no longer proof that it is idle, so the tracker never closes it on the
   * count. It is retired as the drain mode retires busy connections ({@code Connection: close}
   * on its next request, or the internal mark, which OkHttp acts on with its own list of calls)
   * and closed by OkHttp. Said once, as a WARNING and to the listeners.
   *
   * @return the tracked connection (closed by us, if a drain got to it first: the caller must
   *     refuse it), or null if it is not tracked (through a proxy, or already closed)
   */
  TrackedConnection adoptUncounted(Connection connection) {
    if (!isDirect(connection)) {
      return null;
    }
    report(DerivedChange.EVENT_LISTENER_REPLACED, "A client derived from a Cutover-wrapped"
        + " client (newBuilder()) replaced its event listener, so Cutover cannot see which calls"
        + " hold which connections. Connections whose address leaves DNS are still drained, but"
        + " never closed by Cutover: in PUBLIC_API mode each takes one more request, which"
        + " retires it. To restore it, wrap the derived client again, CutoverOkHttp.wrap(derived,"
        + " resolver) or CutoverOkHttp.builder(derived): your listener is kept, Cutover's put"
        + " back around it, one layer");
    if (connection.socket().isClosed()) {
      return null; // refused by the network interceptor, which checks the socket itself
    }
    TrackedConnection tracked = track(connection);
    if (tracked.markUncounted()) {
      inUse(tracked, connection);
    }
    return tracked;
  }

  /** Whether a connection is tracked at all: not through a proxy, to an address. */
  private static boolean isDirect(Connection connection) {
    Route route = connection.route();
    return route.proxy().type() == Proxy.Type.DIRECT
        && route.socketAddress().getAddress() != null;
  }

  /** The tracked connection, made now if new. Direct connections only. */
  private TrackedConnection track(Connection connection) {
    TrackedConnection tracked = connections.get(connection);
    if (tracked == null) {
      Route route = connection.route();
      String host = route.address().url().host();
      InetAddress address = route.socketAddress().getAddress();
      tracked = connections.computeIfAbsent(connection, c -> {
        long now = ticker.read();
        return new TrackedConnection(c, host, address, expiryFor(now), now);
      });
      if (connections.size() > purgeAt) {
        purge();
      }
    }
    return tracked;
  }

  /** A call now uses this open connection: the checks that keep what it gets current. */
  private void inUse(TrackedConnection tracked, Connection connection) {
    long now = ticker.read();
    if (tracked.hostTouchDue(now)) {
      // Pooled connections mean no lookups; tell the resolver the host is still in use.
      resolver.track(tracked.host);
    }
    if (!tracked.isRetired() && tracked.expiresAt != Long.MAX_VALUE
        && now - tracked.expiresAt >= 0) {
      retire(tracked, RetireReason.MAX_AGE, "it reached its maximum age");
    }
    Dns madeBy = connection.route().address().dns();
    if (madeBy != dns) {
      report(DerivedChange.DNS_REPLACED, "A client derived from a Cutover-wrapped client"
          + " (newBuilder()) replaced its Dns with " + madeBy.getClass().getName() + ": its new"
          + " connections go where that Dns says, not where Cutover's resolver does. They are"
          + " still drained when the resolver sees their address leave DNS. To resolve through"
          + " Cutover again, build the derived client without dns(...), or wrap it again with"
          + " CutoverOkHttp.builder(derived).replaceDns(true)");
      return; // the resolver did not choose this address: its answer says nothing about it
    }
    // Once per connection (and again after the resolver forgot its host): every later change of
    // the host's members reaches addressesChanged, which retires it there. A connection tracked
    // while a change is being told is seen either by this check (the new members were cached
    // first) or by the change's walk over the map (it was in the map first).
    if (!tracked.isRetired() && tracked.takeMembershipCheck()) {
      List<InetAddress> current = resolver.cachedAddresses(tracked.host);
      if (current.isEmpty()) {
        if (!tracked.hostIsLiteral) {
          tracked.membershipUnknown(); // nothing cached to check against yet
        }
      } else if (!current.contains(tracked.address)) {
        // Made before a change this tracker had not seen (or for a host it was not watching).
        retire(tracked, RetireReason.ADDRESS_REMOVED,
            "its address is no longer in the DNS answer");
      }
    }
  }

  /** Once per tracker (the wrapped client and those derived from it) and change. */
  private void report(DerivedChange change, String warning) {
    AtomicBoolean reported = change == DerivedChange.EVENT_LISTENER_REPLACED
        ? listenerReplacedReported : dnsReplacedReported;
    if (!reported.get() && reported.compareAndSet(false, true)) {
      LOG.log(Level.WARNING, warning);
      listeners.fire(l -> l.derivedClientChanged(change));
    }
  }

  /**
   * A call let go of this connection. {@code acquiredAs} is what {@link #acquired} returned for
   * the call's latest acquire, or null: a call releases the connection it acquired last, so the
   * map is asked only if that is not this one. The lookup is the costly part of a release: it
   * hashes OkHttp's connection, whose monitor OkHttp's pool locks from several threads.
   */
  void released(Connection connection, TrackedConnection acquiredAs) {
    TrackedConnection tracked = acquiredAs != null && acquiredAs.connection == connection
        ? acquiredAs : connections.get(connection);
    if (tracked == null) {
      return;
    }
    if (tracked.release() && tracked.isRetired() && retirer.closesOnCount(tracked)) {
      tracked.closeIfIdle();
    }
    // A retired connection leaves at once, as its close is told to listeners; another that
    // OkHttp closed leaves at the next purge. Only a retired one's socket is asked: on JDK 17 a
    // plain socket's isClosed() takes a lock, the largest item Cutover added to an HTTP/1.1
    // request in JFR profiles of the calling thread.
    if (tracked.isKnownClosed() || (tracked.isRetired() && tracked.isClosed())) {
      forget(connection, tracked);
    }
  }

  @Override
  public void addressesChanged(AddressChange change) {
    List<TrackedConnection> drained = new ArrayList<>();
    for (TrackedConnection tracked : connections.values()) {
      if (tracked.host.equals(change.host()) && change.removed().contains(tracked.address)
          && !tracked.isClosed()
          && retire(tracked, RetireReason.ADDRESS_REMOVED, "its address left the DNS answer")) {
        drained.add(tracked);
      }
    }
    if (!drained.isEmpty() || !change.removed().isEmpty()) {
      LOG.log(Level.INFO, "{0}: draining {1} connection(s) to {2}", change.host(),
          drained.size(), literals(change.removed()));
    }
    purge();
  }

  /**
   * The resolver forgot the host (unused, or beyond maxHosts): so does the quarantine, and the
   * host's connections are checked against its members again at their next acquisition, since
   * the first answer after this is not a change the resolver reports.
   */
  @Override
  public void hostForgotten(String host) {
    quarantine.forget(host);
    for (TrackedConnection tracked : connections.values()) {
      if (tracked.host.equals(host)) {
        tracked.membershipUnknown();
      }
    }
  }

  /**
   * A 503 on this connection. Not a cutover by itself: the retry interceptor decides, once DNS
   * has answered, whether the address left (see {@link #addressLeft}).
   */
  void unavailable(Call call, TrackedConnection tracked) {
    historyFor(call).failedOn = tracked;
    askDns(tracked.host, tracked.address);
  }

  /**
   * The exchange broke (reset, unexpected end of stream) after the request may have been sent.
   * On a connection that had carried exchanges before, that is most often a keep-alive the server
   * closed (see {@link BenignFailures}) and asks nothing of DNS.
   */
  void exchangeFailed(Call call, TrackedConnection tracked, IOException failure) {
    if (call.isCanceled()) {
      return;
    }
    historyFor(call).failedOn = tracked;
    if (!BenignFailures.isOnReusedConnection(call, tracked)) {
      askDns(tracked.host, tracked.address);
    }
  }

  /**
   * The request went out and no usable answer came back (a read time-out, an unparseable
   * response). Unlike a broken keep-alive connection, that says nothing benign: DNS is asked
   * whether the address is still the host's, which decides whether the retry interceptor sends
   * a request that may be repeated elsewhere.
   */
  void answerFailed(Call call, TrackedConnection tracked) {
    if (call.isCanceled()) {
      return;
    }
    historyFor(call).failedOn = tracked;
    askDns(tracked.host, tracked.address);
  }

  /**
   * A new connection to this address was refused or timed out: it goes last in the host's
   * answers for a while, so new connections try the others first, and DNS is asked whether it
   * left. A connect that OkHttp ended itself (a cancel, the loser of a fast-fallback race) is no
   * evidence at all.
   */
  void connectFailed(Call call, String host, InetAddress address, IOException failure) {
    if (BenignFailures.isLocallyEndedConnect(call, failure)) {
      return;
    }
    quarantine.add(host, address);
    listeners.fire(l -> l.addressQuarantined(host, address));
    askDns(host, address);
  }

  /**
   * Whether the address this connection goes to is no longer one of the host's, as far as the
   * resolver knows now. Unknown (nothing cached) counts as not left.
   */
  boolean addressLeft(TrackedConnection tracked) {
    List<InetAddress> members = resolver.cachedAddresses(tracked.host);
    return !members.isEmpty() && !members.contains(tracked.address);
  }

  TrackedConnection takeFailedAttempt(Call call) {
    CallHistory history = history(call);
    if (history == null) {
      return null;
    }
    TrackedConnection failedOn = history.failedOn;
    history.failedOn = null;
    return failedOn;
  }

  /**
   * Records that an attempt of a request that may not be replayed may have been processed by the
   * server: from now on no attempt of that request may reach the network (see {@link
   * DrainInterceptor}).
   *
   * @param why the failure after which it may have been, or a stand-in naming the response
   */
  void mayHaveReachedServer(Call call, IOException why) {
    CallHistory history = historyFor(call);
    if (history.reachedServer == null) {
      history.reachedServer = why;
    }
  }

  /**
   * Why an earlier attempt of this call may have been processed by a server, or null if none may
   * have been (or the request may be replayed, which is not recorded).
   */
  IOException reachedServer(Call call) {
    CallHistory history = history(call);
    return history == null ? null : history.reachedServer;
  }

  /**
   * Whether this call was handed a connection Cutover had already closed since the last time an
   * attempt of it reached the network; taking it clears it.
   */
  boolean takeClosedAtAcquire(Call call) {
    CallHistory history = history(call);
    if (history == null || !history.closedAtAcquire) {
      return false;
    }
    history.closedAtAcquire = false;
    return true;
  }

  /** An attempt of this call reached the network on a connection that is open. */
  void reachedNetwork(Call call) {
    CallHistory history = history(call);
    if (history != null) {
      history.closedAtAcquire = false;
    }
  }

  /** Remembers a {@code Retry-After} hidden from OkHttp's own follow-up of a 503. */
  void hideRetryAfter(Call call, String value) {
    historyFor(call).hiddenRetryAfter = value;
  }

  /** The {@code Retry-After} hidden from OkHttp for this call, or null. */
  String hiddenRetryAfter(Call call) {
    CallHistory history = history(call);
    return history == null ? null : history.hiddenRetryAfter;
  }

  /** The call ended (callEnd, callFailed): nothing of it is kept. */
  void callEnded(Call call) {
    forget(call);
  }

  /** Forgets what this call's attempts did; at the end of the call, or of its retry loop. */
  void forget(Call call) {
    if (!histories.isEmpty()) {
      histories.remove(call);
    }
  }

  private CallHistory history(Call call) {
    return histories.isEmpty() ? null : histories.get(call);
  }

  private CallHistory historyFor(Call call) {
    return histories.computeIfAbsent(call, c -> new CallHistory());
  }

  /** Calls with a history kept; for tests that check nothing is left behind. */
  int historiesKept() {
    return histories.size();
  }

  /**
   * Reports the failure to the resolver (which removes the address only if DNS stopped naming
   * it) and asks DNS again, rate-limited per host by the resolver.
   */
  private void askDns(String host, InetAddress address) {
    try {
      resolver.reportFailure(host, address);
      resolver.refresh(host);
    } catch (IllegalStateException closed) {
      // The resolver was closed: there is no DNS to ask; the call fails or succeeds on its own.
    }
  }

  private boolean retire(TrackedConnection tracked, RetireReason reason, String detail) {
    if (!tracked.retire(reason, detail, ticker.read())) {
      return false;
    }
    listeners.fire(l -> l.connectionRetired(tracked.host, tracked.address, reason));
    if (retirer.stopNewExchanges(tracked)) {
      tracked.closeUnreachable();
    } else if (retirer.closesOnCount(tracked)) {
      tracked.closeIfIdle();
    }
    LOG.log(Level.DEBUG, "retired connection {0}: {1}", tracked, detail);
    return true;
  }

  private void purge() {
    for (Map.Entry<Connection, TrackedConnection> entry : connections.entrySet()) {
      if (entry.getValue().isClosed()) {
        forget(entry.getKey(), entry.getValue());
      }
    }
    purgeAt = Math.max(64, connections.size() * 2);
  }

  private void forget(Connection connection, TrackedConnection tracked) {
    if (connections.remove(connection, tracked) && tracked.isRetired()) {
      listeners.fire(l -> l.retiredConnectionClosed(
          tracked.host, tracked.address, tracked.retireReason()));
    }
  }

  /** Tells listeners that a request went to a removed address, and how long after removal. */
  void sentToRetired(TrackedConnection tracked) {
    if (tracked.retireReason() == RetireReason.ADDRESS_REMOVED && !listeners.isEmpty()) {
      java.time.Duration since = java.time.Duration.ofNanos(ticker.read() - tracked.retiredAt());
      listeners.fire(l -> l.requestToRemovedAddress(tracked.host, tracked.address, since));
    }
  }

  Listeners listeners() {
    return listeners;
  }

  /** Connections currently tracked, open or not yet purged; for tests and metrics. */
  List<TrackedConnection> snapshot() {
    return List.copyOf(connections.values());
  }

  /**
   * The tag on a call whose acquisitions a tracker hears, where the call cannot say which client
   * made it (see {@link #counts}). A tag ({@code Call.tag(Class, computeIfAbsent)}, OkHttp 5)
   * rather than a set of calls: OkHttp holds its calls only weakly from the pool, so that a call
   * whose response is never closed is collected and its connection freed; a set would keep such a
   * call, and its connection, for good. Its own {@code computeIfAbsent}, so that tagging allocates
   * nothing of Cutover's.
   */
  private static final class CountedMark implements Function0<CountedMark> {
    private final ConnectionTracker tracker;

    CountedMark(ConnectionTracker tracker) {
      this.tracker = tracker;
    }

    void putOn(Call call) {
      call.tag(CountedMark.class, this);
    }

    boolean isOn(Call call) {
      return call.tag(CountedMark.class) == this;
    }

    @Override
    public CountedMark invoke() {
      return this;
    }

    @Override
    public String toString() {
      return "counted by " + tracker;
    }
  }

  private static String literals(Iterable<InetAddress> addresses) {
    List<String> result = new ArrayList<>();
    for (InetAddress address : addresses) {
      result.add(address.getHostAddress());
    }
    return result.toString();
  }
}

package dev.cutover.okhttp.internal;

import dev.cutover.AddressChange;
import dev.cutover.CutoverListener.RetireReason;
import dev.cutover.CutoverResolver;
import dev.cutover.ResolverListener;
import dev.cutover.Ticker;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.Route;

/**
 * Follows every connection the wrapped client uses and retires the ones that should take no new
 * requests: those whose address left the host's DNS answer, and those that just failed (503,
 * reset). Learns of connections from the call event listener, of DNS changes from the resolver.
 *
 * <p>Connections through a proxy are not tracked: their socket goes to the proxy, which resolves
 * the target itself.
 */
final class ConnectionTracker implements ResolverListener {
  private static final System.Logger LOG = System.getLogger("dev.cutover.okhttp");

  private final CutoverResolver resolver;
  private final Retirer retirer;
  private final Quarantine quarantine;
  private final Map<Connection, TrackedConnection> connections = new ConcurrentHashMap<>();
  /** The connection an attempt failed on, for the retry interceptor; only on failure paths. */
  private final Map<Call, TrackedConnection> failedAttempts = new ConcurrentHashMap<>();
  private volatile int purgeAt = 64;

  private final Ticker ticker;
  /** Zero: connections never age out. */
  private final long maxAgeNanos;

  private final Listeners listeners;

  ConnectionTracker(CutoverResolver resolver, Retirer retirer, Quarantine quarantine,
      Ticker ticker, long maxAgeNanos, Listeners listeners) {
    this.listeners = listeners;
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

  void acquired(Connection connection) {
    Route route = connection.route();
    InetSocketAddress socketAddress = route.socketAddress();
    InetAddress address = socketAddress.getAddress();
    if (route.proxy().type() != Proxy.Type.DIRECT || address == null
        || OkHttpCompat.isClosedOnAcquire(connection)) {
      return;
    }
    String host = route.address().url().host();
    TrackedConnection tracked = connections.get(connection);
    if (tracked == null) {
      tracked = connections.computeIfAbsent(connection,
          c -> new TrackedConnection(c, host, address, expiryFor(ticker.read())));
      if (connections.size() > purgeAt) {
        purge();
      }
    }
    if (!tracked.acquire()) {
      return; // closed by us: the network interceptor refuses it before anything is sent
    }
    // Pooled connections mean no lookups; tell the resolver the host is still in use.
    resolver.track(host);
    if (!tracked.isRetired() && tracked.expiresAt != Long.MAX_VALUE
        && ticker.read() - tracked.expiresAt >= 0) {
      retire(tracked, RetireReason.MAX_AGE, "it reached its maximum age");
    }
    if (!tracked.isRetired()) {
      List<InetAddress> current = resolver.cachedAddresses(host);
      if (!current.isEmpty() && !current.contains(address)) {
        // Made before a change this tracker had not seen (or for a host it was not watching).
        retire(tracked, RetireReason.ADDRESS_REMOVED,
            "its address is no longer in the DNS answer");
      }
    }
  }

  void released(Connection connection) {
    TrackedConnection tracked = connections.get(connection);
    if (tracked == null) {
      return;
    }
    if (tracked.release() && tracked.isRetired() && retirer.closesOnCount(tracked)) {
      tracked.closeIfIdle();
    }
    if (tracked.isClosed()) {
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

  /** A 503 on this connection: retire it, put its address last, and ask DNS again. */
  void unavailable(Call call, TrackedConnection tracked) {
    retire(tracked, RetireReason.UNAVAILABLE, "it answered 503");
    suspect(tracked.host, tracked.address);
    failedAttempts.put(call, tracked);
  }

  /**
   * The exchange broke (reset, unexpected end of stream). Unlike a 503, which one backend may
   * send while others behind the address are fine, a broken connection usually means the address
   * itself is going away: its other connections to this host are retired too, so the retry does
   * not land on one of them.
   */
  void exchangeFailed(Call call, TrackedConnection tracked, IOException failure) {
    retire(tracked, RetireReason.CONNECTION_FAILED, "it failed: " + failure);
    retireAllTo(tracked.host, tracked.address, "another connection to its address failed");
    suspect(tracked.host, tracked.address);
    failedAttempts.put(call, tracked);
  }

  /** A new connection to this address could not be made: the same goes for the others. */
  void connectFailed(String host, InetAddress address) {
    retireAllTo(host, address, "a new connection to its address failed");
    suspect(host, address);
  }

  private void retireAllTo(String host, InetAddress address, String reason) {
    for (TrackedConnection other : connections.values()) {
      if (other.host.equals(host) && other.address.equals(address) && !other.isClosed()) {
        retire(other, RetireReason.CONNECTION_FAILED, reason);
      }
    }
  }

  TrackedConnection takeFailedAttempt(Call call) {
    return failedAttempts.isEmpty() ? null : failedAttempts.remove(call);
  }

  void forget(Call call) {
    if (!failedAttempts.isEmpty()) {
      failedAttempts.remove(call);
    }
  }

  private void suspect(String host, InetAddress address) {
    quarantine.add(host, address);
    listeners.fire(l -> l.addressQuarantined(host, address));
    resolver.refresh(host); // rate-limited per host by the resolver
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

  private static String literals(Iterable<InetAddress> addresses) {
    List<String> result = new ArrayList<>();
    for (InetAddress address : addresses) {
      result.add(address.getHostAddress());
    }
    return result.toString();
  }
}

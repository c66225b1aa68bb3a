package dev.cutover.okhttp.internal;

import dev.cutover.okhttp.CutoverListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Connection;
import okhttp3.Protocol;

/**
 * What the wrapped client knows about one pooled connection: the host it was made for, the
 * address it goes to, how many calls hold it, and whether it has been retired.
 *
 * <p>The in-use count and the "closed" state share one atomic integer so that closing an
 * idle connection and a call acquiring it can never both win: either the close comes first and
 * the call sees {@link #acquire()} return false before it writes a byte, or the acquire comes
 * first and the close waits for the release.
 */
final class TrackedConnection {
  private static final int CLOSED = Integer.MIN_VALUE;
  /**
   * Added to the count, for good, once a call that the tracker does not count (a client derived
   * from the wrapped one, with its event listener replaced) uses the connection: the count can
   * then never fall to zero, so the tracker never closes it on the count.
   */
  private static final int UNCOUNTED = 1 << 30;
  /**
   * How often, at most, a connection's acquisitions tell the resolver that its host is in use:
   * the resolver keeps its last-used time to this grain anyway (HostCache), and its host entry is
   * memory a request would otherwise touch each time.
   */
  static final long HOST_TOUCH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  final Connection connection;
  final String host;
  final InetAddress address;
  /**
   * Whether the URL names the address itself (an IP literal): no DNS answer will ever list it, so
   * its membership is never checked again once found uncached.
   */
  final boolean hostIsLiteral;
  /** When this connection must stop taking requests (ticker time); Long.MAX_VALUE = never. */
  final long expiresAt;
  private final AtomicInteger inUse = new AtomicInteger();
  /**
   * Whether an exchange got a response on this connection. Written once, not counted: a count
   * would be a volatile write on every request, and only "none yet" versus "some" matters.
   */
  private volatile boolean carriedExchange;
  private volatile String retiredBecause;
  private volatile CutoverListener.RetireReason retireReason;
  private volatile long retiredAt;
  /**
   * Whether the address still has to be checked against the host's members when a call acquires
   * the connection: from its first acquisition until a check finds the host cached, and again
   * once the resolver forgot the host (its next first answer is no change it reports). In
   * between, every change of the host's members reaches the tracker as an event.
   */
  private volatile boolean membershipUnchecked = true;
  /**
   * Whether a call found the socket open after taking its count. Until then the entry may be one
   * another call made a moment ago for a connection Cutover had closed and forgotten, and every
   * call asks the socket itself (see {@link ConnectionTracker#isClosed}).
   */
  private volatile boolean confirmedOpen;
  /** Ticker time of the latest "host in use" sent to the resolver; a hint, so not volatile. */
  private long hostTouchedAt;

  TrackedConnection(Connection connection, String host, InetAddress address, long expiresAt,
      long now) {
    this.connection = connection;
    this.host = host;
    this.address = address;
    this.hostIsLiteral = isLiteral(host);
    this.expiresAt = expiresAt;
    this.hostTouchedAt = now - HOST_TOUCH_INTERVAL_NANOS;
  }

  /** IPv6 (a colon) or IPv4 (digits and dots only): a DNS name has a letter in its last label. */
  private static boolean isLiteral(String host) {
    if (host.indexOf(':') >= 0) {
      return true;
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return !host.isEmpty();
  }

  /**
   * Whether the resolver should be told now, at {@code now}, that this connection's host is in
   * use; if so, records that it is being told.
   */
  boolean hostTouchDue(long now) {
    if (now - hostTouchedAt < HOST_TOUCH_INTERVAL_NANOS) {
      return false;
    }
    hostTouchedAt = now;
    return true;
  }

  /**
   * Takes the "membership unchecked" mark, if set: the caller then checks the address against
   * the host's members, and gives the mark back with {@link #membershipUnknown} if the host has
   * none cached yet. Taken before the check, so that a {@link #membershipUnknown} from a forgotten
   * host meanwhile is never lost.
   */
  boolean takeMembershipCheck() {
    if (!membershipUnchecked) {
      return false;
    }
    membershipUnchecked = false;
    return true;
  }

  /** The address has to be checked against the host's members at the next acquisition. */
  void membershipUnknown() {
    membershipUnchecked = true;
  }

  /** Returns false if this connection is known to be closed: the caller must not use it. */
  boolean acquire() {
    while (true) {
      int current = inUse.get();
      if (current == CLOSED) {
        return false;
      }
      if (inUse.compareAndSet(current, current + 1)) {
        return true;
      }
    }
  }

  /**
   * Marks the connection as used by calls the tracker does not count, so that it is never closed
   * on the count again (see {@link #UNCOUNTED}). Returns false if it is known to be closed:
   * the caller must not use it. Atomic with {@link #closeIfIdle}: either the close came first,
   * or no close on the count will ever come.
   */
  boolean markUncounted() {
    while (true) {
      int current = inUse.get();
      if (current == CLOSED) {
        return false;
      }
      if (current >= UNCOUNTED || inUse.compareAndSet(current, current + UNCOUNTED)) {
        return true;
      }
    }
  }

  boolean isUncounted() {
    return inUse.get() >= UNCOUNTED;
  }

  /** Returns true if this release left the connection idle. */
  boolean release() {
    while (true) {
      int current = inUse.get();
      if (current == CLOSED || current == 0) {
        return false;
      }
      if (inUse.compareAndSet(current, current - 1)) {
        return current == 1;
      }
    }
  }

  /** Closes the socket if no call holds the connection. Returns whether it did. */
  boolean closeIfIdle() {
    if (!inUse.compareAndSet(0, CLOSED)) {
      return false;
    }
    closeSocket();
    return true;
  }

  /**
   * Records that the socket was found closed (OkHttp closed it, or Cutover did and forgot the
   * connection since): no call may use it, and none of its releases counts any more.
   */
  void markClosed() {
    inUse.set(CLOSED);
  }

  /** A call found the socket open after taking its count. */
  void confirmOpen() {
    if (!confirmedOpen) {
      confirmedOpen = true;
    }
  }

  boolean isConfirmedOpen() {
    return confirmedOpen;
  }

  /** Closes a connection that is known to be idle and impossible to acquire. */
  void closeUnreachable() {
    inUse.set(CLOSED);
    closeSocket();
  }

  /**
   * Closes an HTTP/1.x connection held only by the calling call, between two of its attempts:
   * HTTP/1.x carries one exchange at a time, so nothing else can be using it.
   */
  boolean closeExclusive() {
    if (isMultiplexed()) {
      return false;
    }
    inUse.set(CLOSED);
    closeSocket();
    return true;
  }

  private void closeSocket() {
    Socket socket = connection.socket();
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing is best effort: the socket is unusable to us either way.
    }
  }

  boolean isKnownClosed() {
    return inUse.get() == CLOSED;
  }

  boolean isClosed() {
    return inUse.get() == CLOSED || connection.socket().isClosed();
  }

  /** Returns true the first time, false if it was already retired. */
  boolean retire(CutoverListener.RetireReason reason, String detail, long now) {
    synchronized (this) {
      if (retiredBecause != null) {
        return false;
      }
      retireReason = reason;
      retiredAt = now;
      retiredBecause = detail;
      return true;
    }
  }

  void exchangeCompleted() {
    if (!carriedExchange) {
      carriedExchange = true;
    }
  }

  /** Whether an exchange on this connection got a response (see {@link BenignFailures}). */
  boolean carriedExchange() {
    return carriedExchange;
  }

  CutoverListener.RetireReason retireReason() {
    return retireReason;
  }

  long retiredAt() {
    return retiredAt;
  }

  boolean isRetired() {
    return retiredBecause != null;
  }

  String retiredBecause() {
    return retiredBecause;
  }

  /** Calls counted on this connection (not those of a client that replaced the listener). */
  int callsInUse() {
    int current = inUse.get();
    return current == CLOSED ? 0 : current % UNCOUNTED;
  }

  boolean isMultiplexed() {
    Protocol protocol = connection.protocol();
    return protocol == Protocol.HTTP_2 || protocol == Protocol.H2_PRIOR_KNOWLEDGE;
  }

  @Override
  public String toString() {
    return host + "/" + address.getHostAddress() + " (" + connection.protocol() + ")";
  }
}

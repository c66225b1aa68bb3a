package dev.cutover.okhttp.internal;

import dev.cutover.okhttp.DrainMode;

/**
 * Stops a busy connection from taking new exchanges. Idle ones are closed by the tracker in
 * either mode; this is only about connections with calls in flight.
 */
abstract class Retirer {

  /** Whether requests on this retired connection must carry {@code Connection: close}. */
  abstract boolean needsCloseHeader(TrackedConnection connection);

  /**
   * Whether the tracker may close a retired connection when its own in-use count (kept from
   * connectionAcquired / connectionReleased events) reaches zero. Those events are delivered
   * outside OkHttp's locks, so on a multiplexed connection the count is not proof enough: only
   * an HTTP/1.x connection, which carries one exchange at a time, is closed that way.
   */
  abstract boolean closesOnCount(TrackedConnection connection);

  /**
   * Stops new exchanges on the connection; in-flight ones are left to finish. Returns true only
   * if the connection is now known to be idle and impossible to acquire, so that closing its
   * socket cannot hit a call; false leaves closing to the tracker's own in-use count.
   */
  abstract boolean stopNewExchanges(TrackedConnection connection);

  static Retirer forMode(DrainMode mode) {
    return mode == DrainMode.OKHTTP_INTERNALS ? Internals.checked() : new PublicApi();
  }

  /**
   * Nothing to do at the time of retirement: the network interceptor adds {@code Connection:
   * close} to the next request on the connection, and OkHttp retires it after that exchange.
   */
  static final class PublicApi extends Retirer {
    @Override
    boolean needsCloseHeader(TrackedConnection connection) {
      return true;
    }

    @Override
    boolean stopNewExchanges(TrackedConnection connection) {
      return false;
    }

    @Override
    boolean closesOnCount(TrackedConnection connection) {
      return !connection.isMultiplexed();
    }
  }

  /**
   * Also marks the connection "no new exchanges" through OkHttp's internals (see {@link
   * OkHttpCompat#markNoNewExchanges}), where this OkHttp allows it.
   */
  static final class Internals extends Retirer {
    static Internals checked() {
      OkHttpCompat.requireNoNewExchanges();
      return new Internals();
    }

    /** Where the internal mark is not used (HTTP/2 on OkHttp 4), the public way applies. */
    @Override
    boolean needsCloseHeader(TrackedConnection connection) {
      return !marks(connection);
    }

    private static boolean marks(TrackedConnection connection) {
      return OkHttpCompat.marksMultiplexed() || !connection.isMultiplexed();
    }

    /** OkHttp closes a marked connection itself when its last call releases it. */
    @Override
    boolean closesOnCount(TrackedConnection connection) {
      return false;
    }

    @Override
    boolean stopNewExchanges(TrackedConnection tracked) {
      return marks(tracked) && OkHttpCompat.markNoNewExchanges(tracked.connection);
    }
  }
}

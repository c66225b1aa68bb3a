package dev.cutover.okhttp.internal;

import dev.cutover.okhttp.DrainMode;
import java.lang.reflect.Method;
import okhttp3.internal.connection.RealConnection;

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
   * Sets RealConnection's "no new exchanges" flag under the connection's monitor, which is the
   * lock OkHttp's pool holds when it hands a connection to a call: from then on no call can
   * acquire it, and OkHttp closes it when its last call releases it.
   *
   * <p>The setter is used rather than {@code noNewExchanges()}: the setter has the same Java
   * signature in OkHttp 4.12 and 5.x, while the method is name-mangled in 4.12 and would fail to
   * link there.
   */
  static final class Internals extends Retirer {
    static Internals checked() {
      try {
        Method setter = RealConnection.class.getMethod("setNoNewExchanges", boolean.class);
        if (setter.getReturnType() != void.class) {
          throw new NoSuchMethodException("setNoNewExchanges returns " + setter.getReturnType());
        }
      } catch (NoSuchMethodException | LinkageError e) {
        throw new IllegalStateException("DrainMode.OKHTTP_INTERNALS is not supported by the OkHttp"
            + " on the class path (" + e + "); use DrainMode.PUBLIC_API", e);
      }
      return new Internals();
    }

    /** Where the internal mark is not used (HTTP/2 on OkHttp 4), the public way applies. */
    @Override
    boolean needsCloseHeader(TrackedConnection connection) {
      return !marks(connection);
    }

    /**
     * On OkHttp 4.12, marking a busy HTTP/2 connection was seen to cancel a stream whose body
     * was still being read (never on 5.x), so there it is left to {@code Connection: close}.
     */
    private static boolean marks(TrackedConnection connection) {
      return ConnectionTracker.DRAIN_MULTIPLEXED_ON_CHANGE || !connection.isMultiplexed();
    }

    /** OkHttp closes a marked connection itself when its last call releases it. */
    @Override
    boolean closesOnCount(TrackedConnection connection) {
      return false;
    }

    @Override
    boolean stopNewExchanges(TrackedConnection tracked) {
      if (!(tracked.connection instanceof RealConnection) || !marks(tracked)) {
        return false;
      }
      RealConnection connection = (RealConnection) tracked.connection;
      synchronized (connection) {
        connection.setNoNewExchanges(true);
        // The pool's own list of calls, read under the lock the pool hands connections out
        // under: if it is empty now, nobody holds the connection and nobody ever will again.
        return connection.getCalls().isEmpty();
      }
    }
  }
}

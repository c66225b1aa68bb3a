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
   * connectionAcquired / connectionReleased events) reaches zero.
   *
   * <p>Those events are delivered outside OkHttp's locks: a call may already hold the connection
   * inside OkHttp when the count says it is idle. That call cannot have sent anything yet (its
   * connectionAcquired comes before its network interceptors run), and {@link
   * TrackedConnection#acquire()} tells it the connection is closed, so the network interceptor
   * refuses it before writing a byte ({@link RetiredConnectionException}) and the retry
   * interceptor sends it again on another connection, as no attempt at all. So a close on the
   * count can never cut an exchange, on HTTP/1.1 or HTTP/2 (RaceTest widens that window).
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
   * Nothing to do to a busy connection at the time of retirement: the network interceptor adds
   * {@code Connection: close} to the next request on it, and OkHttp retires it after that
   * exchange. An idle one, HTTP/2 included, is closed at once, and a busy one once its count of
   * calls falls to zero: an idle HTTP/2 connection left open would be used by the next request,
   * and if its server vanished without closing it (packets dropped), that request would wait for
   * its read time-out.
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
      return true;
    }
  }

  /**
   * Also marks the connection "no new exchanges" through OkHttp's internals (see {@link
   * OkHttpCompat#markNoNewExchanges}), on HTTP/1.x and HTTP/2 alike.
   */
  static final class Internals extends Retirer {
    static Internals checked() {
      OkHttpCompat.requireNoNewExchanges();
      return new Internals();
    }

    @Override
    boolean needsCloseHeader(TrackedConnection connection) {
      return false;
    }

    /** OkHttp closes a marked connection itself when its last call releases it. */
    @Override
    boolean closesOnCount(TrackedConnection connection) {
      return false;
    }

    /**
     * An empty call list is what OkHttp itself trusts to close a marked connection. On OkHttp 5
     * a call leaves the list only once its response is complete, so no stream is open then. On
     * OkHttp 4.12 an HTTP/2 call leaves it once its body delivered its Content-Length bytes,
     * before END_STREAM, so streams may still be open and closing the socket fails their read
     * for end of body; {@link EndOfBodyAtContentLength}, applied to every such response, makes
     * that read end the body, and nothing the caller has not read is lost. That makes the empty
     * list sufficient on 4.12 too (shown by OkHttpHttp2RetireBehaviourTest for plain OkHttp and
     * Http2FlipUnderLoadTest for the wrapped client).
     */
    @Override
    boolean stopNewExchanges(TrackedConnection tracked) {
      return OkHttpCompat.markNoNewExchanges(tracked.connection);
    }
  }
}

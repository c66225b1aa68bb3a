package dev.cutover.okhttp;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolverListener;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Receives everything Cutover does to a client's connections and calls, on top of what the
 * resolver reports: connections retired and why, addresses put last after a failure, requests
 * that still reached a removed address, retries and how they ended, and the retry budget running
 * out.
 *
 * <p>Register it once, with {@link CutoverOkHttp.Builder#listener}: it then receives that
 * client's events and, as a {@link ResolverListener}, its resolver's events too (for every host
 * the resolver tracks). Given to several clients that share a resolver, it receives each resolver
 * event once ({@link CutoverResolver#addListener} counts it rather than adding it again); it is
 * taken off the resolver when the last of those clients is garbage-collected.
 *
 * <p>Every method has an empty default. Methods are called on the threads where things happen
 * (a call's thread, a resolver's listener thread): implementations must be thread-safe and
 * quick, and must not block. Exceptions they throw are logged and otherwise ignored.
 */
public interface CutoverListener extends ResolverListener {

  /**
   * Why a connection was retired. A 503 or a broken connection alone never retires one: only DNS
   * evidence does (its address is no longer among the host's members), or its age.
   */
  enum RetireReason {
    /** Its address is no longer one of the host's (see {@link CutoverResolver}). */
    ADDRESS_REMOVED,
    /** It reached the maximum connection age. */
    MAX_AGE
  }

  /** What made a call try again. */
  enum RetryReason {
    /** The server answered 503. */
    STATUS_503,
    /** The request never left: connection refused, handshake cut off. */
    CONNECT_FAILURE,
    /** The connection broke after the request may have been sent (idempotent requests only). */
    CONNECTION_FAILURE
  }

  /**
   * What a client derived from a wrapped one ({@code wrapped.newBuilder()...build()}) changed
   * that takes part of Cutover away from it. Wrapping the derived client again ({@link
   * CutoverOkHttp#wrap}) puts it back, with one layer ({@code replaceDns(true)} for a replaced
   * {@code Dns}).
   */
  enum DerivedChange {
    /**
     * Its event listener (factory) was replaced, so Cutover no longer sees which call holds which
     * connection. Connections it uses are still drained when their address leaves DNS, but never
     * closed by Cutover: in {@link DrainMode#PUBLIC_API} each takes one more request (which
     * retires it), in {@link DrainMode#OKHTTP_INTERNALS} none, as before.
     */
    EVENT_LISTENER_REPLACED,
    /**
     * Its {@code Dns} was replaced, so new connections go where that {@code Dns} says, not where
     * the resolver does. Connections are still drained when the resolver reports their address
     * gone.
     */
    DNS_REPLACED
  }

  /**
   * A client derived from a wrapped one lost part of Cutover (see {@link DerivedChange}); also
   * logged as a WARNING. Reported once per wrapped client (and the clients derived from it) and
   * change, at the first call that shows it.
   *
   * @param change what was changed
   */
  default void derivedClientChanged(DerivedChange change) {}

  /**
   * A connection will take no new requests; its in-flight ones finish.
   *
   * @param host the host it was made for
   * @param address the address it goes to
   * @param reason why
   */
  default void connectionRetired(String host, InetAddress address, RetireReason reason) {}

  /**
   * A retired connection has been closed (by Cutover or by OkHttp) or found closed.
   *
   * @param host the host it was made for
   * @param address the address it went to
   * @param reason why it had been retired
   */
  default void retiredConnectionClosed(String host, InetAddress address, RetireReason reason) {}

  /**
   * A new connection to an address was refused or timed out: it goes last in the host's answers
   * for a while, so that new connections try the others first.
   *
   * @param host the host
   * @param address the address
   */
  default void addressQuarantined(String host, InetAddress address) {}

  /**
   * A request was sent over a connection whose address had left the DNS answer (at most one per
   * connection on HTTP/1.1: see the drain modes).
   *
   * @param host the host
   * @param address the removed address
   * @param sinceRemoval how long after the removal was processed
   */
  default void requestToRemovedAddress(String host, InetAddress address, Duration sinceRemoval) {}

  /**
   * A call that was retried at least once has finished.
   *
   * @param outcome the host and method, what caused the first retry, how many were made and how
   *     the call ended
   */
  default void retriesCompleted(RetryOutcome outcome) {}

  /**
   * A retry that would otherwise have been made was refused by the retry budget.
   *
   * @param host the host called
   * @param method the HTTP method
   */
  default void retryBudgetExhausted(String host, String method) {}
}

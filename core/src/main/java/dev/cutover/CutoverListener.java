package dev.cutover;

import java.net.InetAddress;
import java.time.Duration;

/**
 * Receives everything Cutover does to a client's connections and calls, on top of what the
 * resolver reports: connections retired and why, addresses put last after a failure, requests
 * that still reached a removed address, retries and how they ended, and the retry budget running
 * out. Register it with the client builder; register it with the resolver too ({@link
 * CutoverResolver#addListener}) to also receive the {@link ResolverListener} events.
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
   * @param host the host called
   * @param method the HTTP method
   * @param reason what caused the first retry
   * @param retries how many retries were made
   * @param succeeded whether the final outcome was a response other than 503
   */
  default void retriesCompleted(
      String host, String method, RetryReason reason, int retries, boolean succeeded) {}

  /**
   * A retry that would otherwise have been made was refused by the retry budget.
   *
   * @param host the host called
   * @param method the HTTP method
   */
  default void retryBudgetExhausted(String host, String method) {}
}

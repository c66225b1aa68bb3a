package dev.cutover;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * Receives what a {@link CutoverResolver} sees happen to the names it tracks.
 *
 * <p>Every method has an empty default, so an implementation overrides only what it needs, and
 * methods added in later versions do not break it.
 *
 * <p>Threading: {@link #addressesChanged}, {@link #queryCompleted}, {@link #addressFamilyFailed}
 * and {@link #hostForgotten} are called on the resolver's listener threads ({@code
 * cutover-listeners-N}, a few, started when needed), never on the thread that sends and receives
 * queries: one host's events one at a time, in the order they happened, and different hosts'
 * events possibly at the same time. A lookup or {@link CutoverResolver#refresh refresh} that
 * waited for DNS returns only after the events of its answer were delivered, so a caller can rely
 * on them; a slow listener therefore delays its own host's waiting callers (and that host's next
 * query), and nothing else. {@link #staleAnswerServed} is called on the thread that asked for the
 * lookup. Implementations must be thread-safe, should return quickly and must not block; an
 * exception thrown by a listener is logged and otherwise ignored.
 */
public interface ResolverListener {

  /**
   * Called when a host's address set changed. Not called for the first resolution of a host, for
   * a change of order only, or for a negative answer (see {@link CutoverResolver}).
   *
   * @param change the host and its addresses before and after
   */
  default void addressesChanged(AddressChange change) {}

  /**
   * Called when one resolution of a host through DNS (all the record types and search domains it
   * needed) has ended. Lookups answered from the cache are not reported.
   *
   * @param host the host name
   * @param outcome how it ended
   * @param elapsed how long it took, by the resolver's ticker
   */
  default void queryCompleted(String host, QueryOutcome outcome, Duration elapsed) {}

  /**
   * Called when a resolution of a host succeeded with one address family while the query for
   * the other failed (time-out, SERVFAIL, REFUSED, or no answer soon after the first family's, as
   * when a middlebox drops AAAA queries). The answered family's addresses are used; the failed
   * family keeps the addresses it last had (for up to {@link CutoverResolver.Builder#maxStale
   * maxStale}), so no address change is reported because of the failure. Called once per such
   * resolution, before {@link #queryCompleted} (whose outcome is then {@link
   * QueryOutcome#SUCCESS}).
   *
   * @param host the host name
   * @param recordType the record type whose query failed: {@code "A"} or {@code "AAAA"}
   * @param cause why it failed
   */
  default void addressFamilyFailed(String host, String recordType, Throwable cause) {}

  /**
   * Called when the resolver stops tracking a host: not looked up (nor {@link
   * CutoverResolver#track tracked}) for {@link CutoverResolver.Builder#idleTimeout idleTimeout},
   * or the least recently used one when a new host arrives at {@link
   * CutoverResolver.Builder#maxHosts maxHosts}. Whatever a listener keeps per host (meters,
   * quarantined addresses) can go with it: nothing more is reported for the host until it is
   * looked up again, which starts it afresh (its first answer is no change). This is the host's
   * last event; not called when the resolver is closed.
   *
   * @param host the host name
   */
  default void hostForgotten(String host) {}

  /**
   * Called when a lookup is answered with addresses whose TTL has run out because DNS could not
   * be reached to renew them (serve-stale, bounded by {@link CutoverResolver.Builder#maxStale}).
   *
   * @param host the host name
   * @param addresses the addresses served
   * @param cause why the renewal failed
   */
  default void staleAnswerServed(String host, List<InetAddress> addresses, Throwable cause) {}
}

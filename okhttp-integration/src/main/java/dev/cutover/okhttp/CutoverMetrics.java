package dev.cutover.okhttp;

import dev.cutover.AddressChange;
import dev.cutover.QueryOutcome;
import dev.cutover.ResolverListener;
import dev.cutover.ResolverMetrics;
import dev.cutover.internal.HostMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a wrapped client's events, and its resolver's, into Micrometer meters. Needs {@code
 * io.micrometer:micrometer-core} on the class path; nothing else in Cutover does.
 *
 * <pre>{@code
 * CutoverMetrics metrics = new CutoverMetrics();
 * metrics.bindTo(registry);
 * OkHttpClient client = CutoverOkHttp.builder(existing).listener(metrics).build();
 * }</pre>
 *
 * <p>One registration, with the client builder, is enough: the client also registers it with its
 * resolver, so the DNS meters of {@link ResolverMetrics} (which this one includes) are there too.
 * One instance may be given to every client; each event is counted once. Do not also register a
 * {@code ResolverMetrics} with the same resolver and registry: its DNS meters would count each
 * event twice.
 *
 * <p>Meters (tag keys as Micrometer's own OkHttp binder uses them; host values are bounded by
 * the resolver's {@code maxHosts}): the DNS meters of {@link ResolverMetrics} ({@code
 * cutover.dns.queries}, {@code cutover.dns.address.changes}, {@code cutover.dns.stale.answers},
 * {@code cutover.dns.family.failures}), and
 *
 * <ul>
 *   <li>{@code cutover.connections.retired} (counter; {@code target.host}, {@code reason}:
 *       address_removed, max_age);
 *   <li>{@code cutover.connections.removed.open} (gauge; {@code target.host}): connections
 *       retired because their address left the answer that are not closed yet;
 *   <li>{@code cutover.drain.lag} (timer; {@code target.host}): for each request still sent to
 *       a removed address, the time since the removal; its max is the time from the change to the
 *       last such request;
 *   <li>{@code cutover.addresses.quarantined} (counter; {@code target.host});
 *   <li>{@code cutover.retries} (counter; {@code target.host}, {@code method}, {@code reason}:
 *       status_503, connect_failure, connection_failure; {@code outcome}: success, failure);
 *   <li>{@code cutover.retry.budget.exhausted} (counter; {@code target.host}, {@code method});
 *   <li>{@code cutover.client.derived.changes} (counter; {@code change}: event_listener_replaced,
 *       dns_replaced): clients derived from a wrapped one that lost part of Cutover (see {@link
 *       CutoverListener.DerivedChange}), each counted once; not removed with a host.
 * </ul>
 *
 * <p>A host's meters are removed from the registry when the resolver forgets the host ({@link
 * ResolverListener#hostForgotten}: unused for {@code idleTimeout}, or beyond {@code maxHosts}),
 * so that they do not pile up for names that are no longer in use; if the host is used again,
 * its meters start again from zero.
 *
 * <p>Events that arrive before {@link #bindTo} are not counted. Thread-safe; bind it to one
 * registry (use a composite registry for several).
 */
public final class CutoverMetrics implements CutoverListener, MeterBinder {
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE");

  private final ResolverMetrics dns = new ResolverMetrics();
  private final HostMeters meters = new HostMeters();
  private final Map<String, AtomicInteger> removedOpen = new ConcurrentHashMap<>();

  /** Creates an unbound binder. */
  public CutoverMetrics() {}

  @Override
  public void bindTo(MeterRegistry registry) {
    dns.bindTo(registry);
    meters.bindTo(registry);
  }

  @Override
  public void queryCompleted(String host, QueryOutcome outcome, Duration elapsed) {
    dns.queryCompleted(host, outcome, elapsed);
  }

  @Override
  public void addressesChanged(AddressChange change) {
    dns.addressesChanged(change);
  }

  @Override
  public void addressFamilyFailed(String host, String recordType, Throwable cause) {
    dns.addressFamilyFailed(host, recordType, cause);
  }

  @Override
  public void staleAnswerServed(String host, List<InetAddress> addresses, Throwable cause) {
    dns.staleAnswerServed(host, addresses, cause);
  }

  /** Removes the host's meters: the resolver no longer tracks it. */
  @Override
  public void hostForgotten(String host) {
    dns.hostForgotten(host);
    removedOpen.remove(host);
    meters.forget(host);
  }

  @Override
  public void connectionRetired(String host, InetAddress address, RetireReason reason) {
    meters.count("cutover.connections.retired", "Connections that take no new requests",
        "target.host", host, "reason", lower(reason));
    if (reason == RetireReason.ADDRESS_REMOVED && meters.registry() != null) {
      removedOpen(host).incrementAndGet();
    }
  }

  @Override
  public void retiredConnectionClosed(String host, InetAddress address, RetireReason reason) {
    AtomicInteger open = reason == RetireReason.ADDRESS_REMOVED ? removedOpen.get(host) : null;
    if (open != null) {
      // Not below zero: the connection may have been retired before bindTo, or its host
      // forgotten and started afresh meanwhile.
      open.updateAndGet(value -> Math.max(0, value - 1));
    }
  }

  @Override
  public void addressQuarantined(String host, InetAddress address) {
    meters.count("cutover.addresses.quarantined", "Addresses put last after a failure",
        "target.host", host);
  }

  @Override
  public void requestToRemovedAddress(String host, InetAddress address, Duration sinceRemoval) {
    meters.time("cutover.drain.lag",
        "Time from an address's removal to a request still sent to it", sinceRemoval,
        "target.host", host);
  }

  @Override
  public void retriesCompleted(RetryOutcome outcome) {
    meters.add("cutover.retries", "Retries made after a cutover signal", outcome.retries(),
        "target.host", outcome.host(), "method", method(outcome.method()),
        "reason", lower(outcome.reason()), "outcome", outcome.succeeded() ? "success" : "failure");
  }

  @Override
  public void derivedClientChanged(DerivedChange change) {
    MeterRegistry r = meters.registry();
    if (r != null) {
      Counter.builder("cutover.client.derived.changes")
          .description("Clients derived from a wrapped one that lost part of Cutover")
          .tag("change", lower(change)).register(r).increment();
    }
  }

  @Override
  public void retryBudgetExhausted(String host, String method) {
    meters.count("cutover.retry.budget.exhausted", "Retries refused by the retry budget",
        "target.host", host, "method", method(method));
  }

  /** Called once bound only: a value made before would never get its gauge. */
  private AtomicInteger removedOpen(String host) {
    return removedOpen.computeIfAbsent(host, h -> {
      AtomicInteger value = new AtomicInteger();
      meters.track(h, Gauge.builder("cutover.connections.removed.open", value, AtomicInteger::get)
          .description("Open connections to addresses that left the DNS answer")
          .tag("target.host", h).register(meters.registry()));
      return value;
    });
  }

  private static String method(String method) {
    return METHODS.contains(method) ? method : "OTHER";
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}

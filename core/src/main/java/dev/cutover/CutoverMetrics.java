package dev.cutover;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns Cutover's events into Micrometer meters. Needs {@code io.micrometer:micrometer-core} on
 * the class path; nothing else in Cutover does.
 *
 * <pre>{@code
 * CutoverMetrics metrics = new CutoverMetrics();
 * metrics.bindTo(registry);
 * resolver.addListener(metrics);
 * OkHttpClient client = CutoverOkHttp.builder(existing).resolver(resolver).listener(metrics).build();
 * }</pre>
 *
 * <p>Meters (tag keys as Micrometer's own OkHttp binder uses them; host values are bounded by
 * the resolver's {@code maxHosts}):
 *
 * <ul>
 *   <li>{@code cutover.dns.queries} (timer; {@code target.host}, {@code result}: success,
 *       nxdomain, no_data, failure): resolutions through DNS;
 *   <li>{@code cutover.dns.address.changes} (counter; {@code target.host});
 *   <li>{@code cutover.dns.stale.answers} (counter; {@code target.host}): lookups answered past
 *       the TTL because DNS was unreachable;
 *   <li>{@code cutover.dns.family.failures} (counter; {@code target.host}, {@code type}: A,
 *       AAAA): resolutions answered by one address family while the other's query failed;
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
 *   <li>{@code cutover.retry.budget.exhausted} (counter; {@code target.host}, {@code method}).
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

  private volatile MeterRegistry registry;
  private final Map<String, AtomicInteger> removedOpen = new ConcurrentHashMap<>();
  /** Every meter registered per host, to remove when the host is forgotten. */
  private final Map<String, Set<Meter.Id>> meterIds = new ConcurrentHashMap<>();

  /** Creates an unbound binder. */
  public CutoverMetrics() {}

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void queryCompleted(String host, QueryOutcome outcome, Duration elapsed) {
    MeterRegistry r = registry;
    if (r != null) {
      track(host, Timer.builder("cutover.dns.queries")
          .description("Resolutions of a host name through DNS")
          .tag("target.host", host).tag("result", lower(outcome)).register(r)).record(elapsed);
    }
  }

  @Override
  public void addressesChanged(AddressChange change) {
    count("cutover.dns.address.changes", "Changes of a host's address set",
        "target.host", change.host());
  }

  @Override
  public void addressFamilyFailed(String host, String recordType, Throwable cause) {
    count("cutover.dns.family.failures",
        "Resolutions answered by one address family while the other failed",
        "target.host", host, "type", recordType);
  }

  /** Removes the host's meters: the resolver no longer tracks it. */
  @Override
  public void hostForgotten(String host) {
    removedOpen.remove(host);
    Set<Meter.Id> ids = meterIds.remove(host);
    MeterRegistry r = registry;
    if (ids != null && r != null) {
      for (Meter.Id id : ids) {
        r.remove(id);
      }
    }
  }

  @Override
  public void staleAnswerServed(
      String host, java.util.List<InetAddress> addresses, Throwable cause) {
    count("cutover.dns.stale.answers", "Lookups answered past the TTL while DNS was down",
        "target.host", host);
  }

  @Override
  public void connectionRetired(String host, InetAddress address, RetireReason reason) {
    count("cutover.connections.retired", "Connections that take no new requests",
        "target.host", host, "reason", lower(reason));
    if (reason == RetireReason.ADDRESS_REMOVED && registry != null) {
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
    count("cutover.addresses.quarantined", "Addresses put last after a failure",
        "target.host", host);
  }

  @Override
  public void requestToRemovedAddress(String host, InetAddress address, Duration sinceRemoval) {
    MeterRegistry r = registry;
    if (r != null) {
      track(host, Timer.builder("cutover.drain.lag")
          .description("Time from an address's removal to a request still sent to it")
          .tag("target.host", host).register(r)).record(sinceRemoval);
    }
  }

  @Override
  public void retriesCompleted(
      String host, String method, RetryReason reason, int retries, boolean succeeded) {
    MeterRegistry r = registry;
    if (r != null) {
      track(host, Counter.builder("cutover.retries")
          .description("Retries made after a cutover signal")
          .tag("target.host", host).tag("method", method(method)).tag("reason", lower(reason))
          .tag("outcome", succeeded ? "success" : "failure").register(r)).increment(retries);
    }
  }

  @Override
  public void retryBudgetExhausted(String host, String method) {
    count("cutover.retry.budget.exhausted", "Retries refused by the retry budget",
        "target.host", host, "method", method(method));
  }

  /** Called once bound only: a value made before would never get its gauge. */
  private AtomicInteger removedOpen(String host) {
    return removedOpen.computeIfAbsent(host, h -> {
      AtomicInteger value = new AtomicInteger();
      track(h, Gauge.builder("cutover.connections.removed.open", value, AtomicInteger::get)
          .description("Open connections to addresses that left the DNS answer")
          .tag("target.host", h).register(registry));
      return value;
    });
  }

  /** The tags' first pair must be target.host. */
  private void count(String name, String description, String... tags) {
    MeterRegistry r = registry;
    if (r != null) {
      track(tags[1], Counter.builder(name).description(description).tags(tags).register(r))
          .increment();
    }
  }

  private <M extends Meter> M track(String host, M meter) {
    meterIds.computeIfAbsent(host, h -> ConcurrentHashMap.newKeySet()).add(meter.getId());
    return meter;
  }

  private static String method(String method) {
    return METHODS.contains(method) ? method : "OTHER";
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}

package dev.cutover;

import dev.cutover.internal.HostMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Turns a {@link CutoverResolver}'s events into Micrometer meters. Needs {@code
 * io.micrometer:micrometer-core} on the class path; nothing else in {@code cutover-core} does.
 *
 * <pre>{@code
 * ResolverMetrics metrics = new ResolverMetrics();
 * metrics.bindTo(registry);
 * resolver.addListener(metrics);
 * }</pre>
 *
 * <p>For a resolver used by OkHttp clients, register {@code dev.cutover.okhttp.CutoverMetrics}
 * with the client builder instead: it includes these meters and adds the client's (do not
 * register both for one resolver: the DNS meters would count each event twice).
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
 *       AAAA): resolutions answered by one address family while the other's query failed.
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
public final class ResolverMetrics implements ResolverListener, MeterBinder {
  private final HostMeters meters = new HostMeters();

  /** Creates an unbound binder. */
  public ResolverMetrics() {}

  @Override
  public void bindTo(MeterRegistry registry) {
    meters.bindTo(registry);
  }

  @Override
  public void queryCompleted(String host, QueryOutcome outcome, Duration elapsed) {
    meters.time("cutover.dns.queries", "Resolutions of a host name through DNS", elapsed,
        "target.host", host, "result", outcome.name().toLowerCase(Locale.ROOT));
  }

  @Override
  public void addressesChanged(AddressChange change) {
    meters.count("cutover.dns.address.changes", "Changes of a host's address set",
        "target.host", change.host());
  }

  @Override
  public void addressFamilyFailed(String host, String recordType, Throwable cause) {
    meters.count("cutover.dns.family.failures",
        "Resolutions answered by one address family while the other failed",
        "target.host", host, "type", recordType);
  }

  @Override
  public void staleAnswerServed(String host, List<InetAddress> addresses, Throwable cause) {
    meters.count("cutover.dns.stale.answers", "Lookups answered past the TTL while DNS was down",
        "target.host", host);
  }

  /** Removes the host's meters: the resolver no longer tracks it. */
  @Override
  public void hostForgotten(String host) {
    meters.forget(host);
  }
}

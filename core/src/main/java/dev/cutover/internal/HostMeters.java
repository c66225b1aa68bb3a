package dev.cutover.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The registry Cutover's meters go to, and every meter made per host, so that a host's meters
 * leave the registry when the resolver forgets the host. Shared by the resolver's and the
 * client's meters. Loaded only when Micrometer is used. Thread-safe.
 */
public final class HostMeters {
  private volatile MeterRegistry registry;
  private final Map<String, Set<Meter.Id>> meterIds = new ConcurrentHashMap<>();

  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
  }

  /** The registry, or null before {@link #bindTo}: events before it are not counted. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Remembers a meter of this host, to remove with it; returns the meter. */
  public <M extends Meter> M track(String host, M meter) {
    meterIds.computeIfAbsent(host, h -> ConcurrentHashMap.newKeySet()).add(meter.getId());
    return meter;
  }

  /** Counts one event; the tags' first pair must be target.host. Nothing before bindTo. */
  public void count(String name, String description, String... tags) {
    add(name, description, 1, tags);
  }

  /** Counts {@code amount} events; tags as for {@link #count}. Nothing before bindTo. */
  public void add(String name, String description, double amount, String... tags) {
    MeterRegistry r = registry;
    if (r != null) {
      track(tags[1], Counter.builder(name).description(description).tags(tags).register(r))
          .increment(amount);
    }
  }

  /** Records a duration; tags as for {@link #count}. Nothing before bindTo. */
  public void time(String name, String description, Duration elapsed, String... tags) {
    MeterRegistry r = registry;
    if (r != null) {
      track(tags[1], Timer.builder(name).description(description).tags(tags).register(r))
          .record(elapsed);
    }
  }

  /** Removes every meter made for the host. */
  public void forget(String host) {
    Set<Meter.Id> ids = meterIds.remove(host);
    MeterRegistry r = registry;
    if (ids != null && r != null) {
      for (Meter.Id id : ids) {
        r.remove(id);
      }
    }
  }
}

package dev.cutover.okhttp.internal;

import dev.cutover.Ticker;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Addresses that just failed for a host (503, refused, reset), put last in DNS answers for a
 * short while so that the retry and other new connections try a different address first. Never
 * removes an address: if it is the only one, it is still used.
 */
final class Quarantine {
  private final Ticker ticker;
  private final long durationNanos;
  private final Map<String, Map<InetAddress, Long>> byHost = new ConcurrentHashMap<>();

  Quarantine(Ticker ticker, long durationNanos) {
    this.ticker = ticker;
    this.durationNanos = durationNanos;
  }

  void add(String host, InetAddress address) {
    if (durationNanos <= 0) {
      return;
    }
    byHost.computeIfAbsent(host, h -> new ConcurrentHashMap<>())
        .put(address, ticker.read() + durationNanos);
  }

  /** Forgets a host the resolver no longer tracks, so entries do not outlive their host. */
  void forget(String host) {
    byHost.remove(host);
  }

  /** Returns the addresses with quarantined ones moved last; the same list when none is. */
  List<InetAddress> reorder(String host, List<InetAddress> addresses) {
    Map<InetAddress, Long> failed = byHost.get(host);
    if (failed == null || addresses.size() < 2) {
      return addresses;
    }
    long now = ticker.read();
    failed.values().removeIf(until -> until - now <= 0);
    if (failed.isEmpty()) {
      byHost.remove(host, failed);
      return addresses;
    }
    List<InetAddress> healthy = new ArrayList<>(addresses.size());
    List<InetAddress> suspect = new ArrayList<>(2);
    for (InetAddress address : addresses) {
      (failed.containsKey(address) ? suspect : healthy).add(address);
    }
    if (suspect.isEmpty()) {
      return addresses;
    }
    healthy.addAll(suspect);
    return healthy;
  }
}

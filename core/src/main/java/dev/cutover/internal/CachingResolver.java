package dev.cutover.internal;

import dev.cutover.ResolverListener;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What {@code CutoverResolver} does behind its API: sorts the names callers pass in (IP
 * literals, {@code localhost}, malformed, or names for DNS) and hands names for DNS to the
 * {@link HostCache}, which owns answers, refreshes and listeners. Owns the resolver's thread.
 * Thread-safe.
 */
public final class CachingResolver implements AutoCloseable {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private final HostCache cache;
  private final List<InetSocketAddress> nameServers;

  /** @throws IllegalStateException if no name server is set and the system lists none */
  public CachingResolver(ResolverSettings settings) {
    DnsSettings dns = settings.dns().withSystemDefaults();
    this.nameServers = dns.nameServers();
    ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread t = new Thread(runnable, "cutover-resolver-" + THREAD_IDS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    thread.setRemoveOnCancelPolicy(true);
    DnsClient client = new DnsClient(dns, settings.cache().maxAddresses(), settings.ticker(),
        thread, thread);
    this.cache = new HostCache(client, settings.cache(), settings.ticker(), thread);
  }

  public List<InetAddress> lookup(String host) throws UnknownHostException {
    if (host != null) {
      List<InetAddress> cached = cache.lookupCached(host);
      if (cached != null) {
        return cached;
      }
    }
    InetAddress literal = HostNames.literal(host);
    if (literal != null) {
      return List.of(literal);
    }
    String normalized = HostNames.normalize(host);
    if (HostNames.isLocalhost(normalized)) {
      return localhost(host);
    }
    return cache.lookup(normalized);
  }

  public CompletionStage<List<InetAddress>> refresh(String host) {
    try {
      InetAddress literal = HostNames.literal(host);
      if (literal != null) {
        return CompletableFuture.completedFuture(List.of(literal));
      }
      String normalized = HostNames.normalize(host);
      if (HostNames.isLocalhost(normalized)) {
        return CompletableFuture.completedFuture(localhost(host));
      }
      return cache.refresh(normalized);
    } catch (UnknownHostException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  public void track(String host) {
    if (host == null || host.isEmpty()) {
      return;
    }
    String key = host;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        key = host.toLowerCase(Locale.ROOT);
        break;
      }
    }
    if (cache.touch(key)) {
      return; // the hot path: one map read for a host already tracked
    }
    try {
      if (HostNames.literal(host) != null) {
        return;
      }
      String normalized = HostNames.normalize(host);
      if (!HostNames.isLocalhost(normalized)) {
        cache.track(normalized);
      }
    } catch (UnknownHostException malformed) {
      // Nothing to track; a lookup of the same name will report the problem to its caller.
    }
  }

  public List<InetAddress> cachedAddresses(String host) {
    if (host == null) {
      return List.of();
    }
    List<InetAddress> addresses = cache.peek(host);
    if (addresses == null) {
      addresses = cache.peek(host.toLowerCase(Locale.ROOT));
    }
    return addresses == null ? List.of() : addresses;
  }

  public void reportFailure(String host, InetAddress address) {
    if (host == null || address == null) {
      return;
    }
    cache.reportFailure(host.toLowerCase(Locale.ROOT), address);
  }

  public void addListener(ResolverListener listener) {
    cache.addListener(listener);
  }

  public void removeListener(ResolverListener listener) {
    cache.removeListener(listener);
  }

  /** Distinct listeners registered now; for tests that check nothing is left behind. */
  public int listenerCount() {
    return cache.listenerCount();
  }

  public List<InetSocketAddress> nameServers() {
    return nameServers;
  }

  @Override
  public void close() {
    cache.close();
  }

  private static List<InetAddress> localhost(String host) throws UnknownHostException {
    InetAddress v4 = InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1});
    byte[] loopback6 = new byte[16];
    loopback6[15] = 1;
    InetAddress v6 = InetAddress.getByAddress(host, loopback6);
    return List.of(v4, v6);
  }
}

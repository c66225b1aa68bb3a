package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolverListener;
import java.lang.ref.Cleaner;

/**
 * Registers a wrapped client's connection tracker on its resolver for as long as the client is in
 * use, and not a moment longer: the resolver holds only a {@link WeakResolverListener}, and a
 * {@link Cleaner} takes that off the resolver once the tracker (held by the client's
 * interceptors and event listener factory, and by nothing else) has become unreachable. So a
 * client that is dropped leaves nothing behind on a resolver that outlives it, and address
 * changes walk only the clients still in use.
 */
final class ResolverRegistration {
  /** One daemon thread for the process, started with the first wrapped client. */
  private static final Cleaner CLEANER = Cleaner.create(runnable -> {
    Thread thread = new Thread(runnable, "cutover-cleaner");
    thread.setDaemon(true);
    return thread;
  });

  private ResolverRegistration() {}

  /**
   * Registers the listener on the resolver until the listener becomes unreachable. It must be
   * reachable only from what uses it (the wrapped client), never from the resolver's side.
   */
  static void register(CutoverResolver resolver, ResolverListener listener) {
    WeakResolverListener proxy = new WeakResolverListener(listener);
    resolver.addListener(proxy);
    CLEANER.register(listener, new Release(resolver, proxy));
  }

  /** Must not hold the listener: the Cleaner would keep it alive for ever. */
  private record Release(CutoverResolver resolver, ResolverListener proxy) implements Runnable {
    @Override
    public void run() {
      resolver.removeListener(proxy);
    }
  }
}

package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolverListener;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers a wrapped client's listeners on its resolver for as long as the client is in use, and
 * not a moment longer. The connection tracker is held only through a {@link
 * WeakResolverListener}; the user's listeners (a {@code CutoverMetrics}, say) are held strongly,
 * counted by the resolver so that one listener given to several clients is called once. A {@link
 * Cleaner} takes them all off the resolver once the tracker (held by the client's interceptors
 * and event listener factory, and by nothing else) has become unreachable. So a client that is
 * dropped leaves nothing behind on a resolver that outlives it, and address changes walk only the
 * clients still in use.
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
   * Registers the tracker, weakly, and the user's listeners on the resolver until the tracker
   * becomes unreachable. The tracker must be reachable only from the wrapped client, never from
   * the resolver's side (nor from a user listener).
   */
  static void register(CutoverResolver resolver, ResolverListener tracker,
      List<? extends ResolverListener> userListeners) {
    WeakResolverListener proxy = new WeakResolverListener(tracker);
    List<ResolverListener> registered = new ArrayList<>();
    registered.add(proxy);
    registered.addAll(userListeners);
    for (ResolverListener listener : registered) {
      resolver.addListener(listener);
    }
    CLEANER.register(tracker, new Release(resolver, List.copyOf(registered)));
  }

  /** Must not hold the tracker: the Cleaner would keep it alive for ever. */
  private record Release(CutoverResolver resolver, List<ResolverListener> listeners)
      implements Runnable {
    @Override
    public void run() {
      for (ResolverListener listener : listeners) {
        resolver.removeListener(listener);
      }
    }
  }
}

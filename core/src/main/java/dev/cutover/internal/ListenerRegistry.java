package dev.cutover.internal;

import dev.cutover.ResolverListener;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The resolver's listeners, by identity, each with the number of times it was added: a listener
 * added twice (two clients sharing a resolver and one metrics listener, say) is called once, and
 * stays until removed as often as it was added.
 *
 * <p>Adding and removing cost a map operation, not a copy of the whole list: a process that wraps
 * a client per tenant or per request registers and releases one listener per client, thousands of
 * them, while events are rare. The array events are fired over is rebuilt only when an event
 * needs it after a change. Thread-safe.
 */
public final class ListenerRegistry {
  private static final ResolverListener[] NONE = {};

  /** Guarded by itself. Insertion-ordered, so listeners are called in the order first added. */
  private final Map<Key, int[]> counts = new LinkedHashMap<>();
  /** What events are fired over; null when a change made it stale. */
  private volatile ResolverListener[] snapshot = NONE;
  private volatile int size;

  /** Adds one registration of a listener. */
  public void add(ResolverListener listener) {
    synchronized (counts) {
      int[] count = counts.computeIfAbsent(new Key(listener), k -> new int[1]);
      if (count[0]++ == 0) {
        changed();
      }
    }
  }

  /** Removes one registration of a listener; nothing if it has none. */
  public void remove(ResolverListener listener) {
    if (listener == null) {
      return;
    }
    synchronized (counts) {
      Key key = new Key(listener);
      int[] count = counts.get(key);
      if (count != null && --count[0] == 0) {
        counts.remove(key);
        changed();
      }
    }
  }

  /** The listeners to call now, each once, in the order first added. Never modify the array. */
  public ResolverListener[] current() {
    ResolverListener[] current = snapshot;
    if (current != null) {
      return current;
    }
    synchronized (counts) {
      current = snapshot;
      if (current == null) {
        current = new ResolverListener[counts.size()];
        int i = 0;
        for (Key key : counts.keySet()) {
          current[i++] = key.listener;
        }
        snapshot = current;
      }
      return current;
    }
  }

  /** How many distinct listeners are registered. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  private void changed() {
    size = counts.size();
    snapshot = null;
  }

  /** A listener by identity: two equal listeners are still two listeners. */
  private static final class Key {
    final ResolverListener listener;

    Key(ResolverListener listener) {
      this.listener = listener;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key key && key.listener == listener;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(listener);
    }
  }
}

package dev.cutover.okhttp.internal;

import dev.cutover.okhttp.CutoverListener;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.Consumer;

/** The user's listeners of one wrapped client; a listener that throws does not stop the others. */
final class Listeners {
  private static final System.Logger LOG = System.getLogger("dev.cutover.okhttp");

  private final List<CutoverListener> listeners;

  Listeners(List<CutoverListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  boolean isEmpty() {
    return listeners.isEmpty();
  }

  void fire(Consumer<CutoverListener> event) {
    for (CutoverListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "listener " + listener + " failed", e);
      }
    }
  }
}

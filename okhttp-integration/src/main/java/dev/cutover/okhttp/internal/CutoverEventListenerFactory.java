package dev.cutover.okhttp.internal;

import okhttp3.Call;
import okhttp3.EventListener;

/**
 * The wrapped client's event listener factory: the user's, with the tracker's listener around each
 * of its listeners (or the tracker's alone, where the user's is OkHttp's no-op). A named class,
 * not a lambda, so that wrapping a wrapped client can find the user's factory again and wrap it
 * once, not twice (see {@link ClientWiring}); and so that a call's client tells whether the
 * tracker counts the call (see {@link ConnectionTracker#counts}).
 */
final class CutoverEventListenerFactory implements EventListener.Factory {
  private final EventListener.Factory user;
  private final ConnectionTracker tracker;

  CutoverEventListenerFactory(EventListener.Factory user, ConnectionTracker tracker) {
    this.user = user;
    this.tracker = tracker;
  }

  /** The tracker whose listeners this factory makes. */
  ConnectionTracker tracker() {
    return tracker;
  }

  /** The factory the user's client had before it was wrapped. */
  EventListener.Factory user() {
    return user;
  }

  @Override
  public EventListener create(Call call) {
    return TrackingEventListener.create(user.create(call), tracker);
  }
}

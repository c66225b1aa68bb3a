package dev.cutover.okhttp.internal;

import dev.cutover.AddressChange;
import dev.cutover.QueryOutcome;
import dev.cutover.ResolverListener;
import java.lang.ref.WeakReference;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * Stands for a wrapped client's listener on the shared resolver without keeping it alive: the
 * resolver lives as long as the process (or as its owner keeps it), a wrapped client only as long
 * as its user holds it. Once the listener is gone, events fall on the floor here until {@link
 * ResolverRegistration} takes this off the resolver.
 *
 * <p>Forwards every {@link ResolverListener} method; a method added there must be added here
 * ({@code WeakResolverListenerTest} checks). Thread-safe.
 */
final class WeakResolverListener implements ResolverListener {
  private final WeakReference<ResolverListener> target;

  WeakResolverListener(ResolverListener target) {
    this.target = new WeakReference<>(target);
  }

  @Override
  public void addressesChanged(AddressChange change) {
    ResolverListener listener = target.get();
    if (listener != null) {
      listener.addressesChanged(change);
    }
  }

  @Override
  public void queryCompleted(String host, QueryOutcome outcome, Duration elapsed) {
    ResolverListener listener = target.get();
    if (listener != null) {
      listener.queryCompleted(host, outcome, elapsed);
    }
  }

  @Override
  public void addressFamilyFailed(String host, String recordType, Throwable cause) {
    ResolverListener listener = target.get();
    if (listener != null) {
      listener.addressFamilyFailed(host, recordType, cause);
    }
  }

  @Override
  public void hostForgotten(String host) {
    ResolverListener listener = target.get();
    if (listener != null) {
      listener.hostForgotten(host);
    }
  }

  @Override
  public void staleAnswerServed(String host, List<InetAddress> addresses, Throwable cause) {
    ResolverListener listener = target.get();
    if (listener != null) {
      listener.staleAnswerServed(host, addresses, cause);
    }
  }

  @Override
  public String toString() {
    return "weak " + target.get();
  }
}

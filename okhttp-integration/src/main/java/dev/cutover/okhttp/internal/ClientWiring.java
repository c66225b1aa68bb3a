package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import dev.cutover.okhttp.DrainMode;
import java.time.Clock;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/** Builds the wrapped client from the user's: same everything, plus Cutover's four parts. */
public final class ClientWiring {
  private ClientWiring() {}

  public static OkHttpClient wrap(OkHttpClient existing, CutoverResolver resolver,
      RetrySettings settings, DrainMode drainMode, Ticker ticker, Clock wallClock,
      Sleeper sleeper, java.util.List<dev.cutover.CutoverListener> listeners) {
    Retirer retirer = Retirer.forMode(drainMode);
    Quarantine quarantine = new Quarantine(ticker, settings.addressQuarantine.toNanos());
    ConnectionTracker tracker = new ConnectionTracker(resolver, retirer, quarantine, ticker,
        settings.maxConnectionAge.toNanos(), new Listeners(listeners));
    resolver.addListener(tracker);
    RetryBudget budget =
        new RetryBudget(ticker, settings.retryBudgetRatio, settings.minRetriesPerSecond);
    EventListener.Factory userListeners = existing.eventListenerFactory();
    return existing.newBuilder()
        .dns(new ResolverDns(resolver, quarantine))
        .eventListenerFactory(call -> new CutoverEventListener(userListeners.create(call), tracker))
        .addInterceptor(
            new RetryInterceptor(settings, tracker, resolver, budget, ticker, wallClock, sleeper))
        .addNetworkInterceptor(new DrainInterceptor(tracker, retirer))
        .build();
  }
}

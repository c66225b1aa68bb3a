package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/** Builds the wrapped client from the user's: same everything, plus Cutover's four parts. */
public final class ClientWiring {
  /** How long a failed attempt waits for DNS evidence by default; see RetryInterceptor. */
  public static final java.time.Duration EVIDENCE_WAIT = RetryInterceptor.EVIDENCE_WAIT;

  private ClientWiring() {}

  public static OkHttpClient wrap(
      OkHttpClient existing, CutoverResolver resolver, WrapSettings settings) {
    Ticker ticker = settings.ticker();
    DrainSettings drain = settings.drain();
    Retirer retirer = Retirer.forMode(drain.mode());
    Quarantine quarantine = new Quarantine(ticker, drain.addressQuarantine().toNanos());
    ConnectionTracker tracker = new ConnectionTracker(resolver, retirer, quarantine, ticker,
        drain.maxConnectionAge().toNanos(), new Listeners(settings.listeners()));
    resolver.addListener(tracker);
    RetrySettings retry = settings.retry();
    RetryBudget budget =
        new RetryBudget(ticker, retry.retryBudgetRatio(), retry.minRetriesPerSecond());
    RetryPolicy policy = new RetryPolicy(retry, budget, ticker, settings.wallClock(),
        RetryPolicy.THREAD_LOCAL_RANDOM);
    EventListener.Factory userListeners = existing.eventListenerFactory();
    return existing.newBuilder()
        .dns(new ResolverDns(resolver, quarantine))
        .eventListenerFactory(call -> new CutoverEventListener(userListeners.create(call), tracker))
        .addInterceptor(new RetryInterceptor(policy, tracker, resolver, ticker, settings.sleeper(),
            settings.evidenceWait().toNanos()))
        .addNetworkInterceptor(new DrainInterceptor(tracker, retirer, policy.replay()))
        .build();
  }
}

package dev.cutover.okhttp.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.Ticker;
import okhttp3.Dns;
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
    ResolverDns dns = new ResolverDns(resolver, quarantine);
    ConnectionTracker tracker = new ConnectionTracker(resolver, dns, retirer, quarantine, ticker,
        drain.maxConnectionAge().toNanos(), new Listeners(settings.listeners()));
    ResolverRegistration.register(resolver, tracker, settings.listeners());
    RetrySettings retry = settings.retry();
    RetryBudget budget =
        new RetryBudget(ticker, retry.retryBudgetRatio(), retry.minRetriesPerSecond());
    RetryPolicy policy = new RetryPolicy(retry, budget, ticker, settings.wallClock(),
        RetryPolicy.THREAD_LOCAL_RANDOM);
    OkHttpClient.Builder builder = existing.newBuilder();
    // A wrapped client wrapped again gets one layer, with the new settings: ours come off first.
    builder.interceptors().removeIf(RetryInterceptor.class::isInstance);
    builder.networkInterceptors().removeIf(DrainInterceptor.class::isInstance);
    EventListener.Factory userListeners = existing.eventListenerFactory();
    if (userListeners instanceof CutoverEventListenerFactory ours) {
      userListeners = ours.user();
    }
    return builder
        .dns(dns)
        .eventListenerFactory(new CutoverEventListenerFactory(userListeners, tracker))
        .addInterceptor(new RetryInterceptor(policy, tracker, resolver, ticker, settings.sleeper(),
            settings.evidenceWait().toNanos()))
        .addNetworkInterceptor(new DrainInterceptor(tracker, retirer, policy.replay()))
        .build();
  }

  /**
   * A {@code Dns} of the user's own (service discovery, DNS over HTTPS, a test's fixed answers) is
   * not replaced without being told to: the user would lose what it does without a word.
   * Checked before anything is made for the client.
   *
   * @throws IllegalArgumentException naming the Dns class and the way out
   */
  public static void checkDns(Dns dns, boolean replaceDns) {
    if (replaceDns || dns == Dns.SYSTEM || dns instanceof ResolverDns) {
      return;
    }
    throw new IllegalArgumentException("the client to wrap resolves names through its own Dns ("
        + dns.getClass().getName() + "), which Cutover would replace with its CutoverResolver;"
        + " that Dns would no longer be asked. To replace it, use CutoverOkHttp.builder(existing)"
        + ".replaceDns(true); to keep it, do not wrap this client");
  }
}

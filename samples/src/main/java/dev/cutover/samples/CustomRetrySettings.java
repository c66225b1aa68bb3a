package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.okhttp.DrainMode;
import java.time.Duration;
import okhttp3.OkHttpClient;

/** A wrapped client with every retry setting spelled out, and why one might change it. */
public final class CustomRetrySettings {
  private CustomRetrySettings() {}

  /**
   * Wraps a client with explicit retry settings.
   *
   * @param existingClient the application's client; it is not changed
   * @param resolver the resolver, shared by the process's clients
   * @return the wrapped client
   */
  public static OkHttpClient wrap(OkHttpClient existingClient, CutoverResolver resolver) {
    return CutoverOkHttp.builder(existingClient)
        .resolver(resolver)
        .maxAttempts(4)                              // the first attempt and up to three retries
        .initialBackoff(Duration.ofMillis(50))       // ceilings 50, 100, 200 ms; waits are random
        .maxBackoff(Duration.ofSeconds(1))           // below them (full jitter)
        .maxRetryAfter(Duration.ofSeconds(3))        // a longer Retry-After: the 503 is returned
        .retryBudgetRatio(0.1)                       // retries add at most 10% of recent traffic,
        .minRetriesPerSecond(5)                      // plus 5/s, so an outage is not amplified
        .idempotencyKeyHeader("X-Request-Id")        // this API's idempotency header
        .addressQuarantine(Duration.ofSeconds(30))   // a failing address goes last for 30 s
        .maxConnectionAge(Duration.ofMinutes(10))    // renew connections even if DNS is still
        .drainMode(DrainMode.OKHTTP_INTERNALS)       // no request at all to a departed address
        .build();
  }
}

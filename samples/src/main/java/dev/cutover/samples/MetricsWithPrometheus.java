package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverMetrics;
import dev.cutover.okhttp.CutoverOkHttp;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import okhttp3.OkHttpClient;

/** Cutover's meters in a Prometheus registry, scraped as the Prometheus text format. */
public final class MetricsWithPrometheus {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final OkHttpClient client;

  /**
   * Wraps a client and registers Cutover's meters, once: given to the client builder, they also
   * hear the resolver's DNS events.
   *
   * @param existingClient the application's client; it is not changed
   * @param resolver the resolver; its DNS events are measured too
   */
  public MetricsWithPrometheus(OkHttpClient existingClient, CutoverResolver resolver) {
    CutoverMetrics metrics = new CutoverMetrics();
    metrics.bindTo(registry);
    this.client = CutoverOkHttp.builder(existingClient).resolver(resolver).listener(metrics)
        .build();
  }

  /**
   * Returns the wrapped client.
   *
   * @return the client whose work is measured
   */
  public OkHttpClient client() {
    return client;
  }

  /**
   * Returns what a Prometheus server would scrape from {@code /metrics}.
   *
   * @return the meters in the Prometheus text format
   */
  public String scrape() {
    return registry.scrape();
  }
}

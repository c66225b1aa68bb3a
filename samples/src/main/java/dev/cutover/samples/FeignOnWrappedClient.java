package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import feign.Feign;
import feign.Headers;
import feign.Param;
import feign.RequestLine;
import feign.Retryer;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;

/**
 * Feign on a wrapped client, through {@code feign-okhttp}: Feign sends every request with the
 * {@code OkHttpClient} it is given, so wrapping that client is all it takes.
 *
 * <p>Two settings matter, both set in {@link #create}:
 *
 * <ul>
 *   <li>Feign's own retries are off ({@link Retryer#NEVER_RETRY}). Feign's default retryer
 *       repeats any failed request five times, POSTs included, with no budget; Cutover already
 *       retries what is safe to retry (and only that), within its retry budget.
 *   <li>Feign's time-outs are the wrapped client's. When they differ, {@code feign-okhttp} makes
 *       a derived client with {@code newBuilder()} for every request; using the client as it is
 *       saves that per request.
 * </ul>
 *
 * <p>Thread-safe: the API it builds may be shared, like the client under it.
 */
public final class FeignOnWrappedClient {
  private FeignOnWrappedClient() {}

  /** A tiny API: one GET and one POST that carries an idempotency key. */
  public interface Api {
    /**
     * Fetches the service's root.
     *
     * @return the response body
     */
    @RequestLine("GET /")
    String root();

    /**
     * Places an order. The {@code Idempotency-Key} header is what lets Cutover retry this POST
     * after a 503.
     *
     * @param key the idempotency key, unique per order
     * @param order the order, as JSON
     * @return the response body
     */
    @RequestLine("POST /orders")
    @Headers({"Content-Type: application/json", "Idempotency-Key: {key}"})
    String placeOrder(@Param("key") String key, String order);
  }

  /**
   * Builds the API on a wrapped client.
   *
   * @param baseUrl the service, by host name (for example {@code https://api.example.com})
   * @param existingClient the application's client; it is not changed
   * @param resolver the resolver, shared by the process's clients
   * @return the API
   */
  public static Api create(String baseUrl, OkHttpClient existingClient, CutoverResolver resolver) {
    OkHttpClient wrapped = CutoverOkHttp.wrap(existingClient, resolver);
    return Feign.builder()
        .client(new feign.okhttp.OkHttpClient(wrapped))
        .retryer(Retryer.NEVER_RETRY)
        .options(new feign.Request.Options(
            wrapped.connectTimeoutMillis(), TimeUnit.MILLISECONDS,
            wrapped.readTimeoutMillis(), TimeUnit.MILLISECONDS,
            wrapped.followRedirects()))
        .target(Api.class, baseUrl);
  }
}

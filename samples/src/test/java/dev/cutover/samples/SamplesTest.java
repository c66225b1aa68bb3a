package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.Poll;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each sample against blue (127.0.0.2) and green (127.0.0.3) behind an embedded DNS server. */
class SamplesTest {
  private static final String HOST = BlueGreen.HOST;

  private BlueGreen servers;
  private BackendServer blue;
  private BackendServer green;
  private CutoverResolver resolver;

  @BeforeEach
  void start() throws Exception {
    servers = BlueGreen.start();
    blue = servers.blue;
    green = servers.green;
    resolver = servers.resolver();
  }

  @AfterEach
  void stop() {
    resolver.close();
    servers.close();
  }

  /** Blue starts answering 503 after DNS moved to green, before the client's TTL ran out. */
  private void cutOver() {
    servers.cutOver();
  }

  @Test
  void customRetrySettingsRetryAPostCarryingTheConfiguredKeyHeader() throws Exception {
    OkHttpClient client = CustomRetrySettings.wrap(new OkHttpClient(), resolver);
    assertEquals("blue", fetch(client, get()));
    cutOver();
    Request post = new Request.Builder().url(blue.url(HOST, "/orders"))
        .header("X-Request-Id", "order-1")
        .post(RequestBody.create("{}", MediaType.get("application/json"))).build();
    assertEquals("green", fetch(client, post));
    assertEquals(1, blue.requestCount("POST"));
    assertEquals(1, green.requestCount("POST"));
  }

  @Test
  void prometheusScrapeShowsTheCutover() throws Exception {
    MetricsWithPrometheus sample = new MetricsWithPrometheus(new OkHttpClient(), resolver);
    assertEquals("blue", fetch(sample.client(), get()));
    cutOver();
    assertEquals("green", fetch(sample.client(), get()));
    // The address change is counted on the resolver's thread, which can still be at it a few
    // milliseconds after the retried call has returned (seen: 12 to 58 ms).
    String changes = "cutover_dns_address_changes_total{target_host=\"" + HOST + "\"} 1.0";
    Poll.until(Duration.ofSeconds(5), "the address change in the scrape",
        () -> sample.scrape().contains(changes));
    String scrape = sample.scrape();
    assertTrue(scrape.contains(changes), scrape);
    assertTrue(scrape.contains("cutover_retries_total{method=\"GET\",outcome=\"success\","
        + "reason=\"status_503\",target_host=\"" + HOST + "\"} 1.0"), scrape);
  }

  @Test
  void retrofitCallsFollowTheCutover() throws Exception {
    RetrofitOnWrappedClient.Api api = RetrofitOnWrappedClient.create(
        blue.url(HOST, "/").toString(), new OkHttpClient(), resolver);
    assertEquals("blue", api.root().execute().body().string());
    cutOver();
    retrofit2.Response<okhttp3.ResponseBody> response = api.root().execute();
    assertEquals(200, response.code());
    assertEquals("green", response.body().string());
  }

  @Test
  void jvmTtlIsAppliedWhenSetFirstInMain() throws Exception {
    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), JvmTtlAtStartup.class.getName())
        .redirectErrorStream(true).start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output);
    assertTrue(output.contains("JVM DNS cache: 5 s, negative 1 s"), output);
  }

  private Request get() {
    return new Request.Builder().url(blue.url(HOST, "/")).build();
  }

  private static String fetch(OkHttpClient client, Request request) throws Exception {
    try (Response response = client.newCall(request).execute()) {
      return response.code() == 200 ? response.body().string() : response.code() + "";
    }
  }
}

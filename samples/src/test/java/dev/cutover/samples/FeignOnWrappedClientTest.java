package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.BackendServer;
import feign.FeignException;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Feign sample against blue (127.0.0.2) and green (127.0.0.3) behind an embedded DNS. */
class FeignOnWrappedClientTest {
  private BlueGreen servers;
  private BackendServer blue;
  private BackendServer green;
  private CutoverResolver resolver;
  private FeignOnWrappedClient.Api api;

  @BeforeEach
  void start() throws Exception {
    servers = BlueGreen.start();
    blue = servers.blue;
    green = servers.green;
    resolver = servers.resolver();
    String baseUrl = blue.url(BlueGreen.HOST, "/").toString().replaceAll("/$", "");
    api = FeignOnWrappedClient.create(baseUrl, new OkHttpClient(), resolver);
  }

  @AfterEach
  void stop() {
    resolver.close();
    servers.close();
  }

  @Test
  void getAndKeyedPostFollowTheCutoverWithoutTheCallerSeeingA503() {
    assertEquals("blue", api.root());

    // DNS moves to green long before the 30 s TTL is over, and blue starts answering 503: the
    // 503 itself has to send the client to green.
    servers.cutOver();

    assertEquals("green", api.placeOrder("order-1", "{\"item\":\"book\"}"));
    assertEquals(1, blue.requestCount("POST"), "the POST's first attempt, on the pooled connection");
    assertEquals(1, green.requestCount("POST"), "its retry, allowed by the Idempotency-Key");
    assertEquals("green", api.root());
    assertEquals(1, blue.requestCount("GET"), "only the GET before the cutover");
  }

  @Test
  void feignAddsNoRetriesOnTopOfCutovers() {
    // A Retry-After makes Feign's default retryer retry a 503, five calls in all: with it, the
    // three attempts Cutover makes per call would become fifteen. (1 s, not 0: OkHttp itself
    // repeats a 503 that says "Retry-After: 0" once, which would double every count.)
    blue.unavailable("1");

    FeignException failure = assertThrows(FeignException.class, () -> api.root());

    assertEquals(503, failure.status());
    assertEquals(3, blue.requestCount("GET"), "Cutover's attempts (maxAttempts 3), and no more");
  }
}

package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import feign.FeignException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Feign sample against blue (127.0.0.2) and green (127.0.0.3) behind an embedded DNS. */
class FeignOnWrappedClientTest {
  private static final String HOST = "api.cutover.test";

  private EmbeddedDnsServer dns;
  private BackendServer blue;
  private BackendServer green;
  private CutoverResolver resolver;
  private FeignOnWrappedClient.Api api;

  @BeforeEach
  void start() throws Exception {
    dns = EmbeddedDnsServer.start();
    List<BackendServer> pair = BackendServer.startPair(
        BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2")),
        BackendServer.builder("green").address(InetAddress.getByName("127.0.0.3")));
    blue = pair.get(0);
    green = pair.get(1);
    dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.2");
    resolver = CutoverResolver.builder().nameServers(dns.address()).hostsFile(null)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).build();
    String baseUrl = blue.url(HOST, "/").toString().replaceAll("/$", "");
    api = FeignOnWrappedClient.create(baseUrl, new OkHttpClient(), resolver);
  }

  @AfterEach
  void stop() {
    resolver.close();
    blue.close();
    green.close();
    dns.close();
  }

  @Test
  void getAndKeyedPostFollowTheCutoverWithoutTheCallerSeeingA503() {
    assertEquals("blue", api.root());

    // DNS moves to green long before the 30 s TTL is over, and blue starts answering 503: the
    // 503 itself has to send the client to green.
    dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.3");
    blue.unavailable();

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

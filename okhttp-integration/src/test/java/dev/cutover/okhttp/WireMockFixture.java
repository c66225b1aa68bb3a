package dev.cutover.okhttp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.FakeTicker;
import java.io.IOException;
import java.net.BindException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * Blue on 127.0.0.2 and green on 127.0.0.3, the same port, both WireMock, behind a real DNS
 * server, and a resolver on a fake clock: WireMock's connection faults (reset, empty response,
 * malformed chunk, random data) and delays come from blue, green answers. Each counts what it
 * received in its request journal. HTTP/1.1: WireMock's faults act on the connection.
 */
final class WireMockFixture implements AutoCloseable {
  static final String HOST = "api.cutover.test";
  static final Duration TTL = Duration.ofSeconds(30);

  /** Replaced by {@link #restartBlue()}; read it afresh after that. */
  WireMockServer blue;
  final WireMockServer green;
  final EmbeddedDnsServer dns;
  final FakeTicker ticker = new FakeTicker();
  final CutoverResolver resolver;

  WireMockFixture() throws IOException {
    WireMockServer[] pair = startPair();
    this.blue = pair[0];
    this.green = pair[1];
    serveBoth();
    warm(blue);
    warm(green);
    this.dns = EmbeddedDnsServer.start();
    dns.setAddresses(HOST, TTL, "127.0.0.2");
    this.resolver = newResolver(ticker);
  }

  /** Another resolver asking the same DNS server, on its own clock, with no history. */
  CutoverResolver newResolver(FakeTicker clock) {
    return CutoverResolver.builder()
        .nameServers(dns.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .queryTimeout(Duration.ofMillis(500))
        .hostsFile(null)
        .ticker(clock::read)
        .build();
  }

  private static WireMockServer[] startPair() throws IOException {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      WireMockServer blue = server("127.0.0.2", 0);
      blue.start();
      WireMockServer green = server("127.0.0.3", blue.port());
      try {
        green.start();
        return new WireMockServer[] {blue, green};
      } catch (RuntimeException taken) {
        blue.stop();
        last = taken;
      }
    }
    BindException failure = new BindException("no port free on both 127.0.0.2 and 127.0.0.3");
    failure.initCause(last);
    throw failure;
  }

  private static WireMockServer server(String address, int port) {
    return new WireMockServer(
        options().bindAddress(address).port(port).containerThreads(24).jettyAcceptors(1));
  }

  /** The user's client: HTTP/1.1, short time-outs so that a stalled server costs little. */
  OkHttpClient.Builder plainClient() {
    return new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(5, 5, TimeUnit.MINUTES))
        .protocols(List.of(Protocol.HTTP_1_1))
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(2));
  }

  /**
   * A new blue on the same address and port, answering 200, its journal empty. WireMock makes a
   * connection fault by closing the socket under Jetty's selector; the next connection Jetty
   * accepts can then get the same descriptor and hang (seen here: a plain GET unanswered after an
   * earlier reset). A fresh server after each fault keeps one fault from leaking into the next.
   */
  void restartBlue() {
    int port = blue.port();
    blue.stop();
    blue = server("127.0.0.2", port);
    blue.start();
    answer(blue, aResponse().withStatus(200).withBody("blue"));
    try {
      warm(blue);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("the new blue does not answer", e);
    }
  }

  /**
   * One request straight to the server, with all the time it needs, then its journal emptied:
   * WireMock's first answer in a JVM loads and initialises a great deal (seconds on a loaded
   * machine), which no test's time-out should have to absorb.
   */
  private static void warm(WireMockServer server) throws IOException {
    OkHttpClient direct = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(60)).build();
    HttpUrl url = new HttpUrl.Builder().scheme("http").host(server.getOptions().bindAddress())
        .port(server.port()).encodedPath("/warm").build();
    try (okhttp3.Response response = direct.newCall(new okhttp3.Request.Builder().url(url)
        .build()).execute()) {
      response.body().string();
    } finally {
      direct.connectionPool().evictAll();
      direct.dispatcher().executorService().shutdown();
    }
    server.resetRequests();
  }

  /** Both answer 200 with their name. */
  void serveBoth() {
    answer(blue, aResponse().withStatus(200).withBody("blue"));
    answer(green, aResponse().withStatus(200).withBody("green"));
  }

  /** Blue answers every request with the fault, after reading the request. */
  void blueFails(Fault fault) {
    answer(blue, aResponse().withFault(fault));
  }

  /** Blue answers every request as given. */
  void blueAnswers(ResponseDefinitionBuilder response) {
    answer(blue, response);
  }

  private static void answer(WireMockServer server, ResponseDefinitionBuilder response) {
    server.resetMappings();
    server.stubFor(any(anyUrl()).willReturn(response));
  }

  /** Forgets what both received so far. */
  void resetCounts() {
    blue.resetRequests();
    green.resetRequests();
  }

  /** How many requests with this method the server read. */
  static int received(WireMockServer server, String method) {
    return (int) server.getAllServeEvents().stream()
        .filter(event -> event.getRequest().getMethod().getName().equals(method)).count();
  }

  /** DNS names green now; the client hears of it only when it asks (a failure makes it ask). */
  void moveDnsToGreen() {
    dns.setAddresses(HOST, TTL, "127.0.0.3");
    ticker.advance(Duration.ofSeconds(2)); // past the resolver's forced-refresh rate limit
  }

  HttpUrl url(String path) {
    return new HttpUrl.Builder().scheme("http").host(HOST).port(blue.port()).encodedPath(path)
        .build();
  }

  @Override
  public void close() {
    resolver.close();
    blue.stop();
    green.stop();
    dns.close();
  }
}

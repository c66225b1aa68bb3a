package dev.cutover.okhttp;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.FakeTicker;
import dev.cutover.testkit.Load;
import dev.cutover.testkit.Poll;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import okhttp3.ConnectionPool;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Blue on 127.0.0.2 and green on 127.0.0.3 (same port), a real DNS server in front of them, and
 * a resolver on a fake clock, so a test decides exactly when the client sees DNS move.
 */
final class CutoverFixture implements AutoCloseable {
  static final String HOST = "api.cutover.test";
  static final Duration TTL = Duration.ofSeconds(30);

  final boolean http2;
  final EmbeddedDnsServer dns;
  final TestCertificates certificates;
  final BackendServer blue;
  final BackendServer green;
  final FakeTicker ticker = new FakeTicker();
  final CutoverResolver resolver;

  CutoverFixture(boolean http2) throws IOException {
    this.http2 = http2;
    this.dns = EmbeddedDnsServer.start();
    this.certificates = http2 ? TestCertificates.forHosts(HOST) : null;
    List<BackendServer> pair = BackendServer.startPair(backend("blue", "127.0.0.2"),
        backend("green", "127.0.0.3"));
    this.blue = pair.get(0);
    this.green = pair.get(1);
    dns.setAddresses(HOST, TTL, "127.0.0.2");
    this.resolver = newResolver(ticker);
  }

  /**
   * Another resolver asking the same DNS server, on its own clock: for a test that needs a name
   * with no history (a resolver tells a flip from a rotating answer by what it has seen).
   */
  CutoverResolver newResolver(FakeTicker clock) {
    return CutoverResolver.builder()
        .nameServers(dns.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .hostsFile(null)
        .ticker(clock::read)
        .build();
  }

  BackendServer.Builder backend(String name, String ip) throws IOException {
    BackendServer.Builder builder =
        BackendServer.builder(name).address(InetAddress.getByName(ip)).port(0);
    return http2 ? builder.tls(certificates).http2(true) : builder;
  }

  /** The user's client, as they would have it: TLS set up, a pool sized to the callers. */
  OkHttpClient.Builder plainClient(int callers) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(Math.max(5, callers * 2), 5, TimeUnit.MINUTES))
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(10));
    if (http2) {
      builder.sslSocketFactory(certificates.clientSocketFactory(),
          certificates.clientTrustManager());
      builder.protocols(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    } else {
      builder.protocols(List.of(Protocol.HTTP_1_1));
    }
    return builder;
  }

  HttpUrl url(String path) {
    return blue.url(HOST, path);
  }

  Request get(String path) {
    return new Request.Builder().url(url(path)).build();
  }

  /** Moves DNS to green and makes the client's resolver see it now, with all events delivered. */
  void flipToGreen() throws Exception {
    dns.setAddresses(HOST, TTL, "127.0.0.3");
    seeDnsNow();
  }

  /** Changes DNS at the server only; the client learns of it on its own (TTL or a signal). */
  void flipDnsServerOnly(String... ips) {
    dns.setAddresses(HOST, TTL, ips);
  }

  /** Lets the resolver query again now: past the forced-refresh rate limit (minTtl). */
  void seeDnsNow() throws Exception {
    ticker.advance(Duration.ofSeconds(2));
    resolver.refresh(HOST).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** Both protocols in both drain modes: the matrix most integration tests run over. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> setups() {
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of(false, DrainMode.PUBLIC_API),
        org.junit.jupiter.params.provider.Arguments.of(true, DrainMode.PUBLIC_API),
        org.junit.jupiter.params.provider.Arguments.of(false, DrainMode.OKHTTP_INTERNALS),
        org.junit.jupiter.params.provider.Arguments.of(true, DrainMode.OKHTTP_INTERNALS));
  }

  /** The sorted literals of addresses, so assertions ignore the rotation order. */
  static List<String> literals(List<InetAddress> addresses) {
    return addresses.stream().map(InetAddress::getHostAddress).sorted().toList();
  }

  static String body(Response response) throws IOException {
    return response.body().string();
  }

  /** The load's first failure with its stack trace, for a failing assertion's message. */
  static String firstFailure(Load load) {
    Throwable first = load.firstFailure();
    if (first == null) {
      return "";
    }
    StringWriter trace = new StringWriter();
    first.printStackTrace(new PrintWriter(trace));
    return "; the first failure: " + trace;
  }

  static void await(Duration timeout, String what, BooleanSupplier condition) {
    Poll.until(timeout, what, condition);
  }

  @Override
  public void close() {
    resolver.close();
    blue.close();
    green.close();
    dns.close();
  }
}

package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-request cost of the wrapper: one GET on a pooled keep-alive connection to a loopback
 * server, through a plain {@link OkHttpClient} and through {@link CutoverOkHttp#wrap} of the same
 * configuration. Each client has its own pool, so neither reuses the other's connections.
 *
 * <p>The server, the loopback round trip and OkHttp itself dominate; the difference between the
 * two scores is what the event listener and the two interceptors add to a call that succeeds.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class RequestBenchmark {
  private static final String HOST = "api.cutover.test";

  /**
   * How the request travels: {@code HTTP_1_1} in clear text, {@code HTTP_1_1_TLS}, or {@code
   * HTTP_2} (TLS with ALPN).
   */
  @Param({"HTTP_1_1", "HTTP_1_1_TLS", "HTTP_2"})
  public String protocol;

  private EmbeddedDnsServer dns;
  private CutoverResolver resolver;
  private BackendServer server;
  private OkHttpClient plain;
  private OkHttpClient wrapped;
  private Request request;

  /** Creates one. JMH creates the state itself; public for the generated code. */
  public RequestBenchmark() {}

  /**
   * Starts the servers, builds both clients and opens one pooled connection for each.
   *
   * @throws IOException if a server cannot start or the first request fails
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    boolean tls = !protocol.equals("HTTP_1_1");
    boolean http2 = protocol.equals("HTTP_2");
    TestCertificates certificates = tls ? TestCertificates.forHosts(HOST) : null;
    server = BackendServer.builder("backend").tls(certificates).http2(http2).start();
    dns = EmbeddedDnsServer.start();
    dns.setAddresses(HOST, Resolvers.LONG_TTL, server.address().getHostAddress());
    resolver = Resolvers.against(dns).build();
    request = new Request.Builder().url(server.url(HOST, "/")).build();

    plain = client(certificates)
        .dns(host -> List.of(server.address()))
        .build();
    wrapped = CutoverOkHttp.wrap(client(certificates).build(), resolver);
    String expected = http2 ? "h2" : "http/1.1";
    for (OkHttpClient client : List.of(plain, wrapped)) {
      try (Response response = client.newCall(request).execute()) {
        if (!response.protocol().toString().equals(expected)) {
          throw new IllegalStateException("expected " + expected + ", got " + response.protocol());
        }
      }
    }
  }

  /** Two clients built from the same settings, each with its own pool and dispatcher. */
  private static OkHttpClient.Builder client(TestCertificates certificates) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool())
        .dispatcher(new Dispatcher())
        .socketFactory(new NoDelaySocketFactory());
    if (certificates != null) {
      builder.sslSocketFactory(
          certificates.clientSocketFactory(), certificates.clientTrustManager());
    }
    return builder;
  }

  /**
   * Closes the clients' connections, the resolver and the servers.
   *
   * @throws IOException if the HTTP server fails to shut down
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    for (OkHttpClient client : List.of(plain, wrapped)) {
      client.connectionPool().evictAll();
      client.dispatcher().executorService().shutdown();
    }
    resolver.close();
    dns.close();
    server.close();
  }

  /**
   * One GET through plain OkHttp.
   *
   * @return the body, for JMH to consume
   * @throws IOException if the call fails
   */
  @Benchmark
  public String plain() throws IOException {
    return call(plain);
  }

  /**
   * The same GET through the Cutover-wrapped client.
   *
   * @return the body, for JMH to consume
   * @throws IOException if the call fails
   */
  @Benchmark
  public String wrapped() throws IOException {
    return call(wrapped);
  }

  private String call(OkHttpClient client) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      ResponseBody body = response.body();
      if (response.code() != 200) {
        throw new IOException("expected 200, got " + response.code());
      }
      return body.string();
    }
  }
}

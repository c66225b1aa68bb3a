package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The retry path: a GET that meets a 503 and is retried by Cutover to a 200, against a plain GET
 * that gets its 200 at once, and against plain OkHttp where the caller retries by hand. HTTP/1.1
 * in clear text, back-off zero, retry budget unlimited, so only the work of the retry is measured.
 *
 * <p>A 503 is a cutover signal: Cutover retires the connection it came on, so its retry opens a
 * new connection (a loopback TCP connect is in the score); the caller retrying by hand reuses the
 * pooled one. The server answers 503 and 200 in turn; the benchmark is single-threaded, so every
 * call sees exactly one 503 and one 200.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class RetryBenchmark {
  private static final String HOST = "api.cutover.test";

  private EmbeddedDnsServer dns;
  private CutoverResolver resolver;
  private BackendServer healthy;
  private BackendServer flapping;
  private OkHttpClient plain;
  private OkHttpClient wrapped;
  private Request healthyRequest;
  private Request flappingRequest;
  private Request closingRequest;

  /** Creates one. JMH creates the state itself; public for the generated code. */
  public RetryBenchmark() {}

  /**
   * Starts the servers and builds the clients.
   *
   * @throws IOException if a server cannot start
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    healthy = BackendServer.builder("healthy").start();
    flapping = BackendServer.builder("flapping").start();
    flapping.unavailableEveryOther();
    dns = EmbeddedDnsServer.start();
    dns.setAddresses(HOST, Resolvers.LONG_TTL, flapping.address().getHostAddress());
    resolver = Resolvers.against(dns).build();
    healthyRequest = new Request.Builder().url(healthy.url(HOST, "/")).build();
    flappingRequest = new Request.Builder().url(flapping.url(HOST, "/")).build();
    closingRequest = healthyRequest.newBuilder().header("Connection", "close").build();

    plain = client().dns(host -> List.of(flapping.address())).build();
    wrapped = CutoverOkHttp.builder(client().build())
        .resolver(resolver)
        .maxAttempts(2)
        .initialBackoff(Duration.ZERO)
        .maxBackoff(Duration.ZERO)
        // Every call retries once: the default budget (20% + 10/s) would stop retrying at once.
        .retryBudgetRatio(1)
        .minRetriesPerSecond(Integer.MAX_VALUE)
        .build();
  }

  private static OkHttpClient.Builder client() {
    return new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool())
        .dispatcher(new Dispatcher())
        // No SO_LINGER 0 here, though every retry closes a connection: MockWebServer leaks the
        // socket of a connection reset by its peer (about 2,000 descriptors a second here).
        // Ordinary closes leave TIME_WAIT instead, which Linux reuses on loopback
        // (net.ipv4.tcp_tw_reuse = 2, the default).
        .socketFactory(new NoDelaySocketFactory());
  }

  /**
   * Closes the clients' connections, the resolver and the servers.
   *
   * @throws IOException if an HTTP server fails to shut down
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    for (OkHttpClient client : List.of(plain, wrapped)) {
      client.connectionPool().evictAll();
      client.dispatcher().executorService().shutdown();
    }
    resolver.close();
    dns.close();
    healthy.close();
    flapping.close();
  }

  /**
   * Plain OkHttp, a GET answered 200 at once: the floor.
   *
   * @return the status, for JMH to consume
   * @throws IOException if the call fails
   */
  @Benchmark
  public int plain() throws IOException {
    return status(plain, healthyRequest);
  }

  /**
   * Plain OkHttp, a GET answered 200 on a new connection, closed after it: what the new
   * connection in {@link #wrapped()} costs by itself.
   *
   * @return the status, for JMH to consume
   * @throws IOException if the call fails
   */
  @Benchmark
  public int plainNewConnection() throws IOException {
    return status(plain, closingRequest);
  }

  /**
   * Plain OkHttp against the flapping server, the caller retrying a 503 itself.
   *
   * @return the final status, for JMH to consume
   * @throws IOException if a call fails
   */
  @Benchmark
  public int plainRetryByHand() throws IOException {
    int status = status(plain, flappingRequest);
    return status == 503 ? status(plain, flappingRequest) : status;
  }

  /**
   * The wrapped client against the flapping server: a 503, retired connection, retry, 200.
   *
   * @return the final status, for JMH to consume
   * @throws IOException if the call fails
   */
  @Benchmark
  public int wrapped() throws IOException {
    int status = status(wrapped, flappingRequest);
    if (status != 200) {
      // Not retried: the score would be of the wrong path.
      throw new IllegalStateException("expected the retry to get 200, got " + status);
    }
    return status;
  }

  private static int status(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      response.body().string();
      return response.code();
    }
  }
}

package dev.cutover.benchmarks;

import dev.cutover.okhttp.CutoverOkHttp;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
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
 * Back-to-back JMH runs of the two methods cannot resolve a difference of 1% on a shared
 * machine; {@link OverheadBenchmark} measures the same request paired and interleaved.
 *
 * <p>The fork sees one processor (G1 kept): with two, Okio's buffer pool has two buckets, and
 * whether each client's calling thread shares one with the server thread of its connection
 * depends on the threads' ids, and that decided, client by client, whether some 8 KB per request
 * was allocated on the calling thread or on the server's (see {@link OverheadBenchmark}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:ActiveProcessorCount=1", "-XX:+UseG1GC"})
public class RequestBenchmark {
  /**
   * How the request travels: {@code HTTP_1_1} in clear text, {@code HTTP_1_1_TLS}, or {@code
   * HTTP_2} (TLS with ALPN).
   */
  @Param({"HTTP_1_1", "HTTP_1_1_TLS", "HTTP_2"})
  public String protocol;

  private RequestFixture fixture;
  private OkHttpClient plain;
  private OkHttpClient wrapped;

  /** Creates one. JMH creates the state itself; public for the generated code. */
  public RequestBenchmark() {}

  /**
   * Starts the servers, builds both clients and opens one pooled connection for each.
   *
   * @throws IOException if a server cannot start or the first request fails
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    fixture = new RequestFixture(protocol);
    plain = fixture.plain();
    wrapped = fixture.wrapped();
  }

  /**
   * Closes the clients' connections, the resolver and the servers.
   *
   * @throws IOException if the HTTP server fails to shut down
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    fixture.close();
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
    return fixture.call(client);
  }
}

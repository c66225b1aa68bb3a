package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.Poll;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Callback;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * How long a DNS change takes to be handled with N idle pooled HTTP/1.1 connections to the
 * address that left: the resolver's refresh, then the connection tracker retiring and closing
 * every one of them. The refresh returns only after the listeners ran, so the score is both; the
 * {@code connections=0} case is the refresh alone, and the difference is the tracker's work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class AddressChangeBenchmark {
  private static final String HOST = "api.cutover.test";
  private static final String GREEN = "127.0.0.2";
  /** Longer than any set-up takes: the hold is ended by hand once every request is in. */
  private static final Duration HOLD = Duration.ofSeconds(60);

  /** Idle pooled connections to the address that leaves the answer. */
  @Param({"0", "10", "100", "1000"})
  public int connections;

  private EmbeddedDnsServer dns;
  private CutoverResolver resolver;
  private BackendServer blue;
  private OkHttpClient client;
  private Request request;

  /** Creates one. JMH creates the state itself; public for the generated code. */
  public AddressChangeBenchmark() {}

  /**
   * Starts the servers and builds the client.
   *
   * @throws IOException if a server cannot start
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    blue = BackendServer.builder("blue").start();
    dns = EmbeddedDnsServer.start();
    dns.setAddresses(HOST, Resolvers.LONG_TTL, blue.address().getHostAddress());
    // A 1 ms floor: each invocation may refresh the host again at once.
    resolver = Resolvers.against(dns).minTtl(Duration.ofMillis(1)).build();
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(Math.max(1, connections));
    dispatcher.setMaxRequestsPerHost(Math.max(1, connections));
    OkHttpClient plain = new OkHttpClient.Builder()
        .dispatcher(dispatcher)
        .connectionPool(new ConnectionPool(Math.max(1, connections), 5, TimeUnit.MINUTES))
        .socketFactory(new NoDelaySocketFactory())
        // The first held request waits until the last has arrived: at load 9 to 14 on 2 cores,
        // 1,000 took longer than OkHttp's default 10 s read time-out. Longer than the 60 s the
        // set-up waits for them, so the wait, not the time-out, is what fails a broken set-up.
        .readTimeout(Duration.ofSeconds(90))
        .build();
    client = CutoverOkHttp.wrap(plain, resolver);
    request = new Request.Builder().url(blue.url(HOST, "/")).build();
  }

  /**
   * Puts blue back in DNS and opens {@link #connections} connections to it, left idle in the
   * pool: the tracker drained and closed the previous ones.
   *
   * @throws Exception if DNS or a call fails
   */
  @Setup(Level.Invocation)
  public void connect() throws Exception {
    // The drained connections are closed but may still sit in the pool until OkHttp's next
    // clean-up; drop them so that the count below sees only the new ones.
    client.connectionPool().evictAll();
    dns.setAddresses(HOST, Resolvers.LONG_TTL, blue.address().getHostAddress());
    resolver.refresh(HOST).toCompletableFuture().get(10, TimeUnit.SECONDS);
    if (connections == 0) {
      return;
    }
    // Each request is held at blue until all have arrived, so that the client needs as many
    // connections; blue counts a request on arrival, before the hold.
    int before = blue.requestCount();
    blue.delay(HOLD);
    CountDownLatch done = new CountDownLatch(connections);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < connections; i++) {
      client.newCall(request).enqueue(new Callback() {
        @Override
        public void onResponse(Call call, Response response) throws IOException {
          try (response) {
            response.body().string();
          }
          done.countDown();
        }

        @Override
        public void onFailure(Call call, IOException e) {
          failure.compareAndSet(null, e);
          done.countDown();
        }
      });
    }
    Poll.until(Duration.ofSeconds(60), connections + " requests held at blue",
        () -> blue.requestCount() - before >= connections || failure.get() != null);
    blue.delay(Duration.ZERO);
    if (!done.await(60, TimeUnit.SECONDS) || failure.get() != null) {
      throw new IllegalStateException("could not open the connections", failure.get());
    }
    int idle = client.connectionPool().idleConnectionCount();
    if (idle != connections) {
      throw new IllegalStateException("expected " + connections + " idle, got " + idle);
    }
  }

  /**
   * Closes the client's connections, the resolver and the servers.
   *
   * @throws IOException if the HTTP server fails to shut down
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    client.connectionPool().evictAll();
    client.dispatcher().executorService().shutdown();
    resolver.close();
    dns.close();
    blue.close();
  }

  /**
   * Blue leaves the DNS answer for green; returns once the tracker has handled the change.
   *
   * @return the new addresses, for JMH to consume
   * @throws Exception if the refresh fails
   */
  @Benchmark
  public Object cutover() throws Exception {
    dns.setAddresses(HOST, Resolvers.LONG_TTL, GREEN);
    List<?> addresses = resolver.refresh(HOST).toCompletableFuture().get(10, TimeUnit.SECONDS);
    return addresses;
  }
}

package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
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
 * A resolver tracking {@value #HOSTS} names, its limit: the cost of a cache hit when the cache is
 * full and the lookups walk all of it (so the entries do not all sit in the CPU cache), and the
 * cost of refreshing every name once, as the background refresh does once per TTL.
 *
 * <p>There is no JDK side: the JVM cache cannot be filled with 10,000 names without as many
 * real DNS names. Compare {@code lookupAmong10k} with {@code LookupBenchmark.system}. The heap
 * that the names take is measured by {@link HeapFootprint}, outside JMH.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class ScaleBenchmark {
  static final int HOSTS = 10_000;
  /** Refreshes in flight at once: enough to keep both cores busy, few enough to drop no UDP. */
  private static final int REFRESH_WINDOW = 64;

  private EmbeddedDnsServer dns;
  private CutoverResolver resolver;
  private String[] names;

  /** Creates one. JMH creates the state itself; public for the generated code. */
  public ScaleBenchmark() {}

  /** Where one thread is in its walk over the names. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    /** Creates one. JMH creates the state itself; public for the generated code. */
    public Cursor() {}
  }

  /**
   * Starts the DNS server with {@value #HOSTS} names and resolves each once.
   *
   * @throws IOException if the server cannot start or a lookup fails
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dns = EmbeddedDnsServer.start();
    names = names(dns);
    // A 1 ms floor lets refreshAll ask again for every name on each invocation; the 1 h TTL
    // keeps the background refresh out of the lookup measurements.
    resolver = Resolvers.against(dns).maxHosts(HOSTS).minTtl(Duration.ofMillis(1)).build();
    for (String name : names) {
      resolver.lookup(name);
    }
  }

  /** Registers {@value #HOSTS} distinct names with distinct addresses. */
  static String[] names(EmbeddedDnsServer dns) {
    String[] names = new String[HOSTS];
    for (int i = 0; i < HOSTS; i++) {
      names[i] = "h" + i + ".scale.cutover.test";
      dns.setAddresses(names[i], Resolvers.LONG_TTL, "10.0." + (i / 250) + "." + (i % 250 + 1));
    }
    return names;
  }

  /** Stops the resolver and the server. */
  @TearDown(Level.Trial)
  public void tearDown() {
    resolver.close();
    dns.close();
  }

  /**
   * A cache hit, each call on the next of the {@value #HOSTS} names.
   *
   * @param cursor this thread's position
   * @return the addresses, for JMH to consume
   * @throws IOException never on a hit
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public List<InetAddress> lookupAmong10k(Cursor cursor) throws IOException {
    int i = cursor.next;
    cursor.next = i + 1 == HOSTS ? 0 : i + 1;
    return resolver.lookup(names[i]);
  }

  /**
   * Asks DNS again for every name, {@value #REFRESH_WINDOW} at a time, and waits for all answers:
   * what the background refresh costs per TTL period. The embedded server answers on the same
   * two cores, so its work is in the score too.
   *
   * @return how many refreshes failed, for JMH to consume (0 expected)
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public int refreshAll() {
    int failed = 0;
    List<CompletableFuture<List<InetAddress>>> window = new ArrayList<>(REFRESH_WINDOW);
    for (int i = 0; i < HOSTS; i++) {
      CompletionStage<List<InetAddress>> stage = resolver.refresh(names[i]);
      window.add(stage.toCompletableFuture());
      if (window.size() == REFRESH_WINDOW || i == HOSTS - 1) {
        for (CompletableFuture<List<InetAddress>> future : window) {
          failed += future.handle((addresses, error) -> error == null ? 0 : 1).join();
        }
        window.clear();
      }
    }
    return failed;
  }
}

package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.Dns;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * A cache hit of {@link CutoverResolver#lookup(String)} against {@link Dns#SYSTEM} answering from
 * the JVM's own address cache, on one thread and on two.
 *
 * <p>The two sides cannot look up the same name: Cutover answers {@code localhost} without its
 * cache, and the JDK would ask the system resolver for a name only our embedded DNS server knows.
 * So Cutover looks up {@code api.cutover.test} (resolved once in set-up, then always a hit) and the
 * JDK looks up {@code localhost} (read once from the hosts file, then a hit in the JVM cache, whose
 * TTL the fork raises so that no run re-reads the file). Both are pure cache hits.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dsun.net.inetaddr.ttl=3600"})
public class LookupBenchmark {
  private static final String HOST = "api.cutover.test";
  private static final String JDK_HOST = "localhost";

  private EmbeddedDnsServer dns;
  private CutoverResolver resolver;

  /** Creates one. JMH creates the state itself; public for the generated code. */
  public LookupBenchmark() {}

  /**
   * Starts the DNS server and fills both caches.
   *
   * @throws IOException if the server cannot start or a lookup fails
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dns = EmbeddedDnsServer.start();
    dns.setAddresses(HOST, Resolvers.LONG_TTL, "127.0.0.1");
    resolver = Resolvers.against(dns).build();
    resolver.lookup(HOST);
    Dns.SYSTEM.lookup(JDK_HOST);
  }

  /** Stops the resolver and the server. */
  @TearDown(Level.Trial)
  public void tearDown() {
    resolver.close();
    dns.close();
  }

  /**
   * A Cutover cache hit.
   *
   * @return the addresses, for JMH to consume
   * @throws IOException never on a hit
   */
  @Benchmark
  public List<InetAddress> cutover() throws IOException {
    return resolver.lookup(HOST);
  }

  /**
   * What plain OkHttp does for a name the JVM has cached.
   *
   * @return the addresses, for JMH to consume
   * @throws IOException never on a hit
   */
  @Benchmark
  public List<InetAddress> system() throws IOException {
    return Dns.SYSTEM.lookup(JDK_HOST);
  }

  /**
   * {@link #cutover()} from two threads at once: contention on the shared entry.
   *
   * @return the addresses, for JMH to consume
   * @throws IOException never on a hit
   */
  @Benchmark
  @Threads(2)
  public List<InetAddress> cutover2Threads() throws IOException {
    return resolver.lookup(HOST);
  }

  /**
   * {@link #system()} from two threads at once.
   *
   * @return the addresses, for JMH to consume
   * @throws IOException never on a hit
   */
  @Benchmark
  @Threads(2)
  public List<InetAddress> system2Threads() throws IOException {
    return Dns.SYSTEM.lookup(JDK_HOST);
  }
}

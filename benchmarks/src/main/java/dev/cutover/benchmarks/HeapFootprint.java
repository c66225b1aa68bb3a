package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;

/**
 * Prints the heap that a resolver tracking {@value ScaleBenchmark#HOSTS} names retains, as a
 * Markdown table row. Not a JMH benchmark: retained memory is one number, not a rate.
 *
 * <p>Run with {@code java -cp benchmarks.jar dev.cutover.benchmarks.HeapFootprint}. The heap is
 * read after repeated {@link System#gc()} calls, before and after the lookups, with the DNS
 * server's records already in place, so only the resolver's entries are counted.
 */
public final class HeapFootprint {
  private HeapFootprint() {}

  /**
   * Measures and prints.
   *
   * @param args ignored
   * @throws IOException if the DNS server cannot start or a lookup fails
   */
  public static void main(String[] args) throws IOException {
    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start()) {
      String[] names = ScaleBenchmark.names(dns);
      CutoverResolver resolver =
          Resolvers.against(dns).maxHosts(ScaleBenchmark.HOSTS).build();
      resolver.lookup(names[0]); // loads the classes and starts the threads of a first lookup
      long before = usedAfterGc();
      for (String name : names) {
        resolver.lookup(name);
      }
      long after = usedAfterGc();
      Reference.reachabilityFence(resolver);
      resolver.close();
      long bytes = after - before;
      System.out.printf("| HeapFootprint.retained | %d names | %.2f | | MiB (%d B/name) |%n",
          ScaleBenchmark.HOSTS, bytes / (1024.0 * 1024.0), bytes / (ScaleBenchmark.HOSTS - 1));
    }
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    // A few rounds: one System.gc() may leave garbage that a finished concurrent phase frees.
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

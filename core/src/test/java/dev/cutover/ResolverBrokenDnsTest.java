package dev.cutover;

import static dev.cutover.Testing.await;
import static dev.cutover.Testing.literals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.FakeTicker;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resolver against a DNS server that misbehaves the way real ones and hostile ones do: huge
 * answers, one family failing, long search lists, slow listeners. Real UDP and TCP, a fake clock.
 */
class ResolverBrokenDnsTest {
  private static final String HOST = "api.cutover.test";

  private EmbeddedDnsServer dns;
  private final FakeTicker ticker = new FakeTicker();
  private final RecordingListener listener = new RecordingListener();
  private CutoverResolver resolver;

  @BeforeEach
  void startDns() throws Exception {
    dns = EmbeddedDnsServer.start();
  }

  @AfterEach
  void stop() {
    if (resolver != null) {
      resolver.close();
    }
    dns.close();
  }

  private CutoverResolver.Builder builder() {
    return CutoverResolver.builder()
        .nameServers(dns.address())
        .queryTimeout(Duration.ofSeconds(2))
        .hostsFile(null)
        .ticker(ticker::read);
  }

  private CutoverResolver start(CutoverResolver.Builder builder) {
    resolver = builder.build();
    resolver.addListener(listener);
    return resolver;
  }

  private static String[] addresses(int count, int thirdOctet) {
    String[] literals = new String[count];
    for (int i = 0; i < count; i++) {
      literals[i] = "10." + thirdOctet + "." + (i / 250) + "." + (i % 250 + 1);
    }
    return literals;
  }

  @Test
  void aHugeAnswerKeepsAtMostTheCapAndLittleMemory() throws Exception {
    // 3,000 A records: about 48 KB on the wire, truncated over UDP, so fetched over TCP.
    dns.setAddresses("warm-up.cutover.test", Duration.ofSeconds(30), addresses(3_000, 1));
    dns.setAddresses(HOST, Duration.ofSeconds(30), addresses(3_000, 2));
    start(builder().resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY));
    // The first huge answer loads the classes and buffers any such answer needs.
    assertEquals(64, resolver.lookup("warm-up.cutover.test").size());

    long before = usedHeapAfterGc();
    List<InetAddress> served = resolver.lookup(HOST);
    long after = usedHeapAfterGc();
    Reference.reachabilityFence(resolver);

    assertEquals(64, served.size(), "the default cap");
    assertEquals(List.of(addresses(64, 2)).stream().sorted().toList(), literals(served),
        "the first 64 of the answer, in its order");
    assertEquals(64, new HashSet<>(resolver.cachedAddresses(HOST)).size());
    assertTrue(dns.tcpQueryCount() >= 2, "both answers came over TCP");
    long grown = after - before;
    // Each rotation used to be a copy: 3,000 addresses held ~35 MB for one name.
    assertTrue(grown < 1024 * 1024, "one huge name retains " + grown + " bytes");
  }

  @Test
  void theCapIsASetting() throws Exception {
    dns.setAddresses(HOST, Duration.ofSeconds(30), addresses(10, 3));
    start(builder().maxAddresses(4).resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY));
    assertEquals(List.of(addresses(4, 3)).stream().sorted().toList(),
        literals(resolver.lookup(HOST)));
    // The next answer names the other six: a flip, and still four addresses at most.
    dns.setAddresses(HOST, Duration.ofSeconds(30), "10.3.0.5", "10.3.0.6", "10.3.0.7",
        "10.3.0.8", "10.3.0.9", "10.3.0.10");
    ticker.advance(Duration.ofSeconds(30));
    resolver.lookup(HOST);
    await(Duration.ofSeconds(5), "the refresh", () -> listener.changes.size() == 1);
    assertEquals(List.of("10.3.0.5", "10.3.0.6", "10.3.0.7", "10.3.0.8"),
        literals(resolver.cachedAddresses(HOST)));
  }

  /** The heap in use once garbage is gone: the least of a few collections' readings. */
  static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}

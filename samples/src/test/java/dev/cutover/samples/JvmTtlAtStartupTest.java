package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.ChildJvm;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM TTL sample against blue (127.0.0.2) and green (127.0.0.3): a client that does not go
 * through Cutover follows a change of the name's address within the 5 s the sample sets, where
 * the JVM's default would keep blue for 30 s.
 *
 * <p>The JVM's own resolver cannot be pointed at a test DNS server, so the child JVM resolves the
 * name from a hosts file of the test's ({@code -Djdk.net.hosts.file}); the JVM's address cache,
 * and the TTL the sample sets on it, apply to those answers as to DNS ones.
 */
class JvmTtlAtStartupTest {
  private static final String HOST = "api.cutover.test";
  /** Half the JVM's default of 30 s: only the sample's 5 s TTL gets the client there in time. */
  private static final Duration SWITCH_DEADLINE = Duration.ofSeconds(15);

  @TempDir Path dir;

  @Test
  void aPlainJdkClientFollowsTheChangeWithinTheTtlSetInMain() throws Exception {
    List<BackendServer> pair = BackendServer.startPair(
        BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2")),
        BackendServer.builder("green").address(InetAddress.getByName("127.0.0.3")));
    Path hosts = dir.resolve("hosts");
    try (BackendServer blue = pair.get(0); BackendServer green = pair.get(1)) {
      writeHosts(hosts, "127.0.0.2");
      String url = blue.url(HOST, "/").toString();
      try (ChildJvm child = ChildJvm.start(ChildJvm.classPath(),
          List.of("-Djdk.net.hosts.file=" + hosts, "-Dhttp.keepAlive=false"),
          JvmTtlAtStartupProbe.class.getName(), url)) {
        child.awaitLine("JVM DNS cache: 5 s, negative 1 s", Duration.ofSeconds(30));
        child.awaitLine("answer blue", Duration.ofSeconds(30));

        writeHosts(hosts, "127.0.0.3");
        long changed = System.nanoTime();
        child.awaitLine("answer green", SWITCH_DEADLINE);
        Duration took = Duration.ofNanos(System.nanoTime() - changed);

        assertTrue(took.compareTo(SWITCH_DEADLINE) < 0, "green after " + took);
        child.awaitExit(Duration.ofSeconds(30));
        assertTrue(green.requestCount() >= 1, "green answered");
      }
    }
  }

  /** Replaces the file in one step, so that the child never reads it half written. */
  private static void writeHosts(Path hosts, String address) throws Exception {
    Path next = hosts.resolveSibling("hosts.next");
    Files.writeString(next, address + " " + HOST + "\n", StandardCharsets.US_ASCII);
    Files.move(next, hosts, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}

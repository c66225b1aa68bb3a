package dev.cutover;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs in a child JVM for {@link JvmDnsCacheTest}: resolves a name from a hosts file it then
 * rewrites, and reports how long the JVM kept serving the old address.
 */
public final class JvmDnsCacheProbe {
  static final String NAME = "probe.cutover.test";

  private JvmDnsCacheProbe() {}

  /**
   * Entry point.
   *
   * @param args the mode: {@code set-first}, {@code lookup-first} or {@code none}
   * @throws Exception on any failure, which fails the parent test
   */
  public static void main(String[] args) throws Exception {
    Path hosts = Path.of(System.getProperty("jdk.net.hosts.file"));
    String mode = args[0];
    if (mode.equals("lookup-first")) {
      InetAddress.getByName(NAME);
    }
    if (!mode.equals("none")) {
      System.out.println("status=" + JvmDnsCache.setTtl(Duration.ofSeconds(1), Duration.ZERO));
    }
    String first = InetAddress.getByName(NAME).getHostAddress();
    Files.writeString(hosts, "127.0.0.6 " + NAME + "\n");
    long started = System.nanoTime();
    while (System.nanoTime() - started < 4_000_000_000L) {
      if (!InetAddress.getByName(NAME).getHostAddress().equals(first)) {
        System.out.println("changed-after-ms=" + (System.nanoTime() - started) / 1_000_000);
        return;
      }
      Thread.sleep(50);
    }
    System.out.println("unchanged");
  }
}

package dev.cutover.samples;

import dev.cutover.JvmDnsCache;
import java.time.Duration;

/**
 * Sets the JVM's own DNS cache TTL first thing in {@code main}, for the clients that do not go
 * through Cutover (JDBC drivers, {@code java.net.http}, SDKs), and says if it was too late.
 */
public final class JvmTtlAtStartup {
  private JvmTtlAtStartup() {}

  /**
   * The application's entry point, with the TTL set before anything resolves a name.
   *
   * @param args unused
   */
  public static void main(String[] args) {
    JvmDnsCache.Status status =
        JvmDnsCache.setTtl(Duration.ofSeconds(5), Duration.ofSeconds(1));
    if (status == JvmDnsCache.Status.APPLIED) {
      System.out.println("JVM DNS cache: 5 s, negative 1 s");
    } else {
      System.out.println("JVM DNS cache TTL not applied (" + status + "): something resolved a"
          + " name before main; start the JVM with -javaagent:cutover-core.jar=ttl=5,"
          + "negativeTtl=1 instead");
    }
    // ... the rest of the application starts here.
  }
}

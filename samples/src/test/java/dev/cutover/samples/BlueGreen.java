package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import okhttp3.Request;

/**
 * What the samples are tried against: blue (127.0.0.2) and green (127.0.0.3) on one port, behind
 * an embedded DNS server that names blue for {@link #HOST}, with a TTL far longer than any test.
 * Not thread-safe; close it when done.
 */
final class BlueGreen implements AutoCloseable {
  static final String HOST = "api.cutover.test";
  private static final Duration TTL = Duration.ofSeconds(30);

  final EmbeddedDnsServer dns;
  final BackendServer blue;
  final BackendServer green;

  private BlueGreen(EmbeddedDnsServer dns, BackendServer blue, BackendServer green) {
    this.dns = dns;
    this.blue = blue;
    this.green = green;
  }

  static BlueGreen start() throws IOException {
    EmbeddedDnsServer dns = EmbeddedDnsServer.start();
    try {
      List<BackendServer> pair = BackendServer.startPair(
          BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2")),
          BackendServer.builder("green").address(InetAddress.getByName("127.0.0.3")));
      dns.setAddresses(HOST, TTL, "127.0.0.2");
      return new BlueGreen(dns, pair.get(0), pair.get(1));
    } catch (IOException | RuntimeException e) {
      dns.close();
      throw e;
    }
  }

  /** A resolver that asks the embedded DNS server alone, for IPv4, with no hosts file. */
  CutoverResolver resolver() {
    return CutoverResolver.builder().nameServers(dns.address()).hostsFile(null)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).build();
  }

  /** DNS names green instead of blue, long before the TTL of blue's answer is over. */
  void moveToGreen() {
    dns.setAddresses(HOST, TTL, "127.0.0.3");
  }

  /** The cutover the samples follow: DNS moves to green, and blue answers 503 from now on. */
  void cutOver() {
    moveToGreen();
    blue.unavailable();
  }

  /** A GET of {@code path} on {@link #HOST}, at the servers' port. */
  Request get(String path) {
    return new Request.Builder().url(blue.url(HOST, path)).build();
  }

  @Override
  public void close() {
    blue.close();
    green.close();
    dns.close();
  }
}

package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.time.Duration;

/** Resolver set-up shared by the benchmarks. */
final class Resolvers {
  /**
   * Long enough that no record expires or is refreshed in the background during a run: the
   * benchmarks measure the cache hit, not the refresh that a real TTL would trigger now and then.
   */
  static final Duration LONG_TTL = Duration.ofHours(1);

  private Resolvers() {}

  /**
   * A resolver that asks only the embedded server, ignores /etc/hosts (so that results do not
   * depend on the machine) and asks for A records only (the servers are on 127.0.0.1).
   */
  static CutoverResolver.Builder against(EmbeddedDnsServer dns) {
    return CutoverResolver.builder()
        .nameServers(dns.address())
        .hostsFile(null)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .maxTtl(LONG_TTL)
        .idleTimeout(LONG_TTL);
  }
}

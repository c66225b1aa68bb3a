package dev.cutover.internal;

import dev.cutover.ResolvedAddressTypes;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.Name;
import org.xbill.DNS.ResolverConfig;

/**
 * Where and how the resolver asks: validated by {@code CutoverResolver.Builder}, with null (or
 * -1 for ndots) meaning "the system's", until {@link #withSystemDefaults()} fills those in.
 * Immutable.
 *
 * @param nameServers the servers to ask, in order; null for the system's
 * @param queryTimeout the bound on one resolution across all servers
 * @param searchPath the search domains; null for the system's, or none with explicit servers
 * @param ndots dots a name needs to be tried as absolute first; -1 for the system's
 * @param addressTypes the families resolved, and their order
 * @param hostsFile the hosts file read before DNS; null for none
 * @param maxQueriesInFlight how many queries may be out at once, across all hosts
 */
public record DnsSettings(
    List<InetSocketAddress> nameServers,
    Duration queryTimeout,
    List<Name> searchPath,
    int ndots,
    ResolvedAddressTypes addressTypes,
    Path hostsFile,
    int maxQueriesInFlight) {

  /** The system's hosts file: {@code /etc/hosts}, or the Windows equivalent. */
  public static Path systemHostsFile() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      String root = System.getenv().getOrDefault("SystemRoot", "C:\\Windows");
      return Path.of(root, "System32", "drivers", "etc", "hosts");
    }
    return Path.of("/etc/hosts");
  }

  /**
   * Returns these settings with every "the system's" replaced by the system configuration
   * (resolv.conf and its equivalents, read only if something is missing).
   *
   * @throws IllegalStateException if no name server is set and the system lists none
   */
  DnsSettings withSystemDefaults() {
    ResolverConfig system = nameServers == null || searchPath == null || ndots < 0
        ? ResolverConfig.getCurrentConfig() : null;
    List<InetSocketAddress> servers = nameServers != null ? nameServers : system.servers();
    if (servers.isEmpty()) {
      throw new IllegalStateException("no name servers: the system configuration lists none;"
          + " set them with CutoverResolver.builder().nameServers(...)");
    }
    List<Name> search;
    if (searchPath != null) {
      search = searchPath;
    } else if (nameServers == null) {
      search = system.searchPath();
    } else {
      // Explicit name servers are usually not the ones the system's search domains belong to.
      search = List.of();
    }
    return new DnsSettings(List.copyOf(servers), queryTimeout, List.copyOf(search),
        ndots >= 0 ? ndots : system.ndots(), addressTypes, hostsFile, maxQueriesInFlight);
  }
}

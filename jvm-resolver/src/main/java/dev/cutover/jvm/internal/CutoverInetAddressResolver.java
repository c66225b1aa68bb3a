package dev.cutover.jvm.internal;

import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV4_FIRST;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6;
import static java.net.spi.InetAddressResolver.LookupPolicy.IPV6_FIRST;

import dev.cutover.CutoverResolver;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The JVM-wide resolver: host names through a {@link CutoverResolver}, the rest through the
 * JDK's built-in resolver. Thread-safe: immutable, over thread-safe parts.
 */
final class CutoverInetAddressResolver implements InetAddressResolver {
  private final CutoverResolver resolver;
  private final InetAddressResolver builtin;
  private final String localHostName;

  CutoverInetAddressResolver(CutoverResolver resolver, InetAddressResolver builtin,
      String localHostName) {
    this.resolver = resolver;
    this.builtin = builtin;
    this.localHostName = localHostName;
  }

  @Override
  public Stream<InetAddress> lookupByName(String host, LookupPolicy lookupPolicy)
      throws UnknownHostException {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(lookupPolicy, "lookupPolicy");
    // The built-in resolver knows these as the system does (hosts file, nsswitch, the machine's
    // own interfaces), which is what InetAddress.getLocalHost() and friends expect.
    if (host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost.")
        || host.equalsIgnoreCase(localHostName)) {
      return builtin.lookupByName(host, lookupPolicy);
    }
    List<InetAddress> addresses;
    try {
      addresses = resolver.lookup(host);
    } catch (IllegalStateException closed) {
      UnknownHostException e = new UnknownHostException(host + ": the CutoverResolver that"
          + " answers this JVM's host name lookups was closed; a resolver given to"
          + " CutoverJvmResolver.install must stay open for as long as the JVM runs");
      e.initCause(closed);
      throw e;
    }
    return select(host, addresses, lookupPolicy.characteristics()).stream();
  }

  @Override
  public String lookupByAddress(byte[] addr) throws UnknownHostException {
    return builtin.lookupByAddress(addr);
  }

  /**
   * Keeps the families the JDK asks for, in the order it asks for; within a family, the
   * resolver's order (rotated per lookup) is kept. Neither IPV4_FIRST nor IPV6_FIRST means the
   * system's order, which for Cutover is the resolver's own.
   *
   * @throws UnknownHostException if no address of the families asked for is left
   */
  static List<InetAddress> select(String host, List<InetAddress> addresses, int characteristics)
      throws UnknownHostException {
    boolean ipv4 = (characteristics & IPV4) != 0;
    boolean ipv6 = (characteristics & IPV6) != 0;
    boolean ipv6First = (characteristics & IPV6_FIRST) != 0;
    boolean ordered = ipv6First || (characteristics & IPV4_FIRST) != 0;
    List<InetAddress> first = new ArrayList<>(addresses.size());
    List<InetAddress> second = new ArrayList<>();
    for (InetAddress address : addresses) {
      boolean isIpv4 = address instanceof Inet4Address;
      if (isIpv4 ? !ipv4 : !ipv6) {
        continue;
      }
      if (ordered && isIpv4 == ipv6First) {
        second.add(address); // of the family asked to come last
      } else {
        first.add(address);
      }
    }
    first.addAll(second);
    if (first.isEmpty()) {
      String wanted = ipv4 ? "IPv4" : "IPv6";
      throw new UnknownHostException(host + ": it has no " + wanted + " address (DNS gave "
          + addresses + "), and this JVM looks up " + wanted + " addresses only"
          + (ipv4 ? " (-Djava.net.preferIPv4Stack=true, or a system without IPv6)"
              : " (a system without IPv4)"));
    }
    return first;
  }
}

package dev.cutover;

/**
 * Which address families a {@link CutoverResolver} asks DNS for, and in which order it returns
 * them.
 *
 * <p>Within one family the addresses are rotated on every lookup (see {@link
 * CutoverResolver#lookup(String)}), so connections spread over all of a load balancer's
 * addresses instead of piling onto the first.
 */
public enum ResolvedAddressTypes {
  /** Only A records (IPv4). One query per name. */
  IPV4_ONLY,
  /** Only AAAA records (IPv6). One query per name. */
  IPV6_ONLY,
  /** A and AAAA records, IPv4 addresses first. The default, matching the JDK's default order. */
  IPV4_PREFERRED,
  /** A and AAAA records, IPv6 addresses first. */
  IPV6_PREFERRED;

  /**
   * Returns whether A records are queried.
   *
   * @return true if IPv4 addresses are resolved
   */
  public boolean includesIpv4() {
    return this != IPV6_ONLY;
  }

  /**
   * Returns whether AAAA records are queried.
   *
   * @return true if IPv6 addresses are resolved
   */
  public boolean includesIpv6() {
    return this != IPV4_ONLY;
  }
}

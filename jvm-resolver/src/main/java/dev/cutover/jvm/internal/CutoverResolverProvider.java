package dev.cutover.jvm.internal;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.jvm.CutoverJvmResolver;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.Address;

/**
 * The provider the JDK finds through {@code META-INF/services}. The JDK asks it once, at the
 * JVM's first host name lookup; it answers with Cutover's resolver if Cutover was turned on, and
 * otherwise with what the JDK would have picked without it. It also holds the process-wide state
 * of {@link CutoverJvmResolver}. Thread-safe.
 */
public final class CutoverResolverProvider extends InetAddressResolverProvider {
  /** dnsjava's own switch for its provider, read by {@code DnsjavaInetAddressResolverProvider}. */
  static final String DNSJAVA_ENABLE_PROPERTY = "org.dnsjava.spi.enable";

  private static final System.Logger LOG = System.getLogger("dev.cutover.jvm");
  private static final Object LOCK = new Object();
  private static CutoverResolver installed; // guarded by LOCK
  private static boolean consulted; // guarded by LOCK
  private static volatile CutoverResolver active;

  /** For {@link java.util.ServiceLoader}. */
  public CutoverResolverProvider() {}

  /**
   * Stores the resolver the JDK will be given, unless the JDK has asked already.
   *
   * @param resolver the resolver
   * @return whether it was stored
   */
  public static boolean install(CutoverResolver resolver) {
    synchronized (LOCK) {
      if (consulted) {
        return false;
      }
      installed = resolver;
      return true;
    }
  }

  /** Returns whether the JDK has asked this provider for its resolver. */
  public static boolean consulted() {
    synchronized (LOCK) {
      return consulted;
    }
  }

  /** Returns the Cutover resolver the JDK was given, or null. */
  public static CutoverResolver active() {
    return active;
  }

  @Override
  public InetAddressResolver get(Configuration configuration) {
    CutoverResolver resolver;
    synchronized (LOCK) {
      // From here on an install cannot take effect: it reports TOO_LATE instead.
      consulted = true;
      resolver = installed;
    }
    if (resolver == null && Boolean.getBoolean(CutoverJvmResolver.ENABLE_PROPERTY)) {
      resolver = fromProperties();
    }
    if (resolver == null) {
      return stepAside(configuration);
    }
    if (Boolean.getBoolean(DNSJAVA_ENABLE_PROPERTY)) {
      LOG.log(Level.WARNING, "both Cutover's JVM-wide resolver and dnsjava's ("
          + DNSJAVA_ENABLE_PROPERTY + "=true) are turned on; Cutover's answers, dnsjava's is not"
          + " used. Turn one of them off to make the choice explicit");
    }
    active = resolver;
    LOG.log(Level.INFO, "the JVM's host name lookups now go through Cutover's resolver (name"
        + " servers " + resolver.nameServers() + ")");
    return new CutoverInetAddressResolver(resolver, configuration.builtinResolver(),
        configuration.lookupLocalHostName());
  }

  @Override
  public String name() {
    return "cutover";
  }

  /** Builds the resolver that {@code -Ddev.cutover.jvm.resolver=true} asks for; null if it fails. */
  private static CutoverResolver fromProperties() {
    try {
      CutoverResolver.Builder builder = CutoverResolver.builder()
          .resolvedAddressTypes(addressTypesOfThisJvm());
      String servers = System.getProperty(CutoverJvmResolver.NAME_SERVERS_PROPERTY);
      if (servers != null) {
        builder.nameServers(parseNameServers(servers));
      }
      return builder.build();
    } catch (RuntimeException e) {
      LOG.log(Level.ERROR, "-D" + CutoverJvmResolver.ENABLE_PROPERTY + "=true, but Cutover's"
          + " resolver cannot be set up: " + e.getMessage() + ". Until this is fixed and the JVM"
          + " restarted, its host name lookups go where they would without Cutover", e);
      return null;
    }
  }

  /** Hands the choice on to the provider the JDK would use without this one, or the built-in. */
  private static InetAddressResolver stepAside(Configuration configuration) {
    InetAddressResolverProvider next = ProviderOrder.next();
    if (next == null) {
      return configuration.builtinResolver();
    }
    LOG.log(Level.DEBUG, "Cutover's JVM-wide resolver is not turned on; the JDK's resolver is"
        + " the one " + next.getClass().getName() + " gives");
    return next.get(configuration);
  }

  /**
   * The families the JDK's own settings ask for, so that the resolver does not query what every
   * lookup would filter out. The JDK also weighs what the system supports; the lookup policy it
   * passes with each lookup is still applied on top.
   */
  private static ResolvedAddressTypes addressTypesOfThisJvm() {
    if (Boolean.getBoolean("java.net.preferIPv4Stack")) {
      return ResolvedAddressTypes.IPV4_ONLY;
    }
    if ("true".equalsIgnoreCase(System.getProperty("java.net.preferIPv6Addresses"))) {
      return ResolvedAddressTypes.IPV6_PREFERRED;
    }
    return ResolvedAddressTypes.IPV4_PREFERRED;
  }

  /**
   * Parses {@link CutoverJvmResolver#NAME_SERVERS_PROPERTY}: comma-separated IP addresses, each
   * with an optional port, without any name lookup (this runs while the JDK picks its resolver).
   *
   * @throws IllegalArgumentException naming the property and the entry, if one is malformed
   */
  static InetSocketAddress[] parseNameServers(String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException("-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY
          + " is empty; list name servers such as 10.0.0.2,10.0.0.3:5353, or leave it unset for"
          + " the system's");
    }
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String entry : value.split(",", -1)) {
      servers.add(parseNameServer(entry.trim()));
    }
    return servers.toArray(new InetSocketAddress[0]);
  }

  private static InetSocketAddress parseNameServer(String entry) {
    String host = entry;
    String port = null;
    boolean bracketed = false;
    int lastColon = entry.lastIndexOf(':');
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      if (close > 0 && (close == entry.length() - 1 || entry.charAt(close + 1) == ':')) {
        host = entry.substring(1, close);
        port = close == entry.length() - 1 ? null : entry.substring(close + 2);
        bracketed = true;
      }
    } else if (lastColon > 0 && entry.indexOf(':') == lastColon) {
      host = entry.substring(0, lastColon); // one colon: IPv4 with a port; more: bare IPv6
      port = entry.substring(lastColon + 1);
    }
    // Brackets are for IPv6 only; without them, IPv4 is tried first.
    byte[] bytes = bracketed ? null : Address.toByteArray(host, Address.IPv4);
    if (bytes == null) {
      bytes = Address.toByteArray(host, Address.IPv6);
    }
    int portNumber = port == null ? 53 : parsePort(port);
    if (bytes == null || portNumber < 1 || portNumber > 65535) {
      throw new IllegalArgumentException("-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + ": '"
          + entry + "' is not an IP address with an optional port 1 to 65535; expected for"
          + " example 10.0.0.2, 10.0.0.2:5353, 2001:db8::53 or [2001:db8::53]:5353, separated by"
          + " commas (addresses, not names: the name servers are how names get resolved)");
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(bytes), portNumber);
    } catch (UnknownHostException e) {
      throw new AssertionError("4 or 16 bytes are always an address", e);
    }
  }

  private static int parsePort(String port) {
    try {
      return Integer.parseInt(port);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

package dev.cutover.jvm;

import dev.cutover.CutoverResolver;
import dev.cutover.jvm.internal.CutoverResolverProvider;
import dev.cutover.jvm.internal.ProviderOrder;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.Optional;

/**
 * Makes a {@link CutoverResolver} answer every host name lookup of the JVM ({@code
 * InetAddress.getByName}, and so {@code java.net.http}, JDBC drivers, SDKs), through the JDK's
 * resolver service ({@code java.net.spi.InetAddressResolverProvider}, JEP 418, JDK 18 and newer).
 *
 * <p><b>Off unless turned on.</b> Being on the class path changes nothing: the JDK asks this
 * artifact's provider for its resolver, and unless Cutover was turned on the provider hands the
 * choice on, as if it were not there, to the next provider on the class path (dnsjava's, which
 * answers only under {@code -Dorg.dnsjava.spi.enable=true}) or else to the JDK's built-in
 * resolver. It is turned on either way:
 *
 * <ul>
 *   <li>{@code -Ddev.cutover.jvm.resolver=true} ({@link #ENABLE_PROPERTY}): a resolver with
 *       {@link CutoverResolver}'s defaults, asking the system's name servers, or those listed in
 *       {@code -Ddev.cutover.jvm.resolver.nameServers=10.0.0.2,10.0.0.3:5353} ({@link
 *       #NAME_SERVERS_PROPERTY}). It is built at the JVM's first lookup, so it is never too late.
 *       If it cannot be built (a malformed list, no system name servers), an ERROR is logged and
 *       the provider steps aside as if the property were not set: name lookups keep working.
 *   <li>{@link #install(CutoverResolver)}, first thing in {@code main}, for a resolver with other
 *       settings or listeners; check that it returns {@link Status#APPLIED}. An installed
 *       resolver wins over the property.
 * </ul>
 *
 * <p><b>Why a separate artifact.</b> The JDK picks its resolver once, at the first lookup, and
 * asks only the <em>first</em> provider that {@link java.util.ServiceLoader} finds through the
 * thread's context class loader. A provider inside {@code cutover-core} would be that first
 * provider in every user's JVM; this one is only where it is asked for.
 *
 * <p><b>Class path order.</b> dnsjava, which Cutover depends on, registers a provider too. If its
 * jar comes before this one, the JDK asks dnsjava's provider alone and this one never: {@link
 * #status()} then returns {@link Status#OTHER_PROVIDER}, and {@link #install} logs a WARNING
 * naming the provider in charge. Put {@code cutover-jvm-resolver} before dnsjava on the class
 * path: in Maven, declare it before any dependency that brings dnsjava, {@code cutover-core} and
 * {@code cutover-okhttp} among them (Maven puts each dependency before what it brings). If
 * dnsjava's provider is enabled too, Cutover's answers and a WARNING says so.
 *
 * <p><b>What answers what.</b> Host names go to {@link CutoverResolver#lookup}, and its addresses
 * are filtered and ordered as the JDK asks ({@code java.net.preferIPv4Stack}, {@code
 * java.net.preferIPv6Addresses}). {@code localhost}, this machine's own name and reverse lookups
 * ({@code InetAddress.getCanonicalHostName}) go to the JDK's built-in resolver; IP literals never
 * reach a resolver. Names that only the operating system knows by other means than the hosts
 * file and DNS (mDNS, NIS) do not resolve. {@code -Djdk.net.hosts.file} makes the JDK answer
 * from that file and ask no provider at all.
 *
 * <p><b>The JVM's cache still comes first.</b> The JDK keeps every answer for {@code
 * networkaddress.cache.ttl} (30 s by default) before any resolver is asked. Set it to zero, with
 * {@link dev.cutover.JvmDnsCache#setTtl JvmDnsCache.setTtl(Duration.ZERO, Duration.ZERO)} or its
 * other ways, so that each record's TTL decides: Cutover's own cache answers in nanoseconds.
 *
 * <p><b>Recursion.</b> A lookup the provider itself causes while the JDK is picking (reading the
 * system's DNS settings, say) is answered by the JDK's built-in resolver: the JDK guards that
 * case. Cutover's resolver queries name servers by address and never looks a name up through
 * the JVM.
 *
 * <p>Thread-safety: the methods are static and thread-safe; they change process-wide state. An
 * install racing the JVM's first lookup either is used or reports {@link Status#TOO_LATE}.
 */
public final class CutoverJvmResolver {
  /** The system property that turns Cutover on as the JVM-wide resolver: {@code true}. */
  public static final String ENABLE_PROPERTY = "dev.cutover.jvm.resolver";
  /**
   * The system property listing the name servers of the resolver that {@link #ENABLE_PROPERTY}
   * builds, comma-separated IP addresses with optional ports: {@code 10.0.0.2}, {@code
   * 10.0.0.2:5353}, {@code 2001:db8::53} or {@code [2001:db8::53]:5353}. Unset: the system's.
   */
  public static final String NAME_SERVERS_PROPERTY = "dev.cutover.jvm.resolver.nameServers";

  private static final System.Logger LOG = System.getLogger("dev.cutover.jvm");

  private CutoverJvmResolver() {}

  /** Whether a resolver installed now answers the JVM's host name lookups. */
  public enum Status {
    /**
     * No name has been looked up yet, and the JDK will ask Cutover's provider: the resolver
     * installed now answers every lookup from the first on.
     */
    APPLIED,
    /**
     * A name was already looked up: the JDK picked its resolver then and will not pick again.
     * Install before anything looks a name up, or start the JVM with {@code
     * -Ddev.cutover.jvm.resolver=true}.
     */
    TOO_LATE,
    /**
     * Another resolver provider comes first on the class path (dnsjava's, for example): the JDK
     * asks only the first, so it never asks Cutover's. Put {@code cutover-jvm-resolver} before
     * that provider's jar on the class path.
     */
    OTHER_PROVIDER,
    /**
     * {@code -Djdk.net.hosts.file} is set: the JDK answers from that file alone and asks no
     * provider. Remove the option to let Cutover answer.
     */
    HOSTS_FILE
  }

  /**
   * Makes a resolver answer the JVM's host name lookups, if the JDK has not picked its resolver
   * yet; logs a WARNING saying why and what to do when it cannot. The resolver is used for the
   * life of the JVM: do not close it. A second install before the first lookup replaces the first.
   *
   * @param resolver the resolver
   * @return {@link Status#APPLIED} if it will answer; otherwise why not, and it is not used
   * @throws NullPointerException if resolver is null
   */
  public static Status install(CutoverResolver resolver) {
    Objects.requireNonNull(resolver, "resolver");
    Class<?> first = ProviderOrder.first();
    Status status = status(first);
    if (status == Status.APPLIED && !CutoverResolverProvider.install(resolver)) {
      status = Status.TOO_LATE; // the JDK's first lookup came in between
    }
    if (status != Status.APPLIED) {
      LOG.log(Level.WARNING, "CutoverJvmResolver.install is not applied: " + why(status, first));
    }
    return status;
  }

  /**
   * Says whether a resolver installed now would answer the JVM's lookups, without installing
   * anything: at start-up, a check that {@code -Ddev.cutover.jvm.resolver=true} will take effect
   * (anything but {@link Status#OTHER_PROVIDER} and {@link Status#HOSTS_FILE} means it will).
   * Finds the providers the way the JDK does, which loads their classes; meant for start-up, not
   * for a hot path.
   *
   * @return the status
   */
  public static Status status() {
    return status(ProviderOrder.first());
  }

  /**
   * Returns the resolver answering the JVM's host name lookups, if the JDK picked Cutover's
   * provider and Cutover was turned on. Empty before the JVM's first lookup, and whenever another
   * resolver answers. Add listeners to it (a {@code ResolverMetrics}, say) to see the DNS changes
   * of every client in the JVM.
   *
   * @return the resolver in charge, if it is Cutover's
   */
  public static Optional<CutoverResolver> active() {
    return Optional.ofNullable(CutoverResolverProvider.active());
  }

  private static Status status(Class<?> firstProvider) {
    if (CutoverResolverProvider.consulted()) {
      return Status.TOO_LATE;
    }
    if (System.getProperty("jdk.net.hosts.file") != null) {
      return Status.HOSTS_FILE;
    }
    if (firstProvider != CutoverResolverProvider.class) {
      return Status.OTHER_PROVIDER;
    }
    return Status.APPLIED;
  }

  private static String why(Status status, Class<?> first) {
    switch (status) {
      case TOO_LATE:
        return "the JVM has looked a name up already, and the JDK picked its resolver then, for"
            + " good; call install before anything looks a name up, or start the JVM with -D"
            + ENABLE_PROPERTY + "=true";
      case HOSTS_FILE:
        return "-Djdk.net.hosts.file is set, so the JDK answers from that file and asks no"
            + " resolver provider; remove the option to let Cutover answer";
      case OTHER_PROVIDER:
        if (first == null) {
          return "the JDK finds resolver providers through the thread's context class loader,"
              + " which does not see cutover-jvm-resolver; call install from a thread whose"
              + " context class loader does, or put the jar on the application class path";
        }
        String which = first.getName().equals(CutoverResolverProvider.class.getName())
            ? "another copy of Cutover's (loaded by " + first.getClassLoader() + ")"
            : first.getName();
        return "the JDK asks only the first resolver provider on the class path, which is "
            + which + ", and never Cutover's; put cutover-jvm-resolver before that provider's"
            + " jar on the class path (dnsjava's jar registers one)";
      default:
        throw new AssertionError(status);
    }
  }
}

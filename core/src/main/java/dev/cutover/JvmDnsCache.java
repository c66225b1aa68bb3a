package dev.cutover;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.time.Duration;
import java.util.Locale;
import javax.management.ObjectName;

/**
 * Sets the JVM's own DNS cache TTLs the way that works, for the clients in the process that do
 * not go through a {@link CutoverResolver} (JDBC drivers, {@code java.net.http}, SDKs).
 *
 * <p>{@code networkaddress.cache.ttl} and {@code networkaddress.cache.negative.ttl} are
 * <em>security</em> properties, not system properties: {@code -Dnetworkaddress.cache.ttl=5} does
 * nothing. The JDK reads them once, at the first host name lookup in the process; setting them
 * afterwards changes nothing. So, in order of preference:
 *
 * <ol>
 *   <li>call {@link #setTtl} first thing in {@code main}, before anything resolves a name, and
 *       check that it returns {@link Status#APPLIED};
 *   <li>or start the JVM with {@code -Djava.security.properties=FILE}, a file {@link
 *       #writeSecurityProperties} writes;
 *   <li>or start it with {@code -javaagent:cutover-core.jar=ttl=5,negativeTtl=1} (seconds), which
 *       sets them before {@code main} runs.
 * </ol>
 *
 * <p>AWS's guidance for its SDK is a TTL of 5 s. The JDK's defaults are 30 s and 10 s.
 *
 * <p>Thread-safety: the methods are static and thread-safe; they change process-wide state.
 */
public final class JvmDnsCache {
  /** The security property for the positive TTL, in seconds. */
  public static final String TTL_PROPERTY = "networkaddress.cache.ttl";
  /** The security property for the negative TTL, in seconds. */
  public static final String NEGATIVE_TTL_PROPERTY = "networkaddress.cache.negative.ttl";

  private static final String POLICY_CLASS = "sun.net.InetAddressCachePolicy";
  /** The JDK reads both properties as an {@code int}; a larger number is ignored. */
  private static final Duration MAX_TTL = Duration.ofSeconds(Integer.MAX_VALUE);

  private JvmDnsCache() {}

  /** Whether TTLs set now can still take effect. */
  public enum Status {
    /** No name has been looked up yet in this JVM: the values set will be used. */
    APPLIED,
    /**
     * A name was already looked up: the JDK has read the TTLs and will not read them again. Use
     * {@code -Djava.security.properties} or the agent instead.
     */
    TOO_LATE,
    /**
     * This JVM does not let us tell (its diagnostic MBean is unavailable). The values are set;
     * they apply only if no name was looked up before.
     */
    UNKNOWN
  }

  /**
   * Sets both TTLs, and says whether they can still take effect.
   *
   * @param ttl how long the JVM caches an answer; zero disables caching; rounded up to seconds,
   *     at most {@link Integer#MAX_VALUE} seconds (the JDK reads an {@code int})
   * @param negativeTtl how long it caches a failed lookup; zero disables caching; at most {@link
   *     Integer#MAX_VALUE} seconds
   * @return whether the values will be used
   * @throws IllegalArgumentException if a duration is null, negative or above {@link
   *     Integer#MAX_VALUE} seconds
   */
  public static Status setTtl(Duration ttl, Duration negativeTtl) {
    String seconds = seconds("ttl", ttl);
    String negativeSeconds = seconds("negativeTtl", negativeTtl);
    Status status = status();
    Security.setProperty(TTL_PROPERTY, seconds);
    Security.setProperty(NEGATIVE_TTL_PROPERTY, negativeSeconds);
    return status;
  }

  /**
   * Says whether TTLs set now could still take effect, without setting anything. Costs a
   * diagnostic command (tens of milliseconds): meant for start-up, not for a hot path.
   *
   * @return the status
   */
  public static Status status() {
    try {
      Object classes = ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmClassHierarchy",
          new Object[] {null}, new String[] {String[].class.getName()});
      // The JDK loads its cache policy, and reads the TTLs, at the first name lookup.
      return String.valueOf(classes).contains(POLICY_CLASS) ? Status.TOO_LATE : Status.APPLIED;
    } catch (Exception | LinkageError e) {
      return Status.UNKNOWN;
    }
  }

  /**
   * Writes a security properties file with both TTLs, for {@code
   * -Djava.security.properties=FILE} (it adds to the JDK's own {@code java.security}, which
   * stays in force for everything else).
   *
   * @param file where to write; parent directories are created
   * @param ttl the positive TTL; zero disables caching; at most {@link Integer#MAX_VALUE} seconds
   * @param negativeTtl the negative TTL; zero disables caching; at most {@link
   *     Integer#MAX_VALUE} seconds
   * @return the JVM option to pass, {@code -Djava.security.properties=<absolute path>}
   * @throws IOException if the file cannot be written
   * @throws IllegalArgumentException if a duration is null, negative or above {@link
   *     Integer#MAX_VALUE} seconds
   */
  public static String writeSecurityProperties(Path file, Duration ttl, Duration negativeTtl)
      throws IOException {
    String content = "# Written by Cutover's JvmDnsCache\n"
        + TTL_PROPERTY + "=" + seconds("ttl", ttl) + "\n"
        + NEGATIVE_TTL_PROPERTY + "=" + seconds("negativeTtl", negativeTtl) + "\n";
    Path absolute = file.toAbsolutePath();
    if (absolute.getParent() != null) {
      Files.createDirectories(absolute.getParent());
    }
    Files.writeString(absolute, content, StandardCharsets.UTF_8);
    return "-Djava.security.properties=" + absolute;
  }

  /**
   * The {@code -javaagent} entry point: sets the TTLs before {@code main} runs. Arguments are
   * comma-separated {@code ttl=SECONDS} and {@code negativeTtl=SECONDS}, for example {@code
   * -javaagent:cutover-core.jar=ttl=5,negativeTtl=1}; an omitted one keeps the JDK's value.
   *
   * @param agentArgs the arguments after {@code =}, or null
   * @param instrumentation unused
   * @throws IllegalArgumentException if an argument is malformed (the JVM then refuses to start,
   *     printing the message)
   */
  public static void premain(String agentArgs, Instrumentation instrumentation) {
    if (agentArgs == null || agentArgs.isBlank()) {
      return;
    }
    for (String argument : agentArgs.split(",")) {
      String[] pair = argument.trim().split("=", 2);
      String key = pair[0].trim().toLowerCase(Locale.ROOT);
      long value;
      try {
        value = pair.length == 2 ? Long.parseLong(pair[1].trim()) : -1;
      } catch (NumberFormatException e) {
        value = -1;
      }
      if (value < 0 || value > Integer.MAX_VALUE
          || !(key.equals("ttl") || key.equals("negativettl"))) {
        throw new IllegalArgumentException("Cutover agent: expected ttl=SECONDS and/or"
            + " negativeTtl=SECONDS (whole seconds, 0 to " + Integer.MAX_VALUE + "), got '"
            + argument + "'");
      }
      Security.setProperty(key.equals("ttl") ? TTL_PROPERTY : NEGATIVE_TTL_PROPERTY,
          Long.toString(value));
    }
  }

  private static String seconds(String name, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(
          name + ": expected zero or a positive duration, got " + value);
    }
    if (value.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(name + ": expected at most " + Integer.MAX_VALUE
          + " seconds (the JDK ignores a larger value and keeps its default), got " + value);
    }
    long seconds = value.getSeconds() + (value.getNano() > 0 ? 1 : 0);
    return Long.toString(seconds);
  }
}

package dev.cutover.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.JvmDnsCache;
import dev.cutover.testkit.ChildJvm;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM-wide resolver as the JDK itself uses it: each test starts a fresh JVM (the JDK picks its
 * resolver once per process) with this module and its dependencies on the class path, and looks
 * names up with plain {@code InetAddress}. The name {@value #NAME} exists only on the embedded DNS
 * servers here, so which address a child gets tells who answered: Cutover asking {@code dns}
 * (127.0.0.2), dnsjava asking {@code other} (127.0.0.9), or the system's resolver (no address).
 */
class CutoverJvmResolverTest {
  private static final String NAME = "app.cutover.test";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private EmbeddedDnsServer dns;
  private EmbeddedDnsServer other;
  private String noJvmCache;

  @BeforeEach
  void startDns() throws Exception {
    dns = EmbeddedDnsServer.start().setAddresses(NAME, Duration.ofSeconds(1), "127.0.0.2");
    other = EmbeddedDnsServer.start().setAddresses(NAME, Duration.ofSeconds(1), "127.0.0.9");
    // The JVM keeps every answer for networkaddress.cache.ttl (30 s by default) in front of any
    // resolver; with 0 every lookup reaches the resolver, so the record's own TTL decides.
    noJvmCache = JvmDnsCache.writeSecurityProperties(dir.resolve("no-cache.security"),
        Duration.ZERO, Duration.ZERO);
  }

  @AfterEach
  void stopDns() {
    dns.close();
    other.close();
  }

  @Test
  void onTheClassPathAloneItChangesNothing() throws Exception {
    String output = run(ChildJvm.classPath(),
        List.of("-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + "=" + server(dns)),
        "lookup=" + NAME, "lookup=localhost", "active", "status");
    assertTrue(output.contains("lookup " + NAME + " failed: "), output);
    assertTrue(output.contains("lookup localhost=") && output.contains("127.0.0.1"), output);
    assertTrue(output.contains("active=none"), output);
    // TOO_LATE: the JDK did ask Cutover's provider, first on the class path, which stepped aside.
    assertTrue(output.contains("status=TOO_LATE"), output);
    assertEquals(0, dns.queryCount(), "Cutover's resolver must not have been built");
  }

  @Test
  void turnedOnByPropertyItResolvesThroughCutoverAndFollowsTheRecord() throws Exception {
    List<String> options = List.of(noJvmCache, "-D" + CutoverJvmResolver.ENABLE_PROPERTY + "=true",
        "-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + "=" + server(dns));
    try (ChildJvm child = ChildJvm.start(ChildJvm.classPath(), options,
        JvmResolverProbe.class.getName(), "follow=" + NAME, "active")) {
      assertEquals("first " + NAME + "=127.0.0.2", child.awaitLine("first ", TIMEOUT));
      dns.setAddresses(NAME, Duration.ofSeconds(1), "127.0.0.3");
      String output = child.awaitExit(TIMEOUT);
      Matcher then = Pattern.compile(
          "then " + Pattern.quote(NAME) + "=127\\.0\\.0\\.3 after (\\d+) ms").matcher(output);
      assertTrue(then.find(), output);
      // The record's TTL is 1 s: the change is seen about 1 s after the first answer. A record
      // held for the resolver's maxTtl (30 s, refreshed at 24 s) or by a JVM cache would take
      // far longer; 5 s leaves room for a loaded machine and for this test's own reaction.
      long followedMillis = Long.parseLong(then.group(1));
      assertTrue(followedMillis < 5_000,
          "followed the record in " + followedMillis + " ms, its TTL is 1 s: " + output);
      assertTrue(output.contains("active=" + server(dns)), output);
      assertTrue(output.contains("the JVM's host name lookups now go through Cutover's resolver"),
          output);
    }
  }

  @Test
  void malformedNameServersAreLoggedAndLookupsKeepWorking() throws Exception {
    String output = run(ChildJvm.classPath(),
        List.of(noJvmCache, "-D" + CutoverJvmResolver.ENABLE_PROPERTY + "=true",
            "-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + "=ns1.example:53"),
        "lookup=localhost", "active");
    assertTrue(output.contains("-Ddev.cutover.jvm.resolver=true, but Cutover's resolver cannot be"
        + " set up: -Ddev.cutover.jvm.resolver.nameServers: 'ns1.example:53' is not an IP"
        + " address"), output);
    assertTrue(output.contains("lookup localhost=") && output.contains("127.0.0.1"), output);
    assertTrue(output.contains("active=none"), output);
  }

  @Test
  void installedBeforeTheFirstLookupItIsAppliedAndAnswers() throws Exception {
    String output = run(ChildJvm.classPath(), List.of(noJvmCache),
        "install=" + server(dns), "lookup=" + NAME, "active");
    assertTrue(output.contains("install=APPLIED"), output);
    assertTrue(output.contains("lookup " + NAME + "=127.0.0.2\n"), output);
    assertTrue(output.contains("active=installed"), output);
  }

  @Test
  void aNameWithColonAndPercentThatIsNoIpv6LiteralFailsInsteadOfRecursing() throws Exception {
    // The JDK takes "g:%1" for a host name (it does not start with a hex digit) and asks the
    // resolver; Cutover must not hand it back to InetAddress, which would ask Cutover again.
    String output = run(ChildJvm.classPath(), List.of(noJvmCache),
        "install=" + server(dns), "lookup=g:%1", "lookup=[g:%1]", "lookup=" + NAME);
    assertTrue(output.contains("install=APPLIED"), output);
    assertTrue(output.contains("lookup g:%1 failed: Invalid host name 'g:%1': it contains ':'"
        + " but is not a valid IPv6 address"), output);
    assertTrue(output.contains("lookup [g:%1] failed: "), output);
    assertTrue(output.contains("lookup " + NAME + "=127.0.0.2\n"), output);
    assertEquals(dns.queryCount(NAME, "A") + dns.queryCount(NAME, "AAAA"), dns.queryCount(),
        "only the real name reached DNS");
  }

  @Test
  void installedAfterALookupItIsTooLateAndSaysWhy() throws Exception {
    String output = run(ChildJvm.classPath(), List.of(noJvmCache),
        "lookup=localhost", "install=" + server(dns), "lookup=" + NAME, "active");
    assertTrue(output.contains("install=TOO_LATE"), output);
    assertTrue(output.contains("CutoverJvmResolver.install is not applied: the JVM has looked a"
        + " name up already"), output);
    assertTrue(output.contains("lookup " + NAME + " failed: "), output);
    assertTrue(output.contains("active=none"), output);
    assertEquals(0, dns.queryCount(), "the resolver installed too late must not have been asked");
  }

  @Test
  void dnsjavaFirstOnTheClassPathIsReportedWithTheFix() throws Exception {
    List<String> classPath = ChildJvm.classPath();
    String dnsjava = classPath.stream()
        .filter(entry -> Path.of(entry).getFileName().toString().startsWith("dnsjava-"))
        .findFirst().orElseThrow(() -> new AssertionError("no dnsjava jar in " + classPath));
    List<String> dnsjavaFirst = new ArrayList<>(classPath);
    dnsjavaFirst.remove(dnsjava);
    dnsjavaFirst.add(0, dnsjava);
    // Turned on, too: it makes no difference, since the JDK never asks Cutover's provider.
    String output = run(dnsjavaFirst,
        List.of(noJvmCache, "-D" + CutoverJvmResolver.ENABLE_PROPERTY + "=true",
            "-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + "=" + server(dns)),
        "status", "install=" + server(dns), "lookup=" + NAME, "active");
    assertTrue(output.contains("status=OTHER_PROVIDER"), output);
    assertTrue(output.contains("install=OTHER_PROVIDER"), output);
    assertTrue(output.contains("CutoverJvmResolver.install is not applied: the JDK asks only the"
        + " first resolver provider on the class path, which is"
        + " org.xbill.DNS.spi.DnsjavaInetAddressResolverProvider, and never Cutover's; put"
        + " cutover-jvm-resolver before that provider's jar on the class path"), output);
    assertTrue(output.contains("lookup " + NAME + " failed: "), output);
    assertTrue(output.contains("active=none"), output);
    assertEquals(0, dns.queryCount());
  }

  @Test
  void dnsjavaTurnedOnAloneAnswersThoughCutoverComesFirst() throws Exception {
    String output = run(ChildJvm.classPath(),
        List.of(noJvmCache, "-Dorg.dnsjava.spi.enable=true", "-Ddns.server=" + server(other),
            "-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + "=" + server(dns)),
        "lookup=" + NAME, "active", "status");
    assertTrue(output.contains("lookup " + NAME + "=127.0.0.9\n"), output);
    assertTrue(output.contains("active=none"), output);
    assertTrue(output.contains("status=TOO_LATE"), output); // Cutover's was asked, and stepped aside
    assertEquals(0, dns.queryCount());
  }

  @Test
  void bothTurnedOnCutoverAnswersAndSaysSo() throws Exception {
    String output = run(ChildJvm.classPath(),
        List.of(noJvmCache, "-Dorg.dnsjava.spi.enable=true", "-Ddns.server=" + server(other),
            "-D" + CutoverJvmResolver.ENABLE_PROPERTY + "=true",
            "-D" + CutoverJvmResolver.NAME_SERVERS_PROPERTY + "=" + server(dns)),
        "lookup=" + NAME, "active");
    assertTrue(output.contains("lookup " + NAME + "=127.0.0.2\n"), output);
    assertTrue(output.contains("active=" + server(dns)), output);
    assertTrue(output.contains("both Cutover's JVM-wide resolver and dnsjava's"
        + " (org.dnsjava.spi.enable=true) are turned on; Cutover's answers"), output);
    assertEquals(0, other.queryCount(), "dnsjava's resolver must not have been asked");
  }

  @Test
  void aHostsFileOptionIsReported() throws Exception {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.7 " + NAME + "\n");
    String output = run(ChildJvm.classPath(),
        List.of(noJvmCache, "-Djdk.net.hosts.file=" + hosts),
        "status", "install=" + server(dns), "lookup=" + NAME);
    assertTrue(output.contains("status=HOSTS_FILE"), output);
    assertTrue(output.contains("install=HOSTS_FILE"), output);
    assertTrue(output.contains("-Djdk.net.hosts.file is set"), output);
    assertTrue(output.contains("lookup " + NAME + "=127.0.0.7\n"), output);
    assertEquals(0, dns.queryCount());
  }

  private static String run(List<String> classPath, List<String> options, String... steps)
      throws Exception {
    try (ChildJvm child = ChildJvm.start(classPath, options, JvmResolverProbe.class.getName(),
        steps)) {
      return child.awaitExit(TIMEOUT) + "\n";
    }
  }

  private static String server(EmbeddedDnsServer server) {
    return server.address().getAddress().getHostAddress() + ":" + server.address().getPort();
  }
}

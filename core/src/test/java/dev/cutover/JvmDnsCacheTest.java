package dev.cutover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way of setting the JVM's DNS TTL, shown in a child JVM whose only name source is a hosts
 * file the child rewrites: with a 1 s TTL the new address shows within seconds, with the JDK's
 * default 30 s it does not show within the 4 s the probe waits.
 */
class JvmDnsCacheTest {
  @TempDir Path dir;

  @Test
  void setBeforeTheFirstLookupIsAppliedAndTakesEffect() throws Exception {
    String output = runProbe("set-first");
    assertTrue(output.contains("status=APPLIED"), output);
    assertTrue(output.contains("changed-after-ms="), output);
  }

  @Test
  void setAfterALookupIsReportedTooLateAndChangesNothing() throws Exception {
    String output = runProbe("lookup-first");
    assertTrue(output.contains("status=TOO_LATE"), output);
    assertTrue(output.contains("unchanged"), output);
  }

  @Test
  void securityPropertiesFileTakesEffect() throws Exception {
    String option = JvmDnsCache.writeSecurityProperties(
        dir.resolve("conf/dns.security"), Duration.ofSeconds(1), Duration.ZERO);
    assertTrue(option.startsWith("-Djava.security.properties=/"), option);
    String content = Files.readString(dir.resolve("conf/dns.security"));
    assertTrue(content.contains("networkaddress.cache.ttl=1\n"), content);
    assertTrue(content.contains("networkaddress.cache.negative.ttl=0\n"), content);
    assertTrue(runProbe("none", option).contains("changed-after-ms="));
  }

  @Test
  void agentTakesEffectBeforeMain() throws Exception {
    Path agent = dir.resolve("agent.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"),
        JvmDnsCache.class.getName());
    // The manifest is all an agent jar needs: the class comes from the class path.
    new JarOutputStream(Files.newOutputStream(agent), manifest).close();
    String output = runProbe("none", "-javaagent:" + agent + "=ttl=1,negativeTtl=0");
    assertTrue(output.contains("changed-after-ms="), output);
  }

  @Test
  void withoutAnyOfThemTheDefaultKeepsTheOldAnswer() throws Exception {
    assertTrue(runProbe("none").contains("unchanged"));
  }

  @Test
  void badArgumentsAreRejected() {
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> JvmDnsCache.setTtl(Duration.ofSeconds(-1), Duration.ZERO));
    assertTrue(negative.getMessage().contains("PT-1S"), negative.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> JvmDnsCache.setTtl(Duration.ofSeconds(5), null));
    IllegalArgumentException agent = assertThrows(IllegalArgumentException.class,
        () -> JvmDnsCache.premain("ttl=five", null));
    assertTrue(agent.getMessage().contains("ttl=five"), agent.getMessage());
    assertThrows(IllegalArgumentException.class, () -> JvmDnsCache.premain("color=3", null));
  }

  @Test
  void valuesTheJdkWouldIgnoreAreRejectedNotWritten() {
    // The JDK parses both properties as an int and silently keeps its default for more.
    Duration tooLong = Duration.ofSeconds(Integer.MAX_VALUE + 1L);
    IllegalArgumentException ttl = assertThrows(IllegalArgumentException.class,
        () -> JvmDnsCache.setTtl(tooLong, Duration.ZERO));
    assertEquals("ttl: expected at most 2147483647 seconds (the JDK ignores a larger value and"
        + " keeps its default), got PT596523H14M8S", ttl.getMessage());
    IllegalArgumentException negativeTtl = assertThrows(IllegalArgumentException.class,
        () -> JvmDnsCache.writeSecurityProperties(dir.resolve("x.security"), Duration.ZERO,
            Duration.ofSeconds(Integer.MAX_VALUE).plusNanos(1)));
    assertTrue(negativeTtl.getMessage().startsWith("negativeTtl: expected at most 2147483647"),
        negativeTtl.getMessage());
    assertFalse(Files.exists(dir.resolve("x.security")), "nothing is written");
    IllegalArgumentException agent = assertThrows(IllegalArgumentException.class,
        () -> JvmDnsCache.premain("ttl=2147483648", null));
    assertTrue(agent.getMessage().contains("0 to 2147483647"), agent.getMessage());
  }

  private String runProbe(String mode, String... jvmOptions) throws Exception {
    Path hosts = dir.resolve("hosts");
    Files.writeString(hosts, "127.0.0.5 " + JvmDnsCacheProbe.NAME + "\n");
    List<String> options = new ArrayList<>();
    options.add("-Djdk.net.hosts.file=" + hosts);
    options.addAll(List.of(jvmOptions));
    return ChildJvm.run(options, JvmDnsCacheProbe.class.getName(), mode);
  }
}

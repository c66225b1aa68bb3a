package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cutover on the module path, where OkHttp 5's {@code module-info} keeps its internal packages
 * from every module but its own companions: the wrapped client must work with public OkHttp API
 * alone, and say so where it cannot ({@code DrainMode.OKHTTP_INTERNALS}). Runs {@link
 * ModulePathProbe} in a JVM whose module path holds Cutover's and OkHttp's jars.
 */
class ModulePathTest {
  /**
   * Jars that go on the module path, by the artifact their file name starts with: Cutover's two,
   * OkHttp with what its {@code module-info} requires, dnsjava with what its requires.
   */
  private static final Pattern MODULE_JAR = Pattern.compile(
      "(cutover-core|cutover-okhttp|okhttp-jvm|okio-jvm|kotlin-stdlib|dnsjava|slf4j-api)"
          + "-[0-9].*\\.jar");
  /**
   * Cutover's own modules, where the build gives their classes as directories (a reactor build
   * that stopped before packaging): the class that tells each, and its module name.
   */
  private static final Map<String, String> CLASS_DIRECTORIES = Map.of(
      "dev/cutover/CutoverResolver.class", "dev.cutover",
      "dev/cutover/okhttp/CutoverOkHttp.class", "dev.cutover.okhttp");

  @TempDir
  Path temp;
  private BlueGreen servers;

  @BeforeEach
  void start() throws Exception {
    servers = BlueGreen.start();
  }

  @AfterEach
  void stop() {
    servers.close();
  }

  @Test
  void onTheModulePathCallsAreCountedAndAnIdleConnectionToARemovedAddressIsClosed()
      throws Exception {
    List<String> options = List.of("--module-path", String.join(File.pathSeparator, modulePath()),
        "--add-modules", "ALL-MODULE-PATH");
    Path probeClasses = Path.of(
        ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (ChildJvm child = ChildJvm.start(List.of(probeClasses.toString()), options,
        ModulePathProbe.class.getName(), servers.dns.address().getHostString(),
        String.valueOf(servers.dns.address().getPort()), BlueGreen.HOST,
        String.valueOf(servers.blue.port()))) {
      child.awaitLine("first:", Duration.ofSeconds(30));
      servers.moveToGreen();
      String output = child.awaitExit(Duration.ofSeconds(60));

      assertTrue(output.contains("modules: dev.cutover.okhttp okhttp3"),
          "Cutover and OkHttp ran as named modules:\n" + output);
      assertTrue(output.contains("internals: refused"),
          "OKHTTP_INTERNALS is refused where OkHttp's internals are not exported:\n" + output);
      assertTrue(output.contains("first: blue"), output);
      assertTrue(output.contains("second: green"), output);
      // Counted calls: no "derived client replaced its listener", and the idle connection to blue
      // is closed by Cutover on the count as soon as blue leaves DNS.
      assertTrue(output.contains("events: [retiredConnectionClosed 127.0.0.2 ADDRESS_REMOVED]"),
          output);
    }
    assertEquals(1, servers.blue.requestCount(), "the first request only");
    assertEquals(1, servers.green.requestCount());
  }

  /**
   * The module path: this JVM's class path entries that are the modules the probe needs, with
   * any of Cutover's given as a directory of classes packed into a jar, as an automatic module
   * must be.
   */
  private List<String> modulePath() throws IOException {
    List<String> path = new ArrayList<>();
    for (String entry : ChildJvm.classPath()) {
      Path file = Path.of(entry);
      if (Files.isDirectory(file)) {
        for (Map.Entry<String, String> module : CLASS_DIRECTORIES.entrySet()) {
          if (Files.exists(file.resolve(module.getKey()))) {
            path.add(jar(file, module.getValue()).toString());
          }
        }
      } else if (MODULE_JAR.matcher(file.getFileName().toString()).matches()) {
        path.add(entry);
      }
    }
    assertEquals(7, path.size(), "one entry per module: " + path);
    return path;
  }

  private Path jar(Path classes, String moduleName) throws IOException {
    Path jar = temp.resolve(moduleName + ".jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(new Attributes.Name("Automatic-Module-Name"), moduleName);
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out, manifest);
        Stream<Path> files = Files.walk(classes)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        jarOut.putNextEntry(new JarEntry(classes.relativize(file).toString()
            .replace(File.separatorChar, '/')));
        Files.copy(file, jarOut);
        jarOut.closeEntry();
      }
    }
    return jar;
  }
}

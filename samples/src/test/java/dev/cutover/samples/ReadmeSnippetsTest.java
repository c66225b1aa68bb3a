package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.EmbeddedDnsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block in README.md compiles against the real artifacts, and every block that needs
 * no real DNS name also runs, so the README cannot drift from the code.
 */
class ReadmeSnippetsTest {
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final String IMPORTS = String.join("\n",
      "import dev.cutover.*;",
      "import dev.cutover.okhttp.*;",
      "import io.micrometer.core.instrument.MeterRegistry;",
      "import java.net.*;",
      "import java.time.*;",
      "import java.util.*;",
      "import okhttp3.OkHttpClient;");

  @TempDir Path out;

  @Test
  void everyJavaBlockCompilesAndTheSelfContainedOnesRun() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    List<String> blocks = new ArrayList<>();
    Matcher matcher = JAVA_BLOCK.matcher(readme);
    while (matcher.find()) {
      blocks.add(matcher.group(1));
    }
    assertTrue(blocks.size() >= 4, "README's Java blocks: " + blocks.size());

    List<Path> sources = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i++) {
      sources.add(writeSource("Snippet" + i, blocks.get(i)));
    }
    compile(sources);

    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start();
        CutoverResolver resolver = CutoverResolver.builder().nameServers(dns.address())
            .hostsFile(null).build();
        URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()},
            getClass().getClassLoader())) {
      int ran = 0;
      for (int i = 0; i < blocks.size(); i++) {
        if (needsRealDns(blocks.get(i))) {
          continue; // compiled above; its behaviour is covered by the resolver's own tests
        }
        Class<?> type = loader.loadClass("readme.Snippet" + i);
        Object snippet = type.getDeclaredConstructor().newInstance();
        type.getField("existingClient").set(snippet, new OkHttpClient());
        type.getField("existing").set(snippet, new OkHttpClient());
        type.getField("resolver").set(snippet, resolver);
        type.getField("registry").set(snippet, new SimpleMeterRegistry());
        Method main = findMain(type);
        if (main != null) {
          main.invoke(null, (Object) new String[0]);
        } else {
          type.getMethod("run").invoke(snippet);
        }
        ran++;
      }
      assertEquals(blocks.size() - 1, ran, "all but the block that resolves a real name ran");
    }
  }

  private static boolean needsRealDns(String block) {
    return block.contains("lookup(\"api.example.com\")");
  }

  private Path writeSource(String name, String block) throws Exception {
    boolean classLevel = block.contains("static void main");
    String body = classLevel ? block : "public void run() throws Exception {\n" + block + "}\n";
    String source = "package readme;\n" + IMPORTS + "\n"
        + "public class " + name + " {\n"
        + "  public OkHttpClient existingClient;\n"
        + "  public OkHttpClient existing;\n"
        + "  public CutoverResolver resolver;\n"
        + "  public MeterRegistry registry;\n"
        + body + "}\n";
    Path file = out.resolve("src/readme/" + name + ".java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source);
    return file;
  }

  private void compile(List<Path> sources) throws Exception {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, null)) {
      List<String> options = List.of("-d", out.toString(), "-classpath",
          System.getProperty("java.class.path") + File.pathSeparator + out);
      boolean ok = compiler.getTask(null, files, diagnostics, options, null,
          files.getJavaFileObjectsFromPaths(sources)).call();
      StringBuilder report = new StringBuilder();
      diagnostics.getDiagnostics().forEach(d -> report.append(d.getSource().getName())
          .append(':').append(d.getLineNumber()).append(": ")
          .append(d.getMessage(Locale.ROOT)).append('\n'));
      assertTrue(ok, "README snippets do not compile:\n" + report);
    }
  }

  private static Method findMain(Class<?> type) {
    try {
      return type.getMethod("main", String[].class);
    } catch (NoSuchMethodException e) {
      return null;
    }
  }
}

package dev.cutover.samples;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link JvmTtlAtStartup#main} in a child JVM, then does what "the rest of the application"
 * would: plain JDK HTTP requests, one new connection each ({@code -Dhttp.keepAlive=false}), so that
 * every request looks the name up through the JVM's cache. Prints "answer NAME" per response until
 * green answers; gives up after 40 s, so that it always ends.
 */
final class JvmTtlAtStartupProbe {
  private JvmTtlAtStartupProbe() {}

  public static void main(String[] args) throws Exception {
    JvmTtlAtStartup.main(new String[0]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    String last = "";
    while (!last.equals("green")) {
      if (System.nanoTime() - deadline > 0) {
        System.out.println("gave up: no answer from green in 40 s");
        System.exit(1);
      }
      last = get(args[0]);
      System.out.println("answer " + last);
      Thread.sleep(100); // the pace of the client, not a wait for the test
    }
  }

  private static String get(String url) {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
      connection.setConnectTimeout(2_000);
      connection.setReadTimeout(2_000);
      try (InputStream in = connection.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      return "failed: " + e;
    }
  }
}

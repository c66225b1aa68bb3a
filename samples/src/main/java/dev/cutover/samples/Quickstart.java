package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The smallest use of Cutover: wrap the {@code OkHttpClient} an application already has.
 *
 * <pre>{@code
 * OkHttpClient client = CutoverOkHttp.wrap(existingClient);  // the process's default resolver
 * }</pre>
 *
 * <p>or, with resolver settings of your own:
 *
 * <pre>{@code
 * CutoverResolver resolver = CutoverResolver.builder()
 *     .maxTtl(Duration.ofSeconds(10))  // see a DNS change within 10 s, whatever the JVM caches
 *     .build();                        // one per process; it owns one daemon thread
 * OkHttpClient client = CutoverOkHttp.wrap(existingClient, resolver);
 * }</pre>
 *
 * <p>Run with a URL to fetch it once: {@code Quickstart https://example.com/}.
 */
public final class Quickstart {
  private Quickstart() {}

  /**
   * Wraps a client, resolving through the system's name servers with the process's default
   * resolver, which every client wrapped this way shares (nothing to close).
   *
   * @param existingClient the application's client; it is not changed
   * @return a client that follows DNS changes and drains connections to departed addresses
   */
  public static OkHttpClient wrap(OkHttpClient existingClient) {
    return CutoverOkHttp.wrap(existingClient);
  }

  /**
   * Wraps a client, resolving through the given name servers instead of the system's. Each call
   * makes a resolver (one daemon thread), which Cutover never closes: make one per process and
   * share it, as the class documentation shows.
   *
   * @param existingClient the application's client; it is not changed
   * @param nameServers the DNS servers to ask, in order, by IP address and port
   * @return a client that follows DNS changes and drains connections to departed addresses
   */
  public static OkHttpClient wrap(OkHttpClient existingClient, InetSocketAddress... nameServers) {
    CutoverResolver resolver = CutoverResolver.builder()
        .nameServers(nameServers)
        .maxTtl(Duration.ofSeconds(10))
        .build();
    return CutoverOkHttp.wrap(existingClient, resolver);
  }

  /**
   * Fetches one URL with a wrapped client and prints the status line.
   *
   * @param args the URL to fetch
   * @throws IOException if the request fails
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: Quickstart URL");
      System.exit(2);
    }
    OkHttpClient client = wrap(new OkHttpClient());
    try (Response response = client.newCall(new Request.Builder().url(args[0]).build())
        .execute()) {
      System.out.println(response.code() + " " + response.message() + " from " + args[0]);
    }
  }
}

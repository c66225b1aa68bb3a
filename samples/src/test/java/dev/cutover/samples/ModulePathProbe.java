package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.okhttp.CutoverListener;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.okhttp.DrainMode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A wrapped client as an application on the module path runs it: Cutover, OkHttp and their
 * dependencies as modules, this class in the unnamed module. Run by {@link ModulePathTest} in a
 * JVM of its own, against the blue and green servers and the DNS server of the test's JVM.
 *
 * <p>Arguments: the DNS server's host and port, the host name, the URL's port. Writes what it saw,
 * one fact per line, for the test to check; waits for the test to move the name to green after
 * the line starting with {@code first:}. Uses no test library: only the modules are on its path.
 */
public final class ModulePathProbe {
  private ModulePathProbe() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress dns = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
    String host = args[2];
    int port = Integer.parseInt(args[3]);
    System.out.println("modules: " + CutoverOkHttp.class.getModule().getName() + " "
        + OkHttpClient.class.getModule().getName());

    List<String> events = new CopyOnWriteArrayList<>();
    CutoverListener listener = new CutoverListener() {
      @Override
      public void derivedClientChanged(DerivedChange change) {
        events.add("derivedClientChanged " + change);
      }

      @Override
      public void retiredConnectionClosed(String name, InetAddress address, RetireReason reason) {
        events.add("retiredConnectionClosed " + address.getHostAddress() + " " + reason);
      }
    };
    try (CutoverResolver resolver = CutoverResolver.builder().nameServers(dns).hostsFile(null)
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY).build()) {
      try {
        CutoverOkHttp.builder(new OkHttpClient()).resolver(resolver)
            .drainMode(DrainMode.OKHTTP_INTERNALS).build();
        System.out.println("internals: accepted");
      } catch (IllegalStateException expected) {
        System.out.println("internals: refused");
      }
      OkHttpClient client = CutoverOkHttp.builder(new OkHttpClient()).resolver(resolver)
          .listener(listener).build();
      Request request = new Request.Builder().url("http://" + host + ":" + port + "/").build();
      System.out.println("first: " + fetch(client, request));

      InetAddress green = InetAddress.getByName("127.0.0.3");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!resolver.cachedAddresses(host).equals(List.of(green))) {
        if (System.nanoTime() - deadline > 0) {
          throw new AssertionError("the resolver never saw " + host + " move to green: "
              + resolver.cachedAddresses(host));
        }
        resolver.refresh(host);
        Thread.sleep(100); // a poll under the deadline above: DNS is changed by the other JVM
      }
      while (!events.contains("retiredConnectionClosed 127.0.0.2 ADDRESS_REMOVED")
          && System.nanoTime() - deadline < 0) {
        Thread.sleep(20);
      }
      System.out.println("second: " + fetch(client, request));
      System.out.println("events: " + events);
    }
  }

  private static String fetch(OkHttpClient client, Request request) throws Exception {
    try (Response response = client.newCall(request).execute()) {
      return response.code() == 200 ? response.body().string() : String.valueOf(response.code());
    }
  }
}

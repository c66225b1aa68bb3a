package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class QuickstartTest {
  private static final String HOST = "api.cutover.test";

  @Test
  void wrappedClientFollowsTheCutoverWithoutTheCallerSeeingA503() throws Exception {
    try (EmbeddedDnsServer dns = EmbeddedDnsServer.start()) {
      List<BackendServer> pair = BackendServer.startPair(
          BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2")),
          BackendServer.builder("green").address(InetAddress.getByName("127.0.0.3")));
      try (BackendServer blue = pair.get(0); BackendServer green = pair.get(1)) {
        dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.2");
        OkHttpClient client = Quickstart.wrap(new OkHttpClient(), dns.address());
        Request request = new Request.Builder().url(blue.url(HOST, "/")).build();
        assertEquals("blue", fetch(client, request));

        // The TTL is far from over: the 503 itself has to send the client to green.
        dns.setAddresses(HOST, Duration.ofSeconds(30), "127.0.0.3");
        blue.unavailable();
        assertEquals("green", fetch(client, request));
        assertEquals("green", fetch(client, request));
        assertEquals(2, green.requestCount());
      }
    }
  }

  private static String fetch(OkHttpClient client, Request request) throws Exception {
    try (Response response = client.newCall(request).execute()) {
      return response.code() == 200 ? response.body().string() : response.code() + " " + response.body().string();
    }
  }
}

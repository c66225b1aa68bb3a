package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class QuickstartTest {
  @Test
  void wrappedClientFollowsTheCutoverWithoutTheCallerSeeingA503() throws Exception {
    try (BlueGreen servers = BlueGreen.start()) {
      OkHttpClient client = Quickstart.wrap(new OkHttpClient(), servers.dns.address());
      Request request = servers.get("/");
      assertEquals("blue", fetch(client, request));

      // The TTL is far from over: the 503 itself has to send the client to green.
      servers.cutOver();
      assertEquals("green", fetch(client, request));
      assertEquals("green", fetch(client, request));
      assertEquals(2, servers.green.requestCount());
    }
  }

  private static String fetch(OkHttpClient client, Request request) throws Exception {
    try (Response response = client.newCall(request).execute()) {
      return response.code() == 200 ? response.body().string() : response.code() + " " + response.body().string();
    }
  }
}

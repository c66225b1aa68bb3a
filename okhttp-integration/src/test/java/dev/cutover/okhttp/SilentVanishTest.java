package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Blue vanishes without a word (its packets dropped: nothing refused, nothing closed), then DNS
 * moves to green. A pooled connection to blue looks healthy to OkHttp, and a request sent on it
 * would wait for its read time-out. Once the change is processed, no request may take longer
 * than the connect time-out and one normal response: the idle connection to blue must be gone,
 * in either drain mode, over HTTP/2 as over HTTP/1.1.
 */
class SilentVanishTest {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
  /** One normal response on loopback, with room for a loaded machine. */
  private static final Duration ONE_RESPONSE = Duration.ofSeconds(2);

  private CutoverFixture fixture;
  private SilentRelay relay;

  @AfterEach
  void tearDown() throws Exception {
    if (relay != null) {
      relay.close();
    }
    fixture.close();
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void noRequestWaitsOnAConnectionToAVanishedAddress(boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    // Blue, as the client knows it, is a relay on 127.0.0.4 in front of the blue server.
    relay = new SilentRelay(InetAddress.getByName("127.0.0.4"), fixture.blue.port(),
        new InetSocketAddress(fixture.blue.address(), fixture.blue.port()));
    fixture.flipDnsServerOnly("127.0.0.4");
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1)
            .connectTimeout(CONNECT_TIMEOUT).readTimeout(READ_TIMEOUT).build())
        .resolver(fixture.resolver).drainMode(mode).build();
    for (int i = 0; i < 3; i++) {
      assertEquals("blue", get(client), "through the relay, on one pooled connection");
    }
    assertEquals(1, client.connectionPool().connectionCount());

    relay.vanish();
    fixture.flipToGreen(); // returns once the change is processed
    long bound = CONNECT_TIMEOUT.plus(ONE_RESPONSE).toNanos();
    for (int i = 0; i < 5; i++) {
      long started = System.nanoTime();
      assertEquals("green", get(client), "request " + i);
      long took = System.nanoTime() - started;
      assertTrue(took < bound, "request " + i + " took " + Duration.ofNanos(took)
          + "; the bound is the connect time-out plus one response, " + Duration.ofNanos(bound));
    }
  }

  private String get(OkHttpClient client) throws Exception {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return body(response);
    }
  }
}

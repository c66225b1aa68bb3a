package dev.cutover.okhttp;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static dev.cutover.okhttp.CutoverFixture.body;
import static dev.cutover.okhttp.WireMockFixture.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.http.Fault;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Proxy;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OkHttp sends requests again by itself, POST included: after a broken exchange
 * ({@code retryOnConnectionFailure}, on by default) and after a 503 with {@code Retry-After: 0}.
 * A request that may not be replayed (no idempotency key, a one-shot or duplex body) reaches a
 * server at most once through the wrapped client, however OkHttp's own attempts go; what may be
 * replayed still recovers. Plain OkHttp, run against the same servers, shows each hole.
 */
class ReplaySafetyTest {
  private WireMockFixture fixture;

  @BeforeEach
  void setUp() throws IOException {
    fixture = new WireMockFixture();
  }

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private OkHttpClient wrapped(OkHttpClient plain) {
    return CutoverOkHttp.builder(plain).resolver(fixture.resolver).ticker(fixture.ticker::read)
        .sleeper((nanos, call) -> fixture.ticker.advance(Duration.ofNanos(nanos))).build();
  }

  /** Plain OkHttp that finds the host on blue, as a client with a cached answer would. */
  private OkHttpClient plainOnBlue(Consumer<OkHttpClient.Builder> options) {
    OkHttpClient.Builder builder = fixture.plainClient()
        .dns(host -> List.of(InetAddress.getByName("127.0.0.2")));
    options.accept(builder);
    return builder.build();
  }

  private Request post(boolean keyed) {
    Request.Builder builder = new Request.Builder().url(fixture.url("/orders"))
        .post(RequestBody.create("{}", MediaType.get("application/json")));
    if (keyed) {
      builder.header("Idempotency-Key", "order-42");
    }
    return builder.build();
  }

  /** A pooled keep-alive connection to blue, and nothing counted yet. */
  private void warmUp(OkHttpClient client) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(fixture.url("/warm-up"))
        .build()).execute()) {
      assertEquals("blue", body(response));
    }
    fixture.resetCounts();
  }

  /**
   * Blue reads the POST and closes without answering. Plain OkHttp sends it again on a new
   * connection (and again); the wrapped client sends it once and throws what plain OkHttp
   * without its own retries throws.
   */
  @Test
  void aKeylessPostToAServerThatReadsItAndClosesIsSentOnce() throws Exception {
    OkHttpClient plain = plainOnBlue(options -> { });
    warmUp(plain);
    fixture.blueFails(Fault.EMPTY_RESPONSE);
    assertThrows(IOException.class, () -> plain.newCall(post(false)).execute());
    int plainSends = received(fixture.blue, "POST");
    assertTrue(plainSends > 1, "plain OkHttp replays it: " + plainSends);

    OkHttpClient noRetries = plainOnBlue(options -> options.retryOnConnectionFailure(false));
    fixture.restartBlue();
    warmUp(noRetries);
    fixture.blueFails(Fault.EMPTY_RESPONSE);
    IOException expected =
        assertThrows(IOException.class, () -> noRetries.newCall(post(false)).execute());
    assertEquals(1, received(fixture.blue, "POST"));

    OkHttpClient client = wrapped(fixture.plainClient().build());
    fixture.restartBlue();
    warmUp(client);
    fixture.blueFails(Fault.EMPTY_RESPONSE);
    IOException e = assertThrows(IOException.class, () -> client.newCall(post(false)).execute());
    assertEquals(1, received(fixture.blue, "POST"), "sent once, OkHttp's own retry refused");
    assertEquals(expected.getClass(), e.getClass(), "what OkHttp without retries throws: " + e);
    assertFalse(e instanceof ProtocolException, "never Cutover's refusal itself: " + e);
    assertTrue(Arrays.stream(e.getSuppressed()).anyMatch(s -> s instanceof ProtocolException),
        "the refusal rides along for the record");
    assertEquals(0, received(fixture.green, "POST"));
  }

  /** What may be replayed still recovers, through OkHttp's retries and Cutover's. */
  @Test
  void aKeyedPostStillRecoversOnGreen() throws Exception {
    OkHttpClient client = wrapped(fixture.plainClient().build());
    warmUp(client);
    fixture.moveDnsToGreen();
    fixture.blueFails(Fault.EMPTY_RESPONSE);
    try (Response response = client.newCall(post(true)).execute()) {
      assertEquals("green", body(response));
    }
    assertTrue(received(fixture.blue, "POST") >= 1);
    assertEquals(1, received(fixture.green, "POST"));
  }

  /**
   * Blue resets the POST after reading it; OkHttp's own retry then finds blue refusing. The
   * exception on top says "refused", so "not sent", but the reset under it says otherwise: the
   * POST must not go to green too.
   *
   * <p>The DNS server's answers are held until OkHttp's own retry has picked blue again: had the
   * refresh the reset asks for come back first, that retry would go to green and be refused by
   * Cutover there, which is safe too but is not the path this test is about. The answers go as
   * blue is stopped, so green is there for a retry by Cutover to find (and, on a fast enough
   * answer, for OkHttp's own next route: see the assertion on the exception).
   */
  @Test
  void aPostIsNotRetriedWhenOkHttpsOwnRetryEndsInARefusedConnection() throws Exception {
    BlueStopsAtNextConnect stopper = new BlueStopsAtNextConnect();
    OkHttpClient client = wrapped(fixture.plainClient().eventListener(stopper).build());
    warmUp(client);
    fixture.dns.hold();
    fixture.moveDnsToGreen();
    fixture.blueFails(Fault.CONNECTION_RESET_BY_PEER);
    stopper.armed = true;
    IOException e = assertThrows(IOException.class, () -> client.newCall(post(false)).execute());
    assertTrue(stopper.stopped, "OkHttp did retry on a new connection: " + e);
    assertEquals("127.0.0.2", stopper.retriedTo, "OkHttp's own retry went to blue again");
    // Blue refused OkHttp's retry. If the refresh's answer (green) arrived before OkHttp planned
    // its next route, OkHttp tries green as well and Cutover refuses that attempt before a byte
    // is sent: the caller then gets the reset, the attempt that may have reached blue, with the
    // refusal suppressed. Either way nothing reaches green (asserted below).
    String what = e + " suppressing " + Arrays.toString(e.getSuppressed());
    assertTrue(e instanceof ConnectException
        || (!(e instanceof ProtocolException) && Arrays.stream(e.getSuppressed())
            .anyMatch(s -> s instanceof ProtocolException)),
        "the refused connect, or the reset with Cutover's refusal under it: " + what);
    assertEquals(1, received(fixture.blue, "POST"));
    assertEquals(0, received(fixture.green, "POST"), "never replayed on green");
  }

  /**
   * A 503 with {@code Retry-After: 0}: OkHttp sends any request again at once, once. Not a POST
   * without a key through the wrapped client: it reaches blue once, and the caller gets the 503
   * with its header, as the server sent it.
   */
  @Test
  void a503WithRetryAfterZeroIsNotResentForAKeylessPost() throws Exception {
    OkHttpClient plain = plainOnBlue(options -> { });
    fixture.blueAnswers(aResponse().withStatus(503).withHeader("Retry-After", "0")
        .withBody("busy"));
    try (Response response = plain.newCall(post(false)).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(2, received(fixture.blue, "POST"), "plain OkHttp sends it twice");
    fixture.resetCounts();

    OkHttpClient client = wrapped(fixture.plainClient().build());
    try (Response response = client.newCall(post(false)).execute()) {
      assertEquals(503, response.code());
      assertEquals("0", response.header("Retry-After"), "the caller sees the server's header");
      assertEquals("busy", body(response));
    }
    assertEquals(1, received(fixture.blue, "POST"));
  }

  private static boolean refuses(InetSocketAddress address) {
    try (java.net.Socket probe = new java.net.Socket()) {
      probe.connect(address, 1_000);
      return false;
    } catch (ConnectException refused) {
      return true;
    } catch (IOException other) {
      return false;
    }
  }

  /**
   * The user's listener: stops blue when OkHttp opens a new connection, once armed; then lets
   * the DNS answers held meanwhile go.
   */
  private final class BlueStopsAtNextConnect extends EventListener {
    volatile boolean armed;
    volatile boolean stopped;
    volatile String retriedTo;

    @Override
    public void connectStart(Call call, InetSocketAddress address, Proxy proxy) {
      if (armed) {
        armed = false;
        retriedTo = address.getAddress().getHostAddress();
        fixture.blue.stop();
        CutoverFixture.await(Duration.ofSeconds(10), "blue refusing connections",
            () -> refuses(address));
        fixture.dns.release();
        stopped = true;
      }
    }
  }
}

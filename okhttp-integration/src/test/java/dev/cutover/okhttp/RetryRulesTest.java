package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The README's retry table, rule by rule, each against real servers: which methods and bodies a
 * failure from an address that left DNS is retried for, and which failures are never retried.
 * Blue is the address that left (the client has not looked yet), green the healthy one.
 */
class RetryRulesTest {
  private static final MediaType TEXT = MediaType.get("text/plain");

  private CutoverFixture fixture;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private OkHttpClient start(boolean http2, Consumer<OkHttpClient.Builder> plain,
      Consumer<CutoverOkHttp.Builder> options) throws Exception {
    fixture = new CutoverFixture(http2);
    OkHttpClient.Builder plainBuilder = fixture.plainClient(1);
    plain.accept(plainBuilder);
    CutoverOkHttp.Builder builder = CutoverOkHttp.builder(plainBuilder.build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read)
        .sleeper((nanos, call) -> {
          sleeps.add(Duration.ofNanos(nanos));
          fixture.ticker.advance(Duration.ofNanos(nanos));
        });
    options.accept(builder);
    return builder.build();
  }

  /** A pooled connection to blue, then DNS moves to green behind the client's back. */
  private void warmUpThenMoveDns(OkHttpClient client) throws IOException {
    try (Response warmUp = client.newCall(fixture.get("/warm-up")).execute()) {
      assertEquals("blue", body(warmUp));
    }
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.blue.resetCounters();
  }

  private Request request(String method, RequestBody body, String key) {
    Request.Builder builder = new Request.Builder().url(fixture.url("/r")).method(method, body);
    if (key != null) {
      builder.header("Idempotency-Key", key);
    }
    return builder.build();
  }

  private String answer(OkHttpClient client, Request request) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      return response.code() + " " + (request.method().equals("HEAD") ? "" : body(response));
    }
  }

  @Test
  void retryNonIdempotentRetriesAPostWithoutAKey() throws Exception {
    OkHttpClient client = start(false, plain -> { }, options -> options.retryNonIdempotent(true));
    warmUpThenMoveDns(client);
    fixture.blue.unavailable();
    assertEquals("200 green", answer(client, request("POST", RequestBody.create("{}", TEXT), null)));
    assertEquals(1, fixture.blue.requestCount("POST"));
    assertEquals(1, fixture.green.requestCount("POST"));
  }

  /** Nothing reached any server: a refused connection is retried whatever the method. */
  @Test
  void aPostWithoutAKeyIsRetriedAfterARefusedConnection() throws Exception {
    OkHttpClient client = start(false, plain -> { }, options -> { });
    fixture.resolver.lookup(CutoverFixture.HOST); // blue, cached; no connection yet
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    fixture.blue.shutdown();
    assertEquals("200 green", answer(client, request("POST", RequestBody.create("{}", TEXT), null)));
    assertEquals(1, fixture.green.requestCount("POST"), "received exactly once, by green");
    assertEquals(0, fixture.blue.requestCount());
  }

  @Test
  void patchFollowsPostDeleteAndHeadFollowGet() throws Exception {
    OkHttpClient client = start(false, plain -> { }, options -> { });
    warmUpThenMoveDns(client);
    fixture.blue.unavailable();
    assertEquals("503 blue unavailable",
        answer(client, request("PATCH", RequestBody.create("{}", TEXT), null)),
        "PATCH without a key: blue's 503, unchanged");
    assertEquals(1, fixture.blue.requestCount("PATCH"));
    assertEquals(0, fixture.green.requestCount("PATCH"));
    // The 503 made the client look: blue has left DNS, so the rest go to green directly or
    // after one more 503 from the connection still pooled.
    assertEquals("200 green",
        answer(client, request("PATCH", RequestBody.create("{}", TEXT), "patch-1")));
    assertEquals("200 green", answer(client, request("DELETE", null, null)));
    assertEquals("200 ", answer(client, request("HEAD", null, null)));
    assertEquals(1, fixture.green.requestCount("PATCH"));
    assertEquals(1, fixture.green.requestCount("DELETE"));
    assertEquals(1, fixture.green.requestCount("HEAD"));
  }

  /** Whether a DELETE or HEAD is retried after a 503 from blue, the first failure of the call. */
  @ParameterizedTest
  @ValueSource(strings = {"DELETE", "HEAD"})
  void deleteAndHeadAreRetriedOnGreen(String method) throws Exception {
    OkHttpClient client = start(false, plain -> { }, options -> { });
    warmUpThenMoveDns(client);
    fixture.blue.unavailable();
    assertTrue(answer(client, request(method, null, null)).startsWith("200 "));
    assertEquals(1, fixture.blue.requestCount(method));
    assertEquals(1, fixture.green.requestCount(method));
  }

  /** A duplex body streams while the response does; its bytes are gone once sent. HTTP/2. */
  @Test
  void aDuplexBodyIsNeverSentTwice() throws Exception {
    OkHttpClient client = start(true, plain -> { }, options -> options.retryNonIdempotent(true));
    warmUpThenMoveDns(client);
    fixture.blue.unavailable();
    Request duplex = request("POST", new DuplexBody("payload"), "duplex-1");
    try (Response response = client.newCall(duplex).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(1, fixture.blue.requestCount("POST"));
    assertEquals(0, fixture.green.requestCount("POST"));
  }

  /**
   * A read time-out from an address DNS still names is a slow server: never retried, whatever the
   * method, not even by OkHttp. The same from an address that left DNS is the old environment
   * going away: a GET goes to green; a POST without a key is not sent again.
   */
  @Test
  void aReadTimeOutIsRetriedOnlyAwayFromAnAddressThatLeftDns() throws Exception {
    OkHttpClient client = start(false,
        plain -> plain.readTimeout(Duration.ofMillis(300)), options -> { });
    try (Response warmUp = client.newCall(fixture.get("/warm-up")).execute()) {
      assertEquals("blue", body(warmUp));
    }
    fixture.blue.delay(Duration.ofSeconds(3));
    IOException slow = assertThrows(IOException.class,
        () -> client.newCall(fixture.get("/slow")).execute());
    assertInstanceOf(SocketTimeoutException.class, slow);
    assertEquals(2, fixture.blue.requestCount("GET"), "the warm-up and one attempt");
    assertEquals(List.of(), sleeps, "no retry scheduled");

    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.ticker.advance(Duration.ofSeconds(2));
    assertThrows(SocketTimeoutException.class,
        () -> client.newCall(request("POST", RequestBody.create("{}", TEXT), null)).execute());
    assertEquals(1, fixture.blue.requestCount("POST"));
    assertEquals(0, fixture.green.requestCount("POST"), "a POST without a key: never again");
    // That time-out made the client look: blue left. A GET still on blue's pooled connection
    // would be retried on green; it goes there directly now.
    assertEquals("green", body(client.newCall(fixture.get("/after")).execute()));
  }

  /** A read time-out on a GET from an address that has left DNS: retried on green. */
  @Test
  void aReadTimeOutOnAGetFromAnAddressThatLeftIsRetriedOnGreen() throws Exception {
    OkHttpClient client = start(false,
        plain -> plain.readTimeout(Duration.ofMillis(300)), options -> { });
    warmUpThenMoveDns(client);
    fixture.blue.delay(Duration.ofSeconds(3));
    assertEquals("200 green", answer(client, fixture.get("/r")));
    assertEquals(1, fixture.blue.requestCount("GET"));
    assertEquals(1, fixture.green.requestCount("GET"));
    assertEquals(List.of(), sleeps, "at once: the retry goes elsewhere");
  }

  /**
   * A certificate the client does not trust: never retried, by OkHttp or Cutover, even with
   * retries allowed for everything. One connection, one handshake. (With several addresses,
   * OkHttp 5 itself tries each once, within one attempt.)
   */
  @Test
  void aCertificateFailureIsNeverRetried() throws Exception {
    javax.net.ssl.SSLSocketFactory jvmDefault =
        javax.net.ssl.SSLContext.getDefault().getSocketFactory();
    javax.net.ssl.X509TrustManager jvmTrust = defaultTrustManager();
    OkHttpClient client = start(true, plain -> plain.sslSocketFactory(jvmDefault, jvmTrust),
        options -> options.retryNonIdempotent(true));
    IOException e = assertThrows(IOException.class,
        () -> client.newCall(fixture.get("/")).execute());
    assertInstanceOf(SSLException.class, e);
    CutoverFixture.await(Duration.ofSeconds(5), "the server counted the connection",
        () -> fixture.blue.acceptedConnectionCount() >= 1);
    assertEquals(1, fixture.blue.acceptedConnectionCount(), "one connection, no retry");
    assertEquals(List.of(), sleeps);
  }

  private static javax.net.ssl.X509TrustManager defaultTrustManager() throws Exception {
    javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    factory.init((java.security.KeyStore) null);
    return (javax.net.ssl.X509TrustManager) factory.getTrustManagers()[0];
  }

  /** A duplex body: written once, on the stream OkHttp opens for it, then closed. */
  private static final class DuplexBody extends RequestBody {
    private final String content;
    private int writes;

    DuplexBody(String content) {
      this.content = content;
    }

    @Override
    public MediaType contentType() {
      return TEXT;
    }

    @Override
    public boolean isDuplex() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      if (++writes > 1) {
        throw new IllegalStateException("duplex body written twice");
      }
      sink.writeUtf8(content);
      sink.close();
    }
  }
}

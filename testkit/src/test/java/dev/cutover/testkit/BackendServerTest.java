package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BackendServerTest {

  private static final String HOST = "api.cutover.test";
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final TestCertificates CERTS = TestCertificates.forHosts(HOST);

  /** The three ways a backend is reached in the tests that follow. */
  enum Transport {
    HTTP_1_1(false, false, Protocol.HTTP_1_1),
    HTTPS_1_1(true, false, Protocol.HTTP_1_1),
    HTTPS_2(true, true, Protocol.HTTP_2);

    final boolean tls;
    final boolean http2;
    final Protocol protocol;

    Transport(boolean tls, boolean http2, Protocol protocol) {
      this.tls = tls;
      this.http2 = http2;
      this.protocol = protocol;
    }
  }

  private final List<BackendServer> servers = new ArrayList<>();
  private final List<OkHttpClient> clients = new ArrayList<>();
  private final List<ExecutorService> executors = new ArrayList<>();

  @AfterEach
  void release() {
    executors.forEach(ExecutorService::shutdownNow);
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    servers.forEach(BackendServer::close);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void answersWithItsNameByDefault(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);

    try (Response response = get(client, blue, "/hello?x=1")) {
      assertEquals(200, response.code());
      assertEquals("blue", response.body().string());
      assertEquals("blue", response.header("X-Backend"));
      assertEquals(transport.protocol, response.protocol());
      assertEquals(transport.tls, response.handshake() != null);
    }

    assertEquals(transport.tls ? "https" : "http", blue.scheme());
    assertEquals(InetAddress.getByName("127.0.0.2"), blue.address());
    List<BackendServer.Recorded> requests = blue.requests();
    assertEquals(1, requests.size());
    BackendServer.Recorded recorded = requests.get(0);
    assertEquals("GET", recorded.method());
    assertEquals("/hello?x=1", recorded.path());
    assertEquals("", recorded.body());
    assertEquals(0, recorded.sequenceNumber());
    assertEquals(transport.protocol, recorded.protocol());
    String authority = HOST + ":" + blue.port();
    if (transport.http2) {
      assertEquals(authority, recorded.headers().get(":authority"));
      assertEquals("https", recorded.headers().get(":scheme"));
    } else {
      assertEquals(authority, recorded.headers().get("Host"));
    }
  }

  @Test
  void clientVerifiesTheHostNameAgainstTheCertificate() throws IOException {
    BackendServer blue = start(Transport.HTTPS_2, "blue", "127.0.0.2");
    OkHttpClient client =
        client(Transport.HTTPS_2, blue).newBuilder().dns(host -> List.of(blue.address())).build();

    Call call = client.newCall(new Request.Builder().url(blue.url("other.cutover.test", "/")).build());

    assertThrows(SSLPeerUnverifiedException.class, call::execute);
    assertEquals(0, blue.requestCount());
    assertEquals(1, blue.acceptedConnectionCount());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void sequentialRequestsShareOneKeptAliveConnection(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);

    for (int i = 0; i < 3; i++) {
      assertBody("blue", client, blue, "/" + i);
    }

    assertEquals(3, blue.requestCount());
    assertEquals(3, blue.requestCount("GET"));
    assertEquals(1, blue.connectionCount());
    assertEquals(1, blue.acceptedConnectionCount());
    assertEquals(List.of(0, 1, 2), sequenceNumbers(blue));
    assertEquals(List.of("/0", "/1", "/2"), paths(blue));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void clientsWithSeparatePoolsUseSeparateConnections(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient first = client(transport, blue);
    OkHttpClient second = first.newBuilder().connectionPool(new ConnectionPool()).build();
    clients.add(second);

    assertBody("blue", first, blue, "/");
    assertBody("blue", second, blue, "/");
    assertBody("blue", first, blue, "/");
    assertBody("blue", second, blue, "/");

    assertEquals(4, blue.requestCount());
    assertEquals(2, blue.connectionCount());
    assertEquals(2, blue.acceptedConnectionCount());
    assertEquals(List.of(0, 0, 1, 1), sequenceNumbers(blue));
  }

  @Test
  void concurrentHttp2RequestsAreMultiplexedOnOneConnection() throws Exception {
    BackendServer blue = start(Transport.HTTPS_2, "blue", "127.0.0.2");
    OkHttpClient client = client(Transport.HTTPS_2, blue);
    // Warm up first: racing calls to a cold HTTP/2 server may each connect, and OkHttp 4.12
    // occasionally keeps two of those connections, so a cold burst has no exact count.
    assertBody("blue", client, blue, "/warm-up");
    blue.delay(Duration.ofMinutes(1));

    List<Future<Response>> calls = submitGets(client, blue, 10);
    awaitTrue(() -> blue.requestCount() == 11);

    assertEquals(1, blue.connectionCount(), "ten requests in flight on one connection");
    assertEquals(1, blue.acceptedConnectionCount());
    blue.delay(Duration.ZERO);
    assertAllAnswered("blue", Protocol.HTTP_2, calls);
    List<Integer> burst = sequenceNumbers(blue).subList(1, 11);
    assertEquals(
        List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
        burst.stream().sorted().collect(Collectors.toList()));
  }

  @Test
  void concurrentHttp11RequestsEachTakeAConnection() throws Exception {
    BackendServer blue = start(Transport.HTTPS_1_1, "blue", "127.0.0.2");
    OkHttpClient client = client(Transport.HTTPS_1_1, blue);
    blue.delay(Duration.ofMinutes(1));

    List<Future<Response>> calls = submitGets(client, blue, 4);
    awaitTrue(() -> blue.requestCount() == 4);

    assertEquals(4, blue.connectionCount());
    assertEquals(4, blue.acceptedConnectionCount());
    blue.delay(Duration.ZERO);
    assertAllAnswered("blue", Protocol.HTTP_1_1, calls);
    assertEquals(List.of(0, 0, 0, 0), sequenceNumbers(blue));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unavailableAnswers503UntilServingAgain(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);

    blue.unavailable();
    try (Response response = get(client, blue, "/")) {
      assertEquals(503, response.code());
      assertEquals("blue unavailable", response.body().string());
      assertEquals("blue", response.header("X-Backend"));
      assertNull(response.header("Retry-After"));
    }

    blue.unavailable("7");
    try (Response response = get(client, blue, "/")) {
      assertEquals(503, response.code());
      assertEquals("7", response.header("Retry-After"));
      assertEquals("blue unavailable", response.body().string());
    }

    blue.serve();
    assertBody("blue", client, blue, "/");
    assertEquals(3, blue.requestCount());
    assertEquals(1, blue.connectionCount());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unavailableEveryOtherAlternates503And200StartingWith503(Transport transport)
      throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);
    assertBody("blue", client, blue, "/");

    blue.unavailableEveryOther();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      try (Response response = get(client, blue, "/")) {
        answers.add(response.code() + " " + response.body().string() + " "
            + response.header("X-Backend"));
      }
    }
    assertEquals(List.of("503 blue unavailable blue", "200 blue blue", "503 blue unavailable blue",
        "200 blue blue", "503 blue unavailable blue"), answers);

    blue.unavailableEveryOther(); // a new switch starts with a 503 again
    try (Response response = get(client, blue, "/")) {
      assertEquals(503, response.code());
    }
    blue.serve();
    assertBody("blue", client, blue, "/");
    assertEquals(8, blue.requestCount());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void answersWithAnyStatus(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);

    blue.status(418);
    try (Response response = get(client, blue, "/")) {
      assertEquals(418, response.code());
      assertEquals("blue", response.body().string());
    }
    blue.status(204);
    try (Response response = get(client, blue, "/")) {
      assertEquals(204, response.code());
      assertEquals("", response.body().string());
      assertEquals("blue", response.header("X-Backend"));
    }
    blue.status(502);
    try (Response response = get(client, blue, "/")) {
      assertEquals(502, response.code());
    }

    assertEquals(1, blue.connectionCount(), "no response broke the kept-alive connection");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void headAndPostAreRecordedAndLeaveTheConnectionUsable(Transport transport)
      throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);

    Request head = new Request.Builder().url(blue.url(HOST, "/health")).head().build();
    try (Response response = client.newCall(head).execute()) {
      assertEquals(200, response.code());
      assertEquals("4", response.header("Content-Length"));
      assertEquals("blue", response.header("X-Backend"));
    }
    Request post =
        new Request.Builder()
            .url(blue.url(HOST, "/orders"))
            .post(RequestBody.create("{\"id\":\u00e9}", MediaType.get("application/json")))
            .build();
    try (Response response = client.newCall(post).execute()) {
      assertEquals("blue", response.body().string());
    }
    assertBody("blue", client, blue, "/");

    assertEquals(3, blue.requestCount());
    assertEquals(1, blue.requestCount("HEAD"));
    assertEquals(1, blue.requestCount("POST"));
    assertEquals(1, blue.requestCount("GET"));
    assertEquals(0, blue.requestCount("get"));
    assertEquals(1, blue.connectionCount());
    assertEquals("{\"id\":\u00e9}", blue.requests().get(1).body());
    assertEquals(List.of(0, 1, 2), sequenceNumbers(blue));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void resetConnectionsCutsOffNewConnections(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);

    blue.resetConnections();
    assertThrows(IOException.class, () -> get(client, blue, "/").close());
    assertThrows(IOException.class, () -> get(client, blue, "/").close());

    assertEquals(0, blue.requestCount());
    assertEquals(0, blue.connectionCount());
    assertEquals(2, blue.acceptedConnectionCount());
    assertTrue(blue.requests().isEmpty());

    blue.serve();
    assertBody("blue", client, blue, "/");
    assertEquals(1, blue.requestCount());
    assertEquals(1, blue.connectionCount());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void resetConnectionsCutsOffKeptAliveConnections(Transport transport) throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);
    assertBody("blue", client, blue, "/");

    blue.resetConnections();
    IOException failure =
        assertThrows(IOException.class, () -> get(client, blue, "/").close());

    assertFalse(failure instanceof ConnectException, failure.toString());
    assertEquals(1, blue.requestCount());
    assertEquals(1, blue.acceptedConnectionCount(), "the pooled connection was reused");
  }

  @Test
  void delayHoldsResponsesBack() throws IOException {
    BackendServer blue = start(Transport.HTTP_1_1, "blue", "127.0.0.2");
    OkHttpClient client = client(Transport.HTTP_1_1, blue);
    Duration delay = Duration.ofMillis(200);

    blue.delay(delay);
    long start = System.nanoTime();
    assertBody("blue", client, blue, "/");
    long delayed = System.nanoTime() - start;
    blue.delay(Duration.ZERO);
    assertBody("blue", client, blue, "/");

    assertTrue(delayed >= delay.toNanos(), "took " + delayed + " ns");
  }

  @Test
  void shorteningTheDelayReleasesHeldRequests() throws Exception {
    BackendServer blue = start(Transport.HTTP_1_1, "blue", "127.0.0.2");
    OkHttpClient client = client(Transport.HTTP_1_1, blue);
    blue.delay(Duration.ofMinutes(1));
    CompletableFuture<Response> held = enqueue(client, blue, "/");
    awaitTrue(() -> blue.heldCount() == 1);
    assertEquals(1, blue.requestCount(), "counted on arrival");
    blue.unavailable();

    assertFalse(held.isDone());
    blue.delay(Duration.ZERO);
    try (Response response = held.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      assertEquals(200, response.code(), "answered as when it arrived");
      assertEquals("blue", response.body().string());
    }
    assertEquals(0, blue.heldCount(), "answered: no longer held");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void shutdownEndsRequestsInFlightAndRefusesNewConnections(Transport transport)
      throws Exception {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);
    blue.delay(Duration.ofMinutes(1));
    CompletableFuture<Response> inFlight = enqueue(client, blue, "/slow");
    awaitTrue(() -> blue.requestCount() == 1);

    long start = System.nanoTime();
    blue.shutdown();
    long shutdownNanos = System.nanoTime() - start;
    ExecutionException failure =
        assertThrows(
            ExecutionException.class,
            () -> inFlight.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).close());
    assertInstanceOf(IOException.class, failure.getCause());
    // MockWebServer gives up on its threads after 5 s; a held request must not keep it waiting.
    assertTrue(
        shutdownNanos < Duration.ofSeconds(2).toNanos(), "shutdown took " + shutdownNanos + " ns");

    OkHttpClient fresh = client(transport, blue);
    assertThrows(ConnectException.class, () -> get(fresh, blue, "/").close());

    blue.shutdown();
    blue.close();
    assertEquals(1, blue.requestCount(), "counters stay readable");
  }

  @Test
  void startPairSharesOnePortOnTwoAddresses() throws IOException {
    List<BackendServer> pair =
        BackendServer.startPair(
            BackendServer.builder("blue")
                .address(InetAddress.getByName("127.0.0.2"))
                .tls(CERTS)
                .http2(true),
            BackendServer.builder("green")
                .address(InetAddress.getByName("127.0.0.3"))
                .tls(CERTS)
                .http2(true));
    servers.addAll(pair);
    BackendServer blue = pair.get(0);
    BackendServer green = pair.get(1);

    assertEquals("blue", blue.name());
    assertEquals("green", green.name());
    assertEquals(InetAddress.getByName("127.0.0.2"), blue.address());
    assertEquals(InetAddress.getByName("127.0.0.3"), green.address());
    assertEquals(blue.port(), green.port());
    assertEquals(blue.url(HOST, "/"), green.url(HOST, "/"));
    assertBody("blue", client(Transport.HTTPS_2, blue), blue, "/");
    assertBody("green", client(Transport.HTTPS_2, green), green, "/");
  }

  @Test
  void startPairWithATakenFixedPortFailsAndLeavesNothingOpen() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.3"), 0));
      int port = taken.getLocalPort();

      assertThrows(
          BindException.class,
          () ->
              BackendServer.startPair(
                  BackendServer.builder("blue")
                      .address(InetAddress.getByName("127.0.0.2"))
                      .port(port),
                  BackendServer.builder("green").address(InetAddress.getByName("127.0.0.3"))));

      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), port));
      }
    }
  }

  @Test
  void startGroupSharesOnePortOnEveryAddress() throws IOException {
    List<BackendServer> group = BackendServer.startGroup(List.of(
        BackendServer.builder("a").address(InetAddress.getByName("127.0.0.2")),
        BackendServer.builder("b").address(InetAddress.getByName("127.0.0.3")),
        BackendServer.builder("c").address(InetAddress.getByName("127.0.0.4"))));
    servers.addAll(group);

    assertEquals(List.of("a", "b", "c"),
        group.stream().map(BackendServer::name).collect(Collectors.toList()));
    assertEquals(1, group.stream().mapToInt(BackendServer::port).distinct().count());
    for (BackendServer server : group) {
      assertBody(server.name(), client(Transport.HTTP_1_1, server), server, "/");
    }
  }

  @Test
  void startGroupRejectsARepeatedAddress() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BackendServer.startGroup(List.of(
            BackendServer.builder("a").address(InetAddress.getByName("127.0.0.2")),
            BackendServer.builder("b").address(InetAddress.getByName("127.0.0.2")))));
    assertTrue(e.getMessage().contains("127.0.0.2 is given twice"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BackendServer.startGroup(List.of()));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void openConnectionCountFollowsTheClientClosingItsConnections(Transport transport)
      throws IOException {
    BackendServer blue = start(transport, "blue", "127.0.0.2");
    OkHttpClient client = client(transport, blue);
    assertEquals(0, blue.openConnectionCount());

    assertBody("blue", client, blue, "/");
    assertEquals(1, blue.openConnectionCount(), "the pooled connection stays open");

    client.connectionPool().evictAll();
    Poll.until(DEADLINE, "the server to see the connection closed",
        () -> blue.openConnectionCount() == 0);
    assertEquals(1, blue.acceptedConnectionCount());
  }

  @Test
  void resetCountersStartsTheBooksAfresh() throws IOException {
    BackendServer blue = start(Transport.HTTP_1_1, "blue", "127.0.0.2");
    OkHttpClient client = client(Transport.HTTP_1_1, blue);
    assertBody("blue", client, blue, "/");

    blue.resetCounters();
    assertEquals(0, blue.requestCount());
    assertEquals(0, blue.requestCount("GET"));
    assertEquals(0, blue.connectionCount());
    assertEquals(0, blue.acceptedConnectionCount());
    assertTrue(blue.requests().isEmpty());

    assertBody("blue", client, blue, "/");
    assertEquals(1, blue.requestCount());
    assertEquals(0, blue.connectionCount(), "the connection was first counted before the reset");
    assertEquals(List.of(1), sequenceNumbers(blue));
  }

  @Test
  void urlUsesTheGivenHostWithTheServersSchemeAndPort() throws IOException {
    BackendServer plain = start(Transport.HTTP_1_1, "blue", "127.0.0.2");
    BackendServer secure = start(Transport.HTTPS_2, "green", "127.0.0.3");

    assertEquals(
        "http://api.cutover.test:" + plain.port() + "/a/b?c=d",
        plain.url(HOST, "/a/b?c=d").toString());
    assertEquals("https://api.cutover.test:" + secure.port() + "/", secure.url(HOST, "/").toString());
    assertNotEquals(0, plain.port());
    assertTrue(plain.toString().contains("blue"), plain.toString());
    assertIllegal("path", () -> plain.url(HOST, "a"));
    assertIllegal("//other", () -> plain.url(HOST, "//other/x"));
    assertIllegal("null", () -> plain.url(null, "/"));
  }

  @Test
  void rejectsBadBuilderInput() throws UnknownHostException {
    assertIllegal("name must not be null", () -> BackendServer.builder(null));
    assertIllegal("\" \"", () -> BackendServer.builder(" "));
    assertIllegal("\"bl\nue\"", () -> BackendServer.builder("bl\nue"));
    assertIllegal("-1", () -> BackendServer.builder("blue").port(-1));
    assertIllegal("65536", () -> BackendServer.builder("blue").port(65_536));
    assertIllegal("address", () -> BackendServer.builder("blue").address(null));
    assertIllegal("tls(null)", () -> BackendServer.builder("blue").http2(true).start());

    BackendServer.Builder blue =
        BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2"));
    assertIllegal("127.0.0.2", () -> BackendServer.startPair(blue, blue));
    assertIllegal("green", () -> BackendServer.startPair(blue, null));
    assertIllegal(
        "1234 and 5678",
        () ->
            BackendServer.startPair(
                BackendServer.builder("blue").port(1234),
                BackendServer.builder("green")
                    .address(InetAddress.getByName("127.0.0.3"))
                    .port(5678)));
  }

  @Test
  void rejectsBadBehaviourInput() throws IOException {
    BackendServer blue = start(Transport.HTTP_1_1, "blue", "127.0.0.2");

    assertIllegal("199", () -> blue.status(199));
    assertIllegal("600", () -> blue.status(600));
    assertIllegal("null", () -> blue.unavailable(null));
    assertIllegal("\"\"", () -> blue.unavailable(""));
    assertIllegal("PT-1S", () -> blue.delay(Duration.ofSeconds(-1)));
    assertIllegal("delay must not be null", () -> blue.delay(null));
    assertIllegal("method", () -> blue.requestCount(null));
  }

  private BackendServer start(Transport transport, String name, String address)
      throws IOException {
    BackendServer server =
        BackendServer.builder(name)
            .address(InetAddress.getByName(address))
            .tls(transport.tls ? CERTS : null)
            .http2(transport.http2)
            .start();
    servers.add(server);
    return server;
  }

  /** A client that reaches {@link #HOST} at the server's address and hides no failure. */
  private OkHttpClient client(Transport transport, BackendServer server) {
    OkHttpClient.Builder builder =
        new OkHttpClient.Builder()
            .dns(
                host -> {
                  if (host.equals(HOST)) {
                    return List.of(server.address());
                  }
                  throw new UnknownHostException(host);
                })
            .retryOnConnectionFailure(false)
            .callTimeout(DEADLINE);
    if (transport.tls) {
      builder.sslSocketFactory(CERTS.clientSocketFactory(), CERTS.clientTrustManager());
    }
    OkHttpClient client = builder.build();
    clients.add(client);
    return client;
  }

  private ExecutorService executor(int threads) {
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    executors.add(executor);
    return executor;
  }

  private List<Future<Response>> submitGets(OkHttpClient client, BackendServer server, int count) {
    ExecutorService executor = executor(count);
    List<Future<Response>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String path = "/" + i;
      calls.add(executor.submit(() -> get(client, server, path)));
    }
    return calls;
  }

  private static void assertAllAnswered(
      String expected, Protocol protocol, List<Future<Response>> calls) throws Exception {
    for (Future<Response> call : calls) {
      try (Response response = call.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
        assertEquals(expected, response.body().string());
        assertEquals(protocol, response.protocol());
      }
    }
  }

  private static Response get(OkHttpClient client, BackendServer server, String path)
      throws IOException {
    return client.newCall(new Request.Builder().url(server.url(HOST, path)).build()).execute();
  }

  private static CompletableFuture<Response> enqueue(
      OkHttpClient client, BackendServer server, String path) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    client
        .newCall(new Request.Builder().url(server.url(HOST, path)).build())
        .enqueue(
            new Callback() {
              @Override
              public void onFailure(Call call, IOException e) {
                result.completeExceptionally(e);
              }

              @Override
              public void onResponse(Call call, Response response) {
                result.complete(response);
              }
            });
    return result;
  }

  private static void assertBody(
      String expected, OkHttpClient client, BackendServer server, String path) throws IOException {
    try (Response response = get(client, server, path)) {
      assertEquals(200, response.code());
      assertEquals(expected, response.body().string());
      assertEquals(expected, response.header("X-Backend"));
    }
  }

  private static List<Integer> sequenceNumbers(BackendServer server) {
    return server.requests().stream()
        .map(BackendServer.Recorded::sequenceNumber)
        .collect(Collectors.toList());
  }

  private static List<String> paths(BackendServer server) {
    return server.requests().stream().map(BackendServer.Recorded::path).collect(Collectors.toList());
  }

  private static void assertIllegal(String expectedInMessage, ThrowingRunnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertTrue(
        e.getMessage().contains(expectedInMessage),
        "expected \"" + expectedInMessage + "\" in: " + e.getMessage());
  }

  private static void awaitTrue(BooleanSupplier condition) {
    Poll.until(DEADLINE, "the condition", condition);
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }
}

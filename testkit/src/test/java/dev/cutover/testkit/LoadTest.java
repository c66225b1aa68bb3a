package dev.cutover.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.Load.Attempt;
import dev.cutover.testkit.Load.Exchange;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load generator against a real server, with real OkHttp clients. */
class LoadTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private BackendServer blue;
  private Request request;
  private final List<OkHttpClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    blue = BackendServer.builder("blue").address(InetAddress.getByName("127.0.0.2")).start();
    request = new Request.Builder().url(blue.url("127.0.0.2", "/load")).build();
  }

  @AfterEach
  void stop() {
    for (OkHttpClient client : clients) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    blue.close();
  }

  @Test
  void everyCallerSendsItsMaximumAndEachRequestIsRecorded() throws Exception {
    AtomicInteger told = new AtomicInteger();
    Load load = Load.builder(client(new OkHttpClient.Builder()), request)
        .callers(3).maxRequestsPerCaller(7).onExchange(e -> told.incrementAndGet()).start();

    assertTrue(load.awaitEnd(DEADLINE), "callers stop by themselves after 7 requests each");
    List<Exchange> all = load.exchanges();
    assertEquals(21, all.size());
    assertEquals(21, told.get());
    assertEquals(21, blue.requestCount());
    assertEquals(7, load.minimumInPhase());
    for (List<Exchange> caller : load.exchangesInPhase()) {
      assertEquals(7, caller.size());
    }
    for (int i = 1; i < all.size(); i++) {
      assertTrue(all.get(i - 1).startNanos() <= all.get(i).startNanos(), "ordered by start");
    }
    Exchange first = all.get(0);
    assertTrue(first.ok());
    assertEquals(200, first.status());
    assertEquals("blue", first.body());
    assertEquals("blue", first.backend());
    assertEquals(Protocol.HTTP_1_1, first.protocol());
    assertNull(first.error());
    assertTrue(first.startNanos() >= 0 && first.endNanos() >= first.startNanos());
    assertEquals(List.of(), load.failures());
    assertEquals(List.of(), first.attempts(), "the client records no attempts");
  }

  @Test
  void callersStopByThemselvesWhenTheDurationIsUp() throws Exception {
    long before = System.nanoTime();
    Load load = Load.builder(client(new OkHttpClient.Builder()), request)
        .callers(2).thinkTime(Duration.ofMillis(20)).duration(Duration.ofMillis(300)).start();

    assertTrue(load.awaitEnd(DEADLINE));
    assertTrue(System.nanoTime() - before >= Duration.ofMillis(300).toNanos());
    List<Exchange> all = load.exchanges();
    assertFalse(all.isEmpty());
    for (Exchange exchange : all) {
      assertTrue(exchange.startNanos() < Duration.ofMillis(300).toNanos(),
          "no request starts after the duration: " + exchange);
    }
    // 20 ms between requests: a caller cannot have sent more than one per 20 ms.
    for (List<Exchange> caller : load.exchangesInPhase()) {
      assertTrue(caller.size() <= 300 / 20 + 1, "think time kept: " + caller.size());
    }
  }

  @Test
  void anyThrowableIsAFailureAndTheCallerGoesOn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    OkHttpClient client = client(new OkHttpClient.Builder().addInterceptor(chain -> {
      if (calls.incrementAndGet() % 2 == 0) {
        throw new IllegalStateException("a bug in an interceptor");
      }
      return chain.proceed(chain.request());
    }));
    Load load = Load.builder(client, request).maxRequestsPerCaller(4).start();

    assertTrue(load.awaitEnd(DEADLINE), "the caller survived the exceptions");
    List<Exchange> all = load.exchanges();
    assertEquals(4, all.size());
    assertEquals(List.of(true, false, true, false),
        all.stream().map(Exchange::ok).collect(Collectors.toList()));
    Exchange failed = all.get(1);
    assertInstanceOf(IllegalStateException.class, failed.failure());
    assertEquals(-1, failed.code());
    assertEquals(-1, failed.status());
    assertFalse(failed.bodyFailed());
    assertEquals("IllegalStateException: a bug in an interceptor", failed.error());
    assertEquals(2, load.failures().size(), load.failures().toString());
    assertTrue(load.failures().get(0).startsWith("load-caller-0: java.lang.IllegalStateException"),
        load.failures().toString());
    assertEquals(List.of(), load.bodyFailures());
    assertTrue(load.firstFailure().getCause() instanceof IllegalStateException);
  }

  @Test
  void aBodyThatBreaksAfterTheHeadersIsABodyFailure() throws Exception {
    OkHttpClient client = client(new OkHttpClient.Builder().addInterceptor(chain -> {
      Response response = chain.proceed(chain.request());
      response.close();
      return response.newBuilder().body(new BrokenBody()).build();
    }));
    Load load = Load.builder(client, request).maxRequestsPerCaller(1).start();
    assertTrue(load.awaitEnd(DEADLINE));

    Exchange broken = load.exchanges().get(0);
    assertEquals(200, broken.code());
    assertEquals(-1, broken.status(), "the caller did not get the whole answer");
    assertTrue(broken.bodyFailed());
    assertFalse(broken.ok());
    assertEquals("blue", broken.backend(), "the headers had arrived");
    assertEquals("IOException: connection cut mid-body", broken.error());
    assertEquals(List.of(), load.failures());
    assertEquals(List.of("load-caller-0: java.io.IOException: connection cut mid-body"),
        load.bodyFailures());
  }

  @Test
  void theFirst503IsAFailureNamingTheStatusAndBody() throws Exception {
    blue.unavailable();
    Load load = Load.builder(client(new OkHttpClient.Builder()), request)
        .maxRequestsPerCaller(1).start();
    assertTrue(load.awaitEnd(DEADLINE));
    Exchange exchange = load.exchanges().get(0);
    assertFalse(exchange.ok());
    assertEquals(503, exchange.status());
    assertEquals(List.of("load-caller-0: 503 blue unavailable"), load.failures());
  }

  @Test
  void phasesCountOnlyRequestsStartedInThem() throws Exception {
    try (Load load = Load.builder(client(new OkHttpClient.Builder()), request).callers(2)
        .start()) {
      Poll.until(DEADLINE, "5 requests each", () -> load.minimumInPhase() >= 5);
      load.markPhase();
      blue.status(418);
      Poll.until(DEADLINE, "3 more each", () -> load.minimumInPhase() >= 3);
      for (List<Exchange> caller : load.exchangesInPhase()) {
        for (Exchange exchange : caller) {
          assertEquals(1, exchange.phase());
        }
        // Each caller may have had one request in flight at the switch; the rest are 418s.
        assertEquals(418, caller.get(caller.size() - 1).code());
      }
      assertFalse(load.failures().isEmpty(), "the 418s are failures");
    }
  }

  @Test
  void attemptRecorderSeesEveryResponseOnTheWire() throws Exception {
    OkHttpClient client = client(new OkHttpClient.Builder()
        .eventListenerFactory(Load.attemptRecorder())
        .addInterceptor(chain -> {
          Response response = chain.proceed(chain.request());
          if (response.code() != 503) {
            return response;
          }
          response.close();
          return chain.proceed(chain.request());
        }));
    blue.unavailableEveryOther();
    Load load = Load.builder(client, request).maxRequestsPerCaller(3).start();
    assertTrue(load.awaitEnd(DEADLINE));

    for (Exchange exchange : load.exchanges()) {
      assertTrue(exchange.ok(), exchange.toString());
      List<Attempt> attempts = exchange.attempts();
      assertEquals(List.of(503, 200),
          attempts.stream().map(Attempt::code).collect(Collectors.toList()));
      assertEquals(List.of("blue", "blue"),
          attempts.stream().map(Attempt::backend).collect(Collectors.toList()));
      assertTrue(attempts.get(0).sentNanos() >= exchange.startNanos()
          && attempts.get(1).sentNanos() >= attempts.get(0).sentNanos()
          && attempts.get(1).sentNanos() <= exchange.endNanos());
    }
    assertEquals(6, blue.requestCount());
  }

  @Test
  void closeStopsTheCallers() throws Exception {
    Load load = Load.builder(client(new OkHttpClient.Builder()), request).callers(2).start();
    Poll.until(DEADLINE, "some requests", () -> load.minimumInPhase() >= 1);
    load.close();
    int after = blue.requestCount();
    assertTrue(load.awaitEnd(Duration.ZERO), "every caller has stopped");
    assertEquals(after, blue.requestCount(), "no request after close()");
  }

  @Test
  void aRampStartsOneCallerPerIntervalAndCloseDoesNotWaitForTheLastTurn() throws Exception {
    Load load = Load.builder(client(new OkHttpClient.Builder()), request)
        .callers(4).thinkTime(Duration.ofMillis(10)).rampInterval(Duration.ofMillis(150))
        .duration(Duration.ofMillis(800)).start();
    assertTrue(load.awaitEnd(DEADLINE));
    List<List<Exchange>> callers = load.exchangesInPhase();
    for (int i = 0; i < 4; i++) {
      long first = callers.get(i).get(0).startNanos();
      assertTrue(first >= Duration.ofMillis(150L * i).toNanos(),
          "caller " + i + " started at " + first / 1_000_000 + " ms");
    }
    assertTrue(callers.get(0).size() > callers.get(3).size(), "the first caller ran longest");

    // A caller whose turn comes after the duration sends nothing, and close() ends its wait.
    Load late = Load.builder(client(new OkHttpClient.Builder()), request)
        .callers(2).rampInterval(Duration.ofSeconds(60)).start();
    Poll.until(DEADLINE, "the first caller runs", () -> late.exchangesInPhase().get(0).size() > 2);
    long before = System.nanoTime();
    late.close();
    assertTrue(late.awaitEnd(Duration.ZERO));
    assertTrue(System.nanoTime() - before < Duration.ofSeconds(5).toNanos(), "close() waited");
    assertEquals(List.of(), late.exchangesInPhase().get(1));
  }

  @Test
  void badArgumentsAreRejectedNamingThem() {
    OkHttpClient client = new OkHttpClient();
    assertIllegal("callers must be 1 or more", () -> Load.builder(client, request).callers(0));
    assertIllegal("thinkTime must be zero or more",
        () -> Load.builder(client, request).thinkTime(Duration.ofMillis(-1)));
    assertIllegal("duration must be more than zero",
        () -> Load.builder(client, request).duration(Duration.ZERO));
    assertIllegal("maxRequestsPerCaller must be 1 or more",
        () -> Load.builder(client, request).maxRequestsPerCaller(0));
    assertIllegal("client must not be null", () -> Load.builder((OkHttpClient) null, request));
    assertIllegal("clients must be one or more clients",
        () -> Load.builder(List.of(), request));
    assertIllegal("rampInterval must be zero or more",
        () -> Load.builder(client, request).rampInterval(Duration.ofMillis(-1)));
    assertIllegal("onExchange must not be null",
        () -> Load.builder(client, request).onExchange(null));
  }

  private OkHttpClient client(OkHttpClient.Builder builder) {
    OkHttpClient client = builder.build();
    clients.add(client);
    return client;
  }

  private static void assertIllegal(String expected, Runnable action) {
    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, action::run);
    assertTrue(thrown.getMessage().contains(expected), thrown.getMessage());
  }

  /** A body whose bytes never come: the read fails after the headers. */
  private static final class BrokenBody extends ResponseBody {
    @Override
    public MediaType contentType() {
      return null;
    }

    @Override
    public long contentLength() {
      return -1;
    }

    @Override
    public BufferedSource source() {
      return Okio.buffer(new ForwardingSource(new Buffer()) {
        @Override
        public long read(Buffer sink, long byteCount) throws IOException {
          throw new IOException("connection cut mid-body");
        }
      });
    }
  }
}

package dev.cutover.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.Poll;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.internal.connection.RealConnection;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Plain OkHttp, no Cutover code: what stopping new exchanges on a busy HTTP/2 connection does to
 * the streams still in flight on it, on OkHttp 4.12 and on 5.x (issue #18).
 *
 * <p>The server sends each response's END_STREAM on a frame of its own after the body, as real
 * servers do when a handler flushes its body and then returns. OkHttp 4.12 treats a response as
 * complete, and releases the call from its connection, as soon as Content-Length bytes have been
 * read ({@code Exchange.ResponseBodySource.read}, 4.12 Exchange.kt:299), before END_STREAM. If
 * that was the last call on a connection marked "no new exchanges", OkHttp closes the socket at
 * once ({@code RealCall.releaseConnectionNoEvents} → {@code RealConnectionPool
 * .connectionBecameIdle}), and every stream still waiting for its END_STREAM, the releasing
 * call's own included, fails its read for end of body. OkHttp 5 (square/okhttp#8829) releases
 * the call only once the stream is complete, so the socket is closed only when no stream waits.
 *
 * <p>Each test asserts the behaviour of the OkHttp line it runs on, so it runs, and must pass, in
 * both passes: {@code ./mvnw -pl okhttp-integration -am test} and the same with {@code
 * -Pokhttp4}.
 */
class OkHttpHttp2RetireBehaviourTest {
  private static final String HOST = "h2.cutover.test";
  private static final boolean OKHTTP4 = okHttpVersion().startsWith("4.");
  private static final int CALLERS = 16;
  private static final int ROUNDS = 3;
  private static final byte[] BODY = body(4096);
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  /** Exceptions a stream's read fails with when its connection's socket is closed under it. */
  private static final Set<String> SOCKET_CLOSED_FAILURES = Set.of(
      "okhttp3.internal.http2.StreamResetException", "java.net.SocketException",
      "javax.net.ssl.SSLException");

  /** What stops the busy connection: two ways to retire it, or the pool's public eviction. */
  enum Trigger {
    /** {@code RealConnection.noNewExchanges = true} under the connection's monitor. */
    MARK,
    /** A network interceptor puts {@code Connection: close} on the requests. */
    CONNECTION_CLOSE,
    /**
     * Not retired, but {@code ConnectionPool.evictAll()} once every body is read: public API,
     * which closes the connections on which OkHttp's list of calls is empty.
     */
    EVICT_ALL
  }

  private TestCertificates certificates;
  private FramedHttp2Server server;
  private final Calls calls = new Calls();
  private final AtomicBoolean closeHeader = new AtomicBoolean();

  @BeforeEach
  void setUp() throws IOException {
    certificates = TestCertificates.forHosts(HOST);
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Sixteen streams in flight on one connection, which is retired once their response headers
   * are in and before their bodies are. On 4.12 all sixteen fail, every one after it had read
   * its whole body; on 5.x none does.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Trigger.class)
  void retiringABusyConnectionFailsStreamsAwaitingEndStreamOnlyOn4(Trigger trigger)
      throws Exception {
    startServer(Duration.ZERO);
    OkHttpClient client = client(false);
    List<Outcome> outcomes = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      outcomes.addAll(retireUnderLoad(client, trigger));
    }

    List<Outcome> failed = failed(outcomes);
    if (OKHTTP4) {
      assertEquals(ROUNDS * CALLERS, failed.size(), "4.12: every stream that waited for its"
          + " END_STREAM when the last call released the connection fails; " + summary(outcomes));
      for (Outcome outcome : failed) {
        assertEquals(BODY.length, outcome.bytesRead, "failed only after the whole body: " + outcome);
        assertTrue(outcome.releasedBeforeFailure, "its call had released the connection: "
            + outcome);
        assertTrue(outcome.callEndBeforeFailure, "the event listener had reported callEnd, not"
            + " callFailed: " + outcome);
        assertTrue(SOCKET_CLOSED_FAILURES.contains(outcome.failureClass),
            "a read on a socket closed under it: " + outcome);
      }
    } else {
      assertEquals(List.of(), failed, "5.x: no in-flight stream fails; " + summary(outcomes));
    }
    System.out.println("[" + okHttpVersion() + " " + trigger + "] " + summary(outcomes) + "; "
        + server.books());
  }

  /**
   * The same, with a network interceptor that ends the body at its Content-Length: a read for
   * end of body that fails after the whole body was read reports end of body. No stream fails on
   * either line, and the retired connection takes no new stream.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Trigger.class)
  void endingBodiesAtContentLengthMakesRetiringSafeOnBothLines(Trigger trigger) throws Exception {
    startServer(Duration.ZERO);
    OkHttpClient client = client(true);
    List<Outcome> outcomes = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      outcomes.addAll(retireUnderLoad(client, trigger));
    }
    assertEquals(List.of(), failed(outcomes), summary(outcomes));
    assertEquals(ROUNDS * CALLERS, outcomes.size());
    System.out.println("[" + okHttpVersion() + " " + trigger + " +eof-at-length] "
        + summary(outcomes) + "; " + server.books());
  }

  /**
   * On 4.12 OkHttp's list of calls on a connection empties while a stream on it still waits for
   * END_STREAM, so an empty list is no proof that closing the socket is harmless; on 5.x the
   * call stays on the list until its stream is complete. Marking the connection and closing its
   * socket if the list is empty (what a retirer that trusts the list would do) then fails the
   * response's read for end of body on 4.12 only.
   */
  @Test
  void callListEmptiesBeforeEndStreamOnlyOn4() throws Exception {
    startServer(Duration.ZERO);
    OkHttpClient client = client(false);
    server.holdEndStreams();
    Call call = client.newCall(request());
    Outcome outcome = calls.start(call);
    try (Response response = call.execute()) {
      assertEquals(Protocol.HTTP_2, response.protocol());
      RealConnection connection = (RealConnection) outcome.connection;
      BufferedSource source = response.body().source();
      assertEquals(BODY.length, source.readByteArray(BODY.length).length);
      int callsOnConnection;
      synchronized (connection) {
        callsOnConnection = connection.getCalls().size();
      }
      assertEquals(OKHTTP4 ? 0 : 1, callsOnConnection,
          "calls on the connection once the whole body is read, END_STREAM not yet received");
      assertEquals(OKHTTP4, outcome.released.get(), "connectionReleased fired");

      boolean noCalls;
      synchronized (connection) {
        connection.setNoNewExchanges(true);
        noCalls = connection.getCalls().isEmpty();
      }
      if (noCalls) {
        connection.socket().close();
      }
      server.releaseEndStreams();
      if (OKHTTP4) {
        IOException failure = assertThrows(IOException.class, source::exhausted,
            "the read for end of body, on a socket closed under its stream");
        assertTrue(SOCKET_CLOSED_FAILURES.contains(failure.getClass().getName()),
            failure.toString());
      } else {
        assertTrue(source.exhausted(), "end of body once END_STREAM is in");
      }
    } finally {
      server.releaseEndStreams();
    }
  }

  /**
   * Free-running load with END_STREAM 30 ms behind each body: the current connection is marked
   * every 24 responses, 20 times. Counts how many streams fail without and with ending bodies at
   * their Content-Length.
   */
  @ParameterizedTest(name = "eofAtContentLength={0}")
  @ValueSource(booleans = {false, true})
  void markingUnderFreeRunningLoad(boolean eofAtContentLength) throws Exception {
    startServer(Duration.ofMillis(30));
    OkHttpClient client = client(eofAtContentLength);
    int marks = 20;
    int every = 24;
    AtomicInteger completed = new AtomicInteger();
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      Thread thread = new Thread(() -> {
        while (running.get()) {
          outcomes.add(call(client));
          completed.incrementAndGet();
        }
      }, "caller-" + i);
      thread.start();
      threads.add(thread);
    }
    Set<Connection> marked = ConcurrentHashMap.newKeySet();
    try {
      for (int mark = 1; mark <= marks; mark++) {
        int target = mark * every;
        Poll.until(DEADLINE, target + " responses", () -> completed.get() >= target);
        Connection latest = calls.latestConnection.get();
        if (marked.add(latest)) {
          RealConnection connection = (RealConnection) latest;
          synchronized (connection) {
            connection.setNoNewExchanges(true);
          }
        }
      }
    } finally {
      running.set(false);
      for (Thread thread : threads) {
        thread.join(DEADLINE.toMillis());
      }
    }
    List<Outcome> failed = failed(outcomes);
    System.out.println("[" + okHttpVersion() + " free-running eofAtContentLength="
        + eofAtContentLength + "] marked=" + marked.size() + " " + summary(outcomes) + "; "
        + server.books());
    if (OKHTTP4 && !eofAtContentLength) {
      assertTrue(failed.size() > 0, "4.12: streams fail; " + summary(outcomes));
      for (Outcome outcome : failed) {
        assertEquals(BODY.length, outcome.bytesRead, "failed only after the whole body: " + outcome);
        assertTrue(SOCKET_CLOSED_FAILURES.contains(outcome.failureClass), outcome.toString());
      }
    } else {
      assertEquals(List.of(), failed, summary(outcomes));
    }
  }

  /**
   * One round: a pooled connection, sixteen calls on it whose headers are in and bodies held,
   * the connection retired, bodies released. Returns once every call finished.
   */
  private List<Outcome> retireUnderLoad(OkHttpClient client, Trigger trigger) throws Exception {
    // A pooled connection first, so that the sixteen calls all share it.
    Outcome warmUp = call(client);
    assertEquals(null, warmUp.failureClass, "warm-up call: " + warmUp);
    RealConnection connection = (RealConnection) warmUp.connection;
    calls.inFlight.clear();

    server.holdHeaders();
    server.holdBodies();
    server.holdEndStreams();
    closeHeader.set(trigger == Trigger.CONNECTION_CLOSE);
    int requestsBefore = server.requests.get();
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    AtomicInteger headersIn = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      Thread thread = new Thread(() -> outcomes.add(call(client, headersIn)), "caller-" + i);
      thread.start();
      threads.add(thread);
    }
    // Every request is on the wire, so every call holds the connection: then the headers.
    Poll.until(DEADLINE, CALLERS + " requests at the server",
        () -> server.requests.get() - requestsBefore == CALLERS);
    server.releaseHeaders();
    Poll.until(DEADLINE, CALLERS + " response headers", () -> headersIn.get() == CALLERS);
    closeHeader.set(false);
    if (trigger == Trigger.MARK) {
      synchronized (connection) {
        connection.setNoNewExchanges(true);
      }
    }
    synchronized (connection) {
      assertEquals(trigger != Trigger.EVICT_ALL, connection.getNoNewExchanges(), "retired");
      assertEquals(CALLERS, connection.getCalls().size(), "all sixteen calls on the connection");
    }
    server.releaseBodies();
    // Every caller has read its whole body (and now waits for END_STREAM), or failed.
    Poll.until(DEADLINE, "every body read or failed", () -> {
      int settled = 0;
      for (Outcome outcome : calls.inFlight.values()) {
        settled += outcome.bytesRead == BODY.length || outcome.done ? 1 : 0;
      }
      return settled == CALLERS && calls.inFlight.size() == CALLERS;
    });
    if (trigger == Trigger.EVICT_ALL) {
      client.connectionPool().evictAll();
    }
    server.releaseEndStreams();
    for (Thread thread : threads) {
      thread.join(DEADLINE.toMillis());
    }
    calls.inFlight.clear();

    Outcome probe = call(client);
    assertEquals(null, probe.failureClass, "a call after the retirement: " + probe);
    if (trigger != Trigger.EVICT_ALL) {
      assertNotSame(connection, probe.connection, "the retired connection takes no new stream");
    }
    assertEquals(CALLERS, outcomes.size());
    for (Outcome outcome : outcomes) {
      assertSame(connection, outcome.connection, "all sixteen shared the retired connection");
    }
    return outcomes;
  }

  private Outcome call(OkHttpClient client) {
    return call(client, new AtomicInteger());
  }

  /** Executes one GET and reads its body to the end, as ResponseBody.bytes() does. */
  private Outcome call(OkHttpClient client, AtomicInteger headersIn) {
    Call call = client.newCall(request());
    Outcome outcome = calls.start(call);
    try (Response response = call.execute()) {
      headersIn.incrementAndGet();
      BufferedSource source = response.body().source();
      Buffer sink = new Buffer();
      long read;
      while ((read = source.read(sink, 8192)) != -1) {
        outcome.bytesRead += read;
        sink.clear();
      }
    } catch (IOException e) {
      outcome.failed(e);
    }
    outcome.done = true;
    return outcome;
  }

  private void startServer(Duration endStreamDelay) throws IOException {
    server = new FramedHttp2Server(certificates, InetAddress.getLoopbackAddress(), BODY, 1024,
        Duration.ZERO, endStreamDelay);
  }

  private OkHttpClient client(boolean eofAtContentLength) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .sslSocketFactory(certificates.clientSocketFactory(), certificates.clientTrustManager())
        .dns(host -> List.of(InetAddress.getLoopbackAddress()))
        .eventListener(calls)
        .addNetworkInterceptor(chain -> chain.proceed(closeHeader.get()
            ? chain.request().newBuilder().header("Connection", "close").build()
            : chain.request()));
    if (eofAtContentLength) {
      builder.addNetworkInterceptor(new EofAtContentLength());
    }
    return builder.build();
  }

  private Request request() {
    return new Request.Builder().url("https://" + HOST + ":" + server.port() + "/").build();
  }

  /**
   * The prototype fix: once a body has delivered all of its Content-Length bytes, a failed read
   * for end of body reports end of body. Such a read can only fail because the stream or its
   * connection went away before END_STREAM arrived, and nothing the caller has not already read
   * could have come. A read past the length that returns bytes still fails as before (OkHttp
   * throws ProtocolException), and so does any failure before the length is reached.
   */
  static final class EofAtContentLength implements Interceptor {
    @Override
    public Response intercept(Chain chain) throws IOException {
      Response response = chain.proceed(chain.request());
      ResponseBody body = response.body();
      if (body == null || body.contentLength() < 0
          || (response.protocol() != Protocol.HTTP_2
              && response.protocol() != Protocol.H2_PRIOR_KNOWLEDGE)) {
        return response;
      }
      long contentLength = body.contentLength();
      ForwardingSource bounded = new ForwardingSource(body.source()) {
        private long remaining = contentLength;

        @Override
        public long read(Buffer sink, long byteCount) throws IOException {
          if (remaining > 0) {
            long read = super.read(sink, byteCount);
            if (read > 0) {
              remaining -= read;
            }
            return read;
          }
          try {
            return super.read(sink, byteCount);
          } catch (ProtocolException e) {
            throw e;
          } catch (IOException e) {
            return -1;
          }
        }
      };
      return response.newBuilder()
          .body(ResponseBody.create(Okio.buffer(bounded), body.contentType(), contentLength))
          .build();
    }
  }

  /** What happened to one call. Written by its caller thread and OkHttp's event callbacks. */
  static final class Outcome {
    volatile Connection connection;
    volatile long bytesRead;
    volatile boolean done;
    volatile String failureClass;
    volatile String failureMessage;
    volatile boolean releasedBeforeFailure;
    volatile boolean callEndBeforeFailure;
    final AtomicBoolean released = new AtomicBoolean();
    final AtomicBoolean callEnd = new AtomicBoolean();

    void failed(IOException e) {
      releasedBeforeFailure = released.get();
      callEndBeforeFailure = callEnd.get();
      failureMessage = e.getMessage();
      failureClass = e.getClass().getName();
    }

    @Override
    public String toString() {
      return failureClass + ": " + failureMessage + " after " + bytesRead + " bytes, released="
          + releasedBeforeFailure + " callEnd=" + callEndBeforeFailure;
    }
  }

  /** OkHttp's events, per call. */
  static final class Calls extends EventListener {
    final Map<Call, Outcome> inFlight = new ConcurrentHashMap<>();
    private final Map<Call, Outcome> all = new ConcurrentHashMap<>();
    final AtomicReference<Connection> latestConnection = new AtomicReference<>();

    Outcome start(Call call) {
      Outcome outcome = new Outcome();
      all.put(call, outcome);
      inFlight.put(call, outcome);
      return outcome;
    }

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      Outcome outcome = all.get(call);
      if (outcome != null) {
        outcome.connection = connection;
      }
      latestConnection.set(connection);
    }

    @Override
    public void connectionReleased(Call call, Connection connection) {
      Outcome outcome = all.get(call);
      if (outcome != null) {
        outcome.released.set(true);
      }
    }

    @Override
    public void callEnd(Call call) {
      Outcome outcome = all.get(call);
      if (outcome != null) {
        outcome.callEnd.set(true);
      }
    }
  }

  private static List<Outcome> failed(List<Outcome> outcomes) {
    return outcomes.stream().filter(o -> o.failureClass != null).collect(Collectors.toList());
  }

  private static String summary(List<Outcome> outcomes) {
    Map<String, Integer> byFailure = new TreeMap<>();
    for (Outcome outcome : outcomes) {
      String key = outcome.failureClass == null ? "ok"
          : outcome.failureClass + ": " + outcome.failureMessage;
      byFailure.merge(key, 1, Integer::sum);
    }
    return outcomes.size() + " calls " + byFailure;
  }

  private static byte[] body(int size) {
    byte[] body = new byte[size];
    for (int i = 0; i < size; i++) {
      body[i] = (byte) ('a' + i % 26);
    }
    return body;
  }

  private static String okHttpVersion() {
    try {
      return String.valueOf(okhttp3.OkHttp.class.getField("VERSION").get(null));
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("okhttp3.OkHttp.VERSION not readable", e);
    }
  }
}

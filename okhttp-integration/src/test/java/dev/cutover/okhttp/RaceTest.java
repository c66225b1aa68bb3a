package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.FakeTicker;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two moments where Cutover closes a socket while OkHttp may be handing the connection to
 * another call, each held wide open by the user's own listener or interceptor (which run on the
 * call's thread, exactly there) and played 1,000 times: no other call's exchange may ever break,
 * and no caller may ever see Cutover's refusal. CI's smoke pass on a second JDK plays fewer
 * ({@code -Dcutover.race.iterations=100}); the full count runs on the first.
 */
class RaceTest {
  private static final int ITERATIONS = iterations();
  private static final Duration WAIT = Duration.ofSeconds(10);

  private CutoverFixture fixture;

  private static int iterations() {
    String configured = System.getProperty("cutover.race.iterations", "1000");
    try {
      int iterations = Integer.parseInt(configured.trim());
      if (iterations >= 1) {
        return iterations;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IllegalArgumentException(
        "cutover.race.iterations must be a whole number of at least 1, not '" + configured + "'");
  }

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  /**
   * Drain against acquire. OkHttp hands the pooled connection to blue to call B; before B's
   * connectionAcquired reaches Cutover (held here in the user's listener, which hears it first),
   * DNS moves and Cutover retires the connection, which its own count says is idle. In public-API
   * mode it closes the socket; B learns at its acquire that the connection is closed and must be
   * refused before sending, then served elsewhere as if nothing happened, even with
   * {@code maxAttempts(1)}: plain OkHttp would have served it. With OkHttp's internals the
   * connection is marked under OkHttp's own lock and B, which holds it, finishes on it.
   */
  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void aConnectionClosedAsIdleWhileOkHttpHandsItOutIsNeverUsed(boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    HoldAcquire hold = new HoldAcquire();
    OkHttpClient plain = fixture.plainClient(1).eventListener(hold).build();
    InetAddress blue = InetAddress.getByName("127.0.0.2");
    int closedUnderB = 0;
    for (int i = 0; i < ITERATIONS; i++) {
      try (Iteration it = new Iteration(plain, options -> options.drainMode(mode)
          .maxAttempts(1))) {
        hold.arm(blue);
        CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> get(it.client));
        assertTrue(hold.held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "B never got blue");
        it.flipToGreen(); // returns once the change was processed and connections retired
        boolean closed = hold.connection.get().socket().isClosed();
        hold.release.countDown();
        String answer = b.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (closed) {
          closedUnderB++;
          assertEquals("green", answer, "iteration " + i + ": refused on blue, served by green");
        } else {
          assertEquals("blue", answer, "iteration " + i + ": B kept the connection it held");
        }
      }
    }
    if (mode == DrainMode.PUBLIC_API) {
      assertEquals(ITERATIONS, closedUnderB, "every iteration closed the socket B was handed");
    } else {
      assertEquals(0, closedUnderB, "OkHttp's own lock: a connection a call holds stays open");
    }
  }

  /**
   * A 503 from an address that left DNS, HTTP/1.1: the retry closes the connection it got the
   * 503 on (or OkHttp would send the retry there again). Between the close of the 503's body and
   * that, held here in the user's network interceptor, another call B is sent: it must not get
   * that connection, because OkHttp releases a call's connection only once the call is over.
   */
  @Test
  void aConnectionClosedBetweenAttemptsIsNeverAnotherCalls() throws Exception {
    fixture = new CutoverFixture(false);
    HoldAfter503 hold = new HoldAfter503();
    ConnectionsUsed used = new ConnectionsUsed();
    OkHttpClient plain = fixture.plainClient(1).eventListenerFactory(call -> used)
        .addNetworkInterceptor(hold).build();
    for (int i = 0; i < ITERATIONS; i++) {
      try (Iteration it = new Iteration(plain, options -> { })) {
        fixture.flipDnsServerOnly("127.0.0.3");
        it.ticker.advance(Duration.ofSeconds(2)); // the 503's refresh may go out
        fixture.blue.unavailable();
        hold.arm();
        used.clear();
        CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> get(it.client));
        assertTrue(hold.held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "no 503 came");
        Connection aHad = used.first();
        String b = get(it.client); // while A sits between its 503 and its retry
        Connection bHad = used.last();
        hold.release.countDown();
        assertEquals("green", a.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), "iteration " + i);
        assertEquals("green", b, "iteration " + i);
        assertNotSame(aHad, bHad, "iteration " + i + ": B was given A's connection");
        assertTrue(aHad.socket().isClosed(), "iteration " + i + ": A's retry closed it");
        fixture.blue.serve();
      }
    }
  }

  /**
   * One play: DNS on blue, a wrapped client with a resolver of its own (a name flipped back and
   * forth would look like a rotating answer to one resolver), one idle pooled connection to blue.
   */
  private final class Iteration implements AutoCloseable {
    final FakeTicker ticker = new FakeTicker();
    final CutoverResolver resolver;
    final OkHttpClient client;

    Iteration(OkHttpClient plain, java.util.function.Consumer<CutoverOkHttp.Builder> options)
        throws IOException {
      fixture.flipDnsServerOnly("127.0.0.2");
      resolver = fixture.newResolver(ticker);
      CutoverOkHttp.Builder builder = CutoverOkHttp.builder(plain).resolver(resolver)
          .ticker(ticker::read).sleeper((nanos, call) -> ticker.advance(Duration.ofNanos(nanos)));
      options.accept(builder);
      client = builder.build();
      assertEquals("blue", get(client));
    }

    void flipToGreen() throws Exception {
      fixture.flipDnsServerOnly("127.0.0.3");
      ticker.advance(Duration.ofSeconds(2));
      resolver.refresh(CutoverFixture.HOST).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      resolver.close();
      client.connectionPool().evictAll();
    }
  }

  private String get(OkHttpClient client) {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return body(response);
    } catch (IOException e) {
      throw new AssertionError("a call failed: " + e, e);
    }
  }

  /** Holds the armed call's connectionAcquired for a connection to the given address. */
  private static final class HoldAcquire extends EventListener {
    volatile CountDownLatch held = new CountDownLatch(1);
    volatile CountDownLatch release = new CountDownLatch(1);
    final AtomicReference<Connection> connection = new AtomicReference<>();
    private volatile InetAddress armedFor;

    void arm(InetAddress address) {
      held = new CountDownLatch(1);
      release = new CountDownLatch(1);
      connection.set(null);
      armedFor = address;
    }

    @Override
    public void connectionAcquired(Call call, Connection acquired) {
      InetAddress address = acquired.route().socketAddress().getAddress();
      if (address.equals(armedFor)) {
        armedFor = null;
        connection.set(acquired);
        held.countDown();
        try {
          release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * The user's network interceptor: once armed, holds the thread that closes a 503's body just
   * after OkHttp has seen the body end (so after OkHttp would have released the connection, if it
   * released it between attempts).
   */
  private static final class HoldAfter503 implements okhttp3.Interceptor {
    volatile CountDownLatch held = new CountDownLatch(1);
    volatile CountDownLatch release = new CountDownLatch(1);
    private volatile boolean armed;

    void arm() {
      held = new CountDownLatch(1);
      release = new CountDownLatch(1);
      armed = true;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Response response = chain.proceed(chain.request());
      if (response.code() != 503 || !armed) {
        return response;
      }
      armed = false;
      ResponseBody original = response.body();
      BufferedSource held503 = Okio.buffer(new ForwardingSource(original.source()) {
        @Override
        public void close() throws IOException {
          super.close();
          HoldAfter503.this.held.countDown();
          try {
            release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      return response.newBuilder().body(ResponseBody.create(held503, original.contentType(),
          original.contentLength())).build();
    }
  }

  /** Every connection acquired, in order, whichever call acquired it. */
  private static final class ConnectionsUsed extends EventListener {
    private final List<Connection> acquired = new ArrayList<>();

    synchronized void clear() {
      acquired.clear();
    }

    synchronized Connection first() {
      return acquired.get(0);
    }

    synchronized Connection last() {
      return acquired.get(acquired.size() - 1);
    }

    @Override
    public synchronized void connectionAcquired(Call call, Connection connection) {
      acquired.add(connection);
    }
  }
}

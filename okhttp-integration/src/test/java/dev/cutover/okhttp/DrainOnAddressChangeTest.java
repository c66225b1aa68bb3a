package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.await;
import static dev.cutover.okhttp.CutoverFixture.firstFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.Load;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Steady keep-alive load on blue, then DNS moves: connections to addresses that left the answer
 * stop taking requests within the bound their drain mode states, nothing fails, and connections
 * to addresses that stayed are kept.
 */
class DrainOnAddressChangeTest {
  private static final int CALLERS = 8;

  private CutoverFixture fixture;


  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void blueStopsReceivingRequestsOnceTheFlipIsSeen(boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    SlowRelease slowRelease = new SlowRelease();
    // Held responses must not time out: they are held on purpose, well inside this.
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(CALLERS)
            .readTimeout(Duration.ofSeconds(60)).eventListener(slowRelease).build())
        .resolver(fixture.resolver).drainMode(mode).build();
    try (Load load = Load.builder(client, fixture.get("/steady")).callers(CALLERS).start()) {
      await(Duration.ofSeconds(20), "steady load on blue", () -> load.minimumInPhase() >= 20);
      int blueConnections = fixture.blue.connectionCount();

      // Every caller's request held at blue while the change is processed: what is in flight
      // then is counted exactly, and whatever blue receives after it is new.
      fixture.blue.delay(Duration.ofSeconds(50));
      await(Duration.ofSeconds(20), "a request of every caller held at blue",
          () -> fixture.blue.heldCount() == CALLERS);
      fixture.flipToGreen(); // returns once the change was processed and connections retired
      int blueAtFlip = fixture.blue.requestCount(); // nobody could send meanwhile
      slowRelease.arm();
      fixture.blue.delay(Duration.ZERO); // in flight before the change: they finish on blue
      load.markPhase();
      await(Duration.ofSeconds(20), "20 requests per caller after the flip",
          () -> load.minimumInPhase() >= 20);
      int blueAfterFlip = fixture.blue.requestCount() - blueAtFlip;

      assertEquals(List.of(), load.failures(), () -> "no request may fail" + firstFailure(load));
      assertEquals(List.of(), load.bodyFailures(), "draining must not cut a response being read");
      if (mode == DrainMode.OKHTTP_INTERNALS) {
        assertEquals(0, blueAfterFlip, "no new request at all on blue once the change is"
            + " processed (" + blueConnections + " connections)");
      } else {
        int bound = beyondInFlight(http2, blueConnections);
        assertTrue(blueAfterFlip <= bound, "blue got " + blueAfterFlip + " new requests after"
            + " the flip; bound " + bound + " (" + blueConnections + " connections, " + mode + ")");
      }
      for (List<String> answers : answersInPhase(load)) {
        assertEquals(List.of("green", "green", "green", "green", "green"),
            answers.subList(answers.size() - 5, answers.size()),
            "every caller ends on green: " + answers);
      }
      int blueAtEnd = fixture.blue.requestCount();
      load.markPhase();
      await(Duration.ofSeconds(20), "10 more requests per caller",
          () -> load.minimumInPhase() >= 10);
      assertEquals(blueAtEnd, fixture.blue.requestCount(), "then none at all");
    }
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void partialRotationKeepsConnectionsToAddressesThatStayed(boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    try (BackendServer third = fixture.backend("third", "127.0.0.4")
        .port(fixture.blue.port()).start()) {
      fixture.flipDnsServerOnly("127.0.0.2", "127.0.0.3"); // {a, b}
      fixture.seeDnsNow();
      ConnectionLog connections = new ConnectionLog();
      InetAddress a = InetAddress.getByName("127.0.0.2");
      InetAddress b = InetAddress.getByName("127.0.0.3");
      // Clients with their own pools until both a and b have connections: each new connection
      // picks a rotation of {a, b} at random, and HTTP/2 puts all of one client's calls on one.
      List<OkHttpClient> clients = new java.util.ArrayList<>();
      while (clients.size() < CALLERS || connections.openTo(a).isEmpty()
          || connections.openTo(b).isEmpty()) {
        assertTrue(clients.size() < 100, "100 clients and still not both a and b in use");
        OkHttpClient client = CutoverOkHttp.builder(
                fixture.plainClient(CALLERS).eventListener(connections).build())
            .resolver(fixture.resolver).drainMode(mode).build();
        client.newCall(fixture.get("/warm-up")).execute().close();
        clients.add(client);
      }
      try (Load load = Load.builder(clients, fixture.get("/spread")).callers(clients.size())
          .start()) {
        await(Duration.ofSeconds(20), "load on a and b", () -> load.minimumInPhase() >= 30);
        Set<Connection> toA = connections.openTo(a);
        assertFalse(toA.isEmpty(), "some connections go to a");

        assertEquals(0, third.requestCount(), "c gets nothing before it is in the answer");
        fixture.flipDnsServerOnly("127.0.0.2", "127.0.0.4"); // {a, c}: b leaves, c arrives
        fixture.seeDnsNow();
        int bAtFlip = fixture.green.requestCount();
        connections.startCounting();
        load.markPhase();
        await(Duration.ofSeconds(20), "30 requests per caller after the rotation",
            () -> load.minimumInPhase() >= 30);

        assertEquals(List.of(), load.failures(), () -> firstFailure(load));
        assertEquals(List.of(), load.bodyFailures(), "draining must not cut a response being read");
        for (Connection connection : toA) {
          assertFalse(connection.socket().isClosed(), "a connection to a was closed");
        }
        Set<Connection> reusedToA = connections.acquiredSinceCounting(toA);
        assertEquals(toA, reusedToA, "every connection to a keeps serving after the rotation");
        int bAfter = fixture.green.requestCount() - bAtFlip;
        int bConnections = connections.countTo(b);
        // Read after the change, without holding: requests in flight then may arrive after it,
        // one per caller at most. There is a caller per client, and more clients than CALLERS
        // when the first CALLERS connections all went to one address.
        int callers = clients.size();
        int inFlight = http2 ? callers : bConnections;
        int bound = inFlight + (mode == DrainMode.OKHTTP_INTERNALS ? 0
            : http2 ? callers * bConnections : bConnections);
        assertTrue(bAfter <= bound, "b got " + bAfter + " requests after leaving; bound " + bound
            + " (" + callers + " callers, " + bConnections + " connections to b)");
        assertEquals(Set.of(), connections.newSinceCountingTo(b),
            "no new connection goes to b once it left the answer");
      }
    }
  }

  /** Each caller's answers in the current phase: the body, or what went wrong. */
  private static List<List<String>> answersInPhase(Load load) {
    return load.exchangesInPhase().stream()
        .map(exchanges -> exchanges.stream().map(e -> e.ok() ? e.body() : e.toString())
            .collect(Collectors.toList()))
        .collect(Collectors.toList());
  }

  /**
   * The most new requests a departed address can receive in {@link DrainMode#PUBLIC_API} after
   * the change is processed, beyond those in flight: {@code Connection: close} admits one more
   * request per HTTP/1.1 connection, and on HTTP/2 one more per caller per connection (each
   * retired connection is marked by the first response that carries it). The internal mark
   * admits none.
   */
  private static int beyondInFlight(boolean http2, int connections) {
    return http2 ? CALLERS * connections : connections;
  }

  /**
   * Once armed, a slow listener of the user's at the first connection release: the wrapped client
   * hears of the release only after it, while the connection already sits idle in OkHttp's pool,
   * so another call is let in to find it there. Only a connection marked under OkHttp's own lock
   * is refused to that call.
   */
  static final class SlowRelease extends EventListener {
    private final AtomicInteger acquired = new AtomicInteger();
    private final AtomicBoolean stalled = new AtomicBoolean();
    private volatile boolean armed;

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      acquired.incrementAndGet();
    }

    @Override
    public void connectionReleased(Call call, Connection connection) {
      if (armed && stalled.compareAndSet(false, true)) {
        int before = acquired.get();
        await(Duration.ofSeconds(10), "another call to acquire a connection",
            () -> acquired.get() > before);
      }
    }

    void arm() {
      armed = true;
    }
  }

  /** Remembers every connection the client acquires and whether it was used after a point. */
  static final class ConnectionLog extends EventListener {
    private final Map<Connection, InetAddress> all = new ConcurrentHashMap<>();
    private final Set<Connection> acquiredSince = ConcurrentHashMap.newKeySet();
    private final Set<Connection> newSince = ConcurrentHashMap.newKeySet();
    private volatile boolean counting;

    @Override
    public void connectionAcquired(Call call, Connection connection) {
      InetAddress previous =
          all.put(connection, connection.route().socketAddress().getAddress());
      if (counting) {
        acquiredSince.add(connection);
        if (previous == null) {
          newSince.add(connection);
        }
      }
    }

    Set<Connection> newSinceCountingTo(InetAddress address) {
      return newSince.stream().filter(c -> all.get(c).equals(address))
          .collect(Collectors.toSet());
    }

    Set<Connection> openTo(InetAddress address) {
      return all.entrySet().stream()
          .filter(e -> e.getValue().equals(address) && !e.getKey().socket().isClosed())
          .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    int countTo(InetAddress address) {
      return (int) all.values().stream().filter(address::equals).count();
    }

    void startCounting() {
      counting = true;
    }

    Set<Connection> acquiredSinceCounting(Set<Connection> among) {
      return among.stream().filter(acquiredSince::contains).collect(Collectors.toSet());
    }
  }
}

package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.AddressChange;
import dev.cutover.okhttp.internal.Sleeper;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What is not a cutover must cost nothing: a 503 from an address DNS still names, a keep-alive
 * connection the server closed, a canceled call. No connection retired, no address quarantined,
 * no extra DNS query, no new connection; and a host whose answers rotate is not drained at every
 * refresh. What is a cutover (DNS no longer names the address) still is.
 */
class NotACutoverTest {
  private CutoverFixture fixture;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final Events events = new Events();

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  private OkHttpClient start(boolean http2, DrainMode mode,
      Consumer<CutoverOkHttp.Builder> options) throws Exception {
    fixture = new CutoverFixture(http2);
    fixture.resolver.addListener(events);
    Sleeper recording = (nanos, call) -> {
      sleeps.add(Duration.ofNanos(nanos));
      fixture.ticker.advance(Duration.ofNanos(nanos));
    };
    CutoverOkHttp.Builder builder = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).drainMode(mode).ticker(fixture.ticker::read)
        .sleeper(recording).listener(events);
    options.accept(builder);
    OkHttpClient client = builder.build();
    assertEquals("blue", get(client));
    return client;
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void a503FromAnAddressDnsStillNamesIsRetriedInPlaceAndRetiresNothing(boolean http2,
      DrainMode mode) throws Exception {
    OkHttpClient client = start(http2, mode, options -> { });
    fixture.blue.unavailableEveryOther(); // an overloaded blue: every other request is a 503
    int calls = 20;
    for (int i = 0; i < calls; i++) {
      assertEquals("blue", get(client), "call " + i);
    }
    assertEquals(1 + 2 * calls, fixture.blue.requestCount(), "each call: a 503, then a 200");
    assertEquals(1, fixture.blue.connectionCount(), "all of them on the first connection");
    assertEquals(0, fixture.green.requestCount());
    assertEquals(calls, sleeps.size(), "one back-off per 503");
    for (Duration sleep : sleeps) {
      assertTrue(sleep.compareTo(Duration.ofMillis(100)) <= 0, "within the first ceiling " + sleep);
    }
    assertEquals(List.of(), events.retired, "a 503 alone retires nothing");
    assertEquals(List.of(), events.quarantined, "nor quarantines its address");
    assertEquals(List.of(), events.changes);
    // The 503s asked DNS again, but at most once per minTtl (1 s) of the fake clock, which only
    // the back-offs moved: 20 waits of at most 100 ms.
    long slept = sleeps.stream().mapToLong(Duration::toNanos).sum();
    long forced = dnsQueries() - 1;
    assertTrue(forced <= 1 + slept / Duration.ofSeconds(1).toNanos(),
        forced + " forced queries in " + Duration.ofNanos(slept));
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void withRetryUnavailableOffSuchA503ReachesTheCallerAsPlainOkHttpWouldGiveIt(boolean http2,
      DrainMode mode) throws Exception {
    OkHttpClient client = start(http2, mode, options -> options.retryUnavailable(false));
    fixture.blue.unavailable();
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
      assertEquals("blue unavailable", body(response));
    }
    assertEquals(2, fixture.blue.requestCount(), "the warm-up and the one 503");
    assertEquals(List.of(), sleeps);
    assertEquals(List.of(), events.retired);
    assertEquals("blue", serveAndGet(client), "the connection is still good");
    assertEquals(1, fixture.blue.connectionCount());
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void a503FromAnAddressMissingFromARotatingAnswerIsACutover(boolean http2, DrainMode mode)
      throws Exception {
    fixture = new CutoverFixture(http2);
    fixture.resolver.addListener(events);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).drainMode(mode).ticker(fixture.ticker::read)
        .sleeper((nanos, call) -> sleeps.add(Duration.ofNanos(nanos))).listener(events).build();
    // The host's answers rotate: blue, green, blue. Both are its members.
    fixture.resolver.lookup(CutoverFixture.HOST);
    for (String ip : new String[] {"127.0.0.3", "127.0.0.2"}) {
      fixture.flipDnsServerOnly(ip);
      fixture.seeDnsNow();
    }
    // A pooled connection to blue: new connections go to either, so make them until one does.
    for (int i = 0; i < 40 && !"blue".equals(get(client)); i++) {
      client.connectionPool().evictAll();
    }
    assertEquals(1, client.connectionPool().connectionCount());
    assertTrue(fixture.blue.requestCount() > 0, "no connection went to blue in 40 tries");
    int blueBefore = fixture.blue.requestCount();
    // Green alone in the latest answer: blue, missing once from a rotating host, is kept.
    fixture.flipDnsServerOnly("127.0.0.3");
    fixture.seeDnsNow();
    assertEquals(List.of("127.0.0.2", "127.0.0.3"),
        CutoverFixture.literals(fixture.resolver.cachedAddresses(CutoverFixture.HOST)));
    assertEquals(List.of(), events.retired, "rotation drains nothing");
    fixture.ticker.advance(Duration.ofSeconds(2)); // past the forced-refresh limit
    fixture.blue.unavailable();
    // Blue is missing from the latest answer, and now fails: that settles it.
    assertEquals("green", get(client));
    assertEquals(List.of(), sleeps, "a cutover is retried at once, elsewhere");
    int blueAttempts = http2 && mode == DrainMode.PUBLIC_API ? 2 : 1;
    assertEquals(blueBefore + blueAttempts, fixture.blue.requestCount());
    assertEquals(List.of("127.0.0.3"),
        CutoverFixture.literals(fixture.resolver.cachedAddresses(CutoverFixture.HOST)));
    AddressChange last = events.changes.get(events.changes.size() - 1);
    assertEquals(java.util.Set.of(InetAddress.getByName("127.0.0.2")), last.removed());
  }

  @Test
  void aKeepAliveConnectionTheServerClosedCostsNothing() throws Exception {
    OkHttpClient client = start(false, DrainMode.PUBLIC_API, options -> { });
    fixture.blue.closeAfterEachResponse();
    int calls = 10;
    for (int i = 0; i < calls; i++) {
      assertEquals("blue", get(client), "call " + i); // OkHttp retries the stale one itself
    }
    assertEquals(1 + calls, fixture.blue.requestCount());
    assertEquals(List.of(), events.quarantined);
    assertEquals(List.of(), events.retired);
    assertEquals(1, dnsQueries(), "no DNS query: a closed keep-alive says nothing about DNS");
    assertEquals(List.of(), sleeps);
  }

  @Test
  void aCanceledCallCostsNothing() throws Exception {
    OkHttpClient client = start(false, DrainMode.PUBLIC_API, options -> { });
    fixture.blue.delay(Duration.ofSeconds(30));
    Call call = client.newCall(fixture.get("/slow"));
    Thread canceller = new Thread(() -> {
      CutoverFixture.await(Duration.ofSeconds(5), "the request at blue",
          () -> fixture.blue.requestCount() == 2);
      call.cancel();
    });
    canceller.start();
    assertThrows(IOException.class, call::execute);
    canceller.join();
    fixture.blue.delay(Duration.ZERO);
    assertEquals(List.of(), events.quarantined);
    assertEquals(List.of(), events.retired);
    assertEquals(1, dnsQueries());
    assertEquals(List.of(), sleeps);
    assertEquals(2, fixture.blue.requestCount(), "not retried");
  }

  @ParameterizedTest(name = "http2={0}")
  @ValueSource(booleans = {false, true})
  void aRefusedConnectPutsTheAddressLastAndRetiresNothing(boolean http2) throws Exception {
    fixture = new CutoverFixture(http2);
    fixture.resolver.addListener(events);
    fixture.flipDnsServerOnly("127.0.0.2", "127.0.0.3"); // both, from the start
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read)
        .sleeper((nanos, call) -> fixture.ticker.advance(Duration.ofNanos(nanos)))
        .listener(events).build();
    assertEquals(List.of("127.0.0.2", "127.0.0.3"),
        CutoverFixture.literals(fixture.resolver.lookup(CutoverFixture.HOST)));
    fixture.blue.shutdown();
    for (int i = 0; i < 8; i++) {
      assertEquals("green", get(client), "call " + i);
      // Every call makes a new connection, so every call consults the answer's order: without
      // the quarantine each would try blue first half the time.
      client.connectionPool().evictAll();
    }
    assertTrue(events.quarantined.size() <= 1, "refused once at most: " + events.quarantined);
    assertEquals(List.of(), events.retired, "a refused connect retires no other connection");
    assertEquals(8, fixture.green.requestCount());
  }

  @Test
  void newConnectionsSpreadOverARotatingHostsMembers() throws Exception {
    OkHttpClient client = start(false, DrainMode.PUBLIC_API, options -> { });
    for (String ip : new String[] {"127.0.0.3", "127.0.0.2", "127.0.0.3", "127.0.0.2"}) {
      fixture.flipDnsServerOnly(ip);
      fixture.seeDnsNow();
    }
    fixture.blue.resetCounters();
    int calls = 100;
    for (int i = 0; i < calls; i++) {
      get(client);
      client.connectionPool().evictAll(); // each call a new connection, each a lookup
    }
    // Both appeared in about half the answers; OkHttp connects to the first address it is
    // given, so each leads about half the lookups. Fewer than 25 of 100 has a chance below
    // 1 in a million.
    int toBlue = fixture.blue.requestCount();
    int toGreen = fixture.green.requestCount();
    assertEquals(calls, toBlue + toGreen);
    assertTrue(toBlue >= 25 && toGreen >= 25, "blue " + toBlue + ", green " + toGreen);
  }

  private String get(OkHttpClient client) throws IOException {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return body(response);
    }
  }

  private String serveAndGet(OkHttpClient client) throws IOException {
    fixture.blue.serve();
    return get(client);
  }

  private long dnsQueries() {
    return fixture.dns.queryCount(CutoverFixture.HOST, "A");
  }

  /** Every connection and address event, as it came. */
  private static final class Events implements CutoverListener {
    final List<String> retired = new CopyOnWriteArrayList<>();
    final List<InetAddress> quarantined = new CopyOnWriteArrayList<>();
    final List<AddressChange> changes = new CopyOnWriteArrayList<>();

    @Override
    public void connectionRetired(String host, InetAddress address, RetireReason reason) {
      retired.add(address.getHostAddress() + " " + reason);
    }

    @Override
    public void addressQuarantined(String host, InetAddress address) {
      quarantined.add(address);
    }

    @Override
    public void addressesChanged(AddressChange change) {
      changes.add(change);
    }
  }
}

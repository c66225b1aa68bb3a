package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.CutoverResolver;
import dev.cutover.internal.CachingResolver;
import dev.cutover.okhttp.UserConfigurationTest.RecordingListener;
import dev.cutover.testkit.Poll;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.Dns;
import okhttp3.EventListener;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What wrapping costs and leaves behind: no thread per wrap, nothing registered on the resolver
 * once a wrapped client is dropped, one layer however often a client is wrapped, and a
 * {@code Dns} of the user's own never replaced without being told to.
 */
class WrapLifecycleTest {
  private CutoverFixture fixture;

  @AfterEach
  void tearDown() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aThousandWrapsWithoutAResolverShareOneResolverThread() throws Exception {
    Set<Thread> before = resolverThreads();
    OkHttpClient existing = new OkHttpClient();
    List<OkHttpClient> wrapped = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      wrapped.add(CutoverOkHttp.wrap(existing));
    }
    Set<Thread> started = resolverThreads();
    started.removeAll(before);
    assertTrue(started.size() <= 1, "resolver threads started by 1,000 wraps: " + started);
    CutoverResolver first = resolverOf(wrapped.get(0));
    for (OkHttpClient client : wrapped) {
      assertSame(first, resolverOf(client), "every wrap without a resolver shares one");
    }
    assertSame(first, resolverOf(CutoverOkHttp.builder(existing).build()));
  }

  @Test
  void droppedClientsLeaveNothingRegisteredOnTheResolver() throws Exception {
    fixture = new CutoverFixture(false);
    assertEquals(0, listenerCount(fixture.resolver));
    OkHttpClient existing = fixture.plainClient(1).build();
    OkHttpClient kept = CutoverOkHttp.wrap(existing, fixture.resolver);
    try (Response response = kept.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    for (int i = 0; i < 20_000; i++) {
      CutoverOkHttp.wrap(existing, fixture.resolver);
    }
    assertTrue(listenerCount(fixture.resolver) > 1, "dropped but not yet collected");

    Poll.until(Duration.ofSeconds(60), "the 20,000 dropped clients' registrations released",
        () -> {
          System.gc();
          return listenerCount(fixture.resolver) == 1;
        });
    assertEquals(1, listenerCount(fixture.resolver), "the one client still in use");

    // The client still in use is still told of changes: its connection to blue is drained.
    fixture.flipToGreen();
    try (Response response = kept.newCall(fixture.get("/")).execute()) {
      assertEquals("green", body(response));
    }
  }

  /**
   * Clients dropped after their calls, their connections still idle in the pool they share with
   * the user's client, which is in use: nothing a pooled connection holds may keep a dropped
   * client's tracker reachable (each dropped client made its own connection, its Dns being its
   * own, so the pool holds 100 of them when the clients are dropped).
   */
  @ParameterizedTest(name = "http2={0}")
  @ValueSource(booleans = {false, true})
  void droppedClientsWhoseConnectionsStayPooledLeaveNothingRegistered(boolean http2)
      throws Exception {
    fixture = new CutoverFixture(http2);
    OkHttpClient existing = fixture.plainClient(100).build();
    for (int i = 0; i < 100; i++) {
      OkHttpClient dropped = CutoverOkHttp.wrap(existing, fixture.resolver);
      try (Response response = dropped.newCall(fixture.get("/")).execute()) {
        assertEquals("blue", body(response));
      }
    }
    assertEquals(100, existing.connectionPool().idleConnectionCount(),
        "the dropped clients' connections, pooled");

    Poll.until(Duration.ofSeconds(60), "the dropped clients' registrations released", () -> {
      System.gc();
      return listenerCount(fixture.resolver) == 0;
    });
    assertEquals(100, existing.connectionPool().idleConnectionCount(),
        "released while their connections were still pooled");
  }

  /**
   * The converse: the wrapped client dropped and collected while a client derived from it (with
   * its event listener replaced) goes on using the same pooled connection. The derived client
   * holds Cutover's interceptors, and through them the tracker: its connection is still drained.
   */
  @Test
  void aDerivedClientKeepsDrainingAfterTheWrappedClientIsCollected() throws Exception {
    fixture = new CutoverFixture(false);
    OkHttpClient wrapped = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).drainMode(DrainMode.PUBLIC_API).build();
    try (Response response = wrapped.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    OkHttpClient derived = wrapped.newBuilder().eventListener(EventListener.NONE).build();
    try (Response response = derived.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    WeakReference<OkHttpClient> collected = new WeakReference<>(wrapped);
    wrapped = null;
    Poll.until(Duration.ofSeconds(60), "the wrapped client collected", () -> {
      System.gc();
      return collected.get() == null;
    });
    assertEquals(1, listenerCount(fixture.resolver), "the tracker, still registered");
    assertEquals(1, fixture.blue.connectionCount());

    fixture.flipToGreen();
    // Uncounted since the derived client used it, so not closed on a count: it takes one more
    // request, which retires it (PUBLIC_API); then green. Without the tracker: blue for ever.
    try (Response response = derived.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    for (int i = 0; i < 3; i++) {
      try (Response response = derived.newCall(fixture.get("/")).execute()) {
        assertEquals("green", body(response));
      }
    }
    assertEquals(1, fixture.blue.connectionCount());
  }

  @Test
  void wrappingAWrappedClientGivesOneLayerWithTheNewSettings() throws Exception {
    fixture = new CutoverFixture(false);
    AtomicInteger applicationCalls = new AtomicInteger();
    AtomicInteger networkCalls = new AtomicInteger();
    RecordingListener listener = new RecordingListener();
    Interceptor userInterceptor = chain -> {
      applicationCalls.incrementAndGet();
      return chain.proceed(chain.request());
    };
    Interceptor userNetworkInterceptor = chain -> {
      networkCalls.incrementAndGet();
      return chain.proceed(chain.request());
    };
    OkHttpClient existing = fixture.plainClient(1).addInterceptor(userInterceptor)
        .addNetworkInterceptor(userNetworkInterceptor).eventListener(listener).build();
    OkHttpClient once = CutoverOkHttp.builder(existing).resolver(fixture.resolver)
        .maxAttempts(3).build();
    OkHttpClient twice = CutoverOkHttp.builder(once).resolver(fixture.resolver)
        .maxAttempts(1).build();

    assertEquals(List.of("user", "RetryInterceptor"), names(twice.interceptors(), userInterceptor));
    assertEquals(List.of("user", "DrainInterceptor"),
        names(twice.networkInterceptors(), userNetworkInterceptor));
    assertEquals(2, listenerCount(fixture.resolver), "one registration per client, two clients");

    try (Response response = twice.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    assertEquals(Map.of("callStart", 1, "connectionAcquired", 1, "responseHeadersEnd", 1,
        "connectionReleased", 1, "callEnd", 1), listener.counts(List.of("callStart",
        "connectionAcquired", "responseHeadersEnd", "connectionReleased", "callEnd")),
        "the user's listener sees each event once");
    assertEquals(1, applicationCalls.get());
    assertEquals(1, networkCalls.get());

    // The second wrap's settings, alone: one attempt, so blue's 503 comes back as it is. Two
    // layers would have retried it under the first wrap's three attempts.
    fixture.blue.unavailable();
    try (Response response = twice.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code());
    }
    assertEquals(2, networkCalls.get(), "one attempt for the second call");
    assertEquals(2, listener.count("callStart"));
    assertEquals(2, listener.count("responseHeadersEnd"));
  }

  @Test
  void aDnsOfTheUsersOwnIsRefusedUnlessReplaceDnsIsSet() throws Exception {
    fixture = new CutoverFixture(false);
    AtomicInteger asked = new AtomicInteger();
    Dns serviceDiscovery = new ServiceDiscoveryDns(asked);
    OkHttpClient existing = fixture.plainClient(1).dns(serviceDiscovery).build();

    for (Runnable wrap : List.<Runnable>of(
        () -> CutoverOkHttp.wrap(existing),
        () -> CutoverOkHttp.wrap(existing, fixture.resolver),
        () -> CutoverOkHttp.builder(existing).resolver(fixture.resolver).build())) {
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, wrap::run);
      assertTrue(refused.getMessage().contains(ServiceDiscoveryDns.class.getName())
          && refused.getMessage().contains("replaceDns(true)"), refused.getMessage());
    }

    // Told to replace it: the resolver answers (blue), never the user's Dns (green).
    OkHttpClient wrapped = CutoverOkHttp.builder(existing).resolver(fixture.resolver)
        .replaceDns(true).build();
    try (Response response = wrapped.newCall(fixture.get("/")).execute()) {
      assertEquals("blue", body(response));
    }
    fixture.flipToGreen();
    try (Response response = wrapped.newCall(fixture.get("/")).execute()) {
      assertEquals("green", body(response), "drained on the resolver's change");
    }
    assertEquals(0, asked.get(), "the replaced Dns is never asked");
    assertSame(serviceDiscovery, existing.dns(), "the existing client is not modified");
  }

  /** The user's own name service: it always answers green. */
  private static final class ServiceDiscoveryDns implements Dns {
    private final AtomicInteger asked;

    ServiceDiscoveryDns(AtomicInteger asked) {
      this.asked = asked;
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws java.net.UnknownHostException {
      asked.incrementAndGet();
      return List.of(InetAddress.getByName("127.0.0.3"));
    }
  }

  /** The interceptors' simple class names, with the user's own called "user". */
  private static List<String> names(List<Interceptor> interceptors, Interceptor user) {
    return interceptors.stream()
        .map(i -> i == user ? "user" : i.getClass().getSimpleName())
        .collect(Collectors.toList());
  }

  private static Set<Thread> resolverThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("cutover-resolver-") && t.isAlive())
        .collect(Collectors.toSet());
  }

  /** The resolver a wrapped client asks, read from its Dns (internal: by reflection). */
  static CutoverResolver resolverOf(OkHttpClient wrapped) throws ReflectiveOperationException {
    Dns dns = wrapped.dns();
    Field field = dns.getClass().getDeclaredField("resolver");
    field.setAccessible(true);
    return (CutoverResolver) field.get(dns);
  }

  /** Distinct listeners registered on a resolver (internal: by reflection). */
  static int listenerCount(CutoverResolver resolver) {
    try {
      Field field = CutoverResolver.class.getDeclaredField("impl");
      field.setAccessible(true);
      return ((CachingResolver) field.get(resolver)).listenerCount();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}

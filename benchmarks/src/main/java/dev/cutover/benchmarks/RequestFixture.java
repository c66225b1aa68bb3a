package dev.cutover.benchmarks;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverOkHttp;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.EmbeddedDnsServer;
import dev.cutover.testkit.TestCertificates;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One loopback server and the clients compared on it: a plain {@link OkHttpClient} and {@link
 * CutoverOkHttp#wrap} of the same settings, each with its own pool and dispatcher, each with one
 * pooled connection open. Shared by {@link RequestBenchmark} and {@link OverheadBenchmark} so
 * that both measure the same request. Not thread-safe to set up or close; {@link #call} is as
 * thread-safe as OkHttp.
 */
final class RequestFixture implements AutoCloseable {
  static final String HOST = "api.cutover.test";

  private final TestCertificates certificates;
  private final BackendServer server;
  private final EmbeddedDnsServer dns;
  private final CutoverResolver resolver;
  private final Request request;
  private final String expectedProtocol;
  private final List<OkHttpClient> clients = new ArrayList<>();

  /**
   * Starts the servers for one protocol: {@code HTTP_1_1} in clear text, {@code HTTP_1_1_TLS},
   * or {@code HTTP_2} (TLS with ALPN).
   */
  RequestFixture(String protocol) throws IOException {
    if (!List.of("HTTP_1_1", "HTTP_1_1_TLS", "HTTP_2").contains(protocol)) {
      throw new IllegalArgumentException(
          "protocol must be HTTP_1_1, HTTP_1_1_TLS or HTTP_2, got " + protocol);
    }
    boolean tls = !protocol.equals("HTTP_1_1");
    boolean http2 = protocol.equals("HTTP_2");
    certificates = tls ? TestCertificates.forHosts(HOST) : null;
    server = BackendServer.builder("backend").tls(certificates).http2(http2).start();
    dns = EmbeddedDnsServer.start();
    dns.setAddresses(HOST, Resolvers.LONG_TTL, server.address().getHostAddress());
    resolver = Resolvers.against(dns).build();
    request = new Request.Builder().url(server.url(HOST, "/")).build();
    expectedProtocol = http2 ? "h2" : "http/1.1";
  }

  /** A new plain client with its own pool, its first connection open. */
  OkHttpClient plain() throws IOException {
    return opened(builder().dns(host -> List.of(server.address())).build());
  }

  /** A new wrapped client with its own pool, its first connection open. */
  OkHttpClient wrapped() throws IOException {
    return opened(CutoverOkHttp.wrap(builder().build(), resolver));
  }

  /**
   * A new plain client with the wrapper's shape and none of its logic: a listener object per
   * call, one application and one network interceptor that only pass the call on. What it costs
   * over {@link #plain} is what OkHttp charges for the links Cutover adds.
   */
  OkHttpClient skeleton() throws IOException {
    return opened(builder()
        .dns(host -> List.of(server.address()))
        .eventListenerFactory(call -> new PassingListener(EventListener.NONE))
        .addInterceptor(chain -> chain.proceed(chain.request()))
        .addNetworkInterceptor(chain -> chain.proceed(chain.request()))
        .build());
  }

  /** A listener that holds another, as the wrapper's does; it passes on no event. */
  private static final class PassingListener extends EventListener {
    @SuppressWarnings("unused") // held, as the wrapper holds the user's listener
    private final EventListener delegate;

    PassingListener(EventListener delegate) {
      this.delegate = delegate;
    }
  }

  /** Settings both kinds of client share; each gets its own pool and dispatcher. */
  private OkHttpClient.Builder builder() {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool())
        .dispatcher(new Dispatcher())
        .socketFactory(new NoDelaySocketFactory());
    if (certificates != null) {
      builder.sslSocketFactory(
          certificates.clientSocketFactory(), certificates.clientTrustManager());
    }
    return builder;
  }

  private OkHttpClient opened(OkHttpClient client) throws IOException {
    clients.add(client);
    try (Response response = client.newCall(request).execute()) {
      if (!response.protocol().toString().equals(expectedProtocol)) {
        throw new IllegalStateException(
            "expected " + expectedProtocol + ", got " + response.protocol());
      }
    }
    return client;
  }

  /** Closes a client's connections and stops its dispatcher's threads. */
  void discard(OkHttpClient client) {
    if (clients.remove(client)) {
      client.connectionPool().evictAll();
      client.dispatcher().executorService().shutdown();
    }
  }

  /** One GET on the client's pooled connection; returns the body. */
  String call(OkHttpClient client) throws IOException {
    try (Response response = client.newCall(request).execute()) {
      ResponseBody body = response.body();
      if (response.code() != 200) {
        throw new IOException("expected 200, got " + response.code());
      }
      return body.string();
    }
  }

  /** Closes the clients' connections, the resolver and the servers. */
  @Override
  public void close() throws IOException {
    for (OkHttpClient client : clients) {
      client.connectionPool().evictAll();
      client.dispatcher().executorService().shutdown();
    }
    resolver.close();
    dns.close();
    server.close();
  }
}

package dev.cutover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.CutoverResolver;
import dev.cutover.testkit.BackendServer;
import dev.cutover.testkit.Poll;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The Spring Boot sample in a real Boot application context, against blue (127.0.0.2) and green
 * (127.0.0.3) behind an embedded DNS server.
 */
class CutoverSpringConfigurationTest {
  private static final String HOST = BlueGreen.HOST;

  /** An application that imports the sample, with Boot's auto-configuration as usual. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(CutoverSpringConfiguration.class)
  static class Application {}

  private BlueGreen servers;
  private BackendServer blue;
  private BackendServer green;

  @BeforeEach
  void start() throws Exception {
    servers = BlueGreen.start();
    blue = servers.blue;
    green = servers.green;
  }

  @AfterEach
  void stop() {
    servers.close();
  }

  private ConfigurableApplicationContext run(String nameServers) {
    return new SpringApplicationBuilder(Application.class)
        .web(WebApplicationType.NONE)
        .bannerMode(Banner.Mode.OFF)
        .logStartupInfo(false)
        .properties("cutover.name-servers=" + nameServers)
        .run();
  }

  @Test
  void wrappedBeanFollowsTheCutoverAndBootBindsTheMeters() throws Exception {
    CutoverResolver resolver;
    InetSocketAddress server = servers.dns.address();
    String nameServers = server.getAddress().getHostAddress() + ":" + server.getPort();
    try (ConfigurableApplicationContext context = run(nameServers)) {
      OkHttpClient client = context.getBean(OkHttpClient.class);
      resolver = context.getBean(CutoverResolver.class);
      Request request = new Request.Builder().url(blue.url(HOST, "/")).build();
      assertEquals("blue", fetch(client, request));

      servers.cutOver();
      assertEquals("green", fetch(client, request));
      assertEquals(2, blue.requestCount(), "the first GET, then the 503");
      assertEquals(1, green.requestCount(), "the retry");

      // Nothing in the sample calls bindTo: the meters are there because Boot bound the bean.
      MeterRegistry registry = context.getBean(MeterRegistry.class);
      // The address change is counted on the resolver's thread, which can still be at it a few
      // milliseconds after the retried call has returned (seen: 12 to 58 ms).
      Poll.until(Duration.ofSeconds(5), "the address change counted", () -> registry
          .find("cutover.dns.address.changes").tag("target.host", HOST).counter() != null);
      assertEquals(1.0, registry.get("cutover.dns.address.changes").tag("target.host", HOST)
          .counter().count());
      assertEquals(1.0, registry.get("cutover.retries").tag("target.host", HOST)
          .tag("reason", "status_503").tag("outcome", "success").counter().count());
    }

    // Closed with the context: its refresh thread is gone and it takes no more lookups.
    IllegalStateException closed =
        assertThrows(IllegalStateException.class, () -> resolver.lookup(HOST));
    assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
  }

  @Test
  void badNameServersPropertyFailsTheStartNamingIt() {
    Exception failure = assertThrows(Exception.class, () -> run("10.0.0.2,dns.example.com:53"));
    Throwable cause = failure;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    assertTrue(cause instanceof IllegalArgumentException, failure.toString());
    assertEquals("cutover.name-servers must be IP[:PORT] entries separated by commas (IPv6 as"
        + " [IP]:PORT), such as 10.0.0.2,10.0.0.3:5353; got \"10.0.0.2,dns.example.com:53\"",
        cause.getMessage());
  }

  @Test
  void nameServersPropertyTakesIpv4AndIpv6WithOrWithoutPorts() {
    assertEquals(List.of(new InetSocketAddress("10.0.0.2", 53),
            new InetSocketAddress("10.0.0.3", 5353), new InetSocketAddress("::1", 53),
            new InetSocketAddress("::1", 5300)),
        CutoverSpringConfiguration.parseNameServers("10.0.0.2, 10.0.0.3:5353,[::1],[::1]:5300"));
  }

  private static String fetch(OkHttpClient client, Request request) throws Exception {
    try (Response response = client.newCall(request).execute()) {
      return response.code() == 200 ? response.body().string() : response.code() + "";
    }
  }
}

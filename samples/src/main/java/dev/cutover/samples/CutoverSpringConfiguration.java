package dev.cutover.samples;

import dev.cutover.CutoverResolver;
import dev.cutover.okhttp.CutoverMetrics;
import dev.cutover.okhttp.CutoverOkHttp;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Cutover in a Spring Boot application: the {@code OkHttpClient} bean is a wrapped client, the
 * {@link CutoverResolver} is a bean that Spring closes with the context, and {@link
 * CutoverMetrics} is a bean that Boot binds to its {@code MeterRegistry}.
 *
 * <p>{@code CutoverMetrics} is a Micrometer {@code MeterBinder}, and Spring Boot's metrics
 * auto-configuration binds every {@code MeterBinder} bean to the application's registries
 * (Prometheus, OTLP, ... whichever the application has): nothing calls {@code bindTo} here.
 * That needs Boot's metrics support on the class path ({@code spring-boot-starter-actuator}, or
 * {@code spring-boot-micrometer-metrics} on Boot 4).
 *
 * <p>Properties:
 *
 * <ul>
 *   <li>{@code cutover.name-servers}: the DNS servers to ask, {@code IP[:PORT]} separated by
 *       commas (IPv6 as {@code [IP]:PORT}); the system's servers when not set.
 *   <li>{@code cutover.max-ttl}: the longest a DNS change can go unseen; 10 s when not set.
 * </ul>
 *
 * <p>If the application already builds its own {@code OkHttpClient} bean, keep building it as it
 * is, and wrap it where it is returned, as {@link #okHttpClient} does.
 */
@Configuration(proxyBeanMethods = false)
public class CutoverSpringConfiguration {
  /** Creates the configuration; Spring calls this. */
  public CutoverSpringConfiguration() {}

  /**
   * The process's one resolver. Spring calls {@link CutoverResolver#close()} when the context
   * closes, which stops its background refresh thread.
   *
   * @param nameServers the {@code cutover.name-servers} property; empty for the system's servers
   * @param maxTtl the {@code cutover.max-ttl} property
   * @return the resolver
   * @throws IllegalArgumentException if {@code cutover.name-servers} is not a list of
   *     {@code IP[:PORT]}
   */
  @Bean(destroyMethod = "close")
  public CutoverResolver cutoverResolver(
      @Value("${cutover.name-servers:}") String nameServers,
      @Value("${cutover.max-ttl:10s}") Duration maxTtl) {
    CutoverResolver.Builder builder = CutoverResolver.builder().maxTtl(maxTtl);
    if (!nameServers.isBlank()) {
      builder.nameServers(parseNameServers(nameServers).toArray(new InetSocketAddress[0]));
    }
    return builder.build();
  }

  /**
   * Cutover's meters. Given to the client in {@link #okHttpClient}, they hear its connection and
   * retry events and its resolver's DNS events. Boot binds the bean to its registries.
   *
   * @return the meters
   */
  @Bean
  public CutoverMetrics cutoverMetrics() {
    return new CutoverMetrics();
  }

  /**
   * The application's HTTP client, wrapped. Inject it wherever an {@code OkHttpClient} is used
   * (Retrofit, Feign, or calls of your own).
   *
   * @param resolver the resolver
   * @param metrics the meters
   * @return the wrapped client
   */
  @Bean
  public OkHttpClient okHttpClient(CutoverResolver resolver, CutoverMetrics metrics) {
    OkHttpClient existing = new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(5))
        .callTimeout(Duration.ofSeconds(30))
        .build();
    return CutoverOkHttp.builder(existing).resolver(resolver).listener(metrics).build();
  }

  static List<InetSocketAddress> parseNameServers(String value) {
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String entry : value.split(",", -1)) {
      String server = entry.strip();
      String host = server;
      String port = "53";
      int colon = server.indexOf(':');
      if (server.startsWith("[")) { // [IPv6] or [IPv6]:PORT
        int close = server.indexOf(']');
        String rest = close < 0 ? "" : server.substring(close + 1);
        if (close < 0 || !(rest.isEmpty() || rest.startsWith(":"))) {
          throw invalid(value);
        }
        host = server.substring(1, close);
        port = rest.isEmpty() ? port : rest.substring(1);
      } else if (colon >= 0 && colon == server.lastIndexOf(':')) { // IPv4:PORT
        host = server.substring(0, colon);
        port = server.substring(colon + 1);
      }
      servers.add(new InetSocketAddress(ipLiteral(host, value), parsePort(port, value)));
    }
    return servers;
  }

  // Literals only, never looked up: a name here would need DNS to find the DNS server.
  private static InetAddress ipLiteral(String host, String value) {
    boolean v4 = host.matches("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
        + "(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    boolean v6 = host.contains(":") && host.matches("[0-9a-fA-F:.]+");
    if (!v4 && !v6) {
      throw invalid(value);
    }
    try {
      return InetAddress.getByName(host); // a literal: parsed, not resolved
    } catch (UnknownHostException e) {
      throw invalid(value);
    }
  }

  private static int parsePort(String port, String value) {
    if (port.matches("[0-9]{1,5}")) {
      int parsed = Integer.parseInt(port);
      if (parsed >= 1 && parsed <= 65_535) {
        return parsed;
      }
    }
    throw invalid(value);
  }

  private static IllegalArgumentException invalid(String value) {
    return new IllegalArgumentException("cutover.name-servers must be IP[:PORT] entries"
        + " separated by commas (IPv6 as [IP]:PORT), such as 10.0.0.2,10.0.0.3:5353; got \""
        + value + "\"");
  }
}

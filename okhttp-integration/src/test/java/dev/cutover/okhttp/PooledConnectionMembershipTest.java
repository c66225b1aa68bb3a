package dev.cutover.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cutover.CutoverResolver;
import dev.cutover.ResolvedAddressTypes;
import dev.cutover.ResolverListener;
import dev.cutover.testkit.Poll;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pooled connection is checked against its host's members when the tracker first sees it and
 * again after the resolver forgot the host; in between, every change of the members reaches the
 * tracker as an event. After a host was forgotten, its next answer is not a change (there is
 * nothing to compare it with), so without the second check a connection to an address that left
 * DNS meanwhile would be handed out for as long as it lives.
 */
class PooledConnectionMembershipTest {
  private static final String OTHER_HOST = "other.cutover.test";

  private CutoverFixture fixture;
  private CutoverResolver resolver;

  @AfterEach
  void tearDown() {
    if (resolver != null) {
      resolver.close();
    }
    fixture.close();
  }

  @Test
  void aConnectionWhoseHostTheResolverForgotIsCheckedAgainstTheHostsNextAnswer()
      throws Exception {
    fixture = new CutoverFixture(false);
    fixture.dns.setAddresses(OTHER_HOST, CutoverFixture.TTL, "127.0.0.4");
    resolver = CutoverResolver.builder()
        .nameServers(fixture.dns.address())
        .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
        .hostsFile(null)
        .ticker(fixture.ticker::read)
        .maxHosts(1) // looking another name up makes the resolver forget the client's
        .build();
    OkHttpClient wrapped = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(resolver).build();
    assertEquals(List.of("blue", "blue"), List.of(get(wrapped), get(wrapped)));

    // Registered after the client's tracker, so called after it for each event.
    Set<String> forgotten = ConcurrentHashMap.newKeySet();
    resolver.addListener(new ResolverListener() {
      @Override
      public void hostForgotten(String host) {
        forgotten.add(host);
      }
    });
    fixture.flipDnsServerOnly("127.0.0.3");
    resolver.lookup(OTHER_HOST);
    Poll.until(Duration.ofSeconds(10), "the resolver forgets " + CutoverFixture.HOST,
        () -> forgotten.contains(CutoverFixture.HOST));
    // Its first answer since: green, which is no change the resolver reports, as it has nothing
    // to compare it with.
    assertEquals(List.of("127.0.0.3"), CutoverFixture.literals(resolver.lookup(CutoverFixture.HOST)));

    assertEquals(List.of("blue", "green", "green"),
        List.of(get(wrapped), get(wrapped), get(wrapped)),
        "the pooled connection to blue is retired at its next use, which is its last");
    assertEquals(1, fixture.blue.connectionCount());
    assertEquals(1, fixture.green.connectionCount());
  }

  private String get(OkHttpClient client) throws IOException {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return CutoverFixture.body(response);
    }
  }
}

package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The optional maximum connection age: old connections are renewed even when DNS is still. */
class MaxConnectionAgeTest {
  private CutoverFixture fixture;


  @AfterEach
  void tearDown() {
    fixture.close();
  }

  private String get(OkHttpClient client) throws Exception {
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      return body(response);
    }
  }

  @ParameterizedTest(name = "http2={0} {1}")
  @MethodSource("dev.cutover.okhttp.CutoverFixture#setups")
  void aConnectionPastItsAgeIsReplaced(boolean http2, DrainMode mode) throws Exception {
    fixture = new CutoverFixture(http2);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).drainMode(mode).ticker(fixture.ticker::read)
        .maxConnectionAge(Duration.ofSeconds(10)).build();
    assertEquals("blue", get(client));
    fixture.ticker.advance(Duration.ofSeconds(8)); // below the age, even with -10% jitter
    assertEquals("blue", get(client));
    assertEquals(1, fixture.blue.connectionCount());

    fixture.ticker.advance(Duration.ofSeconds(4)); // 12 s: past the age, even with +10% jitter
    assertEquals("blue", get(client)); // the request that finds it old still completes on it
    assertEquals("blue", get(client));
    assertEquals(2, fixture.blue.connectionCount(),
        "after the request that found it old, a new connection");
    assertEquals(4, fixture.blue.requestCount());
  }

  @ParameterizedTest(name = "http2={0}")
  @ValueSource(booleans = {false, true})
  void offByDefault(boolean http2) throws Exception {
    fixture = new CutoverFixture(http2);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read).build();
    get(client);
    fixture.ticker.advance(Duration.ofHours(1));
    get(client);
    get(client);
    assertEquals(1, fixture.blue.connectionCount());
  }
}

package dev.cutover.okhttp;

import static dev.cutover.okhttp.CutoverFixture.await;
import static dev.cutover.okhttp.CutoverFixture.firstFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.Load;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Blue dies under load (resets, refused connections) before the client's TTL runs out. */
class BackendFailureTest {
  private static final int CALLERS = 8;
  private CutoverFixture fixture;

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  @ParameterizedTest(name = "http2={0}")
  @ValueSource(booleans = {false, true})
  void blueShutDownMidLoadFailsNoIdempotentRequest(boolean http2) throws Exception {
    Load load = blueFailsUnderLoad(http2, () -> fixture.blue.shutdown());
    // A response blue was still sending when it died cannot be saved by any client: at most
    // the one each caller had in flight at that moment.
    assertTrue(load.bodyFailures().size() <= CALLERS, load.bodyFailures().toString());
    assertTrue(fixture.green.requestCount() >= CALLERS * 20);
  }

  @ParameterizedTest(name = "http2={0}")
  @ValueSource(booleans = {false, true})
  void blueResettingConnectionsFailsNoIdempotentRequest(boolean http2) throws Exception {
    Load load = blueFailsUnderLoad(http2, () -> fixture.blue.resetConnections());
    assertBodiesIntactUnlessMultiplexed(http2, load);
  }

  /**
   * Steady load on blue; DNS moves but the client's TTL has not run out, so only the failure
   * can tell it; then blue fails. Every caller makes 20 more requests, none of which may fail.
   */
  private Load blueFailsUnderLoad(boolean http2, Runnable failure) throws Exception {
    fixture = new CutoverFixture(http2);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(CALLERS).build())
        .resolver(fixture.resolver).initialBackoff(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(100)).build();
    try (Load load = Load.builder(client, fixture.get("/steady")).callers(CALLERS).start()) {
      await(Duration.ofSeconds(20), "steady load on blue", () -> load.minimumInPhase() >= 20);
      fixture.flipDnsServerOnly("127.0.0.3");
      fixture.ticker.advance(Duration.ofSeconds(2));
      failure.run();
      load.markPhase();
      await(Duration.ofSeconds(30), "20 requests per caller after blue failed",
          () -> load.minimumInPhase() >= 20);
      assertEquals(List.of(), load.failures(),
          () -> "no idempotent request may fail" + firstFailure(load));
      return load;
    }
  }

  /**
   * A response whose headers the caller already holds cannot be retried by any client. Blue
   * resetting connections acts when a request arrives, so over HTTP/1.1, one exchange per
   * connection, no body may break; over HTTP/2 it also cuts the sibling streams still delivering
   * bodies, at most the one each caller had in flight.
   */
  private static void assertBodiesIntactUnlessMultiplexed(boolean http2, Load load) {
    if (!http2) {
      assertEquals(List.of(), load.bodyFailures(), "HTTP/1.1: no response body may break");
    } else {
      assertTrue(load.bodyFailures().size() <= CALLERS, load.bodyFailures().toString());
    }
  }
}

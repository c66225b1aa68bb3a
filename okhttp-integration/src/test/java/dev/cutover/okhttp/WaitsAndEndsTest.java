package dev.cutover.okhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testkit.EmbeddedDnsServer;
import java.io.IOException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a call ends when what it waits on does not answer: the wait for DNS evidence after a
 * failure ends at the call's cancellation and at its time-out, and a closed resolver fails a
 * call as an I/O failure, the way OkHttp reports a name that cannot be resolved.
 */
class WaitsAndEndsTest {
  /** Far longer than any bound asserted below, so that only the call's own limits can end it. */
  private static final Duration LONG_EVIDENCE_WAIT = Duration.ofSeconds(30);

  private CutoverFixture fixture;

  @AfterEach
  void tearDown() {
    fixture.close();
  }

  /** A 503 from blue while DNS stops answering: the query it asks for never returns. */
  private OkHttpClient blueFailsAndDnsIsSilent(
      java.util.function.Consumer<OkHttpClient.Builder> options) throws Exception {
    fixture = new CutoverFixture(false);
    OkHttpClient.Builder plain = fixture.plainClient(1);
    options.accept(plain);
    OkHttpClient client = CutoverOkHttp.builder(plain.build()).resolver(fixture.resolver)
        .ticker(fixture.ticker::read).evidenceWait(LONG_EVIDENCE_WAIT).build();
    try (Response warmUp = client.newCall(fixture.get("/warm-up")).execute()) {
      assertEquals(200, warmUp.code());
    }
    fixture.ticker.advance(Duration.ofSeconds(2)); // the 503's forced refresh may go out
    fixture.dns.behavior(EmbeddedDnsServer.Behavior.DROP);
    fixture.blue.unavailable();
    return client;
  }

  @Test
  void theWaitForDnsEvidenceEndsWhenTheCallIsCanceled() throws Exception {
    OkHttpClient client = blueFailsAndDnsIsSilent(plain -> { });
    int queriesBefore = fixture.dns.queryCount();
    Call call = client.newCall(fixture.get("/"));
    CompletableFuture<Long> canceledAt = CompletableFuture.supplyAsync(() -> {
      CutoverFixture.await(Duration.ofSeconds(10), "the 503's DNS query",
          () -> fixture.dns.queryCount() > queriesBefore);
      call.cancel();
      return System.nanoTime();
    });
    assertThrows(IOException.class, call::execute);
    long ended = System.nanoTime();
    long afterCancel = ended - canceledAt.get(10, TimeUnit.SECONDS);
    assertTrue(afterCancel < Duration.ofSeconds(2).toNanos(),
        "the call ended " + Duration.ofNanos(afterCancel) + " after its cancel");
    assertEquals(1, fixture.blue.requestCount() - 1, "no retry after the cancel");
  }

  @Test
  void theWaitForDnsEvidenceEndsAtTheCallTimeout() throws Exception {
    OkHttpClient client =
        blueFailsAndDnsIsSilent(plain -> plain.callTimeout(Duration.ofSeconds(1)));
    long started = System.nanoTime();
    try (Response response = client.newCall(fixture.get("/")).execute()) {
      assertEquals(503, response.code(), "the time-out came first; the 503 stands");
    } catch (IOException timedOut) {
      // Or OkHttp's own time-out fired first: either way the wait ended with the call's time.
    }
    long took = System.nanoTime() - started;
    assertTrue(took < Duration.ofSeconds(3).toNanos(),
        "a 1 s call took " + Duration.ofNanos(took));
  }

  /**
   * With the default wait, a DNS query that does not come back holds a retry up for a bounded
   * moment only: the call is served while the query is still held at the server.
   */
  @Test
  void theDefaultWaitForDnsEvidenceDoesNotWaitForASilentDns() throws Exception {
    fixture = new CutoverFixture(false);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).ticker(fixture.ticker::read)
        .sleeper((nanos, call) -> fixture.ticker.advance(Duration.ofNanos(nanos))).build();
    try (Response warmUp = client.newCall(fixture.get("/warm-up")).execute()) {
      assertEquals(200, warmUp.code());
    }
    fixture.ticker.advance(Duration.ofSeconds(2)); // the 503's forced refresh may go out
    fixture.dns.hold();
    try {
      fixture.blue.unavailableEveryOther();
      try (Response response = client.newCall(fixture.get("/")).execute()) {
        assertEquals(200, response.code(), "retried after the 503, without DNS's answer");
      }
      assertEquals(1, fixture.dns.heldCount(), "the refresh the 503 asked for is still held");
      assertEquals(3, fixture.blue.requestCount(), "the warm-up, the 503 and the retry");
    } finally {
      fixture.dns.release();
    }
  }

  @Test
  void aClosedResolverFailsTheCallWithAnUnknownHostException() throws Exception {
    fixture = new CutoverFixture(false);
    OkHttpClient client = CutoverOkHttp.builder(fixture.plainClient(1).build())
        .resolver(fixture.resolver).build();
    fixture.resolver.close();
    UnknownHostException e = assertThrows(UnknownHostException.class,
        () -> client.newCall(fixture.get("/")).execute());
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
    assertTrue(e.getMessage().contains(CutoverFixture.HOST), e.getMessage());

    CompletableFuture<IOException> failure = new CompletableFuture<>();
    client.newCall(fixture.get("/")).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException ioe) {
        failure.complete(ioe);
      }

      @Override
      public void onResponse(Call call, Response response) {
        response.close();
        failure.completeExceptionally(new AssertionError("answered"));
      }
    });
    assertTrue(failure.get(10, TimeUnit.SECONDS) instanceof UnknownHostException,
        "an enqueued call hears of it in onFailure");
  }
}

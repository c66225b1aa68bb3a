package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import okhttp3.Call;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.junit.jupiter.api.Test;

/**
 * Which connect failures say nothing about the address, in the shapes OkHttp and the JDK give
 * them (see the notes at {@link BenignFailures}): the loser of OkHttp 5's fast-fallback race has
 * its socket closed under it, a canceled call likewise; a refused or timed-out connect is real.
 * The calls are real, never executed: only their cancel flag is read.
 */
class BenignFailuresTest {
  private final OkHttpClient client = new OkHttpClient();
  private final Request request = new Request.Builder().url("http://api.cutover.test/").build();

  @Test
  void theLoserOfAFastFallbackRaceIsBenign() {
    Call racing = client.newCall(request);
    assertTrue(BenignFailures.isLocallyEndedConnect(racing, new SocketException("Socket closed")));
    assertTrue(BenignFailures.isLocallyEndedConnect(racing,
        new SocketException("Socket is closed")));
    assertTrue(BenignFailures.isLocallyEndedConnect(racing, new IOException("canceled")));
  }

  @Test
  void anyFailureOfACanceledCallIsBenign() {
    Call canceled = client.newCall(request);
    canceled.cancel();
    assertTrue(BenignFailures.isLocallyEndedConnect(canceled,
        new ConnectException("Failed to connect to /127.0.0.2:443")));
  }

  @Test
  void refusedUnreachableAndTimedOutConnectsAreReal() {
    Call call = client.newCall(request);
    assertFalse(BenignFailures.isLocallyEndedConnect(call,
        new ConnectException("Failed to connect to /127.0.0.2:443")));
    assertFalse(BenignFailures.isLocallyEndedConnect(call,
        new SocketTimeoutException("Connect timed out")));
    assertFalse(BenignFailures.isLocallyEndedConnect(call,
        new NoRouteToHostException("No route to host")));
    assertFalse(BenignFailures.isLocallyEndedConnect(call,
        new SocketException("Network is unreachable")), "a plain SocketException of another kind");
    assertFalse(BenignFailures.isLocallyEndedConnect(call, new IOException("Canceled by user")),
        "only OkHttp's own exact message");
  }
}

package dev.cutover.okhttp.internal;

import java.io.IOException;
import java.net.SocketException;
import okhttp3.Call;

/**
 * Failures that say nothing about whether an address is still the host's, so that they cost
 * nothing: no quarantine, no DNS query, no connection retired. Checked against the OkHttp
 * sources (4.12 and 5.x) for the shapes each takes.
 */
final class BenignFailures {
  private BenignFailures() {}

  /**
   * A connect attempt that OkHttp ended itself: the call was canceled, or (OkHttp 5's fast
   * fallback) another attempt of the same call won the race and this one's socket was closed
   * under it. The loser fires {@code connectFailed} with the JDK's {@code SocketException("Socket
   * closed")} (or "Socket is closed" when the close lands before the connect starts), or OkHttp's
   * own {@code IOException("canceled")}, while the call itself is not canceled. A refused or
   * timed-out connect is a {@code ConnectException} or {@code SocketTimeoutException} instead.
   */
  static boolean isLocallyEndedConnect(Call call, IOException failure) {
    if (call.isCanceled()) {
      return true;
    }
    String message = failure.getMessage();
    if (failure.getClass() == SocketException.class) {
      return "Socket closed".equals(message) || "Socket is closed".equals(message);
    }
    return failure.getClass() == IOException.class && "canceled".equalsIgnoreCase(message);
  }

  /**
   * An exchange that failed on a connection that had already carried one: most often a
   * keep-alive connection the server closed while it sat in the pool ("unexpected end of
   * stream"), which OkHttp itself retries on a fresh connection. A server that is going away
   * shows on the fresh connection too, and DNS shows the rest.
   */
  static boolean isOnReusedConnection(Call call, TrackedConnection connection) {
    return call.isCanceled() || connection.carriedExchange();
  }
}

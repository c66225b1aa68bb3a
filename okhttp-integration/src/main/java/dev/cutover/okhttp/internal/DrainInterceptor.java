package dev.cutover.okhttp.internal;

import java.io.IOException;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The network interceptor: runs once per attempt, on the connection that carries it. Refuses a
 * connection Cutover already closed, marks requests on retired connections (public-API mode), and
 * reports 503s and broken exchanges to the tracker, which asks DNS whether they mean anything.
 * Added last, so what it sets reaches the wire, and so that on OkHttp 4 it wraps OkHttp's own
 * response body (see {@link EndOfBodyAtContentLength}) before any other interceptor reads it.
 */
final class DrainInterceptor implements Interceptor {
  private final ConnectionTracker tracker;
  private final Retirer retirer;

  DrainInterceptor(ConnectionTracker tracker, Retirer retirer) {
    this.tracker = tracker;
    this.retirer = retirer;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    TrackedConnection tracked = tracker.get(chain.connection());
    if (tracked != null) {
      if (tracked.isClosedByUs()) {
        throw new RetiredConnectionException("connection " + tracked
            + " was retired (" + tracked.retiredBecause() + ") before this request was sent");
      }
      if (tracked.isRetired()) {
        tracker.sentToRetired(tracked);
      }
      if (tracked.isRetired() && retirer.needsCloseHeader(tracked)) {
        // OkHttp retires a connection whose request says "Connection: close" once the response
        // headers are in; on HTTP/2 the header itself is not sent. header(), not addHeader():
        // OkHttp's bridge already set "Keep-Alive".
        request = request.newBuilder().header("Connection", "close").build();
      }
    }
    Response response;
    try {
      response = chain.proceed(request);
    } catch (IOException e) {
      if (tracked != null && ReplayPolicy.reach(e) == ReplayPolicy.Reach.MAYBE_SENT) {
        tracker.exchangeFailed(chain.call(), tracked, e);
      }
      throw e;
    }
    // Every response, not only those on retired connections: a connection can be retired while
    // a response on it is being read, and retiring is safe on OkHttp 4 HTTP/2 only because of it.
    response = EndOfBodyAtContentLength.apply(request, response);
    if (tracked != null) {
      tracked.exchangeCompleted();
      if (RetryPolicy.isUnavailable(response)) {
        tracker.unavailable(chain.call(), tracked);
      }
    }
    return response;
  }
}

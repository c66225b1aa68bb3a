package dev.cutover.okhttp.internal;

import java.io.IOException;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The network interceptor: runs once per attempt, on the connection that carries it, OkHttp's own
 * retries and follow-ups included. Refuses, before anything is written, a connection Cutover
 * already closed and a second attempt of a request that may not be replayed; marks requests on
 * retired connections (public-API mode); and reports 503s and broken exchanges to the tracker,
 * which asks DNS whether they mean anything. Added last, so what it sets reaches the wire, and so
 * that on OkHttp 4 it wraps OkHttp's own response body (see {@link EndOfBodyAtContentLength})
 * before any other interceptor reads it.
 *
 * <p>Why replays are refused here rather than only in the {@link RetryInterceptor}: OkHttp sends a
 * request again by itself after a broken exchange ({@code retryOnConnectionFailure}, POST
 * included, with no per-request switch on 4.12) and after a 503 with {@code Retry-After: 0} (any
 * method), all inside one {@code proceed()} of the application interceptors. Only a network
 * interceptor sees each of those attempts before it is written.
 */
final class DrainInterceptor implements Interceptor {
  private final ConnectionTracker tracker;
  private final Retirer retirer;
  private final ReplayPolicy replay;

  DrainInterceptor(ConnectionTracker tracker, Retirer retirer, ReplayPolicy replay) {
    this.tracker = tracker;
    this.retirer = retirer;
    this.replay = replay;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    Call call = chain.call();
    boolean replayable = replay.mayRepeat(request);
    if (!replayable) {
      IOException earlier = tracker.reachedServer(call);
      if (earlier != null) {
        throw new ReplayRefusedException("not sending " + request.method() + " "
            + request.url().host() + request.url().encodedPath() + " again: it may not be"
            + " replayed, and an earlier attempt may have reached the server (" + earlier + ")");
      }
    }
    Connection connection = chain.connection();
    // A call whose client does not use Cutover's listener (a derived client that replaced it) is
    // not counted: its connection is tracked, but never closed on a count.
    boolean counted = tracker.counts(call);
    TrackedConnection tracked = counted ? tracker.get(connection)
        : connection != null ? tracker.adoptUncounted(connection) : null;
    if (connection != null && ConnectionTracker.isClosed(connection, tracked, counted)) {
      // Closed (as idle, by Cutover) while OkHttp was handing it to this call: nothing is sent,
      // and the retry interceptor sends the request again on another connection, as no attempt.
      throw new RetiredConnectionException("connection " + (tracked != null
          && tracked.isRetired() ? tracked + " was retired (" + tracked.retiredBecause() + ")"
          : connection + " was closed") + " before this request was sent");
    }
    tracker.reachedNetwork(call);
    if (tracked != null) {
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
      boolean unprocessed = OkHttpCompat.isUnprocessed(e);
      // Sending it again is safe if nothing of it was written, or if the server processed none of
      // it (a refused stream) and its body can be written again (not a one-shot or duplex body).
      boolean resendable = ReplayPolicy.bodyUntouched(e)
          || (unprocessed && ReplayPolicy.bodyIsReplayable(request));
      if (!replayable && !resendable) {
        tracker.mayHaveReachedServer(call, e);
      }
      if (tracked != null) {
        ReplayPolicy.Reach reach = ReplayPolicy.reach(e);
        if (reach == ReplayPolicy.Reach.NO_ANSWER) {
          tracker.answerFailed(call, tracked);
        } else if (unprocessed || reach == ReplayPolicy.Reach.MAYBE_SENT) {
          tracker.exchangeFailed(call, tracked, e);
        }
      }
      throw e;
    }
    // Every response, not only those on retired connections: a connection can be retired while
    // a response on it is being read, and retiring is safe on OkHttp 4 HTTP/2 only because of it.
    response = EndOfBodyAtContentLength.apply(request, response);
    if (RetryPolicy.isUnavailable(response)) {
      if (!replayable) {
        response = keepOkHttpFromResending(call, response);
      }
      if (tracked != null) {
        tracked.exchangeCompleted();
        tracker.unavailable(call, tracked);
      }
    } else if (tracked != null) {
      tracked.exchangeCompleted();
    }
    return response;
  }

  /**
   * A 503 to a request that may not be replayed: the server has seen it. OkHttp sends any request
   * again, once, when a 503 says {@code Retry-After: 0}; the header is taken out of OkHttp's sight
   * here, and the retry interceptor puts it back before the caller sees the response.
   */
  private Response keepOkHttpFromResending(Call call, Response response) {
    tracker.mayHaveReachedServer(call, new CallHistory.Answered(response.code()));
    String retryAfter = response.header("Retry-After");
    if (retryAfter == null || !RetryAfter.isZeroSeconds(retryAfter)) {
      return response;
    }
    tracker.hideRetryAfter(call, retryAfter);
    return response.newBuilder().removeHeader("Retry-After").build();
  }
}

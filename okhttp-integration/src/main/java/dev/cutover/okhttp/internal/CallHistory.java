package dev.cutover.okhttp.internal;

import java.io.IOException;

/**
 * What earlier attempts of one call did, for the attempts after it: kept by the {@link
 * ConnectionTracker} only on failure paths (an exchange that broke, a 503), so that a call that
 * succeeds at once costs nothing. Written and read by the call's own thread (OkHttp runs a call's
 * attempts on one thread), published through the tracker's concurrent map.
 */
final class CallHistory {
  /** The connection the latest failed attempt ran on, until the retry interceptor takes it. */
  volatile TrackedConnection failedOn;
  /**
   * Whether the call was handed a connection Cutover had closed, since an attempt last reached
   * the network: the attempt that fails next sent nothing.
   */
  volatile boolean closedAtAcquire;
  /**
   * Why a request that may not be replayed may already have been processed by a server (an
   * exchange that broke after the request may have been written, or a 503), or null if none of
   * this call's attempts may have been. Once set, no further attempt of such a request may reach
   * the network.
   */
  volatile IOException reachedServer;
  /**
   * A {@code Retry-After} of 0 that the network interceptor took out of a 503 to a request that
   * may not be replayed, so that OkHttp does not send it again; put back before the caller sees
   * the response.
   */
  volatile String hiddenRetryAfter;

  /** Stands in for a failure when what may have reached the server got a 503 instead. */
  static final class Answered extends IOException {
    private static final long serialVersionUID = 1L;

    Answered(int code) {
      super("HTTP " + code + " from the server", null);
    }
  }
}

package dev.cutover.okhttp;

/**
 * How the wrapped client stops pooled connections from taking new requests once their address
 * has left the DNS answer (or they answered 503).
 *
 * <p>OkHttp has no public way to retire one pooled connection: {@code ConnectionPool.evictAll()}
 * closes every idle connection of every host and none that is busy. Both modes below therefore
 * work per connection, from the wrapped client's own event listener and interceptors; they
 * differ in how a <em>busy</em> connection is stopped.
 *
 * <p>Both modes drain the same way on OkHttp 5.x and 4.12, over HTTP/1.1 and HTTP/2. On 4.12
 * over HTTP/2 that takes one adjustment: 4.12 lets go of a call once its response body has
 * delivered its Content-Length bytes, before the stream's end arrives, so when a retired
 * connection's last call lets go, OkHttp closes the socket under streams whose bodies were
 * already read in full, and their final read (made by {@code ResponseBody.string()} and the like)
 * fails. OkHttp 5 waits for the end of the stream. On 4.12 the wrapped client therefore ends
 * every HTTP/2 response body with a Content-Length at that length: after the last byte, a read
 * that fails reports end of body. Failures before the last byte are reported as before. The
 * plain-OkHttp reproduction is {@code OkHttpHttp2RetireBehaviourTest} in this module's tests.
 */
public enum DrainMode {
  /**
   * Public OkHttp API only; the default. A request that lands on a retired connection carries
   * {@code Connection: close}, which makes OkHttp itself retire the connection after that
   * exchange. A connection, HTTP/1.1 or HTTP/2, is also closed as soon as it is idle (at once if
   * it already is; OkHttp then drops it from the pool unused), so that no request waits on a
   * connection to a server that vanished without closing it. "Idle" is the wrapped client's own
   * count of calls on the connection, which hears of a call only after OkHttp has handed it the
   * connection: a call handed it just as it closes has sent nothing, and is sent again on another
   * connection without counting as an attempt.
   *
   * <p>Exact bound on HTTP/1.1: after a change is processed, a connection carries at most one
   * request beyond those already in flight. On HTTP/2, new streams may still be opened on a busy
   * connection until the first {@code Connection: close} response on it arrives (about one
   * response time): at most one more request per caller per connection. A 503 on HTTP/2
   * therefore costs one extra attempt on the same connection before the
   * retry moves to a fresh one.
   */
  PUBLIC_API,

  /**
   * Also marks the connection "no new exchanges" through OkHttp's internal {@code
   * RealConnection}, under the connection's own lock, exactly as OkHttp does when it retires a
   * connection itself. After a change is processed, a retired connection takes no new request at
   * all, on HTTP/1.1 and HTTP/2, and in-flight requests finish.
   *
   * <p>Internal API: checked when the client is built (an {@link IllegalStateException} if this
   * OkHttp lacks it), tested on OkHttp 4.12 and 5.x, and unavailable where the {@code
   * okhttp3.internal} packages are not accessible (strongly encapsulated module setups).
   */
  OKHTTP_INTERNALS
}

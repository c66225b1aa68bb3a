package dev.cutover.okhttp.internal;

import java.net.ProtocolException;

/**
 * Thrown by the network interceptor, before anything is written, when OkHttp would send a request
 * that may not be replayed (see {@link ReplayPolicy#mayRepeat}) a second time: an earlier attempt
 * of the same call may have reached the server. OkHttp re-sends such requests by itself after a
 * broken exchange ({@code retryOnConnectionFailure}); Cutover promises they are sent once.
 *
 * <p>A {@link ProtocolException} because OkHttp 4.12 and 5.x both treat that as unrecoverable,
 * so that OkHttp does not try again with another connection (4.12 would otherwise loop over the
 * call's routes). Never reaches the caller: the retry interceptor throws the failure of the
 * attempt that may have reached the server instead, as plain OkHttp without its own retries
 * would, with this one suppressed.
 */
final class ReplayRefusedException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  ReplayRefusedException(String message) {
    super(message);
  }
}

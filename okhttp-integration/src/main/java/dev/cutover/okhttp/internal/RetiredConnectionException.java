package dev.cutover.okhttp.internal;

import java.io.IOException;

/**
 * Thrown by the network interceptor, before anything is written, when a call was handed a
 * connection that Cutover had already closed (a close racing the pool's hand-out). Nothing was
 * sent, so the request is retried whatever its method.
 */
final class RetiredConnectionException extends IOException {
  private static final long serialVersionUID = 1L;

  RetiredConnectionException(String message) {
    super(message);
  }
}

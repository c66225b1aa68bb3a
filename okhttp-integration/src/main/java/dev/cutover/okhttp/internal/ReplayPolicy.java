package dev.cutover.okhttp.internal;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.util.Locale;
import okhttp3.Request;
import okhttp3.RequestBody;

/** Which requests may be sent again, and which failures are worth a retry at all. */
final class ReplayPolicy {
  private final boolean retryNonIdempotent;
  private final String idempotencyKeyHeader;

  ReplayPolicy(boolean retryNonIdempotent, String idempotencyKeyHeader) {
    this.retryNonIdempotent = retryNonIdempotent;
    this.idempotencyKeyHeader = idempotencyKeyHeader;
  }

  /**
   * True if the body can be produced again: not one-shot, not duplex. Such a body can never be
   * resent, whatever the method, because its bytes are gone once written.
   */
  static boolean bodyIsReplayable(Request request) {
    RequestBody body = request.body();
    return body == null || (!body.isOneShot() && !body.isDuplex());
  }

  /**
   * True if the request may be processed twice by the server: an idempotent method (RFC 9110
   * section 9.2.2), or POST/PATCH carrying an idempotency key, or any method if the user opted
   * in; and always a replayable body.
   */
  boolean mayRepeat(Request request) {
    if (!bodyIsReplayable(request)) {
      return false;
    }
    switch (request.method()) {
      case "GET":
      case "HEAD":
      case "OPTIONS":
      case "TRACE":
      case "PUT":
      case "DELETE":
        return true;
      default:
        return retryNonIdempotent || request.header(idempotencyKeyHeader) != null;
    }
  }

  /** How far a failed attempt got, as far as can be told from its exception. */
  enum Reach {
    /** The request never left: no server saw any of it. Safe to send again for any method. */
    NOT_SENT,
    /** The connection broke after the request may have been sent. */
    MAYBE_SENT,
    /**
     * The request was sent and no usable answer came: a read time-out, or a response OkHttp
     * could not parse. From a server DNS still names that is a slow or broken server, which a
     * retry would only load more; from an address that left DNS it is the old environment going
     * away, and a request that may be repeated goes elsewhere.
     */
    NO_ANSWER,
    /** Not a failure a retry helps with (certificates, host names, unknown hosts, cancellation). */
    NOT_RETRYABLE
  }

  /**
   * How far a failed attempt got. An attempt that ends in "not sent" after OkHttp retried it
   * itself carries the earlier attempts' failures as suppressed exceptions (both OkHttp lines):
   * if any of those may have reached the server, so may the request.
   */
  static Reach reach(IOException failure) {
    Reach reach = reachOf(failure);
    if (reach == Reach.NOT_SENT) {
      for (Throwable earlier : failure.getSuppressed()) {
        if (earlier instanceof IOException io && reachOf(io) == Reach.MAYBE_SENT) {
          return Reach.MAYBE_SENT;
        }
      }
    }
    return reach;
  }

  private static Reach reachOf(IOException failure) {
    if (failure instanceof ReplayRefusedException) {
      return Reach.NOT_RETRYABLE; // an earlier attempt may have reached the server
    }
    if (failure instanceof RetiredConnectionException
        || failure instanceof ConnectException
        || failure instanceof NoRouteToHostException
        || OkHttpCompat.isUnprocessed(failure)) {
      return Reach.NOT_SENT;
    }
    if (failure instanceof SocketTimeoutException) {
      String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
      // A connect time-out sent nothing; a read time-out had sent the request.
      return message.contains("connect") ? Reach.NOT_SENT : Reach.NO_ANSWER;
    }
    if (failure instanceof javax.net.ssl.SSLPeerUnverifiedException
        || (failure instanceof javax.net.ssl.SSLHandshakeException
            && failure.getCause() instanceof java.security.cert.CertificateException)) {
      // The certificate or host name is wrong: trying again cannot change that, and must not.
      return Reach.NOT_RETRYABLE;
    }
    if (failure instanceof javax.net.ssl.SSLHandshakeException) {
      // The peer cut the handshake off: no request can have been sent on that connection.
      return Reach.NOT_SENT;
    }
    if (failure instanceof java.net.ProtocolException) {
      return Reach.NO_ANSWER;
    }
    if (failure instanceof java.net.UnknownHostException
        || failure instanceof java.io.InterruptedIOException) {
      return Reach.NOT_RETRYABLE;
    }
    // Resets, broken pipes, unexpected end of stream, HTTP/2 stream resets and shutdowns: the
    // connection broke under the exchange, and the server may or may not have seen the request.
    return Reach.MAYBE_SENT;
  }

  /**
   * Whether the failure shows that no byte of the request was written, in any of the attempts it
   * stands for (OkHttp's own earlier ones ride along as suppressed exceptions): every one of them
   * failed to connect, or was refused before sending. Then even a one-shot or duplex body is
   * untouched and can be sent. A refused HTTP/2 stream is not enough: the server processed none
   * of it, but its body may already have been written.
   */
  static boolean bodyUntouched(IOException failure) {
    if (!writesNothing(failure)) {
      return false;
    }
    for (Throwable earlier : failure.getSuppressed()) {
      if (!(earlier instanceof IOException io && writesNothing(io))) {
        return false;
      }
    }
    return true;
  }

  private static boolean writesNothing(IOException failure) {
    return failure instanceof RetiredConnectionException
        || failure instanceof ConnectException
        || failure instanceof NoRouteToHostException
        || (failure instanceof SocketTimeoutException
            && String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT).contains("connect"))
        || (failure instanceof javax.net.ssl.SSLHandshakeException
            && !(failure.getCause() instanceof java.security.cert.CertificateException))
        || failure.getClass().getName()
            .equals("okhttp3.internal.http2.ConnectionShutdownException");
  }

  /**
   * Whether a failure that sent nothing failed to connect (refused, unreachable, timed out, a
   * handshake cut off), rather than on a connection that was up (a refused HTTP/2 stream, a
   * connection Cutover had closed); for the retry's reason.
   */
  static boolean isConnectFailure(IOException failure) {
    return failure instanceof ConnectException
        || failure instanceof NoRouteToHostException
        || failure instanceof SocketTimeoutException
        || failure instanceof javax.net.ssl.SSLHandshakeException;
  }
}

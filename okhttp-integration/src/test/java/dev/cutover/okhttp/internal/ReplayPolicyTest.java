package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.okhttp.OneShotBody;
import dev.cutover.okhttp.internal.ReplayPolicy.Reach;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;

/** Which requests may be sent twice, and how far a failed one can have got. */
class ReplayPolicyTest {
  private final ReplayPolicy strict = new ReplayPolicy(false, "Idempotency-Key");

  @Test
  void idempotentMethodsMayBeRepeated() {
    RequestBody body = RequestBody.create("x", MediaType.get("text/plain"));
    assertTrue(strict.mayRepeat(Requests.get()));
    assertTrue(strict.mayRepeat(new Request.Builder().url(Requests.URL).head().build()));
    assertTrue(strict.mayRepeat(Requests.withBody("PUT", body)));
    assertTrue(strict.mayRepeat(Requests.withBody("DELETE", body)));
    assertTrue(strict.mayRepeat(Requests.withBody("OPTIONS", null)));
    assertTrue(strict.mayRepeat(Requests.withBody("TRACE", null)));
  }

  @Test
  void postAndPatchNeedAKeyOrTheUsersConsent() {
    RequestBody body = RequestBody.create("x", MediaType.get("text/plain"));
    assertFalse(strict.mayRepeat(Requests.post()));
    assertFalse(strict.mayRepeat(Requests.withBody("PATCH", body)));
    assertTrue(strict.mayRepeat(Requests.post().newBuilder().header("Idempotency-Key", "k1")
        .build()));
    assertFalse(strict.mayRepeat(Requests.post().newBuilder().header("X-Request-Id", "k1")
        .build()), "only the configured header counts");
    assertTrue(new ReplayPolicy(false, "X-Request-Id").mayRepeat(
        Requests.post().newBuilder().header("X-Request-Id", "k1").build()));
    assertTrue(new ReplayPolicy(true, "Idempotency-Key").mayRepeat(Requests.post()));
  }

  @Test
  void aBodyThatCannotBeWrittenTwiceIsNeverRepeated() {
    ReplayPolicy lenient = new ReplayPolicy(true, "Idempotency-Key");
    Request oneShotPut = Requests.withBody("PUT", new OneShotBody("once"));
    Request duplexPost = Requests.withBody("POST", new Requests.Duplex())
        .newBuilder().header("Idempotency-Key", "k1").build();
    assertFalse(ReplayPolicy.bodyIsReplayable(oneShotPut));
    assertFalse(ReplayPolicy.bodyIsReplayable(duplexPost));
    assertFalse(lenient.mayRepeat(oneShotPut), "whatever the method");
    assertFalse(lenient.mayRepeat(duplexPost), "whatever the key");
    assertTrue(ReplayPolicy.bodyIsReplayable(Requests.get()), "no body at all");
  }

  @Test
  void failuresBeforeAnythingWasSentAreSafeForAnyMethod() {
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(new ConnectException("Connection refused")));
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(new NoRouteToHostException("no route")));
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(new RetiredConnectionException("retired")));
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(new SocketTimeoutException("connect timed out")));
    assertEquals(Reach.NOT_SENT,
        ReplayPolicy.reach(new SSLHandshakeException("Remote host terminated the handshake")));
  }

  @Test
  void brokenExchangesMayHaveBeenSeenByTheServer() {
    assertEquals(Reach.MAYBE_SENT, ReplayPolicy.reach(new SocketException("Connection reset")));
    assertEquals(Reach.MAYBE_SENT, ReplayPolicy.reach(new IOException("unexpected end of stream")));
  }

  @Test
  void failuresARetryCannotHelpAreNotRetried() {
    assertEquals(Reach.NOT_RETRYABLE,
        ReplayPolicy.reach(new SSLPeerUnverifiedException("Hostname not verified")));
    SSLHandshakeException badCertificate = new SSLHandshakeException("PKIX path building failed");
    badCertificate.initCause(new CertificateException("untrusted"));
    assertEquals(Reach.NOT_RETRYABLE, ReplayPolicy.reach(badCertificate));
    assertEquals(Reach.NOT_RETRYABLE, ReplayPolicy.reach(new UnknownHostException("nxdomain")));
    assertEquals(Reach.NOT_RETRYABLE, ReplayPolicy.reach(new InterruptedIOException("canceled")));
    assertEquals(Reach.NOT_RETRYABLE, ReplayPolicy.reach(new ReplayRefusedException("again")),
        "a replay Cutover refused is never retried, though it is a ProtocolException");
  }

  @Test
  void aSentRequestWithoutAUsableAnswerIsNoAnswer() {
    assertEquals(Reach.NO_ANSWER, ReplayPolicy.reach(new SocketTimeoutException("timeout")));
    assertEquals(Reach.NO_ANSWER, ReplayPolicy.reach(new SocketTimeoutException("Read timed out")));
    assertEquals(Reach.NO_ANSWER, ReplayPolicy.reach(new ProtocolException("bad status")));
  }

  /** OkHttp's own words for "the server did not process it": safe for any method. */
  @Test
  void aRefusedStreamOrAShutDownConnectionSentNothing() {
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(
        new okhttp3.internal.http2.StreamResetException(
            okhttp3.internal.http2.ErrorCode.REFUSED_STREAM)));
    assertEquals(Reach.NOT_SENT,
        ReplayPolicy.reach(new okhttp3.internal.http2.ConnectionShutdownException()));
    assertEquals(Reach.MAYBE_SENT, ReplayPolicy.reach(
        new okhttp3.internal.http2.StreamResetException(
            okhttp3.internal.http2.ErrorCode.CANCEL)), "any other reset may have been processed");
  }

  /**
   * OkHttp retries by itself, and hands the earlier failures along as suppressed exceptions: a
   * refused connection after a reset means the request may have reached a server.
   */
  @Test
  void anEarlierAttemptThatMayHaveBeenSentCounts() {
    ConnectException refused = new ConnectException("Failed to connect to /127.0.0.2:80");
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(refused));
    refused.addSuppressed(new ConnectException("Failed to connect to /127.0.0.3:80"));
    assertEquals(Reach.NOT_SENT, ReplayPolicy.reach(refused), "other routes refused too");
    refused.addSuppressed(new SocketException("Connection reset"));
    assertEquals(Reach.MAYBE_SENT, ReplayPolicy.reach(refused));
  }
}

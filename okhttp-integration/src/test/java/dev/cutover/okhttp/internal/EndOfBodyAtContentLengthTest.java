package dev.cutover.okhttp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;
import okio.Timeout;
import org.junit.jupiter.api.Test;

/**
 * The rule on its own, from plain byte sources: which reads become end of body, and which
 * responses are wrapped on the OkHttp line this runs on. Real sockets and both OkHttp lines:
 * Http2FlipUnderLoadTest.
 */
class EndOfBodyAtContentLengthTest {
  private static final MediaType TEXT = MediaType.get("text/plain");

  @Test
  void aFailedReadAfterTheWholeBodyIsEndOfBody() throws IOException {
    Script delegate = new Script("ab", "cd", new SocketException("Socket closed"));
    BufferedSource source = Okio.buffer(EndOfBodyAtContentLength.source(delegate, 4));
    assertEquals("abcd", source.readUtf8());
    assertTrue(source.exhausted(), "and it stays at the end");
    assertEquals(3, delegate.reads, "no read of the delegate after the end");
  }

  @Test
  void theStreamsOwnEndPassesThrough() throws IOException {
    BufferedSource source = Okio.buffer(EndOfBodyAtContentLength.source(new Script("abcd"), 4));
    assertEquals("abcd", source.readUtf8());
  }

  @Test
  void aZeroLengthBodyEndsOnAFailedFirstRead() throws IOException {
    Source source = EndOfBodyAtContentLength.source(new Script(new SocketException("reset")), 0);
    assertEquals(-1, source.read(new Buffer(), 8192));
  }

  @Test
  void aFailureBeforeTheLengthIsReportedUnchanged() {
    SocketException failure = new SocketException("Socket closed");
    BufferedSource source =
        Okio.buffer(EndOfBodyAtContentLength.source(new Script("ab", failure), 4));
    assertSame(failure, assertThrows(SocketException.class, source::readUtf8));
  }

  @Test
  void bytesBeyondTheLengthStillFail() throws IOException {
    // OkHttp throws ProtocolException on the read that returns more than Content-Length.
    ProtocolException beyond = new ProtocolException("expected 4 bytes but received 5");
    Source source = EndOfBodyAtContentLength.source(new Script("abcd", beyond), 4);
    Buffer sink = new Buffer();
    assertEquals(4, source.read(sink, 8192));
    assertSame(beyond, assertThrows(ProtocolException.class, () -> source.read(sink, 8192)));
  }

  @Test
  void wrapsHttp2ResponsesWithALengthOnlyWhereOkHttpReleasesCallsAtTheLength() {
    Request get = Requests.get();
    Response http2 = response(get, Protocol.HTTP_2, ResponseBody.create("abcd", TEXT));
    Response applied = EndOfBodyAtContentLength.apply(get, http2);
    if (OkHttpCompat.releasesCallAtContentLength()) {
      assertNotSame(http2, applied, "OkHttp " + OkHttpCompat.version());
      assertEquals(4, applied.body().contentLength());
      assertEquals(http2.body().contentType(), applied.body().contentType());
    } else {
      assertSame(http2, applied, "OkHttp " + OkHttpCompat.version());
    }
    Response priorKnowledge =
        response(get, Protocol.H2_PRIOR_KNOWLEDGE, ResponseBody.create("", TEXT));
    assertEquals(OkHttpCompat.releasesCallAtContentLength(),
        priorKnowledge != EndOfBodyAtContentLength.apply(get, priorKnowledge));
  }

  @Test
  void leavesEverythingElseAlone() {
    Request get = Requests.get();
    Request duplex = Requests.withBody("POST", new Requests.Duplex());
    for (Response response : List.of(
        response(get, Protocol.HTTP_1_1, ResponseBody.create("abcd", TEXT)),
        response(get, Protocol.HTTP_2, ResponseBody.create(new Buffer(), TEXT, -1)),
        response(duplex, Protocol.HTTP_2, ResponseBody.create("abcd", TEXT)))) {
      assertSame(response, EndOfBodyAtContentLength.apply(response.request(), response),
          response.protocol() + " " + response.request().method());
    }
  }

  private static Response response(Request request, Protocol protocol, ResponseBody body) {
    return new Response.Builder().request(request).protocol(protocol).code(200).message("OK")
        .body(body).build();
  }

  /** Gives each chunk on one read, or throws the exception in its place; then end of stream. */
  private static final class Script implements Source {
    private final Deque<Object> steps = new ArrayDeque<>();
    int reads;

    Script(Object... steps) {
      this.steps.addAll(List.of(steps));
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      reads++;
      Object step = steps.poll();
      if (step == null) {
        return -1;
      }
      if (step instanceof IOException failure) {
        throw failure;
      }
      String chunk = (String) step;
      sink.writeUtf8(chunk);
      return chunk.length();
    }

    @Override
    public Timeout timeout() {
      return Timeout.NONE;
    }

    @Override
    public void close() {}
  }
}

package dev.cutover.okhttp.internal;

import java.io.IOException;
import java.net.ProtocolException;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.ForwardingSource;
import okio.Okio;
import okio.Source;

/**
 * Ends an HTTP/2 response body at its Content-Length on OkHttp 4.x, so that retiring a busy
 * HTTP/2 connection cannot fail a response that was already read in full (issue #18).
 *
 * <p>OkHttp 4.x releases a call from its connection once the body has delivered its
 * Content-Length bytes, before the stream's END_STREAM (see {@link
 * OkHttpCompat#releasesCallAtContentLength}). When that leaves a connection that takes no new
 * exchanges without calls, OkHttp closes its socket at once (so do {@code
 * ConnectionPool.evictAll()}, the pool's clean-up and Cutover's own close of an unreachable
 * connection), and every stream still waiting for its END_STREAM fails the read for end of body
 * that {@code ResponseBody.string()} and the like always make. Such a read can only fail because
 * the stream or its connection went away after the whole body was in: nothing the caller has not
 * read could still have come, which is HTTP/1.1's rule for a fixed-length body too. So once all
 * Content-Length bytes were delivered, a read that fails returns end of body instead.
 *
 * <p>Unchanged: a read past the length that returns bytes ({@link ProtocolException}, from
 * OkHttp), and any failure before the length is reached. On the wire nothing changes: the read
 * still waits for END_STREAM. Trailers stay unavailable after such an end, as they were.
 *
 * <p>Thread-safety: {@link #apply} is stateless; each wrapped body is read by one thread at a
 * time, as every {@code ResponseBody} is.
 */
final class EndOfBodyAtContentLength {
  private EndOfBodyAtContentLength() {}

  /**
   * The response with its body ended at its Content-Length, or the same response where it is
   * not needed: OkHttp 5, HTTP/1.x, no Content-Length, a duplex request (whose call is held until
   * its request body is done too). Allocates nothing in those cases.
   */
  static Response apply(Request request, Response response) {
    if (!OkHttpCompat.releasesCallAtContentLength()) {
      return response;
    }
    Protocol protocol = response.protocol();
    if (protocol != Protocol.HTTP_2 && protocol != Protocol.H2_PRIOR_KNOWLEDGE) {
      return response;
    }
    ResponseBody body = response.body();
    if (body == null) {
      return response;
    }
    long contentLength = body.contentLength();
    RequestBody requestBody = request.body();
    if (contentLength < 0 || (requestBody != null && requestBody.isDuplex())) {
      return response;
    }
    Source ended = source(body.source(), contentLength);
    return response.newBuilder()
        .body(ResponseBody.create(Okio.buffer(ended), body.contentType(), contentLength))
        .build();
  }

  /** {@code delegate}, reading end of body where a read fails after contentLength bytes. */
  static Source source(Source delegate, long contentLength) {
    return new EndingSource(delegate, contentLength);
  }

  private static final class EndingSource extends ForwardingSource {
    private long remaining;
    private boolean ended;

    EndingSource(Source delegate, long contentLength) {
      super(delegate);
      this.remaining = contentLength;
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      if (ended) {
        return -1;
      }
      if (remaining > 0) {
        long read = super.read(sink, byteCount);
        if (read > 0) {
          remaining -= read;
        }
        return read;
      }
      try {
        return super.read(sink, byteCount);
      } catch (ProtocolException e) {
        throw e; // bytes beyond the length: the response is broken, as before
      } catch (IOException e) {
        ended = true;
        return -1;
      }
    }
  }
}

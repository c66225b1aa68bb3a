package dev.cutover.okhttp;

import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

/** A body OkHttp must never transmit twice: writing it a second time fails the test. */
public final class OneShotBody extends RequestBody {
  private final String content;
  private int writes;

  /**
   * Creates a body.
   *
   * @param content what it writes, once
   */
  public OneShotBody(String content) {
    this.content = content;
  }

  @Override
  public MediaType contentType() {
    return MediaType.get("text/plain");
  }

  @Override
  public boolean isOneShot() {
    return true;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    if (++writes > 1) {
      throw new IllegalStateException("one-shot body written twice");
    }
    sink.writeUtf8(content);
  }
}

package dev.cutover.okhttp.internal;

import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;

/** Real OkHttp requests and responses for the decision tests; nothing is sent anywhere. */
final class Requests {
  static final String URL = "http://api.cutover.test/";

  private Requests() {}

  static Request get() {
    return new Request.Builder().url(URL).build();
  }

  static Request withBody(String method, RequestBody body) {
    return new Request.Builder().url(URL).method(method, body).build();
  }

  static Request post() {
    return withBody("POST", RequestBody.create("{}", MediaType.get("application/json")));
  }

  static Response status(Request request, int code, String retryAfter) {
    Response.Builder builder = new Response.Builder().request(request)
        .protocol(Protocol.HTTP_1_1).code(code).message("status " + code);
    if (retryAfter != null) {
      builder.header("Retry-After", retryAfter);
    }
    return builder.build();
  }

  /** A body that streams both ways for the whole exchange. */
  static final class Duplex extends RequestBody {
    @Override
    public MediaType contentType() {
      return MediaType.get("text/plain");
    }

    @Override
    public boolean isDuplex() {
      return true;
    }

    @Override
    public void writeTo(BufferedSink sink) {
      // Nothing: the test never sends it.
    }
  }
}

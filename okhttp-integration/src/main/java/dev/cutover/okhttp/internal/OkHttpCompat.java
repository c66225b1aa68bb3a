package dev.cutover.okhttp.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import okhttp3.Call;
import okhttp3.Connection;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.internal.connection.RealConnection;

/**
 * Everything that differs between the OkHttp lines Cutover runs on (5.x and 4.12), in one place,
 * as OkHttp keeps its own platform differences in {@code internal/platform/Platform}: the rest of
 * the code asks here instead of checking versions itself. It is also the only class that touches
 * {@code okhttp3.internal}. Public only so that tests and reports outside this package can print
 * the version the same way. Stateless and thread-safe.
 *
 * <p>One difference is answered by the shape of the code rather than here: {@link
 * CutoverEventListener} overrides {@code dispatcherQueueStart}, {@code dispatcherQueueEnd},
 * {@code retryDecision} and {@code followUpDecision}, which exist only in OkHttp 5; on 4.12 they
 * are never called, and their parameter types exist there too, so the class loads on both.
 */
public final class OkHttpCompat {
  private static final String VERSION = readVersion();
  private static final boolean OKHTTP_4 = VERSION.startsWith("4.");
  /** Whether pooled connections are health-checked before a call hears of them: 5.x and later. */
  private static final boolean CHECKS_BEFORE_HAND_OUT = majorVersion(VERSION) >= 5;
  private static final boolean RELEASES_CALL_AT_CONTENT_LENGTH = readReleasesCallAtContentLength();
  /** {@code RealCall}, looked up by name: absent or changed, calls' clients go unknown. */
  private static final Class<?> REAL_CALL = realCall();
  /** {@code RealCall.getClient()}, as {@code (Call)OkHttpClient}; null if REAL_CALL is. */
  private static final MethodHandle CLIENT_OF_CALL = clientOfCall(REAL_CALL);
  private static final boolean CALL_TAGS = hasCallTags();

  private OkHttpCompat() {}

  /**
   * The version of the OkHttp on the class path, such as {@code 5.5.1}, or {@code unknown}.
   * Read reflectively: the constant would otherwise be inlined from the OkHttp compiled against.
   */
  public static String version() {
    return VERSION;
  }

  /** Whether the OkHttp on the class path is a 4.x release. */
  public static boolean isOkHttp4() {
    return OKHTTP_4;
  }

  /**
   * Whether OkHttp releases a call from its connection as soon as the response body has
   * delivered its Content-Length bytes, before an HTTP/2 stream's END_STREAM has arrived (4.x:
   * {@code Exchange.ResponseBodySource.read}). Then an empty call list on a connection does not
   * mean that no stream on it is still open, and closing the socket fails those streams' read for
   * end of body; {@link EndOfBodyAtContentLength} turns that read into end of body. OkHttp 5
   * (square/okhttp#8829) releases the call only once the stream is complete, which it asks the
   * codec with {@code ExchangeCodec.isResponseComplete()}: the feature this checks for, so that
   * no version string is parsed.
   */
  static boolean releasesCallAtContentLength() {
    return RELEASES_CALL_AT_CONTENT_LENGTH;
  }

  /**
   * Whether a connection handed to a call may be closed already when the call hears that it has
   * it. OkHttp 4.12 hands out a pooled connection before its health check, which then discards
   * it if its socket is closed (and releases it): the tracker must find that out itself, or it
   * would count a dead connection in use. OkHttp 5 checks health first
   * ({@code RealConnectionPool.callAcquirePooledConnection}, and {@code isHealthy} again for a
   * call's own connection) and tells the call only of a connection that passed; the only closer
   * that can come between is Cutover, whose own state records it while it tracks the
   * connection. Asking the socket costs: on JDK 17 a plain socket's {@code isClosed()} enters a
   * monitor, one of the larger items Cutover added to an HTTP/1.1 request in JFR profiles. True,
   * so the socket is asked, for any OkHttp not known to be 5.x or later (its version unreadable).
   */
  static boolean handsOutUncheckedConnections() {
    return !CHECKS_BEFORE_HAND_OUT;
  }

  /** The major version, or -1 if the version cannot be read: then nothing is assumed of it. */
  static int majorVersion(String version) {
    int dot = version.indexOf('.');
    try {
      return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Whether an exchange failed in a way that proves the server did not process the request, so
   * that it may be sent again whatever its method: OkHttp's {@code ConnectionShutdownException}
   * (a new HTTP/2 stream on a connection already shut down; OkHttp itself counts it as "send not
   * started"), or an HTTP/2 stream reset with {@code REFUSED_STREAM}, which RFC 9113 section 8.7
   * defines as "closed prior to any processing" (also what OkHttp gives the streams a GOAWAY left
   * unprocessed). Both classes are in {@code okhttp3.internal.http2} in 4.12 and 5.x; matched by
   * name, and the reset by its message, which both versions write as "stream was reset: CODE".
   */
  static boolean isUnprocessed(java.io.IOException failure) {
    String type = failure.getClass().getName();
    if (type.equals("okhttp3.internal.http2.ConnectionShutdownException")) {
      return true;
    }
    return type.equals("okhttp3.internal.http2.StreamResetException")
        && "stream was reset: REFUSED_STREAM".equals(failure.getMessage());
  }

  /**
   * Whether calls take tags by type with {@code tag(Class, computeIfAbsent)} (OkHttp 5): how the
   * tracker marks the calls it counts where {@link #canTellClientOfCall} is false.
   */
  static boolean canTagCalls() {
    return CALL_TAGS;
  }

  /**
   * Whether {@link #listenerFactoryOf} can tell a call's client. Not on the module path: OkHttp 5's
   * {@code module-info} exports the package of {@code RealCall} to its own modules only.
   */
  static boolean canTellClientOfCall() {
    return CLIENT_OF_CALL != null;
  }

  /**
   * The event listener factory of the client that made this call, or null if that cannot be
   * told. OkHttp's calls are {@code RealCall}s, whose {@code client} property (public in 4.12 and
   * 5.x alike) is the client they were made by: for a client derived from a wrapped one, the
   * derived client. Read through a method handle found once, so that an OkHttp without it, or
   * one whose module does not export it to Cutover, makes every call's client unknown instead of
   * failing to link (see {@link #canTellClientOfCall}).
   */
  static EventListener.Factory listenerFactoryOf(Call call) {
    if (CLIENT_OF_CALL == null || !REAL_CALL.isInstance(call)) {
      return null;
    }
    try {
      return ((OkHttpClient) CLIENT_OF_CALL.invokeExact(call)).eventListenerFactory();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable checkedCannotHappen) {
      throw new IllegalStateException(checkedCannotHappen);
    }
  }

  private static Class<?> realCall() {
    try {
      // By name: a class literal would link against the OkHttp compiled against.
      return Class.forName("okhttp3.internal.connection.RealCall", false,
          OkHttpCompat.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return null;
    }
  }

  private static MethodHandle clientOfCall(Class<?> realCall) {
    try {
      if (realCall == null) {
        throw new ClassNotFoundException("okhttp3.internal.connection.RealCall");
      }
      return MethodHandles.publicLookup()
          .findVirtual(realCall, "getClient", MethodType.methodType(OkHttpClient.class))
          .asType(MethodType.methodType(OkHttpClient.class, Call.class));
    } catch (ReflectiveOperationException | LinkageError e) {
      // Expected on the module path: the tracker then tags the calls it counts instead.
      System.getLogger("dev.cutover.okhttp").log(Level.DEBUG, "Cutover cannot ask a call which"
          + " client made it on this OkHttp (" + VERSION + ": " + e + "); it tags the calls"
          + " whose connections it counts instead");
      return null;
    }
  }

  /**
   * Checks that {@link #markNoNewExchanges} works on this OkHttp: {@code RealConnection} has the
   * {@code setNoNewExchanges(boolean)} setter, which has the same Java signature in 4.12 and 5.x
   * (the {@code noNewExchanges()} method is name-mangled in 4.12 and would fail to link there).
   *
   * @throws IllegalStateException naming {@code DrainMode.OKHTTP_INTERNALS} if it does not
   */
  static void requireNoNewExchanges() {
    try {
      Method setter = RealConnection.class.getMethod("setNoNewExchanges", boolean.class);
      if (setter.getReturnType() != void.class) {
        throw new NoSuchMethodException("setNoNewExchanges returns " + setter.getReturnType());
      }
    } catch (NoSuchMethodException | LinkageError e) {
      throw new IllegalStateException("DrainMode.OKHTTP_INTERNALS is not supported by the OkHttp"
          + " on the class path (" + e + "); use DrainMode.PUBLIC_API", e);
    }
  }

  /**
   * Sets the connection's "no new exchanges" flag under its monitor, which is the lock OkHttp's
   * pool holds when it hands a connection to a call: from then on no call can acquire it, and
   * OkHttp closes it when its last call releases it. Returns true only if no call holds it now
   * (read from the pool's own list, under the same lock), so that closing its socket cannot hit
   * a call; false also for a connection that is not OkHttp's own.
   */
  static boolean markNoNewExchanges(Connection connection) {
    if (!(connection instanceof RealConnection)) {
      return false;
    }
    RealConnection real = (RealConnection) connection;
    synchronized (real) {
      real.setNoNewExchanges(true);
      return real.getCalls().isEmpty();
    }
  }

  private static boolean readReleasesCallAtContentLength() {
    Class<?> codec;
    try {
      // By name: a class literal would link against the OkHttp compiled against.
      codec = Class.forName("okhttp3.internal.http.ExchangeCodec", false,
          OkHttpCompat.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return false; // no such codec interface: not 4.x, nothing to work around
    }
    try {
      codec.getMethod("isResponseComplete");
      return false;
    } catch (NoSuchMethodException e) {
      return true;
    }
  }

  private static boolean hasCallTags() {
    try {
      Call.class.getMethod("tag", Class.class, kotlin.jvm.functions.Function0.class);
      return true;
    } catch (NoSuchMethodException | LinkageError e) {
      if (CLIENT_OF_CALL == null) {
        System.getLogger("dev.cutover.okhttp").log(Level.WARNING, "Cutover can neither ask a"
            + " call which client made it nor tag it on this OkHttp (" + VERSION + "), so it"
            + " treats every connection as used by calls it cannot count: connections whose"
            + " address leaves DNS are still drained, but never closed by Cutover while idle");
      }
      return false;
    }
  }

  private static String readVersion() {
    try {
      return String.valueOf(okhttp3.OkHttp.class.getField("VERSION").get(null));
    } catch (ReflectiveOperationException | LinkageError e) {
      return "unknown";
    }
  }
}

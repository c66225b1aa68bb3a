package dev.cutover.okhttp;

import dev.cutover.testkit.TestCertificates;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A minimal HTTP/2 server over TLS that writes its frames itself, so that a test decides exactly
 * when a response's END_STREAM goes out. MockWebServer cannot: depending on its version it sends
 * END_STREAM on the last DATA frame or on a separate one right after, so the same client test
 * sees different streams on 4.12 and 5.x. Here both OkHttp lines get the same bytes.
 *
 * <p>Every request (whatever its method or path) is answered {@code 200} with a fixed body and
 * its {@code Content-Length}, in DATA frames of {@code chunk} bytes {@code frameGap} apart, and
 * then an empty DATA frame with END_STREAM, sent {@code endStreamDelay} later, or only once
 * {@link #releaseEndStreams()} is called if {@link #holdEndStreams()} was. Real servers do send
 * END_STREAM on its own frame (a handler that flushes its body and then returns).
 *
 * <p>It records what became of each response's END_STREAM and which RST_STREAM and GOAWAY frames
 * the client sent. Thread-safe.
 */
final class FramedHttp2Server implements AutoCloseable {
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int CONTINUATION = 0x9;
  private static final int FLAG_END_STREAM = 0x1;
  private static final int FLAG_ACK = 0x1;
  private static final int FLAG_END_HEADERS = 0x4;

  private final ServerSocket serverSocket;
  private final TestCertificates certificates;
  private final byte[] body;
  private final int chunk;
  private final long frameGapNanos;
  private final long endStreamDelayNanos;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread thread = new Thread(r, "framed-h2-server");
    thread.setDaemon(true);
    return thread;
  });
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile CountDownLatch headersGate;
  private volatile CountDownLatch bodyGate;
  private volatile CountDownLatch endStreamGate;
  private volatile boolean closed;

  /** HTTP/2 connections established so far. */
  final AtomicInteger connections = new AtomicInteger();
  /** HTTP/2 connections established and not yet closed (as this server sees it). */
  final AtomicInteger openConnections = new AtomicInteger();
  final AtomicInteger requests = new AtomicInteger();
  /** Responses whose whole body was written; their END_STREAM may still be pending. */
  final AtomicInteger bodiesWritten = new AtomicInteger();
  final AtomicInteger endStreamsSent = new AtomicInteger();
  /** Responses whose body had been written, but the connection closed before END_STREAM. */
  final AtomicInteger endStreamsLost = new AtomicInteger();
  /** RST_STREAM frames from the client, by error code (8 = CANCEL). */
  final ConcurrentHashMap<Integer, AtomicInteger> resetsByCode = new ConcurrentHashMap<>();
  final AtomicInteger goAways = new AtomicInteger();

  FramedHttp2Server(TestCertificates certificates, InetAddress address, byte[] body, int chunk,
      Duration frameGap, Duration endStreamDelay) throws IOException {
    this(certificates, address, 0, body, chunk, frameGap, endStreamDelay);
  }

  /** Listens on {@code port} (0: any free one), so that two servers can share a port. */
  FramedHttp2Server(TestCertificates certificates, InetAddress address, int port, byte[] body,
      int chunk, Duration frameGap, Duration endStreamDelay) throws IOException {
    if (body.length == 0 || body.length > 60_000 || chunk <= 0 || chunk > 16_384) {
      throw new IllegalArgumentException("body must be 1 to 60000 bytes (within the default"
          + " window) and chunk 1 to 16384, got " + body.length + " and " + chunk);
    }
    this.certificates = certificates;
    this.body = body.clone();
    this.chunk = chunk;
    this.frameGapNanos = frameGap.toNanos();
    this.endStreamDelayNanos = endStreamDelay.toNanos();
    this.serverSocket = new ServerSocket(port, 50, address);
    Thread acceptor = new Thread(this::acceptLoop, "framed-h2-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return serverSocket.getLocalPort();
  }

  /** From now on, responses wait for {@link #releaseHeaders()} before anything is sent. */
  void holdHeaders() {
    headersGate = new CountDownLatch(1);
  }

  void releaseHeaders() {
    CountDownLatch gate = headersGate;
    headersGate = null;
    if (gate != null) {
      gate.countDown();
    }
  }

  /** From now on, responses send their headers, then wait for {@link #releaseBodies()}. */
  void holdBodies() {
    bodyGate = new CountDownLatch(1);
  }

  void releaseBodies() {
    CountDownLatch gate = bodyGate;
    bodyGate = null;
    if (gate != null) {
      gate.countDown();
    }
  }

  /** From now on, responses wait for {@link #releaseEndStreams()} before their END_STREAM. */
  void holdEndStreams() {
    endStreamGate = new CountDownLatch(1);
  }

  void releaseEndStreams() {
    CountDownLatch gate = endStreamGate;
    endStreamGate = null;
    if (gate != null) {
      gate.countDown();
    }
  }

  private static void pass(CountDownLatch gate, String what)
      throws IOException, InterruptedException {
    if (gate != null && !gate.await(30, TimeUnit.SECONDS)) {
      throw new IOException(what + " held for 30 s: the test never released it");
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket raw;
      try {
        raw = serverSocket.accept();
      } catch (IOException e) {
        return; // closed
      }
      executor.execute(() -> serve(raw));
    }
  }

  private void serve(Socket raw) {
    sockets.add(raw);
    boolean open = false;
    try (raw) {
      raw.setTcpNoDelay(true);
      SSLSocket socket = (SSLSocket) certificates.serverSocketFactory().createSocket(
          raw, raw.getInetAddress().getHostAddress(), raw.getPort(), true);
      socket.setUseClientMode(false);
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      if (!"h2".equals(socket.getApplicationProtocol())) {
        return; // this server speaks HTTP/2 only
      }
      connections.incrementAndGet();
      openConnections.incrementAndGet();
      open = true;
      Connection connection = new Connection(socket.getOutputStream());
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      byte[] preface = new byte[PREFACE.length];
      in.readFully(preface);
      if (!Arrays.equals(preface, PREFACE)) {
        return;
      }
      connection.frame(SETTINGS, 0, 0, new byte[0]);
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8
            | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        switch (type) {
          case HEADERS, CONTINUATION -> {
            if ((flags & FLAG_END_HEADERS) != 0) {
              requests.incrementAndGet();
              executor.execute(() -> connection.respond(streamId));
            }
          }
          case SETTINGS -> {
            if ((flags & FLAG_ACK) == 0) {
              connection.frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
            }
          }
          case PING -> {
            if ((flags & FLAG_ACK) == 0) {
              connection.frame(PING, FLAG_ACK, 0, payload);
            }
          }
          case RST_STREAM -> resetsByCode.computeIfAbsent(
              (payload[0] & 0xff) << 24 | (payload[1] & 0xff) << 16 | (payload[2] & 0xff) << 8
                  | (payload[3] & 0xff), code -> new AtomicInteger()).incrementAndGet();
          case GOAWAY -> goAways.incrementAndGet();
          default -> { } // DATA, WINDOW_UPDATE, PRIORITY: nothing to answer
        }
      }
    } catch (EOFException e) {
      // The client closed the connection.
    } catch (IOException e) {
      // Reset or closed under us: the books say which END_STREAMs were lost.
    } finally {
      sockets.remove(raw);
      if (open) {
        openConnections.decrementAndGet();
      }
    }
  }

  /** One client connection: frames are written whole, one at a time. */
  private final class Connection {
    private final OutputStream out;

    Connection(OutputStream out) {
      this.out = new BufferedOutputStream(out);
    }

    synchronized void frame(int type, int flags, int streamId, byte[] payload)
        throws IOException {
      out.write(new byte[] {
          (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
          (byte) type, (byte) flags,
          (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8),
          (byte) streamId});
      out.write(payload);
      out.flush();
    }

    void respond(int streamId) {
      boolean bodyWritten = false;
      try {
        pass(headersGate, "headers");
        frame(HEADERS, FLAG_END_HEADERS, streamId, responseHeaders(body.length));
        pass(bodyGate, "body");
        for (int offset = 0; offset < body.length; offset += chunk) {
          if (offset > 0) {
            TimeUnit.NANOSECONDS.sleep(frameGapNanos);
          }
          frame(DATA, 0, streamId,
              Arrays.copyOfRange(body, offset, Math.min(body.length, offset + chunk)));
        }
        bodyWritten = true;
        bodiesWritten.incrementAndGet();
        TimeUnit.NANOSECONDS.sleep(endStreamDelayNanos);
        pass(endStreamGate, "END_STREAM");
        frame(DATA, FLAG_END_STREAM, streamId, new byte[0]);
        endStreamsSent.incrementAndGet();
      } catch (IOException | InterruptedException e) {
        if (bodyWritten) {
          endStreamsLost.incrementAndGet();
        }
      }
    }
  }

  /** ":status: 200" (static table entry 8) and content-length as a literal, no Huffman. */
  private static byte[] responseHeaders(int contentLength) {
    byte[] value = Integer.toString(contentLength).getBytes(StandardCharsets.US_ASCII);
    byte[] block = new byte[3 + 1 + value.length];
    block[0] = (byte) 0x88;
    // Literal header field without indexing, name = static entry 28 (content-length): the 4-bit
    // prefix holds 15, the rest (13) follows.
    block[1] = 0x0f;
    block[2] = 0x0d;
    block[3] = (byte) value.length;
    System.arraycopy(value, 0, block, 4, value.length);
    return block;
  }

  int resets(int code) {
    AtomicInteger count = resetsByCode.get(code);
    return count == null ? 0 : count.get();
  }

  @Override
  public void close() {
    closed = true;
    releaseHeaders();
    releaseBodies();
    releaseEndStreams();
    try {
      serverSocket.close();
    } catch (IOException ignored) {
      // Closing is best effort.
    }
    for (Socket socket : List.copyOf(sockets)) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing is best effort.
      }
    }
    executor.shutdownNow();
  }

  /** For diagnostics in failure messages. */
  String books() {
    return "connections=" + connections + " open=" + openConnections + " requests=" + requests + " bodiesWritten="
        + bodiesWritten + " endStreamsSent=" + endStreamsSent + " endStreamsLost="
        + endStreamsLost + " resets=" + resetsByCode + " goAways=" + goAways;
  }
}

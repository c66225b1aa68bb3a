package dev.cutover.okhttp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay in front of a server, which can vanish the way a deleted environment does when its
 * packets are dropped rather than refused: every connection stays open, nothing is closed or
 * reset, and nothing is forwarded any more, either way. Bytes sent to it are read and dropped.
 */
final class SilentRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean vanished;
  private volatile boolean closed;

  SilentRelay(InetAddress address, int port, InetSocketAddress target) throws IOException {
    this.listener = new ServerSocket();
    listener.setReuseAddress(true);
    listener.bind(new InetSocketAddress(address, port));
    this.target = target;
    Thread acceptor = new Thread(this::accept, "silent-relay-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** From now on nothing goes through, and nothing is closed. */
  void vanish() {
    vanished = true;
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        sockets.add(client);
        if (vanished) {
          pump(client.getInputStream(), OutputStream.nullOutputStream());
          continue;
        }
        Socket upstream = new Socket();
        sockets.add(upstream);
        upstream.connect(target, 2_000);
        pump(client.getInputStream(), upstream.getOutputStream());
        pump(upstream.getInputStream(), client.getOutputStream());
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pump(InputStream from, OutputStream to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try {
        int read;
        while ((read = from.read(buffer)) != -1) {
          if (!vanished) {
            to.write(buffer, 0, read);
            to.flush();
          }
        }
      } catch (IOException ended) {
        // One side went away (at close()): the relay stops here.
      }
    }, "silent-relay-pump");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}

package dev.cutover.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;

/**
 * Client sockets with Nagle's algorithm off. OkHttp's HTTP/2 writer sends small frames in
 * separate flushes; with Nagle on, one of them waits for the server's delayed ACK (about 40 ms on
 * Linux loopback), which would swamp a per-request measurement. Both clients of a comparison use
 * it, as production clients talking to latency-sensitive services often do.
 */
class NoDelaySocketFactory extends SocketFactory {
  @Override
  public Socket createSocket() throws IOException {
    Socket socket = new Socket();
    socket.setTcpNoDelay(true);
    return socket;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    throw new UnsupportedOperationException("OkHttp connects the unconnected socket itself");
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    throw new UnsupportedOperationException("OkHttp connects the unconnected socket itself");
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    throw new UnsupportedOperationException("OkHttp connects the unconnected socket itself");
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
      int localPort) throws IOException {
    throw new UnsupportedOperationException("OkHttp connects the unconnected socket itself");
  }
}

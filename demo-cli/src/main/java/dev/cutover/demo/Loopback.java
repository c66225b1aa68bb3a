package dev.cutover.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * The two local addresses blue and green listen on. They must differ, because both take the
 * same port, as two environments behind one DNS name do.
 *
 * @param blue blue's address
 * @param green green's address
 * @param fallback whether these are 127.0.0.1 and ::1, because 127.0.0.2 could not be bound
 */
record Loopback(InetAddress blue, InetAddress green, boolean fallback) {

  /** 127.0.0.2 and 127.0.0.3 where they can be bound (Linux), else 127.0.0.1 and ::1 (macOS). */
  static Loopback choose(boolean forceFallback) throws IOException {
    InetAddress blue = InetAddress.getByAddress(new byte[] {127, 0, 0, 2});
    InetAddress green = InetAddress.getByAddress(new byte[] {127, 0, 0, 3});
    if (!forceFallback && canBind(blue) && canBind(green)) {
      return new Loopback(blue, green, false);
    }
    InetAddress v4 = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    InetAddress v6 = InetAddress.getByName("::1");
    if (!canBind(v6)) {
      throw new IOException("cannot bind 127.0.0.2 nor ::1: the demo needs two loopback"
          + " addresses (on macOS: sudo ifconfig lo0 alias 127.0.0.2 up)");
    }
    return new Loopback(v4, v6, true);
  }

  private static boolean canBind(InetAddress address) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(address, 0));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  String blueIp() {
    return blue.getHostAddress();
  }

  String greenIp() {
    return green.getHostAddress();
  }

  String describe() {
    return "blue on " + blueIp() + ", green on " + greenIp()
        + (fallback ? " (fallback: 127.0.0.2 cannot be bound here)" : "");
  }
}

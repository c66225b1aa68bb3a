package dev.cutover.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Locale;
import org.xbill.DNS.Address;

/** Validation and classification of the host strings callers pass in. Stateless. */
final class HostNames {
  private static final String EXPECTED =
      "expected a host name such as api.example.com or an IP literal such as 10.0.0.1";

  private HostNames() {}

  /**
   * Returns the cache key for a host: lower case, otherwise as given (a trailing dot keeps its
   * meaning of "absolute, no search domains").
   *
   * @throws IllegalArgumentException if host is null
   * @throws UnknownHostException if host is not a syntactically valid name
   */
  static String normalize(String host) throws UnknownHostException {
    if (host == null) {
      throw new IllegalArgumentException("host is null; " + EXPECTED);
    }
    String lower = host.toLowerCase(Locale.ROOT);
    validate(host, lower);
    return lower;
  }

  private static void validate(String original, String host) throws UnknownHostException {
    if (host.isBlank()) {
      throw invalid(original, "it is empty");
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.isEmpty()) {
      throw invalid(original, "it is only a dot");
    }
    if (name.length() > 253) {
      throw invalid(original, "it is " + name.length() + " characters long, the limit is 253");
    }
    int labelStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      char c = i < name.length() ? name.charAt(i) : '.';
      if (c == '.') {
        int labelLength = i - labelStart;
        if (labelLength == 0) {
          throw invalid(original, "it has an empty label (two dots in a row, or a leading dot)");
        }
        if (labelLength > 63) {
          throw invalid(
              original,
              "label '" + name.substring(labelStart, i) + "' is " + labelLength
                  + " characters long, the limit is 63");
        }
        labelStart = i + 1;
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        String shown = Character.isWhitespace(c) || Character.isISOControl(c)
            ? String.format("U+%04X", (int) c) : "'" + c + "'";
        throw invalid(
            original,
            "character " + shown + " at index " + i + " is not allowed (letters, digits, '-', '_'"
                + " and '.'; convert international names with java.net.IDN.toASCII)");
      }
    }
    String lastLabel = name.substring(name.lastIndexOf('.') + 1);
    if (lastLabel.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw invalid(original, "it looks like an IPv4 address but is not a valid one");
    }
  }

  /**
   * Returns the address if host is an IP literal (IPv4 dotted quad, IPv6 with or without
   * brackets), without any DNS traffic; null if it is not a literal.
   *
   * @throws UnknownHostException if it looks like an IPv6 literal but does not parse
   */
  static InetAddress literal(String host) throws UnknownHostException {
    if (host == null || host.isEmpty()) {
      return null;
    }
    char first = host.charAt(0);
    if (host.indexOf(':') >= 0) {
      String bare = first == '[' && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
      int percent = bare.indexOf('%');
      byte[] bytes = Address.toByteArray(percent >= 0 ? bare.substring(0, percent) : bare,
          Address.IPv6);
      if (bytes == null) {
        throw invalid(host, "it contains ':' but is not a valid IPv6 address");
      }
      if (percent >= 0) {
        return scoped(host, bytes, bare.substring(percent + 1));
      }
      return InetAddress.getByAddress(host, bytes);
    }
    if (first >= '0' && first <= '9') {
      byte[] bytes = Address.toByteArray(host, Address.IPv4);
      if (bytes != null) {
        return InetAddress.getByAddress(host, bytes);
      }
    }
    return null;
  }

  /**
   * A scoped IPv6 literal ({@code fe80::1%2}, {@code fe80::1%eth0}), built here rather than by
   * {@code InetAddress.getByName}: with Cutover answering the JVM's lookups, a string the JDK does
   * not take for a literal would come straight back to this resolver, and again, until the stack
   * overflowed.
   */
  private static InetAddress scoped(String host, byte[] bytes, String scope)
      throws UnknownHostException {
    if (scope.isEmpty()) {
      throw invalid(host, "its scope after '%' is empty");
    }
    if (scope.chars().allMatch(c -> c >= '0' && c <= '9')) {
      int id;
      try {
        id = Integer.parseInt(scope);
      } catch (NumberFormatException tooLarge) {
        throw invalid(host, "its scope id " + scope + " is out of range");
      }
      return Inet6Address.getByAddress(host, bytes, id);
    }
    NetworkInterface nif;
    try {
      nif = NetworkInterface.getByName(scope);
    } catch (SocketException | IllegalArgumentException e) {
      nif = null;
    }
    if (nif == null) {
      throw invalid(host, "its scope '" + scope + "' is no network interface of this machine");
    }
    try {
      return Inet6Address.getByAddress(host, bytes, nif);
    } catch (UnknownHostException e) {
      throw invalid(host, "network interface '" + scope + "' has no IPv6 scope for it");
    }
  }

  /** Returns whether host is the loopback name that must never go to DNS (RFC 6761). */
  static boolean isLocalhost(String normalizedHost) {
    return normalizedHost.equals("localhost") || normalizedHost.equals("localhost.");
  }

  static UnknownHostException invalid(String host, String why) {
    return new UnknownHostException("Invalid host name '" + host + "': " + why + "; " + EXPECTED);
  }
}

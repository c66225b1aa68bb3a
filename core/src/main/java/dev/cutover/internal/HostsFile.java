package dev.cutover.internal;

import dev.cutover.Ticker;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Address;

/**
 * A hosts file ({@code /etc/hosts}), read whole into a table and read again when it changes: its
 * modification time or size is checked at most every {@link #CHECK_INTERVAL_NANOS} of the
 * resolver's ticker, when a name is looked up in it.
 *
 * <p>Lines are {@code ADDRESS NAME [ALIAS...]}, {@code #} starting a comment. A line that is not
 * (its first word no IP address, or no name after it) is skipped, as the C library skips it, and
 * each reading with such lines logs one warning naming the file, how many there were and the
 * first of them; the other lines are all used. A name on several lines has every address given
 * for it, in the file's order. A file that cannot be read (permissions, an I/O error midway) keeps
 * the table of the last reading, whole, and logs one warning until it can be read again; a file
 * that is gone means no entries.
 *
 * <p>Not thread-safe: used on the resolver's thread only, never on a caller's, since reading a
 * file can block (a slow disk, a network file system).
 */
final class HostsFile {
  private static final System.Logger LOG = System.getLogger("dev.cutover.CutoverResolver");
  /** How often the file's modification time is looked at, at most. */
  static final long CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final Path path;
  private final Ticker ticker;
  private Map<String, InetAddress[]> table = Map.of();
  private long checkedAt;
  private boolean everChecked;
  /** What the file looked like when last read; null when it was missing or unreadable. */
  private Object readVersion;
  private boolean unreadableWarned;

  HostsFile(Path path, Ticker ticker) {
    this.path = path;
    this.ticker = ticker;
  }

  /** The addresses the file gives a name, in its order, or null if it does not name it. */
  InetAddress[] addresses(String host) {
    refreshIfChanged();
    String key = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    return table.get(key);
  }

  private void refreshIfChanged() {
    long now = ticker.read();
    if (everChecked && now - checkedAt < CHECK_INTERVAL_NANOS) {
      return;
    }
    everChecked = true;
    checkedAt = now;
    Object version;
    try {
      BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
      version = List.of(attributes.lastModifiedTime(), attributes.size());
    } catch (NoSuchFileException gone) {
      table = Map.of();
      readVersion = null;
      return;
    } catch (IOException | RuntimeException e) {
      warnUnreadable(e);
      return; // the last table read stays
    }
    if (version.equals(readVersion)) {
      return;
    }
    try {
      table = read();
      readVersion = version;
      unreadableWarned = false;
    } catch (IOException | RuntimeException e) {
      warnUnreadable(e);
    }
  }

  private void warnUnreadable(Exception e) {
    if (!unreadableWarned) {
      unreadableWarned = true;
      LOG.log(Level.WARNING, "hosts file {0} cannot be read ({1}); names are looked up in DNS"
          + " only until it can", path, DnsClient.describe(e));
    }
  }

  private Map<String, InetAddress[]> read() throws IOException {
    Map<String, List<InetAddress>> byName = new HashMap<>();
    int malformed = 0;
    String firstMalformed = null;
    // Latin-1 decodes any byte: a comment in another encoding must not make the file unreadable
    // (host names and addresses are ASCII either way).
    try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.ISO_8859_1)) {
      String line;
      int number = 0;
      while ((line = reader.readLine()) != null) {
        number++;
        if (!parse(line, byName)) {
          if (malformed++ == 0) {
            firstMalformed = "line " + number + ": '" + line.strip() + "'";
          }
        }
      }
    }
    if (malformed > 0) {
      LOG.log(Level.WARNING, "hosts file {0}: {1} malformed line(s) skipped, the first at {2};"
          + " expected an IP address followed by host names", path, malformed, firstMalformed);
    }
    Map<String, InetAddress[]> result = new HashMap<>(byName.size() * 2);
    byName.forEach((name, addresses) -> result.put(name, addresses.toArray(new InetAddress[0])));
    return Map.copyOf(result);
  }

  /** Adds one line's entries; false if the line is malformed (blank and comment lines are not). */
  private static boolean parse(String line, Map<String, List<InetAddress>> byName) {
    int hash = line.indexOf('#');
    String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
    if (content.isEmpty()) {
      return true;
    }
    String[] words = content.split("\\s+");
    InetAddress address = address(words[0]);
    if (address == null || words.length < 2) {
      return false;
    }
    for (int i = 1; i < words.length; i++) {
      String name = words[i].toLowerCase(Locale.ROOT);
      if (name.endsWith(".")) {
        name = name.substring(0, name.length() - 1);
      }
      if (name.isEmpty()) {
        continue;
      }
      List<InetAddress> addresses = byName.computeIfAbsent(name, n -> new ArrayList<>(1));
      if (!addresses.contains(address)) {
        addresses.add(address);
      }
    }
    return true;
  }

  private static InetAddress address(String word) {
    byte[] bytes = Address.toByteArray(word, Address.IPv4);
    if (bytes == null) {
      bytes = Address.toByteArray(word, Address.IPv6);
    }
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException impossible) {
      return null;
    }
  }
}

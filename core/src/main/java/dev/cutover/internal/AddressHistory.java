package dev.cutover.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When each address was last in one of a host's answers: what address retention (and, later, any
 * judgement of whether an address still belongs to the host) is decided from. Immutable; each
 * answer makes a new one.
 */
final class AddressHistory {
  static final AddressHistory EMPTY = new AddressHistory(Map.of());

  /** Address to ticker time it was last answered; iteration order is the order first seen. */
  private final Map<InetAddress, Long> lastSeen;

  private AddressHistory(Map<InetAddress, Long> lastSeen) {
    this.lastSeen = lastSeen;
  }

  /**
   * Returns the history after an answer at {@code now}: its addresses seen now, and addresses
   * not seen for longer than {@code retentionNanos} forgotten.
   */
  AddressHistory after(List<InetAddress> answer, long now, long retentionNanos) {
    Map<InetAddress, Long> next = new LinkedHashMap<>(lastSeen);
    for (InetAddress address : answer) {
      next.put(address, now);
    }
    next.values().removeIf(seen -> now - seen > retentionNanos);
    return new AddressHistory(Collections.unmodifiableMap(next));
  }

  /** The answer's addresses, then the others this history still holds, in the order first seen. */
  List<InetAddress> retained(List<InetAddress> answer) {
    List<InetAddress> retained = new ArrayList<>(answer);
    for (InetAddress address : lastSeen.keySet()) {
      if (!retained.contains(address)) {
        retained.add(address);
      }
    }
    return retained;
  }

  @Override
  public String toString() {
    return lastSeen.toString();
  }
}

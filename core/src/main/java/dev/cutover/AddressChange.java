package dev.cutover;

import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A change of the set of addresses a host name resolves to, as seen by a {@link CutoverResolver}.
 *
 * <p>Only a change of the <em>set</em> is a change: the same addresses in another order (DNS round
 * robin) are not reported. {@link #added()} and {@link #removed()} are derived from the two sets
 * and are never both empty.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class AddressChange {
  private final String host;
  private final List<InetAddress> previous;
  private final List<InetAddress> current;
  private final Set<InetAddress> added;
  private final Set<InetAddress> removed;

  /**
   * Creates a change from the addresses before and after.
   *
   * @param host the host name that was resolved
   * @param previous the addresses the host resolved to before, in the order they were served
   * @param current the addresses the host resolves to now, in the order they are served
   * @throws NullPointerException if any argument is null
   */
  public AddressChange(String host, List<InetAddress> previous, List<InetAddress> current) {
    this.host = Objects.requireNonNull(host, "host");
    this.previous = List.copyOf(previous);
    this.current = List.copyOf(current);
    Set<InetAddress> addedSet = new LinkedHashSet<>(this.current);
    this.previous.forEach(addedSet::remove);
    Set<InetAddress> removedSet = new LinkedHashSet<>(this.previous);
    this.current.forEach(removedSet::remove);
    this.added = Collections.unmodifiableSet(addedSet);
    this.removed = Collections.unmodifiableSet(removedSet);
  }

  /**
   * Returns the host name whose addresses changed, as it was passed to the resolver.
   *
   * @return the host name
   */
  public String host() {
    return host;
  }

  /**
   * Returns the addresses served before this change.
   *
   * @return an unmodifiable list
   */
  public List<InetAddress> previous() {
    return previous;
  }

  /**
   * Returns the addresses served from now on.
   *
   * @return an unmodifiable list
   */
  public List<InetAddress> current() {
    return current;
  }

  /**
   * Returns the addresses in {@link #current()} that were not in {@link #previous()}.
   *
   * @return an unmodifiable set, in the order of {@link #current()}
   */
  public Set<InetAddress> added() {
    return added;
  }

  /**
   * Returns the addresses in {@link #previous()} that are not in {@link #current()}. Connections
   * to these addresses are the ones to drain.
   *
   * @return an unmodifiable set, in the order of {@link #previous()}
   */
  public Set<InetAddress> removed() {
    return removed;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof AddressChange
        && ((AddressChange) other).host.equals(host)
        && ((AddressChange) other).previous.equals(previous)
        && ((AddressChange) other).current.equals(current);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, previous, current);
  }

  @Override
  public String toString() {
    return host + ": " + literals(previous) + " -> " + literals(current);
  }

  static String literals(List<InetAddress> addresses) {
    StringBuilder result = new StringBuilder("[");
    for (InetAddress address : addresses) {
      if (result.length() > 1) {
        result.append(", ");
      }
      result.append(address.getHostAddress());
    }
    return result.append(']').toString();
  }
}

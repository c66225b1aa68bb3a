package dev.cutover.internal;

import static dev.cutover.internal.TransitionsTest.ips;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.QueryOutcome;
import java.io.IOException;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Answer rotation: spread new connections over every address, preferred family first. */
class AnswerTest {

  @Test
  void aSingleAddressIsAlwaysServedAsItIs() {
    Answer answer = positive("10.0.0.1");
    assertEquals(List.of(ips("10.0.0.1")), answer.rotations);
    assertSame(answer.rotations.get(0), answer.pick(), "no allocation per lookup");
  }

  @Test
  void everyAddressOfThePreferredFamilyLeadsOneRotation() {
    Answer answer = positive("10.0.0.1", "10.0.0.2", "10.0.0.3", "2001:db8::1");
    assertEquals(List.of(
        ips("10.0.0.1", "10.0.0.2", "10.0.0.3", "2001:db8::1"),
        ips("10.0.0.2", "10.0.0.3", "10.0.0.1", "2001:db8::1"),
        ips("10.0.0.3", "10.0.0.1", "10.0.0.2", "2001:db8::1")), answer.rotations,
        "the IPv6 fallback stays last");
  }

  @Test
  void rotationStaysWithinTheLeadingFamilyWhenIpv6IsPreferred() {
    Answer answer = positive("2001:db8::1", "2001:db8::2", "10.0.0.1", "10.0.0.2");
    assertEquals(List.of(
        ips("2001:db8::1", "2001:db8::2", "10.0.0.1", "10.0.0.2"),
        ips("2001:db8::2", "2001:db8::1", "10.0.0.1", "10.0.0.2")), answer.rotations);
  }

  @Test
  void rotationsAreViewsOverOneArrayNotCopies() {
    // The most a name keeps: 64 members would be 64 lists of 64 if each rotation were a copy.
    List<InetAddress> members = new java.util.ArrayList<>();
    for (int i = 0; i < Membership.MAX_ADDRESSES; i++) {
      members.add(ip("10.0." + (i / 250) + "." + (i % 250 + 1)));
    }
    Answer answer = Answer.positive(Membership.EMPTY.after(members), 0, 0, 0);
    assertEquals(64, answer.rotations.size());
    InetAddress[] shared = ((Answer.Rotation) answer.addresses).items;
    assertEquals(64, shared.length);
    for (int shift = 0; shift < 64; shift++) {
      Answer.Rotation rotation = (Answer.Rotation) answer.rotations.get(shift);
      assertSame(shared, rotation.items, "rotation " + shift + " shares the one array");
      assertEquals(members.get(shift), rotation.get(0));
      assertEquals(members.get((shift + 63) % 64), rotation.get(63));
    }
  }

  @Test
  void aRotationIsAnImmutableList() {
    Answer answer = positive("10.0.0.1", "10.0.0.2", "2001:db8::1");
    List<InetAddress> rotation = answer.rotations.get(1);
    assertEquals(ips("10.0.0.2", "10.0.0.1", "2001:db8::1"), rotation);
    assertEquals(ips("10.0.0.2", "10.0.0.1", "2001:db8::1").hashCode(), rotation.hashCode());
    assertEquals(ips("10.0.0.2", "10.0.0.1", "2001:db8::1").toString(), rotation.toString());
    assertThrows(UnsupportedOperationException.class, () -> rotation.add(ip("10.0.0.3")));
    assertThrows(UnsupportedOperationException.class, () -> rotation.set(0, ip("10.0.0.3")));
    assertThrows(IndexOutOfBoundsException.class, () -> rotation.get(3));
  }

  @Test
  void pickServesEveryRotationAndNothingElse() {
    Answer answer = positive("10.0.0.1", "10.0.0.2", "10.0.0.3");
    Set<List<InetAddress>> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      List<InetAddress> picked = answer.pick();
      assertTrue(answer.rotations.stream().anyMatch(r -> r == picked), picked.toString());
      seen.add(picked);
    }
    // Each rotation has a chance of 1/3 per pick: missing one in 1,000 picks is (2/3)^1000.
    assertEquals(Set.copyOf(answer.rotations), seen);
  }

  @Test
  void pickFollowsHowOftenDnsNamesEachMember() {
    // A weighted record, one record set per query: A in four answers of five.
    Membership membership = Membership.EMPTY;
    for (int i = 0; i < 60; i++) {
      membership = membership.after(ips(i % 5 == 4 ? "10.0.0.2" : "10.0.0.1"));
    }
    Answer answer = Answer.positive(membership, 0, 0, 0);
    assertEquals(Set.of(ip("10.0.0.1"), ip("10.0.0.2")), answer.addressSet);
    int firstA = 0;
    int picks = 10_000;
    for (int i = 0; i < picks; i++) {
      if (answer.pick().get(0).equals(ip("10.0.0.1"))) {
        firstA++;
      }
    }
    // The presence estimates are about 0.8 and 0.2; 10,000 picks land within a few percent.
    double share = firstA / (double) picks;
    assertTrue(share > 0.72 && share < 0.88, "A first in " + share + " of the picks");
  }

  @Test
  void aStaleAnswerKeepsItsAddressesAndDeadlinesAndOnlyMovesTheRetry() {
    // 10.0.0.9 comes and goes: the host rotates, and both are its members.
    Membership membership = Membership.EMPTY.after(ips("10.0.0.9")).after(ips("10.0.0.1"))
        .after(ips("10.0.0.9")).after(ips("10.0.0.1"));
    Answer fresh = Answer.positive(membership, 8, 10, 310);
    IOException why = new IOException("timeout");
    Answer stale = fresh.stale(why, 42);
    assertEquals(Set.of(ip("10.0.0.1"), ip("10.0.0.9")), fresh.addressSet);
    assertEquals(fresh.addresses, stale.addresses);
    assertEquals(42, stale.refreshAt);
    assertEquals(10, stale.expiresAt);
    assertEquals(310, stale.staleUntil);
    assertSame(why, stale.staleCause);
  }

  @Test
  void negativeAndFailedAnswersSayWhyWithTheHost() {
    IOException cause = new IOException("refused");
    assertEquals("h.test: DNS lookup failed: refused",
        Answer.failed("DNS lookup failed: refused", cause, 5, 5).toException("h.test").getMessage());
    assertSame(cause,
        Answer.failed("DNS lookup failed: refused", cause, 5, 5).toException("h.test").getCause());
    Answer negative = Answer.negative(QueryOutcome.NXDOMAIN, "does not exist (NXDOMAIN)", 5);
    assertEquals(QueryOutcome.NXDOMAIN, negative.outcome);
    assertEquals(List.of(), negative.addresses);
  }

  private static Answer positive(String... literals) {
    return Answer.positive(Membership.EMPTY.after(ips(literals)), 0, 0, 0);
  }

  private static InetAddress ip(String literal) {
    return ips(literal).get(0);
  }
}

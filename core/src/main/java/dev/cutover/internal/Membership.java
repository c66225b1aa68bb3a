package dev.cutover.internal;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses a host has, learned from the DNS answers seen for it: tells an address that left
 * the host (a cutover) from one that was merely absent from one answer (a rotating pool, a
 * weighted record answering one record set per query).
 *
 * <p>Each answer is taken as a set. The last {@link #WINDOW} answers decide:
 *
 * <ul>
 *   <li><b>Stable host.</b> Every answer so far held for at least two answers in a row, the
 *       first one excepted (nothing is known before it). A change is a flip: an address missing
 *       from the new answer is removed at once. This is the DNS cutover, the balancer replacing
 *       some of its addresses, a rollback; and, unavoidably, also the first answer of a rotating
 *       or weighted record that differs, which looks exactly like one.
 *   <li><b>Rotating host.</b> An answer held for one answer only between two others (a pool that
 *       answers a different subset per query, a weighted record drawn per query). Absence is then
 *       weak evidence: an address that appeared in a share {@code p} of the answers since it was
 *       first seen is removed once it has been missing from {@code k} answers in a row and {@code
 *       (1 - p)^k} falls below {@link #MISS_CHANCE}; at most after {@link #WINDOW} answers (it
 *       is then out of the history). When the window holds at most two distinct answers (a
 *       weighted blue/green record), at most after {@link #TWO_SET_MAX_MISSES} answers, so that
 *       the end of a weighted shift is followed in bounded time.
 *   <li><b>Failure.</b> An address that failed (see {@link #afterFailure}) while missing from
 *       the latest answer is removed at once: absence and failure together are evidence enough.
 *       So is one that failed while DNS still named it, if the next answer no longer does (the
 *       failure usually comes first: blue fails as DNS moves).
 * </ul>
 *
 * <p>An address is added as soon as an answer contains it. At most {@link #capacity()} addresses
 * are remembered (the resolver's {@code maxAddresses}, {@link #MAX_ADDRESSES} at most); past
 * that, the one seen longest ago is forgotten (and removed).
 *
 * <p>Immutable: each answer, and each failure report that changes something, makes a new one, so
 * that lookups read a host's members without locking.
 */
final class Membership {
  /** How many answers are remembered. */
  static final int WINDOW = 64;
  /** The most distinct addresses a membership can remember; one bit each in a {@code long}. */
  static final int MAX_ADDRESSES = 64;
  /** Below this chance of a member being absent so long by luck, it is taken to be gone. */
  static final double MISS_CHANCE = 1e-3;
  /** The most answers an address of a host alternating between two answers may miss. */
  static final int TWO_SET_MAX_MISSES = 8;

  private static final double LOG_MISS_CHANCE = Math.log(MISS_CHANCE);

  /** A host no answer has been seen for, remembering up to {@link #MAX_ADDRESSES} addresses. */
  static final Membership EMPTY = new Membership(MAX_ADDRESSES);

  /** How many distinct addresses this one remembers at most, 1 to {@link #MAX_ADDRESSES}. */
  private final int capacity;
  /** The address in each slot; a slot's bit stands for it in every set below. */
  private InetAddress[] slots;
  private long occupied;
  private long members;
  /** The latest answer, in the order DNS gave it (slots beyond the capacity left out). */
  private List<InetAddress> latest = List.of();

  /** The history as runs of identical answers, oldest first: the set and how many in a row. */
  private long[] runSets = new long[4];
  private int[] runLengths = new int[4];
  private int runs;
  private int answers;
  /**
   * Set when an answer held for one answer only; cleared only once the whole window is one
   * answer, so that a weighted record's long runs of its majority answer never read as a flip.
   */
  private boolean rotating;
  /** Members that failed while the latest answer still named them; the next answer decides. */
  private long suspects;
  /** What {@link #members()} and {@link #presence()} return; set once the state is final. */
  private List<InetAddress> memberList = List.of();
  private double[] memberPresence = new double[0];

  private Membership(int capacity) {
    this.capacity = capacity;
    this.slots = new InetAddress[Math.min(4, capacity)];
  }

  /**
   * A host no answer has been seen for, remembering up to {@code capacity} distinct addresses.
   *
   * @throws IllegalArgumentException if capacity is not 1 to {@link #MAX_ADDRESSES}
   */
  static Membership empty(int capacity) {
    if (capacity < 1 || capacity > MAX_ADDRESSES) {
      throw new IllegalArgumentException("capacity: expected 1 to " + MAX_ADDRESSES + ", got "
          + capacity);
    }
    return capacity == MAX_ADDRESSES ? EMPTY : new Membership(capacity);
  }

  /** How many distinct addresses are remembered at most. */
  int capacity() {
    return capacity;
  }

  private Membership copy() {
    Membership next = new Membership(capacity);
    next.slots = slots.clone();
    next.occupied = occupied;
    next.members = members;
    next.latest = latest;
    next.runSets = runSets.clone();
    next.runLengths = runLengths.clone();
    next.runs = runs;
    next.answers = answers;
    next.rotating = rotating;
    next.suspects = suspects;
    next.memberList = memberList;
    next.memberPresence = memberPresence;
    return next;
  }

  /**
   * The membership after a new answer. The answer must not be empty: NXDOMAIN and empty answers
   * are not observed (they say nothing of which addresses remain).
   */
  Membership after(List<InetAddress> answer) {
    Membership next = copy();
    next.observe(answer);
    next.publish();
    return next;
  }

  /**
   * The membership after an attempt to reach this address failed (refused, reset, 503): without
   * it if it is missing from the latest answer; with it marked, so that the next answer removes
   * it at once if it no longer names it, if the latest answer still does; this same instance if
   * it is not a member or already marked.
   */
  Membership afterFailure(InetAddress address) {
    int slot = slotOf(address);
    if (slot < 0 || (members & bit(slot)) == 0 || runs == 0 || (suspects & bit(slot)) != 0) {
      return this;
    }
    Membership next = copy();
    if ((runSets[runs - 1] & bit(slot)) != 0) {
      next.suspects |= bit(slot); // DNS still names it: the next answer decides
      return next;
    }
    next.members &= ~bit(slot);
    next.release();
    next.publish();
    return next;
  }

  private void observe(List<InetAddress> answer) {
    long set = 0;
    List<InetAddress> kept = new ArrayList<>(Math.min(answer.size(), capacity));
    for (InetAddress address : answer) {
      int slot = slotOf(address);
      if (slot < 0) {
        slot = allocate(address, set);
        if (slot < 0) {
          continue; // more distinct addresses in one answer than can be remembered
        }
      }
      if ((set & bit(slot)) == 0) {
        set |= bit(slot);
        kept.add(address);
      }
    }
    latest = List.copyOf(kept);
    boolean wasRotating = isRotating();
    boolean flip = false;
    if (runs > 0 && runSets[runs - 1] == set) {
      runLengths[runs - 1]++;
    } else {
      if (runs > 1 && runLengths[runs - 1] == 1) {
        rotating = true; // the previous answer held for one answer only, between two others
      } else {
        flip = runs > 0;
      }
      push(set);
    }
    answers++;
    trim();
    if (rotating && runs == 1 && runLengths[0] >= WINDOW) {
      rotating = false; // the whole window is one answer: settled
    }
    members |= set;
    // Failed while still named, and no longer named: gone, whatever the host's pattern.
    members &= ~(suspects & ~set);
    suspects = 0;
    if (!isRotating()) {
      if (flip || wasRotating) {
        members = set;
      }
    } else {
      long absent = members & ~set;
      while (absent != 0) {
        int slot = Long.numberOfTrailingZeros(absent);
        absent &= absent - 1;
        if (clearlyGone(slot)) {
          members &= ~bit(slot);
        }
      }
    }
    release();
  }

  /** The latest answer's addresses, in the order DNS gave them (beyond the capacity, left out). */
  List<InetAddress> latest() {
    return latest;
  }

  /**
   * The members: the latest answer's addresses in the order DNS gave them, then the others, most
   * recently seen first. Immutable.
   */
  List<InetAddress> members() {
    return memberList;
  }

  /**
   * How often each member appeared, in the order of {@link #members()}: the expected share of
   * answers that contain it, from its record since it was first seen. Members of a stable host
   * all weigh the same. The caller must not modify the array.
   */
  double[] presence() {
    return memberPresence;
  }

  private void publish() {
    memberList = listMembers();
    memberPresence = new double[memberList.size()];
    for (int i = 0; i < memberPresence.length; i++) {
      memberPresence[i] = Stats.of(this, slotOf(memberList.get(i))).share();
    }
  }

  private List<InetAddress> listMembers() {
    List<InetAddress> result = new ArrayList<>(Long.bitCount(members));
    long pending = members;
    for (InetAddress address : latest) {
      result.add(address);
      pending &= ~bit(slotOf(address));
    }
    if (pending != 0) {
      // The newest runs first, so retained members come most recently seen first.
      for (int r = runs - 1; r >= 0 && pending != 0; r--) {
        long inRun = runSets[r] & pending;
        while (inRun != 0) {
          int slot = Long.numberOfTrailingZeros(inRun);
          inRun &= inRun - 1;
          result.add(slots[slot]);
        }
        pending &= ~runSets[r];
      }
    }
    return List.copyOf(result);
  }

  /**
   * True from an answer that held for one answer only until {@link #WINDOW} identical answers
   * in a row.
   */
  boolean isRotating() {
    return rotating;
  }

  private boolean clearlyGone(int slot) {
    Stats stats = Stats.of(this, slot);
    if (stats.appearances == 0) {
      return true; // not seen within the window at all
    }
    int cap = atMostTwoDistinctAnswers() ? TWO_SET_MAX_MISSES : WINDOW;
    return stats.misses >= cap || stats.logChanceOfMissing(stats.misses) < LOG_MISS_CHANCE;
  }

  private boolean atMostTwoDistinctAnswers() {
    long first = runSets[0];
    long second = first;
    for (int r = 1; r < runs; r++) {
      long set = runSets[r];
      if (set == first || set == second) {
        continue;
      }
      if (second != first) {
        return false;
      }
      second = set;
    }
    return true;
  }

  /** One address's record within the window. */
  private record Stats(int appearances, int misses, int sinceFirst) {
    static Stats of(Membership m, int slot) {
      long bit = bit(slot);
      int appearances = 0;
      int misses = 0;
      int sinceFirst = 0;
      int offset = 0;
      boolean seen = false;
      for (int r = m.runs - 1; r >= 0; r--) {
        int length = m.runLengths[r];
        offset += length;
        if ((m.runSets[r] & bit) != 0) {
          seen = true;
          appearances += length;
          sinceFirst = offset;
        } else if (!seen) {
          misses += length;
        }
      }
      return new Stats(appearances, misses, sinceFirst);
    }

    /** Answers after the first appearance, up to the last, that contained the address. */
    private int hits() {
      return appearances - 1;
    }

    /** Answers after the first appearance, up to the last, that did not. */
    private int gaps() {
      return sinceFirst - misses - appearances;
    }

    /**
     * The log of the chance that a member with this record would be missing from {@code k}
     * answers in a row by luck alone: the share of answers it is in is not known, only
     * estimated from its hits and gaps, so the chance is averaged over every share those make
     * plausible (a Beta(1 + hits, 1 + gaps) belief, from no prior knowledge). A short record
     * thus never makes a brief absence look conclusive, and a long one sharpens it.
     */
    double logChanceOfMissing(int k) {
      double hits = hits();
      double gaps = gaps();
      double log = 0;
      for (int i = 0; i < k; i++) {
        log += Math.log((1 + gaps + i) / (2 + hits + gaps + i));
      }
      return log;
    }

    /** The expected share of answers that contain the address, by the same belief. */
    double share() {
      return (1.0 + hits()) / (2.0 + hits() + gaps());
    }
  }

  private int slotOf(InetAddress address) {
    long remaining = occupied;
    while (remaining != 0) {
      int slot = Long.numberOfTrailingZeros(remaining);
      remaining &= remaining - 1;
      if (slots[slot].equals(address)) {
        return slot;
      }
    }
    return -1;
  }

  /** A free slot, or the one seen longest ago that is not in {@code taken}; -1 if none. */
  private int allocate(InetAddress address, long taken) {
    int slot;
    if (Long.bitCount(occupied) < capacity) {
      // Slots are only ever taken below the capacity, so the lowest free one is below it too.
      slot = Long.numberOfTrailingZeros(~occupied);
      if (slot >= slots.length) {
        slots = java.util.Arrays.copyOf(slots, Math.min(slots.length * 2, capacity));
      }
    } else {
      // Walk back from the newest answer, dropping every slot seen there: what is left last is
      // what was seen longest ago.
      long candidates = occupied & ~taken;
      for (int r = runs - 1; r >= 0; r--) {
        long older = candidates & ~runSets[r];
        if (older == 0) {
          break;
        }
        candidates = older;
      }
      if (candidates == 0) {
        return -1;
      }
      slot = Long.numberOfTrailingZeros(candidates);
      forget(slot);
    }
    slots[slot] = address;
    occupied |= bit(slot);
    return slot;
  }

  /** Drops a slot from every record, removing its address from the members. */
  private void forget(int slot) {
    long mask = ~bit(slot);
    for (int r = 0; r < runs; r++) {
      runSets[r] &= mask;
    }
    members &= mask;
    occupied &= mask;
    slots[slot] = null;
  }

  /** Frees the slots of addresses that are neither members nor within the window. */
  private void release() {
    long inWindow = 0;
    for (int r = 0; r < runs; r++) {
      inWindow |= runSets[r];
    }
    long unused = occupied & ~members & ~inWindow;
    while (unused != 0) {
      int slot = Long.numberOfTrailingZeros(unused);
      unused &= unused - 1;
      forget(slot);
    }
  }

  private void push(long set) {
    if (runs == runSets.length) {
      int grown = Math.min(runs * 2, WINDOW + 1);
      runSets = java.util.Arrays.copyOf(runSets, grown);
      runLengths = java.util.Arrays.copyOf(runLengths, grown);
    }
    runSets[runs] = set;
    runLengths[runs] = 1;
    runs++;
  }

  /** Drops the oldest answers beyond the window. */
  private void trim() {
    while (answers > WINDOW) {
      int excess = answers - WINDOW;
      if (runLengths[0] > excess) {
        runLengths[0] -= excess;
        answers -= excess;
      } else {
        answers -= runLengths[0];
        System.arraycopy(runSets, 1, runSets, 0, runs - 1);
        System.arraycopy(runLengths, 1, runLengths, 0, runs - 1);
        runs--;
      }
    }
  }

  private static long bit(int slot) {
    return 1L << slot;
  }
}

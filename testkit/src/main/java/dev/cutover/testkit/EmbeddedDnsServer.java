package dev.cutover.testkit;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An in-process authoritative DNS server for tests.
 *
 * <p>It serves UDP and TCP on the same port of a loopback address, answers only from the records
 * that the test gave it, and can be told to misbehave (fail, refuse, drop, truncate, answer slowly)
 * so that client code can be tested against the failures that real resolvers show. Every method is
 * thread-safe and records can be changed while queries are being answered; a query sees either the
 * state before a change or the state after it, never a mix.
 *
 * <p>Typical use:
 *
 * <pre>{@code
 * try (EmbeddedDnsServer dns = EmbeddedDnsServer.start()) {
 *   dns.setAddresses("api.example.test", Duration.ofSeconds(30), "10.0.0.1", "2001:db8::1");
 *   // point the resolver under test at dns.address()
 * }
 * }</pre>
 *
 * <p>Names are case-insensitive and may be written with or without a trailing dot; they are always
 * taken as absolute (relative to the root).
 */
public final class EmbeddedDnsServer implements DnsServer {

  /** What the server does with a query, for all names or for one name. */
  public enum Behavior {
    /** Answer normally from the records. */
    ANSWER,
    /** Answer with rcode SERVFAIL and no records. */
    SERVFAIL,
    /** Answer with rcode REFUSED and no records. */
    REFUSED,
    /** Answer with rcode NXDOMAIN (and a SOA record) even if the name has records. */
    NXDOMAIN,
    /** Read the query but never answer it, as a server that lost it would. */
    DROP,
    /**
     * Over UDP answer with the TC flag set and an empty answer section, so that the client must
     * retry over TCP; over TCP answer normally.
     */
    TRUNCATE
  }

  private static final String THREAD_PREFIX = "cutover-embedded-dns-";
  private static final int BIND_ATTEMPTS = 10;
  private static final int MAX_CNAME_HOPS = 8;
  private static final int PLAIN_DNS_UDP_SIZE = 512;
  private static final int SERVER_EDNS_PAYLOAD = 1232;
  private static final long MAX_TTL_SECONDS = Integer.MAX_VALUE;
  private static final long NEGATIVE_TTL_SECONDS = 1;
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

  private final DatagramSocket udpSocket;
  private final ServerSocket tcpSocket;
  private final InetSocketAddress address;
  private final ScheduledExecutorService responder;
  private final Thread udpThread;
  private final Thread acceptThread;
  private final Set<Socket> tcpConnections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> tcpThreads = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tcpThreadNumber = new AtomicInteger();
  private final AtomicInteger responderNumber = new AtomicInteger();

  private final Object writeLock = new Object();
  // Copy-on-write so that one query reads one consistent snapshot of a whole CNAME chain.
  private volatile Map<Name, Entry> records = Map.of();
  private volatile Behavior globalBehavior = Behavior.ANSWER;
  private final Map<Name, Behavior> nameBehaviors = new ConcurrentHashMap<>();
  private final Map<QuestionKey, Behavior> typeBehaviors = new ConcurrentHashMap<>();
  private volatile Duration delay = Duration.ZERO;
  private volatile boolean down;

  // Answers held back while hold() is in force, in arrival order; guarded by heldLock.
  private final Object heldLock = new Object();
  private boolean holding;
  private final List<Runnable> held = new ArrayList<>();

  private final AtomicInteger queryCount = new AtomicInteger();
  private final AtomicInteger tcpQueryCount = new AtomicInteger();
  private final Map<QuestionKey, AtomicInteger> questionCounts = new ConcurrentHashMap<>();

  private volatile boolean closed;

  private EmbeddedDnsServer(DatagramSocket udpSocket, ServerSocket tcpSocket) {
    this.udpSocket = udpSocket;
    this.tcpSocket = tcpSocket;
    this.address = new InetSocketAddress(udpSocket.getLocalAddress(), udpSocket.getLocalPort());
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            2,
            runnable -> {
              Thread thread = new Thread(runnable);
              thread.setName(THREAD_PREFIX + "responder-" + responderNumber.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    // Delayed answers still queued at close() would otherwise keep their threads alive.
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    executor.setRemoveOnCancelPolicy(true);
    this.responder = executor;
    this.udpThread = newThread("udp", this::udpLoop);
    this.acceptThread = newThread("tcp-accept", this::acceptLoop);
  }

  /**
   * Starts a server on a free port of {@code 127.0.0.1}.
   *
   * @return the running server; close it when done
   * @throws IOException if no port could be bound for both UDP and TCP
   */
  public static EmbeddedDnsServer start() throws IOException {
    // Not InetAddress.getLoopbackAddress(): that may be ::1 where IPv6 is preferred.
    return start(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
  }

  /**
   * Starts a server on a free port of the given address, the same port for UDP and TCP.
   *
   * @param bindAddress the local address to listen on, normally a loopback address
   * @return the running server; close it when done
   * @throws IOException if no port could be bound for both UDP and TCP
   * @throws IllegalArgumentException if {@code bindAddress} is null
   */
  public static EmbeddedDnsServer start(InetAddress bindAddress) throws IOException {
    if (bindAddress == null) {
      throw new IllegalArgumentException("bindAddress must not be null");
    }
    IOException last = null;
    for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      DatagramSocket udp = new DatagramSocket(new InetSocketAddress(bindAddress, 0));
      ServerSocket tcp;
      try {
        tcp = new ServerSocket();
      } catch (IOException | RuntimeException e) {
        udp.close();
        throw e;
      }
      try {
        // The kernel picks a free UDP port; the same number may be taken for TCP, so retry then.
        tcp.setReuseAddress(true);
        tcp.bind(new InetSocketAddress(bindAddress, udp.getLocalPort()), 50);
      } catch (BindException e) {
        last = e;
        tcp.close();
        udp.close();
        continue;
      } catch (IOException | RuntimeException e) {
        tcp.close();
        udp.close();
        throw e;
      }
      EmbeddedDnsServer server = new EmbeddedDnsServer(udp, tcp);
      server.udpThread.start();
      server.acceptThread.start();
      return server;
    }
    throw new IOException(
        "could not bind UDP and TCP to one port on " + bindAddress.getHostAddress(), last);
  }

  /**
   * Returns the address and port that the server listens on, for both UDP and TCP.
   *
   * @return the server's socket address
   */
  @Override
  public InetSocketAddress address() {
    return address;
  }

  /**
   * Replaces the A and AAAA records of a name. Any CNAME at the name is removed.
   *
   * @param name the owner name, case-insensitive, trailing dot optional
   * @param ttl the TTL of every record, whole seconds (fractions are dropped), from 0 to
   *     2<sup>31</sup>-1 seconds
   * @param ipLiterals IPv4 and IPv6 address literals, in any mix, answered in this order (repeats
   *     count once); none makes the name exist with no address records, so that A and AAAA queries
   *     get NODATA
   * @return this server
   * @throws IllegalArgumentException if the name, the TTL or a literal is invalid
   */
  @Override
  public EmbeddedDnsServer setAddresses(String name, Duration ttl, String... ipLiterals) {
    Name owner = parseName("name", name);
    long ttlSeconds = ttlSeconds(ttl);
    if (ipLiterals == null) {
      throw new IllegalArgumentException("ipLiterals must not be null");
    }
    List<Record> v4 = new ArrayList<>();
    List<Record> v6 = new ArrayList<>();
    for (String literal : ipLiterals) {
      byte[] bytes = parseIpv4(literal);
      List<Record> target = bytes != null ? v4 : v6;
      Record record =
          bytes != null
              ? new ARecord(owner, DClass.IN, ttlSeconds, bytes)
              : new AAAARecord(owner, DClass.IN, ttlSeconds, parseIpv6(literal));
      // An RRset is a set: a literal given twice, in any spelling, is one record.
      if (!target.contains(record)) {
        target.add(record);
      }
    }
    put(owner, new Entry(List.copyOf(v4), List.copyOf(v6), null));
    return this;
  }

  /**
   * Makes a CNAME the only record of a name.
   *
   * @param name the alias, case-insensitive, trailing dot optional
   * @param ttl the CNAME's TTL, whole seconds (fractions are dropped), from 0 to 2<sup>31</sup>-1
   *     seconds
   * @param target the canonical name that the alias points to, absolute; it need not exist here
   * @return this server
   * @throws IllegalArgumentException if the name, the TTL or the target is invalid
   */
  @Override
  public EmbeddedDnsServer setCname(String name, Duration ttl, String target) {
    Name owner = parseName("name", name);
    long ttlSeconds = ttlSeconds(ttl);
    Name targetName = parseName("target", target);
    CNAMERecord cname = new CNAMERecord(owner, DClass.IN, ttlSeconds, targetName);
    put(owner, new Entry(List.of(), List.of(), cname));
    return this;
  }

  /**
   * Removes every record of a name, so that queries for it get NXDOMAIN. Removing a name that does
   * not exist does nothing. A behavior set for the name stays.
   *
   * @param name the name, case-insensitive, trailing dot optional
   * @return this server
   * @throws IllegalArgumentException if the name is invalid
   */
  @Override
  public EmbeddedDnsServer remove(String name) {
    Name owner = parseName("name", name);
    synchronized (writeLock) {
      if (records.containsKey(owner)) {
        Map<Name, Entry> copy = new HashMap<>(records);
        copy.remove(owner);
        records = Collections.unmodifiableMap(copy);
      }
    }
    return this;
  }

  /**
   * Starts an outage: every query is read and counted but never answered, whatever the behaviors,
   * as with a server that is down or cut off; clients time out. Records and behaviors are kept.
   * Calling it during an outage does nothing.
   */
  @Override
  public void down() {
    down = true;
  }

  /** Ends an outage: queries are answered again as before it. Does nothing if there is none. */
  @Override
  public void up() {
    down = false;
  }

  /**
   * Sets what the server does with queries for names that have no behavior of their own (see
   * {@link #behavior(String, Behavior)}). The initial behavior is {@link Behavior#ANSWER}.
   *
   * @param behavior the behavior for all names
   * @return this server
   * @throws IllegalArgumentException if {@code behavior} is null
   */
  public EmbeddedDnsServer behavior(Behavior behavior) {
    if (behavior == null) {
      throw new IllegalArgumentException("behavior must not be null");
    }
    globalBehavior = behavior;
    return this;
  }

  /**
   * Sets what the server does with queries whose question is this name. It wins over the global
   * behavior whatever either is, so {@code behavior(name, Behavior.ANSWER)} keeps one name working
   * while all others fail. It stays until {@link #clearBehavior(String)}; {@link #remove(String)}
   * does not clear it. Only the question name counts, not the names of a CNAME chain.
   *
   * @param name the question name, case-insensitive, trailing dot optional
   * @param behavior the behavior for that name
   * @return this server
   * @throws IllegalArgumentException if the name is invalid or {@code behavior} is null
   */
  public EmbeddedDnsServer behavior(String name, Behavior behavior) {
    Name owner = parseName("name", name);
    if (behavior == null) {
      throw new IllegalArgumentException("behavior must not be null");
    }
    nameBehaviors.put(owner, behavior);
    return this;
  }

  /**
   * Removes a name's own behavior, so that the global behavior applies to it again.
   *
   * @param name the question name, case-insensitive, trailing dot optional
   * @return this server
   * @throws IllegalArgumentException if the name is invalid
   */
  public EmbeddedDnsServer clearBehavior(String name) {
    nameBehaviors.remove(parseName("name", name));
    return this;
  }

  /**
   * Sets what the server does with queries for one name and one record type, for example SERVFAIL
   * for AAAA while A is answered, as some middleboxes do. It wins over the name's own behavior and
   * the global one, and stays until {@link #clearBehavior(String, String)}.
   *
   * @param name the question name, case-insensitive, trailing dot optional
   * @param type a record type mnemonic such as {@code "A"} or {@code "AAAA"}, case-insensitive
   * @param behavior the behavior for that name and type
   * @return this server
   * @throws IllegalArgumentException if the name or type is invalid or {@code behavior} is null
   */
  public EmbeddedDnsServer behavior(String name, String type, Behavior behavior) {
    QuestionKey key = new QuestionKey(parseName("name", name), parseType(type));
    if (behavior == null) {
      throw new IllegalArgumentException("behavior must not be null");
    }
    typeBehaviors.put(key, behavior);
    return this;
  }

  /**
   * Removes a behavior set for one name and record type; the name's own or the global behavior
   * applies to it again.
   *
   * @param name the question name, case-insensitive, trailing dot optional
   * @param type a record type mnemonic such as {@code "AAAA"}, case-insensitive
   * @return this server
   * @throws IllegalArgumentException if the name or type is invalid
   */
  public EmbeddedDnsServer clearBehavior(String name, String type) {
    typeBehaviors.remove(new QuestionKey(parseName("name", name), parseType(type)));
    return this;
  }

  /**
   * Holds every answer from now on: queries are received, counted and answered as usual, but
   * the answers are not sent until {@link #release()}. A test uses it to keep a client's query in
   * flight for exactly as long as it needs, instead of a delay that a loaded machine may outlast.
   * Queries the server does not answer (see {@link Behavior#DROP}) are not held.
   *
   * @return this server
   */
  public EmbeddedDnsServer hold() {
    synchronized (heldLock) {
      holding = true;
    }
    return this;
  }

  /**
   * Sends every answer held since {@link #hold()}, in the order their queries arrived (each after
   * the {@link #delay(Duration)} in force, if any), and stops holding. Does nothing if the server
   * is not holding.
   *
   * @return this server
   */
  public EmbeddedDnsServer release() {
    List<Runnable> sends;
    synchronized (heldLock) {
      holding = false;
      sends = new ArrayList<>(held);
      held.clear();
    }
    for (Runnable send : sends) {
      send.run();
    }
    return this;
  }

  /**
   * Returns how many answers are held back by {@link #hold()} right now: the number of queries
   * that have arrived since and wait for {@link #release()}.
   *
   * @return the number of held answers
   */
  public int heldCount() {
    synchronized (heldLock) {
      return held.size();
    }
  }

  /**
   * Makes every answer leave this long after its query arrived, as a slow server's would. Slow
   * answers do not hold up other queries. The answer is worked out when the query arrives, so a
   * record change made during the delay is not in it.
   *
   * @param delay how long to wait before answering; {@link Duration#ZERO} answers at once
   * @return this server
   * @throws IllegalArgumentException if {@code delay} is null or negative
   */
  public EmbeddedDnsServer delay(Duration delay) {
    if (delay == null) {
      throw new IllegalArgumentException("delay must not be null");
    }
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    this.delay = delay;
    return this;
  }

  /**
   * Returns how many queries arrived over UDP and TCP since the start or the last {@link
   * #resetQueryCounts()}, dropped ones included. A query retried over TCP counts twice.
   * Unparseable packets are not counted.
   *
   * @return the number of queries received
   */
  public int queryCount() {
    return queryCount.get();
  }

  /**
   * Returns how many queries asked for one name and type, over UDP and TCP.
   *
   * @param name the question name, case-insensitive, trailing dot optional
   * @param type a record type mnemonic such as {@code "A"}, {@code "AAAA"} or {@code "CNAME"},
   *     case-insensitive
   * @return the number of questions received for that name and type
   * @throws IllegalArgumentException if the name or the type is invalid
   */
  public int queryCount(String name, String type) {
    Name owner = parseName("name", name);
    AtomicInteger count = questionCounts.get(new QuestionKey(owner, parseType(type)));
    return count == null ? 0 : count.get();
  }

  /**
   * Returns how many queries arrived over TCP.
   *
   * @return the number of TCP queries received
   */
  public int tcpQueryCount() {
    return tcpQueryCount.get();
  }

  /** Sets every query counter back to zero. */
  public void resetQueryCounts() {
    queryCount.set(0);
    tcpQueryCount.set(0);
    questionCounts.clear();
  }

  /**
   * Stops serving, frees the port and waits for the server's threads to end. Answers still waiting
   * for their delay are not sent. Calling it again does nothing.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    responder.shutdownNow();
    udpSocket.close();
    closeQuietly(tcpSocket);
    for (Socket connection : tcpConnections) {
      closeQuietly(connection);
    }
    boolean interrupted = false;
    List<Thread> threads = new ArrayList<>(tcpThreads);
    threads.add(udpThread);
    threads.add(acceptThread);
    long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
    for (Thread thread : threads) {
      try {
        long left = deadline - System.nanoTime();
        if (left > 0) {
          thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    try {
      responder.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Describes the server by its address, for test failure messages.
   *
   * @return a short description
   */
  @Override
  public String toString() {
    return "EmbeddedDnsServer["
        + address.getAddress().getHostAddress()
        + ":"
        + address.getPort()
        + "]";
  }

  // ---- serving ----

  private Thread newThread(String suffix, Runnable body) {
    Thread thread = new Thread(body, THREAD_PREFIX + suffix);
    thread.setDaemon(true);
    return thread;
  }

  private void udpLoop() {
    byte[] buffer = new byte[65535];
    while (!closed) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        udpSocket.receive(packet);
      } catch (IOException e) {
        if (closed) {
          return;
        }
        // A stray ICMP error or a similar hiccup must not end the loop.
        continue;
      }
      byte[] query = new byte[packet.getLength()];
      System.arraycopy(packet.getData(), packet.getOffset(), query, 0, packet.getLength());
      SocketAddress client = packet.getSocketAddress();
      handle(query, false, wire -> sendUdp(wire, client));
    }
  }

  private void sendUdp(byte[] wire, SocketAddress client) {
    try {
      udpSocket.send(new DatagramPacket(wire, wire.length, client));
    } catch (IOException e) {
      // The client may be gone; a real server would not notice either.
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket connection;
      try {
        connection = tcpSocket.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      tcpConnections.add(connection);
      if (closed) {
        // close() may have run between accept() and add(), and would have missed this socket.
        closeQuietly(connection);
        tcpConnections.remove(connection);
        return;
      }
      Thread[] holder = new Thread[1];
      Thread thread =
          newThread(
              "tcp-" + tcpThreadNumber.incrementAndGet(),
              () -> {
                try {
                  serveTcp(connection);
                } finally {
                  closeQuietly(connection);
                  tcpConnections.remove(connection);
                  tcpThreads.remove(holder[0]);
                }
              });
      holder[0] = thread;
      tcpThreads.add(thread);
      thread.start();
    }
  }

  private void serveTcp(Socket connection) {
    try {
      DataInputStream in = new DataInputStream(connection.getInputStream());
      OutputStream out = connection.getOutputStream();
      while (!closed) {
        int length;
        try {
          length = in.readUnsignedShort();
        } catch (EOFException e) {
          return;
        }
        byte[] query = new byte[length];
        in.readFully(query);
        handle(query, true, wire -> sendTcp(connection, out, wire));
      }
    } catch (IOException e) {
      // The client closed or reset the connection, or close() closed it.
    }
  }

  private static void sendTcp(Socket connection, OutputStream out, byte[] wire) {
    byte[] framed = new byte[wire.length + 2];
    framed[0] = (byte) (wire.length >>> 8);
    framed[1] = (byte) wire.length;
    System.arraycopy(wire, 0, framed, 2, wire.length);
    // Delayed answers come from responder threads, so writes to one connection must not interleave.
    synchronized (out) {
      try {
        out.write(framed);
        out.flush();
      } catch (IOException e) {
        closeQuietly(connection);
      }
    }
  }

  private interface Sender {
    void send(byte[] wire);
  }

  private void handle(byte[] wire, boolean tcp, Sender sender) {
    byte[] answer;
    try {
      Message query = new Message(wire);
      if (query.getHeader().getFlag(Flags.QR)) {
        return;
      }
      answer = answer(query, tcp);
    } catch (IOException | RuntimeException e) {
      // Malformed packets are dropped, as real servers do with what they cannot parse.
      return;
    }
    if (answer == null) {
      return;
    }
    synchronized (heldLock) {
      if (holding) {
        held.add(() -> send(answer, sender));
        return;
      }
    }
    send(answer, sender);
  }

  private void send(byte[] answer, Sender sender) {
    Duration wait = delay;
    if (wait.isZero()) {
      sender.send(answer);
      return;
    }
    try {
      responder.schedule(() -> sender.send(answer), wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // close() is under way.
    }
  }

  /** Returns the response's wire form, or null when the query must go unanswered. */
  private byte[] answer(Message query, boolean tcp) {
    queryCount.incrementAndGet();
    if (tcp) {
      tcpQueryCount.incrementAndGet();
    }
    Record question = query.getQuestion();
    if (question != null) {
      QuestionKey key = new QuestionKey(question.getName(), question.getType());
      questionCounts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    }

    if (down) {
      return null;
    }
    Message response = new Message(query.getHeader().getID());
    Header header = response.getHeader();
    header.setFlag(Flags.QR);
    header.setOpcode(query.getHeader().getOpcode());
    if (query.getHeader().getFlag(Flags.RD)) {
      header.setFlag(Flags.RD);
    }
    if (question != null) {
      response.addRecord(question, Section.QUESTION);
    }
    OPTRecord queryOpt = query.getOPT();
    if (queryOpt != null) {
      response.addRecord(new OPTRecord(SERVER_EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
    }

    if (query.getHeader().getOpcode() != Opcode.QUERY) {
      header.setRcode(Rcode.NOTIMP);
    } else if (question == null) {
      header.setRcode(Rcode.FORMERR);
    } else if (question.getDClass() != DClass.IN) {
      header.setRcode(Rcode.REFUSED);
    } else {
      Behavior behavior =
          typeBehaviors.get(new QuestionKey(question.getName(), question.getType()));
      if (behavior == null) {
        behavior = nameBehaviors.getOrDefault(question.getName(), globalBehavior);
      }
      switch (behavior) {
        case DROP:
          return null;
        case SERVFAIL:
          header.setRcode(Rcode.SERVFAIL);
          break;
        case REFUSED:
          header.setRcode(Rcode.REFUSED);
          break;
        case NXDOMAIN:
          header.setFlag(Flags.AA);
          header.setRcode(Rcode.NXDOMAIN);
          response.addRecord(soaFor(question.getName()), Section.AUTHORITY);
          break;
        case TRUNCATE:
          if (!tcp) {
            header.setFlag(Flags.AA);
            header.setFlag(Flags.TC);
            break;
          }
          resolve(question, response);
          break;
        case ANSWER:
        default:
          resolve(question, response);
          break;
      }
    }

    if (tcp) {
      return response.toWire(Message.MAXLENGTH);
    }
    int limit = PLAIN_DNS_UDP_SIZE;
    if (queryOpt != null) {
      limit = Math.min(Message.MAXLENGTH, Math.max(PLAIN_DNS_UDP_SIZE, queryOpt.getPayloadSize()));
    }
    return response.toWire(limit);
  }

  private void resolve(Record question, Message response) {
    Header header = response.getHeader();
    header.setFlag(Flags.AA);
    Map<Name, Entry> snapshot = records;
    int qtype = question.getType();
    Name current = question.getName();
    Set<Name> visited = new HashSet<>();
    int hops = 0;
    while (true) {
      Entry entry = snapshot.get(current);
      if (entry == null) {
        if (hops == 0) {
          header.setRcode(Rcode.NXDOMAIN);
          response.addRecord(soaFor(current), Section.AUTHORITY);
        }
        // A chain leaving this server's data ends with its CNAMEs; the client goes on elsewhere.
        return;
      }
      if (entry.cname != null) {
        response.addRecord(entry.cname, Section.ANSWER);
        if (qtype == Type.CNAME && hops == 0) {
          return;
        }
        visited.add(current);
        hops++;
        Name next = entry.cname.getTarget();
        if (hops >= MAX_CNAME_HOPS || visited.contains(next)) {
          return;
        }
        current = next;
        continue;
      }
      List<Record> matching = drawnOrAll(entry, qtype);
      if (matching.isEmpty()) {
        response.addRecord(soaFor(current), Section.AUTHORITY);
      } else {
        for (Record record : matching) {
          response.addRecord(record, Section.ANSWER);
        }
      }
      return;
    }
  }

  /** A made-up SOA for negative answers; its 1 s minimum keeps negative caching short. */
  private static SOARecord soaFor(Name name) {
    Name zone = name.labels() > 1 ? new Name(name, 1) : Name.root;
    Name host;
    Name admin;
    try {
      host = Name.concatenate(Name.fromConstantString("ns"), zone);
      admin = Name.concatenate(Name.fromConstantString("hostmaster"), zone);
    } catch (NameTooLongException e) {
      host = zone;
      admin = zone;
    }
    return new SOARecord(
        zone,
        DClass.IN,
        NEGATIVE_TTL_SECONDS,
        host,
        admin,
        1,
        3600,
        600,
        86400,
        NEGATIVE_TTL_SECONDS);
  }

  // ---- answers drawn per query: setRotating, setWeighted ----

  // A name's draw, keyed by the very Entry it was published with: a query that read an entry
  // finds its draw, and a record change (a new Entry) ends the draw with no second write to race.
  // Weak keys, since Entry keeps identity equality: a replaced entry takes its draw with it.
  private final Map<Entry, Draw> draws = Collections.synchronizedMap(new WeakHashMap<>());
  private final Object randomLock = new Object();
  private Random random = new Random(); // guarded by randomLock

  /**
   * Makes a name answer {@code perAnswer} addresses of a pool per query, drawn at random, as a
   * large pool does (S3 answers one address of many per query): every answer may differ although
   * no address left. Each family is drawn on its own: an A query gets {@code perAnswer} of the
   * IPv4 addresses (all of them if there are fewer), an AAAA query likewise. A later {@link
   * #setAddresses}, {@link #setCname} or {@link #remove} for the name ends it. The draws follow
   * {@link #seed(long)}.
   *
   * @param name the owner name, case-insensitive, trailing dot optional
   * @param ttl the TTL of every record, whole seconds (fractions are dropped), from 0 to
   *     2<sup>31</sup>-1 seconds
   * @param perAnswer how many addresses of a family each answer holds, from 1 to the number of
   *     distinct addresses given
   * @param ipLiterals the pool: IPv4 and IPv6 address literals, in any mix, one or more (repeats
   *     count once)
   * @return this server
   * @throws IllegalArgumentException if the name, the TTL, {@code perAnswer} or a literal is
   *     invalid, or no literal is given
   */
  @Override
  public EmbeddedDnsServer setRotating(String name, Duration ttl, int perAnswer,
      String... ipLiterals) {
    Name owner = parseName("name", name);
    long ttlSeconds = ttlSeconds(ttl);
    if (ipLiterals == null || ipLiterals.length == 0) {
      throw new IllegalArgumentException("ipLiterals must be one or more address literals, got "
          + (ipLiterals == null ? null : List.of()));
    }
    Entry pool = entryOf(owner, ttlSeconds, List.of(ipLiterals));
    int size = pool.a.size() + pool.aaaa.size();
    if (perAnswer < 1 || perAnswer > size) {
      throw new IllegalArgumentException("perAnswer must be 1 to " + size + " (the distinct"
          + " addresses given), got " + perAnswer);
    }
    // The draw's own copy: a weak map's value must not hold its key.
    draws.put(pool, new Draw(List.of(new Entry(pool.a, pool.aaaa, null)), new double[] {1},
        perAnswer));
    put(owner, pool);
    return this;
  }

  /**
   * Makes a name answer one record set per query, drawn by weight, as a weighted record does
   * (Route 53 weighted routing): during a blue-green shift of 90/10, one query in ten is answered
   * green. A query gets the drawn set's records of the type it asks for (NODATA if the set has
   * none). A later {@link #setAddresses}, {@link #setCname} or {@link #remove} for the name ends
   * it. The draws follow {@link #seed(long)} and the map's iteration order.
   *
   * @param name the owner name, case-insensitive, trailing dot optional
   * @param ttl the TTL of every record, whole seconds (fractions are dropped), from 0 to
   *     2<sup>31</sup>-1 seconds
   * @param weights each record set (IPv4 and IPv6 address literals, one or more) and its weight:
   *     relative, finite, zero or more, not all zero; a set of weight zero is never answered
   * @return this server
   * @throws IllegalArgumentException if the name, the TTL, a set, a weight or a literal is
   *     invalid, or the map is null or empty
   */
  @Override
  public EmbeddedDnsServer setWeighted(String name, Duration ttl,
      Map<List<String>, Double> weights) {
    Name owner = parseName("name", name);
    long ttlSeconds = ttlSeconds(ttl);
    if (weights == null || weights.isEmpty()) {
      throw new IllegalArgumentException("weights must hold one or more record sets, got "
          + weights);
    }
    List<Entry> sets = new ArrayList<>();
    double[] cumulative = new double[weights.size()];
    double sum = 0;
    List<String> all = new ArrayList<>();
    for (Map.Entry<List<String>, Double> weighted : weights.entrySet()) {
      List<String> set = weighted.getKey();
      Double weight = weighted.getValue();
      if (set == null || set.isEmpty() || weight == null || !(weight >= 0)
          || weight.isInfinite()) {
        throw new IllegalArgumentException("each record set must hold one or more address"
            + " literals and weigh a finite amount, zero or more; got " + set + " weighing "
            + weight);
      }
      sets.add(entryOf(owner, ttlSeconds, set));
      all.addAll(set);
      sum += weight;
      cumulative[sets.size() - 1] = sum;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("weights must not all be zero, got " + weights);
    }
    Entry union = entryOf(owner, ttlSeconds, all);
    draws.put(union, new Draw(sets, cumulative, 0));
    put(owner, union);
    return this;
  }

  /**
   * Seeds the draws of {@link #setRotating} and {@link #setWeighted} answers, so that a test sees
   * the same answers for the same queries; until then they are seeded at random. Queries that
   * arrive over UDP and TCP at once draw in the order they are answered.
   *
   * @param seed the seed
   * @return this server
   */
  @Override
  public EmbeddedDnsServer seed(long seed) {
    synchronized (randomLock) {
      random = new Random(seed);
    }
    return this;
  }

  /** The entry's records of a type: drawn, if the entry answers per query; else all of them. */
  private List<Record> drawnOrAll(Entry entry, int type) {
    Draw draw = draws.isEmpty() ? null : draws.get(entry);
    return draw == null ? entry.recordsOf(type) : draw.records(type);
  }

  /** The records of some literals, as {@link #setAddresses} makes them. */
  private static Entry entryOf(Name owner, long ttlSeconds, List<String> ipLiterals) {
    List<Record> v4 = new ArrayList<>();
    List<Record> v6 = new ArrayList<>();
    for (String literal : ipLiterals) {
      byte[] bytes = parseIpv4(literal);
      Record record = bytes != null
          ? new ARecord(owner, DClass.IN, ttlSeconds, bytes)
          : new AAAARecord(owner, DClass.IN, ttlSeconds, parseIpv6(literal));
      List<Record> target = bytes != null ? v4 : v6;
      if (!target.contains(record)) {
        target.add(record);
      }
    }
    return new Entry(List.copyOf(v4), List.copyOf(v6), null);
  }

  /**
   * How one name's answer is drawn per query: one of {@code sets} by weight, then, if {@code
   * perAnswer} is above zero, that many of its records of the type asked at random.
   */
  private final class Draw {
    final List<Entry> sets;
    final double[] cumulative;
    final int perAnswer;

    Draw(List<Entry> sets, double[] cumulative, int perAnswer) {
      this.sets = sets;
      this.cumulative = cumulative;
      this.perAnswer = perAnswer;
    }

    List<Record> records(int type) {
      synchronized (randomLock) {
        double target = random.nextDouble() * cumulative[cumulative.length - 1];
        int chosen = 0;
        while (chosen < cumulative.length - 1 && target >= cumulative[chosen]) {
          chosen++;
        }
        List<Record> all = sets.get(chosen).recordsOf(type);
        if (perAnswer == 0 || all.size() <= perAnswer) {
          return all;
        }
        List<Record> shuffled = new ArrayList<>(all);
        Collections.shuffle(shuffled, random);
        return List.copyOf(shuffled.subList(0, perAnswer));
      }
    }
  }

  // ---- state ----

  private void put(Name owner, Entry entry) {
    synchronized (writeLock) {
      Map<Name, Entry> copy = new HashMap<>(records);
      copy.put(owner, entry);
      records = Collections.unmodifiableMap(copy);
    }
  }

  /** What one name holds: address records, or else a single CNAME. */
  private static final class Entry {
    final List<Record> a;
    final List<Record> aaaa;
    final CNAMERecord cname;

    Entry(List<Record> a, List<Record> aaaa, CNAMERecord cname) {
      this.a = a;
      this.aaaa = aaaa;
      this.cname = cname;
    }

    List<Record> recordsOf(int type) {
      if (type == Type.A) {
        return a;
      }
      if (type == Type.AAAA) {
        return aaaa;
      }
      return List.of();
    }
  }

  private static final class QuestionKey {
    final Name name;
    final int type;

    QuestionKey(Name name, int type) {
      this.name = name;
      this.type = type;
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof QuestionKey)) {
        return false;
      }
      QuestionKey that = (QuestionKey) other;
      return type == that.type && name.equals(that.name);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, type);
    }
  }

  // ---- input checks, shared with Bind9Server ----

  static Name parseName(String what, String text) {
    return parseName(what, text, Name.root);
  }

  /** Parses a name, relative to {@code origin} unless it ends with a dot. */
  static Name parseName(String what, String text, Name origin) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(what + " must not be null or blank: '" + text + "'");
    }
    String trimmed = text.trim();
    // dnsjava takes "a b" as one label holding a space, which is never what a test meant.
    if (trimmed.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(what + " must not contain whitespace: '" + text + "'");
    }
    try {
      return Name.fromString(trimmed, origin);
    } catch (TextParseException e) {
      throw new IllegalArgumentException(
          "invalid DNS " + what + ": '" + text + "' (" + e.getMessage() + ")", e);
    }
  }

  static int parseType(String type) {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("type must not be null or blank: '" + type + "'");
    }
    int typeValue = Type.value(type.trim().toUpperCase(Locale.ROOT));
    if (typeValue < 0) {
      throw new IllegalArgumentException("unknown record type: '" + type + "'");
    }
    return typeValue;
  }

  static long ttlSeconds(Duration ttl) {
    if (ttl == null) {
      throw new IllegalArgumentException("ttl must not be null");
    }
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must not be negative: " + ttl);
    }
    long seconds = ttl.getSeconds();
    if (seconds > MAX_TTL_SECONDS) {
      throw new IllegalArgumentException(
          "ttl must be at most " + MAX_TTL_SECONDS + " seconds: " + ttl);
    }
    return seconds;
  }

  /** Returns the literal's 4 bytes if it is an IPv4 literal, else null. */
  static byte[] parseIpv4(String literal) {
    if (literal == null || literal.isBlank()) {
      throw new IllegalArgumentException("IP literal must not be null or blank: '" + literal + "'");
    }
    return Address.toByteArray(literal.trim(), Address.IPv4);
  }

  /** Returns the literal's 16 bytes; throws if it is no IPv6 literal. */
  static byte[] parseIpv6(String literal) {
    String text = literal.trim();
    byte[] bytes = Address.toByteArray(text, Address.IPv6);
    if (bytes == null) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 literal: '" + literal + "'");
    }
    return bytes;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // Nothing useful to do at teardown.
    }
  }
}

package dev.cutover.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;

/**
 * A real BIND 9 {@code named}, run as a child process, for end-to-end tests.
 *
 * <p>It serves one primary zone on a free port of {@code 127.0.0.1} (UDP and TCP) and takes RFC
 * 2136 dynamic updates from {@code 127.0.0.1}, which is how the record-changing methods here work.
 * Everything it needs lives in a temporary directory: configuration, zone file, journal, log.
 * {@link #stop()} and {@link #restart()} simulate an outage of the DNS server; records changed
 * before the outage are served again after it, since BIND replays its journal.
 *
 * <p>It needs the {@code named} binary ({@link #isInstalled()}, {@link #installHint()}). Its
 * methods are thread-safe; each waits for the previous one, so changes are applied in call order.
 *
 * <p>Names given to the record methods are inside the zone: a name without any dot (such as
 * {@code "api"}), or {@code "@"} for the apex, is relative to the zone; any other name (such as
 * {@code "api.cutover.test"}, trailing dot optional) is absolute and must lie in the zone.
 *
 * <p>A name's addresses are answered in one fixed order, the same for every query: BIND's
 * canonical order, which for addresses of one family is ascending ({@code 10.0.0.2} before {@code
 * 10.0.0.3}). A client such as OkHttp connects to the first address it is given, so a test knows
 * which server a new connection reaches.
 */
public final class Bind9Server implements DnsServer {

  private static final String LOOPBACK = "127.0.0.1";
  private static final Duration START_DEADLINE = Duration.ofSeconds(15);
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(300);
  private static final int LOG_TAIL_LINES = 40;
  private static final int PORT_ATTEMPTS = 20;
  private static final int START_ATTEMPTS = 3;
  private static final String ADDRESS_IN_USE = "address in use";
  private static final List<Path> WELL_KNOWN_LOCATIONS =
      List.of(Paths.get("/usr/sbin/named"), Paths.get("/usr/local/sbin/named"));

  private final Path named;
  private final Path dir;
  private final Path conf;
  private final Path logFile;
  private final Name zone;
  private final InetSocketAddress address;
  // Volatile so the shutdown hook can read it without the lock that a hung stop() may hold.
  private volatile Process process;
  private Thread shutdownHook;
  private long logOffset;
  private boolean closed;

  private Bind9Server(Path named, Path dir, Name zone, int port) {
    this.named = named;
    this.dir = dir;
    this.conf = dir.resolve("named.conf");
    this.logFile = dir.resolve("named.log");
    this.zone = zone;
    this.address = new InetSocketAddress(loopback(), port);
  }

  /**
   * Tells whether a {@code named} binary can be found, on the {@code PATH} or in {@code /usr/sbin}
   * or {@code /usr/local/sbin}.
   *
   * @return true if {@link #start(String)} can run
   */
  public static boolean isInstalled() {
    return findNamed().isPresent();
  }

  /**
   * Tells a test whether it can use BIND 9 here. A developer machine without {@code named} may
   * skip such tests, but CI may not: with the environment variable {@code CI=true}, a missing
   * {@code named} is a fault, reported by an exception rather than by false. Typical use, with
   * JUnit: {@code assumeTrue(Bind9Server.availableForTests(), Bind9Server.installHint())}.
   *
   * @return true if {@code named} is installed; false if not, outside CI
   * @throws IllegalStateException under {@code CI=true} without {@code named}; the message says
   *     how to install it
   */
  public static boolean availableForTests() {
    if (isInstalled()) {
      return true;
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException("CI=true needs BIND 9 for its end-to-end tests: "
          + installHint());
    }
    return false;
  }

  /**
   * Returns a one-line hint on how to install BIND 9, for skip and failure messages.
   *
   * @return the hint
   */
  public static String installHint() {
    return "BIND 9 'named' was not found on the PATH, in /usr/sbin or in /usr/local/sbin;"
        + " install it, e.g. on Debian or Ubuntu: apt-get install -y bind9 bind9-dnsutils";
  }

  /**
   * Starts {@code named} serving one primary zone, and waits until it answers.
   *
   * <p>The zone begins with a SOA record (negative TTL 1 s), an NS record {@code ns.<zone>} and its
   * A record {@code 127.0.0.1}.
   *
   * @param zone the zone's name, such as {@code "cutover.test"}, trailing dot optional
   * @return the running server; close it when done
   * @throws IOException if {@code named} is missing, fails to start or does not answer in 15 s;
   *     the message then ends with the last lines of its log
   * @throws IllegalArgumentException if {@code zone} is not a valid name or is the root
   */
  public static Bind9Server start(String zone) throws IOException {
    return start(zone, 0);
  }

  /** Starts on {@code port}, once, or on a free port with retries when {@code port} is 0. */
  static Bind9Server start(String zone, int port) throws IOException {
    Name zoneName = EmbeddedDnsServer.parseName("zone", zone);
    if (zoneName.equals(Name.root)) {
      throw new IllegalArgumentException("zone must not be the root: '" + zone + "'");
    }
    Path namedBinary = findNamed().orElseThrow(() -> new IOException(installHint()));
    Path dir = Files.createTempDirectory("cutover-bind9-").toAbsolutePath();
    IOException last = null;
    int attempts = port == 0 ? START_ATTEMPTS : 1;
    for (int attempt = 0; attempt < attempts; attempt++) {
      Bind9Server server =
          new Bind9Server(namedBinary, dir, zoneName, port == 0 ? freePort() : port);
      try {
        server.writeFiles();
        server.launch();
        return server;
      } catch (IOException | RuntimeException e) {
        server.stop();
        String log = server.currentRunLog();
        server.removeShutdownHook();
        // The port was free when picked; someone may have taken it before named bound it.
        if (e instanceof IOException && log.contains(ADDRESS_IN_USE)) {
          last = (IOException) e;
          continue;
        }
        deleteRecursively(dir);
        throw e;
      }
    }
    deleteRecursively(dir);
    throw last;
  }

  /**
   * Returns where {@code named} listens, for both UDP and TCP.
   *
   * @return {@code 127.0.0.1} and the port
   */
  @Override
  public InetSocketAddress address() {
    return address;
  }

  /**
   * Returns the zone's name, absolute, without the trailing dot.
   *
   * @return the zone, such as {@code "cutover.test"}
   */
  public String zone() {
    return zone.toString(true);
  }

  /**
   * Returns the directory that holds the configuration, zone file, journal and log. It is deleted
   * by {@link #close()}.
   *
   * @return the server's directory
   */
  public Path directory() {
    return dir;
  }

  /**
   * Tells whether the {@code named} process is running.
   *
   * @return true between a start and a {@link #stop()} or {@link #close()}
   */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The running process, for tests that check it really ends. */
  synchronized Optional<ProcessHandle> processHandle() {
    return process == null ? Optional.empty() : Optional.of(process.toHandle());
  }

  /**
   * Replaces a name's A and AAAA records (and removes a CNAME at it) with one dynamic update.
   * Unlike {@link EmbeddedDnsServer}, with no literals a name left with no records at all does not
   * exist any more in BIND, so it gets NXDOMAIN rather than NODATA.
   *
   * @param name a name in the zone (see the class description)
   * @param ttl the TTL of every record, whole seconds (fractions are dropped), from 0 to
   *     2<sup>31</sup>-1 seconds
   * @param ipLiterals IPv4 and IPv6 address literals, in any mix
   * @return this server
   * @throws IOException if the update is not answered or its rcode is not NOERROR
   * @throws IllegalArgumentException if the name is invalid or outside the zone, or the TTL or a
   *     literal is invalid
   */
  @Override
  public synchronized Bind9Server setAddresses(String name, Duration ttl, String... ipLiterals)
      throws IOException {
    Name owner = nameInZone(name);
    long ttlSeconds = EmbeddedDnsServer.ttlSeconds(ttl);
    if (ipLiterals == null) {
      throw new IllegalArgumentException("ipLiterals must not be null");
    }
    List<Record> records = new ArrayList<>();
    for (String literal : ipLiterals) {
      byte[] v4 = EmbeddedDnsServer.parseIpv4(literal);
      if (v4 != null) {
        records.add(new ARecord(owner, DClass.IN, ttlSeconds, v4));
      } else {
        records.add(
            new AAAARecord(owner, DClass.IN, ttlSeconds, EmbeddedDnsServer.parseIpv6(literal)));
      }
    }
    Update update = new Update(zone);
    update.delete(owner, Type.CNAME);
    update.delete(owner, Type.A);
    update.delete(owner, Type.AAAA);
    for (Record record : records) {
      update.add(record);
    }
    send(update, "set the addresses of " + owner);
    return this;
  }

  /**
   * Makes a CNAME the only record of a name, with one dynamic update.
   *
   * @param name a name in the zone other than the apex (see the class description)
   * @param ttl the CNAME's TTL, whole seconds (fractions are dropped), from 0 to 2<sup>31</sup>-1
   *     seconds
   * @param target the canonical name; without any dot it is relative to the zone, else absolute
   *     and possibly outside the zone
   * @return this server
   * @throws IOException if the update is not answered or its rcode is not NOERROR
   * @throws IllegalArgumentException if the name is invalid, outside the zone or the apex, or the
   *     TTL or the target is invalid
   */
  @Override
  public synchronized Bind9Server setCname(String name, Duration ttl, String target)
      throws IOException {
    Name owner = nameInZone(name);
    if (owner.equals(zone)) {
      throw new IllegalArgumentException("a CNAME cannot be at the zone apex: '" + name + "'");
    }
    long ttlSeconds = EmbeddedDnsServer.ttlSeconds(ttl);
    Name targetName = resolveName("target", target);
    Update update = new Update(zone);
    update.delete(owner);
    update.add(new CNAMERecord(owner, DClass.IN, ttlSeconds, targetName));
    send(update, "set the CNAME of " + owner);
    return this;
  }

  /**
   * Deletes every record of a name with one dynamic update, so that it gets NXDOMAIN. At the apex
   * BIND keeps the SOA and NS records.
   *
   * @param name a name in the zone (see the class description)
   * @return this server
   * @throws IOException if the update is not answered or its rcode is not NOERROR
   * @throws IllegalArgumentException if the name is invalid or outside the zone
   */
  @Override
  public synchronized Bind9Server remove(String name) throws IOException {
    Name owner = nameInZone(name);
    Update update = new Update(zone);
    update.delete(owner);
    send(update, "remove " + owner);
    return this;
  }

  /**
   * Stops {@code named}, as in a DNS outage, and keeps its directory for {@link #restart()}. It
   * asks {@code named} to exit, and kills it if it has not after 10 s. Stopping a stopped server
   * does nothing.
   */
  public synchronized void stop() {
    Process running = process;
    if (running == null) {
      return;
    }
    process = null;
    running.destroy();
    boolean interrupted = false;
    try {
      if (!running.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        running.destroyForcibly();
        running.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts {@code named} again on the same port with the same configuration, stopping it first if
   * it runs, and waits until it answers. Records changed by updates before the stop are kept.
   *
   * @throws IOException if {@code named} fails to start or does not answer in 15 s, the message
   *     then ending with the last lines of its log
   * @throws IllegalStateException if the server was closed
   */
  public synchronized void restart() throws IOException {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    stop();
    try {
      launch();
    } catch (IOException | RuntimeException e) {
      stop();
      throw e;
    }
  }

  /**
   * Starts an outage by stopping {@code named} ({@link #stop()}): its port is closed, so clients
   * get errors or time-outs. Records are kept. Calling it during an outage does nothing.
   */
  @Override
  public void down() {
    stop();
  }

  /**
   * Ends an outage: starts {@code named} again ({@link #restart()}) unless it is running, and
   * waits until it answers, with the records it had.
   *
   * @throws IOException if {@code named} fails to start or does not answer in 15 s
   * @throws IllegalStateException if the server was closed
   */
  @Override
  public synchronized void up() throws IOException {
    if (!isRunning()) {
      restart();
    }
  }

  /**
   * Returns what {@code named} has logged since the first start, for diagnosing test failures.
   *
   * @return the log text, empty if there is none (for example after {@link #close()})
   */
  public String log() {
    try {
      return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Stops {@code named} and deletes its directory. Calling it again does nothing.
   *
   * @throws UncheckedIOException if the directory could not be deleted
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    stop();
    removeShutdownHook();
    try {
      deleteRecursively(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete " + dir, e);
    }
  }

  /**
   * Describes the server by zone and address, for test failure messages.
   *
   * @return a short description
   */
  @Override
  public String toString() {
    return "Bind9Server[" + zone() + " at " + LOOPBACK + ":" + address.getPort() + "]";
  }

  // ---- process ----

  private void launch() throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(named.toString(), "-g", "-c", conf.toString(), "-n", "1", "-4");
    builder.directory(dir.toFile());
    builder.redirectErrorStream(true);
    // A file, not a pipe: nobody reads named's output, and a full pipe would stall it.
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
    Process started = builder.start();
    process = started;
    installShutdownHook();
    awaitAnswer(started);
  }

  private void awaitAnswer(Process started) throws IOException {
    // Both transports: named keeps running with only UDP when another process holds the TCP port.
    SimpleResolver udp = resolver(POLL_TIMEOUT);
    SimpleResolver tcp = resolver(POLL_TIMEOUT);
    tcp.setTCP(true);
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    String lastProblem = "no answer";
    while (System.nanoTime() < deadline) {
      if (!started.isAlive()) {
        throw failure("named exited with status " + started.exitValue() + " before answering");
      }
      try {
        if (answersSoa(udp) && answersSoa(tcp)) {
          return;
        }
        lastProblem = "SOA query answered without the SOA record";
      } catch (IOException e) {
        lastProblem = e.toString();
      }
      if (currentRunLog().contains(ADDRESS_IN_USE)) {
        throw failure("named could not bind port " + address.getPort());
      }
      // Refused connections come back at once; a short pause keeps the loop from spinning.
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for named", e);
      }
    }
    throw failure(
        "named did not answer a SOA query for "
            + zone()
            + " within "
            + START_DEADLINE.toSeconds()
            + " s ("
            + lastProblem
            + ")");
  }

  /** The log written since the last launch; the file holds every run's output. */
  private String currentRunLog() {
    try {
      byte[] all = Files.readAllBytes(logFile);
      int from = (int) Math.min(logOffset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private boolean answersSoa(SimpleResolver resolver) throws IOException {
    Message query = Message.newQuery(Record.newRecord(zone, Type.SOA, DClass.IN));
    Message response = send(resolver, query, POLL_TIMEOUT);
    if (response.getRcode() != Rcode.NOERROR) {
      throw new IOException("SOA query answered " + Rcode.string(response.getRcode()));
    }
    return response.getSection(Section.ANSWER).stream().anyMatch(r -> r.getType() == Type.SOA);
  }

  private IOException failure(String what) {
    return new IOException(
        what + "; last lines of " + logFile + ":" + System.lineSeparator() + logTail());
  }

  private String logTail() {
    String[] lines = log().split("\\R");
    int from = Math.max(0, lines.length - LOG_TAIL_LINES);
    return String.join(System.lineSeparator(), List.of(lines).subList(from, lines.length));
  }

  private void installShutdownHook() {
    if (shutdownHook != null) {
      return;
    }
    // A test JVM that exits without close() must not leave named running and holding its port.
    Thread hook =
        new Thread(
            () -> {
              Process running = process;
              if (running != null) {
                running.destroyForcibly();
              }
            },
            "cutover-bind9-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    shutdownHook = hook;
  }

  private void removeShutdownHook() {
    if (shutdownHook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook will run and find nothing to kill.
    }
    shutdownHook = null;
  }

  // ---- DNS ----

  private SimpleResolver resolver(Duration timeout) {
    SimpleResolver resolver = new SimpleResolver(address);
    resolver.setTimeout(timeout);
    return resolver;
  }

  private void send(Update update, String what) throws IOException {
    Message response = send(resolver(QUERY_TIMEOUT), update, QUERY_TIMEOUT);
    int rcode = response.getRcode();
    if (rcode != Rcode.NOERROR) {
      throw new IOException("named refused to " + what + ": rcode " + Rcode.string(rcode));
    }
  }

  private static Message send(SimpleResolver resolver, Message message, Duration timeout)
      throws IOException {
    try {
      // The resolver enforces its own timeout; the extra second only guards against a lost future.
      return resolver
          .sendAsync(message)
          .toCompletableFuture()
          .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException) {
        throw (IOException) cause;
      }
      throw new IOException(String.valueOf(cause), cause);
    } catch (TimeoutException e) {
      throw new IOException("no answer from named within " + timeout, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while talking to named", e);
    }
  }

  private Name nameInZone(String text) {
    Name name = resolveName("name", text);
    if (!name.subdomain(zone)) {
      throw new IllegalArgumentException(
          "name '" + text + "' is outside the zone " + zone());
    }
    return name;
  }

  private Name resolveName(String what, String text) {
    if (text != null && text.trim().equals("@")) {
      return zone;
    }
    boolean relative = text != null && text.trim().indexOf('.') < 0;
    return EmbeddedDnsServer.parseName(what, text, relative ? zone : Name.root);
  }

  // ---- files ----

  private void writeFiles() throws IOException {
    String d = quoted(dir);
    String zoneText = zone.toString(false);
    Path zoneFile = dir.resolve("zone.db");
    String config =
        String.join(
            "\n",
            "options {",
            "  directory " + d + ";",
            "  listen-on port " + address.getPort() + " { " + LOOPBACK + "; };",
            "  listen-on-v6 { none; };",
            "  recursion no;",
            "  dnssec-validation no;",
            "  notify no;",
            // BIND rotates or shuffles a set of addresses by default; "none" keeps its stored,
            // canonical order, so every client connects to the same (lowest) address first.
            "  rrset-order { order none; };",
            "  pid-file " + quoted(dir.resolve("named.pid")) + ";",
            "  session-keyfile " + quoted(dir.resolve("session.key")) + ";",
            "  managed-keys-directory " + d + ";",
            "  dump-file " + quoted(dir.resolve("cache_dump.db")) + ";",
            "  statistics-file " + quoted(dir.resolve("named.stats")) + ";",
            "};",
            "controls { };",
            "zone \"" + zoneText + "\" {",
            "  type primary;",
            "  file " + quoted(zoneFile) + ";",
            "  journal " + quoted(dir.resolve("zone.db.jnl")) + ";",
            "  allow-update { " + LOOPBACK + "; };",
            "};",
            "");
    // Short refresh and a 1 s negative TTL so that tests never wait on cached "no such name".
    String zoneData =
        String.join(
            "\n",
            "$ORIGIN " + zoneText,
            "$TTL 60",
            "@ IN SOA ns." + zoneText + " hostmaster." + zoneText + " 1 60 10 600 1",
            "@ IN NS ns." + zoneText,
            "ns IN A " + LOOPBACK,
            "");
    Files.writeString(conf, config, StandardCharsets.UTF_8);
    Files.writeString(zoneFile, zoneData, StandardCharsets.UTF_8);
  }

  private static String quoted(Path path) {
    String text = path.toString();
    if (text.indexOf('"') >= 0 || text.indexOf('\\') >= 0) {
      throw new IllegalArgumentException("path unusable in named.conf: " + text);
    }
    return "\"" + text + "\"";
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      List<Path> all = new ArrayList<>();
      paths.sorted(Comparator.reverseOrder()).forEach(all::add);
      for (Path path : all) {
        Files.deleteIfExists(path);
      }
    }
  }

  // ---- environment ----

  private static Optional<Path> findNamed() {
    List<Path> candidates = new ArrayList<>();
    String pathVariable = System.getenv("PATH");
    if (pathVariable != null) {
      for (String entry : pathVariable.split(File.pathSeparator)) {
        if (!entry.isEmpty()) {
          candidates.add(Paths.get(entry, "named"));
        }
      }
    }
    candidates.addAll(WELL_KNOWN_LOCATIONS);
    for (Path candidate : candidates) {
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  private static int freePort() throws IOException {
    InetAddress loopback = loopback();
    IOException last = null;
    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
          ServerSocket tcp = new ServerSocket()) {
        tcp.setReuseAddress(true);
        tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
        return udp.getLocalPort();
      } catch (BindException e) {
        last = e;
      }
    }
    throw new IOException("found no port free for both UDP and TCP on " + LOOPBACK, last);
  }

  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}

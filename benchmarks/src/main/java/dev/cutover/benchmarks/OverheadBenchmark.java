package dev.cutover.benchmarks;

import dev.cutover.okhttp.internal.OkHttpCompat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import okhttp3.OkHttpClient;

/**
 * Wrapped / plain cost of one pooled GET, measured so that a 1% difference can be told on a
 * shared, noisy machine. Not a JMH benchmark: JMH runs one benchmark method after the other, so
 * a burst of load from another process lands on one side only; here the sides take turns.
 *
 * <p>Each fork is a fresh JVM with one loopback server and the clients compared on it: a plain
 * {@link OkHttpClient} and the Cutover-wrapped client of the same settings (see {@link
 * RequestFixture}), and with {@code --skeleton} a third, plain OkHttp with the wrapper's shape
 * but none of its logic (a per-call event listener and one application and one network
 * interceptor that only pass the call on), which splits the overhead into what OkHttp charges for
 * the extra links and what Cutover's code costs. After a warm-up, the fork runs <em>rounds</em>:
 * one block of {@code block} requests per client, in an order drawn at random per round. The
 * measured time is split into <em>epochs</em>, each with new clients, so new connections and
 * new server threads. Connections differ by themselves: in an A/A run (two identical plain
 * clients) at load 13 to 23, one client took 3 times the other's wall and calling-thread CPU time
 * for a whole epoch, and the next epoch's new connections were even again; the same JVM, the
 * same code. Epochs draw connections again and again, at a fraction of the cost of more forks. Per
 * block it reads three counters: wall time ({@link System#nanoTime()}), the calling thread's CPU
 * time ({@code ThreadMXBean.getCurrentThreadCpuTime}) and the bytes allocated by all threads of
 * the JVM ({@code com.sun.management.ThreadMXBean.getTotalThreadAllocatedBytes}, the counter
 * behind JMH's {@code -prof gc} {@code gc.alloc.rate.norm}, so the server's allocations are in
 * it, the same for every client).
 *
 * <p>The parent reports, per protocol and client, two estimates of its cost over plain's, for
 * wall and CPU time, each with a 95% bootstrap interval. The <em>paired ratio</em>: over all
 * rounds, the median of the client's block over the plain block of the same round, which
 * cancels load that changes during a fork, as the blocks of a round are adjacent in time; this
 * is the figure to read. The <em>ratio of medians</em>: per epoch, the client's median block
 * over plain's median block, and the geometric mean of that over the epochs (per epoch, because
 * epochs run at different speeds when the machine's load changes between them); only load that
 * stays steady through an epoch cancels out of it. The bootstrap has three levels, because the
 * rounds of one fork share that JVM's compilation, and those of one epoch its connections: it
 * draws forks with replacement, then epochs within each drawn fork, then rounds within each drawn
 * epoch, and keeps a round's blocks together.
 *
 * <p>What the CPU time covers: everything the calling thread does for a call, which includes all
 * of Cutover's per-request work (the event listener, both interceptors and the tracker run on the
 * thread that executes the call), OkHttp's own call path, the socket writes, and for HTTP/1.1
 * the socket reads and response parsing. It leaves out the server's threads (the same for every
 * client), OkHttp's HTTP/2 reader thread (which reads frames for the caller), the garbage
 * collector and the JIT. The CPU ratio therefore has a smaller denominator than the wall ratio
 * and overstates Cutover's share of the whole request. Under load it is no less noisy than wall
 * time: other processes evict the caches the calling thread would have used.
 *
 * <p>Forks run with {@code -XX:ActiveProcessorCount=1}. Okio pools its 8 KiB buffer segments in
 * per-thread buckets, one for every two processors; with two buckets, whether a client's calling
 * thread shares a bucket with the server thread of its connection depends on the parity of the
 * two threads' ids, and that decided, client by client, whether some 8 KiB per request was
 * allocated (and zeroed) on the calling thread or on the server's: identical plain clients
 * allocated 9.3 or 17.4 KB per call on the calling thread, for the same total. One processor
 * means one bucket, the same for every client. G1 is named so that the collector does not
 * change with it.
 *
 * <p>Run as {@code java -cp benchmarks.jar dev.cutover.benchmarks.OverheadBenchmark [options]};
 * {@code benchmarks/run.sh --overhead} does, and writes the report to {@code benchmarks/results}.
 * Options: {@code --forks N} (default 5), {@code --warmup S} and {@code --measure S} seconds per
 * fork (3, 8), {@code --warmup-rounds N} (at least this many rounds of warm-up, however long
 * they take: 100), {@code --epochs N} (8), {@code --block N} requests (100), {@code --protocols A,B} ({@code
 * HTTP_1_1,HTTP_2}), {@code --skeleton}, {@code --aa} (the "wrapped" side is a second plain
 * client: the harness must then find no difference), {@code --seed N}, {@code --jvm-arg ARG}
 * (repeatable: passed to each fork), {@code --out FILE} (also write the Markdown report there),
 * {@code --raw FILE} (also write every round there) and {@code --analyse FILE} (report on a file
 * written by {@code --raw} instead of running forks).
 */
public final class OverheadBenchmark {
  private static final String ROUND = "ROUND";
  private static final int RESAMPLES = 2000;

  /** Rounds that new clients run before an epoch after the first is measured. */
  private static final int EPOCH_WARMUP_ROUNDS = 10;

  /** A block's counters, each the total over the block; a round holds them side by side. */
  private static final int WALL = 0;
  private static final int CPU = 1;
  private static final int BYTES = 2;
  private static final int COUNTERS = 3;

  private OverheadBenchmark() {}

  /**
   * Runs the forks and prints the report, or, with {@code --child PROTOCOL}, runs one fork.
   *
   * @param args the options in the class documentation
   * @throws Exception if a fork fails or a server cannot start
   */
  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    if (options.child != null) {
      child(options);
    } else {
      parent(options);
    }
  }

  /** The clients compared, plain first. */
  private static List<String> sides(Options options) {
    List<String> sides = new ArrayList<>(List.of("plain", options.aa ? "plain2" : "wrapped"));
    if (options.skeleton) {
      sides.add("skeleton");
    }
    return sides;
  }

  // ---- one fork ----

  private static void child(Options options) throws IOException {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    if (!threads.isCurrentThreadCpuTimeSupported() || !threads.isThreadAllocatedMemorySupported()) {
      throw new IllegalStateException("this JVM cannot measure thread CPU time or allocation");
    }
    threads.setThreadCpuTimeEnabled(true);
    threads.setThreadAllocatedMemoryEnabled(true);
    SplittableRandom random = new SplittableRandom(options.seed);
    List<String> sides = sides(options);
    try (RequestFixture fixture = new RequestFixture(options.child)) {
      long[] round = new long[sides.size() * COUNTERS];
      int[] order = new int[sides.size()];
      long sink = 0;
      PrintStream out = System.out;
      long epochNanos = options.measureNanos / options.epochs;
      for (int epoch = 0; epoch < options.epochs; epoch++) {
        // New clients, so new connections and server threads, each epoch: see the class comment.
        List<OkHttpClient> clients = new ArrayList<>();
        for (String side : sides) {
          clients.add(switch (side) {
            case "wrapped" -> fixture.wrapped();
            case "skeleton" -> fixture.skeleton();
            default -> fixture.plain();
          });
        }
        long warmupEnd = System.nanoTime() + (epoch == 0 ? options.warmupNanos : 0);
        int warmupRounds = epoch == 0 ? options.warmupRounds : EPOCH_WARMUP_ROUNDS;
        for (int i = 0; i < warmupRounds || System.nanoTime() < warmupEnd; i++) {
          sink += round(fixture, clients, options.block, random, threads, order, round);
        }
        long measureEnd = System.nanoTime() + epochNanos;
        while (System.nanoTime() < measureEnd) {
          sink += round(fixture, clients, options.block, random, threads, order, round);
          StringBuilder line = new StringBuilder(ROUND).append(' ').append(epoch);
          for (long value : round) {
            line.append(' ').append(value);
          }
          out.println(line);
        }
        for (OkHttpClient client : clients) {
          fixture.discard(client);
        }
      }
      if (sink <= 0) { // and the bodies read are visibly used
        throw new IllegalStateException("the server answered with empty bodies");
      }
    }
  }

  /**
   * {@code getTotalThreadAllocatedBytes()}, looked up at run time: it is in JDK 21's API and in
   * later JDK 17 updates, but not in the JDK 17 API that {@code --release 17} compiles against.
   */
  private static final java.lang.invoke.MethodHandle TOTAL_ALLOCATED = totalAllocated();

  private static java.lang.invoke.MethodHandle totalAllocated() {
    try {
      return java.lang.invoke.MethodHandles.publicLookup().findVirtual(
          com.sun.management.ThreadMXBean.class, "getTotalThreadAllocatedBytes",
          java.lang.invoke.MethodType.methodType(long.class));
    } catch (NoSuchMethodException | IllegalAccessException absent) {
      return null;
    }
  }

  /**
   * Bytes allocated so far by every thread of the JVM; where the JDK cannot say it in one call,
   * the sum over the threads alive now (the server's and OkHttp's threads live through a run).
   */
  private static long allocatedByAllThreads(com.sun.management.ThreadMXBean threads) {
    if (TOTAL_ALLOCATED != null) {
      try {
        return (long) TOTAL_ALLOCATED.invokeExact(threads);
      } catch (Throwable unexpected) {
        throw new IllegalStateException("could not read allocated bytes", unexpected);
      }
    }
    long total = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }

  /** One block on each client, in an order drawn at random; returns the bytes of the bodies. */
  private static long round(RequestFixture fixture, List<OkHttpClient> clients, int block,
      SplittableRandom random, com.sun.management.ThreadMXBean threads, int[] order,
      long[] into) throws IOException {
    for (int i = 0; i < order.length; i++) {
      int j = random.nextInt(i + 1); // Fisher-Yates, inside out
      order[i] = order[j];
      order[j] = i;
    }
    long sink = 0;
    for (int side : order) {
      OkHttpClient client = clients.get(side);
      long bytes = allocatedByAllThreads(threads);
      long cpu = threads.getCurrentThreadCpuTime();
      long wall = System.nanoTime();
      for (int i = 0; i < block; i++) {
        sink += fixture.call(client).length();
      }
      long wallEnd = System.nanoTime();
      long cpuEnd = threads.getCurrentThreadCpuTime();
      long bytesEnd = allocatedByAllThreads(threads);
      into[side * COUNTERS + WALL] = wallEnd - wall;
      into[side * COUNTERS + CPU] = cpuEnd - cpu;
      into[side * COUNTERS + BYTES] = bytesEnd - bytes;
    }
    return sink;
  }

  // ---- the parent: forks, statistics, report ----

  /**
   * Every round of a run, per protocol: forks, their epochs, the epochs' rounds, and in each
   * round every block's counters.
   */
  private record Run(List<String> sides, List<String> protocols,
      List<List<List<List<long[]>>>> rounds) {}

  private static void parent(Options options) throws IOException, InterruptedException {
    double[] load = {Double.MAX_VALUE, 0};
    Run run;
    if (options.analyse != null) {
      run = readRaw(options.analyse);
      load[0] = Double.NaN;
      load[1] = Double.NaN;
    } else {
      run = new Run(sides(options), options.protocols, new ArrayList<>());
      for (int p = 0; p < options.protocols.size(); p++) {
        run.rounds().add(new ArrayList<>());
      }
      long runStarted = System.nanoTime();
      // Protocols alternate fork by fork, so that a slow stretch of the machine is shared.
      for (int fork = 0; fork < options.forks; fork++) {
        for (int p = 0; p < options.protocols.size(); p++) {
          String protocol = options.protocols.get(p);
          System.err.printf("overhead: fork %d of %d, %s, %d s into the run%n", fork + 1,
              options.forks, protocol, (System.nanoTime() - runStarted) / 1_000_000_000L);
          noteLoad(load);
          run.rounds().get(p).add(
              fork(options, protocol, run.sides().size(), options.seed + 1000L * fork + p));
          noteLoad(load);
        }
      }
      if (options.raw != null) {
        writeRaw(run, options.raw);
      }
    }
    List<String> report = report(run, options, load);
    for (String line : report) {
      System.out.println(line);
    }
    if (options.out != null) {
      Files.write(options.out, report, StandardCharsets.UTF_8);
    }
  }

  private static List<String> report(Run run, Options options, double[] load) {
    List<String> report = new ArrayList<>();
    report.add(options.analyse != null
        ? "Re-analysis of " + options.analyse + "."
        : String.format(Locale.ROOT,
            "Paired, interleaved blocks: %d forks per protocol (each a fresh JVM), %d s warm-up"
                + " (at least %d rounds), then %d s measured in %d epochs (new clients, so new"
                + " connections, each), blocks of %d requests, order drawn per round.%s"
                + " 1-minute load average during the run: %.2f to %.2f.",
            options.forks, options.warmupNanos / 1_000_000_000L, options.warmupRounds,
            options.measureNanos / 1_000_000_000L, options.epochs, options.block,
            options.aa ? " **A/A check: the \"wrapped\" side is a second plain client.**" : "",
            load[0], load[1]));
    if (options.analyse == null) {
      // The forks run on this JVM's java and class path (see fork()).
      report.add("");
      report.add(String.format(Locale.ROOT, "OkHttp %s, JDK %s (%s), forks with %s.",
          OkHttpCompat.version(), System.getProperty("java.runtime.version"),
          System.getProperty("java.vm.name"), String.join(" ", forkJvmArgs(options))));
    }
    report.add("");
    report.add("Paired ratio: the median, over all rounds, of the client's block over the plain"
        + " block of the same round (adjacent in time, so load that changes cancels out). Ratio"
        + " of medians: per epoch, the client's median block over plain's; their geometric mean."
        + " Intervals: 95%, bootstrap over forks, then epochs within them, then rounds within"
        + " those, " + RESAMPLES + " resamples.");
    for (int counter : new int[] {WALL, CPU}) {
      String what = counter == WALL ? "wall" : "CPU (calling thread)";
      report.add("");
      report.add("| protocol | client | " + what + " µs/req | paired ratio | 95% interval | width"
          + " | ratio of medians | 95% interval | width | B/req (all threads) | rounds |");
      report.add("|---|---|---:|---:|---|---:|---:|---|---:|---:|---:|");
      for (int p = 0; p < run.protocols().size(); p++) {
        List<List<List<long[]>>> forks = run.rounds().get(p);
        List<long[]> all = flatten(forks);
        String protocol = run.protocols().get(p);
        for (int side = 0; side < run.sides().size(); side++) {
          double perRequest = median(all, side, counter) / options.block / 1000;
          double bytes = total(all, side, BYTES) / ((double) all.size() * options.block);
          if (side == 0) {
            report.add(String.format(Locale.ROOT, "| %s | %s | %.2f | | | | | | | %.0f | %d |",
                protocol, run.sides().get(side), perRequest, bytes, all.size()));
            continue;
          }
          SplittableRandom random = new SplittableRandom(options.seed * 31 + p * 7 + side);
          double[] paired = bootstrap(forks, pairedRatio(side, counter), random);
          double[] rom = bootstrap(forks, ratioOfMedians(side, counter), random);
          report.add(String.format(Locale.ROOT,
              "| %s | %s | %.2f | %.4f | %.4f to %.4f | %.4f | %.4f | %.4f to %.4f | %.4f"
                  + " | %.0f | %d |",
              protocol, run.sides().get(side), perRequest, paired[0], paired[1], paired[2],
              paired[2] - paired[1], rom[0], rom[1], rom[2], rom[2] - rom[1], bytes,
              all.size()));
        }
      }
    }
    report.add("");
    for (int p = 0; p < run.protocols().size(); p++) {
      for (int side = 1; side < run.sides().size(); side++) {
        for (int counter : new int[] {WALL, CPU}) {
          StringBuilder line = new StringBuilder("- ").append(run.protocols().get(p))
              .append(", ").append(run.sides().get(side)).append(" / plain, paired ratio, ")
              .append(counter == WALL ? "wall" : "CPU").append(", per fork (per epoch):");
          for (List<List<long[]>> fork : run.rounds().get(p)) {
            line.append(String.format(Locale.ROOT, " %.4f (",
                pairedRatio(side, counter).of(List.of(fork))));
            for (int e = 0; e < fork.size(); e++) {
              line.append(String.format(Locale.ROOT, e == 0 ? "%.3f" : " %.3f",
                  pairedRatio(side, counter).of(List.of(List.of(fork.get(e))))));
            }
            line.append(')');
          }
          report.add(line.toString());
        }
      }
    }
    return report;
  }

  private static void noteLoad(double[] load) {
    try {
      String line = Files.readString(Path.of("/proc/loadavg"));
      double oneMinute = Double.parseDouble(line.substring(0, line.indexOf(' ')));
      load[0] = Math.min(load[0], oneMinute);
      load[1] = Math.max(load[1], oneMinute);
    } catch (IOException | RuntimeException e) {
      // Not Linux: the report says nothing useful about load, which is all that is lost.
      load[0] = Double.NaN;
    }
  }

  /** Runs one fresh JVM for one protocol and returns its epochs' rounds. */
  private static List<List<long[]>> fork(Options options, String protocol, int sides, long seed)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(forkJvmArgs(options));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"),
        OverheadBenchmark.class.getName(), "--child", protocol,
        "--warmup", String.valueOf(options.warmupNanos / 1_000_000_000L),
        "--measure", String.valueOf(options.measureNanos / 1_000_000_000L),
        "--epochs", String.valueOf(options.epochs),
        "--warmup-rounds", String.valueOf(options.warmupRounds),
        "--block", String.valueOf(options.block), "--seed", String.valueOf(seed)));
    if (options.aa) {
      command.add("--aa");
    }
    if (options.skeleton) {
      command.add("--skeleton");
    }
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    List<List<long[]>> epochs = new ArrayList<>();
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.startsWith(ROUND + " ")) {
          System.err.println(line);
          continue;
        }
        String[] head = line.split(" ", 3);
        add(epochs, Integer.parseInt(head[1]), parseRound(head[2], sides * COUNTERS));
      }
    }
    int exit = process.waitFor();
    if (exit != 0 || epochs.size() != options.epochs) {
      throw new IllegalStateException("fork for " + protocol + " failed: exit " + exit
          + ", " + epochs.size() + " of " + options.epochs + " epochs");
    }
    return epochs;
  }

  private static List<String> forkJvmArgs(Options options) {
    List<String> args =
        new ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-XX:ActiveProcessorCount=1", "-XX:+UseG1GC"));
    args.addAll(options.jvmArgs);
    return args;
  }

  private static <T> void add(List<List<T>> lists, int index, T value) {
    while (lists.size() <= index) {
      lists.add(new ArrayList<>());
    }
    lists.get(index).add(value);
  }

  private static long[] parseRound(String values, int expected) {
    String[] parts = values.trim().split(" ");
    if (parts.length != expected) {
      throw new IllegalStateException("expected " + expected + " counters, got: " + values);
    }
    long[] round = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      round[i] = Long.parseLong(parts[i]);
    }
    return round;
  }

  /**
   * Writes every round, so that a run can be analysed again ({@code --analyse}): a header line
   * naming the sides, then one line per round: protocol, fork, epoch, counters.
   */
  private static void writeRaw(Run run, Path path) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# sides " + String.join(" ", run.sides()));
    for (int p = 0; p < run.protocols().size(); p++) {
      List<List<List<long[]>>> forks = run.rounds().get(p);
      for (int f = 0; f < forks.size(); f++) {
        for (int e = 0; e < forks.get(f).size(); e++) {
          for (long[] round : forks.get(f).get(e)) {
            StringBuilder line = new StringBuilder(run.protocols().get(p))
                .append(' ').append(f).append(' ').append(e);
            for (long value : round) {
              line.append(' ').append(value);
            }
            lines.add(line.toString());
          }
        }
      }
    }
    Files.write(path, lines, StandardCharsets.UTF_8);
  }

  private static Run readRaw(Path path) throws IOException {
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).startsWith("# sides ")) {
      throw new IllegalArgumentException("--analyse expects a file written by --raw, got " + path);
    }
    List<String> sides = List.of(lines.get(0).substring("# sides ".length()).split(" "));
    List<String> protocols = new ArrayList<>();
    List<List<List<List<long[]>>>> rounds = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] head = line.split(" ", 4);
      int p = protocols.indexOf(head[0]);
      if (p < 0) {
        protocols.add(head[0]);
        rounds.add(new ArrayList<>());
        p = protocols.size() - 1;
      }
      List<List<List<long[]>>> forks = rounds.get(p);
      int fork = Integer.parseInt(head[1]);
      while (forks.size() <= fork) {
        forks.add(new ArrayList<>());
      }
      add(forks.get(fork), Integer.parseInt(head[2]),
          parseRound(head[3], sides.size() * COUNTERS));
    }
    return new Run(sides, protocols, rounds);
  }

  /** A statistic of a set of forks' epochs' rounds. */
  private interface Estimator {
    double of(List<List<List<long[]>>> forks);
  }

  /**
   * Per epoch, this side's median block over plain's; the geometric mean of that over all
   * epochs. Per epoch, not pooled: epochs run at different speeds when the machine's load
   * changes, and the median of a mixture of speeds jumps between them (an A/A run at load 10 to
   * 17 gave 1.16 pooled over forks, with every fork between 1.00 and 1.02).
   */
  private static Estimator ratioOfMedians(int side, int counter) {
    return forks -> {
      double logSum = 0;
      int n = 0;
      for (List<List<long[]>> fork : forks) {
        for (List<long[]> epoch : fork) {
          logSum += Math.log(median(epoch, side, counter) / median(epoch, 0, counter));
          n++;
        }
      }
      return Math.exp(logSum / n);
    };
  }

  /**
   * Over all rounds, the median of this side's block over the plain block of the same round. In
   * an A/A run at load 14 to 21 on 2 cores, its interval was 3 to 7 times narrower than the
   * ratio of medians' (0.014 against 0.041 for HTTP/1.1 wall time).
   */
  private static Estimator pairedRatio(int side, int counter) {
    return forks -> {
      List<long[]> all = flatten(forks);
      double[] ratios = new double[all.size()];
      for (int i = 0; i < ratios.length; i++) {
        long[] round = all.get(i);
        ratios[i] = (double) round[side * COUNTERS + counter] / round[counter];
      }
      return median(ratios);
    };
  }

  private static List<long[]> flatten(List<List<List<long[]>>> forks) {
    List<long[]> all = new ArrayList<>();
    for (List<List<long[]>> fork : forks) {
      fork.forEach(all::addAll);
    }
    return all;
  }

  private static double median(List<long[]> rounds, int side, int counter) {
    double[] values = new double[rounds.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = rounds.get(i)[side * COUNTERS + counter];
    }
    return median(values);
  }

  /** Sorts the array in place. */
  private static double median(double[] values) {
    Arrays.sort(values);
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private static double total(List<long[]> rounds, int side, int counter) {
    double sum = 0;
    for (long[] round : rounds) {
      sum += round[side * COUNTERS + counter];
    }
    return sum;
  }

  /**
   * The statistic, and the 2.5th and 97.5th percentiles of its bootstrap in three levels: forks
   * drawn with replacement, then each drawn fork's epochs, then each drawn epoch's rounds, the
   * blocks of a round together.
   */
  private static double[] bootstrap(List<List<List<long[]>>> forks, Estimator estimator,
      SplittableRandom random) {
    double[] values = new double[RESAMPLES];
    for (int r = 0; r < RESAMPLES; r++) {
      List<List<List<long[]>>> drawn = new ArrayList<>(forks.size());
      for (int f = 0; f < forks.size(); f++) {
        List<List<long[]>> fork = forks.get(random.nextInt(forks.size()));
        List<List<long[]>> epochs = new ArrayList<>(fork.size());
        for (int e = 0; e < fork.size(); e++) {
          List<long[]> epoch = fork.get(random.nextInt(fork.size()));
          List<long[]> sample = new ArrayList<>(epoch.size());
          for (int i = 0; i < epoch.size(); i++) {
            sample.add(epoch.get(random.nextInt(epoch.size())));
          }
          epochs.add(sample);
        }
        drawn.add(epochs);
      }
      values[r] = estimator.of(drawn);
    }
    Arrays.sort(values);
    return new double[] {
      estimator.of(forks), values[(int) Math.floor(0.025 * (RESAMPLES - 1))],
      values[(int) Math.ceil(0.975 * (RESAMPLES - 1))]
    };
  }

  /** The command line, checked. */
  private static final class Options {
    private static final String USAGE = "options: --forks N, --warmup S, --warmup-rounds N,"
        + " --measure S, --epochs N, --block N, --protocols A,B, --skeleton, --aa, --seed N,"
        + " --jvm-arg ARG, --out FILE, --raw FILE, --analyse FILE";

    int forks = 5;
    long warmupNanos = 3_000_000_000L;
    long measureNanos = 8_000_000_000L;
    /**
     * However long they take: C2 compiles a method after some 5,000 to 15,000 calls, and each
     * round calls each client's path {@code block} times. 100, not more, keeps a run of both
     * protocols under 5 minutes at a load of 10 to 20 on 2 cores, where an HTTP/2 request takes
     * some 300 µs of wall time. (With 4 s, 12 s and 6 epochs a run took 306 s at load 6 to 13;
     * with 3 s, 10 s and 5 epochs, 307 s at load 7 to 18.)
     */
    int warmupRounds = 100;
    int epochs = 8;
    int block = 100;
    List<String> protocols = List.of("HTTP_1_1", "HTTP_2");
    long seed = 17;
    boolean aa;
    boolean skeleton;
    String child;
    Path out;
    Path raw;
    Path analyse;
    final List<String> jvmArgs = new ArrayList<>();

    static Options parse(String[] args) {
      Options options = new Options();
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals("--aa")) {
          options.aa = true;
          continue;
        }
        if (arg.equals("--skeleton")) {
          options.skeleton = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(arg + " needs a value; " + USAGE);
        }
        String value = args[++i];
        switch (arg) {
          case "--forks" -> options.forks = positive(arg, value);
          case "--warmup" -> options.warmupNanos = positive(arg, value) * 1_000_000_000L;
          case "--measure" -> options.measureNanos = positive(arg, value) * 1_000_000_000L;
          case "--warmup-rounds" -> options.warmupRounds = positive(arg, value);
          case "--epochs" -> options.epochs = positive(arg, value);
          case "--block" -> options.block = positive(arg, value);
          case "--protocols" -> options.protocols = List.of(value.split(","));
          case "--seed" -> options.seed = Long.parseLong(value);
          case "--jvm-arg" -> options.jvmArgs.add(value);
          case "--child" -> options.child = value;
          case "--out" -> options.out = Path.of(value);
          case "--raw" -> options.raw = Path.of(value);
          case "--analyse" -> options.analyse = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + arg + "; " + USAGE);
        }
      }
      return options;
    }

    private static int positive(String option, String value) {
      int parsed;
      try {
        parsed = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            option + " expects a positive whole number, got " + value, e);
      }
      if (parsed < 1) {
        throw new IllegalArgumentException(
            option + " expects a positive whole number, got " + value);
      }
      return parsed;
    }
  }
}

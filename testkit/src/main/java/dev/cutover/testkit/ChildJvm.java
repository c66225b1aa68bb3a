package dev.cutover.testkit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A main class running in a JVM of its own, for tests of process-wide state that a JVM settles
 * once and for all (its DNS cache settings, its resolver provider): each test gets a fresh JVM.
 *
 * <p>The child runs the {@code java} of the running JVM ({@code java.home}). Its standard output
 * and error are read as one stream, line by line as they arrive, so a test can wait for a line,
 * act on it (change a DNS record, say), then wait for the child to finish and read the rest.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.start(
 *     ChildJvm.classPath(), List.of("-Dsome.property=value"), Probe.class.getName(), "mode")) {
 *   child.awaitLine("ready", Duration.ofSeconds(30));
 *   // ... act on it ...
 *   String output = child.awaitExit(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Duration RUN_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Thread reader;
  private final List<String> lines = new ArrayList<>();
  private volatile boolean outputEnded;

  private ChildJvm(Process process, String mainClass) {
    this.process = process;
    this.reader = new Thread(this::readOutput, "child-jvm-output-" + mainClass);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Returns the entries of this JVM's class path, in order: what a child needs to run the test's
   * own classes, and what a test reorders to see how class path order matters.
   *
   * @return the entries of {@code java.class.path}; a new, modifiable list
   */
  public static List<String> classPath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!entry.isEmpty()) {
        entries.add(entry);
      }
    }
    return entries;
  }

  /**
   * Starts a child JVM. Close it when done: closing kills a child that is still running.
   *
   * @param classPath the class path entries, in order
   * @param jvmOptions options before the main class, such as {@code -Dname=value}
   * @param mainClass the fully qualified name of the class whose {@code main} runs
   * @param args the arguments to {@code main}
   * @return the running child
   * @throws IOException if the process cannot be started
   */
  public static ChildJvm start(List<String> classPath, List<String> jvmOptions, String mainClass,
      String... args) throws IOException {
    Objects.requireNonNull(mainClass, "mainClass");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classPath));
    command.add(mainClass);
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    return new ChildJvm(process, mainClass);
  }

  /**
   * Runs a main class in a child JVM on this JVM's class path, and returns its output once it
   * has exited with status 0 (waiting a minute at most).
   *
   * @param jvmOptions options before the main class, such as {@code -Dname=value}
   * @param mainClass the fully qualified name of the class whose {@code main} runs
   * @param args the arguments to {@code main}
   * @return everything the child wrote to standard output and error, one line per line
   * @throws IOException if the process cannot be started
   * @throws AssertionError if the child did not finish in time or exited with another status;
   *     the message holds its output
   */
  public static String run(List<String> jvmOptions, String mainClass, String... args)
      throws IOException {
    try (ChildJvm child = start(classPath(), jvmOptions, mainClass, args)) {
      return child.awaitExit(RUN_TIMEOUT);
    }
  }

  /**
   * Waits for the first output line that starts with a prefix, however long ago it was written.
   *
   * @param prefix the start of the line
   * @param timeout how long to wait at most
   * @return the whole line
   * @throws AssertionError if no such line came in time, or the child's output ended without one;
   *     the message holds the output so far
   */
  public String awaitLine(String prefix, Duration timeout) {
    String[] found = new String[1];
    try {
      Poll.until(timeout, "a line starting with '" + prefix + "'", () -> {
        found[0] = lineStartingWith(prefix);
        return found[0] != null || outputEnded;
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the child wrote:\n" + output(), e);
    }
    if (found[0] == null) {
      found[0] = lineStartingWith(prefix); // the last lines may have come with the end
    }
    if (found[0] == null) {
      throw new AssertionError("the child's output ended without a line starting with '"
          + prefix + "'; it wrote:\n" + output());
    }
    return found[0];
  }

  /**
   * Waits for the child to exit, and checks that it exited with status 0.
   *
   * @param timeout how long to wait at most
   * @return everything the child wrote to standard output and error, one line per line
   * @throws AssertionError if the child did not finish in time (it is then killed) or exited with
   *     another status; the message holds its output
   */
  public String awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the child JVM did not finish within " + timeout
            + " and was killed; it wrote:\n" + output());
      }
      reader.join(TimeUnit.SECONDS.toMillis(10)); // the rest of its output, already written
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the child JVM", e);
    }
    if (process.exitValue() != 0) {
      throw new AssertionError("the child JVM exited with status " + process.exitValue()
          + "; it wrote:\n" + output());
    }
    return output();
  }

  /**
   * Returns what the child has written so far.
   *
   * @return the output lines, joined with line feeds
   */
  public String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  /** Kills the child if it is still running. Idempotent. */
  @Override
  public void close() {
    process.destroyForcibly();
  }

  private String lineStartingWith(String prefix) {
    synchronized (lines) {
      for (String line : lines) {
        if (line.startsWith(prefix)) {
          return line;
        }
      }
      return null;
    }
  }

  private void readOutput() {
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        synchronized (lines) {
          lines.add(line);
        }
      }
    } catch (IOException e) {
      // Also what close() causes by killing the child; either way the failure shows in output().
      synchronized (lines) {
        lines.add("(reading the child's output stopped: " + e + ")");
      }
    } finally {
      outputEnded = true;
    }
  }
}

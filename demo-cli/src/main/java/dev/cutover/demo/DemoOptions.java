package dev.cutover.demo;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

/** The demo's command line, parsed and checked; every mistake becomes a {@link BadOption}. */
final class DemoOptions {
  static final String USAGE = String.join("\n",
      "usage: CutoverDemo [options]",
      "  --duration-per-phase=4s   length of each of the 4 phases (ms, s or m; default 4s)",
      "  --callers=8               concurrent callers (1 to 256)",
      "  --think-time=10ms         pause of each caller between requests (0 for none)",
      "  --http2                   TLS + HTTP/2, with a throwaway test CA the clients trust",
      "  --loopback=auto           auto | fallback: blue 127.0.0.1 and green ::1 (as on macOS)",
      "  --report=DIR              where report.html goes (default target/cutover-demo)",
      "  --dns=HOST:PORT --host=NAME[:PORT] [--path=/] [--duration=30s]",
      "                            watch a real host through a real DNS server with the wrapped",
      "                            client (no embedded servers); --http2 then means https",
      "  --help");

  /** A command-line mistake, with a message fit for the user. */
  static final class BadOption extends Exception {
    private static final long serialVersionUID = 1L;

    BadOption(String message) {
      super(message);
    }
  }

  Duration phaseDuration = Duration.ofSeconds(4);
  int callers = 8;
  Duration thinkTime = Duration.ofMillis(10);
  boolean http2;
  boolean forceFallback;
  String reportDir;
  InetSocketAddress realDns;
  String realHost;
  String path = "/";
  Duration realDuration = Duration.ofSeconds(30);
  boolean help;

  static DemoOptions parse(String... args) throws BadOption {
    DemoOptions options = new DemoOptions();
    boolean durationGiven = false;
    for (String arg : args) {
      if (arg.equals("--help") || arg.equals("-h")) {
        options.help = true;
        continue;
      }
      if (arg.equals("--http2")) {
        options.http2 = true;
        continue;
      }
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        throw new BadOption("unknown option '" + arg + "' (options look like --key=value)");
      }
      String key = arg.substring(2, eq);
      String value = arg.substring(eq + 1);
      switch (key) {
        case "duration-per-phase":
          options.phaseDuration = duration(key, value, Duration.ofMillis(200));
          break;
        case "callers":
          options.callers = integer(key, value, 1, 256);
          break;
        case "think-time":
          options.thinkTime = duration(key, value, Duration.ZERO);
          break;
        case "loopback":
          if (!value.equals("auto") && !value.equals("fallback")) {
            throw new BadOption("--loopback must be auto or fallback, got '" + value + "'");
          }
          options.forceFallback = value.equals("fallback");
          break;
        case "report":
          if (value.isBlank()) {
            throw new BadOption("--report needs a directory");
          }
          options.reportDir = value;
          break;
        case "dns":
          options.realDns = nameServer(value);
          break;
        case "host":
          if (value.isBlank() || value.contains("/")) {
            throw new BadOption("--host needs a host name, optionally with :port, got '" + value
                + "'");
          }
          options.realHost = value;
          break;
        case "path":
          if (!value.startsWith("/")) {
            throw new BadOption("--path must start with /, got '" + value + "'");
          }
          options.path = value;
          break;
        case "duration":
          options.realDuration = duration(key, value, Duration.ofSeconds(1));
          durationGiven = true;
          break;
        default:
          throw new BadOption("unknown option '--" + key + "'");
      }
    }
    if ((options.realDns == null) != (options.realHost == null)) {
      throw new BadOption("--dns and --host go together: give both, or neither for the"
          + " embedded cutover");
    }
    if (options.realDns == null && durationGiven) {
      throw new BadOption("--duration is for --dns/--host; the embedded cutover uses"
          + " --duration-per-phase");
    }
    return options;
  }

  boolean realMode() {
    return realDns != null;
  }

  static Duration duration(String key, String value, Duration min) throws BadOption {
    String text = value.trim().toLowerCase(Locale.ROOT);
    Duration parsed;
    try {
      if (text.endsWith("ms")) {
        parsed = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      } else if (text.endsWith("s")) {
        parsed = Duration.ofMillis(
            Math.round(Double.parseDouble(text.substring(0, text.length() - 1)) * 1000));
      } else if (text.endsWith("m")) {
        parsed = Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)) * 60);
      } else {
        parsed = Duration.ofSeconds(Long.parseLong(text));
      }
    } catch (NumberFormatException e) {
      throw new BadOption("--" + key + " must be a duration such as 500ms, 4s or 1m, got '"
          + value + "'");
    }
    if (parsed.compareTo(min) < 0 || parsed.compareTo(Duration.ofHours(1)) > 0) {
      throw new BadOption("--" + key + " must be between " + min.toMillis() + " ms and 1 h,"
          + " got '" + value + "'");
    }
    return parsed;
  }

  private static int integer(String key, String value, int min, int max) throws BadOption {
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // Reported below, with the range.
    }
    throw new BadOption("--" + key + " must be a whole number from " + min + " to " + max
        + ", got '" + value + "'");
  }

  private static InetSocketAddress nameServer(String value) throws BadOption {
    int colon = value.lastIndexOf(':');
    String host = colon < 0 ? value : value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = 53;
    if (colon >= 0) {
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (host.isBlank() || port < 1 || port > 65_535) {
      throw new BadOption("--dns must be IP:PORT such as 10.0.0.2:53, got '" + value + "'");
    }
    try {
      // A name server is given by address: resolving its name would need the very DNS it is.
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw new BadOption("--dns: cannot use '" + host + "' as a name server address");
    }
  }
}

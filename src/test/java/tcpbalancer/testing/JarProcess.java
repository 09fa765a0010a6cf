package tcpbalancer.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tcpbalancer.launcher.TcpBalancerCommand;

/**
 * The launcher run as a real process, so that exit codes and signals are real: its output is collected line
 * by line (and copied to a log file if asked), a test waits for a readiness line or for the exit, and
 * {@link #close()} kills what is still running.
 *
 * <pre>
 * try (JarProcess backend = JarProcess.launcher(dir, "backend", "-p", "0", "--host", "127.0.0.1")) {
 *   int port = Integer.parseInt(backend.awaitLine("listening on 127\\.0\\.0\\.1:(\\d+)").group(1));
 *   ...
 *   assertThat(backend.terminate()).isEqualTo(143);
 * }
 * </pre>
 */
public final class JarProcess implements AutoCloseable {

  /** How long any wait lasts before it fails the test. */
  public static final Duration LIMIT = Duration.ofSeconds(60);

  private final String name;
  private final Process process;
  private final PrintWriter log;
  /** Every line of both streams in arrival order; each entry is "1 " (stdout) or "2 " (stderr) + the line. */
  private final List<String> lines = new ArrayList<>();
  private int openStreams = 2;

  private JarProcess(String name, Process process, Path logFile) throws IOException {
    this.name = name;
    this.process = process;
    this.log = logFile == null ? null : new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true);
    collect(process.getInputStream(), "1 ");
    collect(process.getErrorStream(), "2 ");
  }

  /** Runs the launcher's main class from the test class path in {@code workDir}. */
  public static JarProcess launcher(Path workDir, String... args) throws IOException {
    return launcher(workDir, Map.of(), List.of(), args);
  }

  /** Runs the launcher's main class with an environment and JVM options (such as a heap limit). */
  public static JarProcess launcher(Path workDir, Map<String, String> env, List<String> jvmOptions, String... args)
    throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), TcpBalancerCommand.class.getName()));
    command.addAll(List.of(args));
    return start("launcher", command, workDir, env, null);
  }

  /** Runs any command (such as {@code java -jar} inside a network namespace), its output copied to {@code logFile}. */
  public static JarProcess start(String name, List<String> command, Path workDir, Map<String, String> env,
                                 Path logFile) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    builder.environment().putAll(env);
    return new JarProcess(name, builder.start(), logFile);
  }

  /** A line that matched: its position among all output lines, and the match. */
  public record Line(int index, Matcher match) {
  }

  /** Waits for a line of output (stdout or stderr) matching {@code regex}; fails if the process exits first. */
  public Matcher awaitLine(String regex) throws InterruptedException {
    return awaitLine(regex, 0, LIMIT).match();
  }

  /** Waits for a line matching {@code regex} at position {@code from} or after, within {@code limit}. */
  public Line awaitLine(String regex, int from, Duration limit) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (lines) {
      for (int seen = from; ; ) {
        for (; seen < lines.size(); seen++) {
          Matcher matcher = pattern.matcher(lines.get(seen).substring(2));
          if (matcher.find()) {
            return new Line(seen, matcher);
          }
        }
        long left = deadline - System.nanoTime();
        if (openStreams == 0 || left <= 0) {
          throw new AssertionError(name + (openStreams == 0 ? " ended" : " ran " + limit) + " without printing /"
            + regex + "/:\n" + output());
        }
        lines.wait(TimeUnit.NANOSECONDS.toMillis(left) + 1); // woken by each new line and at the end of output
      }
    }
  }

  /** How many lines of output there are so far: a mark to wait for lines after it. */
  public int lineCount() {
    synchronized (lines) {
      return lines.size();
    }
  }

  /** Waits for the process to exit by itself; fails the test if it does not within {@code limit}. */
  public int exitCode(Duration limit) throws InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(name + " did not exit within " + limit + ":\n" + output());
    }
    awaitEndOfOutput();
    return process.exitValue();
  }

  public int exitCode() throws InterruptedException {
    return exitCode(LIMIT);
  }

  /** Sends SIGTERM, as a container runtime or Ctrl+C would, and waits for the exit. */
  public int terminate() throws InterruptedException {
    process.destroy();
    return exitCode();
  }

  public String stdout() {
    return stream("1 ");
  }

  public String stderr() {
    return stream("2 ");
  }

  /** Both streams, in the order their lines arrived. */
  public String output() {
    synchronized (lines) {
      return String.join("\n", lines.stream().map(line -> line.substring(2)).toList());
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private String stream(String tag) {
    synchronized (lines) {
      return String.join("\n", lines.stream().filter(line -> line.startsWith(tag)).map(line -> line.substring(2))
        .toList());
    }
  }

  /** The reader threads have read everything the process wrote (its exit alone does not say so). */
  private void awaitEndOfOutput() throws InterruptedException {
    synchronized (lines) {
      long deadline = System.nanoTime() + LIMIT.toNanos();
      while (openStreams > 0 && System.nanoTime() < deadline) {
        lines.wait(1_000);
      }
    }
  }

  private void collect(InputStream stream, String tag) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (log != null) {
            log.println(line);
          }
          synchronized (lines) {
            lines.add(tag + line);
            lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // the process is gone; what was read is kept
      } finally {
        synchronized (lines) {
          openStreams--;
          lines.notifyAll();
        }
      }
    }, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }
}

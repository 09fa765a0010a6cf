package tcpbalancer.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The launcher run as a real process (so exit codes and signals are real), with its output collected. */
public final class LauncherProcess implements AutoCloseable {

  private static final Duration LIMIT = Duration.ofSeconds(60);

  private final Process process;
  private final List<String> stdout = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();

  private LauncherProcess(Process process) {
    this.process = process;
    collect(process.getInputStream(), stdout);
    collect(process.getErrorStream(), stderr);
  }

  public static LauncherProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
    return start(workDir, env, List.of(), args);
  }

  /** Starts the launcher in a new JVM with {@code jvmOptions} (such as a heap limit) and {@code args}. */
  public static LauncherProcess start(Path workDir, Map<String, String> env, List<String> jvmOptions, String... args)
    throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), TcpBalancerApplication.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().putAll(env);
    return new LauncherProcess(builder.start());
  }

  /** Waits for the process to exit by itself; fails the test if it does not within the limit. */
  public int exitCode() throws InterruptedException {
    if (!process.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the launcher did not exit within " + LIMIT + "; stderr:\n" + stderr());
    }
    return process.exitValue();
  }

  /** Waits for a line of stderr (where logs go) matching {@code regex}; fails if the process exits first. */
  public Matcher awaitLog(String regex) throws InterruptedException {
    Pattern pattern = Pattern.compile(regex);
    long deadline = System.nanoTime() + LIMIT.toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline) {
      synchronized (stderr) {
        for (; seen < stderr.size(); seen++) {
          Matcher matcher = pattern.matcher(stderr.get(seen));
          if (matcher.find()) {
            return matcher;
          }
        }
        if (!process.isAlive() && seen == stderr.size()) {
          throw new AssertionError("the launcher exited (" + process.exitValue() + ") before logging /" + regex
            + "/; stderr:\n" + String.join("\n", stderr));
        }
        stderr.wait(100);
      }
    }
    throw new AssertionError("no log line matched /" + regex + "/ within " + LIMIT + "; stderr:\n" + stderr());
  }

  /** Sends SIGTERM, as a container runtime or Ctrl+C would, and waits for the exit. */
  public int terminate() throws InterruptedException {
    process.destroy();
    return exitCode();
  }

  public String stderr() {
    synchronized (stderr) {
      return String.join("\n", stderr);
    }
  }

  public String stdout() {
    synchronized (stdout) {
      return String.join("\n", stdout);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }

  private static void collect(InputStream stream, List<String> lines) {
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          synchronized (lines) {
            lines.add(line);
            lines.notifyAll();
          }
        }
      } catch (IOException e) {
        // the process is gone; what was read is kept
      } finally {
        synchronized (lines) {
          lines.notifyAll();
        }
      }
    }, "launcher-output");
    reader.setDaemon(true);
    reader.start();
  }
}

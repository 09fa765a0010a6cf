package tcpbalancer.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A service of the multi-host test: a process whose output goes to a file the test reads. */
final class ServiceProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ServiceProcess start(String name, List<String> command, Map<String, String> env, Path logDir)
    throws IOException {
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return new ServiceProcess(name, builder.start(), log);
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Waits for a line of output matching {@code regex} after {@code from} characters of output. */
  Matcher awaitOutput(String regex, int from, Duration limit) throws IOException, InterruptedException {
    Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      String output = output();
      Matcher matcher = pattern.matcher(output);
      if (matcher.find(Math.min(from, output.length()))) {
        return matcher;
      }
      if (!process.isAlive()) {
        throw new AssertionError(name + " exited (" + process.exitValue() + ") before printing /" + regex + "/:\n"
          + output);
      }
      Thread.sleep(100); // polling a log file
    }
    throw new AssertionError(name + " did not print /" + regex + "/ within " + limit + ":\n" + output());
  }

  int exitCode(Duration limit) throws IOException, InterruptedException {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " did not exit within " + limit + ":\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}

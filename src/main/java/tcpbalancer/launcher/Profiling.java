package tcpbalancer.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.text.ParseException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;

/**
 * {@code --debug}: the JVM's counterpart of the original's pprof. Records a Java Flight Recorder profile for
 * the whole run and writes it when the JVM exits.
 */
final class Profiling {

  private Profiling() {
  }

  /** Starts recording and returns the file that will be written at exit. */
  static Path start(String label) throws IOException, ParseException {
    Path file = Path.of("tcpbalancer-" + label + "-" + ProcessHandle.current().pid() + ".jfr").toAbsolutePath();
    Recording recording = new Recording(Configuration.getConfiguration("profile"));
    recording.setName("tcpbalancer");
    recording.setToDisk(true);
    recording.setDestination(file);
    recording.setDumpOnExit(true);
    recording.start();
    return file;
  }
}

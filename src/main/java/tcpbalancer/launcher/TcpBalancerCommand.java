package tcpbalancer.launcher;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import tcpbalancer.cluster.ClusterSettings;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * The jar's entry point and whole command line. Two ways in, one deployment path:
 * <ul>
 *   <li>{@code -conf FILE|JSON [Vert.x launcher options]}: deploys every verticle the config lists (see
 *   {@link DeploymentPlan}); the launcher options other than {@code -conf} go to Vert.x's launcher as given;</li>
 *   <li>{@code backend ...} (and the other programs): the original program's flags, turned into the same
 *   JSON and launched the same way.</li>
 * </ul>
 * A bad command line or config prints one line that says why and exits 2 (see {@link TcpBalancerApplication}
 * for the exit codes of a launch that fails later).
 */
@Command(name = "tcpbalancer.jar", sortOptions = false, synopsisHeading = "", usageHelpWidth = 100,
  customSynopsis = {"Usage: java -jar tcpbalancer.jar COMMAND [FLAGS]",
    "       java -jar tcpbalancer.jar -conf FILE.json [-cluster] [Vert.x launcher options]"},
  subcommands = {BackendCommand.class, ProxyCommand.class, ClientCommand.class, HelpCommand.class},
  commandListHeading = "%nCommands (the original program's flags; COMMAND --help lists them):%n",
  optionListHeading = "%nOptions:%n",
  footer = {"", "-conf deploys every verticle a JSON file lists (docs/configuration.md;",
    "examples in src/main/resources/conf/). Vert.x launcher options: -conf FILE --help.",
    "bin/tcpbalancer COMMAND ... runs the jar with JVM options suited to each program",
    "(--print-command shows them; README.md, \"Start script\")."})
public final class TcpBalancerCommand implements Callable<Integer> {

  static final int EXIT_USAGE = 2;
  private static final Logger log = LoggerFactory.getLogger(TcpBalancerCommand.class);

  @Option(names = {"-conf", "--conf"}, paramLabel = "FILE|JSON",
    description = "the deployment config: a JSON file, or a JSON object written inline")
  String conf;

  @Option(names = {"-c", "-cluster", "--cluster"},
    description = "join the cluster (Hazelcast; see docs/configuration.md)")
  boolean cluster;

  @Option(names = {"-h", "-help", "--help"}, description = "show this help (with -conf: the Vert.x launcher's options)")
  boolean help;

  /** Vert.x launcher options we do not read ourselves (-cluster-host, -options, ...): passed on as given. */
  @Unmatched
  List<String> launcherOptions = new ArrayList<>();

  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    System.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "slf4j"));
    int exitCode = run(args);
    if (exitCode != 0) {
      System.exit(exitCode);
    }
  }

  /** Starts what {@code args} ask for; returns 0 once it runs, else the exit code (after printing why). */
  static int run(String[] args) {
    CommandLine commandLine = new CommandLine(new TcpBalancerCommand())
      .setPosixClusteredShortOptionsAllowed(false) // -cluster-host is Vert.x's option, not -c -l -u ...
      .setExecutionExceptionHandler((e, failed, parsed) -> {
        if (!(e instanceof ConfigException)) {
          throw e;
        }
        // A program's config errors name the program: "tcpbalancer: backend: verticles.backend.config.port: ..."
        boolean program = failed.getCommandSpec().userObject() instanceof ProgramCommand;
        System.err.println("tcpbalancer: " + (program ? failed.getCommandName() + ": " : "") + e.getMessage());
        return EXIT_USAGE;
      });
    return commandLine.execute(args);
  }

  @Override
  public Integer call() {
    if (help && conf == null) {
      spec.commandLine().usage(System.out);
      return 0;
    }
    if (conf == null) {
      if (spec.commandLine().getParseResult().originalArgs().isEmpty()) {
        spec.commandLine().usage(System.err);
      } else if (!launcherOptions.isEmpty() && !launcherOptions.get(0).startsWith("-")) {
        System.err.println("tcpbalancer: unknown command '" + launcherOptions.get(0) + "' (expected "
          + String.join(", ", spec.subcommands().keySet().stream().filter(name -> !name.equals("help")).toList())
          + ", or -conf FILE.json)");
      } else {
        System.err.println("tcpbalancer: nothing to deploy: give -conf FILE.json (see --help)");
      }
      return EXIT_USAGE;
    }
    List<String> launcherArgs = new ArrayList<>(launcherOptions);
    if (cluster) {
      launcherArgs.add("-cluster");
    }
    if (help) {
      launcherArgs.add("--help");
    }
    ClusterSettings settings = cluster ? ClusterSettings.fromEnvironment(System.getenv()) : null;
    return launch(ConfigSource.read(conf), launcherArgs, "conf", settings);
  }

  /**
   * Launches the deployment {@code source} describes, with its top-level {@code loglevel} and {@code debug}
   * applied first; returns 0 once it runs, else the exit code.
   */
  static int launch(ConfigSource source, List<String> launcherArgs, String label, ClusterSettings cluster) {
    ConfigFields top = new ConfigFields(source.base(), "");
    LogLevels.apply(top.integer("loglevel", LogLevels.QUIET, LogLevels.QUIET, LogLevels.VERBOSE));
    if (top.bool("debug", false)) {
      startProfiling(label);
    }
    return new TcpBalancerApplication(launcherArgs, source, cluster).launch();
  }

  private static void startProfiling(String label) {
    try {
      Path file = Profiling.start(label);
      log.info("Profiling with Java Flight Recorder; the recording will be written to {} at exit", file);
    } catch (Exception e) {
      throw new ConfigException("debug: cannot start a Java Flight Recorder recording: " + e.getMessage());
    }
  }

  /** A program's deployment config, checked whole before anything starts, then launched. */
  static int launch(ProgramCommand command, String name) {
    JsonObject json = command.deploymentConfig();
    DeploymentPlan.parse(json);
    return launch(ConfigSource.inline(json), command.common().launcherArgs(), name, command.common().clusterSettings());
  }
}

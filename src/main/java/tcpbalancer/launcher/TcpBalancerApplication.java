package tcpbalancer.launcher;

import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import tcpbalancer.client.ClientVerticle;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.cluster.ClusterSettings;
import tcpbalancer.cluster.HazelcastConfigs;
import tcpbalancer.config.ConfigException;
import tcpbalancer.config.ConfigFields;

/**
 * The jar's entry point. Two ways in, one deployment path:
 * <ul>
 *   <li>{@code -conf FILE.json [launcher options]}: the standard Vert.x launcher; deploys every verticle the
 *   file lists (see {@link DeploymentPlan});</li>
 *   <li>{@code backend ...} (and the other programs): the original program's flags, turned into the same
 *   JSON and launched the same way.</li>
 * </ul>
 * Every failure to start prints one line that says why and exits non-zero: 2 for a bad command line or
 * config file, 15 when a verticle does not start, 11 when Vert.x itself does not.
 */
public class TcpBalancerApplication extends VertxApplication implements VertxApplicationHooks {

  static final int EXIT_USAGE = 2;
  private static final Logger log = LoggerFactory.getLogger(TcpBalancerApplication.class);
  private static final Map<String, Supplier<ProgramCommand>> COMMANDS =
    new TreeMap<>(Map.of("backend", BackendCommand::new, "proxy", ProxyCommand::new, "client", ClientCommand::new));

  private final ConfigSource source;
  private final ClusterSettings cluster;
  private HazelcastClusterManager clusterManager;

  TcpBalancerApplication(String[] launcherArgs, ConfigSource source, ClusterSettings cluster) {
    super(launcherArgs);
    this.source = source;
    this.cluster = cluster;
  }

  public static void main(String[] args) {
    System.setProperty("hazelcast.logging.type", System.getProperty("hazelcast.logging.type", "slf4j"));
    int exitCode = run(args);
    if (exitCode != 0) {
      System.exit(exitCode);
    }
  }

  /** Starts what {@code args} ask for; returns 0 once it runs, else the exit code (after printing why). */
  static int run(String[] args) {
    if (args.length == 0 || isHelp(args[0])) {
      printOverview(args.length == 0 ? System.err : System.out);
      return args.length == 0 ? EXIT_USAGE : 0;
    }
    if (COMMANDS.containsKey(args[0])) {
      return runCommand(args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
    }
    if (!args[0].startsWith("-")) {
      return usageError("unknown command '" + args[0] + "' (expected " + String.join(", ", COMMANDS.keySet())
        + ", or -conf FILE.json)");
    }
    String conf = optionValue(args, "conf");
    if (conf == null) {
      return usageError("nothing to deploy: give -conf FILE.json (see --help)");
    }
    try {
      JsonObject json = readConf(conf);
      ConfigSource source = conf.trim().startsWith("{") ? ConfigSource.inline(json) : ConfigSource.file(conf);
      return launch(args, source, json, "conf", clusterSettings(args));
    } catch (ConfigException e) {
      return usageError(e.getMessage());
    }
  }

  private static int runCommand(String name, String[] args) {
    ProgramCommand command = COMMANDS.get(name).get();
    CommandLine commandLine = new CommandLine(command).setCommandName("tcpbalancer.jar " + name);
    int exitCode = commandLine.execute(args);
    JsonObject json = commandLine.getExecutionResult();
    if (exitCode != 0 || json == null) {
      return exitCode; // picocli printed the usage error or the help
    }
    try {
      DeploymentPlan.parse(json);
      List<String> launcherArgs = new ArrayList<>(List.of("-conf", json.encode()));
      launcherArgs.addAll(command.common().launcherArgs());
      return launch(launcherArgs.toArray(String[]::new), ConfigSource.inline(json), json, name,
        command.common().clusterSettings());
    } catch (ConfigException e) {
      return usageError(name + ": " + e.getMessage());
    }
  }

  private static int launch(String[] launcherArgs, ConfigSource source, JsonObject json, String label,
                            ClusterSettings cluster) {
    ConfigFields top = new ConfigFields(json, "");
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

  /** The config a -conf option gives: a JSON file, or a JSON object written inline. */
  private static JsonObject readConf(String conf) {
    String text;
    if (conf.trim().startsWith("{")) {
      text = conf;
    } else {
      Path path = Path.of(conf);
      if (!Files.isRegularFile(path)) {
        throw new ConfigException("-conf " + conf + ": no such file");
      }
      try {
        text = Files.readString(path);
      } catch (IOException e) {
        throw new ConfigException("-conf " + conf + ": cannot read it: " + e.getMessage());
      }
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("-conf " + conf + ": not a valid JSON object: " + e.getMessage());
    }
  }

  /** With -cluster: the settings from the environment, with the launcher's -cluster-host options on top. */
  private static ClusterSettings clusterSettings(String[] args) {
    List<String> list = List.of(args);
    if (!list.contains("-cluster") && !list.contains("--cluster") && !list.contains("-c")) {
      return null;
    }
    return ClusterSettings.fromEnvironment(System.getenv())
      .override(null, optionValue(args, "cluster-host"), optionValue(args, "cluster-public-host"), null, null);
  }

  /** The value of {@code -name VALUE}, {@code --name VALUE} or {@code --name=VALUE}, or null. */
  private static String optionValue(String[] args, String name) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if ((arg.equals("-" + name) || arg.equals("--" + name)) && i + 1 < args.length) {
        return args[i + 1];
      }
      if (arg.startsWith("-" + name + "=") || arg.startsWith("--" + name + "=")) {
        return arg.substring(arg.indexOf('=') + 1);
      }
    }
    return null;
  }

  private static boolean isHelp(String arg) {
    return arg.equals("--help") || arg.equals("-help") || arg.equals("-h") || arg.equals("help");
  }

  private static int usageError(String message) {
    System.err.println("tcpbalancer: " + message);
    return EXIT_USAGE;
  }

  private static void printOverview(PrintStream out) {
    out.println("""
      Usage: java -jar tcpbalancer.jar COMMAND [FLAGS]
             java -jar tcpbalancer.jar -conf FILE.json [-cluster] [Vert.x launcher options]

      Commands (the original program's flags; COMMAND --help lists them):
        backend   resize JPEG and PNG images sent over TCP
        proxy     balance TCP connections over upstream servers
        client    send a folder of images through the proxy for resizing, and report

      -conf deploys every verticle a JSON file lists (docs/configuration.md;
      examples in src/main/resources/conf/). Launcher options: -conf x --help.""");
  }

  /**
   * Native transport where available; clustered: Hazelcast configured from conf/cluster.xml and this node's
   * settings (environment and flags).
   */
  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    // epoll where the platform has it (the jar carries Netty's native transport for Linux); NIO elsewhere.
    options.setPreferNativeTransport(true);
    VertxBuilder builder = Vertx.builder().with(options);
    if (cluster != null) {
      EventBusOptions eventBus = options.getEventBusOptions();
      if (cluster.host() != null && eventBus.getHost() == null) {
        eventBus.setHost(cluster.host());
      }
      if (cluster.publicHost() != null && eventBus.getClusterPublicHost() == null) {
        eventBus.setClusterPublicHost(cluster.publicHost());
      }
      clusterManager = new HazelcastClusterManager(HazelcastConfigs.load(cluster));
      builder.withClusterManager(clusterManager);
    }
    return builder;
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return () -> new DeploymentVerticle(source);
  }

  /** A client run ends the process with its exit code (registered before anything deploys: runs can be short). */
  @Override
  public void afterVertxStarted(HookContext context) {
    log.debug("Network transport: {}", context.vertx().isNativeTransportEnabled() ? "native (epoll)" : "NIO");
    if (context.vertx().isClustered()) {
      ClusterNode.register(context.vertx(), clusterManager);
      log.info("Joined the cluster as {} (members: {})", clusterManager.getNodeId(), cluster.members());
    }
    context.vertx().eventBus().<JsonObject>localConsumer(ClientVerticle.DONE_ADDRESS, message -> {
      int exitCode = message.body().getInteger("exitCode", 1);
      context.vertx().close().onComplete(closed -> new Thread(() -> System.exit(exitCode), "exit").start());
    });
  }

  @Override
  public void afterFailureToStartVertx(HookContext context, Throwable t) {
    System.err.println("tcpbalancer: cannot start Vert.x: " + (t == null ? "timed out" : t.getMessage()));
    log.debug("Vert.x did not start", t);
  }

  @Override
  public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
    System.err.println("tcpbalancer: cannot start: " + (t == null ? "timed out" : t.getMessage()));
    log.debug("Deployment failed", t);
    context.vertx().close();
  }

  @Override
  public void beforeStoppingVertx(HookContext context) {
    log.info("Stopping");
  }
}

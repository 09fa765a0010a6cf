package tcpbalancer.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.net.BindException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.config.CertificateCheck;
import tcpbalancer.config.CertificateReloader;
import tcpbalancer.config.ExplainedTlsClient;
import tcpbalancer.config.Listening;
import tcpbalancer.config.NotAccepted;
import tcpbalancer.proxy.requests.RequestBalancing;

/**
 * A layer-4 proxy: accepts TCP connections and relays each to one upstream, chosen by the configured strategy
 * among the healthy ones. Deploy one instance per event loop; they share the port and, through their
 * {@link ProxyRuntime}, the upstreams' state and the connection limit.
 */
public class ProxyVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ProxyVerticle.class);

  private ProxyOptions options;
  private ProxyRuntime runtime;
  private NetServer server;
  private NetClient upstreamClient;
  /** Request mode's state; null in connection mode. */
  private RequestBalancing requests;
  private final Set<ProxyConnection> connections = new LinkedHashSet<>();
  private Promise<Void> drained;
  /** Whether this instance told the runtime it listens (for the admin endpoint's readiness). */
  private boolean portOpen;
  /** Whether this instance's server is registered with the certificate reloader. */
  private boolean watching;
  /** The checks took an upstream down: its clients had better resend elsewhere now than wait for their timeout. */
  private final Consumer<UpstreamState> closeConnectionsTo = upstream -> closeConnections(upstream,
    EndReason.UPSTREAM_DOWN, "is down");
  /** Its cluster node left: nothing will answer on its connections, which would hang till the idle timeout. */
  private final Consumer<UpstreamState> closeConnectionsToLeft = upstream -> closeConnections(upstream,
    EndReason.UPSTREAM_LEFT, "left the cluster");

  private void closeConnections(UpstreamState upstream, EndReason reason, String why) {
    context.runOnContext(v -> {
      List<ProxyConnection> doomed = connections.stream().filter(c -> c.relaysTo(upstream)).toList();
      if (!doomed.isEmpty()) {
        log.warn("Proxy {}: closing {} connections to {}, which {}", options.name(), doomed.size(),
          upstream.upstream().address(), why);
        doomed.forEach(connection -> connection.close(reason));
      }
    });
  }

  /** Makes everything ready (the shared runtime, the upstream client) and opens the port last. */
  @Override
  public Future<?> start() {
    options = ProxyOptions.fromJson(config(), "config");
    runtime = ProxyRuntime.acquire(vertx, options, deploymentID());
    if (runtime.options().closeWhenDown()) {
      runtime.onCheckedDown(closeConnectionsTo);
    }
    runtime.onLeft(closeConnectionsToLeft);
    upstreamClient = ExplainedTlsClient.of(vertx.createNetClient(options.tls().upstreamClient(new NetClientOptions()
      .setConnectTimeout(options.connectTimeoutMillis())
      .setIdleTimeout(options.idleTimeoutSeconds())
      .setTcpNoDelay(true))), options.tls().upstream());
    server = vertx.createNetServer(options.tls().server(new NetServerOptions()
      .setIdleTimeout(options.idleTimeoutSeconds())
      .setTcpNoDelay(true)
      .setUseProxyProtocol(options.acceptProxy())
      .setProxyProtocolTimeout(ProxyOptions.PROXY_HEADER_TIMEOUT_MILLIS)
      .setProxyProtocolTimeoutUnit(TimeUnit.MILLISECONDS)));
    if (options.balance() == Balance.REQUESTS) {
      requests = new RequestBalancing(vertx, context, runtime, upstreamClient, runtime.limiter()::acquire,
        runtime.limiter()::release);
    }
    server.connectHandler(this::accept);
    server.exceptionHandler(this::notAccepted);
    StartGate gate = new StartGate(vertx);
    // The runtime may get ready on the event loop of the instance that created it: listen from this one's.
    Promise<Void> runtimeReady = ((ContextInternal) context).promise();
    StartGate.opened(context).onComplete(v -> runtime.ready().onComplete(runtimeReady));
    runtimeReady.future()
      .compose(v -> checkCertificates())
      .compose(v -> server.listen(options.port(), options.host()).recover(this::cannotListen))
      .onComplete(listening -> {
        if (gate.pass(listening, this::undoStart)) {
          log.info("Proxy {} listening on {}:{}, balancing ({}) over {}, health check: {}, {}", options.name(),
            options.host(), listening.result().actualPort(),
            requests == null ? options.strategy() : "requests: least outstanding", runtime.describeUpstreams(),
            options.check(), options.tls().describe());
          if (options.tls().upstream() != null && options.tls().upstream().insecure()) {
            log.warn("Proxy {}: upstream certificates and host names are NOT verified (upstreamTls.insecure): "
              + "anyone on the path to an upstream can read and change the traffic", options.name());
          }
          if (options.tls().listen() != null) {
            CertificateReloader.watch(vertx, reloaderName(), options.tls().listen(), server);
            watching = true;
          }
          runtime.instanceListening(true); // before the announcement, which tells tests the proxy is up
          portOpen = true;
          Listening.announce(vertx, options.name(), options.host(), listening.result().actualPort());
        }
      });
    return gate.future();
  }

  /**
   * A bad certificate fails the start with a message saying what is wrong with it (Vert.x would take a key that
   * is not the certificate's, or an expired one, and fail every handshake). Read on a worker: files.
   */
  private Future<Void> checkCertificates() {
    if (options.tls().listen() == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> CertificateCheck.verify(vertx, options.tls().listen()))
      .map(described -> {
        log.debug("Proxy {} certificates: {}", options.name(), described);
        return null;
      });
  }

  /**
   * A connection that failed before Vert.x handed it over (TLS handshake, PROXY protocol header): Vert.x gives no
   * socket for it, so no access-log line.
   */
  private void notAccepted(Throwable failure) {
    NotAccepted.log(log, "Proxy " + options.name(), failure);
  }

  private String reloaderName() {
    return "Proxy " + options.name();
  }

  /** A bind failure names the address: "Address already in use" alone does not say which port. */
  private Future<NetServer> cannotListen(Throwable failure) {
    BindException named = new BindException("cannot listen on " + options.host() + ":" + options.port() + ": "
      + failure.getMessage());
    named.initCause(failure);
    return Future.failedFuture(named);
  }

  /** The port the proxy listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server.actualPort();
  }

  /** What this proxy shares with its other instances: upstreams, counters, limits. */
  public ProxyRuntime runtime() {
    return runtime;
  }

  private void accept(NetSocket client) {
    if (runtime == null) { // stopping: with acceptProxy a connection accepted before can finish its header after
      client.close();
      return;
    }
    if (requests != null) {
      requests.accept(client);
      return;
    }
    ProxyConnection connection = new ProxyConnection(client, runtime, upstreamClient, this::connectionReleased);
    connections.add(connection);
    connection.start();
  }

  private void connectionReleased(ProxyConnection connection) {
    connections.remove(connection);
    if (drained != null && connections.isEmpty()) {
      drained.tryComplete();
    }
  }

  /** A start that failed, or that Vert.x gave up on while it ran: gives back what it took. */
  private void undoStart() {
    stopWatching();
    server.close();
    upstreamClient.close();
    if (requests != null) {
      requests.close();
    }
    releaseRuntime();
  }

  private void stopWatching() {
    if (watching) {
      watching = false;
      CertificateReloader.release(vertx, reloaderName(), server);
    }
  }

  private void releaseRuntime() {
    if (runtime != null) {
      if (portOpen) {
        runtime.instanceListening(false);
        portOpen = false;
      }
      runtime.removeOnCheckedDown(closeConnectionsTo);
      runtime.removeOnLeft(closeConnectionsToLeft);
      runtime.release(deploymentID());
      runtime = null;
    }
  }

  /** Graceful stop: stop accepting, let open connections finish for {@code drainTimeoutMillis}, close the rest. */
  @Override
  public Future<?> stop() {
    drained = Promise.promise();
    stopWatching();
    releaseRuntime(); // the last instance to stop stops the health checks, discovery and reloads
    if (!connections.isEmpty()) {
      log.info("Proxy {} draining {} open connections for up to {} ms", options.name(), connections.size(),
        options.drainTimeoutMillis());
    }
    // Vert.x's server shutdown stops accepting at once, then waits for open connections up to the timeout and
    // closes those left; a connection is over once its upstream side has closed too.
    return server.shutdown(options.drainTimeoutMillis(), TimeUnit.MILLISECONDS)
      .compose(v -> {
        new ArrayList<>(connections).forEach(connection -> connection.close(EndReason.DRAINED));
        return connections.isEmpty() ? Future.succeededFuture() : drained.future();
      })
      .compose(v -> {
        if (requests != null) {
          requests.close();
        }
        return upstreamClient.close();
      });
  }
}

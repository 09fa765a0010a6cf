package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts resize requests over TCP and hands each one to a {@link ResizeWorkerVerticle} over the event bus.
 * Runs on an event loop: it only parses frames and moves buffers; no image work happens here.
 */
public class BackendVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BackendVerticle.class);

  private NetServer server;

  @Override
  public Future<?> start() {
    BackendOptions options = BackendOptions.fromJson(config(), "config");
    InFlightLimit limit = InFlightLimit.shared(vertx, options.name(), options.maxInFlight());
    server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true));
    server.connectHandler(socket -> new BackendConnection(socket, options, limit, vertx.eventBus()).start());
    return server.listen(options.port(), options.host())
      .onSuccess(s -> log.info("Backend {} listening on {}:{}", options.name(), options.host(), s.actualPort()));
  }

  /** The port the server listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server.actualPort();
  }
}

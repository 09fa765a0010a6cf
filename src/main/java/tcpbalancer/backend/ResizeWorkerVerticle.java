package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.cluster.ClusterNode;
import tcpbalancer.protocol.EventBusCodecs;
import tcpbalancer.protocol.ResizeRequest;
import tcpbalancer.protocol.ResizeResponse;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Decodes, resizes and encodes images. Deployed with the WORKER threading model: this is the only place
 * where blocking image work runs. A {@link ResizeRequest} arrives on this worker's own local address (from
 * backends of this Vert.x), on its node's address (from other nodes' backends, see {@link RemoteWorkers}) or on
 * {@link #ADDRESS}; the reply is a {@link ResizeResponse} without a backend name (the backend adds its own), or a
 * failure whose code is a {@link Status}.
 */
public class ResizeWorkerVerticle extends VerticleBase {

  /**
   * Any worker of the cluster (clustered consumers). Backends do not send here: its registrations tell them
   * which nodes have workers, and they send to a chosen node's address so that they know whom they wait for.
   */
  public static final String ADDRESS = "tcpbalancer.resize";
  /** The prefix of the address that the workers of one node share, followed by the node id. */
  public static final String NODE_ADDRESS_PREFIX = "tcpbalancer.resize.node.";
  /** The prefix of each worker's own local address, which backends of this Vert.x use (see {@link LocalWorkers}). */
  private static final String LOCAL_ADDRESS_PREFIX = "tcpbalancer.resize.local.";

  private static final Logger log = LoggerFactory.getLogger(ResizeWorkerVerticle.class);

  private ImageResizer resizer;
  private LocalWorkers localWorkers;
  private final String localAddress = LOCAL_ADDRESS_PREFIX + UUID.randomUUID();

  /**
   * Registers the event bus codecs too: the launcher registers them before any verticle starts, but a worker
   * deployed on its own (embedded, in a test) must be able to read its requests all the same.
   */
  @Override
  public Future<?> start() {
    EventBusCodecs.register(vertx);
    ResizeWorkerOptions options = ResizeWorkerOptions.fromJson(config(), "config");
    resizer = new ImageResizer(options);
    localWorkers = LocalWorkers.of(vertx);
    ClusterNode node = ClusterNode.of(vertx);
    return Future.all(
        vertx.eventBus().<ResizeRequest>consumer(ADDRESS, this::resize).completion(),
        node == null ? Future.succeededFuture()
          : vertx.eventBus().<ResizeRequest>consumer(nodeAddress(node.nodeId()), this::resize).completion(),
        vertx.eventBus().<ResizeRequest>localConsumer(localAddress, this::resize).completion())
      .onSuccess(v -> localWorkers.workerStarted(localAddress));
  }

  /** The address of the workers of node {@code nodeId}. */
  public static String nodeAddress(String nodeId) {
    return NODE_ADDRESS_PREFIX + nodeId;
  }

  @Override
  public Future<?> stop() {
    localWorkers.workerStopped(localAddress);
    return Future.succeededFuture();
  }

  private void resize(Message<ResizeRequest> message) {
    long started = System.nanoTime();
    ResizeRequest request = message.body();
    try {
      ResizedImage result = resizer.resize(request.image().getBytes(), request.width(), request.height(), request.mode(),
        request.output(), request.quality());
      long micros = (System.nanoTime() - started) / 1_000;
      message.reply(new ResizeResponse(Status.OK, result.width(), result.height(), micros, result.format(), "",
        request.name(), "", Buffer.buffer(result.bytes())));
      log.debug("Resized {} to {}x{} in {} ms", request.name(), result.width(), result.height(), micros / 1000);
    } catch (StatusException e) {
      log.debug("Refused {}: {}", request.name(), e.getMessage());
      message.fail(e.status().code(), e.getMessage());
    } catch (RuntimeException | OutOfMemoryError e) {
      log.error("Resize of {} failed", request.name(), e);
      message.fail(Status.INTERNAL_ERROR.code(), "the backend failed to resize the image: " + e);
    }
  }
}

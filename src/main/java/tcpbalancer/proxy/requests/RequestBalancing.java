package tcpbalancer.proxy.requests;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tcpbalancer.proxy.ProxyOptions;
import tcpbalancer.proxy.ProxyRuntime;

/**
 * Request mode ({@code balance: requests}) for one proxy instance: each client connection becomes a
 * {@link ClientSession} whose requests go, one by one, to the backends of the instance's {@link BackendPool}.
 * Client connections take one of the proxy's {@code maxConns} slots as in connection mode. The backend
 * connections are made with the instance's client, so they close when it does, after the drain.
 */
public final class RequestBalancing {

  private static final Logger log = LoggerFactory.getLogger(RequestBalancing.class);

  private final ProxyOptions options;
  private final BackendPool pool;
  private final Supplier<Future<Void>> takeSlot;
  private final Runnable giveBackSlot;

  /**
   * @param takeSlot     completes when a client connection may proceed, fails when it is refused
   * @param giveBackSlot gives back a slot {@code takeSlot} gave
   */
  public RequestBalancing(Vertx vertx, Context context, ProxyRuntime runtime, NetClient backendClient,
                          Supplier<Future<Void>> takeSlot, Runnable giveBackSlot) {
    this.options = runtime.options();
    this.pool = new BackendPool(context, runtime.group(), backendClient, RequestMeters.of(vertx, options.name()),
      options.retries(), options.closeWhenDown());
    this.takeSlot = takeSlot;
    this.giveBackSlot = giveBackSlot;
  }

  /** Takes over a new client connection; call it first thing, before any byte can arrive. */
  public void accept(NetSocket client) {
    boolean[] hungUp = {false};
    // While it waits for a slot: nothing read; what was in flight is let through at close, and dropped. (Raw
    // reads from the start: what arrives meanwhile waits as Netty buffers for the session's FrameStream.)
    ((NetSocketInternal) client).messageHandler(RawReads.DISCARD);
    client.pause();
    client.closeHandler(v -> {
      hungUp[0] = true;
      client.resume();
    });
    takeSlot.get().onComplete(slot -> {
      if (slot.failed()) {
        log.warn("Refusing connection from {}: {}", client.remoteAddress(), slot.cause().getMessage());
        client.close();
        return;
      }
      if (hungUp[0]) {
        giveBackSlot.run();
        return;
      }
      RequestAccessEntry access = options.accessLog()
        ? new RequestAccessEntry(options.accessLogFormat(), options.name(), String.valueOf(client.remoteAddress()))
        : RequestAccessEntry.OFF;
      new ClientSession(client, pool, options.name(), access, giveBackSlot).start();
    });
  }

  /** The instance stops. */
  public void close() {
    pool.close();
  }
}
